//! The console's Tickets table in headless Chromium at 1366×768, against
//! the real edge: a ticket with a long subject and a long email wraps its
//! subject between words (never a word split across lines), shows the
//! email on one line with an ellipsis and the whole address in its title,
//! and an unrated ticket shows a dash, not an empty rating pill.

use porchlight_protocol::{SessionFrame, VisitorFrame};
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

#[test]
fn the_tickets_table_wraps_between_words_and_shows_no_empty_rating() {
    // A visitor leaves a message: a ticket with nobody's rating.
    let session = create_session(&unique("Bartholomew Featherstonehaugh-Wolfeschlegelsteinhausen"));
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    let email = "bartholomew.featherstonehaugh.wolfeschlegelsteinhausen@extraordinarily-long-domain.example.com";
    let subject = "My Dual Boiler Espresso Machine arrived with a cracked portafilter and the steam wand leaks constantly";
    visitor.send(&VisitorFrame::LeaveMessage { email: email.into(), text: subject.into() });
    let (ticket, _) = visitor.recv_until::<SessionFrame>("the ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket } = ticket else { unreachable!() };

    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.click(&browser.by_name("button", "Tickets"));
    let row = format!("tr[data-ticket='{}']", ticket.number);
    browser.wait_for("the ticket's row", 30, "return !!document.querySelector(arguments[0])", json!([row]));
    let layout = browser.script(
        "const row = document.querySelector(arguments[0]);
         // A word drawn on one line has one box; a word split across lines has two.
         const split = el => { const words = [], text = el.firstChild, s = text.data; let at = 0;
           for (const w of s.split(' ')) { const r = document.createRange(); r.setStart(text, at); r.setEnd(text, at + w.length);
             if (w && [...r.getClientRects()].filter(b => b.width > 0).length > 1) words.push(w); at += w.length + 1; }
           return words };
         const subject = row.querySelector('.subject'), email = row.querySelector('.email'), score = row.querySelector('td.score');
         const line = parseFloat(getComputedStyle(email).lineHeight) || 20;
         return [split(subject), subject.title, email.title, email.getBoundingClientRect().height <= line + 2,
                 email.scrollWidth > email.clientWidth, score.innerText.trim(), !!row.querySelector('.rating'),
                 document.querySelector('.tickets').scrollWidth <= document.querySelector('.tickets').clientWidth + 1]",
        json!([row]),
    );
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-tickets-1366x768.png"));
    }
    let widths = browser.script(
        "const t = document.querySelector('.tickets'); return [t.clientWidth, t.scrollWidth,
           [...document.querySelector(arguments[0]).cells].map(c => Math.round(c.getBoundingClientRect().width))]",
        json!([row]),
    );
    assert_eq!(
        layout,
        json!([[], ticket.subject, email, true, true, "—", false, true]),
        "no word split, the whole subject and email in titles, the email on one line, a dash for no rating, the table fits its pane: {widths}"
    );
    browser.assert_accessible("the Tickets table");
}
