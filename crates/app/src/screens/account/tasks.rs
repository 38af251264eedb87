//! Tasks: the kanban (todo / doing / done), each card with its project; h and l
//! move between columns.

use ratatui::Frame;
use tend_backend::Account360;

use crate::screens::account::state::AccountView;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem};
use tend_domain::{format, *};

use crate::widgets::{pane, window};

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let cols = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(area);
    for (k, status) in crate::screens::account::state::TASK_COLUMNS
        .iter()
        .enumerate()
    {
        let tasks = crate::screens::account::state::task_column(d, k);
        let focused = a.column == k;
        let block = pane(
            Line::from(vec![
                Span::styled(
                    format!(" {status} "),
                    if focused { theme.title } else { theme.dim },
                ),
                Span::styled(format!("{} ", tasks.len()), theme.dim),
            ]),
            theme,
            focused,
        );
        let inner = block.inner(cols[k]);
        f.render_widget(block, cols[k]);
        let per_card = 2usize;
        let selected = if focused {
            a.selected().min(tasks.len().saturating_sub(1))
        } else {
            usize::MAX
        };
        let range = if focused {
            window(
                selected,
                tasks.len(),
                (inner.height as usize / per_card).max(1),
                &a.offsets[a.tab.index()],
            )
        } else {
            0..tasks.len().min(inner.height as usize / per_card)
        };
        let items: Vec<ListItem> = range
            .map(|i| {
                let t = tasks[i];
                let project = t
                    .project_id
                    .and_then(|p| d.projects.iter().find(|x| x.id == p))
                    .map(|p| p.name.as_str())
                    .unwrap_or("no project");
                let due = t
                    .due
                    .map(|d| format::days_from(today, d))
                    .unwrap_or_default();
                let late = t.due.is_some_and(|d| d < today) && t.status != TaskStatus::Done;
                let item = ListItem::new(vec![
                    Line::raw(t.title.clone()),
                    Line::from(vec![
                        Span::styled(format!("{project} · {} ", t.assignee), theme.dim),
                        Span::styled(due, if late { theme.at_risk } else { theme.dim }),
                    ]),
                ]);
                if i == selected {
                    item.style(theme.selected)
                } else {
                    item
                }
            })
            .collect();
        if items.is_empty() {
            f.render_widget(Line::styled("nothing here", theme.dim), inner);
        } else {
            f.render_widget(List::new(items), inner);
        }
    }
}
