//! The forms beside the sidebar: New channel, New DM, and the site
//! admin's folders. Plain in-page forms (no modal), each field labelled.

use super::state::Awaiting;
use super::SenderProp;
use porchlight_browser::icons::{icon, Icon};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::team::{ChannelKind, ChannelName, TeamClientFrame};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NewChannelProps {
    pub folders: Vec<String>,
    pub site_admin: bool,
    pub sender: SenderProp,
    pub on_close: Callback<()>,
    pub on_await: Callback<Awaiting>,
    /// The edge's refusal of the last "Create channel" (its `message`).
    #[prop_or_default]
    pub refused: Option<String>,
}

fn value(node: &NodeRef) -> String {
    node.cast::<HtmlInputElement>().map(|e| e.value()).unwrap_or_default()
}

#[function_component(NewChannel)]
pub fn new_channel(props: &NewChannelProps) -> Html {
    let (name, description, private, folder) = (use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref());
    let problem = use_state(|| None::<String>);
    // Ours (the name cannot be made valid) or the edge's (taken, refused): both belong to the name field.
    let shown = (*problem).clone().or_else(|| props.refused.clone());
    {
        let name = name.clone();
        use_effect_with(props.refused.clone(), move |refused| {
            if refused.is_some() {
                if let Some(el) = name.cast::<HtmlInputElement>() {
                    let _ = el.focus();
                }
            }
        });
    }
    let first = name.clone();
    use_effect_with((), move |_| {
        if let Some(el) = first.cast::<HtmlInputElement>() {
            let _ = el.focus();
        }
    });
    let onsubmit = {
        let (name, description, private, folder, problem, sender) =
            (name.clone(), description.clone(), private.clone(), folder.clone(), problem.clone(), props.sender.clone());
        let on_await = props.on_await.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let typed = value(&name);
            // What people type ("Proj 014 Carms Court") becomes a valid name.
            let parsed = ChannelName::parse(&typed).or_else(|err| ChannelName::suggest(&typed).ok_or(err));
            let name = match parsed {
                Ok(n) => n,
                Err(err) => return problem.set(Some(err.message())),
            };
            let kind =
                if private.cast::<HtmlInputElement>().is_some_and(|e| e.checked()) { ChannelKind::Private } else { ChannelKind::Public };
            let folder = folder.cast::<HtmlSelectElement>().map(|s| s.value()).filter(|f| !f.is_empty());
            problem.set(None);
            on_await.emit(Awaiting::Name(name.clone()));
            sender.send(TeamClientFrame::Create { name, kind, description: value(&description), folder });
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <form class="team-dialog" aria-label="New channel" {onsubmit}>
            <h2>{ "New channel" }</h2>
            <label for="team-new-name">{ "Name" }</label>
            <input id="team-new-name" ref={name} required=true maxlength="80" autocomplete="off"
                aria-invalid={shown.is_some().then_some("true")}
                aria-describedby={if shown.is_some() { "team-new-name-error team-new-name-hint" } else { "team-new-name-hint" }}
                placeholder="proj-014-carms-court" />
            if let Some(p) = &shown { <p id="team-new-name-error" class="error field-error" role="alert">{ p }</p> }
            <p id="team-new-name-hint" class="hint">{ "Lowercase words joined by hyphens; what you type is turned into one." }</p>
            <label for="team-new-description">{ "Description (optional)" }</label>
            <input id="team-new-description" ref={description} maxlength="250" autocomplete="off" />
            <label class="check"><input type="checkbox" ref={private} />{ " Private " }<span class="lock">{ icon(Icon::Lock, 14) }</span>{ " (members only)" }</label>
            if props.site_admin && !props.folders.is_empty() {
                <label for="team-new-folder">{ "Folder" }</label>
                <select id="team-new-folder" ref={folder}>
                    <option value="" selected=true>{ "No folder" }</option>
                    { for props.folders.iter().map(|f| html! { <option value={f.clone()}>{ f }</option> }) }
                </select>
            }
            <div class="team-row">
                <button type="submit" class="primary">{ "Create channel" }</button>
                <button type="button" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct NewDmProps {
    pub team: Vec<AgentRef>,
    pub me: Option<AgentRef>,
    pub sender: SenderProp,
    pub on_close: Callback<()>,
    pub on_await: Callback<Awaiting>,
}

#[function_component(NewDm)]
pub fn new_dm(props: &NewDmProps) -> Html {
    let chosen = use_state(Vec::<porchlight_protocol::AgentId>::new);
    let problem = use_state(|| None::<String>);
    let others: Vec<&AgentRef> = props.team.iter().filter(|a| props.me.as_ref().is_none_or(|m| m.id != a.id)).collect();
    let onsubmit = {
        let (chosen, problem, sender, on_await) = (chosen.clone(), problem.clone(), props.sender.clone(), props.on_await.clone());
        let me = props.me.as_ref().map(|m| m.id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if chosen.is_empty() {
                return problem.set(Some("Choose at least one person.".into()));
            }
            problem.set(None);
            let mut people = (*chosen).clone();
            people.extend(me.clone());
            on_await.emit(Awaiting::Members(people));
            sender.send(TeamClientFrame::Direct { members: (*chosen).clone() });
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <form class="team-dialog" aria-label="New direct message" {onsubmit}>
            <h2>{ "New direct message" }</h2>
            <fieldset>
                <legend>{ "With" }</legend>
                { for others.iter().map(|a| {
                    let id = a.id.clone();
                    let checked = chosen.contains(&id);
                    let onchange = {
                        let chosen = chosen.clone();
                        Callback::from(move |_: Event| {
                            let mut next = (*chosen).clone();
                            if let Some(i) = next.iter().position(|c| *c == id) { next.remove(i); } else { next.push(id.clone()); }
                            chosen.set(next);
                        })
                    };
                    html! { <label class="check"><input type="checkbox" {checked} {onchange} data-agent={a.id.to_string()} />{ format!(" {}", a.name) }</label> }
                }) }
                if others.is_empty() { <p>{ "Nobody else is on this site's team yet." }</p> }
            </fieldset>
            if let Some(p) = &*problem { <p class="error" role="alert">{ p }</p> }
            <div class="team-row">
                <button type="submit" class="primary">{ "Start" }</button>
                <button type="button" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct FoldersProps {
    pub folders: Vec<String>,
    pub sender: SenderProp,
}

/// A site admin's folders, one per line of a comma-separated field.
#[function_component(Folders)]
pub fn folders(props: &FoldersProps) -> Html {
    let input = use_node_ref();
    let onsubmit = {
        let (input, sender) = (input.clone(), props.sender.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let folders = value(&input).split(',').map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()).collect();
            sender.send(TeamClientFrame::Folders { folders });
        })
    };
    html! {
        <form class="team-folders" aria-label="Folders" {onsubmit}>
            <label for="team-folders">{ "Folders (comma-separated)" }</label>
            <input id="team-folders" ref={input} value={props.folders.join(", ")} autocomplete="off" />
            <button type="submit">{ "Save folders" }</button>
        </form>
    }
}
