//! The widget's half of the page's JavaScript API (`Porchlight(…)`).
//!
//! `loader.js` owns the global: it queues calls, moves the launcher and the
//! panel, and keeps the page's listeners. What concerns the conversation it
//! hands to the widget as `porchlight:command` events on the panel, once the
//! widget has said it is `ready`; the widget answers with `porchlight:emit`
//! events (`ready`, `unread`, `message`), which the loader passes on to the
//! page's `Porchlight('on', …)` listeners.

use porchlight_protocol::{Author, Message};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

const COMMAND_EVENT: &str = "porchlight:command";
const EMIT_EVENT: &str = "porchlight:emit";

/// A call from the page the widget carries out.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `Porchlight('showArticle', id)`: open a help-center article in the panel.
    ShowArticle(String),
    /// `Porchlight('prefill', text)`: put text in the composer, unsent.
    Prefill(String),
    /// `Porchlight('reset')`: forget this browser's conversations and disconnect
    /// (the loader has already cleared localStorage).
    Reset,
}

impl Command {
    fn parse(cmd: &str, arg: Option<String>) -> Option<Command> {
        match (cmd, arg) {
            ("showArticle", Some(id)) if porchlight_kb::article::valid_id(&id) => Some(Command::ShowArticle(id)),
            ("prefill", Some(text)) => {
                Some(Command::Prefill(text.chars().take(porchlight_protocol::validate::MAX_MESSAGE_CHARS).collect()))
            }
            ("reset", _) => Some(Command::Reset),
            _ => None,
        }
    }
}

/// Tells the page (through the loader) that something happened.
pub fn emit(panel: &web_sys::Element, name: &str, data: JsValue) {
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &"name".into(), &name.into());
    let _ = js_sys::Reflect::set(&detail, &"data".into(), &data);
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(EMIT_EVENT, &init) {
        let _ = panel.dispatch_event(&event);
    }
}

/// What `Porchlight('on', 'message', fn)` receives for a message from the team.
pub fn message_data(m: &Message) -> JsValue {
    let (author, name) = match &m.author {
        Author::Agent { name, .. } => ("agent", name.as_str()),
        Author::External { name, .. } => ("external", name.as_str()),
        Author::Bot => ("bot", crate::state::bot_name()),
        Author::Visitor { .. } => ("visitor", ""),
        Author::System => ("system", ""),
    };
    let json = serde_json::json!({ "seq": m.seq.0, "text": m.text, "author": author, "name": name, "at": m.at });
    js_sys::JSON::parse(&json.to_string()).unwrap_or(JsValue::NULL)
}

/// Listens for the page's commands (always through the newest `on_command`),
/// then says `ready`: the loader sends what it queued only after that.
#[hook]
pub fn use_page_commands(panel: &web_sys::Element, on_command: Callback<Command>) {
    let latest = use_mut_ref(|| on_command.clone());
    *latest.borrow_mut() = on_command;
    let panel = panel.clone();
    use_effect_with((), move |_| {
        let latest: Rc<RefCell<Callback<Command>>> = latest;
        let listener = gloo::events::EventListener::new(&panel, COMMAND_EVENT, move |event| {
            let Some(detail) = event.dyn_ref::<web_sys::CustomEvent>().map(|e| e.detail()) else { return };
            let field = |k: &str| js_sys::Reflect::get(&detail, &k.into()).ok().and_then(|v| v.as_string());
            if let Some(command) = field("cmd").and_then(|cmd| Command::parse(&cmd, field("arg"))) {
                latest.borrow().emit(command);
            }
        });
        emit(&panel, "ready", JsValue::UNDEFINED);
        move || drop(listener)
    });
}
