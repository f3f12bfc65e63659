//! Keystroke latency of the bot's ranking in headless Chromium's WASM,
//! using the widget module exactly as built for the edge
//! (`edge/assets/widget/v1/widget-<hash>.{js,wasm}`). Every prefix of every
//! labeled question in tests/kb/queries.tsv is ranked as if typed, against
//! the demo help center's index. Run by `cargo xtask bench` after a build.

use porchlight_kb::eval::parse_tsv;
use porchlight_kb::{Article, Index};
use porchlight_tests::webdriver::Browser;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;

const PAGE: &str = r#"<!doctype html><meta charset="utf-8"><title>keystroke bench</title>
<script type="module">
const m = await import('/v1/__JS__');
await m.default({ module_or_path: '/v1/__WASM__' });
const index = await (await fetch('/index.json')).text();
const prefixes = await (await fetch('/prefixes.json')).json();
let t = performance.now();
const bench = new m.KeystrokeBench(index);
const load_ms = performance.now() - t;
for (const p of prefixes) bench.suggest(p); // warm-up
const rounds = 10, times = [];
let shown = 0;
const start = performance.now();
for (let r = 0; r < rounds; r++) for (const p of prefixes) {
  t = performance.now(); shown += bench.suggest(p); times.push(performance.now() - t);
}
const total = performance.now() - start;
times.sort((a, b) => a - b);
window.benchResult = { load_ms, keystrokes: times.length, shown, mean_us: total * 1000 / times.length,
  p99_us: times[Math.floor(times.length * 0.99)] * 1000, worst_us: times[times.length - 1] * 1000,
  agent: navigator.userAgent };
</script>"#;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf();
    let assets = root.join("edge/assets/widget/v1");
    let find = |suffix: &str| -> String {
        std::fs::read_dir(&assets)
            .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask build` first)", assets.display()))
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .find(|n| n.starts_with("widget-") && n.ends_with(suffix))
            .unwrap_or_else(|| panic!("no widget-*{suffix} in {} (run `cargo xtask build`)", assets.display()))
    };
    let page = PAGE.replace("__JS__", &find(".js")).replace("__WASM__", &find(".wasm"));

    let mut articles = Vec::new();
    for entry in std::fs::read_dir(root.join("demo-site/kb")).expect("demo-site/kb") {
        let src = std::fs::read_to_string(entry.expect("entry").path()).expect("article");
        articles.push(Article::parse(&src).expect("valid article"));
    }
    let index = serde_json::to_string(&Index::build(&articles)).expect("index json");
    let set = parse_tsv(&std::fs::read_to_string(root.join("tests/kb/queries.tsv")).expect("queries")).expect("tsv");
    let prefixes: Vec<&str> = set.iter().flat_map(|q| q.query.char_indices().map(|(i, _)| &q.query[..i]).skip(1)).collect();
    let prefixes = serde_json::to_string(&prefixes).expect("prefixes json");

    let index_bytes = index.len();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = serve(stream, &assets, &page, &index, &prefixes);
        }
    });

    let browser = Browser::start();
    browser.goto(&format!("{origin}/"));
    let result: Value = browser.wait_for("the benchmark page to finish", 120, "return window.benchResult || null", json!([]));
    let f = |k: &str| result[k].as_f64().unwrap_or(f64::NAN);
    println!("  index parse in the page: {:.1} ms ({} bytes JSON, {} articles)", f("load_ms"), index_bytes, articles.len());
    println!(
        "  keystroke ranking (headless Chromium, the shipped widget WASM): mean {:.1} µs, p99 {:.0} µs, worst {:.0} µs over {} keystrokes ({} suggestions)",
        f("mean_us"),
        f("p99_us"),
        f("worst_us"),
        result["keystrokes"],
        result["shown"]
    );
    println!("  (per-call times use performance.now(), which Chromium coarsens to 100 µs steps; the mean is total time / keystrokes)");
}

fn serve(mut stream: TcpStream, assets: &Path, page: &str, index: &str, prefixes: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut h = String::new();
    while reader.read_line(&mut h)? > 2 {
        h.clear();
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let (body, ctype): (Vec<u8>, &str) = match path.as_str() {
        "/" => (page.as_bytes().to_vec(), "text/html; charset=utf-8"),
        "/index.json" => (index.as_bytes().to_vec(), "application/json"),
        "/prefixes.json" => (prefixes.as_bytes().to_vec(), "application/json"),
        p if p.starts_with("/v1/") && !p.contains("..") => match std::fs::read(assets.join(&p[4..])) {
            Ok(bytes) if p.ends_with(".wasm") => (bytes, "application/wasm"),
            Ok(bytes) => (bytes, "text/javascript"),
            Err(_) => (Vec::new(), "text/plain"),
        },
        _ => (Vec::new(), "text/plain"),
    };
    let status = if body.is_empty() { "404 Not Found" } else { "200 OK" };
    write!(stream, "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())?;
    stream.write_all(&body)
}
