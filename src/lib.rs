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
