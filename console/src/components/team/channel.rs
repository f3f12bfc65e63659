//! One team channel or DM: its messages (rendered as a session's, with the
//! same "⋯" menu: react, reply, edit, delete), day separators and a "New
//! messages" mark with "Jump to first unread", typing, the composer with
//! its slash-command list, mute, and the members panel.

use super::SenderProp;
use porchlight_browser::files::{team_files_url, AttachButton, AttachmentView};
use porchlight_browser::icons::{icon, Icon};
use porchlight_browser::ui::{self, Compose, MessageAction, MessageTools};
use porchlight_browser::TypingSignal;
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::team::slash;
use porchlight_protocol::team::{
    Channel, ChannelAction, ChannelId, ChannelInfo, ChannelKind, ChannelName, ChannelRole, Staff, TeamClientFrame, MAX_TEAM_MESSAGE_CHARS,
};
use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{clock, AgentId, Author, ClientMsgId, Participant, Seq};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub info: ChannelInfo,
    /// The signed-in agent: the edge and the token files are fetched and sent with.
    pub agent: crate::Agent,
    pub label: String,
    pub me: AgentRef,
    pub site_admin: bool,
    pub transcript: Transcript,
    pub notice: Option<super::state::Notice>,
    /// Open a visitor's conversation (a `/contact` link).
    pub on_open_session: Callback<porchlight_protocol::SessionId>,
    pub team: Vec<AgentRef>,
    pub folders: Vec<String>,
    pub sender: SenderProp,
    pub on_queue: Callback<(ChannelId, ClientMsgId, String, Option<Seq>)>,
    pub on_dismiss: Callback<ChannelId>,
    /// Just made by this agent ("Create channel"): focus goes to the
    /// composer (or the heading, if they may not write), not to the page.
    #[prop_or_default]
    pub focus_on_open: bool,
}

fn may(channel: &Channel, staff: &Staff, action: ChannelAction) -> bool {
    channel.may(staff, &action).is_ok()
}

#[function_component(ChannelView)]
pub fn channel_view(props: &Props) -> Html {
    let id = props.info.id.clone();
    let channel = &props.info.channel;
    let staff = Staff { id: props.me.id.clone(), site_admin: props.site_admin };
    let member = channel.is_member(&props.me.id);
    let can_post = may(channel, &staff, ChannelAction::Post);
    let input = use_node_ref();
    let composer = use_node_ref();
    let files_base = AttrValue::from(team_files_url(&props.agent.edge, props.agent.login.site.as_str(), id.as_str()));
    let bearer = props.agent.token.clone();
    let compose = use_state(Compose::default);
    let draft = use_state(String::new);
    let active = use_state(|| 0usize);
    let members_open = use_state(|| false);
    let confirm_delete = use_state(|| false);
    let rename = RenameState { asked: use_state(|| None), problem: use_state(|| None) };
    let heading = use_node_ref();
    {
        let (input, heading, focus) = (input.clone(), heading.clone(), props.focus_on_open);
        use_effect_with((), move |_| {
            if focus {
                let composer = input.cast::<HtmlTextAreaElement>().filter(|t| !t.disabled());
                let _ = match composer {
                    Some(t) => t.focus(),
                    None => heading.cast::<web_sys::HtmlElement>().map_or(Ok(()), |h| h.focus()),
                };
            }
        });
    }
    // A rename this view asked for: the edge's refusal (a notice on this
    // channel) is shown under the name field; the new name arriving ends it.
    {
        let (rename, on_dismiss, id) = (rename.clone(), props.on_dismiss.clone(), id.clone());
        let name = channel.name.clone();
        use_effect_with((props.notice.clone(), name), move |(notice, name)| {
            if let Some(asked) = (*rename.asked).clone() {
                if name.as_ref() == Some(&asked) {
                    rename.asked.set(None);
                    rename.problem.set(None);
                } else if let Some(n) = notice {
                    rename.asked.set(None);
                    rename.problem.set(Some(n.text.clone()));
                    on_dismiss.emit(id);
                }
            }
        });
    }
    // The read mark as it was on opening: where "New messages" begins.
    let first_mark = use_state(|| props.info.read.last_read);
    let typing = {
        let (sender, id) = (props.sender.clone(), id.clone());
        use_memo((), move |_| TypingSignal::new(move |typing| sender.send(TeamClientFrame::Typing { channel: id.clone(), typing })))
    };
    // Everything on screen is read: the mark follows the log's end.
    {
        let (sender, id) = (props.sender.clone(), id.clone());
        let last = props.transcript.last_seq();
        let behind = props.info.read.last_read < last;
        use_effect_with((last, behind), move |(last, behind)| {
            let visible =
                web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
            if *behind && visible {
                sender.send(TeamClientFrame::Read { channel: id, seq: *last });
            }
        });
    }
    let log = use_node_ref();
    {
        let log = log.clone();
        use_effect_with(props.transcript.len(), move |_| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let commands = slash::matching(&draft);
    let popup = !commands.is_empty() && can_post;
    let pick = |name: &str| format!("/{name} ");
    let send = {
        let (input, compose, sender, on_queue, id, typing, draft) =
            (input.clone(), compose.clone(), props.sender.clone(), props.on_queue.clone(), id.clone(), typing.clone(), draft.clone());
        move || {
            let Some(text) = porchlight_browser::take_draft(&input) else { return };
            draft.set(String::new());
            typing.stop();
            let mode = *compose;
            compose.set(Compose::New);
            if let Compose::Edit(seq) = mode {
                return sender.send(TeamClientFrame::Edit { channel: id.clone(), seq, text });
            }
            let reply_to = match mode {
                Compose::Reply(seq) => Some(seq),
                _ => None,
            };
            let client_id = porchlight_browser::new_client_id();
            // A command is answered in place; it is not a message to keep in the outbox.
            if slash::parse(&text).is_none() {
                on_queue.emit((id.clone(), client_id.clone(), text.clone(), reply_to));
            }
            sender.send(TeamClientFrame::Send { channel: id.clone(), client_id, text, reply_to });
        }
    };
    let onkeydown = {
        let enter = porchlight_browser::enter_to_send(send.clone());
        let (active, draft, input) = (active.clone(), draft.clone(), input.clone());
        let names: Vec<&'static str> = commands.iter().map(|c| c.name).collect();
        Callback::from(move |e: KeyboardEvent| {
            if popup && !names.is_empty() {
                let n = names.len();
                match e.key().as_str() {
                    "ArrowDown" => {
                        return {
                            e.prevent_default();
                            active.set((*active + 1) % n)
                        }
                    }
                    "ArrowUp" => {
                        return {
                            e.prevent_default();
                            active.set((*active + n - 1) % n)
                        }
                    }
                    // A complete command ("/help") runs on Enter; a partial one is completed.
                    "Enter" if slash::enter_runs(&draft) => {}
                    "Tab" | "Enter" if !e.shift_key() => {
                        e.prevent_default();
                        let chosen = format!("/{} ", names[(*active).min(n - 1)]);
                        if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                            el.set_value(&chosen);
                        }
                        active.set(0);
                        return draft.set(chosen);
                    }
                    "Escape" => {
                        e.prevent_default();
                        if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                            el.set_value("");
                        }
                        return draft.set(String::new());
                    }
                    _ => {}
                }
            }
            enter(e)
        })
    };
    let oninput = {
        let (input, typing, draft, active) = (input.clone(), typing.clone(), draft.clone(), active.clone());
        Callback::from(move |_: InputEvent| {
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                let v = el.value();
                if !v.starts_with('/') {
                    typing.input(&v);
                }
                active.set(0);
                draft.set(v);
            }
        })
    };
    let onsubmit = {
        let send = send.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            send();
        })
    };
    let t = &props.transcript;
    let offset = porchlight_browser::utc_offset_min();
    let days = clock::DaySeparators::new(porchlight_browser::now_ms(), offset);
    let me = Participant::Agent { id: props.me.id.clone(), name: props.me.name.clone() };
    let first_unread =
        t.messages().find(|m| m.seq > *first_mark && !matches!(&m.author, Author::Agent { id, .. } if *id == props.me.id)).map(|m| m.seq);
    let on_action = |seq: Seq| {
        let (sender, compose, input, id, transcript) = (props.sender.clone(), compose.clone(), input.clone(), id.clone(), t.clone());
        Callback::from(move |action: MessageAction| {
            let frame = match action {
                MessageAction::React(emoji, on) => TeamClientFrame::React { channel: id.clone(), seq, emoji, on },
                MessageAction::Delete => TeamClientFrame::Remove { channel: id.clone(), seq },
                MessageAction::Reply | MessageAction::Edit => {
                    let el = input.cast::<HtmlTextAreaElement>();
                    if action == MessageAction::Edit {
                        compose.set(Compose::Edit(seq));
                        if let (Some(el), Some(m)) = (&el, transcript.get(seq)) {
                            el.set_value(&m.text);
                        }
                    } else {
                        compose.set(Compose::Reply(seq));
                    }
                    if let Some(el) = el {
                        let _ = el.focus();
                    }
                    return;
                }
            };
            sender.send(frame);
        })
    };
    let jump = {
        let log = log.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(seq) = first_unread else { return };
            if let Some(el) = log.cast::<web_sys::Element>().and_then(|l| l.query_selector(&format!("[data-seq=\"{seq}\"]")).ok().flatten())
            {
                el.scroll_into_view();
                if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                    let _ = el.focus();
                }
            }
        })
    };
    let frame_button = |frame: TeamClientFrame| {
        let sender = props.sender.clone();
        Callback::from(move |_: MouseEvent| sender.send(frame.clone()))
    };
    let muted = props.info.read.muted;
    let private = channel.kind == ChannelKind::Private;
    html! {
        <section class="chat team-channel" aria-label={format!("Channel {}", props.label)}>
            <header class="chat-head">
                <div class="who-box">
                    <h2 class="visitor" title={props.label.clone()} ref={heading} tabindex="-1">
                        if private { <span class="lock">{ icon(Icon::Lock, 16) }</span> }{ &props.label }
                        if private { <span class="sr-only">{ ", private" }</span> }</h2>
                    if !channel.description.is_empty() { <div class="email">{ &channel.description }</div> }
                    if channel.archived { <div class="email">{ "Archived: read-only" }</div> }
                </div>
                <div class="actions">
                    if !member && may(channel, &staff, ChannelAction::Join) {
                        <button class="primary" onclick={frame_button(TeamClientFrame::Join { channel: id.clone() })}>{ "Join" }</button>
                    }
                    <button aria-pressed={muted.to_string()} onclick={frame_button(TeamClientFrame::Mute { channel: id.clone(), muted: !muted })}
                        title="A muted channel does not count toward your badge; mentions still do">{ if muted { "Unmute" } else { "Mute" } }</button>
                    <button aria-expanded={members_open.to_string()} aria-controls="team-members"
                        onclick={{ let m = members_open.clone(); Callback::from(move |_| m.set(!*m)) }}>
                        { format!("Members ({})", channel.members.len()) }</button>
                </div>
            </header>
            if first_unread.is_some() {
                <div class="jump-bar"><button type="button" class="link jump" onclick={jump}>{ "Jump to first unread" }</button></div>
            }
            // The log is the pane's one scroller; the members panel sits beside it, not above.
            <div class="team-body">
            <div class="log" role="log" aria-label="Messages" ref={log}>
                { for t.messages().map(|m| {
                    let separator = days.before(m.at).map(|label| html! { <div class="day" role="separator">{ label }</div> });
                    let own = matches!(&m.author, Author::Agent { id, .. } if *id == props.me.id);
                    let who = porchlight_protocol::change::author_name(&m.author);
                    html! { <>
                        { separator }
                        if Some(m.seq) == first_unread { <div class="day unread-mark" role="separator">{ "New messages" }</div> }
                        <div class={if own { "msg mine" } else { "msg theirs" }} data-seq={m.seq.to_string()} tabindex="-1">
                            <div class="who" title={who.clone()}>{ who }</div>
                            { ui::quote(t, m) }
                            if let Some(file) = &m.attachment {
                                <AttachmentView file={file.clone()} base={files_base.clone()} bearer={bearer.clone()} />
                            } else {
                                { ui::text(m, "text") }
                            }
                            <div class="meta time">{ format!("{}{}", clock::time_label(m.at, offset), ui::edited(m)) }</div>
                            <MessageTools message={m.clone()} me={me.clone()} mine={own} enabled={can_post} quotable={can_post} on_action={on_action(m.seq)} />
                        </div>
                    </> }
                }) }
                { for t.outbox.iter().map(|p| html! {
                    <div class="msg mine pending">
                        <div class="text" dir="auto">{ &p.text }</div>
                        <div class="meta">{ p.error.clone().unwrap_or_else(|| "Sending…".into()) }</div>
                    </div>
                }) }
            </div>
            if *members_open {
                { members_panel(props, &staff, &confirm_delete, &rename) }
            }
            </div>
            if let Some(who) = t.typing.first() {
                <p class="typing" aria-live="polite">{ match who {
                    Participant::Agent { name, .. } => format!("{name} is typing…"),
                    Participant::Visitor => String::new(),
                } }</p>
            }
            if let Some(n) = &props.notice {
                <div class="team-notice" role="status">
                    <pre>{ &n.text }</pre>
                    if !n.links.is_empty() {
                        <ul class="team-notice-links">{ for n.links.iter().map(|l| {
                            let (open, id) = (props.on_open_session.clone(), l.session.clone());
                            let onclick = Callback::from(move |e: MouseEvent| { e.prevent_default(); open.emit(id.clone()) });
                            html! { <li><a href={format!("/agent#session={}", l.session)} data-session={l.session.to_string()} {onclick}>{ &l.label }</a></li> }
                        }) }</ul>
                    }
                    <button type="button" class="link" onclick={{ let (d, id) = (props.on_dismiss.clone(), id.clone()); Callback::from(move |_| d.emit(id.clone())) }}>{ "Dismiss" }</button>
                </div>
            }
            { ui::compose_banner(t, *compose, { let c = compose.clone(); Callback::from(move |_| c.set(Compose::New)) }) }
            <form class="composer team-composer" ref={composer.clone()} {onsubmit}>
                <AttachButton base={files_base.clone()} bearer={bearer.clone()} disabled={!can_post} target={composer.clone()} />
                if popup {
                    <ul id="team-commands" class="slash" role="listbox" aria-label="Commands">
                        { for commands.iter().enumerate().map(|(i, c)| {
                            let chosen = pick(c.name);
                            let onclick = {
                                let (input, draft) = (input.clone(), draft.clone());
                                Callback::from(move |_: MouseEvent| {
                                    if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                                        el.set_value(&chosen);
                                        let _ = el.focus();
                                    }
                                    draft.set(chosen.clone());
                                })
                            };
                            html! {
                                <li id={format!("team-command-{}", c.name)} role="option" aria-selected={(i == *active).to_string()}
                                    class={classes!((i == *active).then_some("active"))} {onclick}>
                                    <span class="cmd">{ format!("/{} {}", c.name, c.args) }</span>
                                    <span class="desc">{ c.description }</span>
                                </li>
                            }
                        }) }
                    </ul>
                }
                <textarea ref={input} aria-label="Message" rows="3" disabled={!can_post} maxlength={MAX_TEAM_MESSAGE_CHARS.to_string()}
                    aria-controls={popup.then_some("team-commands")} aria-autocomplete="list"
                    aria-activedescendant={popup.then(|| format!("team-command-{}", commands[(*active).min(commands.len() - 1)].name))}
                    placeholder={if can_post { "Message, or / for commands" } else if channel.archived { "This channel is archived" } else { "Join the channel to write" }}
                    {onkeydown} {oninput} />
                <button type="submit" class="primary" disabled={!can_post}>{ "Send" }</button>
            </form>
        </section>
    }
}

/// A rename in flight (the name asked for) and why the last one was refused.
#[derive(Clone)]
struct RenameState {
    asked: UseStateHandle<Option<ChannelName>>,
    problem: UseStateHandle<Option<String>>,
}

/// Members, add and remove, leave; rename, folder, archive, delete for
/// those who may.
fn members_panel(props: &Props, staff: &Staff, confirm_delete: &UseStateHandle<bool>, renaming: &RenameState) -> Html {
    let channel = &props.info.channel;
    let id = props.info.id.clone();
    let name_of = |agent: &AgentId| props.team.iter().find(|a| a.id == *agent).map_or_else(|| agent.to_string(), |a| a.name.clone());
    let candidates: Vec<&AgentRef> = props.team.iter().filter(|a| !channel.is_member(&a.id)).collect();
    let can_add = channel.kind != ChannelKind::Direct
        && !candidates.is_empty()
        && may(channel, staff, ChannelAction::AddMember(candidates[0].id.clone()));
    let admin = may(channel, staff, ChannelAction::Rename);
    let add = {
        let (sender, id) = (props.sender.clone(), id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let select = e
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .and_then(|f| f.query_selector("select").ok().flatten())
                .and_then(|s| wasm_bindgen::JsCast::dyn_into::<HtmlSelectElement>(s).ok());
            if let Some(agent) = select.map(|s| s.value()).filter(|v| !v.is_empty()) {
                sender.send(TeamClientFrame::AddMember { channel: id.clone(), agent: AgentId(agent) });
            }
        })
    };
    let rename = {
        let (sender, id, renaming) = (props.sender.clone(), id.clone(), renaming.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = e
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .and_then(|f| f.query_selector("input").ok().flatten())
                .and_then(|s| wasm_bindgen::JsCast::dyn_into::<HtmlInputElement>(s).ok());
            let typed = input.map(|i| i.value()).unwrap_or_default();
            // What people type becomes a valid name, as in "New channel".
            match ChannelName::parse(&typed).or_else(|err| ChannelName::suggest(&typed).ok_or(err)) {
                Err(err) => renaming.problem.set(Some(err.message())),
                Ok(name) => {
                    renaming.problem.set(None);
                    renaming.asked.set(Some(name.clone()));
                    sender.send(TeamClientFrame::Update {
                        channel: id.clone(),
                        name: Some(name),
                        description: None,
                        folder: None,
                        archived: None,
                    });
                }
            }
        })
    };
    let on_folder = {
        let (sender, id) = (props.sender.clone(), id.clone());
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<HtmlSelectElement>(t).ok()) {
                sender.send(TeamClientFrame::Update {
                    channel: id.clone(),
                    name: None,
                    description: None,
                    folder: Some(s.value()),
                    archived: None,
                });
            }
        })
    };
    let send = |frame: TeamClientFrame| {
        let sender = props.sender.clone();
        Callback::from(move |_: MouseEvent| sender.send(frame.clone()))
    };
    html! {
        <aside id="team-members" class="visitor-info team-members" aria-label="Members">
            <ul>
                { for channel.members.iter().map(|(agent, role)| html! {
                    <li>
                        { name_of(agent) }
                        if *role == ChannelRole::Admin { <span class="hint">{ " · admin" }</span> }
                        if *agent != staff.id && may(channel, staff, ChannelAction::RemoveMember(agent.clone())) {
                            { " " }<button type="button" class="link" aria-label={format!("Remove {}", name_of(agent))}
                                onclick={send(TeamClientFrame::RemoveMember { channel: id.clone(), agent: agent.clone() })}>{ "Remove" }</button>
                        }
                    </li>
                }) }
            </ul>
            if can_add {
                <form class="team-row" onsubmit={add}>
                    <label for="team-add-member">{ "Add member" }</label>
                    // Nobody is chosen until the user picks (the form asks for one).
                    <select id="team-add-member" required=true>
                        <option value="" selected=true disabled=true>{ "Choose a person…" }</option>
                        { for candidates.iter().map(|a| html! { <option value={a.id.to_string()}>{ &a.name }</option> }) }
                    </select>
                    <button type="submit">{ "Add" }</button>
                </form>
            }
            if may(channel, staff, ChannelAction::Leave) {
                <button type="button" onclick={send(TeamClientFrame::Leave { channel: id.clone() })}>{ "Leave channel" }</button>
            }
            if admin && channel.kind != ChannelKind::Direct {
                <form class="team-row team-field" onsubmit={rename}>
                    <label for="team-rename">{ "Rename" }</label>
                    <input id="team-rename" value={channel.name.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_default()} autocomplete="off"
                        aria-invalid={renaming.problem.is_some().then_some("true")}
                        aria-describedby={renaming.problem.is_some().then_some("team-rename-error")} />
                    <button type="submit">{ "Rename" }</button>
                    if let Some(p) = &*renaming.problem { <p id="team-rename-error" class="error field-error" role="alert">{ p }</p> }
                </form>
            }
            if props.site_admin && channel.kind != ChannelKind::Direct && !props.folders.is_empty() {
                <div class="team-row">
                    <label for="team-move">{ "Folder" }</label>
                    <select id="team-move" onchange={on_folder}>
                        <option value="" selected={channel.folder.is_none()}>{ "No folder" }</option>
                        { for props.folders.iter().map(|f| html! { <option value={f.clone()} selected={channel.folder.as_ref() == Some(f)}>{ f }</option> }) }
                    </select>
                </div>
            }
            if may(channel, staff, ChannelAction::Archive) {
                <div class="team-row">
                    <button type="button" onclick={send(TeamClientFrame::Update { channel: id.clone(), name: None, description: None, folder: None, archived: Some(!channel.archived) })}>
                        { if channel.archived { "Unarchive" } else { "Archive" } }</button>
                    if **confirm_delete {
                        <span role="alert">{ "Delete this channel and all its messages for everyone? " }</span>
                        <button type="button" class="danger" onclick={send(TeamClientFrame::Delete { channel: id.clone() })}>{ "Delete for everyone" }</button>
                        <button type="button" onclick={{ let c = confirm_delete.clone(); Callback::from(move |_| c.set(false)) }}>{ "Keep it" }</button>
                    } else {
                        <button type="button" class="danger" onclick={{ let c = confirm_delete.clone(); Callback::from(move |_| c.set(true)) }}>{ "Delete channel…" }</button>
                    }
                </div>
            }
        </aside>
    }
}
