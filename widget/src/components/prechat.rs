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
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);

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
            };
            // Same checks as the edge, so the visitor hears about a typo now.
            if let Err(e) = validate::name(&form.name).and_then(|_| validate::email(form.email.as_deref())) {
                error.set(Some(e.message));
                return;
            }
            busy.set(true);
            let (error, busy, site, edge, on_started) = (error.clone(), busy.clone(), site.clone(), edge.clone(), on_started.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match start(&edge, &site, &form).await {
                    Ok(creds) => on_started.emit(creds),
                    Err(e) => {
                        error.set(Some(e.message));
                        busy.set(false);
                    }
                }
            });
        })
    };

    html! {
        <form class="pl-prechat" {onsubmit} novalidate=true>
            <p class="pl-intro">{ "Tell us who you are and we'll connect you." }</p>
            <label class="pl-field">
                <span>{ "Name" }</span>
                <input ref={name} type="text" aria-label="Name" autocomplete="name" required=true
                    maxlength={validate::MAX_NAME_CHARS.to_string()} />
            </label>
            <label class="pl-field">
                <span>{ "Email" }<em>{ " (optional)" }</em></span>
                <input ref={email} type="email" aria-label="Email" autocomplete="email"
                    maxlength={validate::MAX_EMAIL_CHARS.to_string()} />
            </label>
            if let Some(err) = &*error {
                <p class="pl-error" role="alert">{ err }</p>
            }
            <button type="submit" class="pl-primary" disabled={*busy}>{ "Start chat" }</button>
        </form>
    }
}
