//! The attachment sniffer under bounded property tests: any bytes are
//! refused or accepted without panicking; whatever is accepted starts with
//! its format's signature; a valid file cut anywhere, or with anything
//! appended, is refused; no prefix turns HTML into an image.

use porchlight_protocol::attachment::{check, samples, sniff, Kind, Refused};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_judged_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(checked) = check(&bytes) {
            prop_assert_eq!(sniff(&bytes), Some(checked.kind));
        }
    }

    #[test]
    fn a_valid_png_cut_or_extended_is_refused(w in 1u32..5000, h in 1u32..5000, cut in any::<prop::sample::Index>(), tail in proptest::collection::vec(any::<u8>(), 1..64)) {
        let png = samples::png(w, h);
        prop_assert_eq!(check(&png).map(|c| (c.kind, c.dimensions)), Ok((Kind::Png, Some((w, h)))));
        let at = cut.index(png.len());
        prop_assert!(check(&png[..at]).is_err(), "cut at {}", at);
        let mut longer = png.clone();
        longer.extend_from_slice(&tail);
        prop_assert!(matches!(check(&longer), Err(Refused::Damaged(_))));
    }

    #[test]
    fn markup_is_never_an_accepted_type(body in "[ -~]{0,200}") {
        for start in ["<!doctype html>", "<html>", "<svg xmlns=\"http://www.w3.org/2000/svg\">", "<?xml version=\"1.0\"?>"] {
            let text = format!("{start}{body}");
            prop_assert_eq!(check(text.as_bytes()), Err(Refused::WrongType));
        }
    }
}
