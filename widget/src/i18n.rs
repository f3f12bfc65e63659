//! The visitor's language: chosen once when the widget mounts (the page's
//! `Porchlight('locale', …)` or the tag's `data-locale`, which the loader
//! keeps as `Porchlight.locale`, else the browser's `navigator.languages`),
//! its table of strings ([`porchlight_protocol::i18n`]), and dates and
//! times through the browser's `Intl` in that language.

use porchlight_protocol::i18n::{fill, Lang, Strings};
use porchlight_protocol::{clock, validate, ErrorCode};
use std::cell::Cell;
use wasm_bindgen::JsValue;

thread_local! {
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// Decides the language for this page (called by `mount`).
pub fn init() -> Lang {
    let page = crate::host::host_config().locale;
    let browser: Vec<String> =
        web_sys::window().map(|w| w.navigator().languages().iter().filter_map(|l| l.as_string()).collect()).unwrap_or_default();
    let lang = Lang::choose(page.as_deref(), None, None, &browser);
    LANG.with(|l| l.set(lang));
    porchlight_browser::ui::set_strings(lang);
    lang
}

pub fn lang() -> Lang {
    LANG.with(Cell::get)
}

/// The strings in the visitor's language.
pub fn t() -> &'static Strings {
    lang().strings()
}

fn intl(at_ms: u64, options: &[(&str, &str)]) -> String {
    let locales = js_sys::Array::of1(&JsValue::from_str(lang().code()));
    let opts = js_sys::Object::new();
    for (k, v) in options {
        let _ = js_sys::Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    let format = js_sys::Intl::DateTimeFormat::new(&locales, &opts).format();
    format
        .call1(&JsValue::NULL, &js_sys::Date::new(&JsValue::from_f64(at_ms as f64)))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| clock::time_label(at_ms, porchlight_browser::utc_offset_min()))
}

/// "14:05", "2:05 PM", "١٤:٠٥": the local time as the language writes it.
pub fn time(at_ms: u64) -> String {
    intl(at_ms, &[("hour", "numeric"), ("minute", "2-digit")])
}

/// The weekday's name ("Monday", "lunes", "الاثنين").
pub fn weekday(at_ms: u64) -> String {
    intl(at_ms, &[("weekday", "long")])
}

/// A day separator: "Today", "Yesterday", a weekday within the last week,
/// else the date ("3 Nov 2026", "3 nov 2026").
pub fn day(at_ms: u64, now_ms: u64) -> String {
    let offset = porchlight_browser::utc_offset_min();
    match clock::local_day(now_ms, offset) - clock::local_day(at_ms, offset) {
        0 => t().today.to_owned(),
        1 => t().yesterday.to_owned(),
        2..=6 => weekday(at_ms),
        _ => intl(at_ms, &[("day", "numeric"), ("month", "short"), ("year", "numeric")]),
    }
}

/// When the team is back: "later today at 08:00", "mañana a las 8:00".
pub fn back(open_ms: u64, now_ms: u64) -> String {
    let offset = porchlight_browser::utc_offset_min();
    let at = time(open_ms);
    match clock::local_day(open_ms, offset) - clock::local_day(now_ms, offset) {
        0 => fill(t().back_today, &[("time", &at)]),
        1 => fill(t().back_tomorrow, &[("time", &at)]),
        _ => fill(t().back_on, &[("day", &weekday(open_ms)), ("time", &at)]),
    }
}

/// A check's message in the visitor's language (English keeps the
/// check's own, more precise wording).
pub fn invalid(e: &validate::Invalid) -> String {
    let s = t();
    if lang() == Lang::En {
        return e.message.clone();
    }
    match e.code {
        ErrorCode::InvalidName => s.invalid_name,
        ErrorCode::InvalidEmail => s.invalid_email,
        ErrorCode::MessageEmpty => s.message_empty,
        ErrorCode::MessageTooLong => s.message_too_long,
        _ => return e.message.clone(),
    }
    .to_owned()
}

/// A refusal from the edge in the visitor's language, chosen by its code
/// ([`Strings::error`]): the edge's `message` is English and for
/// developers, so it is shown only to an English visitor, where it says
/// the same thing more precisely.
pub fn refusal(code: Option<ErrorCode>, english: &str) -> String {
    match code {
        _ if lang() == Lang::En && !english.is_empty() => english.to_owned(),
        Some(code) => t().error(code).to_owned(),
        None => t().err_generic.to_owned(),
    }
}

/// Day separators for a log: a label before the first message of each
/// local day ("Today", "Ayer", a weekday, a date).
pub struct DaySeparators {
    now_ms: u64,
    offset: i32,
    last: Cell<Option<i64>>,
}

impl DaySeparators {
    pub fn new() -> DaySeparators {
        DaySeparators { now_ms: porchlight_browser::now_ms(), offset: porchlight_browser::utc_offset_min(), last: Cell::new(None) }
    }

    pub fn before(&self, at_ms: u64) -> Option<String> {
        let day = clock::local_day(at_ms, self.offset);
        (self.last.replace(Some(day)) != Some(day)).then(|| self::day(at_ms, self.now_ms))
    }
}

/// " (edited)" for an edited message's meta line, else nothing.
pub fn edited(m: &porchlight_protocol::Message) -> &'static str {
    if porchlight_browser::ui::edited(m).is_empty() {
        ""
    } else {
        t().edited
    }
}

/// A receipt's word ([`porchlight_protocol::Marks::label`]: "Seen",
/// "Delivered", "Sent") in the visitor's language.
pub fn receipt(english: &str) -> &'static str {
    match english {
        "Seen" => t().seen,
        "Delivered" => t().delivered,
        _ => t().sent,
    }
}
