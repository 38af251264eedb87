//! Reading an account's inputs from the store: the facts the engine reads of its
//! contacts, interactions, cases and usage, one account or a range at a time.

use std::collections::HashMap;
use std::iter::Peekable;
use std::sync::Arc;

use chrono::Days;

use crate::db::Conn;

use crate::sqlite::codec::{Cols, day, from_day, ts};
use crate::sqlite::scan::Scan;
use crate::sqlite::tables::{self, Table};
use crate::{Error, Result};
use tend_domain::*;
use tend_engines::health::*;

/// The columns of an interaction the engine reads (not its text or tags).
const INTERACTION_COLS: &str = "id, account_id, kind, direction, at, contact_ids, user,
    sentiment_score, sentiment_label, sentiment_source, excluded_from_score, answered";

/// The columns of a contact the engine reads (not its name, email or title).
const CONTACT_COLS: &str = "id, account_id, created_at, roles, kind";

/// Reads [`CONTACT_COLS`] into a contact without name, email, title or bookkeeping.
fn contact_fact(r: &crate::db::Row) -> rusqlite::Result<Contact> {
    let mut c = Cols::of(r);
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
fn case_fact(r: &crate::db::Row) -> rusqlite::Result<SupportCase> {
    let mut c = Cols::of(r);
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
fn interaction_fact(r: &crate::db::Row) -> rusqlite::Result<Interaction> {
    let mut c = Cols::of(r);
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
    r: &dyn UsageRow,
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

/// A usage row being read: by [`Scan`] from the store file, by the connection
/// type from PostgreSQL.
trait UsageRow {
    fn int(&self, i: usize) -> rusqlite::Result<i64>;
    fn text(&self, i: usize) -> rusqlite::Result<Option<&str>>;
}

impl UsageRow for Scan<'_> {
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        Scan::int(self, i)
    }
    fn text(&self, i: usize) -> rusqlite::Result<Option<&str>> {
        Scan::text(self, i)
    }
}

impl UsageRow for crate::db::Row<'_> {
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.get(i)
    }
    fn text(&self, i: usize) -> rusqlite::Result<Option<&str>> {
        self.get_ref(i)?.as_str_or_null().map_err(Into::into)
    }
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
        tables::COMMON,
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
pub(crate) fn load<'c>(
    conn: impl Into<Conn<'c>>,
    id: Id,
    now: Timestamp,
    depth: Depth,
) -> Result<AccountData> {
    load_range(conn.into(), id, id, now, depth)?
        .pop()
        .ok_or(Error::NotFound {
            kind: EntityKind::Account,
            id,
        })
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
    conn: Conn<'_>,
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
    let sql = format!(
        "SELECT {INTERACTION_COLS} FROM interactions
         WHERE account_id BETWEEN +?1 AND +?2 ORDER BY account_id, at DESC"
    );
    let mut out = vec![];
    let mut account = None;
    let mut missing = Missing::default();
    let mut its_sponsors: &[Id] = &[];
    conn.each(&sql, &[&lo, &hi], &mut |r| {
        let id: Id = r.get(1)?;
        let at: i64 = r.get(4)?;
        if account != Some(id) {
            account = Some(id);
            its_sponsors = sponsors.get(&id).map_or(&[], Vec::as_slice);
            missing = Missing::new(!its_sponsors.is_empty());
        }
        if at > now_ms {
            // Not yet happened: read as before, the engine leaves it out.
            out.push(interaction_fact(r)?);
            return Ok(true);
        }
        if at > recent_from {
            let i = interaction_fact(r)?;
            let is_touch = tend_engines::health::is_touch(&i);
            missing.take(
                i.kind == InteractionKind::Meeting,
                is_touch,
                is_touch && i.user.as_deref().is_some_and(|u| !u.is_empty()),
                is_touch && i.contact_ids.iter().any(|c| its_sponsors.contains(c)),
            );
            out.push(i);
            return Ok(true);
        }
        if missing.none() {
            return Ok(true);
        }
        // An older one: read what decides whether it is kept, decode only those.
        let text = |k: usize| -> rusqlite::Result<&str> {
            r.get_ref(k).and_then(|v| v.as_str().map_err(Into::into))
        };
        let unknown = |k: usize, e: String| {
            rusqlite::Error::FromSqlConversionFailure(k, rusqlite::types::Type::Text, e.into())
        };
        let kind: InteractionKind = text(2)?.parse().map_err(|e| unknown(2, e))?;
        let direction: Direction = text(3)?.parse().map_err(|e| unknown(3, e))?;
        let answered: bool = r.get(11)?;
        let is_touch = tend_engines::health::touches(kind, direction, answered);
        // As `interaction_fact` reads them: a user is text or none, the contacts a
        // list (anything else, none).
        let by_user = is_touch
            && r.get_ref(6)
                .and_then(|v| v.as_str_or_null().map_err(Into::into))?
                .is_some_and(|u| !u.is_empty());
        let of_sponsor = is_touch
            && missing.sponsor_touch
            && parse_ids(r.get_ref(5)?.as_str().unwrap_or("[]"))
                .iter()
                .any(|c| its_sponsors.contains(c));
        if missing.take(
            kind == InteractionKind::Meeting,
            is_touch,
            by_user,
            of_sponsor,
        ) {
            out.push(interaction_fact(r)?);
        }
        Ok(true)
    })
    .map_err(Error::storage)?;
    Ok(out)
}

/// The inputs of the accounts with ids in `lo..=hi`, read in one pass per table.
pub(super) fn load_range(
    conn: Conn<'_>,
    lo: Id,
    hi: Id,
    now: Timestamp,
    depth: Depth,
) -> Result<Vec<AccountData>> {
    let history = depth == Depth::History;
    fn rows<T>(
        conn: Conn<'_>,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
        read: impl FnMut(&crate::db::Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        conn.query_map(sql, params, read).map_err(Error::storage)
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
        &[&lo, &hi],
        |r| Account::read(&mut Cols::of(r)),
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
            &[&lo, &hi],
            |r| Contact::read(&mut Cols::of(r)),
        )?,
        _ => rows(
            conn,
            &format!("SELECT {CONTACT_COLS} FROM contacts {range}"),
            &[&lo, &hi],
            contact_fact,
        )?,
    };
    let mut interactions = match depth {
        Depth::Score => score_interactions(conn, lo, hi, now, &contacts)?,
        _ => rows(
            conn,
            &format!("SELECT {INTERACTION_COLS} FROM interactions {range}"),
            &[&lo, &hi],
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
        &[&lo, &hi],
        |r| Agreement::read(&mut Cols::of(r)),
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
        &[&lo, &hi, &opened_from, &resolved_from],
        |r| match depth {
            Depth::Explain => SupportCase::read(&mut Cols::of(r)),
            _ => case_fact(r),
        },
    )?
    .into_iter()
    .peekable();
    let mut nps = rows(
        conn,
        &format!("{} {range}", NpsResponse::select_sql()),
        &[&lo, &hi],
        |r| NpsResponse::read(&mut Cols::of(r)),
    )?
    .into_iter()
    .peekable();
    // Few accounts have invoices: one seek each into an empty range otherwise.
    let mut invoices = rows(
        conn,
        &format!("{} {range}", Invoice::select_sql()),
        &[&lo, &hi],
        |r| Invoice::read(&mut Cols::of(r)),
    )?
    .into_iter()
    .peekable();
    let mut payments = rows(
        conn,
        &format!("{} {range}", Payment::select_sql()),
        &[&lo, &hi],
        |r| Payment::read(&mut Cols::of(r)),
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
    let mut usage_row = |r: &dyn UsageRow| -> rusqlite::Result<()> {
        let (account, d) = (r.int(0)?, r.int(1)?);
        let connections = u32::try_from(r.int(2)?)
            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(2, i64::from(u32::MAX)))?;
        let first = (account, d, connections);
        if depth == Depth::Score
            && d <= features_from
            && merge_older(&mut usage_rows, account, d, connections, features_from, cut)
        {
            return Ok(());
        }
        usage_rows.push(usage_fact(r, first, &mut features, features_from)?);
        Ok(())
    };
    // One seek per account to its first day read (the key is account, day,
    // contact): the older rows are not stepped over.
    let usage_sql = "SELECT account_id, day, connections, contact_id, features FROM usage
         WHERE account_id IN (SELECT id FROM accounts WHERE id BETWEEN ?1 AND ?2)
           AND day > ?3
         ORDER BY account_id, day";
    match conn {
        Conn::Sqlite(c) => {
            // Millions of rows of typed columns: read with one call into SQLite each.
            let mut rows = Scan::new(c, usage_sql, &[lo, hi, cut]).map_err(Error::storage)?;
            while rows.next().map_err(Error::storage)? {
                usage_row(&rows).map_err(Error::storage)?;
            }
        }
        Conn::Pg(_) => conn
            .each(usage_sql, &[&lo, &hi, &cut], &mut |r| {
                usage_row(r).map(|()| true)
            })
            .map_err(Error::storage)?,
    }
    if !history {
        // Older days count only through the last active day and the first day, and
        // only for accounts without activity in the window.
        let active: std::collections::HashSet<Id> = usage_rows
            .iter()
            .filter(|(_, u)| u.connections > 0)
            .map(|(a, _)| *a)
            .collect();
        let last =
            "SELECT max(day) FROM usage WHERE account_id = ? AND day <= ? AND connections > 0";
        let first = "SELECT min(day) FROM usage WHERE account_id = ?";
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
            let day_of = |sql: &str, p: &[&dyn rusqlite::ToSql]| {
                conn.query_row(sql, p, |r| r.get::<_, Option<i64>>(0))
                    .map_err(Error::storage)
            };
            if let Some(d) = day_of(first, &[&account])? {
                usage_rows.push((account, fact(d, 0)));
            }
            if let Some(d) = day_of(last, &[&account, &cut])? {
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
                invoices: take(&mut invoices, id, |c| c.account_id),
                payments: take(&mut payments, id, |c| c.account_id),
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

#[cfg(test)]
mod tests {
    use super::parse_features;

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
}
