//! Account columns the store derives: MRR today and the nearest notice date.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::Connection;

use super::codec::day;
use super::tables;
use crate::backend::{Error, Result};
use crate::domain::*;

/// Recomputes MRR and renewal of every account as of `today`.
pub(crate) fn refresh_all(conn: &Connection, today: NaiveDate) -> Result<()> {
    let agreements: Vec<Agreement> = tables::select(conn, "WHERE status = 'active'", [])?;
    let mut by_account: HashMap<Id, Vec<Agreement>> = HashMap::new();
    for a in agreements {
        by_account.entry(a.account_id).or_default().push(a);
    }
    conn.execute("UPDATE accounts SET mrr_cents = 0, renewal_day = NULL", [])
        .map_err(Error::storage)?;
    let mut stmt = conn
        .prepare_cached("UPDATE accounts SET mrr_cents = ?, renewal_day = ? WHERE id = ?")
        .map_err(Error::storage)?;
    for (id, list) in &by_account {
        let mrr = mrr_on(list, today);
        let renewal = next_notice_date(list, today).map(|d| day(&d));
        stmt.execute(rusqlite::params![mrr, renewal, id])
            .map_err(Error::storage)?;
    }
    conn.execute(
        "INSERT INTO store_meta(key, value) VALUES ('derived_day', ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [today.to_string()],
    )
    .map_err(Error::storage)?;
    Ok(())
}

/// Recomputes MRR and renewal of one account as of `today`.
pub(crate) fn refresh_account(conn: &Connection, account: Id, today: NaiveDate) -> Result<()> {
    let list: Vec<Agreement> = tables::select(
        conn,
        "WHERE account_id = ? AND status = 'active'",
        [account],
    )?;
    let mrr = mrr_on(&list, today);
    let renewal = next_notice_date(&list, today).map(|d| day(&d));
    conn.execute(
        "UPDATE accounts SET mrr_cents = ?, renewal_day = ? WHERE id = ?",
        rusqlite::params![mrr, renewal, account],
    )
    .map_err(Error::storage)?;
    Ok(())
}
