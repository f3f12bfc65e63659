//! Site configuration, read from the `SITES` variable (a JSON string; see
//! `wrangler.toml` and `porchlight_protocol::site`).

use porchlight_protocol::site::Sites;
use worker::{Env, Error, Result};

pub fn sites(env: &Env) -> Result<Sites> {
    let raw = env.var("SITES").map_err(|_| Error::RustError("the SITES variable is not set; see wrangler.toml".into()))?.to_string();
    Sites::parse(&raw).map_err(Error::RustError)
}
