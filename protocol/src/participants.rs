//! People outside the team in a conversation (a courier, a driver): an
//! agent invites them by a one-time link, and the link's first open
//! trades it for a participant credential.
//!
//! Both secrets are shown once and stored only as SHA-256, like agent
//! tokens and API keys. Each names its site and session
//! (`plj_<site>_<session>_<48 hex>`, `plx_…` for a credential) so the edge
//! routes it to that conversation's object without a lookup table; the
//! ids are not secrets (the conversation's visitor token is what opens
//! it), the hex is.
//!
//! The link carries its token in the URL's fragment (`join.html#t=…`):
//! browsers never send a fragment, so it appears in no request line,
//! referrer or access log.

use crate::frames::ErrorCode;
use crate::ids::{AgentId, SessionId, SiteId};
use crate::session::{Actor, AgentRef, SessionState};
use crate::site::constant_time_eq;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};

/// How long a link may wait for its first open.
pub const INVITE_TTL_MS: u64 = 24 * 60 * 60 * 1000;
/// Invitations (used or not, not removed) one conversation may hold: a
/// conversation with a courier, a warehouse and a supplier is plenty.
pub const MAX_EXTERNALS: usize = 10;
pub const MAX_ROLE_CHARS: usize = 40;
/// Random bytes in each secret (hex-encoded: twice as many characters).
pub const SECRET_BYTES: usize = 24;
const LINK_PREFIX: &str = "plj_";
const CREDENTIAL_PREFIX: &str = "plx_";

/// A link token for `session` from [`SECRET_BYTES`] random bytes (hex),
/// which the caller draws from a CSPRNG.
pub fn new_link_token(site: &SiteId, session: &SessionId, random_hex: &str) -> String {
    format!("{LINK_PREFIX}{site}_{session}_{random_hex}")
}

/// A participant credential for `session`, from random hex like a link's.
pub fn new_credential(site: &SiteId, session: &SessionId, random_hex: &str) -> String {
    format!("{CREDENTIAL_PREFIX}{site}_{session}_{random_hex}")
}

/// The conversation a link token names, if it has a link token's shape.
pub fn link_session(token: &str) -> Option<(SiteId, SessionId)> {
    secret_session(token, LINK_PREFIX)
}

/// The conversation a participant credential names, if it has one's shape.
pub fn credential_session(credential: &str) -> Option<(SiteId, SessionId)> {
    secret_session(credential, CREDENTIAL_PREFIX)
}

fn secret_session(secret: &str, prefix: &str) -> Option<(SiteId, SessionId)> {
    // Site ids hold no `_`, session ids are hex: the split is unambiguous.
    let (site, rest) = secret.strip_prefix(prefix)?.split_once('_')?;
    let (session, hex) = rest.split_once('_')?;
    (hex.len() == SECRET_BYTES * 2 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(())?;
    Some((SiteId::parse(site)?, SessionId::parse(session)?))
}

/// The join page's address for a link token: the token only in the fragment.
pub fn join_link(edge_origin: &str, token: &str) -> String {
    format!("{}/join.html#t={token}", edge_origin.trim_end_matches('/'))
}

/// What kind of participant `POST …/participants` adds. Agents join by
/// the `invite` frame (they sign in with their own token); this route is
/// for people without an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    External,
}

/// `POST /api/v1/sites/{site}/sessions/{id}/participants`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddParticipant {
    pub name: String,
    pub kind: Kind,
    /// What they are to the conversation ("courier"), shown beside their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// An external participant as everyone sees them: never a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct External {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl External {
    /// How widget and console show them: "Sam (courier) · external".
    pub fn label(&self) -> String {
        match &self.role {
            Some(role) => format!("{} ({role}) · external", self.name),
            None => format!("{} · external", self.name),
        }
    }
}

/// Where an invitation stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Standing {
    /// The link waits for its first open.
    Pending,
    /// The link was opened: it is spent, and this credential opens the chat.
    Joined { credential_sha256: String, joined_at: u64 },
    /// An agent removed them: neither link nor credential opens anything.
    Removed { removed_at: u64, by: AgentId },
}

/// An invitation as the session stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    #[serde(flatten)]
    pub who: External,
    pub created_by: AgentId,
    pub created_at: u64,
    pub expires_at: u64,
    pub link_sha256: String,
    #[serde(flatten)]
    pub standing: Standing,
}

/// `201` of `POST …/participants`: the link itself, this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvite {
    pub participant: External,
    pub link: String,
    pub expires_at: u64,
}

/// `POST /api/v1/join`'s body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Join {
    pub token: String,
}

/// `200` of `POST /api/v1/join`: the credential (kept by the join page in
/// `sessionStorage`) and the conversation it opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    pub credential: String,
    pub site: SiteId,
    pub session_id: SessionId,
    pub participant: External,
}

/// What an external participant's socket sends
/// (`GET …/sessions/{id}/participant`). Everything else they see comes as
/// the visitor's and agents' [`crate::SessionFrame`]s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExternalFrame {
    /// First frame: the credential from `POST /api/v1/join`; the answer is
    /// a `welcome` with every message after `last_seq` (notes excepted).
    Hello {
        credential: String,
        #[serde(default)]
        last_seq: crate::ids::Seq,
    },
    Send {
        client_id: crate::ids::ClientMsgId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<crate::ids::Seq>,
    },
    Ping,
}

/// `GET …/sessions/{id}/participants`: who is in the conversation besides
/// the visitor and the agents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalList {
    pub participants: Vec<Listed>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    #[serde(flatten)]
    pub who: External,
    /// Whether they opened the link yet.
    pub joined: bool,
    pub expires_at: u64,
}

/// Whether an external participant may write now: while the conversation
/// is open (they never hold it; the team does).
pub fn may_write(state: &SessionState) -> Result<(), Invalid> {
    if state.status == crate::session::Status::Closed {
        return Err(Invalid::new(ErrorCode::SessionClosed, "This conversation has ended."));
    }
    Ok(())
}

/// Checks an add request: a name's rules, an optional one-line role.
pub fn check_add(raw: &AddParticipant) -> Result<(String, Option<String>), Invalid> {
    let name = validate::name(&raw.name)?;
    let role = match raw.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(role) => {
            let role = validate::name(role).map_err(|_| Invalid::new(ErrorCode::BadFrame, "`role` must be one plain line."))?;
            if role.chars().count() > MAX_ROLE_CHARS {
                return Err(Invalid::new(ErrorCode::BadFrame, format!("`role` can be at most {MAX_ROLE_CHARS} characters.")));
            }
            Some(role)
        }
    };
    Ok((name, role))
}

/// Whether `agent` may add or remove participants: whoever may write to
/// the conversation (its owner and the agents invited in), while it is
/// open. Adding someone shows them everything, so watching is not enough.
pub fn may_manage(state: &SessionState, agent: &AgentRef) -> Result<(), Invalid> {
    state.authorize_send(&Actor::Agent(agent.clone())).map_err(|e| Invalid::new(e.code(), e.message()))
}

/// Whether one more invitation fits (removed ones do not count).
pub fn room_for_one_more(invites: &[Invite]) -> Result<(), Invalid> {
    let live = invites.iter().filter(|i| !matches!(i.standing, Standing::Removed { .. })).count();
    if live >= MAX_EXTERNALS {
        return Err(Invalid::new(
            ErrorCode::LimitReached,
            format!("A conversation can have at most {MAX_EXTERNALS} external participants; remove one first."),
        ));
    }
    Ok(())
}

impl Invite {
    pub fn new(who: External, created_by: AgentId, now: u64, link_sha256: String) -> Self {
        Invite { who, created_by, created_at: now, expires_at: now.saturating_add(INVITE_TTL_MS), link_sha256, standing: Standing::Pending }
    }

    /// Whether this is the invitation a link with hash `link_sha256` made.
    pub fn made_by_link(&self, link_sha256: &str) -> bool {
        constant_time_eq(self.link_sha256.as_bytes(), link_sha256.as_bytes())
    }

    /// The first open of the link: it is spent, and the credential with
    /// hash `credential_sha256` opens the conversation from now on. A
    /// second open is `link_used` (409, the link was not lost: someone
    /// has it); an expired or withdrawn link is `link_expired` (410).
    pub fn exchange(&mut self, now: u64, credential_sha256: String) -> Result<(), Invalid> {
        match self.standing {
            Standing::Joined { .. } => {
                Err(Invalid::new(ErrorCode::LinkUsed, "This link was already used. Ask the agent who sent it for a new one."))
            }
            Standing::Removed { .. } => Err(Invalid::new(ErrorCode::LinkExpired, "This link was withdrawn.")),
            Standing::Pending if now >= self.expires_at => {
                Err(Invalid::new(ErrorCode::LinkExpired, "This link has expired. Ask the agent who sent it for a new one."))
            }
            Standing::Pending => {
                self.standing = Standing::Joined { credential_sha256, joined_at: now };
                Ok(())
            }
        }
    }

    /// Whether the credential with hash `credential_sha256` is this
    /// participant's and still valid.
    pub fn opens(&self, credential_sha256: &str) -> bool {
        match &self.standing {
            Standing::Joined { credential_sha256: own, .. } => constant_time_eq(own.as_bytes(), credential_sha256.as_bytes()),
            _ => false,
        }
    }

    /// Removes them: the link and the credential open nothing any more.
    /// Returns whether anything changed (removing twice is a no-op).
    pub fn remove(&mut self, by: &AgentId, now: u64) -> bool {
        if matches!(self.standing, Standing::Removed { .. }) {
            return false;
        }
        self.standing = Standing::Removed { removed_at: now, by: by.clone() };
        true
    }

    /// Listed in the participants panel: pending or joined, not removed.
    pub fn is_live(&self) -> bool {
        !matches!(self.standing, Standing::Removed { .. })
    }

    pub fn listed(&self) -> Listed {
        Listed { who: self.who.clone(), joined: matches!(self.standing, Standing::Joined { .. }), expires_at: self.expires_at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Status;

    const SESSION: &str = "0123456789abcdef0123456789abcdef";

    fn session() -> SessionId {
        SessionId::parse(SESSION).unwrap()
    }

    fn site() -> SiteId {
        SiteId::parse("copper-kettle").unwrap()
    }

    fn agent(id: &str) -> AgentRef {
        AgentRef { id: AgentId(id.into()), name: id.to_uppercase() }
    }

    fn sam() -> Invite {
        let who = External { id: "ext_1".into(), name: "Sam".into(), role: Some("courier".into()) };
        Invite::new(who, AgentId("ava".into()), 1_000, "link-hash".into())
    }

    #[test]
    fn secrets_name_their_session_and_nothing_else_passes() {
        let hex = "ab".repeat(SECRET_BYTES);
        let both = Some((site(), session()));
        assert_eq!(link_session(&new_link_token(&site(), &session(), &hex)), both);
        assert_eq!(credential_session(&new_credential(&site(), &session(), &hex)), both);
        // A link is not a credential, nor the other way round.
        assert_eq!(credential_session(&new_link_token(&site(), &session(), &hex)), None);
        assert_eq!(link_session(&new_credential(&site(), &session(), &hex)), None);
        assert_eq!(link_session(&format!("plj_copper-kettle_{SESSION}_short")), None);
        assert_eq!(link_session(&format!("plj_copper-kettle_{SESSION}_{}", "zz".repeat(SECRET_BYTES))), None);
        assert_eq!(link_session(&format!("plj_{SESSION}_{hex}")), None, "a site is required");
        assert_eq!(link_session(&format!("plj_Bad_{SESSION}_{hex}")), None);
        assert_eq!(link_session(&format!("plj_x_../etc_{hex}")), None);
        assert_eq!(link_session(""), None);
    }

    #[test]
    fn the_link_puts_the_token_in_the_fragment_only() {
        let link = join_link("https://edge.example/", "plj_x");
        assert_eq!(link, "https://edge.example/join.html#t=plj_x");
        let (before, after) = link.split_once('#').unwrap();
        assert!(!before.contains("plj_") && after == "t=plj_x");
    }

    #[test]
    fn a_link_opens_once_then_is_spent() {
        let mut invite = sam();
        assert!(!invite.opens("cred-hash"), "nothing opens before the exchange");
        invite.exchange(2_000, "cred-hash".into()).unwrap();
        assert!(invite.opens("cred-hash"));
        assert!(!invite.opens("other"));
        let again = invite.exchange(3_000, "cred-2".into()).unwrap_err();
        assert_eq!(again.code, ErrorCode::LinkUsed);
        assert!(invite.opens("cred-hash") && !invite.opens("cred-2"), "a refused exchange changes nothing");
    }

    #[test]
    fn a_link_expires_after_a_day() {
        let mut invite = sam();
        assert_eq!(invite.expires_at, 1_000 + INVITE_TTL_MS);
        assert_eq!(invite.exchange(invite.expires_at, "c".into()).unwrap_err().code, ErrorCode::LinkExpired);
        assert_eq!(invite.standing, Standing::Pending);
        assert!(invite.exchange(invite.expires_at - 1, "c".into()).is_ok());
    }

    #[test]
    fn removal_revokes_link_and_credential() {
        let ava = AgentId("ava".into());
        let mut joined = sam();
        joined.exchange(2_000, "c".into()).unwrap();
        assert!(joined.remove(&ava, 3_000));
        assert!(!joined.opens("c") && !joined.is_live());
        assert!(!joined.remove(&ava, 4_000), "removing twice is a no-op");
        let mut pending = sam();
        pending.remove(&ava, 3_000);
        assert_eq!(pending.exchange(3_001, "c".into()).unwrap_err().code, ErrorCode::LinkExpired);
    }

    #[test]
    fn only_who_may_write_may_add_and_only_while_open() {
        let (ava, ben) = (agent("ava"), agent("ben"));
        let mut state = SessionState { status: Status::Waiting, handed_off: true, ..SessionState::default() };
        assert_eq!(may_manage(&state, &ava).unwrap_err().code, ErrorCode::NotAssigned);
        state.accept(&ava).unwrap();
        assert!(may_manage(&state, &ava).is_ok());
        assert_eq!(may_manage(&state, &ben).unwrap_err().code, ErrorCode::NotAssigned, "a watching agent may not");
        state.invite(&ava, &ben).unwrap();
        assert!(may_manage(&state, &ben).is_ok(), "an invited agent writes, so may add");
        state.close(&Actor::Agent(ava.clone())).unwrap();
        assert_eq!(may_manage(&state, &ava).unwrap_err().code, ErrorCode::SessionClosed);
    }

    #[test]
    fn a_conversation_holds_a_bounded_number_of_externals() {
        let mut invites: Vec<Invite> = (0..MAX_EXTERNALS).map(|_| sam()).collect();
        assert_eq!(room_for_one_more(&invites).unwrap_err().code, ErrorCode::LimitReached);
        invites[0].remove(&AgentId("ava".into()), 5);
        assert!(room_for_one_more(&invites).is_ok(), "removed ones make room");
    }

    #[test]
    fn names_and_roles_are_one_plain_line() {
        let add = |name: &str, role: Option<&str>| {
            check_add(&AddParticipant { name: name.into(), kind: Kind::External, role: role.map(Into::into) })
        };
        assert_eq!(add(" Sam\n ", Some(" courier ")).unwrap(), ("Sam".into(), Some("courier".into())));
        assert_eq!(add("Sam", Some("  ")).unwrap(), ("Sam".into(), None));
        assert_eq!(add("\u{200b}", None).unwrap_err().code, ErrorCode::InvalidName);
        assert_eq!(add("Sam", Some(&"r".repeat(MAX_ROLE_CHARS + 1))).unwrap_err().code, ErrorCode::BadFrame);
    }

    #[test]
    fn externals_are_labelled_as_such() {
        assert_eq!(sam().who.label(), "Sam (courier) · external");
        assert_eq!(External { id: "e".into(), name: "Lee".into(), role: None }.label(), "Lee · external");
    }

    #[test]
    fn an_external_author_has_the_documented_json_and_label() {
        let author = crate::Author::external(&sam().who);
        assert_eq!(
            serde_json::to_value(&author).unwrap(),
            serde_json::json!({"kind": "external", "id": "ext_1", "name": "Sam", "role": "courier"})
        );
        assert_eq!(author.external_label().as_deref(), Some("Sam (courier) · external"));
        assert_eq!(crate::Author::System.external_label(), None);
        let sender = crate::record::Sender::External("ext_1".into());
        assert_eq!(crate::record::Sender::parse(&sender.key()), sender);
        assert!(sender.counts(false) && sender.is_event(false));
    }

    #[test]
    fn bodies_have_the_documented_json() {
        let add: AddParticipant = serde_json::from_value(serde_json::json!({"name": "Sam", "kind": "external"})).unwrap();
        assert_eq!((add.kind, add.role), (Kind::External, None));
        assert!(serde_json::from_value::<AddParticipant>(serde_json::json!({"name": "Sam", "kind": "agent"})).is_err());
        let stored = serde_json::to_value(sam()).unwrap();
        assert_eq!(stored["state"], "pending");
        assert_eq!(stored["name"], "Sam");
        let back: Invite = serde_json::from_value(stored).unwrap();
        assert_eq!(back, sam());
        let joined = Joined { credential: "plx_c".into(), site: site(), session_id: session(), participant: sam().who };
        assert_eq!(
            serde_json::to_value(&joined).unwrap(),
            serde_json::json!({"credential": "plx_c", "site": "copper-kettle", "session_id": SESSION, "participant": {"id": "ext_1", "name": "Sam", "role": "courier"}})
        );
    }
}
