//! tend: a keyboard-driven customer-360 for Customer Success teams.

pub mod backend;
pub mod dataset;
pub mod domain;
pub mod sentiment;
pub mod sqlite;
