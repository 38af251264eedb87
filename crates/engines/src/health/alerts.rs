//! The alert rules beyond health transitions: a drop in usage, a renewal coming up
//! while the account is at risk, an escalated support case. Pure: the store says
//! what it knows, these say whether and what to alert.
//!
//! Usage drops and renewals at risk are conditions that hold for a while: they
//! alert when they start to hold (the store keeps which held at the last score),
//! not again on every rescoring while they last. An escalation alerts once per
//! case. No rule raises a second alert on an account while one of the same rule is
//! open or snoozed there.

use serde::{Deserialize, Serialize};

use super::engine::Quick;
use tend_domain::*;

/// The rule name of usage-drop alerts.
pub const USAGE_DROP_RULE: &str = "usage_drop";
/// The rule name of renewal-at-risk alerts.
pub const RENEWAL_RULE: &str = "renewal_at_risk";
/// The rule name of escalation alerts.
pub const ESCALATION_RULE: &str = "escalation";

/// Which rules alert, and their thresholds (`[alerts]` in the config). A rule at
/// 0 (or false) is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRules {
    /// Connections over the last 30 days fell by more than this % against the 30
    /// days before.
    pub usage_drop_percent: u32,
    /// ...and the 30 days before had at least this many connections: a fall from
    /// a handful ("6 → 1") is noise, not news a CSM acts on.
    #[serde(default)]
    pub usage_drop_min_connections: u32,
    /// The renewal notice date is within this many days while the account is at risk.
    pub renewal_at_risk_days: u32,
    /// A support case became escalated.
    pub escalation: bool,
    /// A health transition alerts only when the score fell at least this many
    /// points from the one before: a score wobbling around a band's edge (70.3,
    /// 69.8) is not a change a CSM acts on. 0: any fall.
    #[serde(default)]
    pub transition_min_fall: u32,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            usage_drop_percent: 30,
            // About two a working day: below, one quiet week is a "drop".
            usage_drop_min_connections: 50,
            renewal_at_risk_days: 90,
            escalation: true,
            transition_min_fall: 5,
        }
    }
}

/// Conditions of the rules that hold for a while, as a set of bits (the store
/// keeps them per account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Conditions(pub i64);

impl Conditions {
    pub const USAGE_DROP: i64 = 1;
    pub const RENEWAL_AT_RISK: i64 = 2;

    pub fn has(self, bit: i64) -> bool {
        self.0 & bit != 0
    }
}

/// A rule alert to raise on an account: its rule and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleAlert {
    pub rule: &'static str,
    pub message: String,
}

impl AlertRules {
    /// Every rule off.
    pub fn off() -> AlertRules {
        AlertRules {
            usage_drop_percent: 0,
            usage_drop_min_connections: 0,
            renewal_at_risk_days: 0,
            escalation: false,
            transition_min_fall: 0,
        }
    }

    /// Whether a score that changed status from `from` to `to` moved enough to
    /// alert: a change for the worse needs the score to have fallen from
    /// `before` to `after` by at least the rule's points; a change for the better
    /// (a recovery a rule may list) always alerts, as does a score missing on
    /// either side (nothing to measure the fall against).
    pub fn fell_enough(
        &self,
        (from, to): (HealthStatus, HealthStatus),
        before: Option<f64>,
        after: Option<f64>,
    ) -> bool {
        let rank = |s: HealthStatus| match s {
            HealthStatus::AtRisk => 0,
            HealthStatus::Concerning => 1,
            HealthStatus::Healthy => 2,
        };
        if rank(to) >= rank(from) {
            return true;
        }
        match (before, after) {
            (Some(b), Some(a)) => b - a >= f64::from(self.transition_min_fall),
            _ => true,
        }
    }

    /// Refuses values that make no sense, naming the key.
    pub fn check(&self) -> Result<(), String> {
        if self.usage_drop_percent > 100 {
            return Err(format!(
                "usage_drop_percent: {} is not a percentage (0 turns the rule off, 1..100 is the drop that alerts)",
                self.usage_drop_percent
            ));
        }
        if self.renewal_at_risk_days > 3660 {
            return Err(format!(
                "renewal_at_risk_days: {} is more than ten years (0 turns the rule off)",
                self.renewal_at_risk_days
            ));
        }
        Ok(())
    }

    /// Stands for the rules in the store's fingerprint: scores are rescored when
    /// the rules change, so the conditions follow.
    pub fn fingerprint(&self) -> String {
        format!(
            "usage_drop={};usage_floor={};renewal={};escalation={};transition_fall={}",
            self.usage_drop_percent,
            self.usage_drop_min_connections,
            self.renewal_at_risk_days,
            self.escalation,
            self.transition_min_fall
        )
    }

    /// Whether connections fell by more than the threshold: `current` over the last
    /// 30 days against `previous` over the 30 days before, which had at least the
    /// rule's floor of connections.
    pub fn usage_dropped(&self, current: u64, previous: u64) -> bool {
        // current / previous < 1 - X/100, in integers.
        self.usage_drop_percent > 0
            && previous > 0
            && previous >= u64::from(self.usage_drop_min_connections)
            && u128::from(current) * 100
                < u128::from(previous) * u128::from(100 - self.usage_drop_percent.min(100))
    }

    /// Whether the renewal notice is `days_to_renewal` away (never negative: the
    /// store keeps the next notice date on or after today) within the rule's days
    /// while the account is at risk.
    pub fn renewal_at_risk(
        &self,
        days_to_renewal: Option<i64>,
        status: Option<HealthStatus>,
    ) -> bool {
        self.renewal_at_risk_days > 0
            && status == Some(HealthStatus::AtRisk)
            && days_to_renewal
                .is_some_and(|d| (0..=i64::from(self.renewal_at_risk_days)).contains(&d))
    }

    /// The conditions that hold for a score, given the days to the renewal notice.
    pub fn conditions(&self, q: &Quick, days_to_renewal: Option<i64>) -> Conditions {
        let mut bits = 0;
        if self.usage_dropped(q.connections_30d, q.connections_prev_30d) {
            bits |= Conditions::USAGE_DROP;
        }
        if self.renewal_at_risk(days_to_renewal, q.status) {
            bits |= Conditions::RENEWAL_AT_RISK;
        }
        Conditions(bits)
    }

    /// The alerts of the conditions that hold now and did not at the last score
    /// (`before` None: not known, as after an upgrade; every condition that holds
    /// alerts).
    pub fn started(
        &self,
        q: &Quick,
        days_to_renewal: Option<i64>,
        before: Option<Conditions>,
    ) -> Vec<RuleAlert> {
        let now = self.conditions(q, days_to_renewal);
        let before = before.unwrap_or_default();
        let mut out = vec![];
        let new = |bit| now.has(bit) && !before.has(bit);
        if new(Conditions::USAGE_DROP) {
            out.push(RuleAlert {
                rule: USAGE_DROP_RULE,
                message: usage_drop_message(q.connections_30d, q.connections_prev_30d),
            });
        }
        if new(Conditions::RENEWAL_AT_RISK) {
            out.push(RuleAlert {
                rule: RENEWAL_RULE,
                message: renewal_message(days_to_renewal.unwrap_or_default(), q.score),
            });
        }
        out
    }
}

/// "Connections fell 42% over 30 days (310 → 180)".
pub fn usage_drop_message(current: u64, previous: u64) -> String {
    let drop = if previous == 0 {
        0.0
    } else {
        (previous.saturating_sub(current)) as f64 * 100.0 / previous as f64
    };
    format!("Connections fell {drop:.0}% over 30 days ({previous} → {current})")
}

/// "Renewal notice in 24 days while at risk (score 31)".
pub fn renewal_message(days: i64, score: Option<f64>) -> String {
    let when = match days {
        0 => "today".to_string(),
        1 => "in 1 day".to_string(),
        n => format!("in {n} days"),
    };
    let score = score.map_or("-".to_string(), |s| format!("{s:.0}"));
    format!("Renewal notice {when} while at risk (score {score})")
}

/// "Case 4711 \"SSO login fails\" was escalated (priority urgent)".
pub fn escalation_message(number: &str, subject: &str, priority: Priority) -> String {
    let number = if number.trim().is_empty() {
        String::new()
    } else {
        format!("{number} ")
    };
    format!(
        "Case {number}\"{subject}\" was escalated (priority {})",
        priority.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transition_alerts_only_on_a_real_fall() {
        let rules = AlertRules::default();
        assert_eq!(rules.transition_min_fall, 5);
        use HealthStatus::*;
        let worse = (Healthy, Concerning);
        // 70.3 -> 69.8 crosses the band's edge by a hair: no alert.
        assert!(!rules.fell_enough(worse, Some(70.3), Some(69.8)));
        assert!(rules.fell_enough(worse, Some(74.0), Some(69.0)));
        assert!(rules.fell_enough((Concerning, AtRisk), None, Some(39.0)));
        assert!(rules.fell_enough(worse, Some(71.0), None));
        // A recovery a rule lists alerts however small the rise.
        assert!(rules.fell_enough((AtRisk, Concerning), Some(39.8), Some(40.1)));
        let any = AlertRules {
            transition_min_fall: 0,
            ..rules
        };
        assert!(any.fell_enough(worse, Some(70.3), Some(69.8)));
    }

    #[test]
    fn usage_drop_needs_volume_before() {
        // "6 -> 1 connections" is no drop a CSM acts on; "310 -> 180" is.
        let r = AlertRules::default();
        assert!(!r.usage_dropped(1, 6));
        assert!(!r.usage_dropped(0, 49), "under the floor of 50");
        assert!(r.usage_dropped(0, 50));
        assert!(r.usage_dropped(180, 310));
        let no_floor = AlertRules {
            usage_drop_min_connections: 0,
            ..r
        };
        assert!(no_floor.usage_dropped(1, 6));
        assert_ne!(r.fingerprint(), no_floor.fingerprint());
    }

    #[test]
    fn usage_drop_is_more_than_the_threshold() {
        let r = AlertRules {
            usage_drop_min_connections: 0,
            ..AlertRules::default()
        };
        assert!(
            !r.usage_dropped(70, 100),
            "exactly 30% is not more than 30%"
        );
        assert!(r.usage_dropped(69, 100));
        assert!(!r.usage_dropped(0, 0), "no usage before: nothing fell");
        assert!(r.usage_dropped(0, 1));
        assert!(!AlertRules::off().usage_dropped(0, 100));
        assert_eq!(
            usage_drop_message(180, 310),
            "Connections fell 42% over 30 days (310 → 180)"
        );
    }

    #[test]
    fn renewal_at_risk_needs_both() {
        let r = AlertRules::default();
        let at_risk = Some(HealthStatus::AtRisk);
        assert!(r.renewal_at_risk(Some(90), at_risk));
        assert!(r.renewal_at_risk(Some(0), at_risk));
        assert!(!r.renewal_at_risk(Some(91), at_risk));
        assert!(!r.renewal_at_risk(None, at_risk));
        assert!(!r.renewal_at_risk(Some(10), Some(HealthStatus::Concerning)));
        assert!(!AlertRules::off().renewal_at_risk(Some(10), at_risk));
        assert_eq!(
            renewal_message(24, Some(31.2)),
            "Renewal notice in 24 days while at risk (score 31)"
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = AlertRules {
            usage_drop_percent: 130,
            ..AlertRules::default()
        }
        .check()
        .unwrap_err();
        assert!(e.starts_with("usage_drop_percent"), "{e}");
        let e = AlertRules {
            renewal_at_risk_days: 100_000,
            ..AlertRules::default()
        }
        .check()
        .unwrap_err();
        assert!(e.starts_with("renewal_at_risk_days"), "{e}");
    }
}
