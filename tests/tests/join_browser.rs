//! The join page (`/join.html`) in headless Chromium, as a courier uses
//! it: a fresh browser opens the one-time link, the token leaves the
//! address bar, the whole conversation shows (order card too), they write
//! from the keyboard (Enter sends, Shift+Enter is a new line), the
//! customer's widget and the agent's console show it as "external", a
//! reload keeps working, removal says so, and the same link in another
//! fresh browser is refused in words. Strict CSP (no violations), axe
//! clean, and it fits a phone.

use porchlight_protocol::participants::CreatedInvite;
use porchlight_protocol::staff::CreatedApiKey;
use porchlight_protocol::{Author, SessionCreated, SessionFrame};
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

const ENTER: &str = "\u{E007}";
const TAB: &str = "\u{E004}";
const SHADOW: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot;";
const WATCH_CSP: &str = "window.cspViolations = []; document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI), true);";
const VIOLATIONS: &str = "return window.cspViolations || ['the listener was not installed']";

fn invite(session: &SessionCreated, name: &str, role: &str) -> CreatedInvite {
    let path = format!("/api/v1/sites/{SITE}/sessions/{}/participants", session.session_id);
    let a = call("POST", &path, Some(AVA), Some(&json!({"name": name, "kind": "external", "role": role}).to_string()));
    assert_eq!(a.status, 201, "{}", a.body);
    serde_json::from_value(a.body).unwrap()
}

fn remove(session: &SessionCreated, invite: &CreatedInvite) {
    let path = format!("/api/v1/sites/{SITE}/sessions/{}/participants/{}", session.session_id, invite.participant.id);
    assert_eq!(call("DELETE", &path, Some(AVA), None).status, 204);
}

/// Chromium reports violations of the page's header policy to this
/// listener, installed before anything on the next page loads.
fn watch_csp(browser: &Browser) {
    browser.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": WATCH_CSP }));
}

fn page_text(browser: &Browser) -> String {
    browser.script("return document.body.innerText", json!([])).as_str().unwrap_or_default().to_owned()
}

fn focused_label(browser: &Browser) -> String {
    let v = browser
        .script("const a = document.activeElement; return a ? (a.getAttribute('aria-label') || a.textContent).trim() : ''", json!([]));
    v.as_str().unwrap_or_default().to_owned()
}

/// Tab from the top of the page to the composer: keyboard alone.
fn tab_to_composer(browser: &Browser) {
    for _ in 0..20 {
        if focused_label(browser) == "Message" {
            return;
        }
        browser.press(TAB);
    }
    panic!("Tab never reached the composer (last: {:?})", focused_label(browser));
}

/// A session on the demo page's widget in `browser` (this tab), accepted by
/// Ava, with an order card from the site's backend.
fn customer_with_an_order(browser: &Browser, name: &str) -> (Ws, SessionCreated) {
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.type_text(&browser.by_name("textbox", "Name"), name);
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("can I talk to a human please{ENTER}"));
    let summary = queue.queue_until(name, |s| s.status == porchlight_protocol::Status::Waiting);
    let session = SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&porchlight_protocol::AgentFrame::Accept);
    browser.log_shows("Ava joined the conversation");
    let key =
        call("POST", &format!("/api/v1/sites/{SITE}/api-keys"), Some(AVA), Some(&json!({"name": "Orders", "agent_id": "ava"}).to_string()));
    assert_eq!(key.status, 201, "{}", key.body);
    let key = serde_json::from_value::<CreatedApiKey>(key.body).unwrap().key;
    let card = json!({"kind": "order", "order": {"order_id": "CK-2001", "status": "Out for delivery", "items": 3, "total": "€24.00",
        "url": "https://shop.example/orders/2001"}});
    let events = format!("/api/v1/sites/{SITE}/sessions/{}/events", session.session_id);
    assert_eq!(post(&events, None, Some(&key), &card.to_string()).status, 201);
    (ava, session)
}

/// Waits for a message from the external participant `label` with `text` on `ws`.
fn external_message(ws: &mut Ws, text: &str, label: &str) {
    let (frame, _) =
        ws.recv_until::<SessionFrame>("the courier's message", |f| matches!(f, SessionFrame::Message { message } if message.text == text));
    let SessionFrame::Message { message } = frame else { unreachable!() };
    assert!(matches!(message.author, Author::External { .. }), "{:?}", message.author);
    assert_eq!(message.author.external_label().as_deref(), Some(label));
}

#[test]
fn a_courier_opens_the_link_reads_writes_reloads_and_is_removed_and_the_link_opens_once() {
    let name = unique("Jo Parcel");
    let browser = Browser::start();
    let (mut ava, session) = customer_with_an_order(&browser, &name);
    let sam = invite(&session, "Sam", "courier");

    // A fresh tab opens the link: the token leaves the address bar at once.
    let (widget_tab, _) = browser.new_tab();
    watch_csp(&browser);
    browser.goto(&sam.link);
    browser.log_shows("can I talk to a human please");
    let address = browser.script("return location.href", json!([]));
    assert!(!address.as_str().unwrap_or_default().contains("plj_"), "the token stayed in the address bar: {address}");
    assert_eq!(browser.script("return location.hash", json!([])), json!(""));
    // The whole conversation: the customer, Ava, the order card; who they are; who sees what.
    browser.wait_for("the order card", 20, "return document.querySelectorAll('.pl-card[data-order=\"CK-2001\"]').length === 1", json!([]));
    let text = page_text(&browser);
    for shown in ["You are Sam (courier) · external", "Everyone in this conversation sees every message.", &name, "Ava"] {
        assert!(text.contains(shown), "{shown:?} is not on the join page:\n{text}");
    }
    browser.assert_accessible("the join page");

    // Keyboard only: Tab to the composer, Shift+Enter for a new line, Enter sends.
    browser.script("document.activeElement && document.activeElement.blur(); return true", json!([]));
    tab_to_composer(&browser);
    browser.press("line one");
    browser.press_with_shift(ENTER);
    browser.press(&format!("line two{ENTER}"));
    external_message(&mut ava, "line one\nline two", "Sam (courier) · external");
    browser.wait_for(
        "the sent message in the log",
        20,
        "return !document.querySelector('.msg.pending') && document.querySelector('.msg.mine.external')",
        json!([]),
    );

    // A reload keeps working (the credential is this tab's), with the history.
    browser.script("location.reload(); return true", json!([]));
    browser.log_shows("line two");
    browser.log_shows("can I talk to a human please");
    let after = unique("at the door in 5");
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("{after}{ENTER}"));
    external_message(&mut ava, &after, "Sam (courier) · external");
    assert_eq!(browser.script(VIOLATIONS, json!([])), json!([]), "the join page caused CSP violations");

    // The customer's widget shows it as external (the join tab closes: the
    // removal below is watched in a tab of its own)…
    browser.close_tab(&widget_tab);
    browser.log_shows(&after);
    let widget_label = browser.wait_for(
        "the external label in the widget",
        20,
        &format!("{SHADOW} return root.querySelector('[role=log]').innerText.includes('Sam (courier) · external')"),
        json!([]),
    );
    assert_eq!(widget_label, json!(true));
    // …and so does Ava's console.
    browser.new_tab();
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.click(&browser.row_button(&format!("tr[data-session='{}']", session.session_id), "Open"));
    browser.log_shows(&after);
    browser.log_shows("Sam (courier) · external");

    // Removal: the join page says so and shows nothing more.
    let rita = invite(&session, "Rita", "warehouse");
    browser.new_tab();
    browser.goto(&rita.link);
    browser.log_shows(&after);
    remove(&session, &rita);
    browser.wait_for(
        "the removal notice",
        20,
        "const a = document.querySelector('[role=alert]'); return a && a.textContent === 'You were removed from this conversation.'",
        json!([]),
    );
    assert_eq!(browser.script("return document.querySelectorAll('[role=log]').length", json!([])), json!(0), "the log is gone");
    browser.assert_accessible("the join page after removal");
    // A reload of a removed participant's tab opens nothing either.
    browser.script("location.reload(); return true", json!([]));
    browser.wait_for("a refusal after reload", 20, "return !!document.querySelector('[role=alert]')", json!([]));
    drop(browser);

    // Sam's link in another, fresh browser (a phone): refused, in words.
    let phone = Browser::start_phone();
    watch_csp(&phone);
    phone.goto(&sam.link);
    let refused = phone.wait_for(
        "the refusal",
        20,
        "const a = document.querySelector('.join-refused[role=alert]'); return a && a.textContent",
        json!([]),
    );
    assert!(refused.as_str().unwrap_or_default().starts_with("This link was already opened."), "{refused}");
    assert_eq!(phone.script("return location.hash", json!([])), json!(""));
    phone.assert_accessible("the join page refusing a used link");
    assert_eq!(phone.script("return document.querySelectorAll('[role=log]').length", json!([])), json!(0));

    // A new link on the phone: the conversation fits 390×844 and works.
    let tom = invite(&session, "Tom", "driver");
    phone.goto(&tom.link);
    phone.log_shows(&after);
    let fits = phone.script(
        "const v = visualViewport; const on = s => { const e = document.querySelector(s); if (!e) return s + ' missing';
           const r = e.getBoundingClientRect(); return r.width > 0 && r.left >= -1 && r.right <= v.width + 1 && r.bottom <= v.height + 1 };
         return [document.documentElement.scrollWidth <= innerWidth + 1, on('textarea[aria-label=Message]'), on('.join-composer button'), on('.join-who-sees')]",
        json!([]),
    );
    assert_eq!(fits, json!([true, true, true, true]), "the join page does not fit a phone");
    phone.assert_accessible("the join page on a phone");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        phone.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-join-phone.png"));
    }
    let from_phone = unique("running 10 minutes late");
    phone.type_text(&phone.by_name("textbox", "Message"), &format!("{from_phone}{ENTER}"));
    external_message(&mut ava, &from_phone, "Tom (driver) · external");
    assert_eq!(phone.script(VIOLATIONS, json!([])), json!([]), "the join page caused CSP violations on the phone");
}
