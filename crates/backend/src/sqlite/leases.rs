//! Leases kept in the store: one holder at a time for a name (the scheduler's
//! rounds), and the presences of the servers over the store (`replica:` names).
//! Times are wall-clock milliseconds.

use crate::db::Conn;
use crate::{Error, Result};
use rusqlite::OptionalExtension;

/// The leases that say a server over this store is up.
pub(super) const REPLICA_PREFIX: &str = "replica:";

/// Takes or renews `name` for `holder` until `until`: true when `holder`
/// holds it now (it was free, ran out before `now`, or was its own).
pub(super) fn take(tx: Conn<'_>, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
    tx.execute(
        "INSERT INTO leases (name, holder, until) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE leases.holder = excluded.holder OR leases.until < ?4",
        &[&name, &holder, &until, &now],
    )
    .map_err(Error::storage)?;
    let held: String = tx
        .query_row("SELECT holder FROM leases WHERE name = ?", &[&name], |r| {
            r.get(0)
        })
        .map_err(Error::storage)?;
    Ok(held == holder)
}

/// Gives `name` up when `holder` holds it.
pub(super) fn release(tx: Conn<'_>, name: &str, holder: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM leases WHERE name = ? AND holder = ?",
        &[&name, &holder],
    )
    .map_err(Error::storage)?;
    Ok(())
}

/// Who holds `name` at `now`, if anyone does.
pub(super) fn holder(conn: Conn<'_>, name: &str, now: i64) -> Result<Option<String>> {
    conn.query_row(
        "SELECT holder FROM leases WHERE name = ? AND until >= ?",
        &[&name, &now],
        |r| r.get(0),
    )
    .optional()
    .map_err(Error::storage)
}

/// Says `holder` is up until `until`, forgets the presences that ran out
/// before `now`, and counts those left (`holder`'s included).
pub(super) fn replicas(tx: Conn<'_>, holder: &str, now: i64, until: i64) -> Result<u64> {
    let name = format!("{REPLICA_PREFIX}{holder}");
    tx.execute(
        "INSERT INTO leases (name, holder, until) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until",
        &[&name, &holder, &until],
    )
    .map_err(Error::storage)?;
    let prefix_len = REPLICA_PREFIX.len() as i64;
    tx.execute(
        "DELETE FROM leases WHERE substr(name, 1, ?1) = ?2 AND until < ?3",
        &[&prefix_len, &REPLICA_PREFIX, &now],
    )
    .map_err(Error::storage)?;
    let n: i64 = tx
        .query_row(
            "SELECT count(*) FROM leases WHERE substr(name, 1, ?1) = ?2",
            &[&prefix_len, &REPLICA_PREFIX],
            |r| r.get(0),
        )
        .map_err(Error::storage)?;
    Ok(n.max(1) as u64)
}
