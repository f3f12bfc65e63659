//! The site's help center in the browser: the index is fetched once per
//! version (the edge serves it immutable, so the browser cache keeps it)
//! and ranked locally on every (debounced) keystroke, with exactly the
//! code and threshold the edge's bot uses.

use crate::early::Early;
use porchlight_kb::{Hit, Index, Searcher};
use std::rc::Rc;
use yew::prelude::*;

/// A ready searcher; equal when it is the same one (versions are immutable).
#[derive(Clone)]
pub struct HelpCenter(pub Rc<Searcher>);

impl PartialEq for HelpCenter {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// How many suggestions show above the composer.
pub const MAX_SUGGESTIONS: usize = 3;

impl HelpCenter {
    /// What to suggest for a draft still being typed (its last word may be
    /// unfinished).
    pub fn suggest(&self, draft: &str) -> Vec<(String, String)> {
        self.0
            .suggest(draft, true)
            .into_iter()
            .take(MAX_SUGGESTIONS)
            .filter_map(|Hit { id, lang, .. }| self.0.index().doc_in(&id, &lang).map(|d| (id, d.title.clone())))
            .collect()
    }
}

/// Fetches `kb/index?v=<version>` once the site's config names a version
/// (or takes the copy the loader fetched beside the WASM).
#[hook]
pub fn use_help_center(edge: AttrValue, site: AttrValue, version: Option<String>, early: Early) -> Option<HelpCenter> {
    let center = use_state(|| None::<HelpCenter>);
    {
        let center = center.clone();
        use_effect_with(version, move |version| {
            if let Some(v) = version.clone() {
                let url = format!("{edge}/api/v1/sites/{site}/kb/index?v={v}");
                let early = early.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let fetched = match early.index().await.filter(|i| i.version == v) {
                        Some(index) => Ok(index),
                        None => porchlight_browser::get_json::<Index>(&url).await,
                    };
                    match fetched.map(Searcher::try_new) {
                        Ok(Ok(searcher)) => center.set(Some(HelpCenter(Rc::new(searcher)))),
                        Ok(Err(e)) => gloo::console::warn!(format!("porchlight: help center unavailable: {e}")),
                        // Suggestions are a help, not a requirement: the bot
                        // still answers from the edge.
                        Err(e) => gloo::console::warn!(format!("porchlight: help center unavailable: {}", e.message)),
                    }
                });
            }
        });
    }
    (*center).clone()
}
