//! Metrics (the Usage tab's fourth view): charts the organisation defines in its
//! config (`[[metrics]]`), each of up to four account metrics by week or month —
//! usage, cases, interactions and their sentiment, NPS, MRR, the health score and
//! any of its components — read from what the account screen has loaded.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use tend_backend::{Account360, HealthReport};

use crate::app::App;
use crate::screens::account::charts::{Every, Metric, MetricChart, default_charts, series, starts};
use crate::screens::account::months::{self, MonthLine};
use crate::screens::account::state::AccountView;
use crate::theme::Theme;

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let defaults;
    let charts: &[MetricChart] = if app.metrics.is_empty() {
        defaults = default_charts();
        &defaults
    } else {
        &app.metrics
    };
    let today = d.as_of.date_naive();
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(
        Paragraph::new(Line::styled(
            format!(
                "{} · v next view · {}",
                crate::screens::account::usage_views::UsageLayout::Metrics.name(),
                if app.metrics.is_empty() {
                    "default charts ([[metrics]] in the config sets yours)"
                } else {
                    "charts of [[metrics]] in the config"
                }
            ),
            theme.dim,
        )),
        head,
    );
    let health = a.health.value();
    let mut y = body.y;
    let mut left = charts.len();
    for chart in charts {
        let height = chart.series.len() as u16 + 1;
        if y + height > body.y + body.height {
            break;
        }
        let area = Rect { y, height, ..body };
        let starts = starts(chart.every, chart.span, today);
        let lines: Vec<MonthLine> = chart
            .series
            .iter()
            .map(|m| line(m, d, health, chart.every, &starts, today))
            .collect();
        let note = match chart.every {
            Every::Week => " · by week",
            Every::Month => " · by month",
        };
        months::draw(f, app, theme, area, (&chart.name, &starts, note), lines);
        y += height + 1;
        left -= 1;
    }
    if left > 0 && y < body.y + body.height {
        f.render_widget(
            Paragraph::new(Line::styled(
                format!("+{left} more chart(s): a taller window shows them"),
                theme.dim,
            )),
            Rect {
                y,
                height: 1,
                ..body
            },
        );
    }
}

/// A metric's line: its values scaled between their low and high (a flat line
/// half full), what it is now and its range.
fn line(
    m: &Metric,
    d: &Account360,
    health: Option<&HealthReport>,
    every: Every,
    starts: &[NaiveDate],
    today: NaiveDate,
) -> MonthLine<'static> {
    let values = series(m, d, health, every, starts, today);
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let lo = known.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let bars = values
        .iter()
        .map(|v| {
            v.map(|v| match hi - lo {
                span if span > f64::EPSILON => 1 + ((v - lo) / span * 99.0).round() as u64,
                _ => 50,
            })
        })
        .collect();
    let said = match (values.last().copied().flatten(), known.is_empty()) {
        (_, true) => "no data".to_string(),
        (now, false) => format!(
            "now {} · low {} · high {}",
            now.map_or("-".into(), |v| m.show(v)),
            m.show(lo),
            m.show(hi)
        ),
    };
    (m.label().into(), bars, Some(100), said)
}
