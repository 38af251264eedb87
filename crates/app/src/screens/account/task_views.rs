//! What the Tasks tab keeps (its layout, its filters, the tasks the store found
//! for them) and the selectors that lay the tasks out: the kanban's columns, the
//! list, and the projects with their tasks.

use chrono::NaiveDate;
use tend_backend::{Account360, DueWindow, TaskQuery};
use tend_domain::*;

use crate::state::Loadable;

/// How the Tasks tab lays its tasks out (`v` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskLayout {
    #[default]
    Kanban,
    List,
    Projects,
}

impl TaskLayout {
    pub fn next(self) -> TaskLayout {
        match self {
            TaskLayout::Kanban => TaskLayout::List,
            TaskLayout::List => TaskLayout::Projects,
            TaskLayout::Projects => TaskLayout::Kanban,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TaskLayout::Kanban => "kanban",
            TaskLayout::List => "list",
            TaskLayout::Projects => "by project",
        }
    }
}

/// The Tasks tab's filters (`F`): the store's task query applies them, as it
/// does for `tend tasks` and the API.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    pub assignee: Option<String>,
    pub due: Option<DueWindow>,
    /// Some(true): open tasks only; Some(false): closed (done) only.
    pub open: Option<bool>,
    pub kind: Option<TaskKind>,
}

impl TaskFilter {
    pub fn is_empty(&self) -> bool {
        *self == TaskFilter::default()
    }

    /// "open · overdue · maya.chen · call" (empty: no filter).
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        match self.open {
            Some(true) => parts.push("open".to_string()),
            Some(false) => parts.push("closed".to_string()),
            None => {}
        }
        if let Some(d) = self.due {
            parts.push(format!("due {}", d.as_str().replace('_', " ")));
        }
        if let Some(a) = &self.assignee {
            parts.push(format!("assigned to {a}"));
        }
        if let Some(k) = self.kind {
            parts.push(k.as_str().replace('_', " "));
        }
        parts.join(" · ")
    }

    /// The store's query for an account's tasks (None: no filter).
    pub fn query(&self, account: Id) -> Option<TaskQuery> {
        (!self.is_empty()).then(|| TaskQuery {
            account_id: Some(account),
            assignee: self.assignee.clone(),
            due: self.due,
            open: self.open,
            kind: self.kind,
            ..Default::default()
        })
    }
}

/// The Tasks tab's own state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TasksView {
    pub layout: TaskLayout,
    pub filter: TaskFilter,
    /// The tasks the store found for the filter (None: no filter, the account's
    /// own tasks show).
    pub found: Option<Loadable<Vec<Task>>>,
    /// The completed projects are open in the by-project layout (`C`).
    pub show_completed: bool,
}

impl TasksView {
    /// The tasks shown: the store's answer to the filter, or all of the account's.
    pub fn tasks<'a>(&'a self, d: &'a Account360) -> &'a [Task] {
        match &self.found {
            Some(Loadable::Ready { value, .. }) => value,
            Some(_) => &[],
            None => &d.tasks,
        }
    }
}

pub const TASK_COLUMNS: [TaskStatus; 3] = [TaskStatus::Todo, TaskStatus::Doing, TaskStatus::Done];

/// The tasks of `tasks` in kanban column `k`, in board order.
pub fn column_of(tasks: &[Task], k: usize) -> Vec<&Task> {
    let status = TASK_COLUMNS[k.min(2)];
    let mut tasks: Vec<&Task> = tasks.iter().filter(|t| t.status == status).collect();
    tasks.sort_by_key(|t| (t.position, t.id));
    tasks
}

/// The tasks of a kanban column as the filters show them, in board order.
pub fn column<'a>(v: &'a TasksView, d: &'a Account360, k: usize) -> Vec<&'a Task> {
    column_of(v.tasks(d), k)
}

/// The list's order: open before done, overdue first, then by due day (none
/// last), priority, title.
pub fn listed<'a>(v: &'a TasksView, d: &'a Account360) -> Vec<&'a Task> {
    let mut tasks: Vec<&Task> = v.tasks(d).iter().collect();
    tasks.sort_by_cached_key(|t| {
        (
            t.status == TaskStatus::Done,
            t.due.is_none(),
            t.due,
            t.priority,
            t.title.to_lowercase(),
            t.id,
        )
    });
    tasks
}

/// A row of the by-project layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProjectRow<'a> {
    /// A project's line: the project (None: tasks without one), its tasks, how
    /// many are done.
    Project(Option<&'a Project>, usize, usize),
    Task(&'a Task),
    /// The line that opens or closes the completed projects: how many.
    Completed(usize),
}

/// The by-project layout: the active projects (by due day, then name) each with
/// its tasks, the tasks of no project, then the completed projects behind one
/// line (their tasks shown once `C` opens them).
pub fn by_project<'a>(v: &'a TasksView, d: &'a Account360) -> Vec<ProjectRow<'a>> {
    let tasks = listed(v, d);
    let mut projects: Vec<&Project> = d.projects.iter().collect();
    projects.sort_by_cached_key(|p| (p.due.is_none(), p.due, p.name.to_lowercase()));
    let mut rows = vec![];
    let group = |rows: &mut Vec<ProjectRow<'a>>, p: Option<&'a Project>| {
        let of: Vec<&Task> = tasks
            .iter()
            .copied()
            .filter(|t| t.project_id == p.map(|p| p.id))
            .collect();
        if p.is_none() && of.is_empty() {
            return;
        }
        let done = of.iter().filter(|t| t.status == TaskStatus::Done).count();
        rows.push(ProjectRow::Project(p, of.len(), done));
        rows.extend(of.into_iter().map(ProjectRow::Task));
    };
    for p in projects
        .iter()
        .filter(|p| p.status != ProjectStatus::Completed)
    {
        group(&mut rows, Some(p));
    }
    group(&mut rows, None);
    let completed: Vec<&Project> = projects
        .iter()
        .copied()
        .filter(|p| p.status == ProjectStatus::Completed)
        .collect();
    if !completed.is_empty() {
        rows.push(ProjectRow::Completed(completed.len()));
        if v.show_completed {
            for p in completed {
                group(&mut rows, Some(p));
            }
        }
    }
    rows
}

/// How many rows the layout in front has (the kanban: the column's).
pub fn row_count(v: &TasksView, d: &Account360, column_index: usize) -> usize {
    match v.layout {
        TaskLayout::Kanban => column(v, d, column_index).len(),
        TaskLayout::List => listed(v, d).len(),
        TaskLayout::Projects => by_project(v, d).len(),
    }
}

/// The task under the selection, in any layout (None on a project's line).
pub fn selected<'a>(
    v: &'a TasksView,
    d: &'a Account360,
    column_index: usize,
    sel: usize,
) -> Option<&'a Task> {
    match v.layout {
        TaskLayout::Kanban => column(v, d, column_index).get(sel).copied(),
        TaskLayout::List => listed(v, d).get(sel).copied(),
        TaskLayout::Projects => match by_project(v, d).get(sel) {
            Some(ProjectRow::Task(t)) => Some(t),
            _ => None,
        },
    }
}

/// A task's age: days since it was created ("3d", "5w", "4mo").
pub fn age(t: &Task, today: NaiveDate) -> String {
    let days = (today - t.created_at.date_naive()).num_days().max(0);
    match days {
        0..=13 => format!("{days}d"),
        14..=89 => format!("{}w", days / 7),
        _ => format!("{}mo", days / 30),
    }
}

/// The record under the selection: a task, or on its line in the by-project
/// layout, a project (to edit or delete it).
pub fn selected_record(
    v: &TasksView,
    d: &Account360,
    column_index: usize,
    sel: usize,
) -> Option<Record> {
    if v.layout == TaskLayout::Projects
        && let Some(ProjectRow::Project(Some(p), ..)) = by_project(v, d).get(sel)
    {
        return Some(Record::Project((*p).clone()));
    }
    selected(v, d, column_index, sel).map(|t| Record::Task(t.clone()))
}
