//! The portfolio: every account by risk, the fuzzy filter (`/`), the filter bar
//! (`F`), sorting, churned accounts and the column sets (`c`).

pub mod columns;
pub mod draw;
pub mod state;
pub mod update;
