//! What a first-time keyboard user tripped on, in real Chromium: focus
//! never falls back to the page when the button that had it goes away, the
//! article reader gives way when the conversation moves on, the console's
//! log follows the newest message, and the widget's opens on its newest.

use porchlight_protocol::{AgentFrame, SessionCreated, SessionFrame};
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;

const ENTER: &str = "\u{E007}";

/// The focused element's tag and accessible label (inside shadow roots too).
fn focused(browser: &Browser) -> String {
    browser
        .script(
            "let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
             return a ? a.tagName + ' ' + (a.getAttribute('aria-label') || a.textContent.trim().slice(0, 40)) : 'none'",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn start_chat(browser: &Browser, name: &str) {
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.type_text(&browser.by_name("textbox", "Name"), name);
    browser.click(&browser.by_name("button", "Start chat"));
    browser.by_name("textbox", "Message");
}

/// An ended chat asks for a rating: the focus lands on its faces.
fn focus_on_the_rating(browser: &Browser, when: &str) {
    let f = browser.wait_for(
        &format!("focus on the rating's faces {when}"),
        10,
        "let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
         return a && a.type === 'radio' && a.name === 'pl-rating'",
        json!([]),
    );
    assert_eq!(f, json!(true), "focus is {}", focused(browser));
}

fn press_on(browser: &Browser, role: &str, name: &str) {
    let el = browser.by_name(role, name);
    browser.script("arguments[0].focus()", json!([el]));
    browser.press(ENTER);
}

#[test]
fn focus_follows_the_conversation_and_the_reader_gives_way() {
    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    start_chat(&browser, &unique("Keyboard Visitor"));
    // A suggestion opened from the keyboard puts focus on the article's title.
    browser.type_text(&browser.by_name("textbox", "Message"), "where is my ord");
    browser.wait_for(
        "a suggestion",
        20,
        &format!("{FIND_BY_NAME_FN}\nconst l = find('ul', 'Suggested articles'); return l && l.innerText.includes('Track your order')"),
        json!([]),
    );
    press_on(&browser, "button", "Track your order");
    let on_title = browser.wait_for(
        "focus on the article's title",
        20,
        "let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
         return a && a.tagName === 'H2' && a.textContent === 'Track your order'",
        json!([]),
    );
    assert_eq!(on_title, json!(true));
    // Sending from the composer closes the article: the answer is in view.
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("er?{ENTER}"));
    browser.log_shows("Did one of these answer your question?");
    let reader_gone = browser.script(&format!("{FIND_BY_NAME_FN}\nreturn !find('section', 'Article')"), json!([]));
    assert_eq!(reader_gone, json!(true), "the article still covers the conversation after sending");
    // "Talk to a person" from the keyboard: the button goes, focus goes to the composer.
    press_on(&browser, "button", "Talk to a person");
    browser.log_shows("Handed off to the team");
    let f = browser.wait_for(
        "focus in the composer after the handoff",
        10,
        "let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
         return a && a.tagName === 'TEXTAREA'",
        json!([]),
    );
    assert_eq!(f, json!(true), "focus is {}", focused(&browser));
}

#[test]
fn yes_thanks_leaves_focus_on_start_a_new_conversation_and_an_agent_closing_on_the_rating() {
    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    start_chat(&browser, &unique("Thankful Visitor"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("where is my order{ENTER}"));
    browser.log_shows("Did one of these answer your question?");
    press_on(&browser, "button", "Yes, thanks");
    let f = browser.wait_for(
        "focus on Start a new conversation",
        10,
        "let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
         return a && a.textContent.trim() === 'Start a new conversation'",
        json!([]),
    );
    assert_eq!(f, json!(true), "focus is {}", focused(&browser));

    // A new chat; an agent closes it while the visitor's cursor is in the composer.
    press_on(&browser, "button", "Start a new conversation");
    let message = browser.by_name("textbox", "Message");
    browser.type_text(&message, &format!("talk to a person please{ENTER}"));
    browser.log_shows("Handed off to the team");
    let session_id = browser
        .wait_for(
            "the new session id",
            20,
            "const s = JSON.parse(localStorage.getItem('porchlight:v1:copper-kettle') || 'null'); return s && !s.closed && s.session_id",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let session = SessionCreated { session_id: porchlight_protocol::SessionId(session_id), token: String::new() };
    let mut agent = Ws::agent_session(&session);
    assert!(matches!(agent.agent_hello(AVA), SessionFrame::Welcome { .. }));
    agent.send(&AgentFrame::Accept);
    browser.log_shows("joined");
    browser.script("arguments[0].focus()", json!([browser.by_name("textbox", "Message")]));
    agent.send(&AgentFrame::Close);
    browser.log_shows("closed the conversation");
    focus_on_the_rating(&browser, "after the agent closed");
}

#[test]
fn the_consoles_log_follows_the_newest_message() {
    let session = waiting_session(&unique("Chatty Visitor"));
    let browser = Browser::start();
    browser.set_viewport(1280, 800);
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    let row = format!("tr[data-session='{}']", session.session_id);
    let accept = browser.row_button(&row, "Accept");
    browser.click(&accept);
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    for n in 0..12 {
        visitor.send(&porchlight_protocol::VisitorFrame::send(client_id(&format!("chatty-{n}")), format!("Line {n} of a long story")));
    }
    let at_bottom = browser.wait_for(
        "the log at its newest message",
        20,
        "const l = document.querySelector('[role=log][aria-label=Messages]');
         return l && l.innerText.includes('Line 11 of a long story') && l.scrollHeight > l.clientHeight
           && l.scrollHeight - l.scrollTop - l.clientHeight < 48",
        json!([]),
    );
    assert_eq!(at_bottom, json!(true));
}

/// Whether the log's newest message is drawn inside the log (scrolled to it).
fn newest_in_view(browser: &Browser, text: &str) -> serde_json::Value {
    browser.wait_for(
        "the newest message in view",
        20,
        "const root = document.querySelector('[data-porchlight]').shadowRoot; const log = root.querySelector('.pl-log');
         const last = log && [...log.querySelectorAll('.pl-msg')].pop(); if (!last || !last.innerText.includes(arguments[0])) return null;
         const l = log.getBoundingClientRect(), r = last.getBoundingClientRect();
         return [log.scrollHeight > log.clientHeight, r.top >= l.top - 1 && r.bottom <= l.bottom + 1]",
        json!([text]),
    )
}

/// A chat started in the widget (1366×768) that the visitor hands off and
/// Ava accepts over her session socket, returned.
fn ava_takes_a_widget_chat(browser: &Browser, name: &str) -> Ws {
    browser.set_viewport(1366, 768);
    start_chat(browser, &unique(name));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("talk to a person please{ENTER}"));
    browser.log_shows("Handed off to the team");
    let session_id = browser
        .script("const s = JSON.parse(localStorage.getItem('porchlight:v1:copper-kettle') || 'null'); return s && s.session_id", json!([]));
    let session = SessionCreated { session_id: porchlight_protocol::SessionId(session_id.as_str().unwrap().into()), token: String::new() };
    let mut agent = Ws::agent_session(&session);
    assert!(matches!(agent.agent_hello(AVA), SessionFrame::Welcome { .. }));
    agent.send(&AgentFrame::Accept);
    browser.log_shows("joined");
    agent
}

#[test]
fn opening_the_panel_on_a_long_conversation_shows_the_newest_message() {
    let browser = Browser::start();
    let mut agent = ava_takes_a_widget_chat(&browser, "Returning Visitor");
    let open = || {
        browser.click(&browser.wait_for(
            "the launcher",
            20,
            "return document.querySelector('[data-porchlight]').shadowRoot.querySelector('button.l')",
            json!([]),
        ))
    };

    // The panel closed, the team writes a long answer, line by line; opening shows its end.
    browser.press("\u{E00C}");
    for n in 0..20 {
        agent.send(&AgentFrame::Send {
            client_id: client_id(&format!("long-{n}")),
            text: format!("Step {n} of the setup"),
            reply_to: None,
        });
    }
    agent.recv_until::<SessionFrame>(
        "the last step",
        |f| matches!(f, SessionFrame::Message { message } if message.text == "Step 19 of the setup"),
    );
    open();
    assert_eq!(newest_in_view(&browser, "Step 19 of the setup"), json!([true, true]), "on opening");

    // Next visit: the widget loads hidden for the open conversation; opening shows the newest again.
    browser.goto(&format!("{}/", demo_origin()));
    open();
    assert_eq!(newest_in_view(&browser, "Step 19 of the setup"), json!([true, true]), "after a reload");
}

/// The status line follows the conversation: while Ava chats it names her;
/// once the team closes the conversation's ticket it says the conversation
/// has ended. The chat has ended for the visitor as after any close: no
/// composer, the rating (focused, not the first message's ⋯), the last
/// line in view, the transcript and "Start a new conversation", which
/// leads to a chat that works as usual, live and after a reload.
#[test]
fn a_closed_ticket_ends_the_chat_and_the_visitor_starts_a_new_one() {
    let en = porchlight_protocol::i18n::Lang::En.strings();
    let browser = Browser::start();
    let mut agent = ava_takes_a_widget_chat(&browser, "Ticket Visitor");
    let status = |want: &str| {
        browser.wait_for(
            &format!("the status line saying {want:?}"),
            20,
            "const s = document.querySelector('[data-porchlight]').shadowRoot.querySelector('.pl-status'); return !!s && s.innerText === arguments[0]",
            json!([want]),
        )
    };
    status(&en.status_chatting_with.replace("{name}", "Ava"));
    let first = browser.script("return JSON.parse(localStorage.getItem('porchlight:v1:copper-kettle')).session_id", json!([]));
    agent.send(&AgentFrame::send(client_id("ticket-1"), "I'll open a ticket for the replacement part."));
    browser.log_shows("I'll open a ticket for the replacement part.");
    // The visitor's cursor is in the composer when the ticket closes.
    browser.script("arguments[0].focus()", json!([browser.by_name("textbox", "Message")]));
    agent.send(&AgentFrame::CreateTicket { close: false });
    let (ticket, _) = agent.recv_until::<SessionFrame>("the ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket } = ticket else { unreachable!() };
    let closed = post(&format!("/api/v1/sites/copper-kettle/tickets/{}/close", ticket.number), None, Some(AVA), "");
    assert_eq!(closed.status, 200, "{}", closed.body);
    status(en.status_ended);
    let notice = format!("Ticket #{} was closed by Ava.", ticket.number);
    browser.log_shows(&notice);

    // What an ended chat shows, with the newest line whole in the log's box.
    let ended = |what: &str, last_line: &str| {
        browser.wait_for(
            what,
            20,
            &format!(
                "{FIND_BY_NAME_FN}
                 const root = document.querySelector('[data-porchlight]').shadowRoot;
                 const log = root.querySelector('.pl-log').getBoundingClientRect();
                 const last = [...root.querySelectorAll('.pl-log .pl-msg')].pop();
                 const r = last && last.getBoundingClientRect();
                 return !!r && last.innerText.includes(arguments[0]) && r.top >= log.top - 1 && r.bottom <= log.bottom + 1
                   && !root.querySelector('.pl-composer textarea') && !!find('button', 'Start a new conversation')
                   && !!find('button', 'Download transcript as text')
                   || null"
            ),
            json!([last_line]),
        )
    };
    assert_eq!(ended("the ended chat: no composer, the notice in view, Start new and the transcript", &notice), json!(true));
    // Focus goes to the rating, as after an agent's close (not the first ⋯).
    focus_on_the_rating(&browser, "after the ticket closed");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-ticket-closed.png"));
    }
    browser.assert_accessible("the widget after the ticket closed");

    // The rating is taken (the edge counts a closed ticket's chat as ended).
    browser.click(&browser.wait_for(
        "the Good face",
        10,
        "return document.querySelector('[data-porchlight]').shadowRoot.querySelector('.pl-rating input[value=\"4\"]')",
        json!([]),
    ));
    browser.click(&browser.by_name("button", "Send rating"));
    agent.recv_until::<SessionFrame>("the rating", |f| matches!(f, SessionFrame::Rated { rating } if rating.score == 4));

    // A reload shows the same ended chat, never stuck: a new one starts and works.
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    status(en.status_ended);
    assert_eq!(ended("the ended chat after a reload", "You rated this conversation 4/5 (Good)"), json!(true));
    browser.click(&browser.by_name("button", "Start a new conversation"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("talk to a person please{ENTER}"));
    browser.log_shows("Handed off to the team");
    let again = browser.wait_for(
        "the new session",
        20,
        "const s = JSON.parse(localStorage.getItem('porchlight:v1:copper-kettle') || 'null'); return s && !s.closed && s.session_id",
        json!([]),
    );
    assert_ne!(again, first, "a new conversation");
}
