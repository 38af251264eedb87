//! Account columns the store derives: MRR today and the nearest notice date.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::Connection;

use super::codec::day;
use super::tables;
use crate::{Error, Result};
use tend_domain::*;

/// Recomputes MRR and renewal of every account as of `today`, writing only the
/// accounts whose values moved (each write rewrites the entries of the indexes on
/// those columns; from one day to the next few accounts' values move).
pub(crate) fn refresh_all(conn: &Connection, today: NaiveDate) -> Result<()> {
    let agreements: Vec<Agreement> = tables::select(conn, "WHERE status = 'active'", [])?;
    let mut by_account: HashMap<Id, Vec<Agreement>> = HashMap::new();
    for a in agreements {
        by_account.entry(a.account_id).or_default().push(a);
    }
    let stored: Vec<(Id, Cents, Option<i64>)> = {
        let mut stmt = conn
            .prepare("SELECT id, mrr_cents, renewal_day FROM accounts ORDER BY id")
            .map_err(Error::storage)?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(Error::storage)?
            .collect::<rusqlite::Result<_>>()
            .map_err(Error::storage)?
    };
    let mut stmt = conn
        .prepare_cached("UPDATE accounts SET mrr_cents = ?, renewal_day = ? WHERE id = ?")
        .map_err(Error::storage)?;
    for (id, was_mrr, was_renewal) in stored {
        let list = by_account.get(&id).map_or(&[][..], Vec::as_slice);
        let mrr = mrr_on(list, today);
        let renewal = next_notice_date(list, today).map(|d| day(&d));
        if (mrr, renewal) != (was_mrr, was_renewal) {
            stmt.execute(rusqlite::params![mrr, renewal, id])
                .map_err(Error::storage)?;
        }
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
