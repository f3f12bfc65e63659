//! Every SQL statement of a `ChatSession`, and nothing else.
//!
//! Tables:
//!
//! - `meta` (one row): the [`SessionRecord`] as JSON, without its hot part;
//!   rewritten only when the state, context, trail or ticket change.
//! - `hot` (one row): what every message changes, as columns: the log's
//!   end (`last_seq`), the revision, the counters behind the summary, and
//!   the outbox cursors (`queue_seq`, `desk_seq`: how far the queue and the
//!   desk have been told).
//! - `marks`: each participant's receipt watermarks, and for agents how
//!   many visitor messages their `seen` covers (their unread count).
//! - `messages`: the log. Messages and change rows (`sender = 'change'`,
//!   `target` = the message changed) share `seq`; `changed` is indexed so a
//!   resume reads only what it lacks.
//! - `events`: the outbox rows for webhook events that are not messages
//!   (`session.waiting`, `.accepted`, `.closed`), keyed by the seq of the
//!   notice committed with them. Messages need no outbox row: the log after
//!   `desk_seq` is what the desk has not heard.

use crate::util;
use porchlight_protocol::internal::{KeyedEvent, SearchText};
use porchlight_protocol::record::{event_id, Counters, Hot, Sender, SessionRecord};
use porchlight_protocol::webhook::Event;
use porchlight_protocol::{AgentId, ClientMsgId, Marks, Message, Seq};
use serde::Deserialize;
use worker::{Result, SqlStorage, SqlStorageValue};

/// The columns a [`MessageRow`] reads.
const MESSAGE_COLUMNS: &str =
    "seq, client_id, author, text, at, articles, internal, reply_to, edited_at, deleted, reactions, changed, sender, attachment, card, notice";

#[derive(Deserialize)]
struct MessageRow {
    seq: f64,
    client_id: Option<String>,
    author: String,
    text: String,
    at: f64,
    articles: Option<String>,
    internal: Option<f64>,
    reply_to: Option<String>,
    edited_at: Option<f64>,
    deleted: Option<f64>,
    reactions: Option<String>,
    changed: Option<f64>,
    sender: String,
    /// A file's metadata, JSON (emptied on delete).
    #[serde(default)]
    attachment: Option<String>,
    /// An order card from the site's backend, JSON.
    #[serde(default)]
    card: Option<String>,
    /// A system line's meaning, JSON (none on lines stored before notices).
    #[serde(default)]
    notice: Option<String>,
    /// Only in [`Store::events_after`]: the event committed at this seq.
    #[serde(default)]
    event: Option<String>,
}

impl MessageRow {
    fn into_message(self) -> Result<(Sender, Message)> {
        fn json<T: serde::de::DeserializeOwned>(s: Option<String>) -> Result<Option<T>> {
            Ok(s.map(|s| serde_json::from_str(&s)).transpose()?)
        }
        let message = Message {
            seq: Seq(self.seq as u64),
            client_id: self.client_id.map(ClientMsgId),
            author: serde_json::from_str(&self.author)?,
            text: self.text,
            at: self.at as u64,
            articles: json(self.articles)?.unwrap_or_default(),
            internal: self.internal.unwrap_or(0.0) != 0.0,
            reply_to: json(self.reply_to)?,
            edited_at: self.edited_at.map(|t| t as u64),
            deleted: self.deleted.unwrap_or(0.0) != 0.0,
            reactions: json(self.reactions)?.unwrap_or_default(),
            changed: self.changed.map(|c| Seq(c as u64)),
            attachment: json(self.attachment)?,
            card: json(self.card)?,
            notice: json(self.notice)?,
        };
        Ok((Sender::parse(&self.sender), message))
    }
}

fn int(n: u64) -> SqlStorageValue {
    (n as i64).into()
}

fn opt_json<T: serde::Serialize>(value: Option<&T>) -> Result<SqlStorageValue> {
    Ok(match value {
        None => SqlStorageValue::Null,
        Some(v) => serde_json::to_string(v)?.into(),
    })
}

pub struct Store {
    sql: SqlStorage,
}

impl Store {
    /// The store over `sql`, with its tables created or brought up to date.
    pub fn new(sql: SqlStorage) -> Store {
        let store = Store { sql };
        if let Err(e) = store.init_schema() {
            worker::console_error!("ChatSession: creating the schema failed: {e}");
        }
        store
    }

    fn init_schema(&self) -> Result<()> {
        let sql = &self.sql;
        sql.exec("CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)", None)?;
        sql.exec(
            "CREATE TABLE IF NOT EXISTS hot (id INTEGER PRIMARY KEY CHECK (id = 1),
                last_seq INTEGER NOT NULL, rev INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                message_count INTEGER NOT NULL, visitor_messages INTEGER NOT NULL,
                last_message TEXT, last_message_seq INTEGER NOT NULL,
                queue_seq INTEGER NOT NULL DEFAULT 0, desk_seq INTEGER NOT NULL DEFAULT 0)",
            None,
        )?;
        sql.exec(
            "CREATE TABLE IF NOT EXISTS marks (who TEXT PRIMARY KEY,
                delivered INTEGER NOT NULL, seen INTEGER NOT NULL, seen_visitor INTEGER NOT NULL DEFAULT 0)",
            None,
        )?;
        sql.exec(
            "CREATE TABLE IF NOT EXISTS messages (
                seq INTEGER PRIMARY KEY,
                sender TEXT NOT NULL,
                client_id TEXT,
                author TEXT NOT NULL,
                text TEXT NOT NULL,
                at INTEGER NOT NULL)",
            None,
        )?;
        // Columns added after the first release; stores created before lack them.
        util::add_column_if_missing(sql, "messages", "articles", "TEXT")?; // the bot's attached articles, JSON
        util::add_column_if_missing(sql, "messages", "internal", "INTEGER")?; // 1 for agents-only notes
        util::add_column_if_missing(sql, "messages", "reply_to", "TEXT")?; // the quoted message, JSON
        util::add_column_if_missing(sql, "messages", "edited_at", "INTEGER")?;
        util::add_column_if_missing(sql, "messages", "deleted", "INTEGER")?;
        util::add_column_if_missing(sql, "messages", "reactions", "TEXT")?; // JSON
        util::add_column_if_missing(sql, "messages", "changed", "INTEGER")?; // seq of the latest change row
        util::add_column_if_missing(sql, "messages", "target", "INTEGER")?; // on change rows: the message changed
        util::add_column_if_missing(sql, "messages", "attachment", "TEXT")?; // a file's metadata, JSON
        util::add_column_if_missing(sql, "messages", "card", "TEXT")?; // an order card, JSON
        util::add_column_if_missing(sql, "messages", "notice", "TEXT")?; // a system line's kind and names, JSON

        // A resent message (same sender, same client id) must map to the row
        // already stored: this index makes a duplicate impossible, not just unlikely.
        sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client ON messages (sender, client_id) WHERE client_id IS NOT NULL", None)?;
        // A resume reads the messages changed after its cursor from here.
        sql.exec("CREATE INDEX IF NOT EXISTS messages_by_changed ON messages (changed) WHERE changed IS NOT NULL", None)?;
        sql.exec("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, json TEXT NOT NULL)", None)?;
        Ok(())
    }

    /// The session, or `None` before `/init`. A store written by an earlier
    /// release (everything in `meta`) is converted on first load.
    pub fn load(&self) -> Result<Option<(SessionRecord, Cursors)>> {
        #[derive(Deserialize)]
        struct Row {
            json: String,
        }
        let rows: Vec<Row> = self.sql.exec("SELECT json FROM meta WHERE id = 1", None)?.to_array()?;
        let Some(row) = rows.first() else { return Ok(None) };
        let mut record: SessionRecord = serde_json::from_str(&row.json)?;
        #[derive(Deserialize)]
        struct HotRow {
            last_seq: f64,
            rev: f64,
            updated_at: f64,
            message_count: f64,
            visitor_messages: f64,
            last_message: Option<String>,
            last_message_seq: f64,
            queue_seq: f64,
            desk_seq: f64,
        }
        let hot: Vec<HotRow> = self.sql.exec("SELECT * FROM hot WHERE id = 1", None)?.to_array()?;
        let Some(h) = hot.into_iter().next() else {
            return self.migrate(record, &row.json).map(Some);
        };
        record.hot = Hot {
            last_seq: Seq(h.last_seq as u64),
            rev: h.rev as u64,
            updated_at: h.updated_at as u64,
            counters: Counters {
                message_count: h.message_count as u64,
                visitor_messages: h.visitor_messages as u64,
                last_message: h.last_message,
                last_message_seq: Seq(h.last_message_seq as u64),
                seen_visitor: Default::default(),
            },
            ..Hot::default()
        };
        #[derive(Deserialize)]
        struct MarkRow {
            who: String,
            delivered: f64,
            seen: f64,
            seen_visitor: f64,
        }
        let marks: Vec<MarkRow> = self.sql.exec("SELECT who, delivered, seen, seen_visitor FROM marks", None)?.to_array()?;
        for m in marks {
            let marks = Marks { delivered: Seq(m.delivered as u64), seen: Seq(m.seen as u64) };
            match m.who.strip_prefix("agent:") {
                Some(id) => {
                    record.hot.agent_marks.insert(AgentId(id.to_owned()), marks);
                    record.hot.counters.seen_visitor.insert(AgentId(id.to_owned()), m.seen_visitor as u64);
                }
                None => record.hot.visitor_marks = marks,
            }
        }
        Ok(Some((record, Cursors { queue_seq: Seq(h.queue_seq as u64), desk_seq: Seq(h.desk_seq as u64) })))
    }

    /// Builds `hot` and `marks` for a store that kept everything in `meta`
    /// (counting the log once), then treats everything as already told.
    fn migrate(&self, mut record: SessionRecord, json: &str) -> Result<(SessionRecord, Cursors)> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Legacy {
            rev: u64,
            updated_at: u64,
            visitor_marks: Marks,
            agent_marks: std::collections::BTreeMap<AgentId, Marks>,
        }
        let legacy: Legacy = serde_json::from_str(json).unwrap_or_default();
        #[derive(Deserialize)]
        struct Counts {
            last: f64,
            counted: f64,
            visitors: f64,
        }
        let c: Counts = self
            .sql
            .exec(
                "SELECT COALESCE(MAX(seq), 0) AS last,
                        COALESCE(SUM(sender NOT IN ('system', 'bot', 'change') AND COALESCE(internal, 0) = 0 AND COALESCE(deleted, 0) = 0), 0) AS counted,
                        COALESCE(SUM(sender = 'visitor' AND COALESCE(deleted, 0) = 0), 0) AS visitors
                 FROM messages",
                None,
            )?
            .one()?;
        let mut counters = Counters { message_count: c.counted as u64, visitor_messages: c.visitors as u64, ..Counters::default() };
        counters.set_last(self.last_counted()?);
        for (agent, marks) in &legacy.agent_marks {
            counters.seen_visitor.insert(agent.clone(), self.visitor_messages_between(Seq(0), marks.seen)?);
        }
        record.hot = Hot {
            last_seq: Seq(c.last as u64),
            rev: legacy.rev,
            updated_at: legacy.updated_at,
            counters,
            visitor_marks: legacy.visitor_marks,
            agent_marks: legacy.agent_marks,
        };
        let cursors = Cursors { queue_seq: record.hot.last_seq, desk_seq: record.hot.last_seq };
        self.save_cold(&record)?;
        self.create_hot(&record, cursors)?;
        self.save_marks(&record, None)?;
        for agent in record.hot.agent_marks.keys().cloned().collect::<Vec<_>>() {
            self.save_marks(&record, Some(&agent))?;
        }
        Ok((record, cursors))
    }

    /// A new session's rows.
    pub fn create(&self, record: &SessionRecord) -> Result<()> {
        self.save_cold(record)?;
        self.create_hot(record, Cursors::default())
    }

    fn create_hot(&self, record: &SessionRecord, cursors: Cursors) -> Result<()> {
        let h = &record.hot;
        self.sql.exec(
            "INSERT INTO hot (id, last_seq, rev, updated_at, message_count, visitor_messages, last_message, last_message_seq, queue_seq, desk_seq)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                int(h.last_seq.0),
                int(h.rev),
                int(h.updated_at),
                int(h.counters.message_count),
                int(h.counters.visitor_messages),
                h.counters.last_message.clone().map_or(SqlStorageValue::Null, Into::into),
                int(h.counters.last_message_seq.0),
                int(cursors.queue_seq.0),
                int(cursors.desk_seq.0),
            ],
        )?;
        Ok(())
    }

    /// Rewrites the JSON part (state, visitor, trail, context, ticket).
    pub fn save_cold(&self, record: &SessionRecord) -> Result<()> {
        self.sql.exec(
            "INSERT INTO meta (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json",
            vec![serde_json::to_string(record)?.into()],
        )?;
        Ok(())
    }

    /// Writes the hot columns: one small row, whatever the log's length.
    /// The outbox's cursors ride along: a sync writes nothing itself, so a
    /// restart may send the last batch again, which its targets ignore.
    pub fn save_hot(&self, hot: &Hot, cursors: Cursors) -> Result<()> {
        self.sql.exec(
            "UPDATE hot SET last_seq = ?, rev = ?, updated_at = ?, message_count = ?, visitor_messages = ?,
                            last_message = ?, last_message_seq = ?, queue_seq = ?, desk_seq = ? WHERE id = 1",
            vec![
                int(hot.last_seq.0),
                int(hot.rev),
                int(hot.updated_at),
                int(hot.counters.message_count),
                int(hot.counters.visitor_messages),
                hot.counters.last_message.clone().map_or(SqlStorageValue::Null, Into::into),
                int(hot.counters.last_message_seq.0),
                int(cursors.queue_seq.0),
                int(cursors.desk_seq.0),
            ],
        )?;
        Ok(())
    }

    /// Writes one participant's marks (`None`: the visitor's).
    pub fn save_marks(&self, record: &SessionRecord, agent: Option<&AgentId>) -> Result<()> {
        let (who, marks, seen_visitor) = match agent {
            None => ("visitor".to_owned(), record.hot.visitor_marks, 0),
            Some(id) => (
                format!("agent:{id}"),
                record.hot.agent_marks.get(id).copied().unwrap_or_default(),
                record.hot.counters.seen_visitor.get(id).copied().unwrap_or(0),
            ),
        };
        self.sql.exec(
            "INSERT INTO marks (who, delivered, seen, seen_visitor) VALUES (?, ?, ?, ?)
             ON CONFLICT (who) DO UPDATE SET delivered = excluded.delivered, seen = excluded.seen, seen_visitor = excluded.seen_visitor",
            vec![who.into(), int(marks.delivered.0), int(marks.seen.0), int(seen_visitor)],
        )?;
        Ok(())
    }

    /// Every agent's `seen_visitor` after a deletion changed some of them.
    pub fn save_all_agent_marks(&self, record: &SessionRecord) -> Result<()> {
        for agent in record.hot.agent_marks.keys() {
            self.save_marks(record, Some(agent))?;
        }
        Ok(())
    }

    /// Stores one message (or change row) at its seq, unless its sender
    /// already committed its `client_id` (then nothing is written and the
    /// answer is false: a resend).
    pub fn append(&self, sender: &Sender, message: &Message) -> Result<bool> {
        let articles = if message.articles.is_empty() { SqlStorageValue::Null } else { serde_json::to_string(&message.articles)?.into() };
        let cursor = self.sql.exec(
            "INSERT INTO messages (seq, sender, client_id, author, text, at, articles, internal, reply_to, attachment, card, notice)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (sender, client_id) WHERE client_id IS NOT NULL DO NOTHING",
            vec![
                int(message.seq.0),
                sender.key().into(),
                message.client_id.as_ref().map_or(SqlStorageValue::Null, |c| c.0.clone().into()),
                serde_json::to_string(&message.author)?.into(),
                message.text.clone().into(),
                int(message.at),
                articles,
                i64::from(message.internal).into(),
                opt_json(message.reply_to.as_ref())?,
                opt_json(message.attachment.as_ref())?,
                opt_json(message.card.as_ref())?,
                opt_json(message.notice.as_ref())?,
            ],
        )?;
        Ok(cursor.rows_written() > 0)
    }

    /// The seq a sender's `client_id` was committed at, if it was.
    pub fn seq_of(&self, sender: &Sender, client_id: &ClientMsgId) -> Result<Option<Seq>> {
        #[derive(Deserialize)]
        struct Row {
            seq: f64,
        }
        let rows: Vec<Row> = self
            .sql
            .exec("SELECT seq FROM messages WHERE sender = ? AND client_id = ?", vec![sender.key().into(), client_id.0.clone().into()])?
            .to_array()?;
        Ok(rows.first().map(|r| Seq(r.seq as u64)))
    }

    /// Message `seq` as stored, with its sender; `None` for change rows
    /// and unknown numbers.
    pub fn stored(&self, seq: Seq) -> Result<Option<(Sender, Message)>> {
        let rows: Vec<MessageRow> = self
            .sql
            .exec(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq = ? AND sender != 'change'"), vec![int(seq.0)])?
            .to_array()?;
        rows.into_iter().next().map(MessageRow::into_message).transpose()
    }

    /// The message holding the order card for `order_id`, if any.
    pub fn card_seq(&self, order_id: &str) -> Result<Option<Seq>> {
        #[derive(Deserialize)]
        struct Row {
            seq: f64,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT seq FROM messages WHERE card IS NOT NULL AND json_extract(card, '$.order_id') = ? ORDER BY seq LIMIT 1",
                vec![order_id.into()],
            )?
            .to_array()?;
        Ok(rows.first().map(|r| Seq(r.seq as u64)))
    }

    /// The log after `after`: messages committed since, and older ones
    /// changed since (edited, deleted, reacted to), in seq order; internal
    /// notes only for agents. Both halves read an index.
    pub fn messages_after(&self, after: Seq, with_notes: bool) -> Result<Vec<Message>> {
        let rows: Vec<MessageRow> = self
            .sql
            .exec(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq > ?1 AND sender != 'change' AND (?2 OR COALESCE(internal, 0) = 0)
                     UNION ALL
                     SELECT {MESSAGE_COLUMNS} FROM messages WHERE changed > ?1 AND seq <= ?1 AND sender != 'change' AND (?2 OR COALESCE(internal, 0) = 0)
                     ORDER BY seq"
                ),
                vec![int(after.0), i64::from(with_notes).into()],
            )?
            .to_array()?;
        rows.into_iter().map(|r| r.into_message().map(|(_, m)| m)).collect()
    }

    /// Records change row `marker` (pointing at `message.seq`) and rewrites
    /// the message to its new state.
    pub fn rewrite(&self, marker: Seq, message: &Message) -> Result<()> {
        let seq = message.seq;
        self.sql.exec("UPDATE messages SET target = ? WHERE seq = ?", vec![int(seq.0), int(marker.0)])?;
        let reactions =
            if message.reactions.is_empty() { SqlStorageValue::Null } else { serde_json::to_string(&message.reactions)?.into() };
        self.sql.exec(
            "UPDATE messages SET text = ?1, edited_at = ?2, deleted = ?3, reactions = ?4, changed = ?5,
                                 reply_to = CASE WHEN ?6 THEN NULL ELSE reply_to END,
                                 attachment = CASE WHEN ?6 THEN NULL ELSE attachment END, card = ?7
             WHERE seq = ?8",
            vec![
                message.text.clone().into(),
                message.edited_at.map_or(SqlStorageValue::Null, int),
                i64::from(message.deleted).into(),
                reactions,
                int(marker.0),
                i64::from(message.deleted).into(),
                opt_json(message.card.as_ref())?,
                int(seq.0),
            ],
        )?;
        if message.deleted {
            // A deleted message leaves no trace in the replies that quoted it.
            self.sql.exec(
                "UPDATE messages SET reply_to = json_set(reply_to, '$.snippet', '')
                 WHERE reply_to IS NOT NULL AND json_extract(reply_to, '$.seq') = ?",
                vec![int(seq.0)],
            )?;
        }
        Ok(())
    }

    /// Visitor messages (not deleted) in `(after, upto]`: a range of the
    /// primary key, the messages a receipt newly covers.
    pub fn visitor_messages_between(&self, after: Seq, upto: Seq) -> Result<u64> {
        if upto <= after {
            return Ok(0);
        }
        #[derive(Deserialize)]
        struct Count {
            n: f64,
        }
        let row: Count = self
            .sql
            .exec(
                "SELECT COUNT(*) AS n FROM messages WHERE seq > ? AND seq <= ? AND sender = 'visitor' AND COALESCE(deleted, 0) = 0",
                vec![int(after.0), int(upto.0)],
            )?
            .one()?;
        Ok(row.n as u64)
    }

    /// The newest counted message still standing (after the preview was deleted).
    pub fn last_counted(&self) -> Result<Option<(Seq, String)>> {
        #[derive(Deserialize)]
        struct Row {
            seq: f64,
            text: String,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT seq, text FROM messages WHERE sender NOT IN ('system', 'bot', 'change')
                   AND COALESCE(internal, 0) = 0 AND COALESCE(deleted, 0) = 0
                 ORDER BY seq DESC LIMIT 1",
                None,
            )?
            .to_array()?;
        Ok(rows.into_iter().next().map(|r| (Seq(r.seq as u64), r.text)))
    }

    /// A webhook event to send with the notice at `seq` (same commit).
    pub fn add_event(&self, seq: Seq, event: &Event) -> Result<()> {
        self.sql.exec("INSERT INTO events (seq, json) VALUES (?, ?)", vec![int(seq.0), serde_json::to_string(event)?.into()])?;
        Ok(())
    }

    /// The desk has the events up to `seq`: they need not be kept.
    pub fn forget_events(&self, seq: Seq) -> Result<()> {
        self.sql.exec("UPDATE hot SET desk_seq = MAX(desk_seq, ?) WHERE id = 1", vec![int(seq.0)])?;
        self.sql.exec("DELETE FROM events WHERE seq <= ?", vec![int(seq.0)])?;
        Ok(())
    }

    /// What the queue's search must learn from the log after `after`, at
    /// most `limit` log rows, and the last seq read (`after` if none).
    /// Read at sync time, so it is the text as it stands now: a message
    /// deleted since is forgotten, an edited one has its new text.
    pub fn search_texts_after(&self, after: Seq, limit: usize) -> Result<(Vec<SearchText>, Seq, bool)> {
        #[derive(Deserialize)]
        struct Row {
            seq: f64,
            sender: String,
            text: String,
            deleted: Option<f64>,
            target: Option<f64>,
            target_sender: Option<String>,
            target_text: Option<String>,
            target_deleted: Option<f64>,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT m.seq, m.sender, m.text, m.deleted, m.target,
                        t.sender AS target_sender, t.text AS target_text, t.deleted AS target_deleted
                 FROM messages m LEFT JOIN messages t ON t.seq = m.target
                 WHERE m.seq > ? ORDER BY m.seq LIMIT ?",
                vec![int(after.0), (limit as i64).into()],
            )?
            .to_array()?;
        let more = rows.len() == limit;
        let last = rows.last().map_or(after, |r| Seq(r.seq as u64));
        let gone = |d: Option<f64>| d.unwrap_or(0.0) != 0.0;
        let mut texts = Vec::new();
        for r in rows {
            let (seq, sender, text, deleted) = match (r.target, r.target_sender) {
                (Some(t), Some(ts)) => (t, ts, r.target_text.unwrap_or_default(), gone(r.target_deleted)),
                (Some(_), None) => continue,
                (None, _) => (r.seq, r.sender, r.text, gone(r.deleted)),
            };
            if Sender::parse(&sender).searchable() && sender != "change" {
                texts.push(SearchText { seq: Seq(seq as u64), text: (!deleted).then_some(text) });
            }
        }
        Ok((texts, last, more))
    }

    /// Webhook events from the log after `after` (messages, and the
    /// transition events committed with notices), at most `limit` log rows,
    /// in log order; and the last seq read.
    pub fn events_after(&self, session: &porchlight_protocol::SessionId, after: Seq, limit: usize) -> Result<(Vec<KeyedEvent>, Seq, bool)> {
        let rows: Vec<MessageRow> = self
            .sql
            .exec(
                &format!(
                    "SELECT {cols}, e.json AS event FROM messages m LEFT JOIN events e ON e.seq = m.seq
                     WHERE m.seq > ? ORDER BY m.seq LIMIT ?",
                    cols = MESSAGE_COLUMNS.split(", ").map(|c| format!("m.{c}")).collect::<Vec<_>>().join(", ")
                ),
                vec![int(after.0), (limit as i64).into()],
            )?
            .to_array()?;
        let more = rows.len() == limit;
        let last = rows.last().map_or(after, |r| Seq(r.seq as u64));
        let mut events = Vec::new();
        for mut row in rows {
            let seq = Seq(row.seq as u64);
            if let Some(json) = row.event.take() {
                events.push(KeyedEvent { id: event_id(session, seq), event: serde_json::from_str(&json)? });
            }
            let (sender, message) = row.into_message()?;
            if sender.is_event(message.internal) {
                events.push(KeyedEvent { id: event_id(session, seq), event: Event::MessageCreated { session: session.clone(), message } });
            }
        }
        Ok((events, last, more))
    }
}

/// How far the queue and the desk have been told (log positions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursors {
    pub queue_seq: Seq,
    pub desk_seq: Seq,
}
