//! The visitor's and agents' frames. Each handler asks the rules in
//! `porchlight_protocol` (state machine, [`change::apply`], validation)
//! what may happen, commits it through the store, answers, and schedules
//! the outbox; none waits on another object, except sign-in (agent
//! accounts), transfer and invite (the roster) and the bot's turn.

use super::sockets::{refuse_hello, Attachment, RECHECK_MS};
use super::ChatSession;
use crate::util::{now_ms, send};
use crate::{accounts, config, crypto};
use porchlight_protocol::change::{self, Change};
use porchlight_protocol::notice::Notice;
use porchlight_protocol::record::{Sender, SessionRecord};
use porchlight_protocol::session::{Actor, AgentRef};
use porchlight_protocol::site::constant_time_eq;
use porchlight_protocol::webhook::Event;
use porchlight_protocol::{
    validate, AgentFrame, AgentId, Author, ClientMsgId, ErrorCode, Marks, Message, Participant, Seq, SessionError, SessionFrame, Status,
    VisitorFrame,
};
use worker::{Result, WebSocket};

impl ChatSession {
    pub(super) async fn on_visitor(&self, ws: &WebSocket, attachment: &mut Attachment, frame: VisitorFrame) -> Result<()> {
        if !matches!(frame, VisitorFrame::Send { .. }) {
            self.write_first()?;
        }
        let record = self.record()?;
        match (attachment.authed, frame) {
            (false, VisitorFrame::Hello { token, last_seq, identity }) => {
                if !constant_time_eq(crypto::sha256_hex(&token).as_bytes(), record.token_sha256.as_bytes()) {
                    return refuse_hello(ws, "That visitor token does not open this session.");
                }
                if self.identity_is_someone_else(&record, identity.as_deref())? {
                    return refuse_hello(ws, "This conversation belongs to another signed-in user.");
                }
                attachment.authed = true;
                ws.serialize_attachment(&*attachment)?;
                self.welcome(ws, &record, last_seq, true).await
            }
            (_, VisitorFrame::Ping) => Ok(send(ws, &SessionFrame::Pong)),
            (false, _) => refuse_hello(ws, "Send hello with your token first."),
            (true, VisitorFrame::Hello { .. }) => Ok(send(ws, &SessionFrame::error(ErrorCode::BadFrame, "Already signed in."))),
            (true, VisitorFrame::Send { client_id, text, reply_to }) => {
                let author = Author::Visitor { name: record.visitor.name.clone() };
                let committed = self.on_send(ws, &Actor::Visitor, Sender::Visitor, author, client_id, &text, reply_to).await?;
                match committed {
                    Some(text) if record.state.status == Status::Bot => {
                        self.write_first()?;
                        self.bot_turn(&text).await
                    }
                    _ => Ok(()),
                }
            }
            (true, VisitorFrame::Edit { seq, text }) => self.on_change(ws, None, seq, Change::Edit(text)).await,
            (true, VisitorFrame::Delete { seq }) => self.on_change(ws, None, seq, Change::Delete).await,
            (true, VisitorFrame::React { seq, emoji, on }) => self.on_change(ws, None, seq, Change::React(emoji, on)).await,
            (true, VisitorFrame::Handoff) => self.handoff().await,
            (true, VisitorFrame::Resolve) => self.on_resolve(ws).await,
            (true, VisitorFrame::ArticleOpened { article_id }) => self.on_article_opened(ws, &article_id).await,
            (true, VisitorFrame::Receipt { marks }) => self.on_receipt(None, marks).await,
            (true, VisitorFrame::Context { context }) => {
                let mut context = match validate::context(&context) {
                    Ok(c) => c,
                    Err(e) => return Ok(send(ws, &SessionFrame::error(e.code, e.message))),
                };
                let full = config::sites(&self.env)?.get(&record.site).is_some_and(|s| s.full_page_urls);
                context.page_url = context.page_url.map(|u| validate::page_url(&u, full));
                let mut record = self.record()?;
                if record.context == context || record.state.status == Status::Closed {
                    return Ok(());
                }
                record.context = context;
                let record = self.save(record, true)?;
                self.to_agents(&SessionFrame::Context { context: record.context })?;
                self.schedule_sync();
                Ok(())
            }
            (true, VisitorFrame::Typing { typing }) => {
                if record.state.authorize_send(&Actor::Visitor).is_ok() {
                    self.to_agents(&SessionFrame::Typing { who: Participant::Visitor, typing })?;
                }
                Ok(())
            }
            (true, VisitorFrame::Close) => self.on_close(ws, &Actor::Visitor).await,
            (true, VisitorFrame::LeaveMessage { email, text }) => self.on_leave_message(ws, &email, &text).await,
            (true, VisitorFrame::Rate { score, comment }) => self.on_rate(ws, score, comment.as_deref()).await,
        }
    }

    /// A verified user's conversation is not resumed under another user's
    /// valid identity (the next person on a shared computer). An expired or
    /// unreadable token does not refuse: the visitor token opens the chat.
    fn identity_is_someone_else(&self, record: &SessionRecord, identity: Option<&str>) -> Result<bool> {
        let (Some(owner), Some(token)) = (record.visitor.user_id.as_deref(), identity) else { return Ok(false) };
        let sites = config::sites(&self.env)?;
        let Some(site) = sites.get(&record.site) else { return Ok(false) };
        Ok(match crate::identity::check(&self.env, &record.site, site, Some(token)) {
            Ok(Some(claims)) => claims.sub != owner,
            _ => false,
        })
    }

    pub(super) async fn on_agent(&self, ws: &WebSocket, attachment: &mut Attachment, frame: AgentFrame) -> Result<()> {
        if !matches!(frame, AgentFrame::Send { .. }) {
            self.write_first()?;
        }
        let record = self.record()?;
        let (agent, frame) = match (&attachment.agent, frame) {
            (None, AgentFrame::Hello { token, last_seq }) => {
                let sites = config::sites(&self.env)?;
                let rate = sites
                    .get(&record.site)
                    .map_or(porchlight_protocol::limits::Limits::default().auth_failures, |c| c.limits.auth_failures);
                let address = attachment.address.clone();
                if let Some(ms) = crate::limiter::sign_in_refused(&self.env, &record.site, address.as_deref(), rate).await? {
                    send(ws, &SessionFrame::error(ErrorCode::RateLimited, crate::limiter::sign_in_wait_message(ms)));
                    let _ = ws.close(Some(1008), Some("rate limited"));
                    return Ok(());
                }
                let account = match sites.get(&record.site) {
                    Some(config) => accounts::by_token(&self.env, &record.site, config, &token).await?,
                    None => None,
                };
                let Some(account) = account else {
                    crate::limiter::sign_in_failed(&self.env, &record.site, address.as_deref(), rate).await;
                    return refuse_hello(ws, "That agent token is not valid for this site.");
                };
                attachment.authed = true;
                attachment.agent = Some(account.as_ref());
                if porchlight_protocol::site::token_site(&token).is_some() {
                    attachment.revocable = Some((account.token_sha256.clone(), now_ms()));
                }
                ws.serialize_attachment(&*attachment)?;
                return self.welcome(ws, &record, last_seq, false).await;
            }
            (_, AgentFrame::Ping) => return Ok(send(ws, &SessionFrame::Pong)),
            (None, _) => return refuse_hello(ws, "Send hello with your agent token first."),
            (Some(agent), frame) => (agent.clone(), frame),
        };
        if let Some((hash, checked_at)) = attachment.revocable.clone() {
            if now_ms().saturating_sub(checked_at) > RECHECK_MS {
                if !accounts::hash_is_current(&self.env, &record.site, &hash).await? {
                    send(ws, &SessionFrame::error(ErrorCode::Unauthorized, "Your agent account was revoked."));
                    let _ = ws.close(Some(1008), Some("revoked"));
                    return Ok(());
                }
                attachment.revocable = Some((hash, now_ms()));
                ws.serialize_attachment(&*attachment)?;
            }
        }
        match frame {
            AgentFrame::Hello { .. } => Ok(send(ws, &SessionFrame::error(ErrorCode::BadFrame, "Already signed in."))),
            AgentFrame::Ping => Ok(send(ws, &SessionFrame::Pong)),
            AgentFrame::Accept => self.on_accept(ws, agent).await,
            AgentFrame::Send { client_id, text, reply_to } => {
                let sender = Sender::Agent(agent.id.clone());
                let author = Author::Agent { id: agent.id.clone(), name: agent.name.clone() };
                self.on_send(ws, &Actor::Agent(agent), sender, author, client_id, &text, reply_to).await.map(drop)
            }
            AgentFrame::Edit { seq, text } => self.on_change(ws, Some(agent), seq, Change::Edit(text)).await,
            AgentFrame::Delete { seq } => self.on_change(ws, Some(agent), seq, Change::Delete).await,
            AgentFrame::React { seq, emoji, on } => self.on_change(ws, Some(agent), seq, Change::React(emoji, on)).await,
            AgentFrame::Note { client_id, text } => self.on_note(ws, agent, client_id, &text).await,
            AgentFrame::Release => self.on_release(ws, agent).await,
            AgentFrame::Receipt { marks } => self.on_receipt(Some(agent.id), marks).await,
            AgentFrame::Transfer { to } => self.on_transfer(ws, agent, &to).await,
            AgentFrame::Invite { agent: who } => self.on_invite(ws, agent, &who).await,
            AgentFrame::Typing { typing } => {
                // Only the agent who may write is shown typing to the visitor.
                if record.state.authorize_send(&Actor::Agent(agent.clone())).is_ok() {
                    let frame = SessionFrame::Typing { who: Participant::Agent { id: agent.id.clone(), name: agent.name.clone() }, typing };
                    self.to_visitors(&frame)?;
                    self.to_agents_except(&agent, &frame)?;
                }
                Ok(())
            }
            AgentFrame::CreateTicket { close } => self.on_create_ticket(ws, agent, close).await,
            AgentFrame::Close => self.on_close(ws, &Actor::Agent(agent)).await,
        }
    }

    pub(super) async fn welcome(&self, ws: &WebSocket, record: &SessionRecord, after: Seq, visitor: bool) -> Result<()> {
        // Committed up to `head` by the time this frame leaves (the output
        // gate holds it behind every write before it). A client holding
        // more than that held a message forwarded before its commit and
        // lost to a reset: it resumes from `min(last_seq, head)`. Messages
        // queued while this socket signed in (it was not yet forwarded
        // them) are written first, so the welcome has them.
        self.write_first()?;
        let head = self.record.borrow().as_ref().map_or(record.hot.last_seq, |r| r.hot.last_seq);
        let messages = self.store.messages_after(after.min(head), !visitor)?;
        send(ws, &SessionFrame::Welcome { session: record.view(), messages, head: Some(head) });
        // Agents see whether the visitor is here right now.
        if visitor {
            self.to_agents(&SessionFrame::VisitorPresence { online: true })?;
        } else {
            send(ws, &SessionFrame::VisitorPresence { online: self.visitor_online(None) });
        }
        if visitor && record.state.status == Status::Waiting {
            if let Some(position) = self.queue_position(record).await {
                send(ws, &SessionFrame::Queue { position });
            }
        }
        Ok(())
    }

    /// The hot path. A new message is numbered, forwarded to the other
    /// sockets at once (tentative: before its write) and queued; the queue
    /// is written in the next task (one log row each, one `hot` row, one
    /// commit), acknowledged and echoed to each sender once durable, and
    /// left to the outbox for the queue and the desk. Returns the text.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn on_send(
        &self,
        ws: &WebSocket,
        actor: &Actor,
        sender: Sender,
        author: Author,
        client_id: ClientMsgId,
        text: &str,
        reply_to: Option<Seq>,
    ) -> Result<Option<String>> {
        // A resend of something already committed gets its original ack,
        // whatever the state now: the sender must learn it was stored.
        let refuse = |code: ErrorCode, message: String| -> Result<Option<String>> {
            match self.store.seq_of(&sender, &client_id)? {
                Some(seq) => send(ws, &SessionFrame::Ack { client_id: client_id.clone(), seq }),
                None => send(ws, &SessionFrame::Error { code, message, client_id: Some(client_id.clone()), retry_after_ms: None }),
            }
            Ok(None)
        };
        if let Err(e) = validate::client_id(client_id.as_str()) {
            return refuse(e.code, e.message);
        }
        // The checks read the cached record where it is: a message clones
        // no record (see `append_in_place`).
        let allowed = match self.record.borrow().as_ref() {
            None => return Err(worker::Error::RustError("session has no record".into())),
            Some(record) => record.state.authorize_send(actor),
        };
        if let Err(e) = allowed {
            return refuse(e.code(), e.message());
        }
        let ticket_open = match self.record.borrow().as_ref() {
            None => return Err(worker::Error::RustError("session has no record".into())),
            Some(record) => porchlight_protocol::ticket::may_write(record.ticket.as_ref()),
        };
        if let Err(e) = ticket_open {
            return refuse(e.code, e.message);
        }
        let text = match validate::message(text) {
            Ok(text) => text,
            Err(e) => return refuse(e.code, e.message),
        };
        let room = match self.record.borrow().as_ref() {
            None => return Err(worker::Error::RustError("session has no record".into())),
            Some(record) => self.room_for(record, &text),
        };
        if let Err(why) = room {
            return refuse(ErrorCode::SessionFull, why);
        }
        let reply_to = match reply_to {
            None => None,
            Some(seq) => match change::quote(seq, self.store.stored(seq)?.map(|(_, m)| m).as_ref()) {
                Ok(quote) => Some(quote),
                Err(e) => return refuse(e.code, e.message),
            },
        };
        // A resend of something already stored is answered by the refusal's
        // lookup; it must be known before anything is forwarded.
        if self.store.seq_of(&sender, &client_id)?.is_some() {
            return refuse(ErrorCode::Internal, String::new());
        }
        if self.is_unwritten(&sender, &client_id) {
            // Sent again before its write: the write's ack answers both.
            return Ok(None);
        }
        // Someone else's queued message is written (and echoed to them)
        // first: each socket then gets the log in seq order, its own echo
        // before a later message of another's. One sender's run of
        // messages is what the queue coalesces.
        if self.unwritten.borrow().iter().any(|u| &u.from != ws) {
            self.write_first()?;
        }
        let seq = self.next_unwritten_seq()?;
        let message = Message { seq, at: now_ms(), client_id: Some(client_id), author, text, reply_to, ..Message::blank() };
        // Forwarded now, written in the next task with whatever else came
        // meanwhile (unwritten.rs): tentative until the receiver's next
        // ack or welcome confirms it (docs/RELIABILITY.md). The ack and the
        // sender's echo follow the write and wait for its commit.
        let frame = serde_json::to_string(&SessionFrame::Message { message: message.clone() })?;
        let forwarded = self.forward(ws, &frame);
        let text = message.text.clone();
        self.defer_write(super::unwritten::Unwritten { sender, message, from: ws.clone(), frame, forwarded });
        Ok(Some(text))
    }

    /// An internal note: committed like a message, acknowledged to its
    /// writer, shown to agents only.
    async fn on_note(&self, ws: &WebSocket, agent: AgentRef, client_id: ClientMsgId, text: &str) -> Result<()> {
        let refuse = |code: ErrorCode, message: String| {
            send(ws, &SessionFrame::Error { code, message, client_id: Some(client_id.clone()), retry_after_ms: None });
            Ok(())
        };
        if let Err(e) = validate::client_id(client_id.as_str()) {
            return refuse(e.code, e.message);
        }
        let sender = Sender::Agent(agent.id.clone());
        if let Some(seq) = self.store.seq_of(&sender, &client_id)? {
            send(ws, &SessionFrame::Ack { client_id, seq });
            return Ok(());
        }
        let mut record = self.record()?;
        if record.state.status == Status::Closed {
            let e = SessionError::Closed;
            return refuse(e.code(), e.message());
        }
        let text = match validate::message(text) {
            Ok(text) => text,
            Err(e) => return refuse(e.code, e.message),
        };
        if let Err(why) = self.room_for(&record, &text) {
            return refuse(ErrorCode::SessionFull, why);
        }
        self.stored_text(&text);
        let author = Author::Agent { id: agent.id.clone(), name: agent.name.clone() };
        let note = Message { client_id: Some(client_id.clone()), author, text, internal: true, ..Message::blank() };
        let message = self.append(&mut record, &sender, note)?;
        self.save(record, false)?;
        send(ws, &SessionFrame::Ack { client_id, seq: message.seq });
        self.to_agents(&SessionFrame::Message { message })?;
        self.schedule_sync();
        Ok(())
    }

    /// Edits, deletes or reacts to message `seq` for the visitor (`agent`
    /// = None) or an agent. The change takes the next place in the log (a
    /// `change` row), the message row is rewritten to its new state with
    /// `changed` pointing there, and everyone who can see the message gets
    /// it whole as `updated`. Repeats are no-ops.
    async fn on_change(&self, ws: &WebSocket, agent: Option<AgentRef>, seq: Seq, change: Change) -> Result<()> {
        let refuse = |code: ErrorCode, message: String| Ok(send(ws, &SessionFrame::error(code, message)));
        let mut record = self.record()?;
        if record.state.status == Status::Closed {
            let e = SessionError::Closed;
            return refuse(e.code(), e.message());
        }
        if record.hot.last_seq.0 >= self.limits().max_log {
            return refuse(ErrorCode::SessionFull, "This conversation is full. Please start a new chat.".into());
        }
        let (own, who) = match &agent {
            None => (Sender::Visitor, Participant::Visitor),
            Some(a) => (Sender::Agent(a.id.clone()), Participant::Agent { id: a.id.clone(), name: a.name.clone() }),
        };
        let Some((sender, mut message)) = self.store.stored(seq)?.filter(|(_, m)| agent.is_some() || !m.internal) else {
            return refuse(ErrorCode::NotFound, format!("There is no message {seq}."));
        };
        // Watching agents change nothing the visitor sees (notes are theirs).
        if agent.is_some() && !message.internal {
            if let Err(e) = record.state.agent_may_touch_visitor() {
                return refuse(e.code(), e.message());
            }
        }
        let was_deleted = message.deleted;
        let file = message.attachment.clone();
        match change::apply(&mut message, sender == own, &who, change, now_ms()) {
            Err(e) => return refuse(e.code, e.message),
            Ok(false) => return Ok(()),
            Ok(true) => {}
        }
        let author = match &agent {
            None => Author::Visitor { name: record.visitor.name.clone() },
            Some(a) => Author::Agent { id: a.id.clone(), name: a.name.clone() },
        };
        let marker = self.append(&mut record, &Sender::Change, Message { author, internal: message.internal, ..Message::blank() })?;
        message.changed = Some(marker.seq);
        self.store.rewrite(marker.seq, &message)?;
        if message.deleted && !was_deleted {
            let agent_marks = record.hot.agent_marks.clone();
            if record.hot.counters.deleted(&sender, message.internal, seq, &agent_marks) {
                let last = self.store.last_counted()?;
                record.hot.counters.set_last(last);
            }
            if sender == Sender::Visitor {
                self.store.save_all_agent_marks(&record)?;
            }
        } else if !message.deleted {
            record.hot.counters.edited(seq, &message.text);
        }
        let record = self.save(record, false)?;
        if let (Some(file), true) = (&file, message.deleted) {
            self.forget_file(&record, file).await;
        }
        let frame = SessionFrame::Updated { message };
        if marker.internal {
            self.to_agents(&frame)?;
        } else {
            self.broadcast(&frame)?;
        }
        self.schedule_sync();
        Ok(())
    }

    /// Moves a participant's watermarks forward (never back, never past
    /// the log) and tells everyone; an agent's "seen" also changes their
    /// unread count, counted over the messages it newly covers.
    async fn on_receipt(&self, agent: Option<AgentId>, marks: Marks) -> Result<()> {
        let mut record = self.record()?;
        // A watching agent's "seen" is not shown to the visitor: not recorded.
        if agent.is_some() && record.state.agent_may_touch_visitor().is_err() {
            return Ok(());
        }
        let Some(before) = record.merge_marks(agent.as_ref(), marks) else {
            return Ok(());
        };
        if let Some(id) = &agent {
            let now = record.hot.agent_marks[id].seen;
            let newly = self.store.visitor_messages_between(before.seen, now)?;
            record.hot.counters.seen(id, newly);
        }
        self.store.save_marks(&record, agent.as_ref())?;
        let seen_moved = agent.as_ref().is_some_and(|id| record.hot.agent_marks[id].seen != before.seen);
        // Only an agent's "seen" changes the summary (their unread count).
        let record = if seen_moved {
            self.save(record, false)?
        } else {
            *self.record.borrow_mut() = Some(record.clone());
            record
        };
        self.broadcast(&SessionFrame::Receipts { receipts: record.receipts() })?;
        if seen_moved {
            self.schedule_sync();
        }
        Ok(())
    }

    async fn on_accept(&self, ws: &WebSocket, agent: AgentRef) -> Result<()> {
        let notice = Notice::Joined { name: agent.name.clone() };
        self.transition(ws, |r| r.state.accept(&agent), |_| notice).await
    }

    pub(super) async fn on_close(&self, ws: &WebSocket, actor: &Actor) -> Result<()> {
        let change = |r: &mut SessionRecord| {
            let changed = r.state.close(actor)?;
            if changed {
                r.closed_at = Some(now_ms());
            }
            Ok(changed)
        };
        let notice = |r: &SessionRecord| match actor {
            Actor::Visitor => Notice::Ended { name: r.visitor.name.clone() },
            Actor::Agent(agent) => Notice::Closed { name: agent.name.clone() },
        };
        self.transition(ws, change, notice).await
    }

    async fn on_release(&self, ws: &WebSocket, agent: AgentRef) -> Result<()> {
        let change = |r: &mut SessionRecord| {
            let changed = r.state.release(&agent)?;
            if changed {
                r.waiting_since = now_ms();
            }
            Ok(changed)
        };
        let notice = Notice::Released { name: agent.name.clone() };
        self.transition(ws, change, |_| notice).await
    }

    async fn on_transfer(&self, ws: &WebSocket, agent: AgentRef, to: &AgentId) -> Result<()> {
        let Some(target) = self.site_agent(ws, to).await? else { return Ok(()) };
        let notice = Notice::Transferred { by: agent.name.clone(), to: target.name.clone() };
        self.transition(ws, |r| r.state.transfer(&agent, &target), |_| notice).await
    }

    async fn on_invite(&self, ws: &WebSocket, agent: AgentRef, who: &AgentId) -> Result<()> {
        let Some(invited) = self.site_agent(ws, who).await? else { return Ok(()) };
        let notice = Notice::Invited { by: agent.name.clone(), who: invited.name.clone() };
        self.transition(ws, |r| r.state.invite(&agent, &invited), |_| notice).await
    }

    /// Agent `id` of this site, or `None` after telling `ws` there is none.
    async fn site_agent(&self, ws: &WebSocket, id: &AgentId) -> Result<Option<AgentRef>> {
        let site = self.record()?.site;
        let sites = config::sites(&self.env)?;
        let roster = match sites.get(&site) {
            Some(config) => accounts::all(&self.env, &site, config).await?,
            None => Vec::new(),
        };
        let found = roster.iter().find(|a| &a.id == id).map(|a| a.as_ref());
        if found.is_none() {
            send(ws, &SessionFrame::error(ErrorCode::NotFound, format!("There is no agent `{id}` on this site.")));
        }
        Ok(found)
    }

    /// A state change asked for on `ws`: a refusal is answered there, a
    /// no-op re-sends the current status, a change is committed with its
    /// notice for everyone.
    pub(super) async fn transition(
        &self,
        ws: &WebSocket,
        change: impl FnOnce(&mut SessionRecord) -> std::result::Result<bool, SessionError>,
        notice: impl FnOnce(&SessionRecord) -> Notice,
    ) -> Result<()> {
        let mut record = self.record()?;
        match change(&mut record) {
            Err(e) => Ok(send(ws, &SessionFrame::error(e.code(), e.message()))),
            Ok(false) => Ok(send(ws, &record.status_frame())),
            Ok(true) => {
                let text = notice(&record);
                self.commit_transition(record, text).await
            }
        }
    }

    /// Saves a changed state with its system notice and, for a change of
    /// status or owner, its webhook event in the outbox (same commit);
    /// tells everyone, and schedules the outbox.
    pub(super) async fn commit_transition(&self, record: SessionRecord, notice: Notice) -> Result<()> {
        self.commit_transition_with(record, notice, None).await
    }

    /// [`commit_transition`](Self::commit_transition), telling everyone
    /// `also` between the notice and the new status (a left message's ticket).
    pub(super) async fn commit_transition_with(&self, mut record: SessionRecord, notice: Notice, also: Option<SessionFrame>) -> Result<()> {
        let before = self.record()?.state;
        let notice = self.append(&mut record, &Sender::System, Message::notice(notice))?;
        let record = self.save(record, true)?;
        // Webhooks hear of status and owner changes, not of invitations.
        if before.status != record.state.status || before.agent != record.state.agent {
            let summary = record.summary();
            let event = match record.state.status {
                Status::Bot => None,
                Status::Waiting => Some(Event::SessionWaiting(summary)),
                Status::Active => Some(Event::SessionAccepted(summary)),
                Status::Closed => Some(Event::SessionClosed(summary)),
            };
            if let Some(event) = event {
                self.store.add_event(notice.seq, &event)?;
            }
        }
        self.broadcast(&SessionFrame::Message { message: notice })?;
        if let Some(frame) = also {
            self.broadcast(&frame)?;
        }
        self.broadcast(&record.status_frame())?;
        self.schedule_sync();
        Ok(())
    }
}
