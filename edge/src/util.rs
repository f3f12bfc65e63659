//! Small helpers shared by the Worker and the Durable Objects.

use serde::Serialize;
use worker::{Date, Result, WebSocket};

pub fn now_ms() -> u64 {
    Date::now().as_millis()
}

/// Sends a frame as JSON. A socket that has gone away is not an error for
/// the sender: it will resume from its last sequence number on reconnect.
pub fn send<T: Serialize>(ws: &WebSocket, frame: &T) {
    if let Ok(json) = serde_json::to_string(frame) {
        let _ = ws.send_with_str(json);
    }
}

pub use porchlight_protocol::codec::{parse_frame, Incoming};

/// A JSON POST to a Durable Object stub (internal routes only).
pub fn internal_post<T: Serialize>(path: &str, body: &T) -> Result<worker::Request> {
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post);
    init.with_body(Some(serde_json::to_string(body)?.into()));
    worker::Request::new_with_init(&format!("https://internal{path}"), &init)
}

/// Adds a column that stores created by an earlier release lack.
pub fn add_column_if_missing(sql: &worker::SqlStorage, table: &str, column: &str, decl: &str) -> Result<()> {
    let present = sql
        .exec("SELECT COUNT(*) AS n FROM pragma_table_info(?) WHERE name = ?", vec![table.to_owned().into(), column.to_owned().into()])?
        .one::<serde_json::Value>()?
        .get("n")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0)
        > 0.0;
    if !present {
        sql.exec(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"), None)?;
    }
    Ok(())
}

/// Heartbeats are answered by the runtime itself, without waking a
/// hibernating object: the exact text [`PING`] gets [`PONG`].
///
/// [`PING`]: porchlight_protocol::PING
/// [`PONG`]: porchlight_protocol::PONG
pub fn answer_pings(state: &worker::State) {
    match worker::WebSocketRequestResponsePair::new(porchlight_protocol::PING, porchlight_protocol::PONG) {
        Ok(pair) => state.set_websocket_auto_response(&pair),
        Err(_) => worker::console_error!("could not set the heartbeat auto-response"),
    }
}

/// Completes the closing handshake a client started. 1005 and 1006 are
/// reported codes, not sendable ones.
pub fn complete_close(ws: &WebSocket, code: usize) {
    let code = if code == 1005 || code == 1006 { 1000 } else { code as u16 };
    let _ = ws.close(Some(code), Some("closing"));
}
