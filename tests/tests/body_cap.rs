//! Request bodies are capped while read, with or without `Content-Length`.
//!
//! In a test binary of its own: refusing a chunked body before it has all
//! arrived makes `wrangler dev`'s local proxy drop the connection to the
//! runtime, which answers requests in flight at that moment with 503 ("Your
//! worker restarted mid-request"). On Cloudflare nothing else is affected;
//! locally, running alone keeps other tests out of its way.

use porchlight_tests::*;
use std::time::Duration;

#[test]
fn request_bodies_are_capped_while_read_even_without_content_length() {
    use std::io::{Read, Write};
    // A chunked body (no Content-Length) over 32 KiB.
    let host = edge().trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /api/v1/sites/{SITE}/sessions HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nContent-Type: application/json\r\n\
         CF-Connecting-IP: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        demo_origin(),
        unique_ip()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = format!("{{\"name\": \"{}", "x".repeat(8_000));
    let _ = stream.write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    for _ in 0..8 {
        let filler = "y".repeat(8_000);
        if stream.write_all(format!("{:x}\r\n{filler}\r\n", filler.len()).as_bytes()).is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", answer.lines().next().unwrap_or(""));
    assert!(answer.contains("frame_too_large"), "{answer}");
    // A declared Content-Length over the cap is refused unread.
    let big =
        request_as("POST", &format!("/api/v1/sites/{SITE}/sessions"), &unique_ip(), Some(&demo_origin()), None, Some(&"z".repeat(40_000)));
    assert_eq!((big.status, big.body["error"]["code"].as_str()), (413, Some("frame_too_large")));
}
