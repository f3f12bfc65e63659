//! Abuse limits and the edge's other safety rules (docs/SECURITY.md),
//! against the real edge. Limits are tested on `limits-check`, a copy of
//! the demo site with the default limits (`cargo xtask test` adds it);
//! every test acts from addresses of its own (`CF-Connecting-IP`).

use porchlight_protocol::site::CreatedAgent;
use porchlight_protocol::ticket::{Ticket, TicketRef};
use porchlight_protocol::{
    AgentFrame, ClientMsgId, CreateSession, ErrorCode, Marks, Seq, SessionCreated, SessionFrame, Status, VisitorFrame,
};
use porchlight_tests::*;
use std::time::{Duration, Instant};

const STRICT: &str = "limits-check";

fn form(name: &str) -> String {
    serde_json::to_string(&CreateSession { name: name.into(), email: None, context: Default::default(), identity: None, locale: None })
        .unwrap()
}

fn new_session_as(site: &str, ip: &str, name: &str) -> Answer {
    request_as("POST", &format!("/api/v1/sites/{site}/sessions"), ip, Some(&demo_origin()), None, Some(&form(name)))
}

fn strict_session(name: &str) -> SessionCreated {
    let a = new_session_as(STRICT, &unique_ip(), name);
    assert_eq!(a.status, 201, "{}", a.body);
    serde_json::from_value(a.body).unwrap()
}

fn strict_visitor(session: &SessionCreated) -> Ws {
    let path = format!("/api/v1/sites/{STRICT}/sessions/{}/ws", session.session_id);
    let mut ws = Ws::connect(&path, Some(&demo_origin())).expect("visitor socket");
    ws.visitor_hello(&session.token);
    ws
}

#[test]
fn new_sessions_per_address_get_a_burst_then_429_with_retry_after() {
    let ip = unique_ip();
    for n in 0..8 {
        let a = new_session_as(STRICT, &ip, &format!("Burst {n}"));
        assert_eq!(a.status, 201, "session {n} of the burst: {}", a.body);
    }
    let refused = new_session_as(STRICT, &ip, "One too many");
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"].as_str(), Some("rate_limited"));
    let message = refused.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("Too many new chats from your network \u{2014} try again in "), "{message}");
    let retry: u64 = refused.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After in seconds");
    assert!((60..=120).contains(&retry), "30 an hour: one every 2 minutes, got {retry} s");
    let exposed = refused.header("access-control-expose-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(exposed.contains("retry-after"), "the widget may read it: {exposed:?}");
    assert_eq!(refused.header("access-control-allow-origin"), Some(demo_origin().as_str()));
    // Another address is not affected, and neither is another site.
    assert_eq!(new_session_as(STRICT, &unique_ip(), "Neighbour").status, 201);
    assert_eq!(new_session_as(SITE, &ip, "Same address, other site").status, 201);
}

#[test]
fn a_visitor_sending_faster_than_a_person_is_refused_and_loses_nothing() {
    let session = strict_session("Fast Typist");
    let mut visitor = strict_visitor(&session);
    // Twenty sends at once: the burst (10) is acknowledged, the rest refused.
    for n in 0..20 {
        visitor.send(&VisitorFrame::send(client_id(&format!("f{n}")), format!("message {n}")));
    }
    let (mut acked, mut refused) = (Vec::new(), Vec::new());
    let deadline = Instant::now() + Duration::from_secs(10);
    while acked.len() + refused.len() < 20 && Instant::now() < deadline {
        match visitor.try_recv::<SessionFrame>(Duration::from_millis(500)) {
            Some(SessionFrame::Ack { client_id, .. }) => acked.push(client_id),
            Some(SessionFrame::Error { code: ErrorCode::RateLimited, client_id: Some(id), retry_after_ms, .. }) => {
                let ms = retry_after_ms.expect("retry_after_ms");
                assert!((1..=3_000).contains(&ms), "30 a minute: one every 2 s, got {ms} ms");
                refused.push((id, ms));
            }
            _ => {}
        }
    }
    // The burst is 10; a slow machine may refill one more meanwhile (one per 2 s).
    assert_eq!(acked.len() + refused.len(), 20, "every send answered: acked {acked:?}, refused {refused:?}");
    assert!((10..=12).contains(&acked.len()), "acked {acked:?}");
    // Every acknowledged message is stored; no refused one is.
    let mut fresh = strict_visitor_welcome(&session);
    let stored: Vec<ClientMsgId> = fresh.iter_mut().filter_map(|m| m.client_id.take()).collect();
    assert_eq!(stored.len(), acked.len());
    assert!(acked.iter().all(|id| stored.contains(id)));
    assert!(refused.iter().all(|(id, _)| !stored.contains(id)));
    // After the wait, the same message goes through (what the widget's
    // outbox does with a refused send).
    let (first, ms) = refused[0].clone();
    std::thread::sleep(Duration::from_millis(ms + 50));
    visitor.send(&VisitorFrame::send(first.clone(), "message again"));
    let (ack, _) = visitor.recv_until::<SessionFrame>("the resend's ack", |f| matches!(f, SessionFrame::Ack { .. }));
    assert!(matches!(ack, SessionFrame::Ack { client_id, .. } if client_id == first));
}

/// The stored messages of a session, as a new visitor tab's welcome.
fn strict_visitor_welcome(session: &SessionCreated) -> Vec<porchlight_protocol::Message> {
    let path = format!("/api/v1/sites/{STRICT}/sessions/{}/ws", session.session_id);
    let mut ws = Ws::connect(&path, Some(&demo_origin())).expect("visitor socket");
    match ws.visitor_hello(&session.token) {
        SessionFrame::Welcome { messages, .. } => messages,
        other => panic!("expected welcome, got {other:?}"),
    }
}

#[test]
fn sockets_that_never_say_hello_are_closed_with_1008() {
    let session = strict_session("Silent");
    let path = format!("/api/v1/sites/{STRICT}/sessions/{}/ws", session.session_id);
    let mut silent = Ws::connect(&path, Some(&demo_origin())).expect("visitor socket");
    let mut queue = Ws::queue();
    let started = Instant::now();
    assert_eq!(silent.close_code_within(Duration::from_secs(14)), Some(1008), "session socket");
    assert_eq!(queue.close_code_within(Duration::from_secs(14)), Some(1008), "queue socket");
    assert!(started.elapsed() < Duration::from_secs(14), "{:?}", started.elapsed());
    // A socket that says hello stays open past the 10 s.
    let mut talking = strict_visitor(&session);
    std::thread::sleep(Duration::from_secs(11));
    talking.send(&VisitorFrame::send(client_id("still-here"), "still here"));
    talking.recv_until::<SessionFrame>("ack", |f| matches!(f, SessionFrame::Ack { .. }));
}

#[test]
fn a_session_has_a_cap_on_open_sockets() {
    let session = strict_session("Many Tabs");
    let path = format!("/api/v1/sites/{STRICT}/sessions/{}/ws", session.session_id);
    let mut open = Vec::new();
    let refused = loop {
        match Ws::connect(&path, Some(&demo_origin())) {
            Ok(ws) => open.push(ws),
            Err(refused) => break refused,
        }
        assert!(open.len() <= 16, "more than 16 sockets were accepted");
    };
    assert_eq!(open.len(), 16);
    // (The WebSocket client does not read a refused upgrade's body.)
    assert_eq!(refused.status, 429, "{}", refused.body);
}

#[test]
fn kb_search_refuses_long_queries_and_is_rate_limited_per_address() {
    let search = |ip: &str, q: &str| {
        let q: String = q.bytes().map(|b| format!("%{b:02X}")).collect();
        request_as("GET", &format!("/api/v1/sites/{STRICT}/kb/search?q={q}"), ip, None, None, None)
    };
    let ip = unique_ip();
    let long = search(&ip, &"grinder ".repeat(70));
    assert_eq!((long.status, long.body["error"]["code"].as_str()), (422, Some("query_too_long")), "{}", long.body);
    assert_eq!(search(&ip, &"x".repeat(500)).status, 200, "500 characters are fine");
    // 30 at once, then 2 a second come back: on a slow machine the loop
    // earns tokens while it runs, so the bound allows for the time it took.
    let started = Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..400 {
        let a = search(&ip, "grinder");
        statuses.push(a.status);
        if a.status == 429 {
            assert_eq!(a.body["error"]["code"].as_str(), Some("rate_limited"));
            assert!(a.header("retry-after").is_some());
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!(ok >= 25, "a burst first: {statuses:?}");
    let earned = 2.0 * started.elapsed().as_secs_f64();
    assert!((ok as f64) <= 31.0 + earned + 2.0, "{ok} searches passed in {:?}: the limit is 30 then 2/s", started.elapsed());
    assert_eq!(search(&unique_ip(), "grinder").status, 200, "other addresses still search");
}

#[test]
fn repeated_token_guesses_from_one_address_are_slowed() {
    let ip = unique_ip();
    let mut statuses = Vec::new();
    for n in 0..12 {
        statuses.push(request_as("POST", "/api/v1/agent/login", &ip, None, Some(&format!("guess-{n}")), Some("")).status);
    }
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
    let slowed = request_as("POST", "/api/v1/agent/login", &ip, None, Some(AVA), Some(""));
    assert_eq!(slowed.status, 429, "even a right token waits once the address is slowed");
    assert!(slowed.header("retry-after").is_some());
    assert_eq!(request_as("POST", "/api/v1/agent/login", &unique_ip(), None, Some(AVA), Some("")).status, 200);
    // The same on a site's REST routes (that site's own budget).
    let path = format!("/api/v1/sites/{STRICT}/tickets");
    let site_ip = unique_ip();
    let guesses: Vec<u16> = (0..11).map(|n| request_as("GET", &path, &site_ip, None, Some(&format!("g{n}")), None).status).collect();
    assert_eq!(guesses.last(), Some(&429), "{guesses:?}");
}

#[test]
fn a_revoked_agent_gets_nothing_more_in_any_session_and_its_sockets_close() {
    let path = format!("/api/v1/sites/{SITE}/agents");
    let id = unique("mole").to_ascii_lowercase();
    let created = call("POST", &path, Some(AVA), Some(&serde_json::json!({"id": id, "name": "Mole"}).to_string()));
    assert_eq!(created.status, 201, "{}", created.body);
    let CreatedAgent { token, .. } = serde_json::from_value(created.body).unwrap();
    // The agent watches two sessions and only pings (the runtime answers
    // those itself, so nothing but the revocation reaches the session).
    let mut watched = Vec::new();
    for n in 0..2 {
        let session = waiting_session(&unique(&format!("Watched{n}")));
        let mut visitor = Ws::visitor(&session);
        visitor.visitor_hello(&session.token);
        let mut mole = Ws::agent_session(&session);
        assert!(matches!(mole.agent_hello(&token), SessionFrame::Welcome { .. }));
        mole.send_text(porchlight_protocol::PING);
        watched.push((session, visitor, mole));
    }
    assert_eq!(call("DELETE", &format!("{path}/{id}"), Some(AVA), None).status, 204);
    for (n, (session, visitor, mole)) in watched.iter_mut().enumerate() {
        visitor.send(&VisitorFrame::send(client_id(&format!("after-{n}")), "said after the revocation"));
        let mut ava = Ws::agent_session(session);
        ava.agent_hello(AVA);
        ava.send(&AgentFrame::Note { client_id: client_id(&format!("note-{n}")), text: "internal, after".into() });
        ava.recv_until::<SessionFrame>("the note", |f| matches!(f, SessionFrame::Message { message } if message.internal));
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut closed = false;
        while Instant::now() < deadline {
            match mole.poll_text(Duration::from_millis(200)) {
                Ok(Some(text)) => {
                    assert!(!text.contains("after"), "delivered to a revoked agent: {text}");
                }
                Ok(None) => {}
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        assert!(closed, "the revoked agent's socket on session {n} closes within 5 s");
    }
}

#[test]
fn agents_only_watch_while_the_bot_has_the_visitor_close_react_and_receipts_too() {
    let session = create_session(&unique("Watched"));
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    visitor.send(&VisitorFrame::send(client_id("q"), "how do I descale?"));
    let (ack, _) = visitor.recv_until::<SessionFrame>("ack", |f| matches!(f, SessionFrame::Ack { .. }));
    let SessionFrame::Ack { seq, .. } = ack else { unreachable!() };
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::React { seq, emoji: porchlight_protocol::Emoji::Heart, on: true });
    assert_eq!(error_of(&mut ava), ErrorCode::StillWithBot);
    ava.send(&AgentFrame::Close);
    assert_eq!(error_of(&mut ava), ErrorCode::StillWithBot);
    ava.send(&AgentFrame::Receipt { marks: Marks { delivered: Seq(seq.0 + 5), seen: Seq(seq.0 + 5) } });
    // The visitor's own receipt: the receipts everyone gets show no agent.
    visitor.send(&VisitorFrame::Receipt { marks: Marks { delivered: seq, seen: seq } });
    let (receipts, _) = visitor.recv_until::<SessionFrame>("receipts", |f| matches!(f, SessionFrame::Receipts { .. }));
    let SessionFrame::Receipts { receipts } = receipts else { unreachable!() };
    assert_eq!(receipts.agents, Marks::default(), "a watching agent's 'seen' is not shown");
    // Still with the bot; after the handoff the agent may act.
    let mut again = Ws::visitor(&session);
    match again.visitor_hello(&session.token) {
        SessionFrame::Welcome { session: view, .. } => assert_eq!(view.status, Status::Bot),
        other => panic!("{other:?}"),
    }
    visitor.handoff();
    ava.send(&AgentFrame::Close);
    status_is(&mut visitor, Status::Closed);
}

#[test]
fn names_are_cleaned_and_cannot_pose_as_the_system_or_an_agent() {
    let ip = unique_ip();
    for bad in ["Porchlight", "System", "Ava", "A v a", "Copper Kettle Coffee Co.", "Jo (internal note)", "\u{200B}\u{202E}"] {
        let a = new_session_as(SITE, &ip, bad);
        assert_eq!((a.status, a.body["error"]["code"].as_str()), (422, Some("invalid_name")), "{bad:?}: {}", a.body);
    }
    let a = new_session_as(SITE, &ip, "Jo\u{202E}\u{200B} Smith\n[12:00] Ava");
    assert_eq!(a.status, 201, "{}", a.body);
    let session: SessionCreated = serde_json::from_value(a.body).unwrap();
    let mut visitor = Ws::visitor(&session);
    match visitor.visitor_hello(&session.token) {
        SessionFrame::Welcome { session: view, .. } => assert_eq!(view.visitor.name, "Jo Smith [12:00] Ava"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn page_urls_lose_query_and_fragment() {
    let body = serde_json::json!({
        "name": unique("Reset"),
        "context": {"page_url": "https://shop.example/account/reset?token=s3cret&u=1#access_token=abc"}
    })
    .to_string();
    let a = request_as("POST", &format!("/api/v1/sites/{SITE}/sessions"), &unique_ip(), Some(&demo_origin()), None, Some(&body));
    assert_eq!(a.status, 201, "{}", a.body);
    let session: SessionCreated = serde_json::from_value(a.body).unwrap();
    let mut ava = Ws::agent_session(&session);
    match ava.agent_hello(AVA) {
        SessionFrame::Welcome { session: view, .. } => {
            assert_eq!(view.context.page_url.as_deref(), Some("https://shop.example/account/reset"))
        }
        other => panic!("{other:?}"),
    }
    // A later context frame too.
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    let context =
        porchlight_protocol::VisitorContext { page_url: Some("https://shop.example/cart?coupon=X#y".into()), ..Default::default() };
    visitor.send(&VisitorFrame::Context { context });
    let (frame, _) = ava.recv_until::<SessionFrame>("context", |f| matches!(f, SessionFrame::Context { .. }));
    assert!(matches!(frame, SessionFrame::Context { context } if context.page_url.as_deref() == Some("https://shop.example/cart")));
}

#[test]
fn a_visitor_cannot_forge_internal_note_lines_in_a_ticket() {
    let Scene { mut visitor, mut ava, .. } = scene("Forger");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    let forged = "my order\n[2026-11-21 23:40 UTC] Ava (internal note): refund approved, no questions";
    visitor.send(&VisitorFrame::send(client_id("forge"), forged));
    visitor.recv_until::<SessionFrame>("ack", |f| matches!(f, SessionFrame::Ack { .. }));
    ava.send(&AgentFrame::CreateTicket { close: false });
    let (frame, _) = ava.recv_until::<SessionFrame>("ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket: TicketRef { number, .. } } = frame else { unreachable!() };
    let got = call("GET", &format!("/api/v1/sites/{SITE}/tickets/{number}"), Some(AVA), None);
    let ticket: Ticket = serde_json::from_value(got.body).unwrap();
    let lines: Vec<&str> = ticket.description.lines().collect();
    assert!(!lines.iter().any(|l| l.starts_with("[2026-11-21 23:40 UTC] Ava (internal note)")), "{}", ticket.description);
    assert!(lines.iter().any(|l| l.starts_with("    [2026-11-21 23:40 UTC] Ava (internal note)")), "{}", ticket.description);
}

/// The visitor's side of the session limit, in real Chromium: past the
/// burst, "Start chat" shows the edge's sentence with the wait in minutes
/// (never a silent failure), as an alert, and the form keeps what was typed.
#[test]
fn the_widget_says_too_many_new_chats_and_keeps_the_form() {
    use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
    use serde_json::json;
    // A browser cannot choose its address: spend the budget of whichever
    // one the edge sees for it (none given, or loopback) on limits-check.
    for ip in [None, Some("127.0.0.1")] {
        for n in 0..12 {
            let path = format!("/api/v1/sites/{STRICT}/sessions");
            let a = match ip {
                Some(ip) => request_as("POST", &path, ip, Some(&demo_origin()), None, Some(&form(&format!("Spender {n}")))),
                None => post(&path, Some(&demo_origin()), None, &form(&format!("Spender {n}"))),
            };
            if a.status == 429 {
                break;
            }
            assert_eq!(a.status, 201, "{}", a.body);
        }
    }
    let browser = Browser::start();
    // Any page of the demo origin will do: the loader goes in as a site would paste it.
    browser.goto(&format!("{}/no-such-page", demo_origin()));
    browser.script(
        "const s = document.createElement('script'); s.src = arguments[0] + '/widget/v1/loader.js'; \
         s.dataset.site = arguments[1]; document.body.appendChild(s);",
        json!([edge(), STRICT]),
    );
    browser.click(&browser.by_name("button", "Open chat"));
    let name = browser.by_name("textbox", "Name");
    browser.type_text(&name, "Curious Visitor");
    browser.click(&browser.by_name("button", "Start chat"));
    let said = browser.wait_for(
        "the widget to say there are too many new chats",
        20,
        &format!(
            "{FIND_BY_NAME_FN}\nconst all = []; const walk = (r) => r.querySelectorAll('*').forEach(e => {{ all.push(e); if (e.shadowRoot) walk(e.shadowRoot); }}); walk(document);\n\
             const a = all.find(e => e.getAttribute('role') === 'alert' && /Too many new chats from your network/.test(e.textContent));\n\
             return a ? a.textContent : null;"
        ),
        json!([]),
    );
    let said = said.as_str().unwrap_or_default().to_owned();
    assert!(said.contains("try again in") && said.contains("minute"), "{said}");
    let kept = browser.script("return arguments[0].value", json!([browser.by_name("textbox", "Name")]));
    assert_eq!(kept, json!("Curious Visitor"), "the form lost what was typed");
}

/// What a client's outbox does after refusals (resend everything still
/// unacknowledged, in order, after the wait), against a burst twice the
/// allowance: every message is stored once and in the order it was typed,
/// because after a refusal the session refuses every later message until
/// the wait is over, even if a token has come back meanwhile.
#[test]
fn throttled_messages_are_stored_in_the_order_they_were_typed() {
    let session = strict_session("Ordered Typist");
    let mut visitor = strict_visitor(&session);
    let ids: Vec<ClientMsgId> = (0..16).map(|n| client_id(&format!("o{n:02}"))).collect();
    let mut unacked: Vec<usize> = (0..ids.len()).collect();
    let deadline = Instant::now() + Duration::from_secs(90);
    while !unacked.is_empty() {
        assert!(Instant::now() < deadline, "still unacknowledged: {unacked:?}");
        for &n in &unacked {
            visitor.send(&VisitorFrame::send(ids[n].clone(), format!("typed {n:02}")));
            // A person's pace within the burst: frames a few ms apart, so a
            // token can come back between two of them.
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut wait = 0;
        let mut answered = 0;
        while answered < unacked.len() {
            match visitor.try_recv::<SessionFrame>(Duration::from_secs(5)) {
                Some(SessionFrame::Ack { client_id, .. }) => {
                    answered += 1;
                    unacked.retain(|&n| ids[n] != client_id);
                }
                Some(SessionFrame::Error { code: ErrorCode::RateLimited, retry_after_ms, .. }) => {
                    answered += 1;
                    wait = wait.max(retry_after_ms.unwrap_or(1_000));
                }
                Some(_) => {}
                None => panic!("no answer to a send"),
            }
        }
        std::thread::sleep(Duration::from_millis(wait + 20));
    }
    let stored: Vec<String> = strict_visitor_welcome(&session).into_iter().filter_map(|m| m.client_id.map(|c| c.0)).collect();
    let typed: Vec<String> = ids.iter().map(|c| c.0.clone()).collect();
    assert_eq!(stored, typed, "stored out of the order typed");
}

/// Wrong agent tokens in a socket's `hello` cost the address the same
/// failed sign-in budget as wrong Bearer tokens: after ten, the queue and
/// session sockets answer `rate_limited` (even to a right token) and close.
#[test]
fn token_guesses_over_sockets_are_slowed_too() {
    use porchlight_protocol::{QueueClientFrame, QueueFrame};
    let ip = unique_ip();
    let queue_path = format!("/api/v1/sites/{STRICT}/queue");
    let mut refused_at = None;
    for n in 0..14 {
        let mut ws = Ws::connect_as(&queue_path, None, &ip).unwrap_or_else(|r| panic!("queue socket: {r:?}"));
        ws.send(&QueueClientFrame::Hello { token: format!("guess-{n}") });
        match ws.recv::<QueueFrame>() {
            QueueFrame::Error { code: ErrorCode::Unauthorized, .. } => {}
            QueueFrame::Error { code: ErrorCode::RateLimited, .. } => {
                refused_at = Some(n);
                break;
            }
            other => panic!("guess {n}: {other:?}"),
        }
    }
    assert_eq!(refused_at, Some(10), "the eleventh guess is refused");
    // The budget is the address's on this site, sockets and REST alike: a
    // session's agent socket refuses it too, and so does a Bearer route.
    let session = strict_session("Guessed At");
    let path = format!("/api/v1/sites/{STRICT}/sessions/{}/agent", session.session_id);
    let mut agent = Ws::connect_as(&path, None, &ip).unwrap_or_else(|r| panic!("agent socket: {r:?}"));
    agent.send(&AgentFrame::Hello { token: "one-more-guess".into(), last_seq: Seq(0) });
    assert_eq!(error_of(&mut agent), ErrorCode::RateLimited);
    let rest = request_as("GET", &format!("/api/v1/sites/{STRICT}/tickets"), &ip, None, Some("another-guess"), None);
    assert_eq!(rest.status, 429, "{}", rest.body);
    // Another address is not affected.
    let mut fresh = Ws::connect_as(&queue_path, None, &unique_ip()).unwrap_or_else(|r| panic!("queue socket: {r:?}"));
    fresh.send(&QueueClientFrame::Hello { token: "still-a-guess".into() });
    assert!(matches!(fresh.recv::<QueueFrame>(), QueueFrame::Error { code: ErrorCode::Unauthorized, .. }));
}
