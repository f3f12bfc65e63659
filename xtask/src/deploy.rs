//! `deploy`: `wrangler deploy` of the edge, refused while `edge/wrangler.toml`
//! still holds the demo's public credentials (its agent token hashes, its
//! identity secret). The Worker refuses too (503 `demo_credentials` on any
//! host but this machine); this stops the mistake before it ships.

use crate::tools::{self};
use crate::{build, root, step, Result};
use porchlight_protocol::site::Sites;
use std::process::Command;

/// The `SITES = '''…'''` JSON of a wrangler.toml.
pub fn sites_json(toml: &str) -> Result<&str> {
    toml.split("SITES = '''")
        .nth(1)
        .and_then(|rest| rest.split("'''").next())
        .ok_or_else(|| "edge/wrangler.toml has no SITES = '''…''' block".to_owned())
}

/// `Err` (saying what to change) while the configuration has demo credentials.
pub fn check(toml: &str) -> Result {
    let sites = Sites::parse(sites_json(toml)?)?;
    let found = sites.demo_credentials();
    if found.is_empty() {
        return Ok(());
    }
    Err(format!(
        "edge/wrangler.toml still has the demo's public credentials:\n      {}\n  \
         Put your own sites in SITES (your origins; agent token hashes from `printf %s \"$TOKEN\" | sha256sum`), \
         remove the demo's identity_secret and set yours with `npx wrangler secret put IDENTITY_SECRET_<SITE>`, then deploy again. \
         A Worker deployed with them would answer 503 demo_credentials anyway.",
        found.join("\n      ")
    ))
}

pub fn main(args: &[String]) -> Result {
    let toml = std::fs::read_to_string(root().join("edge/wrangler.toml")).map_err(|e| e.to_string())?;
    check(&toml)?;
    let tools = tools::ensure(false)?;
    build::all(&tools)?;
    step("edge: wrangler deploy");
    tools::run(Command::new(&tools.wrangler).arg("deploy").args(args).current_dir(root().join("edge")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_configuration_is_refused_and_a_real_one_passes() {
        let shipped = include_str!("../../edge/wrangler.toml");
        let err = check(shipped).unwrap_err();
        assert!(err.contains("`ava`") && err.contains("identity_secret") && err.contains("wrangler secret put"), "{err}");
        let real = "SITES = '''\n{\"shop\": {\"name\": \"Shop\", \"allowed_origins\": [\"https://shop.example\"],\n\
                    \"agents\": [{\"id\": \"kim\", \"name\": \"Kim\", \"token_sha256\": \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}]}}\n'''";
        assert!(check(real).is_ok());
        assert!(check("name = \"x\"").is_err(), "no SITES at all");
    }
}
