//! One file per table: how each record maps to its row.

mod accounts;
mod activity;
mod commercial;
mod finance;
mod success;
mod support;
mod work;

use rusqlite::ToSql;
use serde::Serialize;

use super::codec::{Cols, Params};
use crate::db::{Batch, Conn, Slot};
use crate::{Error, Result};
use rusqlite::OptionalExtension;
use tend_domain::*;

/// The six bookkeeping columns every record table starts with.
pub(crate) const COMMON: &str = "id, version, created_at, updated_at, source, external_id";

/// A reference from a record to another, checked before a write.
pub(crate) struct Ref {
    pub field: &'static str,
    pub kind: EntityKind,
    pub id: Id,
}

/// How one kind of record maps to its table.
pub(crate) trait Table: RecordMeta + Check + Serialize + Clone + Send + 'static {
    const TABLE: &'static str;
    /// The record's own columns, after [`COMMON`].
    const COLUMNS: &'static [&'static str];
    /// Binds the record's own columns in [`Table::COLUMNS`] order.
    fn bind<'a>(&'a self, p: &mut Params<'a>);
    /// Reads a whole row (common columns first).
    fn read(c: &mut Cols) -> rusqlite::Result<Self>;
    /// Other records this one points at.
    fn references(&self) -> Vec<Ref> {
        self.account_id()
            .filter(|_| Self::KIND != EntityKind::Account)
            .map(|id| Ref {
                field: "account_id",
                kind: EntityKind::Account,
                id,
            })
            .into_iter()
            .collect()
    }
    /// Whether the records this one points at (besides its account) must belong to
    /// its account (an objective's plan, a KPI's objective).
    fn same_account(&self) -> bool {
        false
    }
    fn into_record(self) -> Record;
    /// For the checks that span records (contacts of the same account).
    fn as_interaction(&self) -> Option<&Interaction> {
        None
    }
    /// For the checks that span records (one state per playbook step).
    fn as_run(&self) -> Option<&PlaybookRun> {
        None
    }
    /// For the checks that span records (parent loops).
    fn as_account(&self) -> Option<&Account> {
        None
    }
    /// For the rules that span records (a contract is renewed once).
    fn as_agreement(&self) -> Option<&Agreement> {
        None
    }

    fn select_sql() -> String {
        format!(
            "SELECT {COMMON}, {} FROM {}",
            Self::COLUMNS.join(", "),
            Self::TABLE
        )
    }
    fn insert_sql() -> String {
        let n = 6 + Self::COLUMNS.len();
        format!(
            "INSERT INTO {} ({COMMON}, {}) VALUES ({})",
            Self::TABLE,
            Self::COLUMNS.join(", "),
            vec!["?"; n].join(", ")
        )
    }
    fn update_sql() -> String {
        let sets: Vec<String> = ["version", "updated_at", "source", "external_id"]
            .iter()
            .chain(Self::COLUMNS.iter())
            .map(|c| format!("{c} = ?"))
            .collect();
        format!(
            "UPDATE {} SET {} WHERE id = ? AND version = ?",
            Self::TABLE,
            sets.join(", ")
        )
    }
    fn insert_params(&self) -> Params<'_> {
        let mut p = Params::default();
        p.int(self.id())
            .int(self.version())
            .ts(&self.created_at())
            .ts(&self.updated_at_())
            .name(self.source_())
            .opt_text(self.external_id_());
        self.bind(&mut p);
        p
    }
    fn update_params(&self, expected_version: i64) -> Params<'_> {
        let mut p = Params::default();
        p.int(self.version())
            .ts(&self.updated_at_())
            .name(self.source_())
            .opt_text(self.external_id_());
        self.bind(&mut p);
        p.int(self.id()).int(expected_version);
        p
    }
    fn updated_at_(&self) -> Timestamp;
    fn source_(&self) -> Source;
    fn external_id_(&self) -> Option<&str>;
}

/// Implements the plumbing part of [`Table`] for a record type.
macro_rules! table_plumbing {
    ($ty:ident) => {
        fn into_record(self) -> Record {
            Record::$ty(self)
        }
        fn updated_at_(&self) -> Timestamp {
            self.updated_at
        }
        fn source_(&self) -> Source {
            self.source
        }
        fn external_id_(&self) -> Option<&str> {
            self.external_id.as_deref()
        }
    };
}
pub(crate) use table_plumbing;

/// The statements of every write and read by id, made once per table (a load
/// writes tens of thousands of records one by one).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Sql {
    GetById,
    Insert,
    Update,
}

pub(crate) fn sql_of<T: Table>(which: Sql) -> &'static str {
    let name = match which {
        Sql::GetById => "get by id",
        Sql::Insert => "insert",
        Sql::Update => "update",
    };
    cached_sql((T::TABLE, name), || match which {
        Sql::GetById => format!("{} WHERE id = ?", T::select_sql()),
        Sql::Insert => T::insert_sql(),
        Sql::Update => T::update_sql(),
    })
}

/// A statement built once for the life of the process, by its table and what it
/// does (the statements are few: one of each per table).
pub(crate) fn cached_sql(
    key: (&'static str, &'static str),
    make: impl FnOnce() -> String,
) -> &'static str {
    type Made = std::collections::HashMap<(&'static str, &'static str), &'static str>;
    static MADE: std::sync::RwLock<Option<Made>> = std::sync::RwLock::new(None);
    if let Some(sql) = MADE
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|m| m.get(&key))
    {
        return sql;
    }
    let sql = make();
    let mut made = MADE.write().unwrap_or_else(|e| e.into_inner());
    made.get_or_insert_with(Default::default)
        .entry(key)
        .or_insert_with(|| sql.leak())
}

/// Reads one record by id.
pub(crate) fn get<'c, T: Table>(conn: impl Into<Conn<'c>>, id: Id) -> Result<T> {
    conn.into()
        .query_row(sql_of::<T>(Sql::GetById), &[&id], |r| {
            T::read(&mut Cols::of(r))
        })
        .optional()
        .map_err(Error::storage)?
        .ok_or(Error::NotFound { kind: T::KIND, id })
}

/// Reads the records matching a WHERE clause (with its ORDER BY and LIMIT),
/// on either engine.
pub(crate) fn select_in<T: Table>(
    conn: Conn<'_>,
    clause: &str,
    params: &[&dyn ToSql],
) -> Result<Vec<T>> {
    let sql = format!("{} {clause}", T::select_sql());
    conn.query_map(&sql, params, |r| T::read(&mut Cols::of(r)))
        .map_err(Error::storage)
}

/// [`select_in`] as one statement of a batch.
pub(crate) fn select_into<T: Table>(
    batch: &mut Batch<'_>,
    clause: &str,
    params: &[&dyn ToSql],
) -> Result<Slot<T>> {
    batch
        .query(format!("{} {clause}", T::select_sql()), params, |r| {
            T::read(&mut Cols::of(r))
        })
        .map_err(Error::storage)
}

/// Inserts a record; one without an id (0) gets the next one. Returns its id.
pub(crate) fn insert<'c, T: Table>(conn: impl Into<Conn<'c>>, record: &T) -> Result<Id> {
    let conn = conn.into();
    let mut p: Params = record.insert_params();
    let new_id = record.id() <= 0;
    if new_id {
        // DEFAULT: the next id (SQLite's rowid, PostgreSQL's identity).
        p.0.remove(0);
    }
    let params = p.refs();
    if new_id {
        return conn
            .query_row(
                cached_sql((T::TABLE, "insert with a new id"), || {
                    let n = 5 + T::COLUMNS.len();
                    format!(
                        "INSERT INTO {} ({}, {}) VALUES ({}) RETURNING id",
                        T::TABLE,
                        COMMON.trim_start_matches("id, "),
                        T::COLUMNS.join(", "),
                        vec!["?"; n].join(", ")
                    )
                }),
                &params,
                |r| r.get(0),
            )
            .map_err(Error::storage);
    }
    conn.execute(sql_of::<T>(Sql::Insert), &params)
        .map_err(Error::storage)?;
    // SQLite's next id follows the largest; a PostgreSQL identity does not see
    // ids given to it, and would hand this one out again: moved past it.
    if conn.dialect() == crate::db::Dialect::Postgres {
        conn.query_row(
            cached_sql((T::TABLE, "identity past the ids given"), || {
                format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT max(id) FROM {0}))",
                    T::TABLE
                )
            }),
            &[],
            |r| r.get::<_, i64>(0),
        )
        .map_err(Error::storage)?;
    }
    Ok(record.id())
}

/// The table of a kind of record.
pub(crate) fn table_of(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Account => Account::TABLE,
        EntityKind::Contact => Contact::TABLE,
        EntityKind::Interaction => Interaction::TABLE,
        EntityKind::SupportCase => SupportCase::TABLE,
        EntityKind::Agreement => Agreement::TABLE,
        EntityKind::Opportunity => Opportunity::TABLE,
        EntityKind::Project => Project::TABLE,
        EntityKind::Task => Task::TABLE,
        EntityKind::Playbook => Playbook::TABLE,
        EntityKind::PlaybookRun => PlaybookRun::TABLE,
        EntityKind::NpsResponse => NpsResponse::TABLE,
        EntityKind::Document => Document::TABLE,
        EntityKind::Alert => Alert::TABLE,
        EntityKind::Summary => Summary::TABLE,
        EntityKind::SuccessPlan => SuccessPlan::TABLE,
        EntityKind::Objective => Objective::TABLE,
        EntityKind::Kpi => Kpi::TABLE,
        EntityKind::BusinessChallenge => BusinessChallenge::TABLE,
        EntityKind::Invoice => Invoice::TABLE,
        EntityKind::Payment => Payment::TABLE,
    }
}

/// Reads any record by kind and id.
pub(crate) fn get_record<'c>(
    conn: impl Into<Conn<'c>>,
    kind: EntityKind,
    id: Id,
) -> Result<Record> {
    let conn = conn.into();
    Ok(match kind {
        EntityKind::Account => get::<Account>(conn, id)?.into_record(),
        EntityKind::Contact => get::<Contact>(conn, id)?.into_record(),
        EntityKind::Interaction => get::<Interaction>(conn, id)?.into_record(),
        EntityKind::SupportCase => get::<SupportCase>(conn, id)?.into_record(),
        EntityKind::Agreement => get::<Agreement>(conn, id)?.into_record(),
        EntityKind::Opportunity => get::<Opportunity>(conn, id)?.into_record(),
        EntityKind::Project => get::<Project>(conn, id)?.into_record(),
        EntityKind::Task => get::<Task>(conn, id)?.into_record(),
        EntityKind::Playbook => get::<Playbook>(conn, id)?.into_record(),
        EntityKind::PlaybookRun => get::<PlaybookRun>(conn, id)?.into_record(),
        EntityKind::NpsResponse => get::<NpsResponse>(conn, id)?.into_record(),
        EntityKind::Document => get::<Document>(conn, id)?.into_record(),
        EntityKind::Alert => get::<Alert>(conn, id)?.into_record(),
        EntityKind::Summary => get::<Summary>(conn, id)?.into_record(),
        EntityKind::SuccessPlan => get::<SuccessPlan>(conn, id)?.into_record(),
        EntityKind::Objective => get::<Objective>(conn, id)?.into_record(),
        EntityKind::Kpi => get::<Kpi>(conn, id)?.into_record(),
        EntityKind::BusinessChallenge => get::<BusinessChallenge>(conn, id)?.into_record(),
        EntityKind::Invoice => get::<Invoice>(conn, id)?.into_record(),
        EntityKind::Payment => get::<Payment>(conn, id)?.into_record(),
    })
}

/// Reads the six common columns into a tuple-like struct.
pub(crate) struct CommonCols {
    pub id: Id,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub source: Source,
    pub external_id: Option<String>,
}

impl CommonCols {
    pub(crate) fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(CommonCols {
            id: c.get()?,
            version: c.get()?,
            created_at: c.ts()?,
            updated_at: c.ts()?,
            source: c.parse()?,
            external_id: c.get()?,
        })
    }
}

/// Builds a record struct from its common columns and its own fields.
macro_rules! record {
    ($ty:ident, $m:expr, { $($field:ident : $value:expr),* $(,)? }) => {{
        let m = $m;
        $ty {
            id: m.id,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            source: m.source,
            external_id: m.external_id,
            $($field: $value),*
        }
    }};
}
pub(crate) use record;

/// The columns of a table prefixed with an alias, for joins.
pub(crate) fn columns_with<T: Table>(alias: &str) -> String {
    COMMON
        .split(", ")
        .chain(T::COLUMNS.iter().copied())
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}
