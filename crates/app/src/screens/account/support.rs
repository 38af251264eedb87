//! Support: the account's cases with priority, status, signals; the case trend.

use chrono::Days;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Sparkline};
use tend_backend::Account360;
use tend_domain::format;
use tend_engines::health::week_start;

use crate::app::App;
use crate::screens::account::list;
use crate::screens::account::state::AccountView;
use crate::theme::Theme;

/// Cases opened per week over the last 12 weeks, oldest first.
pub fn weekly_trend(d: &Account360) -> Vec<u64> {
    let this = week_start(d.as_of.date_naive());
    (0..12u64)
        .rev()
        .map(|k| {
            let start = this - Days::new(7 * k);
            let end = start + Days::new(7);
            d.cases
                .iter()
                .filter(|c| {
                    let day = c.opened_at.date_naive();
                    day >= start && day < end
                })
                .count() as u64
        })
        .collect()
}

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let [chart, body] = Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
    let trend = weekly_trend(d);
    let open = d.cases.iter().filter(|c| c.status.is_open()).count();
    f.render_widget(
        Sparkline::default()
            .block(ratatui::widgets::Block::default().title(Span::styled(
                format!(
                    " cases opened per week, 12 weeks: {} · {open} open ",
                    trend.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" ")
                ),
                theme.dim,
            )))
            .data(&trend)
            .bar_set(crate::screens::account::bars(app))
            .style(theme.accent),
        chart,
    );
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
        "no support cases",
    );
}
