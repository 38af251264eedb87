//! The store's own key/value settings (`store_meta`): the day and the profiles
//! health was last scored with, the day derived columns were refreshed on.

use crate::db::Conn;
use crate::{Error, Result};
use rusqlite::OptionalExtension;

pub(crate) fn set_meta<'c>(conn: impl Into<Conn<'c>>, key: &str, value: &str) -> Result<()> {
    conn.into()
        .execute(
            "INSERT INTO store_meta(key, value) VALUES (?, ?)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )
        .map_err(Error::storage)?;
    Ok(())
}

pub(crate) fn meta<'c>(conn: impl Into<Conn<'c>>, key: &str) -> Result<Option<String>> {
    conn.into()
        .query_row("SELECT value FROM store_meta WHERE key = ?", &[&key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(Error::storage)
}
