//! Bearer tokens and roles: who is calling, and what they may write.
//!
//! admin: everything. csm: reads everything; writes records of the accounts it
//! owns or is a team member of (and creates accounts it owns). viewer: reads only.
//! A missing, unknown or revoked token is 401; a refused write is 403. Neither
//! answer says anything about the data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use axum::http::header;

use super::{AppState, problem::ApiError, problem::ProblemResponse};
use tend_backend::api::{Problem, Role};
use tend_backend::sqlite::{TokenInfo, token_hash};
use tend_backend::{Backend, Write};
use tend_domain::*;

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

/// Tokens minted in memory for the app's SSH sessions (ssh/): each is the
/// session's user and role, lives as long as its session, and is never stored
/// or logged. Requests with one pass the same checks as with a stored token.
#[derive(Clone, Default)]
pub struct SessionTokens(Arc<Mutex<HashMap<String, TokenInfo>>>);

/// A session's token; dropping it forgets the token.
pub struct SessionToken {
    token: String,
    hash: String,
    tokens: SessionTokens,
}

impl SessionToken {
    /// The bearer token itself (for the session's own client only).
    pub fn expose(&self) -> &str {
        &self.token
    }
}

impl Drop for SessionToken {
    fn drop(&mut self) {
        self.tokens.lock().remove(&self.hash);
    }
}

impl SessionTokens {
    /// A new token for `user` with `role`, valid until the answer is dropped.
    pub fn mint(&self, user: &str, role: Role) -> Result<SessionToken, String> {
        let token =
            tend_backend::sqlite::new_token().map_err(|e| format!("a session token: {e}"))?;
        let hash = token_hash(&token);
        let info = TokenInfo {
            // No stored token has id 0 (SQLite's row ids start at 1).
            id: 0,
            user: user.to_string(),
            role,
            created_at: chrono::Utc::now(),
            revoked_at: None,
        };
        self.lock().insert(hash.clone(), info);
        Ok(SessionToken {
            token,
            hash,
            tokens: self.clone(),
        })
    }

    /// How many session tokens are live.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session token is live.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn get(&self, hash: &str) -> Option<TokenInfo> {
        self.lock().get(hash).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, TokenInfo>> {
        // A panic while holding this lock leaves the map whole (inserts and
        // removes only), so a poisoned lock is still a sound map.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The live token whose hash is `hash`, if there is one: a session's, else the store's.
pub async fn lookup(state: &AppState, hash: String) -> Result<Option<TokenInfo>, ApiError> {
    if let Some(info) = state.sessions.get(&hash) {
        return Ok(Some(info));
    }
    state.store.find_token(&hash).await.map_err(ApiError::from)
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
            None => lookup(state, token_hash(token))
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

/// What a write does to which record, for the role check.
pub enum Touch<'a> {
    Create(&'a Record),
    Update(&'a Record),
    Delete(EntityKind, Id),
}

impl Caller {
    /// Who a write is recorded under: the token's user, or for an admin token the
    /// actor it names in the `tend-actor` header.
    pub fn actor(&self, headers: &axum::http::HeaderMap) -> String {
        self.me(headers
            .get(tend_backend::api::ACTOR_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(tend_backend::api::decode_header))
    }

    /// Who `@me` in a filter (or the author of a write) is: the name an admin token
    /// gives, else the token's user.
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
        let touches: Vec<Touch> = writes
            .iter()
            .map(|w| match w {
                Write::Create { record } => Touch::Create(record),
                Write::Update { record } => Touch::Update(record),
                Write::Delete { kind, id, .. } => Touch::Delete(*kind, *id),
            })
            .collect();
        self.may_touch(backend, &touches).await
    }

    /// [`Caller::may_apply`] for writes not yet made into [`Write`]s.
    pub async fn may_touch(
        &self,
        backend: &dyn Backend,
        touches: &[Touch<'_>],
    ) -> Result<(), ApiError> {
        self.may_write(false, "writing")?;
        if self.role == Role::Admin {
            return Ok(());
        }
        // Every account the writes touch (before and after an update), each checked once.
        let mut accounts: Vec<Id> = Vec::new();
        for touch in touches {
            match *touch {
                Touch::Create(Record::Account(a)) => {
                    if !self.works_on(a) {
                        return Err(self.refused(&format!(
                            "creating an account that {} neither owns nor is on the team of",
                            self.user
                        )));
                    }
                }
                Touch::Create(record) => accounts.extend(self.account_of(record)?),
                Touch::Update(record) => {
                    let stored = backend.get(record.kind(), record.id()).await?;
                    accounts.extend(self.account_of(&stored)?);
                    if !matches!(record, Record::Account(_)) {
                        accounts.extend(self.account_of(record)?);
                    }
                }
                Touch::Delete(kind, id) => {
                    let stored = backend.get(kind, id).await?;
                    accounts.extend(self.account_of(&stored)?);
                }
            }
        }
        self.may_write_accounts(backend, accounts).await
    }

    /// Refuses a viewer, and a csm any of these accounts it neither owns nor works on.
    pub async fn may_write_accounts(
        &self,
        backend: &dyn Backend,
        mut accounts: Vec<Id>,
    ) -> Result<(), ApiError> {
        self.may_write(false, "writing")?;
        if self.role == Role::Admin {
            return Ok(());
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
