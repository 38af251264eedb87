//! The health engine: profiles, measures, the explained score, history and
//! transitions. Pure functions; the store calls them on every write that touches
//! an input and keeps the results (see `sqlite::health`).

mod alerts;
mod contact;
mod engine;
mod facts;
mod history;
mod measures;
mod profile;

pub use alerts::*;
pub use contact::*;
pub use engine::*;
pub use facts::*;
pub use history::*;
pub use measures::*;
pub use profile::*;

use std::path::Path;

/// What the store needs to score accounts: the profiles and the alerting rules.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthSetup {
    pub profiles: Profiles,
    pub transitions: TransitionRules,
    /// The rules beyond transitions (usage drop, renewal at risk, escalation).
    pub alerts: AlertRules,
    /// Whether accounts are scored at all: an organisation may switch health
    /// off (`[health] enabled = false`), and then no score is computed or kept.
    pub enabled: bool,
}

impl Default for HealthSetup {
    fn default() -> Self {
        HealthSetup {
            profiles: Profiles::bundled(),
            transitions: TransitionRules::default(),
            alerts: AlertRules::default(),
            enabled: true,
        }
    }
}

impl HealthSetup {
    /// The bundled profiles plus those of `profiles_file` (if any), and the rules.
    pub fn load(
        profiles_file: Option<&Path>,
        transitions: &[String],
        alerts: AlertRules,
    ) -> Result<HealthSetup, String> {
        let profiles = match profiles_file {
            None => Profiles::bundled(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                Profiles::bundled_with(&text, &path.display().to_string())
                    .map_err(|e| e.to_string())?
            }
        };
        Ok(HealthSetup {
            profiles,
            transitions: TransitionRules::parse(transitions)?,
            alerts,
            enabled: true,
        })
    }

    /// Changes when the profiles or the alert rules change (stored scores and the
    /// conditions the rules keep are then recomputed).
    pub fn fingerprint(&self) -> String {
        format!(
            "{};{}{}",
            self.profiles.fingerprint(),
            self.alerts.fingerprint(),
            if self.enabled { "" } else { ";off" }
        )
    }
}
