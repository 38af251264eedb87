//! Raising alerts: transitions, the other rules, escalated cases.

use rusqlite::OptionalExtension;

use crate::db::Conn;

use crate::sqlite::codec::{Cols, trunc, ts};
use crate::sqlite::tables;
use crate::{Error, Result};
use tend_domain::*;
use tend_engines::health::*;

fn new_alert(account: Id, rule: &str, at: Timestamp, message: &str) -> Alert {
    Alert {
        id: 0,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Api,
        external_id: None,
        account_id: account,
        rule: rule.into(),
        at,
        message: message.into(),
        state: AlertState::Open,
        snoozed_until: None,
        from_status: None,
        to_status: None,
        case_id: None,
    }
}

/// Inserts a transition alert unless the same one is already there.
pub(super) fn raise_transition(
    conn: Conn<'_>,
    account: Id,
    at: Timestamp,
    from: HealthStatus,
    to: HealthStatus,
    message: &str,
) -> Result<()> {
    let at = trunc(at);
    let exists: Option<i64> = conn
        .query_row(
            "SELECT id FROM alerts WHERE account_id = ? AND rule = ? AND at = ?",
            &[&account, &TRANSITION_RULE, &ts(&at)],
            |r| r.get(0),
        )
        .optional()
        .map_err(Error::storage)?;
    if exists.is_some() {
        return Ok(());
    }
    let alert = Alert {
        from_status: Some(from),
        to_status: Some(to),
        ..new_alert(account, TRANSITION_RULE, at, message)
    };
    tables::insert(conn, &alert)?;
    Ok(())
}

/// Inserts the transition alert of a backfill's week (`week` its Monday, `at` in it
/// or at its close) unless the account has one in that week already: loading the
/// same history again, or a week later when the week it was raised in has closed,
/// finds it there.
pub(super) fn raise_week_transition(
    conn: Conn<'_>,
    account: Id,
    week: chrono::NaiveDate,
    at: Timestamp,
    transition: (HealthStatus, HealthStatus),
    message: &str,
) -> Result<bool> {
    let midnight = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let (opens, closes) = (midnight(week), midnight(week + chrono::Days::new(7)));
    let exists: Option<i64> = conn
        .query_row(
            "SELECT id FROM alerts INDEXED BY alerts_account
             WHERE account_id = ? AND rule = ? AND at > ? AND at <= ? LIMIT 1",
            &[&account, &TRANSITION_RULE, &ts(&opens), &ts(&closes)],
            |r| r.get(0),
        )
        .optional()
        .map_err(Error::storage)?;
    if exists.is_some() {
        return Ok(false);
    }
    let alert = Alert {
        from_status: Some(transition.0),
        to_status: Some(transition.1),
        ..new_alert(account, TRANSITION_RULE, trunc(at), message)
    };
    tables::insert(conn, &alert)?;
    Ok(true)
}

/// Inserts an alert of a rule unless the account has one of that rule open or
/// snoozed already. Returns whether it did.
pub(super) fn raise_rule(
    conn: Conn<'_>,
    account: Id,
    rule: &str,
    at: Timestamp,
    message: &str,
    case_id: Option<Id>,
) -> Result<bool> {
    let pending = conn
        .query_row(
            // Without statistics the planner would pick the rule's index and read
            // every alert of the rule (tens of thousands on a large store) for
            // each account; an account has a handful of alerts.
            "SELECT EXISTS (SELECT 1 FROM alerts INDEXED BY alerts_account
             WHERE account_id = ? AND rule = ? AND state <> 'done')",
            &[&account, &rule],
            |r| r.get::<_, bool>(0),
        )
        .map_err(Error::storage)?;
    if pending {
        return Ok(false);
    }
    let at = trunc(at);
    let alert = Alert {
        case_id,
        ..new_alert(account, rule, at, message)
    };
    tables::insert(conn, &alert)?;
    Ok(true)
}

/// Raises an escalation alert for each open escalated case (of one account, or of
/// all) that never had one, dated when the case was last written (at the latest
/// `now`); of several on one account, the most urgent, then the latest. A case
/// escalated while its account already has an escalation alert open or snoozed
/// waits until that one is done. Returns how many it raised.
pub(super) fn raise_escalations(
    conn: Conn<'_>,
    setup: &HealthSetup,
    account: Option<Id>,
    now: Timestamp,
) -> Result<u64> {
    if !setup.alerts.escalation {
        return Ok(0);
    }
    let sql = format!(
        "SELECT c.id, c.account_id, c.number, c.subject, c.priority, c.updated_at
         FROM support_cases c
         WHERE {} AND {} {}
           AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.case_id = c.id)
           AND c.account_id NOT IN (SELECT id FROM accounts INDEXED BY accounts_churned
                                    WHERE stage = 'churned')
         ORDER BY c.account_id, c.priority_rank, c.updated_at DESC, c.id",
        conn.dialect().is_set("c.escalated"),
        conn.dialect().is_set("c.is_open"),
        if account.is_some() {
            "AND c.account_id = ?"
        } else {
            ""
        }
    );
    let read = |r: &crate::db::Row| {
        let mut c = Cols::of(r);
        Ok((
            c.get::<Id>()?,
            c.get::<Id>()?,
            c.get::<String>()?,
            c.get::<String>()?,
            c.parse::<Priority>()?,
            c.ts()?,
        ))
    };
    let pending = match account {
        Some(a) => conn.query_map(&sql, &[&a], read),
        None => conn.query_map(&sql, &[], read),
    }
    .map_err(Error::storage)?;
    let mut raised = 0;
    for (case, account, number, subject, priority, updated) in pending {
        let message = escalation_message(&number, &subject, priority);
        if raise_rule(
            conn,
            account,
            ESCALATION_RULE,
            updated.min(now),
            &message,
            Some(case),
        )? {
            raised += 1;
        }
    }
    Ok(raised)
}
