//! The desk's half of site API keys: one SQLite table in the site's
//! `SiteDesk`, holding each key's SHA-256 (never the key), its label and
//! the agent its conversations belong to. The Worker's half (who may
//! make them, the start route) is [`crate::staff`].

use crate::util::now_ms;
use porchlight_protocol::internal::TokenCheck;
use porchlight_protocol::site::constant_time_eq;
use porchlight_protocol::staff::{ApiKeyInfo, ApiKeyList, StoredApiKey, MAX_API_KEYS};
use porchlight_protocol::{AgentId, ErrorBody, ErrorCode};
use serde::Deserialize;
use worker::{Method, Request, Response, ResponseBuilder, Result, SqlStorage};

pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, agent_id TEXT,
    key_sha256 TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER)";

/// `GET /api-keys`, `POST /api-keys` (a [`StoredApiKey`]), `POST
/// /api-keys/auth` (a [`TokenCheck`]), `DELETE /api-keys/{id}`.
pub async fn route(sql: &SqlStorage, mut req: Request, rest: &[&str]) -> Result<Response> {
    match (req.method(), rest) {
        (Method::Get, []) => Response::from_json(&ApiKeyList { api_keys: current(sql)?.into_iter().map(|k| k.info).collect() }),
        (Method::Post, []) => {
            let key: StoredApiKey = req.json().await?;
            if current(sql)?.len() >= MAX_API_KEYS {
                let body =
                    ErrorBody::new(ErrorCode::LimitReached, format!("A site can have at most {MAX_API_KEYS} API keys; revoke one first."));
                return Ok(Response::from_json(&body)?.with_status(409));
            }
            sql.exec(
                "INSERT INTO api_keys (id, name, agent_id, key_sha256, created_at) VALUES (?, ?, ?, ?, ?)",
                vec![
                    key.info.id.clone().into(),
                    key.info.name.clone().into(),
                    key.info.agent_id.as_ref().map(|a| a.0.clone()).into(),
                    key.key_sha256.clone().into(),
                    (key.info.created_at as i64).into(),
                ],
            )?;
            Ok(Response::from_json(&key.info)?.with_status(201))
        }
        (Method::Post, ["auth"]) => {
            let TokenCheck { token_sha256 } = req.json().await?;
            match current(sql)?.into_iter().find(|k| constant_time_eq(k.key_sha256.as_bytes(), token_sha256.as_bytes())) {
                Some(key) => Response::from_json(&key),
                None => Ok(Response::from_json(&ErrorBody::new(ErrorCode::Unauthorized, "Unknown API key."))?.with_status(404)),
            }
        }
        (Method::Delete, [id]) => {
            let revoked = sql
                .exec(
                    "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                    vec![(now_ms() as i64).into(), (*id).into()],
                )?
                .rows_written();
            if revoked == 0 {
                return Ok(Response::from_json(&ErrorBody::new(ErrorCode::NotFound, "API key not found."))?.with_status(404));
            }
            Ok(ResponseBuilder::new().with_status(204).empty())
        }
        _ => Response::error("not found", 404),
    }
}

/// Keys not revoked, oldest first.
fn current(sql: &SqlStorage) -> Result<Vec<StoredApiKey>> {
    #[derive(Deserialize)]
    struct Row {
        id: String,
        name: String,
        agent_id: Option<String>,
        key_sha256: String,
        created_at: i64,
    }
    let rows: Vec<Row> = sql
        .exec("SELECT id, name, agent_id, key_sha256, created_at FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at", None)?
        .to_array()?;
    Ok(rows
        .into_iter()
        .map(|r| StoredApiKey {
            info: ApiKeyInfo { id: r.id, name: r.name, agent_id: r.agent_id.map(AgentId), created_at: r.created_at.max(0) as u64 },
            key_sha256: r.key_sha256,
        })
        .collect())
}
