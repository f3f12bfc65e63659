//! One conversation, from the agent's side: accept, reply, release to the
//! queue, transfer, invite, close; typing both ways; whether the visitor is
//! online; and what the bot already suggested and the visitor read, so it
//! is not repeated. The header keeps Accept and Close session in sight and
//! the rest in a "More" menu, so every action fits beside any name.

use crate::Agent;
use porchlight_browser::files::{files_url, AttachButton, AttachmentView};
use porchlight_browser::icons::{icon, Icon};
use porchlight_browser::ui::{self, Compose, MessageAction, MessageTools};
use porchlight_browser::{Conn, Handlers, Socket, TypingSignal};
use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{
    clock, inbox, validate, AgentFrame, AgentPresence, ArticleRef, Author, Participant, Presence, Seq, SessionFrame, SessionId, Status,
};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// Shown in the Invite menu, before anyone is added.
const INVITE_NOTE: &str = "Everyone in the conversation sees every message, earlier ones too.";

#[derive(Properties, PartialEq)]
pub struct Props {
    pub agent: Agent,
    pub id: SessionId,
    /// Send `accept` as soon as the session opens (the queue's Accept button).
    pub accept: bool,
    /// The site's agents with their presence (Transfer's choices).
    pub team: Vec<AgentPresence>,
}

#[derive(Clone, Default, PartialEq)]
struct ChatState {
    transcript: Transcript,
    conn: Option<Conn>,
    welcomes: u32,
}

/// What the header's "More" menu shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum More {
    Closed,
    Main,
    /// Pick the agent to hand the conversation to.
    Transfer,
    /// Pick the agent to bring in.
    Invite,
    /// "Release to queue" asks first: the conversation stops being theirs.
    Release,
}

impl ui::ClosedValue for More {
    const CLOSED: More = More::Closed;
}

enum Action {
    Frame(SessionFrame),
    Queue(porchlight_protocol::ClientMsgId, String, Option<Seq>),
    QueueNote(porchlight_protocol::ClientMsgId, String),
    Conn(Conn),
}

impl Reducible for ChatState {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Frame(frame) => {
                next.welcomes += u32::from(matches!(frame, SessionFrame::Welcome { .. }));
                next.transcript.apply(frame);
            }
            Action::Queue(id, text, reply_to) => next.transcript.queue(id, text, reply_to),
            Action::QueueNote(id, text) => next.transcript.queue_note(id, text),
            Action::Conn(c) => next.conn = Some(c),
        }
        Rc::new(next)
    }
}

#[function_component(Chat)]
pub fn chat(props: &Props) -> Html {
    let state = use_reducer(ChatState::default);
    let socket: Rc<RefCell<Option<Socket>>> = use_mut_ref(|| None);
    let accept_pending = use_mut_ref(|| props.accept);
    let input = use_node_ref();
    let more = use_state(|| More::Closed);
    let more_button = use_node_ref();
    let more_panel = use_node_ref();
    let more_root = use_node_ref();
    let close_more = ui::close_popup(more.clone(), more_button.clone());
    ui::use_focus_first(more_panel.clone(), *more as u8);
    ui::use_outside_press(more_root.clone(), *more != More::Closed, {
        let more = more.clone();
        Callback::from(move |()| more.set(More::Closed))
    });
    // The "Add participant" panel (from the More menu).
    let adding = use_state(|| false);
    // Writing an internal note instead of a reply.
    let note_mode = use_state(|| false);
    let compose = use_state(Compose::default);
    let typing = {
        let socket = socket.clone();
        use_memo((), move |_| {
            TypingSignal::new(move |typing| {
                if let Some(s) = socket.borrow().as_ref() {
                    s.send(&AgentFrame::Typing { typing });
                }
            })
        })
    };
    // The resume point `hello` sends on every reconnect: the newest render's.
    let cursor = use_mut_ref(porchlight_protocol::Seq::default);
    *cursor.borrow_mut() = state.transcript.resume_seq();
    {
        let (state, socket, agent, id) = (state.clone(), socket.clone(), props.agent.clone(), props.id.clone());
        let cursor = cursor.clone();
        use_effect_with((), move |_| {
            let url = porchlight_browser::ws_url(&agent.edge, &format!("/api/v1/sites/{}/sessions/{id}/agent", agent.login.site));
            let (frames, states, token) = (state.clone(), state.clone(), agent.token.to_string());
            *socket.borrow_mut() = Some(Socket::connect(
                url,
                Handlers {
                    hello: Box::new(move || {
                        let hello = AgentFrame::Hello { token: token.clone(), last_seq: *cursor.borrow() };
                        serde_json::to_string(&hello).unwrap_or_default()
                    }),
                    on_frame: Box::new(move |text| {
                        if let Ok(frame) = serde_json::from_str::<SessionFrame>(&text) {
                            frames.dispatch(Action::Frame(frame));
                        }
                    }),
                    on_state: Box::new(move |c| states.dispatch(Action::Conn(c))),
                },
            ));
            move || drop(socket.borrow_mut().take())
        });
    }
    // After each welcome: accept if asked to, and resend the outbox.
    {
        let (socket, state, accept_pending) = (socket.clone(), state.clone(), accept_pending.clone());
        use_effect_with(state.welcomes, move |w| {
            if *w == 0 {
                return;
            }
            if let Some(s) = socket.borrow().as_ref() {
                if std::mem::take(&mut *accept_pending.borrow_mut()) {
                    s.send(&AgentFrame::Accept);
                }
                for p in state.transcript.unsent() {
                    let (client_id, text, reply_to) = (p.client_id.clone(), p.text.clone(), p.reply_to);
                    s.send(&if p.internal { AgentFrame::Note { client_id, text } } else { AgentFrame::Send { client_id, text, reply_to } });
                }
            }
        });
    }
    // A send or note refused as too fast stays unsent: again after the wait.
    {
        let (socket, state) = (socket.clone(), state.clone());
        use_effect_with(state.transcript.retries, move |retries| {
            let timer = (*retries > 0).then(|| {
                let wait = state.transcript.retry_after_ms.unwrap_or(1_000).min(60_000) as u32;
                gloo::timers::callback::Timeout::new(wait, move || {
                    if let Some(s) = socket.borrow().as_ref() {
                        for p in state.transcript.unsent() {
                            let (client_id, text, reply_to) = (p.client_id.clone(), p.text.clone(), p.reply_to);
                            s.send(&if p.internal {
                                AgentFrame::Note { client_id, text }
                            } else {
                                AgentFrame::Send { client_id, text, reply_to }
                            });
                        }
                    }
                })
            });
            move || drop(timer)
        });
    }
    // The log stays on the newest message as messages arrive, unless the
    // agent scrolled up to read (then it stays where they are).
    let log = use_node_ref();
    let pinned = use_mut_ref(|| true);
    {
        let (log, pinned) = (log.clone(), pinned.clone());
        let count = (state.transcript.len(), state.transcript.outbox.len());
        use_effect_with(count, move |_| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                if *pinned.borrow() {
                    el.set_scroll_top(el.scroll_height());
                }
            }
        });
    }
    let on_log_scroll = {
        let (log, pinned) = (log.clone(), pinned.clone());
        Callback::from(move |_: Event| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                *pinned.borrow_mut() = el.scroll_height() - el.scroll_top() - el.client_height() < 48;
            }
        })
    };
    // Receipts: delivered is what this console holds; seen when the tab is visible.
    {
        let socket = socket.clone();
        let last = state.transcript.last_seq();
        use_effect_with((last, state.welcomes), move |(last, _)| {
            let visible =
                web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
            if last.0 > 0 {
                if let Some(s) = socket.borrow().as_ref() {
                    let seen = if visible { *last } else { porchlight_protocol::Seq(0) };
                    s.send(&AgentFrame::Receipt { marks: porchlight_protocol::Marks { delivered: *last, seen } });
                }
            }
        });
    }
    let frame_sender = |frame: AgentFrame| {
        let socket = socket.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(s) = socket.borrow().as_ref() {
                s.send(&frame);
            }
        })
    };
    let send = {
        let (socket, state, input, typing, note) = (socket.clone(), state.clone(), input.clone(), typing.clone(), *note_mode);
        let compose = compose.clone();
        move || {
            let Some(text) = porchlight_browser::take_draft(&input) else { return };
            typing.stop();
            let mode = *compose;
            compose.set(Compose::New);
            if let Compose::Edit(seq) = mode {
                if let Some(s) = socket.borrow().as_ref() {
                    s.send(&AgentFrame::Edit { seq, text });
                }
                return;
            }
            let reply_to = match mode {
                Compose::Reply(seq) => Some(seq),
                _ => None,
            };
            let client_id = porchlight_browser::new_client_id();
            if note {
                state.dispatch(Action::QueueNote(client_id.clone(), text.clone()));
                if let Some(s) = socket.borrow().as_ref() {
                    s.send(&AgentFrame::Note { client_id, text });
                }
                return;
            }
            state.dispatch(Action::Queue(client_id.clone(), text.clone(), reply_to));
            if let Some(s) = socket.borrow().as_ref() {
                s.send(&AgentFrame::Send { client_id, text, reply_to });
            }
        }
    };
    let onkeydown = Callback::from(porchlight_browser::enter_to_send(send.clone()));
    let oninput = {
        let (input, typing, note) = (input.clone(), typing.clone(), *note_mode);
        Callback::from(move |_: InputEvent| {
            // A note is private: the visitor must not even see typing.
            if note {
                return;
            }
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                typing.input(&el.value());
            }
        })
    };
    // A menu item: send `frame`, close the menu, focus back on "More".
    let menu_frame = |frame: AgentFrame| {
        let (socket, close_more) = (socket.clone(), close_more.clone());
        Callback::from(move |_: MouseEvent| {
            close_more.emit(true);
            if let Some(s) = socket.borrow().as_ref() {
                s.send(&frame);
            }
        })
    };
    let show = |view: More| {
        let more = more.clone();
        Callback::from(move |_: MouseEvent| more.set(view))
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        send();
    });
    let export_error = use_state(|| None::<String>);
    let on_export = {
        let (agent, id, export_error) = (props.agent.clone(), props.id.clone(), export_error.clone());
        let close_more = close_more.clone();
        Callback::from(move |_: MouseEvent| {
            close_more.emit(true);
            let url = format!("{}/api/v1/sites/{}/sessions/{id}/transcript", agent.edge, agent.login.site);
            let (token, file, export_error) = (agent.token.to_string(), format!("porchlight-{id}.json"), export_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = porchlight_browser::download_with_bearer(&url, &token, &file).await;
                export_error.set(result.err().map(|e| format!("Export failed: {}", e.message)));
            });
        })
    };

    let t = &state.transcript;
    let session = t.session.as_ref();
    let status = session.map(|s| s.status);
    let mine = session.and_then(|s| s.agent.as_ref()).is_some_and(|a| a.id == props.agent.login.agent.id);
    let invited = session.is_some_and(|s| s.participants.iter().any(|p| p.id == props.agent.login.agent.id));
    // The owner runs the session; invited agents write in it too.
    let owns = status == Some(Status::Active) && mine;
    // A conversation whose ticket is closed is read-only for everyone (the edge refuses too).
    let ticket_closed = session.and_then(|s| s.ticket.as_ref()).is_some_and(|t| t.closed);
    let can_write = status == Some(Status::Active) && (mine || invited) && !ticket_closed;
    let files_base = AttrValue::from(files_url(&props.agent.edge, props.agent.login.site.as_str(), &props.id.to_string()));
    let composer = use_node_ref();
    let writable_note = status.is_some() && status != Some(Status::Closed);
    let my_id = props.agent.login.agent.id.clone();
    // Receipts go on the newest message the visitor can see: never a note.
    let last_mine = inbox::receipt_target(t.messages(), &my_id);
    let visitor_marks = session.map(|s| s.receipts.visitor).unwrap_or_default();
    let offset = porchlight_browser::utc_offset_min();
    let days = clock::DaySeparators::new(porchlight_browser::now_ms(), offset);
    let me = Participant::Agent { id: my_id.clone(), name: props.agent.login.agent.name.clone() };
    let open = status.is_some() && status != Some(Status::Closed);
    let visitor_name = session.map(|s| s.visitor.name.clone()).unwrap_or_else(|| "Loading…".into());
    let others: Vec<&AgentPresence> = props.team.iter().filter(|p| p.agent.id != props.agent.login.agent.id).collect();
    let on_action = |seq: Seq| {
        let (socket, compose, input, state) = (socket.clone(), compose.clone(), input.clone(), state.clone());
        Callback::from(move |action: MessageAction| {
            let frame = match action {
                MessageAction::React(emoji, on) => AgentFrame::React { seq, emoji, on },
                MessageAction::Delete => AgentFrame::Delete { seq },
                MessageAction::Reply | MessageAction::Edit => {
                    let el = input.cast::<HtmlTextAreaElement>();
                    if action == MessageAction::Edit {
                        compose.set(Compose::Edit(seq));
                        if let (Some(el), Some(m)) = (&el, state.transcript.get(seq)) {
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
            if let Some(s) = socket.borrow().as_ref() {
                s.send(&frame);
            }
        })
    };
    html! {
        <section class="chat" aria-label="Conversation">
            <header class="chat-head">
                <div class="who-box">
                    <div class="visitor-line">
                        <span class="visitor" title={visitor_name.clone()}>{ visitor_name.clone() }</span>
                        { match t.visitor_online {
                            Some(true) => html! { <span class="presence on" title="The visitor has the chat open right now">{ "Online" }</span> },
                            Some(false) => html! { <span class="presence off" title="The visitor's chat is not connected">{ "Offline" }</span> },
                            None => html! {},
                        } }
                    </div>
                    if let Some(email) = session.and_then(|s| s.visitor.email.clone()) { <div class="email" title={email.clone()}>{ email }</div> }
                </div>
                <div class="actions">
                    if let Some(ticket) = session.and_then(|s| s.ticket.as_ref()) {
                        <span class="ticket-link" aria-label="Ticket">{ format!("Ticket #{}", ticket.number) }</span>
                    }
                    if status == Some(Status::Waiting) {
                        <button class="primary" onclick={frame_sender(AgentFrame::Accept)}>{ "Accept" }</button>
                    }
                    if status == Some(Status::Waiting) || owns {
                        <button class="danger" onclick={frame_sender(AgentFrame::Close)}>{ "Close session" }</button>
                    }
                    <div class={classes!("pl-menu-anchor", (*more != More::Closed).then_some("pl-open"))} ref={more_root}>
                        <button class="more" ref={more_button} aria-label="More actions" aria-haspopup="menu" aria-expanded={(*more != More::Closed).to_string()}
                            onclick={{ let more = more.clone(); Callback::from(move |_| more.set(if *more == More::Closed { More::Main } else { More::Closed })) }}>
                            { "More" }<span aria-hidden="true">{ " ▾" }</span></button>
                        if *more == More::Main {
                            <div class="pl-menu" role="menu" aria-label="More actions" ref={more_panel.clone()}
                                onkeydown={ui::menu_keys(more_panel.clone(), close_more.clone())}>
                                if owns {
                                    <button type="button" role="menuitem" class="pl-item" aria-haspopup="menu" onclick={show(More::Release)}
                                        title="Put the conversation back in the queue for anyone to accept">{ "Release to queue…" }</button>
                                    <button type="button" role="menuitem" class="pl-item" aria-haspopup="menu" onclick={show(More::Transfer)}
                                        title="Hand the conversation over">{ "Transfer…" }</button>
                                }
                                if can_write {
                                    <button type="button" role="menuitem" class="pl-item" aria-haspopup="menu" onclick={show(More::Invite)}
                                        title="Bring them into this conversation">{ "Invite…" }</button>
                                }
                                // Always there: once nobody may write it lists who is in, with Remove.
                                <button type="button" role="menuitem" class="pl-item" aria-haspopup="dialog"
                                    onclick={{ let (a, close_more) = (adding.clone(), close_more.clone()); Callback::from(move |_| { close_more.emit(false); a.set(true) }) }}
                                    title={if can_write { "An agent, a customer, or someone outside the team by a one-time link" } else { "Who is in this conversation; remove an outside participant" }}>
                                    { if can_write { "Add participant…" } else { "Participants…" } }</button>
                                if session.is_some_and(|s| s.ticket.is_none()) && matches!(status, Some(Status::Waiting | Status::Active | Status::Closed)) {
                                    <button type="button" role="menuitem" class="pl-item" onclick={menu_frame(AgentFrame::CreateTicket { close: false })}
                                        title="Open a helpdesk ticket with the visitor's details and the whole transcript">{ "Create ticket" }</button>
                                }
                                <button type="button" role="menuitem" class="pl-item" onclick={on_export}
                                    title="Download the whole conversation, notes included, as JSON">{ "Export JSON" }</button>
                            </div>
                        }
                        if *more == More::Release {
                            <div class="pl-menu" role="menu" ref={more_panel.clone()} aria-label="Release to queue?" aria-describedby="release-note"
                                onkeydown={ui::menu_keys(more_panel.clone(), close_more.clone())}>
                                <div class="menu-title" id="release-note" aria-hidden="true">
                                    { "Release to the queue? It waits for anyone to accept; it is no longer yours." }</div>
                                // The safe answer first, so the question opens on it.
                                <button type="button" role="menuitem" class="pl-item" onclick={show(More::Main)}>{ "Keep it" }</button>
                                <button type="button" role="menuitem" class="pl-item" onclick={menu_frame(AgentFrame::Release)}>{ "Release to queue" }</button>
                            </div>
                        }
                        if matches!(*more, More::Transfer | More::Invite) {
                            <div class="pl-menu" role="menu" ref={more_panel.clone()}
                                aria-label={if *more == More::Transfer { "Transfer to" } else { "Invite" }}
                                aria-describedby={(*more == More::Invite).then_some("invite-note")}
                                onkeydown={ui::menu_keys(more_panel.clone(), close_more.clone())}>
                                <div class="menu-title" aria-hidden="true">{ if *more == More::Transfer { "Transfer to" } else { "Invite into this chat" } }</div>
                                if *more == More::Invite {
                                    // Said before anyone is added: nothing here is private from them.
                                    <div class="menu-title" id="invite-note" aria-hidden="true">{ INVITE_NOTE }</div>
                                }
                                { for others.iter().map(|p| {
                                    let presence = match p.status { Presence::Online => "online", Presence::Away => "away", Presence::Offline => "offline" };
                                    let frame = if *more == More::Transfer { AgentFrame::Transfer { to: p.agent.id.clone() } } else { AgentFrame::Invite { agent: p.agent.id.clone() } };
                                    html! { <button type="button" role="menuitem" class="pl-item" data-agent={p.agent.id.to_string()}
                                        onclick={menu_frame(frame)}>
                                        <span class={classes!("dot", presence)} aria-hidden="true"></span>{ format!(" {} ({presence})", p.agent.name) }</button> }
                                }) }
                                if others.is_empty() {
                                    <button type="button" role="menuitem" class="pl-item" disabled=true>{ "No other agents" }</button>
                                }
                                <button type="button" role="menuitem" class="pl-item" onclick={show(More::Main)}>{ "← Back" }</button>
                            </div>
                        }
                    </div>
                </div>
            </header>
            if *adding {
                <super::participants::AddParticipantPanel agent={props.agent.clone()} session={props.id.clone()} team={props.team.clone()} can_add={can_write}
                    inside={session.map(|s| s.agent.iter().chain(s.participants.iter()).cloned().collect::<Vec<_>>()).unwrap_or_default()}
                    on_invite={{ let socket = socket.clone(); Callback::from(move |agent| if let Some(s) = socket.borrow().as_ref() { s.send(&AgentFrame::Invite { agent }); }) }}
                    on_close={{ let a = adding.clone(); Callback::from(move |()| a.set(false)) }} />
            }
            if let Some(s) = session.filter(|s| s.visitor.verified || !s.context.is_empty()) {
                { visitor_info(s) }
            }
            if let Some(r) = session.and_then(|s| s.rating.as_ref()) { { super::csat::rating_panel(r) } }
            if state.conn == Some(Conn::Reconnecting) { <p class="note" role="status">{ "Reconnecting…" }</p> }
            if let Some(s) = session.filter(|s| !s.articles.suggested.is_empty() || !s.articles.opened.is_empty()) {
                <aside class="trail" aria-label="Help-center articles">
                    { trail("Bot suggested", &s.articles.suggested) }
                    { trail("Visitor opened", &s.articles.opened) }
                </aside>
            }
            <div class="log" role="log" aria-label="Messages" tabindex="0" ref={log} onscroll={on_log_scroll}>
                { for t.messages().map(|m| {
                    let separator = days.before(m.at).map(|label| html! { <div class="day" role="separator">{ label }</div> });
                    let (class, who) = match &m.author {
                        Author::Visitor { name } => ("msg theirs", name.clone()),
                        Author::Agent { name, .. } if m.internal => ("msg note", format!("Internal note · {name}")),
                        Author::Agent { name, .. } => ("msg mine", name.clone()),
                        Author::External { .. } => ("msg theirs external", m.author.external_label().unwrap_or_default()),
                        Author::Bot => ("msg theirs bot", "Bot".to_owned()),
                        Author::System => ("msg system", String::new()),
                    };
                    let system = m.author == Author::System;
                    let own = matches!(&m.author, Author::Agent { id, .. } if *id == my_id);
                    html! { <>
                        { separator }
                        <div {class} data-seq={m.seq.to_string()}>
                            if !who.is_empty() { <div class="who" title={who.clone()}>{ who }</div> }
                            { ui::quote(t, m) }
                            if let Some(file) = &m.attachment {
                                <AttachmentView file={file.clone()} base={files_base.clone()} bearer={props.agent.token.clone()} />
                            } else {
                                { ui::text(m, "text") }
                            }
                            if Some(m.seq) == last_mine {
                                <div class="meta receipt" aria-label="Receipt">{ format!("{}{} · {}", clock::time_label(m.at, offset), ui::edited(m), visitor_marks.label(m.seq)) }</div>
                            } else if !system {
                                <div class="meta time">{ format!("{}{}", clock::time_label(m.at, offset), ui::edited(m)) }</div>
                            }
                            <MessageTools message={m.clone()} me={me.clone()} mine={own} enabled={open}
                                quotable={can_write && !m.internal} on_action={on_action(m.seq)} />
                            if !m.articles.is_empty() {
                                <ul class="attached">{ for m.articles.iter().map(|a| html! { <li>{ &a.title }</li> }) }</ul>
                            }
                        </div>
                    </> }
                }) }
                { for t.outbox.iter().map(|p| html! {
                    <div class={if p.internal { "msg note pending" } else { "msg mine pending" }}>
                        <div class="text" dir="auto">{ &p.text }</div>
                        <div class="meta">{ p.error.clone().unwrap_or_else(|| "Sending…".into()) }</div>
                    </div>
                }) }
            </div>
            if let Some(who) = t.typing.first() {
                <p class="typing" aria-live="polite">{ match who {
                    Participant::Visitor => format!("{} is typing…", session.map(|s| s.visitor.name.as_str()).unwrap_or("The visitor")),
                    Participant::Agent { name, .. } => format!("{name} is typing…"),
                } }</p>
            }
            if let Some(n) = &t.notice { <p class="error" role="alert">{ n }</p> }
            if let Some(e) = &*export_error { <p class="error" role="alert">{ e }</p> }
            if ticket_closed && status != Some(Status::Closed) {
                <p class="closed" role="status">{ porchlight_protocol::ticket::TICKET_CLOSED }</p>
            }
            if status == Some(Status::Closed) {
                <p class="closed" role="status">{ "This conversation is closed. No more messages can be sent." }</p>
            }
            if status.is_some() && status != Some(Status::Closed) {
                <label class="note-toggle">
                    <input type="checkbox" aria-label="Internal note" checked={*note_mode}
                        onchange={{ let n = note_mode.clone(); Callback::from(move |_| n.set(!*n)) }} />
                    { "Internal note (only agents see it)" }
                </label>
            }
            { ui::compose_banner(t, *compose, { let c = compose.clone(); Callback::from(move |_| c.set(Compose::New)) }) }
            <form class={classes!("composer", note_mode.then_some("noting"))} ref={composer.clone()} {onsubmit}>
                <AttachButton base={files_base.clone()} bearer={props.agent.token.clone()} disabled={!can_write || *note_mode} target={composer.clone()} />
                <textarea ref={input} aria-label="Message" rows="3" disabled={!(can_write || (*note_mode && writable_note))}
                    maxlength={validate::MAX_MESSAGE_CHARS.to_string()} {onkeydown} {oninput}
                    placeholder={match status {
                        _ if *note_mode && writable_note => "Write a note for the team…",
                        _ if can_write => "Reply…",
                        _ if ticket_closed => "The ticket is closed",
                        Some(Status::Waiting) => "Accept to reply",
                        Some(Status::Bot) => "The bot is helping; this reaches the queue if the visitor asks for a person",
                        _ => "",
                    }} />
                <button type="submit" class="primary" disabled={!(can_write || (*note_mode && writable_note))}>{ "Send" }</button>
            </form>
        </section>
    }
}

/// One line of the article trail: a label and the titles (text, never HTML).
fn trail(label: &'static str, articles: &[ArticleRef]) -> Html {
    html! {
        <div class="trail-line" aria-label={label}>
            <span class="trail-label">{ label }</span>
            if articles.is_empty() {
                <span class="none">{ "none" }</span>
            } else {
                <ul>{ for articles.iter().map(|a| html! { <li data-article={a.id.clone()}>{ icon(Icon::Document, 14) }{ &a.title }</li> }) }</ul>
            }
        </div>
    }
}

/// The visitor panel. What the site's backend vouched for (a verified
/// identity token) is marked "Verified"; everything else came from the
/// visitor or the host page and says so. All of it is text, never HTML or links.
/// Up to this many rows, the visitor panel opens unfolded.
const VISITOR_ROWS_OPEN: usize = 10;

fn visitor_info(s: &porchlight_protocol::SessionView) -> Html {
    let v = &s.visitor;
    let ctx = &s.context;
    let claimed = || html! { <span class="unverified">{ "unverified — claimed by the visitor" }</span> };
    let row = |k: &str, value: &str, verified: bool| {
        html! { <div><span class="k">{ k.to_owned() }</span><span class="v">{ value.to_owned() }</span>
        if !verified { { claimed() } }</div> }
    };
    let rows = if v.verified { 2 + usize::from(v.email.is_some()) + v.orders.len() + v.attributes.len() } else { 0 }
        + usize::from(ctx.page_url.is_some())
        + usize::from(ctx.order_ref.is_some())
        + ctx.attributes.len();
    html! {
        // Open when it is a few lines; a visitor with much context starts folded, so the log keeps
        // the pane (console.css: the log is the one scroller).
        <details class="visitor-info" aria-label="Visitor info" open={rows <= VISITOR_ROWS_OPEN}>
            <summary>{ format!("Visitor info ({rows})") }</summary>
            // Not a div: each row is one (tests and styles read `.visitor-info div` as a row).
            <section class="visitor-rows">
            if v.verified {
                <div><span class="verified" role="note">{ "✓ Verified" }</span>
                    <span class="v">{ format!("user {}", v.user_id.clone().unwrap_or_default()) }</span></div>
                { row("Name", &v.name, v.is_verified("name")) }
                if let Some(email) = &v.email { { row("Email", email, v.is_verified("email")) } }
                { for v.orders.iter().map(|o| row("Order", o, true)) }
                { for v.attributes.iter().map(|(k, val)| row(k, val, true)) }
            }
            if let Some(url) = &ctx.page_url { <div><span class="k">{ "Page" }</span><span class="v">{ url }</span></div> }
            if let Some(o) = &ctx.order_ref {
                <div><span class="k">{ "Order" }</span><span class="v" aria-label="Order reference">{ o }</span>{ claimed() }</div>
            }
            { for ctx.attributes.iter().map(|(k, val)| row(k, val, false)) }
            </section>
        </details>
    }
}
