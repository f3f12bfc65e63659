//! "How was this conversation?": once a conversation with a person has
//! ended, five faces with their names (a native radio group: Tab to it,
//! arrows to choose), an optional comment once a face is chosen, and "Send rating". Once the
//! edge answers `rated`, a thank-you in its place. The rules are
//! `porchlight_protocol::csat`.

use crate::i18n::t;
use porchlight_browser::icons::face;
use porchlight_protocol::csat::{Rating, MAX_COMMENT_CHARS, SCALE};
use porchlight_protocol::i18n::fill;
use porchlight_protocol::VisitorFrame;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// How long "Send rating" stays disabled waiting for the edge's `rated`.
const RETRY_MS: u32 = 5_000;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The rating already given, if any.
    pub rating: Option<Rating>,
    pub on_frame: Callback<VisitorFrame>,
}

#[function_component(RateConversation)]
pub fn rate_conversation(props: &Props) -> Html {
    let score = use_state(|| None::<u8>);
    let comment = use_node_ref();
    let error = use_state(|| None::<&'static str>);
    let sent = use_state(|| false);
    {
        // A frame lost to a dropped connection must not leave the form
        // disabled: without `rated` in a few seconds, it can be sent again.
        let sent = sent.clone();
        use_effect_with(*sent, move |waiting| {
            let timer = waiting.then(|| gloo::timers::callback::Timeout::new(RETRY_MS, move || sent.set(false)));
            move || drop(timer)
        });
    }
    if let Some(r) = &props.rating {
        return html! {
            <div class="pl-rating pl-rated" role="status">
                <p>{ t().rate_thanks }</p>
                <p>{ face(r.score, 20) }{ " " }{ fill(t().rate_given, &[("label", t().rating(r.score))]) }</p>
            </div>
        };
    }
    let onsubmit = {
        let (score, comment, error, sent, on_frame) = (score.clone(), comment.clone(), error.clone(), sent.clone(), props.on_frame.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(s) = *score else {
                error.set(Some(t().rate_pick_first));
                return;
            };
            let text = comment.cast::<HtmlTextAreaElement>().map(|t| t.value()).unwrap_or_default();
            let text = text.trim();
            error.set(None);
            sent.set(true);
            on_frame.emit(VisitorFrame::Rate { score: s, comment: (!text.is_empty()).then(|| text.to_owned()) });
        })
    };
    html! {
        <form class="pl-rating" {onsubmit} novalidate=true aria-label={t().rate_question}>
            <fieldset class="pl-faces">
                <legend>{ t().rate_question }</legend>
                { for SCALE.iter().map(|&(s, _, _)| {
                    let label = t().rating(s);
                    let onchange = { let score = score.clone(); Callback::from(move |e: Event| {
                        if e.target_unchecked_into::<HtmlInputElement>().checked() { score.set(Some(s)); }
                    }) };
                    html! {
                        <label class="pl-face">
                            <input type="radio" name="pl-rating" value={s.to_string()} checked={*score == Some(s)} {onchange} />
                            <span class="pl-face-box"><span class="pl-face-emoji">{ face(s, 26) }</span>
                                <span class="pl-face-label">{ label }</span></span>
                        </label>
                    }
                }) }
            </fieldset>
            // The comment once a face is chosen: until then the card stays
            // short enough to show whole in a small window.
            if score.is_some() {
                <label class="pl-field">
                    <span>{ t().rate_comment }</span>
                    <textarea ref={comment} rows="2" maxlength={MAX_COMMENT_CHARS.to_string()} />
                </label>
            }
            if let Some(err) = *error {
                <p class="pl-error" role="alert">{ err }</p>
            }
            <button type="submit" class="pl-secondary" disabled={*sent}>{ t().rate_send }</button>
        </form>
    }
}
