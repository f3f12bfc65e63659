//! Fuzzing every decoder of untrusted input, bounded so it runs in every
//! `cargo test`: random bytes, random JSON, and mutations of every JSON
//! example in `docs/PROTOCOL.md` (byte flips, cuts, splices, and whole
//! values swapped for random ones). A decoder may refuse anything; it may
//! never panic, and whatever it accepts must survive the validators and a
//! round trip through its own encoding.

use porchlight_protocol::codec::{parse_bytes, parse_frame, Incoming};
use porchlight_protocol::site::{CreateAgent, Sites};
use porchlight_protocol::validate;
use porchlight_protocol::webhook::RegisterWebhook;
use porchlight_protocol::{
    links, AgentFrame, AgentLogin, CreateSession, QueueClientFrame, QueueFrame, SessionCreated, SessionFrame, SessionId, SiteId,
    VisitorFrame, WidgetConfig,
};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Debug;

const PROTOCOL_MD: &str = include_str!("../../docs/PROTOCOL.md");

/// Every JSON value in the protocol document's ```json blocks: a block as a
/// whole if it parses, else each line of it that does.
fn seeds() -> Vec<Value> {
    let mut out = Vec::new();
    for block in PROTOCOL_MD.split("```json").skip(1) {
        let body = block.split("```").next().unwrap_or("");
        match serde_json::from_str::<Value>(body) {
            Ok(v) => out.push(v),
            Err(_) => out.extend(body.lines().filter_map(|l| serde_json::from_str::<Value>(l.trim().trim_end_matches(',')).ok())),
        }
    }
    // The frames a client sends most, in case the document's examples move.
    for extra in [
        r#"{"type":"hello","token":"t","last_seq":0}"#,
        r#"{"type":"send","client_id":"c-1","text":"hi","reply_to":2}"#,
        r#"{"type":"edit","seq":3,"text":"x"}"#,
        r#"{"type":"react","seq":3,"emoji":"heart","on":true}"#,
        r#"{"type":"receipt","marks":{"delivered":3,"seen":2}}"#,
        r#"{"type":"context","context":{"page_url":"https://a.example/x","order_ref":"CK-1","attributes":{"k":"v"}}}"#,
        r#"{"type":"search","query":"jo"}"#,
        r#"{"type":"transfer","to":"ben"}"#,
        r#"{"name":"Jo","email":"jo@example.com","context":{"page_url":"https://a.example/"}}"#,
    ] {
        out.push(serde_json::from_str(extra).expect("the extra seeds are JSON"));
    }
    out
}

fn seed_texts() -> Vec<String> {
    seeds().iter().map(Value::to_string).collect()
}

/// Decoding may refuse; it must not panic, and an accepted value encodes to
/// JSON that decodes to the same value.
fn check<T: DeserializeOwned + Serialize + PartialEq + Debug>(bytes: &[u8]) -> Option<T> {
    match parse_bytes::<T>(bytes) {
        Incoming::Frame(v) => {
            let again = serde_json::to_vec(&v).expect("an accepted value encodes");
            match parse_bytes::<T>(&again) {
                Incoming::Frame(w) => assert_eq!(v, w, "round trip of {}", String::from_utf8_lossy(bytes)),
                other => panic!("re-encoding {v:?} did not decode: {other:?}"),
            }
            Some(v)
        }
        Incoming::TooLarge(_) | Incoming::Malformed(_) => None,
    }
}

/// What the edge does with each untrusted input after decoding it; counts
/// the decoders that accepted it.
fn every_decoder(bytes: &[u8]) -> usize {
    let mut accepted = 0;
    if let Some(frame) = check::<VisitorFrame>(bytes) {
        accepted += 1;
        match frame {
            VisitorFrame::Send { client_id, text, .. } => {
                let _ = validate::client_id(&client_id.0);
                let _ = validate::message(&text);
                let _ = links::split(&text);
            }
            VisitorFrame::Edit { text, .. } => {
                let _ = validate::message(&text);
            }
            VisitorFrame::Context { context } => {
                let _ = validate::context(&context);
                let _ = validate::clamp_context(&context, false);
            }
            _ => {}
        }
    }
    if let Some(frame) = check::<AgentFrame>(bytes) {
        accepted += 1;
        if let AgentFrame::Send { text, .. } | AgentFrame::Note { text, .. } | AgentFrame::Edit { text, .. } = frame {
            let _ = validate::message(&text);
        }
    }
    accepted += usize::from(check::<QueueClientFrame>(bytes).is_some());
    if let Some(frame) = check::<porchlight_protocol::team::TeamClientFrame>(bytes) {
        accepted += 1;
        if let porchlight_protocol::team::TeamClientFrame::Send { text, .. }
        | porchlight_protocol::team::TeamClientFrame::Edit { text, .. } = frame
        {
            let _ = porchlight_protocol::team::message::text(&text);
            let _ = porchlight_protocol::team::slash::parse(&text);
            let _ = porchlight_protocol::team::slash::matching(&text);
        }
    }
    accepted += usize::from(check::<porchlight_protocol::team::TeamFrame>(bytes).is_some());
    if let Some(form) = check::<CreateSession>(bytes) {
        accepted += 1;
        let _ = validate::name(&form.name);
        let _ = validate::visitor_name(&form.name, &["Ava", "Copper Kettle"]);
        let _ = validate::email(form.email.as_deref());
        let _ = validate::context(&form.context);
    }
    accepted += usize::from(check::<AgentLogin>(bytes).is_some());
    accepted += usize::from(check::<CreateAgent>(bytes).is_some());
    accepted += usize::from(check::<RegisterWebhook>(bytes).is_some());
    // What browsers decode from the edge: a compromised or buggy edge must
    // not crash a visitor's page either.
    accepted += usize::from(check::<SessionFrame>(bytes).is_some());
    accepted += usize::from(check::<QueueFrame>(bytes).is_some());
    accepted += usize::from(check::<WidgetConfig>(bytes).is_some());
    accepted += usize::from(check::<SessionCreated>(bytes).is_some());
    // Identifiers from paths and storage keys.
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = SessionId::parse(text);
        let _ = SiteId::parse(text);
        let _ = parse_frame::<VisitorFrame>(text);
        let _ = Sites::parse(text);
    }
    accepted
}

/// Random JSON, up to a few levels deep, with the strings and numbers that
/// break naive decoders.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
        prop_oneof![
            Just("hello".to_string()),
            Just("send".to_string()),
            Just("heart".to_string()),
            Just(String::new()),
            Just("\u{202e}\u{200b}\0\u{7f}".to_string()),
            Just("🫖".repeat(40)),
            ".{0,24}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("type".to_string()),
                    Just("text".to_string()),
                    Just("seq".to_string()),
                    Just("client_id".to_string()),
                    Just("token".to_string()),
                    Just("name".to_string()),
                    Just("context".to_string()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the `pick`-th node (depth first) of `v` with `with`.
fn replace_node(v: &mut Value, pick: &mut usize, with: &Value) -> bool {
    if *pick == 0 {
        *v = with.clone();
        return true;
    }
    *pick -= 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|i| replace_node(i, pick, with)),
        Value::Object(map) => map.values_mut().any(|i| replace_node(i, pick, with)),
        _ => false,
    }
}

#[derive(Clone, Debug)]
enum Cut {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, &'static str),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn cut() -> impl Strategy<Value = Cut> {
    let tokens = prop_oneof![
        Just("\""),
        Just("{"),
        Just("}"),
        Just("["),
        Just(","),
        Just(":"),
        Just("null"),
        Just("1e999"),
        Just("-0"),
        Just("18446744073709551616"),
        Just("\\u0000"),
        Just("\\ud800"),
        Just("\"type\":\"send\""),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Cut::Flip(i, b)),
        (any::<usize>(), 0usize..8).prop_map(|(i, n)| Cut::Delete(i, n)),
        (any::<usize>(), tokens).prop_map(|(i, t)| Cut::Insert(i, t)),
        any::<usize>().prop_map(Cut::Truncate),
        (any::<usize>(), 0usize..16).prop_map(|(i, n)| Cut::Duplicate(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, cut: &Cut) {
    let len = bytes.len().max(1);
    match *cut {
        Cut::Flip(i, b) => {
            if !bytes.is_empty() {
                bytes[i % len] ^= b;
            }
        }
        Cut::Delete(i, n) => {
            let at = i % len;
            let end = (at + n).min(bytes.len());
            if at < end {
                bytes.drain(at..end);
            }
        }
        Cut::Insert(i, t) => {
            let at = i % (bytes.len() + 1);
            bytes.splice(at..at, t.bytes());
        }
        Cut::Truncate(i) => bytes.truncate(i % len),
        Cut::Duplicate(i, n) => {
            let at = i % len;
            let end = (at + n).min(bytes.len());
            let piece: Vec<u8> = bytes.get(at..end).map(<[u8]>::to_vec).unwrap_or_default();
            bytes.splice(at..at, piece);
        }
    }
}

#[test]
fn every_example_in_the_protocol_document_decodes_as_something() {
    // The seeds are what the mutations start from: if the document's blocks
    // stopped parsing, the fuzzing below would only ever see garbage.
    let seeds = seed_texts();
    assert!(seeds.len() >= 20, "only {} JSON examples found in docs/PROTOCOL.md", seeds.len());
    let accepted = seeds.iter().filter(|s| every_decoder(s.as_bytes()) > 0).count();
    assert!(accepted >= 20, "only {accepted} of {} examples decode as any frame or body", seeds.len());
}

#[test]
fn oversize_input_is_refused_by_length_alone() {
    let huge = vec![b'['; validate::MAX_FRAME_BYTES + 1];
    assert!(matches!(parse_bytes::<VisitorFrame>(&huge), Incoming::TooLarge(_)));
    // Just under the limit, deep nesting is refused by the parser's own
    // recursion limit, not by overflowing the stack.
    let deep = "[".repeat(validate::MAX_FRAME_BYTES - 1);
    assert!(matches!(parse_frame::<VisitorFrame>(&deep), Incoming::Malformed(_)));
    let deep_obj = "{\"a\":".repeat(5000);
    assert_eq!(every_decoder(deep_obj.as_bytes()), 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_a_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = every_decoder(&bytes);
    }

    #[test]
    fn random_json_never_panics_a_decoder(v in json()) {
        let _ = every_decoder(v.to_string().as_bytes());
    }

    #[test]
    fn mutated_protocol_examples_never_panic_a_decoder(pick in any::<proptest::sample::Index>(), cuts in proptest::collection::vec(cut(), 1..6)) {
        let seeds = seed_texts();
        let mut bytes = pick.get(&seeds).clone().into_bytes();
        for c in &cuts {
            apply(&mut bytes, c);
        }
        let _ = every_decoder(&bytes);
    }

    #[test]
    fn protocol_examples_with_a_value_swapped_never_panic_a_decoder(
        pick in any::<proptest::sample::Index>(),
        node in 0usize..64,
        with in json(),
    ) {
        let seeds = seeds();
        let mut v = pick.get(&seeds).clone();
        let mut n = node;
        replace_node(&mut v, &mut n, &with);
        let _ = every_decoder(v.to_string().as_bytes());
    }
}

// ─────────────── identity tokens and webhook URLs (after #14) ───────────────

use porchlight_protocol::identity;
use porchlight_protocol::webhook;

const SECRET: &[u8] = b"fuzz-identity-secret";
const NOW: u64 = 1_800_000_000;

fn signed(claims: &Value) -> String {
    identity::sign(claims, SECRET)
}

fn good_claims() -> Value {
    serde_json::json!({"sub": "user-42", "name": "Jo", "email": "jo@example.com", "exp": NOW + 600, "orders": ["CK-1042"]})
}

#[test]
fn a_token_signed_with_the_secret_verifies_and_nothing_else_does() {
    let token = signed(&good_claims());
    assert!(identity::verify(&token, SECRET, NOW).is_ok());
    assert!(identity::verify(&token, b"another-secret", NOW).is_err());
    assert!(identity::verify(&token, b"", NOW).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_tokens_never_panic_or_verify(token in ".{0,300}", dots in proptest::collection::vec(".{0,40}", 0..5)) {
        prop_assert!(identity::verify(&token, SECRET, NOW).is_err());
        prop_assert!(identity::verify(&dots.join("."), SECRET, NOW).is_err());
    }

    #[test]
    fn a_changed_token_is_refused_or_says_the_same(at in any::<usize>(), with in prop_oneof![Just('A'), Just('_'), Just('-'), Just('.'), Just('='), any::<char>()]) {
        let token = signed(&good_claims());
        let mut chars: Vec<char> = token.chars().collect();
        let i = at % chars.len();
        chars[i] = with;
        let changed: String = chars.into_iter().collect();
        // A base64url character can differ only in padding bits and decode
        // to the same bytes; then it must say exactly what was signed.
        if let Ok(claims) = identity::verify(&changed, SECRET, NOW) {
            prop_assert_eq!(Some(claims), identity::verify(&token, SECRET, NOW).ok());
        }
    }

    #[test]
    fn forged_claims_never_verify(claims in json(), alg in prop_oneof![Just("none"), Just("HS512"), Just("RS256"), Just("hs256"), Just("")]) {
        // Random claims signed properly may or may not be valid claims;
        // a token whose header names another algorithm never is.
        let _ = identity::verify(&signed(&claims), SECRET, NOW);
        let header = base64_url(&serde_json::json!({"alg": alg, "typ": "JWT"}).to_string());
        let token = signed(&good_claims());
        let rest = token.split_once('.').map_or("", |(_, r)| r);
        let forged = format!("{header}.{rest}");
        prop_assert!(identity::verify(&forged, SECRET, NOW).is_err());
    }

    #[test]
    fn webhook_urls_and_signatures_never_panic(url in ".{0,80}", dev in any::<bool>(), header in ".{0,120}", body in ".{0,60}") {
        let _ = webhook::check_url(&url, dev);
        let _ = webhook::check_url(&format!("http://{url}/hook"), dev);
        prop_assert!(!webhook::verify_signature(&header, "whsec", &body, NOW));
    }

    #[test]
    fn private_and_link_local_addresses_are_refused_however_spelled(a in 0u8..=255, b in 0u8..=255, c in 0u8..=255, dev in any::<bool>()) {
        for ip in [[10, a, b, c], [172, 16 + (a % 16), b, c], [192, 168, b, c], [169, 254, b, c]] {
            let n = u32::from_be_bytes(ip);
            for host in [
                format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]),
                format!("{n}"),
                format!("0x{n:08x}"),
                format!("[::ffff:{}.{}.{}.{}]", ip[0], ip[1], ip[2], ip[3]),
            ] {
                prop_assert!(webhook::check_url(&format!("http://{host}/hook"), dev).is_err(), "{host} accepted");
                prop_assert!(webhook::check_url(&format!("https://{host}/hook"), dev).is_err(), "{host} accepted");
            }
        }
    }
}

fn base64_url(s: &str) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = s.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}
