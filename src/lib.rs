//! tend: a keyboard-driven customer-360 for Customer Success teams.

pub mod api;
pub mod backend;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod dataset;
pub mod domain;
pub mod filter;
pub mod format;
pub mod generate;
pub mod health;
pub mod remote;
pub mod sentiment;
pub mod server;
pub mod sqlite;
pub mod tui;

/// Scoring and loading allocate millions of small records across threads; the
/// system allocator spent a tenth of a generation's time in its own bookkeeping.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
