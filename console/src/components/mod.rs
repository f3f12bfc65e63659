//! One component per file.
pub mod chat;
pub mod queue;
pub mod signin;
pub mod team;
pub mod tickets;
