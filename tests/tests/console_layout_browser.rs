//! The console's layout in headless Chromium, as an outside tester found it:
//! on a phone (390×844) nothing overflows sideways, the header fits and the
//! queue is stacked rows whose names show; at 1366×768 a conversation has
//! one scroller (the log) and its composer in view; "Add participant"
//! opens in the log's place, the composer still in view.

use porchlight_protocol::VisitorFrame;
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

/// Scrollable boxes inside the conversation pane (the log should be the only one).
const SCROLLERS: &str = "return [...document.querySelectorAll('.workspace .chat, .workspace .chat *')].filter(e => {
        const o = getComputedStyle(e).overflowY;
        return (o === 'auto' || o === 'scroll') && e.scrollHeight > e.clientHeight + 1;
    }).map(e => e.className)";

/// Nothing but the log scrolls, and the composer is inside the viewport.
fn one_scroller(browser: &Browser, state: &str) {
    let scrollers = browser.script(SCROLLERS, json!([]));
    assert_eq!(scrollers, json!(["log"]), "one scroller in the conversation pane ({state})");
    let page = browser.script(
        "const c = document.querySelector('.workspace .composer').getBoundingClientRect();
         return [document.scrollingElement.scrollHeight <= innerHeight, c.bottom <= innerHeight, c.top >= 0,
                 document.querySelector('.workspace .chat > .log').clientHeight]",
        json!([]),
    );
    assert_eq!(page.as_array().map(|a| a[..3].to_vec()), Some(vec![json!(true); 3]), "composer in view ({state}): {page}");
    assert!(page[3].as_u64().unwrap_or(0) >= 120, "the log keeps room ({state}): {page}");
}

fn sign_in(browser: &Browser) {
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.by_name("button", "Sign out");
}

#[test]
fn a_conversation_has_one_scroller_at_1366_by_768() {
    let session = waiting_session(&unique("Layout Visitor"));
    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    sign_in(&browser);
    let row = format!("tr[data-session='{}']", session.session_id);
    browser.click(&browser.row_button(&row, "Accept"));
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    for n in 0..30 {
        visitor.send(&VisitorFrame::send(client_id(&format!("layout-{n}")), format!("Line {n} of a long story about a late parcel")));
    }
    browser.log_shows("Line 29 of a long story");
    one_scroller(&browser, "active");
    browser.assert_accessible("an active conversation at 1366×768");

    browser.click(&browser.by_name("button", "More actions"));
    browser.click(&browser.by_name("button", "Add participant…"));
    browser.wait_for("the Add participant panel", 20, "return document.querySelector('.add-participant')", json!([]));
    // The panel takes the log's place (its one scroller); the composer stays in view below it.
    let state = browser.script(
        "const c = document.querySelector('.workspace .composer').getBoundingClientRect();
         const scrollers = [...document.querySelectorAll('.workspace .chat, .workspace .chat *')].filter(e => {
             const o = getComputedStyle(e).overflowY;
             return (o === 'auto' || o === 'scroll') && e.scrollHeight > e.clientHeight + 1; }).map(e => e.className);
         return [scrollers.every(s => s === 'add-participant'), document.scrollingElement.scrollHeight <= innerHeight,
                 c.bottom <= innerHeight, c.top >= 0, document.querySelector('.add-participant').clientHeight > 200]",
        json!([]),
    );
    assert_eq!(state, json!([true, true, true, true, true]), "Add participant in the log's place, composer in view: {state}");
    browser.assert_accessible("Add participant open at 1366×768");
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/porchlight/screens");
    browser.screenshot(&shots.join("console-layout-add-participant.png"));
}

#[test]
fn the_console_fits_a_phone() {
    let session = waiting_session(&unique("Phone Layout Visitor"));
    let browser = Browser::start_phone();
    sign_in(&browser);
    let row = format!("tr[data-session='{}']", session.session_id);
    browser.row_button(&row, "Accept");
    let fit = browser.script(
        "const d = document.documentElement;
         const header = [...document.querySelectorAll('.topbar > *')].every(e => { const r = e.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; });
         const team = document.querySelector('.team-toggle'); const lh = parseFloat(getComputedStyle(team).lineHeight) || 20;
         return [d.scrollWidth <= innerWidth, header, team.getBoundingClientRect().height < 2 * lh]",
        json!([]),
    );
    assert_eq!(fit, json!([true, true, true]), "no sideways overflow, a header that fits, the Team button on one line");
    let name = browser.script(
        "const r = document.querySelector(arguments[0]); const n = r.querySelector('.name').getBoundingClientRect();
         const s = r.querySelector('.badge').getBoundingClientRect();
         const apart = n.bottom <= s.top || s.bottom <= n.top || n.right <= s.left || s.right <= n.left;
         return [n.width > 40, n.right <= innerWidth, apart]",
        json!([row]),
    );
    assert_eq!(name, json!([true, true, true]), "the visitor's name is visible and clear of the status");
    browser.assert_accessible("the queue on a phone");
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/porchlight/screens");
    browser.screenshot(&shots.join("console-phone-queue.png"));

    // The conversation takes the list's place, with a way back.
    browser.click(&browser.row_button(&row, "Accept"));
    browser.wait_for("the conversation", 20, "return document.querySelector('.workspace .composer textarea')", json!([]));
    let open = browser.script(
        "const q = document.querySelector('.workspace .queue'); const c = document.querySelector('.workspace .composer').getBoundingClientRect();
         return [document.documentElement.scrollWidth <= innerWidth, !q || q.getBoundingClientRect().height === 0, c.bottom <= innerHeight]",
        json!([]),
    );
    assert_eq!(open, json!([true, true, true]), "one column, composer in view");
    browser.assert_accessible("a conversation on a phone");
    browser.screenshot(&shots.join("console-phone-chat.png"));
    browser.click(&browser.by_name("button", "← All conversations"));
    browser.row_button(&row, "Open");
}
