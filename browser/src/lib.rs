//! Browser plumbing shared by the widget and the console.
//!
//! - [`Socket`]: a WebSocket that authenticates on every (re)connect,
//!   reconnects with jittered exponential backoff until dropped, sends a
//!   heartbeat to catch half-open connections, and reconnects at once when
//!   the browser comes back online.
//! - [`post_json`] / [`get_json`]: JSON over fetch with the edge's typed errors.
//! - [`new_client_id`]: random ids for outgoing messages.
//! - [`style`]: stylesheets and CSS variables without inline styles (strict CSP).
//! - [`icons`]: the UI icons as inline SVG (no emoji font needed).
//! - [`ui`]: the yew pieces of a message both apps show the same way
//!   (quote, reactions, the message's actions, the composer's mode).

pub mod files;
pub mod icons;
pub mod style;
pub mod ui;

use porchlight_protocol::{ClientMsgId, ErrorBody};
use serde::{de::DeserializeOwned, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// Connection state, shown to people as "Connecting…" / "Reconnecting…".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conn {
    Connecting,
    Open,
    Reconnecting,
    /// The edge refused us for good (bad token, unknown session).
    Refused,
}

/// What a [`Socket`] calls back with.
pub struct Handlers {
    /// The first frame to send on each connection (`hello`); called anew
    /// each time so it can carry the latest `last_seq`.
    pub hello: Box<dyn Fn() -> String>,
    pub on_frame: Box<dyn Fn(String)>,
    pub on_state: Box<dyn Fn(Conn)>,
}

struct Inner {
    url: String,
    handlers: Handlers,
    ws: Option<WebSocket>,
    attempt: u32,
    stopped: bool,
    retry: Option<gloo::timers::callback::Timeout>,
    // Keep the JS closures alive as long as the socket they are bound to.
    closures: Vec<Closure<dyn FnMut(JsValue)>>,
    heartbeat: Option<gloo::timers::callback::Interval>,
    /// When anything last arrived on the current socket (ms since the epoch).
    last_heard: f64,
    /// The window's online/offline listeners.
    network: Vec<gloo::events::EventListener>,
}

/// A `ping` goes out this often while connected…
const HEARTBEAT_MS: u32 = 10_000;
/// …and a socket silent for this long is taken for dead (half-open: the
/// network dropped without a close) and replaced.
const SILENCE_MS: f64 = 25_000.0;

/// A WebSocket that keeps itself connected. Dropping it closes the socket
/// and stops reconnecting.
pub struct Socket(Rc<RefCell<Inner>>);

impl Socket {
    pub fn connect(url: String, handlers: Handlers) -> Socket {
        let inner = Rc::new(RefCell::new(Inner {
            url,
            handlers,
            ws: None,
            attempt: 0,
            stopped: false,
            retry: None,
            closures: Vec::new(),
            heartbeat: None,
            last_heard: 0.0,
            network: Vec::new(),
        }));
        open(&inner);
        watch_network(&inner);
        Socket(inner)
    }

    /// Sends a frame if connected; returns whether it went out. Callers keep
    /// unsent messages in their outbox and resend them after `hello`.
    pub fn send(&self, frame: &impl Serialize) -> bool {
        let inner = self.0.borrow();
        match (&inner.ws, serde_json::to_string(frame)) {
            (Some(ws), Ok(json)) if ws.ready_state() == WebSocket::OPEN => ws.send_with_str(&json).is_ok(),
            _ => false,
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let mut inner = self.0.borrow_mut();
        inner.stopped = true;
        inner.retry = None;
        inner.heartbeat = None;
        inner.network.clear();
        if let Some(ws) = inner.ws.take() {
            detach(&ws);
            let _ = ws.close();
        }
    }
}

fn detach(ws: &WebSocket) {
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
}

/// Gives up on the current socket without waiting for a closing handshake
/// that may never come, and reconnects.
fn abandon(inner_rc: &Rc<RefCell<Inner>>) {
    let ws = {
        let mut inner = inner_rc.borrow_mut();
        inner.heartbeat = None;
        inner.ws.take()
    };
    if let Some(ws) = ws {
        detach(&ws);
        let _ = ws.close_with_code_and_reason(4000, "heartbeat lost");
    }
    schedule_reconnect(inner_rc);
}

/// Offline: drop the socket now (sends then wait in the caller's outbox).
/// Online again: reconnect at once instead of waiting out the backoff.
fn watch_network(inner_rc: &Rc<RefCell<Inner>>) {
    let Some(window) = web_sys::window() else { return };
    let weak = Rc::downgrade(inner_rc);
    let offline = gloo::events::EventListener::new(&window, "offline", {
        let weak = weak.clone();
        move |_| {
            if let Some(inner) = weak.upgrade() {
                abandon(&inner);
            }
        }
    });
    let online = gloo::events::EventListener::new(&window, "online", move |_| {
        let Some(inner) = weak.upgrade() else { return };
        let open_now = {
            let mut i = inner.borrow_mut();
            let connected = i.ws.as_ref().is_some_and(|ws| ws.ready_state() == WebSocket::OPEN);
            if i.stopped || connected {
                false
            } else {
                i.retry = None;
                i.attempt = 0;
                if let Some(ws) = i.ws.take() {
                    detach(&ws);
                    let _ = ws.close();
                }
                true
            }
        };
        if open_now {
            open(&inner);
        }
    });
    inner_rc.borrow_mut().network = vec![offline, online];
}

fn open(inner_rc: &Rc<RefCell<Inner>>) {
    let url = inner_rc.borrow().url.clone();
    let ws = match WebSocket::new(&url) {
        Ok(ws) => ws,
        Err(_) => return schedule_reconnect(inner_rc),
    };
    let weak = Rc::downgrade(inner_rc);
    let on_open = Closure::<dyn FnMut(JsValue)>::new({
        let weak = weak.clone();
        move |_| {
            let Some(inner) = weak.upgrade() else { return };
            let (hello, ws) = {
                let mut i = inner.borrow_mut();
                i.attempt = 0;
                i.last_heard = js_sys::Date::now();
                ((i.handlers.hello)(), i.ws.clone())
            };
            if let Some(ws) = ws {
                let _ = ws.send_with_str(&hello);
            }
            let beat = {
                let weak = Rc::downgrade(&inner);
                gloo::timers::callback::Interval::new(HEARTBEAT_MS, move || {
                    let Some(inner) = weak.upgrade() else { return };
                    let (silent, ws) = {
                        let i = inner.borrow();
                        (js_sys::Date::now() - i.last_heard > SILENCE_MS, i.ws.clone())
                    };
                    match ws {
                        Some(_) if silent => abandon(&inner),
                        Some(ws) => drop(ws.send_with_str(porchlight_protocol::PING)),
                        None => {}
                    }
                })
            };
            inner.borrow_mut().heartbeat = Some(beat);
            (inner.borrow().handlers.on_state)(Conn::Open);
        }
    });
    let on_message = Closure::<dyn FnMut(JsValue)>::new({
        let weak = weak.clone();
        move |event: JsValue| {
            let Some(inner) = weak.upgrade() else { return };
            inner.borrow_mut().last_heard = js_sys::Date::now();
            if let Some(text) = event.dyn_into::<MessageEvent>().ok().and_then(|e| e.data().as_string()) {
                if text != porchlight_protocol::PONG {
                    (inner.borrow().handlers.on_frame)(text);
                }
            }
        }
    });
    let on_close = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let Some(inner) = weak.upgrade() else { return };
        // 1008 = policy violation: the edge refused our credentials.
        // Retrying would be refused again; say so instead.
        let refused = event.dyn_into::<CloseEvent>().map(|e| e.code() == 1008).unwrap_or(false);
        if refused {
            inner.borrow_mut().stopped = true;
            (inner.borrow().handlers.on_state)(Conn::Refused);
        } else {
            schedule_reconnect(&inner);
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let mut inner = inner_rc.borrow_mut();
    inner.ws = Some(ws);
    inner.closures = vec![on_open, on_message, on_close];
}

/// Backoff: 0.5 s, 1 s, 2 s … capped at 15 s, each with ±50 % jitter so a
/// fleet of widgets does not reconnect in lockstep after an edge restart.
fn schedule_reconnect(inner_rc: &Rc<RefCell<Inner>>) {
    let delay = {
        let mut inner = inner_rc.borrow_mut();
        if inner.stopped {
            return;
        }
        inner.ws = None;
        inner.heartbeat = None;
        inner.attempt += 1;
        let base = (500.0 * 2f64.powi(inner.attempt.min(5) as i32 - 1)).min(15_000.0);
        (base * (0.5 + js_sys::Math::random())) as u32
    };
    (inner_rc.borrow().handlers.on_state)(Conn::Reconnecting);
    let weak = Rc::downgrade(inner_rc);
    let timeout = gloo::timers::callback::Timeout::new(delay, move || {
        if let Some(inner) = weak.upgrade() {
            if !inner.borrow().stopped {
                open(&inner);
            }
        }
    });
    inner_rc.borrow_mut().retry = Some(timeout);
}

/// A failed request: the edge's message when it sent one, else what failed.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestError {
    pub status: u16,
    pub message: String,
}

pub async fn post_json<B: Serialize, R: DeserializeOwned>(url: &str, body: &B, bearer: Option<&str>) -> Result<R, RequestError> {
    let mut req = gloo::net::http::Request::post(url);
    if let Some(token) = bearer {
        req = req.header("authorization", &format!("Bearer {token}"));
    }
    let req = req.json(body).map_err(|e| RequestError { status: 0, message: e.to_string() })?;
    read(req.send().await).await
}

pub async fn get_json<R: DeserializeOwned>(url: &str) -> Result<R, RequestError> {
    read(gloo::net::http::Request::get(url).send().await).await
}

/// `GET` with an agent token (`Authorization: Bearer`).
pub async fn get_json_as<R: DeserializeOwned>(url: &str, bearer: &str) -> Result<R, RequestError> {
    read(gloo::net::http::Request::get(url).header("authorization", &format!("Bearer {bearer}")).send().await).await
}

async fn read<R: DeserializeOwned>(sent: Result<gloo::net::http::Response, gloo::net::Error>) -> Result<R, RequestError> {
    let resp = sent.map_err(|_| RequestError {
        status: 0,
        message: "Could not reach the chat service. Check your connection and try again.".into(),
    })?;
    let status = resp.status();
    if resp.ok() {
        return resp.json::<R>().await.map_err(|e| RequestError { status, message: e.to_string() });
    }
    let message = match resp.json::<ErrorBody>().await {
        Ok(body) => body.error.message,
        Err(_) => format!("The chat service answered {status}."),
    };
    Err(RequestError { status, message })
}

/// `DELETE url` with `Authorization: Bearer`: `Ok` on any 2xx, else the edge's message.
pub async fn delete_with_bearer(url: &str, bearer: &str) -> Result<(), RequestError> {
    let sent = gloo::net::http::Request::delete(url).header("authorization", &format!("Bearer {bearer}")).send().await;
    let resp = sent.map_err(|_| RequestError { status: 0, message: "Could not reach the chat service.".into() })?;
    if resp.ok() {
        return Ok(());
    }
    let status = resp.status();
    let message = match resp.json::<ErrorBody>().await {
        Ok(body) => body.error.message,
        Err(_) => format!("The chat service answered {status}."),
    };
    Err(RequestError { status, message })
}

/// Fetches `url` with an agent token and saves the answer as `filename`
/// (a download the person sees), e.g. a transcript export.
pub async fn download_with_bearer(url: &str, bearer: &str, filename: &str) -> Result<(), RequestError> {
    let text = text_with_bearer(url, bearer).await?;
    save_text(&text, filename, "application/json")
}

/// `GET url` with `Authorization: Bearer`, as text; the edge's message on failure.
pub async fn text_with_bearer(url: &str, bearer: &str) -> Result<String, RequestError> {
    let sent = gloo::net::http::Request::get(url).header("authorization", &format!("Bearer {bearer}")).send().await;
    let resp = sent.map_err(|_| RequestError { status: 0, message: "Could not reach the chat service.".into() })?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| RequestError { status, message: e.to_string() })?;
    if !resp.ok() {
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|b| b.error.message)
            .unwrap_or_else(|_| format!("The chat service answered {status}."));
        return Err(RequestError { status, message });
    }
    Ok(text)
}

/// Offers `text` as a download named `filename` (a `blob:` URL, revoked once clicked).
pub fn save_text(text: &str, filename: &str, mime: &str) -> Result<(), RequestError> {
    let failed = |_| RequestError { status: 0, message: "The browser refused to save the file.".into() };
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(failed)?;
    let href = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or(RequestError { status: 0, message: "No document.".into() })?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(failed)?.unchecked_into();
    a.set_href(&href);
    a.set_download(filename);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&href);
    Ok(())
}

/// A fresh id for an outgoing message (16 random bytes, hex).
pub fn new_client_id() -> ClientMsgId {
    let mut bytes = [0u8; 16];
    let filled =
        web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok()).unwrap_or(false);
    if !filled {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    ClientMsgId(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `http://host:port` → `ws://host:port` (and https → wss).
pub fn ws_url(edge: &str, path: &str) -> String {
    let base = edge.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    format!("{base}{path}")
}

/// Turns keystrokes into sparse typing frames: `true` at most every
/// [`TYPING_REFRESH_MS`] while the draft changes, `false` after
/// [`TYPING_IDLE_MS`] without a keystroke, when the draft is emptied, or when
/// it is sent. Typing is ephemeral: the edge relays it and stores nothing.
pub struct TypingSignal {
    send: Box<dyn Fn(bool)>,
    last_sent: std::cell::Cell<u64>,
    idle: RefCell<Option<gloo::timers::callback::Timeout>>,
}

pub const TYPING_REFRESH_MS: u64 = 3_000;
pub const TYPING_IDLE_MS: u32 = 4_000;

impl TypingSignal {
    pub fn new(send: impl Fn(bool) + 'static) -> Rc<TypingSignal> {
        Rc::new(TypingSignal { send: Box::new(send), last_sent: 0.into(), idle: RefCell::new(None) })
    }

    /// Call after every edit of the draft.
    pub fn input(self: &Rc<Self>, draft: &str) {
        if draft.trim().is_empty() {
            return self.stop();
        }
        let now = now_ms();
        if now.saturating_sub(self.last_sent.get()) >= TYPING_REFRESH_MS {
            (self.send)(true);
            self.last_sent.set(now);
        }
        let me = Rc::downgrade(self);
        *self.idle.borrow_mut() = Some(gloo::timers::callback::Timeout::new(TYPING_IDLE_MS, move || {
            // Not `stop`: that would drop this very timeout while it runs.
            if let Some(me) = me.upgrade() {
                me.signal_stopped();
            }
        }));
    }

    /// Call when the draft is sent.
    pub fn stop(&self) {
        self.idle.borrow_mut().take();
        self.signal_stopped();
    }

    fn signal_stopped(&self) {
        if self.last_sent.replace(0) != 0 {
            (self.send)(false);
        }
    }
}

/// A composer's keydown handler: Enter sends, Shift+Enter is a new line,
/// and never in the middle of an IME composition.
pub fn enter_to_send(send: impl Fn() + 'static) -> impl Fn(web_sys::KeyboardEvent) {
    move |e| {
        if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
            e.prevent_default();
            send();
        }
    }
}

/// The composer's text, taken out of the box: `None` (and the box left
/// alone) when there is nothing but whitespace to send.
pub fn take_draft(input: &yew::NodeRef) -> Option<String> {
    let el = input.cast::<web_sys::HtmlTextAreaElement>()?;
    let text = el.value();
    if text.trim().is_empty() {
        return None;
    }
    el.set_value("");
    Some(text)
}

/// "3m", "1h 5m": how long ago `since_ms` was.
pub fn ago(since_ms: u64, now_ms: u64) -> String {
    let secs = now_ms.saturating_sub(since_ms) / 1000;
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        _ => format!("{}h {}m", secs / 3600, (secs % 3600) / 60),
    }
}

/// Local time minus UTC, in minutes (east positive), for
/// [`porchlight_protocol::clock`].
pub fn utc_offset_min() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// The start of today in the user's time zone, for "closed today".
pub fn local_midnight_ms() -> u64 {
    let d = js_sys::Date::new_0();
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.get_time() as u64
}

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
