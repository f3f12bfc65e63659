//! Files in team chat: an upload (checked exactly as a session's, by
//! `file_io` and `porchlight_protocol::attachment`) becomes a message in the
//! channel's log like any other (seq, fan-out, resume); it is read back only
//! by those who may read the channel (`porchlight_protocol::team::files`),
//! checked against the members at that moment; deleting the message or the
//! channel erases the bytes.
//!
//! The Worker has checked the agent token already and names the agent in
//! `x-porchlight-agent` (`-name`, URI-encoded, and `-admin`).

use super::{Current, TeamChannel};
use crate::file_io::{self, refuse, BUCKET};
use crate::util::now_ms;
use porchlight_protocol::attachment::{self, Attachment};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::team::files::{self as rules, fits_channel, MAX_CHANNEL_BYTES};
use porchlight_protocol::team::pace::{self, Pace};
use porchlight_protocol::team::{ChannelId, Staff, TeamError, TeamFrame};
use porchlight_protocol::{validate, AgentId, Author, ClientMsgId, ErrorCode, Message, SiteId};
use worker::{Env, Request, Response, Result};

/// Who is asking, as the Worker named them.
struct Caller {
    site: SiteId,
    me: AgentRef,
    staff: Staff,
}

fn caller(req: &Request) -> Result<Option<Caller>> {
    let header = |k: &str| req.headers().get(k);
    let site = header("x-porchlight-site")?.and_then(|s| SiteId::parse(&s));
    let agent = header("x-porchlight-agent")?.map(AgentId);
    let name = header("x-porchlight-agent-name")?.and_then(|n| js_sys::decode_uri_component(&n).ok()).and_then(|n| n.as_string());
    let site_admin = header("x-porchlight-admin")?.as_deref() == Some("1");
    Ok(match (site, agent) {
        (Some(site), Some(id)) => {
            let name = name.unwrap_or_else(|| id.as_str().to_owned());
            Some(Caller { site, staff: Staff { id: id.clone(), site_admin }, me: AgentRef { id, name } })
        }
        _ => None,
    })
}

fn refuse_team(e: &TeamError) -> Result<Response> {
    let code = match e {
        TeamError::NotFound => ErrorCode::NotFound,
        TeamError::Forbidden(_) => ErrorCode::Forbidden,
        TeamError::Archived => ErrorCode::ChannelArchived,
        TeamError::InvalidName(_) | TeamError::InvalidMembers(_) => ErrorCode::InvalidName,
    };
    refuse(rules::status(e), code, e.message())
}

impl TeamChannel {
    /// `POST /files?name=…&client_id=…`: the file's bytes.
    /// Answers 201 with the committed `message` frame (a resend of the same
    /// client id: the original, stored once).
    pub(super) async fn upload(&self, mut req: Request) -> Result<Response> {
        let (Some(who), Some(current)) = (caller(&req)?, self.current()?) else {
            return refuse(404, ErrorCode::NotFound, "There is no such channel.");
        };
        let (id, channel) = (current.id, current.channel);
        let url = req.url()?;
        let param = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        let Some(client_id) = param("client_id").map(ClientMsgId).filter(|c| validate::client_id(&c.0).is_ok()) else {
            return refuse(400, ErrorCode::BadFrame, "Name the upload with `client_id` (1–64 of A–Z, a–z, 0–9, _ and -).");
        };
        if let Err(e) = rules::may_upload(&channel, &who.staff) {
            return refuse_team(&e);
        }
        if let Some(done) = self.store.by_client_id(&id, &who.me.id, &client_id)? {
            return Ok(Response::from_json(&TeamFrame::Message { channel: id, message: done })?.with_status(201));
        }
        let admitted = self.guard.borrow_mut().admit(&self.env, self.store.sql(), &who.site, &who.me.id, Pace::Messages);
        if let Err(ms) = admitted {
            return refuse(429, ErrorCode::RateLimited, pace::too_fast_message(ms));
        }
        let bytes = req.bytes().await?;
        let meta = match file_io::check(&bytes, &param("name").unwrap_or_default())? {
            Ok(meta) => meta,
            Err(refusal) => return Ok(refusal),
        };
        if !fits_channel(self.store.file_bytes(&id)?, meta.size) {
            let mb = MAX_CHANNEL_BYTES / (1024 * 1024);
            return refuse(
                413,
                ErrorCode::FileTooLarge,
                format!("This channel holds as many files as it can ({mb} MB); delete some first."),
            );
        }
        let key = rules::key(&who.site, &id, &meta.id);
        let bucket = self.env.bucket(BUCKET)?;
        file_io::put(&bucket, key.clone(), &meta, bytes).await?;
        // Read again: frames (a removal, an archive, other messages) may have
        // been handled while R2 stored the bytes.
        let current = self.current()?.filter(|c| c.id == id);
        let allowed = current.as_ref().map_or(Err(TeamError::NotFound), |c| rules::may_upload(&c.channel, &who.staff));
        let (Some(Current { channel, last_seq: last, .. }), Ok(())) = (current, allowed.clone()) else {
            let _ = bucket.delete(key).await;
            return refuse_team(&allowed.err().unwrap_or(TeamError::NotFound));
        };
        // The same upload sent twice at once: the first committed is the answer.
        if let Some(done) = self.store.by_client_id(&id, &who.me.id, &client_id)? {
            let _ = bucket.delete(key).await;
            return Ok(Response::from_json(&TeamFrame::Message { channel: id, message: done })?.with_status(201));
        }
        let message = Message {
            seq: last.next(),
            client_id: Some(client_id),
            author: Author::Agent { id: who.me.id.clone(), name: who.me.name.clone() },
            text: format!("📎 {}", meta.name),
            at: now_ms(),
            attachment: Some(meta),
            ..Message::blank()
        };
        self.store.append(&id, &who.me.id, &message, &[])?;
        self.mark_read(&id, &who.me.id, message.seq)?;
        let frame = TeamFrame::Message { channel: id.clone(), message };
        self.fan_out(&channel, &frame);
        self.changed()?;
        Ok(Response::from_json(&frame)?.with_status(201))
    }

    /// `GET /files/{attachment}`: the bytes, to whoever may read the
    /// channel now; `not_found` to everyone else, as for the channel.
    pub(super) async fn download(&self, req: Request, file: &str) -> Result<Response> {
        let (Some(who), Some(Current { id, channel, .. })) = (caller(&req)?, self.current()?) else {
            return refuse(404, ErrorCode::NotFound, "There is no such channel.");
        };
        if let Err(e) = rules::may_read(&channel, &who.staff) {
            return refuse_team(&e);
        }
        let object =
            if attachment::valid_id(file) { self.env.bucket(BUCKET)?.get(rules::key(&who.site, &id, file)).execute().await? } else { None };
        file_io::serve(object).await
    }

    /// A deleted message's file goes after the answer (it is no longer named anywhere).
    pub(super) fn forget_file(&self, site: &SiteId, id: &ChannelId, file: &Attachment) {
        let (env, key) = (self.env.clone(), rules::key(site, id, &file.id));
        self.state.wait_until(async move {
            if let Err(e) = erase(&env, Erase::Key(key)).await {
                worker::console_error!("TeamChannel: deleting a team file failed: {e}");
            }
        });
    }

    /// A deleted channel's files, all of them.
    pub(super) fn forget_channel_files(&self, site: &SiteId, id: &ChannelId) {
        let (env, prefix) = (self.env.clone(), rules::channel_prefix(site, id));
        self.state.wait_until(async move {
            if let Err(e) = erase(&env, Erase::Prefix(prefix)).await {
                worker::console_error!("TeamChannel: deleting a channel's files failed: {e}");
            }
        });
    }
}

enum Erase {
    Key(String),
    Prefix(String),
}

async fn erase(env: &Env, what: Erase) -> Result<()> {
    let bucket = env.bucket(BUCKET)?;
    match what {
        Erase::Key(key) => bucket.delete(key).await,
        Erase::Prefix(prefix) => file_io::delete_prefix(&bucket, &prefix).await,
    }
}
