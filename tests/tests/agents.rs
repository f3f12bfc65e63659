//! Agents working the queue through the real edge: the accept race with
//! ten agents, release and transfer, who closed and when, typing both
//! ways, presence, and search by name, email or any message.

use porchlight_protocol::{
    AgentFrame, AgentId, Author, ClosedBy, ErrorCode, Participant, Presence, QueueClientFrame, QueueFrame, SessionFrame, SessionId, Status,
    VisitorFrame,
};
use porchlight_tests::*;

#[test]
fn ten_agents_race_to_accept_and_exactly_one_wins_every_time() {
    for round in 0..5 {
        let session = waiting_session(&unique(&format!("Race{round}")));
        let tokens: Vec<String> = [AVA.to_owned(), BEN.to_owned()].into_iter().chain((1..=8).map(race_agent_token)).collect();
        let mut agents: Vec<Ws> = tokens
            .iter()
            .map(|t| {
                let mut ws = Ws::agent_session(&session);
                assert!(matches!(ws.agent_hello(t), SessionFrame::Welcome { .. }));
                ws
            })
            .collect();
        // All ten fire before anyone reads an answer.
        for ws in agents.iter_mut() {
            ws.send(&AgentFrame::Accept);
        }
        let ids: Vec<String> = ["ava".to_owned(), "ben".to_owned()].into_iter().chain((1..=8).map(|n| format!("agent-{n}"))).collect();
        let mut winners = Vec::new();
        let mut refused = 0;
        for (ws, me) in agents.iter_mut().zip(&ids) {
            // Each waits for its own outcome: a refusal, or ACTIVE naming itself.
            let (frame, _) = ws.recv_until::<SessionFrame>("accept outcome", |f| match f {
                SessionFrame::Error { .. } => true,
                SessionFrame::Status { status: Status::Active, agent: Some(a), .. } => a.id.as_str() == me,
                _ => false,
            });
            match frame {
                SessionFrame::Error { code: ErrorCode::AlreadyAccepted, .. } => refused += 1,
                SessionFrame::Status { .. } => winners.push(me.clone()),
                other => panic!("round {round}: unexpected {other:?}"),
            }
        }
        assert_eq!((winners.len(), refused), (1, 9), "round {round}: one winner, nine refusals: {winners:?}");
    }
}

#[test]
fn release_transfer_and_close_record_who_and_when() {
    let Scene { name, mut queue, session, mut visitor, mut ava } = scene("Rel");
    let mut ben = Ws::agent_session(&session);
    ben.agent_hello(BEN);

    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);

    // Only the owner may release or transfer.
    ben.send(&AgentFrame::Release);
    assert_eq!(error_of(&mut ben), ErrorCode::NotAssigned);
    ava.send(&AgentFrame::Transfer { to: AgentId("nobody".into()) });
    assert_eq!(error_of(&mut ava), ErrorCode::NotFound);

    // Transfer: Ben owns it; Ava can no longer write.
    ava.send(&AgentFrame::Transfer { to: AgentId("ben".into()) });
    system_text(&mut visitor, "Ava transferred the conversation to Ben");
    let active = status_is(&mut visitor, Status::Active);
    assert!(matches!(active, SessionFrame::Status { agent: Some(ref a), .. } if a.name == "Ben"), "{active:?}");
    queue.queue_until(&name, |s| s.agent.as_ref().is_some_and(|a| a.name == "Ben"));
    ava.send(&AgentFrame::send(client_id("late"), "still me?"));
    assert_eq!(error_of(&mut ava), ErrorCode::NotAssigned);

    // Release: back to the queue, waiting again, with a place in line.
    ben.send(&AgentFrame::Release);
    system_text(&mut visitor, "Ben released the conversation to the queue");
    status_is(&mut visitor, Status::Waiting);
    visitor.recv_until::<SessionFrame>("queue position", |f| matches!(f, SessionFrame::Queue { .. }));
    let waiting = queue.queue_until(&name, |s| s.status == Status::Waiting);
    assert!(waiting.agent.is_none());

    // Anyone may take it again; closing records who and when.
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    ava.send(&AgentFrame::Close);
    let closed = status_is(&mut visitor, Status::Closed);
    assert!(matches!(closed, SessionFrame::Status { closed_by: Some(ClosedBy::Agent), .. }), "{closed:?}");
    let summary = queue.queue_until(&name, |s| s.status == Status::Closed);
    assert_eq!(summary.closer.map(|a| a.name).as_deref(), Some("Ava"));
    assert!(summary.closed_at.is_some_and(|t| t >= summary.created_at));
}

#[test]
fn typing_is_relayed_both_ways_and_never_stored() {
    let session = waiting_session(&unique("Typ"));
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);

    visitor.send(&VisitorFrame::Typing { typing: true });
    ava.recv_until::<SessionFrame>("visitor typing", |f| matches!(f, SessionFrame::Typing { who: Participant::Visitor, typing: true }));
    ava.send(&AgentFrame::Typing { typing: true });
    visitor.recv_until::<SessionFrame>(
        "agent typing",
        |f| matches!(f, SessionFrame::Typing { who: Participant::Agent { name, .. }, typing: true } if name == "Ava"),
    );
    // A visitor who leaves stops typing, as far as the agent knows.
    visitor.send(&VisitorFrame::Typing { typing: true });
    drop(visitor);
    ava.recv_until::<SessionFrame>("typing stopped on leave", |f| {
        matches!(f, SessionFrame::Typing { who: Participant::Visitor, typing: false })
    });
    // Nothing was stored: the log holds only the handoff and join notices.
    let mut again = Ws::visitor(&session);
    match again.visitor_hello(&session.token) {
        SessionFrame::Welcome { messages, .. } => assert!(messages.iter().all(|m| m.author == Author::System), "{messages:?}"),
        other => panic!("{other:?}"),
    }
}

fn presence_of(queue: &mut Ws, agent: &str, want: Presence) {
    queue.recv_until::<QueueFrame>(
        &format!("{agent} {want:?}"),
        |f| matches!(f, QueueFrame::Presence { agents } if agents.iter().any(|p| p.agent.id.as_str() == agent && p.status == want)),
    );
}

#[test]
fn presence_shows_online_away_and_offline() {
    let mut ava = Ws::queue();
    assert!(matches!(ava.queue_hello(AVA), QueueFrame::Snapshot { .. }));
    // The roster lists every agent of the site, signed in or not.
    match ava.recv_until::<QueueFrame>("roster", |f| matches!(f, QueueFrame::Presence { .. })).0 {
        QueueFrame::Presence { agents } => {
            assert!(agents.iter().any(|p| p.agent.id.as_str() == "ava" && p.status == Presence::Online), "{agents:?}");
            assert!(agents.iter().any(|p| p.agent.id.as_str() == "agent-8" && p.status == Presence::Offline), "{agents:?}");
        }
        _ => unreachable!(),
    }

    let mut ben = Ws::queue();
    ben.queue_hello(BEN);
    presence_of(&mut ava, "ben", Presence::Online);
    ben.send(&QueueClientFrame::Presence { status: Presence::Away });
    presence_of(&mut ava, "ben", Presence::Away);
    drop(ben);
    presence_of(&mut ava, "ben", Presence::Offline);
}

#[test]
fn search_finds_sessions_by_name_email_or_any_message() {
    let name = unique("Searchable");
    // Sign in first, so the upserts below are seen live.
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let session = waiting_session(&name);
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    let marker = unique("zebra").replace('-', "");
    visitor.send(&VisitorFrame::send(client_id("s1"), format!("my order {marker} is 100% late_")));
    visitor.send(&VisitorFrame::send(client_id("s2"), "and another thing"));
    queue.queue_until(&name, |s| s.message_count >= 2);

    let search = |queue: &mut Ws, q: &str| -> Vec<SessionId> {
        queue.send(&QueueClientFrame::Search { query: q.into() });
        match queue.recv_until::<QueueFrame>("found", |f| matches!(f, QueueFrame::Found { query, .. } if query == q)).0 {
            QueueFrame::Found { ids, .. } => ids,
            _ => unreachable!(),
        }
    };
    // An earlier message (no longer the preview), case-insensitive.
    assert!(search(&mut queue, &marker.to_uppercase()).contains(&session.session_id));
    assert!(search(&mut queue, &name.to_lowercase()).contains(&session.session_id));
    let email_part = name.chars().filter(char::is_ascii_alphanumeric).collect::<String>();
    assert!(search(&mut queue, &format!("{email_part}@example.com")).contains(&session.session_id));
    // LIKE wildcards are literal.
    assert!(search(&mut queue, &format!("{marker} is 100%")).contains(&session.session_id));
    assert!(!search(&mut queue, &format!("{marker}%late")).contains(&session.session_id), "% is not a wildcard");
    assert!(search(&mut queue, "no such words anywhere qqq").is_empty());
    queue.send(&QueueClientFrame::Search { query: "x".repeat(201) });
    assert!(matches!(
        queue.recv_until::<QueueFrame>("refusal", |f| matches!(f, QueueFrame::Error { .. })).0,
        QueueFrame::Error { code: ErrorCode::MessageTooLong, .. }
    ));
}

#[test]
fn receipts_reach_seen_and_drive_unread_counts() {
    use porchlight_protocol::{inbox, Marks, Seq};
    let name = unique("Rcpt");
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let session = waiting_session(&name);
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    visitor.send(&VisitorFrame::send(client_id("r1"), "first"));
    visitor.send(&VisitorFrame::send(client_id("r2"), "second"));
    let s = queue.queue_until(&name, |s| s.visitor_messages == 2);
    let ava_id = AgentId("ava".into());
    assert_eq!(inbox::unread(&s, &ava_id), 2, "Ava has not opened it");

    // Ava's console holds and shows everything (seq 3: notice, first, second).
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::Receipt { marks: Marks { delivered: Seq(999), seen: Seq(999) } });
    let (frame, _) = visitor.recv_until::<SessionFrame>("receipts", |f| matches!(f, SessionFrame::Receipts { .. }));
    match frame {
        SessionFrame::Receipts { receipts } => {
            assert_eq!(receipts.agents, Marks { delivered: Seq(3), seen: Seq(3) }, "clamped to the log")
        }
        _ => unreachable!(),
    }
    let s = queue.queue_until(&name, |s| s.unread.get(&ava_id) == Some(&0));
    assert_eq!(inbox::unread(&s, &AgentId("ben".into())), 2, "per agent");

    visitor.send(&VisitorFrame::send(client_id("r3"), "third"));
    queue.queue_until(&name, |s| s.unread.get(&ava_id) == Some(&1));

    // The visitor's receipts reach the agent; they never go back.
    visitor.send(&VisitorFrame::Receipt { marks: Marks { delivered: Seq(4), seen: Seq(4) } });
    ava.recv_until::<SessionFrame>("visitor seen", |f| matches!(f, SessionFrame::Receipts { receipts } if receipts.visitor.seen == Seq(4)));
    visitor.send(&VisitorFrame::Receipt { marks: Marks { delivered: Seq(1), seen: Seq(1) } });
    let mut again = Ws::agent_session(&session);
    match again.agent_hello(BEN) {
        SessionFrame::Welcome { session, .. } => assert_eq!(session.receipts.visitor.seen, Seq(4)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn internal_notes_reach_agents_and_never_the_visitor() {
    let Scene { name, mut queue, session, mut visitor, mut ava } = scene("Note");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);

    // Ben does not own the session, but may leave a note for the team.
    let mut ben = Ws::agent_session(&session);
    ben.agent_hello(BEN);
    let secret = "VIP customer: approve the refund without asking";
    ben.send(&AgentFrame::Note { client_id: client_id("n1"), text: secret.into() });
    ben.recv_until::<SessionFrame>("note ack", |f| matches!(f, SessionFrame::Ack { .. }));
    let (note, _) =
        ava.recv_until::<SessionFrame>("the note", |f| matches!(f, SessionFrame::Message { message } if message.text == secret));
    assert!(matches!(note, SessionFrame::Message { ref message } if message.internal), "{note:?}");

    // The visitor's next frames: their own message, and nothing of the note.
    visitor.send(&VisitorFrame::send(client_id("v1"), "hello?"));
    let (_, skipped) =
        visitor.recv_until::<SessionFrame>("own message", |f| matches!(f, SessionFrame::Message { message } if message.text == "hello?"));
    assert!(!format!("{skipped:?}").contains("VIP"), "the note leaked live: {skipped:?}");
    let mut again = Ws::visitor(&session);
    match again.visitor_hello(&session.token) {
        SessionFrame::Welcome { messages, .. } => {
            assert!(messages.iter().all(|m| !m.internal && m.text != secret), "the note leaked on resume")
        }
        other => panic!("{other:?}"),
    }
    let mut agent_again = Ws::agent_session(&session);
    match agent_again.agent_hello(AVA) {
        SessionFrame::Welcome { messages, .. } => assert!(messages.iter().any(|m| m.internal && m.text == secret)),
        other => panic!("{other:?}"),
    }
    // Notes are not counted as conversation, but they are searchable by agents.
    let summary = queue.queue_until(&name, |s| s.last_message.as_deref() == Some("hello?"));
    assert_eq!(summary.message_count, 1);
    queue.send(&QueueClientFrame::Search { query: "approve the refund".into() });
    let (found, _) = queue.recv_until::<QueueFrame>("found", |f| matches!(f, QueueFrame::Found { .. }));
    assert!(matches!(found, QueueFrame::Found { ref ids, .. } if ids.contains(&session.session_id)));

    ava.send(&AgentFrame::Close);
    status_is(&mut visitor, Status::Closed);
    ben.send(&AgentFrame::Note { client_id: client_id("n2"), text: "too late".into() });
    assert_eq!(error_of(&mut ben), ErrorCode::SessionClosed);
}

#[test]
fn host_page_context_reaches_agents_and_finds_the_conversation_by_order() {
    use porchlight_protocol::{SessionCreated, VisitorContext};
    let path = format!("/api/v1/sites/{SITE}/sessions");
    let refused = post(&path, Some(&demo_origin()), None, r#"{"name":"Jo","context":{"page_url":"javascript:alert(1)"}}"#);
    assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (422, Some("invalid_context")), "{}", refused.body);

    let name = unique("Ctx");
    let order = unique("CK").replace('-', "");
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let body = serde_json::json!({"name": name, "context": {"page_url": "https://shop.example/orders", "order_ref": order,
        "attributes": {"Loyalty points": "120"}}});
    let created = post(&path, Some(&demo_origin()), None, &body.to_string());
    assert_eq!(created.status, 201, "{}", created.body);
    let session: SessionCreated = serde_json::from_value(created.body).unwrap();
    let summary = queue.queue_until(&name, |_| true);
    assert_eq!(summary.order_ref.as_deref(), Some(order.as_str()));

    let mut ava = Ws::agent_session(&session);
    match ava.agent_hello(AVA) {
        SessionFrame::Welcome { session, .. } => {
            assert_eq!(session.context.page_url.as_deref(), Some("https://shop.example/orders"));
            assert_eq!(session.context.attributes.get("Loyalty points").map(String::as_str), Some("120"));
        }
        other => panic!("{other:?}"),
    }
    // The page moves on and attaches more; agents see it live.
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    let later = VisitorContext {
        page_url: Some("https://shop.example/checkout".into()),
        order_ref: Some(order.clone()),
        attributes: [("Plan".to_owned(), "Monthly beans".to_owned())].into(),
    };
    visitor.send(&VisitorFrame::Context { context: later.clone() });
    let (frame, _) = ava.recv_until::<SessionFrame>("context", |f| matches!(f, SessionFrame::Context { .. }));
    assert!(matches!(frame, SessionFrame::Context { ref context } if *context == later), "{frame:?}");
    visitor.send(&VisitorFrame::Context { context: VisitorContext { order_ref: Some("x".repeat(101)), ..Default::default() } });
    assert_eq!(error_of(&mut visitor), ErrorCode::InvalidContext);

    // Found again from the order.
    queue.send(&QueueClientFrame::Search { query: order.to_lowercase() });
    let (found, _) = queue.recv_until::<QueueFrame>("found", |f| matches!(f, QueueFrame::Found { .. }));
    assert!(matches!(found, QueueFrame::Found { ref ids, .. } if ids.contains(&session.session_id)), "{found:?}");
}

#[test]
fn an_agent_exports_the_whole_transcript_as_json() {
    use porchlight_protocol::TranscriptExport;
    let Scene { session, mut visitor, mut ava, .. } = scene("Export");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    visitor.send(&VisitorFrame::send(client_id("e1"), "Is <b>decaf</b> available?"));
    ava.send(&AgentFrame::Note { client_id: client_id("n1"), text: "check stock".into() });
    ava.recv_until::<SessionFrame>("note ack", |f| matches!(f, SessionFrame::Ack { .. }));

    let url = format!("{}/api/v1/sites/{SITE}/sessions/{}/transcript", edge(), session.session_id);
    let refused = match ureq::get(&url).call() {
        Err(ureq::Error::Status(code, r)) => (code, r.into_json::<serde_json::Value>().unwrap_or_default()),
        other => panic!("expected 401, got {:?}", other.map(|r| r.status())),
    };
    assert_eq!((refused.0, refused.1["error"]["code"].as_str()), (401, Some("unauthorized")));

    let resp = ureq::get(&url).set("authorization", &format!("Bearer {BEN}")).call().expect("export");
    assert!(resp.header("content-disposition").unwrap_or_default().contains("attachment"));
    let export: TranscriptExport = resp.into_json().expect("transcript json");
    assert_eq!(export.session.id, session.session_id);
    let seqs: Vec<u64> = export.messages.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "the whole log, in order");
    assert!(export.messages.iter().any(|m| m.text == "Is <b>decaf</b> available?"));
    assert!(export.messages.iter().any(|m| m.internal && m.text == "check stock"), "notes are part of the record");

    let missing = format!("{}/api/v1/sites/{SITE}/sessions/{}/transcript", edge(), "0".repeat(32));
    match ureq::get(&missing).set("authorization", &format!("Bearer {AVA}")).call() {
        Err(ureq::Error::Status(404, _)) => {}
        other => panic!("expected 404, got {:?}", other.map(|r| r.status())),
    }
}

#[test]
fn an_invited_agent_joins_the_conversation_and_everyone_sees_everything() {
    let Scene { name, mut queue, session, mut visitor, mut ava } = scene("Invite");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    let mut ben = Ws::agent_session(&session);
    ben.agent_hello(BEN);
    ben.send(&AgentFrame::send(client_id("b0"), "may I?"));
    assert_eq!(error_of(&mut ben), ErrorCode::NotAssigned, "not before being invited");

    ava.send(&AgentFrame::Invite { agent: AgentId("ben".into()) });
    system_text(&mut visitor, "Ava invited Ben to the conversation");
    let (frame, _) = ben.recv_until::<SessionFrame>(
        "participants",
        |f| matches!(f, SessionFrame::Status { participants, .. } if participants.iter().any(|p| p.id.as_str() == "ben")),
    );
    assert!(matches!(frame, SessionFrame::Status { agent: Some(ref a), .. } if a.id.as_str() == "ava"), "Ava still owns it");
    queue.queue_until(&name, |s| s.participants.iter().any(|p| p.id.as_str() == "ben"));

    // Ben writes; the visitor and Ava see it. The visitor writes; both agents see it.
    ben.send(&AgentFrame::send(client_id("b1"), "Hi, Ben from billing here."));
    for ws in [&mut visitor, &mut ava] {
        ws.recv_until::<SessionFrame>(
            "Ben's message",
            |f| matches!(f, SessionFrame::Message { message } if message.text == "Hi, Ben from billing here."),
        );
    }
    visitor.send(&VisitorFrame::send(client_id("v1"), "Thanks both!"));
    for ws in [&mut ben, &mut ava] {
        ws.recv_until::<SessionFrame>(
            "the visitor's message",
            |f| matches!(f, SessionFrame::Message { message } if message.text == "Thanks both!"),
        );
    }
    // The owner still decides: Ben cannot close or release it.
    ben.send(&AgentFrame::Close);
    assert_eq!(error_of(&mut ben), ErrorCode::NotAssigned);
    ben.send(&AgentFrame::Invite { agent: AgentId("nobody".into()) });
    assert_eq!(error_of(&mut ben), ErrorCode::NotFound);
    ava.send(&AgentFrame::Close);
    status_is(&mut visitor, Status::Closed);
}

#[test]
fn admins_create_and_revoke_agents_whose_tokens_work_everywhere_until_revoked() {
    use porchlight_protocol::site::{AccountSource, AgentList, CreatedAgent, Role};
    let path = format!("/api/v1/sites/{SITE}/agents");
    let id = unique("owl").to_ascii_lowercase();
    let body = serde_json::json!({"id": id, "name": "Night Owl", "role": "AGENT"}).to_string();
    let refused = call("POST", &path, Some(BEN), Some(&body));
    assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (403, Some("forbidden")), "only ADMINs manage agents");
    assert_eq!(call("POST", &path, Some(AVA), Some(r#"{"id":"Bad Id","name":"X"}"#)).status, 422);
    assert_eq!(call("POST", &path, Some(AVA), Some(r#"{"id":"ben","name":"Ben again"}"#)).status, 409);

    let created = call("POST", &path, Some(AVA), Some(&body));
    assert_eq!(created.status, 201, "{}", created.body);
    let CreatedAgent { agent, token } = serde_json::from_value(created.body).unwrap();
    assert_eq!((agent.role, agent.source), (Role::Agent, AccountSource::Api));
    assert_eq!(call("POST", &path, Some(AVA), Some(&body)).status, 409, "ids are unique");
    let list: AgentList = serde_json::from_value(call("GET", &path, Some(AVA), None).body).unwrap();
    assert!(list.agents.iter().any(|a| a.id.as_str() == id && a.source == AccountSource::Api));
    assert!(list.agents.iter().any(|a| a.id.as_str() == "ava" && a.source == AccountSource::Config));
    assert!(!call("GET", &path, Some(AVA), None).body.to_string().contains("token"), "tokens are never listed");

    // The new token signs in: console login, the queue (with presence), a session.
    let login = post("/api/v1/agent/login", None, Some(&token), "");
    assert_eq!((login.status, login.body["agent"]["id"].as_str()), (200, Some(id.as_str())), "{}", login.body);
    let mut owl_queue = Ws::queue();
    assert!(matches!(owl_queue.queue_hello(&token), QueueFrame::Snapshot { .. }));
    owl_queue.recv_until::<QueueFrame>("presence with the new agent", |f| {
        matches!(f, QueueFrame::Presence { agents } if agents.iter().any(|p| p.agent.id.as_str() == id && p.status == Presence::Online))
    });
    let Scene { session, mut visitor, mut ava, .. } = scene("Owl");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    ava.send(&AgentFrame::Transfer { to: AgentId(id.clone()) });
    system_text(&mut visitor, "Ava transferred the conversation to Night Owl");
    let mut owl = Ws::agent_session(&session);
    assert!(matches!(owl.agent_hello(&token), SessionFrame::Welcome { .. }));
    owl.send(&AgentFrame::send(client_id("o1"), "Night Owl here."));
    visitor.recv_until::<SessionFrame>(
        "the new agent's reply",
        |f| matches!(f, SessionFrame::Message { message } if message.text == "Night Owl here."),
    );

    // Revoked: the open console is cut off; the token opens nothing any more.
    assert_eq!(call("DELETE", &format!("{path}/ava"), Some(AVA), None).status, 409, "configured agents are changed in SITES");
    assert_eq!(call("DELETE", &format!("{path}/{id}"), Some(AVA), None).status, 204);
    owl_queue.recv_until::<QueueFrame>("the revocation", |f| matches!(f, QueueFrame::Error { code: ErrorCode::Unauthorized, .. }));
    assert!(owl_queue.closed_within(std::time::Duration::from_secs(5)), "the revoked console's socket closes");
    assert_eq!(post("/api/v1/agent/login", None, Some(&token), "").status, 401);
    assert_eq!(call("GET", &format!("/api/v1/sites/{SITE}/tickets"), Some(&token), None).status, 401);
    let mut again = Ws::agent_session(&session);
    assert!(matches!(again.agent_hello(&token), SessionFrame::Error { code: ErrorCode::Unauthorized, .. }));
    assert_eq!(call("DELETE", &format!("{path}/{id}"), Some(AVA), None).status, 404, "already revoked");
}
