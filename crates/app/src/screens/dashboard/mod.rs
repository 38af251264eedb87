//! The dashboard: health, renewals, MRR at risk, the week's transitions, drags.

pub mod draw;
pub mod state;
pub mod update;
