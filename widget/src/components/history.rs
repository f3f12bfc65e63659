//! The visitor's conversations: a short list (newest first, status, last
//! message), and an ended one opened read-only from its stored token.

use crate::state::PastChat;
use porchlight_browser::{Conn, Handlers, Socket};
use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{Author, SessionFrame, SessionId, Status, VisitorFrame};
use std::rc::Rc;
use yew::prelude::*;

pub fn status_label(status: Status) -> &'static str {
    let s = crate::i18n::t();
    match status {
        Status::Bot => s.with_assistant,
        Status::Waiting => s.waiting_for_agent,
        Status::Active => s.open,
        Status::Closed => s.ended,
    }
}

#[derive(Properties, PartialEq)]
pub struct ListProps {
    pub chats: Vec<PastChat>,
    /// The conversation the panel shows when not on this list.
    pub current: Option<SessionId>,
    pub on_open: Callback<PastChat>,
    pub on_back: Callback<()>,
    /// Offered when the current conversation has ended.
    pub on_new: Option<Callback<()>>,
}

#[function_component(Conversations)]
pub fn conversations(props: &ListProps) -> Html {
    let now = porchlight_browser::now_ms();
    let s = crate::i18n::t();
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_: MouseEvent| on_back.emit(()))
    };
    html! {
        <section class="pl-history" aria-label={s.your_conversations}>
            <div class="pl-history-bar">
                <button type="button" class="pl-back" onclick={back}>{ s.back_to_chat }</button>
                if let Some(on_new) = &props.on_new {
                    <button type="button" class="pl-primary pl-small"
                        onclick={{ let on_new = on_new.clone(); Callback::from(move |_: MouseEvent| on_new.emit(())) }}>
                        { s.start_new }</button>
                }
            </div>
            <h2 class="pl-history-title">{ s.your_conversations }</h2>
            <ul class="pl-history-list">
                { for props.chats.iter().map(|chat| {
                    let current = props.current.as_ref() == Some(&chat.session_id);
                    let onclick = { let (on_open, chat) = (props.on_open.clone(), chat.clone()); Callback::from(move |_: MouseEvent| on_open.emit(chat.clone())) };
                    // "Today 10:42", "Yesterday 18:05": the day as the log labels it.
                    let when = format!("{} {}", crate::i18n::day(chat.at, now), crate::i18n::time(chat.at));
                    html! {
                        <li>
                            <button type="button" class={classes!("pl-conv", current.then_some("pl-conv-current"))}
                                data-session={chat.session_id.to_string()} {onclick}>
                                <span class="pl-conv-head">
                                    <span class={classes!("pl-conv-status", (chat.status == Status::Closed).then_some("pl-conv-ended"))}>
                                        { status_label(chat.status) }{ if current { s.this_chat } else { "" } }</span>
                                    <span class="pl-conv-time">{ when }</span>
                                </span>
                                <span class="pl-conv-preview" dir="auto">{ if chat.preview.is_empty() { crate::i18n::t().no_messages_yet } else { &chat.preview } }</span>
                            </button>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}

/// A transcript of an earlier conversation, for reading only.
#[derive(Clone, Default, PartialEq)]
struct Log {
    transcript: Transcript,
    conn: Option<Conn>,
}

enum LogAction {
    Frame(Box<SessionFrame>),
    Conn(Conn),
}

impl Reducible for Log {
    type Action = LogAction;
    fn reduce(self: Rc<Self>, action: LogAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LogAction::Frame(f) => next.transcript.apply(*f),
            LogAction::Conn(c) => next.conn = Some(c),
        }
        Rc::new(next)
    }
}

#[derive(Properties, PartialEq)]
pub struct PastProps {
    pub edge: AttrValue,
    pub site: AttrValue,
    pub chat: PastChat,
    pub on_back: Callback<()>,
    /// The site's name, for the transcript's header.
    #[prop_or_default]
    pub team: AttrValue,
}

/// An ended conversation, read-only: its history from the edge (the
/// stored token says `hello`; nothing else is ever sent on it).
#[function_component(PastConversation)]
pub fn past_conversation(props: &PastProps) -> Html {
    let log = use_reducer(Log::default);
    let socket = use_mut_ref(|| None::<Socket>);
    {
        let (log, socket, edge, site) = (log.clone(), socket.clone(), props.edge.clone(), props.site.clone());
        use_effect_with(props.chat.clone(), move |chat| {
            let url = porchlight_browser::ws_url(&edge, &format!("/api/v1/sites/{site}/sessions/{}/ws", chat.session_id));
            let (token, frames, states) = (chat.token.clone(), log.clone(), log.clone());
            *socket.borrow_mut() = Some(Socket::connect(
                url,
                Handlers {
                    hello: Box::new(move || {
                        // The whole history each time: the transcript drops what it already has.
                        let hello = VisitorFrame::Hello { token: token.clone(), last_seq: porchlight_protocol::Seq(0), identity: None };
                        serde_json::to_string(&hello).unwrap_or_default()
                    }),
                    on_frame: Box::new(move |text| {
                        if let Ok(frame) = serde_json::from_str::<SessionFrame>(&text) {
                            frames.dispatch(LogAction::Frame(Box::new(frame)));
                        }
                    }),
                    on_state: Box::new(move |conn| states.dispatch(LogAction::Conn(conn))),
                },
            ));
            move || drop(socket.borrow_mut().take())
        });
    }
    let t = &log.transcript;
    let days = crate::i18n::DaySeparators::new();
    let status = match (log.conn, t.session.as_ref()) {
        (Some(Conn::Refused), _) => crate::i18n::t().past_refused.to_owned(),
        (_, None) => crate::i18n::t().loading.to_owned(),
        (_, Some(s)) if s.status == Status::Closed => crate::i18n::t().past_ended.to_owned(),
        (_, Some(s)) => porchlight_protocol::i18n::fill(crate::i18n::t().past_status, &[("status", status_label(s.status))]),
    };
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_: MouseEvent| on_back.emit(()))
    };
    html! {
        <div class="pl-conversation pl-readonly" data-session={props.chat.session_id.to_string()}>
            <div class="pl-history-bar">
                <button type="button" class="pl-back" onclick={back}>{ crate::i18n::t().back_to_list }</button>
            </div>
            <super::transcript::TranscriptDownload edge={props.edge.clone()} site={props.site.clone()} site_name={props.team.clone()}
                session_id={props.chat.session_id.clone()} token={AttrValue::from(props.chat.token.clone())} />
            <div class="pl-status" aria-live="polite">{ status }</div>
            <div class="pl-log" role="log" aria-label={crate::i18n::t().messages}>
                { for t.messages().map(|m| {
                    let separator = days.before(m.at).map(|label| html! { <div class="pl-day" role="separator">{ label }</div> });
                    let (class, who) = match &m.author {
                        Author::Visitor { .. } => ("pl-msg pl-mine", None),
                        Author::Agent { name, .. } => ("pl-msg pl-theirs", Some(name.clone())),
                        Author::External { .. } => ("pl-msg pl-theirs pl-external", m.author.external_label()),
                        Author::Bot => ("pl-msg pl-theirs pl-bot", Some(crate::i18n::t().assistant.to_owned())),
                        Author::System => ("pl-msg pl-system", None),
                    };
                    html! { <>
                        { separator }
                        <div {class} data-seq={m.seq.to_string()}>
                            if let Some(who) = who { <div class="pl-who" dir="auto">{ who }</div> }
                            { porchlight_browser::ui::quote(t, m) }
                            { porchlight_browser::ui::text(m, "pl-text") }
                            if m.author != Author::System {
                                <div class="pl-meta pl-time">{ format!("{}{}", crate::i18n::time(m.at), crate::i18n::edited(m)) }</div>
                            }
                        </div>
                    </> }
                }) }
            </div>
        </div>
    }
}
