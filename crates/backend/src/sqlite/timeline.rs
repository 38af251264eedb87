//! An account's timeline: the records the engine's `timeline` reads (weekly
//! snapshots, cases, agreements, the last year's scored interactions, the change
//! log's churn and escalation entries).

use chrono::TimeDelta;

use super::codec::{Cols, ts};
use super::health;
use super::read::{CHANGE_COLUMNS, read_change};
use super::tables;
use crate::db::Conn;
use crate::*;
use tend_domain::*;
use tend_engines::health::Period;
use tend_engines::timeline::{TimelineEvent, TimelineInput, timeline};

/// How far back sentiment drops are looked for: the weekly history's year and
/// the baseline before it.
const SENTIMENT_DAYS: i64 = 400;

pub(crate) fn events<'c>(
    conn: impl Into<Conn<'c>>,
    id: Id,
    now: Timestamp,
) -> Result<Vec<TimelineEvent>> {
    let conn = conn.into();
    let account: Account = tables::get(conn, id)?;
    let weekly = health::snapshots(conn, id, Period::Week)?;
    let cases: Vec<SupportCase> = tables::select_in(conn, "WHERE account_id = +?", &[&id])?;
    let agreements: Vec<Agreement> = tables::select_in(conn, "WHERE account_id = +?", &[&id])?;
    let since = now - TimeDelta::days(SENTIMENT_DAYS);
    let interactions: Vec<Interaction> = tables::select_in(
        conn,
        "WHERE account_id = +? AND at >= ? AND sentiment_score IS NOT NULL",
        &[&id, &ts(&since)],
    )?;
    let changes = conn
        .query_map(
            &format!(
                "SELECT {CHANGE_COLUMNS} FROM change_log WHERE account_id = ?
                   AND ((entity = 'account' AND field = 'churn')
                     OR (entity = 'support_case' AND field = 'escalated'))"
            ),
            &[&id],
            |r| read_change(&mut Cols::of(r)),
        )
        .map_err(Error::storage)?;
    Ok(timeline(
        &TimelineInput {
            account: &account,
            weekly: &weekly,
            cases: &cases,
            agreements: &agreements,
            interactions: &interactions,
            changes: &changes,
        },
        now,
    ))
}
