//! The outbox: every email and notification on its way, claimed for an attempt,
//! then recorded as sent, to be retried (with backoff) or failed; each attempt in
//! `delivery_attempts`. One delivery per idempotency key.

use super::codec::{Cols, from_ts, ts};
use crate::db::Conn;
use crate::outbound::{
    Delivery, DeliveryAttempt, DeliveryKind, DeliveryQuery, DeliveryState, LEASE_SECS, Payload,
    Settings, smtp::SendError,
};
use crate::{Error, Result};
use rusqlite::OptionalExtension;
use tend_domain::{Id, Timestamp};

/// A delivery to queue.
pub(crate) struct NewDelivery<'a> {
    pub kind: DeliveryKind,
    pub key: String,
    pub channel: &'a str,
    pub account_id: Option<Id>,
    pub origin: String,
    pub summary: String,
    pub payload: &'a Payload,
    pub actor: &'a str,
}

/// Queues a delivery due now; a key already queued is left as it is. Answers the
/// delivery's id and whether it is new.
pub(crate) fn enqueue<'c>(
    conn: impl Into<Conn<'c>>,
    d: NewDelivery,
    now: Timestamp,
) -> Result<(Id, bool)> {
    let conn = conn.into();
    let payload = serde_json::to_string(d.payload).map_err(Error::storage)?;
    let existing = || {
        conn.query_row("SELECT id FROM deliveries WHERE key = ?", &[&d.key], |r| {
            r.get::<_, Id>(0)
        })
        .optional()
        .map_err(Error::storage)
    };
    // Looked up first: an insert skipped on the key would still use up an id
    // on PostgreSQL (its sequences do not give one back).
    if let Some(id) = existing()? {
        return Ok((id, false));
    }
    let inserted = conn
        .query_row(
            "INSERT INTO deliveries(kind, key, channel, account_id, origin, summary, payload, \
             state, attempts, created_at, next_attempt_at, last_error, actor) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, '', ?) ON CONFLICT(key) DO NOTHING \
             RETURNING id",
            &[
                &d.kind.as_str(),
                &d.key,
                &d.channel,
                &d.account_id,
                &d.origin,
                &d.summary,
                &payload,
                &ts(&now),
                &ts(&now),
                &d.actor,
            ],
            |r| r.get::<_, Id>(0),
        )
        .optional()
        .map_err(Error::storage)?;
    match inserted {
        Some(id) => Ok((id, true)),
        // Another writer queued the same key in between.
        None => Ok((
            existing()?.ok_or_else(|| Error::storage("a delivery vanished"))?,
            false,
        )),
    }
}

const COLUMNS: &str = "id, kind, key, channel, account_id, origin, summary, state, attempts, \
                       created_at, next_attempt_at, sent_at, last_error, actor";

fn read(c: &mut Cols) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: c.get()?,
        kind: c.parse()?,
        key: c.get()?,
        channel: c.get()?,
        account_id: c.get()?,
        origin: c.get()?,
        summary: c.get()?,
        state: c.parse()?,
        attempts: c.get()?,
        created_at: c.ts()?,
        next_attempt_at: c.opt_ts()?,
        sent_at: c.opt_ts()?,
        last_error: c.get()?,
        actor: c.get()?,
        log: vec![],
    })
}

fn with_log(conn: Conn<'_>, mut d: Delivery) -> Result<Delivery> {
    d.log = conn
        .query_map(
            "SELECT at, ok, detail FROM delivery_attempts WHERE delivery_id = ? ORDER BY id",
            &[&d.id],
            |r| {
                Ok(DeliveryAttempt {
                    at: from_ts(r.get(0)?),
                    ok: r.get(1)?,
                    detail: r.get(2)?,
                })
            },
        )
        .map_err(Error::storage)?;
    Ok(d)
}

pub(crate) fn get<'c>(conn: impl Into<Conn<'c>>, id: Id) -> Result<Delivery> {
    let conn = conn.into();
    let d = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?"),
            &[&id],
            |r| read(&mut Cols::of(r)),
        )
        .optional()
        .map_err(Error::storage)?
        .ok_or_else(|| Error::invalid("id", format!("there is no delivery {id}")))?;
    with_log(conn, d)
}

/// The payload of a delivery.
pub(crate) fn payload<'c>(conn: impl Into<Conn<'c>>, id: Id) -> Result<Payload> {
    let conn = conn.into();
    let text: String = conn
        .query_row("SELECT payload FROM deliveries WHERE id = ?", &[&id], |r| {
            r.get(0)
        })
        .map_err(Error::storage)?;
    serde_json::from_str(&text).map_err(Error::storage)
}

pub(crate) fn list<'c>(conn: impl Into<Conn<'c>>, q: &DeliveryQuery) -> Result<Vec<Delivery>> {
    let conn = conn.into();
    // A page's most, as every listing's (it shows 1,000 at the most).
    if q.limit > crate::PageRequest::MAX_LIMIT {
        return Err(Error::invalid(
            "limit",
            format!(
                "at most {} deliveries a page",
                crate::PageRequest::MAX_LIMIT
            ),
        ));
    }
    let mut conds = vec![];
    let mut p: Vec<rusqlite::types::Value> = vec![];
    if let Some(s) = q.state {
        conds.push("state = ?");
        p.push(s.as_str().to_string().into());
    }
    if let Some(k) = q.kind {
        conds.push("kind = ?");
        p.push(k.as_str().to_string().into());
    }
    if let Some(a) = q.account {
        conds.push("account_id = ?");
        p.push(a.into());
    }
    let wc = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let limit = match q.limit {
        0 => 100,
        n => n.min(1000),
    };
    let rows = conn
        .query_map(
            &format!("SELECT {COLUMNS} FROM deliveries {wc} ORDER BY id DESC LIMIT {limit}"),
            &crate::db::params(&p),
            |r| read(&mut Cols::of(r)),
        )
        .map_err(Error::storage)?;
    rows.into_iter().map(|d| with_log(conn, d)).collect()
}

/// Deliveries cut off mid-attempt (claimed longer ago than the lease, so the
/// process that claimed them is gone): an email may have gone out, so it waits
/// for a person (unknown); a notification is sent again (its receiver tells a
/// repeat by its idempotency key).
pub(crate) fn recover<'c>(conn: impl Into<Conn<'c>>, now: Timestamp) -> Result<usize> {
    let conn = conn.into();
    let before = ts(&(now - chrono::TimeDelta::seconds(LEASE_SECS)));
    let emails = conn
        .execute(
            "UPDATE deliveries SET state = 'unknown', next_attempt_at = NULL, \
             last_error = 'cut off between sending and recording: it may have been sent; check, then retry or leave it' \
             WHERE state = 'sending' AND kind = 'email' AND next_attempt_at < ?",
            &[&before],
        )
        .map_err(Error::storage)?;
    let hooks = conn
        .execute(
            "UPDATE deliveries SET state = 'queued', next_attempt_at = ? \
             WHERE state = 'sending' AND kind = 'webhook' AND next_attempt_at < ?",
            &[&ts(&now), &before],
        )
        .map_err(Error::storage)?;
    Ok(emails + hooks)
}

/// Claims up to `limit` due deliveries for an attempt (emails only when an SMTP
/// server is configured): they are `sending` until their outcome is recorded.
pub(crate) fn claim_due<'c>(
    conn: impl Into<Conn<'c>>,
    now: Timestamp,
    limit: usize,
    emails: bool,
) -> Result<Vec<(Delivery, Payload)>> {
    let conn = conn.into();
    let kinds = if emails {
        "kind IN ('email', 'webhook')"
    } else {
        "kind = 'webhook'"
    };
    let ids: Vec<Id> = conn
        .query_map(
            &format!(
                "SELECT id FROM deliveries WHERE state = 'queued' AND next_attempt_at <= ? \
                 AND {kinds} ORDER BY next_attempt_at, id LIMIT ?"
            ),
            &[&ts(&now), &(limit as i64)],
            |r| r.get(0),
        )
        .map_err(Error::storage)?;
    let mut out = vec![];
    for id in ids {
        conn.execute(
            "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, next_attempt_at = ? \
             WHERE id = ?",
            &[&ts(&now), &id],
        )
        .map_err(Error::storage)?;
        out.push((get(conn, id)?, payload(conn, id)?));
    }
    Ok(out)
}

/// How many deliveries are queued (e.g. waiting for an SMTP server).
pub(crate) fn queued<'c>(conn: impl Into<Conn<'c>>) -> Result<u32> {
    let conn = conn.into();
    conn.query_row(
        "SELECT count(*) FROM deliveries WHERE state = 'queued'",
        &[],
        |r| r.get(0),
    )
    .map_err(Error::storage)
}

/// Records an attempt's outcome and answers the delivery's new state: sent;
/// queued again after the backoff; failed when refused for good or out of
/// attempts.
pub(crate) fn record<'c>(
    conn: impl Into<Conn<'c>>,
    settings: &Settings,
    d: &Delivery,
    outcome: &std::result::Result<(), SendError>,
    now: Timestamp,
) -> Result<DeliveryState> {
    let conn = conn.into();
    let (state, detail) = match outcome {
        Ok(()) => (DeliveryState::Sent, "delivered".to_string()),
        Err(e) if e.is_permanent() => (DeliveryState::Failed, e.to_string()),
        Err(e) if d.attempts >= settings.max_attempts() => (
            DeliveryState::Failed,
            format!("{e} (gave up after {} attempts)", d.attempts),
        ),
        Err(e) => (DeliveryState::Queued, e.to_string()),
    };
    let next = (state == DeliveryState::Queued).then(|| ts(&(now + settings.backoff(d.attempts))));
    conn.execute(
        "UPDATE deliveries SET state = ?, next_attempt_at = ?, sent_at = ?, last_error = ? \
         WHERE id = ?",
        &[
            &state.as_str(),
            &next,
            &(state == DeliveryState::Sent).then(|| ts(&now)),
            &if outcome.is_ok() { "" } else { detail.as_str() },
            &d.id,
        ],
    )
    .map_err(Error::storage)?;
    conn.execute(
        "INSERT INTO delivery_attempts(delivery_id, at, ok, detail) VALUES (?, ?, ?, ?)",
        &[&d.id, &ts(&now), &outcome.is_ok(), &detail],
    )
    .map_err(Error::storage)?;
    Ok(state)
}

/// Queues a failed or unknown delivery again, due now (a person decided).
pub(crate) fn retry<'c>(conn: impl Into<Conn<'c>>, id: Id, now: Timestamp) -> Result<Delivery> {
    let conn = conn.into();
    let d = get(conn, id)?;
    if !matches!(d.state, DeliveryState::Failed | DeliveryState::Unknown) {
        return Err(Error::invalid(
            "state",
            format!(
                "delivery {id} is {}: only a failed delivery, or one that may not have gone out, is retried",
                d.state.as_str()
            ),
        ));
    }
    conn.execute(
        "UPDATE deliveries SET state = 'queued', attempts = 0, next_attempt_at = ?, last_error = '' \
         WHERE id = ?",
        &[&ts(&now), &id],
    )
    .map_err(Error::storage)?;
    get(conn, id)
}

/// Cancels a delivery still waiting to go out (its step was completed or skipped
/// by hand); one already sent or on its way is left as it is.
/// Whose queued deliveries: a playbook run's steps', or an account's.
pub(crate) enum QueuedOf {
    Run(Id),
    Account(Id),
}

/// Cancels the queued deliveries of a run or an account being deleted by `actor`.
pub(crate) fn cancel_queued<'c>(
    conn: impl Into<Conn<'c>>,
    of: QueuedOf,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    let conn = conn.into();
    let (sql, key): (&str, rusqlite::types::Value) = match of {
        QueuedOf::Run(id) => (
            "SELECT id FROM deliveries WHERE state = 'queued' AND origin LIKE ?",
            format!("playbook run {id} step %").into(),
        ),
        QueuedOf::Account(id) => (
            "SELECT id FROM deliveries WHERE state = 'queued' AND account_id = ?",
            id.into(),
        ),
    };
    let ids: Vec<Id> = conn
        .query_map(sql, &[&key], |r| r.get(0))
        .map_err(Error::storage)?;
    let why = format!("not sent: deleted by {actor}");
    for id in ids {
        cancel(conn, id, &why, now)?;
    }
    Ok(())
}

pub(crate) fn cancel<'c>(
    conn: impl Into<Conn<'c>>,
    id: Id,
    why: &str,
    now: Timestamp,
) -> Result<bool> {
    let conn = conn.into();
    let n = conn
        .execute(
            "UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL, last_error = ? \
             WHERE id = ? AND state = 'queued'",
            &[&why, &id],
        )
        .map_err(Error::storage)?;
    if n == 1 {
        conn.execute(
            "INSERT INTO delivery_attempts(delivery_id, at, ok, detail) VALUES (?, ?, 0, ?)",
            &[&id, &ts(&now), &why],
        )
        .map_err(Error::storage)?;
    }
    Ok(n == 1)
}
