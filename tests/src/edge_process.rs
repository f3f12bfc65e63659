//! An edge of the test's own: `wrangler dev` on a free port with its own
//! state directory, which the test may kill with SIGKILL and start again
//! on the same state (the restart test). `cargo xtask test` says how to
//! run wrangler (`PORCHLIGHT_WRANGLER`, `PORCHLIGHT_EDGE_DIR`,
//! `PORCHLIGHT_SITES`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PrivateEdge {
    pub base: String,
    port: u16,
    state: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    pub starts: u32,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the tests with `cargo xtask test`"))
}

impl PrivateEdge {
    /// Starts on a fresh state directory named `name` under target/porchlight.
    pub fn start(name: &str) -> PrivateEdge {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/porchlight");
        let state = dir.join(format!("{name}-state"));
        let _ = std::fs::remove_dir_all(&state);
        let log = dir.join(format!("{name}-wrangler.log"));
        let mut edge = PrivateEdge { base: format!("http://127.0.0.1:{port}"), port, state, log, child: None, starts: 0 };
        edge.boot();
        edge
    }

    fn boot(&mut self) {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("wrangler log");
        let mut cmd = Command::new(env("PORCHLIGHT_WRANGLER"));
        cmd.args(["dev", "--ip", "127.0.0.1", "--port", &self.port.to_string(), "--persist-to"])
            .arg(&self.state)
            .args(["--show-interactive-dev-session=false", "--live-reload=false", "--inspector-port", "0"])
            .arg("--var")
            .arg(format!("SITES:{}", env("PORCHLIGHT_SITES")))
            .current_dir(env("PORCHLIGHT_EDGE_DIR"))
            .env("WRANGLER_SEND_METRICS", "false")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log"))
            .stderr(file);
        // Its own process group, so SIGKILL reaches workerd too.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("start wrangler dev");
        self.child = Some(child);
        self.starts += 1;
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if healthy(self.port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("the private edge did not come up within 90 s; see {}", self.log.display());
    }

    /// SIGKILL to wrangler and workerd: no shutdown, no flush, no goodbye.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while healthy(self.port) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts again on the same port and the same persisted state.
    pub fn restart(&mut self) {
        self.boot();
    }
}

impl Drop for PrivateEdge {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
        }
    }
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").as_bytes()).is_err() {
        return false;
    }
    let mut first = String::new();
    BufReader::new(s).read_line(&mut first).is_ok() && first.contains(" 200 ")
}
