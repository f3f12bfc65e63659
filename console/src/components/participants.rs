//! "Add participant" (the conversation's More menu): search the team by
//! name, with "Customers" also the site's visitors and verified customers
//! (by name, email or user id), or add an external person (name and role,
//! "Sam", "courier") by a one-time link shown with a Copy button. The
//! warning that everyone sees every message stands above the choices. The
//! list below shows who is in the conversation, externals with Remove.
//! A plain list of buttons: Tab and Enter reach everything.

use crate::Agent;
use porchlight_browser::RequestError;
use porchlight_protocol::participants::{AddParticipant, CreatedInvite, ExternalList, Kind, Listed};
use porchlight_protocol::team::lookup::{Contact, ContactList};
use porchlight_protocol::{AgentId, AgentPresence, AgentRef, SessionId};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

pub const WARNING: &str = "Everyone in the conversation sees every message, earlier ones too.";

#[derive(Properties, PartialEq)]
pub struct Props {
    pub agent: Agent,
    pub session: SessionId,
    pub team: Vec<AgentPresence>,
    /// The owner and the agents already in.
    pub inside: Vec<AgentRef>,
    pub on_invite: Callback<AgentId>,
    pub on_close: Callback<()>,
    /// False once nobody may write (closed, its ticket closed): the panel
    /// only lists who is in, with Remove, which stays allowed.
    #[prop_or(true)]
    pub can_add: bool,
}

fn input_value(e: &InputEvent) -> String {
    e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default()
}

fn base(agent: &Agent, session: &SessionId) -> String {
    format!("{}/api/v1/sites/{}/sessions/{session}/participants", agent.edge, agent.login.site)
}

#[function_component(AddParticipantPanel)]
pub fn add_participant(props: &Props) -> Html {
    let query = use_state(String::new);
    let customers = use_state(|| false);
    let found = use_state(Vec::<Contact>::new);
    let externals = use_state(Vec::<Listed>::new);
    let created = use_state(|| None::<CreatedInvite>);
    let copied = use_state(|| None::<&'static str>);
    let error = use_state(|| None::<String>);
    let (name, role) = (use_state(String::new), use_state(String::new));
    let link_field = use_node_ref();
    let search_field = use_node_ref();
    let refresh = use_state(|| 0u32);

    // Focus lands in the search box when the panel opens.
    {
        let search_field = search_field.clone();
        use_effect_with((), move |_| {
            if let Some(el) = search_field.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    // Who is in (externals): on open and after each change.
    {
        let (externals, url, token) = (externals.clone(), base(&props.agent, &props.session), props.agent.token.to_string());
        use_effect_with(*refresh, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = porchlight_browser::get_json_as::<ExternalList>(&url, &token).await {
                    externals.set(list.participants);
                }
            });
        });
    }
    // Customers matching the query, when the toggle is on.
    {
        let (found, agent) = (found.clone(), props.agent.clone());
        use_effect_with(((*query).clone(), *customers), move |(q, on)| {
            let q = q.trim().to_owned();
            if !*on || q.is_empty() {
                found.set(Vec::new());
            } else {
                let url = format!(
                    "{}/api/v1/sites/{}/contacts?q={}",
                    agent.edge,
                    agent.login.site,
                    String::from(js_sys::encode_uri_component(&q))
                );
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(list) = porchlight_browser::get_json_as::<ContactList>(&url, &agent.token).await {
                        found.set(list.contacts);
                    }
                });
            }
        });
    }
    let add_external = {
        let (agent, session, created, error, refresh, copied) =
            (props.agent.clone(), props.session.clone(), created.clone(), error.clone(), refresh.clone(), copied.clone());
        let (name_field, role_field) = (name.clone(), role.clone());
        Callback::from(move |(name, role): (String, Option<String>)| {
            let (url, token) = (base(&agent, &session), agent.token.to_string());
            let (created, error, refresh, copied) = (created.clone(), error.clone(), refresh.clone(), copied.clone());
            let (name_field, role_field) = (name_field.clone(), role_field.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let body = AddParticipant { name, kind: Kind::External, role };
                match porchlight_browser::post_json::<_, CreatedInvite>(&url, &body, Some(&token)).await {
                    Ok(invite) => {
                        error.set(None);
                        copied.set(None);
                        created.set(Some(invite));
                        refresh.set(*refresh + 1);
                        // Made: the form is ready for the next person (a refusal keeps what was typed).
                        name_field.set(String::new());
                        role_field.set(String::new());
                    }
                    Err(RequestError { message, .. }) => error.set(Some(message)),
                }
            });
        })
    };
    let on_external = {
        let (name, role, add_external) = (name.clone(), role.clone(), add_external.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let role = Some(role.trim().to_owned()).filter(|r| !r.is_empty());
            add_external.emit(((*name).trim().to_owned(), role));
        })
    };
    let on_copy = {
        let (created, copied, link_field) = (created.clone(), copied.clone(), link_field.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(link) = created.as_ref().map(|c| c.link.clone()) else { return };
            let (copied, link_field) = (copied.clone(), link_field.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
                let done = match clipboard {
                    Some(c) => wasm_bindgen_futures::JsFuture::from(c.write_text(&link)).await.is_ok(),
                    None => false,
                };
                if done {
                    copied.set(Some("Link copied. Send it to them: it opens the conversation once."));
                } else {
                    // No clipboard here (permissions, an old browser): the link, selected, to copy by hand.
                    if let Some(el) = link_field.cast::<HtmlInputElement>() {
                        let _ = el.focus();
                        el.select();
                    }
                    copied.set(Some("Copying is not allowed here: the link is selected, press Ctrl+C (⌘C on a Mac)."));
                }
            });
        })
    };
    let on_remove = |id: String| {
        let (agent, session, refresh, error) = (props.agent.clone(), props.session.clone(), refresh.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let url = format!("{}/{id}", base(&agent, &session));
            let (token, refresh, error) = (agent.token.to_string(), refresh.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match porchlight_browser::delete_with_bearer(&url, &token).await {
                    Ok(()) => refresh.set(*refresh + 1),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };

    let q = query.trim().to_lowercase();
    let inside: Vec<&AgentId> = props.inside.iter().map(|a| &a.id).collect();
    let agents: Vec<&AgentPresence> = props
        .team
        .iter()
        .filter(|p| p.agent.id != props.agent.login.agent.id && !inside.contains(&&p.agent.id))
        .filter(|p| q.is_empty() || p.agent.name.to_lowercase().contains(&q) || p.agent.id.as_str().contains(&q))
        .collect();
    let close = {
        let c = props.on_close.clone();
        Callback::from(move |_: MouseEvent| c.emit(()))
    };
    let onkeydown = {
        let c = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                c.emit(());
            }
        })
    };
    html! {
        <section class="add-participant" aria-labelledby="add-participant-title" {onkeydown}>
            <div class="add-participant-head">
                <h2 id="add-participant-title">{ if props.can_add { "Add participant" } else { "Participants" } }</h2>
                <button type="button" class="link" onclick={close}>{ "Close" }</button>
            </div>
            if props.can_add {
            // Said before anyone is added: nothing here is private from them.
            <p class="add-participant-warning" role="note">{ WARNING }</p>
            <div class="add-participant-search">
                <input ref={search_field} type="search" aria-label="Search people" placeholder={if *customers { "Search customers by name or email" } else { "Search the team by name" }}
                    value={(*query).clone()} oninput={{ let q = query.clone(); Callback::from(move |e: InputEvent| q.set(input_value(&e))) }} />
                <label class="add-participant-toggle">
                    <input type="checkbox" aria-label="Customers" checked={*customers}
                        onchange={{ let c = customers.clone(); Callback::from(move |_| c.set(!*c)) }} />
                    { "Customers" }
                </label>
            </div>
            <ul class="add-participant-results" aria-label="People to add">
                { for agents.iter().map(|p| {
                    let (invite, id) = (props.on_invite.clone(), p.agent.id.clone());
                    html! { <li><button type="button" class="pick" data-agent={p.agent.id.to_string()}
                        onclick={Callback::from(move |_| invite.emit(id.clone()))}>{ format!("{} · agent", p.agent.name) }</button></li> }
                }) }
                { for found.iter().map(|c| {
                    let add = add_external.clone();
                    let who = c.name.clone();
                    let label = match (&c.email, &c.user_id) {
                        (_, Some(u)) => format!("{} · customer ✓ {u}", c.name),
                        (Some(e), None) => format!("{} <{e}> · visitor", c.name),
                        (None, None) => format!("{} · visitor", c.name),
                    };
                    html! { <li><button type="button" class="pick" data-contact={c.latest.to_string()}
                        onclick={Callback::from(move |_| add.emit((who.clone(), Some("customer".to_owned()))))}>{ label }</button></li> }
                }) }
                if agents.is_empty() && found.is_empty() {
                    <li class="none">{ if *customers { "Nobody matches." } else { "No other agent matches. Turn on Customers to search them too." } }</li>
                }
            </ul>
            <form class="add-participant-external" onsubmit={on_external} aria-labelledby="external-title">
                <h3 id="external-title">{ "External person" }</h3>
                <label>{ "Name" }<input name="external-name" required=true maxlength="80" value={(*name).clone()}
                    oninput={{ let n = name.clone(); Callback::from(move |e: InputEvent| n.set(input_value(&e))) }} /></label>
                <label>{ "Role" }<input name="external-role" maxlength="40" placeholder="courier" value={(*role).clone()}
                    oninput={{ let r = role.clone(); Callback::from(move |e: InputEvent| r.set(input_value(&e))) }} /></label>
                <button type="submit" class="primary">{ "Create link" }</button>
            </form>
            }
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
            if let Some(c) = &*created {
                <div class="add-participant-link">
                    <label>{ format!("One-time link for {}", c.participant.name) }
                        <input ref={link_field} readonly=true value={c.link.clone()} aria-describedby="link-note" /></label>
                    <button type="button" onclick={on_copy}>{ "Copy" }</button>
                    <p id="link-note" class="note" role="status">{ copied.unwrap_or("It opens the conversation once, within 24 hours.") }</p>
                </div>
            }
            <h3>{ "In this conversation" }</h3>
            <ul class="add-participant-inside" aria-label="Participants">
                { for props.inside.iter().map(|a| html! { <li>{ format!("{} · agent", a.name) }</li> }) }
                { for externals.iter().map(|x| html! {
                    <li data-external={x.who.id.clone()}>
                        <span>{ x.who.label() }</span>
                        <span class="note">{ if x.joined { " · joined" } else { " · link not opened yet" } }</span>
                        <button type="button" class="link" aria-label={format!("Remove {}", x.who.name)} onclick={on_remove(x.who.id.clone())}>{ "Remove" }</button>
                    </li>
                }) }
            </ul>
        </section>
    }
}
