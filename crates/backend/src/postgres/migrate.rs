//! Moving an embedded store into PostgreSQL (`tend migrate`): every table copied
//! in one transaction on each side (one consistent read of the file, one write
//! that commits whole or not at all), streamed with COPY (memory holds a row,
//! not a table), row counts checked before the commit.

use std::path::Path;
use std::pin::pin;
use std::time::{Duration, Instant};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Transaction};

use super::{describe, migrate, storage};
use crate::{Error, Result};

/// The tables copied (their references are checked once all are in). The
/// FTS5 index is not: PostgreSQL's search column is computed from the
/// interactions.
const TABLES: &[&str] = &[
    "store_meta",
    "accounts",
    "contacts",
    "interactions",
    "support_cases",
    "agreements",
    "opportunities",
    "projects",
    "alerts",
    "tasks",
    "playbooks",
    "playbook_runs",
    "nps_responses",
    "documents",
    "summaries",
    "change_log",
    "usage",
    "health_snapshots",
    "api_tokens",
    "external_ids",
    "source_events",
    "success_plans",
    "objectives",
    "kpis",
    "business_challenges",
    "deliveries",
    "delivery_attempts",
    "invoices",
    "payments",
    "ssh_keys",
    "leases",
];

/// The rows of `store_meta` that are the database's own, not the store's: its
/// schema version, and a bulk load's marker.
pub(crate) const OWN_META: &str = "key NOT IN ('schema_version', 'bulk_load')";

/// One table's rows, in the file and in the database after the copy.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableCount {
    pub table: String,
    pub rows: u64,
}

/// What a migration moved.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrateReport {
    pub tables: Vec<TableCount>,
    /// Files attached to documents, copied into the database.
    pub files: u64,
    pub file_bytes: u64,
    #[serde(skip)]
    pub took: Duration,
}

impl MigrateReport {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// A column of a table: its name and the type PostgreSQL keeps it in.
struct Column {
    name: String,
    ty: Type,
}

/// Copies the store file at `file` into the PostgreSQL database at `url`, which
/// must hold no store yet (its schema is created when missing). The file must
/// be at this tend's schema (any tend command opening it upgrades it).
/// `progress` is told each table as it is done.
pub async fn copy_from_sqlite(
    file: &Path,
    url: &str,
    mut progress: impl FnMut(&TableCount),
) -> Result<MigrateReport> {
    let started = Instant::now();
    if !file.exists() {
        return Err(Error::invalid(
            "--from",
            format!("{}: no such store file", file.display()),
        ));
    }
    let source = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::invalid("--from", format!("{}: {e}", file.display())))?;
    let version: i64 = source
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| Error::invalid("--from", format!("{}: {e}", file.display())))?;
    let wanted = crate::sqlite::SCHEMA_VERSION;
    if version != wanted {
        return Err(Error::invalid(
            "--from",
            format!(
                "{} is at schema version {version}, this tend's is {wanted}: {}",
                file.display(),
                if version < wanted {
                    "open it once with this tend (for example `tend --db FILE accounts`) to upgrade it, then migrate"
                } else {
                    "it was written by a newer tend"
                }
            ),
        ));
    }
    // A table this build does not copy would be lost: refused.
    let mut stmt = source
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'interactions\\_fts%' ESCAPE '\\'",
        )
        .map_err(Error::storage)?;
    let in_file: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(Error::storage)?;
    drop(stmt);
    if let Some(unknown) = in_file.iter().find(|t| !TABLES.contains(&t.as_str())) {
        return Err(Error::invalid(
            "--from",
            format!(
                "{} has a table this tend does not move to PostgreSQL ({unknown}): nothing was copied",
                file.display()
            ),
        ));
    }
    // One read transaction: a server still writing to the file does not tear the copy.
    source
        .execute_batch("BEGIN")
        .map_err(|e| Error::storage(format!("{}: {e}", file.display())))?;

    let mut client = super::connect(url).await?;
    migrate(&mut client).await?;
    refuse_a_store(&client, url, "--to").await?;

    let (tables, files, file_bytes) = copy_all(&source, file, &mut client, &mut progress)
        .await
        .map_err(|e| match e {
            Error::Storage { message } => {
                Error::storage(format!("{message}; no store data was written"))
            }
            other => other,
        })?;
    let _ = source.execute_batch("COMMIT");
    Ok(MigrateReport {
        tables,
        files,
        file_bytes,
        took: started.elapsed(),
    })
}

/// Every table and the files, in one transaction of the database's.
async fn copy_all(
    source: &Connection,
    file: &Path,
    client: &mut Client,
    progress: &mut impl FnMut(&TableCount),
) -> Result<(Vec<TableCount>, u64, u64)> {
    let tx = client.transaction().await.map_err(storage)?;
    tx.batch_execute("SET LOCAL maintenance_work_mem = '256MB'")
        .await
        .map_err(storage)?;
    // Only the store's own tables (others may share the schema).
    let ours: Vec<&str> = TABLES.iter().copied().chain(["files"]).collect();
    // The indexes are built and the references checked once the rows are in
    // (a pass each, several times faster than keeping them up row by row); in
    // the same transaction, so a failed copy leaves them as they were.
    let references: Vec<(String, String, String)> = tx
        .query(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
             FROM pg_constraint c
             WHERE c.contype = 'f' AND c.connamespace = to_regnamespace(current_schema())
               AND c.conrelid::regclass::text = ANY($1)",
            &[&ours],
        )
        .await
        .map_err(storage)?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (table, name, _) in &references {
        tx.batch_execute(&format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""))
            .await
            .map_err(storage)?;
    }
    let indexes: Vec<(String, String)> = tx
        .query(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i
             WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                               WHERE c.conname = i.indexname
                                 AND c.connamespace = to_regnamespace(current_schema()))",
            &[&ours],
        )
        .await
        .map_err(storage)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (name, _) in &indexes {
        tx.batch_execute(&format!("DROP INDEX \"{name}\""))
            .await
            .map_err(storage)?;
    }
    let mut tables = Vec::with_capacity(TABLES.len());
    for &table in TABLES {
        let rows = copy_table(source, &tx, table).await?;
        let count = TableCount {
            table: table.to_string(),
            rows,
        };
        progress(&count);
        tables.push(count);
    }
    let (files, file_bytes) = copy_files(source, file, &tx).await?;
    for (_, definition) in &indexes {
        tx.batch_execute(definition).await.map_err(storage)?;
    }
    for (table, name, definition) in &references {
        tx.batch_execute(&format!(
            "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}"
        ))
        .await
        .map_err(|e| Error::storage(format!("{table}: {}", describe(&e))))?;
    }
    // Identities go on after the ids copied.
    for &table in TABLES {
        let has_identity: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1)
                                AND attname = 'id' AND attidentity <> '')",
                &[&table],
            )
            .await
            .map_err(storage)?
            .get(0);
        if has_identity {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                ),
                &[],
            )
            .await
            .map_err(storage)?;
        }
    }
    check_counts(&tx, &tables).await?;
    tx.commit().await.map_err(|e| {
        Error::storage(format!(
            "the copy was refused at its commit: {}",
            describe(&e)
        ))
    })?;
    Ok((tables, files, file_bytes))
}

/// Refuses, as `flag` (the option that named it), a database that holds a
/// store already; gives it the schema otherwise.
pub async fn refuse_unless_empty(url: &str, flag: &str) -> Result<()> {
    let mut client = super::connect(url).await?;
    migrate(&mut client).await?;
    refuse_a_store(&client, url, flag).await
}

/// A database already holding a store is not written over.
async fn refuse_a_store(client: &Client, url: &str, flag: &str) -> Result<()> {
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM change_log),
                    (SELECT count(*) FROM api_tokens)",
            &[],
        )
        .await
        .map_err(storage)?;
    let (accounts, changes, tokens): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    if accounts + changes + tokens > 0 {
        return Err(Error::invalid(
            flag,
            format!(
                "{} already holds a store ({accounts} accounts, {changes} changes, {tokens} tokens): \
                 only an empty database is filled",
                super::redact_url(url)
            ),
        ));
    }
    Ok(())
}

/// The columns of `table` both sides have, in the file's order; a column on one
/// side only (a schema mismatch) is refused.
async fn columns(source: &Connection, tx: &Transaction<'_>, table: &str) -> Result<Vec<Column>> {
    let mut stmt = source
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .map_err(Error::storage)?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(Error::storage)?;
    let rows = tx
        .query(
            "SELECT a.attname, a.atttypid FROM pg_attribute a
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attgenerated = ''",
            &[&table],
        )
        .await
        .map_err(storage)?;
    let target: Vec<(String, Type)> = rows
        .iter()
        .map(|r| {
            let oid: u32 = r.get(1);
            (
                r.get::<_, String>(0),
                Type::from_oid(oid).unwrap_or(Type::TEXT),
            )
        })
        .collect();
    if names.is_empty() {
        return Err(Error::storage(format!(
            "the store file has no table {table}"
        )));
    }
    let mut out = Vec::with_capacity(names.len());
    for name in &names {
        let Some((_, ty)) = target.iter().find(|(n, _)| n == name) else {
            return Err(Error::storage(format!(
                "{table}.{name} is in the store file but not in the database's schema"
            )));
        };
        out.push(Column {
            name: name.clone(),
            ty: ty.clone(),
        });
    }
    if let Some((name, _)) = target.iter().find(|(n, _)| !names.contains(n)) {
        return Err(Error::storage(format!(
            "{table}.{name} is in the database's schema but not in the store file"
        )));
    }
    Ok(out)
}

/// A value of the file, as the database's column takes it.
fn value(
    table: &str,
    column: &Column,
    row: i64,
    v: ValueRef<'_>,
) -> Result<Box<dyn ToSql + Sync + Send>> {
    let mismatch = |what: &str| {
        Error::storage(format!(
            "{table} row {row}, column {}: {what} where PostgreSQL keeps {}",
            column.name, column.ty
        ))
    };
    Ok(match (v, &column.ty) {
        (ValueRef::Null, ty) if *ty == Type::INT8 => Box::new(None::<i64>),
        (ValueRef::Null, ty) if *ty == Type::FLOAT8 => Box::new(None::<f64>),
        (ValueRef::Null, ty) if *ty == Type::BYTEA => Box::new(None::<Vec<u8>>),
        (ValueRef::Null, _) => Box::new(None::<String>),
        (ValueRef::Integer(i), ty) if *ty == Type::INT8 => Box::new(i),
        (ValueRef::Integer(i), ty) if *ty == Type::FLOAT8 => Box::new(i as f64),
        (ValueRef::Real(f), ty) if *ty == Type::FLOAT8 => Box::new(f),
        (ValueRef::Text(t), ty) if *ty == Type::TEXT => Box::new(
            std::str::from_utf8(t)
                .map_err(|_| mismatch("text that is not UTF-8"))?
                .to_string(),
        ),
        (ValueRef::Blob(b), ty) if *ty == Type::BYTEA => Box::new(b.to_vec()),
        (ValueRef::Integer(_), _) => return Err(mismatch("an integer")),
        (ValueRef::Real(_), _) => return Err(mismatch("a real")),
        (ValueRef::Text(_), _) => return Err(mismatch("text")),
        (ValueRef::Blob(_), _) => return Err(mismatch("a blob")),
    })
}

/// Copies one table with COPY (binary), row by row as the file gives them.
async fn copy_table(source: &Connection, tx: &Transaction<'_>, table: &str) -> Result<u64> {
    let columns = columns(source, tx, table).await?;
    let list = columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let types: Vec<Type> = columns.iter().map(|c| c.ty.clone()).collect();
    // The schema version is the database's own; a bulk load's marker is not a store's state.
    let only = if table == "store_meta" {
        format!(" WHERE {OWN_META}")
    } else {
        String::new()
    };
    let mut stmt = source
        .prepare(&format!("SELECT rowid, {list} FROM \"{table}\"{only}"))
        .or_else(|_| source.prepare(&format!("SELECT 0, {list} FROM \"{table}\"{only}")))
        .map_err(Error::storage)?;
    let mut rows = stmt.query([]).map_err(Error::storage)?;
    let sink = tx
        .copy_in(&format!("COPY \"{table}\" ({list}) FROM STDIN BINARY"))
        .await
        .map_err(storage)?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    let mut copied = 0u64;
    while let Some(row) = rows.next().map_err(Error::storage)? {
        let rowid: i64 = row.get(0).unwrap_or(0);
        let mut values = Vec::with_capacity(columns.len());
        for (i, column) in columns.iter().enumerate() {
            let v = row.get_ref(i + 1).map_err(Error::storage)?;
            values.push(value(table, column, rowid, v)?);
        }
        let refs: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        writer
            .as_mut()
            .write(&refs)
            .await
            .map_err(|e| Error::storage(format!("{table}: {}", describe(&e))))?;
        copied += 1;
    }
    writer
        .finish()
        .await
        .map_err(|e| Error::storage(format!("{table}: {}", describe(&e))))?;
    Ok(copied)
}

/// Copies the files the documents name from the file store beside the store
/// file. A document naming a file that is not there is refused: the copy would
/// lose it.
async fn copy_files(source: &Connection, file: &Path, tx: &Transaction<'_>) -> Result<(u64, u64)> {
    let store = crate::sqlite::FileStore::beside(file);
    let mut stmt = source
        .prepare("SELECT DISTINCT file_sha256 FROM documents WHERE file_sha256 IS NOT NULL")
        .map_err(Error::storage)?;
    let hashes: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(Error::storage)?;
    let insert = tx
        .prepare("INSERT INTO files (sha256, bytes) VALUES ($1, $2)")
        .await
        .map_err(storage)?;
    let (mut count, mut bytes) = (0u64, 0u64);
    for sha in hashes {
        let content = store.read(&sha).map_err(|e| {
            Error::storage(format!(
                "a document's file {sha} is not in the file store beside {}: {e}",
                file.display()
            ))
        })?;
        bytes += content.len() as u64;
        tx.execute(&insert, &[&sha, &content])
            .await
            .map_err(storage)?;
        count += 1;
    }
    Ok((count, bytes))
}

/// Every table holds as many rows as the file gave it.
async fn check_counts(tx: &Transaction<'_>, tables: &[TableCount]) -> Result<()> {
    for t in tables {
        let n: i64 = tx
            .query_one(
                &format!(
                    "SELECT count(*) FROM \"{}\"{}",
                    t.table,
                    if t.table == "store_meta" {
                        format!(" WHERE {OWN_META}")
                    } else {
                        String::new()
                    }
                ),
                &[],
            )
            .await
            .map_err(storage)?
            .get(0);
        if n as u64 != t.rows {
            return Err(Error::storage(format!(
                "{}: {} rows copied but {n} in the database",
                t.table, t.rows
            )));
        }
    }
    Ok(())
}
