//! Support: the account's cases with priority, status, signals; by month over a
//! year, the cases opened, the days they took to resolve and their CSAT; a new
//! case (`n`), a case edited (`e`) or deleted (`d`).

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};
use tend_backend::Account360;
use tend_domain::{SupportCase, format};
use tend_engines::health::{Period, period_start};

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::list;
use crate::screens::account::months::{self, MonthLine};
use crate::screens::account::state::AccountView;
use crate::state::Command;
use crate::theme::Theme;

/// How many months the charts cover, the current one last.
pub const MONTHS: usize = 12;

/// One month of the account's cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    pub start: NaiveDate,
    /// Cases opened in the month.
    pub opened: u64,
    /// Cases resolved in the month, and the median time they took (hours).
    pub resolved: u64,
    pub median_hours: Option<u64>,
    /// CSAT answers of the cases resolved in the month (opened, when a case has
    /// an answer but no resolution), and their average (1 to 5).
    pub answers: u64,
    pub csat: Option<f64>,
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    })
}

/// The hours a case took to resolve (None while open).
fn resolution_hours(c: &SupportCase) -> Option<i64> {
    c.resolved_at.map(|r| (r - c.opened_at).num_hours().max(0))
}

/// The last `MONTHS` months of cases, oldest first.
pub fn monthly(d: &Account360) -> Vec<Month> {
    let today = d.as_of.date_naive();
    let mut starts = vec![period_start(Period::Month, today)];
    for _ in 1..MONTHS {
        let last = starts[starts.len() - 1];
        starts.push(period_start(Period::Month, last.pred_opt().unwrap_or(last)));
    }
    starts.reverse();
    let month_of = |t: tend_domain::Timestamp| period_start(Period::Month, t.date_naive());
    starts
        .into_iter()
        .map(|start| {
            let opened = d
                .cases
                .iter()
                .filter(|c| month_of(c.opened_at) == start)
                .count() as u64;
            let hours: Vec<i64> = d
                .cases
                .iter()
                .filter(|c| c.resolved_at.is_some_and(|r| month_of(r) == start))
                .filter_map(resolution_hours)
                .collect();
            let scores: Vec<u8> = d
                .cases
                .iter()
                .filter(|c| month_of(c.resolved_at.unwrap_or(c.opened_at)) == start)
                .filter_map(|c| c.csat)
                .collect();
            Month {
                start,
                opened,
                resolved: hours.len() as u64,
                median_hours: median(hours.clone()).map(|h| h as u64),
                answers: scores.len() as u64,
                csat: (!scores.is_empty()).then(|| {
                    scores.iter().map(|s| f64::from(*s)).sum::<f64>() / scores.len() as f64
                }),
            }
        })
        .collect()
}

fn days(hours: u64) -> String {
    format!("{:.1}d", hours as f64 / 24.0)
}

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let [chart, body] = Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
    draw_charts(f, app, d, theme, chart);
    list(
        f,
        body,
        theme,
        a,
        vec!["CASE", "PRIORITY", "STATUS", "OPENED", "SUBJECT", "SIGNALS"],
        vec![
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(9),
            Constraint::Min(14),
            Constraint::Length(22),
        ],
        d.cases.len(),
        |i| {
            let c = &d.cases[i];
            let pstyle = theme.priority(c.priority);
            let mut signals: Vec<String> = c.signals.iter().map(|s| s.to_string()).collect();
            if c.escalated {
                signals.insert(0, "ESCALATED".into());
            }
            if let Some(e) = &c.engineering_issue {
                signals.push(e.clone());
            }
            Row::new(vec![
                Cell::from(c.number.clone()),
                Cell::from(Span::styled(c.priority.to_string(), pstyle)),
                Cell::from(Span::styled(
                    c.status.to_string(),
                    if c.status.is_open() {
                        theme.base
                    } else {
                        theme.dim
                    },
                )),
                Cell::from(format::days_from(today, c.opened_at.date_naive())),
                Cell::from(c.subject.clone()),
                Cell::from(Span::styled(signals.join(" "), theme.warning)),
            ])
        },
        "no support cases: n adds one",
    );
}

/// Three one-line charts under a line of month initials: cases opened, median
/// days to resolve, average CSAT; a month without a resolved case or an answer
/// shows a dot, not a zero.
fn draw_charts(f: &mut Frame, app: &App, d: &Account360, theme: &Theme, area: Rect) {
    let months = monthly(d);
    let open = d.cases.iter().filter(|c| c.status.is_open()).count();
    let escalated = d
        .cases
        .iter()
        .filter(|c| c.status.is_open() && c.escalated)
        .count();
    let (first, last) = (&months[0], &months[MONTHS - 1]);
    let month = last.start.format("%b");
    let total: u64 = months.iter().map(|m| m.opened).sum();
    let all_hours: Vec<i64> = d
        .cases
        .iter()
        .filter(|c| {
            c.resolved_at
                .is_some_and(|r| r.date_naive() >= first.start && r <= d.as_of)
        })
        .filter_map(resolution_hours)
        .collect();
    let resolved = all_hours.len();
    let year_median = median(all_hours);
    let answers: u64 = months.iter().map(|m| m.answers).sum();
    let year_csat = (answers > 0).then(|| {
        months
            .iter()
            .filter_map(|m| m.csat.map(|c| c * m.answers as f64))
            .sum::<f64>()
            / answers as f64
    });
    let lines: Vec<MonthLine> = vec![
        (
            "opened".into(),
            months.iter().map(|m| Some(m.opened)).collect(),
            None,
            format!("{} in {month} · {total} in 12 months", last.opened),
        ),
        (
            "days to resolve".into(),
            months.iter().map(|m| m.median_hours).collect(),
            None,
            match year_median {
                Some(h) => format!(
                    "median {} of {resolved} · {month}: {}",
                    days(h as u64),
                    last.median_hours.map_or("-".into(), days)
                ),
                None => "no case resolved in 12 months".into(),
            },
        ),
        (
            "CSAT (1-5)".into(),
            months
                .iter()
                .map(|m| m.csat.map(|c| (c * 10.0).round() as u64))
                .collect(),
            // Scaled to the whole range: a 3 is a half-full bar, not a full one.
            Some(50),
            match year_csat {
                Some(c) => format!(
                    "average {c:.1} of {answers} · {month}: {}",
                    last.csat.map_or("-".into(), |c| format!("{c:.1}"))
                ),
                None => "no CSAT answer in 12 months".into(),
            },
        ),
    ];
    let starts: Vec<NaiveDate> = months.iter().map(|m| m.start).collect();
    let note = format!(" · {open} open · {escalated} escalated");
    months::draw(
        f,
        app,
        theme,
        area,
        ("cases by month", &starts, &note),
        lines,
    );
}

/// What the Support tab offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::New),
    Offer::plain(Action::Edit),
    Offer::dangerous(Action::Delete),
];

/// A key the Support tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::New => Some(app.open_form(|c| Some(forms::new_case(c)))),
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
    }
}
