//! Keeping keyboard focus in the panel when what had it disappears.
//!
//! Many of the widget's buttons replace themselves: "Talk to a person"
//! becomes the composer, "Yes, thanks" the closed notice, a conversation in
//! the list its transcript, and an agent closing the chat takes the
//! composer away mid-sentence. Browsers then drop focus to the page, and a
//! keyboard or screen-reader user has to find their way back from the top.
//! So: when focus is nowhere (the page's body) and the panel's element that
//! had it last is gone or disabled, focus moves to the panel's next
//! sensible place (the composer, else "Start a new conversation", else the
//! first control). Focus the visitor moved elsewhere on purpose (Tab out, a
//! click on the page) is left alone: then what had it is still there.

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// Where focus goes when it was lost from inside the panel, in order.
/// (The composer's or the offline form's box, not the rating's comment:
/// after a chat with a person ends, the rating's faces are home, else "Start a new conversation".)
const NEXT_HOME: &[&str] = &[
    ".pl-composer textarea:not([disabled]), .pl-offline textarea:not([disabled])",
    ".pl-rating input[type=radio]",
    ".pl-closed button:not([disabled])",
    "[data-autofocus]",
    "input:not([disabled])",
    "button:not([disabled]):not(.pl-close)",
];

type Last = Rc<RefCell<Option<web_sys::Element>>>;

/// Installs the rescue on `panel` (once) and checks after every render.
#[hook]
pub fn use_focus_rescue(panel: &web_sys::Element) {
    let last: Last = (*use_memo((), |()| Rc::new(RefCell::new(None)))).clone();
    {
        let (panel, last) = (panel.clone(), last.clone());
        use_effect_with((), move |()| {
            let on_in = {
                let last = last.clone();
                gloo::events::EventListener::new(&panel, "focusin", move |e| {
                    *last.borrow_mut() = e.target().and_then(|t| t.dyn_into().ok());
                })
            };
            // Focus leaving to nowhere: look again once the render is done.
            let on_out = {
                let (panel, last) = (panel.clone(), last.clone());
                gloo::events::EventListener::new(&panel.clone(), "focusout", move |_| {
                    let (panel, last) = (panel.clone(), last.clone());
                    gloo::timers::callback::Timeout::new(0, move || rescue(&panel, &last)).forget();
                })
            };
            move || drop((on_in, on_out))
        });
    }
    let panel = panel.clone();
    use_effect(move || rescue(&panel, &last));
}

fn rescue(panel: &web_sys::Element, last: &Last) {
    let gone = last.borrow().as_ref().is_some_and(|el| !el.is_connected() || el.matches(":disabled").unwrap_or(false));
    if !gone || !focus_is_nowhere(panel) || panel.has_attribute("hidden") {
        return;
    }
    for selector in NEXT_HOME {
        if let Ok(Some(el)) = panel.query_selector(selector) {
            if let Some(h) = el.dyn_ref::<web_sys::HtmlElement>() {
                let _ = h.focus();
                if focus_in(panel) {
                    return;
                }
            }
        }
    }
}

/// The focused element of the panel's shadow root (or document), if any.
fn active(panel: &web_sys::Element) -> Option<web_sys::Element> {
    let root = panel.get_root_node();
    js_sys::Reflect::get(&root, &JsValue::from_str("activeElement")).ok().and_then(|a| a.dyn_into::<web_sys::Element>().ok())
}

fn focus_in(panel: &web_sys::Element) -> bool {
    active(panel).is_some_and(|a| panel.contains(Some(&a)) && !a.matches(":disabled").unwrap_or(false))
}

/// Nothing usable has focus: not in the panel, and the page's focus is its
/// body (or nothing): where browsers drop it when its element goes away.
fn focus_is_nowhere(panel: &web_sys::Element) -> bool {
    if focus_in(panel) {
        return false;
    }
    let in_root = active(panel);
    if in_root.is_some() {
        // Still on a (now disabled) element of the panel.
        return in_root.is_some_and(|a| panel.contains(Some(&a)));
    }
    let doc_active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    match doc_active {
        None => true,
        // The shadow host is the page's active element while focus is
        // inside the shadow root; the body, when focus went nowhere.
        Some(a) => a.tag_name().eq_ignore_ascii_case("body"),
    }
}
