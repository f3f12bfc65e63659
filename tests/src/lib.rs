//! Helpers for Porchlight's end-to-end tests.
//!
//! The tests talk to a real edge on `wrangler dev`, started by
//! `cargo xtask test`, which passes its address in `PORCHLIGHT_EDGE` (and
//! the demo site's in `PORCHLIGHT_DEMO`). Clients are real WebSockets
//! ([`Ws`]); the browser test drives real Chromium through [`webdriver`].

pub mod delivery;
pub mod edge_process;
pub mod proxy;
pub mod receiver;
pub mod resilient;
pub mod team;
pub mod webdriver;

use porchlight_protocol::{
    AgentFrame, Author, ClientMsgId, CreateSession, ErrorCode, QueueClientFrame, QueueFrame, SessionCreated, SessionFrame, SessionSummary,
    Status, VisitorFrame,
};
use serde::{de::DeserializeOwned, Serialize};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

pub const SITE: &str = "copper-kettle";
pub const AVA: &str = "demo-agent-ava";
pub const BEN: &str = "demo-agent-ben";

/// Test-only sites `cargo xtask test` adds: `members-only` requires a
/// verified identity (secret [`MEMBERS_SECRET`]); `second-shop` has its
/// own ADMIN ([`SECOND_ADMIN`]), `dev: true`, and keeps closed
/// conversations 3 seconds.
pub const MEMBERS_SITE: &str = "members-only";
pub const MEMBERS_SECRET: &str = "members-only-test-secret";
pub const SECOND_SITE: &str = "second-shop";
pub const SECOND_ADMIN: &str = "test-admin-second-shop";
/// copper-kettle's identity secret (the demo's, in edge/wrangler.toml).
pub const DEMO_IDENTITY_SECRET: &str = "demo-identity-secret";

/// An identity token as a site's backend signs it; `exp` an hour ahead
/// unless `claims` sets it.
pub fn identity_token(secret: &str, claims: serde_json::Value) -> String {
    let mut claims = claims;
    if claims.get("exp").is_none() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        claims["exp"] = (now + 3600).into();
    }
    porchlight_protocol::identity::sign(&claims, secret.as_bytes())
}

/// `POST sessions` on any site from the demo origin, with any body.
pub fn start_session_on(site: &str, body: serde_json::Value) -> Answer {
    post(&format!("/api/v1/sites/{site}/sessions"), Some(&demo_origin()), None, &body.to_string())
}

/// Tokens of the eight extra agents `cargo xtask test` adds for races
/// (ids `agent-1` … `agent-8`).
pub fn race_agent_token(n: usize) -> String {
    format!("test-agent-token-{n}")
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run these tests with `cargo xtask test`, which starts the edge"))
}

/// `http://127.0.0.1:PORT` of the edge under test.
pub fn edge() -> String {
    env("PORCHLIGHT_EDGE")
}

/// Origin of the demo site, which the test configuration allows.
pub fn demo_origin() -> String {
    env("PORCHLIGHT_DEMO")
}

/// A unique-per-run name, so tests sharing one edge never confuse sessions.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}-{}-{}", nanos % 1_000_000_000, N.fetch_add(1, Ordering::Relaxed))
}

pub fn client_id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

/// An HTTP answer: status and JSON body.
pub struct Answer {
    pub status: u16,
    pub body: serde_json::Value,
    pub headers: Vec<(String, String)>,
}

pub fn post(path: &str, origin: Option<&str>, bearer: Option<&str>, body: &str) -> Answer {
    post_to(&edge(), path, origin, bearer, body)
}

/// [`post`] to another edge.
pub fn post_to(base: &str, path: &str, origin: Option<&str>, bearer: Option<&str>, body: &str) -> Answer {
    let mut req = ureq::post(&format!("{base}{path}")).set("content-type", "application/json");
    if let Some(o) = origin {
        req = req.set("origin", o);
    }
    if let Some(t) = bearer {
        req = req.set("authorization", &format!("Bearer {t}"));
    }
    answer(req.send_string(body))
}

/// A request as a client at address `ip` (`CF-Connecting-IP`, which
/// `wrangler dev` passes through), with optional origin and agent token.
pub fn request_as(method: &str, path: &str, ip: &str, origin: Option<&str>, bearer: Option<&str>, body: Option<&str>) -> Answer {
    request_to_as(&edge(), method, path, ip, origin, bearer, body)
}

/// [`request_as`] to another edge (`base` = `http://host:port`).
pub fn request_to_as(
    base: &str,
    method: &str,
    path: &str,
    ip: &str,
    origin: Option<&str>,
    bearer: Option<&str>,
    body: Option<&str>,
) -> Answer {
    let mut req = ureq::request(method, &format!("{base}{path}")).set("content-type", "application/json").set("cf-connecting-ip", ip);
    if let Some(o) = origin {
        req = req.set("origin", o);
    }
    if let Some(t) = bearer {
        req = req.set("authorization", &format!("Bearer {t}"));
    }
    answer(match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    })
}

/// A fresh client address for this run (TEST-NET-3 and the IPv6
/// documentation prefix never collide with a real one), in a /64 of its
/// own: the edge counts an IPv6 network's addresses together.
pub fn unique_ip() -> String {
    static N: AtomicU64 = AtomicU64::new(1);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0) as u64;
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("2001:db8:{:x}:{:x}::1", (nanos >> 24) & 0xffff, n & 0xffff)
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Any method to an agent route, with an agent token or none.
pub fn call(method: &str, path: &str, bearer: Option<&str>, body: Option<&str>) -> Answer {
    call_to(&edge(), method, path, bearer, body)
}

/// [`call`] to another edge (`base` = `http://host:port`).
pub fn call_to(base: &str, method: &str, path: &str, bearer: Option<&str>, body: Option<&str>) -> Answer {
    let mut req = ureq::request(method, &format!("{base}{path}")).set("content-type", "application/json");
    if let Some(t) = bearer {
        req = req.set("authorization", &format!("Bearer {t}"));
    }
    answer(match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    })
}

fn answer(result: Result<ureq::Response, ureq::Error>) -> Answer {
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request to the edge failed: {e}"),
    };
    let status = resp.status();
    let headers = resp.headers_names().iter().map(|h| (h.clone(), resp.header(h).unwrap_or("").to_owned())).collect();
    let text = resp.into_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Answer { status, body, headers }
}

/// Creates a session from the demo origin, as the widget's pre-chat form does.
pub fn create_session(name: &str) -> SessionCreated {
    let email = Some(format!("{}@example.com", name.chars().filter(char::is_ascii_alphanumeric).collect::<String>()));
    let body =
        serde_json::to_string(&CreateSession { name: name.into(), email, identity: None, context: Default::default(), locale: None })
            .unwrap();
    let a = post(&format!("/api/v1/sites/{SITE}/sessions"), Some(&demo_origin()), None, &body);
    assert_eq!(a.status, 201, "create session: {}", a.body);
    serde_json::from_value(a.body).expect("SessionCreated")
}

/// A session the visitor has already handed from the bot to the queue
/// (WAITING), for tests about agents.
pub fn waiting_session(name: &str) -> SessionCreated {
    let session = create_session(name);
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    visitor.handoff();
    session
}

/// A WebSocket client speaking JSON frames.
pub struct Ws {
    socket: WebSocket<TcpStream>,
}

/// The upgrade failed with this HTTP status and body.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub body: String,
}

impl Ws {
    pub fn connect(path: &str, origin: Option<&str>) -> Result<Ws, Refused> {
        Ws::connect_to(&edge(), path, origin).unwrap_or_else(|e| panic!("websocket handshake failed: {e}"))
    }

    /// Like [`Ws::connect`], to any base address (a proxy, another edge);
    /// `Err` when the connection itself failed.
    pub fn connect_to(base: &str, path: &str, origin: Option<&str>) -> Result<Result<Ws, Refused>, String> {
        Ws::connect_with(base, path, origin, None)
    }

    /// A socket to the shared edge from client address `ip` (`CF-Connecting-IP`).
    pub fn connect_as(path: &str, origin: Option<&str>, ip: &str) -> Result<Ws, Refused> {
        Ws::connect_with(&edge(), path, origin, Some(ip)).unwrap_or_else(|e| panic!("connect {path}: {e}"))
    }

    fn connect_with(base: &str, path: &str, origin: Option<&str>, ip: Option<&str>) -> Result<Result<Ws, Refused>, String> {
        let url = format!("{}{path}", base.replacen("http://", "ws://", 1));
        let mut req = url.into_client_request().map_err(|e| e.to_string())?;
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().map_err(|_| "bad origin".to_owned())?);
        }
        if let Some(ip) = ip {
            req.headers_mut().insert("cf-connecting-ip", ip.parse().map_err(|_| "bad address".to_owned())?);
        }
        let host = base.trim_start_matches("http://").to_owned();
        let stream = TcpStream::connect(&host).map_err(|e| format!("connect to {host}: {e}"))?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
        match tungstenite::client(req, stream) {
            Ok((socket, _)) => {
                socket.get_ref().set_read_timeout(Some(Duration::from_millis(200))).map_err(|e| e.to_string())?;
                Ok(Ok(Ws { socket }))
            }
            Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(resp))) => Ok(Err(Refused {
                status: resp.status().as_u16(),
                body: String::from_utf8_lossy(resp.body().as_deref().unwrap_or_default()).into_owned(),
            })),
            Err(e) => Err(e.to_string()),
        }
    }

    /// How long one read waits for a frame (200 ms unless set): shorter for
    /// a client that polls several sockets in turn.
    pub fn set_poll(&mut self, wait: Duration) {
        let _ = self.socket.get_ref().set_read_timeout(Some(wait));
    }

    /// Sends a frame; `false` if the connection is gone.
    pub fn try_send<T: Serialize>(&mut self, frame: &T) -> bool {
        self.socket.send(Message::text(serde_json::to_string(frame).unwrap_or_default())).is_ok()
    }

    /// The next text frame within `wait`: `Ok(None)` on silence, `Err` once
    /// the connection is gone. Never panics on what arrives.
    pub fn poll_text(&mut self, wait: Duration) -> Result<Option<String>, String> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match self.socket.read() {
                Ok(Message::Text(t)) => return Ok(Some(t.to_string())),
                Ok(Message::Close(_)) => return Err("closed".into()),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(None)
    }

    pub fn visitor(session: &SessionCreated) -> Ws {
        let path = format!("/api/v1/sites/{SITE}/sessions/{}/ws", session.session_id);
        Ws::connect(&path, Some(&demo_origin())).expect("visitor socket")
    }

    /// The visitor socket of a session on any site.
    pub fn visitor_on(site: &str, session: &SessionCreated) -> Ws {
        let path = format!("/api/v1/sites/{site}/sessions/{}/ws", session.session_id);
        Ws::connect(&path, Some(&demo_origin())).expect("visitor socket")
    }

    pub fn agent_session(session: &SessionCreated) -> Ws {
        Ws::connect(&format!("/api/v1/sites/{SITE}/sessions/{}/agent", session.session_id), None).expect("agent socket")
    }

    pub fn queue() -> Ws {
        Ws::connect(&format!("/api/v1/sites/{SITE}/queue"), None).expect("queue socket")
    }

    pub fn send<T: Serialize>(&mut self, frame: &T) {
        self.send_text(&serde_json::to_string(frame).unwrap());
    }

    pub fn send_text(&mut self, text: &str) {
        self.socket.send(Message::text(text)).expect("send frame");
    }

    /// The next text frame, parsed; panics after 10 s.
    pub fn recv<T: DeserializeOwned>(&mut self) -> T {
        self.try_recv(Duration::from_secs(10)).unwrap_or_else(|| panic!("no frame within 10 s"))
    }

    /// The next text frame within `wait`, or `None` (also once closed).
    pub fn try_recv<T: DeserializeOwned>(&mut self, wait: Duration) -> Option<T> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match self.socket.read() {
                Ok(Message::Text(t)) => return Some(serde_json::from_str(&t).unwrap_or_else(|e| panic!("unreadable frame {t}: {e}"))),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Frames until one matches; the ones skipped are returned too.
    pub fn recv_until<T: DeserializeOwned + std::fmt::Debug>(&mut self, what: &str, pred: impl Fn(&T) -> bool) -> (T, Vec<T>) {
        let mut skipped = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(f) = self.try_recv::<T>(Duration::from_millis(500)) {
                if pred(&f) {
                    return (f, skipped);
                }
                skipped.push(f);
            }
        }
        panic!("no {what} within 10 s; got {skipped:?}");
    }

    /// The close code the server sent within `wait` (`Some(0)`: the
    /// connection ended without a close frame), `None` if still open.
    pub fn close_code_within(&mut self, wait: Duration) -> Option<u16> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match self.socket.read() {
                Ok(Message::Close(frame)) => return Some(frame.map_or(0, |f| u16::from(f.code))),
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(_) => return Some(0),
                Ok(_) => {}
            }
        }
        None
    }

    /// Whether the server closed the socket (reads until close or `wait`).
    pub fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match self.socket.read() {
                Ok(Message::Close(_)) | Err(tungstenite::Error::ConnectionClosed) | Err(tungstenite::Error::AlreadyClosed) => return true,
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(_) => return true,
                Ok(_) => {}
            }
        }
        false
    }

    // ── protocol conveniences ──

    pub fn visitor_hello(&mut self, token: &str) -> SessionFrame {
        self.send(&VisitorFrame::Hello { token: token.into(), last_seq: Default::default(), identity: None });
        self.recv()
    }

    /// Signs an agent in; returns the `welcome` (or the refusal). The
    /// `visitor_presence` that follows a welcome is read too, so the next
    /// frame is whatever comes next.
    pub fn agent_hello(&mut self, token: &str) -> SessionFrame {
        self.send(&AgentFrame::Hello { token: token.into(), last_seq: Default::default() });
        let first = self.recv();
        if matches!(first, SessionFrame::Welcome { .. }) {
            let presence: SessionFrame = self.recv();
            assert!(matches!(presence, SessionFrame::VisitorPresence { .. }), "after welcome: {presence:?}");
        }
        first
    }

    pub fn queue_hello(&mut self, token: &str) -> QueueFrame {
        self.send(&QueueClientFrame::Hello { token: token.into() });
        self.recv()
    }

    /// "Talk to a person": waits until this visitor's session is WAITING.
    pub fn handoff(&mut self) {
        self.send(&VisitorFrame::Handoff);
        self.recv_until::<SessionFrame>("status WAITING after handoff", |f| {
            matches!(f, SessionFrame::Status { status: porchlight_protocol::Status::Waiting, .. })
        });
    }

    /// Waits for the queue to show `pred` for the session named `visitor`.
    pub fn queue_until(&mut self, visitor: &str, pred: impl Fn(&SessionSummary) -> bool) -> SessionSummary {
        let (frame, _) = self.recv_until::<QueueFrame>(
            "queue upsert",
            |f| matches!(f, QueueFrame::Upsert { session } if session.visitor.name == visitor && pred(session)),
        );
        match frame {
            QueueFrame::Upsert { session } => session,
            _ => unreachable!(),
        }
    }
}

// ── shared scenes ──

pub fn status_is(ws: &mut Ws, want: Status) -> SessionFrame {
    ws.recv_until::<SessionFrame>("status", |f| matches!(f, SessionFrame::Status { status, .. } if *status == want)).0
}

pub fn error_of(ws: &mut Ws) -> ErrorCode {
    match ws.recv_until::<SessionFrame>("error", |f| matches!(f, SessionFrame::Error { .. })).0 {
        SessionFrame::Error { code, .. } => code,
        _ => unreachable!(),
    }
}

pub fn system_text(ws: &mut Ws, starts: &str) {
    ws.recv_until::<SessionFrame>(
        starts,
        |f| matches!(f, SessionFrame::Message { message } if message.author == Author::System && message.text.starts_with(starts)),
    );
}

/// A session handed to the queue, watched live: the queue signed in first
/// (so every upsert is seen), the visitor and Ava connected.
pub struct Scene {
    pub name: String,
    pub queue: Ws,
    pub session: SessionCreated,
    pub visitor: Ws,
    pub ava: Ws,
}

pub fn scene(prefix: &str) -> Scene {
    let name = unique(prefix);
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let session = waiting_session(&name);
    let mut visitor = Ws::visitor(&session);
    visitor.visitor_hello(&session.token);
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    Scene { name, queue, session, visitor, ava }
}
