//! Drawing the dashboard.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use tend_domain::{format, *};

use crate::app::App;
use crate::theme::{Theme, health_mark};
use crate::widgets::{pane, ready};

/// The dashboard: tiles of counts, each line opening the accounts (or alerts) it
/// counts.
pub fn draw_dashboard(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    use ratatui::layout::Layout;
    let Some(d) = ready(
        f,
        app.retry_key(),
        theme,
        area,
        "dashboard",
        &app.dashboard.list,
    ) else {
        return;
    };
    let selected = app.dashboard.selected;
    // Lines are numbered as `dashboard_items` numbers them.
    let mut n = 0usize;
    let mut line = |spans: Vec<Span<'static>>| {
        let style = if n == selected {
            theme.selected
        } else {
            theme.base
        };
        n += 1;
        Line::from(spans).style(style)
    };
    let status_name = |s: Option<HealthStatus>| s.map_or("no score", |s| s.label());
    let status_line = |t: &tend_backend::StatusTile| -> Vec<Span<'static>> {
        vec![
            Span::styled(
                format!("{} {:<11}", health_mark(t.status), status_name(t.status)),
                theme.health(t.status),
            ),
            Span::raw(format!("{:>6}", format::count(t.accounts))),
            Span::styled(
                format!("  {:>10} MRR", format::money(t.mrr_cents)),
                theme.dim,
            ),
        ]
    };
    let health: Vec<Line> = d.health.iter().map(|t| line(status_line(t))).collect();
    let renewals: Vec<Line> = d.renewals.iter().map(|t| line(status_line(t))).collect();
    let mrr: Vec<Line> = [&d.mrr_at_risk, &d.mrr_concerning]
        .into_iter()
        .map(|t| {
            line(vec![
                Span::styled(
                    format!("{} {:<11}", health_mark(t.status), status_name(t.status)),
                    theme.health(t.status),
                ),
                Span::raw(format!("{:>12}", format::money(t.mrr_cents))),
                Span::styled(
                    format!("  {}", format::counted(t.accounts, "account", "accounts")),
                    theme.dim,
                ),
            ])
        })
        .collect();
    let mut transitions = vec![line(vec![
        Span::raw(format!("{} this week", format::count(d.transitions.total))),
        Span::styled("  Enter: the alerts", theme.dim),
    ])];
    transitions.extend(d.transitions.pairs.iter().map(|p| {
        Line::from(vec![
            Span::styled(status_name(p.from).to_string(), theme.health(p.from)),
            Span::styled(" → ", theme.dim),
            Span::styled(status_name(p.to).to_string(), theme.health(p.to)),
            Span::raw(format!("  {}", p.count)),
        ])
    }));
    let drags: Vec<Line> = if d.drags.is_empty() {
        vec![Line::styled("no account has a score yet", theme.dim)]
    } else {
        d.drags
            .iter()
            .map(|t| {
                line(vec![
                    Span::raw(format!("{:>6}  ", format::count(t.accounts))),
                    Span::raw(t.label.clone()),
                ])
            })
            .collect()
    };
    let tall = |lines: usize| Constraint::Length(lines as u16 + 2);
    let [top, middle, bottom] = Layout::vertical([
        tall(health.len().max(renewals.len())),
        tall(mrr.len().max(transitions.len())),
        Constraint::Min(3),
    ])
    .areas(area);
    let halves = |r: Rect| -> [Rect; 2] {
        Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(r)
    };
    let [health_area, renewals_area] = halves(top);
    let [mrr_area, transitions_area] = halves(middle);
    let tile = |f: &mut Frame, title: String, lines: Vec<Line<'static>>, r: Rect| {
        let block = pane(Span::styled(title, theme.title), theme, false);
        let inner = block.inner(r);
        f.render_widget(block, r);
        f.render_widget(ratatui::widgets::Paragraph::new(lines), inner);
    };
    let accounts: u64 = d.health.iter().map(|t| t.accounts).sum();
    tile(
        f,
        format!(" Accounts by health · {} ", format::count(accounts)),
        health,
        health_area,
    );
    tile(
        f,
        format!(
            " Renewals within {} days ",
            tend_backend::Dashboard::RENEWAL_DAYS
        ),
        renewals,
        renewals_area,
    );
    tile(f, " MRR at risk ".into(), mrr, mrr_area);
    tile(
        f,
        format!(
            " Transitions, week of {} ",
            d.transitions.week_start.format("%b %-d")
        ),
        transitions,
        transitions_area,
    );
    tile(
        f,
        " Most common drags (the measure pulling each account down most) ".into(),
        drags,
        bottom,
    );
}
