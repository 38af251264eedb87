//! My work: what waits on one user across accounts (playbook steps waiting on
//! them, their tasks due or overdue, open alerts and unanswered incoming emails on
//! the accounts they own or are on the team of), most urgent first.

use chrono::TimeDelta;

use super::codec::{day, ts};
use super::tables;
use crate::db::{Conn, Dialect};
use crate::outbound::{WorkItem, WorkKind};
use crate::{AccountBrief, Error, Result};
use tend_domain::*;

/// Incoming emails older than this are no longer waiting on anyone.
const EMAIL_WINDOW_DAYS: i64 = 30;

fn brief(conn: Conn<'_>, id: Id) -> Result<AccountBrief> {
    conn.query_row(
        "SELECT id, name, health_score, health_status FROM accounts WHERE id = ?",
        &[&id],
        |r| {
            Ok(AccountBrief {
                id: r.get(0)?,
                name: r.get(1)?,
                health_score: r.get(2)?,
                health_status: r.get::<_, Option<String>>(3)?.and_then(|s| s.parse().ok()),
            })
        },
    )
    .map_err(Error::storage)
}

/// The accounts `user` (parameter 1) owns or is on the team of: an SQL
/// condition on `account_id`. Names are compared with ASCII letter case aside.
fn mine(dialect: Dialect) -> String {
    format!(
        "account_id IN (SELECT id FROM accounts WHERE lower(owner) = lower(?1) OR {})",
        dialect.json_array_has("accounts.team", "?1")
    )
}

pub(crate) fn my_work<'c>(
    conn: impl Into<Conn<'c>>,
    user: &str,
    unanswered_days: u32,
    now: Timestamp,
) -> Result<Vec<WorkItem>> {
    let conn = conn.into();
    let mine = mine(conn.dialect());
    let today = now.date_naive();
    let mut out = vec![];
    // Playbook steps waiting on the user.
    let runs: Vec<PlaybookRun> = tables::select_in(
        conn,
        "WHERE lower(waiting_on) = lower(?) ORDER BY id",
        &[&user],
    )?;
    for run in runs {
        let Some((i, _)) = run.waiting_on() else {
            continue;
        };
        let playbook: Playbook = tables::get(conn, run.playbook_id)?;
        let step = &run.steps[i];
        out.push(WorkItem {
            kind: WorkKind::Step,
            account: brief(conn, run.account_id)?,
            title: format!(
                "{}: {}",
                playbook.name,
                playbook
                    .steps
                    .get(i)
                    .map(|s| s.name.as_str())
                    .unwrap_or("?")
            ),
            detail: step.message.clone(),
            since: step.at.unwrap_or(run.started_at),
            due: None,
            overdue: false,
            record_kind: EntityKind::PlaybookRun,
            record_id: run.id,
            step: Some(i),
            task: None,
        });
    }
    // Tasks due today or overdue.
    let tasks: Vec<Task> = tables::select_in(
        conn,
        "WHERE lower(assignee) = lower(?) AND status != 'done' AND due_day IS NOT NULL \
         AND due_day <= ? ORDER BY due_day, id LIMIT 500",
        &[&user, &day(&today)],
    )?;
    for t in tasks {
        out.push(WorkItem {
            kind: WorkKind::Task,
            account: brief(conn, t.account_id)?,
            title: t.title.clone(),
            detail: if t.description.is_empty() {
                format!("{} priority", t.priority.as_str())
            } else {
                t.description.clone()
            },
            since: t.created_at,
            due: t.due,
            overdue: t.due.is_some_and(|d| d < today),
            record_kind: EntityKind::Task,
            record_id: t.id,
            step: None,
            task: Some(t),
        });
    }
    // Open alerts on my accounts.
    let alerts: Vec<Alert> = tables::select_in(
        conn,
        &format!(
            "WHERE (state = 'open' OR (state = 'snoozed' AND snoozed_until <= ?2)) AND {mine} \
             ORDER BY at DESC, id DESC LIMIT 500"
        ),
        &[&user, &ts(&now)],
    )?;
    for a in alerts {
        out.push(WorkItem {
            kind: WorkKind::Alert,
            account: brief(conn, a.account_id)?,
            title: a.rule.replace('_', " "),
            detail: a.message.clone(),
            since: a.at,
            due: None,
            overdue: false,
            record_kind: EntityKind::Alert,
            record_id: a.id,
            step: None,
            task: None,
        });
    }
    // Incoming emails waiting for an answer.
    let older = now - TimeDelta::days(i64::from(unanswered_days));
    let window = now - TimeDelta::days(EMAIL_WINDOW_DAYS);
    let emails: Vec<Interaction> = tables::select_in(
        conn,
        &format!(
            "WHERE kind = 'email' AND direction = 'in' AND answered = 0 AND at <= ?2 AND at >= ?3 \
             AND {mine} AND NOT EXISTS (SELECT 1 FROM interactions o WHERE o.account_id = \
             interactions.account_id AND o.kind = 'email' AND o.direction = 'out' AND o.at >= interactions.at) \
             ORDER BY at, id LIMIT 500"
        ),
        &[&user, &ts(&older), &ts(&window)],
    )?;
    for e in emails {
        let days = (now - e.at).num_days();
        out.push(WorkItem {
            kind: WorkKind::Email,
            account: brief(conn, e.account_id)?,
            title: if e.subject.is_empty() {
                "(no subject)".into()
            } else {
                e.subject.clone()
            },
            detail: format!("unanswered for {days} days"),
            since: e.at,
            due: None,
            overdue: false,
            record_kind: EntityKind::Interaction,
            record_id: e.id,
            step: None,
            task: None,
        });
    }
    // Overdue tasks, then steps waiting on the user, tasks due today, alerts and
    // emails; the oldest first within each.
    let rank = |w: &WorkItem| match w.kind {
        WorkKind::Task if w.overdue => 0,
        WorkKind::Step => 1,
        WorkKind::Task => 2,
        WorkKind::Alert => 3,
        WorkKind::Email => 4,
    };
    out.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(a.due.cmp(&b.due))
            .then(a.since.cmp(&b.since))
    });
    Ok(out)
}
