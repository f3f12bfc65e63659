//! `/assign` and `/contact` over the real team socket: a visitor's
//! conversation is given to an agent by its id's first digits (the
//! queue's accept and transfer rules: anyone from the queue, the owner or
//! a site ADMIN after that), and a visitor or verified customer is looked
//! up with links to their conversations, answered to the sender only.
//! Commands are never stored as messages.

use porchlight_protocol::team::{ChannelKind, TeamClientFrame, TeamFrame};
use porchlight_protocol::{AgentFrame, ClientMsgId, CreateSession, ErrorCode, Seq, SessionCreated, SessionFrame, Status};
use porchlight_tests::team::{channel_log, Team};
use porchlight_tests::*;
use serde_json::json;
use std::time::Duration;

fn cid(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

/// Types `text` into channel `room` as `team`.
fn run(team: &mut Team, room: &porchlight_protocol::team::ChannelId, id: &str, text: &str) {
    team.send(&TeamClientFrame::Send { channel: room.clone(), client_id: cid(id), text: text.into(), reply_to: None });
}

fn notice(team: &mut Team, what: &str) -> (String, Vec<porchlight_protocol::team::lookup::NoticeLink>) {
    match team.until(what, |f| matches!(f, TeamFrame::Notice { .. } | TeamFrame::Error { .. })) {
        TeamFrame::Notice { text, links, .. } => (text, links),
        other => panic!("{what}: expected a notice, got {other:?}"),
    }
}

fn refusal(team: &mut Team, what: &str) -> (ErrorCode, String, Option<ClientMsgId>) {
    match team.until(what, |f| matches!(f, TeamFrame::Notice { .. } | TeamFrame::Error { .. })) {
        TeamFrame::Error { code, message, client_id, .. } => (code, message, client_id),
        other => panic!("{what}: expected an error, got {other:?}"),
    }
}

/// Who owns `session` now, as its own object says.
fn owner(session: &SessionCreated) -> (Status, Option<String>) {
    let mut ws = Ws::agent_session(session);
    match ws.agent_hello(AVA) {
        SessionFrame::Welcome { session, .. } => (session.status, session.agent.map(|a| a.id.to_string())),
        other => panic!("expected welcome, got {other:?}"),
    }
}

#[test]
fn assign_gives_a_conversation_to_an_agent_by_the_queues_rules() {
    let name = unique("Assignee Visitor");
    let session = waiting_session(&name);
    let short = &session.session_id.as_str()[..10];
    let mut ben = Team::sign_in(BEN);
    let room = ben.create("assigning", ChannelKind::Private);
    ben.open(&room.id, Seq(0));
    let stored = channel_log(BEN, &room.id).1.len();

    // From the queue: anyone assigns it, and the session says who did.
    run(&mut ben, &room.id, "a1", &format!("/assign {short} @ben"));
    let (text, _) = notice(&mut ben, "assigned to Ben");
    assert_eq!(text, format!("Assigned {name}'s conversation ({}) to Ben.", &session.session_id.as_str()[..8]));
    assert_eq!(owner(&session), (Status::Active, Some("ben".into())));
    // Again: nothing changes, and it says so.
    run(&mut ben, &room.id, "a2", &format!("/assign {} ben", session.session_id));
    assert!(notice(&mut ben, "already").0.ends_with("is already with Ben."));
    // The owner hands it on (a transfer)…
    run(&mut ben, &room.id, "a3", &format!("/assign {short} @ava"));
    assert!(notice(&mut ben, "assigned to Ava").0.ends_with("to Ava."));
    assert_eq!(owner(&session).1.as_deref(), Some("ava"));
    // …but it is no longer Ben's to give: refused in place, typed.
    run(&mut ben, &room.id, "a4", &format!("/assign {short} @ben"));
    let (code, message, client_id) = refusal(&mut ben, "not Ben's");
    assert_eq!((code, client_id), (ErrorCode::NotAssigned, Some(cid("a4"))));
    assert!(message.contains("site ADMIN"), "{message}");
    assert_eq!(owner(&session).1.as_deref(), Some("ava"));

    // A site ADMIN reassigns anyone's.
    let mut ava = Team::sign_in(AVA);
    let desk = ava.create("admin-desk", ChannelKind::Private);
    ava.open(&desk.id, Seq(0));
    let stored_desk = channel_log(AVA, &desk.id).1.len();
    run(&mut ava, &desk.id, "b1", &format!("/assign {short} @ben"));
    assert!(notice(&mut ava, "admin assigns").0.ends_with("to Ben."));
    assert_eq!(owner(&session).1.as_deref(), Some("ben"));
    let mut visitor = Ws::visitor(&session);
    let welcome = visitor.visitor_hello(&session.token);
    let SessionFrame::Welcome { messages, .. } = welcome else { panic!("{welcome:?}") };
    assert!(messages.iter().any(|m| m.text == "Ava assigned the conversation to Ben"), "the conversation says who moved it");

    // Typed errors, each with what to type.
    let errors = [
        ("c1", "/assign 0000000000ff @ben".to_owned(), ErrorCode::NotFound, "No conversation's id starts with 0000000000ff."),
        ("c2", format!("/assign {short} @nobody"), ErrorCode::NotFound, "There is no agent @nobody on this site."),
        ("c3", format!("/assign {short}"), ErrorCode::BadCommand, "Usage: /assign"),
        ("c4", "/assign chat-5 @ben".to_owned(), ErrorCode::BadCommand, "hex digits"),
        ("c5", "/asign x".to_owned(), ErrorCode::UnknownCommand, "Did you mean /assign?"),
    ];
    for (id, text, want, says) in errors {
        run(&mut ava, &desk.id, id, &text);
        let (code, message, client_id) = refusal(&mut ava, &text);
        assert_eq!((code, client_id), (want, Some(cid(id))), "{text}: {message}");
        assert!(message.contains(says), "{text}: {message}");
    }
    // Closed: refused, nothing moves.
    let mut owner_ws = Ws::agent_session(&session);
    owner_ws.agent_hello(BEN);
    owner_ws.send(&AgentFrame::Close);
    status_is(&mut owner_ws, Status::Closed);
    run(&mut ava, &desk.id, "d1", &format!("/assign {short} @ava"));
    assert_eq!(refusal(&mut ava, "closed").0, ErrorCode::SessionClosed);
    // Commands are answers, never channel messages.
    assert_eq!(channel_log(AVA, &desk.id).1.len(), stored_desk);
    assert_eq!(channel_log(BEN, &room.id).1.len(), stored);
}

#[test]
fn contact_finds_visitors_and_verified_customers_and_answers_only_the_sender() {
    let user = unique("cust");
    let name = unique("Connie Contact");
    let token = identity_token(DEMO_IDENTITY_SECRET, json!({"sub": user, "name": name, "email": "connie@example.com"}));
    let body = CreateSession { name: "typed".into(), email: None, identity: Some(token), context: Default::default(), locale: None };
    let created = start_session_on(SITE, serde_json::to_value(body).unwrap());
    assert_eq!(created.status, 201, "{}", created.body);
    let verified: SessionCreated = serde_json::from_value(created.body).unwrap();
    let mut v = Ws::visitor(&verified);
    v.visitor_hello(&verified.token);
    v.handoff();
    let second = waiting_session(&name);

    let mut ava = Team::sign_in(AVA);
    let room = ava.create("contacts", ChannelKind::Public);
    ava.open(&room.id, Seq(0));
    let mut ben = Team::sign_in(BEN);
    ben.send(&TeamClientFrame::Join { channel: room.id.clone() });
    ben.open(&room.id, Seq(0));
    let stored = channel_log(AVA, &room.id).1.len();

    // By name: both conversations, newest first, as links to them.
    let wanted = |links: &[porchlight_protocol::team::lookup::NoticeLink]| {
        let mut ids: Vec<String> = links.iter().map(|l| l.session.to_string()).collect();
        ids.sort();
        let mut want = vec![verified.session_id.to_string(), second.session_id.to_string()];
        want.sort();
        ids == want
    };
    let mut by_name = (String::new(), Vec::new());
    for attempt in 0..20 {
        run(&mut ava, &room.id, &format!("n{attempt}"), &format!("/contact {name}"));
        by_name = notice(&mut ava, "contact by name");
        // The queue learns the handoff within its coalescing window: wait for "Waiting" too.
        let waiting = by_name.1.iter().any(|l| l.session == verified.session_id && l.label.contains("Waiting"));
        if wanted(&by_name.1) && waiting {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(wanted(&by_name.1), "{by_name:?}");
    assert_eq!(by_name.0, format!("2 conversations for “{name}”:"));
    let verified_link = by_name.1.iter().find(|l| l.session == verified.session_id).unwrap();
    assert!(verified_link.label.contains(&format!("✓ {user}")) && verified_link.label.contains("Waiting"), "{}", verified_link.label);

    // By verified user id (exactly) and by email (a part of it).
    run(&mut ava, &room.id, "u1", &format!("/contact {}", user.to_uppercase()));
    let (_, links) = notice(&mut ava, "contact by user id");
    assert_eq!(links.iter().map(|l| &l.session).collect::<Vec<_>>(), [&verified.session_id]);
    run(&mut ava, &room.id, "e1", "/contact connie@example");
    assert!(notice(&mut ava, "contact by email").1.iter().any(|l| l.session == verified.session_id));
    // Nobody: said in words, no links.
    run(&mut ava, &room.id, "z1", "/contact nobody-by-this-name-zzz");
    assert_eq!(notice(&mut ava, "no match"), ("No visitor or customer matches “nobody-by-this-name-zzz”.".to_owned(), Vec::new()));
    run(&mut ava, &room.id, "z2", "/contact");
    assert_eq!(refusal(&mut ava, "empty contact").0, ErrorCode::BadCommand);

    // Only Ava heard any of it; the channel holds nothing.
    let heard = ben.drain(Duration::from_millis(800));
    assert!(!heard.iter().any(|f| matches!(f, TeamFrame::Notice { .. } | TeamFrame::Message { .. })), "{heard:?}");
    assert_eq!(channel_log(AVA, &room.id).1.len(), stored);
}
