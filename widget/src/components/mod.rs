//! One component per file.
pub mod conversation;
pub mod history;
pub mod offline;
pub mod prechat;
pub mod rating;
pub mod reader;
pub mod suggestions;
pub mod transcript;
