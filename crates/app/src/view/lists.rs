//! The views bar, the cases page and the alerts inbox. Only the visible lines are
//! built, so thousands of cases cost what a screenful does.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::{ago, health_score, message, pane, ready, selectable, whole, window};
use crate::app::{App, Loadable};
use crate::keys::{Action, Screen};
use crate::lists::{BarItem, CaseLine, Page};
use crate::theme::{Theme, health_mark};
use tend_domain::format;
use tend_domain::*;

/// The views bar: the pages, then the saved views, each with its count; the one on
/// screen stands out.
pub fn draw_bar(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let current = app.current_bar_item();
    let mut spans = vec![Span::raw(" ")];
    for (k, item) in app.bar_items().into_iter().enumerate() {
        if k > 0 {
            spans.push(Span::styled(" │ ", theme.dim));
        }
        let (label, count, age) = bar_label(app, item);
        let style = if item == current {
            theme.selected.add_modifier(Modifier::BOLD)
        } else {
            theme.base
        };
        spans.push(Span::styled(label, style));
        if let Some(count) = count {
            let alert = matches!(item, BarItem::Page(Page::Alerts)) && count != "0";
            spans.push(Span::styled(
                format!(" {count}"),
                if alert { theme.warning } else { theme.dim },
            ));
        }
        if let Some(age) = age {
            spans.push(Span::styled(format!(" {age}"), theme.dim));
        }
    }
    // Which keys switch, at the right when there is room.
    let used = Line::from(spans.clone()).width() as u16;
    let hint = switch_hint(app);
    let room = area.width.saturating_sub(used);
    if !hint.is_empty() && room > hint.chars().count() as u16 + 2 {
        let w = hint.chars().count() as u16;
        spans.push(Span::raw(" ".repeat(usize::from(room - w - 1))));
        spans.push(Span::styled(hint, theme.dim));
    }
    f.render_widget(Line::from(spans), area);
}

/// "[ ] views": the keys that go through the bar.
fn switch_hint(app: &App) -> String {
    let keys: Vec<String> = [Action::PrevPage, Action::NextPage]
        .into_iter()
        .filter_map(|a| app.keys.key_for(Screen::Global, a))
        .collect();
    if keys.is_empty() {
        String::new()
    } else {
        format!("{} views", keys.join(" "))
    }
}

/// An entry's name, count and (for saved views) how old the count is.
fn bar_label(app: &App, item: BarItem) -> (String, Option<String>, Option<String>) {
    match item {
        BarItem::Page(Page::Portfolio) => (
            "Portfolio".into(),
            app.portfolio
                .counts
                .filter(|_| app.views.active.is_none())
                .map(|c| format::count(c.accounts)),
            None,
        ),
        BarItem::Page(Page::Cases) => (
            "Cases".into(),
            match app.cases.list.value() {
                Some(l) if app.views.active.is_none() => Some(format::count(l.total)),
                // Before the page is visited: every case.
                None if app.cases.expr.is_none() => app.cases.count.map(format::count),
                _ => None,
            },
            None,
        ),
        BarItem::Page(Page::Dashboard) => ("Dashboard".into(), None, None),
        BarItem::Page(Page::Alerts) => ("Alerts".into(), app.alerts.open.map(format::count), None),
        BarItem::Saved(i) => {
            let name = app.views.saved.get(i).map_or("?", |v| v.name.as_str());
            let modified = app.views.active == Some(i) && app.view_modified();
            let label = format!("{name}{}", if modified { "*" } else { "" });
            match app.views.counts.get(i) {
                Some(Loadable::Ready { value, at }) => (
                    label,
                    Some(format::count(*value)),
                    Some(ago(app.now, *at).replace(" ago", "")),
                ),
                Some(Loadable::Failed(_)) => (label, Some("!".into()), None),
                Some(Loadable::Loading) => (label, Some("…".into()), None),
                _ => (label, None, None),
            }
        }
    }
}

pub fn draw_cases(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let c = &app.cases;
    let dir = if c.descending { "↓" } else { "↑" };
    let mut title = vec![Span::styled(" Cases ", theme.title)];
    if let Some(list) = c.list.value() {
        let shown = list.rows.len() as u64;
        let count = if shown < list.total {
            format!("{} of {} ", format::count(shown), format::count(list.total))
        } else {
            format!("{} ", format::count(list.total))
        };
        title.push(Span::styled(count, theme.dim));
    }
    title.push(Span::styled(format!("by {} {dir} ", c.sort), theme.dim));
    if let Some(by) = c.group_by {
        title.push(Span::styled(format!("grouped by {by} "), theme.dim));
    }
    if let Some(expr) = &c.expr {
        title.push(Span::styled(format!("where {expr} "), theme.accent));
    }
    let block = pane(Line::from(title), theme, true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(list) = ready(f, app, theme, inner, "cases", &c.list) else {
        return;
    };
    if list.rows.is_empty() {
        let text = match &c.expr {
            Some(expr) => format!("no case matches \"{expr}\" — F changes the filter"),
            None => "no support cases yet".to_string(),
        };
        return message(f, inner, &text, theme.dim);
    }
    let height = inner.height.saturating_sub(1) as usize;
    let range = window(c.selected, c.lines.len(), height, &c.offset);
    let today = app.now.date_naive();
    let wide = inner.width >= 110;
    // A group's heading spans the width: drawn over its (empty) row after the table.
    let mut headings = vec![];
    let built: Vec<Row> = c.lines[range.clone()]
        .iter()
        .enumerate()
        .map(|(k, line)| match line {
            CaseLine::Group(g) => {
                let g = &c.groups[*g];
                let text = format!(
                    "▾ {} — {} case{} · {} open · {} escalated · {} account{} · worst health {}",
                    g.group,
                    g.cases,
                    if g.cases == 1 { "" } else { "s" },
                    g.open,
                    g.escalated,
                    g.accounts,
                    if g.accounts == 1 { "" } else { "s" },
                    whole(g.worst_health),
                );
                headings.push((k, text));
                Row::new(Vec::<Cell>::new())
            }
            CaseLine::Case(i) => {
                let r = &list.rows[*i];
                let case = &r.case;
                let pstyle = theme.priority(case.priority);
                let mut cells = vec![
                    Cell::from(health_score(
                        r.account_health_status,
                        r.account_health_score,
                        3,
                        theme,
                    )),
                    Cell::from(r.account_name.clone()),
                    Cell::from(Span::styled(case.priority.to_string(), pstyle)),
                    Cell::from(if case.escalated {
                        Span::styled("ESC", theme.at_risk)
                    } else {
                        Span::raw("")
                    }),
                    Cell::from(case.status.to_string()),
                    Cell::from(case.team.clone()),
                    Cell::from(format::days_from(today, case.opened_at.date_naive())),
                    Cell::from(case.subject.clone()),
                ];
                if wide {
                    cells.insert(2, Cell::from(case.number.clone()));
                    cells.insert(7, Cell::from(case.region.clone()));
                }
                selectable(Row::new(cells), range.start + k == c.selected, theme)
            }
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(6),
        Constraint::Length(if wide { 24 } else { 16 }),
        Constraint::Length(6),
        Constraint::Length(3),
        Constraint::Length(8),
        Constraint::Length(if wide { 12 } else { 9 }),
        Constraint::Length(8),
        Constraint::Min(10),
    ];
    let mut header = vec![
        "HEALTH", "ACCOUNT", "PRIO", "ESC", "STATUS", "TEAM", "OPENED", "SUBJECT",
    ];
    if wide {
        widths.insert(2, Constraint::Length(10));
        header.insert(2, "CASE");
        widths.insert(7, Constraint::Length(6));
        header.insert(7, "REGION");
    }
    let table = Table::new(built, widths)
        .header(Row::new(header).style(theme.header))
        .column_spacing(1);
    f.render_widget(table, inner);
    for (k, text) in headings {
        let y = inner.y + 1 + k as u16;
        if y < inner.bottom() {
            let r = Rect::new(inner.x, y, inner.width, 1);
            f.render_widget(Span::styled(text, theme.header), r);
        }
    }
}

pub fn draw_alerts(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let a = &app.alerts;
    let which = match (a.transitions_since, a.state) {
        (Some(since), _) => format!("health transitions since {}", since.format("%b %-d")),
        (None, state) => state.map_or("all".to_string(), |s| s.to_string()),
    };
    let mut title = vec![Span::styled(" Alerts ", theme.title)];
    title.push(Span::styled(format!("{which} "), theme.accent));
    if let Some(list) = a.list.value() {
        title.push(Span::styled(format!("{} ", list.len()), theme.dim));
    }
    let block = pane(Line::from(title), theme, true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(list) = ready(f, app, theme, inner, "alerts", &a.list) else {
        return;
    };
    if list.is_empty() {
        let cycle = app
            .keys
            .key_for(Screen::Alerts, Action::Cycle)
            .map(|k| format!(" — {k} shows the others"))
            .unwrap_or_default();
        return message(f, inner, &format!("no {which} alerts{cycle}"), theme.dim);
    }
    let height = inner.height.saturating_sub(1) as usize;
    let range = window(a.selected, list.len(), height, &a.offset);
    let wide = inner.width >= 110;
    let built: Vec<Row> = list[range.clone()]
        .iter()
        .enumerate()
        .map(|(k, alert)| {
            let (name, status) = a
                .names
                .get(&alert.account_id)
                .map(|(n, s)| (n.clone(), *s))
                .unwrap_or_else(|| (format!("account #{}", alert.account_id), None));
            let state = match (alert.state, alert.snoozed_until) {
                (AlertState::Snoozed, Some(until)) if until > app.now => {
                    format!("until {}", until.date_naive().format("%b %-d"))
                }
                (s, _) => s.to_string(),
            };
            let mut cells = vec![
                Cell::from(ago(app.now, alert.at)),
                Cell::from(Span::styled(
                    format!("{} {name}", health_mark(status)),
                    theme.health(status),
                )),
                Cell::from(rule_label(&alert.rule)),
                Cell::from(alert.message.clone()),
            ];
            if wide || a.state != Some(AlertState::Open) {
                cells.insert(3, Cell::from(state));
            }
            selectable(Row::new(cells), range.start + k == a.selected, theme)
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(10),
        Constraint::Length(if wide { 26 } else { 18 }),
        Constraint::Length(10),
        Constraint::Min(12),
    ];
    let mut header = vec!["WHEN", "ACCOUNT", "RULE", "WHAT"];
    if wide || a.state != Some(AlertState::Open) {
        widths.insert(3, Constraint::Length(12));
        header.insert(3, "STATE");
    }
    let table = Table::new(built, widths)
        .header(Row::new(header).style(theme.header))
        .column_spacing(1);
    f.render_widget(table, inner);
}

/// A rule's name as the inbox lists it.
fn rule_label(rule: &str) -> String {
    match rule {
        "health_transition" => "health".into(),
        "usage_drop" => "usage".into(),
        "renewal_at_risk" => "renewal".into(),
        other => other.replace('_', " "),
    }
}

/// The dashboard: tiles of counts, each line opening the accounts (or alerts) it
/// counts.
pub fn draw_dashboard(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    use ratatui::layout::Layout;
    let Some(d) = ready(f, app, theme, area, "dashboard", &app.dashboard.list) else {
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
