//! One component per file.
pub mod chat;
pub mod csat;
pub mod participants;
pub mod queue;
pub mod signin;
pub mod start;
pub mod team;
pub mod tickets;
