//! One component per file.
pub mod conversation;
pub mod prechat;
