//! An upload over 10 MB is refused with a clear error before it is read.
//! In a binary of its own: refusing a body before it has all arrived makes
//! `wrangler dev`'s local proxy answer requests in flight with 503 (see
//! tests/tests/body_cap.rs).

use porchlight_tests::*;

#[test]
fn a_file_over_ten_megabytes_is_refused_with_the_limit() {
    let session = create_session(&unique("Big Sender"));
    let url = format!("{}/api/v1/sites/{SITE}/sessions/{}/attachments?client_id=big-1&name=big.png", edge(), session.session_id);
    let mut body = porchlight_protocol::attachment::samples::png(10, 10);
    body.resize(11 * 1024 * 1024, 0);
    let answer =
        ureq::post(&url).set("origin", &demo_origin()).set("authorization", &format!("Bearer {}", session.token)).send_bytes(&body);
    let resp = match answer {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("no answer: {e}"),
    };
    assert_eq!(resp.status(), 413);
    let json: serde_json::Value = resp.into_json().expect("json");
    assert_eq!(json["error"]["code"], serde_json::json!("file_too_large"));
    assert_eq!(json["error"]["message"], serde_json::json!("Files can be at most 10 MB."));
}
