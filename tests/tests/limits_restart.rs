//! Abuse limits outlive the edge: a burst used up before a SIGKILL is
//! still used up after the restart (the buckets are in Durable Object
//! storage). Its own test binary, because starting a second `wrangler dev`
//! in `edge/` makes the shared edge restart its worker, which would fail
//! the requests of tests running beside it.

use porchlight_protocol::CreateSession;
use porchlight_tests::edge_process::PrivateEdge;
use porchlight_tests::*;

const STRICT: &str = "limits-check";

fn form(name: &str) -> String {
    serde_json::to_string(&CreateSession { name: name.into(), email: None, context: Default::default(), identity: None, locale: None })
        .unwrap()
}

#[test]
fn a_restart_of_the_edge_does_not_reset_the_session_limit() {
    let mut edge = PrivateEdge::start("limits-restart");
    let ip = unique_ip();
    let new_session = |base: &str, n: u32| {
        request_to_as(
            base,
            "POST",
            &format!("/api/v1/sites/{STRICT}/sessions"),
            &ip,
            Some(&demo_origin()),
            None,
            Some(&form(&format!("Before {n}"))),
        )
    };
    for n in 0..8 {
        assert_eq!(new_session(&edge.base, n).status, 201, "session {n}");
    }
    edge.kill9();
    edge.restart();
    let after = new_session(&edge.base, 8);
    assert_eq!((after.status, after.body["error"]["code"].as_str()), (429, Some("rate_limited")), "{}", after.body);
}
