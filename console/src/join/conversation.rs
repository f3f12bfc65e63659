//! The conversation as an external participant sees it: the whole log
//! (the edge never sends them internal notes), live, rendered like the
//! console's (names, the "external" label, order cards, attachments as
//! links), and a composer. Removal (`unauthorized` on their socket, or a
//! 1008 close) ends it with "You were removed from this conversation".

use porchlight_browser::files::{files_url, AttachmentView};
use porchlight_browser::{ui, Conn, Handlers, Socket};
use porchlight_protocol::participants::{ExternalFrame, Joined};
use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{clock, validate, Author, ClientMsgId, ErrorCode, Seq, SessionFrame, Status};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Said before they write, and always on screen: nothing here is private.
pub const WHO_SEES: &str = "Everyone in this conversation sees every message.";
pub const REMOVED: &str = "You were removed from this conversation.";

#[derive(Properties, PartialEq)]
pub struct Props {
    pub joined: Joined,
    pub edge: AttrValue,
    /// Their access is gone: forget the credential.
    pub on_removed: Callback<()>,
}

#[derive(Clone, Default, PartialEq)]
struct State {
    transcript: Transcript,
    conn: Option<Conn>,
    welcomes: u32,
    removed: bool,
}

enum Action {
    Frame(SessionFrame),
    Queue(ClientMsgId, String),
    Conn(Conn),
}

impl Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            // Their socket hears `unauthorized` only when the credential stops opening the chat.
            Action::Frame(SessionFrame::Error { code: ErrorCode::Unauthorized, .. }) | Action::Conn(Conn::Refused) => {
                next.removed = true;
                next.transcript = Transcript::default();
            }
            Action::Frame(frame) => {
                next.welcomes += u32::from(matches!(frame, SessionFrame::Welcome { .. }));
                next.transcript.apply(frame);
            }
            Action::Queue(id, text) => next.transcript.queue(id, text, None),
            Action::Conn(c) => next.conn = Some(c),
        }
        Rc::new(next)
    }
}

fn send_frame(socket: &Rc<RefCell<Option<Socket>>>, frame: &ExternalFrame) {
    if let Some(s) = socket.borrow().as_ref() {
        s.send(frame);
    }
}

#[function_component(Conversation)]
pub fn conversation(props: &Props) -> Html {
    let state = use_reducer(State::default);
    let socket: Rc<RefCell<Option<Socket>>> = use_mut_ref(|| None);
    let input = use_node_ref();
    let cursor = use_mut_ref(Seq::default);
    *cursor.borrow_mut() = state.transcript.resume_seq();
    let joined = &props.joined;
    {
        let (state, socket, cursor) = (state.clone(), socket.clone(), cursor.clone());
        let url =
            porchlight_browser::ws_url(&props.edge, &format!("/api/v1/sites/{}/sessions/{}/participant", joined.site, joined.session_id));
        let credential = joined.credential.clone();
        use_effect_with((), move |_| {
            let (frames, states) = (state.clone(), state);
            *socket.borrow_mut() = Some(Socket::connect(
                url,
                Handlers {
                    hello: Box::new(move || {
                        let hello = ExternalFrame::Hello { credential: credential.clone(), last_seq: *cursor.borrow() };
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
    // After each welcome (a reconnect too), what is still unsent goes again.
    {
        let (socket, state) = (socket.clone(), state.clone());
        use_effect_with(state.welcomes, move |w| {
            if *w > 0 {
                for p in state.transcript.unsent() {
                    send_frame(&socket, &ExternalFrame::Send { client_id: p.client_id.clone(), text: p.text.clone(), reply_to: None });
                }
            }
        });
    }
    {
        let (on_removed, removed) = (props.on_removed.clone(), state.removed);
        use_effect_with(removed, move |removed| {
            if *removed {
                on_removed.emit(());
            }
        });
    }
    // The log follows the newest message.
    let log = use_node_ref();
    {
        let log = log.clone();
        use_effect_with((state.transcript.len(), state.transcript.outbox.len()), move |_| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let send = {
        let (socket, state, input) = (socket.clone(), state.clone(), input.clone());
        move || {
            let Some(text) = porchlight_browser::take_draft(&input) else { return };
            let client_id = porchlight_browser::new_client_id();
            state.dispatch(Action::Queue(client_id.clone(), text.clone()));
            send_frame(&socket, &ExternalFrame::Send { client_id, text, reply_to: None });
        }
    };
    let onkeydown = Callback::from(porchlight_browser::enter_to_send(send.clone()));
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        send();
    });

    if state.removed {
        return html! { <p class="join-refused join-removed" role="alert">{ REMOVED }</p> };
    }
    let t = &state.transcript;
    let session = t.session.as_ref();
    let status = session.map(|s| s.status);
    let ticket_closed = session.and_then(|s| s.ticket.as_ref()).is_some_and(|t| t.closed);
    let can_write = matches!(status, Some(s) if s != Status::Closed) && !ticket_closed;
    let me = &joined.participant;
    let files_base = AttrValue::from(files_url(&props.edge, joined.site.as_str(), &joined.session_id.to_string()));
    let bearer = AttrValue::from(joined.credential.clone());
    let offset = porchlight_browser::utc_offset_min();
    let days = clock::DaySeparators::new(porchlight_browser::now_ms(), offset);
    let with = session.map(|s| s.visitor.name.clone());
    html! {
        <section class="join-chat" aria-label="Conversation">
            <div class="join-intro">
                if let Some(name) = with { <p class="join-with">{ format!("With {name} and the team") }</p> }
                <p class="join-me">{ format!("You are {}", me.label()) }</p>
                <p class="join-who-sees" role="note">{ WHO_SEES }</p>
            </div>
            if matches!(state.conn, None | Some(Conn::Connecting)) && session.is_none() { <p class="note" role="status">{ "Connecting…" }</p> }
            if state.conn == Some(Conn::Reconnecting) { <p class="note" role="status">{ "Reconnecting…" }</p> }
            <div class="log" role="log" aria-label="Messages" tabindex="0" ref={log}>
                { for t.messages().map(|m| {
                    let separator = days.before(m.at).map(|label| html! { <div class="day" role="separator">{ label }</div> });
                    let (class, who) = match &m.author {
                        Author::External { id, .. } if *id == me.id => ("msg mine external", format!("You · {}", me.label())),
                        Author::External { .. } => ("msg theirs external", m.author.external_label().unwrap_or_default()),
                        Author::Visitor { name } => ("msg theirs", name.clone()),
                        Author::Agent { name, .. } => ("msg theirs", name.clone()),
                        Author::Bot => ("msg theirs bot", "Bot".to_owned()),
                        Author::System => ("msg system", String::new()),
                    };
                    html! { <>
                        { separator }
                        <div {class} data-seq={m.seq.to_string()}>
                            if !who.is_empty() { <div class="who" title={who.clone()}>{ who }</div> }
                            { ui::quote(t, m) }
                            if let Some(file) = &m.attachment {
                                <AttachmentView file={file.clone()} base={files_base.clone()} bearer={bearer.clone()} />
                            } else {
                                { ui::text(m, "text") }
                            }
                            if m.author != Author::System {
                                <div class="meta time">{ format!("{}{}", clock::time_label(m.at, offset), ui::edited(m)) }</div>
                            }
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
            if let Some(n) = &t.notice { <p class="error" role="alert">{ n }</p> }
            if ticket_closed && status != Some(Status::Closed) {
                <p class="closed" role="status">{ porchlight_protocol::ticket::TICKET_CLOSED }</p>
            }
            if status == Some(Status::Closed) {
                <p class="closed" role="status">{ "This conversation is closed. No more messages can be sent." }</p>
            }
            <form class="composer join-composer" {onsubmit}>
                <textarea ref={input} aria-label="Message" aria-describedby="join-hint" rows="2" disabled={!can_write}
                    maxlength={validate::MAX_MESSAGE_CHARS.to_string()} {onkeydown} placeholder="Write a message…" />
                <button type="submit" class="primary" disabled={!can_write}>{ "Send" }</button>
            </form>
            <p id="join-hint" class="note join-hint">{ "Enter sends, Shift+Enter starts a new line." }</p>
        </section>
    }
}
