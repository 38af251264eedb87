//! Drawing My work.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use crate::app::App;
use crate::screens::work::state::{kind_label, when};
use crate::theme::{Theme, health_mark};
use crate::widgets::{message, pane, ready, selectable, window};

pub fn draw_work(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let w = &app.work;
    let mut title = vec![
        Span::styled(" My work ", theme.title),
        Span::styled(format!("{} ", app.user), theme.accent),
    ];
    if let Some(list) = w.list.value() {
        let overdue = list.iter().filter(|i| i.overdue).count();
        title.push(Span::styled(format!("· {} ", list.len()), theme.dim));
        if overdue > 0 {
            title.push(Span::styled(format!("({overdue} overdue) "), theme.at_risk));
        }
    }
    if w.loading {
        title.push(Span::styled(
            format!("{} loading… ", app.spinner()),
            theme.accent,
        ));
    }
    let block = pane(Line::from(title), theme, true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(list) = ready(f, app.retry_key(), theme, inner, "work", &w.list) else {
        return;
    };
    if list.is_empty() {
        return message(
            f,
            inner,
            "Nothing waits on you: no step, task due, open alert or unanswered email",
            theme.dim,
        );
    }
    let today = app.now.date_naive();
    let height = inner.height.saturating_sub(1) as usize;
    let range = window(w.selected, list.len(), height, &w.offset);
    let wide = inner.width >= 110;
    let account_width: u16 = if wide { 28 } else { 20 };
    // The WHAT column: the title, and the detail when it fits whole beside it.
    let what_width = usize::from(inner.width.saturating_sub(5 + account_width + 14 + 3));
    let rows: Vec<Row> = list[range.clone()]
        .iter()
        .enumerate()
        .map(|(k, item)| {
            let status = item.account.health_status;
            let late = if item.overdue {
                theme.at_risk.add_modifier(Modifier::BOLD)
            } else {
                theme.dim
            };
            let mut what = vec![Span::raw(item.title.clone())];
            let room = what_width.saturating_sub(item.title.chars().count() + 3);
            if !item.detail.is_empty() && item.detail.chars().count() <= room {
                what.push(Span::styled(format!(" · {}", item.detail), theme.dim));
            }
            let row = Row::new(vec![
                Cell::from(kind_label(item.kind)),
                Cell::from(Span::styled(
                    format!("{} {}", health_mark(status), item.account.name),
                    theme.health(status),
                )),
                Cell::from(Line::from(what)),
                Cell::from(Span::styled(when(item, today, app.now), late)),
            ]);
            selectable(row, range.start + k == w.selected, theme)
        })
        .collect();
    let widths = [
        Constraint::Length(5),
        Constraint::Length(account_width),
        Constraint::Min(12),
        Constraint::Length(14),
    ];
    let table = Table::new(rows, widths)
        .header(Row::new(["KIND", "ACCOUNT", "WHAT", "WHEN"]).style(theme.header))
        .column_spacing(1);
    f.render_widget(table, inner);
}
