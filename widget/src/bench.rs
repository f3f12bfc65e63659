//! A handle for `cargo xtask bench` to time the shipped ranking in the
//! browser's own WASM engine: the bench page loads this very module (the
//! hashed file the loader serves) and calls [`KeystrokeBench::suggest`]
//! once per keystroke, timing each call with `performance.now()`.
//! The widget itself never calls it; it costs a few hundred bytes.

use porchlight_kb::{Index, Searcher};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct KeystrokeBench(Searcher);

#[wasm_bindgen]
impl KeystrokeBench {
    /// Parses an index as the widget does after fetching `kb/index`.
    #[wasm_bindgen(constructor)]
    pub fn new(index_json: &str) -> Result<KeystrokeBench, JsError> {
        let index: Index = serde_json::from_str(index_json).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(KeystrokeBench(Searcher::new(index)))
    }

    /// Ranks a draft still being typed, as the widget's suggestions do;
    /// returns how many articles would show.
    pub fn suggest(&self, draft: &str) -> usize {
        self.0.suggest(draft, true).len()
    }
}
