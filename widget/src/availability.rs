//! Whether a person can answer now: the site's business hours, evaluated
//! in the browser (the same `porchlight_protocol::hours` as the edge) and
//! again every 30 s, so hours that end while a visitor waits are noticed.

use gloo::timers::callback::Interval;
use porchlight_protocol::hours::Hours;
use porchlight_protocol::i18n::fill;
use yew::prelude::*;

const RECHECK_MS: u32 = 30_000;

#[derive(Clone, Debug, PartialEq)]
pub struct Availability {
    pub open: bool,
    /// "on Monday at 08:00" (the visitor's local time) while closed.
    pub back: Option<String>,
    /// "Typically replies in 5 minutes", while open.
    pub replies: Option<String>,
}

impl Availability {
    fn at(hours: Option<&Hours>, now_ms: u64) -> Availability {
        let Some(h) = hours else { return Availability { open: true, back: None, replies: None } };
        let open = h.is_open(now_ms);
        let back = (!open).then(|| h.next_open(now_ms)).flatten().map(|t| crate::i18n::back(t, now_ms));
        let s = crate::i18n::t();
        let replies = h.replies_in_minutes.filter(|_| open).map(|n| match n {
            1 => s.replies_minute.to_owned(),
            n if n < 120 => fill(s.replies_minutes, &[("n", &n.to_string())]),
            n => fill(s.replies_hours, &[("n", &n.div_ceil(60).to_string())]),
        });
        Availability { open, back, replies }
    }
}

#[hook]
pub fn use_availability(hours: Option<Hours>) -> Availability {
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let interval = Interval::new(RECHECK_MS, move || tick.set(tick.wrapping_add(1)));
            move || drop(interval)
        });
    }
    Availability::at(hours.as_ref(), porchlight_browser::now_ms())
}
