//! The console's "Add participant" picker in headless Chromium: the
//! warning first, the team searched by name (keyboard only), customers
//! with the toggle, an external person by a one-time link with Copy (or
//! the link selected to copy by hand), the list with Remove; axe clean.

use porchlight_protocol::{AgentFrame, SessionCreated, SessionFrame, Status};
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

const ENTER: &str = "\u{E007}";
const TAB: &str = "\u{E004}";
const SPACE: &str = "\u{E00D}";

fn focused_label(browser: &Browser) -> String {
    let v = browser
        .script("const a = document.activeElement; return a ? (a.getAttribute('aria-label') || a.textContent).trim() : ''", json!([]));
    v.as_str().unwrap_or_default().to_owned()
}

fn tab_to(browser: &Browser, name: &str) {
    for _ in 0..30 {
        if focused_label(browser) == name {
            return;
        }
        browser.press(TAB);
    }
    panic!("Tab never reached {name:?} (last: {:?})", focused_label(browser));
}

fn panel_text(browser: &Browser) -> String {
    let t = browser.script("const p = document.querySelector('.add-participant'); return p ? p.innerText : ''", json!([]));
    t.as_str().unwrap_or_default().to_owned()
}

#[test]
fn an_agent_adds_a_teammate_a_customer_and_a_courier_from_the_picker() {
    // A verified customer the site knows, to find with "Customers".
    let customer = unique("Petra Picker");
    let user = unique("petra");
    let token = identity_token(DEMO_IDENTITY_SECRET, json!({"sub": user, "name": customer}));
    let body = json!({"name": "typed", "identity": token});
    let made = start_session_on(SITE, body);
    assert_eq!(made.status, 201, "{}", made.body);
    let theirs: SessionCreated = serde_json::from_value(made.body).unwrap();
    let mut v = Ws::visitor(&theirs);
    v.visitor_hello(&theirs.token);
    v.handoff();

    // The conversation Ava picks people for.
    let mut scene = scene("Picked For");
    scene.ava.send(&AgentFrame::Accept);
    status_is(&mut scene.ava, Status::Active);

    let browser = Browser::start();
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.click(&browser.row_button(&format!("tr[data-session='{}']", scene.session.session_id), "Open"));
    browser.log_shows("Ava joined the conversation");
    browser.click(&browser.by_name("button", "More actions"));
    browser.click(&browser.by_name("button", "Add participant…"));
    // The warning comes first, before any choice; focus is in the search box.
    browser.wait_for("the picker", 20, "return !!document.querySelector('.add-participant')", json!([]));
    let text = panel_text(&browser);
    let warning = text.find("Everyone in the conversation sees every message, earlier ones too.").expect("the warning");
    assert!(warning < text.find("External person").unwrap_or(usize::MAX), "{text}");
    assert_eq!(focused_label(&browser), "Search people");
    browser.assert_accessible("the Add participant picker");

    // The team by name, keyboard only: type, Tab to Ben, Enter.
    browser.press("be");
    browser.wait_for("Ben in the results", 20, "return !!document.querySelector('.pick[data-agent=ben]')", json!([]));
    tab_to(&browser, "Ben · agent");
    browser.press(ENTER);
    scene.ava.recv_until::<SessionFrame>(
        "Ben invited",
        |f| matches!(f, SessionFrame::Status { participants, .. } if participants.iter().any(|p| p.id.as_str() == "ben")),
    );
    browser.wait_for(
        "Ben in the conversation",
        20,
        "return document.querySelector('.add-participant-inside').innerText.includes('Ben · agent')",
        json!([]),
    );

    // Customers: the toggle, then their name; picking one makes their link.
    let search = browser.by_name("input", "Search people");
    browser.script(
        "const i = arguments[0]; i.value = ''; i.dispatchEvent(new Event('input', {bubbles: true})); return true",
        json!([search.clone()]),
    );
    browser.type_text(&search, &customer);
    tab_to(&browser, "Customers");
    browser.press(SPACE);
    let pick = browser.wait_for(
        "the customer in the results",
        20,
        "return [...document.querySelectorAll('.pick[data-contact]')].find(b => b.textContent.includes(arguments[0])) || null",
        json!([customer]),
    );
    let label = browser.script("return arguments[0].textContent", json!([pick.clone()]));
    assert!(label.as_str().unwrap_or_default().contains(&format!("customer ✓ {user}")), "{label}");
    assert_eq!(browser.script("return arguments[0].placeholder", json!([search.clone()])), json!("Search customers by name or email"));
    browser.click(&pick);
    browser.wait_for(
        "the customer's link",
        20,
        "const i = document.querySelector('.add-participant-link input'); return i && i.value.includes('/join.html#t=plj_')",
        json!([]),
    );

    // An external person: name and role, Create link, Copy.
    let field = |name: &str| browser.script("return document.querySelector(`.add-participant [name=${arguments[0]}]`)", json!([name]));
    browser.type_text(&field("external-name"), "Sam");
    browser.type_text(&field("external-role"), "courier");
    browser.click(&browser.by_name("button", "Create link"));
    let link = browser.wait_for(
        "Sam's link",
        20,
        "const l = document.querySelector('.add-participant-link'); const i = l && l.querySelector('input');
         return l && l.innerText.includes('One-time link for Sam') && i.value",
        json!([]),
    );
    assert!(link.as_str().unwrap_or_default().contains("/join.html#t=plj_"), "{link}");
    let cleared = browser.script(
        "return ['external-name', 'external-role'].map(n => document.querySelector(`.add-participant [name=${n}]`).value)",
        json!([]),
    );
    assert_eq!(cleared, json!(["", ""]), "the form is ready for the next person");
    browser.click(&browser.by_name("button", "Copy"));
    let copied = browser.wait_for(
        "the copy's outcome",
        20,
        "const n = document.getElementById('link-note'); const t = n && n.textContent;
         return t && (t.startsWith('Link copied') || t.startsWith('Copying is not allowed')) && t",
        json!([]),
    );
    if copied.as_str().unwrap_or_default().starts_with("Copying is not allowed") {
        // The visible fallback: the whole link selected in its read-only field.
        let selected = browser.script(
            "const i = document.activeElement; return i.readOnly && i.selectionStart === 0 && i.selectionEnd === i.value.length",
            json!([]),
        );
        assert_eq!(selected, json!(true));
    }
    system_text(&mut scene.visitor, "Ava added Sam (courier) · external");

    // The list: externals labelled, with Remove.
    browser.wait_for(
        "Sam in the list",
        20,
        "return document.querySelector('.add-participant-inside').innerText.includes('Sam (courier) · external')",
        json!([]),
    );
    browser.assert_accessible("the picker with a link and the participants list");

    // The queue row: Ava and Ben as avatars, and the two let in by link (Petra, Sam) outlined, as from outside.
    let row = format!("tr[data-session='{}']", scene.session.session_id);
    let people = browser.wait_for(
        "Sam's avatar in the queue row",
        20,
        "const p = document.querySelector(arguments[0] + ' .people');
         return p && p.querySelector('.avatar.external') && [p.getAttribute('aria-label'), p.querySelectorAll('.avatar').length]",
        json!([row]),
    );
    assert_eq!(people, json!([format!("With Ava, Ben, {customer} (customer) · external, Sam (courier) · external"), 4]));
    browser.assert_accessible("a queue row with an outside participant");

    // The conversation becomes a ticket: the queue's search finds it by "ticket N" and "#N".
    scene.ava.send(&AgentFrame::CreateTicket { close: false });
    let (frame, _) = scene.ava.recv_until::<SessionFrame>("the ticket", |f| matches!(f, SessionFrame::Ticket { .. }));
    let SessionFrame::Ticket { ticket } = frame else { unreachable!() };
    let queue_search = browser.script("return document.querySelector('input.search')", json!([]));
    let search_for = |q: &str| {
        browser.script(
            "const i = arguments[0]; i.value = arguments[1]; i.dispatchEvent(new Event('input', {bubbles: true})); return true",
            json!([queue_search.clone(), q]),
        );
    };
    for q in [format!("ticket {}", ticket.number), format!("Ticket #{}", ticket.number), format!("#{}", ticket.number)] {
        search_for(&q);
        let shown = browser.wait_for(
            "the search's rows",
            20,
            "const rows = [...document.querySelectorAll('tr[data-session]')].map(r => r.dataset.session);
             return rows.includes(arguments[0]) && rows",
            json!([scene.session.session_id.to_string()]),
        );
        assert!(
            !shown.as_array().is_some_and(|r| r.contains(&json!(theirs.session_id.to_string()))),
            "{q} finds only ticket #{}: {shown}",
            ticket.number
        );
    }
    search_for("");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-add-participant.png"));
    }
    browser.click(&browser.by_name("button", "Remove Sam"));
    system_text(&mut scene.visitor, "Ava removed Sam (courier) · external");
    browser.wait_for(
        "Sam gone from the list",
        20,
        "return !document.querySelector('.add-participant-inside').innerText.includes('Sam (courier)')",
        json!([]),
    );
}
