//! The knowledge base through the real edge: admin import (and its
//! refusals), the public index, articles and search the widget uses.

use porchlight_tests::*;
use serde_json::Value;

fn get(path: &str, origin: Option<&str>) -> (u16, Value, Option<String>) {
    let mut req = ureq::get(&format!("{}{path}", edge()));
    if let Some(o) = origin {
        req = req.set("origin", o);
    }
    match req.call() {
        Ok(r) => {
            let cache = r.header("cache-control").map(str::to_owned);
            (r.status(), r.into_json().unwrap_or(Value::Null), cache)
        }
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap_or(Value::Null), None),
        Err(e) => panic!("GET {path}: {e}"),
    }
}

/// The sample help center as `cargo xtask test` imports it: the 60
/// English articles and their translations.
fn sample_sources() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["demo-site/kb", "demo-site/kb-translations"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "md") && p.file_name().is_some_and(|n| n != "README.md"))
            .collect();
        paths.sort();
        out.extend(paths.iter().map(|p| std::fs::read_to_string(p).unwrap()));
    }
    out
}

#[test]
fn admin_imports_the_help_center_and_visitors_search_it() {
    let import = format!("/api/v1/sites/{SITE}/kb/import");
    let body = serde_json::json!({ "articles": sample_sources() }).to_string();

    // Only an ADMIN agent of the site may import.
    let none = post(&import, None, None, &body);
    assert_eq!(none.status, 401, "{}", none.body);
    assert_eq!(none.body["error"]["code"], "unauthorized");
    let agent = post(&import, None, Some(BEN), &body);
    assert_eq!(agent.status, 403, "{}", agent.body);
    assert_eq!(agent.body["error"]["code"], "forbidden");

    // A bad article refuses the whole import, saying which and why, and loses nothing.
    let before = get(&format!("/api/v1/sites/{SITE}/kb/search?q=reset%20my%20password"), None).1;
    let mut bad = sample_sources();
    bad.push("---\ntitle: No id\n---\nbody".into());
    let refused = post(&import, None, Some(AVA), &serde_json::json!({ "articles": bad }).to_string());
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "invalid_article");
    let n = sample_sources().len();
    assert!(refused.body["error"]["message"].as_str().unwrap().contains(&format!("#{}", n + 1)), "{}", refused.body);
    // Two versions of one article in one language: refused too.
    let mut twice = sample_sources();
    twice.push(twice.iter().find(|s| s.contains("lang: es")).unwrap().clone());
    let refused = post(&import, None, Some(AVA), &serde_json::json!({ "articles": twice }).to_string());
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body["error"]["message"].as_str().unwrap().contains("in language `es`"), "{}", refused.body);
    let malformed = post(&import, None, Some(AVA), "{\"articles\": 3}");
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    assert_eq!(get(&format!("/api/v1/sites/{SITE}/kb/search?q=reset%20my%20password"), None).1, before);

    let ok = post(&import, None, Some(AVA), &body);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["articles"], n);
    let version = ok.body["version"].as_str().unwrap().to_owned();
    let again = post(&import, None, Some(AVA), &body);
    assert_eq!(again.body["version"], version.as_str(), "same content, same version");

    // The widget learns the version from its config, then fetches the index once, immutable.
    let (status, config, _) = get(&format!("/api/v1/sites/{SITE}/widget"), Some(&demo_origin()));
    assert_eq!(status, 200);
    assert_eq!(config["kb_version"], version.as_str());
    let (status, index, cache) = get(&format!("/api/v1/sites/{SITE}/kb/index?v={version}"), Some(&demo_origin()));
    assert_eq!(status, 200);
    assert_eq!(index["version"], version.as_str());
    assert_eq!(index["docs"].as_array().unwrap().len(), n);
    assert!(index["docs"].as_array().unwrap().iter().any(|d| d["id"] == "track-your-order" && d["lang"] == "es"));
    assert!(cache.unwrap_or_default().contains("immutable"));
    let (status, _, _) = get(&format!("/api/v1/sites/{SITE}/kb/index"), Some("https://evil.example"));
    assert_eq!(status, 403, "a foreign page cannot read it with CORS");

    // One article, for the widget's reader.
    let (status, article, _) = get(&format!("/api/v1/sites/{SITE}/kb/articles/track-your-order"), Some(&demo_origin()));
    assert_eq!(status, 200);
    assert_eq!(article["title"], "Track your order");
    assert!(article["body"].as_str().unwrap().contains("tracking"));
    // Its translation when the visitor's language has one; the English one otherwise.
    let (_, es, _) = get(&format!("/api/v1/sites/{SITE}/kb/articles/track-your-order?lang=es"), Some(&demo_origin()));
    assert_eq!((es["title"].as_str(), es["lang"].as_str()), (Some("Seguir tu pedido"), Some("es")), "{es}");
    let (_, pt, _) = get(&format!("/api/v1/sites/{SITE}/kb/articles/track-your-order?lang=pt"), Some(&demo_origin()));
    assert_eq!(pt["title"], "Track your order");
    let (_, odd, _) = get(&format!("/api/v1/sites/{SITE}/kb/articles/track-your-order?lang=..%2F"), Some(&demo_origin()));
    assert_eq!(odd["title"], "Track your order", "a malformed language is ignored");
    assert_eq!(get(&format!("/api/v1/sites/{SITE}/kb/articles/no-such-article"), None).0, 404);
    assert_eq!(get(&format!("/api/v1/sites/{SITE}/kb/articles/..%2Fetc"), None).0, 404);

    // Search ranks with the widget's code and threshold.
    let (_, hits, _) = get(&format!("/api/v1/sites/{SITE}/kb/search?q=how%20long%20do%20refnds%20take"), None);
    assert_eq!(hits["hits"][0]["id"], "refund-processing-times", "{hits}");
    assert_eq!(hits["hits"][0]["title"], "Refund processing times");
    // A visitor writing in Spanish: the Spanish version, titled in Spanish.
    let (_, es, _) = get(&format!("/api/v1/sites/{SITE}/kb/search?q=olvid%C3%A9%20mi%20contrase%C3%B1a"), None);
    assert_eq!(
        (es["hits"][0]["id"].as_str(), es["hits"][0]["title"].as_str()),
        (Some("reset-your-password"), Some("Restablecer tu contraseña")),
        "{es}"
    );
    let (_, quiet, _) = get(&format!("/api/v1/sites/{SITE}/kb/search?q=can%20I%20talk%20to%20a%20human"), None);
    assert_eq!(quiet["hits"], serde_json::json!([]), "asking for a person gets no articles");
}
