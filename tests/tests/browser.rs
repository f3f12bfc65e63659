//! A visitor in real headless Chromium on the demo site (its own origin):
//! help-center suggestions while typing, the article reader, the bot's
//! answer and "Talk to a person" with a live queue position, then an agent
//! over a real WebSocket. And the agent console in Chromium.

use porchlight_protocol::{AgentFrame, QueueFrame, SessionFrame, Status};
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;

const WASM_REQUESTED: &str = "return performance.getEntriesByType('resource').some(e => e.name.endsWith('.wasm'))";

#[test]
fn visitor_chats_with_an_agent_through_the_widget() {
    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    let launcher = browser.by_name("button", "Open chat");

    // A tiny loader only: no WASM until the visitor shows intent.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(browser.script(WASM_REQUESTED, json!([])), json!(false), "WASM fetched before intent");
    let host_styles_untouched = browser.script(
        "return getComputedStyle(document.body).fontFamily.includes('Georgia') && !document.querySelector('style[data-porchlight]')",
        json!([]),
    );
    assert_eq!(host_styles_untouched, json!(true));

    browser.click(&launcher);
    browser.by_name("button", "Close chat");
    browser.wait_for("the widget WASM to be fetched once the visitor clicked", 20, WASM_REQUESTED, json!([]));

    let name = unique("Browser Visitor");
    let name_box = browser.by_name("textbox", "Name");
    browser.type_text(&name_box, &name);
    browser.type_text(&browser.by_name("textbox", "Email"), "visitor@example.com");
    browser.click(&browser.by_name("button", "Start chat"));

    // Suggestions appear while the question is still being typed, ranked in
    // the browser from the downloaded index: nothing has been sent.
    let message = browser.by_name("textbox", "Message");
    browser.type_text(&message, "where is my ord");
    browser.wait_for(
        "\"Track your order\" in Suggested articles before sending",
        20,
        &format!("{FIND_BY_NAME_FN}\nconst l = find('ul', 'Suggested articles'); return l && l.innerText.includes('Track your order')"),
        json!([]),
    );
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-suggestions.png"));
    }
    let log_text = browser.script(&format!("{FIND_BY_NAME_FN}\nreturn find('log', 'Messages').innerText"), json!([]));
    assert!(!log_text.as_str().unwrap_or_default().contains("where is my"), "nothing sent yet: {log_text}");

    // A suggestion opens the article inside the widget, with a way back.
    browser.click(&browser.by_name("button", "Track your order"));
    browser.wait_for(
        "the article reader",
        20,
        &format!("{FIND_BY_NAME_FN}\nconst a = find('section', 'Article'); return a && a.querySelector('h2') && a.querySelector('h2').textContent === 'Track your order' && a.innerText.length > 200"),
        json!([]),
    );
    browser.click(&browser.by_name("button", "← Back to chat"));

    // Send it: the bot answers in the conversation with its top articles.
    browser.type_text(&browser.by_name("textbox", "Message"), "er?\u{E007}"); // Enter sends
    browser.log_shows("Did one of these answer your question?");
    browser.by_name("button", "Yes, thanks");

    // An agent can see the session (with the bot), and what the visitor read.
    let mut queue = Ws::queue();
    let summary = match queue.queue_hello(AVA) {
        QueueFrame::Snapshot { sessions, .. } => sessions.into_iter().find(|s| s.visitor.name == name),
        other => panic!("{other:?}"),
    };
    let summary = summary.unwrap_or_else(|| queue.queue_until(&name, |_| true));
    assert_eq!(summary.status, Status::Bot);
    let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut watcher = Ws::agent_session(&session);
    match watcher.agent_hello(AVA) {
        SessionFrame::Welcome { session, .. } => {
            assert!(session.articles.opened.iter().any(|a| a.id == "track-your-order"), "{:?}", session.articles);
            assert!(session.articles.suggested.iter().any(|a| a.id == "track-your-order"), "{:?}", session.articles);
            // The demo page attached an order and attributes; the widget added the page URL.
            assert_eq!(session.context.order_ref.as_deref(), Some("CK-1042"), "{:?}", session.context);
            assert_eq!(session.context.attributes.get("Loyalty points").map(String::as_str), Some("120"));
            assert!(session.context.page_url.as_deref().is_some_and(|u| u.starts_with(&demo_origin())), "{:?}", session.context);
        }
        other => panic!("{other:?}"),
    }

    // "Talk to a person": the session goes to the queue and the widget
    // shows the visitor's place in line.
    browser.click(&browser.by_name("button", "Talk to a person"));
    browser.log_shows("Handed off to the team");
    browser.wait_for(
        "the queue position",
        20,
        &format!("{FIND_BY_NAME_FN}\nconst p = find('p', 'Queue position'); return p && / in line\\.$/.test(p.textContent)"),
        json!([]),
    );
    queue.queue_until(&name, |s| s.status == Status::Waiting);

    let question = "Do you ship <b>whole beans</b> to Canada?";
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("{question}\u{E007}"));
    let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut agent = Ws::agent_session(&session);
    // The question is in the welcome, or arrives just after it.
    let in_welcome = matches!(agent.agent_hello(AVA),
        SessionFrame::Welcome { ref messages, .. } if messages.iter().any(|m| m.text == question));
    if !in_welcome {
        agent.recv_until::<SessionFrame>(
            "the visitor's question",
            |f| matches!(f, SessionFrame::Message { message } if message.text == question),
        );
    }
    agent.send(&AgentFrame::Accept);
    agent.send(&AgentFrame::send(client_id("r1"), "Yes — 5–8 business days to Canada."));

    // The reply streams into the widget, as text.
    let log_has = |text: &str| browser.log_shows(text);
    log_has("Yes — 5–8 business days to Canada.");
    browser.wait_for(
        "the status line to name the agent",
        20,
        "return document.querySelector('[data-porchlight]').shadowRoot.textContent.includes(arguments[0])",
        json!(["You're chatting with Ava"]),
    );
    let bold_tags = browser.script(&format!("{FIND_BY_NAME_FN}\nreturn find('log', 'Messages').querySelectorAll('b').length"), json!([]));
    assert_eq!(bold_tags, json!(0), "user text is rendered as text, never as HTML");

    // The visitor reacts to the reply from its "⋯" menu; the agent answers quoting the question.
    let in_reply = |label: &str| {
        browser.wait_for(
            &format!("the {label} button on the agent's reply"),
            20,
            "const log = document.querySelector('[data-porchlight]').shadowRoot.querySelector('[role=log]');
             const m = log && [...log.querySelectorAll('.pl-msg')].find(m => m.innerText.includes('business days'));
             return m && [...m.querySelectorAll('button')].find(b => (b.getAttribute('aria-label') || b.textContent.trim()) === arguments[0]) || null",
            json!([label]),
        )
    };
    browser.click(&in_reply("Message actions"));
    // The six reactions are drawn as icons (a Debian without an emoji font
    // draws 👍 and 🔥 as empty boxes), each named by its emoji.
    let picks = browser.wait_for(
        "the reactions in the menu",
        20,
        "const picks = [...document.querySelector('[data-porchlight]').shadowRoot.querySelectorAll('.pl-menu .pl-pick')];
         return picks.length && picks.map(p => p.querySelector('svg path, svg circle') && !p.textContent.trim() ? p.getAttribute('aria-label') : 'glyph')",
        json!([]),
    );
    assert_eq!(picks, json!(["thumbs up", "heart", "laughing", "surprised", "sad", "fire"]));
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-reactions.png"));
    }
    browser.click(&in_reply("heart"));
    let (frame, _) = agent.recv_until::<SessionFrame>(
        "the visitor's reaction",
        |f| matches!(f, SessionFrame::Updated { message } if !message.reactions.is_empty()),
    );
    let SessionFrame::Updated { message: reacted } = frame else { unreachable!() };
    assert_eq!(
        (reacted.reactions[0].emoji, &reacted.reactions[0].by[..]),
        (porchlight_protocol::Emoji::Heart, &[porchlight_protocol::Participant::Visitor][..])
    );
    let question_seq = {
        let mut again = Ws::agent_session(&session);
        match again.agent_hello(AVA) {
            SessionFrame::Welcome { messages, .. } => messages.iter().find(|m| m.text == question).map(|m| m.seq).expect("question"),
            other => panic!("{other:?}"),
        }
    };
    agent.send(&AgentFrame::Send {
        client_id: client_id("r2"),
        text: "They're roasted to order, too.".into(),
        reply_to: Some(question_seq),
    });
    browser.wait_for(
        "the quote above the agent's answer",
        20,
        "const log = document.querySelector('[data-porchlight]').shadowRoot.querySelector('[role=log]');
         return !!log && [...log.querySelectorAll('.pl-msg')].some(m => m.innerText.includes('roasted to order') && m.querySelector('.pl-quote') && m.querySelector('.pl-quote').innerText.includes('whole beans'))",
        json!([]),
    );
    browser.wait_for(
        "the heart chip on the reply, drawn (no emoji font needed) and named",
        20,
        "const log = document.querySelector('[data-porchlight]').shadowRoot.querySelector('[role=log]');
         return !!log && [...log.querySelectorAll('.pl-chip')].some(c => c.dataset.emoji === 'heart' && c.getAttribute('aria-pressed') === 'true'
           && !!c.querySelector('svg path') && c.getAttribute('aria-label').includes('heart'))",
        json!([]),
    );

    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(std::path::Path::new(&path));
    }

    // Reload: the conversation is still there.
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    log_has(question);

    // Close from the agent side: the widget says no more messages can be
    // sent, and offers the next conversation instead of a dead end.
    agent.send(&AgentFrame::Close);
    log_has("closed the conversation");
    browser.wait_for(
        "the closed notice, with no composer",
        20,
        &format!("{FIND_BY_NAME_FN}\nreturn !find('textbox', 'Message') && document.querySelector('[data-porchlight]').shadowRoot.textContent.includes('No more messages can be sent')"),
        json!([]),
    );
    queue.queue_until(&name, |s| s.status == Status::Closed);
    browser.click(&browser.by_name("button", "Start a new conversation"));
    let next = queue.queue_until(&name, |s| s.id != summary.id);
    assert_eq!((next.status, next.visitor.email.as_deref()), (Status::Bot, Some("visitor@example.com")), "{next:?}");
    browser.by_name("textbox", "Message");
}

#[test]
fn a_closed_chat_leads_to_a_new_one_and_stays_readable() {
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    let name = unique("Returning Visitor");
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.type_text(&browser.by_name("textbox", "Email"), "returning@example.com");
    browser.click(&browser.by_name("button", "Start chat"));
    let question = "where is my order?";
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("{question}\u{E007}"));
    browser.log_shows("Did one of these answer your question?");
    let first = queue.queue_until(&name, |s| s.status == Status::Bot);

    // "Yes, thanks" closes it; the widget offers the next conversation.
    browser.click(&browser.by_name("button", "Yes, thanks"));
    queue.queue_until(&name, |s| s.id == first.id && s.status == Status::Closed);
    let start = browser.by_name("button", "Start a new conversation");
    let closed = browser.wait_for(
        "the stored session to be marked closed",
        20,
        "const s = JSON.parse(localStorage.getItem('porchlight:v1:copper-kettle')); return s && s.closed === true && s",
        json!([]),
    );
    assert_eq!(closed["session_id"], json!(first.id.to_string()));

    // A fresh session for the same visitor: no second form, name and email carried over.
    browser.click(&start);
    let second = queue.queue_until(&name, |s| s.id != first.id);
    assert_eq!(second.status, Status::Bot, "the new conversation starts with the bot: {second:?}");
    assert_eq!(second.visitor.email.as_deref(), Some("returning@example.com"));
    // The queue hears of it before the widget has the answer: wait for the widget to keep it.
    let stored = browser.wait_for(
        "the new session to be kept as the current one",
        20,
        "const s = JSON.parse(localStorage.getItem('porchlight:v1:copper-kettle')); return s && s.session_id === arguments[0] && s",
        json!([second.id.to_string()]),
    );
    assert_eq!(stored["closed"], json!(false));
    let prechat = browser.script(&format!("{FIND_BY_NAME_FN}\nreturn !!find('textbox', 'Name')"), json!([]));
    assert_eq!(prechat, json!(false), "no second pre-chat form");
    let hello = "Do you sell gift cards?";
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("{hello}\u{E007}"));
    browser.log_shows(hello);
    let log = browser.script(&format!("{FIND_BY_NAME_FN}\nreturn find('log', 'Messages').innerText"), json!([]));
    assert!(!log.as_str().unwrap_or_default().contains(question), "the new conversation starts empty: {log}");

    // Both are listed, newest first, with status and last message; the old one opens read-only.
    browser.click(&browser.by_name("button", "Your conversations"));
    let rows = browser.wait_for(
        "two conversations in the list",
        20,
        "const rows = [...document.querySelector('[data-porchlight]').shadowRoot.querySelectorAll('.pl-conv')];
         return rows.length === 2 && rows.map(r => [r.dataset.session, r.innerText])",
        json!([]),
    );
    assert_eq!(rows[0][0], json!(second.id.to_string()), "newest first: {rows}");
    assert_eq!(rows[1][0], json!(first.id.to_string()), "{rows}");
    let (newest, oldest) = (rows[0][1].as_str().unwrap_or_default(), rows[1][1].as_str().unwrap_or_default());
    // Its last message is the visitor's question or already the bot's answer.
    assert!(newest.contains("this chat") && (newest.contains(&format!("You: {hello}")) || newest.contains("Assistant: ")), "{newest}");
    assert!(oldest.contains("Ended") && oldest.contains("Assistant: "), "{oldest}");
    browser.click(&browser.wait_for(
        "the old conversation's row",
        20,
        "return document.querySelector('[data-porchlight]').shadowRoot.querySelector(`.pl-conv[data-session='${arguments[0]}']`)",
        json!([first.id.to_string()]),
    ));
    browser.log_shows(question);
    let readonly = browser.script(
        &format!(
            "{FIND_BY_NAME_FN}\nconst r = document.querySelector('[data-porchlight]').shadowRoot.querySelector('.pl-readonly');
                  return !!r && r.dataset.session === arguments[0] && !find('textbox', 'Message') && !r.innerText.includes(arguments[1])"
        ),
        json!([first.id.to_string(), hello]),
    );
    assert_eq!(readonly, json!(true), "the old conversation, read-only");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-history.png"));
    }

    // Back to the list, and to the current conversation.
    browser.click(&browser.by_name("button", "← Your conversations"));
    browser.click(&browser.wait_for(
        "the current conversation's row",
        20,
        "return document.querySelector('[data-porchlight]').shadowRoot.querySelector(`.pl-conv[data-session='${arguments[0]}']`)",
        json!([second.id.to_string()]),
    ));
    browser.by_name("textbox", "Message");
    browser.log_shows(hello);
}

/// A visitor waiting on an agent, on the demo page in `browser`; the agent
/// has accepted. Returns the agent's socket and the session's id.
fn waiting_on_an_agent(browser: &Browser, name: &str) -> (Ws, porchlight_protocol::SessionCreated) {
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.type_text(&browser.by_name("textbox", "Name"), name);
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), "can I talk to a human please\u{E007}");
    let summary = queue.queue_until(name, |s| s.status == Status::Waiting);
    let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut agent = Ws::agent_session(&session);
    agent.agent_hello(AVA);
    agent.send(&AgentFrame::Accept);
    browser.log_shows("Ava joined the conversation");
    (agent, session)
}

const SHADOW: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot;";

/// Replies are noticed with the panel closed: the widget connects at page
/// load for an open conversation, the launcher counts and previews, the
/// tab's title flashes while hidden, and opening clears it all.
fn replies_are_noticed(browser: Browser, label: &str) {
    let name = unique(&format!("Noticing Visitor {label}"));
    let (mut agent, _session) = waiting_on_an_agent(&browser, &name);

    // Reload: no hover, no click, yet the widget loads and connects.
    browser.goto(&format!("{}/", demo_origin()));
    browser.wait_for("the widget to load at page load for an open conversation", 20, WASM_REQUESTED, json!([]));
    let hidden = browser.wait_for(
        "the widget mounted in the closed panel",
        20,
        &format!("{SHADOW} const p = root.querySelector('.p'); return p.hidden && !!p.querySelector('.pl-panel')"),
        json!([]),
    );
    assert_eq!(hidden, json!(true));
    // Count the widget's beeps (each is made of oscillators).
    browser.script(
        "window.__beeps = 0; const make = AudioContext.prototype.createOscillator;
         AudioContext.prototype.createOscillator = function () { window.__beeps++; return make.call(this); }; return true",
        json!([]),
    );
    let reply = "Your order <b>CK-1042</b> shipped this morning.";
    agent.send(&AgentFrame::send(client_id("n1"), reply));
    let badge = browser.wait_for(
        "the unread badge to say 1",
        20,
        &format!("{SHADOW} const b = root.querySelector('button.l .pl-badge'); return b && b.textContent === '1' && b.textContent"),
        json!([]),
    );
    browser.by_name("button", "Open chat, 1 unread message");
    assert_eq!(badge, json!("1"));
    assert_eq!(browser.script("return window.__beeps", json!([])), json!(0), "no sound unless asked for");
    let preview = browser.wait_for(
        "the preview of the reply",
        20,
        &format!(
            "{SHADOW} const p = root.querySelector('.pl-preview');
                  return p && p.innerText.includes('shipped this morning') && [p.innerText, p.querySelectorAll('b').length]"
        ),
        json!([]),
    );
    assert!(preview[0].as_str().is_some_and(|t| t.contains("Ava") && t.contains("<b>CK-1042</b>")), "the text, as text: {preview}");
    assert_eq!(preview[1], json!(0), "never HTML");
    // On screen, phone or desktop: the badge and the bubble sit inside what
    // the visitor sees (the visual viewport, not a page widened by overflow).
    let inside = browser.script(
        &format!(
            "{SHADOW} const v = visualViewport;
             return ['button.l .pl-badge', '.pl-preview'].map(s => {{ const r = root.querySelector(s).getBoundingClientRect();
               return r.width > 0 && r.left >= v.offsetLeft && r.top >= v.offsetTop
                 && r.right <= v.offsetLeft + v.width && r.bottom <= v.offsetTop + v.height }})"
        ),
        json!([]),
    );
    assert_eq!(inside, json!([true, true]), "{label}: badge and preview in the viewport");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name(format!("screenshot-unread-{label}.png")));
    }

    // Dismissed, the bubble goes; the count stays.
    browser.click(&browser.by_name("button", "Dismiss"));
    browser.wait_for("the preview to go", 20, &format!("{SHADOW} return !root.querySelector('.pl-preview')"), json!([]));
    browser.by_name("button", "Open chat, 1 unread message");

    // While the tab is hidden the title flashes, and comes back after.
    let title = browser.script("return document.title", json!([]));
    let (page, _) = browser.new_tab();
    agent.send(&AgentFrame::send(client_id("n2"), "Tracking: 1Z999AA10123456784"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut flashed = None;
    while flashed.is_none() && std::time::Instant::now() < deadline {
        let targets = browser.cdp("Target.getTargets", json!({}));
        flashed = targets["targetInfos"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["title"].as_str())
            .find(|t| t.starts_with("(2) New message"))
            .map(str::to_owned);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(flashed.as_deref(), Some("(2) New messages"), "the hidden tab's title flashes");
    browser.close_tab(&page);
    browser.wait_for("the title to be restored", 20, "return document.title === arguments[0]", json!([title]));

    // More than nine: "9+"; and the page asks for sound now.
    browser.script("Porchlight('sound', true); return true", json!([]));
    for n in 3..=11 {
        agent.send(&AgentFrame::send(client_id(&format!("n{n}")), format!("Update number {n}")));
    }
    let last_id = client_id("n11");
    let (ack, _) = agent
        .recv_until::<SessionFrame>("the last update's ack", |f| matches!(f, SessionFrame::Ack { client_id, .. } if *client_id == last_id));
    let SessionFrame::Ack { seq: last, .. } = ack else { unreachable!() };
    browser.wait_for(
        "the badge to say 9+",
        20,
        &format!("{SHADOW} const b = root.querySelector('button.l .pl-badge'); return b && b.textContent === '9+'"),
        json!([]),
    );
    let launcher_again = browser.by_name("button", "Open chat, 11 unread messages");
    let beeps = browser.script("return window.__beeps", json!([]));
    assert!(beeps.as_u64().is_some_and(|n| n > 0), "Porchlight('sound', true) plays a sound for new replies: {beeps}");
    browser.wait_for(
        "the preview of the newest",
        20,
        &format!("{SHADOW} const p = root.querySelector('.pl-preview'); return p && p.innerText.includes('Update number 11')"),
        json!([]),
    );

    // Opening clears badge and preview and tells the agent it was seen.
    browser.click(&launcher_again);
    browser.log_shows("Update number 11");
    browser.wait_for(
        "badge and preview to clear",
        20,
        &format!("{SHADOW} return !root.querySelector('.pl-badge') && !root.querySelector('.pl-preview')"),
        json!([]),
    );
    agent.recv_until::<SessionFrame>(
        "the visitor's seen receipt for the last update",
        |f| matches!(f, SessionFrame::Receipts { receipts } if receipts.visitor.seen >= last),
    );
    browser.click(&browser.by_name("button", "Close chat"));
    browser.by_name("button", "Open chat");
    let badge = browser.script(&format!("{SHADOW} return !!root.querySelector('.pl-badge')"), json!([]));
    assert_eq!(badge, json!(false), "nothing unread after opening");
}

#[test]
fn replies_are_noticed_on_a_desktop() {
    replies_are_noticed(Browser::start(), "desktop");
}

#[test]
fn replies_are_noticed_on_a_phone() {
    let browser = Browser::start_phone();
    browser.goto(&format!("{}/", demo_origin()));
    let width = browser.script("return screen.width", json!([]));
    assert_eq!(width, json!(390), "a phone's screen");
    replies_are_noticed(browser, "phone");
}

#[test]
fn agent_accepts_replies_and_closes_in_the_console() {
    // A visitor (over a real WebSocket) waiting with a question whose name holds markup.
    // The bot answers first; the visitor reads an article, then asks for a person.
    let name = unique("<i>Console</i> Visitor");
    let session = create_session(&name);
    let mut visitor = Ws::visitor(&session);
    assert!(matches!(visitor.visitor_hello(&session.token), SessionFrame::Welcome { .. }));
    let question = "My grinder arrived with a cracked hopper, what now?";
    visitor.send(&porchlight_protocol::VisitorFrame::send(client_id("q1"), question));
    visitor.recv_until::<SessionFrame>(
        "the bot's articles",
        |f| matches!(f, SessionFrame::Message { message } if message.articles.iter().any(|a| a.id == "damaged-items-on-arrival")),
    );
    visitor.send(&porchlight_protocol::VisitorFrame::ArticleOpened { article_id: "damaged-items-on-arrival".into() });
    visitor.handoff();

    // The agent signs in to the console in headless Chromium.
    let browser = Browser::start();
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));

    // The session shows up live in the queue; Accept on its row.
    let row = format!("tr[data-session='{}']", session.session_id);
    let accept = browser.wait_for(
        "the session's row with an Accept button",
        20,
        "const r = document.querySelector(arguments[0]); return r && [...r.querySelectorAll('button')].find(b => b.textContent.trim() === 'Accept') || null",
        json!([row]),
    );
    let italic = browser.script("return document.querySelector(arguments[0]).querySelectorAll('i').length", json!([row]));
    assert_eq!(italic, json!(0), "the visitor's name is rendered as text, never as HTML");
    browser.click(&accept);

    // The conversation opens with the visitor's question and what the bot
    // already tried; the visitor hears of the accept.
    let log_has = |text: &str| browser.log_shows(text);
    log_has(question);
    browser.wait_for(
        "the article trail",
        20,
        &format!("{FIND_BY_NAME_FN}\nconst s = find('div', 'Bot suggested'), o = find('div', 'Visitor opened');
                  return s && o && s.innerText.includes('Damaged or leaking items on arrival') && o.innerText.includes('Damaged or leaking items on arrival')"),
        json!([]),
    );
    let handed_off = browser.wait_for(
        "the Handed off tile",
        20,
        "const n = [...document.querySelectorAll('[aria-label=\"Handed off count\"]')][0]; return n && Number(n.textContent) > 0 && n.textContent",
        json!([]),
    );
    assert!(handed_off.as_str().is_some_and(|n| n.parse::<u32>().unwrap_or(0) >= 1), "{handed_off}");
    visitor.recv_until::<SessionFrame>("the accept", |f| matches!(f, SessionFrame::Status { status: Status::Active, .. }));
    browser.wait_for(
        "the row to say Active",
        20,
        "const r = document.querySelector(arguments[0]); return r && r.innerText.includes('Active') && r.innerText.includes('Ava')",
        json!([row]),
    );

    // Reply with the composer (Enter sends); it reaches the visitor, authored by Ava.
    let reply = "Sorry about that! A replacement hopper ships today.";
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("{reply}\u{E007}"));
    let (frame, _) = visitor
        .recv_until::<SessionFrame>("the console's reply", |f| matches!(f, SessionFrame::Message { message } if message.text == reply));
    match frame {
        SessionFrame::Message { message } => {
            assert!(matches!(message.author, porchlight_protocol::Author::Agent { ref name, .. } if name == "Ava"), "{message:?}")
        }
        other => panic!("{other:?}"),
    }
    log_has(reply);

    // An internal note, written in the console: the team sees it, the visitor never does.
    let note = "Second hopper complaint this month: flag to QA";
    browser.click(&browser.by_name("input", "Internal note"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("{note}\u{E007}"));
    log_has(note);
    browser.wait_for(
        "the note styled as internal",
        20,
        "return [...document.querySelectorAll('.msg.note')].some(m => m.innerText.includes(arguments[0]) && m.innerText.includes('Internal note'))",
        json!([note]),
    );
    browser.click(&browser.by_name("input", "Internal note"));

    // The visitor answers; it streams into the console; the note never reached them.
    visitor.send(&porchlight_protocol::VisitorFrame::send(client_id("q2"), "Great, thank you!"));
    let (_, before_own) = visitor.recv_until::<SessionFrame>(
        "the visitor's own message",
        |f| matches!(f, SessionFrame::Message { message } if message.text == "Great, thank you!"),
    );
    assert!(!format!("{before_own:?}").contains("QA"), "the note reached the visitor: {before_own:?}");
    log_has("Great, thank you!");

    // React to the visitor's message and reply quoting it, from its own actions.
    let thanks = "[...document.querySelectorAll('.log .msg')].find(m => m.innerText.includes('Great, thank you!'))";
    let in_thanks = |label: &str| {
        browser.wait_for(
            &format!("the {label} button on the visitor's message"),
            20,
            &format!("const m = {thanks}; return m && [...m.querySelectorAll('button')].find(b => b.getAttribute('aria-label') === arguments[0] || b.textContent.trim() === arguments[0]) || null"),
            json!([label]),
        )
    };
    browser.click(&in_thanks("Message actions"));
    browser.click(&in_thanks("thumbs up"));
    let (frame, _) = visitor.recv_until::<SessionFrame>(
        "the console's reaction",
        |f| matches!(f, SessionFrame::Updated { message } if !message.reactions.is_empty()),
    );
    let thanks_seq = match frame {
        SessionFrame::Updated { message } => {
            assert_eq!(message.reactions[0].emoji, porchlight_protocol::Emoji::ThumbsUp);
            assert!(matches!(&message.reactions[0].by[..], [porchlight_protocol::Participant::Agent { name, .. }] if name == "Ava"));
            message.seq
        }
        _ => unreachable!(),
    };
    browser.wait_for(
        "the reaction chip, pressed",
        20,
        &format!("const m = {thanks}; const c = m && m.querySelector('.pl-chip'); return !!c && c.getAttribute('aria-pressed') === 'true' && c.textContent.includes('1')"),
        json!([]),
    );
    browser.click(&in_thanks("Message actions"));
    browser.click(&in_thanks("Reply"));
    browser.type_text(&browser.by_name("textbox", "Message"), "Happy to help!\u{E007}");
    let (frame, _) = visitor.recv_until::<SessionFrame>(
        "the quoted reply",
        |f| matches!(f, SessionFrame::Message { message } if message.text == "Happy to help!"),
    );
    match frame {
        SessionFrame::Message { message } => assert_eq!(message.reply_to.map(|q| q.seq), Some(thanks_seq), "the reply quotes"),
        _ => unreachable!(),
    }
    browser.wait_for(
        "the quote above the reply",
        20,
        "return [...document.querySelectorAll('.log .msg')].some(m => m.innerText.includes('Happy to help!') && m.querySelector('.pl-quote') && m.querySelector('.pl-quote').innerText.includes('Great, thank you!'))",
        json!([]),
    );

    // Create ticket: the visitor is told, the console shows the link.
    browser.click(&browser.by_name("button", "More actions"));
    browser.click(&browser.by_name("button", "Create ticket"));
    let (frame, _) = visitor.recv_until::<SessionFrame>("the ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket } = frame else { unreachable!() };
    browser.wait_for(
        "the ticket link in the console",
        20,
        "const t = document.querySelector('[aria-label=\"Ticket\"]'); return !!t && t.textContent === arguments[0]",
        json!([format!("Ticket #{}", ticket.number)]),
    );
    // The Tickets list shows it; its row leads back to the conversation.
    browser.click(&browser.by_name("button", "Tickets"));
    let ticket_row = browser.wait_for(
        "the ticket in the Tickets list",
        20,
        "return document.querySelector(`tr[data-ticket='${arguments[0]}']`)",
        json!([ticket.number.to_string()]),
    );
    browser.click(&ticket_row);
    browser.log_shows("Happy to help!");
    let got = call("GET", &format!("/api/v1/sites/{SITE}/tickets/{}", ticket.number), Some(AVA), None);
    assert!(got.body["description"].as_str().is_some_and(|d| d.contains("Happy to help!") && d.contains(note)), "{}", got.body);

    // Search: by a word of the conversation the row stays; by nonsense it goes.
    let search = browser.by_name("input", "Search conversations");
    browser.type_text(&search, "hopper");
    browser.wait_for("the row to match a search for its message", 20, "return !!document.querySelector(arguments[0])", json!([row]));
    browser.type_text(&search, "zzqx");
    browser.wait_for("the row to be filtered out", 20, "return !document.querySelector(arguments[0])", json!([row]));
    browser.script(&format!("{FIND_BY_NAME_FN}\nconst i = find('input', 'Search conversations'); i.value=''; i.dispatchEvent(new InputEvent('input', {{bubbles: true}})); return true"), json!([]));
    browser.wait_for("the row to come back", 20, "return !!document.querySelector(arguments[0])", json!([row]));

    // Close session: the visitor is told, the console's composer is disabled, the row is Closed.
    browser.click(&browser.by_name("button", "Close session"));
    visitor.recv_until::<SessionFrame>("the close", |f| matches!(f, SessionFrame::Status { status: Status::Closed, .. }));
    browser.wait_for(
        "the console's composer to be disabled after close",
        20,
        &format!("{FIND_BY_NAME_FN}\nconst t = find('textbox', 'Message'); return t && t.disabled"),
        json!([]),
    );
    // Closed sessions leave the Open tab; the Closed tab lists them.
    browser.wait_for("the row to leave the Open tab", 20, "return !document.querySelector(arguments[0])", json!([row]));
    browser.click(&browser.by_name("button", "Closed"));
    browser.wait_for(
        "the row to say Closed",
        20,
        "const r = document.querySelector(arguments[0]); return r && r.innerText.includes('Closed')",
        json!([row]),
    );
}

#[test]
fn messages_typed_offline_arrive_once_when_back_and_the_history_survives_a_reload() {
    // The queue watches from before the chat starts, so every change is an upsert.
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    let name = unique("Offline Visitor");
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), "can I talk to a human please\u{E007}");
    browser.log_shows("connecting you with a person");

    // An agent takes it.
    let summary = queue.queue_until(&name, |s| s.status == Status::Waiting);
    let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut agent = Ws::agent_session(&session);
    agent.agent_hello(AVA);
    agent.send(&AgentFrame::Accept);
    browser.log_shows("Ava joined the conversation");

    // Offline: the widget says so, and what the visitor types waits as pending.
    browser.set_offline(true);
    let status_is = |text: &str| {
        browser.wait_for(
            &format!("the status line to say {text:?}"),
            20,
            "return document.querySelector('[data-porchlight]').shadowRoot.querySelector('.pl-status').textContent.includes(arguments[0])",
            json!([text]),
        )
    };
    status_is("You're offline");
    let offline_texts = ["typed while offline, one", "typed while offline, two"];
    for text in offline_texts {
        browser.type_text(&browser.by_name("textbox", "Message"), &format!("{text}\u{E007}"));
    }
    browser.wait_for(
        "both messages pending",
        20,
        "return document.querySelector('[data-porchlight]').shadowRoot.querySelectorAll('.pl-pending').length === 2",
        json!([]),
    );
    let early = agent.try_recv::<SessionFrame>(std::time::Duration::from_secs(2));
    assert!(
        !matches!(&early, Some(SessionFrame::Message { message }) if message.text.contains("offline")),
        "nothing leaves an offline browser: {early:?}"
    );
    let kept = browser.script(
        "return Object.keys(localStorage).filter(k => k.includes(':outbox:')).map(k => localStorage.getItem(k)).join('')",
        json!([]),
    );
    assert!(kept.as_str().is_some_and(|k| offline_texts.iter().all(|t| k.contains(t))), "the outbox is in storage: {kept}");

    // Online again: each arrives exactly once, in the order typed.
    browser.set_offline(false);
    status_is("chatting with Ava");
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline && seen.len() < 2 {
        if let Some(SessionFrame::Message { message }) = agent.try_recv::<SessionFrame>(std::time::Duration::from_millis(500)) {
            if message.text.contains("offline") {
                seen.push(message.text);
            }
        }
    }
    // Anything late (a duplicate) would arrive now.
    while let Some(f) = agent.try_recv::<SessionFrame>(std::time::Duration::from_secs(2)) {
        if let SessionFrame::Message { message } = f {
            seen.push(message.text);
        }
    }
    assert_eq!(seen, offline_texts, "each exactly once, in order");
    browser.wait_for(
        "nothing pending",
        20,
        "return document.querySelector('[data-porchlight]').shadowRoot.querySelectorAll('.pl-pending').length === 0",
        json!([]),
    );

    // Reload: the whole history, each message once.
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.log_shows("typed while offline, two");
    let counts = browser.script(
        &format!("{FIND_BY_NAME_FN}\nconst t = find('log', 'Messages').innerText; return arguments[0].map(s => t.split(s).length - 1)"),
        json!([offline_texts.iter().chain(["can I talk to a human please"].iter()).collect::<Vec<_>>()]),
    );
    assert_eq!(counts, json!([1, 1, 1]), "the history after a reload, each message once");
}

/// Keyboard only (journey issue, item 6; the launcher's colour, item 10):
/// Enter on the launcher opens the
/// panel with focus in its first field, the pre-chat form is filled and
/// sent from the keyboard, focus then waits in the composer, and Escape
/// closes the panel and gives focus back to the launcher.
#[test]
fn the_widget_works_from_the_keyboard_alone() {
    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    // The name of whatever has focus, through shadow roots.
    let focused_is = |what: &str, name: &str| {
        browser.wait_for(
            what,
            20,
            "let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; \
             return a && (a.getAttribute('aria-label') || (a.labels && a.labels[0] && a.labels[0].textContent) || '').trim() === arguments[0]",
            json!([name]),
        )
    };
    let launcher = browser.by_name("button", "Open chat");
    // The launcher wears the site's accent (#b4532a) before any WASM is fetched (item 10).
    browser.wait_for(
        "the launcher in the site's accent colour",
        20,
        "return getComputedStyle(arguments[0]).backgroundColor === 'rgb(180, 83, 42)'",
        json!([launcher]),
    );
    let wasm = browser.script("return performance.getEntriesByType('resource').filter(e => e.name.includes('/widget-')).length", json!([]));
    assert_eq!(wasm, json!(0), "no widget code before intent");
    browser.script("arguments[0].focus()", json!([launcher]));
    browser.press("\u{E007}");
    focused_is("focus on the Name field once the panel opens", "Name");
    browser.press(&unique("Keyboard Visitor"));
    browser.press("\u{E004}");
    browser.press("keys@example.com\u{E007}");
    focused_is("focus in the composer after Start chat", "Message");
    browser.press("where is my order?\u{E007}");
    browser.log_shows("Did one of these answer your question?");
    browser.press("\u{E00C}");
    focused_is("focus back on the launcher after Escape", "Open chat");
    let hidden = browser.script(
        "const host = [...document.querySelectorAll('*')].find(e => e.shadowRoot && e.shadowRoot.querySelector('.p')); return host.shadowRoot.querySelector('.p').hidden",
        json!([]),
    );
    assert_eq!(hidden, json!(true), "Escape closes the panel");
}
