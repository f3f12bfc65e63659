//! Attachments in a session: an upload (checked by
//! `porchlight_protocol::attachment`, stored in R2 under
//! `{site}/{session}/{id}`) becomes a message through the same log as any
//! other (seq, broadcast, resume); only the session's visitor and the
//! site's agents read it back; deleting the message or erasing the session
//! deletes the object.

use super::ChatSession;
use crate::file_io::{self, bearer, refuse, BUCKET};
use crate::{accounts, config, crypto};
use porchlight_protocol::attachment::{self, Attachment};
use porchlight_protocol::record::{Sender, SessionRecord};
use porchlight_protocol::session::Actor;
use porchlight_protocol::site::constant_time_eq;
use porchlight_protocol::{validate, Author, ClientMsgId, ErrorCode, Message, SessionFrame};
use worker::{Request, Response, Result};

/// The object's key: every attachment lives under its session's prefix.
pub fn key(record: &SessionRecord, id: &str) -> String {
    format!("{}/{}/{id}", record.site, record.id)
}

/// Who an `Authorization: Bearer` token is here: the session's visitor,
/// an agent of its site, or an external participant (their credential).
enum Caller {
    Visitor,
    Agent(porchlight_protocol::AgentRef),
    External,
}

impl ChatSession {
    /// Whether `Authorization: Bearer` holds this session's visitor token.
    pub(super) fn is_visitor_token(&self, req: &Request, record: &SessionRecord) -> Result<bool> {
        Ok(bearer(req)?.is_some_and(|t| constant_time_eq(crypto::sha256_hex(&t).as_bytes(), record.token_sha256.as_bytes())))
    }

    async fn caller(&self, req: &Request, record: &SessionRecord) -> Result<Option<Caller>> {
        let Some(token) = bearer(req)? else { return Ok(None) };
        if constant_time_eq(crypto::sha256_hex(&token).as_bytes(), record.token_sha256.as_bytes()) {
            return Ok(Some(Caller::Visitor));
        }
        if porchlight_protocol::participants::credential_session(&token).is_some() {
            let hash = crypto::sha256_hex(&token);
            return Ok(self.invites()?.iter().any(|i| i.opens(&hash)).then_some(Caller::External));
        }
        let sites = config::sites(&self.env)?;
        let Some(site) = sites.get(&record.site) else { return Ok(None) };
        Ok(accounts::by_token(&self.env, &record.site, site, &token).await?.map(|a| Caller::Agent(a.as_ref())))
    }

    /// `POST /attachments?name=…&client_id=…`: the file's bytes. Answers
    /// 201 with the committed message (a resend of the same client id: the
    /// original, stored once).
    pub(super) async fn upload(&self, mut req: Request) -> Result<Response> {
        let Some(record) = self.record.borrow().clone() else { return refuse(404, ErrorCode::NotFound, "Session not found.") };
        let Some(caller) = self.caller(&req, &record).await? else {
            return refuse(401, ErrorCode::Unauthorized, "Send the visitor's or an agent's token as `Authorization: Bearer <token>`.");
        };
        let url = req.url()?;
        let param = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        let Some(client_id) = param("client_id").map(ClientMsgId).filter(|c| validate::client_id(&c.0).is_ok()) else {
            return refuse(400, ErrorCode::BadFrame, "Name the upload with `client_id` (1–64 of A–Z, a–z, 0–9, _ and -).");
        };
        let (actor, sender, author) = match caller {
            Caller::Visitor => (Actor::Visitor, Sender::Visitor, Author::Visitor { name: record.visitor.name.clone() }),
            Caller::Agent(a) => {
                (Actor::Agent(a.clone()), Sender::Agent(a.id.clone()), Author::Agent { id: a.id.clone(), name: a.name.clone() })
            }
            // They read the conversation's files; sending one is not theirs (yet): text only.
            Caller::External => {
                return refuse(403, ErrorCode::Forbidden, "External participants send text; files come from the customer and the team.")
            }
        };
        if let Err(e) = record.state.authorize_send(&actor) {
            return refuse(409, e.code(), e.message());
        }
        if let Some(seq) = self.store.seq_of(&sender, &client_id)? {
            if let Some((_, message)) = self.store.stored(seq)? {
                return Ok(Response::from_json(&SessionFrame::Message { message })?.with_status(201));
            }
        }
        if record.hot.last_seq.0 >= self.limits().max_log {
            return refuse(409, ErrorCode::SessionFull, "This conversation is full. Please start a new chat.");
        }
        let bytes = req.bytes().await?;
        let meta = match file_io::check(&bytes, &param("name").unwrap_or_default())? {
            Ok(meta) => meta,
            Err(refusal) => return Ok(refusal),
        };
        if !attachment::fits_session(record.attachment_bytes, bytes.len() as u64) {
            return refuse(
                413,
                ErrorCode::FileTooLarge,
                format!("This conversation holds as many files as it can ({} MB).", attachment::MAX_SESSION_BYTES / (1024 * 1024)),
            );
        }
        let (id, name, size) = (meta.id.clone(), meta.name.clone(), meta.size);
        let bucket = self.env.bucket(BUCKET)?;
        file_io::put(&bucket, key(&record, &id), &meta, bytes).await?;
        // Re-read: frames may have been handled while R2 stored the bytes.
        let mut record = self.record()?;
        if record.state.authorize_send(&actor).is_err() {
            let _ = bucket.delete(key(&record, &id)).await;
            return refuse(409, ErrorCode::SessionClosed, "This conversation has ended; no more messages can be sent.");
        }
        let template =
            Message { client_id: Some(client_id), author, text: format!("📎 {name}"), attachment: Some(meta), ..Message::blank() };
        let Some(message) = self.append_new(&mut record, &sender, template)? else {
            let _ = bucket.delete(key(&record, &id)).await;
            return refuse(409, ErrorCode::BadFrame, "That upload was already committed; reload the conversation.");
        };
        record.attachment_bytes += size;
        self.save(record, true)?;
        let frame = SessionFrame::Message { message };
        self.broadcast(&frame)?;
        self.schedule_sync();
        Ok(Response::from_json(&frame)?.with_status(201))
    }

    /// `GET /attachments/{id}`: the bytes, for the session's visitor and the
    /// site's agents only; images inline, anything else as a download, never sniffed.
    pub(super) async fn download(&self, req: Request, id: &str) -> Result<Response> {
        let Some(record) = self.record.borrow().clone() else { return refuse(404, ErrorCode::NotFound, "Session not found.") };
        if self.caller(&req, &record).await?.is_none() {
            return refuse(401, ErrorCode::Unauthorized, "Send the visitor's or an agent's token as `Authorization: Bearer <token>`.");
        }
        let object = if attachment::valid_id(id) { self.env.bucket(BUCKET)?.get(key(&record, id)).execute().await? } else { None };
        file_io::serve(object).await
    }

    /// After a message with a file was deleted: the object goes too.
    pub(super) async fn forget_file(&self, record: &SessionRecord, file: &Attachment) {
        let deleted = match self.env.bucket(BUCKET) {
            Ok(bucket) => bucket.delete(key(record, &file.id)).await,
            Err(e) => Err(e),
        };
        if let Err(e) = deleted {
            worker::console_error!("ChatSession: deleting attachment {} failed: {e}", file.id);
        }
    }

    /// Every object under this session's prefix (an erase).
    pub(super) async fn forget_all_files(&self, record: &SessionRecord) -> Result<()> {
        file_io::delete_prefix(&self.env.bucket(BUCKET)?, &format!("{}/{}/", record.site, record.id)).await
    }
}
