//! The portfolio pane: accounts with health colour, score, trend, MRR, renewal,
//! owner and stage. Only the visible rows are built: 100k accounts cost what 50 do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::{health_score, message, pane, selectable, window};
use crate::backend::AccountRow;
use crate::format;
use crate::tui::app::{App, Focus};
use crate::tui::theme::{Theme, trend_arrow};

pub fn draw(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let p = &app.portfolio;
    let dir = if p.descending { "↓" } else { "↑" };
    let mut title = vec![Span::styled(" Portfolio ", theme.title)];
    title.push(Span::styled(format!("by {} {dir} ", p.sort), theme.dim));
    if let Some(expr) = &p.expr {
        // The store-side filter stays in sight as long as it applies.
        title.push(Span::styled(format!("where {expr} "), theme.accent));
        if p.filter.is_empty()
            && let Some(rows) = p.rows.value()
        {
            title.push(Span::styled(format!("{} ", rows.len()), theme.dim));
        }
    }
    if !p.filter.is_empty() {
        title.push(Span::styled(format!("/{} ", p.filter), theme.accent));
        title.push(Span::styled(format!("{} match ", p.view.len()), theme.dim));
    }
    let block = pane(Line::from(title), theme, app.focus == Focus::Portfolio);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(rows) = super::ready(f, app, theme, inner, "portfolio", &p.rows) else {
        return;
    };
    if rows.is_empty() {
        return message(
            f,
            inner,
            "no accounts yet: tend import FILE, or tend demo",
            theme.dim,
        );
    }
    if p.view.is_empty() {
        return message(
            f,
            inner,
            &format!("no account matches \"{}\"", p.filter),
            theme.dim,
        );
    }
    let height = inner.height.saturating_sub(1) as usize;
    let range = window(p.selected, p.view.len(), height, &p.offset);
    let today = app.now.date_naive();
    let wide = inner.width >= 76;
    let built: Vec<Row> = p.view[range.clone()]
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let r: &AccountRow = &rows[*i];
            let mut cells = vec![
                Cell::from(health_score(r.health_status, r.health_score, 4, theme)),
                Cell::from(trend_arrow(r.health_trend)),
                Cell::from(r.name.clone()),
                Cell::from(Line::from(format::money(r.mrr_cents)).right_aligned()),
                Cell::from(
                    r.renewal
                        .map(|d| format::days_from(today, d))
                        .unwrap_or_else(|| "-".into()),
                ),
            ];
            if wide {
                cells.push(Cell::from(r.owner.clone()));
                cells.push(Cell::from(r.stage.to_string()));
            }
            selectable(Row::new(cells), range.start + k == p.selected, theme)
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(6),
        Constraint::Length(1),
        Constraint::Min(12),
        Constraint::Length(10),
        Constraint::Length(9),
    ];
    let mut header = vec!["HEALTH", "", "ACCOUNT", "MRR", "RENEWAL"];
    if wide {
        widths.extend([Constraint::Length(12), Constraint::Length(10)]);
        header.extend(["OWNER", "STAGE"]);
    }
    let table = Table::new(built, widths)
        .header(Row::new(header).style(theme.header))
        .column_spacing(1);
    f.render_widget(table, inner);
}
