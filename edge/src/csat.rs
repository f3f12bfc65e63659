//! The console's satisfaction figures, from the ratings on the summaries a
//! site's `SiteQueue` keeps (`sessions.json`). Read when a console signs in
//! and when a session is rated, never per message; an erased session's
//! rating goes with its row.

use porchlight_protocol::csat::{self, Figures, Rating};
use serde::Deserialize;
use worker::{Result, SqlStorage};

const WINDOW_MS: u64 = 30 * 86_400_000;

/// The site's and each agent's figures at `now` (last 7 and 30 days).
pub fn figures(sql: &SqlStorage, now: u64) -> Result<Figures> {
    #[derive(Deserialize)]
    struct Row {
        rating: String,
    }
    let rows: Vec<Row> = sql
        .exec(
            "SELECT json_extract(json, '$.rating') AS rating FROM sessions
             WHERE json_extract(json, '$.rating.at') >= ?",
            vec![(now.saturating_sub(WINDOW_MS) as i64).into()],
        )?
        .to_array()?;
    let ratings: Vec<Rating> = rows.iter().filter_map(|r| serde_json::from_str(&r.rating).ok()).collect();
    Ok(csat::figures(&ratings, now))
}
