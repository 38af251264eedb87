//! The PostgreSQL store, for a team server that outgrows one SQLite file: its
//! connection settings, its own schema migrations, and moving an embedded store
//! over (`tend migrate`).
//!
//! The schema mirrors the embedded store's tables (see `schema.sql`); the
//! version it is at is kept in `store_meta` under `schema_version`, and
//! migrations run under an advisory lock, so replicas starting together upgrade
//! the database once.

mod migrate;
mod pool;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use migrate::{MigrateReport, TableCount, copy_from_sqlite, refuse_unless_empty};
pub use pool::PgPool;

use std::str::FromStr;

use tokio_postgres::{Client, Config, GenericClient, NoTls};

use crate::{Error, Result};

/// The schema's steps, in order: the database is at version N once the first N
/// have run.
const MIGRATIONS: &[&str] = &[include_str!("schema.sql"), include_str!("counts.sql")];

/// The version of the schema this build writes.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock migrations run under (any constant the store alone uses).
const MIGRATION_LOCK: i64 = 0x7465_6e64_0001;

/// Whether a store location names a PostgreSQL database rather than a file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// A connection URL with its password replaced by `***`, to show or log. The
/// user information ends at the URL's first `@`, as the driver reads it (a
/// password may hold `/`); every `password` parameter of the query is
/// replaced too. What is not a URL is not shown at all.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a postgres:// URL)".to_string();
    };
    let (rest, query) = match rest.split_once('?') {
        // A '?' inside the password comes before the '@'.
        Some((before, after)) if !after.contains('@') => (before, Some(after)),
        _ => (rest, None),
    };
    let rest = match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => rest.to_string(),
    };
    let query = query.map(|q| {
        q.split('&')
            .map(|pair| match pair.split_once('=') {
                Some(("password", _)) => "password=***".to_string(),
                _ => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    match query {
        Some(q) => format!("{scheme}://{rest}?{q}"),
        None => format!("{scheme}://{rest}"),
    }
}

/// The connection settings of a `postgres://` URL. Without a password in it,
/// `PGPASSWORD` gives one, as for PostgreSQL's own tools.
pub fn config(url: &str) -> Result<Config> {
    let mut config = Config::from_str(url).map_err(|e| {
        Error::invalid(
            "store",
            format!("{} is not a PostgreSQL URL: {e}", redact_url(url)),
        )
    })?;
    if config.get_password().is_none()
        && let Ok(password) = std::env::var("PGPASSWORD")
    {
        config.password(password);
    }
    if config.get_application_name().is_none() {
        config.application_name("tend");
    }
    Ok(config)
}

/// One connection, its driver task running on the current runtime until the
/// client is dropped.
pub async fn connect(url: &str) -> Result<Client> {
    let config = config(url)?;
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| Error::Unavailable {
            message: format!(
                "cannot connect to PostgreSQL at {}: {}",
                redact_url(url),
                describe(&e)
            ),
        })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("PostgreSQL connection ended: {e}");
        }
    });
    Ok(client)
}

/// A driver error in words: the server's message when it sent one.
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => {
            // The driver's own text, with its cause (the socket's error) when it has one.
            let mut text = e.to_string();
            if let Some(source) = std::error::Error::source(e) {
                text = format!("{text}: {source}");
            }
            text
        }
    }
}

pub(crate) fn storage(e: tokio_postgres::Error) -> Error {
    Error::storage(describe(&e))
}

/// The full-text condition on the interactions (aliased `i`) for the text in
/// parameter `$n`, with the embedded store's semantics: every word must match,
/// the last as a prefix, no stemming, accents and case ignored (the text goes
/// through the same `tend_words` as the indexed column). A text without a word
/// matches nothing; callers leave the condition out for one (see
/// [`has_words`]).
pub fn search_condition(n: usize) -> String {
    search_condition_at(&format!("${n}"))
}

/// [`search_condition`] with the text at `placeholder` (`?` in the store's
/// statements, which number their placeholders themselves).
pub fn search_condition_at(placeholder: &str) -> String {
    format!(
        "i.search @@ to_tsquery('simple', \
         nullif(regexp_replace(btrim(tend_words({placeholder})), ' +', ' & ', 'g'), '') || ':*')"
    )
}

/// Whether a search text has a word to look for (else no search is made, as
/// in the embedded store).
pub fn has_words(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| !w.is_empty())
}

/// The schema version the database is at (0 for an empty database).
pub async fn schema_version(client: &impl GenericClient) -> Result<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass('store_meta') IS NOT NULL", &[])
        .await
        .map_err(storage)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client
        .query_opt(
            "SELECT value FROM store_meta WHERE key = 'schema_version'",
            &[],
        )
        .await
        .map_err(storage)?;
    let Some(row) = row else { return Ok(0) };
    let value: String = row.get(0);
    value
        .parse()
        .map_err(|_| Error::storage(format!("store_meta.schema_version is {value:?}")))
}

/// Brings the database's schema to [`PG_SCHEMA_VERSION`] in one transaction,
/// under an advisory lock. A database written by a newer tend is refused.
pub async fn migrate(client: &mut Client) -> Result<()> {
    let tx = client.transaction().await.map_err(storage)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(storage)?;
    // The search folds case and splits words by the database's character
    // classes: a C or POSIX one knows only ASCII letters.
    let ctype: String = tx
        .query_one(
            "SELECT datctype FROM pg_database WHERE datname = current_database()",
            &[],
        )
        .await
        .map_err(storage)?
        .get(0);
    if ctype == "C" || ctype == "POSIX" {
        return Err(Error::storage(format!(
            "the database's character type is {ctype}, which knows only ASCII letters: the search would \
             miss words in other alphabets. Create it with a UTF-8 one: CREATE DATABASE ... \
             LC_CTYPE 'C.UTF-8' TEMPLATE template0"
        )));
    }
    let at = schema_version(&tx).await?;
    if at > PG_SCHEMA_VERSION {
        return Err(Error::storage(format!(
            "the database's schema is at version {at}, newer than this tend's {PG_SCHEMA_VERSION}: use a newer tend"
        )));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(at as usize) {
        tx.batch_execute(step)
            .await
            .map_err(|e| Error::storage(format!("schema step {}: {}", i + 1, describe(&e))))?;
        tx.execute(
            "INSERT INTO store_meta (key, value) VALUES ('schema_version', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&(i as i64 + 1).to_string()],
        )
        .await
        .map_err(storage)?;
    }
    tx.commit().await.map_err(storage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("postgres://tend:s3cret@db.example:5432/tend"),
            "postgres://tend:***@db.example:5432/tend"
        );
        // A password with '/', '?' and '#' in it, as generated ones have.
        assert_eq!(
            redact_url("postgres://tend:pa/s?s#w@db/tend"),
            "postgres://tend:***@db/tend"
        );
        // In the query, only the password parameter, every time.
        assert_eq!(
            redact_url("postgres://db/tend?user=tend&sslpassword=x&password=hunter2&password=b"),
            "postgres://db/tend?user=tend&sslpassword=x&password=***&password=***"
        );
        assert_eq!(redact_url("postgres:/u:pw@h/db"), "(not a postgres:// URL)");
        assert_eq!(
            redact_url("postgresql://tend@127.0.0.1/tend?password=hunter2&sslmode=disable"),
            "postgresql://tend@127.0.0.1/tend?password=***&sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://127.0.0.1/tend"),
            "postgres://127.0.0.1/tend"
        );
        assert!(is_postgres_url("postgresql://x/y"));
        assert!(!is_postgres_url("/var/lib/tend.db"));
    }

    /// The PostgreSQL schema holds the embedded store's tables at its schema
    /// 17 (and `tend migrate` copies those): a new step of the embedded
    /// store's schema needs its step here, and its tables in the copy.
    #[test]
    fn the_schema_follows_the_embedded_stores() {
        assert_eq!(
            crate::sqlite::SCHEMA_VERSION,
            17,
            "add the new tables or columns to the PostgreSQL schema (a new step in \
             postgres/mod.rs MIGRATIONS) and to TABLES in postgres/migrate.rs"
        );
    }

    #[test]
    fn a_bad_url_is_refused_without_its_password() {
        let e = config("postgres://tend:hunter2@host:notaport/tend").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("not a PostgreSQL URL"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
