//! Verified identity through the real edge: a token signed by the site's
//! backend binds the visitor (and wins over what the page claimed);
//! forged, expired, `alg: none` and blank-signature tokens are refused
//! with typed errors; `identity_required` sites refuse anonymous chats;
//! and a verified user finds their conversations from another browser.

use porchlight_protocol::identity::Conversations;
use porchlight_protocol::{SessionCreated, SessionFrame, VisitorFrame};
use porchlight_tests::*;
use serde_json::json;
use std::time::Duration;

fn now_s() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn code(a: &Answer) -> (u16, Option<&str>) {
    (a.status, a.body["error"]["code"].as_str())
}

fn cors_origin(a: &Answer) -> Option<String> {
    a.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("access-control-allow-origin")).map(|(_, v)| v.clone())
}

fn start(site: &str, name: &str, identity: Option<&str>) -> Answer {
    let mut body = json!({"name": name, "context": {"order_ref": "FAKE-1", "attributes": {"plan": "free", "note": "from the page"}}});
    if let Some(t) = identity {
        body["identity"] = t.into();
    }
    start_session_on(site, body)
}

fn welcome_visitor(session: &SessionCreated) -> porchlight_protocol::SessionView {
    let mut ava = Ws::agent_session(session);
    match ava.agent_hello(AVA) {
        SessionFrame::Welcome { session, .. } => session,
        other => panic!("expected welcome, got {other:?}"),
    }
}

#[test]
fn a_signed_identity_binds_the_visitor_and_wins_over_the_page() {
    let user = unique("user");
    let token = identity_token(
        DEMO_IDENTITY_SECRET,
        json!({"sub": user, "name": "Jo Verified", "email": "jo@verified.example", "orders": ["CK-7001"], "attributes": {"plan": "gold"}}),
    );
    let a = start(SITE, "Pretender", Some(&token));
    assert_eq!(a.status, 201, "{}", a.body);
    let session: SessionCreated = serde_json::from_value(a.body).unwrap();
    let view = welcome_visitor(&session);
    let v = &view.visitor;
    assert!(v.verified, "{v:?}");
    assert_eq!(v.user_id.as_deref(), Some(user.as_str()));
    assert_eq!((v.name.as_str(), v.email.as_deref()), ("Jo Verified", Some("jo@verified.example")), "claims override the form");
    assert!(v.is_verified("name") && v.is_verified("email"));
    assert_eq!(v.orders, ["CK-7001"]);
    assert_eq!(v.attributes.get("plan").map(String::as_str), Some("gold"));
    assert_eq!(view.context.attributes.get("plan"), None, "the page's `plan` is overridden by the token's");
    assert_eq!(view.context.attributes.get("note").map(String::as_str), Some("from the page"), "other page attributes stay, unverified");
    assert_eq!(view.context.order_ref.as_deref(), Some("FAKE-1"), "the page's order reference stays, unverified");

    // The token opens the chat like any visitor token.
    let mut visitor = Ws::visitor(&session);
    assert!(matches!(visitor.visitor_hello(&session.token), SessionFrame::Welcome { .. }));

    // Without a token (or a blank one) on a site that does not require one: a plain, unverified visitor.
    for identity in [None, Some(""), Some("   ")] {
        let a = start(SITE, "Anon", identity);
        assert_eq!(a.status, 201, "{identity:?}: {}", a.body);
        let view = welcome_visitor(&serde_json::from_value(a.body).unwrap());
        assert!(!view.visitor.verified && view.visitor.user_id.is_none(), "{identity:?}");
    }
}

#[test]
fn forged_expired_unsigned_and_foreign_tokens_are_refused_with_typed_errors() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let claims = json!({"sub": "mallory-admin", "name": "Support Team", "exp": now_s() + 600});
    let b64 = |v: &str| URL_SAFE_NO_PAD.encode(v);
    let good = identity_token(DEMO_IDENTITY_SECRET, claims.clone());
    let (signed, _) = good.rsplit_once('.').unwrap();
    let cases = [
        ("another secret", identity_token("not-the-site-secret", claims.clone()), "invalid_identity"),
        ("alg none", format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&claims.to_string())), "invalid_identity"),
        ("blank signature", format!("{signed}."), "invalid_identity"),
        ("no signature part", signed.to_owned(), "invalid_identity"),
        ("HS512 header", format!("{}.{}", b64(r#"{"alg":"HS512"}"#), good.split_once('.').unwrap().1), "invalid_identity"),
        ("garbage", "not.a.jwt".to_owned(), "invalid_identity"),
        (
            "more than a day ahead",
            identity_token(DEMO_IDENTITY_SECRET, json!({"sub": "u", "exp": now_s() + 3 * 86_400})),
            "invalid_identity",
        ),
        ("expired", identity_token(DEMO_IDENTITY_SECRET, json!({"sub": "u", "exp": now_s() - 3600})), "identity_expired"),
    ];
    for (what, token, want) in cases {
        let a = start(SITE, "Mallory", Some(&token));
        assert_eq!(code(&a), (401, Some(want)), "{what}: {}", a.body);
        assert!(a.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: a message says why");
        assert_eq!(cors_origin(&a), Some(demo_origin()), "{what}: the widget can read the refusal");
    }
}

#[test]
fn a_site_that_requires_identity_refuses_anonymous_and_foreign_visitors() {
    let anonymous = start(MEMBERS_SITE, "Anon", None);
    assert_eq!(code(&anonymous), (401, Some("identity_required")), "{}", anonymous.body);
    let blank = start(MEMBERS_SITE, "Anon", Some(""));
    assert_eq!(code(&blank), (401, Some("identity_required")));
    let demo_signed = start(MEMBERS_SITE, "Jo", Some(&identity_token(DEMO_IDENTITY_SECRET, json!({"sub": "jo"}))));
    assert_eq!(code(&demo_signed), (401, Some("invalid_identity")), "another site's secret signs nothing here");
    let member = start(MEMBERS_SITE, "Jo", Some(&identity_token(MEMBERS_SECRET, json!({"sub": unique("member")}))));
    assert_eq!(member.status, 201, "{}", member.body);
}

#[test]
fn a_verified_user_finds_their_conversations_on_another_browser() {
    let user = unique("roaming");
    let token = || identity_token(DEMO_IDENTITY_SECRET, json!({"sub": user, "name": "Roaming Rosa"}));
    // Two chats on "the laptop".
    let first: SessionCreated = serde_json::from_value(start(SITE, "Rosa", Some(&token())).body).unwrap();
    let second: SessionCreated = serde_json::from_value(start(SITE, "Rosa", Some(&token())).body).unwrap();
    let mut laptop = Ws::visitor(&first);
    laptop.visitor_hello(&first.token);
    let marker = unique("grinder-question");
    laptop.send(&VisitorFrame::send(client_id("r1"), format!("About my grinder {marker}")));
    laptop.recv_until::<SessionFrame>("ack", |f| matches!(f, SessionFrame::Ack { .. }));
    // Someone else's chat.
    let other = start(SITE, "Other", Some(&identity_token(DEMO_IDENTITY_SECRET, json!({"sub": unique("other")}))));
    let other: SessionCreated = serde_json::from_value(other.body).unwrap();

    // "The phone": only the identity token.
    let path = format!("/api/v1/sites/{SITE}/identity/conversations");
    let list = post(&path, Some(&demo_origin()), None, &json!({"identity": token()}).to_string());
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(cors_origin(&list), Some(demo_origin()));
    let list: Conversations = serde_json::from_value(list.body).unwrap();
    assert_eq!(list.user_id, user);
    let ids: Vec<_> = list.conversations.iter().map(|c| c.session_id.clone()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&first.session_id) && ids.contains(&second.session_id));
    assert!(!ids.contains(&other.session_id), "never another user's");
    let listed = list.conversations.iter().find(|c| c.session_id == first.session_id).unwrap();
    assert!(!listed.preview.is_empty(), "the list shows the last message");

    // The token it hands out opens the conversation with its history.
    let mut phone = Ws::visitor(&first);
    match phone.visitor_hello(&listed.token) {
        SessionFrame::Welcome { messages, .. } => assert!(messages.iter().any(|m| m.text.contains(&marker))),
        other => panic!("expected welcome, got {other:?}"),
    }

    // Nothing for a forged, expired or missing identity, or a foreign page.
    let forged = identity_token("guess", json!({"sub": user}));
    let expired = identity_token(DEMO_IDENTITY_SECRET, json!({"sub": user, "exp": now_s() - 3600}));
    for (body, want) in [
        (json!({"identity": forged}), (401, Some("invalid_identity"))),
        (json!({"identity": expired}), (401, Some("identity_expired"))),
        (json!({"identity": ""}), (401, Some("identity_required"))),
        (json!({}), (400, Some("bad_frame"))),
    ] {
        let a = post(&path, Some(&demo_origin()), None, &body.to_string());
        assert_eq!(code(&a), want, "{body}: {}", a.body);
    }
    let foreign = post(&path, Some("https://evil.example"), None, &json!({"identity": token()}).to_string());
    assert_eq!(code(&foreign), (403, Some("forbidden_origin")));

    // Another signed-in user on the same browser cannot resume Rosa's chat with her token.
    let mut shared = Ws::visitor(&first);
    let next_user = identity_token(DEMO_IDENTITY_SECRET, json!({"sub": unique("next-user")}));
    shared.send(&VisitorFrame::Hello { token: first.token.clone(), last_seq: Default::default(), identity: Some(next_user) });
    match shared.recv::<SessionFrame>() {
        SessionFrame::Error { code, .. } => assert_eq!(code, porchlight_protocol::ErrorCode::Unauthorized),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(shared.closed_within(Duration::from_secs(5)));
    // Rosa herself, with her identity, resumes.
    let mut rosa = Ws::visitor(&first);
    rosa.send(&VisitorFrame::Hello { token: first.token.clone(), last_seq: Default::default(), identity: Some(token()) });
    assert!(matches!(rosa.recv::<SessionFrame>(), SessionFrame::Welcome { .. }));
}
