//! "Leave a message": outside hours the visitor leaves an email (required)
//! and their question; the edge makes it a ticket for the team.
//!
//! The form sits at the end of the conversation's log and scrolls with it
//! (like the rating card): one scroll for the whole panel, so on a short
//! window its fields and buttons are reached by the same scroll as the
//! messages, and it is scrolled into view when it opens and after an error.

use porchlight_protocol::{validate, ErrorCode, VisitorFrame};
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The email the visitor already gave, if any.
    #[prop_or_default]
    pub email: Option<AttrValue>,
    /// Their last question, to start from.
    #[prop_or_default]
    pub question: Option<AttrValue>,
    pub on_frame: Callback<VisitorFrame>,
    pub on_cancel: Callback<()>,
}

/// The field a refusal is about: its message is shown under it, tied to it
/// (`aria-describedby`), and the focus goes there.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Email,
    Question,
}

const ERROR_ID: &str = "pl-offline-error";

/// What the form says about its fields, in the visitor's language: a
/// missing email or question says what to do, not only what is wrong.
fn check(address: &str, text: &str) -> Result<(String, String), (Field, String)> {
    let t = crate::i18n::t();
    let email = match validate::email(Some(address)) {
        Ok(Some(email)) => email,
        Ok(None) => return Err((Field::Email, t.email_needed.to_owned())),
        Err(e) => return Err((Field::Email, crate::i18n::invalid(&e))),
    };
    match validate::message(text) {
        Ok(text) => Ok((email, text)),
        Err(e) if e.code == ErrorCode::MessageEmpty => Err((Field::Question, t.question_needed.to_owned())),
        Err(e) => Err((Field::Question, crate::i18n::invalid(&e))),
    }
}

/// Brings the whole form into the log's view (its buttons at the bottom
/// edge), after the focus moved into it.
fn reveal(form: &NodeRef) {
    if let Some(el) = form.cast::<web_sys::Element>() {
        el.scroll_into_view_with_bool(false);
    }
}

#[function_component(LeaveMessage)]
pub fn leave_message(props: &Props) -> Html {
    let form = use_node_ref();
    let email = use_node_ref();
    let question = use_node_ref();
    // The refusal, the field it is about, and how many there were (each
    // one moves the focus, even when the same refusal repeats).
    let error = use_state(|| None::<(String, Field, u32)>);
    {
        // Filled once, not bound: yew would reset a bound field to its
        // prop on every render (an error shown would wipe what was typed).
        let (form, email, question) = (form.clone(), email.clone(), question.clone());
        let (given_email, given_question) = (props.email.clone(), props.question.clone());
        use_effect_with((), move |_| {
            if let (Some(el), Some(v)) = (question.cast::<HtmlTextAreaElement>(), given_question) {
                el.set_value(&v);
            }
            if let Some(el) = email.cast::<HtmlInputElement>() {
                if let Some(v) = given_email {
                    el.set_value(&v);
                }
                let _ = el.focus();
            }
            reveal(&form);
        });
    }
    {
        // After a refusal: the focus on the field to fix (its error is read
        // with it), and the form in view again (the error line made it taller).
        let (form, email, question) = (form.clone(), email.clone(), question.clone());
        let refused = error.as_ref().map(|(_, field, n)| (*field, *n));
        use_effect_with(refused, move |refused| {
            let Some((field, _)) = refused else { return };
            let target = match field {
                Field::Email => email.cast::<HtmlElement>(),
                Field::Question => question.cast::<HtmlElement>(),
            };
            if let Some(el) = target {
                let _ = el.focus();
            }
            reveal(&form);
        });
    }
    let onsubmit = {
        let (email, question, error, on_frame) = (email.clone(), question.clone(), error.clone(), props.on_frame.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let address = email.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let text = question.cast::<HtmlTextAreaElement>().map(|t| t.value()).unwrap_or_default();
            // The edge checks the same; the visitor hears about a typo now.
            match check(&address, &text) {
                Ok((email, text)) => {
                    error.set(None);
                    on_frame.emit(VisitorFrame::LeaveMessage { email, text });
                }
                Err((field, message)) => {
                    let n = error.as_ref().map_or(0, |(_, _, n)| n + 1);
                    error.set(Some((message, field, n)));
                }
            }
        })
    };
    let t = crate::i18n::t();
    let on = |field: Field| error.as_ref().filter(|(_, f, _)| *f == field).map(|(message, _, _)| message.clone());
    let (email_error, question_error) = (on(Field::Email), on(Field::Question));
    let error_line = |message: String| html! { <p class="pl-error pl-field-error" id={ERROR_ID} role="alert">{ message }</p> };
    html! {
        <form class="pl-offline" ref={form} {onsubmit} novalidate=true aria-label={t.leave_message}>
            <p class="pl-intro">{ t.leave_intro }</p>
            <label class="pl-field">
                <span>{ t.email }</span>
                <input ref={email} type="email" aria-label={t.your_email} autocomplete="email" required=true
                    maxlength={validate::MAX_EMAIL_CHARS.to_string()}
                    aria-invalid={email_error.is_some().then_some("true")} aria-describedby={email_error.is_some().then_some(ERROR_ID)} />
            </label>
            // Right under the field it is about.
            if let Some(message) = email_error.clone() { { error_line(message) } }
            <label class="pl-field">
                <span>{ t.your_question }</span>
                <textarea ref={question} aria-label={t.your_question} rows="3" required=true
                    maxlength={validate::MAX_MESSAGE_CHARS.to_string()}
                    aria-invalid={question_error.is_some().then_some("true")}
                    aria-describedby={question_error.is_some().then_some(ERROR_ID)} />
            </label>
            if let Some(message) = question_error.clone() { { error_line(message) } }
            <div class="pl-offline-actions">
                <button type="submit" class="pl-primary">{ t.send_message }</button>
                <button type="button" class="pl-secondary" onclick={{ let c = props.on_cancel.clone(); Callback::from(move |_: MouseEvent| c.emit(())) }}>
                    { t.cancel }</button>
            </div>
        </form>
    }
}
