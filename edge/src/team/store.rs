//! Every SQL statement of a `SiteTeam`, and nothing else.
//!
//! Tables:
//!
//! - `channels`: one row per channel or DM: the [`Channel`] as JSON (name,
//!   kind, members and their roles, folder, archived), the log's end
//!   (`last_seq`) and, for a DM, its member key (unique, so "New DM" with
//!   the same people reopens it).
//! - `messages`: every channel's log, keyed `(channel, seq)`. Edits,
//!   deletions and reactions take the channel's next seq into `changed`
//!   (the session's rule), so a resume from `last_seq` reads
//!   `seq > last_seq OR changed > last_seq`. `(channel, author, client_id)`
//!   is unique: a resent message is found, not stored twice. `mentions` is
//!   `,id,id,` for counting with `LIKE`.
//! - `reads`: each agent's read mark and mute per channel.
//! - `meta`: the sidebar's folders.
//! - `limits`: an agent's rate-limit bucket, written only when it refused
//!   something (`guard.rs`), so a refusal outlives an eviction.

use porchlight_protocol::limits::Bucket;
use porchlight_protocol::team::{Badge, Channel, ChannelId, ReadState};
use porchlight_protocol::{AgentId, ClientMsgId, Message, Seq};
use serde::Deserialize;
use worker::{Result, SqlStorage, SqlStorageValue};

pub struct Store {
    sql: SqlStorage,
}

fn int(n: u64) -> SqlStorageValue {
    (n as i64).into()
}

fn text(s: &str) -> SqlStorageValue {
    s.to_owned().into()
}

#[derive(Deserialize)]
struct JsonRow {
    json: String,
}

#[derive(Deserialize)]
struct ChannelRow {
    id: String,
    json: String,
    last_seq: f64,
}

impl Store {
    pub fn new(sql: SqlStorage) -> Store {
        let schema = [
            "CREATE TABLE IF NOT EXISTS channels (id TEXT PRIMARY KEY, json TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,
                direct_key TEXT UNIQUE, created_at INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS messages (channel TEXT NOT NULL, seq INTEGER NOT NULL, author TEXT NOT NULL,
                client_id TEXT, mentions TEXT NOT NULL DEFAULT ',', changed INTEGER, json TEXT NOT NULL, PRIMARY KEY (channel, seq))",
            "CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client ON messages (channel, author, client_id)",
            "CREATE INDEX IF NOT EXISTS messages_changed ON messages (channel, changed)",
            "CREATE TABLE IF NOT EXISTS reads (channel TEXT NOT NULL, agent TEXT NOT NULL, last_read INTEGER NOT NULL DEFAULT 0,
                muted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (channel, agent))",
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, json TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, tokens REAL NOT NULL, at_ms INTEGER NOT NULL)",
        ];
        for statement in schema {
            if let Err(e) = sql.exec(statement, None) {
                worker::console_error!("SiteTeam: creating schema failed: {e}");
            }
        }
        Store { sql }
    }

    pub fn bucket(&self, key: &str) -> Result<Option<Bucket>> {
        #[derive(Deserialize)]
        struct Row {
            tokens: f64,
            at_ms: f64,
        }
        let rows: Vec<Row> = self.sql.exec("SELECT tokens, at_ms FROM limits WHERE key = ?", vec![text(key)])?.to_array()?;
        Ok(rows.first().map(|r| Bucket { tokens: r.tokens, at_ms: r.at_ms as u64 }))
    }

    pub fn save_bucket(&self, key: &str, b: &Bucket) -> Result<()> {
        self.sql.exec(
            "INSERT INTO limits (key, tokens, at_ms) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at_ms = excluded.at_ms",
            vec![text(key), b.tokens.into(), int(b.at_ms)],
        )?;
        Ok(())
    }

    /// The channel's newest message (what a `/ticket` is about when it quotes none).
    pub fn latest(&self, channel: &ChannelId) -> Result<Option<Message>> {
        let rows: Vec<JsonRow> = self
            .sql
            .exec("SELECT json FROM messages WHERE channel = ? ORDER BY seq DESC LIMIT 1", vec![text(channel.as_str())])?
            .to_array()?;
        Ok(rows.into_iter().next().and_then(|r| serde_json::from_str(&r.json).ok()))
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

    pub fn insert_channel(&self, id: &ChannelId, channel: &Channel, now: u64) -> Result<()> {
        let key = channel.direct_key().map_or(SqlStorageValue::Null, Into::into);
        self.sql.exec(
            "INSERT INTO channels (id, json, last_seq, direct_key, created_at) VALUES (?, ?, 0, ?, ?)",
            vec![text(id.as_str()), serde_json::to_string(channel)?.into(), key, int(now)],
        )?;
        Ok(())
    }

    pub fn save_channel(&self, id: &ChannelId, channel: &Channel) -> Result<()> {
        self.sql.exec("UPDATE channels SET json = ? WHERE id = ?", vec![serde_json::to_string(channel)?.into(), text(id.as_str())])?;
        Ok(())
    }

    pub fn delete_channel(&self, id: &ChannelId) -> Result<()> {
        for table in ["messages", "reads"] {
            self.sql.exec(&format!("DELETE FROM {table} WHERE channel = ?"), vec![text(id.as_str())])?;
        }
        self.sql.exec("DELETE FROM channels WHERE id = ?", vec![text(id.as_str())])?;
        Ok(())
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
        self.sql.exec("UPDATE channels SET last_seq = MAX(last_seq, ?) WHERE id = ?", vec![int(seq.0), text(channel.as_str())])?;
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
        #[derive(Deserialize)]
        struct Row {
            last_read: f64,
            muted: f64,
        }
        let rows: Vec<Row> = self
            .sql
            .exec("SELECT last_read, muted FROM reads WHERE channel = ? AND agent = ?", vec![text(channel.as_str()), text(agent.as_str())])?
            .to_array()?;
        Ok(rows
            .into_iter()
            .next()
            .map_or_else(ReadState::default, |r| ReadState { last_read: Seq(r.last_read as u64), muted: r.muted != 0.0 }))
    }

    pub fn save_read_state(&self, channel: &ChannelId, agent: &AgentId, state: ReadState) -> Result<()> {
        self.sql.exec(
            "INSERT INTO reads (channel, agent, last_read, muted) VALUES (?, ?, ?, ?)
             ON CONFLICT (channel, agent) DO UPDATE SET last_read = excluded.last_read, muted = excluded.muted",
            vec![text(channel.as_str()), text(agent.as_str()), int(state.last_read.0), i64::from(state.muted).into()],
        )?;
        Ok(())
    }

    /// The badge of `agent` in `channel`: others' messages after their mark,
    /// counted by the index rather than read ([`Badge::of`]'s rule).
    pub fn badge(&self, channel: &ChannelId, agent: &AgentId, state: ReadState) -> Result<Badge> {
        #[derive(Deserialize)]
        struct Row {
            unread: f64,
            mentions: Option<f64>,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT COUNT(*) AS unread, SUM(mentions LIKE ?4) AS mentions FROM messages
                 WHERE channel = ?1 AND seq > ?2 AND author != ?3",
                vec![text(channel.as_str()), int(state.last_read.0), text(agent.as_str()), format!("%,{},%", agent.as_str()).into()],
            )?
            .to_array()?;
        let (unread, mentions) = rows.first().map_or((0, 0), |r| (r.unread as u32, r.mentions.unwrap_or(0.0) as u32));
        Ok(Badge { unread, mentions, counts: mentions > 0 || (!state.muted && unread > 0) })
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
