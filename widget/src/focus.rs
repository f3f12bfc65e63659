//! Keeping keyboard focus in the panel when what had it disappears.
//!
//! Many of the widget's buttons replace themselves: "Talk to a person"
//! becomes the composer, "Yes, thanks" the closed notice, a conversation in
//! the list its transcript, and an agent closing the chat takes the
//! composer away mid-sentence. Browsers then drop focus to the page, and a
//! keyboard or screen-reader user has to find their way back from the top.
//! So: if focus was in the panel and the element holding it is gone, focus
//! moves to the panel's next sensible place (the composer, else the
//! "Start a new conversation" button, else the first control). Focus the
//! visitor moved elsewhere on purpose (Tab out, a click on the page) is
//! left alone.

use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// Where focus goes when it was lost from inside the panel, in order.
const NEXT_HOME: &[&str] = &[
    "textarea:not([disabled])",
    ".pl-closed button:not([disabled])",
    "[data-autofocus]",
    "input:not([disabled])",
    "button:not([disabled]):not(.pl-close)",
];

/// Installs the rescue on `panel` (once) and checks after every render.
#[hook]
pub fn use_focus_rescue(panel: &web_sys::Element) {
    let inside = use_memo((), |()| Rc::new(Cell::new(false)));
    {
        let (panel, inside) = (panel.clone(), (*inside).clone());
        use_effect_with((), move |()| {
            let on_in = {
                let inside = inside.clone();
                gloo::events::EventListener::new(&panel, "focusin", move |_| inside.set(true))
            };
            let on_out = {
                let (inside, panel) = (inside.clone(), panel.clone());
                gloo::events::EventListener::new(&panel.clone(), "focusout", move |e| {
                    let related = js_sys::Reflect::get(e, &JsValue::from_str("relatedTarget")).ok();
                    let to: Option<web_sys::Node> = related.and_then(|r| r.dyn_into().ok());
                    match to {
                        // Moved within the panel, or out of it on purpose.
                        Some(to) => inside.set(panel.contains(Some(&to))),
                        // To nowhere: a click on the page, or the element was
                        // removed. Tell them apart once the render is done.
                        None => {
                            let target: Option<web_sys::Element> = e.target().and_then(|t| t.dyn_into().ok());
                            let (inside, panel) = (inside.clone(), panel.clone());
                            gloo::timers::callback::Timeout::new(0, move || {
                                // Gone, or no longer focusable (the composer of a
                                // chat that just closed is disabled, not removed).
                                let lost = target.is_none_or(|t| !t.is_connected() || t.matches(":disabled").unwrap_or(false));
                                if lost {
                                    rescue(&panel, &inside);
                                } else {
                                    inside.set(false);
                                }
                            })
                            .forget();
                        }
                    }
                })
            };
            move || drop((on_in, on_out))
        });
    }
    // Browsers that drop a removed element's focus without a focusout.
    let (panel, inside) = (panel.clone(), (*inside).clone());
    use_effect(move || rescue(&panel, &inside));
}

fn rescue(panel: &web_sys::Element, inside: &Cell<bool>) {
    if !inside.get() || focus_is_inside(panel) || panel.has_attribute("hidden") {
        return;
    }
    for selector in NEXT_HOME {
        if let Ok(Some(el)) = panel.query_selector(selector) {
            if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
                let _ = el.focus();
                if focus_is_inside(panel) {
                    return;
                }
            }
        }
    }
}

/// Whether the shadow root's (or document's) focused element is in the
/// panel and can still be used (a disabled one cannot).
fn focus_is_inside(panel: &web_sys::Element) -> bool {
    let root = panel.get_root_node();
    let active = js_sys::Reflect::get(&root, &JsValue::from_str("activeElement")).ok();
    active
        .and_then(|a| a.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|a| panel.contains(Some(&a)) && !a.matches(":disabled").unwrap_or(false))
}
