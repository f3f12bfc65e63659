//! Replies are noticed while the panel is closed or the tab is hidden: an
//! unread badge on the loader's launcher, a preview bubble of the newest
//! message beside it, a flashing tab title, and (if the site or the page
//! asks) a short sound. Opening the panel clears them all.
//!
//! The launcher and the panel belong to `loader.js` (one shadow root); the
//! widget draws its badge into the launcher and its bubble into a layer of
//! its own in that shadow root, through yew portals.

use gloo::events::EventListener;
use gloo::timers::callback::Interval;
use porchlight_protocol::{Author, Message};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// What `loader.js` dispatches on the panel after opening or closing it.
pub const TOGGLE_EVENT: &str = "porchlight:toggle";
/// What the widget dispatches on the panel for `loader.js` to close it (the
/// header's Close button; the loader then gives focus back to the launcher).
pub const CLOSE_EVENT: &str = "porchlight:close";

/// The loader's launcher button and the widget's notification layer, both
/// in the loader's shadow root (absent when mounted anywhere else).
#[derive(Clone, PartialEq)]
pub struct Launcher {
    pub button: web_sys::HtmlElement,
    pub layer: web_sys::Element,
}

impl Launcher {
    pub fn find(panel: &web_sys::Element) -> Option<Launcher> {
        let root = panel.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok()?;
        let button = root.query_selector("button.l").ok()??.dyn_into::<web_sys::HtmlElement>().ok()?;
        let layer = web_sys::window()?.document()?.create_element("div").ok()?;
        layer.set_class_name("pl-notify");
        root.append_child(&layer).ok()?;
        Some(Launcher { button, layer })
    }

    /// The launcher's accessible name while the panel is closed.
    fn label(unread: usize) -> String {
        let s = crate::i18n::t();
        match unread {
            0 => s.open_chat.to_owned(),
            n => porchlight_protocol::i18n::count(n as u64, s.open_chat_unread_one, s.open_chat_unread_other),
        }
    }
}

/// What the badge reads: the count, "9+" past nine.
pub fn badge_text(unread: usize) -> String {
    if unread > 9 {
        "9+".to_owned()
    } else {
        unread.to_string()
    }
}

/// Whether the loader's panel is open, following its toggle event.
#[hook]
pub fn use_panel_open(panel: &web_sys::Element) -> bool {
    let is_open = |p: &web_sys::Element| p.dyn_ref::<web_sys::HtmlElement>().is_none_or(|p| !p.hidden());
    let open = use_state(|| is_open(panel));
    {
        let (open, panel) = (open.clone(), panel.clone());
        use_effect_with((), move |_| {
            let target = panel.clone();
            let listener = EventListener::new(&target, TOGGLE_EVENT, move |_| open.set(is_open(&panel)));
            move || drop(listener)
        });
    }
    *open
}

/// Whether the page is visible (its tab in front), following `visibilitychange`.
#[hook]
pub fn use_page_visible() -> bool {
    let document = web_sys::window().and_then(|w| w.document());
    let visible = |d: &web_sys::Document| d.visibility_state() == web_sys::VisibilityState::Visible;
    let state = use_state(|| document.as_ref().is_none_or(visible));
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let listener = document.map(|d| {
                let target = d.clone();
                EventListener::new(&target, "visibilitychange", move |_| state.set(visible(&d)))
            });
            move || drop(listener)
        });
    }
    *state
}

/// While the tab is hidden and messages are unread, the title alternates
/// between the page's own and "(N) New message"; it is put back as soon as
/// the visitor returns (or has seen them).
#[hook]
pub fn use_title_flash(unread: usize, page_visible: bool) {
    let original = use_mut_ref(|| None::<String>);
    use_effect_with((unread, page_visible), move |&(unread, page_visible)| {
        let document = web_sys::window().and_then(|w| w.document());
        let mut interval = None;
        if let Some(document) = document {
            if unread > 0 && !page_visible {
                let page = original.borrow_mut().get_or_insert_with(|| document.title()).clone();
                let s = crate::i18n::t();
                let flash = format!("({unread}) {}", if unread == 1 { s.new_message_one } else { s.new_message_other });
                document.set_title(&flash);
                let mut showing_flash = true;
                interval = Some(Interval::new(1_000, move || {
                    showing_flash = !showing_flash;
                    document.set_title(if showing_flash { &flash } else { &page });
                }));
            } else if let Some(page) = original.borrow_mut().take() {
                document.set_title(&page);
            }
        }
        move || drop(interval)
    });
}

/// Whether the page (`Porchlight('sound', true)`) asked for sound.
pub fn page_wants_sound() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"Porchlight".into()).ok())
        .filter(|p| p.is_object() || p.is_function())
        .and_then(|p| js_sys::Reflect::get(&p, &"sound".into()).ok())
        .and_then(|s| s.as_bool())
        .unwrap_or(false)
}

thread_local! {
    static AUDIO: std::cell::RefCell<Option<web_sys::AudioContext>> = const { std::cell::RefCell::new(None) };
}

/// A short, soft two-tone beep through WebAudio (silent where the browser
/// does not allow audio yet).
pub fn beep() {
    let played = AUDIO.with(|cell| -> Result<(), wasm_bindgen::JsValue> {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(web_sys::AudioContext::new()?);
        }
        let Some(ctx) = cell.as_ref() else {
            return Ok(());
        };
        let _ = ctx.resume();
        let now = ctx.current_time();
        for (i, freq) in [880.0_f32, 1320.0].into_iter().enumerate() {
            let start = now + 0.12 * i as f64;
            let osc = ctx.create_oscillator()?;
            let gain = ctx.create_gain()?;
            osc.frequency().set_value(freq);
            gain.gain().set_value_at_time(0.0001, start)?;
            gain.gain().exponential_ramp_to_value_at_time(0.15, start + 0.02)?;
            gain.gain().exponential_ramp_to_value_at_time(0.0001, start + 0.11)?;
            osc.connect_with_audio_node(&gain)?;
            gain.connect_with_audio_node(&ctx.destination())?;
            osc.start_with_when(start)?;
            osc.stop_with_when(start + 0.12)?;
        }
        Ok(())
    });
    if played.is_err() {
        gloo::console::debug!("porchlight: no sound (audio not available)");
    }
}

#[derive(Properties, PartialEq)]
pub struct BadgeProps {
    pub launcher: Launcher,
    /// The team's messages the visitor has not seen, oldest first.
    pub unread: Vec<Message>,
    /// The panel is open: nothing to show.
    pub open: bool,
}

/// The badge on the launcher and the preview bubble of the newest message.
#[function_component(Notifications)]
pub fn notifications(props: &BadgeProps) -> Html {
    // The preview stays away once dismissed, until a newer message comes.
    let dismissed = use_state(|| None::<porchlight_protocol::Seq>);
    let count = if props.open { 0 } else { props.unread.len() };
    {
        let button = props.launcher.button.clone();
        use_effect_with((count, props.open), move |&(count, open)| {
            if !open {
                // Like the loader: the site's visible label comes first (WCAG 2.5.3).
                let visible = button.query_selector(".t").ok().flatten().and_then(|t| t.text_content()).unwrap_or_default();
                let said = Launcher::label(count);
                let name = if visible.is_empty() { said } else { format!("{visible} ({said})") };
                let _ = button.set_attribute("aria-label", &name);
            }
        });
    }
    let newest = props.unread.last().filter(|_| !props.open);
    let preview = newest.filter(|m| Some(m.seq) != *dismissed).map(|m| {
        let who = match &m.author {
            Author::Agent { name, .. } => name.clone(),
            Author::External { .. } => m.author.external_label().unwrap_or_default(),
            _ => crate::state::bot_name().to_owned(),
        };
        let text: String = m.text.chars().take(140).collect();
        let more = if text.len() < m.text.len() { "…" } else { "" };
        let open_panel = {
            let button = props.launcher.button.clone();
            Callback::from(move |_: MouseEvent| button.click())
        };
        let dismiss = {
            let (dismissed, seq) = (dismissed.clone(), m.seq);
            Callback::from(move |_: MouseEvent| dismissed.set(Some(seq)))
        };
        html! {
            <div class="pl-preview" role="status" aria-label={crate::i18n::t().new_message_one}>
                <button type="button" class="pl-preview-open" onclick={open_panel} data-seq={m.seq.to_string()}>
                    <span class="pl-preview-who" dir="auto">{ who }</span>
                    <span class="pl-preview-text" dir="auto">{ format!("{text}{more}") }</span>
                </button>
                <button type="button" class="pl-preview-dismiss" aria-label={crate::i18n::t().dismiss} onclick={dismiss}>{ "×" }</button>
            </div>
        }
    });
    html! { <>
        if count > 0 {
            { create_portal(html! { <span class="pl-badge" aria-hidden="true">{ badge_text(count) }</span> },
                props.launcher.button.clone().into()) }
        }
        { create_portal(html! { <>{ for preview }</> }, props.launcher.layer.clone()) }
    </> }
}
