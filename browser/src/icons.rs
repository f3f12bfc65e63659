//! The apps' UI icons as inline SVG: emoji and symbol glyphs draw as empty
//! boxes on a machine without an emoji font, and an icon font or image
//! would be one more request. yew builds these as SVG elements (no
//! `innerHTML`, no `style`), so a strict CSP page draws them too. They take
//! `currentColor`, so light, dark and the accent need nothing more.
//!
//! Every icon is decoration (`aria-hidden`): the control that holds one
//! has its own accessible name. The six reactions are drawn too ([`reaction`]):
//! the emoji stays what is sent and stored, and each control is named by it.

use porchlight_protocol::Emoji;
use yew::prelude::*;

/// An icon the apps draw.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Icon {
    /// The composer's "Attach a file".
    Attach,
    /// A document (an attachment that is not an image).
    Document,
    /// A message's "⋯" actions.
    More,
    /// Cancel or close.
    Close,
    /// A private channel.
    Lock,
}

const STROKE: &str = "currentColor";

/// `which`, `size` CSS pixels square, on a 24×24 grid.
pub fn icon(which: Icon, size: u32) -> Html {
    let body = match which {
        Icon::Attach => html! { <path d="M16.5 6.5v9.25a4.5 4.5 0 0 1-9 0V5.75a3 3 0 0 1 6 0v9.5a1.5 1.5 0 0 1-3 0V7" /> },
        Icon::Document => html! { <path d="M7 3h7l5 5v13H7zM14 3v5h5" /> },
        Icon::More => html! {
            <>
                <circle cx="5" cy="12" r="1.6" fill={STROKE} />
                <circle cx="12" cy="12" r="1.6" fill={STROKE} />
                <circle cx="19" cy="12" r="1.6" fill={STROKE} />
            </>
        },
        Icon::Close => html! { <path d="M6 6l12 12M18 6L6 18" /> },
        Icon::Lock => html! { <path d="M8 11V8a4 4 0 0 1 8 0v3M6 11h12v10H6z" /> },
    };
    svg(size, body)
}

/// The rating face for `score` 1 (worst) to 5 (best): a circle, two eyes
/// and a mouth from a deep frown to a wide smile.
pub fn face(score: u8, size: u32) -> Html {
    let mouth = match score {
        1 => "M7.5 17.5Q12 12.5 16.5 17.5",
        2 => "M8 16.5Q12 14.5 16 16.5",
        3 => "M8 15.5H16",
        4 => "M8 14.5Q12 17.5 16 14.5",
        _ => "M7 13.5Q12 20 17 13.5",
    };
    svg(
        size,
        html! {
            <>
                <circle cx="12" cy="12" r="9.5" />
                <circle cx="8.8" cy="9.5" r="1.3" fill={STROKE} stroke="none" />
                <circle cx="15.2" cy="9.5" r="1.3" fill={STROKE} stroke="none" />
                <path d={mouth} />
            </>
        },
    )
}

/// The heart's and the flame's colours: at least 3:1 on the light and the
/// dark bubbles and menus (WCAG 1.4.11).
const HEART: &str = "#d62f4b";
const FLAME: &str = "#e2570c";

/// A reaction, drawn (a machine without an emoji font draws 👍 and 🔥 as
/// empty boxes): the faces like [`face`]'s, the thumb in the text's colour.
pub fn reaction(emoji: Emoji, size: u32) -> Html {
    let head = || html! { <circle cx="12" cy="12" r="9.5" /> };
    let eyes = || {
        html! {
            <>
                <circle cx="8.8" cy="9.5" r="1.3" fill={STROKE} stroke="none" />
                <circle cx="15.2" cy="9.5" r="1.3" fill={STROKE} stroke="none" />
            </>
        }
    };
    let body = match emoji {
        Emoji::ThumbsUp => {
            html! { <path d="M7 10.5V20H3.5v-9.5zM7 10.5l3.6-6.6a1.9 1.9 0 0 1 3.4 1.5l-.9 3.6h5.4a2 2 0 0 1 2 2.4l-1.3 6.6A2.4 2.4 0 0 1 16.9 20H7" /> }
        }
        Emoji::Heart => html! {
            <path d="M12 20.2S3.8 15.3 3.8 9.6A4.3 4.3 0 0 1 12 7.3a4.3 4.3 0 0 1 8.2 2.3c0 5.7-8.2 10.6-8.2 10.6z" fill={HEART} stroke={HEART} />
        },
        Emoji::Laughing => html! {
            <>
                { head() }
                <path d="M7.3 10.2q1.5-1.8 3 0M13.7 10.2q1.5-1.8 3 0" />
                <path d="M7.5 13.2h9a4.5 4.5 0 0 1-9 0z" fill={STROKE} />
            </>
        },
        Emoji::Surprised => html! { <>{ head() }{ eyes() }<circle cx="12" cy="16" r="2.2" /></> },
        Emoji::Sad => html! {
            <>
                { head() }{ eyes() }
                <path d="M8.3 16.8Q12 13.6 15.7 16.8" />
            </>
        },
        Emoji::Fire => html! {
            <path d="M12 21.5c-3.9 0-6.8-2.6-6.8-6.3 0-3.1 2.1-5 3.4-6.8.3 1.7 1.1 2.9 2.4 3.4-.1-3.2.9-6.5 3.4-9.3.3 3.2 4.4 5.8 4.4 11.2 0 4.4-2.9 7.8-6.8 7.8z"
                fill={FLAME} stroke={FLAME} />
        },
    };
    svg(size, body)
}

fn svg(size: u32, body: Html) -> Html {
    html! {
        <svg class="pl-icon" width={size.to_string()} height={size.to_string()} viewBox="0 0 24 24" fill="none" stroke={STROKE}
            stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
            { body }
        </svg>
    }
}
