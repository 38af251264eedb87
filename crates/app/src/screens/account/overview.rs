//! Overview: score and intermediate scores, the 12-week / 12-month chart with a
//! curve picker (`c`) and the account's key events marked on it, KPIs, focus
//! areas, churn forecast, key stakeholders, custom fields, the group the account
//! heads (roll-ups) and the timeline of the chart's window: the blocks the
//! config's `[overview] blocks` names, in its order.
//!
//! The health block (scores and chart) is a row of its own, above the other
//! blocks when it comes before them, below when after; the group and the
//! timeline are rows of the whole width under the others; of the rest the first
//! takes the left half and the others follow each other on the right (one alone
//! takes the whole width).
//!
//! The blocks keep the height their text needs; when they do not all fit (80x24)
//! the tab scrolls (j/k, PgUp/PgDn) and its last line says what is above and
//! below. Each curve has its own colour, and without colour (NO_COLOR, ASCII
//! charts) its own mark.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Chart, Clear, Dataset, GraphType, Paragraph, Widget, Wrap,
};
use tend_backend::{Account360, HealthReport};
use tend_domain::{format, *};
use tend_engines::health::{Period, Snapshot};
use tend_engines::timeline::{EventKind, TimelineEvent};

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
pub use crate::screens::account::blocks::OverviewBlock;
use crate::screens::account::state::{AccountView, curve_names};
use crate::state::{Command, Loadable};
use crate::theme::{Theme, curve_mark, health_mark};

/// Width of the scores column beside the chart.
const SCORES: u16 = 30;
/// The chart's height at least (its legend, plot and axis), when the tab scrolls.
const CHART: u16 = 12;

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let width = area.width;
    let blocks = &app.overview;
    let health_at = blocks.iter().position(|b| *b == OverviewBlock::Health);
    let others: Vec<OverviewBlock> = blocks
        .iter()
        .copied()
        .filter(|b| *b != OverviewBlock::Health)
        .collect();
    // The group and the timeline take the whole width, under the columns.
    let (wide, columns): (Vec<OverviewBlock>, Vec<OverviewBlock>) =
        others.iter().partition(|b| b.is_wide());
    // The health row below the others when it is named after them.
    let health_last = health_at.is_some_and(|at| at > 0);
    let scores = a.health.value().map(|h| scores_text(h, theme));
    let text = |b: OverviewBlock| block_lines(b, app, a, d, theme);
    let kpis =
        Paragraph::new(columns.first().map_or(vec![], |b| text(*b))).wrap(Wrap { trim: true });
    let side = Paragraph::new(
        columns
            .iter()
            .skip(1)
            .flat_map(|b| text(*b))
            .collect::<Vec<_>>(),
    )
    .wrap(Wrap { trim: true });
    let rows = Paragraph::new(
        wide.iter()
            .enumerate()
            .flat_map(|(k, b)| {
                // A blank line before each, but the first under no columns.
                let gap = (k > 0 || !columns.is_empty()).then(|| Line::raw(""));
                gap.into_iter().chain(text(*b))
            })
            .collect::<Vec<_>>(),
    )
    .wrap(Wrap { trim: true });
    let half = if columns.len() > 1 { width / 2 } else { width };
    let wrapped = |p: &Paragraph, w: u16| p.line_count(w.max(1)) as u16;
    let columns_height = if columns.is_empty() {
        0
    } else {
        wrapped(&kpis, half).max(wrapped(&side, (width - half).max(1)))
    };
    let last = if wide.is_empty() {
        0
    } else {
        wrapped(&rows, width)
    };
    let bottom = columns_height + last;
    let top = match health_at {
        Some(_) if app.health_off => 2,
        Some(_) => scores.as_ref().map_or(1, |p| wrapped(p, SCORES)).max(CHART),
        None => 0,
    };
    // All fits: the chart takes what the rest leaves (55% at least). Else each
    // block its height, one line kept to say there is more.
    let (top, bottom, total, room) = if top + bottom <= area.height {
        let (t, b) = match (health_at, others.is_empty()) {
            (None, _) => (0, area.height),
            (Some(_), true) => (area.height, 0),
            // Health off: its row only says so.
            (Some(_), false) if app.health_off => (top, area.height - top),
            (Some(_), false) => {
                let [t, b] =
                    Layout::vertical([Constraint::Percentage(55), Constraint::Min(bottom)])
                        .areas(area);
                (t.height, b.height)
            }
        };
        (t, b, area.height, area.height)
    } else {
        (top, bottom, top + bottom, area.height.saturating_sub(1))
    };
    let max = usize::from(total - room);
    a.overview_max.set(max);
    let scroll = a.selected[0].min(max) as u16;

    let mut buf = Buffer::empty(Rect::new(0, 0, width, total));
    let whole = Rect::new(0, 0, width, total);
    let (top_area, bottom_area) = if health_last {
        let [b, t] =
            Layout::vertical([Constraint::Length(bottom), Constraint::Length(top)]).areas(whole);
        (t, b)
    } else {
        let [t, b] =
            Layout::vertical([Constraint::Length(top), Constraint::Length(bottom)]).areas(whole);
        (t, b)
    };
    let [scores_area, _, chart_area] = Layout::horizontal([
        Constraint::Length(SCORES),
        Constraint::Length(2),
        Constraint::Min(20),
    ])
    .areas(top_area);
    match (scores, a.health.value()) {
        _ if health_at.is_none() => {}
        _ if app.health_off => Paragraph::new(
            "health is off for this organisation ([health] enabled = false): no score, no chart",
        )
        .style(theme.dim)
        .wrap(Wrap { trim: true })
        .render(top_area, &mut buf),
        (Some(scores), Some(h)) => {
            (&scores).render(scores_area, &mut buf);
            draw_chart(&mut buf, app, a, h, theme, chart_area);
        }
        _ => Paragraph::new("loading the health score…")
            .style(theme.dim)
            .render(top_area, &mut buf),
    }
    let [columns_area, rows_area] = Layout::vertical([
        Constraint::Length(bottom_area.height.saturating_sub(last)),
        Constraint::Length(last),
    ])
    .areas(bottom_area);
    let [kpis_area, side_area] =
        Layout::horizontal([Constraint::Length(half), Constraint::Min(1)]).areas(columns_area);
    (&kpis).render(kpis_area, &mut buf);
    (&side).render(side_area, &mut buf);
    (&rows).render(rows_area, &mut buf);

    // The window of it that fits.
    let w = usize::from(width);
    let out = f.buffer_mut();
    for row in 0..room.min(total) {
        let from = usize::from(row + scroll) * w;
        let to = out.index_of(area.x, area.y + row);
        out.content[to..to + w].clone_from_slice(&buf.content[from..from + w]);
    }
    if room < area.height {
        let below = usize::from(total - room) - usize::from(scroll);
        let mut parts = vec![];
        if scroll > 0 {
            parts.push(format!("▲ {scroll} lines above"));
        }
        if below > 0 {
            parts.push(format!("▼ {below} more below"));
        }
        let hint = format!(" {} · j/k scroll ", parts.join(" · "));
        let line = Rect::new(area.x, area.y + room, width, 1);
        f.render_widget(
            Line::from(Span::styled(hint, theme.accent)).right_aligned(),
            line,
        );
    }
    if a.picking_curves {
        draw_picker(f, app, a, theme, area);
    }
}

fn scores_text<'a>(h: &HealthReport, theme: &Theme) -> Paragraph<'a> {
    let e = &h.explanation;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!(
                    "{} {}",
                    health_mark(e.status),
                    tend_domain::format::score(e.score)
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
                        .map_or("no data".into(), |s| tend_domain::format::score(Some(s)))
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
    Paragraph::new(lines).wrap(Wrap { trim: true })
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

/// The values of one curve over the snapshots: (week or month, score).
fn points(snaps: &[Snapshot], name: &str) -> Vec<(f64, f64)> {
    snaps
        .iter()
        .enumerate()
        .filter_map(|(x, s)| {
            let y = if name == "overall" {
                s.score
            } else {
                s.components
                    .iter()
                    .find(|(id, _)| id == name)
                    .and_then(|(_, v)| *v)
            };
            y.map(|y| (x as f64, y))
        })
        .collect()
}

/// How the legend and the picker show a curve: a line in its colour, or its mark
/// when there is no colour to tell it (NO_COLOR, ASCII charts).
fn swatch(app: &App, theme: &Theme, k: usize) -> String {
    if theme.colour && !app.ascii {
        "━".into()
    } else {
        curve_mark(k, app.ascii).to_string()
    }
}

fn draw_chart(
    buf: &mut Buffer,
    app: &App,
    a: &AccountView,
    h: &HealthReport,
    theme: &Theme,
    area: Rect,
) {
    let snaps = last12(h, a.period);
    let names = curve_names(a);
    // Each shown curve with its number in `names` (its colour and mark).
    let series: Vec<(usize, Vec<(f64, f64)>)> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| !a.hidden.contains(*n))
        .map(|(k, n)| (k, points(snaps, n)))
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
    // The legend: each curve in its colour, or with its mark; a hidden one dim in
    // brackets. The picker (`c`) numbers them in this order.
    let mut legend = vec![Span::styled(title, theme.dim)];
    for (k, name) in names.iter().enumerate() {
        legend.push(if a.hidden.contains(name) {
            Span::styled(format!("({name}) "), theme.dim)
        } else {
            Span::styled(format!("{}{name} ", swatch(app, theme, k)), theme.curve(k))
        });
    }
    let [legend_area, area] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
    Paragraph::new(Line::from(legend))
        .wrap(Wrap { trim: true })
        .render(legend_area, buf);
    let marks = event_marks(a, snaps, a.period);
    if app.ascii {
        return ascii_chart(buf, &series, &marks, theme, area);
    }
    // Braille lines in colour; without colour each curve drawn with its mark.
    let mut datasets: Vec<Dataset> = series
        .iter()
        .map(|(k, pts)| {
            let marker = if theme.colour {
                Marker::Braille
            } else {
                Marker::Custom(curve_mark(*k, false))
            };
            Dataset::default()
                .name(names[*k].clone())
                .marker(marker)
                .graph_type(GraphType::Line)
                .style(theme.curve(*k))
                .data(pts)
        })
        .collect();
    // The key events over the curves, each a letter on the overall score of its
    // moment, in the colour of its news. Oldest first: where two fall together,
    // the newer is drawn on top.
    let points: Vec<(&Mark, [(f64, f64); 1])> =
        marks.iter().rev().map(|m| (m, [(m.x, m.y)])).collect();
    datasets.extend(points.iter().map(|(m, pt)| {
        Dataset::default()
            .marker(Marker::Custom(m.kind.mark()))
            .graph_type(GraphType::Scatter)
            .style(mark_style(theme, m.worse))
            .data(pt)
    }));
    let first = snaps
        .first()
        .map(|s| s.start.format("%d %b").to_string())
        .unwrap_or_default();
    let last = snaps
        .last()
        .map(|s| s.start.format("%d %b").to_string())
        .unwrap_or_default();
    Chart::new(datasets)
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
        )
        .render(area, buf);
}

/// Charts drawn with ASCII only: each curve's mark at its points, in its colour;
/// the key events' letters over them.
fn ascii_chart(
    buf: &mut Buffer,
    series: &[(usize, Vec<(f64, f64)>)],
    marks: &[Mark],
    theme: &Theme,
    area: Rect,
) {
    let h = area.height.saturating_sub(2).max(1) as usize;
    let w = area.width.saturating_sub(6).max(1) as usize;
    let mut grid: Vec<Vec<Option<(char, ratatui::style::Style)>>> = vec![vec![None; w]; h];
    let mut put = |x: f64, y: f64, cell: (char, ratatui::style::Style)| {
        let col = ((x / 11.0) * (w - 1) as f64).round() as usize;
        let row = h - 1 - ((y.clamp(0.0, 100.0) / 100.0) * (h - 1) as f64).round() as usize;
        if let Some(c) = grid.get_mut(row).and_then(|r| r.get_mut(col.min(w - 1))) {
            *c = Some(cell);
        }
    };
    for (k, pts) in series {
        for (x, y) in pts {
            put(*x, *y, (curve_mark(*k, true), theme.curve(*k)));
        }
    }
    for m in marks.iter().rev() {
        put(m.x, m.y, (m.kind.mark(), mark_style(theme, m.worse)));
    }
    let mut lines = vec![];
    for (i, row) in grid.into_iter().enumerate() {
        let label = if i == 0 {
            "100 |"
        } else if i == h - 1 {
            "  0 |"
        } else {
            "    |"
        };
        let mut spans = vec![Span::raw(label)];
        spans.extend(row.into_iter().map(|c| match c {
            Some((mark, style)) => Span::styled(mark.to_string(), style),
            None => Span::raw(" "),
        }));
        lines.push(Line::from(spans));
    }
    Paragraph::new(lines).render(area, buf);
}

/// A key event placed on the chart: its x between the snapshots, on the overall
/// score of that moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub y: f64,
    pub kind: EventKind,
    pub worse: bool,
}

/// How an event's letter is drawn: the at-risk colour for news for the worse,
/// the healthy one for the better, bold either way.
fn mark_style(theme: &Theme, worse: bool) -> ratatui::style::Style {
    if worse { theme.at_risk } else { theme.healthy }.add_modifier(ratatui::style::Modifier::BOLD)
}

/// Where an instant falls on the chart of `snaps`: snapshot k is the score when
/// its week (or month) closed, so a moment inside period k lies between k - 1
/// and k. None before the chart starts.
pub fn chart_x(snaps: &[Snapshot], period: Period, at: Timestamp) -> Option<f64> {
    let day = at.date_naive();
    let first = snaps.first()?.start;
    if day < first {
        return None;
    }
    let k = snaps.iter().rposition(|s| s.start <= day)?;
    let start = snaps[k].start;
    let len = match (snaps.get(k + 1), period) {
        (Some(next), _) => (next.start - start).num_days(),
        (None, Period::Week) => 7,
        (None, Period::Month) => 30,
    }
    .max(1);
    let frac = ((day - start).num_days() as f64 / len as f64).min(1.0);
    Some((k as f64 - 1.0 + frac).max(0.0))
}

/// The overall score at `x`, read off the line between the snapshots around it.
fn score_at(snaps: &[Snapshot], x: f64) -> Option<f64> {
    let lo = snaps.get(x.floor() as usize)?.score;
    let hi = snaps.get(x.ceil() as usize).and_then(|s| s.score);
    match (lo, hi) {
        (Some(a), Some(b)) => Some(a + (b - a) * x.fract()),
        (a, b) => a.or(b),
    }
}

/// The account's key events on the chart of `snaps` (those before it starts are
/// left out); an event where the score is unknown sits at the top.
fn event_marks(a: &AccountView, snaps: &[Snapshot], period: Period) -> Vec<Mark> {
    let Some(events) = a.timeline.value() else {
        return vec![];
    };
    events
        .iter()
        .filter_map(|e| {
            let x = chart_x(snaps, period, e.at)?;
            Some(Mark {
                x,
                y: score_at(snaps, x).unwrap_or(100.0),
                kind: e.kind,
                worse: e.worse,
            })
        })
        .collect()
}

/// The events the chart covers (its period's window), newest first.
fn events_shown<'a>(a: &'a AccountView, d: &Account360) -> Vec<&'a TimelineEvent> {
    let since = a
        .health
        .value()
        .and_then(|h| last12(h, a.period).first().map(|s| s.start))
        .unwrap_or_else(|| {
            d.as_of.date_naive()
                - chrono::Days::new(match a.period {
                    Period::Week => 7 * 12,
                    Period::Month => 365,
                })
        });
    a.timeline
        .value()
        .map(|events| {
            events
                .iter()
                .filter(|e| e.at.date_naive() >= since)
                .collect()
        })
        .unwrap_or_default()
}

/// The timeline under the blocks: the key events of the chart's window, newest
/// first, each with the letter that marks it on the chart.
fn timeline_lines<'a>(app: &App, a: &AccountView, d: &Account360, theme: &Theme) -> Vec<Line<'a>> {
    let window = match a.period {
        Period::Week => "12 weeks",
        Period::Month => "12 months",
    };
    // With health off there is no chart to mark: the letters are the list's.
    let marks = if app.health_off { "" } else { " on the chart:" };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("Timeline of the {window}"), theme.header),
        Span::styled(
            format!(" ·{marks} E escalation H health C churn risk R renewal S sentiment drop"),
            theme.dim,
        ),
    ])];
    match &a.timeline {
        Loadable::Ready { .. } => {
            let shown = events_shown(a, d);
            if shown.is_empty() {
                lines.push(Line::styled(
                    format!(
                        "no key event in {window}: no escalation, health transition, churn-risk change, renewal or sentiment drop"
                    ),
                    theme.dim,
                ));
            }
            for e in shown {
                lines.push(Line::from(vec![
                    Span::styled(format!("{} ", e.kind.mark()), mark_style(theme, e.worse)),
                    Span::styled(format!("{} ", e.at.format("%d %b")), theme.dim),
                    Span::raw(e.text.clone()),
                ]));
            }
        }
        Loadable::Failed(e) => lines.push(Line::styled(
            format!(
                "could not load the timeline: {e}{}",
                app.retry_key()
                    .map(|k| format!(" — {k} to retry"))
                    .unwrap_or_default()
            ),
            theme.error,
        )),
        _ => lines.push(Line::styled("loading the timeline…", theme.dim)),
    }
    lines
}

/// The curve picker: each curve with its number, colour or mark, and whether it
/// shows; over the top right of the tab.
fn draw_picker(f: &mut Frame, app: &App, a: &AccountView, theme: &Theme, area: Rect) {
    let names = curve_names(a);
    let mut lines: Vec<Line> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let shown = !a.hidden.contains(name);
            let line = Line::from(vec![
                Span::styled(format!(" {} ", k + 1), theme.key),
                Span::raw(if shown { "[x] " } else { "[ ] " }),
                Span::styled(format!("{} ", swatch(app, theme, k)), theme.curve(k)),
                Span::styled(name.clone(), if shown { theme.base } else { theme.dim }),
            ]);
            if k == a.curve_cursor {
                line.style(theme.selected)
            } else {
                line
            }
        })
        .collect();
    lines.push(Line::styled(" 1-9/Space show·hide  Esc", theme.dim));
    let width = 30.min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect::new(area.x + area.width - width, area.y, width, height);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(" curves ");
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    f.render_widget(Paragraph::new(lines), inner);
}

/// The lines of a block other than the health row.
fn block_lines<'a>(
    b: OverviewBlock,
    app: &App,
    a: &AccountView,
    d: &Account360,
    theme: &Theme,
) -> Vec<Line<'a>> {
    match b {
        OverviewBlock::Health => vec![],
        OverviewBlock::Kpis => kpis_lines(a, d, theme),
        OverviewBlock::Focus => focus_lines(d, theme),
        OverviewBlock::Churn => churn_lines(d, theme),
        OverviewBlock::Stakeholders => stakeholder_lines(d, theme),
        OverviewBlock::CustomFields => custom_lines(&app.account_rules, d, theme),
        OverviewBlock::Group => group_lines(d, theme),
        OverviewBlock::Timeline => timeline_lines(app, a, d, theme),
    }
}

fn kpis_lines<'a>(a: &AccountView, d: &Account360, theme: &Theme) -> Vec<Line<'a>> {
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
                "{} connections/30d · {} · active users {}",
                u.connections_30d,
                format::trend_vs_m1(u.trend_pct),
                u.active_users_pct
                    .map_or("-".into(), |p| format!("{p:.0}%")),
            )));
        } else {
            lines.push(Line::styled("no product usage tracked", theme.dim));
        }
    }
    let open_cases = d.cases.iter().filter(|c| c.status.is_open()).count();
    lines.push(Line::raw(format!(
        "MRR {} · {} · payment {}",
        format::money(d.row.mrr_cents),
        crate::screens::account::draw::renewal_text(d, today),
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
    lines
}

/// The group this account heads: its MRR, its worst subsidiary, each
/// subsidiary's renewal, the nearest first; or a note that it heads none.
fn group_lines<'a>(d: &Account360, theme: &Theme) -> Vec<Line<'a>> {
    let today = d.as_of.date_naive();
    let Some(g) = &d.group else {
        let note = match &d.parent {
            Some(p) => format!("no subsidiaries of its own; part of {} (P)", p.name),
            None => "no subsidiaries: no account has this one as its parent".to_string(),
        };
        return vec![Line::from(vec![
            Span::styled("Group", theme.header),
            Span::styled(format!(" · {note}"), theme.dim),
        ])];
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Group ", theme.header),
            Span::styled(
                format!(
                    "of {}: {} MRR",
                    format::counted(g.subsidiaries.len() as u64, "subsidiary", "subsidiaries"),
                    format::money(g.group_mrr_cents)
                ),
                theme.base,
            ),
            Span::styled(
                format!(
                    " ({} own + {})",
                    format::money(g.own_mrr_cents),
                    format::money(g.subsidiaries_mrr_cents)
                ),
                theme.dim,
            ),
        ]),
        match &g.worst {
            Some(w) => Line::from(vec![
                Span::raw("worst "),
                Span::styled(
                    format!(
                        "{} {} {} {}",
                        health_mark(w.health_status),
                        w.name,
                        format::score(w.health_score),
                        w.health_status.map_or("no score", |s| s.label())
                    ),
                    theme.health(w.health_status),
                ),
            ]),
            None => Line::styled("worst: no subsidiary has a score yet", theme.dim),
        },
    ];
    for m in &g.subsidiaries {
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{}{} ",
                    "  ".repeat(m.depth as usize),
                    health_mark(m.health_status)
                ),
                theme.health(m.health_status),
            ),
            Span::raw(format!("{} ", m.name)),
            Span::styled(
                format!(
                    "{} · {}",
                    format::money(m.mrr_cents),
                    format::renewal(today, m.renewal, None)
                ),
                theme.dim,
            ),
        ]));
    }
    lines
}

fn focus_lines<'a>(d: &Account360, theme: &Theme) -> Vec<Line<'a>> {
    let acc = &d.account;
    let mut lines = vec![];
    if !acc.focus_areas.is_empty() {
        lines.push(Line::styled("Focus areas", theme.header));
        for fa in &acc.focus_areas {
            lines.push(Line::raw(format!("• {fa}")));
        }
    }
    lines
}

fn churn_lines<'a>(d: &Account360, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![];
    let c = &d.account.churn;
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
    lines
}

fn stakeholder_lines<'a>(d: &Account360, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![];
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
    lines
}

/// The custom fields that have a value, by their label.
fn custom_lines<'a>(rules: &AccountRules, d: &Account360, theme: &Theme) -> Vec<Line<'a>> {
    let set: Vec<(String, &str)> = rules
        .values(&d.account)
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    if set.is_empty() {
        return vec![];
    }
    let mut lines = vec![Line::styled("Custom fields", theme.header)];
    for (label, value) in set {
        lines.push(Line::from(vec![
            Span::styled(format!("{label}: "), theme.dim),
            Span::raw(value.to_string()),
        ]));
    }
    lines
}

/// What the Overview offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::New),
    Offer::plain(Action::Edit),
    Offer::plain(Action::Period),
    Offer::plain(Action::Curves),
];

/// A key the Overview offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::New => {
            Some(app.open_form(|c| Some(forms::new_interaction(c, InteractionKind::Note))))
        }
        Action::Edit => Some(app.open_form(|c| Some(forms::edit_account(c)))),
        Action::Period => {
            app.account.as_mut()?.toggle_period();
            Some(vec![])
        }
        Action::Curves => {
            let a = app.account.as_mut()?;
            a.picking_curves = true;
            a.curve_cursor = 0;
            Some(vec![])
        }
        _ => None,
    }
}
