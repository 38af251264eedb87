//! Rescoring: one account after a write, every account (chunked, on threads), and
//! the scores of a load computed from the records in memory.

use std::collections::HashMap;

use chrono::Days;
use rusqlite::{Connection, params};

use crate::db::Conn;

use super::alerts::raise_escalations;
use super::inputs::{Depth, load, load_range};
use super::scores::{
    BACKFILL_ALERT_WEEKS, ScoreWrites, Scored, store_current, store_currents, store_history,
    store_scored, stored, stored_one,
};
use super::snapshots::{Past, encode_components, previous_week, trend, week_scores};
use crate::sqlite::meta::set_meta;
use crate::{Error, RecomputeReport, Result};
use tend_domain::*;
use tend_engines::health::*;

/// Rescores one account after a write that touched its inputs, and raises the
/// alerts that follow. Returns whether a transition alerted and how many alerts
/// the other rules raised.
pub(crate) fn recompute_account<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    id: Id,
    now: Timestamp,
) -> Result<(bool, u64)> {
    let conn = conn.into();
    // Health off: the full recompute at open dropped every score, and none is
    // made since.
    if !setup.enabled {
        return Ok((false, 0));
    }
    let was = stored_one(conn, id)?;
    let data = load(conn, id, now, Depth::Score)?;
    let Some(account) = &data.account else {
        return Ok((false, 0));
    };
    let q = quick(&data, setup.profiles.for_account(account), now);
    let t = trend(q.score, previous_week(conn, id, now)?);
    let mut w = ScoreWrites::new(conn);
    let raised = store_current(&mut w, setup, id, &q, t, &was, was.status)?;
    w.finish()?;
    let escalations = raise_escalations(conn, setup, Some(id), now)?;
    Ok((raised.transition, raised.rules + escalations))
}

/// Health switched off: the scores kept are dropped,
/// so that nothing shows or sorts by a score the organisation does not want.
fn health_off(conn: Conn<'_>) -> Result<()> {
    conn.execute(
        "UPDATE accounts SET health_score = NULL, health_status = NULL, health_trend = NULL,
             health_drag = NULL
         WHERE health_score IS NOT NULL",
        &[],
    )
    .map_err(Error::storage)?;
    Ok(())
}

/// How much of the file a full recompute maps into memory: it reads most of the
/// store, and mapped pages are read without a copy each. Only for its duration, so
/// a long-running app does not count the store's pages as its own memory.
const MMAP_SIZE: i64 = 4 << 30;

fn set_mmap(conn: &Connection, bytes: i64) {
    // Only a speed-up: a platform that refuses it reads the ordinary way.
    let _ = conn.pragma_update(None, "mmap_size", bytes);
}

/// How much a full recompute lets the writer keep in its page cache: it rewrites
/// pages all over the accounts, their indexes and the period's snapshots (more
/// than the writer's usual cache on a large store), and a page pushed out of the
/// cache before the commit is written to the log and read back again.
const RECOMPUTE_CACHE_KIB: i64 = 1 << 20;

/// The writer's settings for a full recompute (the file mapped, a large page
/// cache), put back as they were when dropped, whichever way it ends.
struct Tuned<'c> {
    conn: &'c Connection,
    cache: Option<i64>,
}

impl<'c> Tuned<'c> {
    fn for_recompute(conn: &'c Connection) -> Tuned<'c> {
        set_mmap(conn, MMAP_SIZE);
        let cache = conn
            .query_row("PRAGMA cache_size", [], |r| r.get::<_, i64>(0))
            .ok();
        if cache.is_some() {
            // Only a speed-up, like the mapping.
            let _ = conn.pragma_update(None, "cache_size", -RECOMPUTE_CACHE_KIB);
        }
        Tuned { conn, cache }
    }
}

impl Drop for Tuned<'_> {
    fn drop(&mut self) {
        set_mmap(self.conn, 0);
        if let Some(cache) = self.cache {
            let _ = self.conn.pragma_update(None, "cache_size", cache);
        }
    }
}

/// How many accounts a full recompute reads at a time.
const CHUNK: usize = 256;

fn score(data: &AccountData, setup: &HealthSetup, now: Timestamp, history: bool) -> Option<Scored> {
    if !setup.enabled {
        return None;
    }
    let account = data.account.as_ref()?;
    let profile = setup.profiles.for_account(account);
    let today = now.date_naive();
    let last_week = week_start(today) - Days::new(7);
    // Only weeks from here on can raise a transition alert (see `store_scored`):
    // only their biggest drags are worded.
    let recent = week_start(today) - Days::new(7 * BACKFILL_ALERT_WEEKS);
    let mut past = vec![];
    if history {
        for (period, start, at) in backfill_points(now) {
            let q = quick_numbers(data, profile, at);
            let drag = if period == Period::Week && start >= recent {
                q.drag_condition(profile)
            } else {
                None
            };
            past.push(Past {
                period,
                start,
                at: q.at,
                score: q.score,
                status: q.status,
                components: encode_components(&q.components),
                drag,
            });
        }
    }
    // The biggest drag is worded when stored, if it raises an alert.
    let current = quick_numbers(data, profile, now);
    // Without history, the trend is against last week's stored snapshot: see
    // `with_stored_trends`.
    let trend = history
        .then(|| {
            let prev = past
                .iter()
                .find(|s| s.period == Period::Week && s.start == last_week)
                .and_then(|s| s.score);
            trend(current.score, prev)
        })
        .flatten();
    Some(Scored {
        id: account.id,
        profile: current.profile.clone(),
        trend,
        current,
        past,
    })
}

/// Sets the trends of accounts scored without history, against the score of last
/// week's snapshot in `previous` (none: scored with history, trends set).
fn with_stored_trends(
    mut scored: Vec<Scored>,
    previous: Option<&HashMap<Id, Option<f64>>>,
) -> Vec<Scored> {
    let Some(previous) = previous else {
        return scored;
    };
    for s in &mut scored {
        s.trend = trend(s.current.score, previous.get(&s.id).copied().flatten());
    }
    scored
}

/// Rescores every account at `now`. With `history`, also (re)builds the past 52
/// weeks and 12 months of snapshots from the inputs, and raises the alerts of the
/// transitions of this week and the one before.
pub(crate) fn recompute_all<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    now: Timestamp,
    history: bool,
) -> Result<RecomputeReport> {
    recompute_all_from(conn.into(), &[], setup, now, history)
}

/// Rescores every account at `now`, reading the inputs through `readers` (other
/// connections, one thread each) when there are any. Readers see the last commit,
/// not `conn`'s transaction: give them only when the transaction has not changed
/// any input. Without readers `conn` reads chunk k+1 while two threads score chunk k.
pub(crate) fn recompute_all_from(
    conn: Conn<'_>,
    readers: &[std::sync::Mutex<Connection>],
    setup: &HealthSetup,
    now: Timestamp,
    history: bool,
) -> Result<RecomputeReport> {
    if !setup.enabled {
        health_off(conn)?;
        let mut report = RecomputeReport::default();
        finish_recompute(conn, setup, now, &mut report)?;
        return Ok(report);
    }
    let started = std::time::Instant::now();
    let today = now.date_naive();
    // What is stored now: last week's scores for the trends, the current columns to
    // compare with. Read by `conn` while the readers start.
    let read_stored = || -> Result<_> {
        let previous = (!history)
            .then(|| week_scores(conn, week_start(today) - Days::new(7)))
            .transpose()?;
        Ok((previous, stored(conn, today)?))
    };
    let ids: Vec<Id> = conn
        .query_map("SELECT id FROM accounts ORDER BY id", &[], |r| r.get(0))
        .map_err(Error::storage)?;
    // Small stores in a few chunks too, so reading, scoring and writing overlap.
    let chunk = (ids.len() / 8).clamp(32, CHUNK);
    let chunks: Vec<&[Id]> = ids.chunks(chunk).collect();
    let depth = if history {
        Depth::History
    } else {
        Depth::Score
    };
    let tuned = match conn {
        Conn::Sqlite(c) => Some(Tuned::for_recompute(c)),
        Conn::Pg(_) => None,
    };
    let mut writing = std::time::Duration::ZERO;
    let mut report = RecomputeReport::default();
    let score_all = |data: &[AccountData]| -> Vec<Scored> {
        data.iter()
            .filter_map(|d| score(d, setup, now, history))
            .collect()
    };
    if readers.is_empty() {
        let (previous, old) = read_stored()?;
        let score_chunk = |data: Vec<AccountData>| -> Vec<Scored> {
            let (a, b) = data.split_at(data.len().div_ceil(2));
            std::thread::scope(|s| {
                let other = s.spawn(|| score_all(b));
                let mut out = score_all(a);
                out.extend(other.join().unwrap_or_default());
                out
            })
        };
        std::thread::scope(|scope| -> Result<()> {
            let mut pending: Option<std::thread::ScopedJoinHandle<'_, Vec<Scored>>> = None;
            for chunk in &chunks {
                let data = load_range(conn, chunk[0], chunk[chunk.len() - 1], now, depth)?;
                let next = scope.spawn(move || score_chunk(data));
                if let Some(done) = pending.replace(next) {
                    let t = std::time::Instant::now();
                    let scored = with_stored_trends(joined(done)?, previous.as_ref());
                    store_scored(conn, setup, &scored, history, &old, &mut report)?;
                    writing += t.elapsed();
                }
            }
            if let Some(done) = pending {
                let t = std::time::Instant::now();
                let scored = with_stored_trends(joined(done)?, previous.as_ref());
                store_scored(conn, setup, &scored, history, &old, &mut report)?;
                writing += t.elapsed();
            }
            Ok(())
        })?;
    } else {
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| -> Result<()> {
            let (send, results) = std::sync::mpsc::sync_channel::<Result<Vec<Scored>>>(4);
            for reader in readers {
                let (send, next, chunks) = (send.clone(), &next, &chunks);
                scope.spawn(move || {
                    let conn = reader.lock().unwrap_or_else(|p| p.into_inner());
                    set_mmap(&conn, MMAP_SIZE);
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(chunk) = chunks.get(k) else { break };
                        let out = load_range(
                            Conn::Sqlite(&conn),
                            chunk[0],
                            chunk[chunk.len() - 1],
                            now,
                            depth,
                        )
                        .map(|data| score_all(&data));
                        if send.send(out).is_err() {
                            break;
                        }
                    }
                    set_mmap(&conn, 0);
                });
            }
            drop(send);
            let (previous, old) = read_stored()?;
            for scored in results {
                let t = std::time::Instant::now();
                let scored = with_stored_trends(scored?, previous.as_ref());
                store_scored(conn, setup, &scored, history, &old, &mut report)?;
                writing += t.elapsed();
            }
            Ok(())
        })?;
    }
    drop(tuned);
    finish_recompute(conn, setup, now, &mut report)?;
    tracing::info!(
        accounts = report.accounts,
        transitions = report.transitions,
        alerts = report.alerts,
        history,
        readers = readers.len(),
        write_ms = writing.as_millis() as u64,
        ms = started.elapsed().as_millis() as u64,
        "rescored every account"
    );
    Ok(report)
}

/// Scores every account of a dataset with its history, from the records in memory:
/// what [`recompute_all`] with `history` computes once they are in the store, so it
/// can run while they load. Any number of threads share the work through
/// [`Prescore::help`]; [`Prescore::finish`] hands over the result. Written with
/// [`store_all`].
pub(crate) struct Prescore<'a> {
    dataset: &'a tend_engines::dataset::Dataset,
    /// Each account's records, dealt out by the first helper.
    accounts: std::sync::OnceLock<Vec<AccountData>>,
    next: std::sync::atomic::AtomicUsize,
    done: std::sync::Mutex<Vec<Scored>>,
    setup: &'a HealthSetup,
    now: Timestamp,
}

/// Every account scored, in id order.
pub(crate) struct Prescored(Vec<Scored>);

impl<'a> Prescore<'a> {
    pub(crate) fn new(
        dataset: &'a tend_engines::dataset::Dataset,
        setup: &'a HealthSetup,
        now: Timestamp,
    ) -> Prescore<'a> {
        Prescore {
            dataset,
            accounts: std::sync::OnceLock::new(),
            next: std::sync::atomic::AtomicUsize::new(0),
            done: std::sync::Mutex::new(vec![]),
            setup,
            now,
        }
    }

    /// Scores accounts already dealt out ([`AccountData::split`] of the dataset).
    pub(crate) fn with_accounts(
        dataset: &'a tend_engines::dataset::Dataset,
        accounts: Vec<AccountData>,
        setup: &'a HealthSetup,
        now: Timestamp,
    ) -> Prescore<'a> {
        let prescore = Prescore::new(dataset, setup, now);
        let _ = prescore.accounts.set(accounts);
        prescore
    }

    /// Scores accounts nobody has taken yet until none is left.
    pub(crate) fn help(&self) {
        let accounts = self
            .accounts
            .get_or_init(|| AccountData::split(self.dataset));
        let mut mine = vec![];
        loop {
            let k = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(data) = accounts.get(k) else {
                break;
            };
            mine.extend(score(data, self.setup, self.now, true));
        }
        self.done
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(mine);
    }

    /// What the helpers scored, once they have all returned.
    pub(crate) fn finish(&self) -> Prescored {
        let mut all = std::mem::take(&mut *self.done.lock().unwrap_or_else(|p| p.into_inner()));
        all.sort_unstable_by_key(|s| s.id);
        Prescored(all)
    }

    /// Frees the records dealt out on a thread of their own (thousands of
    /// allocations the caller need not wait for).
    pub(crate) fn free(self) {
        if let Some(accounts) = self.accounts.into_inner() {
            drop_elsewhere(accounts);
        }
    }
}

/// Each account's current score and trend, as the full scoring with history
/// computes them (the trend against the score at the close of last week), for the
/// portfolio to show before the history is built.
pub(crate) fn preview(
    accounts: &[AccountData],
    setup: &HealthSetup,
    now: Timestamp,
) -> Vec<(Id, Quick, Option<f64>)> {
    if !setup.enabled {
        return vec![];
    }
    let last_week = week_start(now.date_naive()) - Days::new(7);
    let closed = backfill_points(now)
        .into_iter()
        .find(|(period, start, _)| *period == Period::Week && *start == last_week)
        .map(|(_, _, at)| at);
    accounts
        .iter()
        .filter_map(|data| {
            let account = data.account.as_ref()?;
            let profile = setup.profiles.for_account(account);
            let current = quick(data, profile, now);
            let prev = closed.and_then(|at| quick_numbers(data, profile, at).score);
            let trend = trend(current.score, prev);
            Some((account.id, current, trend))
        })
        .collect()
}

/// Writes the score columns of [`preview`] (the rest of what storing a score
/// writes comes with the history).
pub(crate) fn store_preview<'c>(
    conn: impl Into<Conn<'c>>,
    scores: &[(Id, Quick, Option<f64>)],
) -> Result<()> {
    let conn = conn.into();
    for (id, q, trend) in scores {
        conn.execute(
            "UPDATE accounts SET health_score = ?, health_status = ?, health_trend = ?,
                 health_drag = ? WHERE id = ?",
            params![
                q.score,
                q.status.map(|s| s.as_str()),
                trend,
                q.drag_measure.map(Measure::key),
                id
            ],
        )
        .map_err(Error::storage)?;
    }
    Ok(())
}

/// Writes what [`Prescore`] computed, as [`recompute_all`] with `history` would.
pub(crate) fn store_all<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    now: Timestamp,
    scored: Prescored,
) -> Result<RecomputeReport> {
    let conn = conn.into();
    let old = stored(conn, now.date_naive())?;
    let mut report = RecomputeReport::default();
    store_scored(conn, setup, &scored.0, true, &old, &mut report)?;
    finish_recompute(conn, setup, now, &mut report)?;
    Ok(report)
}

/// The health of a load that arrives in chunks (the generator's): each chunk's
/// accounts are scored with their history from the records in memory once the
/// chunk is in ([`Prescored::of_chunk`], on another thread while the next chunk
/// loads), their past snapshots and transition alerts are written as the scores
/// come ([`Backfill::store`]), and their current scores are kept for
/// [`Backfill::finish`], once the columns they are compared with are derived.
/// Stores what [`recompute_all`] with `history` would, for the accounts loaded,
/// without reading them back; only the current scores stay in memory.
#[derive(Default)]
pub(crate) struct Backfill {
    currents: Vec<(Id, Quick, Option<f64>)>,
    transitions: u64,
}

impl Prescored {
    /// Every account of `chunk` scored with its history, on this thread.
    pub(crate) fn of_chunk(
        chunk: &tend_engines::dataset::Dataset,
        setup: &HealthSetup,
        now: Timestamp,
    ) -> Prescored {
        let scoring = Prescore::new(chunk, setup, now);
        scoring.help();
        scoring.finish()
    }
}

impl Backfill {
    /// Writes the history of scored accounts and keeps their current scores.
    pub(crate) fn store<'c>(
        &mut self,
        conn: impl Into<Conn<'c>>,
        setup: &HealthSetup,
        scored: Prescored,
    ) -> Result<()> {
        self.transitions += store_history(conn.into(), setup, &scored.0)?;
        let mut history = Vec::with_capacity(scored.0.len());
        for s in scored.0 {
            self.currents.push((s.id, s.current, s.trend));
            history.push(s.past);
        }
        // Thousands of allocations: freed where the writer does not wait.
        drop_elsewhere(history);
        Ok(())
    }

    /// Writes the current scores kept, in account order, and what a full
    /// recompute writes last.
    pub(crate) fn finish<'c>(
        mut self,
        conn: impl Into<Conn<'c>>,
        setup: &HealthSetup,
        now: Timestamp,
    ) -> Result<RecomputeReport> {
        let conn = conn.into();
        let old = stored(conn, now.date_naive())?;
        let mut report = RecomputeReport {
            transitions: self.transitions,
            ..RecomputeReport::default()
        };
        self.currents.sort_unstable_by_key(|(id, _, _)| *id);
        let currents = self.currents.iter().map(|(id, q, t)| (*id, q, *t));
        store_currents(conn, setup, currents, true, &old, &mut report)?;
        finish_recompute(conn, setup, now, &mut report)?;
        drop_elsewhere(self.currents);
        Ok(report)
    }
}

/// What every full recompute ends with: the escalation alerts, and the day and
/// the profiles it scored with.
fn finish_recompute(
    conn: Conn<'_>,
    setup: &HealthSetup,
    now: Timestamp,
    report: &mut RecomputeReport,
) -> Result<()> {
    report.alerts += raise_escalations(conn, setup, None, now)?;
    set_meta(conn, "health_fingerprint", &setup.fingerprint())?;
    set_meta(conn, "health_day", &now.date_naive().to_string())
}

/// Frees `value` on a short-lived thread, so the caller does not wait for it.
pub(crate) fn drop_elsewhere<T: Send + 'static>(value: T) {
    if let Err(e) = std::thread::Builder::new()
        .name("tend-free".into())
        .spawn(move || drop(value))
    {
        tracing::debug!("freeing on the caller's thread: {e}");
    }
}

fn joined(h: std::thread::ScopedJoinHandle<'_, Vec<Scored>>) -> Result<Vec<Scored>> {
    h.join()
        .map_err(|_| Error::storage("a health scoring thread panicked"))
}
