//! The read side of the backend: portfolio, the 360, per-tab queries.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, Days, NaiveDate};
use rusqlite::OptionalExtension;
use rusqlite::types::Value;

use super::codec::{Cols, day, from_ts, like_pattern};
use super::tables::{self, Table, columns_with};
use crate::db::{Batch, Conn, Dialect};
use crate::*;
use tend_domain::*;

pub(crate) const ROW_COLUMNS: &str = "a.id, a.name, a.domain, a.parent_id, a.stage, a.segment, a.region, \
    a.owner, a.tags, a.mrr_cents, a.renewal_day, a.health_score, a.health_status, \
    a.health_trend, a.churn_likelihood";

pub(crate) fn read_row(c: &mut Cols) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        id: c.get()?,
        name: c.get()?,
        domain: c.get()?,
        parent_id: c.get()?,
        stage: c.parse()?,
        segment: c.get()?,
        region: c.get()?,
        owner: c.get()?,
        tags: c.json()?,
        mrr_cents: c.get()?,
        renewal: c.opt_day()?,
        health_score: c.get()?,
        health_status: c.opt_parse()?,
        health_trend: c.get()?,
        churn_likelihood: c.parse()?,
    })
}

/// WHERE conditions on the accounts table (alias `a`) for an account filter; its
/// expression may test case fields (alias `c`) when `cases` is set.
pub(crate) fn account_conditions(
    f: &AccountFilter,
    today: NaiveDate,
    cases: bool,
    dialect: Dialect,
    out: &mut Vec<String>,
    p: &mut Vec<Value>,
) -> Result<()> {
    if let Some(expr) = f.expr.as_deref() {
        let cx = super::filter::Context {
            today,
            me: f.me.as_deref(),
            cases,
            dialect,
        };
        super::filter::conditions(expr, &cx, out, p)?;
    }
    crate::check_search("search", f.text.as_deref())?;
    if let Some(text) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
        out.push(format!(
            "({} OR {})",
            dialect.like("a.name"),
            dialect.like("a.domain")
        ));
        let pat = like_pattern(text.trim());
        p.push(Value::Text(pat.clone()));
        p.push(Value::Text(pat));
    }
    let mut eq = |col: &str, v: &Option<String>| {
        if let Some(v) = v {
            out.push(dialect.eq_nocase(&format!("a.{col}")));
            p.push(Value::Text(v.clone()));
        }
    };
    eq("owner", &f.owner);
    eq("segment", &f.segment);
    eq("region", &f.region);
    eq("stage", &f.stage.map(|s| s.as_str().to_string()));
    eq("health_status", &f.status.map(|s| s.as_str().to_string()));
    if let Some(tag) = &f.tag {
        out.push(dialect.json_array_has("a.tags", "?"));
        p.push(Value::Text(tag.clone()));
    }
    if let Some(parent) = f.parent_id {
        out.push("a.parent_id = +?".into());
        p.push(Value::Integer(parent));
    }
    if f.exclude_churned {
        out.push("a.stage <> 'churned'".into());
    }
    Ok(())
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}

fn limit(page: PageRequest) -> (i64, i64) {
    let l = page.limit.clamp(1, PageRequest::MAX_LIMIT) as i64;
    (l, page.offset.min(i64::MAX as u64) as i64)
}

fn page_of<T>(items: Vec<T>, total: u64, page: PageRequest) -> Page<T> {
    let end = page.offset + items.len() as u64;
    Page {
        next_offset: (end < total && !items.is_empty()).then_some(end),
        items,
        total,
    }
}

fn count<'c>(conn: impl Into<Conn<'c>>, sql: &str, p: &[Value]) -> Result<u64> {
    conn.into()
        .query_row(sql, &crate::db::params(p), |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(Error::storage)
}

/// Stages in life-cycle order (the order `Stage` declares), for sorting.
macro_rules! stage_rank {
    () => {
        "CASE a.stage WHEN 'onboarding' THEN 0 WHEN 'adoption' THEN 1 WHEN 'expansion' THEN 2 \
         WHEN 'renewal' THEN 3 ELSE 4 END"
    };
}

/// Case statuses in workflow order (the order `CaseStatus` declares), for sorting.
macro_rules! status_rank {
    () => {
        "CASE c.status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 \
         WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END"
    };
}

/// The ORDER BY of a portfolio sort; each matches an index of the accounts table.
fn portfolio_order(sort: PortfolioSort, desc: bool, d: Dialect) -> String {
    let health = d.or_far("a.health_score", true, true);
    match (sort, desc) {
        (PortfolioSort::Health, false) => format!("{health}, a.id"),
        (PortfolioSort::Health, true) => format!(
            "{} DESC, a.id DESC",
            d.or_far("a.health_score", false, true)
        ),
        (PortfolioSort::Mrr, false) => "a.mrr_cents, a.id".into(),
        (PortfolioSort::Mrr, true) => "a.mrr_cents DESC, a.id DESC".into(),
        (PortfolioSort::Renewal, false) => {
            format!("{}, a.id", d.or_far("a.renewal_day", true, false))
        }
        (PortfolioSort::Renewal, true) => format!(
            "{} DESC, a.id DESC",
            d.or_far("a.renewal_day", false, false)
        ),
        (PortfolioSort::Name, false) => format!("{}, a.id", d.nocase("a.name")),
        (PortfolioSort::Name, true) => format!("{} DESC, a.id DESC", d.nocase("a.name")),
        (PortfolioSort::Owner, false) => format!("{}, {health}, a.id", d.nocase("a.owner")),
        (PortfolioSort::Owner, true) => format!("{} DESC, {health}, a.id", d.nocase("a.owner")),
        (PortfolioSort::Stage, false) => format!("{}, {health}, a.id", stage_rank!()),
        (PortfolioSort::Stage, true) => format!("{} DESC, {health}, a.id", stage_rank!()),
        (PortfolioSort::Trend, false) => "coalesce(a.health_trend, 0), a.id".into(),
        (PortfolioSort::Trend, true) => "coalesce(a.health_trend, 0) DESC, a.id DESC".into(),
    }
}

pub(crate) fn portfolio<'c>(
    conn: impl Into<Conn<'c>>,
    q: &PortfolioQuery,
    today: NaiveDate,
) -> Result<Page<AccountRow>> {
    let conn = conn.into();
    let d = conn.dialect();
    let mut conds = vec![];
    let mut p = vec![];
    account_conditions(&q.filter, today, false, d, &mut conds, &mut p)?;
    let wc = where_clause(&conds);
    let total = match (d, conds.is_empty()) {
        // Kept by the database as accounts come and go (see postgres/counts.sql).
        (Dialect::Postgres, true) => count(conn, "SELECT n FROM account_count", &[])?,
        _ => count(conn, &format!("SELECT count(*) FROM accounts a {wc}"), &p)?,
    };
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM accounts a {wc} ORDER BY {} LIMIT ? OFFSET ?",
        portfolio_order(q.sort, q.descending, d)
    );
    let params = paged(&p, q.page);
    let items = conn
        .query_map(&sql, &crate::db::params(&params), |r| {
            read_row(&mut Cols::of(r))
        })
        .map_err(Error::storage)?;
    Ok(page_of(items, total, q.page))
}

/// A statement's parameters followed by a page's LIMIT and OFFSET (as
/// parameters: one prepared statement serves every page).
fn paged(p: &[Value], page: PageRequest) -> Vec<Value> {
    let (l, o) = limit(page);
    let mut out = p.to_vec();
    out.extend([Value::Integer(l), Value::Integer(o)]);
    out
}

fn brief(c: &mut Cols) -> rusqlite::Result<AccountBrief> {
    Ok(AccountBrief {
        id: c.get()?,
        name: c.get()?,
        health_score: c.get()?,
        health_status: c.opt_parse()?,
    })
}

pub(crate) fn account_row<'c>(conn: impl Into<Conn<'c>>, id: Id) -> Result<AccountRow> {
    let sql = format!("SELECT {ROW_COLUMNS} FROM accounts a WHERE a.id = ?");
    conn.into()
        .query_row(&sql, &[&id], |r| read_row(&mut Cols::of(r)))
        .optional()
        .map_err(Error::storage)?
        .ok_or(Error::NotFound {
            kind: EntityKind::Account,
            id,
        })
}

pub(crate) fn usage_rows<'c>(
    conn: impl Into<Conn<'c>>,
    account: Id,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<UsageDay>> {
    conn.into()
        .query_map(
            cached_usage_sql(),
            &[&account, &day(&from), &day(&to)],
            |r| read_usage(&mut Cols::of(r)),
        )
        .map_err(Error::storage)
}

fn cached_usage_sql() -> &'static str {
    tables::cached_sql(("usage", "of an account in a range"), || {
        format!(
            "SELECT {USAGE_COLUMNS} FROM usage
             WHERE account_id = +? AND day BETWEEN ? AND ? ORDER BY day, contact_id"
        )
    })
}

/// The columns of a usage row, as [`read_usage`] reads them (no contact: 0 in
/// the table, none here).
pub(crate) const USAGE_COLUMNS: &str =
    "account_id, nullif(contact_id, 0), day, connections, minutes, features";

/// One usage row, from [`USAGE_COLUMNS`].
pub(crate) fn read_usage(c: &mut Cols) -> rusqlite::Result<UsageDay> {
    Ok(UsageDay {
        account_id: c.get()?,
        contact_id: c.get()?,
        day: c.day()?,
        connections: c.get()?,
        minutes: c.get()?,
        features: c.json()?,
    })
}

/// A note on `column = +?` in the reads of this file: a cached statement that
/// filters on a bound value and sorts is compiled again on every use when written
/// `column = ?` (SQLite marks its plan as depending on the value, and rusqlite
/// clears the bindings of a statement it caches, which then expires it): 17 of them
/// per account 360, a third of a loaded server's time. The unary plus keeps the same
/// plan (the index on the column is still used, the column's affinity still applies)
/// without the mark.
pub(crate) fn account_360<'c>(
    conn: impl Into<Conn<'c>>,
    id: Id,
    now: Timestamp,
) -> Result<Account360> {
    use tables::select_into as select;
    let conn = conn.into();
    let today = now.date_naive();
    let from = today
        .checked_sub_days(Days::new(Account360::USAGE_DAYS as u64))
        .unwrap_or(today);
    let (from, today) = (day(&from), day(&today));
    let brief_sql = |clause: &str| {
        format!("SELECT id, name, health_score, health_status FROM accounts {clause}")
    };
    // None of these depends on another's answer: they go together.
    let mut b = Batch::default();
    let account = select::<Account>(&mut b, "WHERE id = ?", &[&id])?;
    let row = b
        .query(
            format!("SELECT {ROW_COLUMNS} FROM accounts a WHERE a.id = ?"),
            &[&id],
            |r| read_row(&mut Cols::of(r)),
        )
        .map_err(Error::storage)?;
    let parent = b
        .query(
            brief_sql("WHERE id = (SELECT parent_id FROM accounts WHERE id = ?)"),
            &[&id],
            |r| brief(&mut Cols::of(r)),
        )
        .map_err(Error::storage)?;
    let children = b
        .query(
            brief_sql("WHERE parent_id = +? ORDER BY lower(name), id"),
            &[&id],
            |r| brief(&mut Cols::of(r)),
        )
        .map_err(Error::storage)?;
    let usage = b
        .query(cached_usage_sql(), &[&id, &from, &today], |r| {
            read_usage(&mut Cols::of(r))
        })
        .map_err(Error::storage)?;
    let by_account = &[&id as &dyn rusqlite::ToSql];
    let runs = select(
        &mut b,
        "WHERE account_id = +? ORDER BY started_at DESC, id DESC",
        by_account,
    )?;
    let playbooks = select(
        &mut b,
        "WHERE id IN (SELECT playbook_id FROM playbook_runs WHERE account_id = +?)
         ORDER BY name",
        by_account,
    )?;
    let contacts = select(
        &mut b,
        "WHERE account_id = +? ORDER BY lower(name), id",
        by_account,
    )?;
    let interactions = select(
        &mut b,
        &format!(
            "WHERE account_id = +? ORDER BY at DESC, id DESC LIMIT {}",
            Account360::INTERACTIONS
        ),
        by_account,
    )?;
    let agreements = select(
        &mut b,
        "WHERE account_id = +? ORDER BY start_day DESC, id DESC",
        by_account,
    )?;
    let opportunities = select(
        &mut b,
        "WHERE account_id = +? ORDER BY close_day IS NULL, close_day, id",
        by_account,
    )?;
    let projects = select(
        &mut b,
        "WHERE account_id = +? ORDER BY status, name",
        by_account,
    )?;
    let tasks = select(
        &mut b,
        "WHERE account_id = +? ORDER BY status, position, id",
        by_account,
    )?;
    let cases = select(
        &mut b,
        "WHERE account_id = +? ORDER BY opened_at DESC, id DESC",
        by_account,
    )?;
    let nps = select(
        &mut b,
        "WHERE account_id = +? ORDER BY at DESC, id DESC",
        by_account,
    )?;
    let documents = select(&mut b, "WHERE account_id = +? ORDER BY title", by_account)?;
    let alerts = select(
        &mut b,
        "WHERE account_id = +? ORDER BY at DESC, id DESC",
        by_account,
    )?;
    let summaries = select(
        &mut b,
        "WHERE account_id = +? ORDER BY generated_at DESC, id DESC",
        by_account,
    )?;
    let plans = select(
        &mut b,
        "WHERE account_id = +? ORDER BY start_day IS NULL, start_day DESC, id",
        by_account,
    )?;
    let objectives = select(
        &mut b,
        "WHERE account_id = +? ORDER BY due IS NULL, due, id",
        by_account,
    )?;
    let kpis = select(
        &mut b,
        "WHERE account_id = +? ORDER BY objective_id, id",
        by_account,
    )?;
    let challenges = select(
        &mut b,
        "WHERE account_id = +? ORDER BY status = 'addressed',
         CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, id",
        by_account,
    )?;
    let invoices = select(
        &mut b,
        "WHERE account_id = ? ORDER BY issued_on DESC, id DESC",
        by_account,
    )?;
    let payments = select(
        &mut b,
        "WHERE account_id = ? ORDER BY paid_on DESC, id DESC",
        by_account,
    )?;
    let mut a = b.run(conn).map_err(Error::storage)?;
    let not_found = Error::NotFound {
        kind: EntityKind::Account,
        id,
    };
    let Some(account) = a.take(account).into_iter().next() else {
        return Err(not_found);
    };
    let Some(row) = a.take(row).into_iter().next() else {
        return Err(not_found);
    };
    Ok(Account360 {
        as_of: now,
        row,
        parent: a.take(parent).into_iter().next(),
        children: a.take(children),
        contacts: a.take(contacts),
        interactions: a.take(interactions),
        usage: a.take(usage),
        agreements: a.take(agreements),
        opportunities: a.take(opportunities),
        projects: a.take(projects),
        tasks: a.take(tasks),
        playbook_runs: a.take(runs),
        playbooks: a.take(playbooks),
        cases: a.take(cases),
        nps: a.take(nps),
        documents: a.take(documents),
        alerts: a.take(alerts),
        summaries: a.take(summaries),
        plans: a.take(plans),
        objectives: a.take(objectives),
        kpis: a.take(kpis),
        challenges: a.take(challenges),
        invoices: a.take(invoices),
        payments: a.take(payments),
        // Filled by `insights::fill`, which knows the account's health profile.
        contact_health: vec![],
        group: None,
        account,
    })
}

/// Turns free text into an FTS5 query: every word must appear, the last one as a
/// prefix (so results follow the typing). Words are quoted, so no input is a syntax error.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.to_lowercase()))
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(format!("{}*", words.join(" ")))
}

pub(crate) fn interactions<'c>(
    conn: impl Into<Conn<'c>>,
    q: &InteractionQuery,
) -> Result<Page<Interaction>> {
    let conn = conn.into();
    let dialect = conn.dialect();
    let mut conds = vec![];
    let mut p: Vec<Value> = vec![];
    crate::check_search("text", q.text.as_deref())?;
    let fts = q.text.as_deref().and_then(fts_query);
    let from = match (&fts, dialect) {
        (Some(query), Dialect::Sqlite) => {
            conds.push("interactions_fts MATCH ?".to_string());
            p.push(Value::Text(query.clone()));
            "interactions_fts f JOIN interactions i ON i.id = f.rowid"
        }
        // The same words, folded by the database as its search column is.
        (Some(_), Dialect::Postgres) => {
            conds.push(crate::postgres::search_condition_at("?"));
            p.push(Value::Text(q.text.clone().unwrap_or_default()));
            "interactions i"
        }
        (None, _) => "interactions i",
    };
    if let Some(a) = q.account_id {
        conds.push("i.account_id = +?".into());
        p.push(Value::Integer(a));
    }
    if let Some(k) = q.kind {
        conds.push("i.kind = +?".into());
        p.push(Value::Text(k.as_str().into()));
    }
    if let Some(d) = q.direction {
        conds.push("i.direction = +?".into());
        p.push(Value::Text(d.as_str().into()));
    }
    if let Some(c) = q.contact_id {
        conds.push(dialect.json_array_has_id("i.contact_ids", "?"));
        p.push(Value::Integer(c));
    }
    if let Some(t) = &q.tag {
        conds.push(dialect.json_array_has("i.tags", "?"));
        p.push(Value::Text(t.clone()));
    }
    if let Some(role) = &q.contact_role {
        conds.push(format!(
            "EXISTS (SELECT 1 FROM {} JOIN contacts c ON c.id = j.value WHERE {})",
            dialect.json_ids("i.contact_ids", "j"),
            dialect.json_array_has("c.roles", "?")
        ));
        p.push(Value::Text(role.clone()));
    }
    let wc = where_clause(&conds);
    // A bare text search counts in the index alone: every indexed row is an
    // interaction, and the join would cost more than the whole page.
    let total = if fts.is_some() && conds.len() == 1 && dialect == Dialect::Sqlite {
        count(
            conn,
            "SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH ?",
            &p,
        )?
    } else {
        count(conn, &format!("SELECT count(*) FROM {from} {wc}"), &p)?
    };
    // Across all accounts a text search follows the index's order (newest recorded
    // first) so the first page costs what it shows, not what matches.
    let order = match (fts.is_some() && q.account_id.is_none(), dialect) {
        (true, Dialect::Sqlite) => "f.rowid DESC",
        (true, Dialect::Postgres) => "i.id DESC",
        (false, _) => "i.at DESC, i.id DESC",
    };
    let sql = format!(
        "SELECT {} FROM {from} {wc} ORDER BY {order} LIMIT ? OFFSET ?",
        columns_with::<Interaction>("i")
    );
    let params = paged(&p, q.page);
    let items = conn
        .query_map(&sql, &crate::db::params(&params), |r| {
            Interaction::read(&mut Cols::of(r))
        })
        .map_err(Error::storage)?;
    Ok(page_of(items, total, q.page))
}

/// The first day of the bucket `d` falls in.
pub fn bucket_start(d: NaiveDate, bucket: Bucket) -> NaiveDate {
    match bucket {
        Bucket::Day => d,
        Bucket::Week => d
            .checked_sub_days(Days::new(d.weekday().num_days_from_monday() as u64))
            .unwrap_or(d),
        Bucket::Month => d.with_day(1).unwrap_or(d),
    }
}

pub(crate) fn usage<'c>(
    conn: impl Into<Conn<'c>>,
    account: Id,
    q: &UsageQuery,
) -> Result<Vec<UsageBucket>> {
    if q.to < q.from {
        return Err(Error::invalid(
            "to",
            "the end of the range is before its start",
        ));
    }
    let mut buckets: BTreeMap<NaiveDate, (u64, u64, HashSet<Option<Id>>)> = BTreeMap::new();
    // Every bucket of the range is present, empty ones included, so charts keep their axis.
    let mut d = Some(bucket_start(q.from, q.bucket));
    while let Some(start) = d.filter(|s| *s <= q.to) {
        if buckets.len() == UsageQuery::MAX_BUCKETS {
            return Err(Error::invalid(
                "to",
                format!(
                    "the range spans more than {} buckets of a {}: ask for a shorter range or larger buckets",
                    UsageQuery::MAX_BUCKETS,
                    q.bucket
                ),
            ));
        }
        buckets.insert(start, (0, 0, HashSet::new()));
        // None past the last day a date can name: the range ends there.
        d = match q.bucket {
            Bucket::Day => start.succ_opt(),
            Bucket::Week => start.checked_add_days(Days::new(7)),
            Bucket::Month => start.checked_add_months(chrono::Months::new(1)),
        };
    }
    let rows = usage_rows(conn, account, q.from, q.to)?;
    for r in rows {
        let b = buckets
            .entry(bucket_start(r.day, q.bucket))
            .or_insert_with(|| (0, 0, HashSet::new()));
        b.0 += r.connections as u64;
        b.1 += r.minutes as u64;
        if r.connections > 0 {
            b.2.insert(r.contact_id);
        }
    }
    Ok(buckets
        .into_iter()
        .map(|(start, (connections, minutes, users))| UsageBucket {
            start,
            connections,
            minutes,
            active_users: users.len() as u32,
        })
        .collect())
}

pub(crate) fn usage_breakdown<'c>(
    conn: impl Into<Conn<'c>>,
    account: Id,
    q: &UsageBreakdownQuery,
) -> Result<Vec<UsageShare>> {
    let conn = conn.into();
    if q.to < q.from {
        return Err(Error::invalid(
            "to",
            "the end of the range is before its start",
        ));
    }
    // An unknown account is not found, not an account without usage.
    account_row(conn, account)?;
    let rows = usage_rows(conn, account, q.from, q.to)?;
    let contacts: Vec<Contact> = tables::select_in(conn, "WHERE account_id = +?", &[&account])?;
    let names = contacts.into_iter().map(|c| (c.id, c.name)).collect();
    Ok(crate::breakdown(&rows, &names, q.by))
}

pub(crate) fn agreements<'c>(
    conn: impl Into<Conn<'c>>,
    account: Id,
    status: Option<AgreementStatus>,
) -> Result<Vec<Agreement>> {
    let conn = conn.into();
    match status {
        Some(s) => tables::select_in(
            conn,
            "WHERE account_id = +? AND status = ? ORDER BY start_day DESC, id DESC",
            &[&account, &s.as_str()],
        ),
        None => tables::select_in(
            conn,
            "WHERE account_id = +? ORDER BY start_day DESC, id DESC",
            &[&account],
        ),
    }
}

pub(crate) fn tasks<'c>(
    conn: impl Into<Conn<'c>>,
    q: &TaskQuery,
    today: NaiveDate,
) -> Result<Vec<Task>> {
    let mut conds = vec![];
    let mut p: Vec<Value> = vec![];
    if let Some(a) = q.account_id {
        conds.push("account_id = +?".to_string());
        p.push(Value::Integer(a));
    }
    if let Some(s) = q.status {
        conds.push("status = +?".into());
        p.push(Value::Text(s.as_str().into()));
    }
    if let Some(a) = &q.assignee {
        conds.push("lower(assignee) = lower(?)".into());
        p.push(Value::Text(a.clone()));
    }
    if let Some(pr) = q.project_id {
        conds.push("project_id = +?".into());
        p.push(Value::Integer(pr));
    }
    if let Some(d) = q.due_before {
        conds.push("due_day <= ?".into());
        p.push(Value::Integer(day(&d)));
    }
    match q.open {
        Some(true) => conds.push("status <> 'done'".into()),
        Some(false) => conds.push("status = 'done'".into()),
        None => {}
    }
    if let Some(k) = q.kind {
        conds.push("kind = ?".into());
        p.push(Value::Text(k.as_str().into()));
    }
    let (today, sunday) = (day(&today), day(&week_end(today)));
    match q.due {
        Some(DueWindow::Overdue) => {
            conds.push("due_day < ? AND status <> 'done'".into());
            p.push(Value::Integer(today));
        }
        Some(DueWindow::ThisWeek) => {
            conds.push("due_day BETWEEN ? AND ?".into());
            p.extend([Value::Integer(today), Value::Integer(sunday)]);
        }
        Some(DueWindow::Later) => {
            conds.push("due_day > ?".into());
            p.push(Value::Integer(sunday));
        }
        Some(DueWindow::None) => conds.push("due_day IS NULL".into()),
        None => {}
    }
    if let Some(al) = q.alert_id {
        conds.push("alert_id = ?".into());
        p.push(Value::Integer(al));
    }
    tables::select_in(
        conn.into(),
        &format!(
            "{} ORDER BY status, position, due_day IS NULL, due_day, id LIMIT {}",
            where_clause(&conds),
            PageRequest::MAX_LIMIT
        ),
        &crate::db::params(&p),
    )
}

fn case_order(sort: CaseSort, desc: bool, d: Dialect) -> String {
    match (sort, desc) {
        (CaseSort::Priority, false) => "c.priority_rank, c.opened_at DESC, c.id".into(),
        (CaseSort::Priority, true) => "c.priority_rank DESC, c.opened_at DESC, c.id".into(),
        (CaseSort::Opened, false) => "c.opened_at DESC, c.id DESC".into(),
        (CaseSort::Opened, true) => "c.opened_at, c.id".into(),
        (CaseSort::AccountHealth, false) => format!(
            "{}, c.priority_rank, c.id",
            d.or_far("a.health_score", true, true)
        ),
        (CaseSort::AccountHealth, true) => format!(
            "{} DESC, c.priority_rank, c.id",
            d.or_far("a.health_score", false, true)
        ),
        (CaseSort::Status, false) => concat!(status_rank!(), ", c.priority_rank, c.id").into(),
        (CaseSort::Status, true) => concat!(status_rank!(), " DESC, c.priority_rank, c.id").into(),
    }
}

pub(crate) fn cases<'c>(
    conn: impl Into<Conn<'c>>,
    q: &CaseQuery,
    today: NaiveDate,
) -> Result<Page<CaseRow>> {
    let conn = conn.into();
    let d = conn.dialect();
    let mut conds = vec![];
    let mut p: Vec<Value> = vec![];
    account_conditions(&q.account, today, true, d, &mut conds, &mut p)?;
    if let Some(a) = q.account_id {
        conds.push("c.account_id = +?".into());
        p.push(Value::Integer(a));
    }
    if let Some(h) = q.health_below {
        conds.push("a.health_score < ?".into());
        p.push(Value::Real(h));
    }
    if let Some(pr) = q.priority {
        conds.push("c.priority = +?".into());
        p.push(Value::Text(pr.as_str().into()));
    }
    if let Some(s) = q.status {
        conds.push("c.status = +?".into());
        p.push(Value::Text(s.as_str().into()));
    }
    if q.open_only {
        conds.push("c.is_open = 1".into());
    }
    if let Some(e) = q.escalated {
        conds.push("c.escalated = +?".into());
        p.push(Value::Integer(e as i64));
    }
    if let Some(t) = &q.team {
        conds.push(d.eq_nocase("c.team"));
        p.push(Value::Text(t.clone()));
    }
    if let Some(r) = &q.region {
        conds.push(d.eq_nocase("c.region"));
        p.push(Value::Text(r.clone()));
    }
    if let Some(s) = q.signal {
        conds.push(d.json_array_has("c.signals", "?"));
        p.push(Value::Text(s.as_str().into()));
    }
    let wc = where_clause(&conds);
    let from = "support_cases c JOIN accounts a ON a.id = c.account_id";
    // Every case has its account (a foreign key the store enforces, and that bulk
    // loads are checked for), so a filter on case fields alone counts the cases
    // without the join: one index then answers the count, where the join looked up
    // the account of every matching case (68 ms against 2.4 ms for
    // `status:open signal:frustration` on 500k cases).
    let total = if conds.iter().any(|c| mentions_alias(c, "a")) {
        count(conn, &format!("SELECT count(*) FROM {from} {wc}"), &p)?
    } else {
        count(
            conn,
            &format!("SELECT count(*) FROM support_cases c {wc}"),
            &p,
        )?
    };
    let sql = format!(
        "SELECT {}, a.name, a.health_score, a.health_status FROM {from} {wc} ORDER BY {} LIMIT ? OFFSET ?",
        columns_with::<SupportCase>("c"),
        case_order(q.sort, q.descending, d)
    );
    let params = paged(&p, q.page);
    let items = conn
        .query_map(&sql, &crate::db::params(&params), |r| {
            let mut c = Cols::of(r);
            Ok(CaseRow {
                case: SupportCase::read(&mut c)?,
                account_name: c.get()?,
                account_health_score: c.get()?,
                account_health_status: c.opt_parse()?,
            })
        })
        .map_err(Error::storage)?;
    Ok(page_of(items, total, q.page))
}

/// Whether SQL text refers to a column of the table aliased `alias` (`alias.`
/// not preceded by a letter, digit or underscore).
fn mentions_alias(sql: &str, alias: &str) -> bool {
    let dotted = format!("{alias}.");
    sql.match_indices(&dotted).any(|(i, _)| {
        !sql[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Alerts newest first. A snoozed alert whose `snoozed_until` has passed counts as
/// open again (one snoozed without an end stays snoozed).
pub(crate) fn alerts<'c>(
    conn: impl Into<Conn<'c>>,
    q: &AlertQuery,
    now: Timestamp,
) -> Result<Page<Alert>> {
    let conn = conn.into();
    let mut conds = vec![];
    let mut p: Vec<Value> = vec![];
    if let Some(a) = q.account_id {
        conds.push("account_id = +?".to_string());
        p.push(Value::Integer(a));
    }
    let now = Value::Integer(super::codec::ts(&now));
    match q.state {
        // Both arms read the state index (the open count is what the app asks for
        // most, with a page of 0 or 1).
        Some(AlertState::Open) => {
            conds.push("(state = 'open' OR (state = 'snoozed' AND snoozed_until <= ?))".into());
            p.push(now);
        }
        Some(AlertState::Snoozed) => {
            conds.push("state = 'snoozed' AND (snoozed_until IS NULL OR snoozed_until > ?)".into());
            p.push(now);
        }
        Some(AlertState::Done) => conds.push("state = 'done'".into()),
        None => {}
    }
    if let Some(rule) = &q.rule {
        conds.push("rule = ?".into());
        p.push(Value::Text(rule.clone()));
    }
    if let Some(since) = q.since {
        conds.push("at >= ?".into());
        p.push(Value::Integer(super::codec::ts(&since)));
    }
    if q.exclude_churned {
        conds.push(
            "account_id NOT IN (SELECT id FROM accounts INDEXED BY accounts_churned WHERE stage = 'churned')"
                .into(),
        );
    }
    let wc = where_clause(&conds);
    let total = count(conn, &format!("SELECT count(*) FROM alerts {wc}"), &p)?;
    if q.page.limit == 0 {
        // The count alone.
        return Ok(page_of(vec![], total, q.page));
    }
    let params = paged(&p, q.page);
    let items = tables::select_in(
        conn,
        &format!("{wc} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?"),
        &crate::db::params(&params),
    )?;
    Ok(page_of(items, total, q.page))
}

pub(crate) fn read_change(c: &mut Cols) -> rusqlite::Result<ChangeLogEntry> {
    let parse_json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(ChangeLogEntry {
        id: c.get()?,
        at: from_ts(c.get()?),
        actor: c.get()?,
        entity: c.parse()?,
        record_id: c.get()?,
        account_id: c.get()?,
        action: c.parse()?,
        field: c.get()?,
        from: parse_json(c.get()?),
        to: parse_json(c.get()?),
    })
}

pub(crate) const CHANGE_COLUMNS: &str =
    "id, at, actor, entity, record_id, account_id, action, field, from_value, to_value";

pub(crate) fn change_log<'c>(
    conn: impl Into<Conn<'c>>,
    account: Id,
    page: PageRequest,
) -> Result<Page<ChangeLogEntry>> {
    let conn = conn.into();
    let total = count(
        conn,
        "SELECT count(*) FROM change_log WHERE account_id = ?",
        &[Value::Integer(account)],
    )?;
    let params = paged(&[Value::Integer(account)], page);
    let items = conn
        .query_map(
            &format!(
                "SELECT {CHANGE_COLUMNS} FROM change_log WHERE account_id = +? \
                 ORDER BY id DESC LIMIT ? OFFSET ?"
            ),
            &crate::db::params(&params),
            |r| read_change(&mut Cols::of(r)),
        )
        .map_err(Error::storage)?;
    Ok(page_of(items, total, page))
}

/// The change log's entries after `after` (by id), oldest first, at most `limit`.
pub(crate) fn changes_after(
    conn: Conn<'_>,
    after: Id,
    limit: usize,
) -> Result<Vec<ChangeLogEntry>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM change_log WHERE id > ? ORDER BY id LIMIT {}",
        limit.clamp(1, 10_000)
    );
    conn.query_map(&sql, &[&after], |r| read_change(&mut Cols::of(r)))
        .map_err(Error::storage)
}

/// The newest change log entry's id (0 for none).
pub(crate) fn last_change(conn: Conn<'_>) -> Result<Id> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM change_log", &[], |r| {
        r.get(0)
    })
    .map_err(Error::storage)
}

#[cfg(test)]
mod tests {
    use super::mentions_alias;

    #[test]
    fn an_alias_is_found_only_as_a_qualifier() {
        assert!(mentions_alias("a.region = ? COLLATE NOCASE", "a"));
        assert!(mentions_alias("NOT coalesce((a.stage = ?), 0)", "a"));
        assert!(mentions_alias("(c.x = 1 OR a.name LIKE ?)", "a"));
        assert!(!mentions_alias("c.status = ?", "a"));
        assert!(!mentions_alias(
            "EXISTS (SELECT 1 FROM json_each(c.signals) WHERE value = ?)",
            "a"
        ));
        assert!(!mentions_alias("data.x = 1 AND c_a.y = 2", "a"));
    }
}
