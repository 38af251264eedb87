//! What callers ask the backend for: queries with their filters, sorts and pages.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use tend_domain::*;

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match in all.
    pub total: u64,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// Offset and size of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            offset: 0,
            limit: 50,
        }
    }
}

impl PageRequest {
    /// The largest page a caller may ask for.
    pub const MAX_LIMIT: u32 = 10_000;
}

/// Columns the portfolio sorts on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PortfolioSort {
    /// Riskiest first by default (ascending score, accounts without a score last).
    #[default]
    Health,
    Mrr,
    Renewal,
    Name,
    Owner,
    Stage,
    Trend,
}

tend_domain::named_enum!(PortfolioSort {
    Health => "health",
    Mrr => "mrr",
    Renewal => "renewal",
    Name => "name",
    Owner => "owner",
    Stage => "stage",
    Trend => "trend",
});

/// The longest search text taken (`q`, `--search`, the interactions' full-text
/// search), in characters; longer is refused as invalid, naming the limit.
pub const MAX_SEARCH_CHARS: usize = 500;

/// Refuses a search text over [`MAX_SEARCH_CHARS`], as invalid `field`.
pub fn check_search(field: &str, text: Option<&str>) -> crate::Result<()> {
    match text.map(|t| t.chars().count()) {
        Some(n) if n > MAX_SEARCH_CHARS => Err(crate::Error::invalid(
            field,
            format!("a search is at most {MAX_SEARCH_CHARS} characters (this one has {n})"),
        )),
        _ => Ok(()),
    }
}

/// Filters on account fields; every set field must match.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AccountFilter {
    /// Case-insensitive substring of the name or the domain.
    pub text: Option<String>,
    pub owner: Option<String>,
    pub stage: Option<Stage>,
    pub segment: Option<String>,
    pub region: Option<String>,
    pub tag: Option<String>,
    pub status: Option<HealthStatus>,
    pub parent_id: Option<Id>,
    /// Leave churned accounts out.
    pub exclude_churned: bool,
    /// An expression of the filter language (`health<40 region:EMEA -stage:churned`);
    /// on the cases list it may test case fields too. See `tend_engines::filter`.
    pub expr: Option<String>,
    /// Who `@me` in `expr` is.
    pub me: Option<String>,
}

/// The portfolio listing request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PortfolioQuery {
    pub filter: AccountFilter,
    pub sort: PortfolioSort,
    /// Reverse the natural order of the sort key.
    pub descending: bool,
    pub page: PageRequest,
}

/// Interactions of one account, or across accounts.
///
/// Per account they come newest first; a full-text search across all accounts
/// comes newest-recorded first (by id), which the index serves without sorting.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct InteractionQuery {
    pub account_id: Option<Id>,
    pub kind: Option<InteractionKind>,
    pub direction: Option<Direction>,
    pub contact_id: Option<Id>,
    /// Interaction tag (bug, business_review...).
    pub tag: Option<String>,
    /// Role tag of an involved contact (champion, sponsor...).
    pub contact_role: Option<String>,
    /// Full-text keywords over subject and body.
    pub text: Option<String>,
    pub page: PageRequest,
}

/// Size of a usage bucket.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    #[default]
    Day,
    Week,
    Month,
}

tend_domain::named_enum!(Bucket { Day => "day", Week => "week", Month => "month" });

/// Usage of one account over a range of days (both ends included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub bucket: Bucket,
}

impl UsageQuery {
    /// The most buckets one query may span (27 years of days).
    pub const MAX_BUCKETS: usize = 10_000;
}

/// One bucket of usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsageBucket {
    /// First day of the bucket (Monday for weeks, the 1st for months).
    pub start: NaiveDate,
    pub connections: u64,
    pub minutes: u64,
    /// Distinct users with at least one connection in the bucket.
    pub active_users: u32,
}

/// Tasks, across accounts or of one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TaskQuery {
    pub account_id: Option<Id>,
    pub status: Option<TaskStatus>,
    pub assignee: Option<String>,
    pub project_id: Option<Id>,
    /// Only tasks due on or before this day.
    pub due_before: Option<NaiveDate>,
    /// Some(true): only open tasks (to do or doing); Some(false): only closed (done).
    pub open: Option<bool>,
    /// Only tasks due in this window of the store's today.
    pub due: Option<DueWindow>,
    /// Only tasks of this type.
    pub kind: Option<TaskKind>,
    /// Only the tasks of this alert (its alert tasks).
    pub alert_id: Option<Id>,
}

/// When a task is due, from today: overdue (before today and not done), this
/// week (today to Sunday), later (after this Sunday), none (no due date). A done
/// task due before today is in none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueWindow {
    Overdue,
    ThisWeek,
    Later,
    None,
}

tend_domain::named_enum!(DueWindow {
    Overdue => "overdue",
    ThisWeek => "this_week",
    Later => "later",
    None => "none",
});

impl DueWindow {
    /// The window a task falls in on `today`.
    pub fn of(task: &Task, today: NaiveDate) -> Option<DueWindow> {
        match task.due {
            None => Some(DueWindow::None),
            Some(d) if d < today && task.status != TaskStatus::Done => Some(DueWindow::Overdue),
            Some(d) if d < today => None,
            Some(d) if d <= week_end(today) => Some(DueWindow::ThisWeek),
            Some(_) => Some(DueWindow::Later),
        }
    }
}

/// The Sunday that ends the week of `today`.
pub fn week_end(today: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let left = 6 - i64::from(today.weekday().num_days_from_monday());
    today + chrono::TimeDelta::days(left)
}

/// Columns the cases list sorts on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CaseSort {
    /// Most urgent first.
    #[default]
    Priority,
    Opened,
    AccountHealth,
    Status,
}

tend_domain::named_enum!(CaseSort {
    Priority => "priority",
    Opened => "opened",
    AccountHealth => "account_health",
    Status => "status",
});

/// Support cases across accounts, filtered by case and account fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CaseQuery {
    pub account_id: Option<Id>,
    pub account: AccountFilter,
    /// Accounts whose health score is below this.
    pub health_below: Option<f64>,
    pub priority: Option<Priority>,
    pub status: Option<CaseStatus>,
    /// Only cases not solved or closed.
    pub open_only: bool,
    pub escalated: Option<bool>,
    pub team: Option<String>,
    pub region: Option<String>,
    pub signal: Option<Signal>,
    pub sort: CaseSort,
    pub descending: bool,
    pub page: PageRequest,
}

/// Alerts, across accounts or of one. `state: Open` includes the snoozed alerts
/// whose `snoozed_until` has passed; a page of limit 0 answers the count alone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AlertQuery {
    pub account_id: Option<Id>,
    pub state: Option<AlertState>,
    /// Only the alerts of this rule (`health_transition`, `usage_drop`...).
    pub rule: Option<String>,
    /// Only the alerts raised at or after this instant.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Leave out the alerts of churned accounts.
    pub exclude_churned: bool,
    pub page: PageRequest,
}
