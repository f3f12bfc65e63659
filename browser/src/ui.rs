//! The parts of a message that the widget and the console render alike:
//! the quote of a reply, the reaction chips, the message's own actions
//! (react, reply, edit, delete) and the composer's banner while replying
//! or editing. Each app keeps its own layout and styles the `pl-` classes.
//!
//! Everything shown here came from a participant, so it is only ever text.

use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{Author, Emoji, Message, Participant, Seq};
use yew::prelude::*;

/// The styles of everything here; each app puts it in a `<style>`.
pub const STYLE: &str = include_str!("ui.css");

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
        <blockquote class="pl-quote" data-quote={q.seq.to_string()}>
            <span class="pl-quote-who">{ &q.author }</span>
            <span class="pl-quote-text">{ transcript.quote_text(q) }</span>
        </blockquote>
    }
}

/// The message's text, or a marker where a deleted one was.
pub fn text(message: &Message, class: &'static str) -> Html {
    if message.deleted {
        html! { <div class={classes!(class, "pl-deleted")}>{ "Message deleted" }</div> }
    } else {
        html! { <div {class}>{ &message.text }</div> }
    }
}

/// " (edited)" for the meta line of an edited message.
pub fn edited(message: &Message) -> &'static str {
    if message.edited_at.is_some() && !message.deleted {
        " (edited)"
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

/// Reaction chips (a click adds or takes back one's own) and the actions.
#[function_component(MessageTools)]
pub fn message_tools(props: &ToolsProps) -> Html {
    let picking = use_state(|| false);
    let m = &props.message;
    if m.deleted || m.author == Author::System {
        return html! {};
    }
    let act = |a: MessageAction| {
        let (on_action, picking) = (props.on_action.clone(), picking.clone());
        Callback::from(move |_: MouseEvent| {
            picking.set(false);
            // Deleting cannot be undone: ask first, as people expect.
            let sure = a != MessageAction::Delete
                || web_sys::window().and_then(|w| w.confirm_with_message("Delete this message for everyone?").ok()).unwrap_or(false);
            if sure {
                on_action.emit(a);
            }
        })
    };
    let chips = m.reactions.iter().map(|r| {
        let mine = r.by.contains(&props.me);
        let names: Vec<String> = r
            .by
            .iter()
            .map(|p| match p {
                Participant::Visitor if *p == props.me => "You".to_owned(),
                Participant::Visitor => "Visitor".to_owned(),
                Participant::Agent { name, .. } if *p == props.me => format!("You ({name})"),
                Participant::Agent { name, .. } => name.clone(),
            })
            .collect();
        let label = format!("{} {} by {}", r.by.len(), r.emoji.name(), names.join(", "));
        html! {
            <button type="button" class={classes!("pl-chip", mine.then_some("pl-chip-mine"))} title={label.clone()}
                aria-label={label} aria-pressed={mine.to_string()} data-emoji={r.emoji.name()} disabled={!props.enabled}
                onclick={act(MessageAction::React(r.emoji, !mine))}>
                { r.emoji.glyph() }<span class="pl-chip-n">{ r.by.len() }</span>
            </button>
        }
    });
    html! {
        <div class="pl-tools">
            if !m.reactions.is_empty() {
                <div class="pl-reactions" aria-label="Reactions">{ for chips }</div>
            }
            if props.enabled {
                <div class="pl-actions">
                    <button type="button" class="pl-act" aria-label="React" aria-expanded={picking.to_string()}
                        onclick={{ let p = picking.clone(); Callback::from(move |_| p.set(!*p)) }}>{ "☺︎ React" }</button>
                    if props.quotable {
                        <button type="button" class="pl-act" onclick={act(MessageAction::Reply)}>{ "Reply" }</button>
                    }
                    if props.mine {
                        <button type="button" class="pl-act" onclick={act(MessageAction::Edit)}>{ "Edit" }</button>
                        <button type="button" class="pl-act" onclick={act(MessageAction::Delete)}>{ "Delete" }</button>
                    }
                </div>
                if *picking {
                    <div class="pl-picker" role="group" aria-label="Pick a reaction">
                        { for Emoji::ALL.iter().map(|e| {
                            let on = !m.reactions.iter().any(|r| r.emoji == *e && r.by.contains(&props.me));
                            html! { <button type="button" class="pl-pick" aria-label={e.name()} title={e.name()}
                                onclick={act(MessageAction::React(*e, on))}>{ e.glyph() }</button> }
                        }) }
                    </div>
                }
            }
        </div>
    }
}

/// Above the composer while replying or editing: what, and a way out.
pub fn compose_banner(transcript: &Transcript, mode: Compose, on_cancel: Callback<MouseEvent>) -> Html {
    let label = match mode {
        Compose::New => return html! {},
        Compose::Reply(seq) => match transcript.get(seq) {
            Some(m) => format!("Replying to {}: {}", author_label(&m.author), m.text.chars().take(80).collect::<String>()),
            None => "Replying".to_owned(),
        },
        Compose::Edit(_) => "Editing your message".to_owned(),
    };
    html! {
        <div class="pl-compose-mode" role="status">
            <span>{ label }</span>
            <button type="button" class="pl-act" aria-label="Cancel" onclick={on_cancel}>{ "✕" }</button>
        </div>
    }
}

fn author_label(author: &Author) -> &str {
    match author {
        Author::Visitor { name } | Author::Agent { name, .. } => name,
        Author::Bot => "the assistant",
        Author::System => "Porchlight",
    }
}
