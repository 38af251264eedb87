//! Records from source systems into the store, matched on the ids they have
//! there (the `external_ids` table), then on what identifies them anyway (an
//! account's domain, a contact's email): each is created, updated in place (only
//! the fields the source sets, through the ordinary writes, so each change is in
//! the change log under the importing user and the account is rescored), or left
//! as it is. A record edited in tend since its source last wrote it is a
//! conflict, which `prefer` decides. All in one transaction: any problem, or a
//! dry run, and nothing is written.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use super::{tables, write};
use crate::sync::{KindCounts, Prefer, SyncConflict, SyncOptions, SyncReport};
use crate::{Error, Result};
use tend_domain::*;
use tend_engines::health::HealthSetup;
use tend_engines::sources::{RefKey, SourceProblem, SourceRecord, SourceRef};

/// The order kinds load in: what a record points at comes first.
const ORDER: &[EntityKind] = &[
    EntityKind::Account,
    EntityKind::Contact,
    EntityKind::Agreement,
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
];

pub(crate) struct Sync<'a> {
    pub conn: &'a Connection,
    pub setup: &'a HealthSetup,
    pub actor: &'a str,
    pub now: Timestamp,
    pub options: &'a SyncOptions,
}

impl Sync<'_> {
    /// Loads `records`; the report says what was done (or would be) and what was
    /// wrong. The caller commits only a report with no problem, not a dry run.
    pub fn run(&self, mut records: Vec<SourceRecord>) -> Result<SyncReport> {
        let rank = |k: EntityKind| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
        records.sort_by_key(|r| rank(r.kind));
        let mut report = SyncReport {
            dry_run: self.options.dry_run,
            ..SyncReport::default()
        };
        for r in &records {
            self.one(r, &mut report)?;
        }
        report
            .kinds
            .retain(|k| k.created + k.updated + k.unchanged + k.conflicts > 0);
        Ok(report)
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
        let mut fields = r.fields.clone();
        for reference in &r.refs {
            match self.resolve(reference)? {
                Some(id) => {
                    fields.insert(reference.field.clone(), json!(id));
                }
                None => {
                    report.problems.push(problem(
                        Some(&reference.field),
                        format!("no {} {}", reference.kind, describe(&reference.key)),
                    ));
                    return Ok(());
                }
            }
        }
        let found = match self.identity(r)? {
            Some(found) => Some(found),
            None => self.natural(r.kind, &fields)?.map(|id| (id, None)),
        };
        let outcome = match found {
            Some((id, imported)) => self.update(r, id, imported, &fields, report),
            None => self.create(r, &fields),
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
            } => self.known(reference.kind, system, external_id),
            RefKey::Domain(domain) => self.by_domain(domain),
        }
    }

    /// The record a source id names, if it still exists.
    fn known(&self, kind: EntityKind, system: &str, external_id: &str) -> Result<Option<Id>> {
        Ok(self.lookup(kind, system, external_id)?.map(|(id, _)| id))
    }

    fn lookup(
        &self,
        kind: EntityKind,
        system: &str,
        external_id: &str,
    ) -> Result<Option<(Id, i64)>> {
        let found: Option<(Id, i64)> = self
            .conn
            .prepare_cached(
                "SELECT record_id, imported_version FROM external_ids
                 WHERE kind = ? AND system = ? AND external_id = ?",
            )
            .and_then(|mut s| {
                s.query_row(params![kind.as_str(), system, external_id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
            })
            .map_err(Error::storage)?;
        // A record deleted since: its id is forgotten.
        match found {
            Some((id, v)) if write::exists(self.conn, kind, id)? => Ok(Some((id, v))),
            Some(_) => {
                self.conn
                    .execute(
                        "DELETE FROM external_ids WHERE kind = ? AND system = ? AND external_id = ?",
                        params![kind.as_str(), system, external_id],
                    )
                    .map_err(Error::storage)?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    fn identity(&self, r: &SourceRecord) -> Result<Option<(Id, Option<i64>)>> {
        Ok(self
            .lookup(r.kind, &r.system, &r.external_id)?
            .map(|(id, v)| (id, Some(v))))
    }

    fn by_domain(&self, domain: &str) -> Result<Option<Id>> {
        self.single(
            "SELECT id FROM accounts WHERE lower(domain) = lower(?) LIMIT 2",
            domain,
        )
    }

    /// The one record of a query, or none (none or several match).
    fn single(&self, sql: &str, key: &str) -> Result<Option<Id>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(Error::storage)?;
        let ids: Vec<Id> = stmt
            .query_map([key], |r| r.get(0))
            .and_then(|rows| rows.collect())
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
                Some(e) => self.single(
                    "SELECT id FROM contacts WHERE lower(email) = lower(?) LIMIT 2",
                    e,
                ),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    fn remember(&self, r: &SourceRecord, id: Id, version: i64) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO external_ids (kind, system, external_id, record_id, imported_version, imported_at)
                 VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT DO UPDATE SET record_id = excluded.record_id,
                     imported_version = excluded.imported_version, imported_at = excluded.imported_at",
                params![
                    r.kind.as_str(),
                    r.system,
                    r.external_id,
                    id,
                    version,
                    self.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                ],
            )
            .map_err(Error::storage)?;
        Ok(())
    }

    fn create(&self, r: &SourceRecord, fields: &Map<String, Value>) -> Result<Done> {
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
        let created = write::create(self.conn, self.setup, self.actor, self.now, record)?;
        self.remember(r, created.id(), created.version())?;
        Ok(Done::Created)
    }

    fn update(
        &self,
        r: &SourceRecord,
        id: Id,
        imported: Option<i64>,
        fields: &Map<String, Value>,
        report: &mut SyncReport,
    ) -> Result<Done> {
        let current = tables::get_record(self.conn, r.kind, id)?;
        let before = payload(&current)?;
        let mut after = before.clone();
        set_all(&mut after, fields);
        if after == before {
            if imported != Some(current.version()) {
                self.remember(r, id, current.version())?;
            }
            return Ok(Done::Unchanged);
        }
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
        let updated = write::update(self.conn, self.setup, self.actor, self.now, record)?;
        self.remember(r, id, updated.version())?;
        Ok(Done::Updated)
    }
}

enum Done {
    Created,
    Updated,
    Unchanged,
    Conflict,
}

fn describe(key: &RefKey) -> String {
    match key {
        RefKey::External {
            system,
            external_id,
        } => format!("with {system} id {external_id} (in these files or imported before)"),
        RefKey::Domain(d) => format!("with the domain {d}"),
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
