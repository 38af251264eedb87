//! Tasks: the kanban (todo / doing / done: h and l move between columns, H L J K
//! move a card), the list (open first, overdue first), and the tasks by project
//! with the completed projects behind one line (`C`); `v` cycles the three, `F`
//! filters through the store's task query. Each task shows its type and age.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, List, ListItem, Paragraph, Row};
use tend_backend::{Account360, DueWindow};
use tend_domain::{format, *};

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::change::Change;
use crate::screens::account::list;
use crate::screens::account::state::AccountView;
use crate::screens::account::task_views::{
    ProjectRow, TASK_COLUMNS, TaskLayout, age, by_project, column, column_of, listed,
};
use crate::state::{Command, Loadable};
use crate::theme::Theme;
use crate::widgets::{message, pane, window};

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let v = &a.tasks;
    let filters = v.filter.describe();
    let shown = v.tasks(d).len();
    let mut line = vec![
        Span::styled(v.layout.name().to_string(), theme.title),
        Span::styled(
            format!(
                " · {}{}",
                format::counted(shown as u64, "task", "tasks"),
                if filters.is_empty() {
                    String::new()
                } else {
                    format!(" · {filters}")
                }
            ),
            theme.base,
        ),
        Span::styled(" · v view · F filters", theme.dim),
    ];
    if v.layout == TaskLayout::Projects {
        line.push(Span::styled(" · C completed projects", theme.dim));
    }
    f.render_widget(Paragraph::new(Line::from(line)), head);
    let empty = match &v.found {
        Some(Loadable::Loading) => Some("asking the store for the tasks…".to_string()),
        Some(Loadable::Failed(e)) => Some(format!("the store could not answer: {e} (F: again)")),
        Some(_) if shown == 0 => Some("no task matches: F changes the filters".to_string()),
        None if d.tasks.is_empty()
            && (v.layout != TaskLayout::Projects || d.projects.is_empty()) =>
        {
            Some("no tasks with this account: n adds one, N a project".to_string())
        }
        _ => None,
    };
    if let Some(text) = empty {
        return message(f, body, &text, theme.dim);
    }
    match v.layout {
        TaskLayout::Kanban => draw_kanban(f, a, d, theme, body),
        TaskLayout::List => draw_list(f, a, d, theme, body),
        TaskLayout::Projects => draw_projects(f, app, a, d, theme, body),
    }
}

/// The due day, red when overdue.
fn due_span(t: &Task, today: chrono::NaiveDate, theme: &Theme) -> Span<'static> {
    let text = t
        .due
        .map(|x| format::days_from(today, x))
        .unwrap_or_else(|| "no due date".into());
    let style = if DueWindow::of(t, today) == Some(DueWindow::Overdue) {
        theme.at_risk
    } else {
        theme.dim
    };
    Span::styled(text, style)
}

fn project_name<'a>(d: &'a Account360, t: &Task) -> &'a str {
    t.project_id
        .and_then(|p| d.projects.iter().find(|x| x.id == p))
        .map(|p| p.name.as_str())
        .unwrap_or("no project")
}

fn kind_name(k: TaskKind) -> String {
    k.as_str().replace('_', " ")
}

fn status_style(s: TaskStatus, theme: &Theme) -> Style {
    match s {
        TaskStatus::Todo => theme.base,
        TaskStatus::Doing => theme.accent,
        TaskStatus::Done => theme.dim,
    }
}

fn draw_kanban(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let cols = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(area);
    for (k, status) in TASK_COLUMNS.iter().enumerate() {
        let tasks = column(&a.tasks, d, k);
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
        let per_card = 3usize;
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
                let item = ListItem::new(vec![
                    Line::raw(t.title.clone()),
                    Line::from(vec![
                        Span::styled(format!("{} · ", kind_name(t.kind)), theme.accent),
                        Span::styled(format!("{} · ", project_name(d, t)), theme.dim),
                        Span::styled(format!("{} ", t.assignee), theme.dim),
                    ]),
                    Line::from(vec![
                        due_span(t, today, theme),
                        Span::styled(format!(" · age {}", age(t, today)), theme.dim),
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

fn task_cells<'a>(t: &'a Task, d: &'a Account360, theme: &Theme, indent: &str) -> Vec<Cell<'a>> {
    let today = d.as_of.date_naive();
    vec![
        Cell::from(format!("{indent}{}", t.title)),
        Cell::from(Span::styled(kind_name(t.kind), theme.accent)),
        Cell::from(Span::styled(
            t.status.as_str().to_string(),
            status_style(t.status, theme),
        )),
        Cell::from(due_span(t, today, theme)),
        Cell::from(age(t, today)),
        Cell::from(t.assignee.clone()),
    ]
}

fn widths(wide: bool) -> Vec<Constraint> {
    let mut w = vec![
        Constraint::Min(16),
        Constraint::Length(9),
        Constraint::Length(6),
        Constraint::Length(11),
        Constraint::Length(4),
        Constraint::Length(12),
    ];
    if wide {
        w.push(Constraint::Length(20));
    }
    w
}

fn draw_list(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let tasks = listed(&a.tasks, d);
    let wide = area.width >= 100;
    let mut header = vec!["TASK", "TYPE", "STATE", "DUE", "AGE", "ASSIGNEE"];
    if wide {
        header.push("PROJECT");
    }
    list(
        f,
        area,
        theme,
        a,
        header,
        widths(wide),
        tasks.len(),
        |i| {
            let t = tasks[i];
            let mut cells = task_cells(t, d, theme, "");
            if wide {
                cells.push(Cell::from(project_name(d, t).to_string()));
            }
            Row::new(cells)
        },
        "no tasks",
    );
}

fn draw_projects(
    f: &mut Frame,
    app: &App,
    a: &AccountView,
    d: &Account360,
    theme: &Theme,
    area: Rect,
) {
    let today = d.as_of.date_naive();
    let rows = by_project(&a.tasks, d);
    let (open, shut) = if app.ascii {
        ("v", ">")
    } else {
        ("▾", "▸")
    };
    list(
        f,
        area,
        theme,
        a,
        vec!["PROJECT / TASK", "TYPE", "STATE", "DUE", "AGE", "ASSIGNEE"],
        widths(false),
        rows.len(),
        |i| match rows[i] {
            ProjectRow::Project(p, n, done) => {
                let name = p.map_or("no project", |p| p.name.as_str());
                // A completed project reads as done, as its tasks do.
                let status = match p.map(|p| p.status) {
                    Some(ProjectStatus::Completed) => "done",
                    _ => "",
                };
                let due = p
                    .and_then(|p| p.due)
                    .map(|x| format::days_from(today, x))
                    .unwrap_or_default();
                Row::new(vec![
                    Cell::from(Line::from(vec![
                        Span::styled(format!("{open} {name}"), theme.title),
                        Span::styled(format!("  {done}/{n} done"), theme.dim),
                    ])),
                    Cell::from(""),
                    Cell::from(Span::styled(status.to_string(), theme.dim)),
                    Cell::from(Span::styled(due, theme.dim)),
                ])
            }
            ProjectRow::Task(t) => Row::new(task_cells(t, d, theme, "  ")),
            ProjectRow::Completed(n) => Row::new(vec![
                Cell::from(Span::styled(
                    format!(
                        "{} {}",
                        if a.tasks.show_completed { open } else { shut },
                        format::counted(n as u64, "completed project", "completed projects"),
                    ),
                    theme.title,
                )),
                Cell::from(Span::styled(
                    if a.tasks.show_completed {
                        "C hides"
                    } else {
                        "C shows"
                    },
                    theme.dim,
                )),
            ]),
        },
        "no projects and no tasks: N adds a project",
    );
}

/// What the Tasks tab offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::Right),
    Offer::plain(Action::View),
    Offer::plain(Action::Filters),
    Offer::plain(Action::Completed),
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
    let kanban = app.account.as_ref()?.tasks.layout == TaskLayout::Kanban;
    match action {
        // Left past the first column goes back, as on every tab.
        Action::Left if kanban && app.account.as_ref()?.column > 0 => {
            let a = app.account.as_mut()?;
            a.column -= 1;
            a.selected[a.tab.index()] = 0;
            Some(vec![])
        }
        Action::Right if kanban => {
            let a = app.account.as_mut()?;
            a.column = (a.column + 1).min(2);
            a.selected[a.tab.index()] = 0;
            Some(vec![])
        }
        Action::Right => Some(vec![]),
        Action::View => {
            let a = app.account.as_mut()?;
            a.tasks.layout = a.tasks.layout.next();
            a.column = 0;
            a.selected[a.tab.index()] = 0;
            Some(vec![])
        }
        Action::Filters => Some(app.open_filters()),
        Action::Completed => {
            let a = app.account.as_mut()?;
            if a.tasks.layout == TaskLayout::Projects {
                a.tasks.show_completed = !a.tasks.show_completed;
            } else {
                a.tasks.layout = TaskLayout::Projects;
                a.tasks.show_completed = true;
                a.selected[a.tab.index()] = 0;
            }
            Some(vec![])
        }
        Action::New => {
            let a = app.account.as_ref()?;
            let status = if kanban {
                TASK_COLUMNS[a.column.min(2)]
            } else {
                TaskStatus::Todo
            };
            Some(app.open_form(|c| Some(forms::new_task(c, status))))
        }
        Action::NewProject => Some(app.open_form(|c| Some(forms::new_project(c)))),
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        Action::MoveLeft | Action::MoveRight | Action::MoveUp | Action::MoveDown if !kanban => {
            app.status = Some("H L J K move cards on the kanban (v)".into());
            Some(vec![])
        }
        Action::Toggle
        | Action::MoveLeft
        | Action::MoveRight
        | Action::MoveUp
        | Action::MoveDown => Some(app.change(action, |a, d, _| {
            let sel = a.selected();
            let here = a.column.min(2);
            let t = crate::screens::account::task_views::selected(&a.tasks, d, here, sel)
                .ok_or_else(|| "no task selected".to_string())?;
            let shown = column(&a.tasks, d, here);
            // A filter may hide cards: a card moves past the next one shown,
            // at that card's place on the whole board.
            let board = column_of(&d.tasks, here);
            let place_of = |i: usize| {
                shown
                    .get(i)
                    .and_then(|n| board.iter().position(|x| x.id == n.id))
                    .unwrap_or(usize::MAX)
            };
            let (to, index) = match action {
                Action::Toggle if t.status == TaskStatus::Done => (0, usize::MAX),
                Action::Toggle => (2, usize::MAX),
                Action::MoveLeft if here > 0 => (here - 1, usize::MAX),
                Action::MoveRight if here < 2 => (here + 1, usize::MAX),
                Action::MoveUp if sel > 0 => (here, place_of(sel - 1)),
                Action::MoveDown if sel + 1 < shown.len() => (here, place_of(sel + 1)),
                _ => return Err(String::new()),
            };
            let moved = move_task(&d.tasks, t.id, TASK_COLUMNS[to], index);
            let what = format!("\"{}\" moved to {}", t.title, TASK_COLUMNS[to]);
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
            // On the kanban the selection follows the card.
            if a.tasks.layout == TaskLayout::Kanban {
                let column_len = column(&a.tasks, d, to).len();
                let pos = match action {
                    Action::MoveUp if to == here => sel - 1,
                    Action::MoveDown if to == here => sel + 1,
                    _ if to == here => sel,
                    _ => column_len,
                };
                change.follow = Some((to, pos.min(column_len)));
            }
            Ok(change)
        })),
        _ => None,
    }
}
