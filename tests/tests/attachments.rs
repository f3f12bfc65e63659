//! Attachments against the real edge (R2 in Miniflare): a file sent over
//! HTTP becomes a message in the log (seq, broadcast, resume), is served
//! only to the session's visitor and the site's agents with the safe
//! headers, is refused when it is not what it claims or is damaged, and
//! is gone once its message is deleted; in headless Chromium a visitor
//! attaches an image in the widget and the agent sees its thumbnail.

use porchlight_protocol::attachment::samples;
use porchlight_protocol::{AgentFrame, ErrorCode, Message, SessionFrame, Status, VisitorFrame};
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

fn done(r: Result<ureq::Response, ureq::Error>) -> Got {
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = resp.status();
    let headers = resp.headers_names().into_iter().map(|n| (n.clone(), resp.header(&n).unwrap_or_default().to_owned())).collect();
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut body).expect("body");
    Got { status, headers, body }
}

fn files(session: &porchlight_protocol::SessionCreated) -> String {
    format!("{}/api/v1/sites/{SITE}/sessions/{}/attachments", edge(), session.session_id)
}

fn upload(session: &porchlight_protocol::SessionCreated, bearer: Option<&str>, origin: Option<&str>, name: &str, bytes: &[u8]) -> Got {
    let mut req = ureq::post(&format!("{}?client_id={}&name={name}", files(session), unique("up").replace(' ', "-")));
    if let Some(b) = bearer {
        req = req.set("authorization", &format!("Bearer {b}"));
    }
    if let Some(o) = origin {
        req = req.set("origin", o);
    }
    done(req.send_bytes(bytes))
}

fn fetch(session: &porchlight_protocol::SessionCreated, id: &str, bearer: Option<&str>) -> Got {
    let mut req = ureq::get(&format!("{}/{id}", files(session))).set("origin", &demo_origin());
    if let Some(b) = bearer {
        req = req.set("authorization", &format!("Bearer {b}"));
    }
    done(req.call())
}

fn message_of(got: &Got) -> Message {
    match serde_json::from_slice::<SessionFrame>(&got.body) {
        Ok(SessionFrame::Message { message }) => message,
        other => panic!("a message expected, got {} {other:?}", got.status),
    }
}

#[test]
fn a_file_is_a_message_for_the_sessions_people_only_and_goes_with_its_deletion() {
    let Scene { session, mut visitor, mut ava, .. } = scene("Attacher");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    let png = samples::png(32, 16);
    let origin = demo_origin();

    let sent = upload(&session, Some(&session.token), Some(&origin), "C:%5Cphotos%5Creceipt.PNG", &png);
    assert_eq!(sent.status, 201, "{}", String::from_utf8_lossy(&sent.body));
    assert_eq!(sent.header("access-control-allow-origin"), Some(origin.as_str()), "the widget may read the answer");
    let message = message_of(&sent);
    let file = message.attachment.clone().expect("the message names its file");
    assert_eq!((file.name.as_str(), file.content_type.as_str(), file.size), ("receipt.png", "image/png", png.len() as u64));
    assert_eq!((file.width, file.height), (Some(32), Some(16)));
    // Through the same log as any message: both sides get it, in order.
    let seen = |ws: &mut Ws| {
        ws.recv_until::<SessionFrame>("the file's message", |f| matches!(f, SessionFrame::Message { message: m } if m.attachment.is_some()))
            .0
    };
    assert_eq!(seen(&mut visitor), SessionFrame::Message { message: message.clone() });
    assert_eq!(seen(&mut ava), SessionFrame::Message { message: message.clone() });

    // Served to the visitor and to the site's agents, with the safe headers; to nobody else.
    let got = fetch(&session, &file.id, Some(&session.token));
    assert_eq!((got.status, got.body == png), (200, true));
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert!(got.header("content-disposition").unwrap_or_default().starts_with("inline"), "{:?}", got.header("content-disposition"));
    assert_eq!(fetch(&session, &file.id, Some(BEN)).status, 200, "any agent of the site");
    assert_eq!(fetch(&session, &file.id, None).status, 401);
    let stranger = create_session(&unique("Stranger"));
    assert_eq!(fetch(&session, &file.id, Some(&stranger.token)).status, 401, "another visitor's token");
    assert_eq!(fetch(&stranger, &file.id, Some(&stranger.token)).status, 404, "not in their session");
    assert_eq!(fetch(&session, "att_nothere", Some(&session.token)).status, 404);

    // An agent sends a PDF: a download, never shown inline.
    let pdf = upload(&session, Some(AVA), None, "warranty.pdf", &samples::pdf());
    assert_eq!(pdf.status, 201, "{}", String::from_utf8_lossy(&pdf.body));
    let pdf_file = message_of(&pdf).attachment.expect("pdf");
    let got = fetch(&session, &pdf_file.id, Some(&session.token));
    assert_eq!(got.header("content-type"), Some("application/pdf"));
    assert_eq!(got.header("content-disposition"), Some("attachment; filename=\"warranty.pdf\""));

    // What it is, not what it is called.
    let html = upload(&session, Some(&session.token), Some(&origin), "cat.png", b"<!doctype html><script>alert(1)</script>");
    assert_eq!((html.status, html.json()["error"]["code"].clone()), (415, json!("unsupported_file")));
    assert!(html.json()["error"]["message"].as_str().unwrap_or_default().contains("PNG, JPEG, GIF, WebP"), "{}", html.json());
    let cut = upload(&session, Some(&session.token), Some(&origin), "half.png", &png[..png.len() - 5]);
    assert_eq!((cut.status, cut.json()["error"]["code"].clone()), (415, json!("unsupported_file")));
    assert_eq!(upload(&session, None, Some(&origin), "a.png", &png).status, 401);
    assert_eq!(upload(&session, Some(&stranger.token), Some(&origin), "a.png", &png).status, 401);

    // A resume brings it back.
    let mut again = Ws::visitor(&session);
    match again.visitor_hello(&session.token) {
        SessionFrame::Welcome { messages, .. } => assert!(messages.iter().any(|m| m.attachment.as_ref() == Some(&file)), "{messages:?}"),
        other => panic!("welcome expected, got {other:?}"),
    }

    // Deleting the message deletes the file.
    visitor.send(&VisitorFrame::Delete { seq: message.seq });
    let (updated, _) =
        visitor.recv_until::<SessionFrame>("the deletion", |f| matches!(f, SessionFrame::Updated { message: m } if m.seq == message.seq));
    let SessionFrame::Updated { message: gone } = updated else { unreachable!() };
    assert!(gone.deleted && gone.attachment.is_none(), "{gone:?}");
    assert_eq!(fetch(&session, &file.id, Some(&session.token)).status, 404, "the object is gone");
    assert_eq!(fetch(&session, &pdf_file.id, Some(&session.token)).status, 200, "the other file stays");

    // A file cannot be edited into text, and nothing after the end.
    ava.send(&AgentFrame::Edit { seq: message_of(&pdf).seq, text: "hi".into() });
    assert_eq!(error_of(&mut ava), ErrorCode::Forbidden);
    ava.send(&AgentFrame::Close);
    status_is(&mut visitor, Status::Closed);
    let late = upload(&session, Some(&session.token), Some(&origin), "late.png", &png);
    assert_eq!((late.status, late.json()["error"]["code"].clone()), (409, json!("session_closed")));
}

const SHADOW: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot;";

/// A real PNG drawn by the page's canvas, put in the widget's file input as a user would choose it.
const CHOOSE_PNG: &str = r#"
const done = arguments[arguments.length - 1];
const root = document.querySelector('[data-porchlight]').shadowRoot;
const c = document.createElement('canvas'); c.width = 40; c.height = 30;
const g = c.getContext('2d'); g.fillStyle = '#b4532a'; g.fillRect(0, 0, 40, 30);
c.toBlob(blob => {
  const dt = new DataTransfer();
  dt.items.add(new File([blob], 'parcel.png', {type: 'image/png'}));
  const input = root.querySelector('.pl-file-input');
  input.files = dt.files;
  input.dispatchEvent(new Event('change', {bubbles: true}));
  done(true);
}, 'image/png');
"#;

/// The same PNG dropped on the message log (not the composer), with every
/// upload progress the widget shows kept in `window.progress`.
const DROP_PNG_ON_LOG: &str = r#"
const done = arguments[arguments.length - 1];
const root = document.querySelector('[data-porchlight]').shadowRoot;
window.progress = [];
new MutationObserver(() => root.querySelectorAll('[role=progressbar]').forEach(p =>
  window.progress.push([p.getAttribute('aria-valuenow'), p.innerText]))).observe(root, {subtree: true, childList: true, attributes: true});
const c = document.createElement('canvas'); c.width = 40; c.height = 30;
c.getContext('2d').fillRect(0, 0, 40, 30);
c.toBlob(blob => {
  const dt = new DataTransfer();
  dt.items.add(new File([blob], 'dropped.png', {type: 'image/png'}));
  const log = root.querySelector('.pl-log');
  const over = new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true});
  log.dispatchEvent(over);
  const drop = new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true});
  log.dispatchEvent(drop);
  done([over.defaultPrevented, drop.defaultPrevented]);
}, 'image/png');
"#;

#[test]
fn a_visitor_attaches_an_image_in_the_widget_and_the_agent_sees_its_thumbnail() {
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let name = unique("Picture Sender");
    {
        let browser = Browser::start();
        browser.goto(&format!("{}/", demo_origin()));
        browser.click(&browser.by_name("button", "Open chat"));
        browser.type_text(&browser.by_name("textbox", "Name"), &name);
        browser.click(&browser.by_name("button", "Start chat"));
        browser.by_name("button", "Attach a file");
        // Too large is refused before anything is sent, with the reason.
        browser.script(
            &format!("{SHADOW} const dt = new DataTransfer(); dt.items.add(new File([new Uint8Array(11 * 1024 * 1024)], 'huge.png', {{type: 'image/png'}}));
             const i = root.querySelector('.pl-file-input'); i.files = dt.files; i.dispatchEvent(new Event('change', {{bubbles: true}}));"),
            json!([]),
        );
        browser.wait_for(
            "the size error",
            20,
            &format!("{SHADOW} const e = root.querySelector('.pl-upload-error'); return e && e.innerText.includes('huge.png is too large. Files can be at most 10 MB.')"),
            json!([]),
        );
        browser.script_async(CHOOSE_PNG, json!([]));
        let thumb = browser.wait_for(
            "the thumbnail in the widget",
            30,
            &format!("{SHADOW} const i = root.querySelector('.pl-thumb img'); return i && i.complete && i.naturalWidth > 0 && i.src"),
            json!([]),
        );
        assert!(thumb.as_str().unwrap_or_default().starts_with("blob:"), "{thumb}");
        assert_eq!(
            browser.script(&format!("{SHADOW} return root.querySelector('.pl-upload-error')"), json!([])),
            json!(null),
            "the error went"
        );
        // Dropped on the whole panel (the log here), it is taken; its upload shows a percentage.
        assert_eq!(browser.script_async(DROP_PNG_ON_LOG, json!([])), json!([true, true]), "the panel takes the drop");
        browser.wait_for(
            "the dropped file's thumbnail",
            30,
            &format!("{SHADOW} return root.querySelectorAll('.pl-thumb img').length >= 2"),
            json!([]),
        );
        let progress = browser.script("return window.progress", json!([]));
        let shown = progress.as_array().cloned().unwrap_or_default();
        assert!(!shown.is_empty(), "a progress bar while uploading");
        assert!(
            shown.iter().all(|p| p[1].as_str().unwrap_or_default().contains(&format!("{}%", p[0].as_str().unwrap_or("?")))),
            "the percentage is shown and exposed: {progress}"
        );
        queue.queue_until(&name, |s| s.message_count >= 1);
    }
    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.click(&browser.by_name("button", &format!("Open {name}")));
    let thumb = browser.wait_for(
        "the thumbnail in the console",
        30,
        "const i = document.querySelector('.log .pl-thumb img'); return i && i.complete && i.naturalWidth === 40 && [i.src, i.alt]",
        json!([]),
    );
    assert!(thumb[0].as_str().unwrap_or_default().starts_with("blob:"), "{thumb}");
    assert_eq!(thumb[1], json!("parcel.png"));
}
