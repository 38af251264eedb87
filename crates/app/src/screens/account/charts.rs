//! The metrics a chart of the Metrics view can draw, and the charts the config
//! defines (`[[metrics]]`): what they are, how a config names them, and their
//! values by week or month from what the account screen has loaded. Pure: the
//! app's state holds the charts without importing their drawing.

use chrono::{Days, Months, NaiveDate};
use tend_backend::{Account360, HealthReport};
use tend_domain::*;
use tend_engines::health::period_start;

/// A metric of the account, by bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metric {
    UsageConnections,
    UsageMinutes,
    UsageUsers,
    CasesOpened,
    CasesResolved,
    Interactions,
    Sentiment,
    Nps,
    Mrr,
    HealthScore,
    /// A component of the health score, by its id (`usage`, `support`...).
    HealthComponent(String),
}

impl Metric {
    /// Every metric, a health component standing for all of them.
    const ALL: [Metric; 11] = [
        Metric::UsageConnections,
        Metric::UsageMinutes,
        Metric::UsageUsers,
        Metric::CasesOpened,
        Metric::CasesResolved,
        Metric::Interactions,
        Metric::Sentiment,
        Metric::Nps,
        Metric::Mrr,
        Metric::HealthScore,
        Metric::HealthComponent(String::new()),
    ];

    /// How a config names it (a health component: `health.` and its id).
    pub fn name(&self) -> &'static str {
        match self {
            Metric::UsageConnections => "usage.connections",
            Metric::UsageMinutes => "usage.minutes",
            Metric::UsageUsers => "usage.users",
            Metric::CasesOpened => "cases.opened",
            Metric::CasesResolved => "cases.resolved",
            Metric::Interactions => "interactions",
            Metric::Sentiment => "sentiment",
            Metric::Nps => "nps",
            Metric::Mrr => "mrr",
            Metric::HealthScore => "health",
            Metric::HealthComponent(_) => "health.COMPONENT",
        }
    }

    pub fn parse(name: &str) -> Result<Metric, String> {
        let name = name.trim();
        if let Some(m) = Metric::ALL
            .iter()
            .find(|m| !matches!(m, Metric::HealthComponent(_)) && m.name() == name)
        {
            return Ok(m.clone());
        }
        match name.strip_prefix("health.") {
            Some(c) if !c.is_empty() => Ok(Metric::HealthComponent(c.to_string())),
            _ => Err(format!(
                "unknown metric '{name}'; known: {}",
                Metric::ALL
                    .iter()
                    .map(Metric::name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// How its line is labelled.
    pub fn label(&self) -> String {
        match self {
            Metric::HealthComponent(c) => return format!("health: {c}"),
            Metric::UsageConnections => "connections",
            Metric::UsageMinutes => "minutes",
            Metric::UsageUsers => "unique users",
            Metric::CasesOpened => "cases opened",
            Metric::CasesResolved => "cases resolved",
            Metric::Nps => "NPS",
            Metric::Mrr => "MRR",
            Metric::Interactions | Metric::Sentiment | Metric::HealthScore => self.name(),
        }
        .to_string()
    }

    /// A value as its line says it.
    pub fn show(&self, v: f64) -> String {
        match self {
            Metric::Mrr => format::money(v.round() as Cents),
            Metric::Sentiment => format!("{v:+.2}"),
            Metric::Nps => format!("{v:.1}"),
            _ => format!("{v:.0}"),
        }
    }
}

/// By week (Monday) or by month: the periods of the health history.
pub use tend_engines::health::Period as Every;

/// A chart: its name, its metrics, by week or month, over how many.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricChart {
    pub name: String,
    pub series: Vec<Metric>,
    pub every: Every,
    pub span: u32,
}

impl MetricChart {
    /// A chart from its config; the error names what is wrong.
    pub fn parse(name: &str, series: &[String], every: &str, span: u32) -> Result<Self, String> {
        if name.trim().is_empty() {
            return Err("name: must not be empty".into());
        }
        if series.is_empty() || series.len() > 4 {
            return Err(format!("series: from 1 to 4 metrics, not {}", series.len()));
        }
        let series = series
            .iter()
            .enumerate()
            .map(|(i, s)| Metric::parse(s).map_err(|e| format!("series[{i}]: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let every: Every = every
            .parse()
            .map_err(|_| format!("period: 'week' or 'month', not '{every}'"))?;
        if !(2..=24).contains(&span) {
            return Err(format!("span: from 2 to 24 periods, not {span}"));
        }
        Ok(MetricChart {
            name: name.trim().to_string(),
            series,
            every,
            span,
        })
    }
}

/// The charts shown when the config defines none.
pub fn default_charts() -> Vec<MetricChart> {
    use Metric::*;
    vec![
        MetricChart {
            name: "Engagement".into(),
            series: vec![UsageUsers, UsageMinutes, Interactions],
            every: Every::Month,
            span: 12,
        },
        MetricChart {
            name: "Health, support".into(),
            series: vec![HealthScore, CasesOpened, Sentiment],
            every: Every::Month,
            span: 12,
        },
        MetricChart {
            name: "Revenue".into(),
            series: vec![Mrr, Nps],
            every: Every::Month,
            span: 12,
        },
    ]
}

/// The first day of each of the last `span` periods up to the one of `today`.
pub fn starts(every: Every, span: u32, today: NaiveDate) -> Vec<NaiveDate> {
    let this = period_start(every, today);
    (0..span)
        .rev()
        .filter_map(|back| match every {
            Every::Week => this.checked_sub_days(Days::new(7 * u64::from(back))),
            Every::Month => this.checked_sub_months(Months::new(back)),
        })
        .collect()
}

/// A metric over the periods starting on `starts` (each up to the next, the last
/// up to `today`): None where nothing tells it.
pub fn series(
    metric: &Metric,
    d: &Account360,
    health: Option<&HealthReport>,
    every: Every,
    starts: &[NaiveDate],
    today: NaiveDate,
) -> Vec<Option<f64>> {
    let end_of = |k: usize| -> NaiveDate {
        let next = starts.get(k + 1).copied().unwrap_or_else(|| match every {
            Every::Week => starts[k] + Days::new(7),
            Every::Month => starts[k]
                .checked_add_months(Months::new(1))
                .unwrap_or(starts[k]),
        });
        (next - Days::new(1)).min(today)
    };
    let count = |n: usize| Some(n as f64);
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64 + 0.0);
    (0..starts.len())
        .map(|k| {
            let (from, to) = (starts[k], end_of(k));
            let within = |day: NaiveDate| day >= from && day <= to;
            let usage = d.usage.iter().filter(|u| within(u.day));
            match metric {
                // (+ 0.0: an empty sum is -0.0.)
                Metric::UsageConnections => {
                    Some(usage.map(|u| f64::from(u.connections)).sum::<f64>() + 0.0)
                }
                Metric::UsageMinutes => {
                    Some(usage.map(|u| f64::from(u.minutes)).sum::<f64>() + 0.0)
                }
                Metric::UsageUsers => count(
                    usage
                        .filter(|u| u.connections > 0)
                        .filter_map(|u| u.contact_id)
                        .collect::<std::collections::BTreeSet<_>>()
                        .len(),
                ),
                Metric::CasesOpened => count(
                    d.cases
                        .iter()
                        .filter(|c| within(c.opened_at.date_naive()))
                        .count(),
                ),
                Metric::CasesResolved => count(
                    d.cases
                        .iter()
                        .filter(|c| c.resolved_at.is_some_and(|r| within(r.date_naive())))
                        .count(),
                ),
                Metric::Interactions => count(
                    d.interactions
                        .iter()
                        .filter(|i| within(i.at.date_naive()))
                        .count(),
                ),
                Metric::Sentiment => mean(
                    d.interactions
                        .iter()
                        .filter(|i| within(i.at.date_naive()))
                        .filter_map(|i| i.sentiment.as_ref().map(|s| s.score))
                        .collect(),
                ),
                Metric::Nps => mean(
                    d.nps
                        .iter()
                        .filter(|n| within(n.at.date_naive()))
                        .map(|n| f64::from(n.score))
                        .collect(),
                ),
                Metric::Mrr => Some(mrr_in_force_on(&d.agreements, to) as f64),
                Metric::HealthScore | Metric::HealthComponent(_) => {
                    let history = health.map(|h| match every {
                        Every::Week => &h.weekly,
                        Every::Month => &h.monthly,
                    })?;
                    let snap = history.iter().find(|s| s.start == from)?;
                    match metric {
                        Metric::HealthComponent(c) => snap
                            .components
                            .iter()
                            .find(|(id, _)| id == c)
                            .and_then(|(_, v)| *v),
                        _ => snap.score,
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn names_parse_and_unknown_ones_say_what_is_known() {
        assert_eq!(Metric::parse("mrr"), Ok(Metric::Mrr));
        assert_eq!(
            Metric::parse("health.usage"),
            Ok(Metric::HealthComponent("usage".into()))
        );
        let e = Metric::parse("usage.clicks").unwrap_err();
        assert!(
            e.contains("'usage.clicks'") && e.contains("usage.minutes"),
            "{e}"
        );
        let e = MetricChart::parse("x", &["mrr".into()], "year", 12).unwrap_err();
        assert!(e.starts_with("period:"), "{e}");
        let e = MetricChart::parse("x", &[], "month", 12).unwrap_err();
        assert!(e.starts_with("series:"), "{e}");
        let e = MetricChart::parse("x", &["mrr".into(), "nps?".into()], "month", 12).unwrap_err();
        assert!(e.starts_with("series[1]:"), "{e}");
    }

    #[test]
    fn periods_end_with_the_one_of_today() {
        assert_eq!(
            starts(Every::Month, 3, day("2026-11-23")),
            vec![day("2026-09-01"), day("2026-10-01"), day("2026-11-01")]
        );
        // 2026-11-23 is a Monday.
        assert_eq!(
            starts(Every::Week, 2, day("2026-11-25")),
            vec![day("2026-11-16"), day("2026-11-23")]
        );
    }
}
