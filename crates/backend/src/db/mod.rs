//! One way for the store's code to reach either SQL engine: a connection
//! ([`Conn`]) that is an SQLite one or a PostgreSQL one, with rusqlite's shape
//! (`execute`, `query_row`, `query_map`, rows read with `get`), so that a
//! module written against it runs on both.
//!
//! Values cross it as rusqlite's: parameters are `rusqlite::ToSql`, columns are
//! read with `rusqlite::types::FromSql`. On PostgreSQL a parameter is encoded in
//! the type the statement gives it (an integer for a `bigint`, a `double
//! precision` or a `boolean` column alike) and a column is handed over as the
//! value SQLite would have given (`boolean` as 0 or 1, `numeric` as an integer
//! when it has no fraction, text borrowed from the row). Statements are written
//! with `?` or `?N` placeholders; on PostgreSQL they become `$N`.
//!
//! PostgreSQL's calls block the calling thread on the runtime's handle: like
//! SQLite's, they are made on the blocking pool (the store's `read` and
//! `write`), never on an async task.

mod pg;
mod sql;

pub use pg::PgConn;
pub use sql::placeholders_to_dollars;

use rusqlite::ToSql;
use rusqlite::types::{FromSql, ValueRef};

/// A free one of `slots` (connections), trying them from the next in turn, or
/// the next one once it is free. A poisoned lock only means a panic happened
/// while it was held; the connection itself is still usable.
pub(crate) fn any_free<'s, T>(
    slots: &'s [std::sync::Mutex<T>],
    next: &std::sync::atomic::AtomicUsize,
) -> std::sync::MutexGuard<'s, T> {
    let n = slots.len();
    let start = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    for k in 0..n {
        if let Ok(guard) = slots[(start + k) % n].try_lock() {
            return guard;
        }
    }
    slots[start % n].lock().unwrap_or_else(|p| p.into_inner())
}

/// Statements whose answers do not depend on one another, run together: on
/// PostgreSQL as one statement (see [`PgConn::query_together`]), on SQLite one
/// after the other.
/// Each statement's rows are read into a vector, taken back by its [`Slot`].
#[derive(Default)]
pub struct Batch<'q> {
    items: Vec<BatchItem<'q>>,
}

struct BatchItem<'q> {
    sql: String,
    params: Vec<rusqlite::types::Value>,
    sink: Box<dyn Sink + 'q>,
}

/// Where a statement's rows go.
trait Sink {
    fn push(&mut self, row: &Row<'_>) -> rusqlite::Result<()>;
    fn done(self: Box<Self>) -> Box<dyn std::any::Any>;
}

struct Collect<T, F> {
    rows: Vec<T>,
    read: F,
}

impl<T: 'static, F: FnMut(&Row<'_>) -> rusqlite::Result<T>> Sink for Collect<T, F> {
    fn push(&mut self, row: &Row<'_>) -> rusqlite::Result<()> {
        self.rows.push((self.read)(row)?);
        Ok(())
    }
    fn done(self: Box<Self>) -> Box<dyn std::any::Any> {
        Box::new(self.rows)
    }
}

/// The place of one statement's rows in a [`Batch`]'s answers.
pub struct Slot<T>(usize, std::marker::PhantomData<T>);

/// What a [`Batch`] answered, statement by statement.
pub struct Answers(Vec<Option<Box<dyn std::any::Any>>>);

impl Answers {
    /// The rows of the statement at `slot`.
    pub fn take<T: 'static>(&mut self, slot: Slot<T>) -> Vec<T> {
        self.0
            .get_mut(slot.0)
            .and_then(Option::take)
            .and_then(|rows| rows.downcast::<Vec<T>>().ok())
            .map(|rows| *rows)
            .expect("a slot of this batch, taken once")
    }
}

impl<'q> Batch<'q> {
    /// Adds a statement whose every row `read` turns into a `T`.
    pub fn query<T: 'static>(
        &mut self,
        sql: impl Into<String>,
        params: &[&dyn ToSql],
        read: impl FnMut(&Row<'_>) -> rusqlite::Result<T> + 'q,
    ) -> rusqlite::Result<Slot<T>> {
        let params = params
            .iter()
            .map(|p| pg::owned_param(*p))
            .collect::<rusqlite::Result<_>>()?;
        self.items.push(BatchItem {
            sql: sql.into(),
            params,
            sink: Box::new(Collect { rows: vec![], read }),
        });
        Ok(Slot(self.items.len() - 1, std::marker::PhantomData))
    }

    /// Runs every statement on `conn`.
    pub fn run(self, conn: Conn<'_>) -> rusqlite::Result<Answers> {
        let mut answers = Vec::with_capacity(self.items.len());
        match conn {
            Conn::Sqlite(_) => {
                for mut item in self.items {
                    conn.each(&item.sql, &params(&item.params), &mut |row| {
                        item.sink.push(row)?;
                        Ok(true)
                    })?;
                    answers.push(Some(item.sink.done()));
                }
            }
            Conn::Pg(c) => {
                let statements: Vec<(&str, &[rusqlite::types::Value])> = self
                    .items
                    .iter()
                    .map(|i| (i.sql.as_str(), i.params.as_slice()))
                    .collect();
                let results = c.query_together(&statements)?;
                for (mut item, rows) in self.items.into_iter().zip(results) {
                    for row in &rows {
                        item.sink.push(&Row::Json(row))?;
                    }
                    answers.push(Some(item.sink.done()));
                }
            }
        }
        Ok(Answers(answers))
    }
}

/// Values built at run time as a statement's parameters.
pub fn params(values: &[rusqlite::types::Value]) -> Vec<&dyn ToSql> {
    values.iter().map(|v| v as &dyn ToSql).collect()
}

/// Which engine a statement runs on, for the few statements written two ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection of either engine, borrowed.
#[derive(Clone, Copy)]
pub enum Conn<'c> {
    Sqlite(&'c rusqlite::Connection),
    Pg(&'c PgConn),
}

/// A row of either engine's answer.
#[derive(Clone, Copy)]
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Pg(&'r tokio_postgres::Row),
    /// A row of [`PgConn::query_together`]'s: its columns' values.
    Json(&'r [serde_json::Value]),
}

/// A column's place in a row (rusqlite's `get::<_, T>(i)` reads the same here).
pub trait ColumnIndex {
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl<'r> Row<'r> {
    /// Column `i`, converted as rusqlite converts it.
    pub fn get<I: ColumnIndex, T: FromSql>(&self, i: I) -> rusqlite::Result<T> {
        let i = i.index();
        match self {
            Row::Sqlite(r) => r.get(i),
            Row::Pg(_) | Row::Json(_) => {
                let v = self.get_ref(i)?;
                T::column_result(v).map_err(|e| match e {
                    rusqlite::types::FromSqlError::InvalidType => {
                        rusqlite::Error::InvalidColumnType(i, String::new(), v.data_type())
                    }
                    other => {
                        rusqlite::Error::FromSqlConversionFailure(i, v.data_type(), Box::new(other))
                    }
                })
            }
        }
    }

    /// Column `i` as SQLite's value, borrowed from the row.
    pub fn get_ref(&self, i: usize) -> rusqlite::Result<ValueRef<'r>> {
        match *self {
            Row::Sqlite(r) => r.get_ref(i),
            Row::Pg(r) => pg::value_ref(r, i),
            Row::Json(r) => r
                .get(i)
                .ok_or(rusqlite::Error::InvalidColumnIndex(i))
                .and_then(|v| pg::json_value_ref(v, i)),
        }
    }

    /// The name of column `i`.
    pub fn column_name(&self, i: usize) -> Option<&'r str> {
        match *self {
            Row::Sqlite(r) => r.as_ref().column_name(i).ok(),
            Row::Pg(r) => r.columns().get(i).map(|c| c.name()),
            Row::Json(_) => None,
        }
    }
}

impl Dialect {
    /// A condition: the flag (0 or 1) in `column` is set. SQLite's is the bare
    /// column, as its partial indexes are written; PostgreSQL's flags are integers
    /// and want a comparison.
    pub fn is_set(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_string(),
            Dialect::Postgres => format!("{column} <> 0"),
        }
    }

    /// A condition: text `column` equals the placeholder's text, letter case
    /// aside (SQLite's NOCASE: ASCII; PostgreSQL's `lower`: every letter).
    pub fn eq_nocase(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{column} = ? COLLATE NOCASE"),
            Dialect::Postgres => format!("lower({column}) = lower(?)"),
        }
    }

    /// A condition: text `column` matches the placeholder's LIKE pattern (with
    /// `\` as its escape), letter case aside.
    pub fn like(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{column} LIKE ? ESCAPE '\\'"),
            Dialect::Postgres => format!("{column} ILIKE ? ESCAPE '\\'"),
        }
    }

    /// Text `column` as an ORDER BY term, letter case aside.
    pub fn nocase(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{column} COLLATE NOCASE"),
            Dialect::Postgres => format!("lower({column})"),
        }
    }

    /// `coalesce(column, 1e9)` (`-1e9` unless `high`): a missing value put past
    /// any bound, as the accounts' sort indexes are written. `real`: a double
    /// column (PostgreSQL's indexes spell the constant in the column's type).
    pub fn or_far(self, column: &str, high: bool, real: bool) -> String {
        let sign = if high { "" } else { "-" };
        match (self, real) {
            (Dialect::Sqlite, _) => format!("coalesce({column}, {sign}1e9)"),
            (Dialect::Postgres, true) => format!("coalesce({column}, {sign}1e9::float8)"),
            (Dialect::Postgres, false) => format!("coalesce({column}, {sign}1000000000)"),
        }
    }

    /// A condition: the JSON array of text in `column` holds `value` (an SQL
    /// expression, a placeholder), letter case aside (ASCII, as SQLite's NOCASE).
    pub fn json_array_has(self, column: &str, value: &str) -> String {
        match self {
            Dialect::Sqlite => format!(
                "EXISTS (SELECT 1 FROM json_each({column}) WHERE lower(value) = lower({value}))"
            ),
            Dialect::Postgres => format!(
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(({column})::jsonb) AS e(value) \
                 WHERE lower(e.value) = lower({value}))"
            ),
        }
    }

    /// A condition: the JSON array of ids in `column` holds the id `value`.
    pub fn json_array_has_id(self, column: &str, value: &str) -> String {
        match self {
            Dialect::Sqlite => {
                format!("EXISTS (SELECT 1 FROM json_each({column}) WHERE value = {value})")
            }
            Dialect::Postgres => format!(
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(({column})::jsonb) AS e(value) \
                 WHERE e.value::bigint = {value})"
            ),
        }
    }

    /// The rows of the JSON array of ids in `column`, as a table `alias` with
    /// a column `value` (to join on).
    pub fn json_ids(self, column: &str, alias: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_each({column}) {alias}"),
            Dialect::Postgres => format!(
                "(SELECT e.value::bigint AS value \
                 FROM jsonb_array_elements_text(({column})::jsonb) AS e(value)) {alias}"
            ),
        }
    }
}

impl<'c> From<&'c rusqlite::Connection> for Conn<'c> {
    fn from(c: &'c rusqlite::Connection) -> Conn<'c> {
        Conn::Sqlite(c)
    }
}

impl<'c> From<&'c rusqlite::Transaction<'_>> for Conn<'c> {
    fn from(tx: &'c rusqlite::Transaction<'_>) -> Conn<'c> {
        Conn::Sqlite(tx)
    }
}

impl<'c> From<&'c PgConn> for Conn<'c> {
    fn from(c: &'c PgConn) -> Conn<'c> {
        Conn::Pg(c)
    }
}

impl<'c> Conn<'c> {
    /// Runs `f` in one read transaction that sees one snapshot throughout.
    pub fn snapshot<T>(&self, f: impl FnOnce(Conn<'_>) -> crate::Result<T>) -> crate::Result<T> {
        match *self {
            Conn::Sqlite(c) => {
                let tx = c.unchecked_transaction().map_err(crate::Error::storage)?;
                f(Conn::Sqlite(&tx))
            }
            Conn::Pg(c) => c.snapshot(|c| f(Conn::Pg(c))),
        }
    }

    /// The SQLite connection, for what only the store file does (its bulk
    /// loads, its pragmas); refused on PostgreSQL, naming `what`.
    pub fn sqlite(&self, what: &str) -> crate::Result<&'c rusqlite::Connection> {
        match *self {
            Conn::Sqlite(c) => Ok(c),
            Conn::Pg(_) => Err(crate::Error::invalid(
                "store",
                format!("{what} is not available on a PostgreSQL store yet"),
            )),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Pg(_) => Dialect::Postgres,
        }
    }

    /// Runs a statement; answers how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn ToSql]) -> rusqlite::Result<usize> {
        match self {
            Conn::Sqlite(c) => c.prepare_cached(sql)?.execute(params),
            Conn::Pg(c) => c.execute(sql, params),
        }
    }

    /// Runs statements with no parameters, one after the other.
    pub fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql),
            Conn::Pg(c) => c.execute_batch(sql),
        }
    }

    /// The first row's value made by `f`; `QueryReturnedNoRows` without one.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let mut f = Some(f);
        let mut out = None;
        self.each(sql, params, &mut |row| {
            if let Some(f) = f.take() {
                out = Some(f(row)?);
            }
            Ok(false)
        })?;
        out.ok_or(rusqlite::Error::QueryReturnedNoRows)
    }

    /// Every row's value made by `f`, in order.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Vec<T>> {
        let mut out = vec![];
        self.each(sql, params, &mut |row| {
            out.push(f(row)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Hands each row to `f` until it answers false.
    pub fn each(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        f: &mut dyn FnMut(&Row<'_>) -> rusqlite::Result<bool>,
    ) -> rusqlite::Result<()> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(params)?;
                while let Some(row) = rows.next()? {
                    if !f(&Row::Sqlite(row))? {
                        break;
                    }
                }
                Ok(())
            }
            Conn::Pg(c) => {
                for row in c.query(sql, params)? {
                    if !f(&Row::Pg(&row))? {
                        break;
                    }
                }
                Ok(())
            }
        }
    }
}
