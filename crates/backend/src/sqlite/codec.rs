//! Conversions between domain values and SQLite columns.
//!
//! Instants are stored as UTC milliseconds, dates as days from the common era,
//! enums as their stable names, nested values as JSON text.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rusqlite::types::{FromSql, ToSqlOutput, Type, Value, ValueRef};
use serde::Serialize;
use serde::de::DeserializeOwned;

use tend_domain::{Named, Timestamp};

pub(crate) fn ts(t: &Timestamp) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ts(ms: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Drops sub-millisecond precision, so a record reads back equal to what was written.
pub(crate) fn trunc(t: Timestamp) -> Timestamp {
    from_ts(ts(&t))
}

pub(crate) fn day(d: &NaiveDate) -> i64 {
    d.num_days_from_ce() as i64
}

pub(crate) fn from_day(n: i64) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n as i32).unwrap_or_default()
}

fn conversion(i: usize, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, Type::Text, e.to_string().into())
}

/// Reads the columns of a row, of either engine, in order.
pub(crate) struct Cols<'a> {
    row: crate::db::Row<'a>,
    i: usize,
}

impl<'a> Cols<'a> {
    /// Reads a row of the connection type (either engine's).
    pub(crate) fn of(row: &crate::db::Row<'a>) -> Self {
        Cols { row: *row, i: 0 }
    }
    /// Passes over a column read another way (borrowed from the row).
    pub(crate) fn skip(&mut self) {
        self.i += 1;
    }
    pub(crate) fn get<T: FromSql>(&mut self) -> rusqlite::Result<T> {
        let v = self.row.get(self.i);
        self.i += 1;
        v
    }
    pub(crate) fn ts(&mut self) -> rusqlite::Result<Timestamp> {
        Ok(from_ts(self.get()?))
    }
    pub(crate) fn opt_ts(&mut self) -> rusqlite::Result<Option<Timestamp>> {
        Ok(self.get::<Option<i64>>()?.map(from_ts))
    }
    pub(crate) fn day(&mut self) -> rusqlite::Result<NaiveDate> {
        Ok(from_day(self.get()?))
    }
    pub(crate) fn opt_day(&mut self) -> rusqlite::Result<Option<NaiveDate>> {
        Ok(self.get::<Option<i64>>()?.map(from_day))
    }
    /// The next column's text, borrowed from the row (none when NULL): millions of
    /// rows are read for a recompute, and a named value or a JSON column is parsed
    /// from the text without a copy of it first.
    fn text(&mut self) -> rusqlite::Result<Option<&'a str>> {
        let i = self.i;
        self.i += 1;
        match self.row.get_ref(i)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(Some)
                .map_err(|e| rusqlite::Error::Utf8Error(i, e)),
            other => Err(self.wrong_type(i, other.data_type())),
        }
    }
    fn wrong_type(&self, i: usize, found: Type) -> rusqlite::Error {
        let name = self.row.column_name(i).unwrap_or("?").to_string();
        rusqlite::Error::InvalidColumnType(i, name, found)
    }
    pub(crate) fn parse<T: FromStr<Err = String>>(&mut self) -> rusqlite::Result<T> {
        let i = self.i;
        match self.text()? {
            Some(s) => s.parse().map_err(|e| conversion(i, e)),
            None => Err(self.wrong_type(i, Type::Null)),
        }
    }
    /// An optional named value; a name this build does not know reads as none
    /// (derived columns are recomputed, not trusted).
    pub(crate) fn opt_parse<T: FromStr>(&mut self) -> rusqlite::Result<Option<T>> {
        Ok(self.text()?.and_then(|s| s.parse().ok()))
    }
    pub(crate) fn json<T: DeserializeOwned>(&mut self) -> rusqlite::Result<T> {
        let i = self.i;
        match self.text()? {
            Some(s) => serde_json::from_str(s).map_err(|e| conversion(i, e)),
            None => Err(self.wrong_type(i, Type::Null)),
        }
    }
}

/// Builds the parameters of a statement in column order. Text is borrowed from the
/// record, so binding a row copies nothing the statement does not need.
#[derive(Default)]
pub(crate) struct Params<'a>(pub(crate) Vec<ToSqlOutput<'a>>);

impl<'a> Params<'a> {
    /// The values as a statement's parameters.
    pub(crate) fn refs(&self) -> Vec<&dyn rusqlite::ToSql> {
        self.0.iter().map(|v| v as &dyn rusqlite::ToSql).collect()
    }
    fn push(&mut self, v: Value) -> &mut Self {
        self.0.push(ToSqlOutput::Owned(v));
        self
    }
    pub(crate) fn int(&mut self, v: i64) -> &mut Self {
        self.push(Value::Integer(v))
    }
    pub(crate) fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        self.push(v.map_or(Value::Null, Value::Integer))
    }
    pub(crate) fn real(&mut self, v: f64) -> &mut Self {
        self.push(Value::Real(v))
    }
    pub(crate) fn null(&mut self) -> &mut Self {
        self.push(Value::Null)
    }
    pub(crate) fn text(&mut self, v: &'a str) -> &mut Self {
        self.0
            .push(ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())));
        self
    }
    pub(crate) fn opt_text(&mut self, v: Option<&'a str>) -> &mut Self {
        match v {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }
    pub(crate) fn bool(&mut self, v: bool) -> &mut Self {
        self.int(v as i64)
    }
    pub(crate) fn ts(&mut self, v: &Timestamp) -> &mut Self {
        self.int(ts(v))
    }
    pub(crate) fn opt_ts(&mut self, v: Option<&Timestamp>) -> &mut Self {
        self.opt_int(v.map(ts))
    }
    pub(crate) fn day(&mut self, v: &NaiveDate) -> &mut Self {
        self.int(day(v))
    }
    pub(crate) fn opt_day(&mut self, v: Option<&NaiveDate>) -> &mut Self {
        self.opt_int(v.map(day))
    }
    /// An enum by its stable name.
    pub(crate) fn name(&mut self, v: impl Named) -> &mut Self {
        self.text(v.as_str())
    }
    /// An optional enum by its stable name.
    pub(crate) fn opt_name(&mut self, v: Option<impl Named>) -> &mut Self {
        match v {
            Some(v) => self.name(v),
            None => self.null(),
        }
    }
    pub(crate) fn json<T: Serialize>(&mut self, v: &T) -> &mut Self {
        // Serialising plain domain values (strings, numbers, maps with string keys)
        // cannot fail; an empty JSON null keeps the column well-formed if it ever did.
        let s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
        self.push(Value::Text(s))
    }
}

/// `%text%` for LIKE, with the wildcards of the text escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
