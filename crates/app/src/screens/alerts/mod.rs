//! The alerts inbox: open, snoozed, done.

pub mod draw;
pub mod state;
pub mod update;
