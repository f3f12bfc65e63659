//! The apps' UI icons as inline SVG: emoji and symbol glyphs draw as empty
//! boxes on a machine without an emoji font, and an icon font or image
//! would be one more request. yew builds these as SVG elements (no
//! `innerHTML`, no `style`), so a strict CSP page draws them too. They take
//! `currentColor`, so light, dark and the accent need nothing more.
//!
//! Every icon is decoration (`aria-hidden`): the control that holds one
//! has its own accessible name. The six reactions stay emoji: they are what
//! people send one another (like text), and each has an `aria-label`.

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

fn svg(size: u32, body: Html) -> Html {
    html! {
        <svg class="pl-icon" width={size.to_string()} height={size.to_string()} viewBox="0 0 24 24" fill="none" stroke={STROKE}
            stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
            { body }
        </svg>
    }
}
