//! A fault-injecting TCP proxy for WebSockets, on loopback.
//!
//! It relays the HTTP upgrade untouched, then parses WebSocket frames in
//! both directions and, frame by frame, may delay one, send one twice, or
//! cut the connection: before a frame, or in the middle of one (a prefix
//! of its bytes goes out, then both sides are shut). Randomness comes from
//! a seed, so a failing run can be replayed.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often each fault happens, per data frame.
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    /// Cut the connection (half of the cuts fall mid-frame).
    pub cut: f64,
    /// Send the frame twice.
    pub duplicate: f64,
    /// Hold the frame back for up to `max_delay`.
    pub delay: f64,
    pub max_delay: Duration,
}

/// What the proxy did, for the test's report.
#[derive(Default, Debug)]
pub struct Counts {
    pub connections: AtomicU64,
    pub frames: AtomicU64,
    pub cuts: AtomicU64,
    pub mid_frame_cuts: AtomicU64,
    pub duplicated: AtomicU64,
    pub delayed: AtomicU64,
}

pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`: use it where the edge's address would go.
    pub base: String,
    pub counts: Arc<Counts>,
}

/// A small xorshift generator: deterministic per seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1_000_000.0 < p
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`host:port`).
    pub fn start(upstream: &str, faults: Faults, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let base = format!("http://{}", listener.local_addr().expect("proxy address"));
        let counts = Arc::new(Counts::default());
        let rng = Arc::new(Mutex::new(Rng(seed | 1)));
        let (upstream, shared) = (upstream.to_owned(), counts.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                shared.connections.fetch_add(1, Ordering::Relaxed);
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                for (from, to) in [(client.try_clone(), server.try_clone()), (server.try_clone(), client.try_clone())] {
                    let (Ok(from), Ok(to)) = (from, to) else { continue };
                    let (counts, rng) = (shared.clone(), rng.clone());
                    std::thread::spawn(move || relay(from, to, faults, &counts, &rng));
                }
            }
        });
        FaultProxy { base, counts }
    }

    pub fn report(&self) -> String {
        let c = &self.counts;
        let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
        format!(
            "connections {}, frames {}, cuts {} ({} mid-frame), duplicated {}, delayed {}",
            n(&c.connections),
            n(&c.frames),
            n(&c.cuts),
            n(&c.mid_frame_cuts),
            n(&c.duplicated),
            n(&c.delayed)
        )
    }
}

/// One direction: the HTTP head as is, then frame by frame with faults.
fn relay(mut from: TcpStream, mut to: TcpStream, faults: Faults, counts: &Counts, rng: &Mutex<Rng>) {
    let cut = |from: &TcpStream, to: &TcpStream| {
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    };
    // The upgrade request or response ends at the first blank line.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match from.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return cut(&from, &to),
        }
    }
    if to.write_all(&head).is_err() {
        return cut(&from, &to);
    }
    loop {
        let Some(frame) = read_frame(&mut from) else { return cut(&from, &to) };
        let opcode = frame[0] & 0x0f;
        let data = opcode == 1 && frame[0] & 0x80 != 0;
        if !data {
            // Control frames (close, ping) pass untouched.
            if to.write_all(&frame).is_err() {
                return cut(&from, &to);
            }
            continue;
        }
        counts.frames.fetch_add(1, Ordering::Relaxed);
        let (cutting, mid, dup, delay) = {
            let mut r = rng.lock().unwrap();
            let cutting = r.chance(faults.cut);
            let mid = cutting && r.chance(0.5);
            let dup = r.chance(faults.duplicate);
            let delay = r.chance(faults.delay).then(|| r.below(faults.max_delay.as_millis() as u64));
            (cutting, mid.then(|| 1 + r.below(frame.len() as u64 - 1) as usize), dup, delay)
        };
        if let Some(ms) = delay {
            counts.delayed.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(ms));
        }
        if cutting {
            counts.cuts.fetch_add(1, Ordering::Relaxed);
            if let Some(prefix) = mid {
                counts.mid_frame_cuts.fetch_add(1, Ordering::Relaxed);
                let _ = to.write_all(&frame[..prefix]);
                let _ = to.flush();
            }
            return cut(&from, &to);
        }
        if to.write_all(&frame).is_err() {
            return cut(&from, &to);
        }
        if dup {
            counts.duplicated.fetch_add(1, Ordering::Relaxed);
            if to.write_all(&frame).is_err() {
                return cut(&from, &to);
            }
        }
    }
}

/// One whole WebSocket frame's bytes (header, mask, payload), or `None`
/// once the stream ends.
fn read_frame(from: &mut TcpStream) -> Option<Vec<u8>> {
    let mut frame = vec![0u8; 2];
    from.read_exact(&mut frame).ok()?;
    let masked = frame[1] & 0x80 != 0;
    let extra = match frame[1] & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mut ext = vec![0u8; extra];
    from.read_exact(&mut ext).ok()?;
    let len = match extra {
        0 => u64::from(frame[1] & 0x7f),
        _ => ext.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b)),
    };
    frame.extend_from_slice(&ext);
    let mut rest = vec![0u8; if masked { 4 } else { 0 } + len as usize];
    from.read_exact(&mut rest).ok()?;
    frame.extend_from_slice(&rest);
    Some(frame)
}
