//! The conversation itself through the real edge: edits, deletions, emoji
//! reactions and quote-replies reach every participant live, survive a
//! resume, respect who may do what, and stop when the session closes.

use porchlight_protocol::{
    AgentFrame, Author, Emoji, ErrorCode, Message, Participant, QueueClientFrame, QueueFrame, Seq, SessionFrame, Status, VisitorFrame,
};
use porchlight_tests::*;

/// Waits for the committed message with this text and returns it.
fn message_with(ws: &mut Ws, text: &str) -> Message {
    match ws.recv_until::<SessionFrame>(text, |f| matches!(f, SessionFrame::Message { message } if message.text == text)).0 {
        SessionFrame::Message { message } => message,
        _ => unreachable!(),
    }
}

/// Waits for an `updated` frame about `seq` that satisfies `pred`.
fn updated(ws: &mut Ws, seq: Seq, pred: impl Fn(&Message) -> bool) -> Message {
    let (frame, _) =
        ws.recv_until::<SessionFrame>("updated", |f| matches!(f, SessionFrame::Updated { message } if message.seq == seq && pred(message)));
    match frame {
        SessionFrame::Updated { message } => message,
        _ => unreachable!(),
    }
}

fn welcome_messages(frame: SessionFrame) -> Vec<Message> {
    match frame {
        SessionFrame::Welcome { messages, .. } => messages,
        other => panic!("expected welcome, got {other:?}"),
    }
}

#[test]
fn edits_deletions_reactions_and_replies_reach_everyone_and_survive_a_resume() {
    let Scene { name, mut queue, session, mut visitor, mut ava } = scene("Changes");
    ava.send(&AgentFrame::Accept);
    status_is(&mut visitor, Status::Active);
    let mut ben = Ws::agent_session(&session);
    ben.agent_hello(BEN);

    visitor.send(&VisitorFrame::send(client_id("v1"), "where is my ordr"));
    let typo = message_with(&mut visitor, "where is my ordr");
    for ws in [&mut ava, &mut ben] {
        message_with(ws, "where is my ordr");
    }
    let before_changes = typo.seq;

    // Edit: everyone sees the new text with the "(edited)" marker.
    visitor.send(&VisitorFrame::Edit { seq: typo.seq, text: "where is my order?".into() });
    for ws in [&mut visitor, &mut ava, &mut ben] {
        let m = updated(ws, typo.seq, |m| m.text == "where is my order?");
        assert!(m.edited_at.is_some(), "an edit is marked");
        assert!(m.changed.is_some_and(|c| c > typo.seq), "the change has its own place in the log");
    }

    // Quote-reply: the quote carries the edited text and its author.
    ava.send(&AgentFrame::Send { client_id: client_id("a1"), text: "It shipped yesterday.".into(), reply_to: Some(typo.seq) });
    let reply = message_with(&mut visitor, "It shipped yesterday.");
    let quote = reply.reply_to.clone().expect("the reply quotes");
    assert_eq!((quote.seq, quote.author.as_str(), quote.snippet.as_str()), (typo.seq, name.as_str(), "where is my order?"));
    message_with(&mut ben, "It shipped yesterday.");

    // Reactions from the visitor and a second agent, seen by all three.
    visitor.send(&VisitorFrame::React { seq: reply.seq, emoji: Emoji::ThumbsUp, on: true });
    ben.send(&AgentFrame::React { seq: reply.seq, emoji: Emoji::Heart, on: true });
    for ws in [&mut visitor, &mut ava, &mut ben] {
        let m = updated(ws, reply.seq, |m| m.reactions.len() == 2);
        assert_eq!(m.reactions[0].emoji, Emoji::ThumbsUp);
        assert_eq!(m.reactions[0].by, [Participant::Visitor]);
        assert!(matches!(&m.reactions[1].by[..], [Participant::Agent { id, .. }] if id.as_str() == "ben"));
    }
    // Taking a reaction back, and a repeated take-back, which changes nothing.
    ben.send(&AgentFrame::React { seq: reply.seq, emoji: Emoji::Heart, on: false });
    ben.send(&AgentFrame::React { seq: reply.seq, emoji: Emoji::Heart, on: false });
    updated(&mut visitor, reply.seq, |m| m.reactions.len() == 1);

    // Delete: the text disappears live everywhere.
    visitor.send(&VisitorFrame::send(client_id("v2"), "oops, wrong chat"));
    let oops = message_with(&mut visitor, "oops, wrong chat");
    message_with(&mut ava, "oops, wrong chat");
    visitor.send(&VisitorFrame::Delete { seq: oops.seq });
    for ws in [&mut visitor, &mut ava, &mut ben] {
        let m = updated(ws, oops.seq, |m| m.deleted);
        assert_eq!(m.text, "", "a deleted message keeps no text");
    }
    queue.queue_until(&name, |s| s.last_message.as_deref() == Some("It shipped yesterday."));
    // Search follows: a deleted message cannot be found, an edited one by its new text only.
    let found = |queue: &mut Ws, q: &str| -> bool {
        queue.send(&QueueClientFrame::Search { query: q.into() });
        match queue.recv_until::<QueueFrame>("found", |f| matches!(f, QueueFrame::Found { query, .. } if query == q)).0 {
            QueueFrame::Found { ids, .. } => ids.contains(&session.session_id),
            _ => unreachable!(),
        }
    };
    assert!(!found(&mut queue, "wrong chat"), "a deleted message is gone from search");
    assert!(!found(&mut queue, "my ordr"), "the text before an edit is gone from search");
    assert!(found(&mut queue, "my order?"), "the edited text is found");

    // Who may do what.
    ben.send(&AgentFrame::Edit { seq: reply.seq, text: "hijacked".into() });
    assert_eq!(error_of(&mut ben), ErrorCode::Forbidden, "only the author edits");
    visitor.send(&VisitorFrame::Delete { seq: reply.seq });
    assert_eq!(error_of(&mut visitor), ErrorCode::Forbidden, "only the author deletes");
    visitor.send(&VisitorFrame::Edit { seq: oops.seq, text: "back".into() });
    assert_eq!(error_of(&mut visitor), ErrorCode::NotFound, "a deleted message stays deleted");
    visitor.send(&VisitorFrame::React { seq: Seq(9_999), emoji: Emoji::Fire, on: true });
    assert_eq!(error_of(&mut visitor), ErrorCode::NotFound);
    visitor.send_text(r#"{"type":"react","seq":1,"emoji":"poop","on":true}"#);
    assert_eq!(error_of(&mut visitor), ErrorCode::BadFrame, "only the six reactions exist");
    visitor.send(&VisitorFrame::Send { client_id: client_id("v3"), text: "re".into(), reply_to: Some(oops.seq) });
    assert_eq!(error_of(&mut visitor), ErrorCode::NotFound, "a deleted message cannot be quoted");

    // Notes: agents react to them; the visitor can neither reach nor see them.
    ava.send(&AgentFrame::Note { client_id: client_id("n1"), text: "ships from the Leeds warehouse".into() });
    let note = message_with(&mut ben, "ships from the Leeds warehouse");
    visitor.send(&VisitorFrame::React { seq: note.seq, emoji: Emoji::Fire, on: true });
    assert_eq!(error_of(&mut visitor), ErrorCode::NotFound, "notes do not exist for the visitor");
    ben.send(&AgentFrame::React { seq: note.seq, emoji: Emoji::Fire, on: true });
    updated(&mut ava, note.seq, |m| m.reactions.len() == 1 && m.internal);

    // A visitor who was away since before the edit gets every change on resume.
    let mut back = Ws::visitor(&session);
    back.send(&VisitorFrame::Hello { token: session.token.clone(), last_seq: before_changes, identity: None });
    let resumed = welcome_messages(back.recv());
    let find = |seq: Seq| resumed.iter().find(|m| m.seq == seq).cloned();
    assert_eq!(find(typo.seq).map(|m| m.text), Some("where is my order?".into()), "the edit, though the message is older");
    assert_eq!(find(reply.seq).map(|m| m.reactions.len()), Some(1));
    assert_eq!(find(oops.seq).map(|m| (m.deleted, m.text)), Some((true, String::new())));
    assert!(find(note.seq).is_none(), "a note or its reactions never reach the visitor");
    // From scratch, the stored log holds the deleted message's place but not its text.
    let mut fresh = Ws::visitor(&session);
    let all = welcome_messages(fresh.visitor_hello(&session.token));
    assert!(all.iter().all(|m| !m.text.contains("wrong chat")));
    assert!(all.iter().all(|m| m.author != Author::System || m.reactions.is_empty()));

    // Closed: nothing changes any more.
    ava.send(&AgentFrame::Close);
    status_is(&mut visitor, Status::Closed);
    visitor.send(&VisitorFrame::Edit { seq: typo.seq, text: "too late".into() });
    assert_eq!(error_of(&mut visitor), ErrorCode::SessionClosed);
    ben.send(&AgentFrame::React { seq: reply.seq, emoji: Emoji::Fire, on: true });
    assert_eq!(error_of(&mut ben), ErrorCode::SessionClosed);
}
