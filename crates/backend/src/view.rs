//! What the backend answers with beyond plain records: portfolio rows and the 360.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use tend_domain::*;

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
    /// The nearest renewal notice date of the active contracts, each by its newest term.
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
    /// Saved summaries, the latest first.
    pub summaries: Vec<Summary>,
    /// Success plans, the latest started first.
    #[serde(default)]
    pub plans: Vec<SuccessPlan>,
    /// Objectives by due date.
    #[serde(default)]
    pub objectives: Vec<Objective>,
    /// KPIs by objective.
    #[serde(default)]
    pub kpis: Vec<Kpi>,
    /// Business challenges, open ones first.
    #[serde(default)]
    pub challenges: Vec<BusinessChallenge>,
    /// Invoices, the latest issued first.
    #[serde(default)]
    pub invoices: Vec<Invoice>,
    /// Payments, the latest first.
    #[serde(default)]
    pub payments: Vec<Payment>,
    /// A health indicator per contact, in the order of `contacts` (see
    /// `tend_engines::health::contacts_health`).
    #[serde(default)]
    pub contact_health: Vec<tend_engines::health::ContactHealth>,
    /// The roll-up of the group this account heads (its MRR, worst subsidiary
    /// health, subsidiaries' renewals); None when it has no subsidiaries.
    #[serde(default)]
    pub group: Option<tend_engines::hierarchy::GroupRollup>,
}

impl Account360 {
    pub const INTERACTIONS: u32 = 500;
    pub const USAGE_DAYS: i64 = 400;
}

/// An account's health: the explained score now, the profile in force, and the
/// weekly and monthly history (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HealthReport {
    pub explanation: tend_engines::health::Explanation,
    pub profile: tend_engines::health::Profile,
    pub weekly: Vec<tend_engines::health::Snapshot>,
    pub monthly: Vec<tend_engines::health::Snapshot>,
}

/// What a recompute did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecomputeReport {
    pub accounts: u64,
    /// Status changes that raised an alert.
    pub transitions: u64,
    /// Alerts the other rules raised (usage drop, renewal at risk, escalation).
    #[serde(default)]
    pub alerts: u64,
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

/// The portfolio at a glance (`Backend::dashboard`). Every tile carries the filter
/// expression (see `tend_engines::filter`) that lists exactly the accounts it counts, so a
/// front end can open the portfolio on them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// The instant the answer was computed at.
    pub as_of: chrono::DateTime<chrono::Utc>,
    /// Every account by health status: at risk, concerning, healthy, then the
    /// accounts without a score (status None).
    pub health: Vec<StatusTile>,
    /// Health transitions of the current week.
    pub transitions: Transitions,
    /// Accounts whose renewal notice date comes before today +
    /// [`Dashboard::RENEWAL_DAYS`], by health status as in `health`.
    pub renewals: Vec<StatusTile>,
    /// The MRR of the accounts at risk.
    pub mrr_at_risk: StatusTile,
    /// The MRR of the concerning accounts.
    pub mrr_concerning: StatusTile,
    /// The measures that are the biggest drag of the most accounts, most first (at
    /// most [`Dashboard::DRAGS`]).
    pub drags: Vec<DragTile>,
}

impl Dashboard {
    /// How far ahead the renewals tile looks, in days.
    pub const RENEWAL_DAYS: u32 = 90;
    /// How many drags the dashboard lists.
    pub const DRAGS: usize = 5;
}

/// Accounts of one health status (None: no score) and their MRR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusTile {
    pub status: Option<HealthStatus>,
    pub accounts: u64,
    /// Sum of their MRR today.
    pub mrr_cents: Cents,
    /// The filter expression that lists these accounts (`health:at_risk`).
    pub filter: String,
}

/// The health transitions of the current ISO week (Monday to Sunday, UTC): the
/// `health_transition` alerts dated in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transitions {
    /// The Monday the week starts on.
    pub week_start: NaiveDate,
    pub total: u64,
    /// Counts per (from, to), most first. Alerts that do not record their statuses
    /// (imported ones) are counted under None.
    pub pairs: Vec<TransitionCount>,
}

/// How many accounts went from one status to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransitionCount {
    pub from: Option<HealthStatus>,
    pub to: Option<HealthStatus>,
    pub count: u64,
}

/// A measure that is the biggest drag on the score of some accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DragTile {
    pub measure: tend_engines::health::Measure,
    /// The measure in words ("days since last touch").
    pub label: String,
    /// How many accounts it drags most.
    pub accounts: u64,
    /// The filter expression that lists them (`drag:days_since_touch`).
    pub filter: String,
}
