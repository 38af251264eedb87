//! What the 360 derives beyond its records: a health indicator per contact and,
//! for a parent account, the roll-up of its group. Both are the engines' (pure);
//! this reads what they need.

use chrono::TimeDelta;

use super::codec::{Cols, ts};
use super::read::{ROW_COLUMNS, read_row};
use super::tables;
use crate::*;
use tend_domain::*;
use tend_engines::health::{Bands, contacts_health};

use crate::db::Conn;
use tend_engines::hierarchy::{GroupRollup, Member, rollup};

/// How far back a contact's last touch is looked for.
const TOUCH_DAYS: i64 = 365;

/// Fills the 360's contact indicators (in the bands of the account's profile)
/// and its group roll-up.
pub(crate) fn fill<'c>(
    conn: impl Into<Conn<'c>>,
    view: &mut Account360,
    bands: &Bands,
    now: Timestamp,
) -> Result<()> {
    let conn = conn.into();
    // The 360's newest interactions, unless a year of them does not fit in it:
    // a contact's last touch may be older than they go.
    let since = now - TimeDelta::days(TOUCH_DAYS);
    let full = view.interactions.len() >= Account360::INTERACTIONS as usize
        && view.interactions.last().is_some_and(|i| i.at > since);
    let year: Vec<Interaction>;
    let interactions = if full {
        year = tables::select_in(
            conn,
            "WHERE account_id = +? AND at >= ? ORDER BY at DESC, id DESC",
            &[&view.account.id, &ts(&since)],
        )?;
        &year
    } else {
        &view.interactions
    };
    view.contact_health = contacts_health(
        &view.contacts,
        interactions,
        &view.usage,
        &view.nps,
        bands,
        now,
    );
    // Only a parent heads a group (its children are already loaded).
    view.group = match view.children.is_empty() {
        true => None,
        false => group(conn, view.account.id, view.row.mrr_cents)?,
    };
    Ok(())
}

/// The roll-up of the group `head` heads (its subsidiaries all levels down);
/// None when it has none.
pub(crate) fn group<'c>(
    conn: impl Into<Conn<'c>>,
    head: Id,
    own_mrr_cents: Cents,
) -> Result<Option<GroupRollup>> {
    // UNION (not UNION ALL): a loop in the links ends the walk.
    let sql = format!(
        "WITH RECURSIVE sub(id) AS (
             SELECT id FROM accounts WHERE parent_id = ?1
             UNION SELECT a.id FROM accounts a JOIN sub ON a.parent_id = sub.id)
         SELECT {ROW_COLUMNS} FROM accounts a WHERE a.id IN (SELECT id FROM sub) AND a.id <> ?1"
    );
    let members = conn
        .into()
        .query_map(&sql, &[&head], |r| {
            let row = read_row(&mut Cols::of(r))?;
            Ok(Member {
                id: row.id,
                name: row.name,
                parent_id: row.parent_id,
                stage: row.stage,
                mrr_cents: row.mrr_cents,
                renewal: row.renewal,
                health_score: row.health_score,
                health_status: row.health_status,
                depth: 0,
            })
        })
        .map_err(Error::storage)?;
    Ok(rollup(head, own_mrr_cents, &members))
}
