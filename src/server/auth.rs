//! Bearer tokens and roles: who is calling, and what they may write.
//!
//! admin: everything. csm: reads everything; writes records of the accounts it
//! owns or is a team member of (and creates accounts it owns). viewer: reads only.
//! A missing, unknown or revoked token is 401; a refused write is 403. Neither
//! answer says anything about the data.

use axum::extract::FromRequestParts;
use axum::http::header;

use super::{AppState, problem::ApiError};
use crate::api::{Problem, Role};
use crate::backend::{Backend, Write};
use crate::domain::*;
use crate::sqlite::{Store, TokenInfo, token_hash};

/// Where the request log finds who made the request, once a token named them.
#[derive(Clone, Default)]
pub struct UserSlot(pub std::sync::Arc<std::sync::OnceLock<String>>);

/// The caller a valid token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    pub role: Role,
}

fn unauthorized(detail: &str) -> Problem {
    Problem::new(401, "unauthorized", "Unauthorized", detail)
}

pub fn forbidden(detail: impl Into<String>) -> Problem {
    Problem::new(403, "forbidden", "Forbidden", detail)
}

/// The bearer token of a request, if it carries one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The live token whose hash is `hash`, if there is one.
pub async fn lookup(store: &Store, hash: String) -> Result<Option<TokenInfo>, ApiError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || store.token_by_hash(&hash))
        .await
        .map_err(|e| crate::backend::Error::storage(format!("token lookup: {e}")))?
        .map_err(ApiError::from)
}

/// What the request's token was found to be, looked up once per request.
#[derive(Clone)]
pub struct Looked(pub Option<TokenInfo>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let Some(token) = bearer(&parts.headers) else {
            return Err(unauthorized(
                "this server needs a token: send 'Authorization: Bearer TOKEN' (tend login URL)",
            )
            .into_response());
        };
        let found = match parts.extensions.get::<Looked>() {
            Some(Looked(found)) => found.clone(),
            None => lookup(&state.store, token_hash(token))
                .await
                .map_err(IntoResponse::into_response)?,
        };
        match found {
            Some(info) => {
                let caller = Caller {
                    user: info.user,
                    role: info.role,
                };
                if let Some(slot) = parts.extensions.get::<UserSlot>() {
                    let _ = slot.0.set(caller.user.clone());
                }
                Ok(caller)
            }
            None => Err(unauthorized("the token is unknown or was revoked").into_response()),
        }
    }
}

impl Caller {
    /// Who a write is recorded under: the token's user, or for an admin token the
    /// actor it names in the `tend-actor` header.
    pub fn actor(&self, headers: &axum::http::HeaderMap) -> String {
        if self.role == Role::Admin
            && let Some(actor) = headers
                .get(crate::api::ACTOR_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(crate::api::decode_header)
                .filter(|a| !a.trim().is_empty())
        {
            return actor;
        }
        self.user.clone()
    }

    /// Who `@me` in a filter is: the name an admin token gives, else the token's user.
    pub fn me(&self, asked: Option<String>) -> String {
        match asked.filter(|m| !m.trim().is_empty()) {
            Some(m) if self.role == Role::Admin => m,
            _ => self.user.clone(),
        }
    }

    /// Refuses a viewer, and anyone but an admin when `admin_only`.
    pub fn may_write(&self, admin_only: bool, what: &str) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Viewer => Err(forbidden(format!(
                "{} is a viewer: {what} is not allowed (viewers read only)",
                self.user
            ))
            .into()),
            Role::Csm if admin_only => Err(forbidden(format!(
                "{} is a csm: {what} needs an admin token",
                self.user
            ))
            .into()),
            Role::Csm => Ok(()),
        }
    }

    /// Refuses a csm the writes that touch accounts it neither owns nor works on.
    pub async fn may_apply(&self, backend: &dyn Backend, writes: &[Write]) -> Result<(), ApiError> {
        self.may_write(false, "writing")?;
        if self.role == Role::Admin {
            return Ok(());
        }
        for w in writes {
            let mut accounts: Vec<Id> = Vec::new();
            match w {
                Write::Create { record } => {
                    if let Record::Account(a) = record {
                        if !self.works_on(a) {
                            return Err(self.refused(&format!(
                                "creating an account that {} neither owns nor is on the team of",
                                self.user
                            )));
                        }
                        continue;
                    }
                    accounts.extend(self.account_of(record)?);
                }
                Write::Update { record } => {
                    let stored = backend.get(record.kind(), record.id()).await?;
                    accounts.extend(self.account_of(&stored)?);
                    if !matches!(record, Record::Account(_)) {
                        accounts.extend(self.account_of(record)?);
                    }
                }
                Write::Delete { kind, id, .. } => {
                    let stored = backend.get(*kind, *id).await?;
                    accounts.extend(self.account_of(&stored)?);
                }
            }
            accounts.sort_unstable();
            accounts.dedup();
            for id in accounts {
                let Record::Account(a) = backend.get(EntityKind::Account, id).await? else {
                    continue;
                };
                if !self.works_on(&a) {
                    return Err(self.refused(&format!(
                        "account {id} ({}) is owned by {} and {} is not on its team",
                        a.name, a.owner, self.user
                    )));
                }
            }
        }
        Ok(())
    }

    /// The account a record belongs to; records of no account are an admin's.
    fn account_of(&self, record: &Record) -> Result<Option<Id>, ApiError> {
        match record.account_id() {
            Some(id) => Ok(Some(id)),
            None => Err(self.refused(&format!(
                "{} records belong to no account: only an admin edits them",
                record.kind()
            ))),
        }
    }

    fn works_on(&self, a: &Account) -> bool {
        a.owner == self.user || a.team.iter().any(|m| m == &self.user)
    }

    fn refused(&self, why: &str) -> ApiError {
        forbidden(format!("not allowed: {why}")).into()
    }
}
