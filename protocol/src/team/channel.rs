//! Channels and their rules: names, kinds, roles, and the one function that
//! says whether a member of staff may do something in a channel.

use crate::ids::AgentId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Longest channel name, in characters.
pub const MAX_CHANNEL_NAME: usize = 80;
/// Longest channel description, in characters.
pub const MAX_DESCRIPTION: usize = 250;
/// Most people in a direct conversation (a small group, not a channel).
pub const MAX_DIRECT_MEMBERS: usize = 8;

/// A channel's name: lowercase letters, digits and single hyphens, e.g.
/// `proj-014-carms-court`. Shown with a leading `#`, stored without it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChannelName(String);

impl ChannelName {
    /// Accepts a name exactly as stored (see [`ChannelName::suggest`] for
    /// turning what someone typed into one).
    pub fn parse(raw: &str) -> Result<ChannelName, TeamError> {
        let name = raw.strip_prefix('#').unwrap_or(raw);
        let bad = |why: &str| Err(TeamError::InvalidName(format!("\u{201c}{raw}\u{201d}: {why}")));
        if name.is_empty() {
            return bad("a channel needs a name");
        }
        if name.chars().count() > MAX_CHANNEL_NAME {
            return bad(&format!("names can be at most {MAX_CHANNEL_NAME} characters"));
        }
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return bad("use lowercase letters, digits and hyphens");
        }
        if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
            return bad("hyphens go between words, one at a time");
        }
        Ok(ChannelName(name.to_owned()))
    }

    /// The name a typed title would get: "Proj 014 – Carms Court!" becomes
    /// `proj-014-carms-court` (accents folded, everything else a hyphen).
    pub fn suggest(title: &str) -> Option<ChannelName> {
        let mut out = String::new();
        for c in title.chars().flat_map(fold) {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let cut: String = out.trim_end_matches('-').chars().take(MAX_CHANNEL_NAME).collect();
        ChannelName::parse(cut.trim_end_matches('-')).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The common Latin accents, so "Café Über" suggests `cafe-uber`.
fn fold(c: char) -> Vec<char> {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ß' => return vec!['s', 's'],
        other => other,
    };
    vec![plain]
}

impl TryFrom<String> for ChannelName {
    type Error = TeamError;
    fn try_from(s: String) -> Result<Self, TeamError> {
        ChannelName::parse(&s)
    }
}

impl From<ChannelName> for String {
    fn from(n: ChannelName) -> String {
        n.0
    }
}

impl fmt::Display for ChannelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Everyone on the site's team sees it and may join.
    Public,
    /// Members only (🔒); a member adds others.
    Private,
    /// A direct conversation between two or a few people, without a name.
    Direct,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelRole {
    Member,
    /// The creator, and whoever they promote: may rename, archive, delete.
    Admin,
}

/// Someone on the site's staff, as the rules see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    pub id: AgentId,
    /// A site ADMIN may manage every channel and the sidebar's folders.
    pub site_admin: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// Absent for direct conversations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<ChannelName>,
    pub kind: ChannelKind,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The sidebar folder it sits in (e.g. "Customer projects").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    pub members: BTreeMap<AgentId, ChannelRole>,
    #[serde(default)]
    pub archived: bool,
}

/// Everything one can do to or in a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelAction {
    /// See it in the sidebar and read its messages.
    Read,
    /// Write, edit or delete one's own, react, quote.
    Post,
    Join,
    Leave,
    AddMember(AgentId),
    RemoveMember(AgentId),
    Rename,
    Describe,
    Archive,
    Delete,
    MoveToFolder,
}

/// Why something was refused; `message` is a sentence for the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TeamError {
    InvalidName(String),
    /// The channel exists but this person may not do that in it.
    Forbidden(String),
    /// Not visible to this person: answered as if it did not exist, so a
    /// private channel's name does not leak.
    NotFound,
    Archived,
    InvalidMembers(String),
}

impl TeamError {
    pub fn code(&self) -> &'static str {
        match self {
            TeamError::InvalidName(_) => "invalid_channel_name",
            TeamError::Forbidden(_) => "forbidden",
            TeamError::NotFound => "not_found",
            TeamError::Archived => "channel_archived",
            TeamError::InvalidMembers(_) => "invalid_members",
        }
    }

    pub fn message(&self) -> String {
        match self {
            TeamError::InvalidName(m) | TeamError::Forbidden(m) | TeamError::InvalidMembers(m) => m.clone(),
            TeamError::NotFound => "There is no such channel.".into(),
            TeamError::Archived => "This channel is archived; nothing more can be posted.".into(),
        }
    }
}

impl fmt::Display for TeamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl Channel {
    /// A public or private channel, its creator its first ADMIN.
    pub fn new(name: ChannelName, kind: ChannelKind, creator: &AgentId) -> Result<Channel, TeamError> {
        if kind == ChannelKind::Direct {
            return Err(TeamError::InvalidMembers("Direct conversations are started with New DM, not named.".into()));
        }
        Ok(Channel {
            name: Some(name),
            kind,
            description: String::new(),
            folder: None,
            members: BTreeMap::from([(creator.clone(), ChannelRole::Admin)]),
            archived: false,
        })
    }

    /// A direct conversation between the starter and the others (the
    /// starter may be listed or not; duplicates collapse).
    pub fn direct(starter: &AgentId, others: &[AgentId]) -> Result<Channel, TeamError> {
        let mut members: BTreeMap<AgentId, ChannelRole> = others.iter().map(|a| (a.clone(), ChannelRole::Member)).collect();
        members.insert(starter.clone(), ChannelRole::Member);
        if members.len() < 2 {
            return Err(TeamError::InvalidMembers("A direct message needs someone else in it.".into()));
        }
        if members.len() > MAX_DIRECT_MEMBERS {
            return Err(TeamError::InvalidMembers(format!(
                "A direct message holds at most {MAX_DIRECT_MEMBERS} people; make a private channel instead."
            )));
        }
        Ok(Channel { name: None, kind: ChannelKind::Direct, description: String::new(), folder: None, members, archived: false })
    }

    /// The stable key of a direct conversation between these people, so
    /// "New DM" with the same people reopens the one they already have.
    pub fn direct_key(&self) -> Option<String> {
        (self.kind == ChannelKind::Direct).then(|| self.members.keys().map(AgentId::as_str).collect::<Vec<_>>().join(","))
    }

    pub fn is_member(&self, who: &AgentId) -> bool {
        self.members.contains_key(who)
    }

    fn is_admin(&self, who: &Staff) -> bool {
        who.site_admin || self.members.get(&who.id) == Some(&ChannelRole::Admin)
    }

    /// Whether `who` may do `action`. The console asks first to grey out
    /// what it cannot do; the edge asks again and refuses.
    pub fn may(&self, who: &Staff, action: &ChannelAction) -> Result<(), TeamError> {
        let member = self.is_member(&who.id);
        // What a person may not see does not exist for them, whatever they ask.
        let visible = member || self.kind == ChannelKind::Public;
        if !visible {
            return Err(TeamError::NotFound);
        }
        let forbid = |m: &str| Err(TeamError::Forbidden(m.into()));
        let writes = !matches!(action, ChannelAction::Read | ChannelAction::Leave | ChannelAction::Delete | ChannelAction::Archive);
        if self.archived && writes {
            return Err(TeamError::Archived);
        }
        match action {
            ChannelAction::Read => Ok(()),
            ChannelAction::Post if member => Ok(()),
            ChannelAction::Post => forbid("Join the channel to post in it."),
            ChannelAction::Join if self.kind == ChannelKind::Public && !member => Ok(()),
            ChannelAction::Join if member => forbid("You are already in this channel."),
            ChannelAction::Join => forbid("A member has to add you to this channel."),
            ChannelAction::Leave if self.kind == ChannelKind::Direct && self.members.len() <= 2 => {
                forbid("A one-to-one conversation cannot be left; mute it instead.")
            }
            ChannelAction::Leave if member => Ok(()),
            ChannelAction::Leave => forbid("You are not in this channel."),
            ChannelAction::AddMember(_) if self.kind == ChannelKind::Direct => {
                forbid("People cannot be added to a direct message; start a new one with everyone.")
            }
            ChannelAction::AddMember(other) if self.is_member(other) => forbid("They are already in this channel."),
            // Anyone may add a member: any member of a private channel,
            // anyone on the team to a public one.
            ChannelAction::AddMember(_) if member || self.kind == ChannelKind::Public => Ok(()),
            ChannelAction::AddMember(_) => forbid("Only members can add people."),
            ChannelAction::RemoveMember(other) if !self.is_member(other) => forbid("They are not in this channel."),
            ChannelAction::RemoveMember(other) if *other == who.id => forbid("Leave the channel instead."),
            ChannelAction::RemoveMember(_) if self.kind == ChannelKind::Direct => forbid("Nobody can be removed from a direct message."),
            ChannelAction::RemoveMember(_) if self.is_admin(who) => Ok(()),
            ChannelAction::RemoveMember(_) => forbid("Only a channel admin can remove people."),
            ChannelAction::Rename
            | ChannelAction::Describe
            | ChannelAction::Archive
            | ChannelAction::Delete
            | ChannelAction::MoveToFolder
                if self.kind == ChannelKind::Direct =>
            {
                forbid("Direct messages have no name, description or folder; mute one instead.")
            }
            ChannelAction::MoveToFolder if who.site_admin => Ok(()),
            ChannelAction::MoveToFolder => forbid("Only a site admin arranges folders."),
            ChannelAction::Rename | ChannelAction::Describe | ChannelAction::Archive | ChannelAction::Delete if self.is_admin(who) => {
                Ok(())
            }
            ChannelAction::Rename | ChannelAction::Describe | ChannelAction::Archive | ChannelAction::Delete => {
                forbid("Only a channel admin (or a site admin) can do that.")
            }
        }
    }

    /// Someone leaves or is removed. When the last channel ADMIN goes, the
    /// longest-standing remaining member (first by id, for determinism)
    /// becomes one, so a channel is never left unmanageable.
    pub fn remove(&mut self, who: &AgentId) {
        self.members.remove(who);
        if !self.members.is_empty() && self.kind != ChannelKind::Direct && !self.members.values().any(|r| *r == ChannelRole::Admin) {
            if let Some(role) = self.members.values_mut().next() {
                *role = ChannelRole::Admin;
            }
        }
    }

    /// Checks and stores a description.
    pub fn describe(&mut self, text: &str) -> Result<(), TeamError> {
        let text = text.trim();
        if text.chars().count() > MAX_DESCRIPTION {
            return Err(TeamError::InvalidName(format!("Descriptions can be at most {MAX_DESCRIPTION} characters.")));
        }
        if text.chars().any(char::is_control) {
            return Err(TeamError::InvalidName("Descriptions are one line of text.".into()));
        }
        self.description = text.to_owned();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(id: &str) -> Staff {
        Staff { id: AgentId(id.into()), site_admin: false }
    }
    fn id(s: &str) -> AgentId {
        AgentId(s.into())
    }
    fn name(s: &str) -> ChannelName {
        ChannelName::parse(s).unwrap()
    }

    #[test]
    fn names_are_lowercase_words_joined_by_single_hyphens() {
        assert_eq!(name("proj-014-carms-court").as_str(), "proj-014-carms-court");
        assert_eq!(name("#general").as_str(), "general");
        for bad in ["", "General", "two  words", "-lead", "trail-", "dou--ble", "émoji", &"a".repeat(81)] {
            assert!(ChannelName::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ChannelName::suggest("Proj 014 – Carms Court!").unwrap().as_str(), "proj-014-carms-court");
        assert_eq!(ChannelName::suggest("Café Über").unwrap().as_str(), "cafe-uber");
        assert_eq!(ChannelName::suggest("!!!"), None);
        // Names decode only if valid: a stored channel cannot hold a bad one.
        assert!(serde_json::from_str::<ChannelName>("\"Bad Name\"").is_err());
        assert_eq!(serde_json::to_string(&name("ok-1")).unwrap(), "\"ok-1\"");
    }

    #[test]
    fn a_public_channel_is_read_by_anyone_and_written_by_members() {
        let c = Channel::new(name("general"), ChannelKind::Public, &id("ava")).unwrap();
        let ben = staff("ben");
        assert_eq!(c.may(&ben, &ChannelAction::Read), Ok(()));
        assert!(matches!(c.may(&ben, &ChannelAction::Post), Err(TeamError::Forbidden(_))));
        assert_eq!(c.may(&ben, &ChannelAction::Join), Ok(()));
        assert_eq!(c.may(&ben, &ChannelAction::AddMember(id("cy"))), Ok(()));
        assert!(matches!(c.may(&ben, &ChannelAction::Rename), Err(TeamError::Forbidden(_))));
        assert_eq!(c.may(&staff("ava"), &ChannelAction::Rename), Ok(()));
        assert_eq!(c.may(&Staff { id: id("boss"), site_admin: true }, &ChannelAction::Delete), Ok(()));
    }

    #[test]
    fn a_private_channel_does_not_exist_for_non_members() {
        let mut c = Channel::new(name("secret"), ChannelKind::Private, &id("ava")).unwrap();
        let ben = staff("ben");
        for action in [ChannelAction::Read, ChannelAction::Post, ChannelAction::Join, ChannelAction::AddMember(id("ben"))] {
            assert_eq!(c.may(&ben, &action), Err(TeamError::NotFound), "{action:?}");
        }
        // Any member may add someone; once removed they see nothing again.
        c.members.insert(id("cy"), ChannelRole::Member);
        assert_eq!(c.may(&staff("cy"), &ChannelAction::AddMember(id("ben"))), Ok(()));
        c.members.insert(id("ben"), ChannelRole::Member);
        assert_eq!(c.may(&ben, &ChannelAction::Read), Ok(()));
        assert!(matches!(c.may(&staff("cy"), &ChannelAction::RemoveMember(id("ben"))), Err(TeamError::Forbidden(_))));
        assert_eq!(c.may(&staff("ava"), &ChannelAction::RemoveMember(id("ben"))), Ok(()));
        c.remove(&id("ben"));
        assert_eq!(c.may(&ben, &ChannelAction::Read), Err(TeamError::NotFound));
        // Even a site admin who is not a member cannot read a private channel.
        assert_eq!(c.may(&Staff { id: id("boss"), site_admin: true }, &ChannelAction::Read), Err(TeamError::NotFound));
    }

    #[test]
    fn the_last_admin_leaving_hands_the_channel_on() {
        let mut c = Channel::new(name("ops"), ChannelKind::Private, &id("ava")).unwrap();
        c.members.insert(id("ben"), ChannelRole::Member);
        c.remove(&id("ava"));
        assert_eq!(c.members.get(&id("ben")), Some(&ChannelRole::Admin));
    }

    #[test]
    fn archived_channels_are_read_only() {
        let mut c = Channel::new(name("old"), ChannelKind::Public, &id("ava")).unwrap();
        c.archived = true;
        assert_eq!(c.may(&staff("ava"), &ChannelAction::Read), Ok(()));
        assert_eq!(c.may(&staff("ava"), &ChannelAction::Post), Err(TeamError::Archived));
        assert_eq!(c.may(&staff("ben"), &ChannelAction::Join), Err(TeamError::Archived));
        assert_eq!(c.may(&staff("ava"), &ChannelAction::Delete), Ok(()));
    }

    #[test]
    fn direct_messages_have_fixed_members_and_one_key() {
        let dm = Channel::direct(&id("ben"), &[id("ava"), id("ben")]).unwrap();
        assert_eq!(dm.members.len(), 2);
        assert_eq!(dm.direct_key().as_deref(), Some("ava,ben"));
        assert_eq!(Channel::direct(&id("ava"), &[id("ben")]).unwrap().direct_key(), dm.direct_key());
        assert!(Channel::direct(&id("ava"), &[id("ava")]).is_err());
        let many: Vec<AgentId> = (0..9).map(|i| id(&format!("a{i}"))).collect();
        assert!(Channel::direct(&id("ava"), &many).is_err());
        assert!(matches!(dm.may(&staff("ava"), &ChannelAction::AddMember(id("cy"))), Err(TeamError::Forbidden(_))));
        assert!(matches!(dm.may(&staff("ava"), &ChannelAction::Leave), Err(TeamError::Forbidden(_))));
        assert!(matches!(dm.may(&staff("ava"), &ChannelAction::Rename), Err(TeamError::Forbidden(_))));
        assert_eq!(dm.may(&staff("cy"), &ChannelAction::Read), Err(TeamError::NotFound));
        assert!(Channel::new(name("x"), ChannelKind::Direct, &id("ava")).is_err());
    }
}
