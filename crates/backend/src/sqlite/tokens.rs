//! The team server's API tokens: random, shown once, stored as SHA-256 hashes.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Store;
use super::codec::{from_ts, ts};
use crate::api::Role;
use crate::{Error, Result};
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
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::storage(format!("no randomness for a token: {e}")))?;
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

fn info(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenInfo> {
    let role: String = r.get(3)?;
    Ok(TokenInfo {
        id: r.get(0)?,
        user: r.get(1)?,
        role: role.parse().unwrap_or(Role::Viewer),
        created_at: from_ts(r.get(2)?),
        revoked_at: r.get::<_, Option<i64>>(4)?.map(from_ts),
    })
}

impl Store {
    /// Creates a token for `user` with `role`; answers it (shown once) and its record.
    pub fn create_token(&self, user: &str, role: Role) -> Result<(String, TokenInfo)> {
        let user = user.trim();
        if user.is_empty() {
            return Err(Error::invalid("user", "must not be empty"));
        }
        let token = new_token()?;
        let hash = token_hash(&token);
        let info = self.write_blocking(|tx, now| {
            tx.execute(
                "INSERT INTO api_tokens (hash, user, role, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![hash, user, role.as_str(), ts(&now)],
            )
            .map_err(Error::storage)?;
            Ok(TokenInfo {
                id: tx.last_insert_rowid(),
                user: user.to_string(),
                role,
                created_at: from_ts(ts(&now)),
                revoked_at: None,
            })
        })?;
        Ok((token, info))
    }

    /// Every token, oldest first.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare("SELECT id, user, created_at, role, revoked_at FROM api_tokens ORDER BY id")
            .map_err(Error::storage)?;
        stmt.query_map([], info)
            .and_then(|rows| rows.collect())
            .map_err(Error::storage)
    }

    /// Revokes a token; false when there is no such token or it was already revoked.
    pub fn revoke_token(&self, id: Id) -> Result<bool> {
        self.write_blocking(|tx, now| {
            let n = tx
                .execute(
                    "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    params![id, ts(&now)],
                )
                .map_err(Error::storage)?;
            Ok(n == 1)
        })
    }

    /// The live (not revoked) token with this hash.
    pub fn token_by_hash(&self, hash: &str) -> Result<Option<TokenInfo>> {
        let conn = self.reader();
        conn.prepare_cached(
            "SELECT id, user, created_at, role, revoked_at FROM api_tokens
             WHERE hash = ?1 AND revoked_at IS NULL",
        )
        .and_then(|mut s| s.query_row([hash], info).optional())
        .map_err(Error::storage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hashed_and_revocable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.db")).unwrap();
        let (a, info) = store.create_token("maya", Role::Csm).unwrap();
        let (b, _) = store.create_token("ops", Role::Admin).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        // Only the hash is kept.
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        let stored: String = conn
            .query_row(
                "SELECT hash FROM api_tokens WHERE id = ?1",
                [info.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, token_hash(&a));
        assert!(!stored.contains(&a[TOKEN_PREFIX.len()..]));
        assert_eq!(
            store.token_by_hash(&token_hash(&a)).unwrap().unwrap().user,
            "maya"
        );
        assert!(
            store
                .token_by_hash(&token_hash("tend_nope"))
                .unwrap()
                .is_none()
        );
        assert!(store.revoke_token(info.id).unwrap());
        assert!(!store.revoke_token(info.id).unwrap());
        assert!(store.token_by_hash(&token_hash(&a)).unwrap().is_none());
        assert_eq!(store.tokens().unwrap().len(), 2);
        assert!(store.create_token("  ", Role::Viewer).is_err());
    }
}
