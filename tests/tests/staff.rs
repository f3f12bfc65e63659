//! Conversations the staff start, through the real edge: site API keys
//! (ADMIN-made, shown once, refused from a browser, revocable), a
//! backend opening an order conversation with a verified customer (active,
//! owned, the bot silent), and the customer finding it with their
//! identity token.

use porchlight_protocol::identity::Conversations;
use porchlight_protocol::staff::{ApiKeyList, CreatedApiKey, StartedConversation};
use porchlight_protocol::{Author, SessionCreated, SessionFrame, Status, VisitorFrame};
use porchlight_tests::*;
use serde_json::json;
use std::time::Duration;

fn code(a: &Answer) -> (u16, Option<&str>) {
    (a.status, a.body["error"]["code"].as_str())
}

fn keys_path() -> String {
    format!("/api/v1/sites/{SITE}/api-keys")
}

fn start_path() -> String {
    format!("/api/v1/sites/{SITE}/conversations")
}

/// A new API key of the demo site, made by Ava (ADMIN).
fn new_key(agent: Option<&str>) -> CreatedApiKey {
    let a = call("POST", &keys_path(), Some(AVA), Some(&json!({"name": unique("Order system"), "agent_id": agent}).to_string()));
    assert_eq!(a.status, 201, "{}", a.body);
    serde_json::from_value(a.body).unwrap()
}

fn start_with(key: &str, origin: Option<&str>, body: serde_json::Value) -> Answer {
    post(&start_path(), origin, Some(key), &body.to_string())
}

#[test]
fn api_keys_are_made_by_admins_shown_once_and_revoked() {
    let body = json!({"name": "Orders"}).to_string();
    assert_eq!(code(&call("POST", &keys_path(), Some(BEN), Some(&body))), (403, Some("forbidden")), "Ben is not an ADMIN");
    assert_eq!(code(&call("POST", &keys_path(), None, Some(&body))), (401, Some("unauthorized")));
    let bad = call("POST", &keys_path(), Some(AVA), Some(&json!({"name": "Orders", "agent_id": "nobody"}).to_string()));
    assert_eq!(code(&bad), (422, Some("bad_frame")), "{}", bad.body);
    assert_eq!(code(&call("POST", &keys_path(), Some(AVA), Some(&json!({"name": " "}).to_string()))), (422, Some("bad_frame")));

    let created = new_key(Some("ava"));
    assert!(created.key.starts_with(&format!("plk_{SITE}_")), "{}", created.key);
    let listed = call("GET", &keys_path(), Some(AVA), None);
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(!listed.body.to_string().contains(&created.key), "the list never shows a key");
    let list: ApiKeyList = serde_json::from_value(listed.body).unwrap();
    let mine = list.api_keys.iter().find(|k| k.id == created.api_key.id).expect("listed");
    assert_eq!(mine.agent_id.as_ref().map(|a| a.as_str()), Some("ava"));

    let user = unique("revoked-user");
    let body = json!({"user_id": user, "order_ref": "CK-1", "message": "Hello"});
    assert_eq!(start_with(&created.key, None, body.clone()).status, 201);
    let gone = call("DELETE", &format!("{}/{}", keys_path(), created.api_key.id), Some(AVA), None);
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert_eq!(code(&start_with(&created.key, None, body)), (401, Some("unauthorized")), "a revoked key opens nothing");
    assert_eq!(call("DELETE", &format!("{}/{}", keys_path(), created.api_key.id), Some(AVA), None).status, 404);
}

#[test]
fn a_backend_starts_an_order_conversation_that_the_customer_finds() {
    let key = new_key(Some("ava")).key;
    let user = unique("order-customer");
    let marker = unique("out-for-delivery");
    let body = json!({"user_id": user, "name": "Olive Order", "email": "olive@example.com", "order_ref": "CK-1042",
        "message": format!("Your order CK-1042 is delayed by a day, sorry! {marker}")});

    // Server to server only; a wrong key, another site's key or no key: 401.
    assert_eq!(code(&start_with(&key, Some(&demo_origin()), body.clone())), (403, Some("forbidden_origin")));
    let wrong = format!("plk_{SITE}_{}", "0".repeat(48));
    assert_eq!(code(&start_with(&wrong, None, body.clone())), (401, Some("unauthorized")));
    assert_eq!(code(&start_with("plk_not-a-key", None, body.clone())), (401, Some("unauthorized")));
    assert_eq!(code(&post(&start_path(), None, None, &body.to_string())), (401, Some("unauthorized")));
    let mut no_order = body.clone();
    no_order["order_ref"] = "".into();
    assert_eq!(code(&start_with(&key, None, no_order)), (422, Some("invalid_context")));
    let mut no_text = body.clone();
    no_text["message"] = "  ".into();
    assert_eq!(code(&start_with(&key, None, no_text)), (422, Some("message_empty")));

    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let a = start_with(&key, None, body);
    assert_eq!(a.status, 201, "{}", a.body);
    let started: StartedConversation = serde_json::from_value(a.body).unwrap();

    // The queue: active, Ava's, about the order, with the customer verified.
    let summary = queue.queue_until("Olive Order", |s| s.id == started.session_id);
    assert_eq!(summary.status, Status::Active);
    assert_eq!(summary.agent.as_ref().map(|a| a.id.as_str()), Some("ava"));
    assert_eq!(summary.order_ref.as_deref(), Some("CK-1042"));
    assert!(summary.visitor.verified && summary.visitor.user_id.as_deref() == Some(user.as_str()), "{:?}", summary.visitor);

    // The customer, signed in on the site, finds it with their identity token.
    let identity = identity_token(DEMO_IDENTITY_SECRET, json!({"sub": user}));
    let list = post(
        &format!("/api/v1/sites/{SITE}/identity/conversations"),
        Some(&demo_origin()),
        None,
        &json!({"identity": identity}).to_string(),
    );
    assert_eq!(list.status, 200, "{}", list.body);
    let list: Conversations = serde_json::from_value(list.body).unwrap();
    let found = list.conversations.iter().find(|c| c.session_id == started.session_id).expect("listed for the customer");
    assert_eq!(found.status, Status::Active);
    assert!(found.preview.contains(&marker), "{}", found.preview);

    // Their token opens it: the agent's message first, and the bot never answers.
    let session = SessionCreated { session_id: started.session_id.clone(), token: found.token.clone() };
    let mut customer = Ws::visitor(&session);
    customer.send(&VisitorFrame::Hello { token: found.token.clone(), last_seq: Default::default(), identity: Some(identity) });
    match customer.recv::<SessionFrame>() {
        SessionFrame::Welcome { session, messages, .. } => {
            assert_eq!(session.status, Status::Active);
            let first = messages.first().expect("the agent's message");
            assert!(matches!(&first.author, Author::Agent { id, .. } if id.as_str() == "ava"), "{first:?}");
            assert!(first.text.contains(&marker));
        }
        other => panic!("expected welcome, got {other:?}"),
    }
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    customer.send(&VisitorFrame::send(client_id("o1"), "Thanks, no problem"));
    let (reply, _) = ava.recv_until::<SessionFrame>(
        "the customer's reply",
        |f| matches!(f, SessionFrame::Message { message } if matches!(message.author, Author::Visitor { .. })),
    );
    assert!(matches!(reply, SessionFrame::Message { .. }));
    let bot = ava.try_recv::<SessionFrame>(Duration::from_secs(2));
    assert!(
        !matches!(&bot, Some(SessionFrame::Message { message }) if message.author == Author::Bot),
        "the bot stays out of a staff conversation: {bot:?}"
    );
}

#[test]
fn a_key_without_an_agent_starts_unassigned_and_an_agent_can_start_from_the_console() {
    let key = new_key(None).key;
    let user = unique("team-customer");
    let mut queue = Ws::queue();
    queue.queue_hello(BEN);
    let a = start_with(&key, None, json!({"user_id": user, "order_ref": "CK-2001", "message": "About your order"}));
    assert_eq!(a.status, 201, "{}", a.body);
    let started: StartedConversation = serde_json::from_value(a.body).unwrap();
    let summary = queue.queue_until("Customer", |s| s.id == started.session_id);
    assert_eq!((summary.status, summary.agent.clone()), (Status::Waiting, None), "unassigned, with a person");
    assert!(summary.handed_off);

    // An agent's own token (no Origin: a script; the console sends its own origin).
    let body = json!({"user_id": unique("ben-customer"), "name": "Bea", "order_ref": "CK-2002", "message": "Hi Bea"});
    let by_ben = post(&start_path(), None, Some(BEN), &body.to_string());
    assert_eq!(by_ben.status, 201, "{}", by_ben.body);
    let started: StartedConversation = serde_json::from_value(by_ben.body).unwrap();
    let summary = queue.queue_until("Bea", |s| s.id == started.session_id);
    assert_eq!(summary.agent.as_ref().map(|a| a.id.as_str()), Some("ben"));
    let foreign = post(&start_path(), Some("https://evil.example"), Some(BEN), &body.to_string());
    assert_eq!(code(&foreign), (403, Some("forbidden_origin")));
}

/// An order conversation started by a fresh key, and the customer's socket on it.
fn order_conversation(order: &str) -> (String, SessionCreated, Ws) {
    let key = new_key(Some("ava")).key;
    let user = unique("card-customer");
    let a = start_with(&key, None, json!({"user_id": user, "order_ref": order, "message": "We're on it"}));
    assert_eq!(a.status, 201, "{}", a.body);
    let started: StartedConversation = serde_json::from_value(a.body).unwrap();
    let identity = identity_token(DEMO_IDENTITY_SECRET, json!({"sub": user}));
    let list = post(
        &format!("/api/v1/sites/{SITE}/identity/conversations"),
        Some(&demo_origin()),
        None,
        &json!({"identity": identity}).to_string(),
    );
    let list: Conversations = serde_json::from_value(list.body).unwrap();
    let token = list.conversations.iter().find(|c| c.session_id == started.session_id).expect("listed").token.clone();
    let session = SessionCreated { session_id: started.session_id, token };
    let mut customer = Ws::visitor(&session);
    customer.send(&VisitorFrame::Hello { token: session.token.clone(), last_seq: Default::default(), identity: Some(identity) });
    assert!(matches!(customer.recv::<SessionFrame>(), SessionFrame::Welcome { .. }));
    (key, session, customer)
}

#[test]
fn order_cards_arrive_and_update_in_place() {
    let (key, session, mut customer) = order_conversation("CK-1042");
    let path = format!("/api/v1/sites/{SITE}/sessions/{}/events", session.session_id);
    let card = |status: &str| {
        json!({"kind": "order", "order": {"order_id": "CK-1042", "status": status, "items": 3, "total": "€24.50",
            "url": "https://shop.example/orders/1042"}})
    };
    let first = post(&path, None, Some(&key), &card("Out for delivery").to_string());
    assert_eq!(first.status, 201, "{}", first.body);
    let seq = first.body["seq"].as_u64().unwrap();
    let (frame, _) =
        customer.recv_until::<SessionFrame>("the card", |f| matches!(f, SessionFrame::Message { message } if message.card.is_some()));
    let SessionFrame::Message { message } = frame else { unreachable!() };
    assert_eq!(message.seq.0, seq);
    assert_eq!(message.author, Author::System);
    assert_eq!(message.text, "Order CK-1042: Out for delivery");
    assert_eq!(message.card.as_ref().map(|c| c.status.as_str()), Some("Out for delivery"));

    // The same order again: the same message, changed in place.
    let second = post(&path, None, Some(&key), &card("Delivered").to_string());
    assert_eq!((second.status, second.body["updated"].as_bool()), (200, Some(true)), "{}", second.body);
    assert_eq!(second.body["seq"].as_u64(), Some(seq));
    let (frame, _) = customer.recv_until::<SessionFrame>("the update", |f| matches!(f, SessionFrame::Updated { .. }));
    let SessionFrame::Updated { message } = frame else { unreachable!() };
    assert_eq!((message.seq.0, message.card.as_ref().map(|c| c.status.as_str())), (seq, Some("Delivered")));
    let again = post(&path, None, Some(&key), &card("Delivered").to_string());
    assert_eq!((again.status, again.body["updated"].as_bool()), (200, Some(false)), "a retried call changes nothing");

    // A line of text from the site.
    let line = post(&path, None, Some(&key), &json!({"kind": "system", "text": "Your refund was issued"}).to_string());
    assert_eq!(line.status, 201, "{}", line.body);

    // An agent opening it sees one card, with the newest status.
    let mut ava = Ws::agent_session(&session);
    match ava.agent_hello(AVA) {
        SessionFrame::Welcome { messages, .. } => {
            let cards: Vec<_> = messages.iter().filter_map(|m| m.card.as_ref()).collect();
            assert_eq!(cards.len(), 1, "{messages:?}");
            assert_eq!(cards[0].status, "Delivered");
            assert!(messages.iter().any(|m| m.text == "Your refund was issued" && m.author == Author::System));
        }
        other => panic!("expected welcome, got {other:?}"),
    }

    // Refusals: a browser, a link that is not the web, an unknown session, no key.
    assert_eq!(code(&post(&path, Some(&demo_origin()), Some(&key), &card("x").to_string())), (403, Some("forbidden_origin")));
    let mut bad = card("x");
    bad["order"]["url"] = "javascript:alert(1)".into();
    assert_eq!(code(&post(&path, None, Some(&key), &bad.to_string())), (422, Some("bad_frame")));
    let nowhere = format!("/api/v1/sites/{SITE}/sessions/{}/events", "0".repeat(32));
    assert_eq!(code(&post(&nowhere, None, Some(&key), &card("x").to_string())), (404, Some("not_found")));
    assert_eq!(code(&post(&path, None, Some(AVA), &card("x").to_string())), (401, Some("unauthorized")), "events take a site API key");
}

#[test]
fn a_conversation_whose_ticket_is_closed_takes_no_more_messages() {
    use porchlight_protocol::{AgentFrame, ErrorCode};
    let (_key, session, mut customer) = order_conversation("CK-3003");
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::CreateTicket { close: false });
    let (frame, _) = ava.recv_until::<SessionFrame>("the ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket } = frame else { unreachable!() };
    assert!(!ticket.closed);

    // Any agent closes it; closing again is harmless.
    let path = format!("/api/v1/sites/{SITE}/tickets/{}/close", ticket.number);
    let closed = call("POST", &path, Some(BEN), None);
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert!(closed.body["closed_at"].as_u64().is_some(), "{}", closed.body);
    assert_eq!(call("POST", &path, Some(BEN), None).status, 200);
    assert_eq!(code(&call("POST", &path, None, None)), (401, Some("unauthorized")));

    // Everyone hears it: the link says closed, a notice says who.
    let (frame, seen) =
        customer.recv_until::<SessionFrame>("the closed ticket", |f| matches!(f, SessionFrame::Ticket { ticket } if ticket.closed));
    assert!(matches!(frame, SessionFrame::Ticket { .. }));
    assert!(
        seen.iter().any(
            |f| matches!(f, SessionFrame::Message { message } if message.text == format!("Ticket #{} was closed by Ben.", ticket.number))
        ),
        "{seen:?}"
    );

    // The customer's and the agent's sends are refused with the notice; nothing is stored.
    let refused = |ws: &mut Ws| {
        let (frame, _) = ws.recv_until::<SessionFrame>("the refusal", |f| matches!(f, SessionFrame::Error { .. }));
        match frame {
            SessionFrame::Error { code, message, .. } => (code, message),
            _ => unreachable!(),
        }
    };
    customer.send(&VisitorFrame::send(client_id("tc1"), "One more thing"));
    assert_eq!(refused(&mut customer), (ErrorCode::TicketClosed, porchlight_protocol::ticket::TICKET_CLOSED.to_owned()));
    ava.send(&AgentFrame::send(client_id("tc2"), "Anything else?"));
    assert_eq!(refused(&mut ava).0, ErrorCode::TicketClosed);
    let reply =
        call("POST", &format!("/api/v1/sites/{SITE}/tickets/{}/replies", ticket.number), Some(AVA), Some(r#"{"text":"Late reply"}"#));
    assert_eq!(code(&reply), (409, Some("ticket_closed")), "{}", reply.body);
    let mut again = Ws::visitor(&session);
    match again.visitor_hello(&session.token) {
        SessionFrame::Welcome { session, messages, .. } => {
            assert!(session.ticket.is_some_and(|t| t.closed));
            assert!(!messages.iter().any(|m| m.text == "One more thing" || m.text == "Anything else?"));
        }
        other => panic!("expected welcome, got {other:?}"),
    }
}
