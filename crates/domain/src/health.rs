//! Health status bands as the rest of the product sees them.

use serde::{Deserialize, Serialize};

/// The band a health score falls in.
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
pub enum HealthStatus {
    AtRisk,
    Concerning,
    Healthy,
}

crate::named_enum!(HealthStatus {
    AtRisk => "at_risk",
    Concerning => "concerning",
    Healthy => "healthy",
});

impl HealthStatus {
    /// Human words for the band.
    pub fn label(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "healthy",
            HealthStatus::Concerning => "concerning",
            HealthStatus::AtRisk => "at risk",
        }
    }
}
