//! Team chat, the staff-only conversations beside the visitor queue:
//! channels (public, private, direct), who may do what in them, unread and
//! mute, mentions, and the slash commands typed into them.
//!
//! Pure rules the edge applies and the console shows ahead of time; a
//! channel's Durable Object only stores and fans out. Messages themselves are
//! the session log's [`crate::Message`] (edit, delete, react, quote, seq,
//! resume), so a channel is delivered exactly as a conversation is.

pub mod channel;
pub mod files;
pub mod frames;
pub mod lookup;
pub mod message;
pub mod migrate;
pub mod pace;
pub mod read;
pub mod slash;
pub mod summary;

pub use channel::{Channel, ChannelAction, ChannelKind, ChannelName, ChannelRole, Staff, TeamError};
pub use frames::{ChannelId, ChannelInfo, TeamClientFrame, TeamFrame};
pub use read::{mentions, Badge, ReadState};
pub use slash::{Command, SlashError};

/// Longest team-chat message, in characters (a visitor's is shorter).
pub const MAX_TEAM_MESSAGE_CHARS: usize = 10_000;
