//! The dashboard: counts aggregated in SQL over indexes (accounts by status with
//! their renewal and MRR, accounts by biggest drag, this week's transitions), never
//! by loading accounts.

use chrono::Days;

use crate::db::Conn;

use super::codec::{Cols, day, ts};
use crate::{Dashboard, DragTile, Error, Result, StatusTile, TransitionCount, Transitions};
use tend_domain::*;
use tend_engines::health::{Measure, TRANSITION_RULE, week_start};

/// The order of the status tiles: the worst first, no score last.
const STATUSES: [Option<HealthStatus>; 4] = [
    Some(HealthStatus::AtRisk),
    Some(HealthStatus::Concerning),
    Some(HealthStatus::Healthy),
    None,
];

/// The filter expression of the accounts of a status (every score lies in 0..100,
/// so "no score" is the negation of that range: a missing value matches a negation).
fn status_filter(status: Option<HealthStatus>) -> String {
    match status {
        Some(s) => format!("health:{} {NOT_CHURNED}", s.as_str()),
        None => format!("-health:0..100 {NOT_CHURNED}"),
    }
}

/// The dashboard counts the customers not churned: lost customers are not at risk,
/// and their MRR is not at stake.
const NOT_CHURNED: &str = "-stage:churned";

/// The churned accounts, found by their partial index.
const CHURNED: &str = "SELECT id FROM accounts INDEXED BY accounts_churned WHERE stage = 'churned'";

fn tile(status: Option<HealthStatus>, accounts: i64, mrr: i64, filter: String) -> StatusTile {
    StatusTile {
        status,
        accounts: accounts.max(0) as u64,
        mrr_cents: mrr,
        filter,
    }
}

pub(crate) fn dashboard(conn: Conn<'_>, now: Timestamp) -> Result<Dashboard> {
    // One snapshot for every statement: the churned accounts' sums are taken out
    // of totals read by another statement, and a write may commit in between.
    conn.snapshot(|c| tiles(c, now))
}

/// The tiles, read in the caller's transaction (one snapshot), on either engine.
pub(crate) fn tiles(conn: Conn<'_>, now: Timestamp) -> Result<Dashboard> {
    let today = now.date_naive();
    let horizon = today
        .checked_add_days(Days::new(u64::from(Dashboard::RENEWAL_DAYS)))
        .unwrap_or(today);
    // `renewal<90d` in the filter language: the same comparison on the same
    // expression, so the tile and its filter agree to the account.
    type Sums = (Option<HealthStatus>, i64, i64, i64, i64);
    let sums = |sql: &str| -> Result<Vec<Sums>> {
        conn.query_map(sql, &[&day(&horizon)], |r| {
            let mut c = Cols::of(r);
            Ok((
                c.opt_parse::<HealthStatus>()?,
                c.get::<i64>()?,
                c.get::<i64>()?,
                c.get::<i64>()?,
                c.get::<i64>()?,
            ))
        })
        .map_err(Error::storage)
    };
    let rows = sums(
        "SELECT health_status, count(*), coalesce(sum(mrr_cents), 0),
                coalesce(sum(CASE WHEN coalesce(renewal_day, 1000000000) < ?1 THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN coalesce(renewal_day, 1000000000) < ?1 THEN mrr_cents END), 0)
         FROM accounts INDEXED BY accounts_status GROUP BY health_status",
    )?;
    // The same sums over the churned accounts alone, taken out of the totals (the
    // totals come from an index; the churned are few).
    let churned = sums(
        "SELECT health_status, count(*), coalesce(sum(mrr_cents), 0),
                coalesce(sum(CASE WHEN coalesce(renewal_day, 1000000000) < ?1 THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN coalesce(renewal_day, 1000000000) < ?1 THEN mrr_cents END), 0)
         FROM accounts INDEXED BY accounts_churned WHERE stage = 'churned'
         GROUP BY health_status",
    )?;
    let of = |status: Option<HealthStatus>| {
        let get = |rows: &[Sums]| {
            rows.iter()
                .find(|r| r.0 == status)
                .map_or((0, 0, 0, 0), |r| (r.1, r.2, r.3, r.4))
        };
        let (all, lost) = (get(&rows), get(&churned));
        (
            all.0 - lost.0,
            all.1 - lost.1,
            all.2 - lost.2,
            all.3 - lost.3,
        )
    };
    let health: Vec<StatusTile> = STATUSES
        .iter()
        .map(|&s| {
            let (n, mrr, _, _) = of(s);
            tile(s, n, mrr, status_filter(s))
        })
        .collect();
    let renewals = STATUSES
        .iter()
        .map(|&s| {
            let (_, _, n, mrr) = of(s);
            let filter = format!("renewal<{}d {}", Dashboard::RENEWAL_DAYS, status_filter(s));
            tile(s, n, mrr, filter)
        })
        .collect();
    let mrr_at_risk = health[0].clone();
    let mrr_concerning = health[1].clone();

    let week = week_start(today);
    let midnight = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let pairs = conn
        .query_map(
            &format!(
                "SELECT from_status, to_status, count(*) FROM alerts INDEXED BY alerts_rule
                 WHERE rule = ? AND at >= ? AND at < ? AND account_id NOT IN ({CHURNED})
                 GROUP BY from_status, to_status ORDER BY 3 DESC, 1 NULLS FIRST, 2 NULLS FIRST"
            ),
            &[
                &TRANSITION_RULE,
                &ts(&midnight(week)),
                &ts(&midnight(week + Days::new(7))),
            ],
            |r| {
                let mut c = Cols::of(r);
                Ok(TransitionCount {
                    from: c.opt_parse()?,
                    to: c.opt_parse()?,
                    count: c.get::<i64>()?.max(0) as u64,
                })
            },
        )
        .map_err(Error::storage)?;

    let drags = conn
        .query_map(
            "SELECT d.health_drag, d.n - coalesce(c.n, 0) AS kept
             FROM (SELECT health_drag, count(*) AS n FROM accounts INDEXED BY accounts_drag
                   WHERE health_drag IS NOT NULL GROUP BY health_drag) AS d
             LEFT JOIN (SELECT health_drag, count(*) AS n FROM accounts INDEXED BY accounts_churned
                        WHERE stage = 'churned' AND health_drag IS NOT NULL
                        GROUP BY health_drag) AS c USING (health_drag)
             WHERE d.n - coalesce(c.n, 0) > 0
             ORDER BY 2 DESC, 1",
            &[],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )
        .map_err(Error::storage)?
        .into_iter()
        // A measure this build does not know (a newer one's) has no filter to list it.
        .filter_map(|(key, n)| Some((Measure::from_key(&key)?, n)))
        .take(Dashboard::DRAGS)
        .map(|(measure, n)| DragTile {
            measure,
            label: measure.label().into(),
            accounts: n.max(0) as u64,
            filter: format!("drag:{} {NOT_CHURNED}", measure.key()),
        })
        .collect();

    Ok(Dashboard {
        as_of: now,
        health,
        transitions: Transitions {
            week_start: week,
            total: pairs.iter().map(|p| p.count).sum(),
            pairs,
        },
        renewals,
        mrr_at_risk,
        mrr_concerning,
        drags,
    })
}
