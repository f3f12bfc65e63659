//! A real HTTP server on 127.0.0.1 that records webhook deliveries. Each
//! connection is served on its own thread, so a slow answer to one request
//! never holds up the next.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Hit {
    pub at: Instant,
    pub headers: HashMap<String, String>,
    pub body: String,
    pub answered: u16,
}

pub struct Receiver {
    pub url: String,
    pub hits: Arc<Mutex<Vec<Hit>>>,
}

impl Receiver {
    /// Answers `status` after `delay` to every request.
    pub fn start(status: u16, delay: Duration) -> Receiver {
        Receiver::answering(delay, move |_, _| status)
    }

    /// Answers each request after `delay` with the status `answer` picks
    /// from its headers and the requests answered before it (e.g. fail the
    /// first attempts of every delivery).
    pub fn answering(delay: Duration, answer: impl Fn(&HashMap<String, String>, &[Hit]) -> u16 + Send + Sync + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let url = format!("http://127.0.0.1:{}/hooks", listener.local_addr().expect("receiver address").port());
        let hits = Arc::new(Mutex::new(Vec::<Hit>::new()));
        let (log, answer) = (hits.clone(), Arc::new(answer));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, answer) = (log.clone(), answer.clone());
                std::thread::spawn(move || {
                    let Ok(clone) = stream.try_clone() else { return };
                    let mut reader = BufReader::new(clone);
                    let mut line = String::new();
                    let _ = reader.read_line(&mut line);
                    let mut headers = HashMap::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = line.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                        }
                    }
                    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
                    let mut body = vec![0; len];
                    let _ = reader.read_exact(&mut body);
                    let at = Instant::now();
                    let status = log.lock().map(|log| answer(&headers, &log)).unwrap_or(500);
                    std::thread::sleep(delay);
                    let mut out = stream;
                    let _ = write!(out, "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                    // Recorded once answered: a slow receiver's count is what it has answered.
                    let hit = Hit { at, headers, body: String::from_utf8_lossy(&body).into_owned(), answered: status };
                    if let Ok(mut log) = log.lock() {
                        log.push(hit);
                    }
                });
            }
        });
        Receiver { url, hits }
    }

    /// The requests answered so far whose body mentions `needle`.
    pub fn about(&self, needle: &str) -> Vec<Hit> {
        self.hits.lock().map(|h| h.iter().filter(|h| h.body.contains(needle)).cloned().collect()).unwrap_or_default()
    }
}
