//! The views bar: the pages and the saved views (named filters shown as tabs).

pub mod draw;
pub mod state;
pub mod update;
