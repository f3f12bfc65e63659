//! The deploy guard through the real edge: with the demo's public
//! credentials configured (the shipped `wrangler.toml`), the API answers
//! only on this machine; on any other host every API route is 503
//! `demo_credentials`, with a message that says what to do.

use porchlight_tests::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A raw HTTP/1.1 GET with a chosen `Host`, as a public deployment's
/// visitors would reach the Worker.
fn get_as(host: &str, path: &str) -> (u16, String) {
    let addr = edge().trim_start_matches("http://").to_owned();
    let mut s = TcpStream::connect(&addr).expect("connect to the edge");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nConnection: close\r\n\r\n", demo_origin()).unwrap();
    // Until the body is complete (the edge may keep the connection open).
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = s.read(&mut buf) {
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>()));
            if matches!(len, Some(Ok(len)) if body.len() >= len) {
                break;
            }
        }
    }
    let out = String::from_utf8_lossy(&raw).into_owned();
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, out)
}

#[test]
fn demo_credentials_are_served_only_on_this_machine() {
    let path = format!("/api/v1/sites/{SITE}/widget");
    let (local, body) = get_as(edge().trim_start_matches("http://"), &path);
    assert_eq!(local, 200, "on 127.0.0.1 the demo works: {body}");
    let (named, _) = get_as("localhost", &path);
    assert_eq!(named, 200);
    for host in ["chat.copperkettle.example", "porchlight-edge.someone.workers.dev"] {
        let (status, body) = get_as(host, &path);
        assert_eq!(status, 503, "{host}: {body}");
        assert!(body.contains("demo_credentials"), "{body}");
        assert!(body.contains("wrangler secret put"), "the refusal says what to do: {body}");
        let (login, _) = get_as(host, "/api/v1/agent/login");
        assert_eq!(login, 503, "{host}: every API route");
    }
}
