//! Installs the pinned tools the build needs, skipping what is already there.

use crate::{root, step, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// worker-build version; it generates the JS shim for workers-rs.
const WORKER_BUILD_VERSION: &str = "0.8.7";

pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub worker_build: PathBuf,
    pub wasm_opt: PathBuf,
    pub esbuild: PathBuf,
    pub wrangler: PathBuf,
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs a command, echoing it; a failure names the command.
pub fn run(cmd: &mut Command) -> Result {
    println!("    $ {}", describe(cmd));
    let status = cmd.status().map_err(|e| format!("could not start `{}`: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status}); its output is above", describe(cmd)))
    }
}

pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program().to_string_lossy().into_owned())
        .chain(cmd.get_args().map(|a| {
            let a = a.to_string_lossy();
            if a.len() > 80 {
                format!("{}…", &a[..60])
            } else {
                a.into_owned()
            }
        }))
        .collect::<Vec<_>>()
        .join(" ")
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cargo"));
    home.join("bin").join(name)
}

/// The wasm-bindgen library version in Cargo.lock: the CLI must equal it.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry; run `cargo generate-lockfile`".into())
}

pub fn ensure(browser: bool) -> Result<Tools> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        step("wasm32-unknown-unknown target: installed");
    } else {
        step("installing the wasm32-unknown-unknown target");
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }

    let version = locked_wasm_bindgen()?;
    let wasm_bindgen = cargo_bin("wasm-bindgen");
    let have = output(Command::new(&wasm_bindgen).arg("--version")).unwrap_or_default();
    if have.trim() == format!("wasm-bindgen {version}") {
        step(&format!("wasm-bindgen-cli {version}: installed"));
    } else {
        step(&format!("installing wasm-bindgen-cli {version} (matches Cargo.lock; about 10 minutes, once)"));
        // Not --locked: one of its locked dependencies is no longer on crates.io.
        run(cargo().args(["install", "wasm-bindgen-cli", "--version", &version]))?;
    }

    let worker_build = cargo_bin("worker-build");
    let have = output(Command::new(&worker_build).arg("--version")).unwrap_or_default();
    if have.trim() == WORKER_BUILD_VERSION {
        step(&format!("worker-build {WORKER_BUILD_VERSION}: installed"));
    } else {
        step(&format!("installing worker-build {WORKER_BUILD_VERSION} (about 10 minutes, once)"));
        run(cargo().args(["install", "worker-build", "--version", WORKER_BUILD_VERSION]))?;
    }

    let root = root();
    let bin = root.join("node_modules/.bin");
    let stamp = root.join("node_modules/.package-lock.json");
    if fresher(&stamp, &root.join("package-lock.json")) && bin.join("wrangler").exists() && root.join(AXE).exists() {
        step("npm tools (wrangler, esbuild, binaryen, axe-core): installed");
    } else {
        step("installing npm tools from package-lock.json (wrangler, esbuild, binaryen, axe-core)");
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&root))
            .map_err(|e| format!("{e}\n  Is Node.js 20+ with npm on PATH?"))?;
    }

    if browser {
        ensure_chromium()?;
    }
    Ok(Tools { wasm_bindgen, worker_build, wasm_opt: bin.join("wasm-opt"), esbuild: bin.join("esbuild"), wrangler: bin.join("wrangler") })
}

fn fresher(a: &Path, b: &Path) -> bool {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((m(a), m(b)), (Some(a), Some(b)) if a >= b)
}

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// axe-core's browser bundle (from `npm ci`), which the browser tests inject
/// into pages to audit them (relative to the repository root).
pub const AXE: &str = "node_modules/axe-core/axe.min.js";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn ensure_chromium() -> Result {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        step("chromium + chromedriver: installed");
        return Ok(());
    }
    step("installing chromium and chromium-driver from Debian (apt-get)");
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get").args(["install", "-y", "-q", "chromium", "chromium-driver"]).env("DEBIAN_FRONTEND", "noninteractive"))
        .map_err(|e| format!("{e}\n  Browser tests need root (or: sudo apt-get install chromium chromium-driver)."))
}
