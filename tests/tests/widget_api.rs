//! The page's JavaScript API and the site's appearance, in real headless
//! Chromium against the real edge: `demo-site/api.html` hides the launcher
//! and drives the chat with `Porchlight(…)` calls only (queued before the
//! loader ran); `demo-site/embed.html?site=tea-house` shows a site with
//! every appearance setting changed (left, offsets, label, forced dark).

use porchlight_protocol::{AgentFrame, QueueFrame, SessionFrame, Status};
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;

const SHADOW: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot;";
const WASM_REQUESTED: &str = "return performance.getEntriesByType('resource').some(e => e.name.endsWith('.wasm'))";

fn heard(browser: &Browser) -> Vec<String> {
    let v = browser.script("return window.heard", json!([]));
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

fn wait_heard(browser: &Browser, what: &str) {
    browser.wait_for(&format!("the page to hear `{what}`"), 20, "return window.heard.includes(arguments[0])", json!([what]));
}

#[test]
fn the_page_drives_the_chat_through_the_javascript_api() {
    let browser = Browser::start();
    browser.goto(&format!("{}/api.html", demo_origin()));
    // `hide` (queued before the loader) hid the launcher; the page's own button drives the chat.
    browser.wait_for(
        "the loader to replace the stub and replay its queue",
        20,
        &format!("{SHADOW} return typeof Porchlight === 'function' && !Porchlight.q && root.querySelector('.l').hidden && root.querySelector('.l').getClientRects().length === 0"),
        json!([]),
    );
    // An unknown call is named in the console, with the valid ones.
    let warned = browser.script(
        "const said = []; const warn = console.warn; console.warn = (...a) => said.push(a.join(' '));
         Porchlight('bogus'); console.warn = warn; return said",
        json!([]),
    );
    let warned = warned[0].as_str().unwrap_or_default();
    assert!(warned.contains("\"bogus\"") && warned.contains("open") && warned.contains("showArticle"), "{warned}");
    // So are a misspelt event and a context that is not an object (and neither changes anything).
    let warned = browser.script(
        "const said = []; const warn = console.warn; console.warn = (...a) => said.push(a.join(' '));
         Porchlight('on', 'nonsense', () => {}); Porchlight('setContext', 'not an object'); console.warn = warn; return said",
        json!([]),
    );
    assert!(
        warned[0].as_str().is_some_and(|w| w.contains("unread") && w.contains("message"))
            && warned[1].as_str().is_some_and(|w| w.contains("setContext") && w.contains("object")),
        "{warned}"
    );
    // `setContext` merged attributes key by key: `Coupon: null` removed one, the rest stayed.
    let context = browser.script("return Porchlight.context", json!([]));
    assert_eq!(context, json!({"orderRef": "CK-2077", "attributes": {"Plan": "Monthly beans", "Loyalty points": 120}}));
    // `on('unread')` answers at once (0), without loading the widget for a visitor with no chat.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(heard(&browser), vec!["unread:0"]);
    assert_eq!(browser.script(WASM_REQUESTED, json!([])), json!(false), "WASM fetched before intent");

    // The custom button toggles the panel: the widget loads, mounts and says `ready`.
    let chat = browser.script("return document.getElementById('chat')", json!([]));
    browser.click(&chat);
    wait_heard(&browser, "ready");
    assert_eq!(browser.script("return document.getElementById('chat').getAttribute('aria-expanded')", json!([])), json!("true"));
    assert_eq!(&heard(&browser)[..2], ["unread:0", "open"], "{:?}", heard(&browser));
    // With the launcher hidden, the panel's own × (visible, labelled) is the way out on a desktop too.
    let close = browser.wait_for(
        "a visible Close button in the panel header",
        20,
        &format!("{SHADOW} const c = root.querySelector('.pl-header .pl-close'); return !!c && c.getClientRects().length > 0 && c.getAttribute('aria-label')"),
        json!([]),
    );
    assert_eq!(close, json!("Close chat"));

    // `prefill` puts the question in the composer once the chat starts, unsent.
    browser.script("Porchlight('prefill', 'Do you roast decaf on Mondays?')", json!([]));
    let name = unique("API Visitor");
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.click(&browser.by_name("button", "Start chat"));
    browser.wait_for(
        "the prefilled composer",
        20,
        &format!("{FIND_BY_NAME_FN}\nconst m = find('textbox', 'Message'); return m && m.value === 'Do you roast decaf on Mondays?'"),
        json!([]),
    );

    // An agent sees the merged context; a later call changes one attribute, live.
    let mut queue = Ws::queue();
    let summary = match queue.queue_hello(AVA) {
        QueueFrame::Snapshot { sessions, .. } => sessions.into_iter().find(|s| s.visitor.name == name),
        other => panic!("{other:?}"),
    };
    let summary = summary.unwrap_or_else(|| queue.queue_until(&name, |_| true));
    let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut agent = Ws::agent_session(&session);
    match agent.agent_hello(AVA) {
        SessionFrame::Welcome { session, .. } => {
            assert_eq!(session.context.order_ref.as_deref(), Some("CK-2077"));
            let attrs = &session.context.attributes;
            assert_eq!(attrs.get("Plan").map(String::as_str), Some("Monthly beans"), "{attrs:?}");
            assert_eq!(attrs.get("Loyalty points").map(String::as_str), Some("120"), "{attrs:?}");
            assert!(!attrs.contains_key("Coupon"), "null removed it: {attrs:?}");
        }
        other => panic!("{other:?}"),
    }
    browser.script("Porchlight('setContext', { attributes: { Plan: null, Grind: 'Espresso' } })", json!([]));
    agent.recv_until::<SessionFrame>("the merged context", |f| {
        matches!(f, SessionFrame::Context { context } if context.attributes.get("Grind").map(String::as_str) == Some("Espresso")
            && !context.attributes.contains_key("Plan") && context.attributes.contains_key("Loyalty points"))
    });

    // `showArticle` opens a help-center article in the panel.
    browser.script("document.getElementById('track').click()", json!([]));
    browser.wait_for(
        "the article from showArticle",
        20,
        &format!("{SHADOW} const h = root.querySelector('.p:not([hidden]) section.pl-reader h2'); return !!h && h.textContent === 'Track your order'"),
        json!([]),
    );
    browser.click(&browser.by_name("button", "← Back to chat"));

    // Handed off and accepted, then `close`: the agent's reply is counted for the page's own badge.
    browser.click(&browser.by_name("button", "Talk to a person"));
    queue.queue_until(&name, |s| s.status == Status::Waiting);
    agent.send(&AgentFrame::Accept);
    browser.log_shows("Ava joined the conversation");
    browser.script("Porchlight('close')", json!([]));
    wait_heard(&browser, "close");
    agent.send(&AgentFrame::send(client_id("api-1"), "Every Monday, decaf included."));
    wait_heard(&browser, "message:Every Monday, decaf included.");
    wait_heard(&browser, "unread:1");
    browser.wait_for(
        "the page's own unread badge",
        20,
        "const b = document.getElementById('unread'); return !b.hidden && b.textContent === '1' && document.getElementById('chat').getAttribute('aria-label') === 'Chat with us, 1 unread'",
        json!([]),
    );
    // `open` shows it: seen, the count is back to 0.
    browser.script("Porchlight('open')", json!([]));
    browser.log_shows("Every Monday, decaf included.");
    browser.wait_for("unread back to 0", 20, "return window.heard.lastIndexOf('unread:0') > window.heard.indexOf('unread:1')", json!([]));
    // While open and visible, a new reply is read as it arrives: `unread` does not flicker 1 then 0.
    let before = heard(&browser).len();
    agent.send(&AgentFrame::send(client_id("api-2"), "Anything else?"));
    wait_heard(&browser, "message:Anything else?");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let after = heard(&browser);
    assert!(!after[before..].iter().any(|h| h.starts_with("unread:") && h != "unread:0"), "{after:?}");

    // `reset`: a shared computer's logout. This browser forgets the conversation and disconnects.
    browser.script("Porchlight('reset')", json!([]));
    browser.wait_for(
        "the pre-chat form after reset",
        20,
        &format!("{FIND_BY_NAME_FN}\nreturn !!find('textbox', 'Name') && !find('log', 'Messages')"),
        json!([]),
    );
    let stored = browser.script("return Object.keys(localStorage).filter(k => k.startsWith('porchlight:v1:copper-kettle'))", json!([]));
    assert_eq!(stored, json!([]), "nothing of the conversation is left in localStorage");
    agent.recv_until::<SessionFrame>("the visitor gone offline (reset disconnects)", |f| {
        matches!(f, SessionFrame::VisitorPresence { online: false })
    });
    // A reload does not bring it back, and `show` brings the launcher back.
    browser.goto(&format!("{}/api.html", demo_origin()));
    browser.wait_for("the loader", 20, "return typeof Porchlight === 'function' && !Porchlight.q", json!([]));
    browser.script("Porchlight('show')", json!([]));
    let launcher = browser.by_name("button", "Open chat");
    browser.click(&launcher);
    browser.by_name("textbox", "Name");
    assert_eq!(browser.script(&format!("{FIND_BY_NAME_FN}\nreturn !!find('log', 'Messages')"), json!([])), json!(false));
    // Ready fires for listeners added late, too.
    browser.wait_for(
        "a late `ready` listener called at once",
        20,
        "let called = false; Porchlight('on', 'ready', () => { called = true; }); return called",
        json!([]),
    );
}

#[test]
fn a_site_sets_the_launchers_side_offsets_label_and_a_dark_panel() {
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html?site=tea-house", demo_origin()));
    // Its visible label leads its accessible name (WCAG 2.5.3).
    let launcher = browser.by_name("button", "Chat with us (Open chat)");
    // Left, 24 px from the side and 32 px from the bottom, with its label; the
    // yellow accent gets near-black text (contrast), before any WASM.
    let placed = browser.wait_for(
        "the launcher placed from the site's config",
        20,
        "const r = arguments[0].getBoundingClientRect(); const s = getComputedStyle(arguments[0]);
         return r.left === 24 && Math.round(innerHeight - r.bottom) === 32 && arguments[0].textContent.trim() === 'Chat with us'
           && s.backgroundColor === 'rgb(255, 212, 0)' && s.color === 'rgb(17, 17, 17)' ? r.width : null",
        json!([launcher]),
    );
    assert!(placed.as_f64().unwrap_or(0.0) > 100.0, "the label widens the launcher: {placed}");
    assert_eq!(browser.script(WASM_REQUESTED, json!([])), json!(false));

    browser.click(&launcher);
    browser.by_name("textbox", "Name");
    let panel = browser.wait_for(
        "the dark panel, on the left, with the site's header",
        20,
        &format!(
            "{SHADOW} const p = root.querySelector('.pl-panel'); const box = root.querySelector('.p').getBoundingClientRect();
             return p && p.classList.contains('pl-dark') && getComputedStyle(p).backgroundColor === 'rgb(28, 28, 31)'
               && box.left === 24 && root.querySelector('.pl-title').textContent === 'Tea House support'
               ? [root.querySelector('.pl-subtitle').textContent, getComputedStyle(root.querySelector('.pl-header')).color] : null"
        ),
        json!([]),
    );
    assert_eq!(panel, json!(["We reply within the hour", "rgb(17, 17, 17)"]), "header text contrasts with the yellow accent");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-dark.png"));
    }
}

#[test]
fn the_panel_follows_the_visitors_dark_preference_unless_the_site_forces_one() {
    let browser = Browser::start();
    browser.cdp("Emulation.setEmulatedMedia", json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]}));
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.by_name("textbox", "Name");
    let dark = format!("{SHADOW} const p = root.querySelector('.pl-panel'); return p && getComputedStyle(p).backgroundColor");
    browser.wait_for("a dark panel for a visitor who prefers dark", 20, &format!("{dark} === 'rgb(28, 28, 31)'"), json!([]));
    browser.cdp("Emulation.setEmulatedMedia", json!({"features": [{"name": "prefers-color-scheme", "value": "light"}]}));
    browser.wait_for("a light panel again", 20, &format!("{dark} === 'rgb(255, 255, 255)'"), json!([]));
}
