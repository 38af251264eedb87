//! Health snapshots: their encoding, writing and reading, last week's score (the
//! trend's reference), and the explanation of a score with its history.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use rusqlite::{OptionalExtension, params};

use crate::db::Conn;

use super::inputs::{Depth, load};
use crate::sqlite::codec::{Cols, day, ts};
use crate::{Error, HealthReport, Result};
use tend_domain::*;
use tend_engines::health::*;

pub(super) fn encode_components(c: &[(String, Option<f64>)]) -> String {
    let mut out = String::with_capacity(c.len() * 16);
    for (k, (id, s)) in c.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(id);
        out.push('=');
        if let Some(s) = s {
            push_tenths(&mut out, *s);
        }
    }
    out
}

/// Appends `v` with one decimal, exactly as `{:.1}` writes it. Formatting floats
/// to a precision is slow (a backfill writes hundreds of thousands), so values in
/// the usual range go through integers: the tenths `v * 10` rounded. That product
/// is the double nearest the exact one and x.5 is a double, so the product can
/// only cross a rounding boundary by landing on it: those ties (and negative,
/// huge or non-finite values) are left to `{:.1}`.
fn push_tenths(out: &mut String, v: f64) {
    use std::fmt::Write;
    let t = v * 10.0;
    if v >= 0.0 && t < 1e15 && (t.fract() - 0.5).abs() > 0.0 {
        let n = t.round() as u64;
        let _ = write!(out, "{}.{}", n / 10, n % 10);
    } else {
        let _ = write!(out, "{v:.1}");
    }
}

fn decode_components(text: &str) -> Vec<(String, Option<f64>)> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(id, s)| (id.to_string(), s.parse().ok()))
        .collect()
}

/// A snapshot as it is written: its components already encoded (for a backfill,
/// by the thread that scored it, so that the writer only binds them), with the
/// condition of its biggest drag where it can raise a transition alert.
pub(super) struct Past {
    pub(super) period: Period,
    pub(super) start: NaiveDate,
    pub(super) at: Timestamp,
    pub(super) score: Option<f64>,
    pub(super) status: Option<HealthStatus>,
    pub(super) components: String,
    pub(super) drag: Option<String>,
}

pub(super) fn put_snapshot(conn: Conn<'_>, account_id: Id, s: &Past, profile: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO health_snapshots(account_id, period, start_day, at, score, status, profile, components)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(account_id, period, start_day) DO UPDATE SET
           at = excluded.at, score = excluded.score, status = excluded.status,
           profile = excluded.profile, components = excluded.components",
        params![
        account_id,
        s.period.as_str(),
        day(&s.start),
        ts(&s.at),
        s.score,
        s.status.map(|x| x.as_str()),
        profile,
            s.components,
        ],
    )
    .map_err(Error::storage)?;
    Ok(())
}

/// An account's snapshots of one period, oldest first.
pub(crate) fn snapshots<'c>(
    conn: impl Into<crate::db::Conn<'c>>,
    id: Id,
    period: Period,
) -> Result<Vec<Snapshot>> {
    conn.into()
        .query_map(
            // Without statistics the planner would walk the whole period in key
            // order rather than this account's few rows.
            "SELECT start_day, at, score, status, profile, components
             FROM health_snapshots INDEXED BY health_snapshots_account
             WHERE account_id = +? AND period = ? ORDER BY start_day",
            &[&id, &period.as_str()],
            |r| {
                let mut c = Cols::of(r);
                Ok(Snapshot {
                    account_id: id,
                    period,
                    start: c.day()?,
                    at: c.ts()?,
                    score: c.get()?,
                    status: c.opt_parse()?,
                    profile: c.get()?,
                    components: decode_components(&c.get::<String>()?),
                })
            },
        )
        .map_err(Error::storage)
}

/// The score of last week's snapshot (the trend's reference).
pub(super) fn previous_week(conn: Conn<'_>, id: Id, now: Timestamp) -> Result<Option<f64>> {
    let start = week_start(now.date_naive()) - Days::new(7);
    conn.query_row(
        "SELECT score FROM health_snapshots WHERE account_id = ? AND period = 'week' AND start_day = ?",
        params![id, day(&start)],
        |r| r.get::<_, Option<f64>>(0),
    )
    .optional()
    .map_err(Error::storage)
    .map(Option::flatten)
}

fn with_trend(mut e: Explanation, previous: Option<f64>) -> Explanation {
    e.previous = previous;
    e.trend = trend(e.score, previous);
    e
}

/// Scores one account at `now` with the trend against last week (no writes).
pub(crate) fn explain<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    id: Id,
    now: Timestamp,
) -> Result<(Explanation, Profile)> {
    let conn = conn.into();
    let data = load(conn, id, now, Depth::Explain)?;
    let profile = match &data.account {
        Some(a) => setup.profiles.for_account(a).clone(),
        None => {
            return Err(Error::NotFound {
                kind: EntityKind::Account,
                id,
            });
        }
    };
    let e = evaluate(&data, &profile, now);
    Ok((with_trend(e, previous_week(conn, id, now)?), profile))
}

/// The explanation, the profile and the history of one account.
pub(crate) fn report<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    id: Id,
    now: Timestamp,
) -> Result<HealthReport> {
    if !setup.enabled {
        return Err(Error::invalid(
            "health",
            "health is off for this organisation ([health] enabled = false): no score is computed",
        ));
    }
    let conn = conn.into();
    let (explanation, profile) = explain(conn, setup, id, now)?;
    Ok(HealthReport {
        explanation,
        profile,
        weekly: snapshots(conn, id, Period::Week)?,
        monthly: snapshots(conn, id, Period::Month)?,
    })
}

pub(super) fn trend(score: Option<f64>, previous: Option<f64>) -> Option<f64> {
    Some(score? - previous?)
}

pub(super) fn week_scores(conn: Conn<'_>, start: NaiveDate) -> Result<HashMap<Id, Option<f64>>> {
    let mut out = HashMap::new();
    conn.each(
        "SELECT account_id, score FROM health_snapshots WHERE period = 'week' AND start_day = ?",
        &[&day(&start)],
        &mut |r| {
            out.insert(r.get(0)?, r.get(1)?);
            Ok(true)
        },
    )
    .map_err(Error::storage)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::push_tenths;

    fn tenths(v: f64) -> String {
        let mut s = String::new();
        push_tenths(&mut s, v);
        s
    }

    #[test]
    fn tenths_are_written_as_the_standard_formatting_writes_them() {
        let mut values = vec![
            0.0,
            0.05,
            0.15,
            0.25,
            0.95,
            1.45,
            2.5,
            9.95,
            72.25,
            72.35,
            99.95,
            99.96,
            100.0,
            -0.04,
            -3.25,
            1e16,
            f64::NAN,
            f64::INFINITY,
        ];
        // Every hundredth and thousandth of the score range, and a spread of
        // arbitrary doubles (a fixed linear congruential sequence).
        values.extend((0..=100_000).map(|k| f64::from(k) / 1000.0));
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            values.push((x >> 11) as f64 / (1u64 << 53) as f64 * 100.0);
        }
        for v in values {
            assert_eq!(tenths(v), format!("{v:.1}"), "{v:?}");
        }
    }
}
