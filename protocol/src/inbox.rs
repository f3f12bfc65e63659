//! What the console's queue shows, as pure functions over session
//! summaries: the filter tabs, the KPI tiles, the order of rows and the
//! instant part of search. Kept here (not in the console) so the rules are
//! tested natively and the same for every client.

use crate::frames::{Author, Message, SessionSummary};
use crate::ids::{AgentId, Seq};
use crate::session::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tab {
    /// Everything not closed: with the bot, waiting or active.
    Open,
    Waiting,
    Active,
    Closed,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Open, Tab::Waiting, Tab::Active, Tab::Closed];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Open => "Open",
            Tab::Waiting => "Waiting",
            Tab::Active => "Active",
            Tab::Closed => "Closed",
        }
    }

    pub fn admits(self, s: &SessionSummary) -> bool {
        match self {
            Tab::Open => s.status != Status::Closed,
            Tab::Waiting => s.status == Status::Waiting,
            Tab::Active => s.status == Status::Active,
            Tab::Closed => s.status == Status::Closed,
        }
    }
}

/// The KPI tiles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub waiting: usize,
    pub active: usize,
    /// Sessions handed to people that no agent owns yet: WAITING without an
    /// owner. Sessions still with the bot are not waiting for anyone.
    pub unassigned: usize,
    /// Closed since `day_start` (the agent's local midnight).
    pub closed_today: usize,
}

pub fn counts<'a>(sessions: impl IntoIterator<Item = &'a SessionSummary>, day_start_ms: u64) -> Counts {
    let mut c = Counts::default();
    for s in sessions {
        match s.status {
            Status::Waiting => c.waiting += 1,
            Status::Active => c.active += 1,
            Status::Closed if s.closed_at.unwrap_or(s.updated_at) >= day_start_ms => c.closed_today += 1,
            _ => {}
        }
        if s.status == Status::Waiting && s.agent.is_none() {
            c.unassigned += 1;
        }
    }
    c
}

/// Whether an update makes `next` a session that just started waiting for
/// a person (handed off by the bot, or released back to the queue): the
/// moment the console chimes. `before` is what the console held (`None`
/// for a session it had not seen); a snapshot after a reconnect is not an
/// arrival, so callers ask only for upserts.
pub fn started_waiting(before: Option<&SessionSummary>, next: &SessionSummary) -> bool {
    next.status == Status::Waiting && before.is_none_or(|b| b.status != Status::Waiting)
}

/// The console tab's title: "(N) waiting · Porchlight" while sessions wait
/// for a person, else just the base title.
pub fn title(waiting: usize, base: &str) -> String {
    if waiting == 0 {
        base.to_owned()
    } else {
        format!("({waiting}) waiting · {base}")
    }
}

/// Which of an agent's own messages carries the Sent / Delivered / Seen
/// label: the newest one the visitor can see. Internal notes never do (the
/// visitor cannot see them, so "Seen" would be a lie), nor deleted ones.
pub fn receipt_target<'a>(messages: impl IntoIterator<Item = &'a Message>, me: &AgentId) -> Option<Seq> {
    messages
        .into_iter()
        .filter(|m| !m.internal && !m.deleted && matches!(&m.author, Author::Agent { id, .. } if id == me))
        .map(|m| m.seq)
        .max()
}

/// Visitor messages `agent` has not seen in this session.
pub fn unread(s: &SessionSummary, agent: &AgentId) -> u64 {
    s.unread.get(agent).copied().unwrap_or(s.visitor_messages)
}

/// Row order: waiting first (longest waiting on top), then active, then
/// those with the bot, then closed; newest first within each.
pub fn sort(rows: &mut [&SessionSummary]) {
    rows.sort_by_key(|s| match s.status {
        Status::Waiting => (0, s.waiting_since as i64),
        Status::Active => (1, -(s.updated_at as i64)),
        Status::Bot => (2, -(s.updated_at as i64)),
        Status::Closed => (3, -(s.updated_at as i64)),
    });
}

/// The instant, local part of search, case-insensitive: the customer
/// (name, email, verified user id), the order (the page's reference and
/// the verified orders), the ticket ("#7", "7", "ticket 7" or "ticket #7"),
/// the people in it (the owner, agent participants by name or id, external
/// participants by name or role) and the last message preview.
/// The queue's `search` frame adds matches anywhere in a session's messages.
pub fn matches_locally(s: &SessionSummary, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return true;
    }
    let customer = [Some(s.visitor.name.as_str()), s.visitor.email.as_deref(), s.visitor.user_id.as_deref(), s.last_message.as_deref()];
    let orders = std::iter::once(s.order_ref.as_deref()).chain(s.visitor.orders.iter().map(|o| Some(o.as_str())));
    let people = s.agent.iter().chain(&s.participants).flat_map(|a| [Some(a.name.as_str()), Some(a.id.as_str())]);
    let externals = s.externals.iter().flat_map(|e| [Some(e.name.as_str()), e.role.as_deref()]);
    if customer.into_iter().chain(orders).chain(people).chain(externals).flatten().any(|h| h.to_lowercase().contains(&q)) {
        return true;
    }
    s.ticket.as_ref().is_some_and(|t| ticket_number(&q) == Some(t.number))
}

/// The ticket number a (lowercase) query names: "7", "#7", "ticket 7", "ticket #7".
fn ticket_number(q: &str) -> Option<u64> {
    let q = q.strip_prefix("ticket").map_or(q, str::trim_start);
    q.strip_prefix('#').unwrap_or(q).trim().parse().ok()
}

#[cfg(test)]
mod search_tests {
    use super::*;
    use crate::frames::VisitorInfo;
    use crate::ids::{AgentId, SessionId};
    use crate::session::AgentRef;

    #[test]
    fn search_finds_the_customer_the_order_the_ticket_and_the_people() {
        let mut visitor = VisitorInfo::new("Olive Order", Some("olive@example.com".into()));
        visitor.user_id = Some("user-42".into());
        visitor.orders = vec!["CK-7001".into()];
        let s = SessionSummary {
            id: SessionId("a".repeat(32)),
            status: Status::Active,
            visitor,
            agent: Some(AgentRef { id: AgentId("ava".into()), name: "Ava".into() }),
            message_count: 1,
            last_message: None,
            visitor_messages: 0,
            order_ref: Some("CK-1042".into()),
            unread: Default::default(),
            created_at: 0,
            waiting_since: 0,
            updated_at: 0,
            handed_off: true,
            closed_by: None,
            closer: None,
            closed_at: None,
            ticket: Some(crate::ticket::TicketRef { number: 17, subject: "Late".into(), closed: false }),
            participants: vec![AgentRef { id: AgentId("ben".into()), name: "Ben Courier".into() }],
            externals: vec![crate::participants::External { id: "ext_1".into(), name: "Sam".into(), role: Some("driver".into()) }],
            rating: None,
            rev: 1,
        };
        for q in [
            "olive",
            "OLIVE@",
            "user-42",
            "ck-1042",
            "CK-7001",
            "#17",
            "17",
            "ticket 17",
            "Ticket #17",
            "ava",
            "courier",
            "ben",
            "sam",
            "driver",
            "",
        ] {
            assert!(matches_locally(&s, q), "{q}");
        }
        for q in ["#1", "CK-9", "zed", "ticket 1", "ticket", "ticket 170"] {
            assert!(!matches_locally(&s, q), "{q}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::VisitorInfo;
    use crate::ids::{AgentId, SessionId};
    use crate::session::AgentRef;

    fn summary(id: &str, status: Status, agent: bool, updated_at: u64) -> SessionSummary {
        SessionSummary {
            id: SessionId(id.into()),
            status,
            visitor: VisitorInfo::new(format!("Visitor {id}"), Some(format!("{id}@example.com"))),
            agent: agent.then(|| AgentRef { id: AgentId("ava".into()), name: "Ava".into() }),
            message_count: 1,
            last_message: Some("Order #1042 is late".into()),
            created_at: 0,
            waiting_since: updated_at,
            updated_at,
            handed_off: false,
            closed_by: None,
            closer: None,
            closed_at: (status == Status::Closed).then_some(updated_at),
            visitor_messages: 3,
            order_ref: Some("CK-1042".into()),
            unread: [(AgentId("ava".into()), 1)].into(),
            ticket: None,
            participants: vec![],
            externals: vec![],
            rating: None,
            rev: 1,
        }
    }

    #[test]
    fn tabs_and_tiles() {
        let all = [
            summary("a", Status::Bot, false, 10),
            summary("b", Status::Waiting, false, 20),
            summary("c", Status::Active, true, 30),
            summary("d", Status::Closed, true, 40),
            summary("e", Status::Closed, true, 5),
        ];
        let open: Vec<_> = all.iter().filter(|s| Tab::Open.admits(s)).map(|s| s.id.as_str()).collect();
        assert_eq!(open, ["a", "b", "c"]);
        assert_eq!(all.iter().filter(|s| Tab::Closed.admits(s)).count(), 2);
        assert_eq!(counts(&all, 10), Counts { waiting: 1, active: 1, unassigned: 1, closed_today: 1 });
    }

    #[test]
    fn unassigned_counts_only_sessions_waiting_for_a_person() {
        let with_bot = [summary("a", Status::Bot, false, 1), summary("b", Status::Bot, false, 2)];
        assert_eq!(counts(&with_bot, 0).unassigned, 0, "the bot has them: nobody is waiting");
        let handed = [
            summary("w1", Status::Waiting, false, 1),
            summary("w2", Status::Waiting, false, 2),
            summary("bot", Status::Bot, false, 3),
            summary("mine", Status::Active, true, 4),
            summary("done", Status::Closed, false, 5),
        ];
        assert_eq!(counts(&handed, 0), Counts { waiting: 2, active: 1, unassigned: 2, closed_today: 1 });
    }

    #[test]
    fn a_session_starts_waiting_once_per_handoff_or_release() {
        let bot = summary("s", Status::Bot, false, 1);
        let waiting = summary("s", Status::Waiting, false, 2);
        let active = summary("s", Status::Active, true, 3);
        assert!(started_waiting(Some(&bot), &waiting), "handed off by the bot");
        assert!(started_waiting(None, &waiting), "first seen already waiting");
        assert!(started_waiting(Some(&active), &waiting), "released to the queue");
        assert!(!started_waiting(Some(&waiting), &waiting), "a new message while waiting is no new chat");
        assert!(!started_waiting(None, &bot));
        assert!(!started_waiting(Some(&waiting), &active));
    }

    #[test]
    fn the_title_counts_waiting_sessions() {
        assert_eq!(title(0, "Porchlight"), "Porchlight");
        assert_eq!(title(3, "Porchlight"), "(3) waiting · Porchlight");
    }

    #[test]
    fn receipts_go_on_the_newest_message_the_visitor_can_see() {
        let ava = AgentId("ava".into());
        let msg = |seq: u64, who: &str, internal: bool, deleted: bool| Message {
            seq: Seq(seq),
            author: if who == "visitor" {
                Author::Visitor { name: "Jo".into() }
            } else {
                Author::Agent { id: AgentId(who.into()), name: who.into() }
            },
            internal,
            deleted,
            ..Message::blank()
        };
        let log = [
            msg(1, "visitor", false, false),
            msg(2, "ava", false, false),
            msg(3, "ava", false, false),
            msg(4, "ava", true, false),
            msg(5, "ben", false, false),
        ];
        assert_eq!(receipt_target(&log, &ava), Some(Seq(3)), "the note after it never shows Seen");
        let deleted = [msg(2, "ava", false, false), msg(3, "ava", false, true)];
        assert_eq!(receipt_target(&deleted, &ava), Some(Seq(2)));
        assert_eq!(receipt_target(&[msg(4, "ava", true, false)], &ava), None, "only notes: no receipt at all");
    }

    #[test]
    fn waiting_longest_first_then_active_bot_closed() {
        let all = [
            summary("closed", Status::Closed, true, 50),
            summary("bot", Status::Bot, false, 40),
            summary("waiting-late", Status::Waiting, false, 30),
            summary("active", Status::Active, true, 20),
            summary("waiting-early", Status::Waiting, false, 10),
        ];
        let mut rows: Vec<_> = all.iter().collect();
        sort(&mut rows);
        let ids: Vec<_> = rows.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["waiting-early", "waiting-late", "active", "bot", "closed"]);
    }

    #[test]
    fn unread_is_per_agent_and_everything_for_one_who_never_looked() {
        let s = summary("jo", Status::Waiting, false, 1);
        assert_eq!(unread(&s, &AgentId("ava".into())), 1);
        assert_eq!(unread(&s, &AgentId("ben".into())), 3);
    }

    #[test]
    fn local_search_looks_at_name_email_and_preview() {
        let s = summary("jo", Status::Waiting, false, 1);
        for q in ["", "visitor JO", "JO@EXAMPLE", "#1042", "  late ", "ck-1042"] {
            assert!(matches_locally(&s, q), "{q}");
        }
        assert!(!matches_locally(&s, "refund"));
    }
}
