//! Porchlight's shared vocabulary.
//!
//! Everything here is pure: no I/O, no clocks, no randomness. The edge (on
//! Workers), the widget and the console (in browsers) and the tests (native)
//! all compile this crate, so a frame means exactly the same thing everywhere.
//!
//! - [`ids`]: newtype identifiers, so a session id can never be passed where a
//!   site id is expected.
//! - [`frames`]: every WebSocket frame and HTTP body, one enum per direction.
//! - [`session`]: the session state machine (BOT → WAITING → ACTIVE → CLOSED), who may do what.
//! - [`change`]: edits, deletions and reactions: who may make them and what they do.
//! - [`record`]: a session as its Durable Object keeps it; summary, view and counters.
//! - [`codec`]: decoding untrusted frames and bodies (size first, errors as values).
//! - [`internal`]: bodies of the routes between Durable Objects.
//! - [`validate`]: limits on everything a user can type.
//! - [`data`]: a visitor's data as exported or erased, and retention.
//! - [`identity`]: verified identity (HS256 JWTs from the site's backend), HMAC-SHA256.
//! - [`attachment`]: files in messages: the type sniffed from the bytes, whole or not, size limits.
//! - [`appearance`]: launcher placement and label, header, colour scheme, text on the accent, avatars.
//! - [`hours`]: business hours in a site's time zone: open at an instant, next opening.
//! - [`i18n`]: the widget's words in en, es, fr, de and ar: one table per language, `Lang`, `dir`.
//! - [`site`]: a site's configuration and the origin allowlist check.
//! - [`participants`]: external people (a courier) by a one-time link: invite, exchange, credential, removal.
//! - [`staff`]: conversations the staff start: site API keys, the start route's body.
//! - [`team`]: team chat: channels, who may do what, unread and mute, mentions, slash commands.
//! - [`notice`]: system lines as data (a kind and its names), worded per reader and language.
//! - [`ticket`]: helpdesk tickets made from sessions (subject, transcript as description).
//! - [`webhook`]: the events the edge POSTs to a site's endpoints, and their retry schedule.
//! - [`limits`]: abuse limits (token buckets) and their per-site numbers.
//! - [`order_card`]: system events from a site's backend: lines and order cards updated in place.
//! - [`links`]: the `http`/`https` links in a message's text, for clients to make clickable.
//! - [`csat`]: the visitor's rating of a closed conversation, and the 7/30-day figures.
//! - [`colors`]: the text colour that reads on a site's accent (WCAG luminance).
//! - [`announce`]: the line a screen reader hears for a new message ("Ava: text").
//! - [`transcript`]: a participant's merge of session frames (dedup, order, outbox).

pub mod announce;
pub mod appearance;
pub mod attachment;
pub mod change;
pub mod clock;
pub mod codec;
pub mod colors;
pub mod csat;
pub mod data;
pub mod frames;
pub mod hours;
pub mod i18n;
pub mod identity;
pub mod ids;
pub mod inbox;
pub mod internal;
pub mod limits;
pub mod links;
pub mod notice;
pub mod order_card;
pub mod participants;
pub mod record;
pub mod session;
pub mod site;
pub mod staff;
pub mod team;
pub mod ticket;
pub mod transcript;
pub mod validate;
pub mod webhook;

pub use frames::*;
pub use ids::*;
pub use session::{AgentRef, ClosedBy, SessionError, SessionState, Status};
