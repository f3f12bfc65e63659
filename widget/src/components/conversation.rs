//! The conversation: status line, message log (or an open article),
//! the bot's choices, queue position, suggestions while typing, composer.

use super::offline::LeaveMessage;
use super::rating::RateConversation;
use super::reader::Reader;
use super::suggestions::Suggestions;
use super::transcript::TranscriptDownload;
use crate::help_center::HelpCenter;
use crate::state::Widget;
use gloo::timers::callback::Timeout;
use porchlight_browser::files::{files_url, AttachButton, AttachmentView};
use porchlight_browser::ui::{self, Compose, MessageAction, MessageTools};
use porchlight_browser::{Conn, TypingSignal};
use porchlight_protocol::i18n::{self, fill};
use porchlight_protocol::{appearance, validate, Author, ClosedBy, Participant, Seq, Status, VisitorFrame};
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// Ranking runs after the visitor pauses this long, not on every key.
const DEBOUNCE_MS: u32 = 120;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub widget: UseReducerHandle<Widget>,
    pub edge: AttrValue,
    pub site: AttrValue,
    pub help_center: Option<HelpCenter>,
    /// A new message, and the one it quotes.
    pub on_send: Callback<(String, Option<Seq>)>,
    /// Frames other than `send`: handoff, resolve, article_opened, edit, react…
    pub on_frame: Callback<VisitorFrame>,
    /// "Start a new conversation", offered once this one has ended.
    pub on_new: Callback<()>,
    /// A new conversation is being created.
    pub starting: bool,
    /// The site's greeting, shown as the conversation's first message, and
    /// who it is from (the site's name).
    pub greeting: AttrValue,
    pub team: AttrValue,
    /// Text the page put in the composer (`Porchlight('prefill', …)`).
    #[prop_or_default]
    pub prefill: Option<AttrValue>,
    /// Outside business hours: "Talk to a person" becomes "Leave a message".
    #[prop_or_default]
    pub offline: bool,
    /// When the team is back ("on Monday at 08:00"), while offline.
    #[prop_or_default]
    pub back: Option<AttrValue>,
    /// Open hours, but nobody from the team online (`offline` is set too).
    #[prop_or_default]
    pub no_agents: bool,
    /// Nobody from the team online, on a site that still lets visitors
    /// wait: a waiting visitor is told so and offered "Leave a message".
    #[prop_or_default]
    pub nobody_online: bool,
    /// The site collects ratings (its `csat`): offered once a chat with a person ends.
    #[prop_or(true)]
    pub csat: bool,
    /// The loader's panel is open: opening it shows the newest message.
    #[prop_or(true)]
    pub panel_open: bool,
}

#[function_component(Conversation)]
pub fn conversation(props: &Props) -> Html {
    let w = &props.widget;
    let t = &w.transcript;
    let status = w.status();
    let closed = status == Some(Status::Closed);
    // The session's files and the visitor's token to fetch and send them.
    let files = w
        .credentials
        .as_ref()
        .map(|c| (AttrValue::from(files_url(&props.edge, &props.site, &c.session_id.to_string())), AttrValue::from(c.token.clone())));
    // A conversation whose ticket the team closed is read-only (the edge refuses sends too).
    let ticket_closed = t.session.as_ref().and_then(|s| s.ticket.as_ref()).is_some_and(|t| t.closed);
    // Ended either way: the edge closes a chat with its ticket, but one
    // whose ticket closed before it did so must not leave the visitor stuck.
    let ended = closed || ticket_closed;
    let log = use_node_ref();
    // Files dropped anywhere on the conversation are sent, not just on the composer.
    let zone = use_node_ref();
    let reading = use_state(|| None::<String>);
    let leaving = use_state(|| false);
    {
        // The edge turned a handoff (a typed "talk to a human", the bot's
        // own) into "Leave a message": open the form, each time.
        let leaving = leaving.clone();
        use_effect_with(t.unavailable.map(|(_, n)| n), move |n| {
            if n.is_some() {
                leaving.set(true);
            }
        });
    }
    // The form is open (and still wanted: no ticket yet, the chat not over).
    let leaving_open = *leaving && !closed && t.session.as_ref().is_some_and(|s| s.ticket.is_none());
    // "Leave a message" hides while its form is open; Cancel brings the focus back to it.
    let leave_button = use_node_ref();
    let refocus_leave = use_mut_ref(|| false);
    {
        let (leave_button, refocus_leave) = (leave_button.clone(), refocus_leave.clone());
        use_effect_with(leaving_open, move |&open| {
            if !open && std::mem::take(&mut *refocus_leave.borrow_mut()) {
                if let Some(el) = leave_button.cast::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    }
    // The address a left message gave (the session's copy arrives with the next welcome).
    let left_email = use_state(|| None::<String>);
    let compose = use_state(Compose::default);
    let suggested = use_state(Vec::<(String, String)>::new);
    let debounce = use_mut_ref(|| None::<Timeout>);
    // The signal outlives renders; it must send through the newest callback.
    let latest_on_frame = use_mut_ref(|| props.on_frame.clone());
    *latest_on_frame.borrow_mut() = props.on_frame.clone();
    let typing = use_memo((), move |_| TypingSignal::new(move |typing| latest_on_frame.borrow().emit(VisitorFrame::Typing { typing })));

    // Keep the newest message in view, unless the visitor scrolled up to read.
    let pinned = use_mut_ref(|| true);
    let onscroll = {
        let (log, pinned) = (log.clone(), pinned.clone());
        Callback::from(move |_: Event| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                *pinned.borrow_mut() = el.scroll_height() - el.scroll_top() - el.client_height() < 48;
            }
        })
    };
    let was_live = use_mut_ref(|| false);
    let start_new = use_node_ref();
    let rating_status = |status| porchlight_protocol::csat::rating_status(status, ticket_closed);
    let rating_offered = t.session.as_ref().is_some_and(|s| {
        s.rating.is_none() && porchlight_protocol::csat::offered(rating_status(s.status), s.agent.as_ref(), None, props.csat)
    });
    {
        let (log, pinned) = (log.clone(), pinned.clone());
        // The chat ended while the visitor watched (not a reload of an ended one).
        let (live, start_new) = (was_live.clone(), start_new.clone());
        let deps = (t.len(), t.outbox.len(), reading.is_none(), ended, rating_offered, props.panel_open, t.session.is_some());
        use_effect_with(deps, move |&(_, _, _, ended, rating_offered, open, known)| {
            let ended_live = ended && *live.borrow();
            *live.borrow_mut() = known && !ended;
            let Some(el) = log.cast::<web_sys::Element>() else { return };
            if !open {
                // A hidden log has no height to scroll in: follow again once opened.
                *pinned.borrow_mut() = true;
                return;
            }
            if rating_offered {
                // An ended chat asks for a rating: its question and faces in
                // view, focus on the faces (Intercom, Crisp do the same).
                if let Ok(Some(face)) = el.query_selector(".pl-rating input[type=radio]") {
                    if let Some(face) = face.dyn_ref::<web_sys::HtmlElement>() {
                        let _ = face.focus();
                    }
                }
                if let Ok(Some(form)) = el.query_selector(".pl-rating") {
                    form.scroll_into_view_with_bool(true);
                }
            } else {
                if ended_live {
                    // Not left on a disabled box or thrown to the top: the way on.
                    if let Some(button) = start_new.cast::<web_sys::HtmlElement>() {
                        let _ = button.focus();
                    }
                }
                if *pinned.borrow() || ended_live {
                    el.set_scroll_top(el.scroll_height());
                }
            }
        });
    }

    let open = {
        let (reading, on_frame) = (reading.clone(), props.on_frame.clone());
        Callback::from(move |id: String| {
            on_frame.emit(VisitorFrame::ArticleOpened { article_id: id.clone() });
            reading.set(Some(id));
        })
    };
    // Suggestions help before a person is with the visitor, not during.
    let suggesting = matches!(status, Some(Status::Bot | Status::Waiting));
    // The draft as last typed: the help center may arrive after it.
    let last_draft = use_mut_ref(String::new);
    {
        let (suggested, last_draft) = (suggested.clone(), last_draft.clone());
        use_effect_with(props.help_center.clone(), move |center| {
            let draft = last_draft.borrow();
            if let Some(center) = center.as_ref().filter(|_| suggesting && !draft.trim().is_empty()) {
                suggested.set(center.suggest(&draft));
            }
        });
    }
    let on_draft = {
        let (suggested, debounce, center, typing) = (suggested.clone(), debounce.clone(), props.help_center.clone(), typing.clone());
        let last_draft = last_draft.clone();
        Callback::from(move |draft: String| {
            typing.input(&draft);
            last_draft.borrow_mut().clone_from(&draft);
            let Some(center) = center.clone().filter(|_| suggesting) else { return };
            let suggested = suggested.clone();
            // Dropping the previous timeout cancels it.
            *debounce.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, move || suggested.set(center.suggest(&draft))));
        })
    };
    // The article gives way to the conversation when it moves on: the
    // visitor sends, the chat changes hands or ends, a new one starts. (An
    // incoming reply alone does not take the article away; it is announced.)
    {
        let reading = reading.clone();
        let moved_on = (status, t.session.as_ref().map(|s| s.id.clone()));
        use_effect_with(moved_on, move |_| reading.set(None));
    }
    let on_send = {
        let (suggested, debounce, on_send, typing) = (suggested.clone(), debounce.clone(), props.on_send.clone(), typing.clone());
        let (compose, on_frame, last_draft) = (compose.clone(), props.on_frame.clone(), last_draft.clone());
        let reading = reading.clone();
        Callback::from(move |text: String| {
            reading.set(None);
            typing.stop();
            debounce.borrow_mut().take();
            last_draft.borrow_mut().clear();
            suggested.set(Vec::new());
            match *compose {
                Compose::Edit(seq) => on_frame.emit(VisitorFrame::Edit { seq, text }),
                Compose::Reply(seq) => on_send.emit((text, Some(seq))),
                Compose::New => on_send.emit((text, None)),
            }
            compose.set(Compose::New);
        })
    };
    let on_action = |seq: Seq| {
        let (compose, on_frame) = (compose.clone(), props.on_frame.clone());
        Callback::from(move |action: MessageAction| match action {
            MessageAction::React(emoji, on) => on_frame.emit(VisitorFrame::React { seq, emoji, on }),
            MessageAction::Delete => on_frame.emit(VisitorFrame::Delete { seq }),
            MessageAction::Reply => compose.set(Compose::Reply(seq)),
            MessageAction::Edit => compose.set(Compose::Edit(seq)),
        })
    };
    // Editing starts from the message's current text.
    let draft = match *compose {
        Compose::Edit(seq) => t.get(seq).map(|m| AttrValue::from(m.text.clone())),
        _ => props.prefill.clone(),
    };
    let frame = |f: VisitorFrame| {
        let (on_frame, reading) = (props.on_frame.clone(), reading.clone());
        Callback::from(move |_: MouseEvent| {
            reading.set(None);
            on_frame.emit(f.clone())
        })
    };

    let s = crate::i18n::t();
    let status_line = match (w.conn, t.session.as_ref()) {
        (Conn::Refused, _) => s.status_refused.to_owned(),
        (Conn::Reconnecting, _) if web_sys::window().is_some_and(|w| !w.navigator().on_line()) => s.status_offline.to_owned(),
        (Conn::Reconnecting, _) => s.status_reconnecting.to_owned(),
        (_, None) => s.status_connecting.to_owned(),
        // A closed ticket ends the conversation, whoever last chatted in it:
        // no "You're chatting with Ava" over a box that takes no more messages.
        (_, Some(_)) if ticket_closed => s.status_ended.to_owned(),
        (_, Some(session)) => match (session.status, &session.agent) {
            // Out of hours nobody is "one click away".
            (Status::Bot, _) if props.offline => s.status_bot_offline.to_owned(),
            (Status::Bot, _) => s.status_bot.to_owned(),
            // Not "waiting for an agent" beside "we're closed".
            (Status::Waiting, _) if props.offline => s.status_bot_offline.to_owned(),
            (Status::Waiting, _) => s.status_waiting.to_owned(),
            (Status::Active, Some(a)) => fill(s.status_chatting_with, &[("name", &a.name)]),
            (Status::Active, None) => s.status_agent.to_owned(),
            (Status::Closed, _) if session.closed_by == Some(ClosedBy::Bot) => s.status_resolved.to_owned(),
            (Status::Closed, _) => s.status_ended.to_owned(),
        },
    };
    let offered = t.messages().any(|m| m.author == Author::Bot && !m.articles.is_empty());
    // Day separators and times, in the visitor's own time zone.
    let days = crate::i18n::DaySeparators::new();
    // Receipts on the visitor's newest message: how far the team got.
    let last_mine = t.messages().filter(|m| matches!(m.author, Author::Visitor { .. })).map(|m| m.seq).last();
    let team_marks = t.session.as_ref().map(|s| s.receipts.agents).unwrap_or_default();

    // The reader opens an article in the language the visitor writes in:
    // the draft being typed, else their last message.
    let reader_lang = {
        let draft = last_draft.borrow();
        let text = if draft.trim().is_empty() {
            t.messages().filter(|m| matches!(m.author, Author::Visitor { .. })).map(|m| m.text.clone()).last().unwrap_or_default()
        } else {
            draft.clone()
        };
        AttrValue::from(if text.is_empty() { "" } else { porchlight_kb::lang::detect(&text).code() })
    };

    html! {
        <div class="pl-conversation" ref={zone.clone()}>
            <div class="pl-status" aria-live="polite">{ status_line }</div>
            if let Some(id) = (*reading).clone() {
                <Reader edge={props.edge.clone()} site={props.site.clone()} id={id} lang={reader_lang}
                    on_open={open.clone()} on_back={{ let r = reading.clone(); Callback::from(move |()| r.set(None)) }} />
            } else {
                // Not a live region itself: it would read whole bubbles, their
                // actions too. The panel's announcer reads "Ava: text" instead.
                <div class="pl-log" role="log" aria-label={s.messages} aria-live="off" tabindex="0" ref={log} {onscroll}>
                    // The greeting opens every conversation (drawn here, not
                    // stored: it is the site's, and may change).
                    if !props.greeting.is_empty() {
                        <div class="pl-msg pl-theirs pl-greeting">
                            if !props.team.is_empty() { <div class="pl-who" dir="auto">{ props.team.clone() }</div> }
                            <div class="pl-text" dir="auto">{ props.greeting.clone() }</div>
                        </div>
                    }
                    { for t.messages().map(|m| {
                        let separator = days.before(m.at).map(|label| html! { <div class="pl-day" role="separator">{ label }</div> });
                        let (class, who) = match &m.author {
                            Author::Visitor { .. } => ("pl-msg pl-mine", None),
                            Author::Agent { id, name } => ("pl-msg pl-theirs", Some(html! { <>
                                <span class={format!("pl-avatar pl-avatar-{}", appearance::avatar_index(id.as_str()))} aria-hidden="true">
                                    { appearance::initials(name) }</span>{ name }</> })),
                            Author::External { .. } => ("pl-msg pl-theirs pl-external", Some(html! { { m.author.external_label().unwrap_or_default() } })),
                            Author::Bot => ("pl-msg pl-theirs pl-bot", Some(html! { { s.assistant } })),
                            Author::System => ("pl-msg pl-system", None),
                        };
                        let system = m.author == Author::System;
                        let mine = matches!(m.author, Author::Visitor { .. });
                        html! { <>
                            { separator }
                            <div {class} data-seq={m.seq.to_string()} role={system.then_some("status")}>
                                if let Some(who) = who { <div class="pl-who" dir="auto">{ who }</div> }
                                { ui::quote(t, m) }
                                if let (Some(file), Some((base, bearer))) = (&m.attachment, &files) {
                                    <AttachmentView file={file.clone()} base={base.clone()} bearer={bearer.clone()} />
                                } else {
                                    { ui::text(m, "pl-text") }
                                }
                                if Some(m.seq) == last_mine {
                                    <div class="pl-meta pl-receipt" aria-label={s.receipt}>
                                        { format!("{}{} · {}", crate::i18n::time(m.at), crate::i18n::edited(m), crate::i18n::receipt(team_marks.label(m.seq))) }</div>
                                } else if !system {
                                    <div class="pl-meta pl-time">{ format!("{}{}", crate::i18n::time(m.at), crate::i18n::edited(m)) }</div>
                                }
                                <MessageTools message={m.clone()} me={Participant::Visitor} {mine} enabled={!ended}
                                    on_action={on_action(m.seq)} />
                                if !m.articles.is_empty() {
                                    <ul class="pl-offered" aria-label={s.bot_articles}>
                                        { for m.articles.iter().map(|a| {
                                            let (open, id) = (open.clone(), a.id.clone());
                                            html! { <li><button type="button" class="pl-article-link" data-article={a.id.clone()}
                                                onclick={Callback::from(move |_| open.emit(id.clone()))}>{ &a.title }</button></li> }
                                        }) }
                                    </ul>
                                }
                            </div>
                        </> }
                    }) }
                    { for t.outbox.iter().map(|p| html! {
                        <div class="pl-msg pl-mine pl-pending">
                            <div class="pl-text">{ &p.text }</div>
                            <div class="pl-meta">{ p.error.as_ref().map_or_else(|| s.sending.into(), |e| crate::i18n::refusal(p.error_code, e)) }</div>
                        </div>
                    }) }
                    // The form ends the log and scrolls with it: one scroll for the
                    // panel, so a short window still reaches its buttons.
                    if leaving_open {
                        <LeaveMessage email={t.session.as_ref().and_then(|s| s.visitor.email.clone()).map(AttrValue::from)}
                            question={t.messages().filter(|m| matches!(m.author, Author::Visitor { .. })).map(|m| m.text.clone()).last()
                                // A bare "can I talk to a human?" is no question to send the team.
                                .filter(|q| !porchlight_kb::intent::only_person(q)).map(AttrValue::from)}
                            on_frame={{ let (on_frame, l, e) = (props.on_frame.clone(), leaving.clone(), left_email.clone()); Callback::from(move |f: VisitorFrame| {
                                if let VisitorFrame::LeaveMessage { email, .. } = &f { e.set(Some(email.clone())); }
                                on_frame.emit(f);
                                l.set(false);
                            }) }}
                            on_cancel={{ let (l, r) = (leaving.clone(), refocus_leave.clone()); Callback::from(move |()| { *r.borrow_mut() = true; l.set(false) }) }} />
                    }
                    // What follows an ended chat scrolls with the log, not in a
                    // box of its own: a short window then still shows the rating whole.
                    <div class="pl-after">
                    if let Some(s) = t.session.as_ref().filter(|s| s.rating.is_some() || porchlight_protocol::csat::offered(rating_status(s.status), s.agent.as_ref(), None, props.csat)) {
                        <RateConversation rating={s.rating.clone()} on_frame={props.on_frame.clone()} />
                    }
                    if ended {
                        <div class="pl-closed">
                            // A left message's log line already says it all.
                            if t.session.as_ref().is_none_or(|s| s.ticket.is_none()) {
                                <p role="status">{ s.ended_no_more }</p>
                            }
                            <button type="button" class="pl-primary" ref={start_new.clone()} disabled={props.starting}
                                onclick={{ let on_new = props.on_new.clone(); Callback::from(move |_: MouseEvent| on_new.emit(())) }}>
                                { s.start_new }</button>
                            if let Some(c) = w.credentials.as_ref() {
                                <TranscriptDownload edge={props.edge.clone()} site={props.site.clone()} site_name={props.team.clone()}
                                    session_id={c.session_id.clone()} token={AttrValue::from(c.token.clone())} />
                            }
                        </div>
                    }
                    </div>
                </div>
            }
            if let Some(Participant::Agent { name, .. }) = t.typing.iter().find(|t| matches!(t, Participant::Agent { .. })) {
                <p class="pl-typing" role="status">{ fill(s.typing, &[("name", name)]) }</p>
            }
            if let Some(notice) = &t.notice {
                <p class="pl-error" role="alert">{ crate::i18n::refusal(t.notice_code, notice) }</p>
            }
            if status == Some(Status::Bot) && props.no_agents && !*leaving {
                <p class="pl-closed-hours" role="status">{ s.no_agents }</p>
            }
            if status == Some(Status::Bot) {
                <div class="pl-bot-actions">
                    // Not under the open message form: that is the visitor's answer already.
                    if offered && !leaving_open {
                        <button type="button" class="pl-secondary" onclick={frame(VisitorFrame::Resolve)}>{ s.yes_thanks }</button>
                    }
                    if props.offline && !leaving_open {
                        <button type="button" class="pl-secondary" ref={leave_button.clone()} onclick={{ let l = leaving.clone(); Callback::from(move |_: MouseEvent| l.set(true)) }}>
                            { s.leave_message }</button>
                    } else if !props.offline {
                        <button type="button" class="pl-secondary" onclick={frame(VisitorFrame::Handoff)}>{ s.talk_to_person }</button>
                    }
                </div>
            }
            if status == Some(Status::Waiting) && props.offline && !*leaving {
                <div class="pl-closed-hours" role="status">
                    <p>{ match props.back.as_deref() {
                        _ if props.no_agents => s.no_agents.to_owned(),
                        Some(back) => fill(s.closed_until, &[("time", back)]),
                        None => s.closed_now.to_owned(),
                    } }</p>
                    <button type="button" class="pl-secondary" ref={leave_button.clone()}
                        onclick={{ let l = leaving.clone(); Callback::from(move |_: MouseEvent| l.set(true)) }}>
                        { s.leave_message }</button>
                </div>
            }
            if status == Some(Status::Waiting) && props.nobody_online && !props.offline && !*leaving {
                <div class="pl-closed-hours pl-nobody" role="status">
                    <p>{ s.no_agents_waiting }</p>
                    <button type="button" class="pl-secondary" ref={leave_button.clone()}
                        onclick={{ let l = leaving.clone(); Callback::from(move |_: MouseEvent| l.set(true)) }}>
                        { s.leave_message }</button>
                </div>
            }
            // No "you're next in line" when nobody from the team can take the chat.
            if let (Some(Status::Waiting), Some(n), false) = (status, t.queue_position, props.offline) {
                <p class="pl-queue" role="status" aria-label={s.queue_position}>
                    { i18n::count(u64::from(n), s.queue_next, s.queue_number) }
                </p>
            }
            if ticket_closed && !closed {
                <p class="pl-ticket pl-ticket-closed" role="status">{ s.ticket_closed }</p>
            } else if let Some(ticket) = t.session.as_ref().and_then(|s| s.ticket.as_ref()).filter(|_| !closed) {
                <p class="pl-ticket" role="status">{ match t.session.as_ref().and_then(|s| s.visitor.email.as_ref()).or(left_email.as_ref()) {
                    Some(email) => fill(s.ticket_reply, &[("n", &ticket.number.to_string()), ("email", email)]),
                    None => fill(s.ticket_follow_up, &[("n", &ticket.number.to_string())]),
                } }</p>
            }
            if suggesting {
                <Suggestions articles={(*suggested).clone()} on_open={open.clone()} />
            }
            if !leaving_open && !ended {
                { ui::compose_banner(t, *compose, { let c = compose.clone(); Callback::from(move |_| c.set(Compose::New)) }) }
                <Composer disabled={w.conn == Conn::Refused} {on_send} {on_draft} {draft} mode={*compose} files={files.clone()}
                    drop_zone={zone.clone()} />
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ComposerProps {
    disabled: bool,
    on_send: Callback<String>,
    /// The draft after every edit (for suggestions).
    on_draft: Callback<String>,
    /// Text to put in the box (a message being edited).
    draft: Option<AttrValue>,
    /// Replying or editing moves the focus to the box.
    mode: Compose,
    /// Where files go and the token to send them ([`AttachButton`]).
    files: Option<(AttrValue, AttrValue)>,
    /// Where dropped files are taken (the whole conversation).
    drop_zone: NodeRef,
}

#[function_component(Composer)]
fn composer(props: &ComposerProps) -> Html {
    let input = use_node_ref();
    let form = use_node_ref();
    {
        // A new conversation (after "Start chat") starts with the cursor in the composer.
        let input = input.clone();
        use_effect_with((), move |()| {
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                let _ = el.focus();
            }
        });
    }
    {
        let input = input.clone();
        use_effect_with((props.draft.clone(), props.mode), move |(draft, mode)| {
            let Some(el) = input.cast::<HtmlTextAreaElement>() else { return };
            if let Some(draft) = draft {
                el.set_value(draft);
            }
            if *mode != Compose::New {
                let _ = el.focus();
            }
        });
    }
    let send = {
        let (input, on_send) = (input.clone(), props.on_send.clone());
        move || {
            if let Some(text) = porchlight_browser::take_draft(&input) {
                on_send.emit(text);
            }
        }
    };
    let onkeydown = Callback::from(porchlight_browser::enter_to_send(send.clone()));
    let oninput = {
        let (input, on_draft) = (input.clone(), props.on_draft.clone());
        Callback::from(move |_: InputEvent| {
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                on_draft.emit(el.value());
            }
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        send();
    });
    let s = crate::i18n::t();
    let placeholder = if props.disabled { s.composer_disabled } else { s.composer_placeholder };
    html! {
        <form class="pl-composer" ref={form.clone()} {onsubmit}>
            if let Some((base, bearer)) = &props.files {
                <AttachButton base={base.clone()} bearer={bearer.clone()} disabled={props.disabled} target={form.clone()}
                    drop_zone={props.drop_zone.clone()} />
            }
            <textarea ref={input} aria-label={s.message} rows="2" {placeholder} disabled={props.disabled}
                maxlength={validate::MAX_MESSAGE_CHARS.to_string()} {onkeydown} {oninput} />
            <button type="submit" class="pl-primary" disabled={props.disabled}>{ s.send }</button>
        </form>
    }
}
