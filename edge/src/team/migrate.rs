//! The upgrade from team chat written before channels had their own
//! objects: the directory's own SQLite then held every channel's log (the
//! `messages` table) beside the read marks (`reads`, which the directory
//! still has). Until every channel has its log in its `TeamChannel`, the
//! first request that signs an agent in moves them (`migrate`); requests
//! that arrive meanwhile wait for it, so no one sees a half-moved team.
//!
//! Order, so a crash anywhere re-runs safely: a channel's bodies
//! (`porchlight_protocol::team::migrate::batches`) are posted in order and
//! confirmed, then the channel is written into `migrated`; the old
//! `messages` table is dropped only once every channel is there. The
//! channel's import ignores seqs it holds, so a re-sent body changes
//! nothing. Files stay where they were: their bucket keys are the
//! channel's (`team::files::key`), unchanged by the split.

use super::store::{int, text};
use super::SiteTeam;
use crate::file_io::{self, BUCKET};
use porchlight_protocol::team::migrate::{batches, LegacyMessage, LegacySeed};
use porchlight_protocol::team::summary::ChannelSetup;
use porchlight_protocol::team::ChannelId;
use porchlight_protocol::{AgentId, ClientMsgId, Message, Seq, SiteId};
use serde::Deserialize;
use worker::{Result, SqlStorage, SqlStorageValue};

/// Where this object is with the upgrade, in memory (the tables say the rest).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Migration {
    /// Not checked since the object woke (or the last try failed).
    #[default]
    Unchecked,
    Running,
    Done,
}

/// The pre-split `messages` table, as that code created it.
const LEGACY_MESSAGES: &str = "CREATE TABLE IF NOT EXISTS messages (channel TEXT NOT NULL, seq INTEGER NOT NULL, author TEXT NOT NULL,
    client_id TEXT, mentions TEXT NOT NULL DEFAULT ',', changed INTEGER, json TEXT NOT NULL, PRIMARY KEY (channel, seq))";

fn has_legacy(sql: &SqlStorage) -> Result<bool> {
    #[derive(Deserialize)]
    struct Row {
        n: f64,
    }
    let rows: Vec<Row> =
        sql.exec("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'messages'", None)?.to_array()?;
    Ok(rows.first().is_some_and(|r| r.n > 0.0))
}

fn is_migrated(sql: &SqlStorage, id: &ChannelId) -> Result<bool> {
    #[derive(Deserialize)]
    struct Row {
        n: f64,
    }
    let rows: Vec<Row> = sql.exec("SELECT COUNT(*) AS n FROM migrated WHERE channel = ?", vec![text(id.as_str())])?.to_array()?;
    Ok(rows.first().is_some_and(|r| r.n > 0.0))
}

/// One channel's old log, and how many of its rows no longer read as a
/// message (logged; the old table is then kept, see `move_channels`).
fn legacy_log(sql: &SqlStorage, id: &ChannelId) -> Result<(Vec<LegacyMessage>, usize)> {
    #[derive(Deserialize)]
    struct Row {
        seq: f64,
        author: String,
        client_id: Option<String>,
        mentions: String,
        changed: Option<f64>,
        json: String,
    }
    let rows: Vec<Row> = sql
        .exec(
            "SELECT seq, author, client_id, mentions, changed, json FROM messages WHERE channel = ? ORDER BY seq",
            vec![text(id.as_str())],
        )?
        .to_array()?;
    let mut unreadable = 0;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        match serde_json::from_str::<Message>(&r.json) {
            Ok(message) => out.push(LegacyMessage {
                seq: Seq(r.seq as u64),
                author: AgentId(r.author),
                client_id: r.client_id.map(ClientMsgId),
                mentions: r.mentions,
                changed: r.changed.map(|c| Seq(c as u64)),
                message,
            }),
            Err(e) => {
                unreadable += 1;
                worker::console_error!("SiteTeam: an old team message {} #{} does not read: {e}", id.as_str(), r.seq);
            }
        }
    }
    Ok((out, unreadable))
}

/// Old messages of channels not moved (a channel row that no longer reads).
fn left_behind(sql: &SqlStorage) -> Result<u64> {
    #[derive(Deserialize)]
    struct Row {
        n: f64,
    }
    let rows: Vec<Row> =
        sql.exec("SELECT COUNT(*) AS n FROM messages WHERE channel NOT IN (SELECT channel FROM migrated)", None)?.to_array()?;
    Ok(rows.first().map_or(0, |r| r.n as u64))
}

fn legacy_reads(sql: &SqlStorage, id: &ChannelId) -> Result<Vec<(AgentId, Seq)>> {
    #[derive(Deserialize)]
    struct Row {
        agent: String,
        last_read: f64,
    }
    let rows: Vec<Row> = sql.exec("SELECT agent, last_read FROM reads WHERE channel = ?", vec![text(id.as_str())])?.to_array()?;
    Ok(rows.into_iter().map(|r| (AgentId(r.agent), Seq(r.last_read as u64))).collect())
}

impl SiteTeam {
    /// Moves pre-split channels into their objects, once per wake-up; a
    /// caller that finds it under way waits for it. A failure is logged and
    /// tried again by the next caller (nothing is dropped before it is
    /// confirmed).
    pub(crate) async fn migrate(&self, site: &SiteId) {
        loop {
            match self.migration.get() {
                Migration::Done => return,
                Migration::Running => worker::Delay::from(std::time::Duration::from_millis(5)).await,
                Migration::Unchecked => break,
            }
        }
        self.migration.set(Migration::Running);
        let outcome = self.move_channels(site).await;
        self.migration.set(match outcome {
            Ok(()) => Migration::Done,
            Err(e) => {
                worker::console_error!("SiteTeam: moving pre-split channels failed, the next sign-in retries: {e}");
                Migration::Unchecked
            }
        });
    }

    async fn move_channels(&self, site: &SiteId) -> Result<()> {
        let sql = self.store.sql();
        if !has_legacy(sql)? {
            return Ok(());
        }
        sql.exec("CREATE TABLE IF NOT EXISTS migrated (channel TEXT PRIMARY KEY)", None)?;
        let mut unreadable = 0;
        for (id, channel, last_seq) in self.store.channels()? {
            if is_migrated(sql, &id)? {
                continue;
            }
            let (messages, bad) = legacy_log(sql, &id)?;
            unreadable += bad;
            let setup = ChannelSetup { site: site.clone(), id: id.clone(), rev: self.store.rev(&id)?, channel: Some(channel) };
            let target = crate::internal::TeamChannel::of(&self.env, site, &id)?;
            for body in batches(setup, last_seq, messages, legacy_reads(sql, &id)?) {
                target.import(&body).await?;
            }
            sql.exec("INSERT OR IGNORE INTO migrated (channel) VALUES (?)", vec![text(id.as_str())])?;
        }
        let left = left_behind(sql)?;
        if unreadable > 0 || left > 0 {
            // Kept for a person to look at rather than dropped unread.
            worker::console_error!(
                "SiteTeam: {unreadable} old team messages did not read, {left} belong to no listed channel; the old table is kept"
            );
            return Ok(());
        }
        sql.exec("DROP TABLE messages", None)?;
        sql.exec("DROP TABLE migrated", None)?;
        Ok(())
    }

    /// `POST /legacy` (dev sites only, for the upgrade's test): writes the
    /// rows the pre-split code wrote, then forgets the upgrade is done, as
    /// an object woken on those rows would.
    pub(crate) async fn seed_legacy(&self, site: &SiteId, seed: LegacySeed) -> Result<()> {
        let sql = self.store.sql();
        sql.exec(LEGACY_MESSAGES, None)?;
        for c in &seed.channels {
            let key = c.channel.direct_key().map_or(SqlStorageValue::Null, Into::into);
            // The columns the split added keep their ALTER TABLE defaults.
            sql.exec(
                "INSERT INTO channels (id, json, last_seq, direct_key, created_at) VALUES (?, ?, ?, ?, ?)",
                vec![text(c.id.as_str()), serde_json::to_string(&c.channel)?.into(), int(c.last_seq.0), key, int(crate::util::now_ms())],
            )?;
            for m in &c.messages {
                sql.exec(
                    "INSERT INTO messages (channel, seq, author, client_id, mentions, changed, json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    vec![
                        text(c.id.as_str()),
                        int(m.seq.0),
                        text(m.author.as_str()),
                        m.client_id.as_ref().map_or(SqlStorageValue::Null, |x| x.0.clone().into()),
                        text(&m.mentions),
                        m.changed.map_or(SqlStorageValue::Null, |x| int(x.0)),
                        serde_json::to_string(&m.message)?.into(),
                    ],
                )?;
            }
            for (agent, read) in &c.reads {
                sql.exec(
                    "INSERT INTO reads (channel, agent, last_read, muted) VALUES (?, ?, ?, ?)",
                    vec![text(c.id.as_str()), text(agent.as_str()), int(read.last_read.0), i64::from(read.muted).into()],
                )?;
            }
        }
        let bucket = self.env.bucket(BUCKET)?;
        for f in seed.files {
            let key = porchlight_protocol::team::files::key(site, &f.channel, &f.attachment.id);
            file_io::put(&bucket, key, &f.attachment, f.text.into_bytes()).await?;
        }
        self.migration.set(Migration::Unchecked);
        Ok(())
    }
}
