//! Keeping health scores: loading an account's inputs, scoring it, storing the score
//! with its weekly and monthly snapshots, and raising transition alerts.

use std::collections::HashMap;
use std::iter::Peekable;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};

use super::codec::{Cols, day, from_day, ts};
use super::scan::Scan;
use super::tables::Table;
use crate::{Error, HealthReport, RecomputeReport, Result};
use tend_domain::*;
use tend_engines::health::*;

/// The columns of an interaction the engine reads (not its text or tags).
const INTERACTION_COLS: &str = "id, account_id, kind, direction, at, contact_ids, user,
    sentiment_score, sentiment_label, sentiment_source, excluded_from_score, answered";

/// The columns of a contact the engine reads (not its name, email or title).
const CONTACT_COLS: &str = "id, account_id, created_at, roles, kind";

/// Reads [`CONTACT_COLS`] into a contact without name, email, title or bookkeeping.
fn contact_fact(r: &rusqlite::Row) -> rusqlite::Result<Contact> {
    let mut c = Cols::new(r);
    let (id, account_id, created_at) = (c.get()?, c.get()?, c.ts()?);
    Ok(Contact {
        id,
        version: 1,
        created_at,
        updated_at: created_at,
        source: Source::Import,
        external_id: None,
        account_id,
        name: String::new(),
        email: None,
        title: None,
        roles: c.json()?,
        kind: c.parse()?,
    })
}

/// The columns of a support case the engine reads (not its number, subject, team,
/// region or severity).
const CASE_COLS: &str = "id, account_id, priority, status, escalated, opened_at, resolved_at,
    signals, engineering_issue, csat";

/// Reads [`CASE_COLS`] into a case without text or bookkeeping.
fn case_fact(r: &rusqlite::Row) -> rusqlite::Result<SupportCase> {
    let mut c = Cols::new(r);
    let id = c.get()?;
    let account_id = c.get()?;
    let priority = c.parse()?;
    let status = c.parse()?;
    let escalated = c.get()?;
    let opened_at = c.ts()?;
    Ok(SupportCase {
        id,
        version: 1,
        created_at: opened_at,
        updated_at: opened_at,
        source: Source::Import,
        external_id: None,
        account_id,
        number: String::new(),
        subject: String::new(),
        priority,
        severity: 0,
        status,
        escalated,
        team: String::new(),
        region: String::new(),
        opened_at,
        resolved_at: c.opt_ts()?,
        signals: c.json()?,
        engineering_issue: c.get()?,
        csat: c.get()?,
    })
}

/// Reads a JSON list of ids (`[12,40]`, as the store writes them) without the JSON
/// machinery; anything else goes through the JSON parser.
fn parse_ids(text: &str) -> Vec<Id> {
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    if inner.trim().is_empty() {
        return vec![];
    }
    inner
        .split(',')
        .map(|p| p.trim().parse::<Id>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .unwrap_or_else(|_| serde_json::from_str(text).unwrap_or_default())
}

/// Reads [`INTERACTION_COLS`] into an interaction without text, tags or bookkeeping.
fn interaction_fact(r: &rusqlite::Row) -> rusqlite::Result<Interaction> {
    let mut c = Cols::new(r);
    let id = c.get()?;
    let account_id = c.get()?;
    let kind = c.parse()?;
    let direction = c.parse()?;
    let at = c.ts()?;
    let ids = r.get_ref(5)?.as_str().unwrap_or("[]");
    c.skip();
    let contact_ids = parse_ids(ids);
    let user = c.get()?;
    let score: Option<f64> = c.get()?;
    let label: Option<SentimentLabel> = c.opt_parse()?;
    let source: Option<SentimentSource> = c.opt_parse()?;
    Ok(Interaction {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Import,
        external_id: None,
        account_id,
        kind,
        direction,
        at,
        contact_ids,
        user,
        subject: String::new(),
        body: String::new(),
        tags: vec![],
        sentiment: match (score, label, source) {
            (Some(score), Some(label), Some(source)) => Some(Sentiment {
                score,
                label,
                source,
            }),
            _ => None,
        },
        excluded_from_score: c.get()?,
        answered: c.get()?,
    })
}

/// Reads a usage row's feature counts (`{"name":n,...}` as the store writes them)
/// into `each`.
fn parse_features(text: &str, mut each: impl FnMut(&str, u32)) -> Option<()> {
    let mut pairs = [("", 0); 16];
    if let Some(n) = compact_features(text, &mut pairs) {
        pairs[..n].iter().for_each(|(name, n)| each(name, *n));
        return Some(());
    }
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    if inner.contains('\\') {
        // Escaped names: leave them to the JSON parser.
        let map: std::collections::BTreeMap<String, u32> = serde_json::from_str(text).ok()?;
        map.iter().for_each(|(k, v)| each(k, *v));
        return Some(());
    }
    for part in inner.split(',').filter(|p| !p.trim().is_empty()) {
        let (key, value) = part.rsplit_once(':')?;
        let key = key.trim().strip_prefix('"')?.strip_suffix('"')?;
        each(key, value.trim().parse().ok()?);
    }
    Some(())
}

/// Reads feature counts written as the store writes them, `{"name":n,...}` with no
/// space, escape or sign, in one pass over the bytes (a recompute reads millions);
/// none for anything else, or more than `out` holds, which [`parse_features`] then
/// reads the long way.
fn compact_features<'t>(text: &'t str, out: &mut [(&'t str, u32)]) -> Option<usize> {
    let b = text.as_bytes();
    let inner = b.strip_prefix(b"{")?.strip_suffix(b"}")?;
    let (mut i, mut n) = (0, 0);
    while i < inner.len() {
        if inner[i] != b'"' {
            return None;
        }
        let start = i + 1;
        let len = inner[start..].iter().position(|&c| c == b'"')?;
        let name = &inner[start..start + len];
        if name.contains(&b'\\') {
            return None;
        }
        i = start + len + 1;
        if inner.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        let digits = inner[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let value = inner[i..i + digits]
            .iter()
            .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
        i += digits;
        match inner.get(i) {
            None => {}
            Some(b',') if i + 1 < inner.len() => i += 1,
            Some(_) => return None,
        }
        // `{` comes first: the name's bytes start one further on in the text.
        *out.get_mut(n)? = (&text[1 + start..1 + start + len], value);
        n += 1;
    }
    Some(n)
}

/// What a read keeps of usage rows' features: the names shared, and for a score
/// (which reads which features were used, not how much) only each account's first
/// use of each feature up to `until`, so that most rows keep none.
struct FeatureReader {
    names: FeatureNames,
    first_only: Option<i64>,
    account: Option<Id>,
    seen: Vec<Arc<str>>,
}

impl FeatureReader {
    fn new(first_only: Option<i64>) -> FeatureReader {
        FeatureReader {
            names: FeatureNames::default(),
            first_only,
            account: None,
            seen: vec![],
        }
    }

    fn keep(&mut self, account: Id, d: i64, name: &str, n: u32, out: &mut Vec<(Arc<str>, u32)>) {
        let Some(until) = self.first_only else {
            out.push((self.names.get(name), n));
            return;
        };
        if self.account != Some(account) {
            self.account = Some(account);
            self.seen.clear();
        }
        if n == 0 || d > until || self.seen.iter().any(|s| **s == *name) {
            return;
        }
        let name = self.names.get(name);
        self.seen.push(name.clone());
        out.push((name, n));
    }
}

/// Reads the rest of a row of `account_id, day, connections, contact_id, features`
/// whose first three columns were read: the features only of days after
/// `features_from`.
fn usage_fact(
    r: &Scan,
    (account, d, connections): (Id, i64, u32),
    reader: &mut FeatureReader,
    features_from: i64,
) -> rusqlite::Result<(Id, UsageFact)> {
    // 0: usage tied to no contact.
    let contact_id = Some(r.int(3)?).filter(|&id| id != 0);
    let mut features = vec![];
    if d > features_from {
        // Borrowed from the row: millions of rows, no copy each.
        let text = r.text(4)?.unwrap_or_default();
        parse_features(text, |name, n| {
            reader.keep(account, d, name, n, &mut features)
        })
        .ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Text,
                format!(
                    "usage features of account {account} on {}: not a JSON object of counts",
                    from_day(d)
                )
                .into(),
            )
        })?;
    }
    Ok((
        account,
        UsageFact {
            day: from_day(d),
            contact_id,
            connections,
            features,
        },
    ))
}

/// How much of an account's inputs to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// Everything: scores as of any past instant (history backfills).
    History,
    /// What the full explanation of a score now reads.
    Explain,
    /// What a score now reads (feature names only over 30 days).
    Score,
}

/// A record select with some costly columns replaced by cheap constants the
/// engine does not read (names, text, tags...).
fn light_select<T: Table>(blank: &[(&str, &str)]) -> String {
    let cols: Vec<String> = T::COLUMNS
        .iter()
        .map(|c| match blank.iter().find(|(n, _)| n == c) {
            Some((_, literal)) => format!("{literal} AS {c}"),
            None => (*c).to_string(),
        })
        .collect();
    format!(
        "SELECT {}, {} FROM {}",
        super::tables::COMMON,
        cols.join(", "),
        T::TABLE
    )
}

/// The first day whose usage rows a score at `now` reads one by one (older days
/// only matter through the last active day and the first day).
fn detail_from(now: Timestamp) -> i64 {
    day(&(now.date_naive() - Days::new(61)))
}

/// One account's inputs, as deep as `depth` says (see [`detail_from`]).
pub(crate) fn load(conn: &Connection, id: Id, now: Timestamp, depth: Depth) -> Result<AccountData> {
    load_range(conn, id, id, now, depth)?
        .pop()
        .ok_or(Error::NotFound {
            kind: EntityKind::Account,
            id,
        })
}

fn encode_components(c: &[(String, Option<f64>)]) -> String {
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
struct Past {
    period: Period,
    start: NaiveDate,
    at: Timestamp,
    score: Option<f64>,
    status: Option<HealthStatus>,
    components: String,
    drag: Option<String>,
}

fn put_snapshot(conn: &Connection, account_id: Id, s: &Past, profile: &str) -> Result<()> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO health_snapshots(account_id, period, start_day, at, score, status, profile, components)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(account_id, period, start_day) DO UPDATE SET
               at = excluded.at, score = excluded.score, status = excluded.status,
               profile = excluded.profile, components = excluded.components",
        )
        .map_err(Error::storage)?;
    stmt.execute(params![
        account_id,
        s.period.as_str(),
        day(&s.start),
        ts(&s.at),
        s.score,
        s.status.map(|x| x.as_str()),
        profile,
        s.components,
    ])
    .map_err(Error::storage)?;
    Ok(())
}

/// An account's snapshots of one period, oldest first.
pub(crate) fn snapshots(conn: &Connection, id: Id, period: Period) -> Result<Vec<Snapshot>> {
    let mut stmt = conn
        .prepare_cached(
            // Without statistics the planner would walk the whole period in key
            // order rather than this account's few rows.
            "SELECT start_day, at, score, status, profile, components
             FROM health_snapshots INDEXED BY health_snapshots_account
             WHERE account_id = +? AND period = ? ORDER BY start_day",
        )
        .map_err(Error::storage)?;
    stmt.query_map(params![id, period.as_str()], |r| {
        let mut c = Cols::new(r);
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
    })
    .map_err(Error::storage)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(Error::storage)
}

/// The score of last week's snapshot (the trend's reference).
fn previous_week(conn: &Connection, id: Id, now: Timestamp) -> Result<Option<f64>> {
    let start = week_start(now.date_naive()) - Days::new(7);
    conn.prepare_cached(
        "SELECT score FROM health_snapshots WHERE account_id = ? AND period = 'week' AND start_day = ?",
    )
    .map_err(Error::storage)?
    .query_row(params![id, day(&start)], |r| r.get::<_, Option<f64>>(0))
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
pub(crate) fn explain(
    conn: &Connection,
    setup: &HealthSetup,
    id: Id,
    now: Timestamp,
) -> Result<(Explanation, Profile)> {
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
pub(crate) fn report(
    conn: &Connection,
    setup: &HealthSetup,
    id: Id,
    now: Timestamp,
) -> Result<HealthReport> {
    let (explanation, profile) = explain(conn, setup, id, now)?;
    Ok(HealthReport {
        explanation,
        profile,
        weekly: snapshots(conn, id, Period::Week)?,
        monthly: snapshots(conn, id, Period::Month)?,
    })
}

/// What storing a score raised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Raised {
    /// A transition alert.
    transition: bool,
    /// Alerts of the other rules.
    rules: u64,
}

/// Stores a current score: the account's columns (its biggest drag and the alert
/// conditions that hold included), this week's and this month's snapshots, an
/// alert when the status changed from `from` in a way the rules alert on, and the
/// alerts of the conditions that started to hold since `was` was stored.
fn store_current(
    conn: &Connection,
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
    update_health_columns(conn, id, was, q, trend, conditions)?;
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
    put_snapshot(conn, id, &snapshot, &q.profile)?;
    snapshot.period = Period::Month;
    snapshot.start = period_start(Period::Month, today);
    put_snapshot(conn, id, &snapshot, &q.profile)?;
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

/// Writes the account's health columns that differ from what is stored. Only
/// those: SQLite rewrites the entries of every index on a column an UPDATE sets,
/// changed or not, and the score alone is in four of the accounts' indexes (the
/// status and the drag in two more). The next day most scores move a little, but
/// few statuses, drags or alert conditions do.
fn update_health_columns(
    conn: &Connection,
    id: Id,
    was: &Stored,
    q: &Quick,
    trend: Option<f64>,
    conditions: Conditions,
) -> Result<()> {
    let mut sets: Vec<&str> = Vec::with_capacity(5);
    let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(6);
    let opt_text =
        |s: Option<&str>| s.map_or(rusqlite::types::Value::Null, |s| s.to_string().into());
    let opt_real = |v: Option<f64>| v.map_or(rusqlite::types::Value::Null, Into::into);
    if !was.known || was.score != q.score {
        sets.push("health_score = ?");
        values.push(opt_real(q.score));
    }
    if !was.known || was.status != q.status {
        sets.push("health_status = ?");
        values.push(opt_text(q.status.map(|s| s.as_str())));
    }
    if !was.known || was.trend != trend {
        sets.push("health_trend = ?");
        values.push(opt_real(trend));
    }
    if !was.known || was.drag != q.drag_measure {
        sets.push("health_drag = ?");
        values.push(opt_text(q.drag_measure.map(Measure::key)));
    }
    if !was.known || was.conditions != Some(conditions) {
        sets.push("alert_conditions = ?");
        values.push(conditions.0.into());
    }
    if sets.is_empty() {
        return Ok(());
    }
    values.push(id.into());
    conn.prepare_cached(&format!(
        "UPDATE accounts SET {} WHERE id = ?",
        sets.join(", ")
    ))
    .map_err(Error::storage)?
    .execute(rusqlite::params_from_iter(values))
    .map_err(Error::storage)?;
    Ok(())
}

fn trend(score: Option<f64>, previous: Option<f64>) -> Option<f64> {
    Some(score? - previous?)
}

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
fn raise_transition(
    conn: &Connection,
    account: Id,
    at: Timestamp,
    from: HealthStatus,
    to: HealthStatus,
    message: &str,
) -> Result<()> {
    let at = super::codec::trunc(at);
    let exists: Option<i64> = conn
        .prepare_cached("SELECT id FROM alerts WHERE account_id = ? AND rule = ? AND at = ?")
        .map_err(Error::storage)?
        .query_row(params![account, TRANSITION_RULE, ts(&at)], |r| r.get(0))
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
    super::write::insert(conn, &alert)?;
    Ok(())
}

/// Inserts an alert of a rule unless the account has one of that rule open or
/// snoozed already. Returns whether it did.
fn raise_rule(
    conn: &Connection,
    account: Id,
    rule: &str,
    at: Timestamp,
    message: &str,
    case_id: Option<Id>,
) -> Result<bool> {
    let pending = conn
        .prepare_cached(
            // Without statistics the planner would pick the rule's index and read
            // every alert of the rule (tens of thousands on a large store) for
            // each account; an account has a handful of alerts.
            "SELECT EXISTS (SELECT 1 FROM alerts INDEXED BY alerts_account
             WHERE account_id = ? AND rule = ? AND state <> 'done')",
        )
        .map_err(Error::storage)?
        .query_row(params![account, rule], |r| r.get::<_, bool>(0))
        .map_err(Error::storage)?;
    if pending {
        return Ok(false);
    }
    let at = super::codec::trunc(at);
    let alert = Alert {
        case_id,
        ..new_alert(account, rule, at, message)
    };
    super::write::insert(conn, &alert)?;
    Ok(true)
}

/// Raises an escalation alert for each open escalated case (of one account, or of
/// all) that never had one, dated when the case was last written (at the latest
/// `now`); of several on one account, the most urgent, then the latest. A case
/// escalated while its account already has an escalation alert open or snoozed
/// waits until that one is done. Returns how many it raised.
fn raise_escalations(
    conn: &Connection,
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
         WHERE c.escalated AND c.is_open {}
           AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.case_id = c.id)
           AND c.account_id NOT IN (SELECT id FROM accounts INDEXED BY accounts_churned
                                    WHERE stage = 'churned')
         ORDER BY c.account_id, c.priority_rank, c.updated_at DESC, c.id",
        if account.is_some() {
            "AND c.account_id = ?"
        } else {
            ""
        }
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(Error::storage)?;
    let read = |r: &rusqlite::Row| {
        let mut c = Cols::new(r);
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
        Some(a) => stmt.query_map([a], read),
        None => stmt.query_map([], read),
    }
    .map_err(Error::storage)?
    .collect::<rusqlite::Result<Vec<_>>>()
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

/// An account's stored health columns, renewal and alert conditions.
fn stored_one(conn: &Connection, id: Id) -> Result<Stored> {
    conn.prepare_cached(
        "SELECT health_score, health_status, health_trend, renewal_day, alert_conditions,
                health_drag, stage = 'churned'
         FROM accounts WHERE id = ?",
    )
    .map_err(Error::storage)?
    .query_row([id], |r| {
        let mut c = Cols::new(r);
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
    })
    .optional()
    .map_err(Error::storage)
    .map(Option::unwrap_or_default)
}

/// Rescores one account after a write that touched its inputs, and raises the
/// alerts that follow. Returns whether a transition alerted and how many alerts
/// the other rules raised.
pub(crate) fn recompute_account(
    conn: &Connection,
    setup: &HealthSetup,
    id: Id,
    now: Timestamp,
) -> Result<(bool, u64)> {
    let was = stored_one(conn, id)?;
    let data = load(conn, id, now, Depth::Score)?;
    let Some(account) = &data.account else {
        return Ok((false, 0));
    };
    let q = quick(&data, setup.profiles.for_account(account), now);
    let t = trend(q.score, previous_week(conn, id, now)?);
    let raised = store_current(conn, setup, id, &q, t, &was, was.status)?;
    let escalations = raise_escalations(conn, setup, Some(id), now)?;
    Ok((raised.transition, raised.rules + escalations))
}

/// The key indicators an account's newer interactions have not shown yet (see
/// [`key_indicators`]): a meeting, a touch, a touch by one of our users, a touch of
/// a sponsor (looked for only when the account has one).
#[derive(Default)]
struct Missing {
    meeting: bool,
    touch: bool,
    user_touch: bool,
    sponsor_touch: bool,
}

impl Missing {
    fn new(has_sponsor: bool) -> Missing {
        Missing {
            meeting: true,
            touch: true,
            user_touch: true,
            sponsor_touch: has_sponsor,
        }
    }

    fn none(&self) -> bool {
        !(self.meeting || self.touch || self.user_touch || self.sponsor_touch)
    }

    /// Marks what an interaction shows as found; whether it showed one still missing.
    fn take(&mut self, meeting: bool, touch: bool, user_touch: bool, sponsor_touch: bool) -> bool {
        let shows = (self.meeting && meeting)
            || (self.touch && touch)
            || (self.user_touch && user_touch)
            || (self.sponsor_touch && sponsor_touch);
        self.meeting &= !meeting;
        self.touch &= !touch;
        self.user_touch &= !user_touch;
        self.sponsor_touch &= !sponsor_touch;
        shows
    }
}

/// The interactions a score at `now` reads, of the accounts `lo..=hi`, in account
/// order: every one of the last 91 days (the sentiment measure reads 90), and of the
/// older ones only those that can be a key indicator (see [`key_indicators`]): the
/// newest meeting, touch, touch by one of our users and touch of a sponsor before
/// those days, when the recent ones have none. An account's interactions are read
/// newest first, so each older one is checked against what is still missing and
/// decoded only if it is kept.
fn score_interactions(
    conn: &Connection,
    lo: Id,
    hi: Id,
    now: Timestamp,
    contacts: &[Contact],
) -> Result<Vec<Interaction>> {
    let recent_from = ts(&(now - chrono::TimeDelta::days(91)));
    let now_ms = ts(&now);
    let mut sponsors: HashMap<Id, Vec<Id>> = HashMap::new();
    for c in contacts.iter().filter(|c| c.has_role("sponsor")) {
        sponsors.entry(c.account_id).or_default().push(c.id);
    }
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {INTERACTION_COLS} FROM interactions
             WHERE account_id BETWEEN +?1 AND +?2 ORDER BY account_id, at DESC"
        ))
        .map_err(Error::storage)?;
    let mut rows = stmt.query((lo, hi)).map_err(Error::storage)?;
    let mut out = vec![];
    let mut account = None;
    let mut missing = Missing::default();
    let mut its_sponsors: &[Id] = &[];
    while let Some(r) = rows.next().map_err(Error::storage)? {
        let id: Id = r.get(1).map_err(Error::storage)?;
        let at: i64 = r.get(4).map_err(Error::storage)?;
        if account != Some(id) {
            account = Some(id);
            its_sponsors = sponsors.get(&id).map_or(&[], Vec::as_slice);
            missing = Missing::new(!its_sponsors.is_empty());
        }
        if at > now_ms {
            // Not yet happened: read as before, the engine leaves it out.
            out.push(interaction_fact(r).map_err(Error::storage)?);
            continue;
        }
        if at > recent_from {
            let i = interaction_fact(r).map_err(Error::storage)?;
            let is_touch = tend_engines::health::is_touch(&i);
            missing.take(
                i.kind == InteractionKind::Meeting,
                is_touch,
                is_touch && i.user.as_deref().is_some_and(|u| !u.is_empty()),
                is_touch && i.contact_ids.iter().any(|c| its_sponsors.contains(c)),
            );
            out.push(i);
            continue;
        }
        if missing.none() {
            continue;
        }
        // An older one: read what decides whether it is kept, decode only those.
        let text = |k: usize| -> Result<&str> {
            r.get_ref(k)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(Error::storage)
        };
        let kind: InteractionKind = text(2)?.parse().map_err(Error::storage)?;
        let direction: Direction = text(3)?.parse().map_err(Error::storage)?;
        let answered: bool = r.get(11).map_err(Error::storage)?;
        let is_touch = tend_engines::health::touches(kind, direction, answered);
        // As `interaction_fact` reads them: a user is text or none, the contacts a
        // list (anything else, none).
        let by_user = is_touch
            && r.get_ref(6)
                .and_then(|v| v.as_str_or_null().map_err(Into::into))
                .map_err(Error::storage)?
                .is_some_and(|u| !u.is_empty());
        let of_sponsor = is_touch
            && missing.sponsor_touch
            && parse_ids(
                r.get_ref(5)
                    .map_err(Error::storage)?
                    .as_str()
                    .unwrap_or("[]"),
            )
            .iter()
            .any(|c| its_sponsors.contains(c));
        if missing.take(
            kind == InteractionKind::Meeting,
            is_touch,
            by_user,
            of_sponsor,
        ) {
            out.push(interaction_fact(r).map_err(Error::storage)?);
        }
    }
    Ok(out)
}

/// The inputs of the accounts with ids in `lo..=hi`, read in one pass per table.
fn load_range(
    conn: &Connection,
    lo: Id,
    hi: Id,
    now: Timestamp,
    depth: Depth,
) -> Result<Vec<AccountData>> {
    let history = depth == Depth::History;
    fn rows<T>(
        conn: &Connection,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = conn.prepare_cached(sql).map_err(Error::storage)?;
        stmt.query_map(params, read)
            .map_err(Error::storage)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Error::storage)
    }
    // `+?` as in the reads (see `read::account_360`): with statistics on the cases'
    // index, `account_id BETWEEN ? AND ?` would be compiled again for every range.
    let range = "WHERE account_id BETWEEN +? AND +? ORDER BY account_id";
    let accounts: Vec<Account> = rows(
        conn,
        &format!(
            "{} WHERE id BETWEEN ? AND ? ORDER BY id",
            light_select::<Account>(&[
                ("tags", "'[]'"),
                ("team", "'[]'"),
                ("focus_areas", "'[]'"),
                ("custom_fields", "'{}'"),
                ("churn", "'{}'"),
            ])
        ),
        (lo, hi),
        |r| Account::read(&mut Cols::new(r)),
    )?;
    // An explanation reads whole records (less their text): what a score reads of
    // them is checked against it.
    let contacts = match depth {
        Depth::Explain => rows(
            conn,
            &format!(
                "{} {range}",
                light_select::<Contact>(&[("name", "''"), ("email", "NULL"), ("title", "NULL")])
            ),
            (lo, hi),
            |r| Contact::read(&mut Cols::new(r)),
        )?,
        _ => rows(
            conn,
            &format!("SELECT {CONTACT_COLS} FROM contacts {range}"),
            (lo, hi),
            contact_fact,
        )?,
    };
    let mut interactions = match depth {
        Depth::Score => score_interactions(conn, lo, hi, now, &contacts)?,
        _ => rows(
            conn,
            &format!("SELECT {INTERACTION_COLS} FROM interactions {range}"),
            (lo, hi),
            interaction_fact,
        )?,
    }
    .into_iter()
    .peekable();
    let mut contacts = contacts.into_iter().peekable();
    let mut agreements = rows(
        conn,
        &format!(
            "{} {range}",
            light_select::<Agreement>(&[("name", "''"), ("attachments", "'[]'")])
        ),
        (lo, hi),
        |r| Agreement::read(&mut Cols::new(r)),
    )?
    .into_iter()
    .peekable();
    // A score reads the cases opened over 210 days, resolved over 90 or open.
    let (opened_from, resolved_from) = match depth {
        Depth::Score => (
            ts(&(now - chrono::TimeDelta::days(210))),
            ts(&(now - chrono::TimeDelta::days(90))),
        ),
        _ => (i64::MIN, i64::MIN),
    };
    let mut cases = rows(
        conn,
        &format!(
            "{} WHERE account_id BETWEEN +?1 AND +?2
               AND (opened_at > ?3 OR resolved_at IS NULL OR resolved_at > ?4)
             ORDER BY account_id",
            match depth {
                Depth::Explain => light_select::<SupportCase>(&[
                    ("number", "''"),
                    ("subject", "''"),
                    ("team", "''"),
                    ("region", "''"),
                ]),
                _ => format!("SELECT {CASE_COLS} FROM support_cases"),
            }
        ),
        (lo, hi, opened_from, resolved_from),
        |r| match depth {
            Depth::Explain => SupportCase::read(&mut Cols::new(r)),
            _ => case_fact(r),
        },
    )?
    .into_iter()
    .peekable();
    let mut nps = rows(
        conn,
        &format!("{} {range}", NpsResponse::select_sql()),
        (lo, hi),
        |r| NpsResponse::read(&mut Cols::new(r)),
    )?
    .into_iter()
    .peekable();
    // A score only counts the features used over 30 days.
    let mut features = FeatureReader::new((depth == Depth::Score).then(|| day(&now.date_naive())));
    let cut = if history { i64::MIN } else { detail_from(now) };
    // A score reads feature names over 30 days; its explanation, the trend too.
    let features_from = match depth {
        Depth::Score => day(&(now.date_naive() - Days::new(30))),
        _ => cut,
    };
    let mut usage_rows: Vec<(Id, UsageFact)> = vec![];
    {
        // Millions of rows of typed columns: read with one call into SQLite each.
        let mut rows = Scan::new(
            conn,
            // One seek per account to its first day read (the key is account, day,
            // contact): the older rows are not stepped over.
            "SELECT account_id, day, connections, contact_id, features FROM usage
             WHERE account_id IN (SELECT id FROM accounts WHERE id BETWEEN ?1 AND ?2)
               AND day > ?3
             ORDER BY account_id, day",
            &[lo, hi, cut],
        )
        .map_err(Error::storage)?;
        while rows.next().map_err(Error::storage)? {
            let r = &rows;
            let col = |k| r.int(k).map_err(Error::storage);
            let (account, d) = (col(0)?, col(1)?);
            let connections = u32::try_from(col(2)?).map_err(|_| {
                Error::storage(format!(
                    "usage of account {account} on {}: connections out of range",
                    from_day(d)
                ))
            })?;
            let first = (account, d, connections);
            if depth == Depth::Score
                && d <= features_from
                && merge_older(&mut usage_rows, account, d, connections, features_from, cut)
            {
                continue;
            }
            let (account, fact) =
                usage_fact(r, first, &mut features, features_from).map_err(Error::storage)?;
            usage_rows.push((account, fact));
        }
    }
    if !history {
        // Older days count only through the last active day and the first day, and
        // only for accounts without activity in the window.
        let active: std::collections::HashSet<Id> = usage_rows
            .iter()
            .filter(|(_, u)| u.connections > 0)
            .map(|(a, _)| *a)
            .collect();
        let mut last = conn
            .prepare_cached(
                "SELECT max(day) FROM usage WHERE account_id = ? AND day <= ? AND connections > 0",
            )
            .map_err(Error::storage)?;
        let mut first = conn
            .prepare_cached("SELECT min(day) FROM usage WHERE account_id = ?")
            .map_err(Error::storage)?;
        for account in accounts
            .iter()
            .map(|a| a.id)
            .filter(|a| !active.contains(a))
        {
            let fact = |d: i64, connections: u32| UsageFact {
                day: from_day(d),
                connections,
                ..UsageFact::default()
            };
            let day_of = |stmt: &mut rusqlite::CachedStatement, p: &[&dyn rusqlite::ToSql]| {
                stmt.query_row(p, |r| r.get::<_, Option<i64>>(0))
                    .map_err(Error::storage)
            };
            if let Some(d) = day_of(&mut first, &[&account])? {
                usage_rows.push((account, fact(d, 0)));
            }
            if let Some(d) = day_of(&mut last, &[&account, &cut])? {
                usage_rows.push((account, fact(d, 1)));
            }
        }
    }
    if !usage_rows.is_sorted_by_key(|(account, _)| *account) {
        usage_rows.sort_by_key(|(account, _)| *account);
    }
    let mut usage = usage_rows.into_iter().peekable();
    Ok(accounts
        .into_iter()
        .map(|account| {
            let id = account.id;
            let mut data = AccountData {
                contacts: take(&mut contacts, id, |c| c.account_id),
                interactions: take(&mut interactions, id, |c| c.account_id),
                usage: take(&mut usage, id, |(a, _)| *a)
                    .into_iter()
                    .map(|(_, u)| u)
                    .collect(),
                agreements: take(&mut agreements, id, |c| c.account_id),
                cases: take(&mut cases, id, |c| c.account_id),
                nps: take(&mut nps, id, |c| c.account_id),
                account: Some(account),
            };
            data.sort();
            data
        })
        .collect())
}

/// For a score: folds a usage row older than the last 30 days into the account's
/// fact for its stretch of days, if there is one already. Of those days a score
/// reads only the connections summed over days 30 to 59 back, and the last day with
/// connections (day 60 back counts only for that, so it is a stretch of its own):
/// the fact keeps the sum and the last active day, or a day of the stretch when
/// there was none. Returns whether it folded the row.
fn merge_older(
    facts: &mut [(Id, UsageFact)],
    account: Id,
    d: i64,
    connections: u32,
    recent_from: i64,
    cut: i64,
) -> bool {
    let Some((last_account, last)) = facts.last_mut() else {
        return false;
    };
    if *last_account != account {
        return false;
    }
    // Day `cut + 1` (60 back) is a stretch of its own.
    let last_day = day(&last.day);
    if last_day > recent_from || (last_day == cut + 1) != (d == cut + 1) {
        return false;
    }
    // The sum is positive exactly when a day had connections, and then the fact's
    // day is the last such day.
    if connections > 0 && (last.connections == 0 || d > last_day) {
        last.day = from_day(d);
    }
    last.connections = last.connections.saturating_add(connections);
    last.contact_id = None;
    true
}

/// Takes the rows of account `id` from rows ordered by account.
fn take<T>(
    rows: &mut Peekable<impl Iterator<Item = T>>,
    id: Id,
    account: impl Fn(&T) -> Id,
) -> Vec<T> {
    let mut out = vec![];
    while let Some(r) = rows.next_if(|r| account(r) <= id) {
        if account(&r) == id {
            out.push(r);
        }
    }
    out
}

fn week_scores(conn: &Connection, start: NaiveDate) -> Result<HashMap<Id, Option<f64>>> {
    let mut stmt = conn
        .prepare("SELECT account_id, score FROM health_snapshots WHERE period = 'week' AND start_day = ?")
        .map_err(Error::storage)?;
    stmt.query_map([day(&start)], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(Error::storage)?
        .collect::<rusqlite::Result<HashMap<_, _>>>()
        .map_err(Error::storage)
}

/// What an account has stored now: its health columns, whether this week's and
/// this month's snapshots exist with which score, its renewal (the alert rules
/// read it) and the alert conditions that held at its last score.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Stored {
    score: Option<f64>,
    status: Option<HealthStatus>,
    trend: Option<f64>,
    week: Option<Option<f64>>,
    month: Option<Option<f64>>,
    drag: Option<Measure>,
    renewal_day: Option<i64>,
    conditions: Option<Conditions>,
    /// Read from the account's columns (all of them understood): only the columns
    /// that differ need writing. Otherwise all are written.
    known: bool,
    /// A churned account: no rule alerts on a customer already lost.
    churned: bool,
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

fn stored(conn: &Connection, today: NaiveDate) -> Result<HashMap<Id, Stored>> {
    let mut stmt = conn
        .prepare(
            "SELECT a.id, a.health_score, a.health_status, a.health_trend,
                    w.account_id IS NOT NULL, w.score, m.account_id IS NOT NULL, m.score,
                    a.health_drag, a.renewal_day, a.alert_conditions, a.stage = 'churned'
             FROM accounts a
             LEFT JOIN health_snapshots w
               ON w.period = 'week' AND w.start_day = ?1 AND w.account_id = a.id
             LEFT JOIN health_snapshots m
               ON m.period = 'month' AND m.start_day = ?2 AND m.account_id = a.id",
        )
        .map_err(Error::storage)?;
    let week = day(&period_start(Period::Week, today));
    let month = day(&period_start(Period::Month, today));
    stmt.query_map([week, month], |r| {
        let mut c = Cols::new(r);
        let id: Id = c.get()?;
        let score = c.get()?;
        let status = c.opt_parse()?;
        let trend = c.get()?;
        let has_week: bool = c.get()?;
        let week: Option<f64> = c.get()?;
        let has_month: bool = c.get()?;
        let month: Option<f64> = c.get()?;
        let (drag, known) = stored_drag(&mut c)?;
        Ok((
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
        ))
    })
    .map_err(Error::storage)?
    .collect::<rusqlite::Result<HashMap<_, _>>>()
    .map_err(Error::storage)
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

/// What scoring one account produced, ready to be stored.
struct Scored {
    id: Id,
    current: Quick,
    trend: Option<f64>,
    /// The profile of every past snapshot.
    profile: String,
    /// Past snapshots, oldest first.
    past: Vec<Past>,
}

fn score(data: &AccountData, setup: &HealthSetup, now: Timestamp, history: bool) -> Option<Scored> {
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
pub(crate) fn recompute_all(
    conn: &Connection,
    setup: &HealthSetup,
    now: Timestamp,
    history: bool,
) -> Result<RecomputeReport> {
    recompute_all_from(conn, &[], setup, now, history)
}

/// Rescores every account at `now`, reading the inputs through `readers` (other
/// connections, one thread each) when there are any. Readers see the last commit,
/// not `conn`'s transaction: give them only when the transaction has not changed
/// any input. Without readers `conn` reads chunk k+1 while two threads score chunk k.
pub(crate) fn recompute_all_from(
    conn: &Connection,
    readers: &[std::sync::Mutex<Connection>],
    setup: &HealthSetup,
    now: Timestamp,
    history: bool,
) -> Result<RecomputeReport> {
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
    let ids: Vec<Id> = {
        let mut stmt = conn
            .prepare("SELECT id FROM accounts ORDER BY id")
            .map_err(Error::storage)?;
        stmt.query_map([], |r| r.get(0))
            .map_err(Error::storage)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Error::storage)?
    };
    // Small stores in a few chunks too, so reading, scoring and writing overlap.
    let chunk = (ids.len() / 8).clamp(32, CHUNK);
    let chunks: Vec<&[Id]> = ids.chunks(chunk).collect();
    let depth = if history {
        Depth::History
    } else {
        Depth::Score
    };
    let tuned = Tuned::for_recompute(conn);
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
                        let out = load_range(&conn, chunk[0], chunk[chunk.len() - 1], now, depth)
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
pub(crate) fn store_preview(conn: &Connection, scores: &[(Id, Quick, Option<f64>)]) -> Result<()> {
    let mut stmt = conn
        .prepare_cached(
            "UPDATE accounts SET health_score = ?, health_status = ?, health_trend = ?,
                 health_drag = ? WHERE id = ?",
        )
        .map_err(Error::storage)?;
    for (id, q, trend) in scores {
        stmt.execute(params![
            q.score,
            q.status.map(|s| s.as_str()),
            trend,
            q.drag_measure.map(Measure::key),
            id
        ])
        .map_err(Error::storage)?;
    }
    Ok(())
}

/// Writes what [`Prescore`] computed, as [`recompute_all`] with `history` would.
pub(crate) fn store_all(
    conn: &Connection,
    setup: &HealthSetup,
    now: Timestamp,
    scored: Prescored,
) -> Result<RecomputeReport> {
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
    pub(crate) fn store(
        &mut self,
        conn: &Connection,
        setup: &HealthSetup,
        scored: Prescored,
    ) -> Result<()> {
        self.transitions += store_history(conn, setup, &scored.0)?;
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
    pub(crate) fn finish(
        mut self,
        conn: &Connection,
        setup: &HealthSetup,
        now: Timestamp,
    ) -> Result<RecomputeReport> {
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
    conn: &Connection,
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

/// Writes what [`score`] produced; with history, raises the alerts of the
/// transitions of this week and the one before.
fn store_scored(
    conn: &Connection,
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
const BACKFILL_ALERT_WEEKS: u64 = 1;

/// Writes the past snapshots of scored accounts and raises the alerts of their
/// transitions over this week and the one before (of accounts not churned).
/// Returns how many it raised.
fn store_history(conn: &Connection, setup: &HealthSetup, scored: &[Scored]) -> Result<u64> {
    // The past snapshots in the table's key order: each lands after the last one
    // written instead of somewhere in the middle.
    let mut past: Vec<(Id, &Past, &str)> = scored
        .iter()
        .flat_map(|s| s.past.iter().map(|p| (s.id, p, s.profile.as_str())))
        .collect();
    past.sort_unstable_by_key(|(id, s, _)| (s.period.as_str(), s.start, *id));
    for (id, s, profile) in past {
        put_snapshot(conn, id, s, profile)?;
    }
    // No alert on a customer already lost.
    let churned: std::collections::HashSet<Id> = conn
        .prepare_cached(
            "SELECT id FROM accounts INDEXED BY accounts_churned WHERE stage = 'churned'",
        )
        .map_err(Error::storage)?
        .query_map([], |r| r.get(0))
        .map_err(Error::storage)?
        .collect::<rusqlite::Result<_>>()
        .map_err(Error::storage)?;
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
                raise_transition(conn, scored.id, s.at, from, to, &message)?;
                transitions += 1;
            }
            before = s.status.or(before);
            last_score = s.score.or(last_score);
        }
    }
    Ok(transitions)
}

/// Writes accounts' current scores and trends (and their week's and month's
/// snapshots) over what `old` says is stored, raising the alerts that follow.
fn store_currents<'q>(
    conn: &Connection,
    setup: &HealthSetup,
    currents: impl Iterator<Item = (Id, &'q Quick, Option<f64>)>,
    history: bool,
    old: &HashMap<Id, Stored>,
    report: &mut RecomputeReport,
) -> Result<()> {
    for (id, current, trend) in currents {
        report.accounts += 1;
        let was = old.get(&id).copied().unwrap_or_default();
        if !history && was.same_as(setup, current, trend) {
            continue;
        }
        // A backfill alerts on the weeks it rebuilt, each dated when the week closed
        // (so an export imported again finds them already there), not on the days
        // since: loading history is not a change of state.
        let from = if history { None } else { was.status };
        let raised = store_current(conn, setup, id, current, trend, &was, from)?;
        report.transitions += u64::from(raised.transition);
        report.alerts += raised.rules;
    }
    Ok(())
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO store_meta(key, value) VALUES (?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )
    .map_err(Error::storage)?;
    Ok(())
}

pub(crate) fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    conn.query_row("SELECT value FROM store_meta WHERE key = ?", [key], |r| {
        r.get(0)
    })
    .optional()
    .map_err(Error::storage)
}

#[cfg(test)]
mod tests {
    use super::{parse_features, push_tenths};

    #[test]
    fn feature_counts_read_in_one_pass_are_those_the_json_parser_reads() {
        let texts = [
            r#"{}"#,
            r#"{"reports":3}"#,
            r#"{"alerts":6,"dashboards":6,"reports":1}"#,
            r#"{"api":0,"exports":4294967295}"#,
            r#"{"exports":123456789,"x":0012}"#,
            r#"{ "spaced" : 4 , "b":2 }"#,
            r#"{"esc"aped":1,"b":2}"#,
            r#"{"back\":1}"#,
            r#"{"a":1,}"#,
            r#"{"a":+1}"#,
            r#"{"é":7,"ü":8}"#,
            r#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17}"#,
        ];
        for text in texts {
            let mut read = vec![];
            let ok = parse_features(text, |name, n| read.push((name.to_string(), n)));
            read.sort();
            let json: Option<std::collections::BTreeMap<String, u32>> =
                serde_json::from_str(text).ok();
            match json {
                Some(map) => {
                    assert_eq!(ok, Some(()), "{text}");
                    assert_eq!(read, map.into_iter().collect::<Vec<_>>(), "{text}");
                }
                // What JSON refuses, the reader may read or refuse, but not half.
                None => assert!(ok.is_none() || !read.is_empty(), "{text}"),
            }
        }
        for bad in [
            r#"{"a":}"#,
            r#"{"a"1}"#,
            r#"{"a":x}"#,
            r#"["a"]"#,
            r#"{"a":1"#,
        ] {
            assert_eq!(parse_features(bad, |_, _| {}), None, "{bad}");
        }
    }

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
