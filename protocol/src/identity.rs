//! Verified identity: the site's backend signs an HS256 JWT for its
//! logged-in user; the edge verifies it here before it binds anything.
//!
//! What is checked, in order, and why each refusal is typed:
//!
//! - shape: three base64url parts, at most [`MAX_TOKEN_BYTES`];
//! - `alg` is exactly `HS256` (never `none`, never `HS512` or `RS256`: the
//!   key is a shared secret, and accepting other algorithms is how JWT
//!   libraries have been tricked);
//! - the signature is 32 bytes and matches, compared in constant time
//!   (`hmac`'s `verify_slice`); an empty signature or an empty secret never
//!   verifies, so a blank value cannot bind an identity;
//! - `exp` is present, in the future, and at most [`MAX_LIFETIME_S`] ahead
//!   (a leaked token stops working within a day);
//! - the claims fit the same limits as what a visitor types.

use crate::validate;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeMap;

type HmacSha256 = Hmac<Sha256>;

/// Tokens longer than this are refused before any decoding.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// How far ahead `exp` may be (24 h).
pub const MAX_LIFETIME_S: u64 = 24 * 3600;
/// Clock difference tolerated between the site's backend and the edge.
pub const CLOCK_SKEW_S: u64 = 60;
pub const MAX_USER_ID_CHARS: usize = 128;
pub const MAX_ORDERS: usize = 20;

/// What a valid token says about the visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The site's own user id.
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Seconds since the epoch.
    pub exp: u64,
    /// Order references of this user, searchable in the queue as verified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

/// Why a token does not verify. `Expired` is told apart so the site knows
/// to mint a fresh token rather than look for a bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityError {
    /// Malformed, wrong algorithm, bad signature, or claims out of bounds.
    Invalid(String),
    Expired,
}

impl IdentityError {
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            IdentityError::Invalid(_) => crate::ErrorCode::InvalidIdentity,
            IdentityError::Expired => crate::ErrorCode::IdentityExpired,
        }
    }

    pub fn message(&self) -> String {
        match self {
            IdentityError::Invalid(why) => format!("The identity token is not valid: {why}."),
            IdentityError::Expired => "The identity token has expired; sign a fresh one.".into(),
        }
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    /// Extensions the issuer says must be understood (RFC 7515 §4.1.11):
    /// none are, so any is a refusal.
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

fn invalid(why: &str) -> IdentityError {
    IdentityError::Invalid(why.into())
}

/// Verifies `token` under `secret` at `now_s` (seconds since the epoch) and
/// returns its validated claims.
pub fn verify(token: &str, secret: &[u8], now_s: u64) -> Result<Claims, IdentityError> {
    let token = token.trim();
    if secret.is_empty() {
        return Err(invalid("this site has no identity secret"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(invalid("it is too long"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("a JWT has three parts separated by dots"));
    };
    let header: Header = decode_json(header).ok_or_else(|| invalid("its header is not base64url JSON"))?;
    if header.alg != "HS256" {
        return Err(invalid("only alg HS256 is accepted"));
    }
    if header.crit.is_some() {
        return Err(invalid("its header names critical extensions (`crit`), which are not supported"));
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid("its signature is not base64url"))?;
    if signature.len() != 32 {
        return Err(invalid("its signature is missing or not HMAC-SHA256"));
    }
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| invalid("the secret cannot key HMAC"))?;
    let signed_len = token.len() - token.rsplit('.').next().map_or(0, str::len) - 1;
    mac.update(token.as_bytes().get(..signed_len).unwrap_or_default());
    mac.verify_slice(&signature).map_err(|_| invalid("the signature does not match"))?;
    // Only a signed payload is parsed into claims.
    let claims: Claims = decode_json(payload).ok_or_else(|| invalid("its claims are not JSON with sub and exp"))?;
    if claims.exp.saturating_add(CLOCK_SKEW_S) <= now_s {
        return Err(IdentityError::Expired);
    }
    if claims.exp > now_s + MAX_LIFETIME_S + CLOCK_SKEW_S {
        return Err(invalid("exp is more than 24 hours ahead"));
    }
    check_claims(claims)
}

fn check_claims(mut c: Claims) -> Result<Claims, IdentityError> {
    c.sub = c.sub.trim().to_owned();
    if c.sub.is_empty() || c.sub.chars().count() > MAX_USER_ID_CHARS || c.sub.chars().any(char::is_control) {
        return Err(invalid("sub must be 1–128 characters"));
    }
    c.name = c.name.map(|n| validate::name(&n)).transpose().map_err(|e| IdentityError::Invalid(e.message))?;
    c.email = validate::email(c.email.as_deref()).map_err(|e| IdentityError::Invalid(e.message))?;
    if c.orders.len() > MAX_ORDERS {
        return Err(invalid("at most 20 orders"));
    }
    let context = crate::VisitorContext { page_url: None, order_ref: None, attributes: c.attributes.clone() };
    validate::context(&context).map_err(|e| IdentityError::Invalid(e.message))?;
    for order in &mut c.orders {
        *order = order.trim().to_owned();
        if order.is_empty() || order.chars().count() > validate::MAX_ORDER_REF_CHARS {
            return Err(invalid("each order is 1–100 characters"));
        }
    }
    Ok(c)
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Option<T> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// Signs `claims` as an HS256 JWT: what a site's backend does (tests and
/// tools use it; the edge only verifies).
pub fn sign(claims: &serde_json::Value, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(hmac_sha256(secret, signing_input.as_bytes())))
}

/// HMAC-SHA256 (RFC 2104), RustCrypto's.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The visitor token of session `session` of a verified user: derived, not
/// stored, so a user's other browser can be handed it again (continuity)
/// without the edge keeping any token. Only someone holding the site's
/// identity secret (which can already sign any identity) can derive it.
pub fn continuity_token(secret: &[u8], site: &str, session: &str) -> String {
    hex(&hmac_sha256(secret, format!("porchlight-visitor-token:{site}/{session}").as_bytes()))
}

// ───────────── continuity: a verified user's conversations elsewhere ─────────────

/// `POST /api/v1/sites/{site}/identity/conversations`: the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationsRequest {
    pub identity: String,
}

/// Its answer: the user's conversations on this site, newest first, each
/// with the visitor token that opens it (a widget on a new browser adds
/// them to its list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversations {
    pub user_id: String,
    pub conversations: Vec<KnownConversation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownConversation {
    pub session_id: crate::SessionId,
    pub token: String,
    pub status: crate::Status,
    /// The last message's text, cut short.
    #[serde(default)]
    pub preview: String,
    /// Last activity (ms since the epoch).
    pub at: u64,
}

/// How many conversations continuity returns (the widget's list holds 10).
pub const MAX_CONVERSATIONS: u32 = 10;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"demo-identity-secret";
    const NOW: u64 = 1_800_000_000;

    fn claims() -> serde_json::Value {
        json!({"sub": "user-42", "name": "Jo Baker", "email": "jo@example.com", "exp": NOW + 3600,
               "orders": ["CK-1042"], "attributes": {"plan": "gold"}})
    }

    fn forge(header: &str, payload: &serde_json::Value, signature: &str) -> String {
        format!("{}.{}.{signature}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload.to_string()))
    }

    #[test]
    fn a_signed_token_verifies_with_its_claims() {
        let c = verify(&sign(&claims(), SECRET), SECRET, NOW).unwrap();
        assert_eq!(c.sub, "user-42");
        assert_eq!(c.name.as_deref(), Some("Jo Baker"));
        assert_eq!(c.orders, ["CK-1042"]);
        assert_eq!(c.attributes["plan"], "gold");
    }

    #[test]
    fn a_token_signed_by_node_verifies() {
        // README's Node snippet (crypto.createHmac('sha256', 'demo-identity-secret')), run once.
        let node =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSIsImV4cCI6MTgwMDAwMDA2MH0.FQgcBtBOZdAva3CGTffAdibXQSY00d75iK1Y3qzFHZs";
        assert_eq!(verify(node, SECRET, NOW).unwrap().sub, "u1");
    }

    #[test]
    fn wrong_secret_or_tampered_claims_are_invalid() {
        let token = sign(&claims(), SECRET);
        assert!(matches!(verify(&token, b"other-secret", NOW), Err(IdentityError::Invalid(_))));
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(json!({"sub": "admin", "exp": NOW + 3600}).to_string());
        assert!(matches!(verify(&parts.join("."), SECRET, NOW), Err(IdentityError::Invalid(_))));
    }

    #[test]
    fn blank_signatures_and_secrets_never_bind() {
        let token = sign(&claims(), SECRET);
        let (signed, _) = token.rsplit_once('.').unwrap();
        assert!(verify(&format!("{signed}."), SECRET, NOW).is_err(), "empty signature");
        assert!(verify(signed, SECRET, NOW).is_err(), "no signature part");
        assert!(verify(&token, b"", NOW).is_err(), "empty secret");
        assert!(verify(&sign(&claims(), b""), b"", NOW).is_err(), "signed and checked with an empty secret");
        assert!(verify("", SECRET, NOW).is_err());
        assert!(verify("...", SECRET, NOW).is_err());
        assert!(verify(&format!("{token}.x"), SECRET, NOW).is_err(), "four parts");
    }

    #[test]
    fn only_hs256_is_accepted() {
        assert!(verify(&forge(r#"{"alg":"none"}"#, &claims(), ""), SECRET, NOW).is_err());
        assert!(verify(&forge(r#"{"alg":"none","typ":"JWT"}"#, &claims(), "AAAA"), SECRET, NOW).is_err());
        // A correct HMAC-SHA256 under a header naming another algorithm is still refused.
        for alg in ["HS512", "RS256", "hs256", "HS256 ", ""] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
            let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
            let mac = URL_SAFE_NO_PAD.encode(hmac_sha256(SECRET, format!("{header}.{payload}").as_bytes()));
            let err = verify(&format!("{header}.{payload}.{mac}"), SECRET, NOW).unwrap_err();
            assert!(matches!(err, IdentityError::Invalid(ref why) if why.contains("HS256")), "{alg}: {err:?}");
        }
        assert!(verify(&forge(r#"{"typ":"JWT"}"#, &claims(), "AAAA"), SECRET, NOW).is_err(), "no alg");
        // Critical extensions nobody here understands make a token unusable (RFC 7515 §4.1.11).
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT","crit":["exp"]}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
        let mac = URL_SAFE_NO_PAD.encode(hmac_sha256(SECRET, format!("{header}.{payload}").as_bytes()));
        let err = verify(&format!("{header}.{payload}.{mac}"), SECRET, NOW).unwrap_err();
        assert!(matches!(err, IdentityError::Invalid(ref why) if why.contains("crit")), "{err:?}");
    }

    #[test]
    fn exp_is_required_future_and_within_a_day() {
        let mut c = claims();
        c["exp"] = json!(NOW - 3600);
        assert_eq!(verify(&sign(&c, SECRET), SECRET, NOW), Err(IdentityError::Expired));
        c["exp"] = json!(NOW + 25 * 3600);
        assert!(matches!(verify(&sign(&c, SECRET), SECRET, NOW), Err(IdentityError::Invalid(ref w)) if w.contains("24")));
        c["exp"] = json!(NOW + 24 * 3600);
        assert!(verify(&sign(&c, SECRET), SECRET, NOW).is_ok());
        c.as_object_mut().unwrap().remove("exp");
        assert!(matches!(verify(&sign(&c, SECRET), SECRET, NOW), Err(IdentityError::Invalid(_))));
        c["exp"] = json!("tomorrow");
        assert!(verify(&sign(&c, SECRET), SECRET, NOW).is_err());
    }

    #[test]
    fn claims_are_held_to_the_visitor_limits() {
        for bad in [
            json!({"sub": "", "exp": NOW + 60}),
            json!({"sub": "x".repeat(129), "exp": NOW + 60}),
            json!({"sub": "u", "exp": NOW + 60, "email": "not-an-email"}),
            json!({"sub": "u", "exp": NOW + 60, "name": ""}),
            json!({"sub": "u", "exp": NOW + 60, "orders": [""]}),
            json!({"sub": "u", "exp": NOW + 60, "orders": vec!["o"; 21]}),
            json!({"sub": "u", "exp": NOW + 60, "attributes": {"k": "v".repeat(201)}}),
            json!({"exp": NOW + 60}),
        ] {
            assert!(matches!(verify(&sign(&bad, SECRET), SECRET, NOW), Err(IdentityError::Invalid(_))), "{bad}");
        }
    }

    #[test]
    fn continuity_tokens_are_per_site_and_session() {
        let a = continuity_token(SECRET, "copper-kettle", "s1");
        assert_eq!(a.len(), 64);
        assert_eq!(a, continuity_token(SECRET, "copper-kettle", "s1"));
        assert_ne!(a, continuity_token(SECRET, "copper-kettle", "s2"));
        assert_ne!(a, continuity_token(SECRET, "other-site", "s1"));
        assert_ne!(a, continuity_token(b"another", "copper-kettle", "s1"));
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
