//! The widget on a host page with a strict Content-Security-Policy (no
//! `'unsafe-inline'` for scripts or styles), and the console under its own:
//! both work, and the browser reports no policy violation at all.

use porchlight_protocol::{AgentFrame, SessionCreated, SessionFrame};
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::json;

const VIOLATIONS: &str = "return window.cspViolations";

#[test]
fn the_widget_chats_on_a_strict_csp_page_without_one_violation() {
    let browser = Browser::start();
    browser.goto(&format!("{}/strict-csp.html", demo_origin()));
    // The policy is really there and really enforced: an inline style the
    // page itself tries is refused and counted by the page's watcher.
    browser.script(
        "const s = document.createElement('style'); s.textContent = 'body{}'; document.head.appendChild(s); s.remove();",
        json!([]),
    );
    browser.wait_for("the page's own inline <style> to be refused", 10, "return window.cspViolations.length === 1", json!([]));
    browser.script("window.cspViolations.length = 0; document.getElementById('csp-count').textContent = '0';", json!([]));

    // The launcher is styled (a rounded, fixed button), not raw markup.
    let launcher = browser.by_name("button", "Open chat");
    let styled = browser.script(
        "const b = arguments[0]; const s = getComputedStyle(b); return s.position === 'fixed' && parseFloat(s.borderRadius) > 0 && s.display !== 'inline-block'",
        json!([launcher]),
    );
    assert_eq!(styled, json!(true), "the launcher's stylesheet did not apply under the strict CSP");

    browser.click(&launcher);
    let name = unique("Strict CSP Visitor");
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.click(&browser.by_name("button", "Start chat"));
    // The panel is styled too: the composer has the widget's layout.
    let message = browser.by_name("textbox", "Message");
    let panel_styled = browser.script(
        "let n = arguments[0]; while (n && !(n.classList && n.classList.contains('pl-panel'))) n = n.parentNode; \
         return !!n && getComputedStyle(n).display !== 'inline' && getComputedStyle(n).getPropertyValue('--pl-accent').trim().startsWith('#')",
        json!([message]),
    );
    assert_eq!(panel_styled, json!(true), "the widget's stylesheet or accent did not apply under the strict CSP");

    // Suggestions while typing (the index download), the bot's answer (the
    // WebSocket), a person's reply: every connection the widget makes.
    browser.type_text(&message, "where is my ord");
    browser.wait_for(
        "suggestions while typing",
        20,
        &format!("{FIND_BY_NAME_FN}\nconst l = find('ul', 'Suggested articles'); return l && l.innerText.includes('Track your order')"),
        json!([]),
    );
    browser.type_text(&browser.by_name("textbox", "Message"), "er?\u{E007}");
    browser.log_shows("Did one of these answer your question?");
    // The queue signs in before the handoff, so the session's turn to
    // WAITING arrives as an upsert (not inside the sign-in snapshot).
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    browser.click(&browser.by_name("button", "Talk to a person"));

    let summary = queue.queue_until(&name, |s| s.status == porchlight_protocol::Status::Waiting);
    let mut agent = Ws::agent_session(&SessionCreated { session_id: summary.id, token: String::new() });
    assert!(matches!(agent.agent_hello(AVA), SessionFrame::Welcome { .. }));
    agent.send(&AgentFrame::Accept);
    agent.send(&AgentFrame::send(client_id("csp-1"), "Hello from a strict page's agent"));
    browser.log_shows("Hello from a strict page's agent");

    let violations = browser.script(VIOLATIONS, json!([]));
    assert_eq!(violations, json!([]), "the widget caused Content-Security-Policy violations");
    assert_eq!(browser.script("return document.getElementById('csp-count').textContent", json!([])), json!("0"));
}

#[test]
fn the_console_runs_under_a_csp_without_unsafe_inline() {
    let headers = ureq::get(&format!("{}/agent", edge())).call().expect("console page");
    let csp = headers.header("content-security-policy").unwrap_or_default().to_owned();
    assert!(!csp.is_empty(), "the console is served without a CSP");
    assert!(!csp.contains("unsafe-inline"), "the console's CSP allows inline code: {csp}");
    assert!(csp.contains("connect-src 'self'") && !csp.contains(" ws: ") && !csp.contains("wss:"), "connect-src is not limited: {csp}");

    let browser = Browser::start();
    // Chromium reports violations of the page's header policy to listeners
    // registered before anything loads.
    browser.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": "window.cspViolations = []; document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI), true);"}),
    );
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    // Signed in: the queue socket is up and the shared stylesheet applied.
    browser.by_name("button", "Sign out");
    browser.wait_for("the console's queue", 20, "return document.body.innerText.includes('Waiting')", json!([]));
    let styled = browser.script("return getComputedStyle(document.querySelector('.topbar')).display", json!([]));
    assert_ne!(styled, json!("inline"), "console.css did not apply");
    assert_eq!(browser.script(VIOLATIONS, json!([])), json!([]), "the console caused CSP violations");
}
