//! Files in team chat: who may upload and read them, where their bytes
//! live, and how much one channel holds. The checks on the bytes themselves
//! (type sniffed, whole, 10 MB) are the session's ([`crate::attachment`]).

use super::{Channel, ChannelAction, ChannelId, Staff, TeamError};
use crate::ids::SiteId;

/// What one channel (or direct message) holds in files at most: a busy
/// channel lives far longer than a conversation, so more than a session's
/// [`crate::attachment::MAX_SESSION_BYTES`]; deleted files free their room.
pub const MAX_CHANNEL_BYTES: u64 = 200 * 1024 * 1024;

/// Every team file sits under `_team/`: site ids never start with `_`, so
/// no session's `{site}/{session}/…` key can fall under it.
pub fn channel_prefix(site: &SiteId, channel: &ChannelId) -> String {
    format!("_team/{}/{channel}/", site.0)
}

/// The object's key: a file belongs to its site and its channel, so it is
/// read through the channel's membership and goes when the channel does.
pub fn key(site: &SiteId, channel: &ChannelId, id: &str) -> String {
    format!("{}{id}", channel_prefix(site, channel))
}

/// Posting a file is posting: members only, never in an archived channel.
pub fn may_upload(channel: &Channel, who: &Staff) -> Result<(), TeamError> {
    channel.may(who, &ChannelAction::Post)
}

/// Reading one is reading the channel: any of the team for a public
/// channel, members only for a private one or a DM (answered `not_found`
/// to anyone else, whether they never were or were removed).
pub fn may_read(channel: &Channel, who: &Staff) -> Result<(), TeamError> {
    channel.may(who, &ChannelAction::Read)
}

/// Whether a channel holding `held` bytes may take `size` more.
pub fn fits_channel(held: u64, size: u64) -> bool {
    held.saturating_add(size) <= MAX_CHANNEL_BYTES
}

/// The HTTP status a refusal is answered with.
pub fn status(e: &TeamError) -> u16 {
    match e {
        TeamError::NotFound => 404,
        TeamError::Forbidden(_) => 403,
        TeamError::Archived => 409,
        TeamError::InvalidName(_) | TeamError::InvalidMembers(_) => 422,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AgentId;
    use crate::team::{ChannelKind, ChannelName};

    fn staff(id: &str) -> Staff {
        Staff { id: AgentId(id.into()), site_admin: false }
    }

    fn channel(kind: ChannelKind) -> Channel {
        Channel::new(ChannelName::parse("ops").unwrap(), kind, &AgentId("ava".into())).unwrap()
    }

    #[test]
    fn private_files_are_for_members_only_even_after_removal() {
        let mut c = channel(ChannelKind::Private);
        c.members.insert(AgentId("ben".into()), crate::team::ChannelRole::Member);
        assert_eq!(may_read(&c, &staff("ben")), Ok(()));
        assert_eq!(may_upload(&c, &staff("ben")), Ok(()));
        c.remove(&AgentId("ben".into()));
        assert_eq!(may_read(&c, &staff("ben")), Err(TeamError::NotFound));
        assert_eq!(may_upload(&c, &staff("ben")), Err(TeamError::NotFound));
        assert_eq!(status(&may_read(&c, &staff("cy")).unwrap_err()), 404);
        // A site admin who is not a member sees no more of it than anyone.
        assert_eq!(may_read(&c, &Staff { id: AgentId("root".into()), site_admin: true }), Err(TeamError::NotFound));
    }

    #[test]
    fn public_files_are_read_by_the_team_and_posted_by_members() {
        let mut c = channel(ChannelKind::Public);
        assert_eq!(may_read(&c, &staff("cy")), Ok(()));
        let refused = may_upload(&c, &staff("cy")).unwrap_err();
        assert_eq!((status(&refused), refused.code()), (403, "forbidden"));
        c.archived = true;
        assert_eq!(may_read(&c, &staff("ava")), Ok(()));
        assert_eq!(status(&may_upload(&c, &staff("ava")).unwrap_err()), 409);
    }

    #[test]
    fn an_upload_answers_the_documented_message_frame() {
        use crate::attachment::Attachment;
        use crate::frames::{Author, Message};
        use crate::ids::{ClientMsgId, Seq};
        let frame = crate::team::TeamFrame::Message {
            channel: ChannelId::parse("0123456789abcdef").unwrap(),
            message: Message {
                seq: Seq(12),
                client_id: Some(ClientMsgId("f-1".into())),
                author: Author::Agent { id: AgentId("ava".into()), name: "Ava".into() },
                text: "📎 floor-plan.png".into(),
                at: 1_700_000_000_000,
                attachment: Some(Attachment {
                    id: "att_0f1e2d3c4b5a69788796a5b4c3d2e1f0".into(),
                    name: "floor-plan.png".into(),
                    content_type: "image/png".into(),
                    size: 48213,
                    width: Some(640),
                    height: Some(480),
                }),
                ..Message::blank()
            },
        };
        // docs/PROTOCOL.md, "Team files".
        let documented = serde_json::json!({"type": "message", "channel": "0123456789abcdef",
            "message": {"seq": 12, "client_id": "f-1", "author": {"kind": "agent", "id": "ava", "name": "Ava"},
              "text": "📎 floor-plan.png", "at": 1700000000000u64,
              "attachment": {"id": "att_0f1e2d3c4b5a69788796a5b4c3d2e1f0", "name": "floor-plan.png", "content_type": "image/png",
                             "size": 48213, "width": 640, "height": 480}}});
        assert_eq!(serde_json::to_value(&frame).unwrap(), documented);
        assert_eq!(serde_json::from_value::<crate::team::TeamFrame>(documented).unwrap(), frame);
    }

    #[test]
    fn keys_sit_under_their_channel_and_apart_from_sessions() {
        let site = SiteId("demo".into());
        let id = ChannelId::parse("0123456789abcdef").unwrap();
        assert_eq!(key(&site, &id, "att_1"), "_team/demo/0123456789abcdef/att_1");
        assert!(key(&site, &id, "att_1").starts_with(&channel_prefix(&site, &id)));
        // Session keys start with the site id, which never starts with `_`.
        assert!(SiteId::parse("_team").is_none());
        assert!(fits_channel(MAX_CHANNEL_BYTES - 1, 1) && !fits_channel(MAX_CHANNEL_BYTES, 1));
    }
}
