//! The portfolio: every account by risk, the fuzzy filter (`/`), the filter bar
//! (`F`), sorting and churned accounts.

pub mod draw;
pub mod state;
pub mod update;
