//! What the backend answers with beyond plain records: portfolio rows and the 360.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::*;

/// One line of the portfolio: the account and what the store derives for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountRow {
    pub id: Id,
    pub name: String,
    pub domain: Option<String>,
    pub parent_id: Option<Id>,
    pub stage: Stage,
    pub segment: String,
    pub region: String,
    pub owner: String,
    pub tags: Vec<String>,
    /// Sum of the MRR of agreements active today.
    pub mrr_cents: Cents,
    /// The nearest notice date of the active agreements.
    pub renewal: Option<NaiveDate>,
    pub health_score: Option<f64>,
    pub health_status: Option<HealthStatus>,
    /// Score change against the previous weekly snapshot.
    pub health_trend: Option<f64>,
    pub churn_likelihood: ChurnLikelihood,
}

/// Enough of an account to name it and link to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountBrief {
    pub id: Id,
    pub name: String,
    pub health_score: Option<f64>,
    pub health_status: Option<HealthStatus>,
}

/// A support case with the account fields the cases view shows next to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseRow {
    pub case: SupportCase,
    pub account_name: String,
    pub account_health_score: Option<f64>,
    pub account_health_status: Option<HealthStatus>,
}

/// Everything the account tabs need, in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Account360 {
    /// The instant the answer was computed at (for "updated N ago").
    pub as_of: chrono::DateTime<chrono::Utc>,
    pub account: Account,
    pub row: AccountRow,
    pub parent: Option<AccountBrief>,
    pub children: Vec<AccountBrief>,
    pub contacts: Vec<Contact>,
    /// The most recent interactions, newest first (at most [`Account360::INTERACTIONS`]).
    pub interactions: Vec<Interaction>,
    /// Daily usage rows of the last [`Account360::USAGE_DAYS`] days.
    pub usage: Vec<UsageDay>,
    pub agreements: Vec<Agreement>,
    pub opportunities: Vec<Opportunity>,
    pub projects: Vec<Project>,
    pub tasks: Vec<Task>,
    pub playbook_runs: Vec<PlaybookRun>,
    /// The playbooks the runs refer to.
    pub playbooks: Vec<Playbook>,
    pub cases: Vec<SupportCase>,
    pub nps: Vec<NpsResponse>,
    pub documents: Vec<Document>,
    pub alerts: Vec<Alert>,
    pub summaries: Vec<Summary>,
}

impl Account360 {
    pub const INTERACTIONS: u32 = 500;
    pub const USAGE_DAYS: i64 = 400;
}

/// An account's health: the explained score now, the profile in force, and the
/// weekly and monthly history (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HealthReport {
    pub explanation: crate::health::Explanation,
    pub profile: crate::health::Profile,
    pub weekly: Vec<crate::health::Snapshot>,
    pub monthly: Vec<crate::health::Snapshot>,
}

/// What a recompute did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecomputeReport {
    pub accounts: u64,
    /// Status changes that raised an alert.
    pub transitions: u64,
}

/// One write of a batch ([`Backend::apply`](super::Backend::apply)).
// Writes travel by value a few at a time; boxing each record would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Write {
    Create {
        record: Record,
    },
    Update {
        record: Record,
    },
    Delete {
        kind: EntityKind,
        id: Id,
        version: i64,
    },
}
