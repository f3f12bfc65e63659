//! Text that reads on the site's accent colour. Site owners pick any
//! accent; the header, the visitor's own bubbles and primary buttons put
//! text on it, so the text colour is chosen from the accent's WCAG relative
//! luminance: white on dark accents, near-black on light ones. `loader.js`
//! applies the same rule to the launcher's icon before any WASM loads.

/// Near-black: the text colour on light accents.
pub const DARK_TEXT: &str = "#111111";
/// White: the text colour on dark accents.
pub const LIGHT_TEXT: &str = "#ffffff";

/// Luminance above which near-black reads better than white: where the two
/// contrast ratios are equal, 1.05/(L+0.05) = (L+0.05)/(L(#111)+0.05).
pub const THRESHOLD: f64 = 0.1916;

/// `#rgb` or `#rrggbb` as 8-bit channels; anything else is `None`.
pub fn parse_hex(color: &str) -> Option<[u8; 3]> {
    let hex = color.strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize, len: usize| u8::from_str_radix(&hex[i..i + len], 16).ok();
    match hex.len() {
        3 => Some([digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17]),
        6 => Some([digit(0, 2)?, digit(2, 2)?, digit(4, 2)?]),
        _ => None,
    }
}

/// WCAG 2 relative luminance of an sRGB colour (0 black … 1 white).
pub fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let v = f64::from(c) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// WCAG contrast ratio between two colours (1 … 21).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The text colour for `accent` (an unreadable colour counts as dark).
pub fn text_on(accent: &str) -> &'static str {
    match parse_hex(accent) {
        Some(rgb) if luminance(rgb) > THRESHOLD => DARK_TEXT,
        _ => LIGHT_TEXT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_short_and_long_hex_and_rejects_the_rest() {
        assert_eq!(parse_hex("#b4532a"), Some([180, 83, 42]));
        assert_eq!(parse_hex("#fff"), Some([255, 255, 255]));
        for bad in ["b4532a", "#b4532", "#gggggg", "red", "", "#", "url(x)"] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn dark_accents_get_white_and_light_ones_near_black() {
        assert_eq!(text_on("#b4532a"), LIGHT_TEXT); // the demo's copper
        assert_eq!(text_on("#2f6f4e"), LIGHT_TEXT);
        assert_eq!(text_on("#f2c14e"), DARK_TEXT); // mustard
        assert_eq!(text_on("#ffffff"), DARK_TEXT);
        assert_eq!(text_on("not a colour"), LIGHT_TEXT);
    }

    #[test]
    fn the_chosen_text_is_the_more_readable_one_and_large_text_always_passes() {
        // Every accent on a coarse grid: the pick is never (noticeably) worse
        // than the other choice. Near the crossover no text colour reaches
        // 4.5:1 (the best possible there is about 4.35:1); elsewhere it does.
        let (dark, light) = (parse_hex(DARK_TEXT).unwrap_or_default(), parse_hex(LIGHT_TEXT).unwrap_or_default());
        for r in (0..=255).step_by(17) {
            for g in (0..=255).step_by(17) {
                for b in (0..=255).step_by(17) {
                    let accent = format!("#{r:02x}{g:02x}{b:02x}");
                    let rgb = [r as u8, g as u8, b as u8];
                    let (on_dark, on_light) = (contrast(rgb, dark), contrast(rgb, light));
                    let picked = if text_on(&accent) == DARK_TEXT { on_dark } else { on_light };
                    assert!(picked + 0.01 >= on_dark.max(on_light), "{accent}: {picked} vs {on_dark}/{on_light}");
                    assert!(picked >= 4.3, "{accent}: {picked}");
                }
            }
        }
    }
}
