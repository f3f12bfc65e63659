//! `demo` and `test`: start the edge on `wrangler dev` and the demo site,
//! then wait (demo) or run the test suites against them (test).

use crate::tools::{self, describe, Tools};
use crate::{build, root, step, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Demo agent tokens; their SHA-256 hashes are in edge/wrangler.toml.
pub const DEMO_TOKENS: [(&str, &str); 2] = [("Ava", "demo-agent-ava"), ("Ben", "demo-agent-ben")];

pub fn demo() -> Result {
    let tools = tools::ensure(false)?;
    build::all(&tools)?;
    let demo_origin = "http://127.0.0.1:8080";
    let edge_url = "http://127.0.0.1:8787";
    serve_demo_site(TcpListener::bind("127.0.0.1:8080").map_err(|e| format!("port 8080: {e}. Is another demo running?"))?, edge_url);
    let mut edge = Edge::start(&tools, 8787, &root().join("edge/.wrangler/state"), Some(&demo_sites(demo_origin)?))?;
    import_sample_kb(edge_url)?;
    println!(
        "\n  Porchlight is running.\n\n  Demo site (visitor):  {demo_origin}/\n  Agent console:        {edge_url}/agent\n  Agent tokens:         {} (Ava), {} (Ben)\n\n  Press Ctrl-C to stop.\n",
        DEMO_TOKENS[0].1, DEMO_TOKENS[1].1
    );
    let status = edge.child.wait().map_err(|e| e.to_string())?;
    Err(format!("wrangler dev exited ({status})"))
}

pub fn test(args: &[String]) -> Result {
    let tools = tools::ensure(true)?;
    build::all(&tools)?;

    step("edge: wrangler deploy --dry-run");
    tools::run(
        Command::new(&tools.wrangler)
            .args(["deploy", "--dry-run", "--outdir"])
            .arg(root().join("target/porchlight/dry-run"))
            .current_dir(root().join("edge"))
            .env("WRANGLER_SEND_METRICS", "false"),
    )?;

    let demo = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let demo_origin = format!("http://{}", demo.local_addr().map_err(|e| e.to_string())?);
    let port = free_port()?;
    let edge_url = format!("http://127.0.0.1:{port}");
    serve_demo_site(demo, &edge_url);
    // A fresh state directory: tests start from an empty edge every run.
    let state = root().join("target/porchlight/test-state");
    let _ = std::fs::remove_dir_all(&state);
    let sites = test_sites(&demo_origin)?;
    let mut edge = Edge::start(&tools, port, &state, Some(&sites))?;
    if let Err(e) = import_sample_kb(&edge_url) {
        edge.stop();
        return Err(e);
    }

    step("running every test: unit (protocol), edge end-to-end, browser");
    let screenshot = root().join("target/porchlight/screenshot.png");
    let reliability = root().join("target/porchlight/reliability");
    let _ = std::fs::remove_dir_all(&reliability);
    let result = tools::run(
        tools::cargo()
            .args([
                "test",
                "--no-fail-fast",
                "-p",
                "porchlight-protocol",
                "-p",
                "porchlight-kb",
                "-p",
                "porchlight-tests",
                "--features",
                "porchlight-tests/e2e",
            ])
            .args(args)
            .current_dir(root())
            .env("PORCHLIGHT_EDGE", &edge_url)
            .env("PORCHLIGHT_DEMO", &demo_origin)
            .env("PORCHLIGHT_SCREENSHOT", &screenshot)
            .env("PORCHLIGHT_CHROMIUM", tools::CHROMIUM)
            .env("PORCHLIGHT_CHROMEDRIVER", tools::CHROMEDRIVER)
            .env("PORCHLIGHT_AXE", root().join(tools::AXE))
            // For the restart test, which runs (and kills) an edge of its own.
            .env("PORCHLIGHT_WRANGLER", &tools.wrangler)
            .env("PORCHLIGHT_EDGE_DIR", root().join("edge"))
            .env("PORCHLIGHT_SITES", &sites),
    );
    edge.stop();
    result.map_err(|e| format!("{e}\n  Edge log: {}", edge.log.display()))?;
    if screenshot.exists() {
        step(&format!("screenshot of the demo page with the widget open: {}", screenshot.display()));
    }
    // The delivery checks' figures (docs/RELIABILITY.md explains them).
    if let Ok(entries) = std::fs::read_dir(&reliability) {
        step(&format!("delivery figures ({}):", reliability.display()));
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            println!("{}", std::fs::read_to_string(&f).unwrap_or_default());
        }
    }
    Ok(())
}

/// Loads the demo help center (demo-site/kb and its translations in
/// demo-site/kb-translations) into the edge, as a site owner would with
/// `cargo xtask kb import`. Same content, same index version.
pub fn import_sample_kb(edge_url: &str) -> Result {
    step("knowledge base: importing demo-site/kb and demo-site/kb-translations into copper-kettle");
    let (kb, translations) = (root().join("demo-site/kb"), root().join("demo-site/kb-translations"));
    let version = crate::kb::import(&[&kb, &translations], "copper-kettle", edge_url, crate::kb::DEMO_ADMIN_TOKEN)?;
    println!("    index version {version}");
    Ok(())
}

/// The demo site configuration with the test run's demo origin allowed.
pub fn test_sites(demo_origin: &str) -> Result<String> {
    let toml = std::fs::read_to_string(root().join("edge/wrangler.toml")).map_err(|e| e.to_string())?;
    let json = crate::deploy::sites_json(&toml)?;
    let mut sites: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("SITES in wrangler.toml: {e}"))?;
    let origins = sites["copper-kettle"]["allowed_origins"].as_array_mut().ok_or("SITES has no copper-kettle origins")?;
    origins.push(demo_origin.into());
    // `limits-check`: the demo site as configured (default abuse limits),
    // without agents, for the tests of those limits (tests/tests/abuse.rs).
    let mut strict = sites["copper-kettle"].clone();
    strict["agents"] = serde_json::json!([]);
    strict["name"] = "Limits Check".into();
    // It also collects no ratings (`csat: false`, tests/tests/csat.rs).
    strict["csat"] = false.into();
    // copper-kettle itself gets limits no single test address reaches: the
    // suites (and `bench relay`) open hundreds of sessions and send
    // thousands of frames from one machine, which the defaults refuse.
    let roomy = serde_json::json!({ "burst": 100_000, "refill": 100_000, "every_s": 1 });
    sites["copper-kettle"]["limits"] = serde_json::json!({
        "sessions": roomy, "kb_search": roomy, "messages": roomy, "chatter": roomy, "auth_failures": roomy,
        "max_log": 1_000_000, "max_text_chars": 1_000_000_000_u64, "max_sockets": 256
    });
    // Eight more agents for the accept race: ids agent-1…agent-8, tokens
    // test-agent-token-1…8 (tests/src/lib.rs knows them).
    let agents = sites["copper-kettle"]["agents"].as_array_mut().ok_or("SITES has no copper-kettle agents")?;
    for n in 1..=8 {
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(format!("test-agent-token-{n}")).iter().map(|b| format!("{b:02x}")).collect();
        agents.push(serde_json::json!({ "id": format!("agent-{n}"), "name": format!("Agent {n}"), "token_sha256": hash }));
    }
    sites["limits-check"] = strict;
    // Two more sites (tests/src/lib.rs knows them): one that chats only
    // with verified users, and one with its own admin (webhook limits,
    // slow receivers) whose closed conversations are kept 3 seconds.
    let sha = |t: &str| -> String {
        use sha2::Digest;
        sha2::Sha256::digest(t).iter().map(|b| format!("{b:02x}")).collect()
    };
    sites["members-only"] = serde_json::json!({
        "name": "Members Only", "allowed_origins": [demo_origin],
        "identity_secret": "members-only-test-secret", "identity_required": true,
    });
    sites["second-shop"] = serde_json::json!({
        "name": "Second Shop", "allowed_origins": [demo_origin], "dev": true, "retention_seconds": 3,
        "agents": [{ "id": "owner", "name": "Owner", "token_sha256": sha("test-admin-second-shop"), "role": "ADMIN" }],
    });
    // A site with no agents and copper-kettle's roomy limits: visitors
    // wait there with nobody online (tests/tests/no_agents.rs), however
    // many sessions the other suites opened from this address.
    let mut quiet = sites["copper-kettle"].clone();
    quiet["agents"] = serde_json::json!([]);
    quiet["name"] = "Quiet Desk".into();
    sites["quiet-desk"] = quiet;
    showcase(&mut sites, demo_origin);
    Ok(sites.to_string())
}

/// The demo's sites (`edge/wrangler.toml`'s `SITES`) plus the showcase
/// sites, so a stranger can try the dark, labelled, consent-first and
/// nobody-online variants on `/embed.html?site=…` (README, "Sites").
pub fn demo_sites(demo_origin: &str) -> Result<String> {
    let toml = std::fs::read_to_string(root().join("edge/wrangler.toml")).map_err(|e| e.to_string())?;
    let json = crate::deploy::sites_json(&toml)?;
    let mut sites: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("SITES in wrangler.toml: {e}"))?;
    showcase(&mut sites, demo_origin);
    Ok(sites.to_string())
}

/// Sites that each change one thing from copper-kettle (its agents and
/// limits): tea-house (every appearance setting, hours), daylight (forced
/// light), consent-shop (consent first), night-shift (offline when nobody
/// is online). The tests and the demo both have them.
fn showcase(sites: &mut serde_json::Value, demo_origin: &str) {
    // A second site with every appearance setting changed, for the theming tests.
    sites["tea-house"] = serde_json::json!({
        "name": "Tea House",
        "allowed_origins": [demo_origin],
        "accent_color": "#ffd400",
        "color_scheme": "dark",
        "launcher": { "position": "left", "offset_x": 24, "offset_y": 32, "label": "Chat with us", "icon": "help" },
        "header_title": "Tea House support",
        "header_subtitle": "We reply within the hour",
        "agents": sites["copper-kettle"]["agents"].clone(),
        // Browsers share one address here: the theming tests must not meet the session limit.
        "limits": sites["copper-kettle"]["limits"].clone(),
        // The hours tests' webhook receiver listens on 127.0.0.1.
        "dev": true,
    });
    // A site that forces the light scheme, whatever the visitor prefers (tests/tests/dark.rs).
    sites["daylight"] = serde_json::json!({
        "name": "Daylight", "allowed_origins": [demo_origin], "color_scheme": "light",
        "limits": sites["copper-kettle"]["limits"].clone(),
    });
    // A site that asks for consent first: nothing stored, no session, no
    // socket before the visitor opens the chat (tests/tests/languages.rs).
    sites["consent-shop"] = serde_json::json!({
        "name": "Consent Shop", "allowed_origins": [demo_origin], "consent_required": true,
        "limits": sites["copper-kettle"]["limits"].clone(),
    });
    // A site whose "Talk to a person" becomes "Leave a message" while no
    // agent's console is online (tests/tests/no_agents.rs).
    sites["night-shift"] = serde_json::json!({
        "name": "Night Shift", "allowed_origins": [demo_origin], "offline_when_no_agents": true,
        "agents": sites["copper-kettle"]["agents"].clone(),
        "limits": sites["copper-kettle"]["limits"].clone(),
        "dev": true,
    });
    // Without limits of its own copper-kettle has the defaults: so do they.
    for name in ["tea-house", "daylight", "consent-shop", "night-shift"] {
        if let Some(site) = sites[name].as_object_mut() {
            if site.get("limits").is_some_and(|l| l.is_null()) {
                site.remove("limits");
            }
        }
    }
}

pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

pub struct Edge {
    child: Child,
    pub log: PathBuf,
}

impl Edge {
    pub fn start(tools: &Tools, port: u16, state: &Path, sites: Option<&str>) -> Result<Edge> {
        Edge::start_in(tools, &root().join("edge"), port, state, sites)
    }

    /// `wrangler dev` of the Worker in `dir` (its own wrangler.toml).
    pub fn start_in(tools: &Tools, dir: &Path, port: u16, state: &Path, sites: Option<&str>) -> Result<Edge> {
        step(&format!("starting the edge: wrangler dev on 127.0.0.1:{port}"));
        let log = root().join(format!("target/porchlight/wrangler-{port}.log"));
        std::fs::create_dir_all(log.parent().unwrap_or(Path::new("."))).map_err(|e| e.to_string())?;
        let file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(&tools.wrangler);
        cmd.args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--persist-to"])
            .arg(state)
            // A free inspector port: the fixed 9229 would collide with a demo
            // (or another edge) already running on this machine.
            .args(["--show-interactive-dev-session=false", "--live-reload=false", "--inspector-port", "0"])
            .current_dir(dir)
            .env("WRANGLER_SEND_METRICS", "false")
            .stdin(Stdio::null())
            .stdout(file.try_clone().map_err(|e| e.to_string())?)
            .stderr(file);
        if let Some(sites) = sites {
            cmd.arg("--var").arg(format!("SITES:{sites}"));
        }
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        println!("    $ {}  (log: {})", describe(&cmd), log.display());
        let child = cmd.spawn().map_err(|e| format!("could not start wrangler: {e}"))?;
        let mut edge = Edge { child, log };
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = edge.child.try_wait() {
                return Err(format!("wrangler dev exited early ({status}); see {}", edge.log.display()));
            }
            if http_get_ok(port, "/healthz") {
                step(&format!("edge is up at http://127.0.0.1:{port}"));
                return Ok(edge);
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        edge.stop();
        Err(format!("the edge did not answer /healthz within 90 s; see {}", edge.log.display()))
    }

    pub fn stop(&mut self) {
        // wrangler runs workerd as a child: signal the whole process group.
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.wait();
    }
}

fn http_get_ok(port: u16, path: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut first = String::new();
    BufReader::new(s).read_line(&mut first).is_ok() && first.contains(" 200 ")
}

/// Serves demo-site/ on its own origin, as a customer's site would be, with
/// the embed tag pointed at this run's edge.
pub fn serve_demo_site(listener: TcpListener, edge_url: &str) {
    let edge_url = edge_url.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let edge_url = edge_url.clone();
            std::thread::spawn(move || {
                let _ = serve_one(stream, &edge_url);
            });
        }
    });
}

fn serve_one(mut stream: TcpStream, edge_url: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // Drain headers.
    let mut h = String::new();
    while reader.read_line(&mut h)? > 2 {
        h.clear();
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap_or("/");
    let rel = if path == "/" { "index.html" } else { path.trim_start_matches('/') };
    let file = root().join("demo-site").join(rel);
    let safe = !rel.contains("..") && file.is_file();
    let (status, body, ctype) = if safe {
        let mut bytes = Vec::new();
        std::fs::File::open(&file)?.read_to_end(&mut bytes)?;
        let ctype = match file.extension().and_then(|e| e.to_str()) {
            Some("html") => "text/html; charset=utf-8",
            Some("css") => "text/css",
            Some("js") => "text/javascript",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            _ => "application/octet-stream",
        };
        if ctype.starts_with("text/html") {
            bytes = String::from_utf8_lossy(&bytes).replace("http://127.0.0.1:8787", edge_url).into_bytes();
        }
        ("200 OK", bytes, ctype)
    } else {
        ("404 Not Found", b"not found".to_vec(), "text/plain")
    };
    let csp = if rel == "strict-csp.html" { strict_csp(edge_url) } else { String::new() };
    write!(stream, "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{csp}Connection: close\r\n\r\n", body.len())?;
    stream.write_all(&body)
}

/// The policy of the demo's `/strict-csp.html`: what a careful site sends,
/// with no `'unsafe-inline'` for scripts or styles. The widget must work
/// under it (a browser test counts the violations: none).
fn strict_csp(edge_url: &str) -> String {
    let ws = edge_url.replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
    format!(
        "Content-Security-Policy: default-src 'self'; script-src 'self' {edge_url} 'wasm-unsafe-eval'; style-src 'self'; \
         connect-src {edge_url} {ws}; img-src 'self' {edge_url} data: blob:\r\n"
    )
}
