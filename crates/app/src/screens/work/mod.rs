//! My work: what waits on the user across accounts (playbook steps waiting on
//! them, tasks due, open alerts, unanswered emails), most urgent first, with the
//! keys that settle each.

pub mod draw;
pub mod state;
pub mod update;
