//! The SSH keys of the team server's users (`tend serve --ssh`): each key's
//! SHA-256 fingerprint, as `ssh-keygen -l` prints it, names a user and a role,
//! as an API token does.

use serde::Serialize;

use super::codec::{from_ts, ts};
use crate::api::Role;
use crate::db::{Conn, Row};
use crate::{Error, Result};
use rusqlite::OptionalExtension;
use tend_domain::{Id, Timestamp};

/// A registered SSH public key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SshKeyInfo {
    pub id: Id,
    pub user: String,
    pub role: Role,
    /// `SHA256:` and the base64 digest, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The key line as it was given (algorithm, key, comment).
    pub public_key: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, \"user\", role, fingerprint, public_key, created_at, revoked_at";

fn info(r: &Row<'_>) -> rusqlite::Result<SshKeyInfo> {
    let role: String = r.get(2)?;
    Ok(SshKeyInfo {
        id: r.get(0)?,
        user: r.get(1)?,
        // A role the store does not know reads as the one that writes nothing.
        role: role.parse().unwrap_or(Role::Viewer),
        fingerprint: r.get(3)?,
        public_key: r.get(4)?,
        created_at: from_ts(r.get(5)?),
        revoked_at: r.get::<_, Option<i64>>(6)?.map(from_ts),
    })
}

/// Stores a key for `user` with `role`; refuses a key that is already live,
/// naming the user it belongs to.
pub(super) fn insert(
    tx: Conn<'_>,
    fingerprint: &str,
    public_key: &str,
    user: &str,
    role: Role,
    now: Timestamp,
) -> Result<SshKeyInfo> {
    if let Some(live) = by_fingerprint(tx, fingerprint)? {
        return Err(Error::invalid(
            "key",
            format!(
                "the key {fingerprint} is already registered, as key {} of {} ({}): revoke it first to give it to another user or role",
                live.id, live.user, live.role
            ),
        ));
    }
    let id = tx
        .query_row(
            "INSERT INTO ssh_keys (fingerprint, public_key, \"user\", role, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            &[&fingerprint, &public_key, &user, &role.as_str(), &ts(&now)],
            |r| r.get(0),
        )
        .map_err(Error::storage)?;
    Ok(SshKeyInfo {
        id,
        user: user.to_string(),
        role,
        fingerprint: fingerprint.to_string(),
        public_key: public_key.to_string(),
        created_at: from_ts(ts(&now)),
        revoked_at: None,
    })
}

/// Every key, oldest first.
pub(super) fn all(conn: Conn<'_>) -> Result<Vec<SshKeyInfo>> {
    conn.query_map(
        &format!("SELECT {COLUMNS} FROM ssh_keys ORDER BY id"),
        &[],
        info,
    )
    .map_err(Error::storage)
}

/// Revokes a key; false when there is no such key or it was already revoked.
pub(super) fn revoke(tx: Conn<'_>, id: Id, now: Timestamp) -> Result<bool> {
    super::tokens::revoke_row(tx, "ssh_keys", id, now)
}

/// The live (not revoked) key with this fingerprint.
pub(super) fn by_fingerprint(conn: Conn<'_>, fingerprint: &str) -> Result<Option<SshKeyInfo>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM ssh_keys WHERE fingerprint = ?1 AND revoked_at IS NULL"),
        &[&fingerprint],
        info,
    )
    .optional()
    .map_err(Error::storage)
}
