//! Overview: score and intermediate scores, the 12-week / 12-month chart with a
//! toggle per curve, KPIs, focus areas, churn forecast, key stakeholders.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Wrap};

use crate::backend::{Account360, HealthReport};
use crate::domain::*;
use crate::format;
use crate::health::{Period, Snapshot};
use crate::tui::app::{AccountView, App, curve_names};
use crate::tui::theme::{Theme, health_mark};
use crate::tui::view::message;

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Min(4)]).areas(area);
    let [scores, _, chart] = Layout::horizontal([
        Constraint::Length(30),
        Constraint::Length(2),
        Constraint::Min(20),
    ])
    .areas(top);
    match a.health.value() {
        Some(h) => {
            draw_scores(f, h, theme, scores);
            draw_chart(f, app, a, h, theme, chart);
        }
        None => message(f, top, "loading the health score…", theme.dim),
    }
    let [kpis, side] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    draw_kpis(f, a, d, theme, kpis);
    draw_side(f, d, theme, side);
}

fn draw_scores(f: &mut Frame, h: &HealthReport, theme: &Theme, area: Rect) {
    let e = &h.explanation;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!(
                    "{} {}",
                    health_mark(e.status),
                    e.score.map_or("-".into(), |s| format!("{:.0}", s.floor()))
                ),
                theme
                    .health(e.status)
                    .add_modifier(ratatui::style::Modifier::BOLD),
            ),
            Span::styled(
                format!(" {}", e.status.map_or("no data", |s| s.label())),
                theme.health(e.status),
            ),
            Span::styled(
                match e.trend {
                    Some(t) => format!("  {t:+.1}/wk"),
                    None => String::new(),
                },
                theme.dim,
            ),
        ]),
        Line::styled(format!("profile {}", e.profile), theme.dim),
        Line::raw(""),
    ];
    for c in &e.components {
        let status = c.score.map(|s| e.bands.status(s));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<16}", truncate(&c.name, 16)), theme.base),
            Span::styled(
                format!(
                    "{:>7}",
                    c.score
                        .map_or("no data".into(), |s| format!("{:.0}", s.floor()))
                ),
                theme.health(status),
            ),
            Span::styled(
                if c.score.is_some() {
                    format!(" {:>3.0}%", c.overall_pct)
                } else {
                    String::new()
                },
                theme.dim,
            ),
        ]));
    }
    if let Some(d) = e.drags.first() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("biggest drag:", theme.header));
        lines.push(Line::styled(d.condition.clone(), theme.warning));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The last 12 snapshots of the period.
fn last12(h: &HealthReport, period: Period) -> &[Snapshot] {
    let all = match period {
        Period::Week => &h.weekly,
        Period::Month => &h.monthly,
    };
    &all[all.len().saturating_sub(12)..]
}

fn curve_style(theme: &Theme, k: usize) -> Style {
    let palette = [
        theme.title,
        theme.accent,
        theme.healthy,
        theme.concerning,
        theme.blue,
        theme.negative,
        theme.neutral,
    ];
    palette[k % palette.len()]
}

fn draw_chart(
    f: &mut Frame,
    app: &App,
    a: &AccountView,
    h: &HealthReport,
    theme: &Theme,
    area: Rect,
) {
    let snaps = last12(h, a.period);
    let names = curve_names(a);
    let series: Vec<(String, Vec<(f64, f64)>)> = names
        .iter()
        .filter(|n| !a.hidden.contains(*n))
        .map(|n| {
            let points = snaps
                .iter()
                .enumerate()
                .filter_map(|(x, s)| {
                    let y = if n == "overall" {
                        s.score
                    } else {
                        s.components
                            .iter()
                            .find(|(id, _)| id == n)
                            .and_then(|(_, v)| *v)
                    };
                    y.map(|y| (x as f64, y))
                })
                .collect();
            (n.clone(), points)
        })
        .collect();
    let title = format!(
        " {} · p {} · c curves ",
        match a.period {
            Period::Week => "12 weeks",
            Period::Month => "12 months",
        },
        match a.period {
            Period::Week => "months",
            Period::Month => "weeks",
        }
    );
    // The legend: each curve in its colour (its first letter in ASCII charts);
    // a hidden one dim in brackets. `c` toggles them in this order.
    let mut legend = vec![Span::styled(title.clone(), theme.dim)];
    for (k, name) in names.iter().enumerate() {
        let label = if app.ascii {
            format!("{}={name} ", name.chars().next().unwrap_or('*'))
        } else {
            format!("{name} ")
        };
        legend.push(if a.hidden.contains(name) {
            Span::styled(format!("({}) ", label.trim_end()), theme.dim)
        } else {
            Span::styled(label, curve_style(theme, k))
        });
    }
    let [legend_area, area] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
    f.render_widget(
        Paragraph::new(Line::from(legend)).wrap(Wrap { trim: true }),
        legend_area,
    );
    if app.ascii {
        return ascii_chart(f, &series, "", theme, area);
    }
    let datasets: Vec<Dataset> = series
        .iter()
        .enumerate()
        .map(|(k, (name, pts))| {
            let colour = names.iter().position(|n| n == name).unwrap_or(k);
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(curve_style(theme, colour))
                .data(pts)
        })
        .collect();
    let first = snaps
        .first()
        .map(|s| s.start.format("%d %b").to_string())
        .unwrap_or_default();
    let last = snaps
        .last()
        .map(|s| s.start.format("%d %b").to_string())
        .unwrap_or_default();
    let chart = Chart::new(datasets)
        .legend_position(None)
        .x_axis(
            Axis::default()
                .bounds([0.0, 11.0])
                .labels([Span::raw(first), Span::raw(last)])
                .style(theme.dim),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, 100.0])
                .labels([Span::raw("0"), Span::raw("50"), Span::raw("100")])
                .style(theme.dim),
        );
    f.render_widget(chart, area);
}

/// Charts drawn with ASCII only: each curve's first letter at its points.
fn ascii_chart(
    f: &mut Frame,
    series: &[(String, Vec<(f64, f64)>)],
    title: &str,
    theme: &Theme,
    area: Rect,
) {
    let h = area.height.saturating_sub(2).max(1) as usize;
    let w = area.width.saturating_sub(6).max(1) as usize;
    let mut grid = vec![vec![' '; w]; h];
    for (name, pts) in series {
        let mark = name.chars().next().unwrap_or('*');
        for (x, y) in pts {
            let col = ((*x / 11.0) * (w - 1) as f64).round() as usize;
            let row = h - 1 - ((*y / 100.0) * (h - 1) as f64).round() as usize;
            if let Some(cell) = grid.get_mut(row).and_then(|r| r.get_mut(col.min(w - 1))) {
                *cell = mark;
            }
        }
    }
    let mut lines = vec![];
    if !title.is_empty() {
        lines.push(Line::styled(title.to_string(), theme.dim));
    }
    for (i, row) in grid.into_iter().enumerate() {
        let label = if i == 0 {
            "100 |"
        } else if i == h - 1 {
            "  0 |"
        } else {
            "    |"
        };
        lines.push(Line::raw(format!(
            "{label}{}",
            row.into_iter().collect::<String>()
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn draw_kpis(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let mut lines = vec![Line::styled("KPIs", theme.header)];
    if let Some(h) = a.health.value() {
        let k = &h.explanation.indicators;
        let u = &h.explanation.usage;
        let ago = |t: Option<Timestamp>| {
            t.map_or("never".to_string(), |t| {
                format::days_from(today, t.date_naive())
            })
        };
        lines.push(Line::raw(format!(
            "last touch {} · sponsor {}",
            ago(k.last_touch),
            ago(k.last_sponsor_touch)
        )));
        if u.tracked {
            lines.push(Line::raw(format!(
                "{} connections/30d · trend {} · active users {}",
                u.connections_30d,
                u.trend_pct.map_or("-".into(), |t| format!("{t:.0}%")),
                u.active_users_pct
                    .map_or("-".into(), |p| format!("{p:.0}%")),
            )));
        } else {
            lines.push(Line::styled("no product usage tracked", theme.dim));
        }
    }
    let open_cases = d.cases.iter().filter(|c| c.status.is_open()).count();
    lines.push(Line::raw(format!(
        "MRR {} · renews {} · payment {}",
        format::money(d.row.mrr_cents),
        d.row
            .renewal
            .map_or("-".into(), |r| format::days_from(today, r)),
        if payments_up_to_date(&d.agreements, today) {
            "up to date"
        } else {
            "LATE"
        }
    )));
    lines.push(Line::raw(format!(
        "{open_cases} open cases · {} opportunities",
        d.opportunities.len()
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn draw_side(f: &mut Frame, d: &Account360, theme: &Theme, area: Rect) {
    let acc = &d.account;
    let mut lines = vec![];
    if !acc.focus_areas.is_empty() {
        lines.push(Line::styled("Focus areas", theme.header));
        for fa in &acc.focus_areas {
            lines.push(Line::raw(format!("• {fa}")));
        }
    }
    let c = &acc.churn;
    if c.likelihood != ChurnLikelihood::None {
        lines.push(Line::styled(
            format!("Churn forecast: {}", c.likelihood),
            theme.at_risk,
        ));
        let reason: Vec<&str> = [&c.reason_category, &c.reason_subcategory, &c.reason_details]
            .iter()
            .filter_map(|r| r.as_deref())
            .collect();
        if !reason.is_empty() {
            lines.push(Line::raw(reason.join(" › ")));
        }
        if let Some(p) = c.projected_date {
            lines.push(Line::raw(format!("projected {p}")));
        }
    }
    let key: Vec<&Contact> = d
        .contacts
        .iter()
        .filter(|c| {
            ["sponsor", "champion", "decision_maker"]
                .iter()
                .any(|r| c.has_role(r))
        })
        .collect();
    if !key.is_empty() {
        lines.push(Line::styled("Key stakeholders", theme.header));
        for c in key.iter().take(4) {
            lines.push(Line::raw(format!("{} — {}", c.name, c.roles.join(", "))));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
