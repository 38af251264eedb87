//! What a write of a playbook or a run checks and fills in, before the scheduler
//! (playbooks.rs) takes over: each condition parses, a run's emails are rendered
//! as it starts, and an email step completed or skipped by hand does not send its
//! email after all. (The scheduler writes through write.rs; write.rs calls this.)

use chrono::NaiveDate;

use super::{outbox, read, tables};
use crate::db::Conn;
use crate::{Error, Result};
use tend_domain::*;
use tend_engines::filter::Filter;

/// Renders the emails of a run about to start from its playbook's templates and
/// the account's contacts as they are now. A role with no contact (or none with an
/// address) leaves the step without an email: it fails when reached, saying so.
pub(crate) fn prepare<'c>(
    conn: impl Into<Conn<'c>>,
    run: &mut PlaybookRun,
    now: Timestamp,
) -> Result<()> {
    if !run.automatic {
        return Ok(());
    }
    let conn = conn.into();
    let playbook: Playbook = tables::get(conn, run.playbook_id)?;
    let account: Account = tables::get(conn, run.account_id)?;
    let contacts: Vec<Contact> =
        tables::select_in(conn, "WHERE account_id = ? ORDER BY id", &[&run.account_id])?;
    let renewal = read::account_row(conn, run.account_id)?.renewal;
    for (step, state) in playbook.steps.iter().zip(run.steps.iter_mut()) {
        state.email = None;
        let StepAction::SendEmail {
            to_role,
            subject,
            body,
        } = &step.action
        else {
            continue;
        };
        let to: Vec<&Contact> = contacts
            .iter()
            .filter(|c| c.has_role(to_role) && c.email.as_deref().is_some_and(|e| e.contains('@')))
            .collect();
        let Some(first) = to.first() else { continue };
        let value = |field: &str| -> String {
            match field {
                "account.name" => account.name.clone(),
                "account.domain" => account.domain.clone().unwrap_or_default(),
                "account.owner" => account.owner.clone(),
                "owner.name" => display_name(&account.owner),
                "contact.name" => first.name.clone(),
                "contact.first_name" => first
                    .name
                    .split_whitespace()
                    .next()
                    .unwrap_or(&first.name)
                    .to_string(),
                "contact.email" => first.email.clone().unwrap_or_default(),
                "contact.title" => first.title.clone().unwrap_or_default(),
                "renewal.date" => renewal
                    .map(long_date)
                    .unwrap_or_else(|| "your renewal date".into()),
                "today" => long_date(now.date_naive()),
                _ => String::new(),
            }
        };
        let subject = tend_domain::template::render(subject, value)
            .map_err(|e| Error::invalid("subject", e))?;
        let body =
            tend_domain::template::render(body, value).map_err(|e| Error::invalid("body", e))?;
        state.email = Some(RenderedEmail {
            to: to
                .iter()
                .map(|c| crate::outbound::mailbox(&c.name, c.email.as_deref().unwrap_or_default()))
                .collect(),
            contact_ids: to.iter().map(|c| c.id).collect(),
            subject,
            body,
        });
    }
    Ok(())
}

/// A user name as a person's name: "priya.patel" is "Priya Patel".
pub(crate) fn display_name(user: &str) -> String {
    user.split(['.', '_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "12 March 2027".
fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Checks what the store can check of a playbook beyond its fields: each condition
/// is an expression of the filter language.
pub(crate) fn check_playbook(p: &Playbook) -> Result<()> {
    for (i, step) in p.steps.iter().enumerate() {
        if let StepAction::Check { condition } = &step.action
            && let Err(e) = Filter::parse_accounts(condition)
        {
            return Err(Error::invalid(
                format!("steps[{i}].condition"),
                format!("not an expression of the filter language: {e}"),
            ));
        }
    }
    Ok(())
}

/// Cancels the queued email of each email step that `run` completes or skips by
/// hand (`old` being the run as stored).
pub(crate) fn cancel_hand_completed<'c>(
    conn: impl Into<Conn<'c>>,
    old: &PlaybookRun,
    run: &PlaybookRun,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    let conn = conn.into();
    for (i, (o, n)) in old.steps.iter().zip(&run.steps).enumerate() {
        if let Some(d) = o.delivery_id
            && n.delivery_id != Some(d)
            && matches!(n.state, StepState::Done | StepState::Skipped)
        {
            let how = if n.state == StepState::Done {
                "completed"
            } else {
                "skipped"
            };
            outbox::cancel(
                conn,
                d,
                &format!("not sent: step {} was {how} by {actor}", i + 1),
                now,
            )?;
        }
    }
    Ok(())
}
