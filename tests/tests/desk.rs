//! The site's desk through the real edge: tickets made from sessions
//! (linked both ways, listed and fetched over REST) and webhooks, signed
//! and retried, delivered to a real local HTTP receiver that fails twice.

use hmac::{Hmac, Mac};
use porchlight_protocol::ticket::{Ticket, TicketList};
use porchlight_protocol::webhook::{Webhook, WebhookEvent};
use porchlight_protocol::{AgentFrame, Author, ErrorCode, SessionFrame, Status, VisitorFrame};
use porchlight_tests::receiver::{Hit, Receiver};
use porchlight_tests::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn ticket_frame(ws: &mut Ws) -> porchlight_protocol::ticket::TicketRef {
    match ws.recv_until::<SessionFrame>("ticket", |f| matches!(f, SessionFrame::Ticket { .. })).0 {
        SessionFrame::Ticket { ticket } => ticket,
        _ => unreachable!(),
    }
}

#[test]
fn a_session_becomes_a_ticket_with_the_whole_transcript() {
    let Scene { name, mut queue, session, mut visitor, mut ava } = scene("Ticket");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    visitor.send(&VisitorFrame::send(client_id("v1"), "My grinder makes a <clicking> noise"));
    ava.send(&AgentFrame::send(client_id("a1"), "Sorry! I'll open a warranty case."));
    ava.send(&AgentFrame::Note { client_id: client_id("n1"), text: "Serial GR-5521, bought March".into() });
    ava.recv_until::<SessionFrame>("note", |f| matches!(f, SessionFrame::Message { message } if message.internal));

    ava.send(&AgentFrame::CreateTicket { close: true });
    system_text(&mut visitor, "Ticket #");
    let link = ticket_frame(&mut visitor);
    assert_eq!(link.subject, "My grinder makes a <clicking> noise", "the subject is the visitor's question");
    status_is(&mut visitor, Status::Closed);
    assert_eq!(ticket_frame(&mut ava), link);

    // Closed for good: the visitor's next message is refused with a reason.
    visitor.send(&VisitorFrame::send(client_id("v2"), "hello?"));
    assert_eq!(error_of(&mut visitor), ErrorCode::SessionClosed);
    // Asking again links the same ticket, not a new one.
    ava.send(&AgentFrame::CreateTicket { close: false });
    assert_eq!(ticket_frame(&mut ava), link);

    // Session → ticket: in the session itself and in the queue.
    let mut again = Ws::agent_session(&session);
    match again.agent_hello(BEN) {
        SessionFrame::Welcome { session: view, .. } => assert_eq!(view.ticket.as_ref(), Some(&link)),
        other => panic!("expected welcome, got {other:?}"),
    }
    queue.queue_until(&name, |s| s.ticket.as_ref() == Some(&link) && s.status == Status::Closed);

    // Ticket → session, over REST.
    let list = call("GET", &format!("/api/v1/sites/{SITE}/tickets"), Some(BEN), None);
    assert_eq!(list.status, 200, "{}", list.body);
    let list: TicketList = serde_json::from_value(list.body).unwrap();
    let row = list.tickets.iter().find(|t| t.number == link.number).expect("listed");
    assert_eq!(row.session.as_ref(), Some(&session.session_id));
    let got = call("GET", &format!("/api/v1/sites/{SITE}/tickets/{}", link.number), Some(BEN), None);
    assert_eq!(got.status, 200, "{}", got.body);
    let ticket: Ticket = serde_json::from_value(got.body).unwrap();
    assert_eq!((ticket.session, ticket.requester.name.as_str()), (Some(session.session_id.clone()), name.as_str()));
    assert!(ticket.requester.email.is_some(), "the visitor's email travels with the ticket");
    assert_eq!(ticket.created_by.id.as_str(), "ava");
    for line in [
        format!("] {name}: My grinder makes a <clicking> noise"),
        "] Ava: Sorry! I'll open a warranty case.".to_owned(),
        "] Ava (internal note): Serial GR-5521, bought March".to_owned(),
        "UTC] Ava joined the conversation\n".to_owned(),
    ] {
        assert!(ticket.description.contains(&line), "description lacks {line:?}:\n{}", ticket.description);
    }

    let anonymous = call("GET", &format!("/api/v1/sites/{SITE}/tickets"), None, None);
    assert_eq!((anonymous.status, anonymous.body["error"]["code"].as_str()), (401, Some("unauthorized")));
    let missing = call("GET", &format!("/api/v1/sites/{SITE}/tickets/999999"), Some(AVA), None);
    assert_eq!(missing.status, 404);
}

/// A receiver that answers 503 to the first two attempts of every
/// delivery and 200 to the rest.
fn receiver() -> (String, Arc<Mutex<Vec<Hit>>>) {
    let r = Receiver::answering(Duration::ZERO, |headers, earlier| {
        let delivery = headers.get("porchlight-delivery");
        let tries = earlier.iter().filter(|h| h.headers.get("porchlight-delivery") == delivery).count();
        if tries < 2 {
            503
        } else {
            200
        }
    });
    (r.url, r.hits)
}

fn signature(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn webhooks_are_signed_and_retried_until_acknowledged() {
    let (url, hits) = receiver();
    let path = format!("/api/v1/sites/{SITE}/webhooks");
    let body = serde_json::json!({ "url": url }).to_string();
    let refused = call("POST", &path, Some(BEN), Some(&body));
    assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (403, Some("forbidden")), "agents are not admins");
    let insecure = call("POST", &path, Some(AVA), Some(r#"{"url":"http://hooks.example.com/x"}"#));
    assert_eq!(insecure.status, 400, "{}", insecure.body);
    let created = call("POST", &path, Some(AVA), Some(&body));
    assert_eq!(created.status, 201, "{}", created.body);
    let hook: Webhook = serde_json::from_value(created.body).unwrap();
    let secret = hook.secret.clone().expect("the secret is shown once");
    let listed = call("GET", &path, Some(AVA), None);
    let listed: Vec<Webhook> = serde_json::from_value(listed.body).unwrap();
    assert!(listed.iter().any(|h| h.id == hook.id && h.secret.is_none()), "listing never shows secrets");

    // One session through its life: waiting, a message, accepted, ticket, closed.
    let Scene { session, mut visitor, mut ava, .. } = scene("Hooked");
    visitor.send(&VisitorFrame::send(client_id("h1"), "Do you ship to Norway?"));
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    ava.send(&AgentFrame::CreateTicket { close: true });
    status_is(&mut visitor, Status::Closed);

    let sid = session.session_id.0.clone();
    let wanted = ["session.waiting", "message.created", "session.accepted", "ticket.created", "session.closed"];
    let deadline = Instant::now() + Duration::from_secs(45);
    let mine = |hits: &[Hit]| -> Vec<Hit> { hits.iter().filter(|h| h.body.contains(&sid)).cloned().collect() };
    loop {
        let got = mine(&hits.lock().unwrap());
        let acked =
            |kind: &str| got.iter().any(|h| h.answered == 200 && h.headers.get("porchlight-event").map(String::as_str) == Some(kind));
        if wanted.iter().all(|k| acked(k)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every event was acknowledged in 45 s; got {:?}",
            got.iter().map(|h| (h.headers.get("porchlight-event").cloned(), h.answered)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let got = mine(&hits.lock().unwrap());
    for kind in wanted {
        let attempts: Vec<&Hit> = got.iter().filter(|h| h.headers.get("porchlight-event").map(String::as_str) == Some(kind)).collect();
        // The message event can be the visitor's or (for a visitor message in
        // BOT) the bot's too; look at one delivery at a time.
        let first = attempts[0].headers["porchlight-delivery"].clone();
        let one: Vec<&&Hit> = attempts.iter().filter(|h| h.headers["porchlight-delivery"] == first).collect();
        assert_eq!(one.iter().map(|h| h.answered).collect::<Vec<_>>(), [503, 503, 200], "{kind}: two failures, then success");
        assert!(one.windows(2).all(|w| w[1].body == w[0].body), "{kind}: a retry repeats the same body");
        assert!(one[1].at - one[0].at >= Duration::from_millis(900), "{kind}: retries back off");
        assert!(one[2].at - one[1].at >= Duration::from_millis(1800), "{kind}: and back off more");
        for h in &one {
            // `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, checked with an independent HMAC.
            let header = &h.headers["porchlight-signature"];
            let t = header.strip_prefix("t=").and_then(|r| r.split(',').next()).expect("t=");
            assert_eq!(header, &format!("t={t},v1={}", signature(&secret, &format!("{t}.{}", h.body))), "{kind}: signature");
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
            assert!(now.abs_diff(t.parse().unwrap()) < 120, "{kind}: t is the time of the attempt");
        }
        let event: WebhookEvent = serde_json::from_str(&one[0].body).expect("event json");
        assert_eq!((event.event.kind(), event.id.as_str()), (kind, first.as_str()));
    }
    let message = got.iter().find_map(|h| {
        let e: WebhookEvent = serde_json::from_str(&h.body).ok()?;
        match e.event {
            porchlight_protocol::webhook::Event::MessageCreated { message, .. } if matches!(message.author, Author::Visitor { .. }) => {
                Some(message)
            }
            _ => None,
        }
    });
    assert_eq!(message.map(|m| m.text), Some("Do you ship to Norway?".into()));

    let gone = call("DELETE", &format!("{path}/{}", hook.id), Some(AVA), None);
    assert_eq!(gone.status, 204, "{}", gone.body);
    let again = call("DELETE", &format!("{path}/{}", hook.id), Some(AVA), None);
    assert_eq!(again.status, 404);
}
