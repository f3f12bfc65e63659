//! A site with `offline_when_no_agents` (the test site `night-shift`): while
//! no agent's console is online the widget offers "Leave a message" instead
//! of "Talk to a person" and says why; once a console signs in, the next
//! opening of the panel offers a person again. Real edge, real Chromium,
//! a real console socket.

use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;

const NIGHT_SHIFT: &str = "night-shift";

fn has_button(browser: &Browser, name: &str) -> bool {
    browser.script(&format!("{FIND_BY_NAME_FN}\nreturn !!find('button', arguments[0])"), json!([name])) == json!(true)
}

#[test]
fn with_nobody_online_talk_to_a_person_becomes_leave_a_message() {
    let no_agents = porchlight_protocol::i18n::Lang::En.strings().no_agents;
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html?site={NIGHT_SHIFT}", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.type_text(&browser.by_name("textbox", "Name"), &unique("Night Owl"));
    browser.click(&browser.by_name("button", "Start chat"));
    browser.by_name("button", "Leave a message");
    assert!(!has_button(&browser, "Talk to a person"));
    browser.wait_for(
        "the visitor told nobody is online",
        20,
        "return document.querySelector('[data-porchlight]').shadowRoot.textContent.includes(arguments[0])",
        json!([no_agents]),
    );
    browser.assert_accessible("the chat with nobody online");

    // An agent opens the console: the next time the panel opens, a person is one click away.
    let mut console = Ws::connect(&format!("/api/v1/sites/{NIGHT_SHIFT}/queue"), None).expect("queue socket");
    let hello = console.queue_hello(AVA);
    assert!(matches!(hello, porchlight_protocol::QueueFrame::Snapshot { .. }), "{hello:?}");
    browser.press("\u{E00C}");
    browser.click(&browser.by_name("button", "Open chat"));
    browser.by_name("button", "Talk to a person");
    assert!(!has_button(&browser, "Leave a message"));
    browser.click(&browser.by_name("button", "Talk to a person"));
    browser.wait_for(
        "the visitor waiting for the online agent",
        20,
        &format!("{FIND_BY_NAME_FN}\nreturn !!find('p', 'Queue position') || document.querySelector('[data-porchlight]').shadowRoot.textContent.includes('Waiting for an agent')"),
        json!([]),
    );
}

/// A site that lets visitors wait with nobody online (`quiet-desk`: no
/// agents at all, `offline_when_no_agents` off, like the demo): the waiting
/// visitor is told nobody is online and offered "Leave a message" beside
/// waiting; leaving one makes the ticket and ends the wait.
#[test]
fn a_visitor_waiting_with_nobody_online_is_told_and_may_leave_a_message() {
    let en = porchlight_protocol::i18n::Lang::En.strings();
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html?site=quiet-desk", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.type_text(&browser.by_name("textbox", "Name"), &unique("Patient Pat"));
    browser.click(&browser.by_name("button", "Start chat"));
    // The chat itself still offers a person (the site does not go offline).
    browser.click(&browser.by_name("button", "Talk to a person"));
    browser.wait_for(
        "the waiting visitor told nobody is online",
        30,
        "const r = document.querySelector('[data-porchlight]').shadowRoot; const n = r.querySelector('.pl-nobody'); return !!n && n.innerText.includes(arguments[0])",
        json!([en.no_agents_waiting]),
    );
    assert!(has_button(&browser, "Leave a message"));
    browser.assert_accessible("waiting with nobody online");
    browser.click(&browser.by_name("button", "Leave a message"));
    browser.type_text(&browser.by_name("textbox", "Your email"), "pat@example.com");
    browser.type_text(&browser.by_name("textbox", "Your question"), "Is the copper kettle induction-ready?");
    browser.click(&browser.by_name("button", "Send message"));
    browser.wait_for(
        "the message left",
        30,
        "return document.querySelector('[data-porchlight]').shadowRoot.textContent.includes(arguments[0])",
        json!(["we'll reply to pat@example.com"]),
    );
    // One line says it (ticket, email): not again under the log, nor "No more messages" beside it.
    let panel = browser
        .script("return document.querySelector('[data-porchlight]').shadowRoot.querySelector('.pl-conversation').innerText", json!([]));
    let panel = panel.as_str().unwrap_or_default();
    assert!(!panel.contains(en.ticket_reply.split('{').next().unwrap_or("We opened")) && !panel.contains(en.ended_no_more), "{panel}");
    browser.log_shows("Is the copper kettle induction-ready?");
    let waiting =
        browser.script("return !!document.querySelector('[data-porchlight]').shadowRoot.querySelector('.pl-nobody, .pl-queue')", json!([]));
    assert_eq!(waiting, json!(false), "no longer waiting");
}
