//! The health engine: profiles, measures, the explained score, history and
//! transitions. Pure functions; the store calls them on every write that touches
//! an input and keeps the results (see `sqlite::health`).

mod engine;
mod facts;
mod history;
mod measures;
mod profile;

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
}

impl Default for HealthSetup {
    fn default() -> Self {
        HealthSetup {
            profiles: Profiles::bundled(),
            transitions: TransitionRules::default(),
        }
    }
}

impl HealthSetup {
    /// The bundled profiles plus those of `profiles_file` (if any), and the rules.
    pub fn load(
        profiles_file: Option<&Path>,
        transitions: &[String],
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
        })
    }

    /// Changes when the profiles change (stored scores are then recomputed).
    pub fn fingerprint(&self) -> String {
        self.profiles.fingerprint()
    }
}
