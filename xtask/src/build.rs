//! Builds everything the edge serves or runs.
//!
//! ```text
//! widget/, console/ ─cargo(wasm32, release)─▶ wasm-bindgen ─▶ wasm-opt -Oz ─▶ edge/assets/{widget/v1,console}/*-<hash>.{js,wasm}
//! console/static/{agent,join}.html, boot scripts, CSS ─▶ edge/assets/{agent,join}.html, edge/assets/console/
//! widget/loader/loader.js ─esbuild --minify, hashed names filled in─▶ edge/assets/widget/v1/loader.js
//! edge/ ─worker-build --release─▶ edge/build/ (Worker + Durable Objects)
//! ```
//! Content-hashed names let browsers cache the WASM forever; only the
//! loader (stable URL) is revalidated.

use crate::tools::{cargo, run, Tools};
use crate::{root, step, Result};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn assets() -> PathBuf {
    root().join("edge/assets")
}

/// Where a build writes the assets before they replace `edge/assets`.
fn assets_next() -> PathBuf {
    root().join("edge/.assets-next")
}

/// Cargo's target directory (`CARGO_TARGET_DIR` when set, as with a shared build cache).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"))
}

pub fn stage() -> PathBuf {
    root().join("target/porchlight")
}

pub fn all(tools: &Tools) -> Result {
    step("building widget and console WASM (release)");
    run(cargo()
        .args(["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "porchlight-widget", "-p", "porchlight-console"])
        .current_dir(root()))?;
    // Everything goes to a fresh directory that then takes `edge/assets`'
    // place in one step, so a `wrangler dev` watching it never sees it missing.
    let next = assets_next();
    let _ = fs::remove_dir_all(&next);
    let widget_dir = next.join("widget/v1");
    let console_dir = next.join("console");
    let (widget_js, widget_wasm) = bindgen(tools, "porchlight_widget", "widget", &widget_dir)?;
    let (console_js, console_wasm) = bindgen(tools, "porchlight_console", "console", &console_dir)?;

    step("minifying loader.js");
    let minified = stage().join("loader.min.js");
    run(Command::new(&tools.esbuild).arg(root().join("widget/loader/loader.js")).args([
        "--minify",
        "--target=es2020",
        &format!("--outfile={}", minified.display()),
    ]))?;
    let loader = read_string(&minified)?
        .replace("__LOADER_STRINGS__", &porchlight_protocol::i18n::loader_table().to_string())
        .replace("__WIDGET_JS__", &widget_js)
        .replace("__WIDGET_WASM__", &widget_wasm);
    write(&widget_dir.join("loader.js"), loader.as_bytes())?;

    // No inline script or style anywhere in the console: its CSP has no
    // 'unsafe-inline'. The boot module and one stylesheet (the console's
    // own plus the message pieces it shares with the widget) are files.
    write(&next.join("agent.html"), read_string(&root().join("console/static/agent.html"))?.as_bytes())?;
    // The console's tab icon (agent.html links it; without one the browser asks for /favicon.ico and gets a 404).
    write(&next.join("favicon.svg"), read_string(&root().join("console/static/favicon.svg"))?.as_bytes())?;
    let boot = format!("import init from \"/console/{console_js}\";\ninit({{ module_or_path: \"/console/{console_wasm}\" }});\n");
    write(&console_dir.join("boot.js"), boot.as_bytes())?;
    // The join page (an external participant's) runs the same WASM; its
    // boot script first takes the link's token out of the address bar,
    // and only then loads the module.
    write(&next.join("join.html"), read_string(&root().join("console/static/join.html"))?.as_bytes())?;
    let join_boot = read_string(&root().join("console/static/join-boot.js"))?
        + &format!("const {{ default: init }} = await import(\"/console/{console_js}\");\ninit({{ module_or_path: \"/console/{console_wasm}\" }});\n");
    write(&console_dir.join("join-boot.js"), join_boot.as_bytes())?;
    let css = read_string(&root().join("console/static/console.css"))?
        + &read_string(&root().join("console/static/join.css"))?
        + &read_string(&root().join("console/static/participants.css"))?
        + &read_string(&root().join("browser/src/ui.css"))?
        // The dark theme last: it overrides the rest, at equal specificity.
        + &read_string(&root().join("console/static/dark.css"))?;
    write(&console_dir.join("console.css"), css.as_bytes())?;
    write(&next.join("_headers"), HEADERS.as_bytes())?;
    swap_in(&next, &assets())?;

    step("building the edge Worker (worker-build --release)");
    run(Command::new(&tools.worker_build)
        .arg("--release")
        .current_dir(root().join("edge"))
        .env("WASM_BINDGEN_BIN", &tools.wasm_bindgen)
        .env("ESBUILD_BIN", &tools.esbuild)
        .env("WASM_OPT_BIN", &tools.wasm_opt))?;
    step("build complete: edge/build (Worker) and edge/assets (loader, widget, console)");
    Ok(())
}

/// Static-asset headers (Workers `_headers` format). The widget is fetched
/// cross-origin by the loader on customers' pages, so it needs CORS; hashed
/// files never change, so they are cached for a year.
const HEADERS: &str = "\
/widget/*
  Access-Control-Allow-Origin: *
  X-Content-Type-Options: nosniff
/widget/v1/loader.js
  Cache-Control: public, max-age=300
/widget/v1/widget-*
  Cache-Control: public, max-age=31536000, immutable
/console/console-*
  Cache-Control: public, max-age=31536000, immutable
/console/boot.js
  Cache-Control: no-cache
/console/join-boot.js
  Cache-Control: no-cache
/agent
  X-Frame-Options: DENY
  Content-Security-Policy: default-src 'self'; connect-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'
/join
  X-Frame-Options: DENY
  Referrer-Policy: no-referrer
  Cache-Control: no-store
  Content-Security-Policy: default-src 'self'; connect-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'
/join.html
  X-Frame-Options: DENY
  Referrer-Policy: no-referrer
  Cache-Control: no-store
  Content-Security-Policy: default-src 'self'; connect-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'
";

const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// wasm-bindgen + wasm-opt for one crate; returns the hashed (js, wasm) file names.
fn bindgen(tools: &Tools, krate: &str, name: &str, out: &Path) -> Result<(String, String)> {
    step(&format!("wasm-bindgen + wasm-opt: {name}"));
    let input = target_dir().join(format!("wasm32-unknown-unknown/release/{krate}.wasm"));
    let tmp = stage().join(name);
    let _ = fs::remove_dir_all(&tmp);
    run(Command::new(&tools.wasm_bindgen)
        .arg(&input)
        .args(["--target", "web", "--no-typescript", "--out-name", name, "--out-dir"])
        .arg(&tmp))?;
    let raw = tmp.join(format!("{name}_bg.wasm"));
    let opt = tmp.join(format!("{name}.opt.wasm"));
    // Exactly the features rustc emits for wasm32 today; `--all-features`
    // would let wasm-opt use proposals browsers do not ship (compact imports).
    run(Command::new(&tools.wasm_opt).arg(&raw).arg("-Oz").args(WASM_FEATURES).arg("-o").arg(&opt))?;
    let js = fs::read(tmp.join(format!("{name}.js"))).map_err(|e| e.to_string())?;
    let wasm = fs::read(&opt).map_err(|e| e.to_string())?;
    let hash = {
        let mut h = Sha256::new();
        h.update(&js);
        h.update(&wasm);
        h.finalize().iter().take(5).map(|b| format!("{b:02x}")).collect::<String>()
    };
    let (js_name, wasm_name) = (format!("{name}-{hash}.js"), format!("{name}-{hash}.wasm"));
    write(&out.join(&js_name), &js)?;
    write(&out.join(&wasm_name), &wasm)?;
    Ok((js_name, wasm_name))
}

/// Puts directory `next` where `live` is, atomically when `live` exists
/// (Linux `renameat2(RENAME_EXCHANGE)`), then removes the old contents.
fn swap_in(next: &Path, live: &Path) -> Result {
    if !live.exists() {
        return fs::rename(next, live).map_err(|e| format!("moving {} to {}: {e}", next.display(), live.display()));
    }
    exchange(next, live)?;
    // `next` now holds the previous build.
    fs::remove_dir_all(next).map_err(|e| format!("removing the previous assets ({}): {e}", next.display()))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(|e| e.to_string());
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: two valid NUL-terminated paths; renameat2 only reads them.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("swapping {} and {}: {}", a.display(), b.display(), std::io::Error::last_os_error()))
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result {
    // No atomic exchange here: two renames, a moment apart.
    let old = b.with_extension("old");
    let _ = fs::remove_dir_all(&old);
    fs::rename(b, &old).and_then(|()| fs::rename(a, b)).and_then(|()| fs::rename(&old, a)).map_err(|e| e.to_string())
}

fn read_string(p: &Path) -> Result<String> {
    fs::read_to_string(p).map_err(|e| format!("reading {}: {e}", p.display()))
}

fn write(p: &Path, bytes: &[u8]) -> Result {
    if let Some(dir) = p.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    fs::write(p, bytes).map_err(|e| format!("writing {}: {e}", p.display()))
}
