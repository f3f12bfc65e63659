//! Webhook rules through the real edge: URLs to loopback, private and
//! link-local addresses are refused in every spelling; at most 10
//! endpoints per site; signatures carry a timestamp and, during a secret
//! rotation, both secrets; one slow receiver does not delay another.

use porchlight_protocol::webhook::{verify_signature, Webhook};
use porchlight_protocol::{SessionCreated, SessionFrame, VisitorFrame};
use porchlight_tests::receiver::Receiver;
use porchlight_tests::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn now_s() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn register(site: &str, admin: &str, url: &str) -> Answer {
    call("POST", &format!("/api/v1/sites/{site}/webhooks"), Some(admin), Some(&json!({"url": url}).to_string()))
}

fn remove(site: &str, admin: &str, id: &str) {
    let gone = call("DELETE", &format!("/api/v1/sites/{site}/webhooks/{id}"), Some(admin), None);
    assert_eq!(gone.status, 204, "{}", gone.body);
}

/// A session on `site` whose visitor has sent `texts`.
fn chat_on(site: &str, texts: &[&str]) -> SessionCreated {
    let a = start_session_on(site, json!({"name": unique("Hooky")}));
    assert_eq!(a.status, 201, "{}", a.body);
    let session: SessionCreated = serde_json::from_value(a.body).unwrap();
    let mut visitor = Ws::visitor_on(site, &session);
    visitor.visitor_hello(&session.token);
    for (i, text) in texts.iter().enumerate() {
        visitor.send(&VisitorFrame::send(client_id(&format!("w{i}")), *text));
        visitor.recv_until::<SessionFrame>("ack", |f| matches!(f, SessionFrame::Ack { .. }));
    }
    session
}

fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {secs} s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn urls_to_this_machine_private_and_link_local_addresses_are_refused() {
    // copper-kettle is `dev: true` (the demo): localhost itself is allowed…
    let local = Receiver::start(200, Duration::ZERO);
    let ok = register(SITE, AVA, &local.url);
    assert_eq!(ok.status, 201, "{}", ok.body);
    remove(SITE, AVA, ok.body["id"].as_str().unwrap());
    // …but nothing else that is not public, in any spelling.
    for url in [
        "http://10.0.0.1/hook",
        "https://192.168.1.10/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://0xa9fea9fe/",
        "https://2852039166/",
        "http://127.0.0.2/",
        "http://2130706433:9000/",
        "http://0177.0.0.1/",
        "http://[::ffff:127.0.0.1]:9000/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://metadata.google.internal/",
        "http://hooks.example.com/",
        "https://user:pass@hooks.example.com/",
    ] {
        let a = register(SITE, AVA, url);
        assert_eq!((a.status, a.body["error"]["code"].as_str()), (400, Some("bad_frame")), "{url}: {}", a.body);
    }
}

#[test]
fn signatures_are_timestamped_and_carry_both_secrets_during_a_rotation() {
    let receiver = Receiver::start(200, Duration::ZERO);
    let created = register(SITE, AVA, &receiver.url);
    assert_eq!(created.status, 201, "{}", created.body);
    let hook: Webhook = serde_json::from_value(created.body).unwrap();
    let old = hook.secret.clone().expect("secret shown once");

    let before = chat_on(SITE, &["Before the rotation"]);
    wait_for("a delivery", 20, || !receiver.about(&before.session_id.0).is_empty());
    for hit in receiver.about(&before.session_id.0) {
        let sig = &hit.headers["porchlight-signature"];
        assert!(sig.starts_with("t=") && sig.matches(",v1=").count() == 1, "{sig}");
        assert!(verify_signature(sig, &old, &hit.body, now_s()), "verifies with the secret, within 5 minutes");
        assert!(!verify_signature(sig, &old, &hit.body, now_s() + 301), "a replay 5 minutes later is refused");
    }

    let rotated = call("POST", &format!("/api/v1/sites/{SITE}/webhooks/{}/rotate", hook.id), Some(AVA), None);
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let rotated: Webhook = serde_json::from_value(rotated.body).unwrap();
    let new = rotated.secret.clone().expect("the new secret is shown once");
    assert_ne!(new, old);
    assert!(rotated.previous_valid_until.is_some_and(|t| t > now_s() * 1000), "the old one stays valid for a while");

    let after = chat_on(SITE, &["After the rotation"]);
    wait_for("a delivery after rotating", 20, || !receiver.about(&after.session_id.0).is_empty());
    for hit in receiver.about(&after.session_id.0) {
        let sig = &hit.headers["porchlight-signature"];
        assert_eq!(sig.matches(",v1=").count(), 2, "both secrets sign during the rotation: {sig}");
        assert!(verify_signature(sig, &new, &hit.body, now_s()) && verify_signature(sig, &old, &hit.body, now_s()));
    }
    let refused = call("POST", &format!("/api/v1/sites/{SITE}/webhooks/wh_nosuch/rotate"), Some(AVA), None);
    assert_eq!(refused.status, 404);
    remove(SITE, AVA, &hook.id);
}

#[test]
fn a_slow_receiver_delays_no_other_and_a_site_has_at_most_ten() {
    let slow = Receiver::start(200, Duration::from_secs(6));
    let fast = Receiver::start(200, Duration::ZERO);
    let mut mine = Vec::new();
    for url in [&slow.url, &fast.url] {
        let a = register(SECOND_SITE, SECOND_ADMIN, url);
        assert_eq!(a.status, 201, "{}", a.body);
        mine.push(a.body["id"].as_str().unwrap().to_owned());
    }
    let session = chat_on(SECOND_SITE, &["one", "two", "three"]);
    let sid = session.session_id.0.clone();
    let start = Instant::now();
    // Three visitor messages (and the bot's answers): all at the fast one while the slow one is still on its first.
    wait_for("three deliveries at the fast receiver", 15, || fast.about(&sid).len() >= 3);
    let took = start.elapsed();
    assert!(slow.about(&sid).len() <= 1, "the slow receiver answers one request per 6 s");
    assert!(took < Duration::from_secs(6), "the fast receiver waited for the slow one ({took:?})");

    // Fill the site up to ten endpoints; the eleventh is refused.
    let listed: Vec<Webhook> =
        serde_json::from_value(call("GET", &format!("/api/v1/sites/{SECOND_SITE}/webhooks"), Some(SECOND_ADMIN), None).body).unwrap();
    for n in listed.len()..10 {
        let a = register(SECOND_SITE, SECOND_ADMIN, &format!("https://hooks-{n}.invalid/porchlight"));
        assert_eq!(a.status, 201, "endpoint {n}: {}", a.body);
        mine.push(a.body["id"].as_str().unwrap().to_owned());
    }
    let eleventh = register(SECOND_SITE, SECOND_ADMIN, "https://hooks-11.invalid/porchlight");
    assert_eq!((eleventh.status, eleventh.body["error"]["code"].as_str()), (409, Some("limit_reached")), "{}", eleventh.body);
    for id in mine {
        remove(SECOND_SITE, SECOND_ADMIN, &id);
    }
}
