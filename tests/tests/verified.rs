//! Verified identity in the browsers: the widget takes the page's
//! identity token (`window.Porchlight.identity`) into `POST sessions`, and
//! the console shows the visitor as Verified while labelling what the page
//! claimed ("unverified — claimed by the visitor").

use porchlight_protocol::Status;
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

const ENTER: &str = "\u{E007}";

#[test]
fn a_signed_in_visitor_reaches_the_console_verified_and_page_claims_are_labelled() {
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let name = unique("Vera Vouched");
    let user = unique("vera");
    let token = identity_token(DEMO_IDENTITY_SECRET, json!({"sub": user, "name": name, "orders": ["CK-9001"]}));

    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    // What a site's page does once its user is signed in (the loader is loaded already here).
    browser.script("window.Porchlight.identity = arguments[0]; return true", json!([token]));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.type_text(&browser.by_name("textbox", "Name"), "Typed Name");
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), &format!("can I talk to a human please{ENTER}"));
    let summary = queue.queue_until(&name, |s| s.status == Status::Waiting);
    assert!(summary.visitor.verified, "{:?}", summary.visitor);
    assert_eq!(summary.visitor.user_id.as_deref(), Some(user.as_str()));
    assert_eq!(summary.visitor.orders, ["CK-9001"]);

    // The console: the badge in the queue row and the visitor panel, and the labels.
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    let row = format!("tr[data-session='{}']", summary.id);
    let row_text = browser.wait_for(
        "the verified row",
        20,
        "const r = document.querySelector(arguments[0]); return r && r.innerText.includes('Verified') && r.innerText",
        json!([row]),
    );
    let row_text = row_text.as_str().unwrap_or_default();
    assert!(row_text.contains("Order CK-9001 ✓"), "{row_text}");
    // Accept opens the conversation with its visitor panel.
    let accept = browser.script(
        "return [...document.querySelector(arguments[0]).querySelectorAll('button')].find(b => b.textContent.trim() === 'Accept')",
        json!([row]),
    );
    browser.click(&accept);
    let panel = browser.wait_for(
        "the visitor panel",
        20,
        "const p = document.querySelector('[aria-label=\"Visitor info\"]'); return p && p.innerText.includes('Verified') && p.innerText",
        json!([]),
    );
    let panel = panel.as_str().unwrap_or_default().to_owned();
    assert!(panel.contains(&format!("user {user}")), "{panel}");
    assert!(panel.contains(&name), "{panel}");
    // The name came from the token; the page's URL is context; anything the page claimed is labelled.
    let labels = browser.script(
        "const p = document.querySelector('[aria-label=\"Visitor info\"]');
         return [...p.querySelectorAll('div')].filter(d => d.querySelector('.unverified')).map(d => d.querySelector('.k').textContent)",
        json!([]),
    );
    let labels: Vec<String> = serde_json::from_value(labels).unwrap_or_default();
    assert!(!labels.contains(&"Name".to_owned()), "the token vouched for the name: {labels:?}");
    // The demo shop's page attaches an order reference and attributes: claims, labelled as such.
    for claimed in ["Order", "Loyalty points", "Plan"] {
        assert!(labels.iter().any(|l| l == claimed), "{claimed} is labelled unverified: {labels:?}");
    }
    assert!(row_text.contains("Order CK-1042") && row_text.contains("unverified — claimed by the visitor"), "{row_text}");
}
