//! The relay benchmark of `cargo xtask bench` (which starts both edges and
//! passes their addresses): one message from a visitor's socket to an
//! agent's socket on one Porchlight session, beside a bare relay Durable
//! Object (`bench/relay/`, the floor) and the same relay storing each frame
//! in its SQLite before forwarding it (the storing floor: what a durable
//! commit per message costs) on the same wrangler; and two variants of the
//! storing floor that show where the commit's cost lands: forwarding first
//! and then storing in the same turn (forward-first), and forwarding first
//! and storing in a later task, batched (deferred-store, Porchlight's order).
//!
//! - **relay**: 1000 messages of about 100 bytes, closed loop (send, wait
//!   until the other socket has it: p50 / p99 latency, msg/s) and pipelined
//!   (send all, time until the last arrives: msg/s); three interleaved
//!   rounds, medians and ratios to both floors.
//! - **flat cost**: p50 around message 150 of a fresh session and around
//!   message 10,000 of a long one, measured interleaved.
//! - **site scale**: many sessions sending at once while consoles watch the
//!   queue: msg/s, queue upserts per message, console frame lag.
//!
//! Environment: `PORCHLIGHT_EDGE`, `PORCHLIGHT_DEMO` (an allowed origin),
//! `PORCHLIGHT_RELAY` (the bare relay), optional `PORCHLIGHT_BENCH`
//! (`relay,flat,site`: which parts), `PORCHLIGHT_BENCH_MESSAGES` (1000),
//! `PORCHLIGHT_BENCH_SESSIONS` (200), `PORCHLIGHT_BENCH_CONSOLES` (20).

use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

const AGENT_TOKEN: &str = "demo-agent-ava";
const SITE: &str = "copper-kettle";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run this with `cargo xtask bench`"))
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Sock(WebSocket<TcpStream>);

impl Sock {
    fn connect(base: &str, path: &str, origin: Option<&str>) -> Sock {
        let url = format!("{}{path}", base.replacen("http://", "ws://", 1));
        let mut req = url.into_client_request().expect("url");
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().expect("origin"));
        }
        let host = base.trim_start_matches("http://");
        let stream = TcpStream::connect(host).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        let (socket, _) = tungstenite::client(req, stream).unwrap_or_else(|e| panic!("upgrade {path}: {e}"));
        Sock(socket)
    }

    fn send(&mut self, text: &str) {
        self.0.send(Message::text(text)).expect("send");
    }

    /// Queues a frame without flushing (pipelining); [`Sock::flush`] sends.
    fn write(&mut self, text: &str) {
        self.0.write(Message::text(text)).expect("write");
    }

    fn flush(&mut self) {
        self.0.flush().expect("flush");
    }

    /// The next text frame; panics after the read timeout.
    fn recv(&mut self) -> String {
        loop {
            match self.0.read() {
                Ok(Message::Text(t)) => return t.to_string(),
                Ok(Message::Close(c)) => panic!("closed: {c:?}"),
                Ok(_) => {}
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    /// Frames until one contains `needle`.
    fn until(&mut self, needle: &str) -> String {
        loop {
            let t = self.recv();
            if t.contains(needle) {
                return t;
            }
        }
    }

    fn set_timeout(&mut self, d: Duration) {
        let _ = self.0.get_ref().set_read_timeout(Some(d));
    }
}

/// One conversation to push messages through: `from` writes, `to` receives.
struct Pair {
    from: Sock,
    to: Sock,
    /// The frame `to` receives for a message contains this before the id.
    needle_prefix: &'static str,
    /// Porchlight only: the session's id and a console watching the queue.
    watch: Option<(String, Sock)>,
}

fn text_of(i: usize) -> String {
    // About 100 bytes of text.
    let mut t = format!("message {i:05}: where is my order? it was due on tuesday and the tracking page says nothing at all ");
    t.truncate(100);
    t
}

fn send_frame(id: &str, i: usize) -> String {
    format!(r#"{{"type":"send","client_id":"{id}","text":"{}"}}"#, text_of(i))
}

/// Two sockets of one room of the bare relay: `room` is `room/<name>` (the
/// floor) or `store/<name>` (the storing floor).
fn relay_pair(relay: &str, room: &str) -> Pair {
    let from = Sock::connect(relay, &format!("/{room}"), None);
    let to = Sock::connect(relay, &format!("/{room}"), None);
    // Both sockets are accepted once their upgrade answered; one round trip
    // proves the room is live.
    let mut p = Pair { from, to, needle_prefix: "\"client_id\":\"", watch: None };
    p.from.send(&send_frame("warm", 0));
    p.to.until("warm");
    p
}

fn post_json(base: &str, path: &str, origin: &str, body: &str) -> serde_json::Value {
    let resp = ureq::post(&format!("{base}{path}"))
        .set("content-type", "application/json")
        .set("origin", origin)
        .send_string(body)
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    serde_json::from_str(&resp.into_string().expect("body")).expect("json")
}

/// A Porchlight session handed off to the queue (visitor socket signed in).
fn waiting_session(edge: &str, origin: &str, name: &str) -> (String, Sock) {
    let created = post_json(edge, &format!("/api/v1/sites/{SITE}/sessions"), origin, &format!(r#"{{"name":"{name}"}}"#));
    let id = created["session_id"].as_str().expect("session_id").to_owned();
    let token = created["token"].as_str().expect("token").to_owned();
    let mut visitor = Sock::connect(edge, &format!("/api/v1/sites/{SITE}/sessions/{id}/ws"), Some(origin));
    visitor.send(&format!(r#"{{"type":"hello","token":"{token}"}}"#));
    visitor.until("\"welcome\"");
    visitor.send(r#"{"type":"handoff"}"#);
    visitor.until("\"WAITING\"");
    (id, visitor)
}

/// Visitor socket → agent socket of one ACTIVE session.
fn porchlight_pair(edge: &str, origin: &str, name: &str) -> Pair {
    let (id, mut visitor) = waiting_session(edge, origin, name);
    let mut agent = Sock::connect(edge, &format!("/api/v1/sites/{SITE}/sessions/{id}/agent"), None);
    agent.send(&format!(r#"{{"type":"hello","token":"{AGENT_TOKEN}"}}"#));
    agent.until("\"welcome\"");
    agent.send(r#"{"type":"accept"}"#);
    agent.until("\"ACTIVE\"");
    visitor.until("\"ACTIVE\"");
    let mut console = Sock::connect(edge, &format!("/api/v1/sites/{SITE}/queue"), None);
    console.send(&format!(r#"{{"type":"hello","token":"{AGENT_TOKEN}"}}"#));
    console.until("\"snapshot\"");
    let mut p = Pair { from: visitor, to: agent, needle_prefix: "\"client_id\":\"", watch: Some((id, console)) };
    p.from.send(&send_frame("warm", 0));
    p.to.until("\"warm\"");
    p.upserts();
    p
}

impl Pair {
    /// Queue upserts of this session a console received since the last
    /// call (read until the queue has been quiet for 600 ms).
    fn upserts(&mut self) -> usize {
        let Some((id, console)) = self.watch.as_mut() else { return 0 };
        console.set_timeout(Duration::from_millis(600));
        let needle = format!("\"id\":\"{id}\"");
        let mut n = 0;
        loop {
            match console.0.read() {
                Ok(Message::Text(t)) if t.starts_with("{\"type\":\"upsert\"") && t.contains(&needle) => n += 1,
                Ok(_) => {}
                Err(_) => return n,
            }
        }
    }
}

struct Closed {
    p50: f64,
    p99: f64,
    rate: f64,
    latencies: Vec<f64>,
}

/// Sends `n` messages one at a time; each waits until `to` has it.
/// `drain` also reads `from`'s own frames (ack, echo) after each.
fn closed_loop(p: &mut Pair, tag: &str, start: usize, n: usize, drain: bool) -> Closed {
    let mut latencies = Vec::with_capacity(n);
    let t0 = Instant::now();
    for i in start..start + n {
        let id = format!("{tag}-{i}");
        let frame = send_frame(&id, i);
        let needle = format!("{}{id}\"", p.needle_prefix);
        let sent = Instant::now();
        p.from.send(&frame);
        p.to.until(&needle);
        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
        if drain {
            // Porchlight answers the sender too: its ack, then the message.
            p.from.until("\"type\":\"message\",\"message\":{\"seq\"");
        }
    }
    let rate = n as f64 / t0.elapsed().as_secs_f64();
    let mut sorted = latencies.clone();
    sorted.sort_by(f64::total_cmp);
    Closed { p50: pct(&sorted, 0.50), p99: pct(&sorted, 0.99), rate, latencies }
}

/// Sends `n` messages back to back; the rate is `n` over the time until
/// `to` has the last. The sender's own frames are read afterwards.
fn pipelined(p: &mut Pair, tag: &str, start: usize, n: usize, drain: bool) -> f64 {
    let t0 = Instant::now();
    let last = format!("{}{tag}-{}\"", p.needle_prefix, start + n - 1);
    std::thread::scope(|s| {
        let from = &mut p.from;
        s.spawn(move || {
            for i in start..start + n {
                from.write(&send_frame(&format!("{tag}-{i}"), i));
                if i % 16 == 15 {
                    from.flush();
                }
            }
            from.flush();
        });
        p.to.until(&last);
    });
    let rate = n as f64 / t0.elapsed().as_secs_f64();
    if drain {
        // The sender's acks and echoes, so the next run starts clean.
        p.from.until(&format!("\"client_id\":\"{tag}-{}\",\"author\"", start + n - 1));
    }
    rate
}

fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    pct(&v, 0.5)
}

fn range(v: &[f64]) -> String {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.2}–{hi:.2}")
}

#[derive(Default)]
struct Row {
    p50: Vec<f64>,
    p99: Vec<f64>,
    rate: Vec<f64>,
    piped: Vec<f64>,
}

impl Row {
    fn push_closed(&mut self, c: &Closed) {
        self.p50.push(c.p50);
        self.p99.push(c.p99);
        self.rate.push(c.rate);
    }
}

fn relay_bench(edge: &str, origin: &str, relay: &str) {
    let n = env_or("PORCHLIGHT_BENCH_MESSAGES", 1000);
    println!("\n  relay: {n} messages of 100 bytes, visitor socket → agent socket of one session (floors: bare relay DO, and ones that store each frame before, after, or a task after forwarding it)");
    let (mut floor, mut storing, mut forward_first, mut deferred, mut ours) =
        (Row::default(), Row::default(), Row::default(), Row::default(), Row::default());
    let mut syncs = Vec::new();
    let run = std::process::id();
    for round in 1..=3 {
        // One room of each floor, its closed loop measured into its row.
        let floor_round = |kind: &str, row: &mut Row| {
            let mut pair = relay_pair(relay, &format!("{kind}/{kind}{run}-{round}"));
            row.push_closed(&closed_loop(&mut pair, &format!("c{round}"), 1, n, false));
            pair
        };
        let mut r = floor_round("room", &mut floor);
        let mut st = floor_round("store", &mut storing);
        let mut ff = floor_round("fwd", &mut forward_first);
        let mut later = floor_round("later", &mut deferred);
        let mut p = porchlight_pair(edge, origin, &format!("Bench {round}"));
        let c = closed_loop(&mut p, &format!("c{round}"), 1, n, true);
        ours.push_closed(&c);
        let closed_syncs = p.upserts();
        floor.piped.push(pipelined(&mut r, &format!("p{round}"), 1, n, false));
        storing.piped.push(pipelined(&mut st, &format!("p{round}"), 1, n, false));
        forward_first.piped.push(pipelined(&mut ff, &format!("p{round}"), 1, n, false));
        deferred.piped.push(pipelined(&mut later, &format!("p{round}"), 1, n, false));
        ours.piped.push(pipelined(&mut p, &format!("p{round}"), 1, n, true));
        syncs.push((closed_syncs + p.upserts()) as f64 / (2 * n) as f64);
        let i = round - 1;
        println!(
            "    round {round}: floor p50 {:.2} ms p99 {:.2} ms {:.0} msg/s, pipelined {:.0} msg/s | storing floor p50 {:.2} ms p99 {:.2} ms {:.0} msg/s, pipelined {:.0} msg/s | Porchlight p50 {:.2} ms p99 {:.2} ms {:.0} msg/s, pipelined {:.0} msg/s",
            floor.p50[i], floor.p99[i], floor.rate[i], floor.piped[i],
            storing.p50[i], storing.p99[i], storing.rate[i], storing.piped[i],
            ours.p50[i], ours.p99[i], ours.rate[i], ours.piped[i]
        );
        println!(
            "    round {round}: forward-first floor p50 {:.2} ms p99 {:.2} ms {:.0} msg/s, pipelined {:.0} msg/s | deferred-store floor p50 {:.2} ms p99 {:.2} ms {:.0} msg/s, pipelined {:.0} msg/s",
            forward_first.p50[i], forward_first.p99[i], forward_first.rate[i], forward_first.piped[i],
            deferred.p50[i], deferred.p99[i], deferred.rate[i], deferred.piped[i]
        );
    }
    println!("\n  | closed loop (median of 3; range) | p50 ms | p99 ms | msg/s | pipelined msg/s |");
    println!("  |---|---|---|---|---|");
    for (name, row) in [
        ("bare relay DO (the floor)", &floor),
        ("relay DO storing each frame (the storing floor)", &storing),
        ("relay DO forwarding each frame, then storing it (forward-first floor)", &forward_first),
        ("relay DO forwarding each frame, storing in a later task, batched (deferred-store floor)", &deferred),
        ("Porchlight", &ours),
    ] {
        println!(
            "  | {name} | {:.2} ({}) | {:.2} ({}) | {:.0} | {:.0} |",
            median(row.p50.clone()),
            range(&row.p50),
            median(row.p99.clone()),
            range(&row.p99),
            median(row.rate.clone()),
            median(row.piped.clone())
        );
    }
    println!("\n  queue upserts per message of the busy session, as a console saw them: {:.4} (median of 3)", median(syncs));
    let ratio = |a: &Vec<f64>, b: &Vec<f64>| median(a.clone()) / median(b.clone());
    for (name, base) in
        [("floor", &floor), ("storing floor", &storing), ("forward-first floor", &forward_first), ("deferred-store floor", &deferred)]
    {
        println!(
            "\n  Porchlight / {name}: p50 {:.1}× (goal ≤ 2×), p99 {:.1}× (goal ≤ 3×), closed-loop msg/s {:.2}×, pipelined msg/s {:.2}× (goal ≥ 0.5×)",
            ratio(&ours.p50, &base.p50),
            ratio(&ours.p99, &base.p99),
            ratio(&ours.rate, &base.rate),
            ratio(&ours.piped, &base.piped)
        );
    }
}

fn flat_bench(edge: &str, origin: &str) {
    let fill = env_or("PORCHLIGHT_BENCH_FLAT", 10_000);
    println!("\n  flat cost: p50 of 200 closed-loop messages at messages ~51–250 of a fresh session and at ~{fill} of a long one, interleaved 20 at a time");
    let mut long = porchlight_pair(edge, origin, "Bench flat long");
    // Fill the long session's log up to `fill - 100`, pipelined in batches.
    let mut next = 1;
    let target = fill.saturating_sub(100);
    let t0 = Instant::now();
    while next < target {
        let batch = 500.min(target - next);
        pipelined(&mut long, "f", next, batch, true);
        next += batch;
    }
    println!("    filled to message {next} in {:.1} s", t0.elapsed().as_secs_f64());
    let mut fresh = porchlight_pair(edge, origin, "Bench flat fresh");
    // The first 50 warm the fresh object up.
    closed_loop(&mut fresh, "e", 1, 50, true);
    let (mut early, mut late) = (Vec::new(), Vec::new());
    let (mut e_next, mut rate_e, mut rate_l) = (51, Vec::new(), Vec::new());
    for _ in 0..10 {
        let e = closed_loop(&mut fresh, "e", e_next, 20, true);
        let l = closed_loop(&mut long, "f", next, 20, true);
        early.extend(e.latencies);
        late.extend(l.latencies);
        rate_e.push(e.rate);
        rate_l.push(l.rate);
        e_next += 20;
        next += 20;
    }
    let e = pct_sorted(&early);
    let l = pct_sorted(&late);
    println!(
        "    p50 at ~150: {e:.2} ms; p50 at ~{fill}: {l:.2} ms ({:+.0}%, goal within 20%); closed-loop msg/s {:.0} vs {:.0}",
        (l / e - 1.0) * 100.0,
        median(rate_e),
        median(rate_l)
    );
}

fn pct_sorted(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    pct(&s, 0.5)
}

fn site_bench(edge: &str, origin: &str) {
    let sessions = env_or("PORCHLIGHT_BENCH_SESSIONS", 200);
    let consoles = env_or("PORCHLIGHT_BENCH_CONSOLES", 20);
    let per = env_or("PORCHLIGHT_BENCH_PER_SESSION", 20);
    println!("\n  site scale: {sessions} WAITING sessions each sending {per} messages (closed loop, all at once) while {consoles} consoles watch the queue");
    let t0 = Instant::now();
    let visitors: Vec<(String, Sock)> = std::thread::scope(|s| {
        let chunks: Vec<_> = (0..8)
            .map(|k| {
                s.spawn(move || {
                    (0..sessions).filter(|i| i % 8 == k).map(|i| waiting_session(edge, origin, &format!("Scale {i}"))).collect::<Vec<_>>()
                })
            })
            .collect();
        chunks.into_iter().flat_map(|h| h.join().expect("set-up")).collect()
    });
    println!("    set-up: {} sessions handed off in {:.1} s", visitors.len(), t0.elapsed().as_secs_f64());
    let ids: Arc<std::collections::HashSet<String>> = Arc::new(visitors.iter().map(|(id, _)| id.clone()).collect());
    let stop = Arc::new(AtomicBool::new(false));
    let upserts = Arc::new(AtomicU64::new(0));
    let lags = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let mut watchers = Vec::new();
    for c in 0..consoles {
        let mut q = Sock::connect(edge, &format!("/api/v1/sites/{SITE}/queue"), None);
        q.send(&format!(r#"{{"type":"hello","token":"{AGENT_TOKEN}"}}"#));
        q.until("\"snapshot\"");
        q.set_timeout(Duration::from_millis(200));
        let (stop, upserts, lags, ids) = (stop.clone(), upserts.clone(), lags.clone(), ids.clone());
        watchers.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let t = match q.0.read() {
                    Ok(Message::Text(t)) => t,
                    Ok(_) => continue,
                    Err(tungstenite::Error::Io(e)) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                        continue
                    }
                    Err(_) => break,
                };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&t) else { continue };
                if v["type"] != "upsert" || !v["session"]["id"].as_str().is_some_and(|id| ids.contains(id)) {
                    continue;
                }
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as f64).unwrap_or(0.0);
                if c == 0 {
                    upserts.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(at) = v["session"]["updated_at"].as_f64() {
                    lags.lock().expect("lags").push(now - at);
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(500));
    upserts.store(0, Ordering::Relaxed);
    lags.lock().expect("lags").clear();
    let t0 = Instant::now();
    let acks: Vec<Vec<f64>> = std::thread::scope(|s| {
        let handles: Vec<_> = visitors
            .into_iter()
            .enumerate()
            .map(|(k, (_, mut v))| {
                s.spawn(move || {
                    let mut lat = Vec::new();
                    for i in 0..per {
                        let id = format!("s{k}-{i}");
                        let sent = Instant::now();
                        v.send(&send_frame(&id, i));
                        v.until(&format!("\"ack\",\"client_id\":\"{id}\""));
                        lat.push(sent.elapsed().as_secs_f64() * 1000.0);
                    }
                    lat
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("sender")).collect()
    });
    let elapsed = t0.elapsed().as_secs_f64();
    // Let coalesced summaries arrive.
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    for w in watchers {
        let _ = w.join();
    }
    let total = (sessions * per) as f64;
    let mut all: Vec<f64> = acks.into_iter().flatten().collect();
    all.sort_by(f64::total_cmp);
    let mut lags = lags.lock().expect("lags").clone();
    lags.sort_by(f64::total_cmp);
    let up = upserts.load(Ordering::Relaxed) as f64;
    println!(
        "    {total:.0} messages in {elapsed:.2} s: {:.0} msg/s; ack p50 {:.1} ms, p99 {:.1} ms",
        total / elapsed,
        pct(&all, 0.5),
        pct(&all, 0.99)
    );
    println!(
        "    queue upserts per message (one console's view): {:.3} ({up:.0} upserts); console frame lag p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        up / total, pct(&lags, 0.5), pct(&lags, 0.99), lags.last().copied().unwrap_or(f64::NAN)
    );
}

fn main() {
    let edge = env("PORCHLIGHT_EDGE");
    let origin = env("PORCHLIGHT_DEMO");
    let parts = std::env::var("PORCHLIGHT_BENCH").unwrap_or_else(|_| "relay,flat,site".into());
    if parts.contains("relay") {
        relay_bench(&edge, &origin, &env("PORCHLIGHT_RELAY"));
    }
    if parts.contains("flat") {
        flat_bench(&edge, &origin);
    }
    if parts.contains("site") {
        site_bench(&edge, &origin);
    }
}
