//! The conversation: status line, message log, outbox and composer.

use crate::state::Widget;
use porchlight_browser::Conn;
use porchlight_protocol::{validate, Author, Status};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub widget: UseReducerHandle<Widget>,
    pub on_send: Callback<String>,
}

#[function_component(Conversation)]
pub fn conversation(props: &Props) -> Html {
    let w = &props.widget;
    let t = &w.transcript;
    let closed = w.status() == Some(Status::Closed);
    let log = use_node_ref();

    // Keep the newest message in view.
    {
        let log = log.clone();
        use_effect_with((t.len(), t.outbox.len()), move |_| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    let status_line = match (w.conn, t.session.as_ref()) {
        (Conn::Refused, _) => "This chat can no longer be opened here.".to_owned(),
        (Conn::Reconnecting, _) => "Reconnecting…".to_owned(),
        (_, None) => "Connecting…".to_owned(),
        (_, Some(s)) => match (s.status, &s.agent) {
            (Status::Waiting, _) => "Waiting for an agent — write your question meanwhile.".to_owned(),
            (Status::Active, Some(a)) => format!("You're chatting with {}", a.name),
            (Status::Active, None) => "An agent is with you".to_owned(),
            (Status::Closed, _) => "This conversation has ended.".to_owned(),
        },
    };

    html! {
        <div class="pl-conversation">
            <div class="pl-status" aria-live="polite">{ status_line }</div>
            <div class="pl-log" role="log" aria-label="Messages" ref={log}>
                { for t.messages().map(|m| {
                    let (class, who) = match &m.author {
                        Author::Visitor { .. } => ("pl-msg pl-mine", None),
                        Author::Agent { name, .. } => ("pl-msg pl-theirs", Some(name.clone())),
                        Author::System => ("pl-msg pl-system", None),
                    };
                    html! {
                        <div {class} data-seq={m.seq.to_string()}>
                            if let Some(who) = who { <div class="pl-who">{ who }</div> }
                            <div class="pl-text">{ &m.text }</div>
                        </div>
                    }
                }) }
                { for t.outbox.iter().map(|p| html! {
                    <div class="pl-msg pl-mine pl-pending">
                        <div class="pl-text">{ &p.text }</div>
                        <div class="pl-meta">{ p.error.clone().unwrap_or_else(|| "Sending…".into()) }</div>
                    </div>
                }) }
            </div>
            if let Some(notice) = &t.notice {
                <p class="pl-error" role="alert">{ notice }</p>
            }
            if closed {
                <p class="pl-closed" role="status">{ "This conversation has ended. No more messages can be sent." }</p>
            }
            <Composer disabled={closed || w.conn == Conn::Refused} on_send={props.on_send.clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ComposerProps {
    disabled: bool,
    on_send: Callback<String>,
}

#[function_component(Composer)]
fn composer(props: &ComposerProps) -> Html {
    let input = use_node_ref();
    let send = {
        let (input, on_send) = (input.clone(), props.on_send.clone());
        move || {
            let Some(el) = input.cast::<HtmlTextAreaElement>() else { return };
            let text = el.value();
            if text.trim().is_empty() {
                return;
            }
            el.set_value("");
            on_send.emit(text);
        }
    };
    let onkeydown = {
        let send = send.clone();
        Callback::from(move |e: KeyboardEvent| {
            // Enter sends; Shift+Enter is a new line; never mid-IME-composition.
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                send();
            }
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        send();
    });
    let placeholder = if props.disabled { "No more messages can be sent" } else { "Type a message…" };
    html! {
        <form class="pl-composer" {onsubmit}>
            <textarea ref={input} aria-label="Message" rows="2" {placeholder} disabled={props.disabled}
                maxlength={validate::MAX_MESSAGE_CHARS.to_string()} {onkeydown} />
            <button type="submit" class="pl-primary" disabled={props.disabled}>{ "Send" }</button>
        </form>
    }
}
