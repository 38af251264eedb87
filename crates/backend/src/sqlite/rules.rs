//! The business rules a write is held to beyond its own fields, checked in the
//! write transaction so that every client (the app, the CLI, a caller of the
//! server) meets the same ones. The rules themselves are the domain's
//! ([`Agreement::check_renewal`], [`PlaybookRun::check_step_moves`]): the front
//! ends ask them to explain before they write, the store enforces them.
//!
//! A refusal is [`Error::Invalid`] (422 over HTTP, exit code 2 in the CLI), not
//! [`Error::Conflict`]: that one says another write got in first and reloading
//! fixes it, whereas here the write itself is not allowed, whatever is reloaded.

use super::tables::{self, Table};
use crate::db::Conn;
use crate::{Error, Result};
use tend_domain::*;

/// Checks a record about to be written against the rules; `old` is the stored
/// version when the write is an update.
pub(crate) fn check<'c, T: Table>(
    conn: impl Into<Conn<'c>>,
    old: Option<&T>,
    new: &T,
) -> Result<()> {
    let conn = conn.into();
    if let Some(a) = new.as_agreement() {
        renewal(conn, old.and_then(Table::as_agreement), a)?;
    }
    if let (Some(old), Some(new)) = (old.and_then(Table::as_run), new.as_run()) {
        old.check_step_moves(new)
            .map_err(|e| Error::invalid(format!("steps[{}].state", e.step), e.to_string()))?;
    }
    Ok(())
}

/// An agreement that renews another (newly: an update that keeps what it renews
/// is left alone) may do so only when that one can be renewed and no other
/// agreement renews it already.
fn renewal(conn: Conn<'_>, old: Option<&Agreement>, a: &Agreement) -> Result<()> {
    let Some(renewed) = a.renews_id else {
        return Ok(());
    };
    if old.is_some_and(|o| o.renews_id == a.renews_id) {
        return Ok(());
    }
    // The references were checked first: a missing agreement was refused there.
    let Some(target) = tables::select_in::<Agreement>(conn, "WHERE id = ?", &[&renewed])?.pop()
    else {
        return Ok(());
    };
    // No index on renews_id: a scan of the agreements, on a write that is rare.
    let others: Vec<Agreement> =
        tables::select_in(conn, "WHERE renews_id = ? AND id <> ?", &[&renewed, &a.id])?;
    target
        .check_renewal(&others)
        .map_err(|e| Error::invalid("renews_id", e.to_string()))
}

/// An account written by a user (the app, the CLI, a caller of the server) held to
/// the organisation's custom fields, churn reasons and goals profiles, its custom
/// user fields put on its team. Loads from other tools write what the tool says
/// and are not held.
pub(crate) fn account<'c>(
    conn: impl Into<Conn<'c>>,
    rules: &AccountRules,
    record: Record,
) -> Result<Record> {
    let Record::Account(mut a) = record else {
        return Ok(record);
    };
    if rules.is_empty() {
        return Ok(Record::Account(a));
    }
    // A missing account is the write's own error to report.
    let old = if a.id > 0 {
        tables::get::<Account>(conn, a.id).ok()
    } else {
        None
    };
    rules
        .check(old.as_ref(), &a)
        .map_err(|e| Error::invalid(e.field, e.message))?;
    rules.join_team(old.as_ref(), &mut a);
    Ok(Record::Account(a))
}
