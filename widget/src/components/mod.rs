//! One component per file.
pub mod conversation;
pub mod prechat;
pub mod reader;
pub mod suggestions;
