//! Tasks: the kanban (todo / doing / done), each card with its project; h and l
//! move between columns.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem};
use tend_backend::Account360;
use tend_domain::{format, *};

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::change::Change;
use crate::screens::account::state::AccountView;
use crate::state::Command;
use crate::theme::Theme;
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

/// What the Tasks tab (a kanban) offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::Right),
    Offer::plain(Action::New),
    Offer::plain(Action::NewProject),
    Offer::plain(Action::Edit),
    Offer::dangerous(Action::Delete),
    Offer::plain(Action::Toggle),
    Offer::plain(Action::MoveLeft),
    Offer::plain(Action::MoveRight),
    Offer::plain(Action::MoveUp),
    Offer::plain(Action::MoveDown),
];

/// A key the Tasks tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    use crate::screens::account::state::{TASK_COLUMNS, task_column};
    match action {
        // Left past the first column goes back, as on every tab.
        Action::Left if app.account.as_ref()?.column > 0 => {
            let a = app.account.as_mut()?;
            a.column -= 1;
            a.selected[a.tab.index()] = 0;
            Some(vec![])
        }
        Action::Right => {
            let a = app.account.as_mut()?;
            a.column = (a.column + 1).min(2);
            a.selected[a.tab.index()] = 0;
            Some(vec![])
        }
        Action::New => {
            let column = app.account.as_ref()?.column.min(2);
            Some(app.open_form(|c| Some(forms::new_task(c, TASK_COLUMNS[column]))))
        }
        Action::NewProject => Some(app.open_form(|c| Some(forms::new_project(c)))),
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        Action::Toggle
        | Action::MoveLeft
        | Action::MoveRight
        | Action::MoveUp
        | Action::MoveDown => Some(app.change(action, |a, d, _| {
            let sel = a.selected();
            let col = task_column(d, a.column);
            let t = col
                .get(sel)
                .copied()
                .ok_or_else(|| "no task selected".to_string())?;
            let here = a.column.min(2);
            let (to, index) = match action {
                Action::Toggle if t.status == TaskStatus::Done => (0, usize::MAX),
                Action::Toggle => (2, usize::MAX),
                Action::MoveLeft if here > 0 => (here - 1, usize::MAX),
                Action::MoveRight if here < 2 => (here + 1, usize::MAX),
                Action::MoveUp if sel > 0 => (here, sel - 1),
                Action::MoveDown if sel + 1 < col.len() => (here, sel + 1),
                _ => return Err(String::new()),
            };
            let moved = move_task(&d.tasks, t.id, TASK_COLUMNS[to], index);
            let what = format!("\"{}\" moved to {}", t.title, TASK_COLUMNS[to]);
            // The selection follows the card.
            let column_len = d
                .tasks
                .iter()
                .filter(|x| x.status == TASK_COLUMNS[to])
                .count();
            let pos = if to == here { index } else { column_len };
            let mut change = Change::new(
                moved
                    .into_iter()
                    .map(|t| tend_backend::Write::Update {
                        record: Record::Task(t),
                    })
                    .collect(),
                what.clone(),
                what,
            );
            change.follow = Some((to, pos.min(column_len)));
            Ok(change)
        })),
        _ => None,
    }
}
