//! The visitor's chat panel.
//!
//! `loader.js` imports this module on the visitor's first sign of intent
//! (or at page load when an open conversation is stored), then calls
//! [`mount`] with the panel element inside its shadow root. From there:
//! pre-chat form → `POST /sessions` → a [`porchlight_browser::Socket`] to the
//! session, whose frames feed a [`porchlight_protocol::transcript::Transcript`].
//! Credentials live in the host page's localStorage, so a reload resumes;
//! with the panel closed, replies show on the launcher ([`notify`]).

mod api;
mod availability;
mod bench;
mod components;
mod early;
mod focus;
mod help_center;
mod host;
mod i18n;
mod notify;
mod state;

use components::history::{Conversations, PastConversation};
use components::{conversation::Conversation, prechat::PreChat, reader::Reader};
use porchlight_browser::{Handlers, Socket};
use porchlight_protocol::i18n::fill;
use porchlight_protocol::{appearance, CreateSession, SessionFrame, Status, VisitorFrame};
use state::{Action, Credentials, History, PastChat, StoredOutbox, Widget};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

const STYLE: &str = include_str!("widget.css");

/// Dark colours, written once: forced by the site (`.pl-dark`), or the
/// visitor's `prefers-color-scheme` when the site leaves it to them (`.pl-auto`).
static DARK_STYLE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let dark = include_str!("dark.css");
    format!("{}@media (prefers-color-scheme: dark) {{ {} }}", dark.replace("SCHEME", ".pl-dark"), dark.replace("SCHEME", ".pl-auto"))
});

/// Mounts the widget into `root` (the panel element inside the loader's
/// shadow root, open or still hidden). `early` holds what the loader
/// already fetched (see [`early`]); `undefined` when mounted elsewhere.
#[wasm_bindgen]
pub fn mount(root: web_sys::Element, site: String, edge: String, early: JsValue) {
    let props =
        AppProps { site: site.into(), edge: edge.trim_end_matches('/').to_owned().into(), panel: root.clone(), early: early::Early(early) };
    // Constructed stylesheets, not a <style> element: the widget must work
    // on pages whose CSP refuses inline styles.
    porchlight_browser::style::adopt(&root, &format!("{STYLE}{}{}", porchlight_browser::ui::STYLE, *DARK_STYLE));
    // The language for this page: every string, and the panel's direction.
    let lang = i18n::init();
    let _ = root.set_attribute("lang", lang.code());
    let _ = root.set_attribute("dir", lang.dir().as_str());
    yew::Renderer::<App>::with_root_and_props(root, props).render();
}

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    pub site: AttrValue,
    pub edge: AttrValue,
    /// The loader's panel: hidden until the visitor opens it.
    pub panel: web_sys::Element,
    /// The loader's early fetches (config, help-center index).
    pub early: early::Early,
}

/// What the panel shows.
#[derive(Clone, PartialEq)]
enum View {
    /// The current conversation (or the pre-chat form).
    Chat,
    /// The visitor's conversations.
    List,
    /// An earlier one, read-only.
    Past(PastChat),
}

#[function_component(App)]
fn app(props: &AppProps) -> Html {
    let widget = use_reducer(|| {
        let credentials = Credentials::load(&props.site);
        let mut w = Widget { credentials, ..Widget::default() };
        // Messages typed on an earlier page (offline, or just before a reload).
        if let Some(c) = &w.credentials {
            w.transcript.restore(StoredOutbox::load(&props.site, &c.session_id));
        }
        w
    });
    // The site's config: usually fetched by the loader already (beside the
    // WASM), so the first frame has the site's name and colour.
    let config = use_state(|| props.early.ready_config());
    let prefill = use_state(|| props.early.take_prefill());
    {
        let (config, url, early) = (config.clone(), format!("{}/api/v1/sites/{}/widget", props.edge, props.site), props.early.clone());
        use_effect_with((), move |_| {
            if config.is_none() {
                wasm_bindgen_futures::spawn_local(async move {
                    let c = match early.config().await {
                        Some(c) => Some(c),
                        None => porchlight_browser::get_json(&url).await.ok(),
                    };
                    if let Some(c) = c {
                        host::set_full_urls(c.full_page_urls);
                        config.set(Some(c));
                    }
                });
            }
        });
    }
    let availability = availability::use_availability(config.as_ref().and_then(|c| c.hours.clone()));
    let open = notify::use_panel_open(&props.panel);
    {
        // A site that goes offline without agents: ask again on every open
        // and every 30 s while open (consoles come and go).
        let watch = open && config.as_ref().is_some_and(|c| c.agents_online.is_some());
        let (config, url) = (config.clone(), format!("{}/api/v1/sites/{}/widget", props.edge, props.site));
        use_effect_with(watch, move |&watch| {
            let refresh = move || {
                let (config, url) = (config.clone(), url.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(c) = porchlight_browser::get_json(&url).await {
                        config.set(Some(c));
                    }
                });
            };
            if watch {
                refresh();
            }
            let interval = watch.then(|| gloo::timers::callback::Interval::new(30_000, refresh));
            move || drop(interval)
        });
    }
    let nobody_online = config.as_ref().is_some_and(|c| c.agents_online == Some(false));
    // Only a site with `offline_when_no_agents` turns "Talk to a person" into
    // "Leave a message" then; others let the visitor wait, told nobody is on.
    let nobody = nobody_online && config.as_ref().is_some_and(|c| c.offline_when_no_agents);
    let page_visible = notify::use_page_visible();
    let showing = open && page_visible;
    let socket = use_session_socket(props, &widget);
    use_receipts(&widget, &socket, showing);
    // The help center's index is for the open panel: a widget loaded at
    // page load for an open conversation fetches it on first open.
    let ever_open = use_state(|| open);
    {
        let ever_open = ever_open.clone();
        use_effect_with(open, move |open| {
            if *open && !*ever_open {
                ever_open.set(true);
            }
        });
    }
    let help_center = help_center::use_help_center(
        props.edge.clone(),
        props.site.clone(),
        config.as_ref().and_then(|c| c.kb_version.clone()).filter(|_| *ever_open),
        props.early.clone(),
    );

    // Replies noticed: badge and preview on the launcher, the tab's title, a sound.
    let launcher = use_memo((), {
        let panel = props.panel.clone();
        move |_| notify::Launcher::find(&panel)
    });
    // While the visitor looks at the open panel, what arrives is read: the
    // count stays 0 (not 1 for a render, then 0 once the receipt is sent).
    let unread: Vec<porchlight_protocol::Message> = if showing { Vec::new() } else { widget.unread().into_iter().cloned().collect() };
    notify::use_title_flash(unread.len(), page_visible);
    {
        let wants = config.as_ref().is_some_and(|c| c.sound) || notify::page_wants_sound();
        use_effect_with(widget.arrivals, move |&arrivals| {
            if arrivals > 0 && !showing && wants {
                notify::beep();
            }
        });
    }

    // The visitor's conversations, the current one among them, kept fresh.
    let history = use_state(|| History::load(&props.site));
    let view = use_state(|| View::Chat);
    {
        let entry = widget.credentials.as_ref().and_then(|c| PastChat::of(c, &widget.transcript));
        let (history, site, creds) = (history.clone(), props.site.clone(), widget.credentials.clone());
        use_effect_with((entry, widget.awaits_reply()), move |(entry, awaits_reply)| {
            let Some(entry) = entry else { return };
            // Once ended, the loader need not load the widget for it at page
            // load, unless the team's answer to a left message is to come.
            let current = Credentials::load(&site).is_some_and(|c| c.session_id == entry.session_id);
            if let (Some(creds), true, true) = (creds, current, entry.status == Status::Closed) {
                creds.save(&site, !*awaits_reply);
            }
            history.set(History::upsert(&site, entry.clone()));
        });
    }
    {
        // Continuity: a signed-in user's conversations from other browsers
        // join the list (once per page load; the edge hands out their tokens
        // only for a valid identity token).
        let (history, site, edge) = (history.clone(), props.site.clone(), props.edge.clone());
        use_effect_with((), move |_| {
            if let Some(identity) = host::identity() {
                wasm_bindgen_futures::spawn_local(async move {
                    let url = format!("{edge}/api/v1/sites/{site}/identity/conversations");
                    let body = porchlight_protocol::identity::ConversationsRequest { identity };
                    if let Ok(found) =
                        porchlight_browser::post_json::<_, porchlight_protocol::identity::Conversations>(&url, &body, None).await
                    {
                        history.set(History::merge(&site, found.conversations));
                    }
                });
            }
        });
    }
    {
        // A session the edge refuses for good (unknown, bad token) is over too.
        let (site, creds) = (props.site.clone(), widget.credentials.clone());
        use_effect_with(widget.conn, move |conn| {
            if let (porchlight_browser::Conn::Refused, Some(creds)) = (conn, creds) {
                if Credentials::load(&site).is_some_and(|c| c.session_id == creds.session_id) {
                    creds.save(&site, true);
                }
            }
        });
    }
    focus::use_focus_rescue(&props.panel);
    // The page's commands (`Porchlight('showArticle' | 'prefill' | 'reset', …)`).
    let article = use_state(|| None::<String>);
    // Text the page asked to put in the composer (`Porchlight('prefill', …)`).
    let draft_prefill = use_state(|| None::<AttrValue>);
    {
        let (article, draft_prefill, widget, history, view) =
            (article.clone(), draft_prefill.clone(), widget.clone(), history.clone(), view.clone());
        let socket = socket.clone();
        let on_command = Callback::from(move |command: api::Command| match command {
            api::Command::ShowArticle(id) => {
                send_on(&socket, &VisitorFrame::ArticleOpened { article_id: id.clone() });
                article.set(Some(id));
            }
            api::Command::Prefill(text) => draft_prefill.set(Some(text.into())),
            api::Command::Reset => {
                article.set(None);
                view.set(View::Chat);
                history.set(Vec::new());
                widget.dispatch(Action::Reset);
            }
        });
        api::use_page_commands(&props.panel, on_command);
    }
    // The page hears about unread messages and each new one from the team,
    // with the panel closed too (`Porchlight('on', 'unread' | 'message', fn)`).
    {
        let panel = props.panel.clone();
        use_effect_with(unread.len(), move |&n| api::emit(&panel, "unread", JsValue::from(n as u32)));
    }
    {
        let (panel, newest) = (props.panel.clone(), widget.transcript.messages().last().cloned());
        use_effect_with(widget.arrivals, move |&arrivals| {
            if let Some(m) = newest.filter(|_| arrivals > 0) {
                api::emit(&panel, "message", api::message_data(&m));
            }
        });
    }
    let current_id = widget.credentials.as_ref().map(|c| c.session_id.clone());
    let has_others = history.iter().any(|c| Some(&c.session_id) != current_id.as_ref());

    // "Start a new conversation": the same visitor, no second form.
    let starting = use_state(|| false);
    let start_error = use_state(|| None::<String>);
    let on_new = {
        let (widget, starting, start_error, view) = (widget.clone(), starting.clone(), start_error.clone(), view.clone());
        let (edge, site) = (props.edge.clone(), props.site.clone());
        Callback::from(move |()| {
            let Some(visitor) = widget.transcript.session.as_ref().map(|s| s.visitor.clone()) else {
                return;
            };
            if *starting {
                return;
            }
            starting.set(true);
            let form = CreateSession {
                name: visitor.name,
                email: visitor.email,
                identity: host::identity(),
                context: host::context(),
                locale: Some(i18n::lang().code().to_owned()),
            };
            let (widget, starting, start_error, view, edge, site) =
                (widget.clone(), starting.clone(), start_error.clone(), view.clone(), edge.clone(), site.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match components::prechat::start(&edge, &site, &form).await {
                    Ok(creds) => {
                        start_error.set(None);
                        view.set(View::Chat);
                        widget.dispatch(Action::Started(creds));
                    }
                    Err(e) => start_error.set(Some(e.message)),
                }
                starting.set(false);
            });
        })
    };
    let closed = widget.status() == Some(Status::Closed);

    let on_send = {
        let (widget, socket, draft_prefill) = (widget.clone(), socket.clone(), draft_prefill.clone());
        Callback::from(move |(text, reply_to): (String, Option<porchlight_protocol::Seq>)| {
            // A prefilled draft is used once.
            draft_prefill.set(None);
            let client_id = porchlight_browser::new_client_id();
            widget.dispatch(Action::Queue(client_id.clone(), text.clone(), reply_to));
            send_on(&socket, &VisitorFrame::Send { client_id, text, reply_to });
        })
    };
    let on_frame = {
        let socket = socket.clone();
        Callback::from(move |frame: VisitorFrame| send_on(&socket, &frame))
    };
    let on_started = {
        let widget = widget.clone();
        Callback::from(move |creds: Credentials| widget.dispatch(Action::Started(creds)))
    };
    // Before the config arrives (rare: the loader fetched it beside the
    // WASM) the header is the accent with no name, never a made-up one.
    let (title, greeting, accent) = match &*config {
        Some(c) => (
            c.title.clone().unwrap_or_else(|| c.name.clone()),
            c.subtitle.clone().unwrap_or_else(|| c.greeting.clone()),
            c.accent_color.clone(),
        ),
        None => (String::new(), String::new(), props.early.accent().unwrap_or_else(|| appearance::DEFAULT_ACCENT.into())),
    };
    let scheme = match config.as_ref().map(|c| c.color_scheme) {
        Some(appearance::ColorScheme::Dark) => "pl-dark",
        Some(appearance::ColorScheme::Light) => "pl-light",
        _ => "pl-auto",
    };
    let accent = appearance::accent_or_default(&accent).to_owned();
    let on_accent = porchlight_protocol::colors::text_on(&accent);
    let on_close = {
        let panel = props.panel.clone();
        Callback::from(move |_: MouseEvent| {
            if let Ok(e) = web_sys::Event::new(notify::CLOSE_EVENT) {
                let _ = panel.dispatch_event(&e);
            }
        })
    };
    let in_chat = widget.credentials.is_some() && *view == View::Chat;
    let show = |v: View| {
        let view = view.clone();
        Callback::from(move |()| view.set(v.clone()))
    };
    let on_open_chat = {
        let (view, current_id) = (view.clone(), current_id.clone());
        Callback::from(move |chat: PastChat| {
            view.set(if Some(&chat.session_id) == current_id.as_ref() { View::Chat } else { View::Past(chat) })
        })
    };
    // The accent through the CSSOM (a style attribute would be refused by a
    // strict CSP).
    let panel_ref = use_node_ref();
    {
        let panel_ref = panel_ref.clone();
        use_effect_with((accent.clone(), on_accent), move |(accent, on_accent)| {
            if let Some(el) = panel_ref.cast::<web_sys::Element>() {
                porchlight_browser::style::set_var(&el, "--pl-accent", accent);
                porchlight_browser::style::set_var(&el, "--pl-on-accent", on_accent);
            }
        });
    }
    html! {
        <div class={classes!("pl-panel", scheme)} ref={panel_ref} lang={i18n::lang().code()} dir={i18n::lang().dir().as_str()}>
            <header class="pl-header">
                <div class="pl-heading">
                    <h2 class="pl-title" dir="auto">{ title.clone() }</h2>
                    // In a conversation the greeting is its first message instead.
                    if !in_chat && !greeting.is_empty() {
                        <div class="pl-subtitle" dir="auto">{ greeting.clone() }</div>
                    }
                    if let Some(replies) = &availability.replies {
                        <div class="pl-availability">{ replies }</div>
                    } else if !availability.open {
                        <div class="pl-availability">{ match &availability.back {
                            Some(back) => fill(i18n::t().away_back, &[("time", back)]),
                            None => i18n::t().away.to_owned(),
                        } }</div>
                    }
                </div>
                if has_others && *view == View::Chat {
                    <button type="button" class="pl-header-button" onclick={{ let s = show(View::List); Callback::from(move |_: MouseEvent| s.emit(())) }}>
                        { i18n::t().your_conversations }</button>
                }
                <button type="button" class="pl-close" aria-label={i18n::t().close_chat} title={i18n::t().close_chat} onclick={on_close}>{ "×" }</button>
            </header>
            // The one live region: new messages from others, once, as "Ava: text".
            <div class="pl-sr" aria-live="polite" aria-atomic="true">{ widget.announcement.clone() }</div>
            if let Some(launcher) = (*launcher).clone() {
                <notify::Notifications {launcher} unread={unread.clone()} open={open} />
            }
            if let Some(err) = &*start_error {
                <p class="pl-error" role="alert">{ err }</p>
            }
            if let Some(id) = (*article).clone() {
                <Reader edge={props.edge.clone()} site={props.site.clone()} id={id}
                    lang={AttrValue::from(i18n::lang().code())}
                    on_open={{ let a = article.clone(); Callback::from(move |id: String| a.set(Some(id))) }}
                    on_back={{ let a = article.clone(); Callback::from(move |()| a.set(None)) }} />
            } else { { match (*view).clone() {
                View::List => html! {
                    <Conversations chats={(*history).clone()} current={current_id.clone()} on_open={on_open_chat}
                        on_back={show(View::Chat)} on_new={closed.then(|| on_new.clone())} />
                },
                View::Past(chat) => html! {
                    <PastConversation edge={props.edge.clone()} site={props.site.clone()} {chat} on_back={show(View::List)}
                        team={AttrValue::from(title.clone())} />
                },
                View::Chat if widget.credentials.is_some() => html! {
                    <Conversation widget={widget.clone()} edge={props.edge.clone()} site={props.site.clone()}
                        {help_center} {on_send} {on_frame} on_new={on_new.clone()} starting={*starting}
                        greeting={AttrValue::from(greeting.clone())} team={AttrValue::from(title.clone())}
                        prefill={(*draft_prefill).clone()}
                        offline={!availability.open || nobody} no_agents={availability.open && nobody}
                        nobody_online={availability.open && nobody_online}
                        back={availability.back.clone().map(AttrValue::from)}
                        csat={config.as_ref().is_none_or(|c| c.csat)} panel_open={open} />
                },
                View::Chat => html! { <PreChat site={props.site.clone()} edge={props.edge.clone()} {on_started} prefill={(*prefill).clone()} /> },
            } } }
        </div>
    }
}

/// The session's socket, always the current one (it is replaced when the
/// visitor starts a new chat), so long-lived callbacks never send on a stale one.
type SocketCell = Rc<std::cell::RefCell<Rc<Option<Socket>>>>;

fn send_on(socket: &SocketCell, frame: &VisitorFrame) {
    if let Some(s) = socket.borrow().as_ref() {
        s.send(frame);
    }
}

/// Receipts: "delivered" is everything the widget holds; "seen" only what
/// was on screen (`showing`: the panel open and the tab visible). Sent
/// when either moves, and again on every new connection (it may have
/// missed the last one).
#[hook]
fn use_receipts(widget: &UseReducerHandle<Widget>, socket: &SocketCell, showing: bool) {
    let sent = use_mut_ref(|| (0u32, porchlight_protocol::Marks::default()));
    let (widget, socket) = (widget.clone(), socket.clone());
    use_effect_with((widget.last_seq(), widget.welcomes, showing), move |&(last, welcomes, showing)| {
        let mut sent = sent.borrow_mut();
        if sent.0 != welcomes {
            *sent = (welcomes, porchlight_protocol::Marks::default());
        }
        let prev = sent.1;
        let marks = porchlight_protocol::Marks { delivered: last, seen: if showing { last } else { prev.seen } };
        if marks != prev && last.0 > 0 {
            send_on(&socket, &VisitorFrame::Receipt { marks });
            sent.1 = marks;
        }
        if showing && last > widget.seen {
            widget.dispatch(Action::Seen(last));
        }
    });
}

/// Keeps the session socket open while the widget has credentials.
/// Returns the socket for sending; messages typed while it is down stay in
/// the outbox and are resent after the next `welcome`.
#[hook]
fn use_session_socket(props: &AppProps, widget: &UseReducerHandle<Widget>) -> SocketCell {
    let socket = use_mut_ref(|| Rc::new(None::<Socket>));
    let creds = widget.credentials.clone();
    let version = use_state(|| 0u32);
    // The resume point, read by `hello` on every reconnect: the newest
    // render's, not the one the socket was created in.
    let cursor = use_mut_ref(porchlight_protocol::Seq::default);
    *cursor.borrow_mut() = widget.transcript.resume_seq();
    // Keep the outbox in storage whenever it changes.
    {
        let (site, outbox) = (props.site.clone(), widget.transcript.outbox.clone());
        let session = widget.credentials.as_ref().map(|c| c.session_id.clone());
        use_effect_with((session, outbox), move |(session, outbox)| {
            if let Some(session) = session {
                StoredOutbox::save(&site, session, outbox);
            }
        });
    }
    {
        let (socket, widget, edge, site, version) =
            (socket.clone(), widget.clone(), props.edge.clone(), props.site.clone(), version.clone());
        let cursor = cursor.clone();
        use_effect_with(creds, move |creds| {
            if let Some(creds) = creds.clone() {
                let url = porchlight_browser::ws_url(&edge, &format!("/api/v1/sites/{site}/sessions/{}/ws", creds.session_id));
                let frames = widget.clone();
                let states = widget.clone();
                let sock = Socket::connect(
                    url,
                    Handlers {
                        hello: Box::new(move || {
                            let hello =
                                VisitorFrame::Hello { token: creds.token.clone(), last_seq: *cursor.borrow(), identity: host::identity() };
                            serde_json::to_string(&hello).unwrap_or_default()
                        }),
                        on_frame: Box::new(move |text| match serde_json::from_str::<SessionFrame>(&text) {
                            Ok(frame) => frames.dispatch(Action::Frame(frame)),
                            Err(e) => web_sys_log(&format!("porchlight: unreadable frame: {e}")),
                        }),
                        on_state: Box::new(move |conn| states.dispatch(Action::Conn(conn))),
                    },
                );
                *socket.borrow_mut() = Rc::new(Some(sock));
                version.set(*version + 1);
            } else {
                // `Porchlight('reset')`: dropping the socket closes it for good.
                *socket.borrow_mut() = Rc::new(None);
            }
            move || {}
        });
    }
    // After every welcome, resend whatever is still in the outbox: sends are
    // idempotent by client_id, so a message that did arrive is not doubled.
    // And bring the host page's context up to date.
    {
        let (socket, widget) = (socket.clone(), widget.clone());
        use_effect_with(widget.welcomes, move |_| {
            if let Some(sock) = socket.borrow().as_ref() {
                for p in widget.transcript.unsent() {
                    sock.send(&VisitorFrame::Send { client_id: p.client_id.clone(), text: p.text.clone(), reply_to: p.reply_to });
                }
                let context = host::context();
                let open = widget.transcript.session.as_ref().filter(|s| s.status != porchlight_protocol::Status::Closed);
                if open.is_some_and(|s| s.context != context) {
                    sock.send(&VisitorFrame::Context { context });
                }
            }
        });
    }
    // A send refused as too fast stays in the outbox: resend it after the
    // wait the edge named (one timer per refusal; resends are idempotent).
    {
        let (socket, widget) = (socket.clone(), widget.clone());
        use_effect_with(widget.transcript.retries, move |retries| {
            let timer = (*retries > 0).then(|| {
                let wait = widget.transcript.retry_after_ms.unwrap_or(1_000).min(60_000) as u32;
                let (socket, widget) = (socket.clone(), widget.clone());
                gloo::timers::callback::Timeout::new(wait, move || {
                    for p in widget.transcript.unsent() {
                        send_on(
                            &socket,
                            &VisitorFrame::Send { client_id: p.client_id.clone(), text: p.text.clone(), reply_to: p.reply_to },
                        );
                    }
                })
            });
            move || drop(timer)
        });
    }
    // The page may attach context later (`Porchlight.setContext`).
    {
        let socket = socket.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, host::CHANGED_EVENT, move |_| {
                    send_on(&socket, &VisitorFrame::Context { context: host::context() });
                })
            });
            move || drop(listener)
        });
    }
    socket
}

fn web_sys_log(s: &str) {
    gloo::console::warn!(s);
}

pub use bench::KeystrokeBench;
pub use state::Widget as WidgetState;
