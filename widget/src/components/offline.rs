//! "Leave a message": outside hours the visitor leaves an email (required)
//! and their question; the edge makes it a ticket for the team.

use porchlight_protocol::{validate, VisitorFrame};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
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

#[function_component(LeaveMessage)]
pub fn leave_message(props: &Props) -> Html {
    let email = use_node_ref();
    let question = use_node_ref();
    // The refusal, and whether it is about the email (then tied to that field).
    let error = use_state(|| None::<(String, bool)>);
    {
        // Filled once, not bound: yew would reset a bound field to its
        // prop on every render (an error shown would wipe what was typed).
        let (email, question) = (email.clone(), question.clone());
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
        });
    }
    let onsubmit = {
        let (email, question, error, on_frame) = (email.clone(), question.clone(), error.clone(), props.on_frame.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let address = email.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let text = question.cast::<HtmlTextAreaElement>().map(|t| t.value()).unwrap_or_default();
            // The edge checks the same; the visitor hears about a typo now.
            let checked = validate::email(Some(&address)).and_then(|e| {
                e.ok_or_else(|| validate::Invalid::new(porchlight_protocol::ErrorCode::InvalidEmail, crate::i18n::t().email_needed))
            });
            match checked.and_then(|email| validate::message(&text).map(|text| (email, text))) {
                Ok((email, text)) => {
                    error.set(None);
                    on_frame.emit(VisitorFrame::LeaveMessage { email, text });
                }
                // (A missing address keeps its own words: "so we can reply".)
                Err(e) if e.message == crate::i18n::t().email_needed => error.set(Some((e.message, true))),
                Err(e) => error.set(Some((crate::i18n::invalid(&e), e.code == porchlight_protocol::ErrorCode::InvalidEmail))),
            }
        })
    };
    let t = crate::i18n::t();
    let email_error = error.as_ref().is_some_and(|(_, on_email)| *on_email);
    html! {
        <form class="pl-offline" {onsubmit} novalidate=true aria-label={t.leave_message}>
            <p class="pl-intro">{ t.leave_intro }</p>
            <label class="pl-field">
                <span>{ t.email }</span>
                <input ref={email} type="email" aria-label={t.your_email} autocomplete="email" required=true
                    maxlength={validate::MAX_EMAIL_CHARS.to_string()}
                    aria-invalid={email_error.then_some("true")} aria-describedby={email_error.then_some("pl-offline-error")} />
            </label>
            // Right under the field it is about.
            if let Some((err, true)) = &*error {
                <p class="pl-error pl-field-error" id="pl-offline-error" role="alert">{ err }</p>
            }
            <label class="pl-field">
                <span>{ t.your_question }</span>
                <textarea ref={question} aria-label={t.your_question} rows="3" required=true
                    maxlength={validate::MAX_MESSAGE_CHARS.to_string()} />
            </label>
            if let Some((err, false)) = &*error {
                <p class="pl-error" id="pl-offline-error" role="alert">{ err }</p>
            }
            <div class="pl-offline-actions">
                <button type="submit" class="pl-primary">{ t.send_message }</button>
                <button type="button" class="pl-secondary" onclick={{ let c = props.on_cancel.clone(); Callback::from(move |_: MouseEvent| c.emit(())) }}>
                    { t.cancel }</button>
            </div>
        </form>
    }
}
