//! The agent console, served by the edge at `/agent`.
//!
//! Sign in with an agent token (`POST /api/v1/agent/login`), then two kinds
//! of socket: one to the site's queue (live list of sessions), and one to the
//! session the agent has open (accept, chat, close). The token is kept in
//! sessionStorage, so it ends with the tab.

mod components;
mod join;

use components::{chat::Chat, queue::Queue, signin::SignIn, team::TeamChat, tickets::Tickets};
use gloo::storage::{SessionStorage, Storage};
use porchlight_protocol::{AgentLogin, AgentPresence, SessionId};
use yew::prelude::*;

#[derive(Clone, PartialEq)]
pub struct Agent {
    pub token: AttrValue,
    pub login: AgentLogin,
    /// The edge's origin (the console is served by it).
    pub edge: AttrValue,
}

const TOKEN_KEY: &str = "porchlight:agent-token";

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    // One WASM for both pages: `/join.html` is the external participant's.
    if join::is_join_page() {
        return join::start();
    }
    yew::Renderer::<App>::new().render();
}

/// (session, accept as soon as it opens)
pub type Selection = Option<(SessionId, bool)>;

#[function_component(App)]
fn app() -> Html {
    let agent = use_state(|| None::<Agent>);
    let selected = use_state(|| None::<(SessionId, bool)>);
    let team = use_state(Vec::<AgentPresence>::new);
    // The tickets list instead of the conversation pane.
    let showing_tickets = use_state(|| false);
    // Team chat instead of the queue and conversation (kept connected for its badge).
    let showing_team = use_state(|| false);
    let team_badge = use_state(|| (0u32, String::new()));
    let edge: AttrValue = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default().into();

    let on_signed_in = {
        let agent = agent.clone();
        let edge = edge.clone();
        Callback::from(move |(token, login): (String, AgentLogin)| {
            let _ = SessionStorage::set(TOKEN_KEY, &token);
            agent.set(Some(Agent { token: token.into(), login, edge: edge.clone() }));
        })
    };
    let on_sign_out = {
        let agent = agent.clone();
        Callback::from(move |_| {
            SessionStorage::delete(TOKEN_KEY);
            agent.set(None);
        })
    };
    let on_presence = {
        let team = team.clone();
        Callback::from(move |p: Vec<AgentPresence>| team.set(p))
    };
    let on_select = {
        let (selected, showing_tickets) = (selected.clone(), showing_tickets.clone());
        Callback::from(move |sel: (SessionId, bool)| {
            showing_tickets.set(false);
            selected.set(Some(sel));
        })
    };
    let on_ticket = {
        let on_select = on_select.clone();
        Callback::from(move |id: SessionId| on_select.emit((id, false)))
    };

    // `/agent#session=<id>` (a `/contact` link opened in a new tab) opens that conversation.
    {
        let selected = selected.clone();
        use_effect_with(agent.is_some(), move |signed_in| {
            let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
            if let (true, Some(id)) = (*signed_in, hash.strip_prefix("#session=").and_then(SessionId::parse)) {
                selected.set(Some((id, false)));
            }
        });
    }
    match &*agent {
        None => html! { <SignIn edge={edge} remembered={SessionStorage::get::<String>(TOKEN_KEY).ok()} {on_signed_in} /> },
        Some(a) => html! {
            <div class="app">
                <header class="topbar">
                    <strong>{ "Porchlight" }</strong>
                    <span class="site">{ &a.login.site_name }</span>
                    <span class="me">{ format!("Signed in as {}", a.login.agent.name) }</span>
                    <button class="link team-toggle" aria-pressed={showing_team.to_string()}
                        onclick={{ let t = showing_team.clone(); Callback::from(move |_| t.set(!*t)) }}>
                        { "Team" }if team_badge.0 > 0 { <span class="badge">{ team_badge.0 }<span class="sr-only">{ format!(" {}", team_badge.1) }</span></span> }</button>
                    <button class="link" aria-pressed={showing_tickets.to_string()}
                        onclick={{ let (t, team) = (showing_tickets.clone(), showing_team.clone()); Callback::from(move |_| { team.set(false); t.set(!*t) }) }}>{ "Tickets" }</button>
                    <button class="link" onclick={on_sign_out}>{ "Sign out" }</button>
                </header>
                <TeamChat agent={a.clone()} visible={*showing_team} on_badge={{ let b = team_badge.clone(); Callback::from(move |n| b.set(n)) }}
                    on_open_session={{ let (on_select, team) = (on_select.clone(), showing_team.clone()); Callback::from(move |id| { team.set(false); on_select.emit((id, false)) }) }} />
                <main class="workspace" hidden={*showing_team}>
                    <Queue agent={a.clone()} selected={selected.as_ref().map(|s| s.0.clone())} {on_select} {on_presence} />
                    if *showing_tickets {
                        <Tickets agent={a.clone()} on_open={on_ticket} />
                    } else if let Some((id, accept)) = &*selected {
                        // Shown on a phone only (console.css), where the conversation takes the list's place.
                        <button class="link back-to-list" onclick={{ let s = selected.clone(); Callback::from(move |_| s.set(None)) }}>
                            { "← All conversations" }</button>
                        <Chat key={id.to_string()} agent={a.clone()} id={id.clone()} accept={*accept} team={(*team).clone()} />
                    } else {
                        <section class="chat empty"><p>{ "Select a conversation, or accept one that is waiting." }</p></section>
                    }
                </main>
            </div>
        },
    }
}
