//! Team chat through the real edge: channels public, private and direct,
//! who may see and do what (a private channel's messages never reach a
//! non-member, also after removal), unread badges, mute and mentions,
//! slash commands, visitor tokens refused everywhere, and the delivery
//! promise through a faulty network.

use porchlight_protocol::team::{ChannelKind, ChannelName, ChannelRole, TeamClientFrame, TeamFrame};
use porchlight_protocol::{AgentId, ClientMsgId, Emoji, ErrorCode, Seq};
use porchlight_tests::delivery::{converse, report, verify};
use porchlight_tests::proxy::{FaultProxy, Faults};
use porchlight_tests::resilient::{Resilient, Side};
use porchlight_tests::team::{channel_log, channel_path_at, team_path, Team};
use porchlight_tests::*;
use std::time::{Duration, Instant};

fn id(s: &str) -> AgentId {
    AgentId(s.into())
}

fn cid(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

#[test]
fn a_visitor_token_opens_nothing_of_team_chat() {
    let session = create_session(&unique("Nosy"));
    // The socket: a visitor's session token is not an agent token.
    let mut ws = Ws::connect(&team_path(), None).expect("team socket");
    ws.send(&TeamClientFrame::Hello { token: session.token.clone(), last_seq: None });
    let refused: TeamFrame = ws.recv();
    assert!(matches!(refused, TeamFrame::Error { code: ErrorCode::Unauthorized, .. }), "{refused:?}");
    assert_eq!(ws.close_code_within(Duration::from_secs(5)), Some(1008));
    // Nothing before hello either.
    let mut early = Ws::connect(&team_path(), None).expect("team socket");
    early.send(&TeamClientFrame::Open { channel: porchlight_protocol::team::ChannelId("0123456789abcdef".into()), last_seq: Seq(0) });
    assert!(matches!(early.recv::<TeamFrame>(), TeamFrame::Error { code: ErrorCode::Unauthorized, .. }));
    // From the widget's page (the site's origin), the upgrade itself is refused.
    let from_widget = Ws::connect(&team_path(), Some(&demo_origin()));
    assert_eq!(from_widget.err().map(|r| r.status), Some(403));
    // The REST log: no token, a visitor token, a bogus id.
    let mut ava = Team::sign_in(AVA);
    let general = ava.create("open-room", ChannelKind::Public);
    ava.open(&general.id, Seq(0));
    ava.post(&general.id, "v1", "staff only");
    let path = format!("/api/v1/sites/{SITE}/team/channels/{}/messages", general.id);
    assert_eq!(call("GET", &path, None, None).status, 401);
    let visitor = call("GET", &path, Some(&session.token), None);
    assert_eq!(visitor.status, 401, "{}", visitor.body);
    assert_eq!(visitor.body["error"]["code"], "unauthorized");
    assert_eq!(call("GET", &format!("/api/v1/sites/{SITE}/team/channels/nothex/messages"), Some(AVA), None).status, 404);
    assert_eq!(channel_log(AVA, &general.id).0, 200);
    // And the channel's text is nowhere in the visitor's own conversation.
    let mut visitor_ws = Ws::visitor(&session);
    match visitor_ws.visitor_hello(&session.token) {
        porchlight_protocol::SessionFrame::Welcome { messages, .. } => {
            assert!(messages.iter().all(|m| !m.text.contains("staff only")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_private_channel_reaches_its_members_only_also_after_removal() {
    let mut ava = Team::sign_in(AVA);
    let mut ben = Team::sign_in(BEN);
    let mut cy = Team::sign_in(&race_agent_token(3));
    let private = ava.create("secret-plans", ChannelKind::Private);
    assert_eq!(private.channel.members.get(&id("ava")), Some(&ChannelRole::Admin));
    ava.open(&private.id, Seq(0));
    ava.post(&private.id, "p1", "before ben");
    // Ben and Cy were not told it exists, cannot open it, cannot read its log.
    for other in [&mut ben, &mut cy] {
        assert!(other
            .drain(Duration::from_millis(600))
            .iter()
            .all(|f| !matches!(f, TeamFrame::Channel { channel } if channel.id == private.id)));
        other.send(&TeamClientFrame::Open { channel: private.id.clone(), last_seq: Seq(0) });
        assert_eq!(other.error().0, ErrorCode::NotFound);
    }
    assert_eq!(channel_log(BEN, &private.id).0, 404);
    // Cy cannot even add himself through a member-only door.
    cy.send(&TeamClientFrame::AddMember { channel: private.id.clone(), agent: id("agent-3") });
    assert_eq!(cy.error().0, ErrorCode::NotFound);

    // Ava adds Ben: he sees it, with its history, and they talk.
    ava.send(&TeamClientFrame::AddMember { channel: private.id.clone(), agent: id("ben") });
    let seen = ben.channel_until("added", |c| c.id == private.id);
    assert!(seen.channel.is_member(&id("ben")));
    assert_eq!(seen.badge.unread, 0, "what came before joining is not unread");
    let history = ben.open(&private.id, Seq(0));
    assert_eq!(history.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["before ben"]);
    let hi = ben.post(&private.id, "b1", "hi ava");
    assert_eq!(ava.message(&private.id, |m| m.seq == hi.seq).text, "hi ava");

    // Ava removes Ben: gone for him at once, and nothing more reaches him.
    ava.send(&TeamClientFrame::RemoveMember { channel: private.id.clone(), agent: id("ben") });
    ben.until("gone", |f| matches!(f, TeamFrame::Gone { channel } if *channel == private.id));
    // The channel's own object closed his socket to it, in the turn it applied the removal.
    assert!(!ben.channel_socket_open(&private.id), "the removed member's channel socket is closed");
    ava.post(&private.id, "p2", "after ben left");
    let after = ben.drain(Duration::from_millis(800));
    assert!(
        after
            .iter()
            .all(|f| !format!("{f:?}").contains("after ben left")
                && !matches!(f, TeamFrame::Channel { channel } if channel.id == private.id)),
        "{after:?}"
    );
    assert!(cy.drain(Duration::from_millis(200)).iter().all(|f| !format!("{f:?}").contains("after ben left")));
    ben.send(&TeamClientFrame::Open { channel: private.id.clone(), last_seq: Seq(0) });
    assert_eq!(ben.error().0, ErrorCode::NotFound);
    ben.send(&TeamClientFrame::Send { channel: private.id.clone(), client_id: cid("b2"), text: "still here?".into(), reply_to: None });
    assert_eq!(ben.error().0, ErrorCode::NotFound);
    assert_eq!(channel_log(BEN, &private.id).0, 404);
    // A fresh sign-in does not list it either.
    let again = Team::sign_in(BEN);
    let TeamFrame::Directory { channels, .. } = &again.directory else { unreachable!() };
    assert!(channels.iter().all(|c| c.id != private.id));
    let (status, log) = channel_log(AVA, &private.id);
    assert_eq!((status, log.len()), (200, 3));
}

#[test]
fn public_channels_dms_archive_and_delete_follow_the_rules() {
    let mut ava = Team::sign_in(AVA);
    let mut ben = Team::sign_in(BEN);
    let public = ava.create("general", ChannelKind::Public);
    // Ben sees it, may read it, must join to post.
    let listed = ben.channel_until("public channel", |c| c.id == public.id);
    assert!(!listed.channel.is_member(&id("ben")));
    ben.open(&public.id, Seq(0));
    ben.send(&TeamClientFrame::Send { channel: public.id.clone(), client_id: cid("n1"), text: "hello?".into(), reply_to: None });
    assert_eq!(ben.error().0, ErrorCode::Forbidden);
    ben.send(&TeamClientFrame::Join { channel: public.id.clone() });
    ben.channel_until("joined", |c| c.id == public.id && c.channel.is_member(&id("ben")));
    ben.post(&public.id, "n2", "joined");
    // Only a channel admin renames; names are validated and unique.
    ben.send(&TeamClientFrame::Update {
        channel: public.id.clone(),
        name: Some(ChannelName::parse("bens-room").unwrap()),
        description: None,
        folder: None,
        archived: None,
    });
    assert_eq!(ben.error().0, ErrorCode::Forbidden);
    // A name that does not pass is the name's error (with the check's reason), not the frame's.
    ben.ws.send_text(r#"{"type":"create","name":"Not Valid","kind":"public"}"#);
    let (code, message) = ben.error();
    assert_eq!(code, ErrorCode::InvalidName);
    assert!(message.contains("lowercase"), "{message}");
    let taken = public.channel.name.clone().unwrap();
    ben.send(&TeamClientFrame::Create { name: taken.clone(), kind: ChannelKind::Public, description: String::new(), folder: None });
    let (code, message) = ben.error();
    assert_eq!(code, ErrorCode::NameTaken);
    assert!(message.contains(taken.as_str()), "{message}");
    // Folders are a site admin's: Ben may not, Ava may.
    ben.send(&TeamClientFrame::Folders { folders: vec!["Engineering".into()] });
    assert_eq!(ben.error().0, ErrorCode::Forbidden);
    ava.send(&TeamClientFrame::Folders { folders: vec!["Management".into(), "Customer projects".into()] });
    ben.until("folders", |f| matches!(f, TeamFrame::Folders { folders } if folders.len() == 2));
    ava.send(&TeamClientFrame::Update {
        channel: public.id.clone(),
        name: None,
        description: None,
        folder: Some("Management".into()),
        archived: None,
    });
    ben.channel_until("moved", |c| c.id == public.id && c.channel.folder.as_deref() == Some("Management"));

    // Archive: read-only for everyone; then delete: gone for everyone.
    ava.send(&TeamClientFrame::Update { channel: public.id.clone(), name: None, description: None, folder: None, archived: Some(true) });
    ben.channel_until("archived", |c| c.id == public.id && c.channel.archived);
    ben.send(&TeamClientFrame::Send { channel: public.id.clone(), client_id: cid("n3"), text: "late".into(), reply_to: None });
    assert_eq!(ben.error().0, ErrorCode::ChannelArchived);
    assert_eq!(ben.open(&public.id, Seq(0)).len(), 1, "an archived channel is still read");
    ben.send(&TeamClientFrame::Leave { channel: public.id.clone() });
    ben.channel_until("left", |c| c.id == public.id && !c.channel.is_member(&id("ben")));
    ava.send(&TeamClientFrame::Delete { channel: public.id.clone() });
    ben.until("deleted", |f| matches!(f, TeamFrame::Gone { channel } if *channel == public.id));
    assert_eq!(channel_log(AVA, &public.id).0, 404);

    // A DM: both see it; "New DM" with the same person reopens it; it cannot be left.
    ava.send(&TeamClientFrame::Direct { members: vec![id("ben")] });
    let dm = ava
        .channel_until("dm", |c| c.channel.kind == ChannelKind::Direct && c.channel.is_member(&id("ben")) && c.channel.members.len() == 2);
    ben.channel_until("dm for ben", |c| c.id == dm.id);
    ben.send(&TeamClientFrame::Direct { members: vec![id("ava"), id("ben")] });
    assert_eq!(ben.channel_until("same dm", |c| c.channel.kind == ChannelKind::Direct && c.channel.members.len() == 2).id, dm.id);
    ben.send(&TeamClientFrame::Leave { channel: dm.id.clone() });
    assert_eq!(ben.error().0, ErrorCode::Forbidden);
    ava.send(&TeamClientFrame::Direct { members: vec![id("nobody-here")] });
    assert_eq!(ava.error().0, ErrorCode::InvalidName);
    let mut cy = Team::sign_in(&race_agent_token(4));
    cy.send(&TeamClientFrame::Open { channel: dm.id.clone(), last_seq: Seq(0) });
    assert_eq!(cy.error().0, ErrorCode::NotFound);
}

#[test]
fn unread_badges_mute_and_mentions() {
    let mut ava = Team::sign_in(AVA);
    let mut ben = Team::sign_in(BEN);
    let room = ava.create("badges", ChannelKind::Private);
    ava.send(&TeamClientFrame::AddMember { channel: room.id.clone(), agent: id("ben") });
    ben.channel_until("added", |c| c.id == room.id);
    ava.open(&room.id, Seq(0));
    ava.post(&room.id, "u1", "one");
    ava.post(&room.id, "u2", "two");
    let badge = ben.channel_until("two unread", |c| c.id == room.id && c.badge.unread == 2);
    assert!(badge.badge.counts);
    assert_eq!(
        ava.drain(Duration::from_millis(300))
            .iter()
            .filter(|f| matches!(f, TeamFrame::Channel { channel } if channel.id == room.id && channel.badge.unread > 0))
            .count(),
        0,
        "one's own messages are not unread"
    );
    // Reading clears the badge.
    ben.send(&TeamClientFrame::Read { channel: room.id.clone(), seq: badge.last_seq });
    ben.channel_until("read", |c| c.id == room.id && c.badge.unread == 0);
    // Muted: messages are unread but do not count ...
    ben.send(&TeamClientFrame::Mute { channel: room.id.clone(), muted: true });
    ben.channel_until("muted", |c| c.id == room.id && c.read.muted);
    ava.post(&room.id, "u3", "three");
    let quiet = ben.channel_until("quiet", |c| c.id == room.id && c.badge.unread == 1);
    assert!(!quiet.badge.counts, "{quiet:?}");
    // ... except a mention, which notifies even in a muted channel.
    ava.post(&room.id, "u4", "@ben can you look?");
    let loud = ben.channel_until("mentioned", |c| c.id == room.id && c.badge.mentions == 1);
    assert!(loud.badge.counts && loud.badge.unread == 2);
    // A mark past the end is clamped; marks never go back.
    ben.send(&TeamClientFrame::Read { channel: room.id.clone(), seq: Seq(10_000) });
    let read = ben.channel_until("read all", |c| c.id == room.id && c.badge.unread == 0);
    assert_eq!(read.read.last_read, read.last_seq);
}

#[test]
fn messages_are_edited_deleted_reacted_and_quoted_like_a_sessions() {
    let mut ava = Team::sign_in(AVA);
    let mut ben = Team::sign_in(BEN);
    let room = ava.create("changes", ChannelKind::Public);
    ben.send(&TeamClientFrame::Join { channel: room.id.clone() });
    ben.channel_until("joined", |c| c.id == room.id && c.channel.is_member(&id("ben")));
    ava.open(&room.id, Seq(0));
    ben.open(&room.id, Seq(0));
    let first = ava.post(&room.id, "c1", "the kettle shipment is late");
    ben.message(&room.id, |m| m.seq == first.seq);
    ben.send(&TeamClientFrame::Send { channel: room.id.clone(), client_id: cid("c2"), text: "on it".into(), reply_to: Some(first.seq) });
    let reply = ava.message(&room.id, |m| m.client_id == Some(cid("c2")));
    assert_eq!(reply.reply_to.as_ref().map(|q| (q.seq, q.author.as_str())), Some((first.seq, "Ava")));
    ben.send(&TeamClientFrame::React { channel: room.id.clone(), seq: first.seq, emoji: Emoji::ThumbsUp, on: true });
    let reacted = ava.updated(&room.id, first.seq);
    assert_eq!(reacted.reactions.len(), 1);
    ben.send(&TeamClientFrame::Edit { channel: room.id.clone(), seq: first.seq, text: "mine now".into() });
    assert_eq!(ben.error().0, ErrorCode::Forbidden);
    let long = "x".repeat(porchlight_protocol::team::MAX_TEAM_MESSAGE_CHARS);
    ava.send(&TeamClientFrame::Edit { channel: room.id.clone(), seq: first.seq, text: long.clone() });
    let edited = ben.updated(&room.id, first.seq);
    assert!(edited.edited_at.is_some() && edited.text == long);
    ava.send(&TeamClientFrame::Send { channel: room.id.clone(), client_id: cid("c3"), text: format!("{long}y"), reply_to: None });
    assert_eq!(ava.error().0, ErrorCode::MessageTooLong);
    ben.send(&TeamClientFrame::Remove { channel: room.id.clone(), seq: reply.seq });
    assert!(ava.updated(&room.id, reply.seq).deleted);
    // A resend of a committed message is the same message, not a second one.
    ava.send(&TeamClientFrame::Send {
        channel: room.id.clone(),
        client_id: cid("c1"),
        text: "the kettle shipment is late".into(),
        reply_to: None,
    });
    ava.until("re-ack", |f| matches!(f, TeamFrame::Ack { seq, .. } if *seq == first.seq));
    // A resume brings back every change missed, in one history.
    let resumed = ben.open(&room.id, first.seq);
    assert!(resumed.iter().any(|m| m.seq == first.seq && m.text == long), "the edit of an older message comes back");
    assert!(resumed.iter().any(|m| m.seq == reply.seq && m.deleted));
    let (_, log) = channel_log(AVA, &room.id);
    assert_eq!(log.len(), 2);
    // Typing reaches the other console that has it open.
    ava.send(&TeamClientFrame::Typing { channel: room.id.clone(), typing: true });
    ben.until("typing", |f| matches!(f, TeamFrame::Typing { typing: true, .. }));
}

#[test]
fn slash_commands_answer_in_place() {
    let mut ava = Team::sign_in(AVA);
    let room = ava.create("commands", ChannelKind::Private);
    ava.open(&room.id, Seq(0));
    let run = |team: &mut Team, id: &str, text: &str| {
        team.send(&TeamClientFrame::Send { channel: room.id.clone(), client_id: cid(id), text: text.into(), reply_to: None });
    };
    run(&mut ava, "s1", "/help");
    match ava.until("help", |f| matches!(f, TeamFrame::Notice { .. })) {
        TeamFrame::Notice { text, .. } => assert!(text.contains("/mute") && text.contains("/invite"), "{text}"),
        _ => unreachable!(),
    }
    run(&mut ava, "s2", "/frobnicate now");
    match ava.until("unknown", |f| matches!(f, TeamFrame::Error { .. })) {
        TeamFrame::Error { code, message, client_id, .. } => {
            assert_eq!(code, ErrorCode::UnknownCommand);
            assert!(message.contains("/help"), "{message}");
            assert_eq!(client_id, Some(cid("s2")), "the error names the draft it refused");
        }
        _ => unreachable!(),
    }
    run(&mut ava, "s3", "/invite");
    assert_eq!(ava.error().0, ErrorCode::BadCommand);
    run(&mut ava, "s4", "/mute");
    ava.channel_until("muted", |c| c.id == room.id && c.read.muted);
    run(&mut ava, "s5", "/invite @ben");
    ava.channel_until("ben invited", |c| c.id == room.id && c.channel.is_member(&id("ben")));
    // None of it went into the log.
    assert!(channel_log(AVA, &room.id).1.is_empty());
}

#[test]
fn a_channel_delivers_exactly_once_in_order_through_a_faulty_network() {
    const PER: usize = 1000;
    let mut ava = Team::sign_in(AVA);
    let room = ava.create("delivery", ChannelKind::Private);
    ava.send(&TeamClientFrame::AddMember { channel: room.id.clone(), agent: id("ben") });
    ava.channel_until("ben added", |c| c.id == room.id && c.channel.is_member(&id("ben")));
    let seed = std::env::var("PORCHLIGHT_FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x7ea_2026);
    let faults = Faults { cut: 0.01, duplicate: 0.02, delay: 0.02, max_delay: Duration::from_millis(250) };
    let proxy = FaultProxy::start(edge().trim_start_matches("http://"), faults, seed);
    let client = |token: &str| {
        Resilient::new(&proxy.base, channel_path_at(SITE, &room.id), None, Side::Team { token: token.into(), channel: room.id.clone() })
    };
    let (mut a, mut b) = (client(AVA), client(BEN));
    let started = Instant::now();
    converse(&mut [(&mut a, "a"), (&mut b, "b")], PER, Duration::from_secs(300), |_| {});
    let took = started.elapsed();
    let (_, log) = channel_log(AVA, &room.id);
    let v = verify(&log, &[&a, &b]);
    report(
        "team channel delivery through the fault proxy",
        &[
            format!("seed {seed:#x}; faults per frame: cut {}, duplicate {}, delay {}", faults.cut, faults.duplicate, faults.delay),
            format!("messages written {} ({PER} each by two agents); committed {}; {:.1} s", 2 * PER, v.committed, took.as_secs_f64()),
            format!("proxy: {}", proxy.report()),
            format!("reconnects: {} and {}", a.reconnects, b.reconnects),
            format!("lost {}, duplicated {}, out of order {}", v.lost, v.duplicated, v.out_of_order),
        ],
    );
    assert!(v.notes.is_empty(), "{:#?}", v.notes);
    assert_eq!((v.committed, v.lost, v.duplicated, v.out_of_order), (2 * PER, 0, 0, 0));
}

#[test]
fn slash_ticket_opens_a_ticket_linked_to_the_channel_message() {
    let mut ava = Team::sign_in(AVA);
    let room = ava.create("returns", ChannelKind::Private);
    ava.open(&room.id, Seq(0));
    let about = ava.post(&room.id, "t1", "Jo's kettle arrived dented");
    let subject = unique("Dented kettle");
    let text = format!("/ticket {subject}");
    ava.send(&TeamClientFrame::Send { channel: room.id.clone(), client_id: cid("t2"), text, reply_to: Some(about.seq) });
    let line = ava.message(&room.id, |m| m.text.starts_with("Ticket #"));
    assert_eq!(line.author, porchlight_protocol::Author::System);
    let number: u64 = line.text["Ticket #".len()..].split(' ').next().and_then(|n| n.parse().ok()).expect("a ticket number");
    assert_eq!(line.text, format!("Ticket #{number} opened: {subject}"));
    // The desk lists it, linked to the channel message and to no session.
    let list = call("GET", &format!("/api/v1/sites/{SITE}/tickets"), Some(AVA), None);
    assert_eq!(list.status, 200, "{}", list.body);
    let listed = list.body["tickets"].as_array().expect("tickets").iter().find(|t| t["number"] == number).cloned().expect("listed");
    assert_eq!(listed["subject"], subject.as_str());
    assert_eq!(listed["source"], serde_json::json!({"team": {"channel": room.id.as_str(), "seq": about.seq.0}}));
    assert!(listed.get("session").is_none(), "{listed}");
    assert_eq!(listed["created_by"]["id"], "ava");
    let full = call("GET", &format!("/api/v1/sites/{SITE}/tickets/{number}"), Some(AVA), None);
    // Every agent reads tickets: one from a private channel copies neither
    // its name nor the message (Ben, no member, reads this one too).
    let seen_by_ben = call("GET", &format!("/api/v1/sites/{SITE}/tickets/{number}"), Some(BEN), None);
    for body in [&full.body, &seen_by_ben.body] {
        let d = body["description"].as_str().expect("a description");
        assert!(!d.contains("kettle arrived dented") && !d.contains("returns"), "{d}");
        assert!(d.contains("in a private conversation, by Ava"), "{d}");
    }
    // A reply to it is stored on the ticket (no conversation to post into).
    let reply = call("POST", &format!("/api/v1/sites/{SITE}/tickets/{number}/replies"), Some(AVA), Some(r#"{"text": "Replacement sent"}"#));
    assert_eq!(reply.status, 200, "{}", reply.body);
    // The log holds the message and the system line; the command itself is not stored.
    let (_, log) = channel_log(AVA, &room.id);
    assert_eq!(log.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), [about.text.as_str(), line.text.as_str()]);
    // In a channel they may not write to, nothing is opened.
    let mut ben = Team::sign_in(BEN);
    ben.send(&TeamClientFrame::Send { channel: room.id.clone(), client_id: cid("b1"), text: "/ticket sneaky".into(), reply_to: None });
    assert_eq!(ben.error().0, ErrorCode::NotFound);
}
