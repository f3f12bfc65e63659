//! A site's configuration and the checks made against it on every request.
//!
//! The edge reads all sites from its `SITES` variable (JSON) so that the
//! origin allowlist is checked in the Worker itself, before any Durable
//! Object is touched.

use crate::appearance::{ColorScheme, Launcher};
use crate::hours::Hours;
use crate::ids::{AgentId, SiteId};
use crate::limits::Limits;
use crate::session::AgentRef;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// All configured sites, keyed by id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sites(pub BTreeMap<SiteId, SiteConfig>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteConfig {
    /// Shown in the widget header and the console.
    pub name: String,
    /// Origins whose pages may embed the widget, e.g. `https://shop.example`.
    /// `https://*.example.com` admits any subdomain (not the apex).
    pub allowed_origins: Vec<String>,
    #[serde(default = "default_accent")]
    pub accent_color: String,
    #[serde(default = "default_greeting")]
    pub greeting: String,
    /// The widget plays a short sound when an agent's message arrives
    /// unseen (off unless set; the page can also turn it on).
    #[serde(default)]
    pub sound: bool,
    /// Where the launcher sits and what it says.
    #[serde(default)]
    pub launcher: Launcher,
    /// The widget header's first line (default: `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_title: Option<String>,
    /// The header's second line (default: `greeting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_subtitle: Option<String>,
    /// `auto` (the visitor's `prefers-color-scheme`), `light` or `dark`.
    #[serde(default)]
    pub color_scheme: ColorScheme,
    /// Business hours; absent: open around the clock. An ADMIN can override
    /// them over the API (`PUT …/hours`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Hours>,
    /// Offer the visitor a rating when a conversation with a person ends
    /// (on unless `false`).
    #[serde(default = "crate::csat::on")]
    pub csat: bool,
    #[serde(default)]
    pub agents: Vec<AgentAccount>,
    /// Abuse limits (docs/SECURITY.md); every part defaults.
    #[serde(default)]
    pub limits: Limits,
    /// Keep the query string and fragment of the visitor's page URL. Off:
    /// only scheme, host and path reach the edge and the agents, so reset
    /// tokens and OAuth codes in URLs stay on the page.
    #[serde(default)]
    pub full_page_urls: bool,
    /// Key of the HS256 identity tokens the site's backend signs. In
    /// production set it as a Worker secret named [`identity_secret_var`]
    /// (which wins); here only for the demo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_secret: Option<String>,
    /// Refuse sessions without a valid identity token (401 `identity_required`).
    #[serde(default)]
    pub identity_required: bool,
    /// Nothing is read from or written to the visitor's browser storage and
    /// no connection is opened until the visitor opens the chat (ePrivacy:
    /// storage strictly necessary for a service the visitor asked for). The
    /// loader still fetches the public widget config at page load.
    #[serde(default)]
    pub consent_required: bool,
    /// With no agent's console online, "Talk to a person" becomes "Leave a
    /// message" (as outside hours). Off by default: the demo has no console
    /// open until someone opens one, and its chats should still queue.
    #[serde(default)]
    pub offline_when_no_agents: bool,
    /// A development site (the demo): webhooks may also go to `http(s)://`
    /// `localhost`, `127.0.0.1` or `[::1]`.
    #[serde(default)]
    pub dev: bool,
    /// Closed conversations are erased this many days after they close.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// The same in seconds (wins over `retention_days`): for tests and
    /// short-lived deployments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_seconds: Option<u64>,
}

/// An agent who may sign in to a site's console. Only the SHA-256 of the
/// token is configured, so the configuration itself is not a credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentAccount {
    pub id: AgentId,
    pub name: String,
    /// Lowercase hex SHA-256 of the agent's token.
    pub token_sha256: String,
    /// ADMIN may also manage the site (knowledge base, agents).
    #[serde(default)]
    pub role: Role,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    #[default]
    Agent,
    Admin,
}

fn default_accent() -> String {
    crate::appearance::DEFAULT_ACCENT.into()
}
fn default_greeting() -> String {
    "Hi there! How can we help?".into()
}

impl Sites {
    pub fn parse(json: &str) -> Result<Sites, String> {
        let sites: Sites = serde_json::from_str(json).map_err(|e| format!("SITES is not valid site configuration JSON: {e}"))?;
        for (id, site) in &sites.0 {
            if let Some(Err(e)) = site.hours.as_ref().map(Hours::validate) {
                return Err(format!("SITES: the hours of `{id}` are not valid: {}", e.0));
            }
        }
        Ok(sites)
    }

    pub fn get(&self, site: &SiteId) -> Option<&SiteConfig> {
        self.0.get(site)
    }

    /// The site and agent whose token hashes to `token_sha256`, if any.
    pub fn agent_by_token_hash(&self, token_sha256: &str) -> Option<(&SiteId, &SiteConfig, &AgentAccount)> {
        self.0.iter().find_map(|(id, site)| site.agent_by_token_hash(token_sha256).map(|agent| (id, site, agent)))
    }
}

impl SiteConfig {
    /// Is a page on `origin` (the browser's `Origin` header) allowed to talk
    /// to this site? Comparison ignores ASCII case and a trailing slash in
    /// the configuration; a missing or `null` origin never matches.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let origin = origin.trim().to_ascii_lowercase();
        if origin.is_empty() || origin == "null" {
            return false;
        }
        self.allowed_origins.iter().any(|allowed| {
            let allowed = allowed.trim().trim_end_matches('/').to_ascii_lowercase();
            match allowed.split_once("://*.") {
                Some((scheme, domain)) => origin
                    .strip_prefix(scheme)
                    .and_then(|rest| rest.strip_prefix("://"))
                    .and_then(|host| host.strip_suffix(domain))
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.') && !sub.contains('/')),
                None => origin == allowed,
            }
        })
    }

    pub fn agent_by_token_hash(&self, token_sha256: &str) -> Option<&AgentAccount> {
        self.agents.iter().find(|a| constant_time_eq(a.token_sha256.as_bytes(), token_sha256.as_bytes()))
    }
}

impl SiteConfig {
    /// How long after closing a conversation is erased, if the site says.
    pub fn retention_ms(&self) -> Option<u64> {
        match (self.retention_seconds, self.retention_days) {
            (Some(s), _) => Some(s.saturating_mul(1000)),
            (None, Some(d)) => Some(u64::from(d) * 86_400_000),
            (None, None) => None,
        }
    }
}

/// The Worker secret holding a site's identity secret:
/// `IDENTITY_SECRET_` and the site id in capitals, `-` as `_`
/// (`copper-kettle` → `IDENTITY_SECRET_COPPER_KETTLE`).
pub fn identity_secret_var(site: &SiteId) -> String {
    format!("IDENTITY_SECRET_{}", site.as_str().to_ascii_uppercase().replace('-', "_"))
}

// ───────────── the deploy guard ─────────────

/// SHA-256 of the demo agent tokens shipped in `edge/wrangler.toml`
/// (`demo-agent-ava`, `demo-agent-ben`): public, so never credentials.
pub const DEMO_TOKEN_HASHES: [&str; 2] = [
    "0635ca7c6e1562fb3f349318820a38eecad80122129239e9a827ef4e8c518e5e",
    "9485c4cc6aecd31a1550e813fc5539fe56e1a0e4956dc7383577608222ac603f",
];
/// The demo's identity secret (README signs tokens with it).
pub const DEMO_IDENTITY_SECRET: &str = "demo-identity-secret";

impl Sites {
    /// What in this configuration is the demo's published credentials:
    /// `site: what` for each; empty when none is.
    pub fn demo_credentials(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (id, site) in &self.0 {
            for agent in &site.agents {
                if DEMO_TOKEN_HASHES.iter().any(|h| h.eq_ignore_ascii_case(&agent.token_sha256)) {
                    found.push(format!("{id}: agent `{}` has a demo token", agent.id));
                }
            }
            if site.identity_secret.as_deref() == Some(DEMO_IDENTITY_SECRET) {
                found.push(format!("{id}: identity_secret is the demo's"));
            }
        }
        found
    }
}

/// Is `host` (a request URL's host, maybe with a port) this machine? The
/// demo's credentials are served only there.
pub fn is_local_host(host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h)
    };
    name == "localhost"
        || name.ends_with(".localhost")
        || name == "::1"
        || name.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

impl AgentAccount {
    pub fn as_ref(&self) -> AgentRef {
        AgentRef { id: self.id.clone(), name: self.name.clone() }
    }
}

// ───────────── agent accounts managed over the API (ADMIN only) ─────────────

/// `POST /api/v1/sites/{site}/agents`: a new agent. The edge makes the
/// token and returns it once ([`CreatedAgent`]); it keeps only the hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAgent {
    /// 1–32 lowercase letters, digits or `-`; unique on the site.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub role: Role,
}

/// An account as an ADMIN sees it (never its token or hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    pub id: AgentId,
    pub name: String,
    pub role: Role,
    /// `config` accounts come from `SITES` and are changed there; `api`
    /// accounts were created (and can be revoked) over the API.
    pub source: AccountSource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountSource {
    Config,
    Api,
}

/// Answer to [`CreateAgent`]: the account and its token, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedAgent {
    pub agent: AgentInfo,
    pub token: String,
}

/// `GET /api/v1/sites/{site}/agents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentList {
    pub agents: Vec<AgentInfo>,
}

/// Checks an agent id for a new account.
pub fn valid_agent_id(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Tokens of API-created agents name their site (`plat_<site>_<secret>`),
/// so a sign-in with the token alone knows where to look it up.
pub fn token_site(token: &str) -> Option<SiteId> {
    let rest = token.strip_prefix("plat_")?;
    let (site, secret) = rest.split_once('_')?;
    (!secret.is_empty()).then_some(())?;
    SiteId::parse(site)
}

impl AgentAccount {
    pub fn info(&self, source: AccountSource) -> AgentInfo {
        AgentInfo { id: self.id.clone(), name: self.name.clone(), role: self.role, source }
    }
}

/// Compares two byte strings in time that depends only on their lengths, so
/// a token check does not leak how many leading bytes were right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(origins: &[&str]) -> SiteConfig {
        SiteConfig {
            name: "Shop".into(),
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            accent_color: default_accent(),
            greeting: default_greeting(),
            sound: false,
            limits: Limits::default(),
            full_page_urls: false,
            launcher: Launcher::default(),
            header_title: None,
            header_subtitle: None,
            color_scheme: ColorScheme::Auto,
            hours: None,
            csat: true,
            agents: vec![AgentAccount { id: AgentId("ava".into()), name: "Ava".into(), token_sha256: "ab12".into(), role: Role::Agent }],
            identity_secret: None,
            identity_required: false,
            consent_required: false,
            offline_when_no_agents: false,
            dev: false,
            retention_days: None,
            retention_seconds: None,
        }
    }

    #[test]
    fn exact_origins_match_ignoring_case_and_trailing_slash() {
        let s = site(&["http://127.0.0.1:8080/", "https://Shop.Example"]);
        assert!(s.allows_origin("http://127.0.0.1:8080"));
        assert!(s.allows_origin("https://shop.example"));
        assert!(!s.allows_origin("http://127.0.0.1:8081"));
        assert!(!s.allows_origin("https://shop.example.evil.test"));
        assert!(!s.allows_origin("http://shop.example"), "scheme matters");
        assert!(!s.allows_origin(""));
        assert!(!s.allows_origin("null"));
    }

    #[test]
    fn wildcard_admits_subdomains_only() {
        let s = site(&["https://*.example.com"]);
        assert!(s.allows_origin("https://shop.example.com"));
        assert!(s.allows_origin("https://a.b.example.com"));
        assert!(!s.allows_origin("https://example.com"));
        assert!(!s.allows_origin("https://evilexample.com"));
        assert!(!s.allows_origin("http://shop.example.com"));
    }

    #[test]
    fn sites_parse_from_json_and_find_agents_by_token_hash() {
        let sites = Sites::parse(
            r#"{"copper-kettle": {"name": "Copper Kettle", "allowed_origins": ["http://127.0.0.1:8080"],
                "agents": [{"id": "ava", "name": "Ava", "token_sha256": "ab12"}]}}"#,
        )
        .unwrap();
        let (id, _, agent) = sites.agent_by_token_hash("ab12").unwrap();
        assert_eq!(id.as_str(), "copper-kettle");
        assert_eq!(agent.name, "Ava");
        assert!(sites.agent_by_token_hash("ab13").is_none());
        assert!(Sites::parse("{").unwrap_err().contains("SITES"));
        let bad_zone = r#"{"s": {"name": "S", "allowed_origins": [], "hours": {"time_zone": "Nowhere/Land"}}}"#;
        assert!(Sites::parse(bad_zone).unwrap_err().contains("hours of `s`"));
    }

    #[test]
    fn api_tokens_name_their_site() {
        assert_eq!(token_site("plat_copper-kettle_9f8e7d"), Some(SiteId("copper-kettle".into())));
        assert_eq!(token_site("plat_copper-kettle_"), None);
        assert_eq!(token_site("demo-agent-ava"), None);
        assert_eq!(token_site("plat_Bad Site_x"), None);
        assert!(valid_agent_id("night-shift-2"));
        assert!(!valid_agent_id("Night"));
        assert!(!valid_agent_id(""));
        assert!(!valid_agent_id(&"a".repeat(33)));
    }

    #[test]
    fn demo_credentials_are_found_and_only_local_hosts_may_serve_them() {
        let shipped = include_str!("../../edge/wrangler.toml");
        let json = shipped.split("SITES = '''").nth(1).and_then(|r| r.split("'''").next()).unwrap();
        let sites = Sites::parse(json).unwrap();
        let found = sites.demo_credentials();
        assert!(found.iter().any(|f| f.contains("`ava`")) && found.iter().any(|f| f.contains("`ben`")), "{found:?}");
        assert!(found.iter().any(|f| f.contains("identity_secret")), "{found:?}");
        let mut real = site(&["https://shop.example"]);
        real.identity_secret = Some("s3cret-from-wrangler-secret-put".into());
        assert!(Sites([(SiteId("shop".into()), real)].into_iter().collect()).demo_credentials().is_empty());
        for host in ["127.0.0.1:8787", "localhost", "localhost:8787", "[::1]:8787", "127.0.0.2", "chat.localhost"] {
            assert!(is_local_host(host), "{host}");
        }
        for host in ["chat.example.com", "porchlight-edge.acme.workers.dev", "10.0.0.1", "localhost.example.com", ""] {
            assert!(!is_local_host(host), "{host}");
        }
    }

    #[test]
    fn retention_in_seconds_wins_and_identity_secrets_are_named_per_site() {
        let mut s = site(&[]);
        assert_eq!(s.retention_ms(), None);
        s.retention_days = Some(30);
        assert_eq!(s.retention_ms(), Some(30 * 86_400_000));
        s.retention_seconds = Some(2);
        assert_eq!(s.retention_ms(), Some(2000));
        assert_eq!(identity_secret_var(&SiteId("copper-kettle".into())), "IDENTITY_SECRET_COPPER_KETTLE");
    }

    #[test]
    fn constant_time_eq_is_eq() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
