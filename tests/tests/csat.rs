//! Ratings after a chat (CSAT) against the real edge: the rules over
//! sockets (only after a closed chat with a person, once, score and comment
//! bounds, off per site), the rating on the session's resume, its queue
//! summary and figures, its ticket and the `session.rated` webhook; and in
//! headless Chromium a visitor rating with the keyboard in the widget, then
//! the console showing it on the conversation and in the figures.

use porchlight_protocol::csat::{Figures, Rating};
use porchlight_protocol::webhook::{Event, WebhookEvent};
use porchlight_protocol::{AgentFrame, ErrorCode, QueueFrame, SessionFrame, Status, VisitorFrame};
use porchlight_tests::receiver::Receiver;
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// The next `csat` frame on a signed-in queue socket.
fn figures(queue: &mut Ws) -> Figures {
    match queue.recv_until::<QueueFrame>("csat figures", |f| matches!(f, QueueFrame::Csat { .. })).0 {
        QueueFrame::Csat { figures } => figures,
        _ => unreachable!(),
    }
}

fn rated(ws: &mut Ws) -> Rating {
    match ws.recv_until::<SessionFrame>("rated", |f| matches!(f, SessionFrame::Rated { .. })).0 {
        SessionFrame::Rated { rating } => rating,
        _ => unreachable!(),
    }
}

/// The site's figures count every rating: tests that rate take turns.
static RATING: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_closed_chat_is_rated_once_and_the_rating_reaches_queue_ticket_and_webhook() {
    let _turn = RATING.lock().unwrap_or_else(|p| p.into_inner());
    let receiver = Receiver::start(200, Duration::ZERO);
    let hooks = format!("/api/v1/sites/{SITE}/webhooks");
    let created = call("POST", &hooks, Some(AVA), Some(&json!({ "url": receiver.url }).to_string()));
    assert_eq!(created.status, 201, "{}", created.body);
    let hook_id = created.body["id"].as_str().unwrap_or_default().to_owned();

    let Scene { name, mut queue, session, mut visitor, mut ava } = scene("Rater");
    let start = figures(&mut queue);
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    // Not while the chat is open.
    visitor.send(&VisitorFrame::Rate { score: 4, comment: None });
    assert_eq!(error_of(&mut visitor), ErrorCode::NotRateable);
    ava.send(&AgentFrame::CreateTicket { close: true });
    status_is(&mut visitor, Status::Closed);

    // Out of range, or a comment too long: refused, nothing stored.
    visitor.send(&VisitorFrame::Rate { score: 6, comment: None });
    assert_eq!(error_of(&mut visitor), ErrorCode::InvalidRating);
    visitor.send(&VisitorFrame::Rate { score: 0, comment: None });
    assert_eq!(error_of(&mut visitor), ErrorCode::InvalidRating);
    visitor.send(&VisitorFrame::Rate { score: 3, comment: Some("x".repeat(1001)) });
    assert_eq!(error_of(&mut visitor), ErrorCode::InvalidRating);
    visitor.send_text(r#"{"type":"rate","score":"lots"}"#);
    assert_eq!(error_of(&mut visitor), ErrorCode::BadFrame);

    let comment = "Quick <b>and</b> kind";
    visitor.send(&VisitorFrame::Rate { score: 4, comment: Some(format!("  {comment} ")) });
    let rating = rated(&mut visitor);
    assert_eq!((rating.score, rating.comment.as_deref()), (4, Some(comment)));
    assert_eq!(rating.agent.as_ref().map(|a| a.id.as_str()), Some("ava"), "the owner is rated");
    assert_eq!(rated(&mut ava), rating, "agents hear it too");
    // Once per session.
    visitor.send(&VisitorFrame::Rate { score: 5, comment: None });
    assert_eq!(error_of(&mut visitor), ErrorCode::AlreadyRated);

    // The queue's summary and figures.
    let summary = queue.queue_until(&name, |s| s.rating.is_some());
    assert_eq!(summary.rating.as_ref(), Some(&rating));
    let after = figures(&mut queue);
    assert_eq!(after.site.last_7_days.count, start.site.last_7_days.count + 1, "{start:?} → {after:?}");
    assert_eq!(after.site.last_30_days.total, start.site.last_30_days.total + 4);
    let ava_of = |f: &Figures| f.agents.iter().find(|a| a.agent.id.as_str() == "ava").map(|a| a.windows.last_7_days).unwrap_or_default();
    assert_eq!(ava_of(&after).count, ava_of(&start).count + 1);

    // The resume's welcome carries it (the widget shows "thanks", not the form).
    let mut again = Ws::visitor(&session);
    match again.visitor_hello(&session.token) {
        SessionFrame::Welcome { session, messages, .. } => {
            assert_eq!(session.rating.as_ref(), Some(&rating));
            assert!(messages.iter().any(|m| m.text.contains("rated the conversation Good (4/5)")), "the notice is in the log");
            // …as data too, which the widget words for the visitor ("You rated…").
            let notice =
                messages.iter().find_map(|m| m.notice.clone().filter(|n| matches!(n, porchlight_protocol::notice::Notice::Rated { .. })));
            assert!(matches!(notice, Some(porchlight_protocol::notice::Notice::Rated { score: 4, .. })), "{notice:?}");
        }
        other => panic!("welcome expected, got {other:?}"),
    }

    // The ticket made from it, and the webhook.
    let deadline = Instant::now() + Duration::from_secs(30);
    let sid = session.session_id.to_string();
    let tickets = loop {
        let list = call("GET", &format!("/api/v1/sites/{SITE}/tickets"), Some(AVA), None);
        let ours = list.body["tickets"].as_array().and_then(|t| t.iter().find(|t| t["session"] == json!(sid)).cloned());
        if let Some(t) = ours.filter(|t| t.get("rating").is_some()) {
            break t;
        }
        assert!(Instant::now() < deadline, "the ticket never showed the rating: {}", list.body);
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(tickets["rating"]["score"], json!(4));
    let event = loop {
        let hit = receiver.about(&sid).into_iter().find(|h| h.headers.get("porchlight-event").map(String::as_str) == Some("session.rated"));
        if let Some(hit) = hit {
            break serde_json::from_str::<WebhookEvent>(&hit.body).expect("event json");
        }
        assert!(Instant::now() < deadline, "no session.rated delivery");
        std::thread::sleep(Duration::from_millis(200));
    };
    match event.event {
        Event::SessionRated(s) => assert_eq!(s.rating, Some(rating)),
        other => panic!("session.rated expected, got {other:?}"),
    }
    assert_eq!(call("DELETE", &format!("{hooks}/{hook_id}"), Some(AVA), None).status, 204);
}

#[test]
fn a_ticket_made_after_the_visitor_rated_carries_the_rating() {
    let _turn = RATING.lock().unwrap_or_else(|p| p.into_inner());
    let Scene { name, mut queue, mut visitor, mut ava, session } = scene("Rated First");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    ava.send(&AgentFrame::Close);
    status_is(&mut visitor, Status::Closed);
    visitor.send(&VisitorFrame::Rate { score: 4, comment: Some("Helpful".into()) });
    let rating = rated(&mut visitor);

    // The closed, rated chat made into a ticket afterwards: no
    // `session.rated` will come again, so the ticket starts with it.
    ava.send(&AgentFrame::CreateTicket { close: false });
    let (frame, _) = ava.recv_until::<SessionFrame>("ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket } = frame else { unreachable!() };
    let one = call("GET", &format!("/api/v1/sites/{SITE}/tickets/{}", ticket.number), Some(AVA), None);
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["session"], json!(session.session_id.to_string()));
    assert_eq!(one.body["rating"]["score"], json!(4), "{}", one.body);
    assert_eq!(one.body["rating"]["comment"], json!("Helpful"));
    assert_eq!(serde_json::from_value::<Rating>(one.body["rating"].clone()).ok(), Some(rating));
    let list = call("GET", &format!("/api/v1/sites/{SITE}/tickets"), Some(AVA), None);
    let listed = list.body["tickets"].as_array().and_then(|t| t.iter().find(|t| t["number"] == json!(ticket.number)).cloned());
    assert_eq!(listed.map(|t| t["rating"]["score"].clone()), Some(json!(4)), "the list shows it too: {}", list.body);
    // The site's figures count this rating before the next rating test takes its turn.
    queue.queue_until(&name, |s| s.rating.is_some());
}

#[test]
fn only_conversations_with_a_person_are_rated_and_a_site_can_turn_ratings_off() {
    // "Yes, thanks" to the bot: the visitor already said it helped.
    let session = create_session(&unique("Bot Helped"));
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    visitor.send(&VisitorFrame::Resolve);
    status_is(&mut visitor, Status::Closed);
    visitor.send(&VisitorFrame::Rate { score: 5, comment: None });
    assert_eq!(error_of(&mut visitor), ErrorCode::NotRateable);

    // A site with `csat: false`: the widget is told, the edge refuses.
    let site = "limits-check";
    let config = ureq::get(&format!("{}/api/v1/sites/{site}/widget", edge())).set("origin", &demo_origin()).call().expect("config");
    let config: serde_json::Value = config.into_json().expect("json");
    assert_eq!(config["csat"], json!(false));
    let on = ureq::get(&format!("{}/api/v1/sites/{SITE}/widget", edge())).set("origin", &demo_origin()).call().expect("config");
    assert_eq!(on.into_json::<serde_json::Value>().expect("json").get("csat"), None, "on is the default, not written");
    // From an address of its own: this site's session budget is the abuse tests'.
    let body = json!({"name": unique("No Ratings")}).to_string();
    let a = request_as("POST", &format!("/api/v1/sites/{site}/sessions"), &unique_ip(), Some(&demo_origin()), None, Some(&body));
    assert_eq!(a.status, 201, "{}", a.body);
    let session: porchlight_protocol::SessionCreated = serde_json::from_value(a.body).unwrap();
    let mut visitor = Ws::visitor_on(site, &session);
    visitor.visitor_hello(&session.token);
    visitor.send(&VisitorFrame::Close);
    status_is(&mut visitor, Status::Closed);
    visitor.send(&VisitorFrame::Rate { score: 5, comment: None });
    assert_eq!(error_of(&mut visitor), ErrorCode::CsatOff);
}

const SHADOW: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot;";

#[test]
fn a_visitor_rates_in_the_widget_by_keyboard_and_the_console_shows_it() {
    let _turn = RATING.lock().unwrap_or_else(|p| p.into_inner());
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let name = unique("Widget Rater");
    let comment = "Ava found my parcel";
    {
        let browser = Browser::start();
        browser.set_viewport(1366, 625);
        browser.goto(&format!("{}/", demo_origin()));
        browser.click(&browser.by_name("button", "Open chat"));
        browser.type_text(&browser.by_name("textbox", "Name"), &name);
        browser.click(&browser.by_name("button", "Start chat"));
        browser.type_text(&browser.by_name("textbox", "Message"), "can I talk to a human please\u{E007}");
        let summary = queue.queue_until(&name, |s| s.status == Status::Waiting);
        let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
        let mut ava = Ws::agent_session(&session);
        ava.agent_hello(AVA);
        ava.send(&AgentFrame::Accept);
        browser.log_shows("Ava joined the conversation");
        assert_eq!(
            browser.script(&format!("{SHADOW} return !!root.querySelector('.pl-rating')"), json!([])),
            json!(false),
            "no rating while the chat is open"
        );
        ava.send(&AgentFrame::Close);
        browser.log_shows("Ava closed the conversation");

        // The five faces are one radio group named by its question.
        let group = browser.wait_for(
            "the rating's faces",
            20,
            &format!(
                "{SHADOW} const f = root.querySelector('.pl-rating fieldset'); return f && [f.querySelector('legend').textContent,
                 ...[...f.querySelectorAll('input[type=radio]')].map(i => i.closest('label').innerText.replace(/\\s+/g, ' ').trim())]"
            ),
            json!([]),
        );
        assert_eq!(group, json!(["How was this conversation?", "Terrible", "Bad", "Okay", "Good", "Great"]));
        // A short desktop window: the question and every face in the log's
        // visible box, focus on the faces (not scrolled away under a footer).
        let in_view = browser.wait_for(
            "the rating in view and focused",
            10,
            &format!(
                "{SHADOW} const log = root.querySelector('.pl-log').getBoundingClientRect();
                 const inside = (e) => {{ const r = e.getBoundingClientRect(); return r.top >= log.top - 1 && r.bottom <= log.bottom + 1; }};
                 const a = root.activeElement;
                 return (inside(root.querySelector('.pl-rating legend')) && [...root.querySelectorAll('.pl-face')].every(inside)
                   && !!a && a.name === 'pl-rating') || null"
            ),
            json!([]),
        );
        assert_eq!(in_view, json!(true));
        // Keyboard only: focus the first face, arrows choose, Tab to the comment, Tab to the button.
        browser.script(&format!("{SHADOW} root.querySelector('.pl-rating input[value=\"1\"]').focus()"), json!([]));
        browser.press("\u{E014}\u{E014}\u{E014}"); // → → →: from Terrible to Good
        let checked = browser.script(&format!("{SHADOW} return root.querySelector('.pl-rating input:checked')?.value"), json!([]));
        assert_eq!(checked, json!("4"), "arrow keys choose the face");
        browser.press("\u{E004}");
        browser.type_text(&browser.focused(), comment);
        browser.press("\u{E004}");
        let focused = browser
            .script("const a = document.querySelector('[data-porchlight]').shadowRoot.activeElement; return a && a.textContent", json!([]));
        assert_eq!(focused, json!("Send rating"));
        browser.press("\u{E007}");
        browser.wait_for(
            "the thank-you",
            20,
            &format!("{SHADOW} const r = root.querySelector('.pl-rated'); return r && r.innerText.includes('You rated this conversation: Good.') && !!r.querySelector('svg')"),
            json!([]),
        );
        browser.assert_accessible("the widget after rating");
        let summary = queue.queue_until(&name, |s| s.rating.is_some());
        assert_eq!(summary.rating.as_ref().and_then(|r| r.comment.as_deref()), Some(comment));
    }
    let figures = figures(&mut queue);

    // The console: the conversation shows it, the queue the figures.
    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    let row = browser.wait_for(
        "the site's figures",
        20,
        "const r = document.querySelector('.csat tr[data-csat=\"site\"]'); return r && r.innerText",
        json!([]),
    );
    let site = &figures.site;
    let want = format!("{} ({})", site.last_7_days.average(), site.last_7_days.count);
    assert!(row.as_str().unwrap_or_default().contains(&want), "{row} should show {want}");
    let ava = figures.agents.iter().find(|a| a.agent.id.as_str() == "ava").expect("Ava has figures");
    let ava_row = browser.script("return document.querySelector('.csat tr[data-csat=\"ava\"]')?.innerText", json!([]));
    let want = format!("{} ({})", ava.windows.last_30_days.average(), ava.windows.last_30_days.count);
    assert!(ava_row.as_str().unwrap_or_default().contains(&want), "{ava_row} should show {want}");
    browser.click(&browser.by_name("button", "Closed"));
    browser.click(&browser.by_name("button", &format!("View {name}'s conversation")));
    let panel = browser.wait_for(
        "the rating on the conversation",
        20,
        &format!("{FIND_BY_NAME_FN}\nconst p = find('aside', 'Visitor rating'); return p && p.innerText"),
        json!([]),
    );
    let panel = panel.as_str().unwrap_or_default();
    assert!(panel.contains("Good (4/5)") && panel.contains(comment), "{panel}");
    browser.assert_accessible("the console with ratings");
}
