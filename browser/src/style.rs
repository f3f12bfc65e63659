//! Stylesheets without inline styles: the widget runs on host pages whose
//! Content-Security-Policy has no `'unsafe-inline'` for styles, where a
//! `<style>` element or a `style="…"` attribute is refused. Constructed
//! stylesheets (`new CSSStyleSheet()` + `adoptedStyleSheets`) and CSSOM
//! property writes are not subject to that rule, so they are all we use.

use wasm_bindgen::{JsCast, JsValue};

/// Adds `css` to the stylesheets of the shadow root (or document) that
/// holds `node`. Browsers without constructed stylesheets (Safari before
/// 16.4) get a `<style>` element instead, which works on every page but a
/// strict-CSP one.
pub fn adopt(node: &web_sys::Node, css: &str) {
    let root = node.get_root_node();
    if adopt_constructed(&root, css).is_none() {
        fallback(&root, css);
    }
}

fn adopt_constructed(root: &web_sys::Node, css: &str) -> Option<()> {
    let global = js_sys::global();
    let ctor: js_sys::Function = js_sys::Reflect::get(&global, &"CSSStyleSheet".into()).ok()?.dyn_into().ok()?;
    let sheet = js_sys::Reflect::construct(&ctor, &js_sys::Array::new()).ok()?;
    let replace: js_sys::Function = js_sys::Reflect::get(&sheet, &"replaceSync".into()).ok()?.dyn_into().ok()?;
    replace.call1(&sheet, &JsValue::from_str(css)).ok()?;
    let key = JsValue::from_str("adoptedStyleSheets");
    let current: js_sys::Array = js_sys::Reflect::get(root, &key).ok()?.dyn_into().ok()?;
    // A fresh array: assigning is what makes the browser pick the list up.
    let next = js_sys::Array::from(&current);
    next.push(&sheet);
    js_sys::Reflect::set(root, &key, &next).ok()?;
    Some(())
}

fn fallback(root: &web_sys::Node, css: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(style) = doc.create_element("style") else { return };
    style.set_text_content(Some(css));
    let parent: Option<web_sys::Node> = match root.dyn_ref::<web_sys::Document>() {
        Some(d) => d.head().map(Into::into),
        None => Some(root.clone()),
    };
    if let Some(p) = parent {
        let _ = p.append_child(&style);
    }
}

/// Sets one CSS custom property on an element through the CSSOM (allowed
/// under a strict CSP, unlike a `style` attribute).
pub fn set_var(el: &web_sys::Element, name: &str, value: &str) {
    if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
        let _ = el.style().set_property(name, value);
    }
}
