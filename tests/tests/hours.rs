//! Business hours and messages left outside them, against the real edge:
//! an ADMIN sets a site's hours over the API and the widget config serves
//! them; a visitor's "Leave a message" becomes a ticket at the site's desk
//! (with the transcript), not a waiting chat; and in headless Chromium the
//! widget offers the form while the site is closed.
//!
//! They use the `tea-house` test site (its hours change here), one at a time.

use porchlight_protocol::{QueueFrame, SessionCreated, SessionFrame, Status, VisitorFrame};
use porchlight_tests::receiver::Receiver;
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;
use std::sync::Mutex;
use std::time::Duration;

const HOURS_SITE: &str = "tea-house";
static ONE_SCHEDULE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn hours_path() -> String {
    format!("/api/v1/sites/{HOURS_SITE}/hours")
}

/// Never open (no day in the week): always out of hours, whatever the test's clock.
fn closed_all_week() -> serde_json::Value {
    json!({"time_zone": "America/Los_Angeles", "weekly": {}, "replies_in_minutes": 5})
}

fn set_hours(hours: &serde_json::Value) -> Answer {
    call("PUT", &hours_path(), Some(AVA), Some(&hours.to_string()))
}

fn widget_config() -> serde_json::Value {
    let a = ureq::get(&format!("{}/api/v1/sites/{HOURS_SITE}/widget", edge())).set("origin", &demo_origin()).call().expect("widget config");
    a.into_json().expect("json")
}

fn visitor_session(name: &str) -> SessionCreated {
    let body = json!({"name": name}).to_string();
    let a = post(&format!("/api/v1/sites/{HOURS_SITE}/sessions"), Some(&demo_origin()), None, &body);
    assert_eq!(a.status, 201, "{}", a.body);
    serde_json::from_value(a.body).expect("SessionCreated")
}

#[test]
fn an_admin_sets_business_hours_and_the_widget_config_serves_them() {
    let _turn = ONE_SCHEDULE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    // The demo and test sites are open around the clock by default.
    let a = call("DELETE", &hours_path(), Some(AVA), None);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!((a.body["source"].clone(), a.body["open_now"].clone()), (json!("config"), json!(true)));
    assert_eq!(widget_config().get("hours"), None);

    // Only an ADMIN sets them, and a bad schedule is refused with the reason.
    assert_eq!(call("GET", &hours_path(), None, None).status, 401);
    let a = call("PUT", &hours_path(), Some("demo-agent-ben"), Some(&closed_all_week().to_string()));
    assert_eq!((a.status, a.body["error"]["code"].clone()), (403, json!("forbidden")), "{}", a.body);
    let a = set_hours(&json!({"time_zone": "Mars/Olympus_Mons"}));
    assert_eq!((a.status, a.body["error"]["code"].clone()), (422, json!("invalid_hours")), "{}", a.body);
    assert!(a.body["error"]["message"].as_str().unwrap_or_default().contains("America/Los_Angeles"), "lists the zones: {}", a.body);
    let a = set_hours(&json!({"time_zone": "Europe/Paris", "weekly": {"mon": [{"from": "18:00", "to": "09:00"}]}}));
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(set_hours(&json!({"weekly": {"someday": []}})).status, 400);

    // Out of hours: the answer says so, the widget gets the schedule.
    let a = set_hours(&closed_all_week());
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!((a.body["source"].clone(), a.body["open_now"].clone()), (json!("api"), json!(false)), "{}", a.body);
    assert_eq!(call("GET", &hours_path(), Some("demo-agent-ben"), None).body["open_now"], json!(false), "any agent reads them");
    assert_eq!(widget_config()["hours"], closed_all_week());

    // Weekdays 08:00–18:00 in Los Angeles: open or not, and the next change, as the protocol computes.
    let weekdays = json!({"time_zone": "America/Los_Angeles", "replies_in_minutes": 10, "weekly": {
        "mon": [{"from": "08:00", "to": "18:00"}], "tue": [{"from": "08:00", "to": "18:00"}], "wed": [{"from": "08:00", "to": "18:00"}],
        "thu": [{"from": "08:00", "to": "18:00"}], "fri": [{"from": "08:00", "to": "18:00"}]}});
    let a = set_hours(&weekdays);
    let hours: porchlight_protocol::hours::Hours = serde_json::from_value(weekdays).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    assert_eq!(a.body["open_now"], json!(hours.is_open(now)), "{}", a.body);
    let next = a.body["next_change"].as_u64().expect("a weekly schedule changes");
    assert!(next > now && next - now <= 3 * 86_400_000, "{next} vs {now}");

    // Removing the API's hours brings back the configured ones (here: around the clock).
    let a = call("DELETE", &hours_path(), Some(AVA), None);
    assert_eq!((a.body["source"].clone(), a.body["open_now"].clone()), (json!("config"), json!(true)));
}

#[test]
fn a_message_left_outside_hours_becomes_a_ticket_not_a_waiting_chat() {
    let _turn = ONE_SCHEDULE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(set_hours(&closed_all_week()).status, 200);
    let name = unique("Night Visitor");
    let session = visitor_session(&name);
    let mut visitor = Ws::connect(&format!("/api/v1/sites/{HOURS_SITE}/sessions/{}/ws", session.session_id), Some(&demo_origin()))
        .expect("visitor socket");
    visitor.visitor_hello(&session.token);

    // The email is required now, and the question must be there.
    visitor.send(&VisitorFrame::LeaveMessage { email: String::new(), text: "Do you ship oolong to Canada?".into() });
    assert_eq!(error_of(&mut visitor), porchlight_protocol::ErrorCode::InvalidEmail);
    visitor.send(&VisitorFrame::LeaveMessage { email: "you@".into(), text: "Do you ship oolong to Canada?".into() });
    assert_eq!(error_of(&mut visitor), porchlight_protocol::ErrorCode::InvalidEmail);
    visitor.send(&VisitorFrame::LeaveMessage { email: "you@example.com".into(), text: "  ".into() });
    assert_eq!(error_of(&mut visitor), porchlight_protocol::ErrorCode::MessageEmpty);

    visitor.send(&VisitorFrame::LeaveMessage { email: "you@example.com".into(), text: "Do you ship oolong to Canada?".into() });
    let (ticket, seen) = visitor.recv_until::<SessionFrame>("the ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket } = ticket else { unreachable!() };
    assert!(
        seen.iter().any(|f| matches!(f, SessionFrame::Message { message } if message.text == "Do you ship oolong to Canada?")),
        "the question is in the log: {seen:?}"
    );
    assert!(seen.iter().any(|f| matches!(f, SessionFrame::Message { message } if message.text.contains("we'll reply to you@example.com"))));
    visitor.recv_until::<SessionFrame>("the chat ending", |f| matches!(f, SessionFrame::Status { status: Status::Closed, .. }));

    // The desk has it, with the transcript and the visitor's email, made by the visitor.
    let t = call("GET", &format!("/api/v1/sites/{HOURS_SITE}/tickets/{}", ticket.number), Some(AVA), None);
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(t.body["source"], json!("offline_message"));
    assert_eq!(t.body["requester"], json!({"name": name, "email": "you@example.com"}));
    assert_eq!(t.body["created_by"]["id"], json!("@visitor"));
    assert!(t.body["description"].as_str().unwrap_or_default().contains("Do you ship oolong to Canada?"), "{}", t.body);
    let list = call("GET", &format!("/api/v1/sites/{HOURS_SITE}/tickets"), Some(AVA), None);
    assert!(list.body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["number"] == json!(ticket.number) && x["source"] == "offline_message"));

    // The queue shows a closed session with its ticket, never one waiting for a person.
    let mut queue = Ws::connect(&format!("/api/v1/sites/{HOURS_SITE}/queue"), None).expect("queue socket");
    let summary = match queue.queue_hello(AVA) {
        QueueFrame::Snapshot { sessions, .. } => sessions.into_iter().find(|s| s.visitor.name == name),
        other => panic!("{other:?}"),
    };
    let summary = summary.unwrap_or_else(|| queue.queue_until(&name, |s| s.status == Status::Closed));
    let summary = if summary.status == Status::Closed && summary.ticket.is_some() {
        summary
    } else {
        queue.queue_until(&name, |s| s.status == Status::Closed && s.ticket.is_some())
    };
    assert_eq!(summary.ticket.map(|t| t.number), Some(ticket.number));
    assert_eq!(summary.visitor.email.as_deref(), Some("you@example.com"));

    // A second form on the same chat makes no second ticket.
    visitor.send(&VisitorFrame::LeaveMessage { email: "you@example.com".into(), text: "again".into() });
    match visitor.recv::<SessionFrame>() {
        SessionFrame::Ticket { ticket: again } => assert_eq!(again.number, ticket.number),
        other => panic!("{other:?}"),
    }
    assert_eq!(call("DELETE", &hours_path(), Some(AVA), None).status, 200);
}

/// Open one minute a week (Monday 16:00 in Los Angeles): closed whenever
/// the tests run, with a known next opening.
fn back_on_monday() -> serde_json::Value {
    json!({"time_zone": "America/Los_Angeles", "weekly": {"mon": [{"from": "16:00", "to": "16:01"}]}})
}

#[test]
fn out_of_hours_a_typed_request_for_a_person_opens_the_form_not_the_queue() {
    use porchlight_protocol::i18n::Lang;
    let _turn = ONE_SCHEDULE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(set_hours(&back_on_monday()).status, 200);
    let es = Lang::Es.strings();
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html?site={HOURS_SITE}&locale=es", demo_origin()));
    let shadow = |what: &str, script: &str, args: serde_json::Value| {
        browser.wait_for(what, 30, &format!("const root = document.querySelector('[data-porchlight]').shadowRoot;\n{script}"), args)
    };
    let text_of = |sel: &str| {
        browser.script(
            &format!(
                "const e = document.querySelector('[data-porchlight]').shadowRoot.querySelector('{sel}'); return e ? e.innerText : ''"
            ),
            json!([]),
        )
    };
    // By accessible name, outside the loader's stand-in (like languages.rs).
    let named = |sel: &str, name: &str| {
        shadow(
            &format!("{sel} named {name:?}"),
            "return [...root.querySelectorAll(arguments[0])].find(el => !el.closest('[data-early]')
               && (el.getAttribute('aria-label') || el.textContent || '').trim() === arguments[1]) || null",
            json!([sel, name]),
        )
    };
    // The site's launcher label leads its name: "Chat with us (Abrir chat)" (WCAG 2.5.3).
    browser.click(&shadow(
        "the launcher",
        "return [...root.querySelectorAll('button')].find(el => (el.getAttribute('aria-label') || '').endsWith('(' + arguments[0] + ')')) || null",
        json!([es.open_chat]),
    ));
    let name = unique("Noctámbula");
    browser.type_text(&named("input", es.name), &name);
    browser.click(&named("button", es.start_chat));
    let composer = shadow("the composer", "return root.querySelector('.pl-composer textarea')", json!([]));

    // The header and the status agree: closed, nobody "one click away".
    let status = shadow("the status line", "const s = root.querySelector('.pl-status'); return s && s.innerText || null", json!([]));
    assert_eq!(status, json!(es.status_bot_offline));
    let header = text_of(".pl-availability");
    let header = header.as_str().unwrap_or_default();
    assert!(header.starts_with("Ahora mismo no estamos. Volvemos "), "{header}");
    assert!(!header.contains(" antes de ") && !header.contains("nadie puede"), "{header}");

    // A typed request for a person: the bot says nobody can chat, and the form opens,
    // its question empty (a bare request for a person is no question for the team).
    browser.type_text(&composer, "¿puedo hablar con una persona?\u{E007}");
    let question = shadow(
        "the form, its question empty",
        "const q = root.querySelector('.pl-offline textarea'); return q ? [q.value] : null",
        json!([]),
    );
    assert_eq!(question, json!([""]));
    browser.type_text(&shadow("the question box", "return root.querySelector('.pl-offline textarea')", json!([])), "¿Tienen té de jazmín?");
    let closed = text_of(".pl-log").as_str().unwrap_or_default().to_owned();
    assert!(closed.contains(es.bot_leave_message), "{closed}");
    assert!(!closed.contains(es.n_handed_off), "never handed off: {closed}");
    let queue_shown =
        browser.script("return !!document.querySelector('[data-porchlight]').shadowRoot.querySelector('.pl-queue')", json!([]));
    assert_eq!(queue_shown, json!(false), "no queue position out of hours");
    // The email is required, and its error is tied to the field.
    browser.click(&shadow("the send button", "return root.querySelector('.pl-offline button[type=submit]')", json!([])));
    let tied = shadow(
        "the email error tied to the field",
        "const i = root.querySelector('.pl-offline input[type=email]'); const e = i && root.getElementById(i.getAttribute('aria-describedby'));
         return i && i.getAttribute('aria-invalid') === 'true' && e ? e.innerText : null",
        json!([]),
    );
    assert_eq!(tied, json!(es.email_needed));
    browser.type_text(
        &shadow("the email field", "return root.querySelector('.pl-offline input[type=email]')", json!([])),
        "noche@example.com",
    );
    browser.click(&shadow("the send button", "return root.querySelector('.pl-offline button[type=submit]')", json!([])));
    shadow(
        "the message left, in Spanish",
        "const l = root.querySelector('.pl-log'); return !!l && l.innerText.includes(arguments[0])",
        json!(["Mensaje enviado al equipo"]),
    );
    let log = text_of(".pl-log").as_str().unwrap_or_default().to_owned();
    assert_eq!(log.matches("¿puedo hablar con una persona?").count(), 1, "the request is not posted twice:\n{log}");
    assert_eq!(log.matches("¿Tienen té de jazmín?").count(), 1, "the question is posted once:\n{log}");
    assert!(!log.contains("ended the conversation") && !log.contains(es.n_you_ended) && !log.contains(&name), "{log}");
    let panel = text_of(".pl-conversation").as_str().unwrap_or_default().to_owned();
    assert_eq!(panel.matches(es.status_ended).count(), 1, "\"ended\" said once:\n{panel}");
    // The queue shows a ticket, never a chat waiting for a person.
    let mut queue = Ws::connect(&format!("/api/v1/sites/{HOURS_SITE}/queue"), None).expect("queue socket");
    let summary = match queue.queue_hello(AVA) {
        QueueFrame::Snapshot { sessions, .. } => sessions.into_iter().find(|s| s.visitor.name == name),
        other => panic!("{other:?}"),
    };
    let summary = match summary {
        Some(s) if s.status == Status::Closed && s.ticket.is_some() => s,
        _ => queue.queue_until(&name, |s| s.status == Status::Closed && s.ticket.is_some()),
    };
    assert_eq!(summary.visitor.email.as_deref(), Some("noche@example.com"));
    // The ticket is named by the question, not by "can I talk to a person?".
    let list = call("GET", &format!("/api/v1/sites/{HOURS_SITE}/tickets"), Some(AVA), None);
    let mine = list.body["tickets"].as_array().and_then(|l| l.iter().find(|t| t["requester"]["name"] == json!(name)).cloned());
    assert_eq!(mine.map(|t| t["subject"].clone()), Some(json!("¿Tienen té de jazmín?")), "{}", list.body);
    assert_eq!(call("DELETE", &hours_path(), Some(AVA), None).status, 200);
}

#[test]
fn outside_hours_the_widget_offers_to_leave_a_message() {
    let _turn = ONE_SCHEDULE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(set_hours(&closed_all_week()).status, 200);
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html?site={HOURS_SITE}", demo_origin()));
    // The site's visible label leads the launcher's name (WCAG 2.5.3).
    browser.click(&browser.by_name("button", "Chat with us (Open chat)"));
    let name = unique("Evening Visitor");
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.click(&browser.by_name("button", "Start chat"));
    let shadow_has = |what: &str, text: &str| {
        browser.wait_for(
            what,
            20,
            "return document.querySelector('[data-porchlight]').shadowRoot.textContent.includes(arguments[0])",
            json!([text]),
        )
    };
    shadow_has("the header saying the team is away", "We're away right now.");
    // "Talk to a person" became "Leave a message".
    let leave = browser.by_name("button", "Leave a message");
    let talk = browser.script(&format!("{FIND_BY_NAME_FN}\nreturn !!find('button', 'Talk to a person')"), json!([]));
    assert_eq!(talk, json!(false));
    browser.click(&leave);
    browser.type_text(&browser.by_name("textbox", "Your question"), "Is the jasmine tea back in stock?");
    browser.click(&browser.by_name("button", "Send message"));
    shadow_has("the email required", "Add your email address so we can reply.");
    // Its layout at each window size: leave_message.rs.
    browser.type_text(&browser.by_name("textbox", "Your email"), "evening@example.com");
    browser.click(&browser.by_name("button", "Send message"));
    shadow_has("the visitor told where the reply goes", "we'll reply to evening@example.com");
    browser.log_shows("Is the jasmine tea back in stock?");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-offline.png"));
    }
    let list = call("GET", &format!("/api/v1/sites/{HOURS_SITE}/tickets"), Some(AVA), None);
    let mine = list.body["tickets"].as_array().unwrap().iter().find(|t| t["requester"]["name"] == json!(name)).cloned();
    let mine = mine.unwrap_or_else(|| panic!("a ticket for {name}: {}", list.body));
    assert_eq!((mine["source"].clone(), mine["requester"]["email"].clone()), (json!("offline_message"), json!("evening@example.com")));

    // The visitor leaves; the team answers the ticket; on their next visit the widget
    // loads at page load (an answer was due), counts it unread on the launcher, and shows it.
    browser.goto("about:blank");
    let number = mine["number"].as_u64().unwrap();
    let body = json!({"text": "Yes, back since Tuesday."}).to_string();
    let a = post(&format!("/api/v1/sites/{HOURS_SITE}/tickets/{number}/replies"), None, Some(AVA), &body);
    assert_eq!(a.status, 200, "{}", a.body);
    browser.goto(&format!("{}/embed.html?site={HOURS_SITE}", demo_origin()));
    let launcher = browser.by_name("button", "Chat with us (Open chat, 1 unread message)");
    browser.click(&launcher);
    browser.log_shows("Yes, back since Tuesday.");
    assert_eq!(call("DELETE", &hours_path(), Some(AVA), None).status, 200);
}

#[test]
fn an_agents_reply_to_a_left_message_is_kept_sent_as_a_webhook_and_delivered_to_the_visitor() {
    let _turn = ONE_SCHEDULE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(set_hours(&closed_all_week()).status, 200);
    let receiver = Receiver::start(200, Duration::ZERO);
    let url = receiver.url.clone();
    let hook = call("POST", &format!("/api/v1/sites/{HOURS_SITE}/webhooks"), Some(AVA), Some(&json!({"url": url}).to_string()));
    assert_eq!(hook.status, 201, "{}", hook.body);

    let name = unique("Reply Visitor");
    let session = visitor_session(&name);
    let path = format!("/api/v1/sites/{HOURS_SITE}/sessions/{}/ws", session.session_id);
    let mut visitor = Ws::connect(&path, Some(&demo_origin())).expect("visitor socket");
    visitor.visitor_hello(&session.token);
    visitor.send(&VisitorFrame::LeaveMessage { email: "reply@example.com".into(), text: "Can I change my grind?".into() });
    let (ticket, _) = visitor.recv_until::<SessionFrame>("the ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket } = ticket else { unreachable!() };
    drop(visitor);

    let replies = format!("/api/v1/sites/{HOURS_SITE}/tickets/{}/replies", ticket.number);
    assert_eq!(post(&replies, None, None, r#"{"text": "hi"}"#).status, 401);
    let empty = post(&replies, None, Some("demo-agent-ben"), r#"{"text": "  "}"#);
    assert_eq!((empty.status, empty.body["error"]["code"].clone()), (422, json!("message_empty")), "{}", empty.body);
    assert_eq!(post(&format!("/api/v1/sites/{HOURS_SITE}/tickets/99999/replies"), None, Some(AVA), r#"{"text": "x"}"#).status, 404);
    let a = post(&replies, None, Some("demo-agent-ben"), r#"{"text": "Yes: reply with the grind you want."}"#);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["replies"][0]["text"], json!("Yes: reply with the grind you want."));
    assert_eq!(a.body["replies"][0]["agent"], json!({"id": "ben", "name": "Ben"}));
    let stored = call("GET", &format!("/api/v1/sites/{HOURS_SITE}/tickets/{}", ticket.number), Some(AVA), None);
    assert_eq!(stored.body["replies"], a.body["replies"], "kept on the ticket");

    // The site hears it, with the requester's email to write to.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let event = loop {
        let found = receiver.about("ticket.replied").into_iter().map(|h| h.body).find(|b| b.contains("reply with the grind"));
        if let Some(b) = found {
            break serde_json::from_str::<serde_json::Value>(&b).expect("webhook JSON");
        }
        assert!(std::time::Instant::now() < deadline, "no ticket.replied webhook: {:?}", receiver.about(""));
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(event.to_string().contains("reply@example.com"), "{event}");

    // The visitor's next visit: the conversation holds the agent's answer.
    let mut visitor = Ws::connect(&path, Some(&demo_origin())).expect("visitor socket");
    match visitor.visitor_hello(&session.token) {
        SessionFrame::Welcome { messages, session, .. } => {
            assert_eq!(session.status, Status::Closed);
            let answer = messages.iter().find(|m| m.text == "Yes: reply with the grind you want.").expect("the reply in the log");
            assert!(matches!(&answer.author, porchlight_protocol::Author::Agent { name, .. } if name == "Ben"), "{answer:?}");
        }
        other => panic!("{other:?}"),
    }
    let id = hook.body["id"].as_str().unwrap();
    assert_eq!(call("DELETE", &format!("/api/v1/sites/{HOURS_SITE}/webhooks/{id}"), Some(AVA), None).status, 204);
    assert_eq!(call("DELETE", &hours_path(), Some(AVA), None).status, 200);
}
