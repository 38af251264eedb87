//! The write side: create, update, delete, each with its change-log entries.

use rusqlite::OptionalExtension;

use crate::db::{Conn, Dialect};
use serde_json::Value;

use super::codec::{Params, trunc, ts};
use super::tables::{self, Table, table_of};
use super::{derived, health, rules};
use crate::*;
use tend_domain::*;
use tend_engines::health::HealthSetup;

fn first_invalid(errors: Vec<FieldError>) -> Result<()> {
    match errors.into_iter().next() {
        Some(e) => Err(Error::invalid(e.field, e.message)),
        None => Ok(()),
    }
}

pub(crate) fn exists<'c>(conn: impl Into<Conn<'c>>, kind: EntityKind, id: Id) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {} WHERE id = ?", table_of(kind));
    conn.into()
        .query_row(&sql, &[&id], |_| Ok(()))
        .optional()
        .map(|x| x.is_some())
        .map_err(Error::storage)
}

/// The account a contact belongs to, if the contact exists.
fn contact_account(conn: Conn<'_>, contact: Id) -> Result<Option<Id>> {
    conn.query_row(
        "SELECT account_id FROM contacts WHERE id = ?",
        &[&contact],
        |r| r.get(0),
    )
    .optional()
    .map_err(Error::storage)
}

/// Checks every reference of a record points at an existing record, and the extra
/// rules that span records (contacts of the same account, no parent loops).
fn check_references<T: Table>(conn: Conn<'_>, record: &T) -> Result<()> {
    for r in record.references() {
        if !exists(conn, r.kind, r.id)? {
            return Err(Error::invalid(
                r.field,
                format!("{} {} does not exist", r.kind, r.id),
            ));
        }
        if record.same_account() && r.kind != EntityKind::Account {
            let sql = format!("SELECT account_id FROM {} WHERE id = ?", table_of(r.kind));
            let owner: Id = conn
                .query_row(&sql, &[&r.id], |row| row.get(0))
                .map_err(Error::storage)?;
            let account = record.account_id().unwrap_or_default();
            if owner != account {
                return Err(Error::invalid(
                    r.field,
                    format!(
                        "{} {} belongs to account {owner}, not {account}",
                        r.kind, r.id
                    ),
                ));
            }
        }
    }
    if let Some(i) = record.as_interaction() {
        for &cid in &i.contact_ids {
            // The references above made sure the contact exists.
            let owner = contact_account(conn, cid)?.unwrap_or_default();
            if owner != i.account_id {
                return Err(Error::invalid(
                    "contact_ids",
                    format!(
                        "contact {cid} belongs to account {owner}, not {}",
                        i.account_id
                    ),
                ));
            }
        }
    }
    if let Some(run) = record.as_run() {
        let steps: String = conn
            .query_row(
                "SELECT steps FROM playbooks WHERE id = ?",
                &[&run.playbook_id],
                |r| r.get(0),
            )
            .map_err(Error::storage)?;
        let n = serde_json::from_str::<Vec<serde_json::Value>>(&steps)
            .map(|v| v.len())
            .unwrap_or(0);
        if n != run.steps.len() {
            return Err(Error::invalid(
                "steps",
                format!(
                    "has {} step states, playbook {} has {n} steps",
                    run.steps.len(),
                    run.playbook_id
                ),
            ));
        }
    }
    if let Some(a) = record.as_account()
        && a.id > 0
    {
        let mut cur = a.parent_id;
        while let Some(p) = cur {
            if p == a.id {
                return Err(Error::invalid(
                    "parent_id",
                    "the parent chain would loop back to this account",
                ));
            }
            cur = conn
                .query_row("SELECT parent_id FROM accounts WHERE id = ?", &[&p], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(Error::storage)?
                .flatten();
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn log(
    conn: Conn<'_>,
    at: Timestamp,
    actor: &str,
    kind: EntityKind,
    record_id: Id,
    account_id: Option<Id>,
    action: ChangeAction,
    change: (Option<&str>, Option<String>, Option<String>),
) -> Result<()> {
    let (field, from, to) = change;
    conn.execute(
        "INSERT INTO change_log (at, actor, entity, record_id, account_id, action, field, from_value, to_value)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rusqlite::params![
        ts(&at),
        actor,
        kind.as_str(),
        record_id,
        account_id,
        action.as_str(),
        field,
        from,
            to,
        ],
    )
    .map_err(Error::storage)?;
    Ok(())
}

/// Bookkeeping fields left out of field-by-field change entries.
const META_FIELDS: &[&str] = &["id", "version", "created_at", "updated_at"];

/// The fields that differ between two versions of a record, with old and new values.
pub(crate) fn diff(old: &Value, new: &Value) -> Vec<(String, Value, Value)> {
    let (Value::Object(o), Value::Object(n)) = (old, new) else {
        return vec![];
    };
    let mut out = vec![];
    for (k, nv) in n {
        if META_FIELDS.contains(&k.as_str()) {
            continue;
        }
        let ov = o.get(k).cloned().unwrap_or(Value::Null);
        if &ov != nv {
            out.push((k.clone(), ov, nv.clone()));
        }
    }
    out
}

/// What a write touched, for the follow-up work: derived columns, and the health of
/// the account when the write changed one of its inputs.
fn after_write(
    conn: Conn<'_>,
    setup: &HealthSetup,
    kind: EntityKind,
    account: Option<Id>,
    now: Timestamp,
) -> Result<()> {
    let Some(account) = account else {
        return Ok(());
    };
    if !exists(conn, EntityKind::Account, account)? {
        return Ok(());
    }
    if matches!(kind, EntityKind::Agreement | EntityKind::Account) {
        derived::refresh_account(conn, account, now.date_naive())?;
    }
    if is_health_input(kind) {
        health::recompute_account(conn, setup, account, now)?;
    }
    Ok(())
}

/// Whether records of a kind feed the health score.
fn is_health_input(kind: EntityKind) -> bool {
    matches!(
        kind,
        EntityKind::Account
            | EntityKind::Contact
            | EntityKind::Interaction
            | EntityKind::Agreement
            | EntityKind::SupportCase
            | EntityKind::NpsResponse
            | EntityKind::Invoice
            | EntityKind::Payment
    )
}

/// What follows a write on an account (its derived columns refreshed, its health
/// rescored): now, or for many writes in a row once per account at the end.
pub(crate) enum After<'a> {
    Now,
    /// Collect the accounts (and whether their derived columns need refreshing);
    /// the caller runs [`after_writes`] on them.
    Later(&'a mut std::collections::BTreeMap<Id, bool>),
}

impl After<'_> {
    fn run(
        &mut self,
        conn: Conn<'_>,
        setup: &HealthSetup,
        kind: EntityKind,
        account: Option<Id>,
        now: Timestamp,
    ) -> Result<()> {
        match self {
            After::Now => after_write(conn, setup, kind, account, now),
            After::Later(touched) => {
                if let Some(account) = account
                    && (is_health_input(kind) || is_derived_input(kind))
                {
                    *touched.entry(account).or_default() |= is_derived_input(kind);
                }
                Ok(())
            }
        }
    }
}

/// What [`After::Later`] collected: each account refreshed and rescored once.
pub(crate) fn after_writes<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    touched: &std::collections::BTreeMap<Id, bool>,
    now: Timestamp,
) -> Result<()> {
    let conn = conn.into();
    // Past a few hundred accounts one pass over all of them (read in chunks,
    // scored on two threads) is faster than each one on its own.
    if touched.len() > WHOLE_PASS_FROM {
        derived::refresh_all(conn, now.date_naive())?;
        health::recompute_all(conn, setup, now, false)?;
        return Ok(());
    }
    for (&account, &derived) in touched {
        if !exists(conn, EntityKind::Account, account)? {
            continue;
        }
        if derived {
            derived::refresh_account(conn, account, now.date_naive())?;
        }
        health::recompute_account(conn, setup, account, now)?;
    }
    Ok(())
}

/// How many accounts [`after_writes`] takes one at a time.
const WHOLE_PASS_FROM: usize = 500;

fn is_derived_input(kind: EntityKind) -> bool {
    matches!(kind, EntityKind::Agreement | EntityKind::Account)
}

fn create_typed<T: Table>(
    conn: Conn<'_>,
    setup: &HealthSetup,
    actor: &str,
    now: Timestamp,
    mut r: T,
    after: &mut After,
) -> Result<Record> {
    let now = trunc(now);
    r.set_id(0);
    r.set_version(1);
    r.set_times(now, now);
    first_invalid(field_errors(&r))?;
    check_references(conn, &r)?;
    rules::check(conn, None, &r)?;
    let id = tables::insert(conn, &r)?;
    r.set_id(id);
    let account = if T::KIND == EntityKind::Account {
        Some(id)
    } else {
        r.account_id()
    };
    let json = serde_json::to_string(&r).map_err(Error::storage)?;
    log(
        conn,
        now,
        actor,
        T::KIND,
        id,
        account,
        ChangeAction::Create,
        (None, None, Some(json)),
    )?;
    after.run(conn, setup, T::KIND, account, now)?;
    Ok(r.into_record())
}

fn update_typed<T: Table>(
    conn: Conn<'_>,
    setup: &HealthSetup,
    actor: &str,
    now: Timestamp,
    mut r: T,
    after: &mut After,
) -> Result<Record> {
    let now = trunc(now);
    let old: T = tables::get(conn, r.id())?;
    if old.version() != r.version() {
        return Err(Error::Conflict {
            kind: T::KIND,
            id: r.id(),
            expected: r.version(),
            actual: old.version(),
        });
    }
    first_invalid(field_errors(&r))?;
    check_references(conn, &r)?;
    rules::check(conn, Some(&old), &r)?;
    let expected = r.version();
    r.set_version(expected + 1);
    r.set_times(old.created_at(), now);
    let params = r.update_params(expected);
    let changed = conn
        .execute(tables::sql_of::<T>(tables::Sql::Update), &params.refs())
        .map_err(Error::storage)?;
    if changed != 1 {
        return Err(Error::Conflict {
            kind: T::KIND,
            id: r.id(),
            expected,
            actual: expected + 1,
        });
    }
    let old_json = serde_json::to_value(&old).map_err(Error::storage)?;
    let new_json = serde_json::to_value(&r).map_err(Error::storage)?;
    let account = r.account_id();
    for (field, from, to) in diff(&old_json, &new_json) {
        log(
            conn,
            now,
            actor,
            T::KIND,
            r.id(),
            account,
            ChangeAction::Update,
            (Some(&field), Some(from.to_string()), Some(to.to_string())),
        )?;
    }
    after.run(conn, setup, T::KIND, account, now)?;
    // A record moved to another account changes the old one too.
    if old.account_id() != account {
        after.run(conn, setup, T::KIND, old.account_id(), now)?;
    }
    Ok(r.into_record())
}

/// Scores an interaction's text automatically unless a person set its sentiment:
/// a manual sentiment is kept as it is, an automatic one follows the text.
fn score_sentiment(record: &mut Record) {
    let Record::Interaction(i) = record else {
        return;
    };
    if i.sentiment
        .is_some_and(|s| s.source == SentimentSource::Manual)
    {
        return;
    }
    let text = if i.body.trim().is_empty() {
        &i.subject
    } else {
        &i.body
    };
    i.sentiment = (!text.trim().is_empty()).then(|| tend_engines::sentiment::automatic(text));
}

pub(crate) fn create<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    actor: &str,
    now: Timestamp,
    record: Record,
) -> Result<Record> {
    create_with(conn, setup, actor, now, record, &mut After::Now)
}

pub(crate) fn create_with<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    actor: &str,
    now: Timestamp,
    mut record: Record,
    after: &mut After,
) -> Result<Record> {
    let conn = conn.into();
    score_sentiment(&mut record);
    // A saved summary is its saver's, whatever the body says.
    if let Record::Summary(s) = &mut record {
        s.author = actor.to_string();
    }
    if let Record::Playbook(p) = &record {
        super::runs::check_playbook(p)?;
    }
    // A run's emails are rendered as it starts, from the account as it is now.
    if let Record::PlaybookRun(run) = &mut record
        && exists(conn, EntityKind::Playbook, run.playbook_id)?
        && exists(conn, EntityKind::Account, run.account_id)?
        && run.steps.iter().all(|s| s.email.is_none())
    {
        super::runs::prepare(conn, run, now)?;
    }
    tend_domain::with_record!(record, r => create_typed(conn, setup, actor, now, r, after))
}

pub(crate) fn update<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    actor: &str,
    now: Timestamp,
    record: Record,
) -> Result<Record> {
    update_with(conn, setup, actor, now, record, &mut After::Now)
}

pub(crate) fn update_with<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    actor: &str,
    now: Timestamp,
    mut record: Record,
    after: &mut After,
) -> Result<Record> {
    let conn = conn.into();
    score_sentiment(&mut record);
    if let Record::Playbook(p) = &record {
        super::runs::check_playbook(p)?;
    }
    // An email step completed or skipped by hand does not send its email after all.
    if let Record::PlaybookRun(run) = &record
        && let Ok(old) = super::tables::get::<PlaybookRun>(conn, run.id)
    {
        super::runs::cancel_hand_completed(conn, &old, run, actor, now)?;
    }
    tend_domain::with_record!(record, r => update_typed(conn, setup, actor, now, r, after))
}

pub(crate) fn delete<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    actor: &str,
    now: Timestamp,
    kind: EntityKind,
    id: Id,
    version: i64,
) -> Result<()> {
    let conn = conn.into();
    let now = trunc(now);
    let old = tables::get_record(conn, kind, id)?;
    if old.version() != version {
        return Err(Error::Conflict {
            kind,
            id,
            expected: version,
            actual: old.version(),
        });
    }
    if kind == EntityKind::Contact {
        // Interactions keep their history without the person, and the person's usage
        // stays in the account's totals as anonymous usage.
        let without = match conn.dialect() {
            Dialect::Sqlite => {
                "(SELECT json_group_array(value) FROM json_each(interactions.contact_ids) \
                 WHERE value <> ?1)"
            }
            Dialect::Postgres => {
                "(SELECT coalesce(jsonb_agg(e.value ORDER BY e.n), '[]'::jsonb)::text \
                 FROM jsonb_array_elements(interactions.contact_ids::jsonb) WITH ORDINALITY AS e(value, n) \
                 WHERE e.value <> to_jsonb(?1::bigint))"
            }
        };
        conn.execute(
            &format!(
                "UPDATE interactions SET contact_ids = {without} WHERE {}",
                conn.dialect()
                    .json_array_has_id("interactions.contact_ids", "?1")
            ),
            &[&id],
        )
        .map_err(Error::storage)?;
        let account = old.account_id().unwrap_or(0);
        conn.execute(
            "INSERT INTO usage (account_id, contact_id, day, connections, minutes, features)
             SELECT account_id, 0, day, connections, minutes, features FROM usage
             WHERE account_id = ?2 AND contact_id = ?1
             ON CONFLICT (account_id, day, contact_id) DO UPDATE
                 SET connections = usage.connections + excluded.connections,
                 minutes = usage.minutes + excluded.minutes",
            &[&id, &account],
        )
        .map_err(Error::storage)?;
        conn.execute(
            "DELETE FROM usage WHERE account_id = ?2 AND contact_id = ?1",
            &[&id, &account],
        )
        .map_err(Error::storage)?;
    }
    // What a deleted run or account had queued does not go out after it.
    match kind {
        EntityKind::PlaybookRun => {
            super::outbox::cancel_queued(conn, super::outbox::QueuedOf::Run(id), actor, now)?
        }
        EntityKind::Account => {
            super::outbox::cancel_queued(conn, super::outbox::QueuedOf::Account(id), actor, now)?
        }
        _ => {}
    }
    let sql = format!(
        "DELETE FROM {} WHERE id = ? AND version = ?",
        table_of(kind)
    );
    conn.execute(&sql, rusqlite::params![id, version])
        .map_err(Error::storage)?;
    // Its ids in source systems go with it (a later record may get its id).
    conn.execute(
        "DELETE FROM external_ids WHERE kind = ? AND record_id = ?",
        rusqlite::params![kind.as_str(), id],
    )
    .map_err(Error::storage)?;
    let account = old.account_id();
    let json = serde_json::to_value(&old).map_err(Error::storage)?;
    let payload = match &json {
        Value::Object(m) => m.get("record").cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    };
    log(
        conn,
        now,
        actor,
        kind,
        id,
        account,
        ChangeAction::Delete,
        (None, Some(payload.to_string()), None),
    )?;
    after_write(conn, setup, kind, account, now)?;
    Ok(())
}

/// Several writes in the caller's transaction, in order; the first error stops them
/// (and the transaction rolls back). An error names the write it came from.
pub(crate) fn apply<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    held: &AccountRules,
    actor: &str,
    now: Timestamp,
    writes: Vec<Write>,
) -> Result<Vec<Option<Record>>> {
    let conn = conn.into();
    let mut out = Vec::with_capacity(writes.len());
    for (i, w) in writes.into_iter().enumerate() {
        // An account is held to the organisation's rules as the earlier writes
        // left it.
        let done = match w {
            Write::Create { record } => rules::account(conn, held, record)
                .and_then(|r| create(conn, setup, actor, now, r))
                .map(Some),
            Write::Update { record } => rules::account(conn, held, record)
                .and_then(|r| update(conn, setup, actor, now, r))
                .map(Some),
            Write::Delete { kind, id, version } => {
                delete(conn, setup, actor, now, kind, id, version).map(|()| None)
            }
        };
        out.push(done.map_err(|e| match e {
            Error::Invalid { field, message } => Error::Invalid {
                field: format!("writes[{i}].{field}"),
                message,
            },
            other => other,
        })?);
    }
    Ok(out)
}

pub(crate) fn record_usage<'c>(
    conn: impl Into<Conn<'c>>,
    setup: &HealthSetup,
    now: Timestamp,
    rows: &[UsageDay],
) -> Result<u64> {
    let conn = conn.into();
    for (i, u) in rows.iter().enumerate() {
        if let Some(e) = check_usage(u).into_iter().next() {
            return Err(Error::invalid(format!("rows[{i}].{}", e.field), e.message));
        }
        if !exists(conn, EntityKind::Account, u.account_id)? {
            return Err(Error::invalid(
                format!("rows[{i}].account_id"),
                format!("account {} does not exist", u.account_id),
            ));
        }
        if let Some(cid) = u.contact_id
            && contact_account(conn, cid)? != Some(u.account_id)
        {
            return Err(Error::invalid(
                format!("rows[{i}].contact_id"),
                format!("contact {cid} is not a contact of account {}", u.account_id),
            ));
        }
        let mut p = Params::default();
        p.int(u.account_id)
            .opt_int(u.contact_id)
            .day(&u.day)
            .int(u.connections as i64)
            .int(u.minutes as i64)
            .json(&u.features);
        conn.execute(
            "INSERT INTO usage (account_id, contact_id, day, connections, minutes, features)
             VALUES (?, coalesce(?, 0), ?, ?, ?, ?)
             ON CONFLICT (account_id, day, contact_id) DO UPDATE
                 SET connections = excluded.connections,
                 minutes = excluded.minutes, features = excluded.features",
            &p.refs(),
        )
        .map_err(Error::storage)?;
    }
    let accounts: std::collections::BTreeSet<Id> = rows.iter().map(|u| u.account_id).collect();
    for account in accounts {
        health::recompute_account(conn, setup, account, now)?;
    }
    Ok(rows.len() as u64)
}
