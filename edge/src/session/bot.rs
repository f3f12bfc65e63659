//! The bot's side of a session: its answer to a visitor message in BOT
//! (from the site's `KnowledgeBase`), the handoff to the queue, "Yes,
//! thanks", and the articles the visitor opens.

use super::ChatSession;
use crate::util::{now_ms, send};
use crate::{config, internal};
use porchlight_kb::bot::BotAnswer;
use porchlight_protocol::hours::{self, Unavailable};
use porchlight_protocol::notice::Notice;
use porchlight_protocol::record::{Sender, SessionRecord};
use porchlight_protocol::{ArticleRef, ArticleTrail, Author, ErrorCode, Message, SessionFrame, SiteId, Status};
use worker::{Result, WebSocket};

impl ChatSession {
    /// The bot answers a visitor message committed while in BOT.
    pub(super) async fn bot_turn(&self, text: &str) -> Result<()> {
        let SessionRecord { site, visitor, .. } = self.record()?;
        let answer = match internal::Kb::of(&self.env, &site)?.bot(text, visitor.locale.as_deref()).await {
            Ok(answer) => answer,
            Err(e) => {
                // Never strand a visitor: without the bot, go to a person.
                worker::console_error!("ChatSession: the bot failed ({e}); handing off");
                BotAnswer { lang: "en".into(), text: None, articles: Vec::new(), handoff: true }
            }
        };
        // Out of hours the bot does not promise a person: the widget opens
        // "Leave a message" (`handoff` sends `unavailable`).
        let offline = if answer.handoff { self.unavailable(&site).await? } else { None };
        // The visitor may have handed off or left while the bot thought.
        let mut record = self.record()?;
        if record.state.status != Status::Bot {
            return Ok(());
        }
        let lang = porchlight_protocol::i18n::Lang::from_code(&answer.lang).unwrap_or_default();
        let text = if offline.is_some() { Some(lang.strings().bot_leave_message.to_owned()) } else { answer.text };
        if let Some(text) = text {
            let articles: Vec<ArticleRef> = answer.articles.into_iter().map(|a| ArticleRef { id: a.id, title: a.title }).collect();
            let mut trail_changed = false;
            for a in &articles {
                trail_changed |= ArticleTrail::add(&mut record.articles.suggested, a.clone());
            }
            let message = self.append(&mut record, &Sender::Bot, Message { author: Author::Bot, text, articles, ..Message::blank() })?;
            let record = self.save(record, trail_changed)?;
            self.broadcast(&SessionFrame::Message { message })?;
            if trail_changed {
                self.to_agents(&SessionFrame::Articles { articles: record.articles.clone() })?;
            }
            self.schedule_sync();
        }
        if answer.handoff {
            self.handoff().await?;
        }
        Ok(())
    }

    /// BOT → WAITING, with a notice for everyone; the queue then pushes
    /// the visitor's position.
    pub(super) async fn handoff(&self) -> Result<()> {
        let site = self.record()?.site;
        let offline = self.unavailable(&site).await?;
        let mut record = self.record()?;
        if let (Some(reason), Status::Bot) = (offline, record.state.status) {
            return self.to_visitors(&SessionFrame::Unavailable { reason });
        }
        match record.state.handoff() {
            Ok(true) => {}
            Ok(false) => return self.to_visitors(&record.status_frame()),
            Err(e) => return self.to_visitors(&SessionFrame::error(e.code(), e.message())),
        }
        record.waiting_since = now_ms();
        self.commit_transition(record, Notice::HandedOff).await
    }

    /// Why nobody can take this chat now ([`hours::unavailable`]): the
    /// site's hours in force, and for a site with `offline_when_no_agents`
    /// whether an agent is online (unknown counts as online: the visitor
    /// may wait rather than be turned away by a hiccup).
    async fn unavailable(&self, site: &SiteId) -> Result<Option<Unavailable>> {
        let sites = config::sites(&self.env)?;
        let Some(config) = sites.get(site) else { return Ok(None) };
        let (hours, _) = crate::hours::in_force(&self.env, site, config).await;
        let online = if config.offline_when_no_agents {
            let asked = async { internal::Queue::of(&self.env, site)?.agents_online().await }.await;
            Some(asked.map(|n| n > 0).unwrap_or(true))
        } else {
            None
        };
        Ok(hours::unavailable(hours.as_ref(), now_ms(), online))
    }

    pub(super) async fn on_resolve(&self, ws: &WebSocket) -> Result<()> {
        let change = |r: &mut SessionRecord| {
            let changed = r.state.resolve_by_bot()?;
            if changed {
                r.closed_at = Some(now_ms());
            }
            Ok(changed)
        };
        let notice = |_: &SessionRecord| Notice::Resolved;
        self.transition(ws, change, notice).await
    }

    /// Records an article the visitor opened, so agents see it. The title
    /// comes from the knowledge base, never from the widget.
    pub(super) async fn on_article_opened(&self, ws: &WebSocket, article_id: &str) -> Result<()> {
        let record = self.record()?;
        if record.state.status == Status::Closed || record.articles.opened.iter().any(|a| a.id == article_id) {
            return Ok(());
        }
        if !porchlight_kb::article::valid_id(article_id) {
            return Ok(send(ws, &SessionFrame::error(ErrorCode::NotFound, "There is no article with that id.")));
        }
        let Some(article) = internal::Kb::of(&self.env, &record.site)?.article(article_id).await? else {
            return Ok(send(ws, &SessionFrame::error(ErrorCode::NotFound, "There is no article with that id.")));
        };
        // Re-read: other frames may have been handled during the fetch.
        let mut record = self.record()?;
        if ArticleTrail::add(&mut record.articles.opened, ArticleRef { id: article.id, title: article.title }) {
            let record = self.save(record, true)?;
            self.to_agents(&SessionFrame::Articles { articles: record.articles })?;
        }
        Ok(())
    }

    /// The visitor's place in line, asked on `welcome`.
    pub(super) async fn queue_position(&self, record: &SessionRecord) -> Option<u32> {
        let result = async { internal::Queue::of(&self.env, &record.site)?.position(&record.id).await }.await;
        result.unwrap_or_else(|e| {
            worker::console_error!("ChatSession: queue position lookup failed: {e}");
            None
        })
    }
}
