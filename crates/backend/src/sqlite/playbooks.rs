//! Playbook runs that act: the scheduler that runs each due automatic step (send an email through the
//! outbox, create a task, wait, check a condition) and stops at a step that waits
//! on a person.

use chrono::{NaiveDate, TimeDelta};
use rusqlite::params;

use crate::db::Conn;

use super::codec::ts;
use super::outbox::{self, NewDelivery};
use super::write::{self, After};
use super::{read, tables};
use crate::outbound::{DeliveryKind, EmailLog, Payload, Settings, smtp};
use crate::{AccountFilter, Error, Result};
use tend_domain::*;
use tend_engines::filter::Filter;

/// The actor the scheduler writes as (in the change log).
pub const SCHEDULER: &str = "scheduler";

/// The runs with a step due at `now`, oldest due first.
pub(crate) fn due_runs<'c>(
    conn: impl Into<Conn<'c>>,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<Id>> {
    conn.into()
        .query_map(
            "SELECT id FROM playbook_runs WHERE next_due_at IS NOT NULL AND next_due_at <= ? \
             ORDER BY next_due_at, id LIMIT ?",
            params![ts(&now), limit as i64],
            |r| r.get(0),
        )
        .map_err(Error::storage)
}

/// The user who owns an account.
fn owner_of(conn: Conn<'_>, account: Id) -> Result<String> {
    conn.query_row(
        "SELECT owner FROM accounts WHERE id = ?",
        &[&account],
        |r| r.get(0),
    )
    .map_err(Error::storage)
}

/// Whether an account matches an expression of the filter language.
fn matches(conn: Conn<'_>, account: Id, expr: &str, today: NaiveDate) -> Result<bool> {
    let mut conds = vec![];
    let mut p = vec![];
    let filter = AccountFilter {
        expr: Some(expr.to_string()),
        ..AccountFilter::default()
    };
    read::account_conditions(&filter, today, false, conn.dialect(), &mut conds, &mut p)?;
    conds.push("a.id = ?".into());
    p.push(rusqlite::types::Value::Integer(account));
    let sql = format!(
        "SELECT count(*) FROM accounts a WHERE {}",
        conds.join(" AND ")
    );
    let n: i64 = conn
        .query_row(&sql, &crate::db::params(&p), |r| r.get(0))
        .map_err(Error::storage)?;
    Ok(n > 0)
}

/// What happened to a run in [`advance`].
#[derive(Debug, Default)]
pub(crate) struct Advanced {
    pub steps: u32,
    /// The run turned red (a step failed with work after it).
    pub turned_red: bool,
}

/// Runs the due automatic steps of a run, one after the other, until a step waits
/// (on time, a person or its email) or fails, or the run ends. Each step's outcome
/// is written to the run (versioned, in the change log under the scheduler).
pub(crate) fn advance<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &tend_engines::health::HealthSetup,
    settings: &Settings,
    run_id: Id,
    now: Timestamp,
) -> Result<Advanced> {
    let conn = conn.into();
    let mut out = Advanced::default();
    let mut run: PlaybookRun = tables::get(conn, run_id)?;
    if !run.automatic {
        return Ok(out);
    }
    let was_red = run.colour() == RunColour::Red;
    let playbook: Playbook = tables::get(conn, run.playbook_id)?;
    let before = run.clone();
    // At most one pass per step: each pass finishes a step or stops.
    for _ in 0..=run.steps.len() {
        let Some(i) = run.current_step() else { break };
        if run.next_due().is_none_or(|due| due > now) {
            break;
        }
        let Some(step) = playbook.steps.get(i) else {
            run.fail(
                i,
                format!(
                    "the playbook {} has no step {} any more",
                    playbook.name,
                    i + 1
                ),
                now,
            )
            .map_err(|e| Error::invalid("steps", e))?;
            break;
        };
        out.steps += 1;
        match &step.action {
            StepAction::Wait { days } => {
                let opened = run.steps[i].at.unwrap_or(run.started_at);
                let until = opened + TimeDelta::days(i64::from(*days));
                if until > now {
                    run.steps[i].due_at = Some(until);
                    run.steps[i].message = format!("waits until {}", until.date_naive());
                    break;
                }
                run.complete(i, now)
                    .map_err(|e| Error::invalid("steps", e))?;
            }
            StepAction::CreateTask { title, due_in_days } => {
                let owner = owner_of(conn, run.account_id)?;
                let task = Task {
                    id: 0,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                    source: Source::Ui,
                    external_id: None,
                    account_id: run.account_id,
                    project_id: None,
                    title: title.clone(),
                    description: format!("From the playbook {}: {}", playbook.name, step.name),
                    assignee: owner,
                    due: Some(now.date_naive() + TimeDelta::days(i64::from(*due_in_days))),
                    status: TaskStatus::Todo,
                    priority: Priority::Normal,
                    position: 0,
                    kind: TaskKind::from_title(title),
                    alert_id: None,
                };
                let created = write::create_with(
                    conn,
                    setup,
                    SCHEDULER,
                    now,
                    Record::Task(task),
                    &mut After::Now,
                )?;
                run.complete(i, now)
                    .map_err(|e| Error::invalid("steps", e))?;
                run.steps[i].task_id = Some(created.id());
                run.steps[i].message = format!("created task {}", created.id());
            }
            StepAction::Check { condition } => {
                let outcome = match Filter::parse_accounts(condition) {
                    Err(e) => Err(format!("the condition '{condition}' does not parse: {e}")),
                    Ok(_) => match matches(conn, run.account_id, condition, now.date_naive())? {
                        true => Ok(()),
                        false => Err(format!("the account does not match '{condition}'")),
                    },
                };
                match outcome {
                    Ok(()) => {
                        run.complete(i, now)
                            .map_err(|e| Error::invalid("steps", e))?;
                        run.steps[i].message = format!("the account matches '{condition}'");
                    }
                    Err(why) => {
                        run.fail(i, why, now)
                            .map_err(|e| Error::invalid("steps", e))?;
                        break;
                    }
                }
            }
            StepAction::WaitForPerson { instructions } => {
                let owner = owner_of(conn, run.account_id)?;
                run.steps[i].assignee = Some(owner);
                run.steps[i].message = if instructions.is_empty() {
                    step.name.clone()
                } else {
                    instructions.clone()
                };
                break;
            }
            StepAction::SendEmail { to_role, .. } => {
                let Some(email) = run.steps[i].email.clone() else {
                    run.fail(
                        i,
                        format!(
                            "no {} to email: the account had no contact with that role and an address when the run started; add one, then start the playbook again",
                            to_role.replace('_', " ")
                        ),
                        now,
                    )
                    .map_err(|e| Error::invalid("steps", e))?;
                    break;
                };
                let key = format!(
                    "run-{}-step-{}-{}",
                    run.id,
                    i + 1,
                    ts(&run.steps[i].at.unwrap_or(now))
                );
                let message_id = format!("{key}@{}", settings.message_domain());
                let payload = Payload::Email {
                    email: smtp::Email {
                        from: settings.from.clone(),
                        to: email.to.clone(),
                        cc: vec![],
                        subject: email.subject.clone(),
                        body: settings.signed(&email.body),
                        message_id,
                        in_reply_to: None,
                        references: vec![],
                        date: now,
                    },
                    log: Some(EmailLog {
                        account_id: run.account_id,
                        contact_ids: email.contact_ids.clone(),
                        user: SCHEDULER.into(),
                        reply_to: None,
                        run: Some((run.id, i)),
                    }),
                };
                let (id, _) = outbox::enqueue(
                    conn,
                    NewDelivery {
                        kind: DeliveryKind::Email,
                        key,
                        channel: "smtp",
                        account_id: Some(run.account_id),
                        origin: format!("playbook run {} step {}", run.id, i + 1),
                        summary: format!("To {}: {}", email.to.join(", "), email.subject),
                        payload: &payload,
                        actor: SCHEDULER,
                    },
                    now,
                )?;
                run.steps[i].delivery_id = Some(id);
                run.steps[i].message = format!("sending to {}", email.to.join(", "));
                break;
            }
        }
    }
    if run != before {
        write::update_with(
            conn,
            setup,
            SCHEDULER,
            now,
            Record::PlaybookRun(run.clone()),
            &mut After::Now,
        )?;
    }
    out.turned_red = !was_red && run.colour() == RunColour::Red;
    Ok(out)
}

/// The email of step `i` of a run went out: the step is done and the run goes on.
/// It failed for good: the step fails with why.
pub(crate) fn email_outcome<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &tend_engines::health::HealthSetup,
    settings: &Settings,
    (run_id, i): (Id, usize),
    delivery: Id,
    failure: Option<&str>,
    now: Timestamp,
) -> Result<Advanced> {
    let conn = conn.into();
    let Ok(mut run) = tables::get::<PlaybookRun>(conn, run_id) else {
        return Ok(Advanced::default());
    };
    if run.steps.get(i).and_then(|s| s.delivery_id) != Some(delivery) {
        // Retried, skipped or completed by hand meanwhile: that decision stands.
        return Ok(Advanced::default());
    }
    let was_red = run.colour() == RunColour::Red;
    let to = run.steps[i]
        .email
        .as_ref()
        .map(|e| e.to.join(", "))
        .unwrap_or_default();
    match failure {
        None => {
            run.complete(i, now)
                .map_err(|e| Error::invalid("steps", e))?;
            run.steps[i].message = format!("sent to {to}");
        }
        Some(why) => run
            .fail(i, format!("the email to {to} was not sent: {why}"), now)
            .map_err(|e| Error::invalid("steps", e))?,
    }
    write::update_with(
        conn,
        setup,
        SCHEDULER,
        now,
        Record::PlaybookRun(run.clone()),
        &mut After::Now,
    )?;
    let mut out = advance(conn, setup, settings, run_id, now)?;
    out.turned_red |= !was_red && failure.is_some() && run.colour() == RunColour::Red;
    Ok(out)
}
