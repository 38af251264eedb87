//! Storing scores: what an account has stored, writing its current score and
//! snapshots over it, writing the history of a backfill, and the alerts that follow.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use rusqlite::OptionalExtension;

use crate::db::Conn;

use super::alerts::{raise_rule, raise_transition, raise_week_transition};
use super::snapshots::{Past, encode_components, put_snapshot};
use crate::sqlite::codec::{Cols, day};
use crate::{Error, RecomputeReport, Result};
use tend_domain::*;
use tend_engines::health::*;

/// What storing a score raised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Raised {
    /// A transition alert.
    pub(super) transition: bool,
    /// Alerts of the other rules.
    pub(super) rules: u64,
}

/// Stores a current score: the account's columns (its biggest drag and the alert
/// conditions that hold included), this week's and this month's snapshots, an
/// alert when the status changed from `from` in a way the rules alert on, and the
/// alerts of the conditions that started to hold since `was` was stored.
pub(super) fn store_current(
    w: &mut ScoreWrites<'_>,
    setup: &HealthSetup,
    id: Id,
    q: &Quick,
    trend: Option<f64>,
    was: &Stored,
    from: Option<HealthStatus>,
) -> Result<Raised> {
    let today = q.at.date_naive();
    let days_to_renewal = was.renewal_day.map(|d| d - day(&today));
    let conditions = was.conditions_for(setup, q, days_to_renewal);
    w.columns(id, was, q, trend, conditions)?;
    // This week's and this month's snapshots: the same score, encoded once.
    let mut snapshot = Past {
        period: Period::Week,
        start: period_start(Period::Week, today),
        at: q.at,
        score: q.score,
        status: q.status,
        components: encode_components(&q.components),
        drag: None,
    };
    w.snapshot(id, &snapshot, &q.profile)?;
    snapshot.period = Period::Month;
    snapshot.start = period_start(Period::Month, today);
    w.snapshot(id, &snapshot, &q.profile)?;
    let conn = w.conn;
    let mut raised = Raised::default();
    if let (Some(from), Some(to)) = (from, q.status)
        && !was.churned
        && setup.transitions.alerts(from, to)
        && setup.alerts.fell_enough((from, to), was.score, q.score)
    {
        // A full recompute words the biggest drag only here, for the few that alert.
        let drag = q.biggest_drag.clone().or_else(|| {
            let profile = setup.profiles.get(&q.profile)?;
            q.drag_condition(profile)
        });
        let message = transition_message(from, q.status, q.score, drag.as_deref());
        raise_transition(conn, id, q.at, from, to, &message)?;
        raised.transition = true;
    }
    let started = match was.churned {
        true => vec![],
        false => setup.alerts.started(q, days_to_renewal, was.conditions),
    };
    for alert in started {
        if raise_rule(conn, id, alert.rule, q.at, &alert.message, None)? {
            raised.rules += 1;
        }
    }
    Ok(raised)
}

/// The health columns and snapshots a rescore writes.
///
/// On SQLite each is written as it comes: a statement costs no round trip
/// there, and the UPDATE sets only the columns that differ (SQLite rewrites the
/// entries of every index on a column an UPDATE sets, changed or not, and the
/// score alone is in four of the accounts' indexes; the next day most scores
/// move a little, but few statuses, drags or alert conditions do).
///
/// On PostgreSQL they are gathered and written [`ScoreWrites::BATCH`] rows per
/// statement, as arrays unnested: a statement per row cost a round trip each,
/// 140 of the 164 s of a next-day recompute of 100k accounts. PostgreSQL writes
/// a new row version whichever columns change, so all five are set.
///
/// [`ScoreWrites::finish`] writes what is gathered; dropped before it, the
/// rows gathered are not written (the transaction it belongs to then fails).
pub(super) struct ScoreWrites<'c> {
    pub(super) conn: Conn<'c>,
    columns: Vec<HealthColumns>,
    snapshots: Vec<Snapshot>,
    /// Where each snapshot's key is in `snapshots`: a later write of the same
    /// row replaces the earlier (one statement may not upsert a row twice).
    keys: HashMap<(Id, Period, i64), usize>,
}

struct HealthColumns {
    id: Id,
    score: Option<f64>,
    status: Option<&'static str>,
    trend: Option<f64>,
    drag: Option<&'static str>,
    conditions: i64,
}

struct Snapshot {
    account_id: Id,
    period: &'static str,
    start: i64,
    at: i64,
    score: Option<f64>,
    status: Option<&'static str>,
    profile: String,
    components: String,
}

impl<'c> ScoreWrites<'c> {
    /// Rows per statement on PostgreSQL.
    const BATCH: usize = 2000;

    pub(super) fn new(conn: Conn<'c>) -> ScoreWrites<'c> {
        ScoreWrites {
            conn,
            columns: vec![],
            snapshots: vec![],
            keys: HashMap::new(),
        }
    }

    /// The account's health columns, where they differ from what is stored.
    pub(super) fn columns(
        &mut self,
        id: Id,
        was: &Stored,
        q: &Quick,
        trend: Option<f64>,
        conditions: Conditions,
    ) -> Result<()> {
        let status = q.status.map(|s| s.as_str());
        let drag = q.drag_measure.map(Measure::key);
        let changed = [
            !was.known || was.score != q.score,
            !was.known || was.status != q.status,
            !was.known || was.trend != trend,
            !was.known || was.drag != q.drag_measure,
            !was.known || was.conditions != Some(conditions),
        ];
        if !changed.contains(&true) {
            return Ok(());
        }
        let Conn::Sqlite(_) = self.conn else {
            self.columns.push(HealthColumns {
                id,
                score: q.score,
                status,
                trend,
                drag,
                conditions: conditions.0,
            });
            return match self.columns.len() >= Self::BATCH {
                true => self.write_columns(),
                false => Ok(()),
            };
        };
        use rusqlite::types::Value;
        let opt_text = |s: Option<&str>| s.map_or(Value::Null, |s| s.to_string().into());
        let opt_real = |v: Option<f64>| v.map_or(Value::Null, Into::into);
        let all = [
            ("health_score = ?", opt_real(q.score)),
            ("health_status = ?", opt_text(status)),
            ("health_trend = ?", opt_real(trend)),
            ("health_drag = ?", opt_text(drag)),
            ("alert_conditions = ?", conditions.0.into()),
        ];
        let (sets, mut values): (Vec<&str>, Vec<Value>) = all
            .into_iter()
            .zip(changed)
            .filter(|(_, changed)| *changed)
            .map(|(set, _)| set)
            .unzip();
        values.push(id.into());
        self.conn
            .execute(
                &format!("UPDATE accounts SET {} WHERE id = ?", sets.join(", ")),
                &crate::db::params(&values),
            )
            .map_err(Error::storage)?;
        Ok(())
    }

    /// A snapshot of the account's, over the one of its period and start.
    pub(super) fn snapshot(&mut self, account_id: Id, s: &Past, profile: &str) -> Result<()> {
        if let Conn::Sqlite(_) = self.conn {
            return put_snapshot(self.conn, account_id, s, profile);
        }
        let row = Snapshot {
            account_id,
            period: s.period.as_str(),
            start: day(&s.start),
            at: crate::sqlite::codec::ts(&s.at),
            score: s.score,
            status: s.status.map(|x| x.as_str()),
            profile: profile.to_string(),
            components: s.components.clone(),
        };
        match self.keys.get(&(account_id, s.period, row.start)) {
            Some(&k) => self.snapshots[k] = row,
            None => {
                self.keys
                    .insert((account_id, s.period, row.start), self.snapshots.len());
                self.snapshots.push(row);
            }
        }
        match self.snapshots.len() >= Self::BATCH {
            true => self.write_snapshots(),
            false => Ok(()),
        }
    }

    /// Writes what is gathered.
    pub(super) fn finish(mut self) -> Result<()> {
        self.write_columns()?;
        self.write_snapshots()
    }

    fn write_columns(&mut self) -> Result<()> {
        let Conn::Pg(c) = self.conn else {
            return Ok(());
        };
        if self.columns.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.columns);
        let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
        let scores: Vec<Option<f64>> = rows.iter().map(|r| r.score).collect();
        let statuses: Vec<Option<&str>> = rows.iter().map(|r| r.status).collect();
        let trends: Vec<Option<f64>> = rows.iter().map(|r| r.trend).collect();
        let drags: Vec<Option<&str>> = rows.iter().map(|r| r.drag).collect();
        let conditions: Vec<i64> = rows.iter().map(|r| r.conditions).collect();
        c.execute_typed(
            "UPDATE accounts AS a SET health_score = v.score, health_status = v.status,
                    health_trend = v.trend, health_drag = v.drag, alert_conditions = v.conditions
             FROM unnest($1::bigint[], $2::float8[], $3::text[], $4::float8[], $5::text[],
                         $6::bigint[]) AS v(id, score, status, trend, drag, conditions)
             WHERE a.id = v.id",
            &[&ids, &scores, &statuses, &trends, &drags, &conditions],
        )
        .map_err(Error::storage)?;
        Ok(())
    }

    fn write_snapshots(&mut self) -> Result<()> {
        let Conn::Pg(c) = self.conn else {
            return Ok(());
        };
        if self.snapshots.is_empty() {
            return Ok(());
        }
        self.keys.clear();
        let mut rows = std::mem::take(&mut self.snapshots);
        // In the table's key order: each lands next to the one before.
        rows.sort_unstable_by_key(|r| (r.period, r.start, r.account_id));
        let accounts: Vec<Id> = rows.iter().map(|r| r.account_id).collect();
        let periods: Vec<&str> = rows.iter().map(|r| r.period).collect();
        let starts: Vec<i64> = rows.iter().map(|r| r.start).collect();
        let ats: Vec<i64> = rows.iter().map(|r| r.at).collect();
        let scores: Vec<Option<f64>> = rows.iter().map(|r| r.score).collect();
        let statuses: Vec<Option<&str>> = rows.iter().map(|r| r.status).collect();
        let profiles: Vec<&str> = rows.iter().map(|r| r.profile.as_str()).collect();
        let components: Vec<&str> = rows.iter().map(|r| r.components.as_str()).collect();
        c.execute_typed(
            "INSERT INTO health_snapshots(account_id, period, start_day, at, score, status,
                                          profile, components)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[],
                                  $5::float8[], $6::text[], $7::text[], $8::text[])
             ON CONFLICT(account_id, period, start_day) DO UPDATE SET
               at = excluded.at, score = excluded.score, status = excluded.status,
               profile = excluded.profile, components = excluded.components",
            &[
                &accounts,
                &periods,
                &starts,
                &ats,
                &scores,
                &statuses,
                &profiles,
                &components,
            ],
        )
        .map_err(Error::storage)?;
        Ok(())
    }
}

/// An account's stored health columns, renewal and alert conditions.
pub(super) fn stored_one(conn: Conn<'_>, id: Id) -> Result<Stored> {
    conn.query_row(
        "SELECT health_score, health_status, health_trend, renewal_day, alert_conditions,
                health_drag, stage = 'churned'
         FROM accounts WHERE id = ?",
        &[&id],
        |r| {
            let mut c = Cols::of(r);
            let (score, status, trend) = (c.get()?, c.opt_parse()?, c.get()?);
            let (renewal_day, conditions) = (c.get()?, c.get::<Option<i64>>()?.map(Conditions));
            let (drag, known) = stored_drag(&mut c)?;
            Ok(Stored {
                score,
                status,
                trend,
                renewal_day,
                conditions,
                drag,
                known,
                churned: c.get()?,
                ..Stored::default()
            })
        },
    )
    .optional()
    .map_err(Error::storage)
    .map(Option::unwrap_or_default)
}

/// What an account has stored now: its health columns, whether this week's and
/// this month's snapshots exist with which score, its renewal (the alert rules
/// read it) and the alert conditions that held at its last score.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Stored {
    pub(super) score: Option<f64>,
    pub(super) status: Option<HealthStatus>,
    pub(super) trend: Option<f64>,
    pub(super) week: Option<Option<f64>>,
    pub(super) month: Option<Option<f64>>,
    pub(super) drag: Option<Measure>,
    pub(super) renewal_day: Option<i64>,
    pub(super) conditions: Option<Conditions>,
    /// Read from the account's columns (all of them understood): only the columns
    /// that differ need writing. Otherwise all are written.
    pub(super) known: bool,
    /// A churned account: no rule alerts on a customer already lost.
    pub(super) churned: bool,
}

/// A stored drag measure, and whether the column was understood (empty or a key).
fn stored_drag(c: &mut Cols) -> rusqlite::Result<(Option<Measure>, bool)> {
    let key = c.get::<Option<String>>()?;
    let drag = key.as_deref().and_then(Measure::from_key);
    Ok((drag, key.is_none() || drag.is_some()))
}

impl Stored {
    /// The alert conditions that hold for a score of this account: none for a
    /// churned account (usage dropping or a renewal coming up is not news there).
    fn conditions_for(
        &self,
        setup: &HealthSetup,
        q: &Quick,
        days_to_renewal: Option<i64>,
    ) -> Conditions {
        if self.churned {
            return Conditions::default();
        }
        setup.alerts.conditions(q, days_to_renewal)
    }

    /// Whether storing this score would change nothing. (Component scores are not
    /// compared: they cannot all move while the overall score stays bit for bit.)
    fn same_as(&self, setup: &HealthSetup, q: &Quick, trend: Option<f64>) -> bool {
        let days_to_renewal = self.renewal_day.map(|d| d - day(&q.at.date_naive()));
        self.score == q.score
            && self.status == q.status
            && self.trend == trend
            && self.week == Some(q.score)
            && self.month == Some(q.score)
            && self.drag == q.drag_measure
            && self.conditions == Some(self.conditions_for(setup, q, days_to_renewal))
    }
}

pub(super) fn stored(conn: Conn<'_>, today: NaiveDate) -> Result<HashMap<Id, Stored>> {
    let sql = "SELECT a.id, a.health_score, a.health_status, a.health_trend,
                    w.account_id IS NOT NULL, w.score, m.account_id IS NOT NULL, m.score,
                    a.health_drag, a.renewal_day, a.alert_conditions, a.stage = 'churned'
             FROM accounts a
             LEFT JOIN health_snapshots w
               ON w.period = 'week' AND w.start_day = ?1 AND w.account_id = a.id
             LEFT JOIN health_snapshots m
               ON m.period = 'month' AND m.start_day = ?2 AND m.account_id = a.id";
    let week = day(&period_start(Period::Week, today));
    let month = day(&period_start(Period::Month, today));
    let mut out = HashMap::new();
    conn.each(sql, &[&week, &month], &mut |r| {
        let mut c = Cols::of(r);
        let id: Id = c.get()?;
        let score = c.get()?;
        let status = c.opt_parse()?;
        let trend = c.get()?;
        let has_week: bool = c.get()?;
        let week: Option<f64> = c.get()?;
        let has_month: bool = c.get()?;
        let month: Option<f64> = c.get()?;
        let (drag, known) = stored_drag(&mut c)?;
        out.insert(
            id,
            Stored {
                score,
                status,
                trend,
                week: has_week.then_some(week),
                month: has_month.then_some(month),
                drag,
                renewal_day: c.get()?,
                conditions: c.get::<Option<i64>>()?.map(Conditions),
                known,
                churned: c.get()?,
            },
        );
        Ok(true)
    })
    .map_err(Error::storage)?;
    Ok(out)
}

/// What scoring one account produced, ready to be stored.
pub(super) struct Scored {
    pub(super) id: Id,
    pub(super) current: Quick,
    pub(super) trend: Option<f64>,
    /// The profile of every past snapshot.
    pub(super) profile: String,
    /// Past snapshots, oldest first.
    pub(super) past: Vec<Past>,
}

/// Writes what [`score`] produced; with history, raises the alerts of the
/// transitions of this week and the one before.
pub(super) fn store_scored(
    conn: Conn<'_>,
    setup: &HealthSetup,
    scored: &[Scored],
    history: bool,
    old: &HashMap<Id, Stored>,
    report: &mut RecomputeReport,
) -> Result<()> {
    report.transitions += store_history(conn, setup, scored)?;
    let currents = scored.iter().map(|s| (s.id, &s.current, s.trend));
    store_currents(conn, setup, currents, history, old, report)
}

/// How many weeks before this one a backfill raises transition alerts for: the
/// inbox holds what changed lately, not every wobble of the month (older weeks
/// are in the history chart).
pub(super) const BACKFILL_ALERT_WEEKS: u64 = 1;

/// Writes the past snapshots of scored accounts and raises the alerts of their
/// transitions in the last closed week and in this one so far (of accounts not
/// churned), one per account and week.
/// Returns how many it raised.
pub(super) fn store_history(conn: Conn<'_>, setup: &HealthSetup, scored: &[Scored]) -> Result<u64> {
    // The past snapshots in the table's key order: each lands after the last one
    // written instead of somewhere in the middle.
    let mut past: Vec<(Id, &Past, &str)> = scored
        .iter()
        .flat_map(|s| s.past.iter().map(|p| (s.id, p, s.profile.as_str())))
        .collect();
    past.sort_unstable_by_key(|(id, s, _)| (s.period.as_str(), s.start, *id));
    let mut w = ScoreWrites::new(conn);
    for (id, s, profile) in past {
        w.snapshot(id, s, profile)?;
    }
    w.finish()?;
    // No alert on a customer already lost.
    let churned: std::collections::HashSet<Id> = conn
        .query_map(
            "SELECT id FROM accounts INDEXED BY accounts_churned WHERE stage = 'churned'",
            &[],
            |r| r.get(0),
        )
        .map_err(Error::storage)?
        .into_iter()
        .collect();
    let mut transitions = 0;
    for scored in scored.iter().filter(|s| !churned.contains(&s.id)) {
        let recent =
            week_start(scored.current.at.date_naive()) - Days::new(7 * BACKFILL_ALERT_WEEKS);
        let mut before = None;
        let mut last_score = None;
        for s in &scored.past {
            if s.period != Period::Week {
                continue;
            }
            if let (Some(from), Some(to)) = (before, s.status)
                && s.start >= recent
                && setup.transitions.alerts(from, to)
                && setup.alerts.fell_enough((from, to), last_score, s.score)
            {
                let message = transition_message(from, s.status, s.score, s.drag.as_deref());
                let raised =
                    raise_week_transition(conn, scored.id, s.start, s.at, (from, to), &message)?;
                transitions += u64::from(raised);
            }
            before = s.status.or(before);
            last_score = s.score.or(last_score);
        }
        // This week so far against the last closed one: what a daily recompute
        // would have raised had it run all along. Without it, whether the inbox
        // shows a fall of the last few days would hang on the weekday it is loaded.
        let q = &scored.current;
        if let (Some(from), Some(to)) = (before, q.status)
            && setup.transitions.alerts(from, to)
            && setup.alerts.fell_enough((from, to), last_score, q.score)
        {
            let drag = q.biggest_drag.clone().or_else(|| {
                let profile = setup.profiles.get(&q.profile)?;
                q.drag_condition(profile)
            });
            let message = transition_message(from, q.status, q.score, drag.as_deref());
            let week = week_start(q.at.date_naive());
            let raised = raise_week_transition(conn, scored.id, week, q.at, (from, to), &message)?;
            transitions += u64::from(raised);
        }
    }
    Ok(transitions)
}

/// Writes accounts' current scores and trends (and their week's and month's
/// snapshots) over what `old` says is stored, raising the alerts that follow.
pub(super) fn store_currents<'q>(
    conn: Conn<'_>,
    setup: &HealthSetup,
    currents: impl Iterator<Item = (Id, &'q Quick, Option<f64>)>,
    history: bool,
    old: &HashMap<Id, Stored>,
    report: &mut RecomputeReport,
) -> Result<()> {
    let mut w = ScoreWrites::new(conn);
    for (id, current, trend) in currents {
        report.accounts += 1;
        let was = old.get(&id).copied().unwrap_or_default();
        if !history && was.same_as(setup, current, trend) {
            continue;
        }
        // A backfill raised its transitions in `store_history`, one per account and
        // week (so an export imported again finds them already there), against
        // the weeks it rebuilt, not against what was stored before.
        let from = if history { None } else { was.status };
        let raised = store_current(&mut w, setup, id, current, trend, &was, from)?;
        report.transitions += u64::from(raised.transition);
        report.alerts += raised.rules;
    }
    w.finish()
}
