//! Stepping a statement with one call into SQLite per column read.
//!
//! rusqlite checks the column count and the value's type on every read: three
//! calls into SQLite per column. A full recompute reads ~25M usage columns, where
//! those calls cost as much as SQLite's own stepping. [`Scan`] reads integers and
//! text with one call each, for statements whose columns the schema types
//! (`INTEGER NOT NULL`, `TEXT`): an integer column is read with SQLite's
//! conversion, so it must not hold anything else.

use std::ffi::{CStr, CString, c_int};
use std::marker::PhantomData;

use rusqlite::{Connection, ffi};

/// A prepared statement with its integer parameters bound, stepped row by row.
/// Finalized when dropped.
pub(crate) struct Scan<'c> {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    columns: c_int,
    /// Stepped past its last row or failed: SQLite would start it over.
    done: bool,
    /// On a row: its columns can be read.
    on_row: bool,
    /// The statement belongs to the connection: it must not outlive it, and the
    /// raw pointers keep a `Scan` on the connection's thread.
    _conn: PhantomData<&'c Connection>,
}

impl<'c> Scan<'c> {
    pub(crate) fn new(
        conn: &'c Connection,
        sql: &str,
        params: &[i64],
    ) -> rusqlite::Result<Scan<'c>> {
        let text = CString::new(sql)?;
        // SAFETY: the handle is the connection's own, used on its thread while the
        // connection is borrowed; the statement is finalized before it goes.
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        let mut tail = std::ptr::null();
        let rc = unsafe { ffi::sqlite3_prepare_v2(db, text.as_ptr(), -1, &mut stmt, &mut tail) };
        if rc != ffi::SQLITE_OK {
            return Err(failure(db, rc));
        }
        if stmt.is_null() {
            return Err(rusqlite::Error::InvalidQuery);
        }
        let scan = Scan {
            db,
            stmt,
            columns: unsafe { ffi::sqlite3_column_count(stmt) },
            done: false,
            on_row: false,
            _conn: PhantomData,
        };
        // SAFETY: the tail points into `text`, at its end or at what follows the
        // first statement.
        let rest = unsafe { CStr::from_ptr(tail) };
        if !rest.to_bytes().iter().all(u8::is_ascii_whitespace) {
            return Err(rusqlite::Error::MultipleStatement);
        }
        let expected = unsafe { ffi::sqlite3_bind_parameter_count(stmt) };
        if usize::try_from(expected).ok() != Some(params.len()) {
            return Err(rusqlite::Error::InvalidParameterCount(
                params.len(),
                usize::try_from(expected).unwrap_or(0),
            ));
        }
        for (i, value) in params.iter().enumerate() {
            let rc = unsafe { ffi::sqlite3_bind_int64(stmt, i as c_int + 1, *value) };
            if rc != ffi::SQLITE_OK {
                return Err(failure(db, rc));
            }
        }
        Ok(scan)
    }

    /// Steps to the next row: false after the last, and from then on.
    pub(crate) fn next(&mut self) -> rusqlite::Result<bool> {
        self.on_row = false;
        if self.done {
            return Ok(false);
        }
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_ROW => {
                self.on_row = true;
                Ok(true)
            }
            ffi::SQLITE_DONE => {
                self.done = true;
                Ok(false)
            }
            rc => {
                self.done = true;
                Err(failure(self.db, rc))
            }
        }
    }

    fn column(&self, i: usize) -> rusqlite::Result<c_int> {
        match c_int::try_from(i) {
            Ok(i) if i < self.columns && self.on_row => Ok(i),
            Ok(_) if !self.on_row => Err(rusqlite::Error::QueryReturnedNoRows),
            _ => Err(rusqlite::Error::InvalidColumnIndex(i)),
        }
    }

    /// Column `i` of the current row, an integer column.
    pub(crate) fn int(&self, i: usize) -> rusqlite::Result<i64> {
        let i = self.column(i)?;
        Ok(unsafe { ffi::sqlite3_column_int64(self.stmt, i) })
    }

    /// Column `i` of the current row as text (none when NULL), borrowed until the
    /// next step.
    pub(crate) fn text(&self, i: usize) -> rusqlite::Result<Option<&str>> {
        let c = self.column(i)?;
        let p = unsafe { ffi::sqlite3_column_text(self.stmt, c) };
        if p.is_null() {
            // NULL, or a value SQLite could not turn into text (out of memory).
            return match unsafe { ffi::sqlite3_column_type(self.stmt, c) } {
                ffi::SQLITE_NULL => Ok(None),
                _ => Err(failure(self.db, ffi::SQLITE_NOMEM)),
            };
        }
        // SAFETY: SQLite keeps the text, of that many bytes, until the next step or
        // the finalize, both of which take `self` mutably or by value.
        let bytes = unsafe {
            let n = ffi::sqlite3_column_bytes(self.stmt, c);
            std::slice::from_raw_parts(p, usize::try_from(n).unwrap_or(0))
        };
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|e| rusqlite::Error::Utf8Error(i, e))
    }
}

impl Drop for Scan<'_> {
    fn drop(&mut self) {
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

fn failure(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Error {
    let message = unsafe {
        let m = ffi::sqlite3_errmsg(db);
        (!m.is_null()).then(|| CStr::from_ptr(m).to_string_lossy().into_owned())
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(rc), message)
}

#[cfg(test)]
mod tests {
    use super::Scan;

    #[test]
    fn a_scan_reads_integers_and_text_binds_its_parameters_and_reports_errors() {
        let conn = rusqlite::Connection::open_in_memory().expect("memory");
        conn.execute_batch(
            "CREATE TABLE t (a INTEGER NOT NULL, b TEXT);
             INSERT INTO t VALUES (1, 'un'), (2, NULL), (3, 'trois'), (-4, 'é');",
        )
        .expect("table");
        let mut scan =
            Scan::new(&conn, "SELECT a, b FROM t WHERE a >= ?1 ORDER BY a", &[2]).expect("prepare");
        let mut read = vec![];
        while scan.next().expect("step") {
            read.push((
                scan.int(0).expect("a"),
                scan.text(1).expect("b").map(str::to_string),
            ));
            assert!(scan.int(2).is_err(), "no third column");
        }
        assert_eq!(read, [(2, None), (3, Some("trois".to_string()))]);
        assert!(!scan.next().expect("done"), "stays done");

        let mut all = Scan::new(&conn, "SELECT a, b FROM t WHERE a < ?1", &[0]).expect("prepare");
        assert!(all.next().expect("step"));
        assert_eq!((all.int(0).unwrap(), all.text(1).unwrap()), (-4, Some("é")));

        let bad = Scan::new(&conn, "SELECT nope FROM t", &[])
            .err()
            .expect("an error");
        assert!(bad.to_string().contains("no such column: nope"), "{bad}");
        for (sql, params) in [
            ("SELECT a FROM t WHERE a = ?1", &[1, 2][..]),
            ("SELECT a FROM t WHERE a = ?1 AND b = ?2", &[1][..]),
            ("SELECT a FROM t; SELECT b FROM t", &[][..]),
        ] {
            assert!(Scan::new(&conn, sql, params).is_err(), "{sql} {params:?}");
        }
        let mut unread = Scan::new(&conn, "SELECT a FROM t", &[]).expect("prepare");
        assert!(unread.int(0).is_err(), "no row before the first step");
        while unread.next().expect("step") {}
        assert!(unread.int(0).is_err(), "no row after the last");
    }
}
