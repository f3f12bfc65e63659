//! Every SQL statement of a `TeamChannel`, and nothing else. One object
//! is one channel, so every table has that channel's rows only (the
//! `channel` column is kept so the statements read as the log's own).
//!
//! Tables:
//!
//! - `setup`: one row: the site, the channel's record as the directory
//!   last pushed it ([`Channel`] as JSON, or null once deleted), that
//!   push's revision, the log's end (`last_seq`) and the outbox's revision
//!   (`summary_rev`, one more for every change the directory must hear of).
//! - `messages`: the log, keyed `(channel, seq)`. Edits, deletions and
//!   reactions take the channel's next seq into `changed` (the session's
//!   rule), so a resume from `last_seq` reads `seq > last_seq OR changed >
//!   last_seq`. `(channel, author, client_id)` is unique: a resent message
//!   is found, not stored twice. `mentions` is `,id,id,` for counting with
//!   `LIKE`.
//! - `reads`: each member's read mark.
//! - `limits`: an agent's rate-limit bucket, written only when it refused
//!   something (`team/pacing.rs`), so a refusal outlives an eviction.

use crate::team::store::{int, text, JsonRow};
use porchlight_protocol::team::migrate::LegacyMessage;
use porchlight_protocol::team::summary::MemberMark;
use porchlight_protocol::team::{Channel, ChannelId, ReadState};
use porchlight_protocol::{AgentId, ClientMsgId, Message, Seq, SiteId};
use serde::Deserialize;
use worker::{Result, SqlStorage, SqlStorageValue};

pub struct Store {
    sql: SqlStorage,
}

/// The channel as this object holds it.
pub struct Setup {
    pub site: SiteId,
    pub id: ChannelId,
    pub rev: u64,
    /// `None`: deleted.
    pub channel: Option<Channel>,
    pub last_seq: Seq,
    pub summary_rev: u64,
}

#[derive(Deserialize)]
struct SetupRow {
    id: String,
    site: String,
    json: String,
    rev: f64,
    last_seq: f64,
    summary_rev: f64,
}

impl Store {
    pub fn new(sql: SqlStorage) -> Store {
        let schema = [
            "CREATE TABLE IF NOT EXISTS setup (id TEXT PRIMARY KEY, site TEXT NOT NULL, json TEXT NOT NULL, rev INTEGER NOT NULL,
                last_seq INTEGER NOT NULL DEFAULT 0, summary_rev INTEGER NOT NULL DEFAULT 0)",
            "CREATE TABLE IF NOT EXISTS messages (channel TEXT NOT NULL, seq INTEGER NOT NULL, author TEXT NOT NULL,
                client_id TEXT, mentions TEXT NOT NULL DEFAULT ',', changed INTEGER, json TEXT NOT NULL, PRIMARY KEY (channel, seq))",
            "CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client ON messages (channel, author, client_id)",
            "CREATE INDEX IF NOT EXISTS messages_changed ON messages (channel, changed)",
            "CREATE TABLE IF NOT EXISTS reads (channel TEXT NOT NULL, agent TEXT NOT NULL, last_read INTEGER NOT NULL DEFAULT 0,
                muted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (channel, agent))",
            crate::team::pacing::SCHEMA,
        ];
        for statement in schema {
            if let Err(e) = sql.exec(statement, None) {
                worker::console_error!("TeamChannel: creating schema failed: {e}");
            }
        }
        Store { sql }
    }

    /// The object's database, for what keeps its own tables (`pacing.rs`).
    pub fn sql(&self) -> &SqlStorage {
        &self.sql
    }

    pub fn latest(&self, channel: &ChannelId) -> Result<Option<Message>> {
        let rows: Vec<JsonRow> = self
            .sql
            .exec("SELECT json FROM messages WHERE channel = ? ORDER BY seq DESC LIMIT 1", vec![text(channel.as_str())])?
            .to_array()?;
        Ok(rows.into_iter().next().and_then(|r| serde_json::from_str(&r.json).ok()))
    }

    /// The message a client already sent with this id, if it was committed.
    pub fn by_client_id(&self, channel: &ChannelId, author: &AgentId, client_id: &ClientMsgId) -> Result<Option<Message>> {
        let rows: Vec<JsonRow> = self
            .sql
            .exec(
                "SELECT json FROM messages WHERE channel = ? AND author = ? AND client_id = ?",
                vec![text(channel.as_str()), text(author.as_str()), text(client_id.as_str())],
            )?
            .to_array()?;
        Ok(rows.into_iter().next().and_then(|r| serde_json::from_str(&r.json).ok()))
    }

    pub fn message(&self, channel: &ChannelId, seq: Seq) -> Result<Option<Message>> {
        let rows: Vec<JsonRow> = self
            .sql
            .exec("SELECT json FROM messages WHERE channel = ? AND seq = ?", vec![text(channel.as_str()), int(seq.0)])?
            .to_array()?;
        Ok(rows.into_iter().next().and_then(|r| serde_json::from_str(&r.json).ok()))
    }

    /// Bytes of files the channel's messages name now (a deleted message names none).
    pub fn file_bytes(&self, channel: &ChannelId) -> Result<u64> {
        #[derive(Deserialize)]
        struct Sum {
            bytes: f64,
        }
        let rows: Vec<Sum> = self
            .sql
            .exec(
                "SELECT COALESCE(SUM(json_extract(json, '$.attachment.size')), 0) AS bytes FROM messages WHERE channel = ?",
                vec![text(channel.as_str())],
            )?
            .to_array()?;
        Ok(rows.first().map_or(0, |r| r.bytes as u64))
    }

    /// Commits a new message at its seq and moves the log's end there.
    pub fn append(&self, channel: &ChannelId, author: &AgentId, message: &Message, mentions: &[AgentId]) -> Result<()> {
        let mentioned = format!(",{}", mentions.iter().map(|m| format!("{},", m.as_str())).collect::<String>());
        self.sql.exec(
            "INSERT INTO messages (channel, seq, author, client_id, mentions, json) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                text(channel.as_str()),
                int(message.seq.0),
                text(author.as_str()),
                message.client_id.as_ref().map_or(SqlStorageValue::Null, |c| c.0.clone().into()),
                mentioned.into(),
                serde_json::to_string(message)?.into(),
            ],
        )?;
        self.set_end(channel, message.seq)
    }

    /// A message from the log as the pre-split directory stored it, at its
    /// own seq: one this log holds already is left as it is (an import
    /// re-sent after a crash changes nothing).
    pub fn import(&self, channel: &ChannelId, row: &LegacyMessage) -> Result<()> {
        self.sql.exec(
            "INSERT OR IGNORE INTO messages (channel, seq, author, client_id, mentions, changed, json) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![
                text(channel.as_str()),
                int(row.seq.0),
                text(row.author.as_str()),
                row.client_id.as_ref().map_or(SqlStorageValue::Null, |c| c.0.clone().into()),
                text(&row.mentions),
                row.changed.map_or(SqlStorageValue::Null, |c| int(c.0)),
                serde_json::to_string(&row.message)?.into(),
            ],
        )?;
        Ok(())
    }

    /// Moves the log's end to at least `seq` (an import's end).
    pub fn extend_to(&self, channel: &ChannelId, seq: Seq) -> Result<()> {
        self.set_end(channel, seq)
    }

    /// Rewrites a changed message; its `changed` is the log's new end.
    pub fn rewrite(&self, channel: &ChannelId, message: &Message) -> Result<()> {
        let changed = message.log_pos();
        self.sql.exec(
            "UPDATE messages SET json = ?, changed = ? WHERE channel = ? AND seq = ?",
            vec![serde_json::to_string(message)?.into(), int(changed.0), text(channel.as_str()), int(message.seq.0)],
        )?;
        self.set_end(channel, changed)
    }

    fn set_end(&self, channel: &ChannelId, seq: Seq) -> Result<()> {
        self.sql.exec("UPDATE setup SET last_seq = MAX(last_seq, ?) WHERE id = ?", vec![int(seq.0), text(channel.as_str())])?;
        Ok(())
    }

    /// Every message with something after `after`: new since, or changed since.
    pub fn since(&self, channel: &ChannelId, after: Seq) -> Result<Vec<Message>> {
        let rows: Vec<JsonRow> = self
            .sql
            .exec(
                "SELECT json FROM messages WHERE channel = ?1 AND (seq > ?2 OR changed > ?2) ORDER BY seq",
                vec![text(channel.as_str()), int(after.0)],
            )?
            .to_array()?;
        Ok(rows.into_iter().filter_map(|r| serde_json::from_str(&r.json).ok()).collect())
    }

    pub fn read_state(&self, channel: &ChannelId, agent: &AgentId) -> Result<ReadState> {
        crate::team::store::read_state(&self.sql, channel, agent)
    }

    pub fn save_read_state(&self, channel: &ChannelId, agent: &AgentId, state: ReadState) -> Result<()> {
        self.sql.exec(
            "INSERT INTO reads (channel, agent, last_read, muted) VALUES (?, ?, ?, ?)
             ON CONFLICT (channel, agent) DO UPDATE SET last_read = excluded.last_read, muted = excluded.muted",
            vec![text(channel.as_str()), text(agent.as_str()), int(state.last_read.0), i64::from(state.muted).into()],
        )?;
        Ok(())
    }

    /// `agent`'s mark in `channel`: others' messages after their read
    /// mark, counted by the index rather than read ([`Badge::of`]'s rule).
    ///
    /// [`Badge::of`]: porchlight_protocol::team::Badge::of
    pub fn mark(&self, channel: &ChannelId, agent: &AgentId) -> Result<MemberMark> {
        #[derive(Deserialize)]
        struct Row {
            unread: f64,
            mentions: Option<f64>,
        }
        let last_read = self.read_state(channel, agent)?.last_read;
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT COUNT(*) AS unread, SUM(mentions LIKE ?4) AS mentions FROM messages
                 WHERE channel = ?1 AND seq > ?2 AND author != ?3",
                vec![text(channel.as_str()), int(last_read.0), text(agent.as_str()), format!("%,{},%", agent.as_str()).into()],
            )?
            .to_array()?;
        let (unread, mentions) = rows.first().map_or((0, 0), |r| (r.unread as u32, r.mentions.unwrap_or(0.0) as u32));
        Ok(MemberMark { last_read, unread, mentions })
    }

    pub fn setup(&self) -> Result<Option<Setup>> {
        let rows: Vec<SetupRow> =
            self.sql.exec("SELECT id, site, json, rev, last_seq, summary_rev FROM setup LIMIT 1", None)?.to_array()?;
        Ok(rows.into_iter().next().and_then(|r| {
            Some(Setup {
                site: SiteId::parse(&r.site)?,
                id: ChannelId(r.id),
                rev: r.rev as u64,
                channel: serde_json::from_str(&r.json).ok()?,
                last_seq: Seq(r.last_seq as u64),
                summary_rev: r.summary_rev as u64,
            })
        }))
    }

    /// Stores the directory's record of the channel at `rev`.
    pub fn save_setup(&self, site: &SiteId, id: &ChannelId, rev: u64, channel: Option<&Channel>) -> Result<()> {
        self.sql.exec(
            "INSERT INTO setup (id, site, json, rev) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET json = excluded.json, rev = excluded.rev",
            vec![text(id.as_str()), text(site.as_str()), serde_json::to_string(&channel)?.into(), int(rev)],
        )?;
        Ok(())
    }

    /// One more change the directory has not heard of; the new revision.
    pub fn bump_summary(&self) -> Result<u64> {
        self.sql.exec("UPDATE setup SET summary_rev = summary_rev + 1", None)?;
        Ok(self.setup()?.map_or(0, |s| s.summary_rev))
    }

    /// A deleted channel keeps only its `setup` row (a tombstone: its id is
    /// never reused, and a late socket or upload is answered `not_found`).
    pub fn erase_log(&self) -> Result<()> {
        for table in ["messages", "reads"] {
            self.sql.exec(&format!("DELETE FROM {table}"), None)?;
        }
        Ok(())
    }
}
