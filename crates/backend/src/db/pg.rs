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

use super::sql::{placeholders_to_dollars, placeholders_to_dollars_after};

/// How many prepared statements a connection keeps.
const MAX_PREPARED: usize = 512;

/// The socket side of a connection, driven by the thread that waits on it.
type Driver = tokio_postgres::Connection<tokio_postgres::Socket, tokio_postgres::tls::NoTlsStream>;

/// A PostgreSQL connection as the store uses it: from blocking threads.
///
/// Its socket is driven by the thread that makes a call, on a single-thread
/// runtime of the connection's own, while it waits for the answer: no other
/// thread is woken per statement. (With the socket on a runtime of its own,
/// every statement crossed threads twice; a loaded server spent most of its
/// time switching between them.)
pub struct PgConn {
    client: Client,
    /// The runtime and the socket, taken by one call at a time.
    driver: Mutex<(Option<tokio::runtime::Runtime>, Driver)>,
    /// Statements prepared on this connection, by their SQLite text.
    prepared: Mutex<HashMap<String, Statement>>,
    /// The statements [`PgConn::query_together`] made, by their parts' texts.
    combined: Mutex<HashMap<String, String>>,
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // Dropping a runtime waits, which an async caller may not do.
        let mut driver = self.driver.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rt) = driver.0.take() {
            rt.shutdown_background();
        }
    }
}

impl PgConn {
    /// A connection to the database at `url`, made on the blocking pool.
    pub async fn connect(url: &str) -> crate::Result<PgConn> {
        let url = url.to_string();
        tokio::task::spawn_blocking(move || PgConn::open(&url))
            .await
            .map_err(|e| crate::Error::storage(format!("connecting failed: {e}")))?
    }

    /// A connection to the database at `url`, made on this thread (one that
    /// may block: not a runtime's).
    pub fn open(url: &str) -> crate::Result<PgConn> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| crate::Error::storage(format!("cannot start a runtime: {e}")))?;
        let config = crate::postgres::config(url)?;
        let (client, driver) = rt
            .block_on(config.connect(tokio_postgres::NoTls))
            .map_err(|e| crate::Error::Unavailable {
                message: format!(
                    "cannot connect to PostgreSQL at {}: {}",
                    crate::postgres::redact_url(url),
                    crate::postgres::describe(&e)
                ),
            })?;
        Ok(PgConn {
            client,
            driver: Mutex::new((Some(rt), driver)),
            prepared: Mutex::new(HashMap::new()),
            combined: Mutex::new(HashMap::new()),
        })
    }

    /// Waits for `f`, driving the socket meanwhile.
    fn block<T, F: std::future::Future<Output = Result<T, tokio_postgres::Error>>>(
        &self,
        f: F,
    ) -> Result<T, ConnError> {
        use std::future::Future as _;
        use std::task::Poll;
        let mut guard = self.driver.lock().unwrap_or_else(|e| e.into_inner());
        let (rt, driver) = &mut *guard;
        let Some(rt) = rt.as_ref() else {
            return Err(ConnError::Closed);
        };
        let mut f = std::pin::pin!(f);
        rt.block_on(std::future::poll_fn(|cx| {
            if let Poll::Ready(out) = f.as_mut().poll(cx) {
                return Poll::Ready(out.map_err(ConnError::Pg));
            }
            match std::pin::Pin::new(&mut *driver).poll(cx) {
                Poll::Ready(Ok(())) => Poll::Ready(Err(ConnError::Closed)),
                Poll::Ready(Err(e)) => Poll::Ready(Err(ConnError::Pg(e))),
                Poll::Pending => Poll::Pending,
            }
        }))
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
        let mut cache = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        // Statements built from values would grow it without end: past a bound
        // it starts over (a dropped statement is closed on the server).
        if cache.len() >= MAX_PREPARED {
            cache.clear();
        }
        cache.insert(sql.to_string(), prepared.clone());
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

    /// Runs a statement written for PostgreSQL (`$N` placeholders) with
    /// parameters in its own types (arrays, for one) rather than SQLite's;
    /// answers how many rows it changed.
    pub fn execute_typed(
        &self,
        sql: &str,
        params: &[&(dyn PgToSql + Sync)],
    ) -> rusqlite::Result<u64> {
        let statement = self.statement(sql)?;
        self.block(self.client.execute(&statement, params))
            .map_err(error)
    }

    /// Runs `f` in one transaction: committed when it answers Ok, rolled back
    /// otherwise. `lock`: first takes that transaction-level advisory lock.
    pub fn transaction<T>(
        &self,
        lock: Option<i64>,
        f: impl FnOnce(&PgConn) -> crate::Result<T>,
    ) -> crate::Result<T> {
        self.transaction_as("BEGIN", lock, |c| f(c).map(|v| (v, true)))
            .map(|(v, _)| v)
    }

    /// [`PgConn::transaction`], committed only when `f` answers true beside its
    /// value (rolled back otherwise, the value kept).
    pub fn transaction_if<T>(
        &self,
        lock: Option<i64>,
        f: impl FnOnce(&PgConn) -> crate::Result<(T, bool)>,
    ) -> crate::Result<(T, bool)> {
        self.transaction_as("BEGIN", lock, f)
    }

    /// Runs `f` in one read-only transaction that sees one snapshot throughout.
    pub fn snapshot<T>(&self, f: impl FnOnce(&PgConn) -> crate::Result<T>) -> crate::Result<T> {
        self.transaction_as(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            None,
            |c| f(c).map(|v| (v, true)),
        )
        .map(|(v, _)| v)
    }

    fn transaction_as<T>(
        &self,
        begin: &str,
        lock: Option<i64>,
        f: impl FnOnce(&PgConn) -> crate::Result<(T, bool)>,
    ) -> crate::Result<(T, bool)> {
        self.execute_batch(begin).map_err(crate::Error::storage)?;
        let out = lock
            .map_or(Ok(0), |key| {
                self.execute("SELECT pg_advisory_xact_lock(?)", &[&key])
            })
            .map_err(crate::Error::storage)
            .and_then(|_| f(self));
        match out {
            Ok((v, true)) => {
                self.execute_batch("COMMIT")
                    .map_err(crate::Error::storage)?;
                Ok((v, true))
            }
            Ok((v, false)) => {
                self.execute_batch("ROLLBACK")
                    .map_err(crate::Error::storage)?;
                Ok((v, false))
            }
            Err(e) => {
                if let Err(r) = self.execute_batch("ROLLBACK") {
                    tracing::warn!("rolling back a PostgreSQL transaction failed: {r}");
                }
                Err(e)
            }
        }
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

    /// Runs `statements` as one: each becomes a column holding its rows as a
    /// JSON array (each row an array of its columns' values), so that together
    /// they cost one statement and one round trip. (Sent one by one, or even
    /// pipelined, each statement's own execution and answer were most of a
    /// loaded server's time.) Each statement's rows, in order.
    pub(super) fn query_together(
        &self,
        statements: &[(&str, &[Value])],
    ) -> rusqlite::Result<Vec<Vec<Vec<serde_json::Value>>>> {
        if statements.is_empty() {
            return Ok(vec![]);
        }
        let combined = self.combined(statements)?;
        let params: Vec<&dyn ToSql> = statements
            .iter()
            .flat_map(|(_, params)| params.iter().map(|v| v as &dyn ToSql))
            .collect();
        let rows = self.query(&combined, &params)?;
        let row = rows.first().ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        let failed = |i, e: Box<dyn std::error::Error + Send + Sync>| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e)
        };
        (0..statements.len())
            .map(|i| {
                let text: &str = row.try_get(i).map_err(|e| failed(i, Box::new(e)))?;
                serde_json::from_str(text).map_err(|e| failed(i, Box::new(e)))
            })
            .collect()
    }

    /// The one statement [`PgConn::query_together`] runs for `statements`,
    /// made once per connection (by their texts; a batch is the same
    /// statements each time it runs).
    fn combined(&self, statements: &[(&str, &[Value])]) -> rusqlite::Result<String> {
        let key = statements
            .iter()
            .map(|(sql, _)| *sql)
            .collect::<Vec<_>>()
            .join("\0");
        if let Some(sql) = self
            .combined
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(sql.clone());
        }
        let mut parts = Vec::with_capacity(statements.len());
        let mut offset = 0;
        for (sql, params) in statements {
            let n = self.statement(sql)?.columns().len();
            // A function takes at most 100 arguments.
            if n > 100 {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("{n} columns do not fit in one JSON array: {sql}").into(),
                ));
            }
            let inner = placeholders_to_dollars_after(sql, offset);
            offset += params.len();
            let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
            let values: Vec<String> = names.iter().map(|c| format!("q.{c}")).collect();
            // Rows are aggregated in the order the statement gives them.
            parts.push(format!(
                "(SELECT coalesce(json_agg(json_build_array({})), '[]')::text FROM ({inner}) AS q({}))",
                values.join(", "),
                names.join(", ")
            ));
        }
        let sql = format!("SELECT {}", parts.join(",\n  "));
        let mut made = self.combined.lock().unwrap_or_else(|e| e.into_inner());
        if made.len() >= MAX_PREPARED {
            made.clear();
        }
        made.insert(key, sql.clone());
        Ok(sql)
    }
}

/// A column of a row read by [`PgConn::query_together`], as the value SQLite
/// would have given.
pub(super) fn json_value_ref(v: &serde_json::Value, i: usize) -> rusqlite::Result<ValueRef<'_>> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => ValueRef::Null,
        J::Bool(b) => ValueRef::Integer(i64::from(*b)),
        J::Number(n) => match n.as_i64() {
            Some(i) => ValueRef::Integer(i),
            None => ValueRef::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => ValueRef::Text(s.as_bytes()),
        J::Array(_) | J::Object(_) => {
            return Err(rusqlite::Error::InvalidColumnType(
                i,
                "a JSON column".into(),
                rusqlite::types::Type::Null,
            ));
        }
    })
}

/// rusqlite's parameters as owned values.
fn values(params: &[&dyn ToSql]) -> rusqlite::Result<Vec<Param>> {
    params.iter().map(|p| owned_param(*p).map(Param)).collect()
}

/// A parameter as an owned value.
pub(super) fn owned_param(p: &dyn ToSql) -> rusqlite::Result<Value> {
    Ok(match p.to_sql()? {
        ToSqlOutput::Borrowed(v) => owned(v),
        ToSqlOutput::Owned(v) => v,
        _ => {
            return Err(rusqlite::Error::ToSqlConversionFailure(
                "a parameter PostgreSQL cannot take".into(),
            ));
        }
    })
}

fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        // rusqlite hands text over as bytes; text that is not UTF-8 stays bytes
        // (refused where PostgreSQL wants text).
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(text) => Value::Text(text.to_string()),
            Err(_) => Value::Blob(t.to_vec()),
        },
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
                Type::INT4 => {
                    PgToSql::to_sql(&s.trim().parse::<i32>().map_err(|_| cannot())?, ty, out)
                }
                Type::INT2 => {
                    PgToSql::to_sql(&s.trim().parse::<i16>().map_err(|_| cannot())?, ty, out)
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
        let weight = word(1)? as i16 as i64;
        let scale = word(3)?;
        match word(2)? {
            0xC000 => return Ok(Numeric::Real(f64::NAN)),
            0xD000 => return Ok(Numeric::Real(f64::INFINITY)),
            0xF000 => return Ok(Numeric::Real(f64::NEG_INFINITY)),
            _ => {}
        }
        let negative = word(2)? == 0x4000;
        // The decimal text of the value, parsed exactly.
        let mut whole = String::new();
        let mut fraction = String::new();
        for k in 0..ndigits.max((weight + 1).max(0) as usize) {
            let digit = if k < ndigits { word(4 + k)? } else { 0 };
            if (k as i64) <= weight {
                whole.push_str(&format!("{digit:04}"));
            } else {
                fraction.push_str(&format!("{digit:04}"));
            }
        }
        // Digits between the point and the first stored one (a weight below -1).
        if weight < -1 {
            fraction.insert_str(0, &"0000".repeat((-weight - 1) as usize));
        }
        let whole = whole.trim_start_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        let sign = if negative { "-" } else { "" };
        if scale == 0
            && let Ok(n) = format!("{sign}{whole}").parse::<i64>()
        {
            return Ok(Numeric::Integer(n));
        }
        let text = format!("{sign}{whole}.{}0", fraction);
        Ok(Numeric::Real(text.parse()?))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

/// A driver error as rusqlite's: a broken constraint as SQLite's constraint
/// error (the store's code tells those apart), anything else with the
/// server's message.
/// Why a call on a connection failed.
enum ConnError {
    /// The server's or the driver's error.
    Pg(tokio_postgres::Error),
    /// The connection is closed.
    Closed,
}

fn error(e: ConnError) -> rusqlite::Error {
    use tokio_postgres::error::SqlState;
    let e = match e {
        ConnError::Pg(e) => e,
        ConnError::Closed => {
            return rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(1),
                Some("the PostgreSQL connection is closed".into()),
            );
        }
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::types::FromSql;

    fn numeric(weight: i16, sign: u16, scale: u16, digits: &[u16]) -> Vec<u8> {
        let mut raw = vec![];
        for w in [digits.len() as u16, weight as u16, sign, scale]
            .into_iter()
            .chain(digits.iter().copied())
        {
            raw.extend_from_slice(&w.to_be_bytes());
        }
        raw
    }

    fn decode(raw: &[u8]) -> String {
        match Numeric::from_sql(&Type::NUMERIC, raw).expect("decodes") {
            Numeric::Integer(n) => format!("int {n}"),
            Numeric::Real(f) => format!("real {f}"),
        }
    }

    #[test]
    fn numerics_read_as_sqlite_would_give_them() {
        // 123456789012 = 1234|5678|9012 (weight 2: the first group is x 10000^2)
        assert_eq!(
            decode(&numeric(2, 0, 0, &[1234, 5678, 9012])),
            "int 123456789012"
        );
        assert_eq!(decode(&numeric(1, 0x4000, 0, &[7])), "int -70000");
        assert_eq!(decode(&numeric(0, 0, 0, &[])), "int 0");
        // 123456789.123456789 (scale 9): 1|2345|6789 . 1234|5678|9000
        assert_eq!(
            decode(&numeric(2, 0, 9, &[1, 2345, 6789, 1234, 5678, 9000])),
            "real 123456789.12345679"
        );
        // avg of integers: 2.000 is a real, as SQLite's avg is.
        assert_eq!(decode(&numeric(0, 0, 3, &[2])), "real 2");
        // 0.00012 = .0001|2000 (weight -1); 0.000012 = .0000|1200 (weight -2)
        assert_eq!(decode(&numeric(-1, 0, 5, &[1, 2000])), "real 0.00012");
        assert_eq!(decode(&numeric(-2, 0, 6, &[1200])), "real 0.000012");
        assert_eq!(decode(&numeric(0, 0xD000, 0, &[])), "real inf");
        assert_eq!(decode(&numeric(0, 0xF000, 0, &[])), "real -inf");
        // Beyond i64 (about 1.2e39): a real, no overflow.
        let big = vec![9999u16; 10];
        match Numeric::from_sql(&Type::NUMERIC, &numeric(9, 0, 0, &big)).expect("decodes") {
            Numeric::Real(f) => assert!((f / 1e40 - 1.0).abs() < 1e-12, "{f}"),
            Numeric::Integer(n) => panic!("{n}"),
        }
    }
}
