//! `cargo xtask kb …`: a site owner's knowledge-base tools.
//!
//! - `kb import <dir>… --site <id> [--edge URL] [--token T]`: uploads every
//!   `*.md` in each `dir` (translations included: `lang:` in the front
//!   matter, the same `id`) to the edge, replacing the site's articles.
//! - `kb search (--dir <dir>… | --site <id> [--edge URL]) [--json] [--typing] "<question>"`:
//!   what the bot would suggest, with exactly the widget's ranking and threshold.

use crate::Result;
use porchlight_kb::{Article, Index, Searcher};
use std::path::Path;

pub const DEFAULT_EDGE: &str = "http://127.0.0.1:8787";
/// The demo site's admin token (edge/wrangler.toml); real sites pass --token.
pub const DEMO_ADMIN_TOKEN: &str = "demo-agent-ava";

pub fn main(args: &[String]) -> Result {
    let usage = "usage: cargo xtask kb import <dir>... --site <id> [--edge URL] [--token TOKEN]\n       cargo xtask kb search (--dir <dir> [--dir <dir>...] | --site <id> [--edge URL]) [--json] [--typing] \"<question>\"";
    let mut opts = Opts::default();
    let mut positional = Vec::new();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value\n{usage}"));
        match a.as_str() {
            "--site" => opts.site = Some(value("--site")?),
            "--dir" => opts.dirs.push(value("--dir")?),
            "--edge" => opts.edge = value("--edge")?,
            "--token" => opts.token = Some(value("--token")?),
            "--json" => opts.json = true,
            "--typing" => opts.typing = true,
            _ => positional.push(a.clone()),
        }
    }
    if opts.edge.is_empty() {
        opts.edge = DEFAULT_EDGE.into();
    }
    match args.first().map(String::as_str) {
        Some("import") => {
            if positional.is_empty() {
                return Err(usage.into());
            }
            let site = opts.site.as_deref().ok_or(usage)?;
            let token = opts.token.clone().or_else(|| std::env::var("PORCHLIGHT_TOKEN").ok()).unwrap_or_else(|| DEMO_ADMIN_TOKEN.into());
            let dirs: Vec<&Path> = positional.iter().map(Path::new).collect();
            let version = import(&dirs, site, &opts.edge, &token)?;
            println!("imported {} into site {site} at {} (index version {version})", positional.join(", "), opts.edge);
            Ok(())
        }
        Some("search") => {
            let question = positional.join(" ");
            let hits: Vec<(String, f32)> = match (opts.dirs.is_empty(), &opts.site) {
                (false, _) => {
                    let mut articles = Vec::new();
                    for dir in &opts.dirs {
                        articles.extend(read_dir(Path::new(dir))?);
                    }
                    let searcher = Searcher::new(Index::build(&articles));
                    searcher.suggest(&question, opts.typing).into_iter().map(|h| (h.id, h.score)).collect()
                }
                (true, Some(site)) => remote_search(&opts.edge, site, &question)?,
                (true, None) => return Err(usage.into()),
            };
            if hits.is_empty() && !opts.json {
                println!("(no suggestion: the bot would stay quiet and offer a person)");
            }
            for (id, score) in hits {
                if opts.json {
                    println!("{}", serde_json::json!({ "id": id, "score": (f64::from(score) * 1000.0).round() / 1000.0 }));
                } else {
                    println!("{score:>8.3}  {id}");
                }
            }
            Ok(())
        }
        _ => Err(usage.into()),
    }
}

#[derive(Default)]
struct Opts {
    site: Option<String>,
    dirs: Vec<String>,
    edge: String,
    token: Option<String>,
    json: bool,
    /// Rank as the widget does while the visitor is still typing (the last
    /// word may be unfinished); only with --dir.
    typing: bool,
}

/// Every `*.md` in `dir` (but a `README.md`), parsed and validated; errors name the file.
pub fn read_dir(dir: &Path) -> Result<Vec<Article>> {
    Ok(read_sources(dir)?.into_iter().map(|(_, a)| a).collect())
}

/// Every `*.md` in `dir` (but a `README.md`) as source and parsed article.
fn read_sources(dir: &Path) -> Result<Vec<(String, Article)>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md") && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    paths.sort();
    for path in paths {
        let src = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let article = Article::parse(&src).map_err(|e| format!("{}: {e}", path.display()))?;
        out.push((src, article));
    }
    if out.is_empty() {
        return Err(format!("{} has no .md articles", dir.display()));
    }
    Ok(out)
}

/// Replaces the site's articles on the edge with those in `dir`; returns the index version.
pub fn import(dirs: &[&Path], site: &str, edge: &str, token: &str) -> Result<String> {
    let mut sources = Vec::new();
    for dir in dirs {
        sources.extend(read_sources(dir)?.into_iter().map(|(src, _)| src));
    }
    let url = format!("{edge}/api/v1/sites/{site}/kb/import");
    let resp = ureq::post(&url).set("authorization", &format!("Bearer {token}")).send_json(serde_json::json!({ "articles": sources }));
    let body: serde_json::Value = match resp {
        Ok(r) => r.into_json().map_err(|e| e.to_string())?,
        Err(ureq::Error::Status(code, r)) => {
            return Err(format!("the edge refused the import ({code}): {}", r.into_string().unwrap_or_default()))
        }
        Err(e) => return Err(format!("cannot reach the edge at {edge}: {e}. Is `cargo xtask demo` running?")),
    };
    Ok(body["version"].as_str().unwrap_or("?").to_owned())
}

fn remote_search(edge: &str, site: &str, question: &str) -> Result<Vec<(String, f32)>> {
    let url = format!("{edge}/api/v1/sites/{site}/kb/search");
    let resp = ureq::get(&url).query("q", question).call();
    let body: serde_json::Value = match resp {
        Ok(r) => r.into_json().map_err(|e| e.to_string())?,
        Err(ureq::Error::Status(code, r)) => return Err(format!("search failed ({code}): {}", r.into_string().unwrap_or_default())),
        Err(e) => return Err(format!("cannot reach the edge at {edge}: {e}. Is `cargo xtask demo` running?")),
    };
    Ok(body["hits"]
        .as_array()
        .map(|hits| hits.iter().map(|h| (h["id"].as_str().unwrap_or("").to_owned(), h["score"].as_f64().unwrap_or(0.0) as f32)).collect())
        .unwrap_or_default())
}
