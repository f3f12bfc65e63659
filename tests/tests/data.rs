//! A visitor's data through the real edge: an ADMIN exports it as JSON
//! and erases it everywhere (the session's messages, the queue's search
//! rows, ticket copies, webhook outbox bodies, the continuity index); and
//! retention erases closed conversations of a site after its period.

use porchlight_protocol::data::{DataExport, Erased};
use porchlight_protocol::identity::Conversations;
use porchlight_protocol::{AgentFrame, QueueClientFrame, QueueFrame, SessionCreated, SessionFrame, SessionId, Status, VisitorFrame};
use porchlight_tests::receiver::Receiver;
use porchlight_tests::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn search(queue: &mut Ws, q: &str) -> Vec<SessionId> {
    queue.send(&QueueClientFrame::Search { query: q.into() });
    match queue.recv_until::<QueueFrame>("found", |f| matches!(f, QueueFrame::Found { query, .. } if query == q)).0 {
        QueueFrame::Found { ids, .. } => ids,
        _ => unreachable!(),
    }
}

fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {secs} s");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn an_admin_exports_and_erases_one_visitors_data_everywhere() {
    // A receiver that never acknowledges: the deliveries stay in the outbox.
    let failing = Receiver::start(503, Duration::ZERO);
    let hook = call("POST", &format!("/api/v1/sites/{SITE}/webhooks"), Some(AVA), Some(&json!({"url": failing.url}).to_string()));
    assert_eq!(hook.status, 201, "{}", hook.body);
    let hook_id = hook.body["id"].as_str().unwrap().to_owned();

    let user = unique("erasable");
    let identity = || identity_token(DEMO_IDENTITY_SECRET, json!({"sub": user, "name": "Erin Erasable"}));
    let marker = unique("secretrecipe").replace('-', "");
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let mut sessions = Vec::new();
    for n in 0..2 {
        let a = start_session_on(SITE, json!({"name": "Erin", "identity": identity()}));
        assert_eq!(a.status, 201, "{}", a.body);
        let session: SessionCreated = serde_json::from_value(a.body).unwrap();
        let mut visitor = Ws::visitor(&session);
        visitor.visitor_hello(&session.token);
        visitor.send(&VisitorFrame::send(client_id("e1"), format!("My {marker} number {n}")));
        visitor.handoff();
        sessions.push((session, visitor));
    }
    // One becomes a ticket (a copy of the transcript at the desk).
    let (first, visitor) = &mut sessions[0];
    let mut ava = Ws::agent_session(first);
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::Accept);
    status_is(visitor, Status::Active);
    ava.send(&AgentFrame::CreateTicket { close: false });
    let ticket = match ava.recv_until::<SessionFrame>("ticket", |f| matches!(f, SessionFrame::Ticket { .. })).0 {
        SessionFrame::Ticket { ticket } => ticket,
        _ => unreachable!(),
    };
    let ids: Vec<SessionId> = sessions.iter().map(|(s, _)| s.session_id.clone()).collect();
    wait_for("both in the queue's search", 15, || {
        let found = search(&mut queue, &marker);
        ids.iter().all(|id| found.contains(id))
    });
    wait_for("webhook deliveries about them", 20, || ids.iter().all(|id| !failing.about(&id.0).is_empty()));

    let by_user = format!("/api/v1/sites/{SITE}/data/users/{user}");
    for (token, want) in [(None, 401), (Some(BEN), 403)] {
        assert_eq!(call("GET", &by_user, token, None).status, want, "export needs an ADMIN");
        assert_eq!(call("DELETE", &by_user, token, None).status, want, "erase needs an ADMIN");
    }

    // Export: every conversation, every message, the ticket.
    let export = call("GET", &by_user, Some(AVA), None);
    assert_eq!(export.status, 200, "{}", export.body);
    let export: DataExport = serde_json::from_value(export.body).unwrap();
    assert_eq!(export.user_id.as_deref(), Some(user.as_str()));
    assert_eq!(export.sessions.len(), 2);
    for t in &export.sessions {
        assert!(t.session.visitor.verified);
        assert!(t.messages.iter().any(|m| m.text.contains(&marker)), "messages are in the export");
    }
    assert_eq!(export.tickets.iter().map(|t| t.number).collect::<Vec<_>>(), [ticket.number]);
    let one = call("GET", &format!("/api/v1/sites/{SITE}/data/sessions/{}", ids[1]), Some(AVA), None);
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(serde_json::from_value::<DataExport>(one.body).unwrap().sessions.len(), 1);

    // Erase.
    let erased = call("DELETE", &by_user, Some(AVA), None);
    assert_eq!(erased.status, 200, "{}", erased.body);
    let mut erased: Erased = serde_json::from_value(erased.body).unwrap();
    erased.erased.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(erased.erased, want);

    // Gone from every place it was.
    assert_eq!(call("GET", &by_user, Some(AVA), None).status, 404, "nothing left to export");
    for id in &ids {
        assert_eq!(call("GET", &format!("/api/v1/sites/{SITE}/sessions/{id}/transcript"), Some(AVA), None).status, 404);
        let path = format!("/api/v1/sites/{SITE}/sessions/{id}/ws");
        assert_eq!(Ws::connect(&path, Some(&demo_origin())).err().map(|r| r.status), Some(404), "the visitor token opens nothing");
    }
    assert!(search(&mut queue, &marker).is_empty(), "the queue's search rows are gone");
    assert_eq!(call("GET", &format!("/api/v1/sites/{SITE}/tickets/{}", ticket.number), Some(AVA), None).status, 404, "ticket copy");
    let list = post(
        &format!("/api/v1/sites/{SITE}/identity/conversations"),
        Some(&demo_origin()),
        None,
        &json!({"identity": identity()}).to_string(),
    );
    assert_eq!(serde_json::from_value::<Conversations>(list.body).unwrap().conversations.len(), 0, "the continuity index");
    // The outbox bodies are gone: no more retries about these sessions.
    std::thread::sleep(Duration::from_secs(1));
    let seen: Vec<usize> = ids.iter().map(|id| failing.about(&id.0).len()).collect();
    std::thread::sleep(Duration::from_secs(6));
    let later: Vec<usize> = ids.iter().map(|id| failing.about(&id.0).len()).collect();
    assert_eq!(seen, later, "deliveries about erased sessions stopped");
    let gone = call("DELETE", &format!("/api/v1/sites/{SITE}/webhooks/{hook_id}"), Some(AVA), None);
    assert_eq!(gone.status, 204);
}

#[test]
fn retention_erases_closed_conversations_after_the_sites_period() {
    // second-shop keeps closed conversations 3 seconds.
    let start = |name: &str| -> SessionCreated {
        let a = start_session_on(SECOND_SITE, json!({"name": name}));
        assert_eq!(a.status, 201, "{}", a.body);
        serde_json::from_value(a.body).unwrap()
    };
    let closed = start("Closing Carla");
    let open = start("Open Olga");
    for (session, text) in [(&closed, "short-lived words"), (&open, "still talking")] {
        let mut visitor = Ws::visitor_on(SECOND_SITE, session);
        visitor.visitor_hello(&session.token);
        visitor.send(&VisitorFrame::send(client_id("t1"), text));
        visitor.recv_until::<SessionFrame>("ack", |f| matches!(f, SessionFrame::Ack { .. }));
        if session.session_id == closed.session_id {
            visitor.send(&VisitorFrame::Close);
            status_is(&mut visitor, Status::Closed);
        }
    }
    let export = |id: &SessionId| call("GET", &format!("/api/v1/sites/{SECOND_SITE}/data/sessions/{id}"), Some(SECOND_ADMIN), None);
    assert_eq!(export(&closed.session_id).status, 200, "kept until the period passes");
    let closed_at = Instant::now();
    wait_for("the closed conversation erased", 40, || export(&closed.session_id).status == 404);
    assert!(closed_at.elapsed() >= Duration::from_secs(2), "not before its time");
    assert_eq!(export(&open.session_id).status, 200, "an open conversation is kept");
}
