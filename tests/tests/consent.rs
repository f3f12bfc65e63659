//! A site with `consent_required` (the test site `consent-shop`): before the
//! visitor opens the chat the page has nothing stored (localStorage,
//! sessionStorage, cookies), no session was asked for and no socket opened;
//! after the click the chat works as anywhere. Also: a returning visitor's
//! conversation is not loaded at page load there. And the launcher's
//! built-in icon (`tea-house` has `"icon": "help"`).

use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

const NOTHING_YET: &str = "return [localStorage.length, sessionStorage.length, document.cookie,
  performance.getEntriesByType('resource').filter(e => /\\/sessions|\\/ws|\\.wasm/.test(e.name)).map(e => e.name)]";

#[test]
fn nothing_is_stored_or_connected_before_the_visitor_opens_the_chat() {
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html?site=consent-shop", demo_origin()));
    // The loader has fetched the public config (its launcher is placed) ...
    browser.wait_for(
        "the launcher",
        20,
        "const r = document.querySelector('[data-porchlight]'); return !!r && !!r.shadowRoot.querySelector('button.l') && performance.getEntriesByType('resource').some(e => e.name.includes('/widget'))",
        json!([]),
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // ... and nothing else: no storage, no session, no socket, no widget.
    assert_eq!(browser.script(NOTHING_YET, json!([])), json!([0, 0, "", []]));

    // The click is the visitor's request: the chat works.
    browser.click(&browser.by_name("button", "Open chat"));
    let name = unique("Careful Visitor");
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), "Do you ship to Norway?");
    browser.click(&browser.by_name("button", "Send"));
    browser.log_shows("Do you ship to Norway?");
    browser.wait_for("the conversation kept for a reload", 20, "return localStorage.length > 0", json!([]));
    browser.assert_accessible("the consent site's conversation");

    // Back later: the stored conversation is not loaded before a click either.
    browser.goto("about:blank");
    browser.goto(&format!("{}/embed.html?site=consent-shop", demo_origin()));
    browser.wait_for(
        "the launcher",
        20,
        "return performance.getEntriesByType('resource').some(e => e.name.includes('/widget'))",
        json!([]),
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let loaded =
        browser.script("return performance.getEntriesByType('resource').filter(e => /\\/ws|\\.wasm/.test(e.name)).length", json!([]));
    assert_eq!(loaded, json!(0), "the widget loaded at page load on a consent site");
    // The click resumes the same conversation.
    browser.click(&browser.by_name("button", "Open chat"));
    browser.log_shows("Do you ship to Norway?");
}

#[test]
fn without_consent_required_an_open_conversation_still_loads_at_page_load() {
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.type_text(&browser.by_name("textbox", "Name"), &unique("Returning Visitor"));
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), "Hello again");
    browser.click(&browser.by_name("button", "Send"));
    browser.log_shows("Hello again");
    browser.goto("about:blank");
    browser.goto(&format!("{}/embed.html", demo_origin()));
    browser.wait_for(
        "the widget loaded behind the closed launcher",
        30,
        "return performance.getEntriesByType('resource').some(e => e.name.endsWith('.wasm'))",
        json!([]),
    );
}

#[test]
fn the_launcher_wears_the_sites_built_in_icon() {
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html?site=tea-house", demo_origin()));
    let icon = browser.wait_for(
        "the help icon",
        20,
        "const b = document.querySelector('[data-porchlight]').shadowRoot.querySelector('button.l');
         return b.dataset.icon === 'help' && b.querySelector('path').getAttribute('d').startsWith('M12 2a10') && b.querySelector('svg').getAttribute('aria-hidden')",
        json!([]),
    );
    assert_eq!(icon, json!("true"));
    // The demo keeps the speech bubble.
    browser.goto(&format!("{}/embed.html", demo_origin()));
    browser.wait_for(
        "the chat icon",
        20,
        "const b = document.querySelector('[data-porchlight]').shadowRoot.querySelector('button.l'); return b.dataset.icon === 'chat'",
        json!([]),
    );
}
