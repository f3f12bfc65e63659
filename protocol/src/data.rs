//! A visitor's data: what an ADMIN exports or erases
//! (`/api/v1/sites/{site}/data/…`), and when retention erases a closed
//! conversation.

use crate::frames::TranscriptExport;
use crate::ids::{SessionId, SiteId};
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};

/// `GET …/data/sessions/{id}` or `…/data/users/{user_id}`: everything
/// kept about the visitor, as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataExport {
    pub site: SiteId,
    /// Set when exported by verified user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Each conversation with every message (internal notes included).
    pub sessions: Vec<TranscriptExport>,
    /// Tickets made from them (their descriptions are transcript copies).
    pub tickets: Vec<Ticket>,
    pub exported_at: u64,
}

/// `DELETE …/data/sessions/{id}` or `…/data/users/{user_id}`: what was erased.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erased {
    pub erased: Vec<SessionId>,
}

/// How many of one user's sessions an export or erase covers at most.
pub const MAX_USER_SESSIONS: u32 = 500;

/// When a conversation closed at `closed_at` (ms) is erased, if the site
/// has a retention period.
pub fn erase_at(closed_at: Option<u64>, retention_ms: Option<u64>) -> Option<u64> {
    Some(closed_at?.saturating_add(retention_ms?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_closed_sessions_of_sites_with_retention_are_erased() {
        assert_eq!(erase_at(Some(1_000), Some(2_000)), Some(3_000));
        assert_eq!(erase_at(None, Some(2_000)), None, "open conversations are kept");
        assert_eq!(erase_at(Some(1_000), None), None, "no retention: kept");
        assert_eq!(erase_at(Some(u64::MAX), Some(5)), Some(u64::MAX));
    }
}
