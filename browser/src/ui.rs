//! The parts of a message that the widget and the console render alike:
//! the text (with `dir="auto"` and clickable web links), the quote of a
//! reply, the reaction chips, the message's "⋯" menu (react, reply, edit,
//! delete, which asks first, here) and the composer's banner while replying
//! or editing; and the keyboard and dismissal of popup menus, which the
//! console's "More" menu uses too. Each app keeps its own layout and styles
//! the `pl-` classes.
//!
//! Everything shown here came from a participant, so it is only ever text
//! (links are elements built from [`porchlight_protocol::links`], never HTML).

use crate::icons::{icon, reaction, Icon};
use porchlight_protocol::i18n::{fill, Lang, Strings};
use porchlight_protocol::links::{self, Piece};
use porchlight_protocol::notice::Reader;
use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{Author, Emoji, Message, Participant, Seq};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

/// The styles of everything here; each app puts it in a `<style>`.
pub const STYLE: &str = include_str!("ui.css");

thread_local! {
    /// The words of these parts: English for the console, the visitor's
    /// language in the widget ([`set_strings`]).
    static STRINGS: std::cell::Cell<&'static Strings> = std::cell::Cell::new(Lang::En.strings());
    /// Whose system lines these are: the team's (English, third person)
    /// until the widget says the visitor reads them.
    static READER: std::cell::Cell<(Lang, Reader)> = const { std::cell::Cell::new((Lang::En, Reader::Team)) };
}

/// Draws these parts in `lang` for the visitor (the widget, once it knows
/// their language): system lines too, where they are "you".
pub fn set_strings(lang: Lang) {
    STRINGS.with(|s| s.set(lang.strings()));
    READER.with(|r| r.set((lang, Reader::Visitor)));
}

/// A message's words as this app's reader sees them: a system line's
/// notice worded in their language, else the stored text.
pub fn words_of(message: &Message) -> String {
    let (lang, reader) = READER.with(std::cell::Cell::get);
    porchlight_protocol::notice::line(message, lang, reader)
}

pub(crate) fn words() -> &'static Strings {
    STRINGS.with(std::cell::Cell::get)
}

/// Whether these parts speak English (the console, or an English
/// visitor): then the edge's own, more precise `message` is shown.
pub(crate) fn english() -> bool {
    std::ptr::eq(words(), Lang::En.strings())
}

/// What the composer is doing: a new message, a reply, or an edit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compose {
    #[default]
    New,
    Reply(Seq),
    Edit(Seq),
}

/// What a person did to a message through its actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageAction {
    React(Emoji, bool),
    Reply,
    Edit,
    Delete,
}

/// The quoted message above a reply, or nothing.
pub fn quote(transcript: &Transcript, message: &Message) -> Html {
    let Some(q) = &message.reply_to else { return html! {} };
    html! {
        <blockquote class="pl-quote" data-quote={q.seq.to_string()} dir="auto">
            <span class="pl-quote-who">{ &q.author }</span>
            <span class="pl-quote-text">{ transcript.quote_text(q) }</span>
        </blockquote>
    }
}

/// The message's text, or a marker where a deleted one was. `dir="auto"`
/// lets Arabic or Hebrew read right to left; web links are clickable.
pub fn text(message: &Message, class: &'static str) -> Html {
    if message.deleted {
        html! { <div class={classes!(class, "pl-deleted")}>{ words().message_deleted }</div> }
    } else if let Some(card) = &message.card {
        order_card(card)
    } else {
        html! { <div {class} dir="auto">{ linked(&words_of(message)) }</div> }
    }
}

/// An order card from the site's backend: order id, status, items and
/// total, and its link (http/https only, checked at the edge) as an
/// element. Updated in place, so the status is one live region.
pub fn order_card(card: &porchlight_protocol::order_card::OrderCard) -> Html {
    let items = card.items.map(|n| porchlight_protocol::i18n::count(u64::from(n), words().card_items_one, words().card_items_other));
    let meta = [items, card.total.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let label = fill(words().card_order, &[("id", &card.order_id)]);
    html! {
        <div class="pl-card" role="group" aria-label={label.clone()} data-order={card.order_id.clone()}>
            <div class="pl-card-head">
                <span class="pl-card-id" dir="auto">{ label }</span>
                <span class="pl-card-status" dir="auto">{ &card.status }</span>
            </div>
            if !meta.is_empty() { <div class="pl-card-meta" dir="auto">{ meta }</div> }
            if let Some(url) = &card.url {
                <a class="pl-link pl-card-link" href={url.clone()} target="_blank" rel="noopener noreferrer nofollow">{ words().card_view }</a>
            }
        </div>
    }
}

/// `text` with its `http`/`https` links ([`links::split`]) as anchors that
/// open in a new tab and pass the opener, the referrer and no ranking on.
/// Built as elements: the text is never parsed as HTML.
pub fn linked(text: &str) -> Html {
    links::split(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) => html! { { t } },
            Piece::Link(url) => html! {
                <a class="pl-link" href={url.to_owned()} target="_blank" rel="noopener noreferrer nofollow">{ url }</a>
            },
        })
        .collect()
}

/// " (edited)" for the meta line of an edited message.
pub fn edited(message: &Message) -> &'static str {
    if message.edited_at.is_some() && !message.deleted {
        words().edited
    } else {
        ""
    }
}

/// Who may be shown doing what to a message.
#[derive(Properties, PartialEq)]
pub struct ToolsProps {
    pub message: Message,
    /// The viewer, to show which reactions are theirs.
    pub me: Participant,
    /// The viewer wrote it (so may edit and delete it).
    pub mine: bool,
    /// The session is open to changes and the viewer may make them.
    pub enabled: bool,
    /// Whether a reply may quote this message (not for notes or notices).
    #[prop_or(true)]
    pub quotable: bool,
    pub on_action: Callback<MessageAction>,
}

/// What the message's "⋯" shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Popup {
    Closed,
    Menu,
    /// "Delete this message for everyone?", asked here, not by the page.
    ConfirmDelete,
}

/// Reaction chips (a click adds or takes back one's own) and one "⋯"
/// button that opens the message's menu: a reaction, Reply, Edit, Delete.
/// The button takes no room in the bubble: it floats on its corner, shown
/// on hover or focus (always on touch screens).
#[function_component(MessageTools)]
pub fn message_tools(props: &ToolsProps) -> Html {
    let popup = use_state(|| Popup::Closed);
    let placement = use_state(|| "");
    let trigger = use_node_ref();
    let panel = use_node_ref();
    let root = use_node_ref();
    let close = close_popup(popup.clone(), trigger.clone());
    use_focus_first(panel.clone(), *popup as u8);
    use_outside_press(root.clone(), *popup != Popup::Closed, {
        let popup = popup.clone();
        Callback::from(move |()| popup.set(Popup::Closed))
    });
    let m = &props.message;
    if m.deleted || m.author == Author::System {
        return html! {};
    }
    let act = |a: MessageAction| {
        let (on_action, close) = (props.on_action.clone(), close.clone());
        Callback::from(move |_: MouseEvent| {
            // Reply and Edit move focus to the composer; the rest back to "⋯".
            close.emit(matches!(a, MessageAction::React(..)));
            on_action.emit(a);
        })
    };
    let chips = m.reactions.iter().map(|r| {
        let mine = r.by.contains(&props.me);
        let names: Vec<String> =
            r.by.iter()
                .map(|p| match p {
                    Participant::Visitor if *p == props.me => words().you.to_owned(),
                    Participant::Visitor => words().visitor.to_owned(),
                    Participant::Agent { name, .. } if *p == props.me => format!("{} ({name})", words().you),
                    Participant::Agent { name, .. } => name.clone(),
                })
                .collect();
        let label = fill(words().reacted, &[("n", &r.by.len().to_string()), ("emoji", r.emoji.name()), ("names", &names.join(", "))]);
        html! {
            <button type="button" class={classes!("pl-chip", mine.then_some("pl-chip-mine"))} title={label.clone()}
                aria-label={label} aria-pressed={mine.to_string()} data-emoji={r.emoji.name()} disabled={!props.enabled}
                onclick={act(MessageAction::React(r.emoji, !mine))}>
                { reaction(r.emoji, 16) }<span class="pl-chip-n">{ r.by.len() }</span>
            </button>
        }
    });
    let toggle = {
        let (popup, placement, trigger) = (popup.clone(), placement.clone(), trigger.clone());
        Callback::from(move |_: MouseEvent| {
            if *popup == Popup::Closed {
                placement.set(trigger.cast::<Element>().map(|t| place(&t)).unwrap_or(""));
                popup.set(Popup::Menu);
            } else {
                popup.set(Popup::Closed);
            }
        })
    };
    let ask_delete = {
        let popup = popup.clone();
        Callback::from(move |_: MouseEvent| popup.set(Popup::ConfirmDelete))
    };
    let cancel = {
        let close = close.clone();
        Callback::from(move |_: MouseEvent| close.emit(true))
    };
    let escape = {
        let close = close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                e.stop_propagation();
                close.emit(true);
            }
        })
    };
    let open = *popup != Popup::Closed;
    html! {
        <div class="pl-tools">
            if !m.reactions.is_empty() {
                <div class="pl-reactions" aria-label={words().reactions}>{ for chips }</div>
            }
            if props.enabled {
                <div class={classes!("pl-more-wrap", open.then_some("pl-open"))} ref={root}>
                    <button type="button" class="pl-more" ref={trigger} aria-label={words().message_actions} title={words().message_actions}
                        aria-haspopup="menu" aria-expanded={(*popup == Popup::Menu).to_string()} onclick={toggle}>{ icon(Icon::More, 18) }</button>
                    if *popup == Popup::Menu {
                        <div class={classes!("pl-menu", *placement)} role="menu" aria-label={words().message_actions} ref={panel.clone()}
                            onkeydown={menu_keys(panel.clone(), close.clone())}>
                            <div class="pl-menu-emoji" role="group" aria-label={words().react}>
                                { for Emoji::ALL.iter().map(|e| {
                                    let on = !m.reactions.iter().any(|r| r.emoji == *e && r.by.contains(&props.me));
                                    html! { <button type="button" role="menuitemcheckbox" class="pl-pick" aria-label={e.name()} title={e.name()} data-emoji={e.name()}
                                        aria-checked={(!on).to_string()} onclick={act(MessageAction::React(*e, on))}>{ reaction(*e, 22) }</button> }
                                }) }
                            </div>
                            if props.quotable {
                                <button type="button" role="menuitem" class="pl-item" onclick={act(MessageAction::Reply)}>{ words().reply }</button>
                            }
                            if props.mine {
                                <button type="button" role="menuitem" class="pl-item" onclick={act(MessageAction::Edit)}>{ words().edit }</button>
                                <button type="button" role="menuitem" class="pl-item pl-item-danger" onclick={ask_delete}>{ words().delete }</button>
                            }
                        </div>
                    }
                    if *popup == Popup::ConfirmDelete {
                        <div class={classes!("pl-menu", "pl-confirm", *placement)} role="alertdialog" aria-label={words().delete_title}
                            aria-describedby={format!("pl-confirm-{}", m.seq)} ref={panel.clone()} onkeydown={escape}>
                            <p id={format!("pl-confirm-{}", m.seq)}>{ words().delete_confirm }</p>
                            <div class="pl-confirm-actions">
                                <button type="button" class="pl-item" onclick={cancel}>{ words().cancel }</button>
                                <button type="button" class="pl-item pl-item-danger" onclick={act(MessageAction::Delete)}>{ words().yes_delete }</button>
                            </div>
                        </div>
                    }
                </div>
            }
        </div>
    }
}

/// A callback that closes a popup; `true` returns focus to its trigger
/// (Escape, or a choice that leaves focus nowhere else).
pub fn close_popup<T: ClosedValue + 'static>(state: UseStateHandle<T>, trigger: NodeRef) -> Callback<bool> {
    Callback::from(move |refocus: bool| {
        state.set(T::CLOSED);
        if refocus {
            if let Some(t) = trigger.cast::<HtmlElement>() {
                let _ = t.focus();
            }
        }
    })
}

/// The state of a popup that is closed.
pub trait ClosedValue {
    const CLOSED: Self;
}

impl ClosedValue for Popup {
    const CLOSED: Popup = Popup::Closed;
}

impl ClosedValue for bool {
    const CLOSED: bool = false;
}

/// Keyboard inside an open menu (the WAI-ARIA menu button pattern): the
/// arrow keys move between its items (wrapping), Home and End jump, Escape
/// closes it and puts focus back on its button, Tab closes it and moves on.
pub fn menu_keys(menu: NodeRef, close: Callback<bool>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        let Some(root) = menu.cast::<Element>() else { return };
        let items = menu_items(&root);
        if items.is_empty() {
            return;
        }
        let focused = e.composed_path().get(0);
        let current = items.iter().position(|i| JsValue::from(i.clone()) == focused);
        let last = items.len() - 1;
        let next = match e.key().as_str() {
            "ArrowDown" | "ArrowRight" => current.map_or(0, |i| if i == last { 0 } else { i + 1 }),
            "ArrowUp" | "ArrowLeft" => current.map_or(last, |i| if i == 0 { last } else { i - 1 }),
            "Home" => 0,
            "End" => last,
            "Escape" => {
                e.prevent_default();
                e.stop_propagation();
                close.emit(true);
                return;
            }
            "Tab" => {
                close.emit(false);
                return;
            }
            _ => return,
        };
        e.prevent_default();
        let _ = items[next].focus();
    })
}

fn menu_items(root: &Element) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all("[role^=menuitem]:not([disabled])") else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<HtmlElement>().ok()).collect()
}

/// Moves focus into a popup when it opens or changes (`key`: 0 = closed):
/// to its first menu item, or its first button.
#[hook]
pub fn use_focus_first(panel: NodeRef, key: u8) {
    use_effect_with(key, move |key| {
        if *key != 0 {
            if let Some(root) = panel.cast::<Element>() {
                let first = menu_items(&root).into_iter().next().or_else(|| {
                    root.query_selector("button:not([disabled])").ok().flatten().and_then(|b| b.dyn_into::<HtmlElement>().ok())
                });
                if let Some(first) = first {
                    let _ = first.focus();
                }
            }
        }
    });
}

/// Calls `on_outside` for a press anywhere outside `root` while `open`
/// (looking through shadow roots, so it works inside the widget too).
#[hook]
pub fn use_outside_press(root: NodeRef, open: bool, on_outside: Callback<()>) {
    use_effect_with(open, move |open| {
        let listener = open.then(|| web_sys::window().and_then(|w| w.document())).flatten().map(|doc| {
            gloo::events::EventListener::new(&doc, "pointerdown", move |e| {
                let Some(root) = root.get() else { return };
                let root = JsValue::from(root);
                if !e.composed_path().iter().any(|n| n == root) {
                    on_outside.emit(());
                }
            })
        });
        move || drop(listener)
    });
}

/// Which way a popup opens from `trigger` so it stays inside the message
/// log (or the window): up when there is more room above, and from the
/// trigger's left edge when a right-aligned one would leave the box.
pub fn place(trigger: &Element) -> &'static str {
    let r = trigger.get_bounding_client_rect();
    let (top, bottom, left) = match trigger.closest("[role=log]").ok().flatten() {
        Some(b) => {
            let b = b.get_bounding_client_rect();
            (b.top(), b.bottom(), b.left())
        }
        None => {
            let w = web_sys::window();
            let h = w.as_ref().and_then(|w| w.inner_height().ok()).and_then(|v| v.as_f64()).unwrap_or(800.0);
            (0.0, h, 0.0)
        }
    };
    let (below, above) = (bottom - r.bottom(), r.top() - top);
    let up = below < POPUP_HEIGHT && above > below;
    let start = r.right() - left < POPUP_WIDTH;
    match (up, start) {
        (true, true) => "pl-menu-up pl-menu-start",
        (true, false) => "pl-menu-up",
        (false, true) => "pl-menu-start",
        (false, false) => "",
    }
}

/// Room a popup needs (CSS pixels), about the message menu's size.
const POPUP_HEIGHT: f64 = 190.0;
const POPUP_WIDTH: f64 = 230.0;

/// Above the composer while replying or editing: what, and a way out.
pub fn compose_banner(transcript: &Transcript, mode: Compose, on_cancel: Callback<MouseEvent>) -> Html {
    let label = match mode {
        Compose::New => return html! {},
        Compose::Reply(seq) => match transcript.get(seq) {
            Some(m) => {
                let text: String = m.text.chars().take(80).collect();
                fill(words().replying_to, &[("name", author_label(&m.author)), ("text", &text)])
            }
            None => words().replying.to_owned(),
        },
        Compose::Edit(_) => words().editing.to_owned(),
    };
    html! {
        <div class="pl-compose-mode" role="status">
            <span>{ label }</span>
            <button type="button" class="pl-act" aria-label={words().cancel} onclick={on_cancel}>{ icon(Icon::Close, 14) }</button>
        </div>
    }
}

fn author_label(author: &Author) -> &str {
    match author {
        Author::Visitor { name } | Author::Agent { name, .. } | Author::External { name, .. } => name,
        Author::Bot => words().the_assistant,
        Author::System => "Porchlight",
    }
}
