//! Dark mode in headless Chromium, with the agent's or visitor's
//! `prefers-color-scheme: dark` emulated through DevTools: the console
//! (queue, an open chat with the visitor's, the bot's and the agent's
//! messages and a note, its menus, tickets, team chat and a dialog) and the
//! widget in every state (launcher, pre-chat form, conversation, reader,
//! attachment, closed chat with its rating, the visitor's conversations,
//! the leave-a-message form) have no serious or critical axe violation,
//! colour contrast included; a site's forced `dark` or `light` wins over the
//! visitor's preference.

use porchlight_protocol::{AgentFrame, Status, VisitorFrame};
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;
use std::sync::Mutex;

const ENTER: &str = "\u{E007}";
const TAB: &str = "\u{E004}";
const SHADOW: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot;";
/// The tea-house test site forces the dark scheme; the hours tests and these share it, one at a time here.
const DARK_SITE: &str = "tea-house";
static TEA_HOUSE_HOURS: Mutex<()> = Mutex::new(());

fn prefer(browser: &Browser, scheme: &str) {
    browser.cdp("Emulation.setEmulatedMedia", json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}));
}

/// The computed background of the first element matching `selector` (in the document).
fn background(browser: &Browser, selector: &str) -> serde_json::Value {
    browser.wait_for(
        &format!("{selector} to be drawn"),
        20,
        "const e = document.querySelector(arguments[0]); return e && getComputedStyle(e).backgroundColor",
        json!([selector]),
    )
}

#[test]
fn the_console_in_dark_mode_is_readable_everywhere() {
    // The queue holds a conversation with the bot and one waiting, whose visitor talked to the bot first.
    let with_bot = create_session(&unique("Night Bot Visitor"));
    let mut bot_visitor = Ws::visitor(&with_bot);
    bot_visitor.visitor_hello(&with_bot.token);
    // A visitor who brings much context: the panel above the log must not take its room.
    let name = unique("Night Visitor");
    let attributes: serde_json::Map<String, serde_json::Value> =
        (1..=9).map(|n| (format!("attribute {n}"), json!(format!("value {n}")))).collect();
    let body = json!({"name": name, "email": "night@example.com",
        "context": {"page_url": "https://shop.example/orders/1042", "order_ref": "1042", "attributes": attributes}});
    let created = start_session_on(SITE, body);
    assert_eq!(created.status, 201, "{}", created.body);
    let session: porchlight_protocol::SessionCreated = serde_json::from_value(created.body).expect("created");
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    visitor.send(&VisitorFrame::send(client_id("dark-1"), "where is my order?"));
    visitor.handoff();

    let browser = Browser::start();
    prefer(&browser, "dark");
    browser.set_viewport(1280, 800);
    browser.goto(&format!("{}/agent", edge()));
    browser.by_name("button", "Sign in");
    assert_eq!(background(&browser, "body"), json!("rgb(20, 20, 22)"), "a dark page");
    browser.assert_accessible("the dark console's sign-in");
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.by_name("button", "Sign out");
    let row = format!("tr[data-session='{}']", session.session_id);
    let accept = browser.row_button(&row, "Accept");
    browser.assert_accessible("the dark console's queue");

    browser.click(&accept);
    browser.by_name("button", "Close session");
    visitor.send(&VisitorFrame::send(client_id("dark-2"), "It was due on Monday."));
    browser.log_shows("It was due on Monday.");
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("Let me look.{ENTER}"));
    browser.log_shows("Let me look.");
    browser.click(&browser.by_name("input", "Internal note"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("Courier is late this week{ENTER}"));
    browser.log_shows("Courier is late this week");
    // The visitor's bubble is dark, not the light grey it is by day.
    let theirs = browser.wait_for(
        "the visitor's bubble",
        20,
        "const m = [...document.querySelectorAll('.log .msg.theirs')].find(m => m.innerText.includes('due on Monday'));
         return m && [getComputedStyle(m).backgroundColor, getComputedStyle(m).color]",
        json!([]),
    );
    assert_eq!(theirs, json!(["rgb(46, 46, 51)", "rgb(236, 236, 239)"]));
    // At 1280×800 the conversation log has most of the pane, not the visitor panel.
    let share = browser.script(
        "const p = document.querySelector('.workspace .chat').getBoundingClientRect().height, l = document.querySelector('.workspace .chat > .log').getBoundingClientRect().height,
           i = document.querySelector('.visitor-info').getBoundingClientRect().height; return [Math.round(100 * l / p), Math.round(100 * i / p)]",
        json!([]),
    );
    assert!(
        share[0].as_i64().unwrap_or(0) >= 50 && share[1].as_i64().unwrap_or(100) <= 25,
        "log and visitor panel, % of the pane: {share}"
    );
    browser.assert_accessible("the dark console's conversation (bot, visitor, agent, note)");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-console-dark.png"));
    }

    // Its menus: the header's "More actions" and a message's "⋯".
    browser.click(&browser.by_name("button", "More actions"));
    browser.wait_for("the More menu", 20, "return document.querySelector('[role=menu][aria-label=\"More actions\"]')", json!([]));
    browser.assert_accessible("the dark console's More menu");
    browser.press("\u{E00C}");
    let bubble = "[...document.querySelectorAll('.log .msg')].find(m => m.innerText.includes('due on Monday'))";
    browser.script(&format!("{bubble}.querySelector('.pl-more').focus(); return true"), json!([]));
    browser.press(ENTER);
    browser.wait_for("the message menu", 20, &format!("return {bubble}.querySelector('[role=menu]')"), json!([]));
    browser.assert_accessible("the dark console's message menu");
    let menu = browser.script(&format!("return getComputedStyle({bubble}.querySelector('[role=menu]')).backgroundColor"), json!([]));
    assert_eq!(menu, json!("rgb(30, 30, 33)"), "a dark menu");
    browser.press("\u{E00C}");

    // A focus ring that shows on dark (3:1 or more against the pane).
    browser.script("document.querySelector('.search').focus(); return true", json!([]));
    browser.press(TAB);
    let ring = browser.script(
        "const a = document.activeElement; const s = getComputedStyle(a); return [a.tagName, s.outlineStyle, s.outlineColor]",
        json!([]),
    );
    assert_eq!((ring[1].clone(), ring[2].clone()), (json!("solid"), json!("rgb(127, 212, 160)")), "{ring}");

    // Tickets, then team chat and one of its dialogs.
    browser.click(&browser.by_name("button", "Tickets"));
    browser.wait_for("the tickets view", 20, "return document.querySelector('.tickets')", json!([]));
    browser.assert_accessible("the dark console's tickets");
    browser.click(&browser.by_name("button", "Tickets"));
    browser.click(&browser.by_name("button", "Team"));
    browser.by_name("button", "New channel");
    browser.assert_accessible("the dark console's team chat");
    browser.click(&browser.by_name("button", "New channel"));
    browser.wait_for("the new channel form", 20, "return document.getElementById('team-new-name')", json!([]));
    assert_eq!(background(&browser, ".team-dialog"), json!("rgb(30, 30, 33)"));
    browser.assert_accessible("the dark console's new-channel dialog");
}

/// Audits the widget's states on the demo page for a visitor who prefers dark.
#[test]
fn the_widget_in_dark_mode_passes_axe_in_every_state() {
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let browser = Browser::start();
    prefer(&browser, "dark");
    browser.goto(&format!("{}/", demo_origin()));
    browser.by_name("button", "Open chat");
    browser.assert_accessible("the dark demo page's launcher");
    browser.click(&browser.by_name("button", "Open chat"));
    browser.by_name("textbox", "Name");
    let panel = browser.wait_for(
        "the dark panel",
        20,
        &format!("{SHADOW} const p = root.querySelector('.pl-panel'); return p && getComputedStyle(p).backgroundColor"),
        json!([]),
    );
    assert_eq!(panel, json!("rgb(28, 28, 31)"));
    browser.click(&browser.by_name("button", "Start chat"));
    browser.wait_for("the name field's error", 20, &format!("{SHADOW} return !!root.querySelector('.pl-field-error')"), json!([]));
    browser.assert_accessible("the dark pre-chat form with an error");
    let name = unique("Dark Visitor");
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("where is my order?{ENTER}"));
    browser.log_shows("Did one of these answer your question?");
    browser.assert_accessible("the dark conversation with the bot's articles");
    browser.click(&browser.wait_for("an article", 20, &format!("{SHADOW} return root.querySelector('.pl-article-link')"), json!([])));
    browser.wait_for("the article reader", 20, &format!("{FIND_BY_NAME_FN}\nreturn !!find('section', 'Article')"), json!([]));
    browser.assert_accessible("the dark article reader");
    browser.click(&browser.by_name("button", "← Back to chat"));

    // An image, then a person: Ava accepts, reacts, and closes; the visitor is asked to rate.
    browser.script_async(CHOOSE_PNG, json!([]));
    browser.wait_for(
        "the thumbnail",
        30,
        &format!("{SHADOW} const i = root.querySelector('.pl-thumb img'); return i && i.complete && i.naturalWidth > 0"),
        json!([]),
    );
    // Icons are drawn (SVG), not glyphs an emoji-less machine shows as boxes; the buttons keep their names.
    let icons = browser.script(
        &format!("{SHADOW} const a = root.querySelector('.pl-attach'), m = root.querySelector('.pl-more');
         return [!!a.querySelector('svg'), a.textContent.trim(), a.getAttribute('aria-label'), !!m.querySelector('svg'), m.textContent.trim()]"),
        json!([]),
    );
    assert_eq!(icons, json!([true, "", "Attach a file", true, ""]));
    browser.click(&browser.by_name("button", "Talk to a person"));
    let summary = queue.queue_until(&name, |s| s.status == Status::Waiting);
    let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::Accept);
    browser.log_shows("Ava joined the conversation");
    ava.send(&AgentFrame::send(client_id("dark-ava"), "Found it: it ships today."));
    browser.log_shows("Found it: it ships today.");
    browser.assert_accessible("the dark conversation with an agent and an attachment");
    ava.send(&AgentFrame::Close);
    browser.wait_for("the rating", 20, &format!("{SHADOW} return !!root.querySelector('.pl-rating fieldset')"), json!([]));
    browser.assert_accessible("the dark closed conversation with its rating");
    let faces = browser.script(
        &format!("{SHADOW} return [...root.querySelectorAll('.pl-face')].map(f => [!!f.querySelector('svg'), f.innerText.trim()])"),
        json!([]),
    );
    assert_eq!(
        faces,
        json!([[true, "Terrible"], [true, "Bad"], [true, "Okay"], [true, "Good"], [true, "Great"]]),
        "each face drawn and named in words"
    );
    browser.click(&browser.wait_for(
        "a face",
        20,
        &format!("{SHADOW} return root.querySelector('.pl-rating input[type=radio]')"),
        json!([]),
    ));
    browser.assert_accessible("the dark rating with a face picked");
}

/// The tea-house site forces dark: out of hours, its leave-a-message form and the answer
/// are dark for a visitor who prefers light.
#[test]
fn a_site_that_forces_dark_is_dark_for_a_light_visitor_out_of_hours_too() {
    let _turn = TEA_HOUSE_HOURS.lock().unwrap_or_else(|p| p.into_inner());
    let hours = format!("/api/v1/sites/{DARK_SITE}/hours");
    let closed = json!({"time_zone": "America/Los_Angeles", "weekly": {}, "replies_in_minutes": 5});
    assert_eq!(call("PUT", &hours, Some(AVA), Some(&closed.to_string())).status, 200);
    let browser = Browser::start();
    prefer(&browser, "light");
    browser.goto(&format!("{}/embed.html?site={DARK_SITE}", demo_origin()));
    browser.click(&browser.by_name("button", "Chat with us (Open chat)"));
    browser.type_text(&browser.by_name("textbox", "Name"), &unique("Late Visitor"));
    browser.assert_accessible("the forced-dark pre-chat form");
    browser.click(&browser.by_name("button", "Start chat"));
    browser.click(&browser.by_name("button", "Leave a message"));
    browser.by_name("textbox", "Your question");
    browser.assert_accessible("the forced-dark leave-a-message form");
    let form = browser.script(
        &format!("{SHADOW} const p = root.querySelector('.pl-panel'); return [p.classList.contains('pl-dark'), getComputedStyle(p).backgroundColor]"),
        json!([]),
    );
    assert_eq!(form, json!([true, "rgb(28, 28, 31)"]), "dark although the visitor prefers light");
    browser.type_text(&browser.by_name("textbox", "Your question"), "Do you ship to Lisbon?");
    browser.type_text(&browser.by_name("textbox", "Your email"), "late@example.com");
    browser.click(&browser.by_name("button", "Send message"));
    browser.wait_for(
        "the answer",
        20,
        &format!("{SHADOW} return root.textContent.includes(\"we'll reply to late@example.com\")"),
        json!([]),
    );
    browser.assert_accessible("the forced-dark message left");
    assert_eq!(call("DELETE", &hours, Some(AVA), None).status, 200);
}

/// The daylight test site forces light: a visitor who prefers dark gets the light panel.
#[test]
fn a_site_that_forces_light_is_light_for_a_dark_visitor() {
    let browser = Browser::start();
    prefer(&browser, "dark");
    browser.goto(&format!("{}/embed.html?site=daylight", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.by_name("textbox", "Name");
    let panel = browser.wait_for(
        "the light panel",
        20,
        &format!("{SHADOW} const p = root.querySelector('.pl-panel'); return p && p.classList.contains('pl-light') && getComputedStyle(p).backgroundColor"),
        json!([]),
    );
    assert_eq!(panel, json!("rgb(255, 255, 255)"), "light although the visitor prefers dark");
    browser.assert_accessible("the forced-light pre-chat form for a dark visitor");
}

/// A real PNG drawn by the page's canvas, put in the widget's file input as a user would choose it.
const CHOOSE_PNG: &str = r#"
const done = arguments[arguments.length - 1];
const root = document.querySelector('[data-porchlight]').shadowRoot;
const c = document.createElement('canvas'); c.width = 40; c.height = 30;
const g = c.getContext('2d'); g.fillStyle = '#b4532a'; g.fillRect(0, 0, 40, 30);
c.toBlob(blob => {
  const dt = new DataTransfer();
  dt.items.add(new File([blob], 'night.png', {type: 'image/png'}));
  const input = root.querySelector('.pl-file-input');
  input.files = dt.files;
  input.dispatchEvent(new Event('change', {bubbles: true}));
  done(true);
}, 'image/png');
"#;
