//! Loading and dumping whole datasets.

use std::io::Write;

use rusqlite::OptionalExtension;

use crate::db::{Conn, Dialect};

use super::codec::{Cols, Params};
use super::read::{CHANGE_COLUMNS, USAGE_COLUMNS, read_change, read_usage};
use super::tables::Table;
use crate::{Error, Result};
use tend_domain::*;
use tend_engines::dataset::{Dataset, JsonWriter, Problem};

/// Turns dataset problems into the backend's invalid-input error.
pub(crate) fn problems_error(problems: &[Problem]) -> Error {
    Error::invalid(
        "dataset",
        format!(
            "{} problem(s):\n{}",
            problems.len(),
            problems
                .iter()
                .map(|p| format!("  {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    )
}

/// Inserts dataset rows through prepared statements inside one open transaction.
pub struct Loader<'c> {
    conn: Conn<'c>,
    /// The tables rows went into with their ids given (a PostgreSQL identity
    /// is moved past them at the end, see [`Loader::finish`]).
    tables: Vec<&'static str>,
}

impl<'c> Loader<'c> {
    pub(crate) fn new(conn: impl Into<Conn<'c>>) -> Self {
        Loader {
            conn: conn.into(),
            tables: vec![],
        }
    }

    /// Notes a table loaded with its ids given (once, however many chunks).
    fn loaded(&mut self, table: &'static str) {
        if !self.tables.contains(&table) {
            self.tables.push(table);
        }
    }

    fn insert_all<T: Table>(&mut self, items: &[T]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        self.loaded(T::TABLE);
        let sql = T::insert_sql();
        for r in items {
            self.conn
                .execute(&sql, &r.insert_params().refs())
                .map_err(|e| Error::storage(format!("{} {}: {e}", T::KIND, r.id())))?;
        }
        Ok(())
    }

    /// Ends a load: on PostgreSQL, moves the identity of each table loaded past
    /// the largest id given (SQLite's next id follows the largest by itself).
    pub(crate) fn finish(self) -> Result<()> {
        if self.conn.dialect() != Dialect::Postgres {
            return Ok(());
        }
        for table in self.tables {
            self.conn
                .query_row(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                    ),
                    &[],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(Error::storage)?;
        }
        Ok(())
    }

    /// Inserts records with a self-reference cleared, then sets the references, so the
    /// foreign key holds whatever order the records come in.
    fn insert_unlinked<T: Table>(
        &mut self,
        items: &[T],
        unlink: impl Fn(&mut T) -> Option<Id>,
        link_sql: &str,
    ) -> Result<()> {
        let mut links = vec![];
        let sql = T::insert_sql();
        if !items.is_empty() {
            self.loaded(T::TABLE);
        }
        for r in items {
            let mut bare = r.clone();
            if let Some(target) = unlink(&mut bare) {
                links.push((target, r.id()));
            }
            self.conn
                .execute(&sql, &bare.insert_params().refs())
                .map_err(|e| Error::storage(format!("{} {}: {e}", T::KIND, r.id())))?;
        }
        for (target, id) in links {
            self.conn
                .execute(link_sql, &[&target, &id])
                .map_err(Error::storage)?;
        }
        Ok(())
    }

    /// Refuses ids already in the store, each with its place.
    pub(crate) fn check_ids_free(&self, d: &Dataset) -> Result<()> {
        let mut problems = vec![];
        self.taken("accounts", &d.accounts, &mut problems)?;
        self.taken("contacts", &d.contacts, &mut problems)?;
        self.taken("interactions", &d.interactions, &mut problems)?;
        self.taken("support_cases", &d.support_cases, &mut problems)?;
        self.taken("agreements", &d.agreements, &mut problems)?;
        self.taken("opportunities", &d.opportunities, &mut problems)?;
        self.taken("projects", &d.projects, &mut problems)?;
        self.taken("tasks", &d.tasks, &mut problems)?;
        self.taken("playbooks", &d.playbooks, &mut problems)?;
        self.taken("playbook_runs", &d.playbook_runs, &mut problems)?;
        self.taken("nps_responses", &d.nps_responses, &mut problems)?;
        self.taken("documents", &d.documents, &mut problems)?;
        self.taken("alerts", &d.alerts, &mut problems)?;
        self.taken("summaries", &d.summaries, &mut problems)?;
        self.taken("success_plans", &d.success_plans, &mut problems)?;
        self.taken("objectives", &d.objectives, &mut problems)?;
        self.taken("kpis", &d.kpis, &mut problems)?;
        self.taken("business_challenges", &d.business_challenges, &mut problems)?;
        self.taken("invoices", &d.invoices, &mut problems)?;
        self.taken("payments", &d.payments, &mut problems)?;
        if !d.change_log.is_empty() {
            for (i, e) in d.change_log.iter().enumerate() {
                let hit = self
                    .conn
                    .query_row(
                        "SELECT 1 FROM change_log WHERE id = ?",
                        &[&e.id],
                        |_| Ok(()),
                    )
                    .optional()
                    .map_err(Error::storage)?;
                if hit.is_some() {
                    problems.push(Problem {
                        place: format!("change_log[{i}] (id {})", e.id),
                        field: Some("id".into()),
                        message: "the store already has a change log entry with this id".into(),
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems_error(&problems))
        }
    }

    fn taken<T: Table>(&self, section: &str, items: &[T], out: &mut Vec<Problem>) -> Result<()> {
        let empty: bool = self
            .conn
            .query_row(
                &format!("SELECT NOT EXISTS (SELECT 1 FROM {})", T::TABLE),
                &[],
                |r| r.get(0),
            )
            .map_err(Error::storage)?;
        if empty || items.is_empty() {
            return Ok(());
        }
        let sql = format!("SELECT 1 FROM {} WHERE id = ?", T::TABLE);
        for (i, r) in items.iter().enumerate() {
            let hit = self
                .conn
                .query_row(&sql, &[&r.id()], |_| Ok(()))
                .optional()
                .map_err(Error::storage)?;
            if hit.is_some() {
                out.push(Problem {
                    place: format!("{section}[{i}] (id {})", r.id()),
                    field: Some("id".into()),
                    message: format!("the store already has a {} with this id", T::KIND),
                });
            }
        }
        Ok(())
    }

    /// Inserts every row of the dataset (accounts parents first).
    pub fn load(&mut self, d: &Dataset) -> Result<()> {
        // Accounts go in without their parent, then get linked: a subsidiary may come
        // before its group, or point at another subsidiary.
        self.insert_unlinked(
            &d.accounts,
            |a| a.parent_id.take(),
            "UPDATE accounts SET parent_id = ? WHERE id = ?",
        )?;
        self.insert_all(&d.contacts)?;
        self.load_interactions(&d.interactions)?;
        self.load_usage(&d.usage)?;
        self.insert_all(&d.support_cases)?;
        // Renewals point at other agreements: same two steps.
        self.insert_unlinked(
            &d.agreements,
            |a| a.renews_id.take(),
            "UPDATE agreements SET renews_id = ? WHERE id = ?",
        )?;
        self.insert_all(&d.opportunities)?;
        self.insert_all(&d.projects)?;
        self.insert_all(&d.playbooks)?;
        self.insert_all(&d.playbook_runs)?;
        self.insert_all(&d.nps_responses)?;
        self.insert_all(&d.documents)?;
        self.insert_all(&d.alerts)?;
        // After the alerts: an alert task points at its alert.
        self.insert_all(&d.tasks)?;
        self.insert_all(&d.summaries)?;
        self.insert_all(&d.success_plans)?;
        self.insert_all(&d.objectives)?;
        self.insert_all(&d.kpis)?;
        self.insert_all(&d.business_challenges)?;
        self.insert_all(&d.invoices)?;
        self.insert_all(&d.payments)?;
        if !d.change_log.is_empty() {
            self.loaded("change_log");
            let sql = format!(
                "INSERT INTO change_log ({CHANGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            );
            for c in &d.change_log {
                let from = c.from.as_ref().map(|v| v.to_string());
                let to = c.to.as_ref().map(|v| v.to_string());
                let mut p = Params::default();
                p.int(c.id)
                    .ts(&c.at)
                    .text(&c.actor)
                    .name(c.entity)
                    .int(c.record_id)
                    .opt_int(c.account_id)
                    .name(c.action)
                    .opt_text(c.field.as_deref())
                    .opt_text(from.as_deref())
                    .opt_text(to.as_deref());
                self.conn.execute(&sql, &p.refs()).map_err(Error::storage)?;
            }
        }
        Ok(())
    }

    /// Inserts interactions with the row trigger off, then indexes them for full-text
    /// search in one statement.
    fn load_interactions(&mut self, items: &[Interaction]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        if self.conn.dialect() == Dialect::Postgres {
            // The search column is generated with each row.
            return self.insert_all(items);
        }
        self.conn
            .execute(
                "INSERT OR REPLACE INTO store_meta(key, value) VALUES ('bulk_load', '1')",
                &[],
            )
            .map_err(Error::storage)?;
        self.insert_all(items)?;
        self.conn
            .execute("DELETE FROM store_meta WHERE key = 'bulk_load'", &[])
            .map_err(Error::storage)?;
        let mut ids: Vec<Id> = items.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        // Contiguous id runs become one range each (generated and exported data are contiguous).
        let mut start = ids[0];
        let mut prev = ids[0];
        let index = "INSERT INTO interactions_fts(rowid, subject, body)
             SELECT id, subject, body FROM interactions WHERE id BETWEEN ? AND ?";
        for &id in ids.iter().skip(1).chain(std::iter::once(&Id::MAX)) {
            if id != prev + 1 {
                self.conn
                    .execute(index, &[&start, &prev])
                    .map_err(Error::storage)?;
                start = id;
            }
            prev = id;
        }
        Ok(())
    }

    fn load_usage(&self, rows: &[UsageDay]) -> Result<()> {
        let sql = "INSERT INTO usage (account_id, contact_id, day, connections, minutes, features)
             VALUES (?, coalesce(?, 0), ?, ?, ?, ?)";
        // In index order, each row lands at the end of the index instead of somewhere
        // in its middle.
        let mut ordered: Vec<&UsageDay> = rows.iter().collect();
        ordered.sort_unstable_by_key(|u| (u.account_id, u.day, u.contact_id.unwrap_or(0)));
        let mut features = String::new();
        for u in ordered {
            features.clear();
            // Feature names are plain keys; serialising a map of them cannot fail.
            features.push_str(&serde_json::to_string(&u.features).unwrap_or_else(|_| "{}".into()));
            self.conn
                .execute(
                    sql,
                    rusqlite::params![
                        u.account_id,
                        u.contact_id,
                        super::codec::day(&u.day),
                        u.connections,
                        u.minutes,
                        features
                    ],
                )
                .map_err(|e| {
                    Error::storage(format!(
                        "usage of account {} on {}: {e}",
                        u.account_id, u.day
                    ))
                })?;
        }
        Ok(())
    }
}

/// Writes everything in the store to `out` as dataset JSON, one row at a time:
/// the bytes [`Dataset::write_json`] makes of the whole dataset, without holding
/// it. The caller keeps one read transaction open around it for a consistent
/// snapshot. A failed write to `out` stops it with a storage error.
pub(crate) fn export_to(conn: Conn<'_>, now: Timestamp, out: &mut dyn Write) -> Result<()> {
    let mut w = JsonWriter::start(out, now).map_err(write_failed)?;
    table::<Account>(&mut w, "accounts", conn)?;
    table::<Contact>(&mut w, "contacts", conn)?;
    table::<Interaction>(&mut w, "interactions", conn)?;
    section(
        &mut w,
        "usage",
        conn,
        &format!("SELECT {USAGE_COLUMNS} FROM usage ORDER BY account_id, day, contact_id"),
        |r| read_usage(&mut Cols::of(r)),
    )?;
    table::<SupportCase>(&mut w, "support_cases", conn)?;
    table::<Agreement>(&mut w, "agreements", conn)?;
    table::<Opportunity>(&mut w, "opportunities", conn)?;
    table::<Project>(&mut w, "projects", conn)?;
    table::<Task>(&mut w, "tasks", conn)?;
    table::<Playbook>(&mut w, "playbooks", conn)?;
    table::<PlaybookRun>(&mut w, "playbook_runs", conn)?;
    table::<NpsResponse>(&mut w, "nps_responses", conn)?;
    table::<Document>(&mut w, "documents", conn)?;
    table::<Alert>(&mut w, "alerts", conn)?;
    table::<Summary>(&mut w, "summaries", conn)?;
    table::<SuccessPlan>(&mut w, "success_plans", conn)?;
    table::<Objective>(&mut w, "objectives", conn)?;
    table::<Kpi>(&mut w, "kpis", conn)?;
    table::<BusinessChallenge>(&mut w, "business_challenges", conn)?;
    table::<Invoice>(&mut w, "invoices", conn)?;
    table::<Payment>(&mut w, "payments", conn)?;
    section(
        &mut w,
        "change_log",
        conn,
        &format!("SELECT {CHANGE_COLUMNS} FROM change_log ORDER BY id"),
        |r| read_change(&mut Cols::of(r)),
    )?;
    w.finish().map_err(write_failed)
}

fn write_failed(e: std::io::Error) -> Error {
    Error::storage(format!("writing the export: {e}"))
}

/// Writes the rows of `sql`, each read by `read`, as the section `name`.
fn section<T: serde::Serialize>(
    w: &mut JsonWriter<&mut dyn Write>,
    name: &str,
    conn: Conn<'_>,
    sql: &str,
    mut read: impl FnMut(&crate::db::Row) -> rusqlite::Result<T>,
) -> Result<()> {
    w.begin_section(name).map_err(write_failed)?;
    let mut failed = None;
    conn.each(sql, &[], &mut |r| {
        let item = read(r)?;
        match w.item(&item) {
            Ok(()) => Ok(true),
            Err(e) => {
                failed = Some(e);
                Ok(false)
            }
        }
    })
    .map_err(Error::storage)?;
    if let Some(e) = failed {
        return Err(write_failed(e));
    }
    w.end_section().map_err(write_failed)
}

fn table<T: Table + serde::Serialize>(
    w: &mut JsonWriter<&mut dyn Write>,
    name: &str,
    conn: Conn<'_>,
) -> Result<()> {
    section(
        w,
        name,
        conn,
        &format!("{} ORDER BY id", T::select_sql()),
        |r| T::read(&mut Cols::of(r)),
    )
}
