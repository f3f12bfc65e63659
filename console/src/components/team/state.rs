//! What the console knows of team chat: the directory (with badges) from
//! the directory's socket, and a transcript per channel opened (from its
//! own socket), merged exactly as a session's ([`Transcript`]).

use porchlight_browser::Conn;
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::team::{ChannelId, ChannelInfo, ChannelKind, TeamFrame};
use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{ClientMsgId, Seq, SessionFrame};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use yew::Reducible;

/// What a slash command answered, to this agent only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Notice {
    pub text: String,
    pub links: Vec<porchlight_protocol::team::lookup::NoticeLink>,
}

#[derive(Clone, Default, PartialEq)]
pub struct TeamState {
    pub me: Option<AgentRef>,
    pub site_admin: bool,
    pub team: Vec<AgentRef>,
    pub folders: Vec<String>,
    pub channels: BTreeMap<ChannelId, ChannelInfo>,
    pub transcripts: HashMap<ChannelId, Transcript>,
    /// Slash-command answers and refusals, per channel (shown in place).
    /// A command's answer per channel, with the conversations `/contact` links.
    pub notices: HashMap<ChannelId, Notice>,
    /// A refusal not about one channel (e.g. too many folders).
    pub error: Option<String>,
    /// The refusal of this console's "New channel" (whatever its code:
    /// the name is invalid or taken), shown under the name field.
    pub create_error: Option<String>,
    pub conn: Option<Conn>,
    /// Directories received: each (re)connect's.
    pub hellos: u32,
    /// Histories received on a channel's socket: each (re)connect's, to resend its outbox after.
    pub resumes: u32,
    /// What this console just asked to create, to open it when it comes.
    pub awaiting: Option<Awaiting>,
    /// The channel a "New DM" or "New channel" of this console made (or
    /// reopened), to open it.
    pub created: Option<ChannelId>,
}

/// A channel this console asked for: by name, or a DM by its people.
#[derive(Clone, PartialEq)]
pub enum Awaiting {
    Name(porchlight_protocol::team::ChannelName),
    Members(Vec<porchlight_protocol::AgentId>),
}

pub enum Action {
    Frame(TeamFrame),
    Queue(ChannelId, ClientMsgId, String, Option<Seq>),
    Conn(Conn),
    Dismiss(ChannelId),
    Await(Awaiting),
}

impl TeamState {
    /// Badges toward the "Team" button: unread where not muted, mentions always.
    pub fn badge_total(&self) -> u32 {
        self.channels.values().map(|c| c.badge.total_share(c.read.muted)).sum()
    }

    /// The total as the sidebar says it: "3 unread", "1 mention" (what a
    /// muted channel counts), or both.
    pub fn badge_spoken(&self) -> String {
        let (mut unread, mut mentions) = (0, 0);
        for c in self.channels.values() {
            if c.read.muted {
                mentions += c.badge.mentions;
            } else {
                unread += c.badge.unread;
            }
        }
        let mentions = match mentions {
            0 => None,
            1 => Some("1 mention".to_owned()),
            n => Some(format!("{n} mentions")),
        };
        [(unread > 0).then(|| format!("{unread} unread")), mentions].into_iter().flatten().collect::<Vec<_>>().join(", ")
    }

    pub fn sorted(&self, pred: impl Fn(&ChannelInfo) -> bool) -> Vec<&ChannelInfo> {
        let mut list: Vec<&ChannelInfo> = self.channels.values().filter(|c| pred(c)).collect();
        list.sort_by_key(|c| self.label(c));
        list
    }

    /// How a channel is named in the sidebar: `#name`, or a DM's other people.
    pub fn label(&self, c: &ChannelInfo) -> String {
        match &c.channel.name {
            Some(name) => name.to_string(),
            None => {
                let me = self.me.as_ref().map(|m| m.id.clone());
                let names: Vec<String> = c
                    .channel
                    .members
                    .keys()
                    .filter(|id| Some(*id) != me.as_ref())
                    .map(|id| self.team.iter().find(|a| a.id == *id).map_or_else(|| id.to_string(), |a| a.name.clone()))
                    .collect();
                names.join(", ")
            }
        }
    }

    pub fn is_direct(c: &ChannelInfo) -> bool {
        c.channel.kind == ChannelKind::Direct
    }
}

impl Reducible for TeamState {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Conn(c) => next.conn = Some(c),
            Action::Await(a) => {
                next.awaiting = Some(a);
                next.create_error = None;
            }
            Action::Dismiss(id) => {
                next.notices.remove(&id);
            }
            Action::Queue(id, client_id, text, reply_to) => next.transcripts.entry(id).or_default().queue(client_id, text, reply_to),
            Action::Frame(frame) => match frame {
                TeamFrame::Directory { me, site_admin, team, folders, channels } => {
                    next.site_admin = site_admin;
                    let known: BTreeMap<ChannelId, ChannelInfo> = channels.into_iter().map(|c| (c.id.clone(), c)).collect();
                    // Whatever is no longer listed is gone for this agent.
                    next.transcripts.retain(|id, _| known.contains_key(id));
                    next.channels = known;
                    next.me = Some(me);
                    next.team = team;
                    next.folders = folders;
                    next.hellos += 1;
                }
                TeamFrame::Channel { channel } => {
                    let asked = match &next.awaiting {
                        Some(Awaiting::Name(name)) => channel.channel.name.as_ref() == Some(name),
                        Some(Awaiting::Members(people)) => {
                            channel.channel.kind == ChannelKind::Direct
                                && channel.channel.members.len() == people.len()
                                && people.iter().all(|p| channel.channel.is_member(p))
                        }
                        None => false,
                    };
                    if asked {
                        next.awaiting = None;
                        next.created = Some(channel.id.clone());
                    }
                    next.channels.insert(channel.id.clone(), channel);
                }
                TeamFrame::Gone { channel } => {
                    next.channels.remove(&channel);
                    next.transcripts.remove(&channel);
                }
                TeamFrame::Folders { folders } => next.folders = folders,
                TeamFrame::History { channel, messages } => {
                    next.resumes += 1;
                    let t = next.transcripts.entry(channel).or_default();
                    for message in messages {
                        t.apply(SessionFrame::Message { message });
                    }
                }
                TeamFrame::Message { channel, message } | TeamFrame::Updated { channel, message } => {
                    next.transcripts.entry(channel).or_default().apply(SessionFrame::Message { message });
                }
                TeamFrame::Ack { channel, client_id, seq } => {
                    next.transcripts.entry(channel).or_default().apply(SessionFrame::Ack { client_id, seq });
                }
                TeamFrame::Typing { channel, who, typing } => {
                    next.transcripts.entry(channel).or_default().apply(SessionFrame::Typing { who, typing });
                }
                TeamFrame::Notice { channel, text, links } => {
                    next.notices.insert(channel, Notice { text, links });
                }
                TeamFrame::Error { code, message, channel, client_id, retry_after_ms } => match channel {
                    Some(channel) => {
                        let t = next.transcripts.entry(channel.clone()).or_default();
                        if client_id.as_ref().is_some_and(|id| t.outbox.iter().any(|p| p.client_id == *id)) {
                            // A refused message stays in place, saying why.
                            t.apply(SessionFrame::Error { code, message, client_id, retry_after_ms });
                        } else {
                            next.notices.insert(channel, Notice { text: message, links: Vec::new() });
                        }
                    }
                    None => match next.awaiting.take() {
                        Some(Awaiting::Name(_)) => next.create_error = Some(message),
                        _ => next.error = Some(message),
                    },
                },
                TeamFrame::Pong => {}
            },
        }
        Rc::new(next)
    }
}
