//! The business rules a write is held to beyond its own fields, checked in the
//! write transaction so that every client (the app, the CLI, a caller of the
//! server) meets the same ones. The rules themselves are the domain's
//! ([`Agreement::check_renewal`], [`PlaybookRun::check_step_moves`]): the front
//! ends ask them to explain before they write, the store enforces them.
//!
//! A refusal is [`Error::Invalid`] (422 over HTTP, exit code 2 in the CLI), not
//! [`Error::Conflict`]: that one says another write got in first and reloading
//! fixes it, whereas here the write itself is not allowed, whatever is reloaded.

use rusqlite::Connection;

use super::tables::{self, Table};
use crate::{Error, Result};
use tend_domain::*;

/// Checks a record about to be written against the rules; `old` is the stored
/// version when the write is an update.
pub(crate) fn check<T: Table>(conn: &Connection, old: Option<&T>, new: &T) -> Result<()> {
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
fn renewal(conn: &Connection, old: Option<&Agreement>, a: &Agreement) -> Result<()> {
    let Some(renewed) = a.renews_id else {
        return Ok(());
    };
    if old.is_some_and(|o| o.renews_id == a.renews_id) {
        return Ok(());
    }
    // The references were checked first: a missing agreement was refused there.
    let Some(target) = tables::select::<Agreement>(conn, "WHERE id = ?", [renewed])?.pop() else {
        return Ok(());
    };
    // No index on renews_id: a scan of the agreements, on a write that is rare.
    let others: Vec<Agreement> =
        tables::select(conn, "WHERE renews_id = ? AND id <> ?", [renewed, a.id])?;
    target
        .check_renewal(&others)
        .map_err(|e| Error::invalid("renews_id", e.to_string()))
}
