//! Weekly and monthly snapshots: which instants they are taken at, and the alerts
//! raised when the status changes.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::engine::{Explanation, Quick};
use tend_domain::*;

/// How many past weeks and months a backfill covers.
pub const WEEKS: u32 = 52;
pub const MONTHS: u32 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Week,
    Month,
}

tend_domain::named_enum!(Period { Week => "week", Month => "month" });

/// The score of an account for one week or month: for a past period, as it stood
/// when the period closed; for the current one, as it stands now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub account_id: Id,
    pub period: Period,
    /// The first day of the week (Monday) or month.
    pub start: NaiveDate,
    /// The instant the score was computed for.
    pub at: chrono::DateTime<chrono::Utc>,
    pub score: Option<f64>,
    pub status: Option<HealthStatus>,
    pub profile: String,
    /// Component scores by component id (None: no data).
    pub components: Vec<(String, Option<f64>)>,
}

impl Snapshot {
    pub fn of_quick(account_id: Id, q: &Quick, period: Period, start: NaiveDate) -> Snapshot {
        Snapshot {
            account_id,
            period,
            start,
            at: q.at,
            score: q.score,
            status: q.status,
            profile: q.profile.clone(),
            components: q.components.clone(),
        }
    }

    pub fn of(e: &Explanation, period: Period, start: NaiveDate) -> Snapshot {
        Snapshot {
            account_id: e.account_id,
            period,
            start,
            at: e.at,
            score: e.score,
            status: e.status,
            profile: e.profile.clone(),
            components: e.component_scores(),
        }
    }
}

/// The Monday of the week `day` falls in.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// The first day of the month `day` falls in.
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The start of the period `day` falls in.
pub fn period_start(period: Period, day: NaiveDate) -> NaiveDate {
    match period {
        Period::Week => week_start(day),
        Period::Month => month_start(day),
    }
}

fn midnight(day: NaiveDate) -> Timestamp {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The past periods a backfill computes, oldest first, with the instant each closed
/// at (the midnight that starts the next period). The current periods are not in
/// the list: they are scored at `now`.
pub fn backfill_points(now: Timestamp) -> Vec<(Period, NaiveDate, Timestamp)> {
    let today = now.date_naive();
    let mut out = vec![];
    let this_week = week_start(today);
    for k in (1..=WEEKS).rev() {
        let start = this_week - Days::new(7 * u64::from(k));
        out.push((Period::Week, start, midnight(start + Days::new(7))));
    }
    let this_month = month_start(today);
    for k in (1..=MONTHS).rev() {
        if let Some(start) = this_month.checked_sub_months(Months::new(k)) {
            let end = start + Months::new(1);
            out.push((Period::Month, start, midnight(end)));
        }
    }
    out
}

/// Which status changes raise an alert: "from->to" pairs, `*` for any status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransitionRules {
    rules: Vec<(Option<HealthStatus>, Option<HealthStatus>)>,
}

impl Default for TransitionRules {
    /// Every change for the worse.
    fn default() -> Self {
        TransitionRules::parse(&DEFAULT_TRANSITIONS.map(String::from))
            .unwrap_or(TransitionRules { rules: vec![] })
    }
}

/// The default alerting transitions (every change for the worse).
pub const DEFAULT_TRANSITIONS: [&str; 3] = [
    "healthy->concerning",
    "healthy->at_risk",
    "concerning->at_risk",
];

impl TransitionRules {
    pub fn parse(rules: &[String]) -> Result<TransitionRules, String> {
        let side = |s: &str, rule: &str| -> Result<Option<HealthStatus>, String> {
            let s = s.trim();
            if s == "*" {
                return Ok(None);
            }
            s.parse::<HealthStatus>().map(Some).map_err(|_| {
                format!(
                    "transition \"{rule}\": unknown status \"{s}\" (use healthy, concerning, at_risk or *)"
                )
            })
        };
        let mut out = vec![];
        for rule in rules {
            let Some((a, b)) = rule.split_once("->") else {
                return Err(format!(
                    "transition \"{rule}\": write it as from->to, e.g. healthy->concerning"
                ));
            };
            out.push((side(a, rule)?, side(b, rule)?));
        }
        Ok(TransitionRules { rules: out })
    }

    /// Whether a change from `from` to `to` raises an alert.
    pub fn alerts(&self, from: HealthStatus, to: HealthStatus) -> bool {
        from != to
            && self
                .rules
                .iter()
                .any(|(a, b)| a.is_none_or(|a| a == from) && b.is_none_or(|b| b == to))
    }
}

/// The rule name alerts of health transitions carry.
pub const TRANSITION_RULE: &str = "health_transition";

/// The message of a transition alert.
pub fn transition_message(
    from: HealthStatus,
    to: Option<HealthStatus>,
    score: Option<f64>,
    biggest_drag: Option<&str>,
) -> String {
    let to = to.map_or("no data", |s| s.label());
    let score = score.map_or("-".to_string(), |s| format!("{s:.0}"));
    let drag = biggest_drag
        .map(|d| format!("; biggest drag: {d}"))
        .unwrap_or_default();
    format!(
        "Health went from {} to {to} (score {score}){drag}",
        from.label()
    )
}
