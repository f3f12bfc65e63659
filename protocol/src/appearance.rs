//! How a site's widget looks and where it sits: the launcher's placement
//! and label, the header's text, the colour scheme, the text colour that
//! reads on the accent, and agents' initials avatars. Checked once when
//! `SITES` is read; the edge serves the resolved values in the widget
//! config, so the loader and the widget apply them without deciding anything.

use serde::{Deserialize, Serialize};

/// The accent used when a site sets none (or an unusable one).
pub const DEFAULT_ACCENT: &str = "#2f6f4e";
/// The launcher's distance from the window's corner when a site sets none.
pub const DEFAULT_OFFSET_PX: u16 = 20;
/// Offsets past this would push the launcher off small screens.
pub const MAX_OFFSET_PX: u16 = 200;
/// A label beside the icon, not a sentence.
pub const MAX_LABEL_CHARS: usize = 40;
/// Header lines are one line each in a 380 px panel.
pub const MAX_HEADER_CHARS: usize = 80;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    #[default]
    Right,
    Left,
}

/// `auto` follows the visitor's `prefers-color-scheme`; a site may force either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorScheme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl ColorScheme {
    pub fn is_auto(&self) -> bool {
        *self == ColorScheme::Auto
    }
}

/// Where the launcher sits and what it says, as configured and as served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Launcher {
    #[serde(default)]
    pub position: Side,
    /// Pixels from the window's side edge.
    #[serde(default = "default_offset")]
    pub offset_x: u16,
    /// Pixels from the window's bottom edge.
    #[serde(default = "default_offset")]
    pub offset_y: u16,
    /// Text beside the icon ("Chat with us"); none shows the icon alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// One of the built-in icons (never a URL: a strict CSP would refuse
    /// an image from elsewhere, and the launcher draws before any fetch).
    #[serde(default, skip_serializing_if = "LauncherIcon::is_default")]
    pub icon: LauncherIcon,
}

/// The launcher's built-in icons, drawn by the loader as inline SVG paths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LauncherIcon {
    /// A speech bubble.
    #[default]
    Chat,
    /// A question mark in a circle.
    Help,
    /// An envelope.
    Message,
}

impl LauncherIcon {
    pub fn is_default(&self) -> bool {
        *self == LauncherIcon::Chat
    }
}

fn default_offset() -> u16 {
    DEFAULT_OFFSET_PX
}

impl Default for Launcher {
    fn default() -> Self {
        Launcher { position: Side::Right, offset_x: DEFAULT_OFFSET_PX, offset_y: DEFAULT_OFFSET_PX, label: None, icon: LauncherIcon::Chat }
    }
}

impl Launcher {
    pub fn is_default(&self) -> bool {
        *self == Launcher::default()
    }

    /// The launcher as served: offsets clamped, a blank label dropped, a long one cut.
    pub fn resolved(&self) -> Launcher {
        Launcher {
            position: self.position,
            offset_x: self.offset_x.min(MAX_OFFSET_PX),
            offset_y: self.offset_y.min(MAX_OFFSET_PX),
            label: self.label.as_deref().map(|l| one_line(l, MAX_LABEL_CHARS)).filter(|l| !l.is_empty()),
            icon: self.icon,
        }
    }
}

/// Collapses whitespace (a header or label is one line) and cuts at `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(max).collect()
}

/// A plain `#rgb` or `#rrggbb` colour, as a style attribute may carry it.
pub fn is_hex_color(c: &str) -> bool {
    let hex = c.strip_prefix('#').unwrap_or("");
    (hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `c` when it is a usable colour, else the default accent.
pub fn accent_or_default(c: &str) -> &str {
    if is_hex_color(c) {
        c
    } else {
        DEFAULT_ACCENT
    }
}

/// White or near-black, whichever contrasts more with the accent: the one
/// rule of [`crate::colors`], which the loader's launcher icon follows too.
pub fn text_on(accent: &str) -> &'static str {
    crate::colors::text_on(accent)
}

/// Up to two initials from a display name ("Ava Lind" → "AL", "ben" → "B").
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().filter(|w| w.chars().next().is_some_and(char::is_alphanumeric)).collect();
    let first = |w: &str| w.chars().next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    match words.as_slice() {
        [] => "?".to_owned(),
        [one] => first(one),
        [a, .., b] => format!("{}{}", first(a), first(b)),
    }
}

/// The avatar colours, each at least 4.5:1 against white initials. The
/// widget's stylesheet has one class per entry (`pl-avatar-0` …), so the
/// colour needs no inline style (a strict CSP refuses those).
pub const AVATAR_PALETTE: [&str; 8] = ["#1f6f8b", "#8a3b12", "#5b3f99", "#2f6f4e", "#a12a5e", "#3d5a80", "#7a5c00", "#1e6b5c"];

/// Which of [`AVATAR_PALETTE`] an agent's avatar wears, from their id (not
/// their name, which they may change).
pub fn avatar_index(agent_id: &str) -> usize {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = agent_id.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    (hash % AVATAR_PALETTE.len() as u32) as usize
}

/// A stable colour for an agent's avatar (see [`avatar_index`]).
pub fn avatar_color(agent_id: &str) -> &'static str {
    AVATAR_PALETTE[avatar_index(agent_id)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widget_stylesheet_has_every_avatar_colour() {
        let css = include_str!("../../widget/src/widget.css");
        for (i, c) in AVATAR_PALETTE.iter().enumerate() {
            assert!(css.contains(&format!(".pl-avatar-{i} {{ background: {c}; }}")), "pl-avatar-{i} should be {c}");
        }
    }

    fn contrast(a: &str, b: &str) -> f64 {
        crate::colors::contrast(crate::colors::parse_hex(a).unwrap(), crate::colors::parse_hex(b).unwrap())
    }

    #[test]
    fn text_on_the_accent_is_the_one_that_contrasts() {
        assert_eq!(text_on("#2f6f4e"), "#ffffff");
        assert_eq!(text_on("#b4532a"), "#ffffff");
        assert_eq!(text_on("#ffd400"), "#111111");
        assert_eq!(text_on("#fff"), "#111111");
        assert_eq!(text_on("not a colour"), "#ffffff");
        // Whichever is picked contrasts at least as much as the other.
        for c in ["#2f6f4e", "#ffd400", "#7f7f7f", "#00a0ff", "#ff4081", "#000000", "#ffffff", "#888"] {
            let other = if text_on(c) == "#ffffff" { "#111111" } else { "#ffffff" };
            assert!(contrast(c, text_on(c)) >= contrast(c, other), "{c}");
        }
    }

    #[test]
    fn only_plain_hex_colours_are_accepted() {
        assert!(is_hex_color("#abc") && is_hex_color("#A1B2C3"));
        assert!(!is_hex_color("abc") && !is_hex_color("#abcd") && !is_hex_color("red; background:url(x)"));
        assert_eq!(accent_or_default("red"), DEFAULT_ACCENT);
        assert_eq!(accent_or_default("#b4532a"), "#b4532a");
    }

    #[test]
    fn launcher_is_clamped_and_labels_are_one_short_line() {
        let l = Launcher {
            position: Side::Left,
            offset_x: 5000,
            offset_y: 12,
            label: Some("  Chat\n with   us  ".into()),
            icon: LauncherIcon::Help,
        };
        let r = l.resolved();
        assert_eq!((r.position, r.offset_x, r.offset_y), (Side::Left, MAX_OFFSET_PX, 12));
        assert_eq!((r.label.as_deref(), r.icon), (Some("Chat with us"), LauncherIcon::Help));
        let icon: Launcher = serde_json::from_str(r#"{"icon": "message"}"#).unwrap();
        assert_eq!(icon.icon, LauncherIcon::Message);
        assert!(serde_json::from_str::<Launcher>(r#"{"icon": "https://evil.example/x.svg"}"#).is_err());
        assert_eq!(Launcher { label: Some("   ".into()), ..Launcher::default() }.resolved().label, None);
        assert_eq!(Launcher { label: Some("x".repeat(99)), ..Launcher::default() }.resolved().label.unwrap().len(), MAX_LABEL_CHARS);
        let parsed: Launcher = serde_json::from_str(r#"{"position": "left"}"#).unwrap();
        assert_eq!(parsed, Launcher { position: Side::Left, ..Launcher::default() });
        assert!(serde_json::from_str::<Launcher>(r#"{"position": "top"}"#).is_err());
    }

    #[test]
    fn avatars_have_initials_and_a_colour_from_the_id() {
        assert_eq!(initials("Ava Lind"), "AL");
        assert_eq!(initials("ben"), "B");
        assert_eq!(initials("Mary Ann de Vries"), "MV");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("élodie"), "É");
        assert_eq!(avatar_color("ava"), avatar_color("ava"));
        let colours: std::collections::BTreeSet<_> = ["ava", "ben", "agent-1", "agent-2", "agent-3", "night-owl"].map(avatar_color).into();
        assert!(colours.len() >= 3, "ids spread over the palette: {colours:?}");
        for c in ["#1f6f8b", "#8a3b12", "#5b3f99", "#2f6f4e", "#a12a5e", "#3d5a80", "#7a5c00", "#1e6b5c"] {
            assert!(contrast(c, "#ffffff") >= 4.5, "{c}");
        }
    }
}
