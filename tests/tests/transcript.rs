//! The visitor's transcript: over HTTP only with their own token and never
//! with internal notes; in headless Chromium "Download transcript" saves
//! the whole conversation as text or JSON (the test reads the saved blob).

use porchlight_protocol::{AgentFrame, SessionFrame, Status, TranscriptExport, VisitorFrame};
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

fn transcript(session: &porchlight_protocol::SessionCreated, bearer: Option<&str>) -> (u16, serde_json::Value) {
    let mut req = ureq::get(&format!("{}/api/v1/sites/{SITE}/sessions/{}/visitor/transcript", edge(), session.session_id))
        .set("origin", &demo_origin());
    if let Some(b) = bearer {
        req = req.set("authorization", &format!("Bearer {b}"));
    }
    match req.call() {
        Ok(r) => (r.status(), r.into_json().unwrap_or_default()),
        Err(ureq::Error::Status(s, r)) => (s, r.into_json().unwrap_or_default()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_visitor_reads_their_own_transcript_without_the_teams_notes() {
    let Scene { session, mut visitor, mut ava, .. } = scene("Transcript Reader");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    visitor.send(&VisitorFrame::send(client_id("t1"), "Is the grinder back in stock?"));
    ava.send(&AgentFrame::Note { client_id: client_id("n1"), text: "Supplier says Friday".into() });
    ava.send(&AgentFrame::send(client_id("a1"), "Yes, since Tuesday."));
    visitor.recv_until::<SessionFrame>(
        "the answer",
        |f| matches!(f, SessionFrame::Message { message } if message.text == "Yes, since Tuesday."),
    );

    let (status, body) = transcript(&session, Some(&session.token));
    assert_eq!(status, 200, "{body}");
    let export: TranscriptExport = serde_json::from_value(body).expect("a transcript");
    let texts: Vec<&str> = export.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(texts.contains(&"Is the grinder back in stock?") && texts.contains(&"Yes, since Tuesday."), "{texts:?}");
    assert!(!texts.contains(&"Supplier says Friday") && export.messages.iter().all(|m| !m.internal), "no notes: {texts:?}");
    assert_eq!(transcript(&session, None).0, 401);
    let other = create_session(&unique("Other Visitor"));
    assert_eq!(transcript(&session, Some(&other.token)).0, 401, "another visitor's token");
    assert_eq!(transcript(&session, Some(AVA)).0, 401, "an agent uses the agents' export");
}

/// Keeps what the page saves: each blob with the name its link downloads as.
const CATCH_DOWNLOADS: &str = r#"
window.saved = [];
const make = URL.createObjectURL.bind(URL);
URL.createObjectURL = b => { const u = make(b); window.saved.push({url: u, blob: b}); return u; };
const click = HTMLAnchorElement.prototype.click;
HTMLAnchorElement.prototype.click = function () {
  const s = window.saved.find(s => s.url === this.href);
  if (s && this.download) { s.name = this.download; return; }
  return click.call(this);
};
"#;

const LAST_SAVED: &str = r#"
const done = arguments[arguments.length - 1];
const s = (window.saved || []).filter(s => s.name).pop();
if (!s) return done(null);
s.blob.text().then(t => done([s.name, s.blob.type, t]));
"#;

#[test]
fn the_widget_saves_the_transcript_as_text_and_as_json() {
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let name = unique("Saver");
    let browser = Browser::start();
    browser.goto(&format!("{}/", demo_origin()));
    browser.click(&browser.by_name("button", "Open chat"));
    browser.type_text(&browser.by_name("textbox", "Name"), &name);
    browser.click(&browser.by_name("button", "Start chat"));
    browser.type_text(&browser.by_name("textbox", "Message"), "can I talk to a human please\u{E007}");
    let summary = queue.queue_until(&name, |s| s.status == Status::Waiting);
    let session = porchlight_protocol::SessionCreated { session_id: summary.id.clone(), token: String::new() };
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::Accept);
    ava.send(&AgentFrame::send(client_id("s1"), "Your beans ship today.\nTracking follows."));
    browser.log_shows("Your beans ship today.");
    ava.send(&AgentFrame::Close);
    browser.log_shows("Ava closed the conversation");
    // The rating and the footer under a closed chat leave the log most of the panel.
    browser.by_name("button", "Send rating");
    let heights = browser.script(
        "const r = document.querySelector('[data-porchlight]').shadowRoot;
         return [r.querySelector('.pl-log').clientHeight, r.querySelector('.pl-conversation').clientHeight]",
        json!([]),
    );
    let (log, panel) = (heights[0].as_f64().unwrap_or_default(), heights[1].as_f64().unwrap_or(1.0));
    assert!(log >= 0.5 * panel, "the log keeps most of the height: {log} of {panel} px");
    browser.script(CATCH_DOWNLOADS, json!([]));

    browser.click(&browser.by_name("button", "Download transcript as text"));
    let saved = browser.wait_for("the text transcript", 20, "return (window.saved || []).some(s => s.name) || null", json!([]));
    assert_eq!(saved, json!(true));
    let text = browser.script_async(LAST_SAVED, json!([]));
    let file = text[0].as_str().unwrap_or_default();
    let id8: String = summary.id.to_string().chars().take(8).collect();
    assert!(file.starts_with("porchlight-copper-kettle-") && file.ends_with(&format!("-{id8}.txt")), "{file}");
    assert!(text[1].as_str().unwrap_or_default().starts_with("text/plain"), "{text}");
    let body = text[2].as_str().unwrap_or_default();
    assert!(body.contains(&format!("Visitor: {name}")), "{body}");
    assert!(body.contains("] Ava: Your beans ship today.\n    Tracking follows."), "{body}");
    assert!(body.contains("can I talk to a human please") && body.contains("Ava closed the conversation"), "{body}");

    browser.script("window.saved = window.saved.map(s => ({...s, name: undefined}))", json!([]));
    browser.click(&browser.by_name("button", "Download transcript as JSON"));
    browser.wait_for("the JSON transcript", 20, "return (window.saved || []).some(s => s.name) || null", json!([]));
    let saved = browser.script_async(LAST_SAVED, json!([]));
    assert!(saved[0].as_str().unwrap_or_default().ends_with(".json"), "{saved}");
    let export: TranscriptExport = serde_json::from_str(saved[2].as_str().unwrap_or_default()).expect("JSON transcript");
    assert_eq!(export.session.id, summary.id);
    assert!(export.messages.iter().any(|m| m.text.starts_with("Your beans ship today.")));
}
