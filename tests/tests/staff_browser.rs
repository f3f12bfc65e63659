//! Staff-started conversations where people see them, in headless
//! Chromium: a backend's order conversation reaches the signed-in
//! customer's widget on their next visit (badge, preview, the agent's
//! message), and its order card shows once, updated in place, in the
//! widget and the console.

use porchlight_protocol::staff::{CreatedApiKey, StartedConversation};
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

const SHADOW: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot;";

fn card_body(status: &str) -> String {
    json!({"kind": "order", "order": {"order_id": "CK-1042", "status": status, "items": 2, "total": "€18.00",
        "url": "https://shop.example/orders/1042"}})
    .to_string()
}

/// The cards a page shows (`scope`: JS evaluating to the root to search),
/// as "order|status|link" strings.
fn cards(browser: &Browser, scope: &str) -> serde_json::Value {
    browser.script(
        &format!(
            "{scope} return [...r.querySelectorAll('.pl-card')].map(c => c.dataset.order + '|' +
               c.querySelector('.pl-card-status').textContent + '|' + (c.querySelector('a') ? c.querySelector('a').href : ''))"
        ),
        json!([]),
    )
}

#[test]
fn an_order_conversation_reaches_the_customer_with_a_badge_and_its_card_updates_in_place() {
    reaches_the_customer(Browser::start(), "desktop", true);
}

#[test]
fn on_a_phone_the_staff_conversation_and_its_card_fit_the_screen() {
    reaches_the_customer(Browser::start_phone(), "phone", false);
}

/// Whether the elements `selectors` (in the widget's shadow root) lie
/// within the visual viewport.
fn on_screen(browser: &Browser, selectors: &[&str]) -> serde_json::Value {
    browser.script(
        &format!(
            "{SHADOW} const v = visualViewport;
             return arguments[0].map(s => {{ const e = root.querySelector(s); if (!e) return s + ' missing'; const r = e.getBoundingClientRect();
               return r.width > 0 && r.left >= v.offsetLeft - 1 && r.right <= v.offsetLeft + v.width + 1 }})"
        ),
        json!([selectors]),
    )
}

/// A backend's order conversation reaching the customer in `browser`; the
/// console part too when `console`.
fn reaches_the_customer(browser: Browser, label: &str, console: bool) {
    let a =
        call("POST", &format!("/api/v1/sites/{SITE}/api-keys"), Some(AVA), Some(&json!({"name": "Orders", "agent_id": "ava"}).to_string()));
    assert_eq!(a.status, 201, "{}", a.body);
    let key = serde_json::from_value::<CreatedApiKey>(a.body).unwrap().key;
    let user = unique("widget-customer");
    let marker = unique("rider");
    let body = json!({"user_id": user, "name": "Wanda Widget", "order_ref": "CK-1042",
        "message": format!("Hi Wanda, your rider is running late {marker}")});
    let a = post(&format!("/api/v1/sites/{SITE}/conversations"), None, Some(&key), &body.to_string());
    assert_eq!(a.status, 201, "{}", a.body);
    let started: StartedConversation = serde_json::from_value(a.body).unwrap();
    let events = format!("/api/v1/sites/{SITE}/sessions/{}/events", started.session_id);
    assert_eq!(post(&events, None, Some(&key), &card_body("Out for delivery")).status, 201);

    // The customer's next visit: the site identifies them; nothing clicked yet.
    browser.goto(&format!("{}/", demo_origin()));
    let token = identity_token(DEMO_IDENTITY_SECRET, json!({"sub": user}));
    browser.script("window.Porchlight('identify', { token: arguments[0] }); return true", json!([token]));
    let badge = browser.wait_for(
        "the unread badge for the staff's message",
        30,
        &format!("{SHADOW} const b = root.querySelector('button.l .pl-badge'); return b && b.textContent"),
        json!([]),
    );
    assert_eq!(badge, json!("1"), "one unread message from the agent (the card is a notice)");
    let preview = browser.wait_for(
        "the preview bubble",
        20,
        &format!("{SHADOW} const p = root.querySelector('.pl-preview'); return p && p.innerText"),
        json!([]),
    );
    assert!(preview.as_str().unwrap_or_default().contains(&marker), "{preview}");

    // Open: the agent's message and the card, with its link as an element.
    browser.click(&browser.by_name("button", "Open chat, 1 unread message"));
    browser.log_shows(&marker);
    let widget = format!("{SHADOW} const r = root;");
    let shown = browser.wait_for("the order card", 20, &format!("{widget} return r.querySelectorAll('.pl-card').length === 1"), json!([]));
    assert_eq!(shown, json!(true));
    assert_eq!(cards(&browser, &widget), json!(["CK-1042|Out for delivery|https://shop.example/orders/1042"]));
    browser.assert_accessible("the widget with an order card");
    assert_eq!(on_screen(&browser, &[".pl-card", ".pl-card-link", "textarea[aria-label=Message]"]), json!([true, true, true]), "{label}");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name(format!("screenshot-order-card-{label}.png")));
    }

    // The status changes: the same card, updated where it is.
    let a = post(&events, None, Some(&key), &card_body("Delivered"));
    assert_eq!(a.status, 200, "{}", a.body);
    browser.wait_for(
        "the card to say Delivered",
        20,
        &format!("{widget} const s = r.querySelector('.pl-card .pl-card-status'); return s && s.textContent === 'Delivered'"),
        json!([]),
    );
    assert_eq!(cards(&browser, &widget), json!(["CK-1042|Delivered|https://shop.example/orders/1042"]));

    if !console {
        return;
    }
    // The console: Ava's conversation, one card with the new status.
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.click(&browser.row_button(&format!("tr[data-session='{}']", started.session_id), "Open"));
    browser.log_shows(&marker);
    let console = "const r = document;";
    browser.wait_for("the card in the console", 20, &format!("{console} return r.querySelectorAll('.pl-card').length === 1"), json!([]));
    assert_eq!(cards(&browser, console), json!(["CK-1042|Delivered|https://shop.example/orders/1042"]));

    // The ticket is closed: the console says so and its composer is off…
    let session = porchlight_protocol::SessionCreated { session_id: started.session_id.clone(), token: String::new() };
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&porchlight_protocol::AgentFrame::CreateTicket { close: false });
    let (frame, _) = ava
        .recv_until::<porchlight_protocol::SessionFrame>("the ticket", |f| matches!(f, porchlight_protocol::SessionFrame::Ticket { .. }));
    let porchlight_protocol::SessionFrame::Ticket { ticket } = frame else { unreachable!() };
    let closed = call("POST", &format!("/api/v1/sites/{SITE}/tickets/{}/close", ticket.number), Some(AVA), None);
    assert_eq!(closed.status, 200, "{}", closed.body);
    let notice = porchlight_protocol::ticket::TICKET_CLOSED;
    browser.wait_for(
        "the console's closed-ticket notice and disabled composer",
        20,
        "return [...document.querySelectorAll('[role=status]')].some(p => p.textContent === arguments[0])
           && document.querySelector('.composer textarea').disabled",
        json!([notice]),
    );
    // …and so does the customer's widget on their next page.
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.log_shows(&format!("Ticket #{} was closed by Ava.", ticket.number));
    let blocked = browser.wait_for(
        "the widget's closed-ticket notice, no composer, a way to start again",
        20,
        &format!(
            "{SHADOW} const n = root.querySelector('.pl-ticket-closed'); const t = root.querySelector('textarea[aria-label=Message]');
             const again = [...root.querySelectorAll('button')].some(b => b.textContent.trim() === 'Start a new conversation');
             return n && !t && again && n.textContent"
        ),
        json!([]),
    );
    assert_eq!(blocked, json!(notice));
}

#[test]
fn an_agent_starts_an_order_conversation_from_the_console_and_search_finds_it() {
    let user = unique("console-customer");
    let order = unique("CK-77");
    let marker = unique("about your beans");
    let browser = Browser::start();
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), BEN);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.click(&browser.by_name("button", "New conversation"));
    // Focus lands in the first field; the rest by keyboard.
    let focused = browser.wait_for(
        "focus in the customer field",
        10,
        "const a = document.activeElement; return a && a.name === 'user_id'",
        json!([]),
    );
    assert_eq!(focused, json!(true));
    browser.type_text(&browser.focused(), &user);
    let field = |name: &str| browser.script("return document.querySelector(`form.start [name=${arguments[0]}]`)", json!([name]));
    browser.type_text(&field("name"), "Carla Console");
    browser.type_text(&field("order_ref"), &order);
    browser.type_text(&field("message"), &format!("Hi Carla, {marker}"));
    browser.click(&browser.by_name("button", "Start conversation"));
    // It opens, Ben's, with his message.
    browser.log_shows(&marker);
    browser.assert_accessible("the console with a staff-started conversation");

    // The queue finds it by the order and by the customer, and not by something else.
    let search = browser.by_name("input", "Search conversations");
    let rows = |q: &str| {
        browser.script(
            "const i = arguments[0]; i.value = ''; i.dispatchEvent(new Event('input', {bubbles: true})); return true",
            json!([search.clone()]),
        );
        browser.type_text(&search, q);
        browser.wait_for(
            &format!("the rows for {q}"),
            20,
            "const r = [...document.querySelectorAll('tr[data-session]')].map(r => r.innerText);
             return r.length > 0 && r.every(t => t.includes('Carla Console')) && r.length",
            json!([]),
        )
    };
    assert_eq!(rows(&order), json!(1), "by order reference");
    assert_eq!(rows(&user), json!(1), "by customer (user id)");
    assert_eq!(rows("Carla Console"), json!(1), "by customer (name)");
}
