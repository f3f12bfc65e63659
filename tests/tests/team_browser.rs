//! Team chat in the console, in headless Chromium: Ava (in the browser)
//! makes a private channel with the keyboard, adds Ben (on his own
//! socket), and they chat: reactions, a quote, edits. A third agent who is
//! not a member sees nothing of it. The slash-command list is a keyboard
//! listbox; axe finds nothing serious at 1366×768 or 390×844.

use porchlight_protocol::team::{TeamClientFrame, TeamFrame};
use porchlight_protocol::{ClientMsgId, Emoji, Seq};
use porchlight_tests::team::{channel_log, Team};
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;
use std::time::Duration;

const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";
const DOWN: &str = "\u{E015}";
const TAB: &str = "\u{E004}";
const SPACE: &str = "\u{E00D}";

fn focused_name(browser: &Browser) -> String {
    let v = browser
        .script("const a = document.activeElement; return a ? (a.getAttribute('aria-label') || a.textContent).trim() : ''", json!([]));
    v.as_str().unwrap_or_default().to_owned()
}

/// Presses Tab until the focused element's name is `name` (at most 40 times).
fn tab_to(browser: &Browser, name: &str) {
    for _ in 0..40 {
        if focused_name(browser) == name {
            return;
        }
        browser.press(TAB);
    }
    panic!("Tab never reached {name:?} (last: {:?})", focused_name(browser));
}

#[test]
fn two_agents_chat_in_a_private_channel_and_a_third_sees_nothing() {
    let mut ben = Team::sign_in(BEN);
    let mut outsider = Team::sign_in(&race_agent_token(5));
    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.by_name("button", "Sign out");

    // Into Team, then "New channel", all by keyboard.
    browser.script("document.querySelector('.team-toggle').focus(); return true", json!([]));
    browser.press(ENTER);
    browser.by_name("button", "New channel");
    tab_to(&browser, "New channel");
    browser.press(ENTER);
    let name_field =
        browser.wait_for("the name field", 20, "return document.activeElement && document.activeElement.id === 'team-new-name'", json!([]));
    assert_eq!(name_field, json!(true), "the form opens on its first field");
    let typed = unique("Carms Court");
    browser.press(&typed);
    browser.press(TAB);
    browser.press("Fit-out, phase 2");
    browser.press(TAB);
    browser.press(SPACE); // Private
    tab_to(&browser, "Create channel");
    browser.press(ENTER);
    let slug = porchlight_protocol::team::ChannelName::suggest(&typed).expect("a name").to_string();
    browser.wait_for(
        "the new channel open",
        20,
        "const h = document.querySelector('.team-channel h2'); return h && h.textContent.includes(arguments[0])",
        json!([slug]),
    );
    let entry = browser.script(
        "const b = [...document.querySelectorAll('.team-entry')].find(b => b.textContent.includes(arguments[0])); return b && [b.textContent, !!b.querySelector('.lock svg')]",
        json!([slug]),
    );
    assert_eq!(entry[1], json!(true), "a private channel shows a lock: {entry}");
    assert!(entry[0].as_str().unwrap_or_default().contains(", private"), "and says so to a screen reader: {entry}");
    let id = porchlight_protocol::team::ChannelId(
        browser.script("return document.querySelector('.team-entry.current').dataset.channel", json!([])).as_str().expect("id").to_owned(),
    );
    browser.assert_accessible("a new private channel");

    // The members panel: add Ben.
    browser.click(&browser.by_name("button", "Members (1)"));
    browser.script("const s = document.getElementById('team-add-member'); s.value = 'ben'; return true", json!([]));
    browser.click(&browser.by_name("button", "Add"));
    ben.channel_until("Ben added", |c| c.id == id);
    assert!(ben.open(&id, Seq(0)).is_empty());
    browser.by_name("button", "Members (2)");
    browser.assert_accessible("the members panel");

    // Ava writes; Ben reads it on his socket and answers.
    browser.script("document.querySelector('.team-composer textarea').focus(); return true", json!([]));
    browser.press("The scaffolding goes up Monday");
    browser.press(ENTER);
    let first = ben.message(&id, |m| m.text == "The scaffolding goes up Monday");
    ben.send(&TeamClientFrame::Send {
        channel: id.clone(),
        client_id: ClientMsgId("ben-1".into()),
        text: "<b>Great</b>, I'll tell the client".into(),
        reply_to: Some(first.seq),
    });
    let answer = ben.message(&id, |m| m.client_id.as_ref().is_some_and(|c| c.as_str() == "ben-1"));
    browser.log_shows("<b>Great</b>, I'll tell the client");
    let quote = browser.script(
        "const m = [...document.querySelectorAll('.log .msg')].find(m => m.innerText.includes('tell the client'));
         return [m.querySelector('.pl-quote') && m.querySelector('.pl-quote').innerText.includes('scaffolding'), m.querySelectorAll('b').length]",
        json!([]),
    );
    assert_eq!(quote, json!([true, 0]), "Ben's quote shows, and his text stays text");

    // Ava reacts to Ben's message from its "⋯" menu, by keyboard.
    let bubble = "[...document.querySelectorAll('.log .msg')].find(m => m.innerText.includes('tell the client'))";
    browser.script(&format!("{bubble}.querySelector('.pl-more').focus(); return true"), json!([]));
    browser.press(ENTER);
    browser.wait_for("the message menu", 20, &format!("return {bubble}.querySelector('[role=menu]')"), json!([]));
    assert_eq!(focused_name(&browser), "thumbs up");
    browser.press(ENTER);
    let reacted = ben.updated(&id, answer.seq);
    assert_eq!(reacted.reactions.first().map(|r| r.emoji), Some(Emoji::ThumbsUp));

    // Ben edits his message: Ava sees it changed, marked "(edited)".
    ben.send(&TeamClientFrame::Edit { channel: id.clone(), seq: answer.seq, text: "Great, I'll tell the client today".into() });
    browser.log_shows("I'll tell the client today");
    browser.wait_for("(edited)", 20, &format!("return {bubble}.innerText.includes('(edited)')"), json!([]));

    // Ava quotes Ben's message with Reply from the menu and sends.
    browser.script(&format!("{bubble}.querySelector('.pl-more').focus(); return true"), json!([]));
    browser.press(ENTER);
    browser.click(&browser.wait_for(
        "Reply",
        20,
        &format!("return [...{bubble}.querySelectorAll('[role=menuitem]')].find(b => b.textContent.trim() === 'Reply')"),
        json!([]),
    ));
    browser.press("Thanks!");
    browser.press(ENTER);
    let thanks = ben.message(&id, |m| m.text == "Thanks!");
    assert_eq!(thanks.reply_to.map(|q| q.seq), Some(answer.seq));

    // The slash-command list: "/" shows it, arrows move, Escape clears it.
    browser.press("/");
    let options = browser.wait_for(
        "the command list",
        20,
        "const l = document.querySelector('[role=listbox]'); return l && l.querySelectorAll('[role=option]').length",
        json!([]),
    );
    assert!(options.as_u64().unwrap_or(0) >= 6, "{options}");
    let selected = || browser.script("return document.querySelector('[role=option][aria-selected=true]').textContent", json!([]));
    let before = selected();
    browser.press(DOWN);
    assert_ne!(selected(), before, "ArrowDown moves the choice");
    let described = browser.script(
        "const t = document.querySelector('.team-composer textarea'); return [t.getAttribute('aria-controls'), !!document.getElementById(t.getAttribute('aria-activedescendant'))]",
        json!([]),
    );
    assert_eq!(described, json!(["team-commands", true]));
    browser.assert_accessible("the slash-command list");
    browser.press(ESCAPE);
    browser.wait_for("the list to close", 20, "return !document.querySelector('[role=listbox]')", json!([]));
    browser.press("/nope");
    browser.press(ENTER);
    browser.wait_for(
        "the unknown-command error in place",
        20,
        "const n = document.querySelector('.team-notice'); return n && n.innerText.includes('/help')",
        json!([]),
    );

    // The outsider heard nothing of it, and cannot open or read it.
    let heard = outsider.drain(Duration::from_millis(500));
    assert!(
        heard.iter().all(|f| !matches!(f, TeamFrame::Channel { channel } if channel.id == id) && !format!("{f:?}").contains("scaffolding")),
        "{heard:?}"
    );
    outsider.send(&TeamClientFrame::Open { channel: id.clone(), last_seq: Seq(0) });
    assert_eq!(outsider.error().0, porchlight_protocol::ErrorCode::NotFound);
    assert_eq!(channel_log(&race_agent_token(5), &id).0, 404);
    assert_eq!(channel_log(AVA, &id).1.len(), 3);

    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/porchlight/screens");
    browser.screenshot(&shots.join("team-desktop.png"));
    // A phone-sized window: the composer is still on screen and usable.
    browser.set_viewport(390, 844);
    let fits = browser.script(
        &format!("{FIND_BY_NAME_FN}\nconst t = document.querySelector('.team-composer textarea').getBoundingClientRect(); return t.width > 100 && t.right <= innerWidth + 1"),
        json!([]),
    );
    assert_eq!(fits, json!(true), "the composer fits a 390-pixel window");
    browser.assert_accessible("team chat on a phone-sized window");
    browser.screenshot(&shots.join("team-phone.png"));
}
