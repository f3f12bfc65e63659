//! Conversations the staff start: a site's API keys (server-to-server
//! credentials of its backend) and the start route's body, checked here so
//! the edge only does I/O.
//!
//! A key is `plk_<site>_<48 hex>`: it names its site (so the edge asks only
//! that site's desk), and only its SHA-256 is stored, like agent tokens.
//! It is shown once, when it is made.

use crate::frames::{ErrorCode, VisitorContext};
use crate::ids::{AgentId, SessionId};
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};

/// How many keys a site may hold at once.
pub const MAX_API_KEYS: usize = 20;
pub const MAX_KEY_NAME_CHARS: usize = 80;
const KEY_PREFIX: &str = "plk_";

/// The site an API key names, if it has a key's shape.
pub fn key_site(key: &str) -> Option<crate::ids::SiteId> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (site, secret) = rest.rsplit_once('_')?;
    (secret.len() == 48 && secret.bytes().all(|b| b.is_ascii_hexdigit())).then_some(())?;
    crate::ids::SiteId::parse(site)
}

/// A new key for `site` from 24 random bytes (hex), which the caller draws
/// from a CSPRNG.
pub fn new_key(site: &crate::ids::SiteId, random_hex: &str) -> String {
    format!("{KEY_PREFIX}{site}_{random_hex}")
}

/// `POST …/api-keys`: a label for people, and optionally the agent the
/// key's conversations are owned by (else they start unassigned).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateApiKey {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
}

/// A key as listed: never its secret, not even its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    pub created_at: u64,
}

/// A key as the desk stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredApiKey {
    #[serde(flatten)]
    pub info: ApiKeyInfo,
    pub key_sha256: String,
}

/// `201` of `POST …/api-keys`: the key itself, this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub api_key: ApiKeyInfo,
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKeyInfo>,
}

/// A key's label: a name's rules (one plain line, at most 80 characters).
pub fn key_name(raw: &str) -> Result<String, Invalid> {
    validate::name(raw).map_err(|e| Invalid::new(ErrorCode::BadFrame, e.message.replace("your name", "a name for the key")))
}

/// `POST /api/v1/sites/{site}/conversations`: a conversation the staff
/// start with a verified customer, about an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartConversation {
    /// The site's own user id (an identity token's `sub`).
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub order_ref: String,
    /// The first message, from the agent.
    pub message: String,
    /// Who owns it (an agent Bearer's own id when absent; an API key's
    /// agent, else unassigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
}

/// `201` of the start route.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedConversation {
    pub session_id: SessionId,
}

/// A start request, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    pub user_id: String,
    /// The customer's display name: the given one, else "Customer".
    pub name: String,
    pub email: Option<String>,
    pub context: VisitorContext,
    pub message: String,
}

/// What the Worker tells a new session the staff start (`/init`): who
/// owns it (`None`: unassigned, in the queue for anyone), and the first
/// message, written by `author`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<crate::session::AgentRef>,
    pub author: crate::session::AgentRef,
    pub message: String,
}

/// The author of an opening message sent with a key that names no agent:
/// the site's team, under the site's name. Not a valid agent id, so no
/// account can ever be it.
pub const TEAM_AUTHOR_ID: &str = "_team";

/// The state a staff-started session begins in: past the bot (which never
/// answers it), owned by `owner` when there is one, else waiting in the
/// queue, unassigned but with a person.
pub fn opening_state(owner: Option<&crate::session::AgentRef>) -> crate::session::SessionState {
    use crate::session::{SessionState, Status};
    SessionState {
        status: if owner.is_some() { Status::Active } else { Status::Waiting },
        agent: owner.cloned(),
        handed_off: true,
        ..SessionState::default()
    }
}

/// The name a customer is shown under when the backend sends none.
pub const DEFAULT_CUSTOMER_NAME: &str = "Customer";

/// Checks a start request: a user id like an identity token's `sub`, an
/// order reference like the page's, a message like any message.
pub fn check_start(raw: &StartConversation) -> Result<Start, Invalid> {
    let user_id = raw.user_id.trim();
    if user_id.is_empty() || user_id.chars().count() > crate::identity::MAX_USER_ID_CHARS || user_id.chars().any(char::is_control) {
        return Err(Invalid::new(ErrorCode::BadFrame, "`user_id` must be 1–128 characters on one line."));
    }
    let name = match raw.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => validate::name(n)?,
        None => DEFAULT_CUSTOMER_NAME.to_owned(),
    };
    let email = validate::email(raw.email.as_deref())?;
    if raw.order_ref.trim().is_empty() {
        return Err(Invalid::new(ErrorCode::InvalidContext, "`order_ref` is required: the order this conversation is about."));
    }
    let context = validate::context(&VisitorContext { order_ref: Some(raw.order_ref.clone()), ..VisitorContext::default() })?;
    let message = validate::message(&raw.message)?;
    Ok(Start { user_id: user_id.to_owned(), name, email, context, message })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;

    fn start() -> StartConversation {
        StartConversation {
            user_id: " u-42 ".into(),
            name: None,
            email: Some("jo@example.com".into()),
            order_ref: " CK-1042 ".into(),
            message: "Your order is delayed by a day; sorry!".into(),
            agent_id: None,
        }
    }

    #[test]
    fn a_key_names_its_site_and_nothing_else_passes() {
        let site = SiteId::parse("copper-kettle").unwrap();
        let key = new_key(&site, &"ab".repeat(24));
        assert_eq!(key_site(&key), Some(site));
        assert_eq!(key_site("plk_copper-kettle_short"), None);
        assert_eq!(key_site(&format!("plat_copper-kettle_{}", "ab".repeat(24))), None);
        assert_eq!(key_site(&format!("plk_copper-kettle_{}", "zz".repeat(24))), None);
        assert_eq!(key_site(""), None);
    }

    #[test]
    fn a_start_is_cleaned_and_defaults_the_name() {
        let s = check_start(&start()).unwrap();
        assert_eq!(s.user_id, "u-42");
        assert_eq!(s.name, DEFAULT_CUSTOMER_NAME);
        assert_eq!(s.context.order_ref.as_deref(), Some("CK-1042"));
        assert_eq!(s.email.as_deref(), Some("jo@example.com"));
    }

    #[test]
    fn a_start_without_what_it_needs_is_refused_with_a_code() {
        let code = |f: &dyn Fn(&mut StartConversation)| {
            let mut s = start();
            f(&mut s);
            check_start(&s).map(|_| ()).map_err(|e| e.code)
        };
        assert_eq!(code(&|s| s.user_id = "  ".into()), Err(ErrorCode::BadFrame));
        assert_eq!(code(&|s| s.user_id = "x".repeat(129)), Err(ErrorCode::BadFrame));
        assert_eq!(code(&|s| s.order_ref = "".into()), Err(ErrorCode::InvalidContext));
        assert_eq!(code(&|s| s.order_ref = "a\nb".into()), Err(ErrorCode::InvalidContext));
        assert_eq!(code(&|s| s.message = "   ".into()), Err(ErrorCode::MessageEmpty));
        assert_eq!(code(&|s| s.email = Some("nope".into())), Err(ErrorCode::InvalidEmail));
        assert_eq!(code(&|s| s.name = Some("\u{200b}".into())), Err(ErrorCode::InvalidName));
    }

    #[test]
    fn a_staff_start_skips_the_bot() {
        use crate::session::{AgentRef, Status};
        let ava = AgentRef { id: AgentId("ava".into()), name: "Ava".into() };
        let owned = opening_state(Some(&ava));
        assert_eq!((owned.status, owned.agent.as_ref(), owned.handed_off), (Status::Active, Some(&ava), true));
        let open = opening_state(None);
        assert_eq!((open.status, open.agent, open.handed_off), (Status::Waiting, None, true));
        assert!(!crate::site::valid_agent_id(TEAM_AUTHOR_ID));
    }

    #[test]
    fn a_key_name_is_one_line() {
        assert_eq!(key_name(" Order\nsystem ").unwrap(), "Order system");
        assert_eq!(key_name(" ").unwrap_err().code, ErrorCode::BadFrame);
    }

    #[test]
    fn bodies_have_the_documented_json() {
        let created = CreatedApiKey {
            api_key: ApiKeyInfo { id: "key_1".into(), name: "Orders".into(), agent_id: Some(AgentId("ava".into())), created_at: 5 },
            key: "plk_x".into(),
        };
        assert_eq!(
            serde_json::to_value(&created).unwrap(),
            serde_json::json!({"api_key": {"id": "key_1", "name": "Orders", "agent_id": "ava", "created_at": 5}, "key": "plk_x"})
        );
        let body: StartConversation =
            serde_json::from_value(serde_json::json!({"user_id": "u-42", "order_ref": "CK-1042", "message": "Hi", "agent_id": "ava"}))
                .unwrap();
        assert_eq!(body.agent_id, Some(AgentId("ava".into())));
    }
}
