//! The team server's API tokens: random, shown once, stored as SHA-256 hashes.

use serde::Serialize;

use super::codec::{from_ts, ts};
use crate::api::Role;
use crate::db::{Conn, Row};
use crate::{Error, Result};
use rusqlite::OptionalExtension;
use tend_domain::{Id, Timestamp};

/// A token as the server keeps it (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenInfo {
    pub id: Id,
    pub user: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// The prefix every token starts with (so a leaked one is recognisable).
pub const TOKEN_PREFIX: &str = "tend_";

/// The hash a token is stored and looked up by.
pub fn token_hash(token: &str) -> String {
    crate::files::sha256_hex(token.as_bytes())
}

/// A new token: the prefix and 32 random bytes in hex (stored ones and the SSH
/// sessions' in-memory ones alike).
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::storage(format!("no randomness for a token: {e}")))?;
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

fn info(r: &Row<'_>) -> rusqlite::Result<TokenInfo> {
    let role: String = r.get(3)?;
    Ok(TokenInfo {
        id: r.get(0)?,
        user: r.get(1)?,
        role: role.parse().unwrap_or(Role::Viewer),
        created_at: from_ts(r.get(2)?),
        revoked_at: r.get::<_, Option<i64>>(4)?.map(from_ts),
    })
}

/// The user a token is for, trimmed; refused when empty.
pub(super) fn checked_user(user: &str) -> Result<&str> {
    let user = user.trim();
    if user.is_empty() {
        return Err(Error::invalid("user", "must not be empty"));
    }
    Ok(user)
}

/// Stores the hash of a new token for `user` with `role`; answers its record.
pub(super) fn insert(
    tx: Conn<'_>,
    hash: &str,
    user: &str,
    role: Role,
    now: Timestamp,
) -> Result<TokenInfo> {
    let id = tx
        .query_row(
            "INSERT INTO api_tokens (hash, \"user\", role, created_at) VALUES (?1, ?2, ?3, ?4)
             RETURNING id",
            &[&hash, &user, &role.as_str(), &ts(&now)],
            |r| r.get(0),
        )
        .map_err(Error::storage)?;
    Ok(TokenInfo {
        id,
        user: user.to_string(),
        role,
        created_at: from_ts(ts(&now)),
        revoked_at: None,
    })
}

/// Every token, oldest first.
pub(super) fn all(conn: Conn<'_>) -> Result<Vec<TokenInfo>> {
    conn.query_map(
        "SELECT id, \"user\", created_at, role, revoked_at FROM api_tokens ORDER BY id",
        &[],
        info,
    )
    .map_err(Error::storage)
}

/// Revokes a token; false when there is no such token or it was already revoked.
pub(super) fn revoke(tx: Conn<'_>, id: Id, now: Timestamp) -> Result<bool> {
    revoke_row(tx, "api_tokens", id, now)
}

/// Marks row `id` of a table of credentials (`api_tokens`, `ssh_keys`: a
/// `revoked_at` column) revoked; false when it is not there or already revoked.
pub(super) fn revoke_row(tx: Conn<'_>, table: &str, id: Id, now: Timestamp) -> Result<bool> {
    let n = tx
        .execute(
            &format!("UPDATE {table} SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL"),
            &[&id, &ts(&now)],
        )
        .map_err(Error::storage)?;
    Ok(n == 1)
}

/// The live (not revoked) token with this hash.
pub(super) fn by_hash(conn: Conn<'_>, hash: &str) -> Result<Option<TokenInfo>> {
    conn.query_row(
        "SELECT id, \"user\", created_at, role, revoked_at FROM api_tokens
         WHERE hash = ?1 AND revoked_at IS NULL",
        &[&hash],
        info,
    )
    .optional()
    .map_err(Error::storage)
}
