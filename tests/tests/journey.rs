//! A stranger's journey (issue 11, items 4, 6, 7, 8, 10, 11) in headless
//! Chromium, desktop and phone: the phone's full-screen sheet (modal, no
//! zoom, no page scroll behind it), the keyboard and screen-reader names,
//! one announcement per new message, the branded loading state, the
//! greeting as the first message, and axe-core finding nothing serious.

use porchlight_protocol::{AgentFrame, Status};
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;

const SHADOW: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot;";
const TAB: &str = "\u{E004}";
const ESCAPE: &str = "\u{E00C}";
const ENTER: &str = "\u{E007}";
const GREETING: &str = "Hi! Questions about beans, brewing or your order? We're here.";

/// Whether focus is inside the panel, and the focused element's name.
const FOCUS: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot; const a = root.activeElement;
    return [!!a && root.querySelector('.p').contains(a), a ? (a.getAttribute('aria-label') || a.textContent || '').trim() : null]";

fn press_shift_tab(browser: &Browser) {
    browser.press_with_shift(TAB);
}

#[test]
fn the_phone_sheet_is_modal_full_screen_and_zoom_proof() {
    let browser = Browser::start_phone();
    browser.goto(&format!("{}/", demo_origin()));
    let launcher = browser.by_name("button", "Open chat");
    // The demo shop fits the phone: nothing wider than the screen.
    let widths = browser.script("return [document.documentElement.scrollWidth, innerWidth]", json!([]));
    assert!(widths[0].as_u64() <= widths[1].as_u64(), "the demo page overflows at 390 px: {widths}");
    let inside = browser.script(
        "const r = arguments[0].getBoundingClientRect(); return r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight",
        json!([launcher]),
    );
    assert_eq!(inside, json!(true), "the launcher is on screen");

    browser.click(&launcher);
    browser.by_name("textbox", "Name");
    let sheet = browser.script(
        &format!(
            "{SHADOW} const p = root.querySelector('.p').getBoundingClientRect(), l = root.querySelector('button.l');
             const header = root.querySelector('.pl-header'), close = root.querySelector('.pl-close');
             const full = p.left === 0 && p.top === 0 && p.width === innerWidth && Math.abs(p.height - visualViewport.height) < 1;
             return {{sheet: full, rect: [p.left, p.top, p.width, p.height], launcher: l.getClientRects().length,
               modal: root.querySelector('.p').getAttribute('aria-modal'), page_scroll: getComputedStyle(document.documentElement).overflow,
               close: !!close && close.getClientRects().length > 0 && header.contains(close),
               fonts: [...root.querySelectorAll('input, textarea')].map(i => parseFloat(getComputedStyle(i).fontSize))}}"
        ),
        json!([]),
    );
    assert_eq!(sheet["sheet"], json!(true), "full-screen sheet: {sheet}");
    assert_eq!(sheet["launcher"], json!(0), "the launcher steps aside while the sheet is open: {sheet}");
    assert_eq!(sheet["modal"], json!("true"));
    assert_eq!(sheet["page_scroll"], json!("hidden"), "the page behind does not scroll");
    assert_eq!(sheet["close"], json!(true), "a visible Close button in the header");
    assert!(sheet["fonts"].as_array().is_some_and(|f| f.len() == 2 && f.iter().all(|s| s.as_f64() >= Some(16.0))), "{sheet}");

    // The pre-chat error sits under its field, tied to it.
    browser.click(&browser.by_name("button", "Start chat"));
    let error = browser.wait_for(
        "the name field's error",
        20,
        &format!(
            "{SHADOW} const i = root.querySelector('input[aria-label=Name]'); const id = i.getAttribute('aria-describedby');
             const e = id && root.getElementById(id);
             return e && [i.getAttribute('aria-invalid'), e.textContent, i.parentElement.contains(e), root.activeElement === i]"
        ),
        json!([]),
    );
    assert_eq!(error, json!(["true", "Please enter your name.", true, true]));

    // Modal: Tab and Shift+Tab cycle inside the sheet.
    for _ in 0..6 {
        browser.press(TAB);
        assert_eq!(browser.script(FOCUS, json!([]))[0], json!(true), "Tab stays in the sheet");
    }
    for _ in 0..6 {
        press_shift_tab(&browser);
        assert_eq!(browser.script(FOCUS, json!([]))[0], json!(true), "Shift+Tab stays in the sheet");
    }

    // A conversation: the greeting opens it, the composer is 16 px and on screen.
    browser.click(&browser.by_name("textbox", "Name"));
    browser.type_text(&browser.by_name("textbox", "Name"), &unique("Phone Visitor"));
    browser.click(&browser.by_name("button", "Start chat"));
    let composer = browser.by_name("textbox", "Message");
    browser.log_shows(GREETING);
    let fits = browser.script(
        "const r = arguments[0].getBoundingClientRect(); return [parseFloat(getComputedStyle(arguments[0]).fontSize) >= 16, r.bottom <= visualViewport.height, r.top > 0]",
        json!([composer]),
    );
    assert_eq!(fits, json!([true, true, true]), "composer: 16 px, inside the visual viewport");
    browser.type_text(&composer, &format!("where is my order?{ENTER}"));
    browser.log_shows("Did one of these answer your question?");
    browser.assert_accessible("the phone sheet, in a conversation");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-phone.png"));
    }

    // Escape closes it, gives focus back to the launcher, and the page scrolls again.
    browser.press(ESCAPE);
    browser.by_name("button", "Open chat");
    let after = browser.script(
        &format!("{SHADOW} return [root.querySelector('.p').hidden, getComputedStyle(document.documentElement).overflow, root.activeElement && root.activeElement.className]"),
        json!([]),
    );
    assert_eq!(after, json!([true, "visible", "l"]));
    // The header's Close button closes it too.
    browser.click(&browser.by_name("button", "Open chat"));
    browser.click(&browser.by_name("button", "Close chat"));
    browser.by_name("button", "Open chat");
}

#[test]
fn the_desktop_panel_is_not_modal_and_leaves_the_tab_order_when_closed() {
    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    browser.goto(&format!("{}/", demo_origin()));
    let launcher = browser.by_name("button", "Open chat");
    // Closed: nothing in the panel can take focus.
    let focusable = format!(
        "{SHADOW} return [...root.querySelectorAll('.p button, .p input, .p textarea, .p a[href]')].filter(e => e.getClientRects().length).length"
    );
    assert_eq!(browser.script(&focusable, json!([])), json!(0));
    browser.click(&launcher);
    browser.by_name("textbox", "Name");
    let state = browser.script(
        &format!("{SHADOW} return [root.querySelector('.p').getAttribute('aria-modal'), getComputedStyle(document.documentElement).overflow, root.querySelector('.pl-close').getClientRects().length]"),
        json!([]),
    );
    assert_eq!(state, json!(["false", "visible", 1]), "desktop: non-modal, the page scrolls, a visible × closes it too");
    // Non-modal: Tab from the panel's last control leaves it.
    browser.script(&format!("{SHADOW} root.querySelector('.pl-prechat .pl-primary').focus(); return true"), json!([]));
    browser.press(TAB);
    let left = browser.script(FOCUS, json!([]));
    assert_eq!(left[0], json!(false), "Tab is not trapped on a desktop: {left}");
    browser.click(&browser.by_name("button", "Close chat"));
    browser.by_name("button", "Open chat");
    assert_eq!(browser.script(&focusable, json!([])), json!(0), "the closed panel leaves the tab order");
}

/// While the WASM is still downloading (a slow link: 150 KB/s), the open
/// panel already wears the site's name and accent, and a new visitor can
/// fill in the pre-chat form and press Start chat; the widget carries on
/// with what they typed. The config and the help center's index are
/// fetched beside the WASM, not after it.
#[test]
fn the_panel_is_branded_and_the_form_usable_while_the_widget_downloads() {
    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    let launcher = browser.by_name("button", "Open chat");
    browser.wait_for(
        "the launcher's accent (the config arrived)",
        20,
        "return getComputedStyle(arguments[0]).backgroundColor === 'rgb(180, 83, 42)'",
        json!([launcher]),
    );
    browser.cdp("Network.enable", json!({}));
    browser.cdp(
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": 0, "downloadThroughput": 150_000, "uploadThroughput": 150_000}),
    );
    browser.script("arguments[0].focus(); return true", json!([launcher]));
    browser.press(ENTER);
    let early = browser.wait_for(
        "the branded stand-in with its form",
        20,
        &format!(
            "{SHADOW} const k = root.querySelector('.p [data-early]'); const h = k && k.querySelector('.kh'), t = k && k.querySelector('.kt');
             const a = root.activeElement;
             return t && t.textContent && [t.textContent, getComputedStyle(h).backgroundColor, getComputedStyle(h).color,
               k.querySelector('[role=status]').textContent, a && a.getAttribute('aria-label')]"
        ),
        json!([]),
    );
    assert_eq!(early, json!(["Copper Kettle Coffee Co.", "rgb(180, 83, 42)", "rgb(255, 255, 255)", "Loading chat…", "Name"]));
    let wasm_done = "return performance.getEntriesByType('resource').some(e => e.name.endsWith('.wasm'))";
    assert_eq!(browser.script(wasm_done, json!([])), json!(false), "the WASM is still on its way");
    browser.assert_accessible("the loading state with its form");
    // Typed and sent before the widget runs.
    let name = unique("Early Visitor");
    browser.press(&name);
    browser.press(TAB);
    browser.press(&format!("early@example.com{ENTER}"));
    let fetched = browser.wait_for(
        "the config and the index, fetched while the WASM still downloads",
        60,
        "const names = performance.getEntriesByType('resource').map(e => e.name);
         return names.some(n => n.includes('/kb/index?v=')) && [names.some(n => n.endsWith('/widget')), names.some(n => n.endsWith('.wasm'))]",
        json!([]),
    );
    assert_eq!(fetched, json!([true, false]), "config and index arrive before the WASM, not after it");
    browser.wait_for("the WASM", 120, wasm_done, json!([]));
    browser
        .cdp("Network.emulateNetworkConditions", json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}));
    // The widget carried on: the session started with what was typed.
    browser.log_shows(GREETING);
    let focused = browser.wait_for(
        "focus in the composer",
        20,
        &format!("{SHADOW} const a = root.activeElement; return a && a.getAttribute('aria-label') === 'Message'"),
        json!([]),
    );
    assert_eq!(focused, json!(true));
    let mut queue = Ws::queue();
    let found = match queue.queue_hello(AVA) {
        porchlight_protocol::QueueFrame::Snapshot { sessions, .. } => sessions.into_iter().find(|s| s.visitor.name == name),
        other => panic!("{other:?}"),
    };
    let found = found.unwrap_or_else(|| queue.queue_until(&name, |_| true));
    assert_eq!(found.visitor.email.as_deref(), Some("early@example.com"));
}

#[test]
fn new_messages_are_announced_once_as_author_and_text() {
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    let name = unique("Listening Visitor");
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.click(&browser.by_name("button", "Start chat"));
    // The greeting is the first message: the log is never blank.
    browser.log_shows(GREETING);
    let first = browser.script(&format!("{SHADOW} return root.querySelector('[role=log] .pl-msg').innerText"), json!([]));
    assert!(first.as_str().is_some_and(|t| t.contains("Copper Kettle Coffee Co.") && t.contains(GREETING)), "{first}");
    browser.assert_accessible("the widget's conversation with the bot");
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("can I talk to a human please{ENTER}"));
    let summary = queue.queue_until(&name, |s| s.status == Status::Waiting);
    let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut agent = Ws::agent_session(&session);
    agent.agent_hello(AVA);
    agent.send(&AgentFrame::Accept);
    browser.log_shows("Ava joined the conversation");
    let joined = browser.script(
        &format!("{SHADOW} return [...root.querySelectorAll('[role=log] .pl-system')].filter(m => m.innerText.includes('Ava joined')).map(m => m.getAttribute('role'))"),
        json!([]),
    );
    assert_eq!(joined, json!(["status"]), "\"Ava joined\" is a status");
    agent.send(&AgentFrame::Typing { typing: true });
    let typing = browser.wait_for(
        "the typing line",
        20,
        &format!("{SHADOW} const t = root.querySelector('.pl-typing'); return t && t.getAttribute('role')"),
        json!([]),
    );
    assert_eq!(typing, json!("status"));
    agent.send(&AgentFrame::send(client_id("say-1"), "Your order\nshipped this morning."));
    browser.log_shows("shipped this morning.");
    let live = browser.script(
        &format!(
            "{SHADOW} const regions = [...root.querySelectorAll('[aria-live]:not([aria-live=off]), [role=status], [role=alert]')];
             const log = root.querySelector('[role=log]');
             return {{announcer: root.querySelector('.pl-sr').textContent, log_live: log.getAttribute('aria-live'),
               in_regions: regions.map(r => r.textContent).filter(t => t.includes('shipped')) }}"
        ),
        json!([]),
    );
    assert_eq!(
        live,
        json!({"announcer": "Ava: Your order shipped this morning.", "log_live": "off", "in_regions": ["Ava: Your order shipped this morning."]}),
        "announced once, without the message's actions"
    );
    browser.assert_accessible("the widget's conversation with an agent");
    // The article reader and the closed conversation.
    agent.send(&AgentFrame::Close);
    browser.log_shows("closed the conversation");
    browser.by_name("button", "Start a new conversation");
    browser.assert_accessible("the closed conversation");
}

#[test]
fn axe_finds_nothing_serious_in_the_widget() {
    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    browser.by_name("button", "Open chat");
    browser.assert_accessible("the demo page with the launcher");
    browser.click(&browser.by_name("button", "Open chat"));
    browser.by_name("textbox", "Name");
    browser.assert_accessible("the pre-chat form");
    browser.click(&browser.by_name("button", "Start chat"));
    browser.wait_for("the name field's error", 20, &format!("{SHADOW} return !!root.querySelector('.pl-field-error')"), json!([]));
    browser.assert_accessible("the pre-chat form with an error");
    browser.type_text(&browser.by_name("textbox", "Name"), &unique("Audited Visitor"));
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("where is my order?{ENTER}"));
    browser.log_shows("Did one of these answer your question?");
    browser.assert_accessible("the conversation with the bot's articles");
    browser.click(&browser.wait_for(
        "an article the bot offered",
        20,
        &format!("{SHADOW} return root.querySelector('.pl-article-link')"),
        json!([]),
    ));
    browser.wait_for("the article reader", 20, &format!("{FIND_BY_NAME_FN}\nreturn !!find('section', 'Article')"), json!([]));
    browser.assert_accessible("the article reader");
    browser.click(&browser.by_name("button", "← Back to chat"));
    browser.click(&browser.by_name("button", "Yes, thanks"));
    browser.by_name("button", "Start a new conversation");
    browser.assert_accessible("the conversation the visitor closed");
}

#[test]
fn axe_finds_nothing_serious_in_the_console() {
    let browser = Browser::start();
    browser.set_viewport(1280, 800);
    browser.goto(&format!("{}/agent", edge()));
    browser.by_name("button", "Sign in");
    browser.assert_accessible("the console's sign-in");
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.by_name("button", "Sign out");
    let name = unique("Audit Visitor");
    let session = create_session(&name);
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    visitor.handoff();
    let row = format!("tr[data-session='{}']", session.session_id);
    let accept = browser.row_button(&row, "Accept");
    browser.assert_accessible("the console's queue");
    browser.click(&accept);
    browser.by_name("button", "Close session");
    visitor.send(&porchlight_protocol::VisitorFrame::send(client_id("audit-1"), "Hello, is my order on its way?"));
    browser.log_shows("is my order on its way?");
    browser.assert_accessible("the console's conversation");
}
