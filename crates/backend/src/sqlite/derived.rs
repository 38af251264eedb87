//! Account columns the store derives: MRR today and the nearest notice date.

use std::collections::HashMap;

use super::codec::day;
use super::tables;
use crate::db::Conn;
use crate::{Error, Result};
use chrono::NaiveDate;
use tend_domain::*;

/// Recomputes MRR and renewal of every account as of `today`, writing only the
/// accounts whose values moved (each write rewrites the entries of the indexes on
/// those columns; from one day to the next few accounts' values move).
pub(crate) fn refresh_all<'c>(conn: impl Into<Conn<'c>>, today: NaiveDate) -> Result<()> {
    let conn = conn.into();
    let agreements: Vec<Agreement> = tables::select_in(conn, "WHERE status = 'active'", &[])?;
    let mut by_account: HashMap<Id, Vec<Agreement>> = HashMap::new();
    for a in agreements {
        by_account.entry(a.account_id).or_default().push(a);
    }
    let stored: Vec<(Id, Cents, Option<i64>)> = conn
        .query_map(
            "SELECT id, mrr_cents, renewal_day FROM accounts ORDER BY id",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(Error::storage)?;
    for (id, was_mrr, was_renewal) in stored {
        let list = by_account.get(&id).map_or(&[][..], Vec::as_slice);
        let mrr = mrr_on(list, today);
        let renewal = next_notice_date(list, today).map(|d| day(&d));
        if (mrr, renewal) != (was_mrr, was_renewal) {
            conn.execute(
                "UPDATE accounts SET mrr_cents = ?, renewal_day = ? WHERE id = ?",
                &[&mrr, &renewal, &id],
            )
            .map_err(Error::storage)?;
        }
    }
    super::meta::set_meta(conn, "derived_day", &today.to_string())
}

/// Recomputes MRR and renewal of one account as of `today`.
pub(crate) fn refresh_account<'c>(
    conn: impl Into<Conn<'c>>,
    account: Id,
    today: NaiveDate,
) -> Result<()> {
    let conn = conn.into();
    let list: Vec<Agreement> = tables::select_in(
        conn,
        "WHERE account_id = ? AND status = 'active'",
        &[&account],
    )?;
    let mrr = mrr_on(&list, today);
    let renewal = next_notice_date(&list, today).map(|d| day(&d));
    conn.execute(
        "UPDATE accounts SET mrr_cents = ?, renewal_day = ? WHERE id = ?",
        &[&mrr, &renewal, &account],
    )
    .map_err(Error::storage)?;
    Ok(())
}
