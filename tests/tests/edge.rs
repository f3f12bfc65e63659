//! The edge end to end, over real HTTP and WebSockets against `wrangler dev`.

use porchlight_protocol::{AgentFrame, AgentLogin, Author, ErrorCode, QueueFrame, Seq, SessionFrame, Status, VisitorFrame};
use porchlight_tests::*;
use std::time::Duration;

fn send(text: &str, id: &str) -> VisitorFrame {
    VisitorFrame::send(client_id(id), text)
}

fn ack_seq(frame: SessionFrame) -> Seq {
    match frame {
        SessionFrame::Ack { seq, .. } => seq,
        other => panic!("expected ack, got {other:?}"),
    }
}

/// The next error frame's code, skipping the rest (queue positions are
/// pushed whenever the line moves).
fn next_error(ws: &mut Ws) -> Option<ErrorCode> {
    error_code(&ws.recv_until::<SessionFrame>("error frame", |f| error_code(f).is_some()).0)
}

fn error_code(frame: &SessionFrame) -> Option<ErrorCode> {
    match frame {
        SessionFrame::Error { code, .. } => Some(*code),
        _ => None,
    }
}

/// The whole path: create (with the bot) → handoff → queue shows WAITING →
/// visitor writes → accept → both directions in order → close → nothing
/// more can be sent.
#[test]
fn a_conversation_from_first_message_to_close() {
    let name = unique("Jo");
    let mut queue = Ws::queue();
    assert!(matches!(queue.queue_hello(AVA), QueueFrame::Snapshot { .. }));

    let session = create_session(&name);
    let mut visitor = Ws::visitor(&session);
    match visitor.visitor_hello(&session.token) {
        SessionFrame::Welcome { session: view, messages, .. } => {
            assert_eq!(view.status, Status::Bot, "every chat starts with the bot");
            assert_eq!(view.visitor.name, name);
            assert!(messages.is_empty());
        }
        other => panic!("expected welcome, got {other:?}"),
    }
    queue.queue_until(&name, |s| s.status == Status::Bot);
    visitor.handoff();
    let waiting = queue.queue_until(&name, |s| s.status == Status::Waiting);
    assert_eq!(waiting.id, session.session_id);
    assert!(waiting.handed_off);

    // The visitor may write while waiting; acks carry gap-free sequence
    // numbers (1 is the handoff notice).
    visitor.send(&send("Hi, where is order #1042?", "v1"));
    let (ack, _) = visitor.recv_until::<SessionFrame>("ack v1", |f| matches!(f, SessionFrame::Ack { .. }));
    assert_eq!(ack_seq(ack), Seq(2));
    visitor.send(&send("It was due Tuesday.", "v2"));
    let (ack, _) = visitor.recv_until::<SessionFrame>("ack v2", |f| matches!(f, SessionFrame::Ack { .. }));
    assert_eq!(ack_seq(ack), Seq(3));
    let summary = queue.queue_until(&name, |s| s.message_count == 2);
    assert_eq!(summary.last_message.as_deref(), Some("It was due Tuesday."));

    // An agent sees the history, cannot write before accepting, then accepts.
    let mut agent = Ws::agent_session(&session);
    match agent.agent_hello(AVA) {
        SessionFrame::Welcome { messages, .. } => {
            let texts: Vec<_> = messages.iter().filter(|m| m.author != Author::System).map(|m| m.text.as_str()).collect();
            assert_eq!(texts, ["Hi, where is order #1042?", "It was due Tuesday."]);
        }
        other => panic!("expected welcome, got {other:?}"),
    }
    agent.send(&AgentFrame::send(client_id("a0"), "too early"));
    let refused: SessionFrame = agent.recv();
    assert_eq!(error_code(&refused), Some(ErrorCode::NotAssigned), "{refused:?}");

    agent.send(&AgentFrame::Accept);
    let (status, _) = agent.recv_until::<SessionFrame>("status", |f| matches!(f, SessionFrame::Status { .. }));
    assert!(matches!(status, SessionFrame::Status { status: Status::Active, agent: Some(ref a), .. } if a.name == "Ava"));
    let (joined, _) = visitor.recv_until::<SessionFrame>(
        "joined notice",
        |f| matches!(f, SessionFrame::Message { message } if message.author == Author::System),
    );
    assert!(matches!(joined, SessionFrame::Message { ref message } if message.text == "Ava joined the conversation"));
    let active = queue.queue_until(&name, |s| s.status == Status::Active);
    assert_eq!(active.agent.map(|a| a.name).as_deref(), Some("Ava"));

    // Both directions, in commit order.
    agent.send(&AgentFrame::send(client_id("a1"), "Let me check."));
    visitor.send(&send("Thanks!", "v3"));
    agent.send(&AgentFrame::send(client_id("a2"), "It ships today."));
    let mut seen = Vec::new();
    while seen.len() < 3 {
        if let SessionFrame::Message { message } = visitor.recv::<SessionFrame>() {
            if message.author != Author::System {
                seen.push(message);
            }
        }
    }
    let seqs: Vec<u64> = seen.iter().map(|m| m.seq.0).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "gap-free, increasing: {seqs:?}");
    let agent_texts: Vec<_> = seen.iter().filter(|m| matches!(m.author, Author::Agent { .. })).map(|m| m.text.as_str()).collect();
    assert_eq!(agent_texts, ["Let me check.", "It ships today."]);

    // A resend of a committed message is answered with its original ack.
    visitor.send(&send("Hi, where is order #1042?", "v1"));
    let (ack, _) = visitor.recv_until::<SessionFrame>("re-ack v1", |f| matches!(f, SessionFrame::Ack { .. }));
    assert_eq!(ack_seq(ack), Seq(2), "idempotent by client_id");

    // Close: both see it; nothing more can be sent by anyone.
    agent.send(&AgentFrame::Close);
    let (closed, _) = visitor.recv_until::<SessionFrame>("closed status", |f| matches!(f, SessionFrame::Status { .. }));
    assert!(matches!(closed, SessionFrame::Status { status: Status::Closed, .. }));
    queue.queue_until(&name, |s| s.status == Status::Closed);
    visitor.send(&send("one more thing", "v4"));
    let (refused, _) = visitor.recv_until::<SessionFrame>("refusal", |f| error_code(f).is_some());
    assert_eq!(error_code(&refused), Some(ErrorCode::SessionClosed));
    agent.send(&AgentFrame::send(client_id("a3"), "late"));
    let (refused, _) = agent.recv_until::<SessionFrame>("refusal", |f| error_code(f).is_some());
    assert_eq!(error_code(&refused), Some(ErrorCode::SessionClosed));

    // A reconnecting visitor gets the whole log back, closed, nothing lost.
    let mut again = Ws::visitor(&session);
    match again.visitor_hello(&session.token) {
        SessionFrame::Welcome { session: view, messages, .. } => {
            assert_eq!(view.status, Status::Closed);
            let seqs: Vec<u64> = messages.iter().map(|m| m.seq.0).collect();
            assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
            assert_eq!(messages.iter().filter(|m| m.text == "Hi, where is order #1042?").count(), 1, "no duplicate");
            assert!(messages.iter().all(|m| m.text != "one more thing" && m.text != "late"));
        }
        other => panic!("expected welcome, got {other:?}"),
    }
}

#[test]
fn exactly_one_agent_wins_accept() {
    let name = unique("Race");
    let session = waiting_session(&name);
    let mut ava = Ws::agent_session(&session);
    let mut ben = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ben.agent_hello(BEN);
    ava.send(&AgentFrame::Accept);
    ben.send(&AgentFrame::Accept);
    // Each waits for its own outcome: a status naming itself, or a refusal.
    let outcome = |ws: &mut Ws, me: &str| {
        ws.recv_until::<SessionFrame>("accept outcome", |f| {
            error_code(f).is_some() || matches!(f, SessionFrame::Status { agent: Some(a), .. } if a.id.as_str() == me)
        })
        .0
    };
    let ava_answer = outcome(&mut ava, "ava");
    let ben_answer = outcome(&mut ben, "ben");
    let winners = [&ava_answer, &ben_answer].iter().filter(|f| error_code(f).is_none()).count();
    assert_eq!(winners, 1, "one winner: {ava_answer:?} / {ben_answer:?}");
    let refused = [&ava_answer, &ben_answer].iter().filter(|f| error_code(f) == Some(ErrorCode::AlreadyAccepted)).count();
    assert_eq!(refused, 1, "one of the two was refused: {ava_answer:?} / {ben_answer:?}");
}

/// The console's Bearer-token routes answer only the console's own origin
/// (or no browser at all): a page elsewhere holding a stolen token, or a
/// site page, gets 403 before the token is even looked at.
#[test]
fn agent_rest_routes_refuse_foreign_origins() {
    let session = create_session(&unique("Origin"));
    let ip = unique_ip();
    let routes: [(&str, String, Option<&str>); 6] = [
        ("GET", format!("/api/v1/sites/{SITE}/tickets"), None),
        ("GET", format!("/api/v1/sites/{SITE}/sessions/{}/transcript", session.session_id), None),
        ("GET", format!("/api/v1/sites/{SITE}/sessions/{}/participants", session.session_id), None),
        ("GET", format!("/api/v1/sites/{SITE}/contacts?q=jo"), None),
        ("GET", format!("/api/v1/sites/{SITE}/agents"), None),
        ("GET", format!("/api/v1/sites/{SITE}/hours"), None),
    ];
    for (method, path, body) in &routes {
        for origin in ["http://evil.test", demo_origin().as_str(), "null"] {
            let a = request_as(method, path, &ip, Some(origin), Some(AVA), *body);
            assert_eq!(
                (a.status, a.body["error"]["code"].as_str()),
                (403, Some("forbidden_origin")),
                "{method} {path} from {origin}: {}",
                a.body
            );
        }
        // The console itself (same origin) and a non-browser client (no Origin) get through.
        for origin in [Some(edge()), None] {
            let a = request_as(method, path, &ip, origin.as_deref(), Some(AVA), *body);
            assert!(a.status < 400, "{method} {path} from {origin:?}: {} {}", a.status, a.body);
        }
    }
    // The origin is checked first: a foreign page learns nothing about tokens.
    let a = request_as("GET", &format!("/api/v1/sites/{SITE}/tickets"), &ip, Some("http://evil.test"), Some("not-a-token"), None);
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (403, Some("forbidden_origin")), "{}", a.body);
    let login = request_as("POST", "/api/v1/agent/login", &ip, Some("http://evil.test"), None, Some(r#"{"token":"x"}"#));
    assert_eq!((login.status, login.body["error"]["code"].as_str()), (403, Some("forbidden_origin")), "{}", login.body);
}

#[test]
fn foreign_origins_are_refused_before_anything_is_created() {
    let body = r#"{"name":"Mallory"}"#;
    for origin in [Some("http://evil.test"), None, Some("null")] {
        let a = post(&format!("/api/v1/sites/{SITE}/sessions"), origin, None, body);
        assert_eq!(a.status, 403, "origin {origin:?}: {}", a.body);
        assert_eq!(a.body["error"]["code"], "forbidden_origin");
    }
    // The WebSocket upgrade is refused the same way, even with a real session id.
    let session = create_session(&unique("Jo"));
    let refused =
        Ws::connect(&format!("/api/v1/sites/{SITE}/sessions/{}/ws", session.session_id), Some("http://evil.test")).err().expect("refused");
    assert_eq!(refused.status, 403, "{}", refused.body);
    // Preflight answers only allowed origins.
    let ok = ureq::request("OPTIONS", &format!("{}/api/v1/sites/{SITE}/sessions", edge()))
        .set("origin", &demo_origin())
        .call()
        .expect("preflight");
    assert_eq!(ok.header("access-control-allow-origin"), Some(demo_origin().as_str()));
}

#[test]
fn credentials_are_checked() {
    // Agent login.
    let a = post("/api/v1/agent/login", None, None, "{}");
    assert_eq!(a.status, 401);
    assert_eq!(a.body["error"]["code"], "unauthorized");
    assert_eq!(post("/api/v1/agent/login", None, Some("wrong-token"), "{}").status, 401);
    let ok = post("/api/v1/agent/login", None, Some(AVA), "{}");
    assert_eq!(ok.status, 200);
    let login: AgentLogin = serde_json::from_value(ok.body).unwrap();
    assert_eq!((login.site.as_str(), login.agent.name.as_str()), (SITE, "Ava"));

    // Queue with a wrong token: error frame, then the socket is closed.
    let mut q = Ws::queue();
    assert!(matches!(q.queue_hello("wrong-token"), QueueFrame::Error { code: ErrorCode::Unauthorized, .. }));
    assert!(q.closed_within(Duration::from_secs(5)));

    // A visitor token opens only its own session.
    let mine = create_session(&unique("Jo"));
    let other = create_session(&unique("Kim"));
    let mut ws = Ws::visitor(&other);
    let answer = ws.visitor_hello(&mine.token);
    assert_eq!(error_code(&answer), Some(ErrorCode::Unauthorized));
    assert!(ws.closed_within(Duration::from_secs(5)));

    // Nothing but hello before hello.
    let mut ws = Ws::visitor(&mine);
    ws.send(&send("sneaky", "x1"));
    assert_eq!(error_code(&ws.recv()), Some(ErrorCode::Unauthorized));

    // Agent tokens are not visitor tokens and vice versa.
    let mut agent = Ws::agent_session(&mine);
    assert_eq!(error_code(&agent.agent_hello(&mine.token)), Some(ErrorCode::Unauthorized));

    // Unknown sessions are 404 before any socket opens.
    let refused =
        Ws::connect(&format!("/api/v1/sites/{SITE}/sessions/{}/ws", "0".repeat(32)), Some(&demo_origin())).err().expect("refused");
    assert_eq!(refused.status, 404);
}

#[test]
fn bad_input_gets_a_typed_error_and_loses_nothing() {
    let session = create_session(&unique("Jo"));
    let mut v = Ws::visitor(&session);
    v.visitor_hello(&session.token);
    v.handoff();
    v.send(&send("first", "ok1"));
    let (ack, _) = v.recv_until::<SessionFrame>("ack", |f| matches!(f, SessionFrame::Ack { .. }));
    assert_eq!(ack_seq(ack), Seq(2), "after the handoff notice");

    let too_long = "x".repeat(porchlight_protocol::validate::MAX_MESSAGE_CHARS + 1);
    v.send(&send(&too_long, "big"));
    let (err, _) = v.recv_until::<SessionFrame>("error", |f| error_code(f).is_some());
    match err {
        SessionFrame::Error { code, client_id: Some(id), message, .. } => {
            assert_eq!(code, ErrorCode::MessageTooLong);
            assert_eq!(id.as_str(), "big");
            assert!(message.contains("4000"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    v.send_text(&"y".repeat(porchlight_protocol::validate::MAX_FRAME_BYTES + 10));
    assert_eq!(next_error(&mut v), Some(ErrorCode::FrameTooLarge));
    v.send_text("{not json");
    assert_eq!(next_error(&mut v), Some(ErrorCode::BadFrame));
    v.send_text(r#"{"type":"accept"}"#);
    assert_eq!(next_error(&mut v), Some(ErrorCode::BadFrame), "visitors cannot accept");
    v.send(&send("   ", "blank"));
    assert_eq!(next_error(&mut v), Some(ErrorCode::MessageEmpty));

    // The socket is still usable and the log holds exactly the valid message.
    v.send(&send("second", "ok2"));
    let (ack, _) = v.recv_until::<SessionFrame>("ack", |f| matches!(f, SessionFrame::Ack { .. }));
    assert_eq!(ack_seq(ack), Seq(3));
    let mut again = Ws::visitor(&session);
    match again.visitor_hello(&session.token) {
        SessionFrame::Welcome { messages, .. } => {
            let texts: Vec<_> = messages.iter().filter(|m| m.author != Author::System).map(|m| m.text.as_str()).collect();
            assert_eq!(texts, ["first", "second"]);
        }
        other => panic!("{other:?}"),
    }

    // HTTP: invalid names and emails, malformed bodies.
    let path = format!("/api/v1/sites/{SITE}/sessions");
    let a = post(&path, Some(&demo_origin()), None, r#"{"name":"  "}"#);
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (422, Some("invalid_name")));
    let a = post(&path, Some(&demo_origin()), None, r#"{"name":"Jo","email":"not-an-email"}"#);
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (422, Some("invalid_email")));
    let a = post(&path, Some(&demo_origin()), None, "{");
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (400, Some("bad_frame")));
    assert!(
        a.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("access-control-allow-origin") && *v == demo_origin()),
        "errors are readable by the allowed page"
    );
    let a = post("/api/v1/sites/no-such-site/sessions", Some(&demo_origin()), None, r#"{"name":"Jo"}"#);
    assert_eq!(a.status, 404);
}
