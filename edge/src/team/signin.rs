//! What the directory's socket and every channel's socket share: a
//! hibernating socket that must say `hello` within 10 s, and the check of
//! the agent token it says it with (the failed-sign-in budget, then the
//! site's accounts). Only an agent token opens team chat: a visitor's
//! session token, or anything else, is refused like a wrong one.

use crate::util::send;
use crate::{accounts, config};
use porchlight_protocol::codec::{parse_within, Incoming};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::site::AgentAccount;
use porchlight_protocol::team::message::MAX_TEAM_FRAME_BYTES;
use porchlight_protocol::team::{Staff, TeamClientFrame, TeamFrame};
use porchlight_protocol::{ErrorCode, Seq, SiteId};
use serde::{Deserialize, Serialize};
use worker::{Env, Response, ResponseBuilder, Result, State, WebSocket, WebSocketIncomingMessage, WebSocketPair};

/// What a team socket (the directory's or a channel's) remembers across
/// hibernation: its site, and once signed in, its agent.
#[derive(Clone, Serialize, Deserialize)]
pub struct Attachment {
    pub site: SiteId,
    #[serde(default)]
    pub agent: Option<AgentRef>,
    #[serde(default)]
    pub site_admin: bool,
    #[serde(default)]
    pub address: Option<String>,
}

impl Attachment {
    pub fn new(site: SiteId, address: Option<String>) -> Attachment {
        Attachment { site, agent: None, site_admin: false, address }
    }

    pub fn staff(&self) -> Option<Staff> {
        self.agent.as_ref().map(|a| Staff { id: a.id.clone(), site_admin: self.site_admin })
    }
}

/// Accepts the upgrade; a console that never signs in is closed (1008) after 10 s.
pub fn accept(state: &State, attachment: &Attachment) -> Result<Response> {
    let pair = WebSocketPair::new()?;
    state.accept_web_socket(&pair.server);
    pair.server.serialize_attachment(attachment)?;
    let ws = pair.server.clone();
    state.wait_until(async move {
        worker::Delay::from(std::time::Duration::from_millis(10_000)).await;
        let signed_in = matches!(ws.deserialize_attachment::<Attachment>(), Ok(Some(Attachment { agent: Some(_), .. })));
        if ws.as_ref().ready_state() == web_sys::WebSocket::OPEN && !signed_in {
            send(&ws, &TeamFrame::error(ErrorCode::Unauthorized, "No hello within 10 s."));
            let _ = ws.close(Some(1008), Some("no hello"));
        }
    });
    Ok(ResponseBuilder::new().with_status(101).with_websocket(pair.client).empty())
}

/// What a socket's message asks of its object, once what every team socket
/// answers the same way is answered.
pub enum Turn {
    /// Sign in (`last_seq`: a channel socket's resume point).
    Hello { attachment: Attachment, token: String, last_seq: Option<Seq> },
    /// A frame of a signed-in console.
    Frame { attachment: Attachment, frame: TeamClientFrame },
}

/// Reads a socket's message: a lost attachment closes it (1011), an
/// unreadable frame, `ping`, a second `hello` and anything before `hello`
/// are answered here; the rest is the object's [`Turn`].
pub fn turn(ws: &WebSocket, message: WebSocketIncomingMessage) -> Result<Option<Turn>> {
    let Some(attachment) = ws.deserialize_attachment::<Attachment>()? else {
        let _ = ws.close(Some(1011), Some("socket state lost; reconnect"));
        return Ok(None);
    };
    let Some(frame) = read_frame(ws, message) else { return Ok(None) };
    Ok(match frame {
        TeamClientFrame::Ping => {
            send(ws, &TeamFrame::Pong);
            None
        }
        TeamClientFrame::Hello { .. } if attachment.agent.is_some() => {
            send(ws, &TeamFrame::error(ErrorCode::BadFrame, "Already signed in."));
            None
        }
        TeamClientFrame::Hello { token, last_seq } => Some(Turn::Hello { attachment, token, last_seq }),
        _ if attachment.agent.is_none() => {
            send(ws, &TeamFrame::error(ErrorCode::Unauthorized, "Send hello with your agent token first."));
            None
        }
        frame => Some(Turn::Frame { attachment, frame }),
    })
}

/// The frame a console sent, or `None` after answering why it is not one
/// (`frame_too_large`; `bad_frame`, or `invalid_name` when the one thing
/// wrong is a channel name, so the console can say so under the field).
fn read_frame(ws: &WebSocket, message: WebSocketIncomingMessage) -> Option<TeamClientFrame> {
    let text = match message {
        WebSocketIncomingMessage::String(text) => text,
        WebSocketIncomingMessage::Binary(_) => String::new(),
    };
    match parse_within::<TeamClientFrame>(text.as_bytes(), MAX_TEAM_FRAME_BYTES) {
        Incoming::Frame(frame) => Some(frame),
        Incoming::TooLarge(n) => {
            let message = format!("Frames can be at most {MAX_TEAM_FRAME_BYTES} bytes (got {n}).");
            send(ws, &TeamFrame::error(ErrorCode::FrameTooLarge, message));
            None
        }
        Incoming::Malformed(why) => {
            match porchlight_protocol::team::frames::name_refusal(&text) {
                Some(e) => send(ws, &TeamFrame::error(ErrorCode::InvalidName, e.message())),
                None => send(ws, &TeamFrame::error(ErrorCode::BadFrame, format!("Unreadable frame: {why}."))),
            }
            None
        }
    }
}

/// The agent whose token this is, or `None` after telling the socket why
/// not and closing it (1008).
pub async fn agent(env: &Env, ws: &WebSocket, site_id: &SiteId, address: Option<&str>, token: &str) -> Result<Option<AgentAccount>> {
    let sites = config::sites(env)?;
    let Some(site) = sites.get(site_id) else {
        send(ws, &TeamFrame::error(ErrorCode::NotFound, "No such site."));
        let _ = ws.close(Some(1008), Some("no site"));
        return Ok(None);
    };
    let rate = site.limits.auth_failures;
    if let Some(ms) = crate::limiter::sign_in_refused(env, site_id, address, rate).await? {
        send(ws, &TeamFrame::error(ErrorCode::RateLimited, crate::limiter::sign_in_wait_message(ms)));
        let _ = ws.close(Some(1008), Some("rate limited"));
        return Ok(None);
    }
    let Some(account) = accounts::by_token(env, site_id, site, token).await? else {
        crate::limiter::sign_in_failed(env, site_id, address, rate).await;
        send(ws, &TeamFrame::error(ErrorCode::Unauthorized, "That agent token is not valid for this site."));
        let _ = ws.close(Some(1008), Some("unauthorized"));
        return Ok(None);
    };
    Ok(Some(account))
}
