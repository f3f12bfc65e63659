//! Team chat's details in headless Chromium at 1366×768, as an outside
//! tester found them: one scroller (the log) in a channel, focus on the new
//! channel's composer after "Create channel", `/help` on one Enter, "Add
//! member" with nobody chosen, a members panel sized to its content, a
//! badge as large as the channel's name that says "1 mention" on a muted
//! channel, "Jump to first unread" clear of the messages' "⋯", and a
//! taken name's error under the field it is about.

use porchlight_protocol::team::{ChannelKind, ChannelName, TeamClientFrame};
use porchlight_protocol::ClientMsgId;
use porchlight_tests::team::Team;
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

const ENTER: &str = "\u{E007}";

/// The element with focus: its id, tag and class.
fn focused(browser: &Browser) -> serde_json::Value {
    browser.script("const a = document.activeElement; return [a.id, a.tagName.toLowerCase(), a.className]", json!([]))
}

/// Scrollable boxes inside the channel pane (the log should be the only one).
const SCROLLERS: &str = "return [...document.querySelectorAll('.team-main *')].filter(e => {
        const o = getComputedStyle(e).overflowY;
        return (o === 'auto' || o === 'scroll') && e.scrollHeight > e.clientHeight + 1;
    }).map(e => e.className)";

#[test]
fn team_chat_details_at_1366_by_768() {
    let mut ben = Team::sign_in(BEN);
    let taken = ben.create("taken", ChannelKind::Public);
    let taken_name = taken.channel.name.clone().expect("a name").to_string();
    let browser = Browser::console_team(AVA);

    // A taken name: the edge's refusal shows under the name field, tied to it.
    browser.click(&browser.by_name("button", "New channel"));
    browser.wait_for("the name field", 20, "return document.activeElement && document.activeElement.id === 'team-new-name'", json!([]));
    browser.press(&taken_name);
    browser.click(&browser.by_name("button", "Create channel"));
    let error = browser.wait_for(
        "the taken name's error",
        20,
        "const i = document.getElementById('team-new-name'), e = document.getElementById('team-new-name-error');
         if (!e) return null;
         const gap = e.getBoundingClientRect().top - i.getBoundingClientRect().bottom;
         return [e.innerText, i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby').split(' ').includes(e.id), gap >= 0 && gap < 24,
                 document.querySelectorAll('.team-main > .error').length]",
        json!([]),
    );
    assert!(error[0].as_str().unwrap_or_default().contains(&taken_name), "the edge's message: {error}");
    assert_eq!(error.as_array().map(|a| a[1..].to_vec()), Some(vec![json!("true"), json!(true), json!(true), json!(0)]), "{error}");
    browser.assert_accessible("a refused channel name");

    // A free name: the channel opens with focus in its composer.
    browser.script("const i = document.getElementById('team-new-name'); i.value = ''; i.focus(); return true", json!([]));
    let fresh = ChannelName::suggest(&unique("Details room")).expect("a name").to_string();
    browser.press(&fresh);
    browser.click(&browser.by_name("button", "Create channel"));
    browser.wait_for(
        "the new channel",
        20,
        "const h = document.querySelector('.team-channel h2'); return h && h.textContent.includes(arguments[0])",
        json!([fresh]),
    );
    let f = browser.wait_for(
        "focus in the composer",
        20,
        "const a = document.activeElement; return a && a.closest('.team-composer') && a.tagName === 'TEXTAREA'",
        json!([]),
    );
    assert_eq!(f, json!(true), "focus after Create channel: {}", focused(&browser));

    // "/help" and one Enter: it runs (the list does not swallow it).
    browser.press("/help");
    browser.wait_for("the command list", 20, "return document.querySelector('[role=listbox]')", json!([]));
    browser.press(ENTER);
    browser.wait_for(
        "the help notice",
        20,
        "const n = document.querySelector('.team-notice'); return n && n.innerText.includes('/ticket')",
        json!([]),
    );
    assert_eq!(browser.script("return document.querySelector('.team-composer textarea').value", json!([])), json!(""));
    browser.click(&browser.by_name("button", "Dismiss"));

    // Members: nobody is pre-selected; the panel is as tall as what it holds.
    browser.click(&browser.by_name("button", "Members (1)"));
    let select = browser.script(
        "const s = document.getElementById('team-add-member'); return [s.value, s.selectedIndex, s.options[0].disabled, s.required]",
        json!([]),
    );
    assert_eq!(select, json!(["", 0, true, true]), "nobody is chosen until the user picks");
    browser.click(&browser.by_name("button", "Add"));
    let still = browser.script("return document.querySelectorAll('#team-members li').length", json!([]));
    assert_eq!(still, json!(1), "Add with nobody chosen adds nobody");
    browser.script("const s = document.getElementById('team-add-member'); s.value = 'ben'; return true", json!([]));
    browser.click(&browser.by_name("button", "Add"));
    browser.by_name("button", "Members (2)");
    let panel = browser.script(
        "const p = document.getElementById('team-members'); return [p.clientHeight, p.scrollHeight <= p.clientHeight + 1]",
        json!([]),
    );
    assert!(panel[0].as_u64().unwrap_or(0) > 110 && panel[1] == json!(true), "content-sized, no inner scroll: {panel}");

    // A renamed channel that takes a taken name: the error is under the rename field.
    browser.script("const i = document.getElementById('team-rename'); i.value = arguments[0]; return true", json!([taken_name]));
    browser.click(&browser.by_name("button", "Rename"));
    let renamed = browser.wait_for(
        "the rename's error",
        20,
        "const i = document.getElementById('team-rename'), e = document.getElementById('team-rename-error');
         return e && [e.innerText.includes(arguments[0]), i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby'),
                      !document.querySelector('.team-notice')]",
        json!([taken_name]),
    );
    assert_eq!(renamed, json!([true, "true", "team-rename-error", true]), "{renamed}");
    browser.assert_accessible("the members panel with a refused rename");

    // Ben fills the channel: the log scrolls, and nothing else in the pane does.
    let id = porchlight_protocol::team::ChannelId(
        browser.script("return document.querySelector('.team-entry.current').dataset.channel", json!([])).as_str().expect("id").to_owned(),
    );
    ben.channel_until("Ben added", |c| c.id == id);
    ben.open(&id, porchlight_protocol::Seq(0));
    for n in 0..30 {
        ben.post(&id, &format!("fill-{n}"), &format!("Line {n} of the site survey, with enough words to wrap a little"));
    }
    browser.log_shows("Line 29 of the site survey");
    let scrollers = browser.script(SCROLLERS, json!([]));
    assert_eq!(scrollers, json!(["log"]), "one scroller in the channel pane");
    let page = browser.script(
        "const c = document.querySelector('.team-composer').getBoundingClientRect();
         const pane = document.querySelector('.team-channel');
         return [document.scrollingElement.scrollHeight <= innerHeight, c.bottom <= innerHeight, pane.scrollHeight <= pane.clientHeight + 1,
                 document.querySelector('.team-body .log').clientHeight]",
        json!([]),
    );
    assert_eq!(page.as_array().map(|a| a[..3].to_vec()), Some(vec![json!(true); 3]), "nothing scrolls or is cut but the log: {page}");
    assert!(page[3].as_u64().unwrap_or(0) >= 300, "the log gets the room: {page}");
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/porchlight/screens");
    browser.screenshot(&shots.join("team-details-members.png"));

    // A muted channel with a mention: the badge says "1 mention", as large as the name.
    let quiet = ben.create("quiet", ChannelKind::Public);
    ben.send(&TeamClientFrame::AddMember { channel: quiet.id.clone(), agent: porchlight_protocol::AgentId("ava".into()) });
    ben.channel_until("Ava added", |c| c.id == quiet.id && c.channel.members.len() == 2);
    let mut ava = Team::sign_in(AVA);
    ava.send(&TeamClientFrame::Mute { channel: quiet.id.clone(), muted: true });
    ava.channel_until("muted", |c| c.id == quiet.id && c.read.muted);
    ben.open(&quiet.id, porchlight_protocol::Seq(0));
    ben.post(&quiet.id, "q-1", "Nothing urgent");
    ben.send(&TeamClientFrame::Send {
        channel: quiet.id.clone(),
        client_id: ClientMsgId("q-2".into()),
        text: "@ava can you look at the fit-out plan?".into(),
        reply_to: None,
    });
    let badge = browser.wait_for(
        "the muted channel's badge",
        20,
        "const b = document.querySelector(`.team-entry[data-channel='${arguments[0]}'] .badge`);
         if (!b) return null;
         const size = e => parseFloat(getComputedStyle(e).fontSize);
         const name = b.closest('.team-entry').querySelector('.team-name');
         const read = [...document.querySelectorAll('.team-entry')].find(e => !e.querySelector('.badge')).querySelector('.team-name');
         return [b.querySelector('[aria-hidden]').textContent, b.querySelector('.sr-only').textContent,
                 size(b) >= size(name) && size(name) === size(read) && size(name) >= 14]",
        json!([quiet.id.to_string()]),
    );
    assert_eq!(badge, json!(["1", ", 1 mention", true]), "{badge}");
    // The Team button says it as the sidebar does: a muted channel's count is mentions.
    let team = browser.wait_for(
        "the Team button's mention",
        20,
        "const s = document.querySelector('.team-toggle .sr-only'); return s && s.textContent.includes('mention') && s.textContent",
        json!([]),
    );
    assert!(team.as_str().is_some_and(|t| t.contains("1 mention")), "the Team button: {team}");
    browser.assert_accessible("an unread badge (light)");
    browser.screenshot(&shots.join("team-details-badge.png"));
    browser.cdp("Emulation.setEmulatedMedia", json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]}));
    browser.assert_accessible("an unread badge (dark)");
    browser.screenshot(&shots.join("team-details-badge-dark.png"));
    browser.cdp("Emulation.setEmulatedMedia", json!({"features": [{"name": "prefers-color-scheme", "value": "light"}]}));

    // Opened: "Jump to first unread" is clear of every message's "⋯".
    browser.script(&format!("document.querySelector(`.team-entry[data-channel='{}']`).click(); return true", quiet.id), json!([]));
    browser.log_shows("can you look at the fit-out plan");
    let overlap = browser.wait_for(
        "the jump link",
        20,
        "const j = document.querySelector('.team-channel .jump'); if (!j) return null;
         document.querySelectorAll('.log .msg').forEach(m => m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})));
         const r = j.getBoundingClientRect();
         const hits = [...document.querySelectorAll('.log .pl-more')].filter(b => {
             const o = b.getBoundingClientRect();
             const l = b.closest('.log').getBoundingClientRect();
             const visible = o.bottom > l.top && o.top < l.bottom;
             return visible && o.left < r.right && o.right > r.left && o.top < r.bottom && o.bottom > r.top;
         });
         return [r.height > 0, hits.length]",
        json!([]),
    );
    assert_eq!(overlap, json!([true, 0]), "{overlap}");
    browser.screenshot(&shots.join("team-details-unread.png"));
}
