//! The PostgreSQL side of [`super::Conn`]: a connection used from blocking
//! threads, its statements prepared once each, rusqlite's values encoded in
//! the types PostgreSQL asks for and decoded back into SQLite's.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::BytesMut;
use rusqlite::ToSql;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use tokio_postgres::types::ToSql as PgToSql;
use tokio_postgres::types::{IsNull, Type, to_sql_checked};
use tokio_postgres::{Client, Statement};

use super::sql::placeholders_to_dollars;

/// A PostgreSQL connection as the store uses it: from blocking threads.
pub struct PgConn {
    client: Client,
    handle: tokio::runtime::Handle,
    /// Statements prepared on this connection, by their SQLite text.
    prepared: Mutex<HashMap<String, Statement>>,
}

impl PgConn {
    /// A connection to the database at `url`, on the current runtime.
    pub async fn connect(url: &str) -> crate::Result<PgConn> {
        let client = crate::postgres::connect(url).await?;
        Ok(PgConn {
            client,
            handle: tokio::runtime::Handle::current(),
            prepared: Mutex::new(HashMap::new()),
        })
    }

    fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.handle.block_on(f)
    }

    fn statement(&self, sql: &str) -> rusqlite::Result<Statement> {
        if let Some(s) = self
            .prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(sql)
        {
            return Ok(s.clone());
        }
        let prepared = self
            .block(self.client.prepare(&placeholders_to_dollars(sql)))
            .map_err(error)?;
        self.prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sql.to_string(), prepared.clone());
        Ok(prepared)
    }

    pub(super) fn execute(&self, sql: &str, params: &[&dyn ToSql]) -> rusqlite::Result<usize> {
        let statement = self.statement(sql)?;
        let values = values(params)?;
        let refs = refs(&values);
        let n = self
            .block(self.client.execute(&statement, &refs))
            .map_err(error)?;
        Ok(n as usize)
    }

    pub(super) fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        self.block(self.client.batch_execute(sql)).map_err(error)
    }

    pub(super) fn query(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
    ) -> rusqlite::Result<Vec<tokio_postgres::Row>> {
        let statement = self.statement(sql)?;
        let values = values(params)?;
        let refs = refs(&values);
        self.block(self.client.query(&statement, &refs))
            .map_err(error)
    }
}

/// rusqlite's parameters as owned values.
fn values(params: &[&dyn ToSql]) -> rusqlite::Result<Vec<Param>> {
    params
        .iter()
        .map(|p| {
            Ok(Param(match p.to_sql()? {
                ToSqlOutput::Borrowed(v) => owned(v),
                ToSqlOutput::Owned(v) => v,
                _ => {
                    return Err(rusqlite::Error::ToSqlConversionFailure(
                        "a parameter PostgreSQL cannot take".into(),
                    ));
                }
            }))
        })
        .collect()
}

fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn refs(values: &[Param]) -> Vec<&(dyn PgToSql + Sync)> {
    values.iter().map(|v| v as &(dyn PgToSql + Sync)).collect()
}

/// A value of SQLite's, encoded in the type PostgreSQL gives its parameter.
#[derive(Debug)]
struct Param(Value);

impl PgToSql for Param {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let cannot = || -> Box<dyn std::error::Error + Sync + Send> {
            format!("{:?} cannot be passed as {ty}", self.0).into()
        };
        match &self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => PgToSql::to_sql(i, ty, out),
                Type::INT4 => PgToSql::to_sql(&i32::try_from(*i).map_err(|_| cannot())?, ty, out),
                Type::INT2 => PgToSql::to_sql(&i16::try_from(*i).map_err(|_| cannot())?, ty, out),
                Type::BOOL => PgToSql::to_sql(&(*i != 0), ty, out),
                Type::FLOAT8 => PgToSql::to_sql(&(*i as f64), ty, out),
                Type::FLOAT4 => PgToSql::to_sql(&(*i as f32), ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    PgToSql::to_sql(&i.to_string(), &Type::TEXT, out)
                }
                _ => Err(cannot()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => PgToSql::to_sql(f, ty, out),
                Type::FLOAT4 => PgToSql::to_sql(&(*f as f32), ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    PgToSql::to_sql(&f.to_string(), &Type::TEXT, out)
                }
                _ => Err(cannot()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    PgToSql::to_sql(&s.as_str(), &Type::TEXT, out)
                }
                Type::BYTEA => PgToSql::to_sql(&s.as_bytes(), ty, out),
                // SQLite's affinity: a number written as text, where a number goes.
                Type::INT8 => {
                    PgToSql::to_sql(&s.trim().parse::<i64>().map_err(|_| cannot())?, ty, out)
                }
                Type::FLOAT8 => {
                    PgToSql::to_sql(&s.trim().parse::<f64>().map_err(|_| cannot())?, ty, out)
                }
                _ => Err(cannot()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => PgToSql::to_sql(&b.as_slice(), ty, out),
                _ => Err(cannot()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Column `i` of a PostgreSQL row as the value SQLite would have given.
pub(super) fn value_ref(row: &tokio_postgres::Row, i: usize) -> rusqlite::Result<ValueRef<'_>> {
    let column = row
        .columns()
        .get(i)
        .ok_or(rusqlite::Error::InvalidColumnIndex(i))?;
    let failed = |e: tokio_postgres::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Null, Box::new(e))
    };
    let integer = |v: Option<i64>| v.map_or(ValueRef::Null, ValueRef::Integer);
    Ok(match *column.type_() {
        Type::INT8 => integer(row.try_get::<_, Option<i64>>(i).map_err(failed)?),
        Type::INT4 => integer(
            row.try_get::<_, Option<i32>>(i)
                .map_err(failed)?
                .map(i64::from),
        ),
        Type::INT2 => integer(
            row.try_get::<_, Option<i16>>(i)
                .map_err(failed)?
                .map(i64::from),
        ),
        Type::OID => integer(
            row.try_get::<_, Option<u32>>(i)
                .map_err(failed)?
                .map(i64::from),
        ),
        Type::BOOL => integer(
            row.try_get::<_, Option<bool>>(i)
                .map_err(failed)?
                .map(i64::from),
        ),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(i)
            .map_err(failed)?
            .map_or(ValueRef::Null, ValueRef::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map_err(failed)?
            .map_or(ValueRef::Null, |f| ValueRef::Real(f64::from(f))),
        Type::NUMERIC => match row.try_get::<_, Option<Numeric>>(i).map_err(failed)? {
            None => ValueRef::Null,
            Some(Numeric::Integer(n)) => ValueRef::Integer(n),
            Some(Numeric::Real(f)) => ValueRef::Real(f),
        },
        Type::BYTEA => row
            .try_get::<_, Option<&[u8]>>(i)
            .map_err(failed)?
            .map_or(ValueRef::Null, ValueRef::Blob),
        _ => row
            .try_get::<_, Option<&str>>(i)
            .map_err(failed)?
            .map_or(ValueRef::Null, |s| ValueRef::Text(s.as_bytes())),
    })
}

/// A `numeric` (what `sum` of integers gives): an integer when it has no
/// fraction and fits, else a double.
enum Numeric {
    Integer(i64),
    Real(f64),
}

impl<'a> tokio_postgres::types::FromSql<'a> for Numeric {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> Result<Numeric, Box<dyn std::error::Error + Sync + Send>> {
        // ndigits, weight, sign, dscale, then ndigits base-10000 digits.
        let word = |k: usize| -> Result<u16, Box<dyn std::error::Error + Sync + Send>> {
            raw.get(2 * k..2 * k + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "a numeric cut short".into())
        };
        let ndigits = word(0)? as usize;
        let weight = word(1)? as i16 as i32;
        let sign = word(2)?;
        let scale = word(3)?;
        if sign == 0xC000 {
            return Ok(Numeric::Real(f64::NAN));
        }
        let negative = sign == 0x4000;
        let mut real = 0f64;
        let mut integer: Option<i128> = Some(0);
        for k in 0..ndigits {
            let digit = word(4 + k)? as i128;
            let power = weight - k as i32;
            real += digit as f64 * 10000f64.powi(power);
            integer = match (integer, power) {
                (Some(n), p) if p >= 0 => 10000i128
                    .checked_pow(p as u32)
                    .and_then(|m| n.checked_add(digit * m)),
                (Some(n), _) if digit == 0 => Some(n),
                _ => None,
            };
        }
        let sign = if negative { -1 } else { 1 };
        Ok(match integer.and_then(|n| i64::try_from(n * sign).ok()) {
            Some(n) if scale == 0 || real.fract() == 0.0 => Numeric::Integer(n),
            _ => Numeric::Real(real * sign as f64),
        })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

/// A driver error as rusqlite's: a broken constraint as SQLite's constraint
/// error (the store's code tells those apart), anything else with the
/// server's message.
fn error(e: tokio_postgres::Error) -> rusqlite::Error {
    use tokio_postgres::error::SqlState;
    let message = crate::postgres::describe(&e);
    let constraint = e.code().and_then(|code| match *code {
        SqlState::UNIQUE_VIOLATION => Some(2067),
        SqlState::FOREIGN_KEY_VIOLATION => Some(787),
        SqlState::NOT_NULL_VIOLATION => Some(1299),
        SqlState::CHECK_VIOLATION => Some(275),
        _ => None,
    });
    match constraint {
        Some(code) => {
            rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(message))
        }
        None => rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(1), Some(message)),
    }
}
