//! Attachments in a session: an upload (checked by
//! `porchlight_protocol::attachment`, stored in R2 under
//! `{site}/{session}/{id}`) becomes a message through the same log as any
//! other (seq, broadcast, resume); only the session's visitor and the
//! site's agents read it back; deleting the message or erasing the session
//! deletes the object.

use super::ChatSession;
use crate::{accounts, config, crypto};
use porchlight_protocol::attachment::{self, Attachment, Refused};
use porchlight_protocol::record::{Sender, SessionRecord};
use porchlight_protocol::session::Actor;
use porchlight_protocol::site::constant_time_eq;
use porchlight_protocol::{validate, Author, ClientMsgId, ErrorBody, ErrorCode, Message, SessionFrame};
use worker::{Headers, HttpMetadata, Request, Response, Result};

/// The R2 binding (edge/wrangler.toml).
pub const BUCKET: &str = "ATTACHMENTS";

fn refuse(status: u16, code: ErrorCode, message: impl Into<String>) -> Result<Response> {
    Ok(Response::from_json(&ErrorBody::new(code, message))?.with_status(status))
}

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

fn bearer(req: &Request) -> Result<Option<String>> {
    let header = req.headers().get("authorization")?.unwrap_or_default();
    Ok(header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned))
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
        let checked = match attachment::check(&bytes) {
            Ok(c) => c,
            Err(e @ Refused::TooLarge) => return refuse(413, ErrorCode::FileTooLarge, e.message()),
            Err(e) => return refuse(415, ErrorCode::UnsupportedFile, e.message()),
        };
        if !attachment::fits_session(record.attachment_bytes, bytes.len() as u64) {
            return refuse(
                413,
                ErrorCode::FileTooLarge,
                format!("This conversation holds as many files as it can ({} MB).", attachment::MAX_SESSION_BYTES / (1024 * 1024)),
            );
        }
        let id = format!("att_{}", crypto::random_hex(16)?);
        let name = attachment::clean_name(&param("name").unwrap_or_default(), checked.kind);
        let meta = Attachment {
            id: id.clone(),
            name: name.clone(),
            content_type: checked.kind.content_type().into(),
            size: bytes.len() as u64,
            width: checked.dimensions.map(|d| d.0),
            height: checked.dimensions.map(|d| d.1),
        };
        let size = meta.size;
        let bucket = self.env.bucket(BUCKET)?;
        let http = HttpMetadata { content_type: Some(meta.content_type.clone()), ..HttpMetadata::default() };
        bucket.put(key(&record, &id), bytes).http_metadata(http).custom_metadata([("name".to_owned(), name.clone())]).execute().await?;
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
        let valid = id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let object = if valid { self.env.bucket(BUCKET)?.get(key(&record, id)).execute().await? } else { None };
        let Some(object) = object else { return refuse(404, ErrorCode::NotFound, "Attachment not found.") };
        let name = object.custom_metadata()?.get("name").cloned().unwrap_or_else(|| "attachment".into());
        let bytes = match object.body() {
            Some(body) => body.bytes().await?,
            None => Vec::new(),
        };
        // What the bytes are, again: the type served is never the stored label alone.
        let kind = attachment::sniff(&bytes);
        let headers = Headers::new();
        headers.set("content-type", kind.map_or("application/octet-stream", |k| k.content_type()))?;
        headers.set("x-content-type-options", "nosniff")?;
        headers.set("cache-control", "private, no-store")?;
        headers.set("content-security-policy", "default-src 'none'; sandbox")?;
        let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || "._- ".contains(c) { c } else { '_' }).collect();
        let disposition = if kind.is_some_and(|k| k.is_image()) { "inline" } else { "attachment" };
        headers.set("content-disposition", &format!("{disposition}; filename=\"{ascii}\""))?;
        Ok(Response::from_bytes(bytes)?.with_headers(headers))
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
        let bucket = self.env.bucket(BUCKET)?;
        let prefix = format!("{}/{}/", record.site, record.id);
        loop {
            let listed = bucket.list().prefix(prefix.clone()).limit(1000).execute().await?;
            let keys: Vec<String> = listed.objects().iter().map(|o| o.key()).collect();
            if keys.is_empty() {
                return Ok(());
            }
            bucket.delete_multiple(keys).await?;
            if !listed.truncated() {
                return Ok(());
            }
        }
    }
}
