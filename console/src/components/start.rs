//! "New conversation": an agent starts a conversation about an order with
//! a verified customer (`POST …/conversations` with the agent's token);
//! the agent owns it and writes first, and it opens at once. The customer
//! sees it in the widget once a page of the site identifies them.

use crate::Agent;
use porchlight_protocol::staff::{StartConversation, StartedConversation};
use porchlight_protocol::{validate, SessionId, SessionSummary};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The form's words, together for the i18n move.
const OPEN: &str = "New conversation";
const TITLE: &str = "New conversation with a customer";
const HINT: &str = "The customer is a signed-in user of your site: they see this conversation in the chat the next time they visit.";
const SEND: &str = "Start conversation";
const CANCEL: &str = "Cancel";

#[derive(Properties, PartialEq)]
pub struct Props {
    pub agent: Agent,
    /// Verified customers the queue knows of, offered as suggestions.
    pub known: Vec<SessionSummary>,
    /// Opens the new conversation.
    pub on_started: Callback<SessionId>,
}

#[function_component(NewConversation)]
pub fn new_conversation(props: &Props) -> Html {
    let open = use_state(|| false);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let refs: [NodeRef; 4] = Default::default();
    let message = use_node_ref();
    let first = refs[0].clone();
    {
        let first = first.clone();
        use_effect_with(*open, move |open| {
            if *open {
                if let Some(el) = first.cast::<HtmlInputElement>() {
                    let _ = el.focus();
                }
            }
        });
    }
    if !*open {
        let open = open.clone();
        return html! { <button type="button" class="primary new-conversation" onclick={Callback::from(move |_| open.set(true))}>{ OPEN }</button> };
    }
    let onsubmit = {
        let (refs, message, error, busy, agent, on_started, open) =
            (refs.clone(), message.clone(), error.clone(), busy.clone(), props.agent.clone(), props.on_started.clone(), open.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let value = |r: &NodeRef| r.cast::<HtmlInputElement>().map(|el| el.value()).unwrap_or_default();
            let optional = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            let body = StartConversation {
                user_id: value(&refs[0]),
                name: optional(value(&refs[1])),
                email: optional(value(&refs[2])),
                order_ref: value(&refs[3]),
                message: message.cast::<HtmlTextAreaElement>().map(|el| el.value()).unwrap_or_default(),
                agent_id: None,
            };
            // The same rules the edge applies, so a mistake is named before the request.
            if let Err(e) = porchlight_protocol::staff::check_start(&body) {
                error.set(Some(e.message));
                return;
            }
            busy.set(true);
            let (error, busy, agent, on_started, open) = (error.clone(), busy.clone(), agent.clone(), on_started.clone(), open.clone());
            let url = format!("{}/api/v1/sites/{}/conversations", agent.edge, agent.login.site);
            wasm_bindgen_futures::spawn_local(async move {
                match porchlight_browser::post_json::<_, StartedConversation>(&url, &body, Some(&agent.token)).await {
                    Ok(started) => {
                        error.set(None);
                        open.set(false);
                        on_started.emit(started.session_id);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
                busy.set(false);
            });
        })
    };
    let cancel = {
        let (open, error) = (open.clone(), error.clone());
        Callback::from(move |_| {
            error.set(None);
            open.set(false);
        })
    };
    let onkeydown = {
        let cancel = cancel.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                cancel.emit(());
            }
        })
    };
    // Each verified customer once, by user id.
    let mut known: Vec<(&str, String)> = Vec::new();
    for s in &props.known {
        if let Some(id) = s.visitor.user_id.as_deref() {
            if !known.iter().any(|(k, _)| *k == id) {
                let label =
                    [Some(s.visitor.name.as_str()), s.visitor.email.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                known.push((id, label));
            }
        }
    }
    html! {
        <form class="start" aria-labelledby="start-title" {onsubmit} {onkeydown}>
            <h2 id="start-title">{ TITLE }</h2>
            <p class="hint">{ HINT }</p>
            <label>{ "Customer (user id)" }
                <input ref={refs[0].clone()} name="user_id" list="known-customers" autocomplete="off" required=true
                    maxlength={porchlight_protocol::identity::MAX_USER_ID_CHARS.to_string()} />
            </label>
            <datalist id="known-customers">
                { for known.iter().map(|(id, label)| html! { <option value={id.to_string()}>{ label }</option> }) }
            </datalist>
            <label>{ "Name (optional)" }<input ref={refs[1].clone()} name="name" autocomplete="off" maxlength={validate::MAX_NAME_CHARS.to_string()} /></label>
            <label>{ "Email (optional)" }<input ref={refs[2].clone()} name="email" type="email" autocomplete="off" maxlength={validate::MAX_EMAIL_CHARS.to_string()} /></label>
            <label>{ "Order reference" }<input ref={refs[3].clone()} name="order_ref" autocomplete="off" required=true maxlength={validate::MAX_ORDER_REF_CHARS.to_string()} /></label>
            <label>{ "First message" }<textarea ref={message} name="message" rows="3" required=true maxlength={validate::MAX_MESSAGE_CHARS.to_string()} /></label>
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
            <div class="actions">
                <button type="submit" class="primary" disabled={*busy}>{ SEND }</button>
                <button type="button" onclick={cancel.reform(|_: MouseEvent| ())}>{ CANCEL }</button>
            </div>
        </form>
    }
}
