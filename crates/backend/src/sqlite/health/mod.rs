//! Keeping health scores: loading an account's inputs, scoring it, storing the score
//! with its weekly and monthly snapshots, and raising transition alerts.
//!
//! Within: `inputs` reads what the engine scores; `snapshots` writes and reads the
//! snapshots (and explains a score, over `inputs`); `alerts` raises alerts;
//! `scores` stores a score over what is stored (over `snapshots` and `alerts`);
//! `recompute` rescores one account or all of them (over all of the above).

mod alerts;
mod inputs;
mod recompute;
mod scores;
mod snapshots;

pub(crate) use recompute::{
    Backfill, Prescore, Prescored, drop_elsewhere, preview, recompute_account, recompute_all,
    recompute_all_from, store_all, store_preview,
};
pub(crate) use snapshots::{report, snapshots};
