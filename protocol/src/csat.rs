//! Customer satisfaction (CSAT): the visitor's rating of a closed
//! conversation, who may give one and when, and the console's figures.
//!
//! Decisions (docs/PROTOCOL.md, "Ratings"):
//! - Five faces, each with a text label (😞 Terrible … 😄 Great), scores 1–5.
//! - Offered only once a conversation a person took part in is closed: a
//!   "Yes, thanks" to the bot is already the visitor's verdict (and the bot
//!   is no one to rate), and a dismissed waiting chat had no one to rate.
//! - Once per session: a second rating is refused, never merged.
//! - The rating credits the agent who owned the conversation when it closed.

use crate::session::{AgentRef, SessionState, Status};
use crate::ErrorCode;
use serde::{Deserialize, Serialize};

/// Serde's default for a site's `csat`: on.
pub fn on() -> bool {
    true
}

/// Serde's `skip_serializing_if` for `csat`: only `false` is written.
pub fn is_on(v: &bool) -> bool {
    *v
}

/// Longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// The five choices, worst first: (score, face, label).
pub const SCALE: [(u8, &str, &str); 5] =
    [(1, "😞", "Terrible"), (2, "🙁", "Bad"), (3, "😐", "Okay"), (4, "🙂", "Good"), (5, "😄", "Great")];

/// A visitor's rating of a closed conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// 1 (worst) to 5 (best).
    pub score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When it was given (ms since the epoch).
    pub at: u64,
    /// The agent who owned the conversation when it closed: the one rated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentRef>,
}

impl Rating {
    /// The score's label ("Good"), for notices and the console.
    pub fn label(&self) -> &'static str {
        label(self.score)
    }
}

/// The label of `score` ("" out of range).
pub fn label(score: u8) -> &'static str {
    SCALE.iter().find(|(s, _, _)| *s == score).map_or("", |(_, _, l)| l)
}

/// The face of `score` ("" out of range).
pub fn face(score: u8) -> &'static str {
    SCALE.iter().find(|(s, _, _)| *s == score).map_or("", |(_, f, _)| f)
}

/// Why a rating was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RateError {
    /// The site turned ratings off (`csat: false`).
    Off,
    /// The conversation is still open.
    NotClosed,
    /// Closed, but no person took part (the bot resolved it, or it was dismissed while waiting).
    NotRateable,
    AlreadyRated,
    BadScore,
    CommentTooLong,
}

impl RateError {
    pub fn code(&self) -> ErrorCode {
        match self {
            RateError::Off => ErrorCode::CsatOff,
            RateError::NotClosed | RateError::NotRateable => ErrorCode::NotRateable,
            RateError::AlreadyRated => ErrorCode::AlreadyRated,
            RateError::BadScore | RateError::CommentTooLong => ErrorCode::InvalidRating,
        }
    }

    pub fn message(&self) -> String {
        match self {
            RateError::Off => "This site does not collect ratings.".into(),
            RateError::NotClosed => "A conversation can be rated once it has ended.".into(),
            RateError::NotRateable => "Only a conversation with a person can be rated.".into(),
            RateError::AlreadyRated => "This conversation has already been rated.".into(),
            RateError::BadScore => "A rating is a score from 1 to 5.".into(),
            RateError::CommentTooLong => format!("A comment can be at most {MAX_COMMENT_CHARS} characters."),
        }
    }
}

/// The status ratings go by: a chat whose ticket the team closed has
/// ended for the visitor (nobody writes in it again), though nobody closed
/// the chat itself, so it is rated as a closed one.
pub fn rating_status(status: Status, ticket_closed: bool) -> Status {
    if ticket_closed {
        Status::Closed
    } else {
        status
    }
}

/// Whether the widget offers a rating for a session with this status and
/// owner (what its `welcome` and `status` frames say).
pub fn offered(status: Status, agent: Option<&AgentRef>, existing: Option<&Rating>, enabled: bool) -> bool {
    eligible(status, agent, enabled).is_ok() && existing.is_none()
}

fn eligible(status: Status, agent: Option<&AgentRef>, enabled: bool) -> Result<(), RateError> {
    if !enabled {
        return Err(RateError::Off);
    }
    if status != Status::Closed {
        return Err(RateError::NotClosed);
    }
    if agent.is_none() {
        return Err(RateError::NotRateable);
    }
    Ok(())
}

/// The rating a visitor gives at `now`, or why not. The comment is trimmed;
/// an empty one is none.
pub fn rate(
    state: &SessionState,
    existing: Option<&Rating>,
    enabled: bool,
    score: u8,
    comment: Option<&str>,
    now: u64,
) -> Result<Rating, RateError> {
    eligible(state.status, state.agent.as_ref(), enabled)?;
    if existing.is_some() {
        return Err(RateError::AlreadyRated);
    }
    if !(1..=5).contains(&score) {
        return Err(RateError::BadScore);
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(RateError::CommentTooLong);
    }
    Ok(Rating { score, comment: comment.map(String::from), at: now, agent: state.agent.clone() })
}

/// A count of ratings and the sum of their scores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub count: u64,
    pub total: u64,
}

impl Tally {
    fn add(&mut self, score: u8) {
        self.count += 1;
        self.total += u64::from(score);
    }

    /// The average score, one decimal ("4.3"), or "–" with no ratings.
    pub fn average(&self) -> String {
        if self.count == 0 {
            return "–".into();
        }
        // Rounded half up in tenths, in integers (no float formatting quirks).
        let tenths = (self.total * 10 * 2 + self.count) / (self.count * 2);
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// The last 7 and the last 30 days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Windows {
    pub last_7_days: Tally,
    pub last_30_days: Tally,
}

const DAY_MS: u64 = 86_400_000;

impl Windows {
    fn add(&mut self, score: u8, at: u64, now: u64) {
        let age = now.saturating_sub(at);
        if age <= 30 * DAY_MS {
            self.last_30_days.add(score);
            if age <= 7 * DAY_MS {
                self.last_7_days.add(score);
            }
        }
    }
}

/// One agent's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentFigures {
    pub agent: AgentRef,
    #[serde(flatten)]
    pub windows: Windows,
}

/// The site's figures and each rated agent's, agents by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub site: Windows,
    #[serde(default)]
    pub agents: Vec<AgentFigures>,
}

/// The figures at `now` of `ratings`; older than 30 days count nowhere, and
/// a rating stamped after `now` (another clock) counts as just given.
pub fn figures<'a>(ratings: impl IntoIterator<Item = &'a Rating>, now: u64) -> Figures {
    let mut out = Figures::default();
    for r in ratings {
        if !(1..=5).contains(&r.score) {
            continue;
        }
        out.site.add(r.score, r.at, now);
        if let Some(agent) = &r.agent {
            let i = match out.agents.iter().position(|a| a.agent.id == agent.id) {
                Some(i) => i,
                None => {
                    out.agents.push(AgentFigures { agent: agent.clone(), windows: Windows::default() });
                    out.agents.len() - 1
                }
            };
            out.agents[i].windows.add(r.score, r.at, now);
        }
    }
    out.agents.retain(|a| a.windows.last_30_days.count > 0);
    out.agents.sort_by(|a, b| a.agent.name.to_lowercase().cmp(&b.agent.name.to_lowercase()).then(a.agent.id.0.cmp(&b.agent.id.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Actor;
    use crate::AgentId;

    fn ava() -> AgentRef {
        AgentRef { id: AgentId("ava".into()), name: "Ava".into() }
    }
    fn ben() -> AgentRef {
        AgentRef { id: AgentId("ben".into()), name: "Ben".into() }
    }

    fn closed_with(agent: Option<AgentRef>) -> SessionState {
        let mut s = SessionState::default();
        s.handoff().unwrap();
        if let Some(a) = &agent {
            s.accept(a).unwrap();
            s.close(&Actor::Agent(a.clone())).unwrap();
        } else {
            s.close(&Actor::Agent(ava())).unwrap();
        }
        s
    }

    #[test]
    fn a_chat_whose_ticket_closed_is_rated_as_ended() {
        let mut active = SessionState::default();
        active.handoff().unwrap();
        active.accept(&ava()).unwrap();
        assert!(!offered(rating_status(active.status, false), active.agent.as_ref(), None, true), "still open");
        assert!(offered(rating_status(active.status, true), active.agent.as_ref(), None, true));
        let ended = SessionState { status: rating_status(active.status, true), ..active };
        assert_eq!(rate(&ended, None, true, 4, None, 1).map(|r| r.agent), Ok(Some(ava())), "the owner is rated");
        assert_eq!(rating_status(Status::Bot, false), Status::Bot);
    }

    #[test]
    fn only_after_a_person_closed_chat_and_once() {
        let open = SessionState::default();
        assert_eq!(rate(&open, None, true, 4, None, 1), Err(RateError::NotClosed));
        let mut bot = SessionState::default();
        bot.resolve_by_bot().unwrap();
        assert_eq!(rate(&bot, None, true, 4, None, 1), Err(RateError::NotRateable));
        assert!(!offered(bot.status, bot.agent.as_ref(), None, true));
        let dismissed = closed_with(None);
        assert_eq!(rate(&dismissed, None, true, 4, None, 1), Err(RateError::NotRateable));
        let closed = closed_with(Some(ava()));
        assert!(offered(closed.status, closed.agent.as_ref(), None, true));
        let r = rate(&closed, None, true, 4, Some("  quick and kind "), 7).unwrap();
        assert_eq!(r, Rating { score: 4, comment: Some("quick and kind".into()), at: 7, agent: Some(ava()) });
        assert_eq!(rate(&closed, Some(&r), true, 5, None, 8), Err(RateError::AlreadyRated));
        assert!(!offered(closed.status, closed.agent.as_ref(), Some(&r), true));
    }

    #[test]
    fn off_per_site() {
        let closed = closed_with(Some(ava()));
        assert_eq!(rate(&closed, None, false, 4, None, 1), Err(RateError::Off));
        assert!(!offered(closed.status, closed.agent.as_ref(), None, false));
        assert_eq!(RateError::Off.code(), ErrorCode::CsatOff);
    }

    #[test]
    fn score_range_and_comment_length() {
        let closed = closed_with(Some(ava()));
        assert_eq!(rate(&closed, None, true, 0, None, 1), Err(RateError::BadScore));
        assert_eq!(rate(&closed, None, true, 6, None, 1), Err(RateError::BadScore));
        assert_eq!(rate(&closed, None, true, 1, Some("   "), 1).unwrap().comment, None);
        let long = "é".repeat(MAX_COMMENT_CHARS);
        assert_eq!(rate(&closed, None, true, 5, Some(&long), 1).unwrap().comment.unwrap().chars().count(), MAX_COMMENT_CHARS);
        let longer = "é".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(rate(&closed, None, true, 5, Some(&longer), 1), Err(RateError::CommentTooLong));
        assert_eq!(RateError::CommentTooLong.code(), ErrorCode::InvalidRating);
    }

    #[test]
    fn labels_and_faces() {
        assert_eq!((face(1), label(1)), ("😞", "Terrible"));
        assert_eq!((face(5), label(5)), ("😄", "Great"));
        assert_eq!(label(9), "");
    }

    #[test]
    fn seven_and_thirty_day_windows_per_agent_and_site() {
        let now = 100 * DAY_MS;
        let r = |score, days_ago: u64, agent: Option<AgentRef>| Rating { score, comment: None, at: now - days_ago * DAY_MS, agent };
        let ratings = vec![
            r(5, 0, Some(ben())),
            r(4, 7, Some(ava())),  // exactly 7 days: in both windows
            r(2, 8, Some(ava())),  // 30-day window only
            r(3, 30, Some(ava())), // exactly 30 days: still counted
            r(1, 31, Some(ava())), // too old
            r(4, 1, None),         // the site's, no agent
        ];
        let f = figures(&ratings, now);
        assert_eq!(f.site.last_7_days, Tally { count: 3, total: 13 });
        assert_eq!(f.site.last_30_days, Tally { count: 5, total: 18 });
        assert_eq!(f.agents.iter().map(|a| a.agent.name.as_str()).collect::<Vec<_>>(), ["Ava", "Ben"]);
        assert_eq!(f.agents[0].windows.last_7_days, Tally { count: 1, total: 4 });
        assert_eq!(f.agents[0].windows.last_30_days, Tally { count: 3, total: 9 });
        assert_eq!(f.agents[1].windows.last_30_days, Tally { count: 1, total: 5 });
        // A clock ahead of ours: counted as just given.
        let ahead = Rating { score: 5, comment: None, at: now + DAY_MS, agent: None };
        assert_eq!(figures([&ahead], now).site.last_7_days.count, 1);
        // Only old ratings: the agent is not listed.
        assert!(figures([&r(5, 40, Some(ava()))], now).agents.is_empty());
    }

    #[test]
    fn averages_to_one_decimal() {
        assert_eq!(Tally::default().average(), "–");
        assert_eq!(Tally { count: 3, total: 13 }.average(), "4.3");
        assert_eq!(Tally { count: 2, total: 9 }.average(), "4.5");
        assert_eq!(Tally { count: 3, total: 14 }.average(), "4.7");
        assert_eq!(Tally { count: 1, total: 5 }.average(), "5.0");
    }
}
