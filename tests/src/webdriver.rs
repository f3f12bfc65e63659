//! A minimal W3C WebDriver client for Debian's chromedriver, enough to
//! drive the widget as a visitor would: navigate, find elements (inside
//! shadow roots, by accessible name), click, type, run script, screenshot.

use base64::Engine;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    /// Held while this browser lives: see [`ONE_AT_A_TIME`].
    _turn: std::sync::MutexGuard<'static, ()>,
}

/// One Chromium at a time per test binary: on a 2-core machine, several
/// at once (with wrangler dev beside them) starve each other past the
/// tests' timeouts.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session
    /// with a desktop window (1280×860).
    pub fn start() -> Browser {
        Browser::start_with(json!({}))
    }

    /// The console at 1366×768, signed in with agent `token`, showing its Team area.
    pub fn console_team(token: &str) -> Browser {
        let browser = Browser::start();
        browser.set_viewport(1366, 768);
        browser.goto(&format!("{}/agent", crate::edge()));
        browser.type_text(&browser.by_name("textbox", "Agent token"), token);
        browser.click(&browser.by_name("button", "Sign in"));
        browser.by_name("button", "Sign out");
        browser.script("document.querySelector('.team-toggle').click(); return true", json!([]));
        browser
    }

    /// A phone: 390×844 CSS pixels at 3×, touch, a mobile user agent.
    pub fn start_phone() -> Browser {
        Browser::start_with(json!({"mobileEmulation": {
            "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0, "touch": true},
            "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
        }}))
    }

    fn start_with(extra_options: Value) -> Browser {
        // A test that failed still hands on its turn.
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let chromedriver = std::env::var("PORCHLIGHT_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("PORCHLIGHT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {chromedriver}: {e} (cargo xtask test installs it)"));
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = std::env::temp_dir().join(format!("porchlight-chromium-{port}"));
        let mut options = json!({"binary": chromium, "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
            "--window-size=1280,860", format!("--user-data-dir={}", profile.display())
        ]});
        if let (Some(o), Some(extra)) = (options.as_object_mut(), extra_options.as_object()) {
            o.extend(extra.clone());
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}});
        let mut b = Browser { driver, base, session: String::new(), _turn: turn };
        let v = b.call("POST", "/session", caps);
        b.session = v["sessionId"].as_str().expect("sessionId").to_owned();
        b
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = if path == "/session" { format!("{}{path}", self.base) } else { format!("{}/session/{}{path}", self.base, self.session) };
        let req = ureq::request(method, &url);
        let result = if method == "GET" || method == "DELETE" { req.call() } else { req.send_json(body) };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(code, r)) => panic!("webdriver {method} {path}: {code} {}", r.into_string().unwrap_or_default()),
            Err(e) => panic!("webdriver {method} {path}: {e}"),
        };
        let v: Value = resp.into_json().expect("webdriver json");
        v["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    pub fn script(&self, script: &str, args: Value) -> Value {
        self.call("POST", "/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Polls `script` until it returns something truthy; panics with `what` after `secs`.
    pub fn wait_for(&self, what: &str, secs: u64, script: &str, args: Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.script(script, args.clone());
            if !(v.is_null() || v == json!(false) || v == json!("")) {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out after {secs} s waiting for {what}");
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// The element whose accessible name (aria-label or text) is `name`,
    /// searching the page and every open shadow root (but not the loader's
    /// stand-in pre-chat form, `[data-early]`, which the widget replaces as
    /// it mounts: a handle to it would go stale).
    pub fn by_name(&self, role: &str, name: &str) -> Value {
        self.wait_for(&format!("{role} \"{name}\""), 20, FIND_BY_NAME, json!([role, name]))
    }

    /// The console queue row `row`'s (a CSS selector) button whose text is `label`, once it is there.
    pub fn row_button(&self, row: &str, label: &str) -> Value {
        self.wait_for(
            &format!("the row's {label} button"),
            20,
            "const r = document.querySelector(arguments[0]); return r && [...r.querySelectorAll('button')].find(b => b.textContent.trim() === arguments[1]) || null",
            json!([row, label]),
        )
    }

    /// Waits until the message log (role "log", named "Messages") shows `text`.
    pub fn log_shows(&self, text: &str) -> Value {
        self.wait_for(
            &format!("\"{text}\" in the message log"),
            20,
            &format!("{FIND_BY_NAME_FN}\nconst log = find('log', 'Messages'); return log && log.innerText.includes(arguments[0]);"),
            json!([text]),
        )
    }

    /// Takes the browser offline (or back online) with DevTools' network
    /// emulation: `navigator.onLine` flips, `offline`/`online` fire, and
    /// new connections fail.
    pub fn set_offline(&self, offline: bool) {
        let params = json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1});
        self.call("POST", "/goog/cdp/execute", json!({"cmd": "Network.enable", "params": {}}));
        self.call("POST", "/goog/cdp/execute", json!({"cmd": "Network.emulateNetworkConditions", "params": params}));
    }

    /// A DevTools command (`Target.getTargets`, …) and its result.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call("POST", "/goog/cdp/execute", json!({"cmd": cmd, "params": params}))
    }

    /// Opens a new tab and brings it to the front (the current one is then
    /// hidden: `visibilityState` is "hidden"); returns (previous, new) handles.
    pub fn new_tab(&self) -> (String, String) {
        let previous = self.call("GET", "/window", Value::Null).as_str().unwrap_or_default().to_owned();
        let created = self.call("POST", "/window/new", json!({"type": "tab"}));
        let handle = created["handle"].as_str().expect("new tab handle").to_owned();
        self.call("POST", "/window", json!({"handle": handle}));
        (previous, handle)
    }

    /// Closes the current tab and switches to `back_to`.
    pub fn close_tab(&self, back_to: &str) {
        self.call("DELETE", "/window", Value::Null);
        self.call("POST", "/window", json!({"handle": back_to}));
    }

    /// Sets the page's viewport to `width`×`height` CSS pixels (a desktop
    /// screen, no touch), with DevTools' device metrics emulation.
    pub fn set_viewport(&self, width: u32, height: u32) {
        let params = json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false});
        self.call("POST", "/goog/cdp/execute", json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": params}));
    }

    /// The element that has keyboard focus (inside shadow roots too).
    pub fn focused(&self) -> Value {
        self.script("let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; return a", json!([]))
    }

    /// Presses keys (WebDriver key codes such as `"\u{E007}"`, Enter) on
    /// whatever has focus.
    pub fn press(&self, keys: &str) {
        let strokes: Vec<Value> = keys
            .chars()
            .flat_map(|k| [json!({"type": "keyDown", "value": k.to_string()}), json!({"type": "keyUp", "value": k.to_string()})])
            .collect();
        self.call("POST", "/actions", json!({"actions": [{"type": "key", "id": "keyboard", "actions": strokes}]}));
    }

    /// Runs an async script (its last argument is the callback to call with the result).
    pub fn script_async(&self, script: &str, args: Value) -> Value {
        self.call("POST", "/execute/async", json!({ "script": script, "args": args }))
    }

    /// Audits the current page with axe-core (injected from `PORCHLIGHT_AXE`,
    /// which `cargo xtask test` points at the npm package; it looks inside
    /// open shadow roots, so the widget is audited too) and panics, listing
    /// them, on any `serious` or `critical` violation. `what` names the
    /// state in the message.
    pub fn assert_accessible(&self, what: &str) {
        self.assert_accessible_except(what, &[]);
    }

    /// [`Browser::assert_accessible`] without the axe rules `skip` (for a
    /// known, reported violation outside what a test is about).
    pub fn assert_accessible_except(&self, what: &str, skip: &[&str]) {
        let path = std::env::var("PORCHLIGHT_AXE").unwrap_or_else(|_| "node_modules/axe-core/axe.min.js".into());
        let loaded = self.script("return !!window.axe", json!([]));
        if loaded != json!(true) {
            let source =
                std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("axe-core at {path}: {e} (cargo xtask test installs it)"));
            self.script(&format!("{source}\nreturn true"), json!([]));
        }
        let found = self.script_async(
            r#"const done = arguments[arguments.length - 1];
             const rules = Object.fromEntries(arguments[0].map(id => [id, {enabled: false}]));
             axe.run(document, {resultTypes: ['violations'], rules}).then(r => done(r.violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => `${v.impact} ${v.id}: ${v.help}\n` + v.nodes.slice(0, 5).map(n =>
                 `      ${JSON.stringify(n.target)} ${(n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 300)}`).join('\n'))),
               e => done([`axe failed: ${e}`]));"#,
            json!([skip]),
        );
        let found: Vec<String> = serde_json::from_value(found).unwrap_or_default();
        assert!(found.is_empty(), "axe-core: {} serious or critical violation(s) on {what}:\n  {}", found.len(), found.join("\n  "));
    }

    /// Presses `key` with Shift held (Shift+Tab).
    pub fn press_with_shift(&self, key: &str) {
        let shift = "\u{E008}";
        let strokes = json!([
            {"type": "keyDown", "value": shift}, {"type": "keyDown", "value": key},
            {"type": "keyUp", "value": key}, {"type": "keyUp", "value": shift}
        ]);
        self.call("POST", "/actions", json!({"actions": [{"type": "key", "id": "keyboard", "actions": strokes}]}));
    }

    /// Moves the mouse onto the middle of `el` and leaves it there (a hover:
    /// `pointerenter`, no click).
    pub fn hover(&self, el: &Value) {
        let origin = json!({ ELEMENT_KEY: id(el) });
        let moves = json!([{"type": "pointerMove", "duration": 0, "origin": origin, "x": 0, "y": 0}]);
        let pointer = json!({"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": moves});
        self.call("POST", "/actions", json!({ "actions": [pointer] }));
    }

    pub fn click(&self, el: &Value) {
        self.call("POST", &format!("/element/{}/click", id(el)), json!({}));
    }

    pub fn type_text(&self, el: &Value, text: &str) {
        self.call("POST", &format!("/element/{}/value", id(el)), json!({ "text": text }));
    }

    pub fn screenshot(&self, path: &std::path::Path) {
        let b64 = self.call("GET", "/screenshot", Value::Null);
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap_or_default()).expect("png");
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, png).expect("write screenshot");
    }
}

fn id(el: &Value) -> String {
    el[ELEMENT_KEY].as_str().unwrap_or_else(|| panic!("not an element: {el}")).to_owned()
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Shadow-root-aware lookup by role and accessible name.
pub const FIND_BY_NAME: &str = r#"
const [role, name] = arguments;
const sel = { button: 'button', textbox: 'input,textarea', log: '[role=log]' }[role] || role;
const roots = [document];
const all = [];
while (roots.length) {
  const r = roots.pop();
  for (const el of r.querySelectorAll('*')) {
    if (el.shadowRoot) roots.push(el.shadowRoot);
    // Not the loader's stand-in form: the widget replaces it as it mounts.
    if (el.matches(sel) && !el.closest('[data-early]')) all.push(el);
  }
}
const label = el => (el.getAttribute('aria-label') || el.textContent || '').trim();
return all.find(el => label(el) === name && el.getClientRects().length > 0) || null;
"#;

/// FIND_BY_NAME as a function `find(role, name)` for use inside other scripts.
pub const FIND_BY_NAME_FN: &str = r#"
const find = (role, name) => {
  const sel = { button: 'button', textbox: 'input,textarea', log: '[role=log]' }[role] || role;
  const roots = [document]; const all = [];
  while (roots.length) { const r = roots.pop();
    for (const el of r.querySelectorAll('*')) { if (el.shadowRoot) roots.push(el.shadowRoot); if (el.matches(sel) && !el.closest('[data-early]')) all.push(el); } }
  const label = el => (el.getAttribute('aria-label') || el.textContent || '').trim();
  return all.find(el => label(el) === name) || null;
};"#;
