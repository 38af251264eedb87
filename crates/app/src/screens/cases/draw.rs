//! Drawing the cases list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use tend_domain::format;

use crate::app::App;
use crate::state::CaseLine;
use crate::theme::Theme;
use crate::widgets::{health_score, message, pane, ready, selectable, whole, window};

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
    let Some(list) = ready(f, app.retry_key(), theme, inner, "cases", &c.list) else {
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
