//! Team chat in the console: staff-only channels and direct messages
//! beside the queue. One socket to the site's `SiteTeam` directory carries
//! the channel list, membership, folders and badges; the channel on screen
//! has its own socket to its `TeamChannel` (its log, resumed from the
//! last seq held, and its live frames). The sidebar groups channels by
//! folder, then "Channels" and "Direct messages".

mod channel;
mod dialogs;
pub mod state;

use crate::Agent;
use channel::ChannelView;
use dialogs::{NewChannel, NewDm};
use porchlight_browser::icons::{icon, Icon};
use porchlight_browser::{Conn, Handlers, Socket};
use porchlight_protocol::team::{ChannelId, ChannelInfo, ChannelKind, TeamClientFrame, TeamFrame};
use porchlight_protocol::Seq;
use state::{Action, TeamState};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub agent: Agent,
    /// Shown (the "Team" area) or only kept connected for the badge.
    pub visible: bool,
    /// The badge total whenever it changes (for the "Team" button).
    /// The total and how it is said ("1 mention", "3 unread").
    pub on_badge: Callback<(u32, String)>,
    /// Open a visitor's conversation in the workspace (a `/contact` link).
    pub on_open_session: Callback<porchlight_protocol::SessionId>,
}

/// Sends a frame on the socket it belongs to: the open channel's for its
/// log, reads and typing, the directory's for the rest
/// ([`TeamClientFrame::channel_socket`]).
pub type Sender = Rc<dyn Fn(TeamClientFrame)>;

/// A socket to one channel's `TeamChannel`: `hello` with the token and the
/// last seq the console holds, answered by `history`; it reconnects (and
/// resumes) by itself, and closes when dropped.
fn channel_socket(agent: &Agent, id: &ChannelId, last_seq: Rc<RefCell<Seq>>, state: UseReducerHandle<TeamState>) -> Socket {
    let path = format!("/api/v1/sites/{}/team/channels/{id}", agent.login.site);
    let token = agent.token.to_string();
    Socket::connect(
        porchlight_browser::ws_url(&agent.edge, &path),
        Handlers {
            hello: Box::new(move || {
                let hello = TeamClientFrame::Hello { token: token.clone(), last_seq: Some(*last_seq.borrow()) };
                serde_json::to_string(&hello).unwrap_or_default()
            }),
            on_frame: Box::new(move |text| {
                if let Ok(frame) = serde_json::from_str::<TeamFrame>(&text) {
                    state.dispatch(Action::Frame(frame));
                }
            }),
            on_state: Box::new(|_| {}),
        },
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialog {
    None,
    Channel,
    Dm,
}

#[function_component(TeamChat)]
pub fn team_chat(props: &Props) -> Html {
    let state = use_reducer(TeamState::default);
    let socket: Rc<RefCell<Option<Socket>>> = use_mut_ref(|| None);
    let open = use_state(|| None::<ChannelId>);
    let dialog = use_state(|| Dialog::None);
    let open_now = use_mut_ref(|| None::<ChannelId>);
    // The channel this agent just created: its view takes the focus once.
    let focus_new = use_state(|| None::<ChannelId>);
    *open_now.borrow_mut() = (*open).clone();
    // The open channel's socket, and the last seq its transcript holds (read at each hello).
    let channel_sock: Rc<RefCell<Option<(ChannelId, Socket)>>> = use_mut_ref(|| None);
    let held: Rc<RefCell<Seq>> = use_mut_ref(Seq::default);
    *held.borrow_mut() = open.as_ref().and_then(|id| state.transcripts.get(id)).map(|t| t.last_seq()).unwrap_or_default();
    {
        let (state, socket, agent) = (state.clone(), socket.clone(), props.agent.clone());
        use_effect_with((), move |_| {
            let url = porchlight_browser::ws_url(&agent.edge, &format!("/api/v1/sites/{}/team", agent.login.site));
            let (frames, states, token) = (state.clone(), state.clone(), agent.token.to_string());
            *socket.borrow_mut() = Some(Socket::connect(
                url,
                Handlers {
                    hello: Box::new(move || {
                        serde_json::to_string(&TeamClientFrame::Hello { token: token.clone(), last_seq: None }).unwrap_or_default()
                    }),
                    on_frame: Box::new(move |text| {
                        if let Ok(frame) = serde_json::from_str::<TeamFrame>(&text) {
                            frames.dispatch(Action::Frame(frame));
                        }
                    }),
                    on_state: Box::new(move |c| states.dispatch(Action::Conn(c))),
                },
            ));
            move || drop(socket.borrow_mut().take())
        });
    }
    let sender: Sender = {
        let (socket, channel_sock) = (socket.clone(), channel_sock.clone());
        Rc::new(move |frame: TeamClientFrame| match frame.channel_socket() {
            Some(id) => {
                // `open` and `close` are the channel socket's own connect and drop.
                if matches!(frame, TeamClientFrame::Open { .. } | TeamClientFrame::Close { .. }) {
                    return;
                }
                if let Some((_, s)) = channel_sock.borrow().as_ref().filter(|(open, _)| open == id) {
                    s.send(&frame);
                }
            }
            None => {
                if let Some(s) = socket.borrow().as_ref() {
                    s.send(&frame);
                }
            }
        })
    };
    // The channel on screen gets its socket; another channel, or none, drops it.
    {
        let (channel_sock, held, state, agent) = (channel_sock.clone(), held.clone(), state.clone(), props.agent.clone());
        use_effect_with((*open).clone(), move |open| {
            let replaced = channel_sock.borrow().as_ref().map(|(id, _)| id.clone()) != *open;
            if replaced {
                drop(channel_sock.borrow_mut().take());
                if let Some(id) = open {
                    *channel_sock.borrow_mut() = Some((id.clone(), channel_socket(&agent, id, held, state)));
                }
            }
        });
    }
    {
        let channel_sock = channel_sock.clone();
        use_effect_with((), move |_| move || drop(channel_sock.borrow_mut().take()));
    }
    // After each (re)connect of the channel socket (its `history` is in): resend its outbox.
    {
        let (sender, state, open_now) = (sender.clone(), state.clone(), open_now.clone());
        use_effect_with(state.resumes, move |r| {
            if *r > 0 {
                if let Some(id) = open_now.borrow().clone() {
                    for p in state.transcripts.get(&id).into_iter().flat_map(|t| t.unsent()) {
                        sender(TeamClientFrame::Send {
                            channel: id.clone(),
                            client_id: p.client_id.clone(),
                            text: p.text.clone(),
                            reply_to: p.reply_to,
                        });
                    }
                }
            }
        });
    }
    {
        let on_badge = props.on_badge.clone();
        use_effect_with((state.badge_total(), state.badge_spoken()), move |b| on_badge.emit(b.clone()));
    }
    let select = {
        let open = open.clone();
        Callback::from(move |id: ChannelId| open.set(Some(id)))
    };
    // A channel or DM this agent just made (or reopened) opens.
    {
        let (select, dialog, focus_new) = (select.clone(), dialog.clone(), focus_new.clone());
        use_effect_with(state.created.clone(), move |created| {
            if let Some(id) = created {
                dialog.set(Dialog::None);
                focus_new.set(Some(id.clone()));
                select.emit(id.clone());
            }
        });
    }
    // The channel open went away (left, removed, deleted): nothing is shown.
    if let Some(id) = &*open {
        if state.hellos > 0 && !state.channels.contains_key(id) {
            open.set(None);
        }
    }
    let show = |d: Dialog| {
        let dialog = dialog.clone();
        Callback::from(move |_: MouseEvent| dialog.set(d))
    };
    let close_dialog = {
        let dialog = dialog.clone();
        Callback::from(move |()| dialog.set(Dialog::None))
    };
    let me = state.me.clone();
    let on_await = {
        let state = state.clone();
        Callback::from(move |a| state.dispatch(Action::Await(a)))
    };
    let site_admin = state.site_admin;
    let entry = |c: &ChannelInfo| {
        let label = state.label(c);
        let count = c.badge.total_share(c.read.muted);
        let current = open.as_ref() == Some(&c.id);
        let private = c.channel.kind == ChannelKind::Private;
        let onclick = {
            let (select, id, focus_new) = (select.clone(), c.id.clone(), focus_new.clone());
            Callback::from(move |_: MouseEvent| {
                focus_new.set(None);
                select.emit(id.clone())
            })
        };
        html! {
            <li>
                <button type="button" class={classes!("team-entry", current.then_some("current"), (count > 0).then_some("has-unread"))}
                    aria-current={current.then_some("true")} data-channel={c.id.to_string()} {onclick}>
                    if private { <span class="lock">{ icon(Icon::Lock, 14) }</span> }
                    <span class="team-name">{ label }</span>
                    // Said, not shown: the name stays what is seen (WCAG 2.5.3).
                    if private { <span class="sr-only">{ ", private" }</span> }
                    if c.read.muted { <span class="muted-mark">{ " (muted)" }</span> }
                    if count > 0 {
                        // The figure is seen; ", 1 mention" (muted) or ", 3 unread" is said.
                        <span class="badge" title={c.badge.spoken(c.read.muted)}><span aria-hidden="true">{ count }</span>
                            <span class="sr-only">{ format!(", {}", c.badge.spoken(c.read.muted)) }</span></span>
                    }
                </button>
            </li>
        }
    };
    let in_folder = |folder: &str| state.sorted(|c| !TeamState::is_direct(c) && c.channel.folder.as_deref() == Some(folder));
    let loose = state.sorted(|c| !TeamState::is_direct(c) && c.channel.folder.as_ref().is_none_or(|f| !state.folders.contains(f)));
    let dms = state.sorted(TeamState::is_direct);
    let current = open.as_ref().and_then(|id| state.channels.get(id));
    html! {
        <section class="team-area" hidden={!props.visible} aria-label="Team chat">
            <nav class="team-side" aria-label="Team channels">
                <div class="team-new">
                    <button type="button" onclick={show(Dialog::Channel)} aria-expanded={(*dialog == Dialog::Channel).to_string()}>{ "New channel" }</button>
                    <button type="button" onclick={show(Dialog::Dm)} aria-expanded={(*dialog == Dialog::Dm).to_string()}>{ "New DM" }</button>
                </div>
                if state.conn == Some(Conn::Reconnecting) { <p class="note" role="status">{ "Reconnecting…" }</p> }
                { for state.folders.iter().map(|f| html! {
                    <section class="team-group" aria-label={f.clone()}>
                        <h2>{ f }</h2>
                        <ul>{ for in_folder(f).into_iter().map(entry) }</ul>
                    </section>
                }) }
                <section class="team-group" aria-label="Channels">
                    <h2>{ "Channels" }</h2>
                    <ul>{ for loose.into_iter().map(entry) }</ul>
                </section>
                <section class="team-group" aria-label="Direct messages">
                    <h2>{ "Direct messages" }</h2>
                    <ul>{ for dms.into_iter().map(entry) }</ul>
                </section>
                if site_admin { <dialogs::Folders folders={state.folders.clone()} sender={SenderProp(sender.clone())} /> }
            </nav>
            <div class="team-main">
                if let Some(e) = &state.error { <p class="error" role="alert">{ e }</p> }
                { match *dialog {
                    Dialog::Channel => html! { <NewChannel folders={state.folders.clone()} {site_admin} sender={SenderProp(sender.clone())}
                        on_close={close_dialog.clone()} on_await={on_await.clone()} refused={state.create_error.clone()} /> },
                    Dialog::Dm => html! { <NewDm team={state.team.clone()} me={me.clone()} sender={SenderProp(sender.clone())}
                        on_close={close_dialog.clone()} on_await={on_await.clone()} /> },
                    Dialog::None => html! {},
                } }
                if let (Some(c), Some(me)) = (current, me.clone()) {
                    <ChannelView key={c.id.to_string()} info={c.clone()} label={state.label(c)} {me} {site_admin} agent={props.agent.clone()}
                        transcript={state.transcripts.get(&c.id).cloned().unwrap_or_default()}
                        notice={state.notices.get(&c.id).cloned()} team={state.team.clone()} folders={state.folders.clone()}
                        sender={SenderProp(sender.clone())} on_open_session={props.on_open_session.clone()}
                        on_queue={{ let state = state.clone(); Callback::from(move |(id, cid, text, reply)| state.dispatch(Action::Queue(id, cid, text, reply))) }}
                        on_dismiss={{ let state = state.clone(); Callback::from(move |id| state.dispatch(Action::Dismiss(id))) }}
                        focus_on_open={focus_new.as_ref() == Some(&c.id)} />
                } else if *dialog == Dialog::None {
                    <section class="chat empty"><p>{ "Pick a channel or a direct message, or start one." }</p></section>
                }
            </div>
        </section>
    }
}

/// A [`Sender`] as a prop (always equal: it routes to the sockets of the moment).
#[derive(Clone)]
pub struct SenderProp(pub Sender);

impl PartialEq for SenderProp {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl SenderProp {
    pub fn send(&self, frame: TeamClientFrame) {
        (self.0)(frame)
    }
}
