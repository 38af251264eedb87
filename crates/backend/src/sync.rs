//! Loading records from source systems: the options and the report (the loading
//! itself is the store's, `sqlite::Store::sync_blocking`).

use serde::{Deserialize, Serialize};
use tend_domain::{EntityKind, Id};
use tend_engines::sources::SourceProblem;

/// Which side wins when a record was edited in tend since its source last wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Prefer {
    /// The source's values replace tend's.
    Source,
    /// tend's record is left as it is.
    Tend,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncOptions {
    /// Conflicts: `None` refuses the load and lists them.
    pub prefer: Option<Prefer>,
    /// Say what would be done; write nothing.
    pub dry_run: bool,
}

/// What a load did, or would do.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    pub dry_run: bool,
    /// Whether anything was written (no problem, no undecided conflict, not a dry run).
    pub written: bool,
    pub kinds: Vec<KindCounts>,
    pub conflicts: Vec<SyncConflict>,
    /// What could not be loaded, each with its place: nothing was written.
    pub problems: Vec<SourceProblem>,
    /// Columns of the files that no field takes.
    pub unused_columns: Vec<String>,
    /// What was left out, each with its place and why: a record whose account no
    /// source id, domain or email finds (never invented), an internal meeting.
    pub skipped: Vec<SourceProblem>,
    /// Product events counted into usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageCounts>,
}

/// Product events loaded into usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageCounts {
    /// Events counted now.
    pub events: u64,
    /// Events counted before (loaded again), left out.
    pub duplicates: u64,
    /// Events whose account nothing finds, left out.
    pub unmatched: u64,
    /// Usage rows (per user and day) written.
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindCounts {
    pub kind: EntityKind,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub conflicts: u64,
}

/// A record edited in tend since its source last wrote it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncConflict {
    pub place: String,
    pub kind: EntityKind,
    pub id: Id,
    pub external_id: String,
    /// The fields the source would change.
    pub fields: Vec<String>,
    /// `source`, `tend`, or `undecided` (without `--prefer`).
    pub kept: String,
}
