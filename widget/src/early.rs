//! What `loader.js` fetched before the widget was running: on the
//! visitor's first sign of intent it starts the site's config and the
//! help center's index beside the WASM, so none of the three waits for
//! another. It hands them over as one object: `config` (a promise of the
//! JSON text), `ready` (that text, once it arrived) and `index` (a promise
//! of the index's JSON text, or null). Anything missing is fetched here.
//!
//! A new visitor also gets the pre-chat form from the loader, drawn at the
//! click (no WASM needed to start typing); what they typed, where the
//! cursor was and whether they already pressed "Start chat" come over as
//! `prefill`, and the widget's own form carries on from there.

use porchlight_protocol::WidgetConfig;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Clone)]
pub struct Early(pub JsValue);

impl PartialEq for Early {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Early {
    fn get(&self, key: &str) -> Option<JsValue> {
        if !self.0.is_object() {
            return None;
        }
        js_sys::Reflect::get(&self.0, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
    }

    async fn text(&self, key: &str) -> Option<String> {
        let promise = self.get(key)?.dyn_into::<js_sys::Promise>().ok()?;
        JsFuture::from(promise).await.ok()?.as_string()
    }

    /// The config, if it has already arrived (the first frame can use it).
    pub fn ready_config(&self) -> Option<WidgetConfig> {
        serde_json::from_str(&self.get("ready")?.as_string()?).ok()
    }

    /// The config, once the loader's fetch of it completes (`None`: it failed).
    pub async fn config(&self) -> Option<WidgetConfig> {
        serde_json::from_str(&self.text("config").await?).ok()
    }

    /// The help center's index as the loader fetched it (`None`: not fetched, or failed).
    pub async fn index(&self) -> Option<porchlight_kb::Index> {
        serde_json::from_str(&self.text("index").await?).ok()
    }

    /// What the visitor did in the loader's pre-chat form before the widget
    /// took over (read once: a later mount starts clean).
    pub fn take_prefill(&self) -> Option<Prefill> {
        let p = self.get("prefill")?;
        let _ = js_sys::Reflect::delete_property(self.0.unchecked_ref::<js_sys::Object>(), &JsValue::from_str("prefill"));
        let text = |k: &str| js_sys::Reflect::get(&p, &JsValue::from_str(k)).ok().and_then(|v| v.as_string()).unwrap_or_default();
        let submit = js_sys::Reflect::get(&p, &JsValue::from_str("submit")).ok().is_some_and(|v| v.is_truthy());
        Some(Prefill { name: text("name"), email: text("email"), focus: text("focus"), submit })
    }

    /// The accent the launcher wears (the tag's `data-color`), for the
    /// header before the config arrives.
    pub fn accent(&self) -> Option<String> {
        self.get("accent")?.as_string()
    }
}

/// The loader's pre-chat form as the visitor left it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prefill {
    pub name: String,
    pub email: String,
    /// "name", "email" or "" (focus was elsewhere).
    pub focus: String,
    /// "Start chat" was pressed: send the form as soon as the widget runs.
    pub submit: bool,
}
