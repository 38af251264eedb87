//! Every support case across accounts: filtered in the store, grouped, sorted.

pub mod draw;
pub mod state;
pub mod update;
