//! `/assign` from team chat: the session is given to an agent on someone
//! else's say, by the rule the console's accept and transfer follow
//! ([`porchlight_protocol::SessionState::assign`]).

use super::ChatSession;
use porchlight_protocol::internal::{AssignAnswer, AssignRequest};
use porchlight_protocol::notice::Notice;
use porchlight_protocol::{ErrorBody, ErrorCode, SessionError, Status};
use worker::{Response, Result};

impl ChatSession {
    /// `POST /assign` → 200 `{"changed": …}`, or 404/409 with the refusal.
    pub(super) async fn assign(&self, request: AssignRequest) -> Result<Response> {
        let Some(mut record) = self.record.borrow().clone() else {
            return Ok(Response::from_json(&ErrorBody::new(ErrorCode::NotFound, "Session not found."))?.with_status(404));
        };
        let was_waiting = record.state.status == Status::Waiting;
        match record.state.assign(&request.by, request.by_admin, &request.to) {
            Err(e) => {
                let message = match &e {
                    // Worded for whoever typed the command, not the owner.
                    SessionError::NotAssigned if !was_waiting => {
                        "Only the agent who has this conversation (or a site ADMIN) can reassign it.".to_owned()
                    }
                    other => other.message(),
                };
                Ok(Response::from_json(&ErrorBody::new(e.code(), message))?.with_status(409))
            }
            Ok(false) => Response::from_json(&AssignAnswer { changed: false }),
            Ok(true) => {
                let notice = if request.by.id == request.to.id {
                    Notice::Joined { name: request.to.name.clone() }
                } else {
                    Notice::Assigned { by: request.by.name.clone(), to: request.to.name.clone() }
                };
                self.commit_transition(record, notice).await?;
                Response::from_json(&AssignAnswer { changed: true })
            }
        }
    }
}
