//! The "Leave a message" form at the sizes visitors use, in headless
//! Chromium against the real edge: a short desktop window (1366×625), a
//! laptop (1366×768) and a phone (390×844, light, and dark with the
//! launcher on the left). The form ends the conversation's log and scrolls
//! with it (one scroll for the panel): when it opens and after every
//! refusal, its first field or the field to fix has the focus and Send and
//! Cancel are drawn inside the panel, not under its edge or in a box of
//! their own.
//!
//! `tea-house` (dark, launcher on the left) is put out of hours here, one
//! test at a time; `night-shift` (light) offers the form while no console
//! is online.

use porchlight_protocol::i18n::Lang;
use porchlight_tests::webdriver::{Browser, FIND_BY_NAME_FN};
use porchlight_tests::*;
use serde_json::{json, Value};
use std::sync::Mutex;

const HOURS_SITE: &str = "tea-house";
static ONE_SCHEDULE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Out of hours on `tea-house` while alive; open around the clock again after.
struct ClosedAllWeek;

impl ClosedAllWeek {
    fn set() -> ClosedAllWeek {
        let hours = json!({"time_zone": "America/Los_Angeles", "weekly": {}});
        let a = call("PUT", &format!("/api/v1/sites/{HOURS_SITE}/hours"), Some(AVA), Some(&hours.to_string()));
        assert_eq!(a.status, 200, "{}", a.body);
        ClosedAllWeek
    }
}

impl Drop for ClosedAllWeek {
    fn drop(&mut self) {
        call("DELETE", &format!("/api/v1/sites/{HOURS_SITE}/hours"), Some(AVA), None);
    }
}

const SHADOW: &str = "const root = document.querySelector('[data-porchlight]').shadowRoot;\n";

fn shadow(browser: &Browser, what: &str, script: &str, args: Value) -> Value {
    browser.wait_for(what, 30, &format!("{SHADOW}{script}"), args)
}

/// Opens the panel from its launcher and starts a chat, until the form's button shows.
fn start_chat(browser: &Browser, site: &str) {
    browser.goto(&format!("{}/embed.html?site={site}", demo_origin()));
    browser.click(&shadow(browser, "the launcher", "return root.querySelector('button.l')", json!([])));
    browser.type_text(&browser.by_name("textbox", "Name"), &unique("Short Window"));
    browser.click(&browser.by_name("button", "Start chat"));
    browser.by_name("button", "Leave a message");
}

/// Whether each of the form's controls is drawn where the visitor can see
/// and click it: the point at its centre is the control itself, inside the
/// panel's rectangle and the window.
fn drawn(browser: &Browser) -> Value {
    browser.script(
        &format!(
            "{SHADOW}const panel = root.querySelector('.pl-panel').getBoundingClientRect();
             const bottom = Math.min(panel.bottom, innerHeight), right = Math.min(panel.right, innerWidth);
             const at = sel => {{ const el = root.querySelector(sel); if (!el) return sel + ' missing';
               const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
               const inside = r.top >= panel.top - 1 && r.bottom <= bottom + 1 && r.left >= panel.left - 1 && r.right <= right + 1;
               const hit = root.elementFromPoint(x, y);
               return inside && !!hit && (hit === el || el.contains(hit)) || sel + ' not drawn: ' + JSON.stringify([r.top, r.bottom, panel.top, bottom]) }};
             return ['.pl-offline input[type=email]', '.pl-offline textarea', '.pl-offline button[type=submit]', '.pl-offline button[type=button]'].map(at)"
        ),
        json!([]),
    )
}

const ALL_DRAWN: [bool; 4] = [true; 4];

/// The focused element's selector-ish name inside the widget.
fn focused(browser: &Browser) -> Value {
    browser.script(
        &format!(
            "{SHADOW}const a = root.activeElement; if (!a) return null;
             return a.matches('.pl-offline input[type=email]') ? 'email' : a.matches('.pl-offline textarea') ? 'question'
               : a.tagName.toLowerCase() + ':' + (a.getAttribute('aria-label') || a.textContent).trim()"
        ),
        json!([]),
    )
}

/// The refusal tied to `field` (`aria-invalid` and `aria-describedby` to its text).
fn error_on(browser: &Browser, field: &str) -> Value {
    shadow(
        browser,
        &format!("the error tied to {field}"),
        "const f = root.querySelector(arguments[0]); const e = f && f.getAttribute('aria-invalid') === 'true'
           && root.getElementById(f.getAttribute('aria-describedby'));
         return e && e.previousElementSibling === f.closest('label') ? e.innerText : null",
        json!([field]),
    )
}

fn screenshot(browser: &Browser, name: &str) {
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name(format!("screenshot-{name}.png")));
    }
}

/// The form from opening to every refusal, then Cancel: what each size must show.
fn the_form_stays_in_view(browser: &Browser, what: &str) {
    let en = Lang::En.strings();
    browser.click(&browser.by_name("button", "Leave a message"));
    shadow(browser, "the form", "return root.querySelector('.pl-offline')", json!([]));
    assert_eq!(focused(browser), json!("email"), "{what}: the first field has the focus on open");
    assert_eq!(drawn(browser), json!(ALL_DRAWN), "{what}: the open form");
    let button_shown = browser.script(&format!("{FIND_BY_NAME_FN}\nreturn !!find('button', 'Leave a message')"), json!([]));
    assert_eq!(button_shown, json!(false), "{what}: no 'Leave a message' above its own form");
    let nested = browser.script(
        &format!("{SHADOW}const f = root.querySelector('.pl-offline'); return [getComputedStyle(f).overflowY, !!f.closest('[role=log]')]"),
        json!([]),
    );
    assert_eq!(nested, json!(["visible", true]), "{what}: the form scrolls with the log, not in a box of its own");
    browser.assert_accessible(&format!("{what}: the open form"));

    // A bad email: its error under the field, the focus on it, the buttons still in view.
    browser.type_text(&browser.by_name("textbox", "Your email"), "you@");
    browser.script(&format!("{SHADOW}window.plEmailField = root.querySelector('.pl-offline input[type=email]')"), json!([]));
    browser.click(&browser.by_name("button", "Send message"));
    assert_eq!(error_on(browser, ".pl-offline input[type=email]"), json!(en.invalid_email), "{what}");
    let kept = browser.script(
        &format!("{SHADOW}const f = root.querySelector('.pl-offline input[type=email]'); return [f === window.plEmailField, f.value]"),
        json!([]),
    );
    assert_eq!(kept, json!([true, "you@"]), "{what}: the field and what was typed in it stay");
    assert_eq!(focused(browser), json!("email"), "{what}: the focus on the email to fix");
    assert_eq!(drawn(browser), json!(ALL_DRAWN), "{what}: after a bad email");
    browser.assert_accessible(&format!("{what}: a bad email"));
    screenshot(browser, &format!("leave-message-{what}"));

    // A good email, no question: what to do, under the question.
    browser.type_text(&browser.by_name("textbox", "Your email"), "example.com");
    browser.click(&browser.by_name("button", "Send message"));
    assert_eq!(error_on(browser, ".pl-offline textarea"), json!(en.question_needed), "{what}");
    assert_eq!(focused(browser), json!("question"), "{what}: the focus on the question");
    assert_eq!(drawn(browser), json!(ALL_DRAWN), "{what}: after an empty question");

    // Cancel: the form goes, the composer and the button come back, the focus on the button.
    browser.click(&browser.by_name("button", "Cancel"));
    shadow(
        browser,
        "the composer back",
        "return !root.querySelector('.pl-offline') && root.querySelector('.pl-composer textarea')",
        json!([]),
    );
    assert_eq!(focused(browser), json!("button:Leave a message"), "{what}: the focus back on the button");
}

#[test]
fn a_short_desktop_window_shows_the_whole_form_in_one_scroll() {
    let _turn = ONE_SCHEDULE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let _closed = ClosedAllWeek::set();
    let browser = Browser::start();
    browser.set_viewport(1366, 625);
    start_chat(&browser, HOURS_SITE);
    the_form_stays_in_view(&browser, "1366x625-dark");

    // Sent: the log says where the reply goes.
    browser.click(&browser.by_name("button", "Leave a message"));
    assert_eq!(focused(&browser), json!("email"));
    browser.type_text(&browser.by_name("textbox", "Your email"), "short@example.com");
    browser.type_text(&browser.by_name("textbox", "Your question"), "Is the genmaicha caffeinated?");
    browser.click(&browser.by_name("button", "Send message"));
    browser.log_shows("we'll reply to short@example.com");
}

#[test]
fn a_laptop_window_keeps_the_buttons_in_view_after_a_bad_email() {
    // Light, on the site that offers the form while nobody is online.
    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    start_chat(&browser, "night-shift");
    the_form_stays_in_view(&browser, "1366x768-light");
}

#[test]
fn a_phone_on_a_light_site_shows_the_form_in_one_scroll() {
    let browser = Browser::start_phone();
    start_chat(&browser, "night-shift");
    the_form_stays_in_view(&browser, "390x844-light");
}

#[test]
fn a_phone_opens_full_screen_with_the_launcher_on_the_left_and_shows_the_form() {
    let _turn = ONE_SCHEDULE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let _closed = ClosedAllWeek::set();
    let browser = Browser::start_phone();
    browser.goto(&format!("{}/embed.html?site={HOURS_SITE}", demo_origin()));
    // The site's launcher sits on the left.
    let side = shadow(
        &browser,
        "the left launcher",
        "return document.querySelector('[data-porchlight]').dataset.side === 'left' && root.querySelector('button.l').getBoundingClientRect().left < 100",
        json!([]),
    );
    assert_eq!(side, json!(true));
    browser.click(&shadow(&browser, "the launcher", "return root.querySelector('button.l')", json!([])));
    // The first open is the full-screen sheet, as after any resize.
    let sheet = shadow(
        &browser,
        "the open panel",
        "const p = root.querySelector('.p'); if (!p || p.hidden) return null; const r = p.getBoundingClientRect();
         return [r.left, r.top, r.width, r.height].map(Math.round)",
        json!([]),
    );
    let size = browser.script("return [0, 0, innerWidth, innerHeight]", json!([]));
    assert_eq!(sheet, size, "the phone's panel fills the screen on first open");
    browser.type_text(&browser.by_name("textbox", "Name"), &unique("Phone Visitor"));
    browser.click(&browser.by_name("button", "Start chat"));
    the_form_stays_in_view(&browser, "390x844-dark");
}

/// An Arabic question out of hours (the help center has no Arabic articles):
/// the bot says, in Arabic, that nobody can chat now, and the form opens
/// in Arabic, mirrored, its email focused and its buttons in view.
#[test]
fn an_arabic_question_out_of_hours_is_answered_in_arabic_with_the_form() {
    let _turn = ONE_SCHEDULE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let _closed = ClosedAllWeek::set();
    let ar = Lang::Ar.strings();
    let browser = Browser::start();
    browser.set_viewport(1366, 625);
    browser.goto(&format!("{}/embed.html?site={HOURS_SITE}&locale=ar", demo_origin()));
    browser.click(&shadow(&browser, "the launcher", "return root.querySelector('button.l')", json!([])));
    let name = shadow(&browser, "the name field", "return root.querySelector('.pl-prechat input:not([type=email])')", json!([]));
    browser.type_text(&name, &unique("ليلى"));
    browser.click(&shadow(&browser, "Start chat", "return root.querySelector('.pl-prechat button[type=submit]')", json!([])));
    let composer = shadow(&browser, "the composer", "return root.querySelector('.pl-composer textarea')", json!([]));
    browser.type_text(&composer, "أين طلبي؟\u{E007}");
    shadow(
        &browser,
        "the bot's Arabic answer",
        "const l = root.querySelector('.pl-log'); return !!l && l.innerText.includes(arguments[0])",
        json!([ar.bot_leave_message]),
    );
    let form = shadow(
        &browser,
        "the form with the question",
        "const f = root.querySelector('.pl-offline'); return f && [f.querySelector('textarea').value, getComputedStyle(f).direction,
           f.querySelector('button[type=submit]').textContent]",
        json!([]),
    );
    assert_eq!(form, json!(["أين طلبي؟", "rtl", ar.send_message]));
    // The bot's "Yes, thanks" is no answer beside the open form.
    let thanks = browser.script(
        &format!("{SHADOW}return [...root.querySelectorAll('button')].some(b => b.textContent.trim() === arguments[0])"),
        json!([ar.yes_thanks]),
    );
    assert_eq!(thanks, json!(false), "no \"Yes, thanks\" under the form");
    assert_eq!(focused(&browser), json!("email"), "the form's first field has the focus");
    assert_eq!(drawn(&browser), json!(ALL_DRAWN));
    browser.assert_accessible("the Arabic form out of hours");
    screenshot(&browser, "leave-message-ar");
}
