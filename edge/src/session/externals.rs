//! External participants (a courier) in this conversation: invitations,
//! the link's single exchange, their socket, removal. The rules are in
//! `porchlight_protocol::participants`; this stores and sends.

use super::sockets::{refuse_hello, Attachment};
use super::ChatSession;
use crate::util::send;
use porchlight_protocol::notice::Notice;
use porchlight_protocol::participants::{self as rules, External, ExternalFrame, ExternalList, Invite};
use porchlight_protocol::record::Sender;
use porchlight_protocol::session::{Actor, AgentRef};
use porchlight_protocol::{Author, ErrorBody, ErrorCode, SessionFrame, SessionId};
use serde::{Deserialize, Serialize};
use worker::{Response, ResponseBuilder, Result, WebSocket};

pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS externals (id TEXT PRIMARY KEY, json TEXT NOT NULL)";

/// Worker → object: an agent adds someone (`POST /externals`). The Worker
/// drew the link and sends only its hash.
#[derive(Serialize, Deserialize)]
pub struct AddExternal {
    pub by: AgentRef,
    pub who: External,
    pub link_sha256: String,
}

/// Worker → object: an agent removes someone (`POST /externals/remove`).
#[derive(Serialize, Deserialize)]
pub struct RemoveExternal {
    pub by: AgentRef,
    pub id: String,
}

/// Worker → object: a link's first open (`POST /externals/join`), with
/// the hash of the credential the Worker drew for it.
#[derive(Serialize, Deserialize)]
pub struct Exchange {
    pub link_sha256: String,
    pub credential_sha256: String,
}

/// Object → Worker: whom the exchange let in.
#[derive(Serialize, Deserialize)]
pub struct Exchanged {
    pub session_id: SessionId,
    pub participant: External,
}

fn refusal(status: u16, code: ErrorCode, message: impl Into<String>) -> Result<Response> {
    Ok(Response::from_json(&ErrorBody::new(code, message))?.with_status(status))
}

/// The HTTP status a participants rule's refusal is answered with.
fn status_of(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::LinkUsed | ErrorCode::NotAssigned | ErrorCode::StillWithBot | ErrorCode::SessionClosed => 409,
        ErrorCode::LinkExpired => 410,
        ErrorCode::NotFound => 404,
        _ => 422,
    }
}

impl ChatSession {
    pub(super) fn invites(&self) -> Result<Vec<Invite>> {
        #[derive(Deserialize)]
        struct Row {
            json: String,
        }
        let rows: Vec<Row> = self.storage.sql().exec("SELECT json FROM externals ORDER BY rowid", None)?.to_array()?;
        Ok(rows.iter().filter_map(|r| serde_json::from_str(&r.json).ok()).collect())
    }

    fn save_invite(&self, invite: &Invite) -> Result<()> {
        let json = serde_json::to_string(invite)?;
        self.storage
            .sql()
            .exec("INSERT OR REPLACE INTO externals (id, json) VALUES (?, ?)", vec![invite.who.id.clone().into(), json.into()])?;
        Ok(())
    }

    pub(super) async fn add_external(&self, add: AddExternal) -> Result<Response> {
        let Some(mut record) = self.record.borrow().clone() else {
            return refusal(404, ErrorCode::NotFound, "Session not found.");
        };
        let invites = self.invites()?;
        if let Err(e) = rules::may_manage(&record.state, &add.by).and_then(|()| rules::room_for_one_more(&invites)) {
            return refusal(status_of(e.code), e.code, e.message);
        }
        let invite = Invite::new(add.who.clone(), add.by.id.clone(), crate::util::now_ms(), add.link_sha256);
        self.save_invite(&invite)?;
        // The queue's row shows them from now on (the summary carries them).
        record.externals.push(add.who.clone());
        let notice = Notice::Added { by: add.by.name.clone(), who: add.who.label() };
        self.commit_transition(record, notice).await?;
        Ok(Response::from_json(&invite.listed())?.with_status(201))
    }

    pub(super) async fn remove_external(&self, remove: RemoveExternal) -> Result<Response> {
        let Some(mut record) = self.record.borrow().clone() else {
            return refusal(404, ErrorCode::NotFound, "Session not found.");
        };
        let Some(mut invite) = self.invites()?.into_iter().find(|i| i.who.id == remove.id && i.is_live()) else {
            return refusal(404, ErrorCode::NotFound, format!("There is no participant `{}` in this conversation.", remove.id));
        };
        // Any agent of the site may remove, in any state (released, closed,
        // its ticket closed): it only takes access away, and a courier must
        // never keep a conversation open because its owner is gone.
        invite.remove(&remove.by.id, crate::util::now_ms());
        self.save_invite(&invite)?;
        self.close_external(&remove.id)?;
        record.externals.retain(|e| e.id != remove.id);
        let notice = Notice::Removed { by: remove.by.name.clone(), who: invite.who.label() };
        self.commit_transition(record, notice).await?;
        Ok(ResponseBuilder::new().with_status(204).empty())
    }

    /// Closes the sockets of external participant `id` (their credential
    /// no longer opens anything: the next `hello` is refused).
    fn close_external(&self, id: &str) -> Result<()> {
        for ws in self.state.get_websockets_with_tag("external") {
            if let Ok(Some(a)) = ws.deserialize_attachment::<Attachment>() {
                if a.external.as_ref().is_some_and(|e| e.id == id) {
                    ws.serialize_attachment(Attachment { authed: false, external: None, ..a })?;
                    send(&ws, &SessionFrame::error(ErrorCode::Unauthorized, "You were removed from this conversation."));
                    let _ = ws.close(Some(1008), Some("removed"));
                }
            }
        }
        Ok(())
    }

    pub(super) fn list_externals(&self) -> Result<Response> {
        let participants = self.invites()?.iter().filter(|i| i.is_live()).map(Invite::listed).collect();
        Response::from_json(&ExternalList { participants })
    }

    pub(super) fn exchange_link(&self, exchange: Exchange) -> Result<Response> {
        let Some(record) = self.record.borrow().clone() else {
            return refusal(404, ErrorCode::NotFound, "This link does not open any conversation.");
        };
        let Some(mut invite) = self.invites()?.into_iter().find(|i| i.made_by_link(&exchange.link_sha256)) else {
            return refusal(404, ErrorCode::NotFound, "This link does not open any conversation.");
        };
        if let Err(e) = invite.exchange(crate::util::now_ms(), exchange.credential_sha256) {
            return refusal(status_of(e.code), e.code, e.message);
        }
        self.save_invite(&invite)?;
        Response::from_json(&Exchanged { session_id: record.id, participant: invite.who })
    }

    pub(super) async fn on_external(&self, ws: &WebSocket, attachment: &mut Attachment, frame: ExternalFrame) -> Result<()> {
        self.write_first()?;
        let record = self.record()?;
        match (&attachment.external, frame) {
            (_, ExternalFrame::Ping) => Ok(send(ws, &SessionFrame::Pong)),
            (None, ExternalFrame::Hello { credential, last_seq }) => {
                let hash = crate::crypto::sha256_hex(&credential);
                let Some(invite) = self.invites()?.into_iter().find(|i| i.opens(&hash)) else {
                    return refuse_hello(ws, "That participant link is no longer valid.");
                };
                attachment.authed = true;
                attachment.external = Some(invite.who);
                ws.serialize_attachment(&*attachment)?;
                // The whole conversation, as the visitor sees it: never
                // internal notes, and none of the customer's details.
                self.write_first()?;
                let head = self.record.borrow().as_ref().map_or(record.hot.last_seq, |r| r.hot.last_seq);
                let messages = self.store.messages_after(last_seq.min(head), false)?;
                send(ws, &SessionFrame::Welcome { session: record.view().for_external(), messages, head: Some(head) });
                Ok(())
            }
            (None, _) => refuse_hello(ws, "Send hello with your participant credential first."),
            (Some(_), ExternalFrame::Hello { .. }) => Ok(send(ws, &SessionFrame::error(ErrorCode::BadFrame, "Already signed in."))),
            (Some(who), ExternalFrame::Send { client_id, text, reply_to }) => {
                if let Err(e) = rules::may_write(&record.state) {
                    let frame = SessionFrame::Error { code: e.code, message: e.message, client_id: Some(client_id), retry_after_ms: None };
                    return Ok(send(ws, &frame));
                }
                let (sender, author) = (Sender::External(who.id.clone()), Author::external(who));
                // The visitor's rule (anyone in an open conversation writes) is theirs too.
                self.on_send(ws, &Actor::Visitor, sender, author, client_id, &text, reply_to).await.map(drop)
            }
        }
    }
}
