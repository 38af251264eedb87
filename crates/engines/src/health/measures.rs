//! The catalogue of measures a profile can use, and how each reads its raw value.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::facts::*;
use tend_domain::*;

/// Which way a raw value is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// A raw value, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Raw {
    Value(f64),
    Missing(&'static str),
}

/// Everything the measures read, computed once per evaluation.
pub struct Context<'a> {
    pub data: &'a AccountData,
    pub now: chrono::DateTime<chrono::Utc>,
    pub indicators: KeyIndicators,
    pub usage: UsageMetrics,
}

impl<'a> Context<'a> {
    pub fn new(data: &'a AccountData, now: Timestamp) -> Context<'a> {
        Context {
            data,
            now,
            indicators: key_indicators(data, now),
            usage: usage_metrics(data, now),
        }
    }
}

macro_rules! measures {
    ($( $variant:ident => $key:literal, $component:literal, $better:ident, $unit:literal, $label:literal, $doc:literal; )*) => {
        /// A measure of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Measure { $( #[doc = $doc] $variant, )* }

        impl Measure {
            pub const ALL: &'static [Measure] = &[$(Measure::$variant),*];
            /// The id profiles use.
            pub fn key(self) -> &'static str { match self { $(Measure::$variant => $key,)* } }
            /// The component it usually belongs to.
            pub fn component(self) -> &'static str { match self { $(Measure::$variant => $component,)* } }
            pub fn better(self) -> Better { match self { $(Measure::$variant => Better::$better,)* } }
            /// The unit of the raw value.
            pub fn unit(self) -> &'static str { match self { $(Measure::$variant => $unit,)* } }
            /// Short human name.
            pub fn label(self) -> &'static str { match self { $(Measure::$variant => $label,)* } }
            /// What it measures, exactly.
            pub fn doc(self) -> &'static str { match self { $(Measure::$variant => $doc,)* } }
            pub fn from_key(key: &str) -> Option<Measure> {
                Measure::ALL.iter().copied().find(|m| m.key() == key)
            }
        }
    };
}

measures! {
    Connections30d => "connections_30d", "usage", Higher, "connections", "connections over 30 days",
        "Connections over the last 30 days, all users together.";
    UsageTrend => "usage_trend", "usage", Higher, "%", "usage trend vs M-1",
        "Connections over the last 30 days / connections 30-60 days ago, in %.";
    ActiveUsers => "active_users", "usage", Higher, "%", "active users",
        "Contacts with at least one connection over the last 30 days / all contacts, in %.";
    DaysSinceActivity => "days_since_activity", "usage", Lower, "days", "days since last activity",
        "Days since the last connection to the product.";
    FeatureBreadth => "feature_breadth", "usage", Higher, "features", "feature breadth",
        "Distinct features or modules used over the last 30 days.";
    Sentiment90d => "sentiment_90d", "interactions", Higher, "compound", "sentiment over 90 days",
        "Sentiment of incoming emails and tickets and of meetings/calls rated by a person (manual sentiment) over 90 days, each weighted by 0.5^(age/30 days); the automatic score of a meeting or call, outgoing messages, notes and excluded interactions do not count.";
    DaysSinceTouch => "days_since_touch", "interactions", Lower, "days", "days since last touch",
        "Days since the last touch (incoming email or ticket, reply, meeting, call).";
    DaysSinceSponsorTouch => "days_since_sponsor_touch", "interactions", Lower, "days", "days since last sponsor touch",
        "Days since the last touch involving a contact tagged sponsor (never touched: days since the sponsor was added).";
    PulseRating => "pulse_rating", "pulse", Higher, "rating", "CSM pulse",
        "The CSM's own rating of the relationship, 1 (very bad) to 5 (very good).";
    PulseAge => "pulse_age", "pulse", Lower, "days", "pulse age",
        "Days since the CSM last gave the pulse rating.";
    PaymentUpToDate => "payment_up_to_date", "agreement", Higher, "yes/no", "payment up to date",
        "1 when every agreement in force is paid up, else 0.";
    DaysToNotice => "days_to_notice", "agreement", Higher, "days", "days to notice date",
        "Days until the nearest notice date of the agreements in force, each contract by its newest term (once renewed, the renewal's: the old term's end is no longer a decision).";
    MrrTrend => "mrr_trend", "agreement", Higher, "%", "MRR trend over 90 days",
        "MRR in force today / MRR in force 90 days ago, in %.";
    OpenCases => "open_cases", "support", Lower, "weighted cases", "open cases by priority",
        "Open cases weighted by priority: urgent 4, high 2, normal 1, low 0.5.";
    Escalations90d => "escalations_90d", "support", Lower, "cases", "escalations over 90 days",
        "Escalated cases opened over the last 90 days.";
    CaseSpike => "case_spike", "support", Lower, "%", "case volume vs baseline",
        "Cases opened over the last 30 days / the account's monthly mean over the 180 days before, in %.";
    ResolutionHours => "resolution_hours", "support", Lower, "hours", "mean resolution time",
        "Mean hours from opening to resolution of the cases resolved over the last 90 days.";
    EngineeringIssues => "engineering_issues", "support", Lower, "cases", "open engineering issues",
        "Open cases linked to an engineering issue.";
    CaseSignals90d => "case_signals_90d", "support", Lower, "cases", "cases with customer signals",
        "Cases opened over the last 90 days with a signal (negative sentiment, frustration, urgency, escalation request).";
    Csat90d => "csat_90d", "support", Higher, "1-5", "CSAT over 90 days",
        "Mean CSAT of the cases resolved over the last 90 days.";
    NpsLatest => "nps_latest", "nps", Higher, "0-10", "latest NPS",
        "The latest NPS answer of the last 365 days.";
    NpsAverage => "nps_average", "nps", Higher, "0-10", "average NPS",
        "Mean NPS answer over the last 365 days.";
    NpsDetractors => "nps_detractors", "nps", Lower, "%", "NPS detractors",
        "Share of NPS answers 0-6 over the last 365 days, in %.";
}

fn missing(why: &'static str) -> Raw {
    Raw::Missing(why)
}

fn since(ctx: &Context, at: Option<Timestamp>, why: &'static str) -> Raw {
    match at {
        Some(at) => Raw::Value(days_since(ctx.now, at)),
        None => missing(why),
    }
}

fn priority_weight(p: Priority) -> f64 {
    match p {
        Priority::Urgent => 4.0,
        Priority::High => 2.0,
        Priority::Normal => 1.0,
        Priority::Low => 0.5,
    }
}

impl Measure {
    /// The raw value of this measure for the context's account at its `now`.
    pub fn raw(self, ctx: &Context) -> Raw {
        let now = ctx.now;
        let today = now.date_naive();
        let d = ctx.data;
        let u = &ctx.usage;
        const NO_USAGE: &str = "no product usage tracked";
        match self {
            Measure::Connections30d if u.tracked => Raw::Value(u.connections_30d as f64),
            Measure::UsageTrend if u.tracked => match u.trend_pct {
                Some(p) => Raw::Value(p),
                None => missing("no connection 30-60 days ago to compare with"),
            },
            Measure::ActiveUsers if u.tracked => match u.active_users_pct {
                Some(p) => Raw::Value(p),
                None => missing("no contacts"),
            },
            Measure::DaysSinceActivity if u.tracked => {
                // Tracked but never used: days since tracking began.
                match u.last_activity.or(d.usage.first().map(|u| u.day)) {
                    Some(day) => Raw::Value((today - day).num_days() as f64),
                    None => missing(NO_USAGE),
                }
            }
            Measure::FeatureBreadth if u.tracked => {
                Raw::Value(u.features.iter().filter(|f| f.uses_30d > 0).count() as f64)
            }
            Measure::Connections30d
            | Measure::UsageTrend
            | Measure::ActiveUsers
            | Measure::DaysSinceActivity
            | Measure::FeatureBreadth => missing(NO_USAGE),
            Measure::Sentiment90d => {
                let (mut sum, mut weights) = (0.0, 0.0);
                for i in d.interactions_until(now).iter().rev() {
                    // Whole days, like every "days since": a score holds all day.
                    let age = days_since(now, i.at);
                    if age >= 90.0 {
                        break;
                    }
                    if !feeds_sentiment(i) {
                        continue;
                    }
                    let w = 0.5f64.powf(age / 30.0);
                    sum += w * i.sentiment.map(|s| s.score).unwrap_or(0.0);
                    weights += w;
                }
                if weights > 0.0 {
                    Raw::Value(sum / weights)
                } else {
                    missing("no incoming message or meeting/call rated by a person over 90 days")
                }
            }
            Measure::DaysSinceTouch => since(ctx, ctx.indicators.last_touch, "no touch recorded"),
            Measure::DaysSinceSponsorTouch => {
                if let Some(at) = ctx.indicators.last_sponsor_touch {
                    return Raw::Value(days_since(now, at));
                }
                let known = d
                    .contacts
                    .iter()
                    .filter(|c| c.has_role("sponsor") && c.created_at <= now)
                    .map(|c| c.created_at)
                    .min();
                since(ctx, known, "no contact tagged sponsor")
            }
            Measure::PulseRating | Measure::PulseAge => {
                let pulse = d
                    .account
                    .as_ref()
                    .and_then(|a| a.pulse.as_ref())
                    .filter(|p| p.at <= now);
                match (pulse, self) {
                    (None, _) => missing("no CSM pulse given"),
                    (Some(p), Measure::PulseRating) => Raw::Value(f64::from(p.rating)),
                    (Some(p), _) => Raw::Value(days_since(now, p.at)),
                }
            }
            Measure::PaymentUpToDate | Measure::DaysToNotice => {
                // Once the account has invoices, they say it.
                if self == Measure::PaymentUpToDate
                    && let Some(ok) = invoices_up_to_date(&d.invoices, &d.payments, today)
                {
                    return Raw::Value(if ok { 1.0 } else { 0.0 });
                }
                let active: Vec<&Agreement> = d
                    .agreements
                    .iter()
                    .filter(|a| a.in_force_on(today))
                    .collect();
                if active.is_empty() {
                    return missing("no agreement in force");
                }
                if self == Measure::PaymentUpToDate {
                    let ok = active.iter().all(|a| a.payment_up_to_date);
                    return Raw::Value(if ok { 1.0 } else { 0.0 });
                }
                let next = deciding_terms(&d.agreements, today, |a| a.in_force_on(today))
                    .into_iter()
                    .map(|a| a.next_notice_on_or_after(today))
                    .filter(|n| *n >= today)
                    .min();
                match next {
                    Some(n) => Raw::Value((n - today).num_days() as f64),
                    None => missing("no notice date ahead"),
                }
            }
            Measure::MrrTrend => {
                let before = mrr_in_force_on(&d.agreements, today - chrono::Days::new(90));
                let after = mrr_in_force_on(&d.agreements, today);
                if before > 0 {
                    Raw::Value(after as f64 * 100.0 / before as f64)
                } else {
                    missing("no MRR 90 days ago to compare with")
                }
            }
            Measure::OpenCases => Raw::Value(
                d.cases
                    .iter()
                    .filter(|c| open_at(c, now))
                    .map(|c| priority_weight(c.priority))
                    .sum(),
            ),
            Measure::Escalations90d => {
                Raw::Value(opened_within(d, now, 0, 90).filter(|c| c.escalated).count() as f64)
            }
            Measure::CaseSpike => {
                let recent = opened_within(d, now, 0, 30).count() as f64;
                let base = opened_within(d, now, 30, 210).count() as f64 / 6.0;
                if base > 0.0 {
                    Raw::Value(recent * 100.0 / base)
                } else {
                    missing("no case in the 6 months before the last 30 days (no baseline)")
                }
            }
            Measure::ResolutionHours | Measure::Csat90d => {
                let from = days_before(now, 90);
                let resolved: Vec<&SupportCase> = d
                    .cases
                    .iter()
                    .filter(|c| c.resolved_at.is_some_and(|r| r > from && r <= now))
                    .collect();
                if self == Measure::ResolutionHours {
                    let hours: Vec<f64> = resolved
                        .iter()
                        .filter_map(|c| c.resolved_at.map(|r| r - c.opened_at))
                        .map(|d| d.num_seconds().max(0) as f64 / 3600.0)
                        .collect();
                    return mean(&hours, "no case resolved over 90 days");
                }
                let scores: Vec<f64> = resolved
                    .iter()
                    .filter_map(|c| c.csat.map(f64::from))
                    .collect();
                mean(&scores, "no CSAT answer over 90 days")
            }
            Measure::EngineeringIssues => Raw::Value(
                d.cases
                    .iter()
                    .filter(|c| open_at(c, now) && c.engineering_issue.is_some())
                    .count() as f64,
            ),
            Measure::CaseSignals90d => Raw::Value(
                opened_within(d, now, 0, 90)
                    .filter(|c| !c.signals.is_empty())
                    .count() as f64,
            ),
            Measure::NpsLatest | Measure::NpsAverage | Measure::NpsDetractors => {
                let from = days_before(now, 365);
                let mut answers: Vec<&NpsResponse> = d
                    .nps
                    .iter()
                    .filter(|n| n.at > from && n.at <= now)
                    .collect();
                if answers.is_empty() {
                    return missing("no NPS answer over 365 days");
                }
                answers.sort_by_key(|n| (n.at, n.id));
                let scores: Vec<f64> = answers.iter().map(|n| f64::from(n.score)).collect();
                match self {
                    Measure::NpsLatest => Raw::Value(scores[scores.len() - 1]),
                    Measure::NpsAverage => mean(&scores, ""),
                    _ => Raw::Value(
                        scores.iter().filter(|s| **s <= 6.0).count() as f64 * 100.0
                            / scores.len() as f64,
                    ),
                }
            }
        }
    }
}

/// Cases opened between `from_days` (included) and `to_days` (excluded) days before now.
fn opened_within(
    d: &AccountData,
    now: chrono::DateTime<chrono::Utc>,
    from_days: i64,
    to_days: i64,
) -> impl Iterator<Item = &SupportCase> {
    d.cases_opened(days_before(now, to_days), days_before(now, from_days))
        .iter()
}

fn mean(values: &[f64], why: &'static str) -> Raw {
    if values.is_empty() {
        missing(why)
    } else {
        Raw::Value(values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// Measure ids in a set, for checks.
pub fn known_keys() -> HashSet<&'static str> {
    Measure::ALL.iter().map(|m| m.key()).collect()
}
