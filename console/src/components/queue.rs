//! The site's queue: KPI tiles, the bot's figures, who is online, filter
//! tabs, search, and a live list of sessions; the tab's title counts the
//! sessions waiting ("(2) waiting · …") and, if the agent turned it on, a
//! short sound says a new one started waiting. The rules (tabs, tiles, row
//! order, instant search, when a session starts waiting) are
//! [`porchlight_protocol::inbox`].

use crate::Agent;
use gloo::storage::{LocalStorage, Storage};
use porchlight_browser::{ago, now_ms, Conn, Handlers, Socket};
use porchlight_protocol::appearance;
use porchlight_protocol::inbox::{self, Tab};
use porchlight_protocol::{AgentPresence, Presence, QueueClientFrame, QueueFrame, SessionId, SessionSummary, SiteStats, Status};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Whether this browser plays the new-chat sound (off until turned on).
const SOUND_KEY: &str = "porchlight:agent-sound";
/// The console tab's title; "(N) waiting · " goes before it.
const TITLE: &str = "Porchlight — agent console";

fn set_title(title: &str) {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        d.set_title(title);
    }
}

/// The new-chat sound: two short sine notes from Web Audio (no file to load).
struct Chime(Option<web_sys::AudioContext>);

impl Chime {
    fn new() -> Chime {
        Chime(web_sys::AudioContext::new().ok())
    }

    /// Resumes the audio context inside a click, as autoplay rules require.
    fn unlock(&self) {
        if let Some(ctx) = &self.0 {
            let _ = ctx.resume();
        }
    }

    fn play(&self) {
        let Some(ctx) = &self.0 else { return };
        let now = ctx.current_time();
        for (i, freq) in [880.0_f32, 1320.0].into_iter().enumerate() {
            let start = now + i as f64 * 0.14;
            let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else { return };
            osc.frequency().set_value(freq);
            let g = gain.gain();
            let _ = g.set_value_at_time(0.0001, start);
            let _ = g.exponential_ramp_to_value_at_time(0.2, start + 0.02);
            let _ = g.exponential_ramp_to_value_at_time(0.0001, start + 0.18);
            let _ = osc.connect_with_audio_node(&gain).and_then(|_| gain.connect_with_audio_node(&ctx.destination()));
            let _ = osc.start_with_when(start);
            let _ = osc.stop_with_when(start + 0.2);
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub agent: Agent,
    pub selected: Option<SessionId>,
    pub on_select: Callback<(SessionId, bool)>,
    /// The site's agents and their presence, for the conversation's Transfer.
    pub on_presence: Callback<Vec<AgentPresence>>,
}

#[derive(Clone, Default, PartialEq)]
struct QueueState {
    sessions: HashMap<SessionId, SessionSummary>,
    conn: Option<Conn>,
    error: Option<String>,
    stats: SiteStats,
    csat: porchlight_protocol::csat::Figures,
    presence: Vec<AgentPresence>,
    /// Counts snapshots, so effects can run once per (re)connection.
    snapshots: u32,
    /// The edge's answer to the current search: (query, matching ids).
    found: Option<(String, HashSet<SessionId>)>,
    /// Sessions that started waiting for a person since sign-in (the
    /// new-chat sound plays for each).
    arrivals: u32,
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
                next.snapshots += 1;
            }
            Action::Frame(QueueFrame::Upsert { session }) => {
                let old = next.sessions.get(&session.id);
                if old.is_none_or(|old| old.rev < session.rev) {
                    next.arrivals += u32::from(inbox::started_waiting(old, &session));
                    next.sessions.insert(session.id.clone(), session);
                }
            }
            Action::Frame(QueueFrame::Stats { stats }) => next.stats = stats,
            Action::Frame(QueueFrame::Csat { figures }) => next.csat = figures,
            Action::Frame(QueueFrame::Presence { agents }) => next.presence = agents,
            Action::Frame(QueueFrame::Found { query, ids }) => next.found = Some((query, ids.into_iter().collect())),
            Action::Frame(QueueFrame::Error { message, .. }) => next.error = Some(message),
            Action::Frame(QueueFrame::Pong) => {}
            Action::Conn(conn) => next.conn = Some(conn),
        }
        Rc::new(next)
    }
}

#[function_component(Queue)]
pub fn queue(props: &Props) -> Html {
    let state = use_reducer(QueueState::default);
    let socket: Rc<RefCell<Option<Socket>>> = use_mut_ref(|| None);
    let now = use_state(now_ms);
    let tab = use_state(|| Tab::Open);
    let query = use_state(String::new);
    let away = use_state(|| false);
    let unread_only = use_state(|| false);
    let sound = use_state(|| LocalStorage::get::<bool>(SOUND_KEY).unwrap_or(false));
    let chime: Rc<RefCell<Option<Chime>>> = use_mut_ref(|| None);
    let me = props.agent.login.agent.id.clone();
    {
        let (state, agent, socket) = (state.clone(), props.agent.clone(), socket.clone());
        use_effect_with(agent.token.clone(), move |_| {
            let url = porchlight_browser::ws_url(&agent.edge, &format!("/api/v1/sites/{}/queue", agent.login.site));
            let (frames, states, token) = (state.clone(), state.clone(), agent.token.to_string());
            *socket.borrow_mut() = Some(Socket::connect(
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
            ));
            move || drop(socket.borrow_mut().take())
        });
    }
    let send = {
        let socket = socket.clone();
        move |frame: QueueClientFrame| {
            if let Some(s) = socket.borrow().as_ref() {
                s.send(&frame);
            }
        }
    };
    // After every (re)connection: restore "away" and the current search.
    {
        let (send, away, query) = (send.clone(), *away, (*query).clone());
        use_effect_with(state.snapshots, move |n| {
            if *n > 0 {
                if away {
                    send(QueueClientFrame::Presence { status: Presence::Away });
                }
                if !query.trim().is_empty() {
                    send(QueueClientFrame::Search { query });
                }
            }
        });
    }
    {
        let on_presence = props.on_presence.clone();
        use_effect_with(state.presence.clone(), move |p| on_presence.emit(p.clone()));
    }
    // Waiting times tick without any traffic.
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let interval = gloo::timers::callback::Interval::new(5_000, move || now.set(now_ms()));
            move || drop(interval)
        });
    }

    // A new chat waiting: the sound, if on.
    {
        let (sound, chime) = (*sound, chime.clone());
        use_effect_with(state.arrivals, move |n| {
            if *n > 0 && sound {
                chime.borrow_mut().get_or_insert_with(Chime::new).play();
            }
        });
    }
    let toggle_sound = {
        let (sound, chime) = (sound.clone(), chime.clone());
        Callback::from(move |_: MouseEvent| {
            let on = !*sound;
            let _ = LocalStorage::set(SOUND_KEY, on);
            if on {
                // Browsers let a page make sound only after a gesture: this click.
                chime.borrow_mut().get_or_insert_with(Chime::new).unlock();
            }
            sound.set(on);
        })
    };

    let on_search = {
        let (query, send) = (query.clone(), send.clone());
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if !value.trim().is_empty() {
                send(QueueClientFrame::Search { query: value.clone() });
            }
            query.set(value);
        })
    };
    let toggle_away = {
        let (away, send) = (away.clone(), send.clone());
        Callback::from(move |_: MouseEvent| {
            let next = !*away;
            send(QueueClientFrame::Presence { status: if next { Presence::Away } else { Presence::Online } });
            away.set(next);
        })
    };

    // A row shows when its tab admits it and it matches the search, here
    // (name, email, preview) or on the edge (any message).
    let q = query.trim().to_owned();
    let found = state.found.as_ref().filter(|(fq, _)| fq.trim() == q).map(|(_, ids)| ids);
    let mut rows: Vec<&SessionSummary> = state
        .sessions
        .values()
        .filter(|s| tab.admits(s))
        .filter(|s| inbox::matches_locally(s, &q) || found.is_some_and(|ids| ids.contains(&s.id)))
        .filter(|s| !*unread_only || inbox::unread(s, &me) > 0)
        .collect();
    inbox::sort(&mut rows);
    let counts = inbox::counts(state.sessions.values(), porchlight_browser::local_midnight_ms());
    use_effect_with(counts.waiting, |n| {
        set_title(&inbox::title(*n, TITLE));
        || set_title(TITLE)
    });
    let stats = state.stats;
    let conn_note = match state.conn {
        Some(Conn::Reconnecting) => Some("Reconnecting…"),
        Some(Conn::Refused) => Some("The queue refused this token. Sign out and in again."),
        Some(Conn::Connecting) | None => Some("Connecting…"),
        Some(Conn::Open) => None,
    };
    let tile = |class: &'static str, label: &'static str, n: usize| {
        html! { <div class={classes!("kpi", class)}><span class="n" role="group" aria-label={format!("{label} count")}>{ n }</span><span>{ label }</span></div> }
    };

    html! {
        <section class="queue" aria-label="Queue">
            <div class="kpis four">
                { tile("waiting", "Waiting", counts.waiting) }
                { tile("active", "Active", counts.active) }
                { tile("unassigned", "Unassigned", counts.unassigned) }
                { tile("closed", "Closed today", counts.closed_today) }
            </div>
            <div class="kpis bot" aria-label="Bot">
                <div class="kpi"><span class="n" aria-label="With bot count">{ stats.with_bot }</span><span>{ "With the bot" }</span></div>
                <div class="kpi"><span class="n" aria-label="Resolved by bot count">{ stats.resolved_by_bot }</span><span>{ "Resolved by the bot" }</span></div>
                <div class="kpi"><span class="n" aria-label="Handed off count">{ stats.handed_off }</span><span>{ "Handed off" }</span></div>
            </div>
            { super::csat::figures(&state.csat) }
            <div class="team" role="group" aria-label="Team">
                { for state.presence.iter().map(|p| {
                    let (class, label) = match p.status {
                        Presence::Online => ("dot online", "online"),
                        Presence::Away => ("dot away", "away"),
                        Presence::Offline => ("dot offline", "offline"),
                    };
                    html! { <span class="member" data-agent={p.agent.id.to_string()} title={label}>
                        <span class={class} role="img" aria-label={label}></span>{ &p.agent.name }</span> }
                }) }
                <button class="link" onclick={toggle_away}>{ if *away { "Set me online" } else { "Set me away" } }</button>
                <button class="link sound" aria-label="New-chat sound" aria-pressed={sound.to_string()} onclick={toggle_sound}
                    // The state is aria-pressed; ": on" / ": off" is drawn by CSS, so the
                    // visible text and the accessible name agree (WCAG 2.5.3).
                    title="Play a short sound when a chat starts waiting">{ "New-chat sound" }</button>
            </div>
            <super::start::NewConversation agent={props.agent.clone()}
                known={state.sessions.values().filter(|s| s.visitor.verified).cloned().collect::<Vec<_>>()}
                on_started={{ let on_select = props.on_select.clone(); Callback::from(move |id| on_select.emit((id, false))) }} />
            if let Some(note) = conn_note { <p class="note" role="status">{ note }</p> }
            if let Some(err) = &state.error { <p class="error" role="alert">{ err }</p> }
            <div class="filters">
                <div class="tabs" role="tablist">
                    { for Tab::ALL.iter().map(|t| {
                        let (tab_state, t) = (tab.clone(), *t);
                        let selected = *tab == t;
                        html! { <button role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("on"))}
                            onclick={Callback::from(move |_| tab_state.set(t))}>{ t.label() }</button> }
                    }) }
                </div>
                <label class="unread-only">
                    <input type="checkbox" checked={*unread_only}
                        onchange={{ let u = unread_only.clone(); Callback::from(move |_| u.set(!*u)) }} />
                    { "Show unread only" }
                </label>
                <input type="search" class="search" aria-label="Search conversations" placeholder="Search customer, order, ticket, person or message"
                    value={(*query).clone()} oninput={on_search} />
            </div>
            <table class="sessions">
                <colgroup><col /><col class="c-status" /><col class="c-agent" /><col class="c-n" /><col class="c-wait" /><col class="c-act" /></colgroup>
                <thead><tr><th>{ "Visitor" }</th><th>{ "Status" }</th><th>{ "Agent" }</th><th>{ "Msgs" }</th><th>{ "Waiting" }</th><th></th></tr></thead>
                <tbody>
                    { for rows.into_iter().map(|s| row(s, *now, props, inbox::unread(s, &me))) }
                </tbody>
            </table>
        </section>
    }
}

/// "With Ava, Ben, Sam (courier) · external": who is in a conversation,
/// for the avatars' name.
fn people_label(s: &SessionSummary) -> String {
    let agents = s.agent.iter().chain(&s.participants).map(|a| a.name.clone());
    let names: Vec<String> = agents.chain(s.externals.iter().map(|e| e.label())).collect();
    format!("With {}", names.join(", "))
}

fn row(s: &SessionSummary, now: u64, props: &Props, unread: u64) -> Html {
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
        <tr key={s.id.to_string()} {class} data-session={s.id.to_string()}>
            <td>
                <div class="visitor"><span class="name" title={s.visitor.name.clone()}>{ &s.visitor.name }</span>
                    if s.visitor.verified { <span class="verified" title="Identity verified by the site">{ "✓ Verified" }</span> }
                    if unread > 0 { <span class="unread" aria-label="Unread count">{ unread }</span> }
                </div>
                if let Some(email) = &s.visitor.email { <div class="email" title={email.clone()}>{ email }</div> }
                { for s.visitor.orders.iter().map(|order| html! { <div class="email">{ format!("Order {order} ✓") }</div> }) }
                if let Some(order) = s.order_ref.as_ref().filter(|o| !s.visitor.orders.contains(o)) {
                    <div class="email">{ format!("Order {order}") }
                        <span class="unverified">{ "unverified — claimed by the visitor" }</span></div>
                }
                if let Some(last) = &s.last_message { <div class="preview" dir="auto">{ last }</div> }
            </td>
            <td><span class={badge}>{ s.status.label() }</span></td>
            <td class="agent">
                if !s.participants.is_empty() || !s.externals.is_empty() {
                    // Everyone in the conversation, owner first, as initials avatars; outsiders (a courier) last, outlined.
                    <span class="people" role="img" aria-label={people_label(s)} title={people_label(s)}>
                        { for s.agent.iter().chain(&s.participants).map(|a| html! {
                            <span class={format!("avatar avatar-{}", appearance::avatar_index(a.id.as_str()))}>{ appearance::initials(&a.name) }</span>
                        }) }
                        { for s.externals.iter().map(|e| html! {
                            <span class="avatar external" data-external={e.id.clone()}>{ appearance::initials(&e.name) }</span>
                        }) }
                    </span>
                }
                { s.agent.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| "—".into()) }
            </td>
            <td>{ s.message_count }</td>
            <td>{ waited }</td>
            <td>
                if s.status == Status::Waiting {
                    // Named with the visitor, so a screen reader's list of
                    // buttons tells the rows apart (the visible word leads).
                    <button class="primary" onclick={select(true)} aria-label={format!("Accept {}", s.visitor.name)}>{ "Accept" }</button>
                } else if s.status == Status::Closed {
                    // Closed: there is nothing to do but read it.
                    <button class="link" onclick={select(false)} aria-label={format!("View {}'s conversation", s.visitor.name)}>{ "View" }</button>
                } else {
                    <button class="link" onclick={select(false)} aria-label={format!("Open {}", s.visitor.name)}>{ "Open" }</button>
                }
            </td>
        </tr>
    }
}
