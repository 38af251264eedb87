//! Records from source systems into the store, matched on the ids they have
//! there (the `external_ids` table), then on what identifies them anyway (an
//! account's domain, a contact's email): each is created, updated in place (only
//! the fields the source sets, through the ordinary writes, so each change is in
//! the change log under the importing user and the account is rescored), or left
//! as it is. A record edited in tend since its source last wrote it is a
//! conflict, which `prefer` decides. All in one transaction: any problem, or a
//! dry run, and nothing is written.

use rusqlite::OptionalExtension;
use serde_json::{Map, Value, json};

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use super::tables;
use super::write::{self, After};
use crate::db::{Conn, Dialect};
use crate::sync::{KindCounts, Prefer, SyncConflict, SyncOptions, SyncReport, UsageCounts};
use crate::{Error, Result};
use tend_domain::*;
use tend_engines::health::HealthSetup;
use tend_engines::sources::{RefKey, SourceProblem, SourceRecord, SourceRef, SourceUsage, tally};

/// The order kinds load in: what a record points at comes first.
const ORDER: &[EntityKind] = &[
    EntityKind::Account,
    EntityKind::Contact,
    EntityKind::Agreement,
    EntityKind::Invoice,
    EntityKind::Payment,
    EntityKind::Opportunity,
    EntityKind::Project,
    EntityKind::Task,
    EntityKind::SupportCase,
    EntityKind::Interaction,
    EntityKind::NpsResponse,
    EntityKind::Document,
    EntityKind::Playbook,
    EntityKind::PlaybookRun,
    EntityKind::Alert,
    EntityKind::Summary,
    EntityKind::SuccessPlan,
    EntityKind::Objective,
    EntityKind::Kpi,
    EntityKind::BusinessChallenge,
];

pub(crate) struct Sync<'a> {
    pub conn: Conn<'a>,
    pub setup: &'a HealthSetup,
    pub actor: &'a str,
    pub now: Timestamp,
    pub options: &'a SyncOptions,
    /// The accounts written to, refreshed and rescored once each at the end.
    touched: RefCell<BTreeMap<Id, bool>>,
    /// The records found (or created) by their ids in a source during this load:
    /// a CRM's contacts point at their company again and again.
    by_source_id: RefCell<HashMap<(EntityKind, RefKey), Id>>,
    /// Whether the store had ids of a kind from a source when the load began:
    /// when it had none, the only ones are those this load wrote (a first load
    /// looks nothing up).
    had_ids: RefCell<HashMap<(EntityKind, String), bool>>,
}

impl<'a> Sync<'a> {
    pub fn new(
        conn: Conn<'a>,
        setup: &'a HealthSetup,
        actor: &'a str,
        now: Timestamp,
        options: &'a SyncOptions,
    ) -> Self {
        Sync {
            conn,
            setup,
            actor,
            now,
            options,
            touched: Default::default(),
            by_source_id: Default::default(),
            had_ids: Default::default(),
        }
    }

    /// Loads `records` and `usage`; the report says what was done (or would be)
    /// and what was wrong. The caller commits only a report with no problem, not
    /// a dry run.
    pub fn run(&self, records: Vec<SourceRecord>, usage: Vec<SourceUsage>) -> Result<SyncReport> {
        let mut report = self.records(records)?;
        if !usage.is_empty() {
            report.usage = Some(self.usage(usage, &mut report.skipped)?);
        }
        self.end(&mut report)?;
        Ok(report)
    }

    /// Loads `records` (first of a load: the records usage may point at).
    pub fn records(&self, mut records: Vec<SourceRecord>) -> Result<SyncReport> {
        let rank = |k: EntityKind| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
        // Updates of records loaded before (an email answered) after the records.
        records.sort_by_key(|r| (rank(r.kind), r.update_only));
        let mut report = SyncReport {
            dry_run: self.options.dry_run,
            ..SyncReport::default()
        };
        for r in &records {
            self.one(r, &mut report)?;
        }
        Ok(report)
    }

    /// Loads a batch of usage, adding to what the report counts.
    pub fn usage_batch(&self, usage: Vec<SourceUsage>, report: &mut SyncReport) -> Result<()> {
        if usage.is_empty() {
            return Ok(());
        }
        let c = self.usage(usage, &mut report.skipped)?;
        let counts = report.usage.get_or_insert_with(UsageCounts::default);
        counts.events += c.events;
        counts.duplicates += c.duplicates;
        counts.unmatched += c.unmatched;
        counts.rows += c.rows;
        Ok(())
    }

    /// Ends a load: each account written to refreshed and rescored once.
    pub fn end(&self, report: &mut SyncReport) -> Result<()> {
        report
            .kinds
            .retain(|k| k.created + k.updated + k.unchanged + k.conflicts > 0);
        write::after_writes(self.conn, self.setup, &self.touched.borrow(), self.now)
    }

    /// Product events into usage: each event counted once (its id remembered per
    /// source), the new events of a user's day added to what the day has.
    fn usage(
        &self,
        usage: Vec<SourceUsage>,
        skipped: &mut Vec<SourceProblem>,
    ) -> Result<UsageCounts> {
        let mut counts = UsageCounts::default();
        // The ids (each hashed with the source's name) in order: each lands after
        // the last in the table's key order.
        let system = tend_engines::sources::fnv1a(usage[0].system.as_bytes());
        let key = |id: u64| (id ^ system).wrapping_mul(0x0000_0100_0000_01b3) as i64;
        let mut ids: Vec<i64> = usage
            .iter()
            .flat_map(|u| u.events.iter().map(|e| key(e.id)))
            .collect();
        let total = ids.len() as u64;
        ids.sort_unstable();
        ids.dedup();
        let mut new = std::collections::HashSet::with_capacity(ids.len());
        for hash in ids {
            let inserted = self
                .conn
                .execute(
                    "INSERT INTO source_events (hash) VALUES (?) ON CONFLICT DO NOTHING",
                    &[&hash],
                )
                .map_err(Error::storage)?;
            if inserted == 1 {
                new.insert(hash);
            }
        }
        let mut users: HashMap<(String, String), Option<(Id, Id)>> = HashMap::new();
        let mut accounts: HashMap<RefKey, Option<Id>> = HashMap::new();
        let mut rows: Vec<Tallied> = Vec::new();
        // Per user: where first seen, events, days, the first day.
        let mut unmatched: BTreeMap<String, (String, usize, usize, chrono::NaiveDate)> =
            BTreeMap::new();
        // Each user's day dropped once tallied: memory holds the batch once.
        for u in usage {
            let user = match &u.user {
                Some(user) => {
                    let key = (u.system.clone(), user.clone());
                    if !users.contains_key(&key) {
                        let found = match self.known(EntityKind::Contact, &u.system, user)? {
                            Some(id) => Some((id, self.contact_account(id)?)),
                            None => None,
                        };
                        users.insert(key.clone(), found);
                    }
                    users[&key]
                }
                None => None,
            };
            let account = match &u.account {
                Some(key) => match accounts.get(key) {
                    Some(found) => *found,
                    None => {
                        let found = self.resolve(&SourceRef {
                            field: "account_id".into(),
                            kind: EntityKind::Account,
                            key: key.clone(),
                            many: false,
                            optional: false,
                        })?;
                        accounts.insert(key.clone(), found);
                        found
                    }
                },
                None => None,
            }
            .or(user.map(|(_, account)| account));
            // The events not counted before (nor twice in these files).
            let fresh: Vec<_> = u.events.iter().filter(|e| new.remove(&key(e.id))).collect();
            let Some(account) = account else {
                counts.unmatched += fresh.len() as u64;
                let who = u.user.clone().unwrap_or_else(|| "anonymous users".into());
                let entry = unmatched
                    .entry(who)
                    .or_insert_with(|| (u.place.clone(), 0, 0, u.day));
                entry.1 += u.events.len();
                entry.2 += 1;
                entry.3 = entry.3.min(u.day);
                // Not counted: loaded again once the account is known, they count.
                for e in &fresh {
                    self.conn
                        .execute("DELETE FROM source_events WHERE hash = ?", &[&key(e.id)])
                        .map_err(Error::storage)?;
                }
                continue;
            };
            if fresh.is_empty() {
                continue;
            }
            counts.events += fresh.len() as u64;
            // A user of another account (moved since): their usage is theirs.
            let contact = user.filter(|(_, a)| *a == account).map_or(0, |(c, _)| c);
            let (connections, minutes, features) = tally(&fresh);
            let features = serde_json::to_string(&features).map_err(Error::storage)?;
            let day = super::codec::day(&u.day);
            rows.push((account, day, contact, connections, minutes, features.into()));
        }
        // In the table's key order: each row lands beside the last.
        rows.sort_unstable_by_key(|r| (r.0, r.1, r.2));
        for row in &rows {
            self.add_usage(row)?;
            self.touched.borrow_mut().entry(row.0).or_default();
        }
        counts.rows += rows.len() as u64;
        for (who, (place, events, days, first)) in unmatched {
            skipped.push(SourceProblem {
                place,
                field: None,
                message: format!(
                    "{events} event(s) of {who} over {days} day(s) from {first}: no account matches (no group call or groupId the accounts know)"
                ),
            });
        }
        counts.duplicates = total - counts.events - counts.unmatched;
        Ok(counts)
    }

    fn contact_account(&self, contact: Id) -> Result<Id> {
        self.conn
            .query_row(
                "SELECT account_id FROM contacts WHERE id = ?",
                &[&contact],
                |r| r.get(0),
            )
            .map_err(Error::storage)
    }

    /// Adds a day's tally to a user's (or the account's anonymous) day of usage.
    fn add_usage(&self, row: &Tallied) -> Result<()> {
        let (account, day, contact, connections, minutes, features) = row;
        let features: &str = features;
        self.conn
            .execute(
                add_usage_sql(self.conn.dialect()),
                &[account, day, contact, connections, minutes, &features],
            )
            .map_err(Error::storage)?;
        Ok(())
    }

    fn counts(report: &mut SyncReport, kind: EntityKind) -> &mut KindCounts {
        if let Some(i) = report.kinds.iter().position(|k| k.kind == kind) {
            return &mut report.kinds[i];
        }
        report.kinds.push(KindCounts {
            kind,
            created: 0,
            updated: 0,
            unchanged: 0,
            conflicts: 0,
        });
        report.kinds.last_mut().expect("just pushed")
    }

    fn one(&self, r: &SourceRecord, report: &mut SyncReport) -> Result<()> {
        let problem = |field: Option<&str>, message: String| SourceProblem {
            place: r.place.clone(),
            field: field.map(str::to_string),
            message,
        };
        // Found once, before its references are: a record the store has keeps what
        // its references point at, when the source says so. (What identifies a
        // record anyway, its domain or email, is never a reference.)
        let found = match self.identity(r)? {
            Some(seen) => Some((seen.id, Some(seen))),
            None => self.natural(r.kind, &r.fields)?.map(|id| (id, None)),
        };
        let known = r.refs_on_create && found.is_some();
        let mut fields = r.fields.clone();
        for reference in r.refs.iter().filter(|_| !known) {
            match self.resolve(reference)? {
                Some(id) if reference.many => {
                    let list = fields
                        .entry(reference.field.clone())
                        .or_insert_with(|| json!([]));
                    if let Some(list) = list.as_array_mut()
                        && !list.contains(&json!(id))
                    {
                        list.push(json!(id));
                    }
                }
                Some(id) => {
                    fields.insert(reference.field.clone(), json!(id));
                }
                None if reference.optional => {}
                None => {
                    let message = format!("no {} {}", reference.kind, describe(&reference.key));
                    let list = match r.skip_unmatched {
                        true => &mut report.skipped,
                        false => &mut report.problems,
                    };
                    list.push(problem(Some(&reference.field), message));
                    return Ok(());
                }
            }
        }
        let said = said_hash(&fields)?;
        // The source says what it said when it last wrote the record, which was
        // not edited since: nothing to read or write.
        if let Some((_, Some(seen))) = &found
            && seen.hash == Some(said)
            && seen.version == seen.imported
        {
            Self::counts(report, r.kind).unchanged += 1;
            return Ok(());
        }
        let outcome = match found {
            Some((id, seen)) => self.update(r, id, seen, said, &fields, report),
            None if r.update_only && r.skip_unmatched => {
                report.skipped.push(problem(
                    None,
                    format!(
                        "no {} matches it (by its {} id or what identifies it)",
                        r.kind, r.system
                    ),
                ));
                return Ok(());
            }
            None if r.update_only => return Ok(()),
            None => self.create(r, &fields, said),
        };
        match outcome {
            Ok(Done::Created) => Self::counts(report, r.kind).created += 1,
            Ok(Done::Updated) => Self::counts(report, r.kind).updated += 1,
            Ok(Done::Unchanged) => Self::counts(report, r.kind).unchanged += 1,
            Ok(Done::Conflict) => Self::counts(report, r.kind).conflicts += 1,
            Err(Error::Invalid { field, message }) => {
                report.problems.push(problem(Some(&field), message));
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    fn resolve(&self, reference: &SourceRef) -> Result<Option<Id>> {
        match &reference.key {
            RefKey::External {
                system,
                external_id,
            } => {
                let key = (reference.kind, reference.key.clone());
                if let Some(id) = self.by_source_id.borrow().get(&key) {
                    return Ok(Some(*id));
                }
                let found = self.known(reference.kind, system, external_id)?;
                if let Some(id) = found {
                    self.by_source_id.borrow_mut().insert(key, id);
                }
                Ok(found)
            }
            RefKey::Domain(domain) => self.by_domain(domain),
            RefKey::Email(email) => self.by_email(email),
            RefKey::Name(name) => self.single("accounts", "name", name),
        }
    }

    fn by_email(&self, email: &str) -> Result<Option<Id>> {
        self.single("contacts", "email", email)
    }

    /// The record a source id names, if it still exists.
    fn known(&self, kind: EntityKind, system: &str, external_id: &str) -> Result<Option<Id>> {
        Ok(self.lookup(kind, system, external_id)?.map(|seen| seen.id))
    }

    fn lookup(&self, kind: EntityKind, system: &str, external_id: &str) -> Result<Option<Seen>> {
        // With the record's version now (none: deleted since, its id is forgotten).
        let found: Option<(Id, i64, Option<i64>, Option<i64>)> = self
            .conn
            .query_row(
                lookup_sql(kind),
                &[&kind.as_str(), &system, &external_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(Error::storage)?;
        match found {
            Some((id, imported, hash, Some(version))) => Ok(Some(Seen {
                id,
                imported,
                hash,
                version,
            })),
            Some(_) => {
                self.conn
                    .execute(
                        "DELETE FROM external_ids WHERE kind = ? AND system = ? AND external_id = ?",
                        &[&kind.as_str(), &system, &external_id],
                    )
                    .map_err(Error::storage)?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    fn identity(&self, r: &SourceRecord) -> Result<Option<Seen>> {
        let known = self
            .had_ids
            .borrow()
            .get(&(r.kind, r.system.clone()))
            .copied();
        let had = match known {
            Some(had) => had,
            None => {
                let had = self
                    .conn
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM external_ids WHERE kind = ? AND system = ?)",
                        &[&r.kind.as_str(), &r.system],
                        |r| r.get(0),
                    )
                    .map_err(Error::storage)?;
                self.had_ids
                    .borrow_mut()
                    .insert((r.kind, r.system.clone()), had);
                had
            }
        };
        let key = RefKey::External {
            system: r.system.clone(),
            external_id: r.external_id.clone(),
        };
        if !had && !self.by_source_id.borrow().contains_key(&(r.kind, key)) {
            return Ok(None);
        }
        self.lookup(r.kind, &r.system, &r.external_id)
    }

    fn by_domain(&self, domain: &str) -> Result<Option<Id>> {
        self.single("accounts", "domain", domain)
    }

    /// The one record of `table` whose text `column` is `key` (letter case
    /// aside), or none (none or several match).
    fn single(&self, table: &str, column: &str, key: &str) -> Result<Option<Id>> {
        let sql = format!(
            "SELECT id FROM {table} WHERE {} LIMIT 2",
            self.conn.dialect().eq_nocase(column)
        );
        let ids: Vec<Id> = self
            .conn
            .query_map(&sql, &[&key], |r| r.get(0))
            .map_err(Error::storage)?;
        Ok((ids.len() == 1).then(|| ids[0]))
    }

    /// A record the source does not know yet but the store has: an account by
    /// its domain, a contact by its email.
    fn natural(&self, kind: EntityKind, fields: &Map<String, Value>) -> Result<Option<Id>> {
        let text = |f: &str| {
            fields
                .get(f)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        match kind {
            EntityKind::Account => match text("domain") {
                Some(d) => self.by_domain(d),
                None => Ok(None),
            },
            EntityKind::Contact => match text("email") {
                Some(e) => self.by_email(e),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    fn remember(&self, r: &SourceRecord, id: Id, version: i64, said: i64) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO external_ids (kind, system, external_id, record_id, imported_version, imported_at, imported_hash)
                 VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (kind, system, external_id) DO UPDATE SET record_id = excluded.record_id,
                     imported_version = excluded.imported_version, imported_at = excluded.imported_at,
                     imported_hash = excluded.imported_hash",
                &[
                    &r.kind.as_str(),
                    &r.system,
                    &r.external_id,
                    &id,
                    &version,
                    &self.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    &said,
                ],
            )
            .map_err(Error::storage)?;
        let key = RefKey::External {
            system: r.system.clone(),
            external_id: r.external_id.clone(),
        };
        self.by_source_id.borrow_mut().insert((r.kind, key), id);
        Ok(())
    }

    fn create(&self, r: &SourceRecord, fields: &Map<String, Value>, said: i64) -> Result<Done> {
        let now = json!(self.now);
        let mut body = Map::new();
        body.insert("id".into(), json!(0));
        body.insert("created_at".into(), now.clone());
        body.insert("updated_at".into(), now);
        body.insert("external_id".into(), json!(r.external_id));
        let mut body = Value::Object(body);
        set_all(&mut body, &r.on_create);
        set_all(&mut body, fields);
        let record = to_record(r.kind, body)?;
        let mut touched = self.touched.borrow_mut();
        let created = write::create_with(
            self.conn,
            self.setup,
            self.actor,
            self.now,
            record,
            &mut After::Later(&mut touched),
        )?;
        self.remember(r, created.id(), created.version(), said)?;
        Ok(Done::Created)
    }

    fn update(
        &self,
        r: &SourceRecord,
        id: Id,
        seen: Option<Seen>,
        said: i64,
        fields: &Map<String, Value>,
        report: &mut SyncReport,
    ) -> Result<Done> {
        let imported = seen.map(|s| s.imported);
        let current = tables::get_record(self.conn, r.kind, id)?;
        let before = payload(&current)?;
        if holds_all(&before, fields) {
            if imported != Some(current.version()) || seen.and_then(|s| s.hash) != Some(said) {
                self.remember(r, id, current.version(), said)?;
            }
            return Ok(Done::Unchanged);
        }
        let mut after = before.clone();
        set_all(&mut after, fields);
        // Edited in tend since this source last wrote it.
        if imported.is_some_and(|v| current.version() > v) {
            let changed = write::diff(&before, &after)
                .into_iter()
                .map(|(field, _, _)| field)
                .collect();
            let prefer = self.options.prefer;
            report.conflicts.push(SyncConflict {
                place: r.place.clone(),
                kind: r.kind,
                id,
                external_id: r.external_id.clone(),
                fields: changed,
                kept: match prefer {
                    Some(Prefer::Source) => "source",
                    Some(Prefer::Tend) => "tend",
                    None => "undecided",
                }
                .into(),
            });
            if prefer != Some(Prefer::Source) {
                return Ok(Done::Conflict);
            }
        }
        let record = to_record(r.kind, after)?;
        let mut touched = self.touched.borrow_mut();
        let updated = write::update_with(
            self.conn,
            self.setup,
            self.actor,
            self.now,
            record,
            &mut After::Later(&mut touched),
        )?;
        self.remember(r, id, updated.version(), said)?;
        Ok(Done::Updated)
    }
}

/// A record as the store knows it by its id in a source.
#[derive(Clone, Copy)]
struct Seen {
    id: Id,
    /// Its version when the source last wrote it (or found it unchanged).
    imported: i64,
    /// What the source said of it then (older stores: not kept).
    hash: Option<i64>,
    /// Its version now.
    version: i64,
}

/// A hash of what a source says of a record (its fields, in key order).
fn said_hash(fields: &Map<String, Value>) -> Result<i64> {
    let bytes = serde_json::to_vec(fields).map_err(Error::storage)?;
    Ok(tend_engines::sources::fnv1a(&bytes) as i64)
}

/// A day of usage to add: account, day, contact (0: anonymous), connections,
/// minutes, events per feature.
type Tallied = (Id, i64, Id, u32, u32, Box<str>);

enum Done {
    Created,
    Updated,
    Unchanged,
    Conflict,
}

/// Adds a day's tally to the one stored: counts summed, events per feature
/// summed feature by feature.
fn add_usage_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "INSERT INTO usage (account_id, day, contact_id, connections, minutes, features)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (account_id, day, contact_id) DO UPDATE SET
                 connections = connections + excluded.connections,
                 minutes = minutes + excluded.minutes,
                 features = CASE
                     WHEN excluded.features = '{}' THEN features
                     WHEN features = '{}' THEN excluded.features
                     ELSE (SELECT json_group_object(key, total) FROM (
                         SELECT key, sum(value) AS total FROM (
                             SELECT key, value FROM json_each(usage.features)
                             UNION ALL SELECT key, value FROM json_each(excluded.features))
                         GROUP BY key))
                 END"
        }
        Dialect::Postgres => {
            "INSERT INTO usage (account_id, day, contact_id, connections, minutes, features)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (account_id, day, contact_id) DO UPDATE SET
                 connections = usage.connections + excluded.connections,
                 minutes = usage.minutes + excluded.minutes,
                 features = CASE
                     WHEN excluded.features = '{}' THEN usage.features
                     WHEN usage.features = '{}' THEN excluded.features
                     ELSE (SELECT json_object_agg(key, total ORDER BY key)::text FROM (
                         SELECT key, sum(value::bigint) AS total FROM (
                             SELECT key, value FROM json_each_text(usage.features::json)
                             UNION ALL SELECT key, value FROM json_each_text(excluded.features::json)) e
                         GROUP BY key) t)
                 END"
        }
    }
}

/// The query of a record by its id in a source, with whether it still exists.
fn lookup_sql(kind: EntityKind) -> &'static str {
    let table = tables::table_of(kind);
    tables::cached_sql((table, "source lookup"), || {
        format!(
            "SELECT record_id, imported_version, imported_hash,
                 (SELECT version FROM {table} WHERE id = record_id)
             FROM external_ids WHERE kind = ? AND system = ? AND external_id = ?"
        )
    })
}

fn describe(key: &RefKey) -> String {
    match key {
        RefKey::External {
            system,
            external_id,
        } => format!("with {system} id {external_id} (in these files or imported before)"),
        RefKey::Domain(d) => format!("with the domain {d}"),
        RefKey::Email(e) => format!("with the email {e}"),
        RefKey::Name(n) => format!("named '{n}' (exactly one)"),
    }
}

/// A record's fields as JSON (without its kind).
fn payload(record: &Record) -> Result<Value> {
    let mut v = serde_json::to_value(record).map_err(Error::storage)?;
    Ok(v.get_mut("record").map(Value::take).unwrap_or(Value::Null))
}

fn to_record(kind: EntityKind, fields: Value) -> Result<Record> {
    let tagged = json!({"kind": kind, "record": fields});
    serde_json::from_value(tagged).map_err(|e| {
        let text = e.to_string();
        Error::invalid(kind.as_str(), text)
    })
}

/// Whether `target` already has each field as given (`a.b`: the entry `b` of the
/// map `a`): setting them all would change nothing.
fn holds_all(target: &Value, fields: &Map<String, Value>) -> bool {
    fields.iter().all(|(key, value)| {
        key.split('.')
            .try_fold(target, |at, part| at.get(part))
            .is_some_and(|found| found == value)
    })
}

/// Sets each field, `a.b` as the entry `b` of the map `a`.
fn set_all(target: &mut Value, fields: &Map<String, Value>) {
    for (key, value) in fields {
        let mut at = &mut *target;
        let mut parts = key.split('.').peekable();
        while let Some(part) = parts.next() {
            if !at.is_object() {
                *at = Value::Object(Map::new());
            }
            let map = at.as_object_mut().expect("an object");
            if parts.peek().is_none() {
                map.insert(part.to_string(), value.clone());
                break;
            }
            at = map.entry(part.to_string()).or_insert_with(|| json!({}));
        }
    }
}
