//! What happens with an account: interactions, product usage, NPS.

use std::collections::BTreeMap;

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
pub enum InteractionKind {
    Email,
    Meeting,
    Call,
    Note,
    Ticket,
    CrmEvent,
}

crate::named_enum!(InteractionKind {
    Email => "email",
    Meeting => "meeting",
    Call => "call",
    Note => "note",
    Ticket => "ticket",
    CrmEvent => "crm_event",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the customer to us.
    In,
    /// From us to the customer (or internal, for notes).
    Out,
}

crate::named_enum!(Direction { In => "in", Out => "out" });

/// Who set a sentiment: the automatic scorer or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SentimentSource {
    Ai,
    Manual,
}

crate::named_enum!(SentimentSource { Ai => "ai", Manual => "manual" });

/// The sentiment of an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sentiment {
    /// -1 (very negative) .. 1 (very positive).
    pub score: f64,
    pub label: SentimentLabel,
    pub source: SentimentSource,
}

impl Sentiment {
    /// "negative -0.92 (automatic)", "positive +0.60 (manual)".
    pub fn summary(&self) -> String {
        let source = match self.source {
            SentimentSource::Ai => "automatic",
            SentimentSource::Manual => "manual",
        };
        format!("{} {:+.2} ({source})", self.label, self.score)
    }
}

/// An email, meeting, call, note, ticket or CRM event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Interaction {
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
    pub kind: InteractionKind,
    pub direction: Direction,
    /// When it happened.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Contacts involved.
    #[serde(default)]
    pub contact_ids: Vec<Id>,
    /// The user of ours who took part (for "last user touch").
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// Interaction tags: bug, business_review, ...
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub sentiment: Option<Sentiment>,
    #[serde(default)]
    pub excluded_from_score: bool,
    /// For outgoing emails: whether the customer replied.
    #[serde(default)]
    pub answered: bool,
}

/// One product user's (or an account's anonymous) usage on one day.
///
/// Usage rows are facts appended by the product, not edited records: they carry no
/// version and are not in the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageDay {
    pub account_id: Id,
    #[serde(default)]
    pub contact_id: Option<Id>,
    pub day: NaiveDate,
    /// Connections (sessions) that day.
    pub connections: u32,
    #[serde(default)]
    pub minutes: u32,
    /// Events per feature or module.
    #[serde(default)]
    pub features: BTreeMap<String, u32>,
}

/// An NPS answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NpsResponse {
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
    #[serde(default)]
    pub contact_id: Option<Id>,
    /// 0..=10.
    pub score: u8,
    #[serde(default)]
    pub comment: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl NpsResponse {
    pub fn is_promoter(&self) -> bool {
        self.score >= 9
    }
    pub fn is_detractor(&self) -> bool {
        self.score <= 6
    }
}
