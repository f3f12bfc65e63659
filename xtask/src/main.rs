//! `cargo xtask`: Porchlight's one build entry point (see README).
//!
//! - `demo`: install what is missing, build, run the edge on :8787 and the demo site on :8080.
//! - `test`: the same set-up, then every test: unit, edge end-to-end, browser.
//! - `deploy`: `wrangler deploy`, refused while `edge/wrangler.toml` has the demo's credentials.
//! - `build`: build loader, widget, console and edge into `edge/assets` and `edge/build`.
//! - `size`: raw / gzip / brotli bytes of everything a browser or Workers downloads, against the
//!   budgets (non-zero exit over one); `--why`: the widget WASM's top 25 and bytes by crate.
//! - `bench`: the bot's ranking quality against plain BM25, its keystroke latency, and the
//!   message hot path beside a bare relay Durable Object (`bench relay` for that part only).
//! - `kb import | search`: load a help center into the edge; see what the bot would suggest.
//!
//! Plain Rust calling `$CARGO`, npm and the pinned tools; every step says
//! what it is doing, and every failure says what to do next.

mod bench;
mod build;
mod deploy;
mod kb;
mod run;
mod size;
mod tools;
mod wasm_names;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => run::demo(),
        Some("test") => run::test(&args[1..]),
        Some("deploy") => deploy::main(&args[1..]),
        Some("build") => tools::ensure(false).and_then(|t| build::all(&t)),
        Some("kb") => kb::main(&args[1..]),
        Some("bench") => bench::main(&args[1..]),
        Some("size") => size::main(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <demo | test | build | deploy | size | bench | kb (import | search)>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

pub fn step(msg: &str) {
    println!("==> {msg}");
}
