//! The agent console in headless Chromium at 1280×800, as an agent uses it:
//! a visitor with an 80-character name that breaks nothing, every header
//! action reachable (Accept and Close session in sight, the rest in a
//! keyboard-operable "More" menu), whether the visitor is online, the
//! "(N) waiting" title and the new-chat sound; and in the shared message
//! rendering: clickable links built as elements, `dir="auto"`, the "⋯"
//! menu with an in-app delete confirmation, and no receipts on notes.

use porchlight_protocol::{AgentFrame, AgentId, Author, Marks, SessionFrame, Status, VisitorFrame};
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;

const ENTER: &str = "\u{E007}";
const SPACE: &str = "\u{E00D}";
const ESCAPE: &str = "\u{E00C}";
const DOWN: &str = "\u{E015}";
const UP: &str = "\u{E013}";
const RIGHT: &str = "\u{E014}";

/// A console signed in as Ava at a 1280×800 viewport.
fn console() -> Browser {
    let browser = Browser::start();
    browser.set_viewport(1280, 800);
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.by_name("button", "Sign out");
    browser
}

/// `reachable(el)`: on screen, not clipped by any scrolling ancestor, and
/// the element a click at its centre lands on.
const REACHABLE_FN: &str = r#"
const reachable = el => {
  if (!el) return 'missing';
  el.scrollIntoView({block: 'nearest', inline: 'nearest'});
  const r = el.getBoundingClientRect();
  if (r.width < 1 || r.height < 1) return 'no size';
  if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight) return `off screen ${JSON.stringify(r)}`;
  for (let p = el.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
      const b = p.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) return `clipped by ${p.tagName}.${p.className} ${JSON.stringify(b)} ${JSON.stringify(r)}`;
    }
  }
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit && (hit === el || el.contains(hit)) ? true : `covered by ${hit && hit.outerHTML.slice(0, 80)}`;
};"#;

/// Asserts that the visible button named `name` is reachable (see REACHABLE_FN).
fn assert_reachable(browser: &Browser, name: &str) {
    let verdict = browser.script(
        &format!("{FIND_BY_NAME_FN}{REACHABLE_FN}\nreturn reachable([...document.querySelectorAll('button')].find(b => (b.getAttribute('aria-label') || b.textContent).trim() === arguments[0] && b.getClientRects().length))"),
        json!([name]),
    );
    assert_eq!(verdict, json!(true), "{name:?} is not reachable at 1280×800: {verdict}");
}

/// The accessible name of the focused element.
fn focused_name(browser: &Browser) -> String {
    let v = browser
        .script("const a = document.activeElement; return a ? (a.getAttribute('aria-label') || a.textContent).trim() : ''", json!([]));
    v.as_str().unwrap_or_default().to_owned()
}

fn header_text(browser: &Browser) -> String {
    browser
        .script("const h = document.querySelector('.chat-head'); return h ? h.innerText : ''", json!([]))
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits for a status frame on `ws` matching `pred`.
fn status_until(ws: &mut Ws, what: &str, pred: impl Fn(Status, Option<&str>, &[porchlight_protocol::AgentRef]) -> bool) {
    ws.recv_until::<SessionFrame>(what, |f| match f {
        SessionFrame::Status { status, agent, participants, .. } => pred(*status, agent.as_ref().map(|a| a.id.as_str()), participants),
        _ => false,
    });
}

#[test]
fn an_80_character_name_breaks_nothing_and_every_header_action_is_reachable() {
    // An unbroken 80-character name: no space or hyphen to wrap at.
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() % 1_000_000_000_000;
    let mut name = format!("Wolfeschlegelsteinhausenbergerdorff{stamp}");
    while name.chars().count() < 80 {
        name.push('x');
    }
    assert_eq!(name.chars().count(), 80);

    let browser = console();
    // The sound is off until the agent turns it on; count what it would play.
    let sound = browser.by_name("button", "New-chat sound");
    assert_eq!(browser.script("return arguments[0].getAttribute('aria-pressed')", json!([sound])), json!("false"));
    browser.script(
        "window.__notes = 0; const o = BaseAudioContext.prototype.createOscillator;
         BaseAudioContext.prototype.createOscillator = function () { window.__notes++; return o.call(this); }; return true",
        json!([]),
    );

    // The visitor hands off while the console watches: a new chat waiting.
    let session = create_session(&name);
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    visitor.handoff();
    let row = format!("tr[data-session='{}']", session.session_id);
    let accept = browser.row_button(&row, "Accept");

    // The tab's title counts the waiting sessions, as the Waiting tile does.
    let (title, waiting) = {
        let v = browser.wait_for(
            "the title to count waiting sessions",
            20,
            "const n = document.querySelector('[aria-label=\"Waiting count\"]').textContent;
             return /^\\(\\d+\\) waiting · Porchlight/.test(document.title) && [document.title, n]",
            json!([]),
        );
        (v[0].as_str().unwrap_or_default().to_owned(), v[1].as_str().unwrap_or_default().to_owned())
    };
    assert!(title.starts_with(&format!("({waiting}) waiting")), "{title} vs {waiting} waiting");
    assert_eq!(browser.script("return window.__notes", json!([])), json!(0), "no sound while it is off");

    // The queue row: the name is cut with an ellipsis and is whole in its tooltip;
    // nothing overflows, and Accept is on screen.
    let row_check = browser.script(
        &format!(
            "{REACHABLE_FN}
         const r = document.querySelector(arguments[0]), n = r.querySelector('.name'), q = document.querySelector('.queue');
         return {{title: n.title, cut: n.scrollWidth > n.clientWidth, ellipsis: getComputedStyle(n).textOverflow,
                 queue_fits: q.scrollWidth <= q.clientWidth, page_fits: document.documentElement.scrollWidth <= innerWidth,
                 accept: reachable(arguments[1])}}"
        ),
        json!([row, accept]),
    );
    assert_eq!(
        row_check,
        json!({"title": name, "cut": true, "ellipsis": "ellipsis", "queue_fits": true, "page_fits": true, "accept": true})
    );
    browser.click(&accept);
    visitor.recv_until::<SessionFrame>("the accept", |f| matches!(f, SessionFrame::Status { status: Status::Active, .. }));

    // The header: the name cut with its tooltip, the visitor online, every action in reach.
    browser.wait_for("Close session in the header", 20, "return document.querySelector('.chat-head .danger')", json!([]));
    browser.wait_for("the visitor shown online", 20, "return document.querySelector('.chat-head .presence.on')", json!([]));
    let head_check = browser.script(
        "const h = document.querySelector('.chat-head'), n = h.querySelector('.visitor'), c = document.querySelector('.chat');
         return {title: n.title, cut: n.scrollWidth > n.clientWidth, ellipsis: getComputedStyle(n).textOverflow,
                 head_fits: h.scrollWidth <= h.clientWidth, chat_fits: c.scrollWidth <= c.clientWidth,
                 page_fits: document.documentElement.scrollWidth <= innerWidth}",
        json!([]),
    );
    assert_eq!(
        head_check,
        json!({"title": name, "cut": true, "ellipsis": "ellipsis", "head_fits": true, "chat_fits": true, "page_fits": true})
    );
    assert!(header_text(&browser).contains("Online"), "{}", header_text(&browser));
    // "… is typing" and the name over the visitor's messages break nothing either.
    visitor.send(&VisitorFrame::send(client_id("long-1"), "Hello from a long name"));
    visitor.send(&VisitorFrame::Typing { typing: true });
    let typing_check = browser.wait_for(
        "the typing line",
        20,
        "const t = document.querySelector('.chat .typing'), c = document.querySelector('.chat');
         const who = [...document.querySelectorAll('.log .msg .who')].find(w => w.title === arguments[0]);
         return t && who && {chat_fits: c.scrollWidth <= c.clientWidth, who_cut: getComputedStyle(who).textOverflow}",
        json!([name]),
    );
    assert_eq!(typing_check, json!({"chat_fits": true, "who_cut": "ellipsis"}));
    visitor.send(&VisitorFrame::Typing { typing: false });
    for action in ["Close session", "More actions"] {
        assert_reachable(&browser, action);
    }
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-console.png"));
    }

    // "More" by keyboard: Enter opens it on its first item, arrows move
    // (and wrap), Escape closes it and gives focus back; Space opens it too.
    browser.script("document.querySelector('.chat-head .more').focus(); return true", json!([]));
    browser.press(ENTER);
    browser.wait_for("the More menu", 20, "return document.querySelector('[role=menu][aria-label=\"More actions\"]')", json!([]));
    assert_eq!(focused_name(&browser), "Release to queue…");
    browser.press(DOWN);
    assert_eq!(focused_name(&browser), "Transfer…");
    browser.press(UP);
    browser.press(UP);
    assert_eq!(focused_name(&browser), "Export JSON", "Up from the first item wraps to the last");
    for action in ["Release to queue…", "Transfer…", "Invite…", "Create ticket", "Export JSON"] {
        assert_reachable(&browser, action);
    }
    browser.press(ESCAPE);
    browser.wait_for("the menu to close", 20, "return !document.querySelector('[role=menu]')", json!([]));
    assert_eq!(focused_name(&browser), "More actions", "Escape returns focus to the button");
    browser.press(SPACE);
    browser.wait_for("the menu on Space", 20, "return document.querySelector('[role=menu][aria-label=\"More actions\"]')", json!([]));
    browser.press(ESCAPE);

    let more = || browser.click(&browser.by_name("button", "More actions"));
    // Invite Ben: a submenu of the team.
    more();
    browser.click(&browser.by_name("button", "Invite…"));
    let ben =
        browser.wait_for("Ben in the Invite menu", 20, "return document.querySelector('[role=menu] [data-agent=\"ben\"]')", json!([]));
    assert_eq!(browser.script(&format!("{REACHABLE_FN}\nreturn reachable(arguments[0])"), json!([ben])), json!(true), "Ben in the menu");
    browser.click(&ben);
    status_until(&mut visitor, "Ben invited", |s, _, p| s == Status::Active && p.iter().any(|a| a.id.as_str() == "ben"));

    // Create ticket and Export JSON from the menu.
    more();
    browser.click(&browser.by_name("button", "Create ticket"));
    visitor.recv_until::<SessionFrame>("the ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    browser.wait_for("the ticket in the header", 20, "return document.querySelector('.chat-head [aria-label=\"Ticket\"]')", json!([]));
    more();
    browser.click(&browser.by_name("button", "Export JSON"));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let export_error = browser.script("return [...document.querySelectorAll('[role=alert]')].map(e => e.innerText).join(' ')", json!([]));
    assert!(!export_error.as_str().unwrap_or_default().contains("Export failed"), "{export_error}");

    // Transfer to Ben; Ben hands it back.
    more();
    browser.click(&browser.by_name("button", "Transfer…"));
    browser.click(&browser.wait_for(
        "Ben in the Transfer menu",
        20,
        "return document.querySelector('[role=menu] [data-agent=\"ben\"]')",
        json!([]),
    ));
    status_until(&mut visitor, "the transfer to Ben", |s, a, _| s == Status::Active && a == Some("ben"));
    let mut ben = Ws::agent_session(&session);
    ben.agent_hello(BEN);
    ben.send(&AgentFrame::Transfer { to: AgentId("ava".into()) });
    status_until(&mut visitor, "the transfer back to Ava", |s, a, _| s == Status::Active && a == Some("ava"));

    // The visitor leaves and comes back: the header follows.
    drop(visitor);
    browser.wait_for("the visitor shown offline", 20, "return document.querySelector('.chat-head .presence.off')", json!([]));
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    browser.wait_for("the visitor shown online again", 20, "return document.querySelector('.chat-head .presence.on')", json!([]));

    // The sound, turned on: releasing the chat makes it wait again, and it plays.
    browser.click(&browser.by_name("button", "New-chat sound"));
    assert_eq!(browser.script("return localStorage.getItem('porchlight:agent-sound')", json!([])), json!("true"));
    browser.wait_for("Close session back in the header", 20, "return document.querySelector('.chat-head .danger')", json!([]));
    // Releasing asks first, by keyboard: "Keep it" changes nothing, "Release to queue" releases.
    let ask_release = || {
        more();
        browser.click(&browser.by_name("button", "Release to queue…"));
        browser.wait_for(
            "the release question",
            20,
            "return document.querySelector('[role=menu][aria-label=\"Release to queue?\"]')",
            json!([]),
        );
    };
    ask_release();
    assert_eq!(focused_name(&browser), "Keep it", "the question opens on its safe answer");
    browser.press(ENTER);
    browser.wait_for("back in the menu", 20, "return document.querySelector('[role=menu][aria-label=\"More actions\"]')", json!([]));
    browser.press(ESCAPE);
    assert!(
        visitor.try_recv::<SessionFrame>(std::time::Duration::from_millis(800)).is_none_or(|f| !matches!(f, SessionFrame::Status { .. })),
        "kept"
    );
    ask_release();
    browser.press(DOWN);
    assert_eq!(focused_name(&browser), "Release to queue");
    browser.press(ENTER);
    status_until(&mut visitor, "the release", |s, _, _| s == Status::Waiting);
    browser.wait_for("the new-chat sound", 20, "return window.__notes >= 2", json!([]));

    // Accept from the header, then Close session.
    browser.click(&browser.wait_for("Accept in the header", 20, "return document.querySelector('.chat-head .primary')", json!([])));
    status_until(&mut visitor, "the second accept", |s, a, _| s == Status::Active && a == Some("ava"));
    browser.wait_for("Close session in the header", 20, "return document.querySelector('.chat-head .danger')", json!([]));
    assert_reachable(&browser, "Close session");
    browser.click(&browser.by_name("button", "Close session"));
    status_until(&mut visitor, "the close", |s, _, _| s == Status::Closed);
}

#[test]
fn messages_have_links_direction_a_menu_and_notes_have_no_receipts() {
    // Sessions with the bot are nobody's to pick up: "Unassigned" counts waiting ones only.
    let with_bot = create_session(&unique("Still With Bot"));
    let mut bot_visitor = Ws::visitor(&with_bot);
    bot_visitor.visitor_hello(&with_bot.token);

    let name = unique("Linking Visitor");
    let session = waiting_session(&name);
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    let link_text = "Tracking says https://shop.example/track?id=1042&x=(1). Also javascript:alert(1) and <b>bold</b>";
    let arabic = "مرحبا، أين طلبي؟";
    visitor.send(&VisitorFrame::send(client_id("l1"), link_text));
    visitor.send(&VisitorFrame::send(client_id("l2"), arabic));

    let browser = console();
    let tiles = browser.wait_for(
        "the tiles",
        20,
        "const n = l => Number(document.querySelector(`[aria-label=\"${l} count\"]`).textContent);
         return n('Waiting') > 0 && n('With bot') > 0 && [n('Waiting'), n('Unassigned'), n('With bot')]",
        json!([]),
    );
    assert_eq!(tiles[0], tiles[1], "Unassigned = waiting without an owner, not those with the bot: {tiles}");

    let row = format!("tr[data-session='{}']", session.session_id);
    browser.click(&browser.wait_for(
        "the row's Accept",
        20,
        "const r = document.querySelector(arguments[0]); return r && [...r.querySelectorAll('button')].find(b => b.textContent.trim() === 'Accept') || null",
        json!([row]),
    ));
    browser.log_shows(arabic);

    // The link is an element with a safe target; nothing else became markup.
    let link = browser.script(
        "const m = [...document.querySelectorAll('.log .msg')].find(m => m.innerText.includes('Tracking says'));
         const t = m.querySelector('.text');
         return {links: [...t.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.textContent, a.target, a.rel]),
                 bold: t.querySelectorAll('b').length, text: t.textContent, dir: t.getAttribute('dir')}",
        json!([]),
    );
    assert_eq!(
        link,
        json!({"links": [["https://shop.example/track?id=1042&x=(1)", "https://shop.example/track?id=1042&x=(1)", "_blank", "noopener noreferrer nofollow"]],
               "bold": 0, "text": link_text, "dir": "auto"}),
    );
    let directions = browser.script(
        "const m = [...document.querySelectorAll('.log .msg')].find(m => m.innerText.includes(arguments[0]));
         const t = m.querySelector('.text'); return [t.getAttribute('dir'), getComputedStyle(t).direction]",
        json!([arabic]),
    );
    assert_eq!(directions, json!(["auto", "rtl"]), "Arabic reads right to left");

    // The "⋯" of a message: no room taken while hidden, a target of 24×24 or more.
    let bubble = "[...document.querySelectorAll('.log .msg')].find(m => m.innerText.includes('Tracking says'))";
    let tools = browser.script(
        &format!("const m = {bubble}; const b = m.querySelector('.pl-more'), w = m.querySelector('.pl-more-wrap');
         const hidden_in_flow = [...m.querySelectorAll('*')].filter(e => getComputedStyle(e).opacity === '0')
            .filter(e => {{ for (let p = e; p && p !== m; p = p.parentElement) if (getComputedStyle(p).position === 'absolute') return false; return true; }}).length;
         const r = b.getBoundingClientRect();
         return {{wrap: getComputedStyle(w).position, big: r.width >= 24 && r.height >= 24, hidden_in_flow, buttons: m.querySelectorAll('button').length}}"),
        json!([]),
    );
    assert_eq!(tools, json!({"wrap": "absolute", "big": true, "hidden_in_flow": 0, "buttons": 1}), "one ⋯ button, floating");

    // Keyboard: focus shows it, Enter opens on the first reaction, arrows move, Enter reacts.
    browser.script(&format!("{bubble}.querySelector('.pl-more').focus(); return true"), json!([]));
    browser.wait_for(
        "focus to show ⋯",
        20,
        &format!("return getComputedStyle({bubble}.querySelector('.pl-more')).opacity === '1'"),
        json!([]),
    );
    browser.press(ENTER);
    browser.wait_for("the message menu", 20, &format!("return {bubble}.querySelector('[role=menu]')"), json!([]));
    assert_eq!(focused_name(&browser), "thumbs up");
    browser.press(RIGHT);
    assert_eq!(focused_name(&browser), "heart");
    let targets = browser.script(
        &format!("return [...{bubble}.querySelectorAll('[role^=menuitem]')].every(b => {{ const r = b.getBoundingClientRect(); return r.width >= 24 && r.height >= 24; }})"),
        json!([]),
    );
    assert_eq!(targets, json!(true), "menu items are at least 24×24");
    browser.press(ENTER);
    visitor.recv_until::<SessionFrame>("Ava's heart", |f| {
        matches!(f, SessionFrame::Updated { message } if message.reactions.iter().any(|r| r.emoji == porchlight_protocol::Emoji::Heart))
    });
    assert_eq!(focused_name(&browser), "Message actions", "focus goes back to ⋯");
    browser.press(ENTER);
    browser.press(ESCAPE);
    browser.wait_for("the menu to close on Escape", 20, &format!("return !{bubble}.querySelector('[role=menu]')"), json!([]));
    assert_eq!(focused_name(&browser), "Message actions");

    // Reply from the menu (with the mouse).
    let in_bubble = |label: &str| {
        browser.wait_for(
            &format!("{label} in the message"),
            20,
            &format!("const m = {bubble}; return m && [...m.querySelectorAll('button')].find(b => (b.getAttribute('aria-label') || b.textContent).trim() === arguments[0]) || null"),
            json!([label]),
        )
    };
    browser.click(&in_bubble("Message actions"));
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-console-menu.png"));
    }
    browser.click(&in_bubble("Reply"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("Looking at it now.{ENTER}"));
    let (frame, _) = visitor.recv_until::<SessionFrame>(
        "the reply",
        |f| matches!(f, SessionFrame::Message { message } if message.text == "Looking at it now."),
    );
    let SessionFrame::Message { message: reply } = frame else { unreachable!() };
    assert!(reply.reply_to.is_some(), "a quote-reply");

    // A note after it; the visitor sees everything they can: Seen on the reply, nothing on the note.
    browser.click(&browser.by_name("input", "Internal note"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("Check the courier{ENTER}"));
    browser.log_shows("Check the courier");
    browser.click(&browser.by_name("input", "Internal note"));
    visitor.send(&VisitorFrame::Receipt { marks: Marks { delivered: reply.seq, seen: reply.seq } });
    let receipts = browser.wait_for(
        "Seen on the reply",
        20,
        "const ms = [...document.querySelectorAll('.log .msg')];
         const reply = ms.find(m => m.innerText.includes('Looking at it now.')), note = ms.find(m => m.innerText.includes('Check the courier'));
         return reply && note && reply.innerText.includes('Seen') && [note.innerText, !!note.querySelector('.receipt')]",
        json!([]),
    );
    let note_text = receipts[0].as_str().unwrap_or_default();
    assert!(!note_text.contains("Seen") && !note_text.contains("Delivered") && !note_text.contains("Sent"), "{note_text}");
    assert_eq!(receipts[1], json!(false), "no receipt on a note");

    // Edit, then Delete, asked inside the console (never window.confirm).
    browser.script("window.__confirms = 0; window.confirm = () => { window.__confirms++; return true; }; return true", json!([]));
    let mine = "[...document.querySelectorAll('.log .msg')].find(m => m.innerText.includes('Looking at it'))";
    let in_mine = |label: &str| {
        browser.wait_for(
            &format!("{label} in my message"),
            20,
            &format!("const m = {mine}; return m && [...m.querySelectorAll('button')].find(b => (b.getAttribute('aria-label') || b.textContent).trim() === arguments[0]) || null"),
            json!([label]),
        )
    };
    browser.click(&in_mine("Message actions"));
    browser.click(&in_mine("Edit"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!(" Back soon.{ENTER}"));
    visitor.recv_until::<SessionFrame>(
        "the edit",
        |f| matches!(f, SessionFrame::Updated { message } if message.seq == reply.seq && message.text == "Looking at it now. Back soon."),
    );
    browser.click(&in_mine("Message actions"));
    browser.click(&in_mine("Delete"));
    let dialog = browser.wait_for(
        "the delete confirmation",
        20,
        &format!("const d = {mine}.querySelector('[role=alertdialog]'); return d && d.innerText"),
        json!([]),
    );
    assert!(dialog.as_str().unwrap_or_default().contains("Delete this message for everyone?"), "{dialog}");
    assert_eq!(focused_name(&browser), "Cancel", "the safe choice has focus");
    browser.press(ESCAPE);
    browser.wait_for("Escape to cancel", 20, &format!("return !{mine}.querySelector('[role=alertdialog]')"), json!([]));
    browser.click(&in_mine("Message actions"));
    browser.click(&in_mine("Delete"));
    browser.click(&in_mine("Yes, delete"));
    visitor.recv_until::<SessionFrame>(
        "the deletion",
        |f| matches!(f, SessionFrame::Updated { message } if message.seq == reply.seq && message.deleted),
    );
    browser.wait_for(
        "Message deleted",
        20,
        "return [...document.querySelectorAll('.log .msg')].some(m => m.innerText.includes('Message deleted'))",
        json!([]),
    );
    assert_eq!(browser.script("return window.__confirms", json!([])), json!(0), "no window.confirm");

    // The visitor's own messages reached the console as visitor messages (sanity).
    let mut again = Ws::agent_session(&session);
    match again.agent_hello(AVA) {
        SessionFrame::Welcome { messages, .. } => {
            assert!(messages.iter().any(|m| m.text == link_text && matches!(m.author, Author::Visitor { .. })));
        }
        other => panic!("{other:?}"),
    }
}

/// The widget renders messages with the same shared code: links, `dir`,
/// the "⋯" menu and its in-widget delete confirmation.
#[test]
fn the_widget_shares_links_direction_and_the_message_menu() {
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    let name = unique("Widget Linker");
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("can I talk to a human please{ENTER}"));
    let summary = queue.queue_until(&name, |s| s.status == Status::Waiting);
    let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut agent = Ws::agent_session(&session);
    agent.agent_hello(AVA);
    agent.send(&AgentFrame::Accept);
    let hebrew = "שלום! המשלוח בדרך";
    agent.send(&AgentFrame::send(client_id("w1"), "Your parcel: https://track.example/CK-1042 (javascript:void(0) is not a link)"));
    agent.send(&AgentFrame::send(client_id("w2"), hebrew));
    browser.log_shows(hebrew);

    const IN_LOG: &str = "const log = document.querySelector('[data-porchlight]').shadowRoot.querySelector('[role=log]');
        const msg = t => [...log.querySelectorAll('.pl-msg')].find(m => m.innerText.includes(t));";
    let rendered = browser.script(
        &format!(
            "{IN_LOG}
         const t = msg('Your parcel').querySelector('.pl-text'), h = msg(arguments[0]).querySelector('.pl-text');
         return {{links: [...t.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.target, a.rel]),
                 dir: [t.getAttribute('dir'), h.getAttribute('dir'), getComputedStyle(h).direction]}}"
        ),
        json!([hebrew]),
    );
    assert_eq!(
        rendered,
        json!({"links": [["https://track.example/CK-1042", "_blank", "noopener noreferrer nofollow"]], "dir": ["auto", "auto", "rtl"]})
    );

    // The visitor's own message: one ⋯, a 24×24 target or more, and Delete asks inside the widget.
    browser.script("window.__confirms = 0; window.confirm = () => { window.__confirms++; return true; }; return true", json!([]));
    let own = "can I talk to a human";
    let button_in_own = |label: &str| {
        browser.wait_for(
            &format!("{label} on the visitor's message"),
            20,
            &format!("{IN_LOG} const m = msg(arguments[1]); return m && [...m.querySelectorAll('button')].find(b => (b.getAttribute('aria-label') || b.textContent).trim() === arguments[0]) || null"),
            json!([label, own]),
        )
    };
    let more = button_in_own("Message actions");
    let size = browser.script("const r = arguments[0].getBoundingClientRect(); return r.width >= 24 && r.height >= 24", json!([more]));
    assert_eq!(size, json!(true), "a 24×24 target");
    browser.click(&more);
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-widget-menu.png"));
    }
    browser.click(&button_in_own("Delete"));
    browser.click(&button_in_own("Yes, delete"));
    agent.recv_until::<SessionFrame>("the visitor's deletion", |f| matches!(f, SessionFrame::Updated { message } if message.deleted));
    assert_eq!(browser.script("return window.__confirms", json!([])), json!(0), "no window.confirm on the host page");
}

/// What the console's "Online" follows: `visitor_presence` after an
/// agent's welcome and whenever it changes, counting every visitor tab.
#[test]
fn visitor_presence_follows_the_visitors_sockets() {
    let session = create_session(&unique("Present Visitor"));
    let online = |ws: &mut Ws, want: bool| {
        ws.recv_until::<SessionFrame>(
            &format!("visitor_presence {want}"),
            |f| matches!(f, SessionFrame::VisitorPresence { online } if *online == want),
        );
    };
    // No visitor socket yet: offline, right after the welcome.
    let mut agent = Ws::agent_session(&session);
    agent.send(&AgentFrame::Hello { token: AVA.into(), last_seq: Default::default() });
    assert!(matches!(agent.recv::<SessionFrame>(), SessionFrame::Welcome { .. }));
    assert_eq!(agent.recv::<SessionFrame>(), SessionFrame::VisitorPresence { online: false });

    // Two tabs: online with the first; closing one of two keeps it online.
    let mut tab1 = Ws::visitor(&session);
    tab1.visitor_hello(&session.token);
    online(&mut agent, true);
    let mut tab2 = Ws::visitor(&session);
    tab2.visitor_hello(&session.token);
    online(&mut agent, true);
    drop(tab1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while let Some(f) = agent.try_recv::<SessionFrame>(deadline.saturating_duration_since(std::time::Instant::now())) {
        assert_ne!(f, SessionFrame::VisitorPresence { online: false }, "one tab is still open");
    }
    // A second agent signing in now hears the same.
    let mut ben = Ws::agent_session(&session);
    ben.send(&AgentFrame::Hello { token: BEN.into(), last_seq: Default::default() });
    assert!(matches!(ben.recv::<SessionFrame>(), SessionFrame::Welcome { .. }));
    assert_eq!(ben.recv::<SessionFrame>(), SessionFrame::VisitorPresence { online: true });
    drop(tab2);
    online(&mut agent, false);
    online(&mut ben, false);

    // The visitor never receives it.
    let mut tab3 = Ws::visitor(&session);
    tab3.visitor_hello(&session.token);
    online(&mut agent, true);
    let to_visitor = tab3.try_recv::<SessionFrame>(std::time::Duration::from_secs(1));
    assert!(!matches!(to_visitor, Some(SessionFrame::VisitorPresence { .. })), "{to_visitor:?}");
}

/// The console and the demo pages name an SVG tab icon that is served (no /favicon.ico 404).
#[test]
fn the_console_and_the_demo_pages_have_a_favicon() {
    for (base, page) in
        [(edge(), "/agent"), (edge(), "/join.html"), (demo_origin(), "/"), (demo_origin(), "/embed.html"), (demo_origin(), "/api.html")]
    {
        let html = ureq::get(&format!("{base}{page}")).call().expect("page").into_string().expect("html");
        assert!(html.contains(r#"<link rel="icon" href="/favicon.svg" type="image/svg+xml">"#), "{base}{page} links the icon");
        let icon = ureq::get(&format!("{base}/favicon.svg")).call().expect("favicon");
        assert_eq!(icon.header("content-type").map(|t| t.split(';').next().unwrap_or_default().to_owned()), Some("image/svg+xml".into()));
        assert!(icon.into_string().expect("svg").starts_with("<svg"), "{base}");
    }
}
