//! External participants through the real edge: an agent adds a courier,
//! the one-time link is exchanged once for a credential, the courier's
//! socket sees the whole conversation and writes to the customer and the
//! agent, and removal closes the socket and refuses the credential.

use porchlight_protocol::participants::{CreatedInvite, ExternalFrame, Joined};
use porchlight_protocol::{AgentFrame, Author, ErrorCode, SessionFrame, Status, VisitorFrame};
use porchlight_tests::*;
use serde_json::json;
use std::time::Duration;

fn code(a: &Answer) -> (u16, Option<&str>) {
    (a.status, a.body["error"]["code"].as_str())
}

fn participants_path(scene: &Scene) -> String {
    format!("/api/v1/sites/{SITE}/sessions/{}/participants", scene.session.session_id)
}

fn join(token: &str) -> Answer {
    post("/api/v1/join", None, None, &json!({ "token": token }).to_string())
}

fn participant_socket(scene: &Scene) -> Ws {
    Ws::connect(&format!("/api/v1/sites/{SITE}/sessions/{}/participant", scene.session.session_id), None).expect("participant socket")
}

#[test]
fn a_courier_joins_by_a_one_time_link_writes_to_everyone_and_is_removed() {
    let mut scene = scene("Courier");
    scene.ava.send(&AgentFrame::Accept);
    status_is(&mut scene.ava, Status::Active);
    let before = unique("where is my parcel");
    scene.visitor.send(&VisitorFrame::Send { client_id: client_id("v-1"), text: before.clone(), reply_to: None });
    scene
        .ava
        .recv_until::<SessionFrame>("the visitor's message", |f| matches!(f, SessionFrame::Message { message } if message.text == before));

    // Only an agent who may write adds people: not the visitor's token, not Ben (watching).
    let body = json!({"name": "Sam", "kind": "external", "role": "courier"}).to_string();
    let path = participants_path(&scene);
    assert_eq!(code(&call("POST", &path, Some(&scene.session.token), Some(&body))), (401, Some("unauthorized")));
    assert_eq!(code(&call("POST", &path, Some(BEN), Some(&body))), (409, Some("not_assigned")));
    assert_eq!(code(&call("POST", &path, Some(AVA), Some(&json!({"name": " ", "kind": "external"}).to_string()))).1, Some("invalid_name"));
    assert_eq!(code(&call("POST", &path, Some(AVA), Some(&json!({"name": "Sam", "kind": "wizard"}).to_string()))).0, 400);

    let created = call("POST", &path, Some(AVA), Some(&body));
    assert_eq!(created.status, 201, "{}", created.body);
    let created: CreatedInvite = serde_json::from_value(created.body).unwrap();
    let (page, token) = created.link.split_once("#t=").expect("the token is in the fragment");
    assert!(page.ends_with("/join.html") && !page.contains("plj_"), "{}", created.link);
    system_text(&mut scene.visitor, "Ava added Sam (courier) · external");
    let listed = call("GET", &path, Some(AVA), None);
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["participants"][0]["name"], "Sam");
    assert_eq!(listed.body["participants"][0]["joined"], false);

    // The exchange, once: a second one is refused, and a made-up token opens nothing.
    let joined = join(token);
    assert_eq!(joined.status, 200, "{}", joined.body);
    let joined: Joined = serde_json::from_value(joined.body).unwrap();
    assert_eq!(joined.session_id, scene.session.session_id);
    assert_eq!(code(&join(token)), (409, Some("link_used")));
    assert_eq!(code(&join(&format!("plj_{SITE}_{}_{}", scene.session.session_id, "0".repeat(48)))), (404, Some("not_found")));
    assert_eq!(code(&join("nonsense")), (404, Some("not_found")));

    // Their socket: the whole conversation so far, then they write to everyone.
    let mut sam = participant_socket(&scene);
    sam.send(&ExternalFrame::Ping);
    sam.recv_until::<SessionFrame>("pong", |f| matches!(f, SessionFrame::Pong));
    sam.send(&ExternalFrame::Hello { credential: joined.credential.clone(), last_seq: Default::default() });
    match sam.recv::<SessionFrame>() {
        SessionFrame::Welcome { messages, .. } => assert!(messages.iter().any(|m| m.text == before), "{messages:?}"),
        other => panic!("expected welcome, got {other:?}"),
    }
    let text = unique("at your door in 5 minutes");
    sam.send(&ExternalFrame::Send { client_id: client_id("s-1"), text: text.clone(), reply_to: None });
    sam.recv_until::<SessionFrame>("ack", |f| matches!(f, SessionFrame::Ack { .. }));
    for ws in [&mut scene.visitor, &mut scene.ava] {
        let (frame, _) = ws.recv_until::<SessionFrame>(
            "the courier's message",
            |f| matches!(f, SessionFrame::Message { message } if message.text == text),
        );
        let SessionFrame::Message { message } = frame else { unreachable!() };
        assert_eq!(message.author.external_label().as_deref(), Some("Sam (courier) · external"), "{:?}", message.author);
        assert!(matches!(message.author, Author::External { .. }));
    }
    // An agent's message reaches them too.
    let reply = unique("thanks Sam");
    scene.ava.send(&AgentFrame::Send { client_id: client_id("a-1"), text: reply.clone(), reply_to: None });
    sam.recv_until::<SessionFrame>("the agent's message", |f| matches!(f, SessionFrame::Message { message } if message.text == reply));

    // Removal: the open socket is told and closed, the credential opens nothing more.
    let id = joined.participant.id.clone();
    // Any agent of the site may remove (it only takes access away): Ben, who is not in it.
    let removed = call("DELETE", &format!("{path}/{id}"), Some(BEN), None);
    assert_eq!(removed.status, 204, "{}", removed.body);
    assert_eq!(error_of(&mut sam), ErrorCode::Unauthorized);
    assert!(sam.closed_within(Duration::from_secs(5)), "the removed participant's socket is closed");
    let mut again = participant_socket(&scene);
    again.send(&ExternalFrame::Hello { credential: joined.credential, last_seq: Default::default() });
    assert_eq!(error_of(&mut again), ErrorCode::Unauthorized);
    assert_eq!(code(&join(token)), (410, Some("link_expired")), "a withdrawn link stays spent");
    assert_eq!(call("GET", &path, Some(AVA), None).body["participants"], json!([]));
    system_text(&mut scene.visitor, "Ben removed Sam (courier) · external");
}

#[test]
fn guessing_link_tokens_is_held_with_429_and_retry_after() {
    let scene = scene("Guessed");
    let ip = unique_ip();
    let guess = |n: usize| json!({ "token": format!("plj_{SITE}_{}_{:048x}", scene.session.session_id, n) }).to_string();
    for n in 0..10 {
        let a = request_as("POST", "/api/v1/join", &ip, None, None, Some(&guess(n)));
        assert_eq!(code(&a), (404, Some("not_found")), "guess {n}");
    }
    let held = request_as("POST", "/api/v1/join", &ip, None, None, Some(&guess(10)));
    assert_eq!(code(&held), (429, Some("rate_limited")), "{}", held.body);
    let wait: u64 = held.header("retry-after").and_then(|s| s.parse().ok()).expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "Retry-After {wait}");

    // Held before the token is read: even a real link waits, from that address only.
    let path = participants_path(&scene);
    let mut ava = scene.ava;
    ava.send(&AgentFrame::Accept);
    status_is(&mut ava, Status::Active);
    let created = call("POST", &path, Some(AVA), Some(&json!({"name": "Sam", "kind": "external"}).to_string()));
    assert_eq!(created.status, 201, "{}", created.body);
    let link: CreatedInvite = serde_json::from_value(created.body).unwrap();
    let token = link.link.split_once("#t=").unwrap().1.to_owned();
    let body = json!({ "token": token }).to_string();
    assert_eq!(code(&request_as("POST", "/api/v1/join", &ip, None, None, Some(&body))).0, 429);
    let elsewhere = request_as("POST", "/api/v1/join", &unique_ip(), None, None, Some(&body));
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.body);
}

/// Removing takes access away, so it works in any state: here after the
/// conversation's ticket is closed (when nobody may write any more).
#[test]
fn a_courier_is_removed_after_the_ticket_is_closed_and_hears_nothing_more() {
    let mut scene = scene("Closed courier");
    scene.ava.send(&AgentFrame::Accept);
    status_is(&mut scene.ava, Status::Active);
    let path = participants_path(&scene);
    let created = call("POST", &path, Some(AVA), Some(&json!({"name": "Sam", "kind": "external", "role": "courier"}).to_string()));
    assert_eq!(created.status, 201, "{}", created.body);
    let created: CreatedInvite = serde_json::from_value(created.body).unwrap();
    let token = created.link.split_once("#t=").expect("the token is in the fragment").1.to_owned();
    let joined = join(&token);
    assert_eq!(joined.status, 200, "{}", joined.body);
    let joined: Joined = serde_json::from_value(joined.body).unwrap();
    let mut sam = participant_socket(&scene);
    sam.send(&ExternalFrame::Hello { credential: joined.credential.clone(), last_seq: Default::default() });
    assert!(matches!(sam.recv::<SessionFrame>(), SessionFrame::Welcome { .. }));

    // The ticket is made and closed; Sam, still in it, hears the close.
    scene.ava.send(&AgentFrame::CreateTicket { close: false });
    let (frame, _) = scene.ava.recv_until::<SessionFrame>("the ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket } = frame else { unreachable!() };
    let closed = call("POST", &format!("/api/v1/sites/{SITE}/tickets/{}/close", ticket.number), Some(AVA), None);
    assert_eq!(closed.status, 200, "{}", closed.body);
    sam.recv_until::<SessionFrame>("the closed ticket", |f| matches!(f, SessionFrame::Ticket { ticket } if ticket.closed));

    // Ben, who is not in the conversation, removes Sam from the closed one.
    let removed = call("DELETE", &format!("{path}/{}", joined.participant.id), Some(BEN), None);
    assert_eq!(removed.status, 204, "{}", removed.body);
    assert_eq!(error_of(&mut sam), ErrorCode::Unauthorized);
    assert!(sam.closed_within(Duration::from_secs(5)), "the removed participant's socket is closed");
    // The others hear the removal; Sam's socket (closed) got nothing after the refusal.
    system_text(&mut scene.visitor, "Ben removed Sam (courier) · external");
    assert_eq!(call("GET", &path, Some(AVA), None).body["participants"], json!([]));

    // The credential and the link open nothing any more, and nothing leaks before the refusal.
    let mut again = participant_socket(&scene);
    again.send(&ExternalFrame::Hello { credential: joined.credential, last_seq: Default::default() });
    match again.recv::<SessionFrame>() {
        SessionFrame::Error { code, .. } => assert_eq!(code, ErrorCode::Unauthorized),
        other => panic!("a removed participant's credential got {other:?}"),
    }
    assert!(again.try_recv::<SessionFrame>(Duration::from_secs(2)).is_none(), "no frame after the refusal");
    assert_eq!(code(&join(&token)), (410, Some("link_expired")));
}
