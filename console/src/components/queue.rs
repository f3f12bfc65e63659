//! The site's queue: KPI tiles (including what the bot resolved and what it
//! handed off) and a live list of sessions.

use crate::Agent;
use porchlight_browser::{ago, now_ms, Conn, Handlers, Socket};
use porchlight_protocol::{QueueClientFrame, QueueFrame, SessionId, SessionSummary, SiteStats, Status};
use std::collections::HashMap;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub agent: Agent,
    pub selected: Option<SessionId>,
    pub on_select: Callback<(SessionId, bool)>,
}

#[derive(Clone, Default, PartialEq)]
struct QueueState {
    sessions: HashMap<SessionId, SessionSummary>,
    conn: Option<Conn>,
    error: Option<String>,
    stats: SiteStats,
}

enum Action {
    Frame(QueueFrame),
    Conn(Conn),
}

impl Reducible for QueueState {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Frame(QueueFrame::Snapshot { sessions, .. }) => {
                next.sessions = sessions.into_iter().map(|s| (s.id.clone(), s)).collect();
            }
            Action::Frame(QueueFrame::Upsert { session }) => {
                let newer = next.sessions.get(&session.id).is_none_or(|old| old.rev < session.rev);
                if newer {
                    next.sessions.insert(session.id.clone(), session);
                }
            }
            Action::Frame(QueueFrame::Stats { stats }) => next.stats = stats,
            Action::Frame(QueueFrame::Error { message, .. }) => next.error = Some(message),
            Action::Conn(conn) => next.conn = Some(conn),
        }
        Rc::new(next)
    }
}

#[function_component(Queue)]
pub fn queue(props: &Props) -> Html {
    let state = use_reducer(QueueState::default);
    let now = use_state(now_ms);
    {
        let (state, agent) = (state.clone(), props.agent.clone());
        use_effect_with(agent.token.clone(), move |_| {
            let url = porchlight_browser::ws_url(&agent.edge, &format!("/api/v1/sites/{}/queue", agent.login.site));
            let (frames, states, token) = (state.clone(), state.clone(), agent.token.to_string());
            let socket = Socket::connect(
                url,
                Handlers {
                    hello: Box::new(move || serde_json::to_string(&QueueClientFrame::Hello { token: token.clone() }).unwrap_or_default()),
                    on_frame: Box::new(move |text| {
                        if let Ok(frame) = serde_json::from_str::<QueueFrame>(&text) {
                            frames.dispatch(Action::Frame(frame));
                        }
                    }),
                    on_state: Box::new(move |c| states.dispatch(Action::Conn(c))),
                },
            );
            move || drop(socket)
        });
    }
    // Waiting times tick without any traffic.
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let interval = gloo::timers::callback::Interval::new(5_000, move || now.set(now_ms()));
            move || drop(interval)
        });
    }

    let mut rows: Vec<&SessionSummary> = state.sessions.values().collect();
    // Waiting first (longest waiting on top), then active, then those the
    // bot still has, then closed, newest first.
    rows.sort_by_key(|s| match s.status {
        Status::Waiting => (0, s.waiting_since as i64),
        Status::Active => (1, -(s.updated_at as i64)),
        Status::Bot => (2, -(s.updated_at as i64)),
        Status::Closed => (3, -(s.updated_at as i64)),
    });
    let stats = state.stats;
    let count = |st: Status| state.sessions.values().filter(|s| s.status == st).count();
    let conn_note = match state.conn {
        Some(Conn::Reconnecting) => Some("Reconnecting…"),
        Some(Conn::Refused) => Some("The queue refused this token. Sign out and in again."),
        Some(Conn::Connecting) | None => Some("Connecting…"),
        Some(Conn::Open) => None,
    };

    html! {
        <section class="queue" aria-label="Queue">
            <div class="kpis">
                <div class="kpi waiting"><span class="n" aria-label="Waiting count">{ count(Status::Waiting) }</span><span>{ "Waiting" }</span></div>
                <div class="kpi active"><span class="n" aria-label="Active count">{ count(Status::Active) }</span><span>{ "Active" }</span></div>
                <div class="kpi closed"><span class="n" aria-label="Closed count">{ count(Status::Closed) }</span><span>{ "Closed" }</span></div>
            </div>
            <div class="kpis bot" aria-label="Bot">
                <div class="kpi"><span class="n" aria-label="With bot count">{ stats.with_bot }</span><span>{ "With the bot" }</span></div>
                <div class="kpi"><span class="n" aria-label="Resolved by bot count">{ stats.resolved_by_bot }</span><span>{ "Resolved by the bot" }</span></div>
                <div class="kpi"><span class="n" aria-label="Handed off count">{ stats.handed_off }</span><span>{ "Handed off" }</span></div>
            </div>
            if let Some(note) = conn_note { <p class="note" role="status">{ note }</p> }
            if let Some(err) = &state.error { <p class="error" role="alert">{ err }</p> }
            <table class="sessions">
                <thead><tr><th>{ "Visitor" }</th><th>{ "Status" }</th><th>{ "Agent" }</th><th>{ "Msgs" }</th><th>{ "Waiting" }</th><th></th></tr></thead>
                <tbody>
                    { for rows.into_iter().map(|s| row(s, *now, props)) }
                </tbody>
            </table>
        </section>
    }
}

fn row(s: &SessionSummary, now: u64, props: &Props) -> Html {
    let select = |accept: bool| {
        let (id, on_select) = (s.id.clone(), props.on_select.clone());
        Callback::from(move |_| on_select.emit((id.clone(), accept)))
    };
    let waited = match s.status {
        Status::Waiting => ago(s.waiting_since, now),
        _ => "—".into(),
    };
    let class = classes!("row", (props.selected.as_ref() == Some(&s.id)).then_some("selected"));
    let badge = classes!("badge", s.status.label().to_lowercase().replace(' ', "-"));
    html! {
        <tr {class} data-session={s.id.to_string()}>
            <td>
                <div class="visitor">{ &s.visitor.name }</div>
                if let Some(email) = &s.visitor.email { <div class="email">{ email }</div> }
                if let Some(last) = &s.last_message { <div class="preview">{ last }</div> }
            </td>
            <td><span class={badge}>{ s.status.label() }</span></td>
            <td>{ s.agent.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| "—".into()) }</td>
            <td>{ s.message_count }</td>
            <td>{ waited }</td>
            <td>
                if s.status == Status::Waiting {
                    <button class="primary" onclick={select(true)}>{ "Accept" }</button>
                } else {
                    <button class="link" onclick={select(false)}>{ "Open" }</button>
                }
            </td>
        </tr>
    }
}
