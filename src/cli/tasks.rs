//! `tend tasks`: tasks across accounts (or of one), filtered by assignee, when
//! due (overdue, this week, later, none), open or closed, status, project, type
//! and alert: the store's task query, the one the Tasks tab and `GET /tasks` run.

use clap::Args;

use super::output::{Format, Table, print};
use super::{Failure, parse_named, resolve_account};
use crate::backend::{Backend, DueWindow, TaskQuery};
use crate::domain::*;

#[derive(Debug, Args)]
pub struct TasksArgs {
    /// Only this account's (id, name or domain).
    #[arg(long)]
    pub account: Option<String>,
    /// Only this person's (@me: yours).
    #[arg(long)]
    pub assignee: Option<String>,
    /// overdue, this_week (today to Sunday), later or none (no due date).
    #[arg(long, value_parser = parse_named::<DueWindow>)]
    pub due: Option<DueWindow>,
    /// Only open tasks (to do, doing).
    #[arg(long, conflicts_with = "closed")]
    pub open: bool,
    /// Only closed tasks (done).
    #[arg(long)]
    pub closed: bool,
    /// todo, doing or done.
    #[arg(long, value_parser = parse_named::<TaskStatus>)]
    pub status: Option<TaskStatus>,
    /// The type: todo, call, email, meeting, review or follow_up.
    #[arg(long = "type", value_parser = parse_named::<TaskKind>)]
    pub kind: Option<TaskKind>,
    /// Only this project's (its id).
    #[arg(long)]
    pub project: Option<Id>,
    /// Only the tasks of this alert (its id): its alert tasks.
    #[arg(long)]
    pub alert: Option<Id>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub async fn run(b: &dyn Backend, a: &TasksArgs, me: String) -> Result<(), Failure> {
    let account_id = match &a.account {
        Some(key) => Some(resolve_account(b, key).await?),
        None => None,
    };
    let q = TaskQuery {
        account_id,
        status: a.status,
        assignee: a
            .assignee
            .as_ref()
            .map(|x| if x == "@me" { me.clone() } else { x.clone() }),
        project_id: a.project,
        due_before: None,
        open: match (a.open, a.closed) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        due: a.due,
        kind: a.kind,
        alert_id: a.alert,
    };
    let tasks = b.tasks(&q).await?;
    if tasks.is_empty() && a.format == Format::Table {
        eprintln!("no task matches");
        return Ok(());
    }
    let today = chrono::Utc::now().date_naive();
    print(a.format, &tasks, || Table {
        header: vec![
            "ID", "ACCOUNT", "TYPE", "STATUS", "DUE", "AGE", "ASSIGNEE", "PROJECT", "TITLE",
        ],
        rows: tasks
            .iter()
            .map(|t| {
                vec![
                    t.id.to_string(),
                    t.account_id.to_string(),
                    t.kind.as_str().into(),
                    t.status.as_str().into(),
                    t.due.map(|d| d.to_string()).unwrap_or_default(),
                    format!("{}d", (today - t.created_at.date_naive()).num_days().max(0)),
                    t.assignee.clone(),
                    t.project_id.map(|p| p.to_string()).unwrap_or_default(),
                    t.title.clone(),
                ]
            })
            .collect(),
    })?;
    Ok(())
}
