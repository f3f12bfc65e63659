//! The widget in the visitor's language, in real headless Chromium against
//! the real edge: Spanish from the tag's `data-locale` (strings, the bot's
//! fixed reply), Arabic from `Porchlight('locale', 'ar')` (the whole panel
//! mirrored: `dir="rtl"`, `lang="ar"`, the send button left of the box),
//! and axe-core clean in both; and in Spanish and Arabic the 📎 button, a
//! wrong file refused by the edge (worded by its code, not the edge's
//! English), the rating after a chat with a person and the transcript
//! download, with no English left in them.

use porchlight_protocol::i18n::{fill, Lang};
use porchlight_protocol::{AgentFrame, SessionCreated, Status};
use porchlight_tests::webdriver::Browser;
use porchlight_tests::*;
use serde_json::json;

/// Finds a control by its accessible name in the loader's shadow root (the
/// widget's, not the stand-in's), like `FIND_BY_NAME_FN` but for any language.
const FIND: &str = r#"
const root = document.querySelector('[data-porchlight]').shadowRoot;
const find = (sel, name) => [...root.querySelectorAll(sel)].find(el => !el.closest('[data-early]')
  && (el.getAttribute('aria-label') || el.textContent || '').trim() === name) || null;"#;

fn control(browser: &Browser, sel: &str, name: &str) -> serde_json::Value {
    browser.wait_for(
        &format!("`{sel}` named {name:?}"),
        30,
        &format!("{FIND}\nreturn find(arguments[0], arguments[1])"),
        json!([sel, name]),
    )
}

fn log_shows(browser: &Browser, text: &str) {
    browser.wait_for(
        &format!("the log to show {text:?}"),
        30,
        &format!("{FIND}\nconst log = root.querySelector('.pl-log'); return !!log && log.innerText.includes(arguments[0])"),
        json!([text]),
    );
}

/// Opens the launcher (named in `lang`) and starts a chat as `name`.
fn start_chat(browser: &Browser, lang: Lang, name: &str) {
    let s = lang.strings();
    let launcher = control(browser, "button.l", s.open_chat);
    browser.click(&launcher);
    browser.type_text(&control(browser, "input", s.name), name);
    browser.click(&control(browser, "button", s.start_chat));
    control(browser, "textarea", s.message);
}

#[test]
fn a_spanish_visitor_gets_spanish_strings_and_a_spanish_bot() {
    let es = Lang::Es.strings();
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html?locale=es-MX", demo_origin()));
    start_chat(&browser, Lang::Es, &unique("Lucía"));
    let panel = browser.script(
        &format!("{FIND}\nconst p = root.querySelector('.pl-panel'); return [p.lang, p.dir, root.querySelector('.p').lang]"),
        json!([]),
    );
    assert_eq!(panel, json!(["es", "ltr", "es"]));
    // The bot's fixed replies follow the widget: "Hi!" says nothing about a language.
    browser.type_text(&control(&browser, "textarea", es.message), "Hi!");
    browser.click(&control(&browser, "button", es.send));
    log_shows(&browser, es.bot_greet);
    control(&browser, "button", es.talk_to_person);
    // A clearly Spanish question gets the Spanish articles, said in Spanish.
    browser.type_text(&control(&browser, "textarea", es.message), "¿dónde está mi pedido?");
    browser.click(&control(&browser, "button", es.send));
    log_shows(&browser, es.bot_offer);
    log_shows(&browser, "Seguir tu pedido");
    control(&browser, "button", es.yes_thanks);
    // Times come from Intl in Spanish; nothing English is left in the panel's chrome.
    let text = browser.script(&format!("{FIND}\nreturn root.querySelector('.pl-panel').innerText"), json!([]));
    let text = text.as_str().unwrap_or_default();
    for english in ["Type a message", "Send", "Talk to a person", "Yes, thanks", "Today", "Assistant"] {
        assert!(!text.contains(english), "English {english:?} in the Spanish panel:\n{text}");
    }
    assert!(text.contains(es.today) && text.contains(es.assistant), "{text}");
    browser.assert_accessible("the Spanish conversation");
}

#[test]
fn an_arabic_visitor_gets_a_mirrored_panel() {
    let ar = Lang::Ar.strings();
    let browser = Browser::start();
    browser.set_viewport(1366, 768);
    browser.goto(&format!("{}/embed.html?page_locale=ar", demo_origin()));
    start_chat(&browser, Lang::Ar, &unique("Layla"));
    let attrs = browser.script(
        &format!("{FIND}\nconst p = root.querySelector('.pl-panel'); return [p.lang, p.dir, getComputedStyle(p).direction, root.querySelector('.p').dir]"),
        json!([]),
    );
    assert_eq!(attrs, json!(["ar", "rtl", "rtl", "rtl"]));
    // Mirrored: the send button sits left of the box, the header's close button on the left.
    let geometry = browser.script(
        &format!(
            "{FIND}\nconst r = (el) => el.getBoundingClientRect();
             const input = r(root.querySelector('.pl-composer textarea')), send = r(root.querySelector('.pl-composer button[type=submit]'));
             const head = r(root.querySelector('.pl-header')), close = r(root.querySelector('.pl-close'));
             return [send.right <= input.left + 1, close.left - head.left < head.right - close.right]"
        ),
        json!([]),
    );
    assert_eq!(geometry, json!([true, true]), "send left of the input, close on the left");
    // An Arabic message gets Arabic fixed replies; the visitor's bubble is on the left (the end side).
    browser.type_text(&control(&browser, "textarea", ar.message), "أين طلبي؟");
    browser.click(&control(&browser, "button", ar.send));
    log_shows(&browser, "أين طلبي؟");
    log_shows(&browser, ar.bot_nothing_found);
    let sides = browser.script(
        &format!(
            "{FIND}\nconst log = root.querySelector('.pl-log').getBoundingClientRect();
             const mine = root.querySelector('.pl-mine').getBoundingClientRect(), theirs = root.querySelector('.pl-theirs').getBoundingClientRect();
             return [mine.left - log.left < 40, log.right - theirs.right < 40]"
        ),
        json!([]),
    );
    assert_eq!(sides, json!([true, true]), "the visitor's bubble on the left, the team's on the right");
    let text = browser.script(&format!("{FIND}\nreturn root.querySelector('.pl-panel').innerText"), json!([]));
    assert!(text.as_str().is_some_and(|t| t.contains(ar.assistant) && t.contains(ar.today)), "{text}");
    if let Ok(path) = std::env::var("PORCHLIGHT_SCREENSHOT") {
        browser.screenshot(&std::path::Path::new(&path).with_file_name("screenshot-rtl.png"));
    }
    browser.assert_accessible("the Arabic (RTL) conversation");
    // Keyboard only: Escape closes the panel and the launcher is named in Arabic again.
    browser.press("\u{E00C}");
    control(&browser, "button.l", ar.open_chat);
}

#[test]
fn the_browser_language_is_used_when_the_page_says_none() {
    let browser = Browser::start();
    // navigator.languages as a German browser sends them.
    browser.cdp(
        "Emulation.setUserAgentOverride",
        json!({"userAgent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36", "acceptLanguage": "pt-BR,de-CH;q=0.9,en;q=0.8"}),
    );
    browser.goto(&format!("{}/embed.html", demo_origin()));
    let langs = browser.script("return navigator.languages", json!([]));
    assert_eq!(langs[0], json!("pt-BR"), "{langs}");
    start_chat(&browser, Lang::De, &unique("Jonas"));
    control(&browser, "button", Lang::De.strings().talk_to_person);
}

/// English that must not be left in the attachment, rating and transcript
/// parts of a translated panel.
const ENGLISH: &[&str] = &[
    "Attach a file",
    "Only images",
    "image/png",
    "file type",
    "How was this",
    "Anything to add",
    "Send rating",
    "Terrible",
    "Okay",
    "Great",
    "Download transcript",
];

/// `lang`'s visitor: the 📎 button named in `lang`, a text file refused by
/// the edge in `lang`, then a chat with Ava that she closes: the rating's
/// question, faces and button and the transcript download in `lang`.
fn attach_refused_and_rate_in(lang: Lang, query: &str, visitor: &str) {
    let s = lang.strings();
    let mut queue = Ws::queue();
    queue.queue_hello(AVA);
    let name = unique(visitor);
    let browser = Browser::start();
    browser.goto(&format!("{}/embed.html?{query}", demo_origin()));
    start_chat(&browser, lang, &name);
    control(&browser, "button.pl-attach", s.attach);
    // Not an image nor a PDF: the picker would not offer it, a drop can.
    browser.script(
        &format!(
            "{FIND}\nconst dt = new DataTransfer(); dt.items.add(new File(['just some words'], 'notes.txt', {{type: 'text/plain'}}));
             const i = root.querySelector('.pl-file-input'); i.files = dt.files; i.dispatchEvent(new Event('change', {{bubbles: true}}));"
        ),
        json!([]),
    );
    let refused = browser.wait_for(
        "the refusal of notes.txt",
        30,
        &format!("{FIND}\nconst e = root.querySelector('.pl-upload-error'); return e && e.innerText"),
        json!([]),
    );
    assert_eq!(refused, json!(format!("notes.txt: {}", s.err_unsupported_file)));

    // A person joins and closes the chat: the rating is asked in `lang`.
    browser.click(&control(&browser, "button", s.talk_to_person));
    let summary = queue.queue_until(&name, |x| x.status == Status::Waiting);
    let mut ava = Ws::agent_session(&SessionCreated { session_id: summary.id.clone(), token: String::new() });
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::Accept);
    log_shows(&browser, "Ava");
    ava.send(&AgentFrame::Close);
    let group = browser.wait_for(
        "the rating's faces",
        30,
        &format!(
            "{FIND}\nconst f = root.querySelector('.pl-rating fieldset'); return f && [f.querySelector('legend').textContent,
             ...[...f.querySelectorAll('input[type=radio]')].map(i => i.closest('label').innerText.replace(/\\s+/g, ' ').trim())]"
        ),
        json!([]),
    );
    // Each face is drawn (SVG) and named in words in the visitor's language.
    let mut expected = vec![s.rate_question.to_owned()];
    expected.extend((1..=5).map(|n| s.rating(n).to_owned()));
    assert_eq!(group, json!(expected));
    control(&browser, "button", s.rate_send);
    control(&browser, "button", s.transcript_as_text);
    // Sending without a face is refused in `lang` too.
    browser.click(&control(&browser, "button", s.rate_send));
    let pick = browser.wait_for(
        "the rating's own error",
        20,
        &format!("{FIND}\nconst e = root.querySelector('.pl-rating .pl-error'); return e && e.textContent"),
        json!([]),
    );
    assert_eq!(pick, json!(s.rate_pick_first));
    let text = browser.script(
        &format!(
            "{FIND}\nreturn ['.pl-rating', '.pl-transcript', '.pl-composer'].map(q => root.querySelector(q)?.innerText || '').join('\\n')"
        ),
        json!([]),
    );
    let text = text.as_str().unwrap_or_default();
    // (The comment's label appears once a face is chosen.)
    assert!(text.contains(s.rate_question) && text.contains(s.transcript), "{text}");
    for english in ENGLISH {
        assert!(!text.contains(english), "English {english:?} in the {lang:?} panel:\n{text}");
    }
    browser.script(&format!("{FIND}\nroot.querySelector('.pl-rating input[value=\"4\"]').click()"), json!([]));
    browser.click(&control(&browser, "button", s.rate_send));
    let rated = browser.wait_for(
        "the thank-you",
        20,
        &format!("{FIND}\nconst r = root.querySelector('.pl-rated'); return r && r.innerText"),
        json!([]),
    );
    let rated = rated.as_str().unwrap_or_default();
    assert!(rated.contains(s.rate_thanks) && rated.contains(&fill(s.rate_given, &[("label", s.rating(4))])), "{rated}");
    browser.assert_accessible(&format!("the {lang:?} rating"));

    // The system lines are the visitor's language, and about them in the
    // second person ("You rated…"), never the English stored beside them.
    use porchlight_protocol::notice::{Notice, Reader};
    let said = |n: Notice| n.words(lang, Reader::Visitor);
    for line in [
        said(Notice::HandedOff),
        said(Notice::Joined { name: "Ava".into() }),
        said(Notice::Closed { name: "Ava".into() }),
        said(Notice::Rated { name: name.clone(), score: 4 }),
    ] {
        log_shows(&browser, &line);
    }
    let log = browser.script(&format!("{FIND}\nreturn root.querySelector('.pl-log').innerText"), json!([]));
    let log = log.as_str().unwrap_or_default();
    for english in ["Handed off", "joined the conversation", "closed the conversation", "rated the conversation", &name] {
        assert!(!log.contains(english), "English (or third person) {english:?} in the {lang:?} log:\n{log}");
    }

    // The text transcript: its labels and its system lines in `lang` too.
    browser.script(CATCH_DOWNLOADS, json!([]));
    browser.click(&control(&browser, "button", s.transcript_as_text));
    browser.wait_for("the text transcript", 20, "return (window.saved || []).some(s => s.name) || null", json!([]));
    let saved = browser
        .script_async("const done = arguments[arguments.length - 1]; window.saved.find(s => s.name).blob.text().then(done);", json!([]));
    let text = saved.as_str().unwrap_or_default();
    assert!(text.starts_with(&fill(s.tr_header, &[("site", "")])), "{text}");
    assert!(text.contains(&format!("{}: {name}", s.tr_visitor)), "{text}");
    assert!(text.contains(&said(Notice::Joined { name: "Ava".into() })), "{text}");
    assert!(text.contains(&said(Notice::Rated { name: name.clone(), score: 4 })), "{text}");
    for english in ["Chat transcript from", "Visitor:", "joined the conversation", "rated the conversation", "Bot:"] {
        assert!(!text.contains(english), "English {english:?} in the {lang:?} transcript:\n{text}");
    }
}

/// Keeps what the page saves: each blob with the name its link downloads as.
const CATCH_DOWNLOADS: &str = r#"
window.saved = [];
const make = URL.createObjectURL.bind(URL);
URL.createObjectURL = b => { const u = make(b); window.saved.push({url: u, blob: b}); return u; };
const click = HTMLAnchorElement.prototype.click;
HTMLAnchorElement.prototype.click = function () {
  const s = window.saved.find(s => s.url === this.href);
  if (s && this.download) { s.name = this.download; return; }
  return click.call(this);
};
"#;

#[test]
fn a_spanish_visitor_is_refused_a_file_and_rates_in_spanish() {
    attach_refused_and_rate_in(Lang::Es, "locale=es", "Lucía Valora");
}

#[test]
fn an_arabic_visitor_is_refused_a_file_and_rates_in_arabic() {
    attach_refused_and_rate_in(Lang::Ar, "page_locale=ar", "Layla Tuqayyim");
}
