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
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(db, text.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
        };
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
            _conn: PhantomData,
        };
        for (i, value) in params.iter().enumerate() {
            let rc = unsafe { ffi::sqlite3_bind_int64(stmt, i as c_int + 1, *value) };
            if rc != ffi::SQLITE_OK {
                return Err(failure(db, rc));
            }
        }
        Ok(scan)
    }

    /// Steps to the next row: false after the last.
    pub(crate) fn next(&mut self) -> rusqlite::Result<bool> {
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            rc => Err(failure(self.db, rc)),
        }
    }

    fn column(&self, i: usize) -> rusqlite::Result<c_int> {
        match c_int::try_from(i) {
            Ok(i) if i < self.columns => Ok(i),
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
            return Ok(None);
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
