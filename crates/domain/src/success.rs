//! Success planning: success plans, their objectives, the KPIs that measure each
//! objective, and the customer's business challenges.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::account::first_version;
use super::*;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Active,
    Completed,
    Cancelled,
}

crate::named_enum!(PlanStatus {
    Draft => "draft",
    Active => "active",
    Completed => "completed",
    Cancelled => "cancelled",
});

/// A success plan: what the customer wants to reach with us, over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuccessPlan {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    pub name: String,
    pub status: PlanStatus,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub start: Option<NaiveDate>,
    #[serde(default)]
    pub end: Option<NaiveDate>,
    #[serde(default)]
    pub description: String,
}

/// One objective of a success plan (or of the account, without a plan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    /// The success plan it belongs to.
    #[serde(default)]
    pub plan_id: Option<Id>,
    pub name: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due: Option<NaiveDate>,
    /// When it was reached (None while it is not).
    #[serde(default)]
    pub completed_on: Option<NaiveDate>,
    #[serde(default)]
    pub description: String,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum KpiStatus {
    NotStarted,
    OnTrack,
    OffTrack,
    Blocked,
    Completed,
}

crate::named_enum!(KpiStatus {
    NotStarted => "not_started",
    OnTrack => "on_track",
    OffTrack => "off_track",
    Blocked => "blocked",
    Completed => "completed",
});

/// A measure of an objective: where it started, where it is, where it should get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    pub objective_id: Id,
    pub name: String,
    /// What the value is counted in ("%", "hours", "tickets"...).
    #[serde(default)]
    pub unit: String,
    /// The value when the objective was set.
    #[serde(default)]
    pub baseline: f64,
    pub target: f64,
    pub current: f64,
    pub status: KpiStatus,
    /// When `current` was last measured.
    #[serde(default)]
    pub measured_on: Option<NaiveDate>,
}

impl Kpi {
    /// How far from baseline to target the current value is, 0..=1 (None when the
    /// target equals the baseline). Works for KPIs that must go down as well as up.
    pub fn progress(&self) -> Option<f64> {
        let span = self.target - self.baseline;
        if span.abs() < f64::EPSILON || !span.is_finite() {
            return None;
        }
        Some(((self.current - self.baseline) / span).clamp(0.0, 1.0))
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

crate::named_enum!(Severity { Low => "low", Medium => "medium", High => "high" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeStatus {
    Open,
    Addressed,
}

crate::named_enum!(ChallengeStatus { Open => "open", Addressed => "addressed" });

/// A problem the customer's business faces that we can help with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessChallenge {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    /// The success plan that addresses it.
    #[serde(default)]
    pub plan_id: Option<Id>,
    pub title: String,
    pub severity: Severity,
    pub status: ChallengeStatus,
    #[serde(default)]
    pub raised_on: Option<NaiveDate>,
    #[serde(default)]
    pub description: String,
}
