//! Typed errors every backend returns.

use serde::{Deserialize, Serialize};

use tend_domain::{EntityKind, Id};

/// What can go wrong behind the `Backend` trait.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum Error {
    #[error("{kind} {id} not found")]
    NotFound { kind: EntityKind, id: Id },
    #[error(
        "{kind} {id} was changed by someone else (you edited version {expected}, the store has version {actual}); reload it and apply your change again"
    )]
    Conflict {
        kind: EntityKind,
        id: Id,
        expected: i64,
        actual: i64,
    },
    /// No file with this SHA-256 is in the store's file store.
    #[error("file {sha256} not found: the store keeps no file with this SHA-256")]
    FileNotFound { sha256: String },
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("storage error: {message}")]
    Storage { message: String },
    /// The backend cannot be reached (a team server that is down or unreachable).
    #[error("{message}")]
    Unavailable { message: String },
    /// The team server does not accept the token (missing, unknown or revoked).
    #[error("{message}")]
    Unauthorized { message: String },
    /// The token's role does not allow this.
    #[error("{message}")]
    Forbidden { message: String },
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
    pub fn storage(message: impl std::fmt::Display) -> Self {
        Error::Storage {
            message: message.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
