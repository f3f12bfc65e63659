//! What the host page tells agents about the visitor: its URL, and what
//! the site attached through the loader's `Porchlight.setContext` (an
//! order reference and custom attributes). Read from the page, cut to the
//! protocol's limits, sent at session creation and whenever it changes.

use porchlight_protocol::{validate, VisitorContext};
use serde::Deserialize;
use serde_json::Value;

/// The event `loader.js` dispatches on `window` after `setContext`.
pub const CHANGED_EVENT: &str = "porchlight:context";

thread_local! {
    /// The site's `full_page_urls` (from the widget config): off until it
    /// says otherwise, so a URL's query and fragment never leave the page
    /// before the config is known.
    static FULL_URLS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn set_full_urls(full: bool) {
    FULL_URLS.with(|f| f.set(full));
}

pub fn context() -> VisitorContext {
    let window = web_sys::window();
    let page_url = window.as_ref().and_then(|w| w.location().href().ok());
    let raw = window
        .and_then(|w| js_sys::Reflect::get(&w, &"Porchlight".into()).ok())
        // The loader's API is a function with properties.
        .filter(|p| p.is_object() || p.is_function())
        .and_then(|p| js_sys::Reflect::get(&p, &"context".into()).ok())
        .and_then(|c| js_sys::JSON::stringify(&c).ok())
        .and_then(|s| s.as_string());
    #[derive(Default, Deserialize)]
    struct Host {
        #[serde(rename = "orderRef", default)]
        order_ref: Option<Value>,
        #[serde(default)]
        attributes: serde_json::Map<String, Value>,
    }
    let host: Host = raw.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
    // Numbers and booleans are shown as written; nested values as JSON.
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let context = VisitorContext {
        page_url,
        order_ref: host.order_ref.as_ref().map(text),
        attributes: host.attributes.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
    };
    validate::clamp_context(&context, FULL_URLS.with(|f| f.get()))
}

/// The page's identity token for the signed-in user, if any: the one place
/// the widget reads it. The loader keeps it at `window.Porchlight.identity`
/// (set by `window.Porchlight = {identity: token}` before the loader, or by
/// the page's API later); it is sent in `POST sessions` and on `hello`,
/// never in a URL.
pub fn identity() -> Option<String> {
    let window: wasm_bindgen::JsValue = web_sys::window()?.into();
    let porchlight = js_sys::Reflect::get(&window, &"Porchlight".into()).ok().filter(|p| p.is_object() || p.is_function())?;
    js_sys::Reflect::get(&porchlight, &"identity".into()).ok()?.as_string().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A string the page left on the loader's API (`Porchlight('identify', …)`
/// stores `identity`, `Porchlight('locale', …)` stores `locale`).
fn page_value(key: &str) -> Option<String> {
    let window = web_sys::window()?;
    let api = js_sys::Reflect::get(&window, &"Porchlight".into()).ok().filter(|p| p.is_object() || p.is_function())?;
    js_sys::Reflect::get(&api, &key.into()).ok()?.as_string().filter(|s| !s.trim().is_empty())
}

/// What the host page said about the visitor beyond context: the signed
/// identity token (`Porchlight('identify', {token})`, sent by the identity
/// work on `POST sessions` / `hello`) and a preferred language.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostConfig {
    // Read by the identity work (it sends the token on `POST sessions` and `hello`).
    #[allow(dead_code)]
    pub identity: Option<String>,
    /// A BCP 47 tag such as `es`, kept for the widget's strings and the bot.
    pub locale: Option<String>,
}

pub fn host_config() -> HostConfig {
    HostConfig {
        identity: page_value("identity"),
        locale: page_value("locale").filter(|l| l.len() <= 35 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')),
    }
}
