//! Every SQL statement of a `SiteTeam`, the team chat's directory, and
//! nothing else. The channels' logs are their own objects' (`TeamChannel`).
//!
//! Tables:
//!
//! - `channels`: one row per channel or DM: the [`Channel`] as JSON (name,
//!   kind, members and their roles, folder, archived), its revision
//!   (`rev`, pushed to the channel before each change is committed here),
//!   the log's end (`last_seq`) and the newest summary applied
//!   (`summary_rev`), both from the channel's outbox; for a DM, its member
//!   key (unique, so "New DM" with the same people reopens it).
//! - `reads`: each member's read mark, unread and mention counts (from the
//!   channel's summaries) and mute (the directory's own).
//! - `meta`: the sidebar's folders.
//! - `limits`: an agent's rate-limit bucket, written only when it refused
//!   something (`pacing.rs`), so a refusal outlives an eviction.

use porchlight_protocol::team::summary::{applies, ChannelSummary, MemberMark};
use porchlight_protocol::team::{Channel, ChannelId, ReadState};
use porchlight_protocol::{AgentId, Seq};
use serde::Deserialize;
use worker::{Result, SqlStorage, SqlStorageValue};

pub struct Store {
    sql: SqlStorage,
}

pub(crate) fn int(n: u64) -> SqlStorageValue {
    (n as i64).into()
}

pub(crate) fn text(s: &str) -> SqlStorageValue {
    s.to_owned().into()
}

/// A row of one JSON column.
#[derive(Deserialize)]
pub(crate) struct JsonRow {
    pub(crate) json: String,
}

#[derive(Deserialize)]
struct ChannelRow {
    id: String,
    json: String,
    last_seq: f64,
}

/// An agent's row of a `reads` table (the directory's and each channel's
/// have the same `last_read` and `muted` columns).
pub(crate) fn read_state(sql: &SqlStorage, channel: &ChannelId, agent: &AgentId) -> Result<ReadState> {
    #[derive(Deserialize)]
    struct Row {
        last_read: f64,
        muted: f64,
    }
    let rows: Vec<Row> = sql
        .exec("SELECT last_read, muted FROM reads WHERE channel = ? AND agent = ?", vec![text(channel.as_str()), text(agent.as_str())])?
        .to_array()?;
    Ok(rows.into_iter().next().map_or_else(ReadState::default, |r| ReadState { last_read: Seq(r.last_read as u64), muted: r.muted != 0.0 }))
}

impl Store {
    pub fn new(sql: SqlStorage) -> Store {
        let schema = [
            "CREATE TABLE IF NOT EXISTS channels (id TEXT PRIMARY KEY, json TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,
                direct_key TEXT UNIQUE, created_at INTEGER NOT NULL, rev INTEGER NOT NULL DEFAULT 1,
                summary_rev INTEGER NOT NULL DEFAULT 0)",
            "CREATE TABLE IF NOT EXISTS reads (channel TEXT NOT NULL, agent TEXT NOT NULL, last_read INTEGER NOT NULL DEFAULT 0,
                muted INTEGER NOT NULL DEFAULT 0, unread INTEGER NOT NULL DEFAULT 0, mentions INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (channel, agent))",
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, json TEXT NOT NULL)",
            crate::team::pacing::SCHEMA,
        ];
        for statement in schema {
            if let Err(e) = sql.exec(statement, None) {
                worker::console_error!("SiteTeam: creating schema failed: {e}");
            }
        }
        // A directory made before channels had their own objects: add the
        // new columns (an error here means they are there already).
        for column in [
            "channels ADD COLUMN rev INTEGER NOT NULL DEFAULT 1",
            "channels ADD COLUMN summary_rev INTEGER NOT NULL DEFAULT 0",
            "reads ADD COLUMN unread INTEGER NOT NULL DEFAULT 0",
            "reads ADD COLUMN mentions INTEGER NOT NULL DEFAULT 0",
        ] {
            let _ = sql.exec(&format!("ALTER TABLE {column}"), None);
        }
        Store { sql }
    }

    /// The object's database, for what keeps its own tables (`pacing.rs`).
    pub fn sql(&self) -> &SqlStorage {
        &self.sql
    }

    pub fn channels(&self) -> Result<Vec<(ChannelId, Channel, Seq)>> {
        let rows: Vec<ChannelRow> = self.sql.exec("SELECT id, json, last_seq FROM channels ORDER BY created_at, id", None)?.to_array()?;
        Ok(rows.into_iter().filter_map(|r| Some((ChannelId(r.id), serde_json::from_str(&r.json).ok()?, Seq(r.last_seq as u64)))).collect())
    }

    pub fn channel(&self, id: &ChannelId) -> Result<Option<(Channel, Seq)>> {
        let rows: Vec<ChannelRow> =
            self.sql.exec("SELECT id, json, last_seq FROM channels WHERE id = ?", vec![text(id.as_str())])?.to_array()?;
        Ok(rows.into_iter().next().and_then(|r| Some((serde_json::from_str(&r.json).ok()?, Seq(r.last_seq as u64)))))
    }

    pub fn direct(&self, key: &str) -> Result<Option<ChannelId>> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let rows: Vec<Id> = self.sql.exec("SELECT id FROM channels WHERE direct_key = ?", vec![text(key)])?.to_array()?;
        Ok(rows.into_iter().next().map(|r| ChannelId(r.id)))
    }

    /// A new channel, at revision 1.
    pub fn insert_channel(&self, id: &ChannelId, channel: &Channel, now: u64) -> Result<()> {
        let key = channel.direct_key().map_or(SqlStorageValue::Null, Into::into);
        self.sql.exec(
            "INSERT INTO channels (id, json, last_seq, direct_key, created_at, rev) VALUES (?, ?, 0, ?, ?, 1)",
            vec![text(id.as_str()), serde_json::to_string(channel)?.into(), key, int(now)],
        )?;
        Ok(())
    }

    /// The channel's current revision (0: none).
    pub fn rev(&self, id: &ChannelId) -> Result<u64> {
        #[derive(Deserialize)]
        struct Row {
            rev: f64,
        }
        let rows: Vec<Row> = self.sql.exec("SELECT rev FROM channels WHERE id = ?", vec![text(id.as_str())])?.to_array()?;
        Ok(rows.first().map_or(0, |r| r.rev as u64))
    }

    pub fn save_channel(&self, id: &ChannelId, channel: &Channel, rev: u64) -> Result<()> {
        self.sql.exec(
            "UPDATE channels SET json = ?, rev = ? WHERE id = ?",
            vec![serde_json::to_string(channel)?.into(), int(rev), text(id.as_str())],
        )?;
        // Who left is off the listing's counts too.
        let members: Vec<String> = channel.members.keys().map(|m| m.as_str().to_owned()).collect();
        self.sql.exec(
            "DELETE FROM reads WHERE channel = ? AND muted = 0 AND agent NOT IN (SELECT value FROM json_each(?))",
            vec![text(id.as_str()), serde_json::to_string(&members)?.into()],
        )?;
        Ok(())
    }

    /// A channel's summary, if it is newer than the last one applied: the
    /// log's end and every member's mark. Answers whether it applied.
    pub fn apply_summary(&self, summary: &ChannelSummary) -> Result<bool> {
        #[derive(Deserialize)]
        struct Row {
            summary_rev: f64,
        }
        let id = text(summary.channel.as_str());
        let rows: Vec<Row> = self.sql.exec("SELECT summary_rev FROM channels WHERE id = ?", vec![id.clone()])?.to_array()?;
        let Some(held) = rows.first().map(|r| r.summary_rev as u64) else { return Ok(false) };
        if !applies(held, summary.rev) {
            return Ok(false);
        }
        self.sql.exec(
            "UPDATE channels SET summary_rev = ?, last_seq = MAX(last_seq, ?) WHERE id = ?",
            vec![int(summary.rev), int(summary.last_seq.0), id.clone()],
        )?;
        for (agent, mark) in &summary.members {
            self.sql.exec(
                "INSERT INTO reads (channel, agent, last_read, unread, mentions) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (channel, agent) DO UPDATE SET last_read = excluded.last_read, unread = excluded.unread,
                 mentions = excluded.mentions",
                vec![id.clone(), text(agent.as_str()), int(mark.last_read.0), int(mark.unread as u64), int(mark.mentions as u64)],
            )?;
        }
        Ok(true)
    }

    /// `agent`'s mark in `channel`, as the channel's last summary had it.
    pub fn mark(&self, channel: &ChannelId, agent: &AgentId) -> Result<MemberMark> {
        #[derive(Deserialize)]
        struct Row {
            last_read: f64,
            unread: f64,
            mentions: f64,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT last_read, unread, mentions FROM reads WHERE channel = ? AND agent = ?",
                vec![text(channel.as_str()), text(agent.as_str())],
            )?
            .to_array()?;
        Ok(rows.first().map_or_else(MemberMark::default, |r| MemberMark {
            last_read: Seq(r.last_read as u64),
            unread: r.unread as u32,
            mentions: r.mentions as u32,
        }))
    }

    pub fn delete_channel(&self, id: &ChannelId) -> Result<()> {
        for table in ["reads"] {
            self.sql.exec(&format!("DELETE FROM {table} WHERE channel = ?"), vec![text(id.as_str())])?;
        }
        self.sql.exec("DELETE FROM channels WHERE id = ?", vec![text(id.as_str())])?;
        Ok(())
    }

    pub fn read_state(&self, channel: &ChannelId, agent: &AgentId) -> Result<ReadState> {
        read_state(&self.sql, channel, agent)
    }

    pub fn save_muted(&self, channel: &ChannelId, agent: &AgentId, muted: bool) -> Result<()> {
        self.sql.exec(
            "INSERT INTO reads (channel, agent, muted) VALUES (?, ?, ?)
             ON CONFLICT (channel, agent) DO UPDATE SET muted = excluded.muted",
            vec![text(channel.as_str()), text(agent.as_str()), i64::from(muted).into()],
        )?;
        Ok(())
    }

    pub fn folders(&self) -> Result<Vec<String>> {
        let rows: Vec<JsonRow> = self.sql.exec("SELECT json FROM meta WHERE key = 'folders'", None)?.to_array()?;
        Ok(rows.into_iter().next().and_then(|r| serde_json::from_str(&r.json).ok()).unwrap_or_default())
    }

    pub fn save_folders(&self, folders: &[String]) -> Result<()> {
        self.sql.exec(
            "INSERT INTO meta (key, json) VALUES ('folders', ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json",
            vec![serde_json::to_string(folders)?.into()],
        )?;
        Ok(())
    }
}
