//! The join page (`/join.html`): where an external participant (a
//! courier) lands from the one-time link an agent sent them.
//!
//! The link's token is in the fragment (`#t=plj_…`). `join-boot.js` takes
//! it out of the address bar before the WASM even loads, and hands it
//! over in a global this module reads once and deletes. The token is
//! traded once (`POST /api/v1/join`) for a credential kept in
//! sessionStorage: a reload of this tab keeps working, a second open of
//! the link elsewhere is refused by the edge (`link_used`) and said so in
//! words, and the credential ends with the tab.

mod conversation;

use conversation::Conversation;
use gloo::storage::{SessionStorage, Storage};
use porchlight_browser::RequestError;
use porchlight_protocol::participants::{Join, Joined};
use yew::prelude::*;

/// Where the credential lives for this tab.
const CREDENTIAL_KEY: &str = "porchlight:participant";
/// The global `join-boot.js` leaves the fragment's token in.
const TOKEN_GLOBAL: &str = "porchlightJoinToken";

/// Whether this page is the join page (the console's WASM serves both).
pub fn is_join_page() -> bool {
    let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    path == "/join" || path == "/join.html"
}

pub fn start() {
    // Before anything else: the token must not stay in the address bar
    // (history, a shared screen, a screenshot). The boot script did it
    // already; this covers a page loaded without it.
    let token = take_token();
    yew::Renderer::<JoinApp>::with_props(Props { token: token.map(AttrValue::from) }).render();
}

/// The link's token, from the boot script's global or the fragment, and
/// never left behind in either.
fn take_token() -> Option<String> {
    let window = web_sys::window()?;
    let global: wasm_bindgen::JsValue = window.clone().into();
    let key = wasm_bindgen::JsValue::from_str(TOKEN_GLOBAL);
    let handed = js_sys::Reflect::get(&global, &key).ok().and_then(|v| v.as_string());
    let _ = js_sys::Reflect::delete_property(&global.into(), &key);
    let hash = window.location().hash().unwrap_or_default();
    let from_hash = token_from_fragment(&hash);
    if !hash.is_empty() {
        let location = window.location();
        let bare = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&bare));
        }
    }
    handed.or(from_hash).filter(|t| !t.trim().is_empty())
}

/// `t` of a fragment `#t=…` (the only thing the link's fragment holds).
fn token_from_fragment(hash: &str) -> Option<String> {
    hash.trim_start_matches('#').split('&').find_map(|kv| kv.strip_prefix("t=")).map(str::to_owned)
}

/// What a person is told when the link does not open the conversation:
/// by the status (the codes are `link_used`, `link_expired`, `not_found`,
/// `rate_limited`), in words, never the edge's developer message.
fn refusal_words(e: &RequestError) -> &'static str {
    match e.status {
        409 => {
            "This link was already opened. Each link opens the conversation once, in the browser where it was first opened. \
             Ask the person who sent it for a new link."
        }
        410 => "This link has expired or was withdrawn. Ask the person who sent it for a new link.",
        404 => "This link does not open any conversation. Check that you copied all of it, or ask for a new link.",
        429 => "Too many attempts from your network. Wait a few minutes, then open the link again.",
        0 => "Could not reach the chat service. Check your connection and reload the page.",
        _ => "The conversation could not be opened. Reload the page to try again.",
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The link's token, when this load came from the link.
    pub token: Option<AttrValue>,
}

#[derive(Clone, PartialEq)]
enum Phase {
    Opening,
    Open(Joined),
    Refused(&'static str),
}

#[function_component(JoinApp)]
fn join_app(props: &Props) -> Html {
    let phase = use_state(|| Phase::Opening);
    let edge: AttrValue = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default().into();
    {
        let (phase, token, edge) = (phase.clone(), props.token.clone(), edge.clone());
        use_effect_with((), move |_| {
            let stored = SessionStorage::get::<Joined>(CREDENTIAL_KEY).ok();
            match (token, stored) {
                (Some(token), stored) => wasm_bindgen_futures::spawn_local(async move {
                    // Only this link's own conversation may stand in for it.
                    let linked = porchlight_protocol::participants::link_session(token.trim()).map(|(_, s)| s);
                    let stored = stored.filter(|j| linked.as_ref() == Some(&j.session_id));
                    let url = format!("{edge}/api/v1/join");
                    match porchlight_browser::post_json::<_, Joined>(&url, &Join { token: token.to_string() }, None).await {
                        Ok(joined) => {
                            let _ = SessionStorage::set(CREDENTIAL_KEY, &joined);
                            phase.set(Phase::Open(joined));
                        }
                        Err(e) => match (e.status, stored) {
                            // This tab already traded it (the link opened again here): keep going.
                            (409, Some(joined)) => phase.set(Phase::Open(joined)),
                            _ => phase.set(Phase::Refused(refusal_words(&e))),
                        },
                    }
                }),
                (None, Some(joined)) => phase.set(Phase::Open(joined)),
                (None, None) => phase.set(Phase::Refused(
                    "This page opens a conversation from a link you were sent. Open that link to join; it works once, in one browser.",
                )),
            }
        });
    }
    let on_removed = Callback::from(|()| SessionStorage::delete(CREDENTIAL_KEY));
    html! {
        <main class="join" aria-labelledby="join-title">
            <h1 id="join-title" class="join-title">{ "Conversation" }</h1>
            { match &*phase {
                Phase::Opening => html! { <p class="note" role="status">{ "Opening the conversation…" }</p> },
                Phase::Refused(words) => html! { <p class="join-refused" role="alert">{ *words }</p> },
                Phase::Open(joined) => html! { <Conversation joined={joined.clone()} edge={edge.clone()} {on_removed} /> },
            } }
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_fragment() {
        assert_eq!(token_from_fragment("#t=plj_a_b_c").as_deref(), Some("plj_a_b_c"));
        assert_eq!(token_from_fragment("#x=1&t=plj_z").as_deref(), Some("plj_z"));
        assert_eq!(token_from_fragment(""), None);
        assert_eq!(token_from_fragment("#nothing"), None);
    }
}
