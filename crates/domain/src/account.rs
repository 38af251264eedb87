//! Accounts and their people.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::*;

/// Life-cycle stage of an account.
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
pub enum Stage {
    Onboarding,
    Adoption,
    Expansion,
    Renewal,
    Churned,
}

crate::named_enum!(Stage {
    Onboarding => "onboarding",
    Adoption => "adoption",
    Expansion => "expansion",
    Renewal => "renewal",
    Churned => "churned",
});

/// A customer account (a company, or a subsidiary of a group through `parent_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub domain: Option<String>,
    /// The group this account belongs to (subsidiary -> group).
    #[serde(default)]
    pub parent_id: Option<Id>,
    pub stage: Stage,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The account owner (a user name).
    #[serde(default)]
    pub owner: String,
    /// People who work on the account without owning it.
    #[serde(default)]
    pub team: Vec<String>,
    /// Health profile set on the account; None means "chosen by segment or stage".
    #[serde(default)]
    pub health_profile: Option<String>,
    #[serde(default)]
    pub goals_profile: Option<String>,
    /// Free text blocks of macro information.
    #[serde(default)]
    pub focus_areas: Vec<String>,
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
    #[serde(default)]
    pub churn: ChurnForecast,
    /// The CSM's own rating of the relationship.
    #[serde(default)]
    pub pulse: Option<Pulse>,
}

pub(crate) fn first_version() -> i64 {
    1
}

/// How likely an account is to churn.
/// Ordered from the least to the most likely.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChurnLikelihood {
    #[default]
    None,
    AtRisk,
    Confirmed,
}

crate::named_enum!(ChurnLikelihood { None => "none", AtRisk => "at_risk", Confirmed => "confirmed" });

/// Churn forecast fields (likelihood, a three-level reason, projected date, description).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChurnForecast {
    #[serde(default)]
    pub likelihood: ChurnLikelihood,
    #[serde(default)]
    pub reason_category: Option<String>,
    #[serde(default)]
    pub reason_subcategory: Option<String>,
    #[serde(default)]
    pub reason_details: Option<String>,
    #[serde(default)]
    pub projected_date: Option<NaiveDate>,
    #[serde(default)]
    pub description: Option<String>,
}

/// The CSM's manual rating (1 = very bad .. 5 = very good) and when it was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pulse {
    pub rating: u8,
    pub at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub by: String,
}

/// Whether a person is a CRM contact or a user of the product.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    #[default]
    Crm,
    User,
}

crate::named_enum!(ContactKind { Crm => "crm", User => "user" });

/// A person at a customer account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
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
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    /// Role tags: champion, sponsor, decision_maker, ...
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub kind: ContactKind,
}

impl Contact {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.eq_ignore_ascii_case(role))
    }
}
