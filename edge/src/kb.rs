//! `KnowledgeBase`: one Durable Object per site holding its help-center
//! articles (SQLite) and the search index built from them.
//!
//! The index is rebuilt on every change and stored with its version (a
//! content hash); the widget downloads it once per version. The parsed
//! [`Searcher`] is kept in memory while the object is awake, so the bot's
//! suggestions for a chat message cost one ranking, not a rebuild.
//!
//! Internal routes (the Worker has already authenticated the caller):
//! `POST /import`, `PUT|DELETE /articles/{id}`, `GET /articles`,
//! `GET /articles/{id}`, `GET /index`, `GET /suggest?q=&typing=`, and
//! `POST /bot` (a session asks what the bot answers to a visitor's message).

use porchlight_kb::{Article, Index, Searcher};
use porchlight_protocol::{ErrorBody, ErrorCode};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

#[derive(Deserialize)]
pub struct Import {
    /// Article sources (Markdown with front matter). They replace all articles.
    pub articles: Vec<String>,
}

/// Shape check the Worker runs before forwarding an import.
#[derive(Deserialize)]
pub struct ImportCheck {
    #[allow(dead_code)]
    pub articles: Vec<String>,
}

/// A suggestion as clients show it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Suggestion {
    pub id: String,
    pub title: String,
    pub score: f32,
}

#[derive(Serialize)]
struct ArticleListing {
    id: String,
    title: String,
    category: String,
    updated: String,
    #[serde(skip_serializing_if = "porchlight_kb::article::is_english")]
    lang: String,
}

#[durable_object]
pub struct KnowledgeBase {
    sql: SqlStorage,
    searcher: RefCell<Option<Rc<Searcher>>>,
}

impl DurableObject for KnowledgeBase {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        if let Err(e) = init_schema(&sql) {
            worker::console_error!("KnowledgeBase: schema failed: {e}");
        }
        KnowledgeBase { sql, searcher: RefCell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let url = req.url()?;
        let path = url.path().to_owned();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (req.method(), segments.as_slice()) {
            (worker::Method::Post, ["import"]) => {
                let import: Import = req.json().await?;
                self.import(import)
            }
            (worker::Method::Put, ["articles", id]) => {
                let source = req.text().await?;
                self.put(id, &source)
            }
            (worker::Method::Delete, ["articles", id]) => self.delete(id, &lang_param(&url)),
            (worker::Method::Get, ["articles"]) => self.list(),
            // A translation when asked for one and there is one; else the primary version.
            (worker::Method::Get, ["articles", id]) => {
                let lang = lang_param(&url);
                match self.article(&key(id, &lang))?.or(if lang == "en" { None } else { self.article(id)? }) {
                    Some(a) => Response::from_json(&a),
                    None => not_found("Article"),
                }
            }
            (worker::Method::Get, ["version"]) => {
                let searcher = self.searcher()?;
                let index = searcher.index();
                Response::from_json(&serde_json::json!({ "version": index.version, "articles": index.docs.len() }))
            }
            (worker::Method::Get, ["index"]) => {
                let searcher = self.searcher()?;
                Response::from_json(searcher.index())
            }
            (worker::Method::Get, ["suggest"]) => {
                let q = url.query_pairs().find(|(k, _)| k == "q").map(|(_, v)| v.into_owned()).unwrap_or_default();
                let typing = url.query_pairs().any(|(k, v)| k == "typing" && v == "1");
                Response::from_json(&serde_json::json!({ "hits": self.suggest(&q, typing)? }))
            }
            (worker::Method::Post, ["bot"]) => {
                let turn: porchlight_protocol::internal::BotTurn = req.json().await?;
                Response::from_json(&porchlight_kb::bot::answer_for(&*self.searcher()?, &turn.message, turn.locale.as_deref()))
            }
            _ => not_found("Route"),
        }
    }
}

/// The storage key of an article version: its id, with `:lang` for a
/// translation (ids never contain `:`).
fn key(id: &str, lang: &str) -> String {
    if lang == "en" {
        id.to_owned()
    } else {
        format!("{id}:{lang}")
    }
}

/// `?lang=` of an internal request (the Worker validated it), `en` when absent.
fn lang_param(url: &worker::Url) -> String {
    url.query_pairs()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned())
        .filter(|l| porchlight_kb::article::valid_lang(l))
        .unwrap_or_else(|| "en".to_owned())
}

fn init_schema(sql: &SqlStorage) -> Result<()> {
    sql.exec("CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, source TEXT NOT NULL)", None)?;
    sql.exec("CREATE TABLE IF NOT EXISTS search_index (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)", None)?;
    Ok(())
}

fn not_found(what: &str) -> Result<Response> {
    Ok(Response::from_json(&ErrorBody::new(ErrorCode::NotFound, format!("{what} not found.")))?.with_status(404))
}

fn invalid(message: String) -> Result<Response> {
    Ok(Response::from_json(&ErrorBody::new(ErrorCode::InvalidArticle, message))?.with_status(422))
}

impl KnowledgeBase {
    fn import(&self, import: Import) -> Result<Response> {
        if import.articles.len() > porchlight_kb::article::MAX_ARTICLES {
            return invalid(format!("At most {} articles per site.", porchlight_kb::article::MAX_ARTICLES));
        }
        // Validate everything first: an import is all or nothing.
        let mut parsed = Vec::with_capacity(import.articles.len());
        let mut keys = std::collections::HashSet::new();
        for (i, source) in import.articles.iter().enumerate() {
            match Article::parse(source) {
                Ok(a) if !keys.insert(a.key()) => {
                    return invalid(format!("Article #{} repeats `{}` in language `{}`.", i + 1, a.id, a.lang))
                }
                Ok(a) => parsed.push((a, source)),
                Err(e) => return invalid(format!("Article #{} is not valid: {e}.", i + 1)),
            }
        }
        self.sql.exec("DELETE FROM articles", None)?;
        for (a, source) in &parsed {
            self.sql.exec(
                "INSERT INTO articles (id, source) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET source = excluded.source",
                vec![a.key().into(), (*source).clone().into()],
            )?;
        }
        let index = self.rebuild()?;
        Response::from_json(&serde_json::json!({ "version": index.version, "articles": index.docs.len() }))
    }

    fn put(&self, id: &str, source: &str) -> Result<Response> {
        let article = match Article::parse(source) {
            Ok(a) => a,
            Err(e) => return invalid(format!("The article is not valid: {e}.")),
        };
        if article.id != id {
            return invalid(format!("The URL names article `{id}` but its front matter says `{}`.", article.id));
        }
        self.sql.exec(
            "INSERT INTO articles (id, source) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET source = excluded.source",
            vec![article.key().into(), source.to_owned().into()],
        )?;
        let index = self.rebuild()?;
        Response::from_json(&serde_json::json!({ "version": index.version, "articles": index.docs.len() }))
    }

    fn delete(&self, id: &str, lang: &str) -> Result<Response> {
        let key = key(id, lang);
        if self.article(&key)?.is_none() {
            return not_found("Article");
        }
        self.sql.exec("DELETE FROM articles WHERE id = ?", vec![key.into()])?;
        let index = self.rebuild()?;
        Response::from_json(&serde_json::json!({ "version": index.version, "articles": index.docs.len() }))
    }

    fn all(&self) -> Result<Vec<Article>> {
        #[derive(Deserialize)]
        struct Row {
            source: String,
        }
        let rows: Vec<Row> = self.sql.exec("SELECT source FROM articles ORDER BY id", None)?.to_array()?;
        // Stored articles were validated on the way in.
        Ok(rows.iter().filter_map(|r| Article::parse(&r.source).ok()).collect())
    }

    /// The article stored under `key` (its id, with `:lang` for a translation).
    fn article(&self, key: &str) -> Result<Option<Article>> {
        #[derive(Deserialize)]
        struct Row {
            source: String,
        }
        let rows: Vec<Row> = self.sql.exec("SELECT source FROM articles WHERE id = ?", vec![key.to_owned().into()])?.to_array()?;
        Ok(rows.first().and_then(|r| Article::parse(&r.source).ok()))
    }

    fn list(&self) -> Result<Response> {
        let list: Vec<ArticleListing> = self
            .all()?
            .into_iter()
            .map(|a| ArticleListing { id: a.id, title: a.title, category: a.category, updated: a.updated, lang: a.lang })
            .collect();
        Response::from_json(&serde_json::json!({ "articles": list }))
    }

    fn rebuild(&self) -> Result<Index> {
        let index = Index::build(&self.all()?);
        self.sql.exec(
            "INSERT INTO search_index (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json",
            vec![serde_json::to_string(&index)?.into()],
        )?;
        *self.searcher.borrow_mut() = Some(Rc::new(Searcher::new(index.clone())));
        Ok(index)
    }

    fn searcher(&self) -> Result<Rc<Searcher>> {
        if let Some(s) = self.searcher.borrow().as_ref() {
            return Ok(s.clone());
        }
        #[derive(Deserialize)]
        struct Row {
            json: String,
        }
        let rows: Vec<Row> = self.sql.exec("SELECT json FROM search_index WHERE id = 1", None)?.to_array()?;
        let index = match rows.first() {
            Some(r) => serde_json::from_str(&r.json)?,
            None => Index::build(&[]),
        };
        let searcher = Rc::new(Searcher::new(index));
        *self.searcher.borrow_mut() = Some(searcher.clone());
        Ok(searcher)
    }

    fn suggest(&self, q: &str, typing: bool) -> Result<Vec<Suggestion>> {
        // The Worker refuses longer queries; cut anyway (its last part, as
        // the bot does), so ranking work per query stays bounded here too.
        let skip = q.chars().count().saturating_sub(porchlight_protocol::limits::MAX_SEARCH_CHARS);
        let q: String = q.chars().skip(skip).collect();
        let q = q.as_str();
        let searcher = self.searcher()?;
        Ok(searcher
            .suggest(q, typing)
            .into_iter()
            .map(|h| Suggestion {
                title: searcher.index().doc_in(&h.id, &h.lang).map(|d| d.title.clone()).unwrap_or_default(),
                id: h.id,
                score: h.score,
            })
            .collect())
    }
}
