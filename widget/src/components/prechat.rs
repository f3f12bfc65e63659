//! The pre-chat form: name (required) and email (optional).

use crate::state::Credentials;
use porchlight_protocol::validate;
use porchlight_protocol::{CreateSession, SessionCreated};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub site: AttrValue,
    pub edge: AttrValue,
    pub on_started: Callback<Credentials>,
    /// What the visitor already typed in the loader's form.
    #[prop_or_default]
    pub prefill: Option<crate::early::Prefill>,
}

/// Creates a session and keeps it as the current conversation.
pub async fn start(edge: &str, site: &str, form: &CreateSession) -> Result<Credentials, porchlight_browser::RequestError> {
    let url = format!("{edge}/api/v1/sites/{site}/sessions");
    let created = porchlight_browser::post_json::<_, SessionCreated>(&url, form, None).await?;
    let creds = Credentials { session_id: created.session_id, token: created.token };
    creds.save(site, false);
    Ok(creds)
}

#[function_component(PreChat)]
pub fn prechat(props: &Props) -> Html {
    let name = use_node_ref();
    let email = use_node_ref();
    // A field's error sits under that field; the edge's (or the network's) under the button.
    let error = use_state(|| None::<(Field, String)>);
    let busy = use_state(|| false);
    let form = use_node_ref();
    {
        // Carry on where the loader's form left off: values, cursor, and a
        // "Start chat" already pressed.
        let (name, email, form, prefill) = (name.clone(), email.clone(), form.clone(), props.prefill.clone());
        use_effect_with((), move |()| {
            let Some(p) = prefill else { return };
            let input = |r: &NodeRef| r.cast::<HtmlInputElement>();
            if let (Some(n), Some(e)) = (input(&name), input(&email)) {
                n.set_value(&p.name);
                e.set_value(&p.email);
                let focus = match p.focus.as_str() {
                    "name" => Some(n),
                    "email" => Some(e),
                    _ => None,
                };
                if let Some(f) = focus {
                    let _ = f.focus();
                }
            }
            if p.submit {
                if let Some(f) = form.cast::<web_sys::HtmlFormElement>() {
                    let _ = f.request_submit();
                }
            }
        });
    }

    // After the form's own error (the edge refused it, or could not be
    // reached), focus stays on "Start chat", right under the alert; nothing
    // typed is lost.
    let submit = use_node_ref();
    {
        let submit = submit.clone();
        let form_error = error.as_ref().is_some_and(|(f, _)| *f == Field::Form);
        use_effect_with(((*error).clone(), form_error), move |(_, form_error)| {
            if *form_error {
                if let Some(b) = submit.cast::<web_sys::HtmlElement>() {
                    let _ = b.focus();
                }
            }
        });
    }
    let onsubmit = {
        let (name, email, error, busy) = (name.clone(), email.clone(), error.clone(), busy.clone());
        let (site, edge, on_started) = (props.site.clone(), props.edge.clone(), props.on_started.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| r.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let form = CreateSession {
                name: value(&name),
                email: Some(value(&email)).filter(|e| !e.trim().is_empty()),
                identity: crate::host::identity(),
                context: crate::host::context(),
                locale: Some(crate::i18n::lang().code().to_owned()),
            };
            // Same checks as the edge, so the visitor hears about a typo now.
            let invalid = match (validate::name(&form.name), validate::email(form.email.as_deref())) {
                (Err(e), _) => Some((Field::Name, crate::i18n::invalid(&e), &name)),
                (_, Err(e)) => Some((Field::Email, crate::i18n::invalid(&e), &email)),
                _ => None,
            };
            if let Some((field, message, input)) = invalid {
                error.set(Some((field, message)));
                if let Some(i) = input.cast::<HtmlInputElement>() {
                    let _ = i.focus();
                }
                return;
            }
            error.set(None);
            busy.set(true);
            let (error, busy, site, edge, on_started) = (error.clone(), busy.clone(), site.clone(), edge.clone(), on_started.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match start(&edge, &site, &form).await {
                    Ok(creds) => on_started.emit(creds),
                    // The form's own error (the edge refused, or could not be
                    // reached): focus stays on "Start chat", under the alert,
                    // and nothing typed is lost.
                    Err(e) => {
                        error.set(Some((Field::Form, e.message)));
                        busy.set(false);
                    }
                }
            });
        })
    };

    let error_for = |field: Field| error.as_ref().filter(|(f, _)| *f == field).map(|(_, m)| m.clone());
    let (name_error, email_error, form_error) = (error_for(Field::Name), error_for(Field::Email), error_for(Field::Form));
    // `aria-invalid` and `aria-describedby` tie an error to its field, so a
    // screen reader reads it with the field.
    let field_error = |id: &'static str, message: &Option<String>| match message {
        Some(m) => html! { <p class="pl-error pl-field-error" id={id} role="alert">{ m.clone() }</p> },
        None => html! {},
    };
    let t = crate::i18n::t();
    html! {
        <form class="pl-prechat" ref={form} {onsubmit} novalidate=true>
            <p class="pl-intro">{ t.prechat_intro }</p>
            <div class="pl-field">
                <label for="pl-name">{ t.name }</label>
                <input ref={name} id="pl-name" type="text" aria-label={t.name} autocomplete="name" required=true
                    aria-invalid={name_error.is_some().then_some("true")} aria-describedby={name_error.is_some().then_some("pl-name-error")}
                    maxlength={validate::MAX_NAME_CHARS.to_string()} />
                { field_error("pl-name-error", &name_error) }
            </div>
            <div class="pl-field">
                <label for="pl-email">{ t.email }<em>{ t.optional }</em></label>
                <input ref={email} id="pl-email" type="email" aria-label={t.email} autocomplete="email"
                    aria-invalid={email_error.is_some().then_some("true")} aria-describedby={email_error.is_some().then_some("pl-email-error")}
                    maxlength={validate::MAX_EMAIL_CHARS.to_string()} />
                { field_error("pl-email-error", &email_error) }
            </div>
            if let Some(err) = form_error {
                <p class="pl-error" role="alert">{ err }</p>
            }
            <button type="submit" class="pl-primary" disabled={*busy} ref={submit}>{ t.start_chat }</button>
        </form>
    }
}

/// Where an error of the form belongs.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Name,
    Email,
    /// The whole form (the edge refused it, or could not be reached).
    Form,
}
