//! Support cases, alerts and saved summaries.

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
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

crate::named_enum!(Priority { Urgent => "urgent", High => "high", Normal => "normal", Low => "low" });

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
pub enum CaseStatus {
    New,
    Open,
    Pending,
    Hold,
    Solved,
    Closed,
}

crate::named_enum!(CaseStatus {
    New => "new",
    Open => "open",
    Pending => "pending",
    Hold => "hold",
    Solved => "solved",
    Closed => "closed",
});

impl CaseStatus {
    /// Whether the case still needs work.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Solved | CaseStatus::Closed)
    }
}

/// A customer signal detected on a case.
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
pub enum Signal {
    NegativeSentiment,
    Frustration,
    Urgency,
    EscalationRequest,
}

crate::named_enum!(Signal {
    NegativeSentiment => "negative_sentiment",
    Frustration => "frustration",
    Urgency => "urgency",
    EscalationRequest => "escalation_request",
});

/// A support case (ticket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportCase {
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
    /// The case number in the ticketing system.
    pub number: String,
    pub subject: String,
    pub priority: Priority,
    /// 1 (critical) ..= 4 (minor).
    pub severity: u8,
    pub status: CaseStatus,
    #[serde(default)]
    pub escalated: bool,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub region: String,
    pub opened_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    pub signals: Vec<Signal>,
    /// Linked engineering issue (e.g. "ENG-1234").
    #[serde(default)]
    pub engineering_issue: Option<String>,
    /// Customer satisfaction 1..=5, when answered.
    #[serde(default)]
    pub csat: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Open,
    Snoozed,
    Done,
}

crate::named_enum!(AlertState { Open => "open", Snoozed => "snoozed", Done => "done" });

/// Something that needs a person's attention on an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Alert {
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
    /// The rule that raised it (e.g. "health_transition", "usage_drop").
    pub rule: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub message: String,
    pub state: AlertState,
    /// Until when a snoozed alert stays out of the inbox; once it has passed, the
    /// alert counts as open again.
    #[serde(default)]
    pub snoozed_until: Option<chrono::DateTime<chrono::Utc>>,
    /// A health transition's status before it.
    #[serde(default)]
    pub from_status: Option<HealthStatus>,
    /// A health transition's status after it.
    #[serde(default)]
    pub to_status: Option<HealthStatus>,
    /// The support case an escalation alert is about.
    #[serde(default)]
    pub case_id: Option<Id>,
}

impl Alert {
    /// The state the alert is in at `now`: a snoozed alert whose `snoozed_until`
    /// has passed is open again (as the inbox and `Backend::alerts` count it).
    pub fn state_at(&self, now: chrono::DateTime<chrono::Utc>) -> AlertState {
        match (self.state, self.snoozed_until) {
            (AlertState::Snoozed, Some(until)) if until <= now => AlertState::Open,
            (state, _) => state,
        }
    }
}

/// One titled section of an account summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummarySection {
    pub title: String,
    pub body: String,
    /// The section's statements, each with the records it rests on (the body is
    /// their text, one per line).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<Statement>,
    /// What the section left out ("from 2026-06-01: the most recent 50
    /// interactions"), or why it says nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One sentence of a summary and the records it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub text: String,
    #[serde(default)]
    pub citations: Vec<Citation>,
}

/// A record a statement rests on.
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
#[serde(deny_unknown_fields)]
pub struct Citation {
    pub kind: EntityKind,
    pub id: Id,
}

/// A saved account summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
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
    pub generated_at: chrono::DateTime<chrono::Utc>,
    /// Who saved it.
    #[serde(default)]
    pub author: String,
    pub sections: Vec<SummarySection>,
}
