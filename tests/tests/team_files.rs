//! Files in team chat through the real edge (R2 in Miniflare): an upload to
//! a channel is a message in its log, fanned out to the open consoles;
//! its bytes are served, with the session's safe headers, to whoever may
//! read the channel now (any of the team for a public channel, members
//! only for a private one: a non-member and a removed member get
//! `not_found`), never for a visitor's or a participant's token; what is
//! not a real image or PDF is refused; deleting the message erases it. In
//! headless Chromium, the console's team composer sends a chosen and a
//! dropped image and shows thumbnails, and a PDF as a download.

use porchlight_protocol::attachment::samples;
use porchlight_protocol::participants::{CreatedInvite, Joined};
use porchlight_protocol::team::{ChannelId, ChannelKind, TeamClientFrame, TeamFrame};
use porchlight_protocol::{AgentFrame, AgentId, Message, Seq, Status};
use porchlight_tests::team::Team;
use porchlight_tests::*;
use serde_json::json;
use std::time::{Duration, Instant};

struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn code(&self) -> (u16, String) {
        let body: serde_json::Value = serde_json::from_slice(&self.body).unwrap_or_default();
        (self.status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
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

fn files(channel: &ChannelId) -> String {
    format!("{}/api/v1/sites/{SITE}/team/channels/{channel}/attachments", edge())
}

fn upload(channel: &ChannelId, bearer: Option<&str>, client_id: &str, name: &str, bytes: &[u8]) -> Got {
    let mut req = ureq::post(&format!("{}?client_id={client_id}&name={name}", files(channel)));
    if let Some(b) = bearer {
        req = req.set("authorization", &format!("Bearer {b}"));
    }
    done(req.send_bytes(bytes))
}

fn fetch(channel: &ChannelId, id: &str, bearer: Option<&str>) -> Got {
    let mut req = ureq::get(&format!("{}/{id}", files(channel)));
    if let Some(b) = bearer {
        req = req.set("authorization", &format!("Bearer {b}"));
    }
    done(req.call())
}

fn message_of(got: &Got, channel: &ChannelId) -> Message {
    match serde_json::from_slice::<TeamFrame>(&got.body) {
        Ok(TeamFrame::Message { channel: c, message }) if c == *channel => message,
        other => panic!("a message expected, got {} {other:?}", got.status),
    }
}

/// A participant's credential on a fresh conversation: someone who must
/// never reach team chat's files.
fn participant_credential() -> String {
    let mut scene = scene("Team files courier");
    scene.ava.send(&AgentFrame::Accept);
    status_is(&mut scene.ava, Status::Active);
    let path = format!("/api/v1/sites/{SITE}/sessions/{}/participants", scene.session.session_id);
    let created = call("POST", &path, Some(AVA), Some(&json!({"name": "Sam", "kind": "external"}).to_string()));
    assert_eq!(created.status, 201, "{}", created.body);
    let created: CreatedInvite = serde_json::from_value(created.body).unwrap();
    let (_, token) = created.link.split_once("#t=").expect("the token is in the fragment");
    let joined = post("/api/v1/join", None, None, &json!({ "token": token }).to_string());
    assert_eq!(joined.status, 200, "{}", joined.body);
    serde_json::from_value::<Joined>(joined.body).unwrap().credential
}

#[test]
fn a_private_channels_file_is_for_its_members_only_and_goes_with_its_message() {
    let mut ava = Team::sign_in(AVA);
    let mut ben = Team::sign_in(BEN);
    let cy = race_agent_token(3);
    let private = ava.create("file-room", ChannelKind::Private);
    ava.send(&TeamClientFrame::AddMember { channel: private.id.clone(), agent: AgentId("ben".into()) });
    ben.channel_until("added", |c| c.id == private.id);
    ava.open(&private.id, Seq(0));
    ben.open(&private.id, Seq(0));

    // Upload: a message with the file's metadata, to both open consoles.
    let png = samples::png(48, 24);
    let sent = upload(&private.id, Some(AVA), "f1", "C:%5Cshots%5Cfloor%20plan.PNG", &png);
    assert_eq!(sent.status, 201, "{}", String::from_utf8_lossy(&sent.body));
    let message = message_of(&sent, &private.id);
    let file = message.attachment.clone().expect("the message carries the file");
    assert_eq!((file.name.as_str(), file.content_type.as_str()), ("floor plan.png", "image/png"));
    assert_eq!((file.size, file.width, file.height), (png.len() as u64, Some(48), Some(24)));
    assert_eq!(message.text, "📎 floor plan.png");
    let shown = ben.message(&private.id, |m| m.seq == message.seq);
    assert_eq!(shown.attachment.as_ref().map(|a| a.id.as_str()), Some(file.id.as_str()));
    // The same client id again: the same message, stored once.
    let again = upload(&private.id, Some(AVA), "f1", "other.png", &png);
    assert_eq!((again.status, message_of(&again, &private.id).seq), (201, message.seq));
    assert_eq!(porchlight_tests::team::channel_log(AVA, &private.id).1.len(), 1);

    // Members read it, with the safe headers.
    for member in [AVA, BEN] {
        let got = fetch(&private.id, &file.id, Some(member));
        assert_eq!(got.status, 200);
        assert_eq!(got.body, png);
        assert_eq!(got.header("content-type"), Some("image/png"));
        assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(got.header("cache-control"), Some("private, no-store"));
        assert!(got.header("content-disposition").is_some_and(|d| d.starts_with("inline")));
    }
    // Nobody else: a non-member agent, no token, a visitor's, a participant's.
    assert_eq!(fetch(&private.id, &file.id, Some(&cy)).code(), (404, "not_found".into()));
    assert_eq!(upload(&private.id, Some(&cy), "c1", "x.png", &png).code(), (404, "not_found".into()));
    assert_eq!(fetch(&private.id, &file.id, None).code(), (401, "unauthorized".into()));
    let visitor = create_session(&unique("Team files visitor"));
    assert_eq!(fetch(&private.id, &file.id, Some(&visitor.token)).code(), (401, "unauthorized".into()));
    assert_eq!(upload(&private.id, Some(&visitor.token), "v1", "x.png", &png).code(), (401, "unauthorized".into()));
    let credential = participant_credential();
    assert_eq!(fetch(&private.id, &file.id, Some(&credential)).code(), (401, "unauthorized".into()));
    // Not from a site's page either (the widget's origin).
    let from_widget = done(
        ureq::get(&format!("{}/{}", files(&private.id), file.id))
            .set("origin", &demo_origin())
            .set("authorization", &format!("Bearer {AVA}"))
            .call(),
    );
    assert_eq!(from_widget.code(), (403, "forbidden_origin".into()));

    // Only real images and PDFs, within 10 MB.
    let html = upload(&private.id, Some(BEN), "b1", "evil.png", b"<!doctype html><script>alert(1)</script>");
    assert_eq!(html.code(), (415, "unsupported_file".into()));
    let big = vec![0u8; porchlight_protocol::attachment::MAX_BYTES + 1];
    assert_eq!(upload(&private.id, Some(BEN), "b2", "big.pdf", &big).code(), (413, "file_too_large".into()));
    let pdf = upload(&private.id, Some(BEN), "b3", "minutes.pdf", &samples::pdf());
    assert_eq!(pdf.status, 201);
    let pdf = message_of(&pdf, &private.id).attachment.expect("a pdf");
    let got = fetch(&private.id, &pdf.id, Some(AVA));
    assert_eq!(got.header("content-type"), Some("application/pdf"));
    assert!(got.header("content-disposition").is_some_and(|d| d.starts_with("attachment")), "a PDF downloads");
    // A file is not edited.
    ava.send(&TeamClientFrame::Edit { channel: private.id.clone(), seq: message.seq, text: "renamed".into() });
    assert_eq!(ava.error().0, porchlight_protocol::ErrorCode::Forbidden);

    // Ben is removed: the file is closed to him like the channel.
    ava.send(&TeamClientFrame::RemoveMember { channel: private.id.clone(), agent: AgentId("ben".into()) });
    ben.until("gone", |f| matches!(f, TeamFrame::Gone { channel } if *channel == private.id));
    assert_eq!(fetch(&private.id, &file.id, Some(BEN)).code(), (404, "not_found".into()));
    assert_eq!(upload(&private.id, Some(BEN), "b4", "y.png", &png).code(), (404, "not_found".into()));
    assert_eq!(fetch(&private.id, &file.id, Some(AVA)).status, 200);

    // Ava deletes her message: it names no file, and the bytes are gone.
    ava.send(&TeamClientFrame::Remove { channel: private.id.clone(), seq: message.seq });
    let deleted = ava.updated(&private.id, message.seq);
    assert!(deleted.deleted && deleted.attachment.is_none(), "{deleted:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = fetch(&private.id, &file.id, Some(AVA));
        if got.status == 404 {
            assert_eq!(got.code().1, "not_found");
            break;
        }
        assert!(Instant::now() < deadline, "the deleted message's file is still served ({})", got.status);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(fetch(&private.id, &pdf.id, Some(AVA)).status, 200, "the other file stays");
}

#[test]
fn a_public_channels_files_are_read_by_the_team_and_posted_by_members() {
    let mut ava = Team::sign_in(AVA);
    let public = ava.create("file-lobby", ChannelKind::Public);
    let sent = upload(&public.id, Some(AVA), "p1", "menu.pdf", &samples::pdf());
    assert_eq!(sent.status, 201);
    let file = message_of(&sent, &public.id).attachment.expect("a file");
    // Ben has not joined: he reads it (the channel is open to the team), but posts only once he joins.
    assert_eq!(fetch(&public.id, &file.id, Some(BEN)).status, 200);
    assert_eq!(upload(&public.id, Some(BEN), "p2", "x.pdf", &samples::pdf()).code(), (403, "forbidden".into()));
    let mut ben = Team::sign_in(BEN);
    ben.send(&TeamClientFrame::Join { channel: public.id.clone() });
    ben.channel_until("joined", |c| c.id == public.id && c.channel.is_member(&AgentId("ben".into())));
    assert_eq!(upload(&public.id, Some(BEN), "p2", "x.pdf", &samples::pdf()).status, 201);
    // A made-up or malformed id is simply not there.
    assert_eq!(fetch(&public.id, "att_0000", Some(AVA)).code(), (404, "not_found".into()));
    assert_eq!(fetch(&public.id, "..%2F..%2Fx", Some(AVA)).code(), (404, "not_found".into()));
    assert_eq!(upload(&public.id, Some(AVA), "", "x.pdf", &samples::pdf()).code(), (400, "bad_frame".into()));
    // Deleting the channel erases its files.
    ava.send(&TeamClientFrame::Delete { channel: public.id.clone() });
    ava.until("gone", |f| matches!(f, TeamFrame::Gone { channel } if *channel == public.id));
    assert_eq!(fetch(&public.id, &file.id, Some(AVA)).code(), (404, "not_found".into()));
}

/// A real PNG drawn by the page's canvas, put in the team composer's file
/// input as a person would choose it.
const CHOOSE_PNG: &str = r#"
const done = arguments[arguments.length - 1];
const c = document.createElement('canvas'); c.width = 40; c.height = 30;
const g = c.getContext('2d'); g.fillStyle = '#2a6fb4'; g.fillRect(0, 0, 40, 30);
c.toBlob(blob => {
  const dt = new DataTransfer();
  dt.items.add(new File([blob], 'site photo.png', {type: 'image/png'}));
  const input = document.querySelector('.team-composer .pl-file-input');
  input.files = dt.files;
  input.dispatchEvent(new Event('change', {bubbles: true}));
  done(true);
}, 'image/png');
"#;

/// The same kind of PNG dropped on the team composer.
const DROP_PNG: &str = r#"
const done = arguments[arguments.length - 1];
const c = document.createElement('canvas'); c.width = 20; c.height = 20;
c.getContext('2d').fillRect(0, 0, 20, 20);
c.toBlob(blob => {
  const dt = new DataTransfer();
  dt.items.add(new File([blob], 'dropped.png', {type: 'image/png'}));
  const form = document.querySelector('.team-composer');
  const over = new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true});
  form.dispatchEvent(over);
  const drop = new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true});
  form.dispatchEvent(drop);
  done([over.defaultPrevented, drop.defaultPrevented]);
}, 'image/png');
"#;

#[test]
fn in_the_console_a_channel_shows_an_image_as_a_thumbnail_and_a_pdf_as_a_download() {
    use porchlight_tests::webdriver::Browser;
    let mut ben = Team::sign_in(BEN);
    let room = ben.create("photo-room", ChannelKind::Private);
    ben.send(&TeamClientFrame::AddMember { channel: room.id.clone(), agent: AgentId("ava".into()) });
    ben.channel_until("Ava added", |c| c.id == room.id && c.channel.is_member(&AgentId("ava".into())));
    ben.open(&room.id, Seq(0));

    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    browser.goto(&format!("{}/agent", edge()));
    browser.type_text(&browser.by_name("textbox", "Agent token"), AVA);
    browser.click(&browser.by_name("button", "Sign in"));
    browser.by_name("button", "Sign out");
    browser.script("document.querySelector('.team-toggle').click(); return true", json!([]));
    let entry = format!("document.querySelector('.team-entry[data-channel=\"{}\"]')", room.id);
    browser.wait_for("the channel in the sidebar", 20, &format!("return !!{entry}"), json!([]));
    browser.script(&format!("{entry}.click(); return true"), json!([]));
    browser.by_name("button", "Attach a file");

    // Ava picks an image with the paperclip: Ben gets the message, Ava sees the thumbnail.
    assert_eq!(browser.script_async(CHOOSE_PNG, json!([])), json!(true));
    let sent = ben.message(&room.id, |m| m.attachment.is_some());
    assert_eq!(sent.attachment.as_ref().map(|a| (a.name.as_str(), a.width)), Some(("site photo.png", Some(40))));
    let thumb = browser.wait_for(
        "the thumbnail in the team channel",
        30,
        "const i = document.querySelector('.team-channel .log .pl-thumb img'); return i && i.complete && i.naturalWidth === 40 && [i.src, i.alt]",
        json!([]),
    );
    assert!(thumb[0].as_str().unwrap_or_default().starts_with("blob:"), "fetched with the header, shown from a blob: URL: {thumb}");
    assert_eq!(thumb[1], json!("site photo.png"));

    // Dropped on the composer, a file is taken too (the drop is not the browser's to open).
    assert_eq!(browser.script_async(DROP_PNG, json!([])), json!([true, true]), "the composer takes the drop");
    let dropped = ben.message(&room.id, |m| m.attachment.as_ref().is_some_and(|a| a.name == "dropped.png"));
    assert!(dropped.seq > sent.seq);
    browser.wait_for(
        "the dropped file's thumbnail",
        30,
        "return document.querySelectorAll('.team-channel .log .pl-thumb img').length >= 2",
        json!([]),
    );

    // Ben sends a PDF: a download link in Ava's log, named with its size.
    assert_eq!(upload(&room.id, Some(BEN), "b-pdf", "minutes.pdf", &samples::pdf()).status, 201);
    let doc = browser.wait_for(
        "the PDF download",
        30,
        "const a = document.querySelector('.team-channel .log .pl-doc'); return a && a.href.startsWith('blob:') && [a.getAttribute('download'), a.innerText]",
        json!([]),
    );
    assert_eq!(doc[0], json!("minutes.pdf"));
    assert!(doc[1].as_str().unwrap_or_default().contains("minutes.pdf (1 KB)"), "{doc}");
    browser.assert_accessible("a team channel with files");
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/porchlight/screens");
    browser.screenshot(&shots.join("team-files.png"));
}
