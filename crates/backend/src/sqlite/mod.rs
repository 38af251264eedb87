//! The embedded store: SQLite (bundled), WAL, foreign keys, FTS5, migrations.
//!
//! One writer connection and a few readers (WAL lets readers run beside the
//! writer). Every call runs on tokio's blocking pool, so async callers never wait
//! on disk.
//!
//! The modules depend on one another one way (each on those below it, none back);
//! `Store`'s methods are thin calls into them:
//!
//! ```text
//! mod (Store: the Backend trait) -> everything below
//! act        -> playbooks, notify, outbox, mywork, write, tables (the scheduler's round)
//! playbooks  -> write, outbox, read, tables, codec
//! notify     -> outbox, meta, tables, codec
//! mywork     -> tables, codec
//! write      -> runs, health, rules, derived, tables, codec
//! runs       -> outbox, read, tables
//! outbox     -> codec
//! health     -> tables, meta, scan, codec   (inside: recompute -> scores ->
//!                                            snapshots -> inputs; scores -> alerts)
//! bulk       -> read, tables, codec
//! timeline   -> health, read, tables, codec
//! insights   -> read, tables, codec
//! read       -> filter, tables, codec
//! derived    -> tables, codec
//! dashboard  -> codec
//! filter     -> codec
//! rules      -> tables
//! tables     -> codec
//! tokens     -> codec (over db::Conn: either engine)
//! leases     -> (over db::Conn: either engine)
//! codec, scan, meta, migrations, files: none
//! ```

mod act;
#[cfg(test)]
mod both_engines;
mod bulk;
mod codec;
mod dashboard;
mod derived;
mod files;
mod filter;
mod health;
mod insights;
mod leases;
mod meta;
mod migrations;
mod mywork;
mod notify;
mod outbox;
mod playbooks;
mod read;
mod rules;
mod runs;
mod scan;
mod ssh_keys;
mod sync;
mod tables;
mod timeline;
mod tokens;
mod write;

pub use bulk::Loader;
pub(crate) use files::FileStore;
pub use migrations::{SCHEMA_VERSION, migrate_to};
pub use ssh_keys::SshKeyInfo;
pub use tokens::{TOKEN_PREFIX, TokenInfo, new_token, token_hash};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::db::Conn;

use crate::*;
use tend_domain::*;
use tend_engines::dataset::{Dataset, ImportReport};
use tend_engines::health::{AccountData, HealthSetup};

/// Now and `period` from now, in wall-clock milliseconds (leases are kept in
/// the wall clock's time, whatever clock the store reads its data with).
fn lease_times(period: std::time::Duration) -> (i64, i64) {
    let now = chrono::Utc::now().timestamp_millis();
    let until = now.saturating_add(i64::try_from(period.as_millis()).unwrap_or(i64::MAX));
    (now, until)
}

/// Where "now" comes from: the wall clock in the app, a fixed instant in tests.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// A clock stopped at `at`.
pub fn fixed_clock(at: Timestamp) -> Clock {
    Arc::new(move || at)
}

/// The bundled demo fixtures (see assets/README.md).
pub const DEMO_FIXTURES: &[u8] = include_bytes!("../../../../assets/demo.json");

const READERS: usize = 4;

// Readers keep 8 MB of pages each (the OS keeps the file's pages too): with four of
// them a long-running app over a large store stays small.

/// The writer's page cache, in SQLite's unit (negative: KiB).
const WRITER_CACHE: i64 = -64000;

struct Inner {
    /// Where the records are kept.
    engine: Engine,
    clock: Clock,
    /// The health profiles and rules in force; an admin may replace the
    /// profiles (`Backend::set_health_profiles`).
    health: std::sync::RwLock<Arc<HealthSetup>>,
    /// The summary settings when the store keeps none.
    summary: crate::summary::Settings,
    /// Where emails and notifications go.
    outbound: Arc<crate::outbound::Settings>,
    /// The custom fields and churn reasons a write to an account is held to.
    accounts: Arc<AccountRules>,
    /// The client webhooks are posted with.
    http: std::sync::OnceLock<reqwest::Client>,
    /// One tick at a time (the app's timer and a write's own may meet).
    ticking: tokio::sync::Mutex<()>,
    /// Set while a demo store loads behind its first rows (see
    /// [`Store::demo_staged`]): `None` until the load ends, then how it ended.
    loading: std::sync::OnceLock<tokio::sync::watch::Receiver<Option<Loaded>>>,
}

/// The engine a store keeps its records in.
enum Engine {
    /// One SQLite file (the embedded store).
    File(Box<File>),
    /// A PostgreSQL database, shared by every server over it.
    Pg(crate::postgres::PgPool),
}

/// An SQLite store file: its connections and its upkeep.
struct File {
    path: PathBuf,
    /// The files attached to documents, beside the store's file.
    files: files::FileStore,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Wakes the maintenance thread.
    chores: std::sync::mpsc::SyncSender<Chore>,
    /// The maintenance thread, joined when the store closes (see `Drop for File`).
    upkeep: Option<std::thread::JoinHandle<()>>,
    /// Writes committed since the store opened (every so many, a merge step).
    writes: AtomicUsize,
    /// Keeps a demo store's directory alive as long as the store.
    _temp: Option<DemoDir>,
}

impl File {
    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        crate::db::any_free(&self.readers, &self.next_reader)
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// After a write: a merge step every few writes, a checkpoint when the log
    /// passed its threshold (a full queue means they are already due).
    fn upkeep(&self) {
        let n = self.writes.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(MERGE_EVERY) {
            let _ = self.chores.try_send(Chore::Merge);
        }
        let wal = format!("{}-wal", self.path.display());
        if std::fs::metadata(wal).is_ok_and(|m| m.len() > CHECKPOINT_AT) {
            let _ = self.chores.try_send(Chore::Checkpoint);
        }
    }
}

/// The advisory lock every write to a PostgreSQL store takes for its
/// transaction: writes follow one another, as the store file's one writer
/// makes them, whichever server they come from.
const PG_WRITE_LOCK: i64 = 0x7465_6e64_0002;

/// How a load behind the first rows ended.
type Loaded = std::result::Result<(), String>;

/// The loads running behind demo stores, so the process can wait for them before
/// it exits (the store's temporary directory is removed when the load lets go).
static BACKGROUND_LOADS: Mutex<Vec<std::thread::JoinHandle<()>>> = Mutex::new(Vec::new());

/// Waits for the loads running behind demo stores (at most a few hundred
/// milliseconds; called once the app has closed).
pub fn wait_for_background_loads() {
    let loads = std::mem::take(&mut *BACKGROUND_LOADS.lock().unwrap_or_else(|p| p.into_inner()));
    for load in loads {
        let _ = load.join();
    }
}

/// The write-ahead log size past which it is folded back into the file.
const CHECKPOINT_AT: u64 = 4 << 20;
/// Writes between two merge steps of the full-text index.
const MERGE_EVERY: usize = 16;

/// Upkeep that must not run inside a user's write.
#[derive(Debug, Clone, Copy)]
enum Chore {
    /// Fold the write-ahead log back into the file.
    Checkpoint,
    /// One bounded step of merging the full-text index's segments.
    Merge,
    /// The store is closing: stop, and close the thread's connection.
    Stop,
}

/// The upkeep thread: where to send its chores, and the thread.
type Upkeep = (
    std::sync::mpsc::SyncSender<Chore>,
    std::thread::JoinHandle<()>,
);

/// Runs the store's upkeep on a thread of its own, so no write waits for it. Left to
/// themselves, SQLite and FTS5 do it inside the commit that crosses a threshold: the
/// automatic checkpoint (one write in fifty took 20-150 ms on a 2 GB store) and the
/// full-text index's automatic merges (inserts alone: p99 33 ms, 0.35 ms without).
/// Here the checkpoint is PASSIVE (it never blocks the writer or the readers) and a
/// merge step writes at most 64 pages. The thread stops when the store is dropped,
/// which waits for it (see `Drop for Inner`).
fn start_upkeep(path: &Path) -> Result<Upkeep> {
    let conn = open_connection(path, false)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chore>(4);
    let thread = std::thread::Builder::new()
        .name("tend-upkeep".into())
        .spawn(move || {
            while let Ok(chore) = rx.recv() {
                let sql = match chore {
                    Chore::Checkpoint => "PRAGMA wal_checkpoint(PASSIVE)",
                    Chore::Merge => {
                        "INSERT INTO interactions_fts(interactions_fts, rank) VALUES ('merge', 64)"
                    }
                    Chore::Stop => break,
                };
                if let Err(e) = conn.execute_batch(sql) {
                    tracing::warn!("store upkeep ({chore:?}) failed: {e}");
                }
            }
        })
        .map_err(|e| Error::storage(format!("cannot start the store's upkeep: {e}")))?;
    Ok((tx, thread))
}

impl Drop for File {
    fn drop(&mut self) {
        // The upkeep thread first: a checkpoint of its own under way (one follows
        // every write that grows the log past CHECKPOINT_AT, a bulk load's always)
        // makes the one below fail as busy, and the process would then end in the
        // middle of it, leaving the file without the writes (`tend generate`: a
        // 4 KB .db beside its whole store in the log). Its connection is closed
        // with it.
        let _ = self.chores.send(Chore::Stop);
        if let Some(thread) = self.upkeep.take() {
            let _ = thread.join();
        }
        // Fold the write-ahead log back into the file, so a copy of the .db alone
        // has every write. Failure only means the log stays beside the file. A
        // demo store's directory is deleted next: nothing to fold.
        if self._temp.is_some() {
            return;
        }
        if let Ok(conn) = self.writer.lock()
            && let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        {
            tracing::warn!(
                "closing {}: the write-ahead log was not folded into the file: {e}",
                self.path.display()
            );
        }
    }
}

/// How a store is opened: its clock and its health profiles and rules.
#[derive(Clone)]
pub struct Options {
    pub clock: Clock,
    pub health: Arc<HealthSetup>,
    /// The summary settings of a store that has none of its own yet (the
    /// config's `[summary] sections`).
    pub summary: crate::summary::Settings,
    /// Where emails and notifications go (the config's `[email]`, `[smtp]`,
    /// `[outbox]` and `[notify]`).
    pub outbound: Arc<crate::outbound::Settings>,
    /// The custom fields and churn reasons of the organisation (the config's
    /// `[[custom_fields]]` and `[churn] reasons`): writes to an account are held
    /// to them.
    pub accounts: Arc<AccountRules>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: system_clock(),
            health: Arc::new(HealthSetup::default()),
            summary: crate::summary::Settings::default(),
            outbound: Arc::default(),
            accounts: Arc::default(),
        }
    }
}

impl Options {
    /// The default options with another clock.
    pub fn with_clock(clock: Clock) -> Options {
        Options {
            clock,
            ..Options::default()
        }
    }
}

/// The embedded SQLite store.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

fn open_connection(path: &Path, reader: bool) -> Result<Connection> {
    let flags = if reader {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| Error::storage(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(Error::storage)?;
    let pragmas = if reader {
        "PRAGMA foreign_keys = ON; PRAGMA cache_size = -8000; PRAGMA temp_store = MEMORY;"
            .to_string()
    } else {
        // WAL is switched on after the schema version check: a store from a newer
        // tend must be refused without being touched.
        format!(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
             PRAGMA cache_size = {WRITER_CACHE}; PRAGMA temp_store = MEMORY;"
        )
    };
    conn.execute_batch(&pragmas)
        .map_err(|e| Error::storage(format!("cannot set up {}: {e}", path.display())))?;
    // An account's 360 alone runs 17 statements, a write's health rescoring more:
    // with rusqlite's default of 16 cached statements they pushed each other out and
    // were compiled again on every call (29% of a loaded server's time).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Drops the index `name` when its table is empty, for a bulk load to build it
/// once at the end (sorting every key once instead of inserting them one by one
/// in no particular order). Returns the statement that creates it again.
fn without_index_while_empty(conn: &Connection, name: &str) -> Result<Option<String>> {
    let (table, create): (String, String) = conn
        .query_row(
            "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND name = ?",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(Error::storage)?;
    let empty = !conn
        .query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), [], |r| {
            r.get::<_, bool>(0)
        })
        .map_err(Error::storage)?;
    if !empty {
        return Ok(None);
    }
    conn.execute_batch(&format!("DROP INDEX {name}"))
        .map_err(Error::storage)?;
    Ok(Some(create))
}

/// Gathers the planner's statistics on the tables the filter language reads
/// (accounts and support cases, with their indexes): which index narrows a filter
/// most depends on the data, and without statistics SQLite guesses. About a second
/// on 100k accounts and 500k cases. Connections load statistics when they read the
/// schema: readers opened before a later analysis keep the earlier statistics
/// until the store is opened again.
pub(crate) fn analyze(conn: &Connection) -> Result<()> {
    conn.execute_batch("ANALYZE accounts; ANALYZE support_cases;")
        .map_err(Error::storage)
}

/// A store with accounts and no statistics on them (made before there were, or
/// upgraded from schema version 3). A store without accounts has none: the load
/// that fills it gathers them, and creating the statistics tables then makes every
/// open connection read them.
fn lacks_statistics(conn: &Connection) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM accounts) AND NOT EXISTS (
             SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1')",
        [],
        |r| r.get(0),
    )
    .map_err(Error::storage)
}

/// After an import: the statistics again when the import brought a tenth or more
/// of the accounts (a small import does not change the picture, and would pay for
/// reading every row of both tables).
fn refresh_statistics(conn: &Connection, imported: usize) -> Result<()> {
    let accounts: i64 = conn
        .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
        .map_err(Error::storage)?;
    if imported > 0 && imported as i64 * 10 >= accounts {
        analyze(conn)?;
    }
    Ok(())
}

/// A demo store's temporary directory, held for as long as the store: removed
/// when dropped, and locked meanwhile so that another `tend demo` can tell it from
/// the directory of a process that was killed.
pub(crate) struct DemoDir {
    _dir: tempfile::TempDir,
    /// An exclusive lock on `DEMO_LOCK` in the directory; the kernel lets go of it
    /// when the process ends, however it ends.
    _lock: std::fs::File,
}

const DEMO_PREFIX: &str = "tend-demo-";
const DEMO_LOCK: &str = "in-use.lock";
/// A demo directory younger than this is never removed by another process (it may
/// be one being made, not yet locked).
const DEMO_GRACE: std::time::Duration = std::time::Duration::from_secs(60);
/// A demo directory without a lock (made by an older tend, which may still be
/// running) is removed only once it is this old.
const DEMO_GRACE_UNLOCKED: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// A temporary directory for a demo store, and the store's path in it. The
/// directories that killed demos left behind are removed first.
fn demo_dir() -> Result<(DemoDir, PathBuf)> {
    remove_stale_demo_dirs(&std::env::temp_dir());
    let dir = tempfile::Builder::new()
        .prefix(DEMO_PREFIX)
        .tempdir()
        .map_err(|e| Error::storage(format!("cannot create a temporary directory: {e}")))?;
    let lock = std::fs::File::create(dir.path().join(DEMO_LOCK))
        .and_then(|f| f.lock().map(|()| f))
        .map_err(|e| Error::storage(format!("cannot lock the demo directory: {e}")))?;
    let path = dir.path().join("demo.db");
    Ok((
        DemoDir {
            _dir: dir,
            _lock: lock,
        },
        path,
    ))
}

/// Removes the demo directories under `tmp` that no running process holds: those
/// whose lock is free, and those of older versions (no lock file) once they are
/// older than [`DEMO_GRACE`]. Returns how many it removed; what cannot be read or
/// removed is left as it is.
pub fn remove_stale_demo_dirs(tmp: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(DEMO_PREFIX) {
            continue;
        }
        let dir = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&dir) else {
            continue;
        };
        let age = meta.modified().ok().and_then(|m| m.elapsed().ok());
        if !meta.is_dir() || age.is_none_or(|age| age < DEMO_GRACE) {
            continue;
        }
        let free = match std::fs::File::open(dir.join(DEMO_LOCK)) {
            // Free: its process is gone (the lock is let go of at exit).
            Ok(f) => f.try_lock().is_ok(),
            Err(e) => {
                e.kind() == std::io::ErrorKind::NotFound
                    && age.is_some_and(|age| age >= DEMO_GRACE_UNLOCKED)
            }
        };
        if free && std::fs::remove_dir_all(&dir).is_ok() {
            tracing::info!(dir = %dir.display(), "removed a demo directory left behind");
            removed += 1;
        }
    }
    removed
}

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

/// Why a document's file is refused when the file store does not keep it.
fn missing_file(sha256: &str) -> String {
    format!(
        "the store keeps no file with SHA-256 {sha256}: store the file first, then the document"
    )
}

impl Store {
    /// Opens (creating if needed) the store at `path` with the wall clock.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, Options::default())
    }

    /// Opens the store at `path` with a given clock.
    pub fn open_with_clock(path: impl AsRef<Path>, clock: Clock) -> Result<Store> {
        Store::open_with(path, Options::with_clock(clock))
    }

    /// Opens the store at `path`, upgrading an older schema; refuses a newer one.
    pub fn open_with(path: impl AsRef<Path>, options: Options) -> Result<Store> {
        let store = Store::open_inner(path.as_ref(), options, None)?;
        store.refresh_derived_if_stale()?;
        Ok(store)
    }

    /// Opens the store at `path` without bringing its scores to today: reads see
    /// the scores of the last day it was opened until [`Backend::catch_up`] has
    /// run (the app draws at once and rescores behind its first frame).
    pub fn open_deferred(path: impl AsRef<Path>, options: Options) -> Result<Store> {
        Store::open_inner(path.as_ref(), options, None)
    }

    /// Whether the derived values or the scores are not today's, or the health
    /// setup changed since they were computed.
    fn is_stale(conn: Conn<'_>, today: &str, fingerprint: &str) -> Result<bool> {
        let has_accounts = conn
            .query_row("SELECT EXISTS (SELECT 1 FROM accounts)", &[], |r| {
                r.get::<_, bool>(0)
            })
            .map_err(Error::storage)?;
        Ok(meta::meta(conn, "derived_day")?.as_deref() != Some(today)
            || (has_accounts
                && (meta::meta(conn, "health_day")?.as_deref() != Some(today)
                    || meta::meta(conn, "health_fingerprint")?.as_deref() != Some(fingerprint))))
    }

    fn open_inner(path: &Path, options: Options, temp: Option<DemoDir>) -> Result<Store> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::storage(format!(
                    "cannot create the directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let mut writer = open_connection(path, false)?;
        if temp.is_some() {
            // A demo store lives in a temporary directory and dies with the process:
            // durability buys nothing there, so its writes skip the syncs.
            writer
                .execute_batch("PRAGMA synchronous = OFF")
                .map_err(Error::storage)?;
        }
        let label = path.display().to_string();
        let is_db: rusqlite::Result<i64> =
            writer.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0));
        if let Err(e) = is_db {
            return Err(Error::storage(format!("{label} is not a tend store: {e}")));
        }
        migrations::refuse_newer(&writer, &label)?;
        writer
            .execute_batch("PRAGMA journal_mode = WAL")
            .map_err(|e| Error::storage(format!("cannot set up {label}: {e}")))?;
        migrations::migrate(&mut writer, &label)?;
        if lacks_statistics(&writer)? {
            analyze(&writer)?;
        }
        // Checkpoints and full-text merges run on the upkeep thread instead. The
        // merge setting is kept in the index: written once, so opening a store
        // that has it changes nothing in the file.
        let setup = |sql: &str| {
            writer
                .execute_batch(sql)
                .map_err(|e| Error::storage(format!("cannot set up {label}: {e}")))
        };
        setup("PRAGMA wal_autocheckpoint = 0")?;
        let automerge: Option<i64> = writer
            .query_row(
                "SELECT v FROM interactions_fts_config WHERE k = 'automerge'",
                [],
                |r| r.get(0),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(Error::storage(e)),
            })?;
        if automerge != Some(0) {
            setup("INSERT INTO interactions_fts(interactions_fts, rank) VALUES ('automerge', 0)")?;
        }
        let health = with_stored_profiles(Conn::Sqlite(&writer), options.health.clone())?;
        let (chores, upkeep) = start_upkeep(path)?;
        let readers = (0..READERS)
            .map(|_| open_connection(path, true).map(Mutex::new))
            .collect::<Result<Vec<_>>>()?;
        let file = File {
            path: path.to_path_buf(),
            files: files::FileStore::beside(path),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            chores,
            upkeep: Some(upkeep),
            writes: AtomicUsize::new(0),
            _temp: temp,
        };
        Ok(Store::with_engine(
            Engine::File(Box::new(file)),
            health,
            options,
        ))
    }

    fn with_engine(engine: Engine, health: Arc<HealthSetup>, options: Options) -> Store {
        Store {
            inner: Arc::new(Inner {
                engine,
                clock: options.clock,
                health: std::sync::RwLock::new(health),
                summary: options.summary,
                outbound: options.outbound,
                accounts: options.accounts,
                http: std::sync::OnceLock::new(),
                ticking: tokio::sync::Mutex::new(()),
                loading: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Opens the store in the PostgreSQL database at `url` (`postgres://...`),
    /// bringing its schema to this build's version, with `connections`
    /// connections; its derived values and scores are brought to today.
    pub fn open_postgres(url: &str, connections: usize, options: Options) -> Result<Store> {
        let pool = crate::postgres::PgPool::open(url, connections)?;
        // On a thread of its own: the caller may be a runtime's (see `blocking`).
        let health = std::thread::scope(|s| {
            s.spawn(|| with_stored_profiles(Conn::Pg(&pool.get()), options.health.clone()))
                .join()
                .map_err(|_| Error::storage("reading the health profiles panicked"))?
        })?;
        let store = Store::with_engine(Engine::Pg(pool), health, options);
        store.refresh_derived_if_stale()?;
        Ok(store)
    }

    /// The store file, for what only a file has; a PostgreSQL store refuses
    /// `what` with a message that says so.
    fn file(&self, what: &str) -> Result<&File> {
        match &self.inner.engine {
            Engine::File(f) => Ok(f),
            Engine::Pg(pool) => Err(Error::invalid(
                "store",
                format!(
                    "{what} needs a store file; this store is the PostgreSQL database {}",
                    pool.label
                ),
            )),
        }
    }

    /// Where the store is: its file, or its database (password hidden).
    pub fn location(&self) -> String {
        match &self.inner.engine {
            Engine::File(f) => f.path.display().to_string(),
            Engine::Pg(pool) => pool.label.clone(),
        }
    }

    /// A fresh store in a temporary directory, loaded with the bundled demo fixtures
    /// shifted so that they end today.
    pub fn demo(options: Options) -> Result<Store> {
        // `parse` has already run every check: the load need not run them again.
        let dataset = tend_engines::dataset::parse(DEMO_FIXTURES, "assets/demo.json")
            .map_err(|p| Error::storage(p.to_string()))?;
        Store::demo_with(dataset, options, Store::import_trusted)
    }

    /// Imports a dataset `parse` has checked whole (references included): the load
    /// skips the per-row foreign-key lookups, as the generator's bulk load does.
    /// Its health history is scored from the records in memory on a second thread
    /// while they load.
    fn import_trusted(&self, dataset: &Dataset) -> Result<ImportReport> {
        let set = |sql: &str| {
            self.file("a bulk load")?
                .writer()
                .execute_batch(sql)
                .map_err(Error::storage)
        };
        set("PRAGMA foreign_keys = OFF")?;
        let setup = self.health();
        let scoring = health::Prescore::new(dataset, &setup, self.now());
        let out = self.load_while_scoring(dataset, &scoring, |_| Ok(()));
        scoring.free();
        set("PRAGMA foreign_keys = ON")?;
        out
    }

    /// Loads `dataset` in one transaction while a second thread scores its
    /// accounts' history (`scoring`; this thread joins in once the rows are in),
    /// then stores the history and runs `then` in the same transaction.
    fn load_while_scoring(
        &self,
        dataset: &Dataset,
        scoring: &health::Prescore,
        then: impl FnOnce(Conn<'_>) -> Result<()> + Send,
    ) -> Result<ImportReport> {
        std::thread::scope(|scope| {
            let other = scope.spawn(move || scoring.help());
            self.load_parsed(dataset, |tx, now| {
                scoring.help();
                other
                    .join()
                    .map_err(|_| Error::storage("the health scoring thread panicked"))?;
                health::store_all(tx, &self.health(), now, scoring.finish())?;
                then(tx)
            })
        })
    }

    /// The demo store in two steps, for the app: returns once the accounts, their
    /// agreements and their current scores are in (the portfolio can be read), and
    /// loads the rest — contacts, interactions, usage, cases and the other records,
    /// the year of health history, the alerts — on a thread of its own. Until that
    /// load has committed, every read except an unfiltered portfolio page and every
    /// write waits for it; then the store is exactly the one [`Store::demo`] builds.
    pub fn demo_staged(options: Options) -> Result<Store> {
        let mut dataset = tend_engines::dataset::parse(DEMO_FIXTURES, "assets/demo.json")
            .map_err(|p| Error::storage(p.to_string()))?;
        let (dir, path) = demo_dir()?;
        dataset.rebase_to((options.clock)().date_naive());
        let store = Store::open_inner(&path, options, Some(dir))?;
        store.refresh_derived_if_stale()?;
        let setup = store.health();
        let set = |sql: &str| {
            store
                .file("a bulk load")?
                .writer()
                .execute_batch(sql)
                .map_err(Error::storage)
        };
        set("PRAGMA foreign_keys = OFF")?;
        let first = Dataset {
            accounts: dataset.accounts.clone(),
            agreements: dataset.agreements.clone(),
            ..Dataset::new(dataset.anchor)
        };
        let today = store.now().date_naive();
        let accounts = std::thread::scope(|scope| {
            // Each account's records, dealt out while the first rows load.
            let split = scope.spawn(|| AccountData::split(&dataset));
            store.write_blocking(|tx, now| {
                Loader::new(tx.sqlite("a bulk load")?).load(&first)?;
                derived::refresh_all(tx, today)?;
                let accounts = split
                    .join()
                    .map_err(|_| Error::storage("dealing out the demo records panicked"))?;
                health::store_preview(tx, &health::preview(&accounts, &setup, now))?;
                Ok(accounts)
            })
        })?;
        health::drop_elsewhere(first);
        // The rest, behind the first rows.
        dataset.accounts.clear();
        dataset.agreements.clear();
        let (done, waiting) = tokio::sync::watch::channel(None);
        let _ = store.inner.loading.set(waiting);
        let behind = store.clone();
        let load = std::thread::Builder::new()
            .name("tend-demo-load".into())
            .spawn(move || {
                let count = accounts.len();
                let out = behind.load_rest(&dataset, accounts, count);
                if let Err(e) = &out {
                    tracing::error!("loading the demo failed: {e}");
                }
                if let Ok(file) = behind.file("a demo") {
                    let _ = file.writer().execute_batch("PRAGMA foreign_keys = ON");
                }
                let _ = done.send(Some(out.map_err(|e| e.to_string())));
                drop(behind);
                drop(dataset);
            })
            .map_err(|e| Error::storage(format!("cannot start loading the demo: {e}")))?;
        BACKGROUND_LOADS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(load);
        Ok(store)
    }

    /// The second step of [`Store::demo_staged`]: every record but the accounts
    /// and agreements already in, the health history scored from `accounts` (the
    /// dataset's records dealt out per account) while they load.
    fn load_rest(&self, rest: &Dataset, accounts: Vec<AccountData>, count: usize) -> Result<()> {
        let setup = self.health();
        let scoring = health::Prescore::with_accounts(rest, accounts, &setup, self.now());
        // The statistics the first step could not gather (its load had no cases
        // yet).
        let out = self.load_while_scoring(rest, &scoring, |tx| {
            refresh_statistics(tx.sqlite("a bulk load")?, count)
        });
        scoring.free();
        out.map(drop)
    }

    /// Waits until a load behind the first rows (a staged demo store) has ended;
    /// at once otherwise.
    async fn ready(&self) -> Result<()> {
        let Some(waiting) = self.inner.loading.get() else {
            return Ok(());
        };
        let mut waiting = waiting.clone();
        let ended = waiting
            .wait_for(Option::is_some)
            .await
            .map_err(|_| Error::storage("the demo stopped loading"))?;
        match ended.as_ref() {
            Some(Err(e)) => Err(Error::storage(format!("the demo could not be loaded: {e}"))),
            _ => Ok(()),
        }
    }

    /// A fresh temporary store loaded with `dataset` rebased to the clock's today.
    pub fn demo_from(dataset: Dataset, options: Options) -> Result<Store> {
        Store::demo_with(dataset, options, Store::import_blocking)
    }

    fn demo_with(
        mut dataset: Dataset,
        options: Options,
        import: fn(&Store, &Dataset) -> Result<ImportReport>,
    ) -> Result<Store> {
        let (dir, path) = demo_dir()?;
        dataset.rebase_to((options.clock)().date_naive());
        let store = Store::open_inner(&path, options, Some(dir))?;
        store.refresh_derived_if_stale()?;
        import(&store, &dataset)?;
        // Tens of thousands of records: freed while the caller goes on.
        health::drop_elsewhere(dataset);
        Ok(store)
    }

    /// The store's file (none for a PostgreSQL store).
    pub fn path(&self) -> Option<&Path> {
        match &self.inner.engine {
            Engine::File(file) => Some(&file.path),
            Engine::Pg(_) => None,
        }
    }

    /// The folder the files of the store's documents are kept in: `X.files`
    /// beside `X.db` (none for a PostgreSQL store, which keeps them in a table).
    pub fn files_dir(&self) -> Option<&Path> {
        match &self.inner.engine {
            Engine::File(file) => Some(file.files.root()),
            Engine::Pg(_) => None,
        }
    }

    /// Where a kept file is, for a reader that streams it (the team server):
    /// none for a PostgreSQL store (read it with `Backend::read_file`). A text
    /// that is not a SHA-256 is refused; a file the store does not keep is
    /// [`Error::FileNotFound`].
    pub fn file_path(&self, sha256: &str) -> Result<Option<PathBuf>> {
        match &self.inner.engine {
            Engine::File(file) => file.files.existing(sha256).map(Some),
            Engine::Pg(_) => Ok(None),
        }
    }

    /// Whether the store keeps the file of `sha256`.
    fn has_file(&self, sha256: &str) -> Result<bool> {
        match &self.inner.engine {
            Engine::File(file) => Ok(file.files.contains(sha256)),
            Engine::Pg(_) => self.read_blocking(|c, _| {
                c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)",
                    &[&sha256],
                    |r| r.get::<_, bool>(0),
                )
                .map_err(Error::storage)
            }),
        }
    }

    /// Refuses a document whose file the file store does not keep, naming
    /// `{prefix}file.sha256`. A malformed hash is left to the record's own
    /// checks, which say what is wrong with it.
    fn check_file(&self, record: &Record, prefix: &str) -> Result<()> {
        let Record::Document(Document { file: Some(f), .. }) = record else {
            return Ok(());
        };
        if !is_sha256(&f.sha256) || self.has_file(&f.sha256)? {
            return Ok(());
        }
        Err(Error::invalid(
            format!("{prefix}file.sha256"),
            missing_file(&f.sha256),
        ))
    }

    /// The documents of a dataset whose files the file store does not keep.
    fn check_dataset_files(&self, dataset: &Dataset) -> Result<()> {
        let mut problems: Vec<tend_engines::dataset::Problem> = vec![];
        let root = match self.files_dir() {
            Some(dir) => dir.display().to_string(),
            None => "the database's files table".to_string(),
        };
        for (i, d) in dataset.documents.iter().enumerate() {
            let Some(f) = d.file.as_ref() else { continue };
            if self.has_file(&f.sha256)? {
                continue;
            }
            problems.push(tend_engines::dataset::Problem {
                place: format!("documents[{i}] (id {})", d.id),
                field: Some("file.sha256".into()),
                message: format!(
                    "{}; a dataset carries the documents, not their files: copy the files folder \
                         of the store it came from (X.files beside X.db) to {}",
                    missing_file(&f.sha256),
                    root
                ),
            });
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(bulk::problems_error(&problems))
        }
    }

    /// The store's idea of now.
    pub fn now(&self) -> Timestamp {
        (self.inner.clock)()
    }

    /// Runs a read now, on this thread (one that may block: the blocking pool,
    /// or a thread of no runtime).
    fn read_here<T>(&self, f: impl FnOnce(Conn<'_>, Timestamp) -> Result<T>) -> Result<T> {
        let now = self.now();
        match &self.inner.engine {
            Engine::File(file) => f(Conn::Sqlite(&file.reader()), now),
            Engine::Pg(pool) => f(Conn::Pg(&pool.get()), now),
        }
    }

    /// Runs `f` in one write transaction, now, on this thread (as
    /// [`Store::read_here`]); any error rolls all of it back.
    fn write_here<T>(&self, f: impl FnOnce(Conn<'_>, Timestamp) -> Result<T>) -> Result<T> {
        let now = self.now();
        match &self.inner.engine {
            Engine::File(file) => {
                let mut conn = file.writer();
                let tx = conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(Error::storage)?;
                let out = f(Conn::Sqlite(&tx), now)?;
                tx.commit().map_err(Error::storage)?;
                drop(conn);
                file.upkeep();
                Ok(out)
            }
            Engine::Pg(pool) => pool
                .get()
                .transaction(Some(PG_WRITE_LOCK), |c| f(Conn::Pg(c), now)),
        }
    }

    /// Runs `f` where it may block on the store: here, unless this thread runs
    /// a runtime's tasks and the store is PostgreSQL's (whose calls block on a
    /// runtime of their own, which a runtime's thread may not do): then on a
    /// thread of its own.
    fn blocking<T: Send>(&self, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
        match &self.inner.engine {
            Engine::Pg(_) if tokio::runtime::Handle::try_current().is_ok() => {
                std::thread::scope(|s| {
                    s.spawn(f)
                        .join()
                        .map_err(|_| Error::storage("a store call panicked"))?
                })
            }
            _ => f(),
        }
    }

    /// Runs a read on the blocking pool.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Conn<'_>, Timestamp) -> Result<T> + Send + 'static,
    {
        self.ready().await?;
        self.read_now(f).await
    }

    /// Runs a read on the blocking pool without waiting for a load behind the
    /// first rows.
    async fn read_now<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Conn<'_>, Timestamp) -> Result<T> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_here(f))
            .await
            .map_err(|e| Error::storage(format!("read task failed: {e}")))?
    }

    /// Runs a write on the blocking pool, in one transaction.
    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Conn<'_>, Timestamp) -> Result<T> + Send + 'static,
    {
        self.ready().await?;
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write_here(f))
            .await
            .map_err(|e| Error::storage(format!("write task failed: {e}")))?
    }

    /// Runs `f` in one write transaction; any error rolls all of it back.
    /// Callable from any thread.
    pub(crate) fn write_blocking<T: Send>(
        &self,
        f: impl FnOnce(Conn<'_>, Timestamp) -> Result<T> + Send,
    ) -> Result<T> {
        self.blocking(|| self.write_here(f))
    }

    /// Runs a read; callable from any thread.
    fn read_blocking<T: Send>(
        &self,
        f: impl FnOnce(Conn<'_>, Timestamp) -> Result<T> + Send,
    ) -> Result<T> {
        self.blocking(|| self.read_here(f))
    }

    /// Recomputes what depends on the calendar when the day changed since the last
    /// time (agreements start and end, "days since" measures age), and the health
    /// scores when the profiles changed; builds the health history of a store that
    /// has none (one upgraded from schema version 1).
    fn refresh_derived_if_stale(&self) -> Result<()> {
        let today = self.now().date_naive().to_string();
        let setup = self.health();
        self.write_blocking(|tx, now| {
            if meta::meta(tx, "derived_day")?.as_deref() != Some(today.as_str()) {
                derived::refresh_all(tx, now.date_naive())?;
            }
            let has_accounts = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM accounts)", &[], |r| {
                    r.get::<_, bool>(0)
                })
                .map_err(Error::storage)?;
            if !has_accounts {
                return Ok(());
            }
            let has_history = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM health_snapshots)", &[], |r| {
                    r.get::<_, bool>(0)
                })
                .map_err(Error::storage)?;
            let stale = meta::meta(tx, "health_day")?.as_deref() != Some(today.as_str())
                || meta::meta(tx, "health_fingerprint")? != Some(setup.fingerprint());
            if !has_history {
                health::recompute_all(tx, &setup, now, true)?;
            } else if stale {
                // MRR and renewal are not inputs: readers can read beside the writer.
                health::recompute_all_from(tx, self.side_readers(), &setup, now, false)?;
            }
            Ok(())
        })
    }

    /// Two readers of the store file that a full recompute reads with beside
    /// its writer (none for PostgreSQL: it reads in its own transaction).
    fn side_readers(&self) -> &[Mutex<Connection>] {
        match &self.inner.engine {
            Engine::File(file) => &file.readers[..2],
            Engine::Pg(_) => &[],
        }
    }

    /// The health profiles and rules in force.
    pub fn health_setup(&self) -> Arc<HealthSetup> {
        self.health()
    }

    /// The health profiles and rules in force now (an admin may replace the
    /// profiles while the store is open).
    fn health(&self) -> Arc<HealthSetup> {
        // A writer that panicked left a whole Arc behind: still good to read.
        self.inner
            .health
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Imports without the async wrapper (demo build, CLI).
    pub fn import_blocking(&self, dataset: &Dataset) -> Result<ImportReport> {
        let problems = tend_engines::dataset::validate(dataset);
        if !problems.is_empty() {
            return Err(bulk::problems_error(&problems));
        }
        self.import_parsed(dataset)
    }

    /// Imports a dataset that [`tend_engines::dataset::parse`] accepted (its checks already
    /// ran); only the ids already in the store are still checked.
    pub fn import_parsed(&self, dataset: &Dataset) -> Result<ImportReport> {
        self.check_dataset_files(dataset)?;
        let setup = self.health();
        self.load_parsed(dataset, |tx, now| {
            health::recompute_all(tx, &setup, now, true).map(drop)
        })
    }

    /// Loads a checked dataset in one transaction, then its health (`health`, in
    /// the same transaction, after the derived columns).
    fn load_parsed(
        &self,
        dataset: &Dataset,
        health: impl FnOnce(Conn<'_>, Timestamp) -> Result<()> + Send,
    ) -> Result<ImportReport> {
        let today = self.now().date_naive();
        self.write_blocking(|tx, now| {
            let mut loader = Loader::new(tx);
            loader.check_ids_free(dataset)?;
            loader.load(dataset)?;
            loader.finish()?;
            derived::refresh_all(tx, today)?;
            health(tx, now)?;
            if let Conn::Sqlite(c) = tx {
                refresh_statistics(c, dataset.accounts.len())?;
            }
            Ok(ImportReport::of(dataset))
        })
    }

    /// Loads data produced chunk by chunk (the generator) in one transaction. The
    /// producer runs on a thread of its own, making the next chunk while this one
    /// loads; another thread scores each chunk's accounts with their health
    /// history once the chunk is in, and the history is written between chunks
    /// (see [`health::Backfill`]). If anything fails, nothing is written. Chunks
    /// are trusted to be valid, to use fresh ids and to hold every record of
    /// their accounts.
    pub fn bulk_load(
        &self,
        produce: impl FnOnce(&mut dyn FnMut(Dataset) -> Result<()>) -> Result<()> + Send,
    ) -> Result<()> {
        let now = self.now();
        let today = now.date_naive();
        // The chunks are trusted (fresh ids, references inside the generation), so
        // the load skips the per-row foreign-key lookups, and a large page cache keeps
        // pages from spilling to the log and being written again before the commit.
        // Both settings only hold for this load.
        let set = |sql: &str| {
            self.file("a bulk load")?
                .writer()
                .execute_batch(sql)
                .map_err(Error::storage)
        };
        set("PRAGMA foreign_keys = OFF; PRAGMA cache_size = -1000000")?;
        let setup = &self.health();
        let out = std::thread::scope(|scope| {
            let (send, chunks) = std::sync::mpsc::sync_channel::<Dataset>(2);
            let producer = scope.spawn(move || {
                produce(&mut |chunk| {
                    send.send(chunk)
                        .map_err(|_| Error::storage("the load stopped before the data ended"))
                })
            });
            let (to_score, loaded) = std::sync::mpsc::sync_channel::<Dataset>(2);
            let (send_scores, scores) = std::sync::mpsc::channel();
            let scorer = scope.spawn(move || {
                for chunk in loaded.iter() {
                    let scored = health::Prescored::of_chunk(&chunk, setup, now);
                    drop(chunk);
                    if send_scores.send(scored).is_err() {
                        break;
                    }
                }
            });
            self.write_here(|tx, _| {
                // Moved in: a failed load drops them on return, which stops the
                // producer at its next chunk instead of leaving it waiting, and
                // the scorer after the chunk it has.
                let (chunks, to_score) = (chunks, to_score);
                let rebuild = without_index_while_empty(
                    tx.sqlite("a bulk load")?,
                    "health_snapshots_account",
                )?;
                let mut loader = Loader::new(tx.sqlite("a bulk load")?);
                let mut backfill = health::Backfill::default();
                let scorer_gone = || Error::storage("the health scoring thread stopped");
                let started = std::time::Instant::now();
                let (mut loading, mut history) =
                    (std::time::Duration::ZERO, std::time::Duration::ZERO);
                let timed = |total: &mut std::time::Duration, t: std::time::Instant| {
                    *total += t.elapsed();
                };
                for chunk in chunks.iter() {
                    let t = std::time::Instant::now();
                    loader.load(&chunk)?;
                    timed(&mut loading, t);
                    to_score.send(chunk).map_err(|_| scorer_gone())?;
                    let t = std::time::Instant::now();
                    for scored in scores.try_iter() {
                        backfill.store(tx, setup, scored)?;
                    }
                    timed(&mut history, t);
                }
                // The channel closes when the producer returns: a failure means
                // the data is incomplete, and the transaction rolls back.
                producer
                    .join()
                    .map_err(|_| Error::storage("the data producer panicked"))??;
                drop(to_score);
                let waited = std::time::Instant::now();
                scorer.join().map_err(|_| scorer_gone())?;
                let waited = waited.elapsed();
                let t = std::time::Instant::now();
                for scored in scores.try_iter() {
                    backfill.store(tx, setup, scored)?;
                }
                timed(&mut history, t);
                let t = std::time::Instant::now();
                derived::refresh_all(tx, today)?;
                if let Some(create) = rebuild {
                    tx.execute_batch(&create).map_err(Error::storage)?;
                }
                let report = backfill.finish(tx, setup, now)?;
                let finishing = t.elapsed();
                analyze(tx.sqlite("a bulk load")?)?;
                tracing::info!(
                    accounts = report.accounts,
                    load_ms = loading.as_millis() as u64,
                    history_ms = history.as_millis() as u64,
                    scoring_waited_ms = waited.as_millis() as u64,
                    current_ms = finishing.as_millis() as u64,
                    ms = started.elapsed().as_millis() as u64,
                    "bulk load before its commit"
                );
                Ok(())
            })
        });
        set(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA cache_size = {WRITER_CACHE}"
        ))?;
        out
    }

    /// Everything in the store as a dataset.
    pub fn export_blocking(&self) -> Result<Dataset> {
        let snapshot = self.export_snapshot()?;
        let mut bytes = Vec::new();
        snapshot.write_to(&mut bytes)?;
        serde_json::from_slice(&bytes).map_err(|e| Error::storage(format!("the export: {e}")))
    }

    /// Loads records read from source systems (see `sync.rs`), as `actor`: all
    /// or nothing. The report lists what was (or would be) created, updated, left
    /// and in conflict; with a problem or an undecided conflict, or on a dry run,
    /// nothing is written.
    pub fn sync_blocking(
        &self,
        actor: &str,
        records: Vec<tend_engines::sources::SourceRecord>,
        usage: Vec<tend_engines::sources::SourceUsage>,
        options: &crate::sync::SyncOptions,
    ) -> Result<crate::sync::SyncReport> {
        let setup = self.health();
        let out = self.write_or_roll_back(|tx, now| {
            let report = sync::Sync::new(tx, &setup, actor, now, options).run(records, usage)?;
            let undecided = options.prefer.is_none() && !report.conflicts.is_empty();
            let keep = report.problems.is_empty() && !undecided && !options.dry_run;
            Ok((report, keep))
        })?;
        let (mut report, written) = out;
        report.written = written;
        Ok(report)
    }

    /// Reads `files` as `format` and loads what they hold (see `sync_blocking`);
    /// files with problems are refused before the store is touched, the report
    /// listing them.
    pub fn load_files_blocking(
        &self,
        actor: &str,
        format: crate::sync::Format,
        files: &[(String, Vec<u8>)],
        read: &tend_engines::sources::ReadOptions,
        mapping: Option<(&str, &str)>,
        options: &crate::sync::SyncOptions,
    ) -> Result<crate::sync::SyncReport> {
        let read = match crate::sync::read_files(format, files, read, mapping) {
            Ok(read) => read,
            Err(problem) => {
                return Ok(crate::sync::SyncReport {
                    dry_run: options.dry_run,
                    problems: vec![problem],
                    ..Default::default()
                });
            }
        };
        self.load_read_blocking(actor, read, options)
    }

    /// Loads what a first read of the files found (the records), then the usage
    /// `batches` hands over a batch at a time (a second read), all in one
    /// transaction: memory holds a batch, not the files' events.
    pub fn load_batches_blocking(
        &self,
        actor: &str,
        read: tend_engines::sources::Read,
        options: &crate::sync::SyncOptions,
        batches: impl FnOnce(&mut dyn FnMut(Vec<tend_engines::sources::SourceUsage>)) + Send,
    ) -> Result<crate::sync::SyncReport> {
        if !read.problems.is_empty() {
            return Ok(crate::sync::SyncReport {
                dry_run: options.dry_run,
                problems: read.problems,
                unused_columns: read.unused_columns,
                skipped: read.skipped,
                ..Default::default()
            });
        }
        let setup = self.health();
        let out = self.write_or_roll_back(|tx, now| {
            let sync = sync::Sync::new(tx, &setup, actor, now, options);
            let mut report = sync.records(read.records)?;
            let mut failed = None;
            batches(&mut |batch| {
                if failed.is_none()
                    && let Err(e) = sync.usage_batch(batch, &mut report)
                {
                    failed = Some(e);
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
            sync.end(&mut report)?;
            let undecided = options.prefer.is_none() && !report.conflicts.is_empty();
            let keep = report.problems.is_empty() && !undecided && !options.dry_run;
            Ok((report, keep))
        })?;
        let (mut report, written) = out;
        report.written = written;
        report.unused_columns = read.unused_columns;
        let mut skipped = read.skipped;
        skipped.append(&mut report.skipped);
        report.skipped = skipped;
        Ok(report)
    }

    /// Loads what a reader made of its files: refused with its problems when it
    /// has any (the store untouched), else as `sync_blocking` does.
    pub fn load_read_blocking(
        &self,
        actor: &str,
        read: tend_engines::sources::Read,
        options: &crate::sync::SyncOptions,
    ) -> Result<crate::sync::SyncReport> {
        if !read.problems.is_empty() {
            return Ok(crate::sync::SyncReport {
                dry_run: options.dry_run,
                problems: read.problems,
                unused_columns: read.unused_columns,
                skipped: read.skipped,
                ..Default::default()
            });
        }
        let mut report = self.sync_blocking(actor, read.records, read.usage, options)?;
        report.unused_columns = read.unused_columns;
        let mut skipped = read.skipped;
        skipped.append(&mut report.skipped);
        report.skipped = skipped;
        Ok(report)
    }

    /// A write transaction committed only when `f` says so (its second value).
    fn write_or_roll_back<T: Send>(
        &self,
        f: impl FnOnce(Conn<'_>, Timestamp) -> Result<(T, bool)> + Send,
    ) -> Result<(T, bool)> {
        let now = self.now();
        let file = match &self.inner.engine {
            Engine::File(file) => file,
            Engine::Pg(pool) => {
                return self.blocking(|| {
                    pool.get()
                        .transaction_if(Some(PG_WRITE_LOCK), |c| f(Conn::Pg(c), now))
                });
            }
        };
        let mut conn = file.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(Error::storage)?;
        let (out, commit) = f(Conn::Sqlite(&tx), now)?;
        if commit {
            tx.commit().map_err(Error::storage)?;
            drop(conn);
            file.upkeep();
        } else {
            tx.rollback().map_err(Error::storage)?;
        }
        Ok((out, commit))
    }

    /// The store as it is now, for an export written while writes go on: a read
    /// transaction on a connection of its own (not one of the readers, which a
    /// slow export would hold for as long as its client reads).
    pub fn export_snapshot(&self) -> Result<ExportSnapshot> {
        let file = match &self.inner.engine {
            Engine::File(file) => file,
            // One read-only transaction of its own when written.
            Engine::Pg(_) => return Ok(ExportSnapshot::Pg(self.clone())),
        };
        let conn = open_connection(&file.path, true)?;
        // The first read fixes the snapshot every later read of the transaction sees.
        conn.execute_batch("BEGIN; SELECT count(*) FROM sqlite_master;")
            .map_err(Error::storage)?;
        Ok(ExportSnapshot::File {
            conn,
            now: self.now(),
        })
    }
}

/// One consistent view of a store, to be written out as dataset JSON.
pub enum ExportSnapshot {
    /// A read transaction open on a connection of its own.
    File { conn: Connection, now: Timestamp },
    /// A PostgreSQL store: its snapshot is taken as the writing starts.
    Pg(Store),
}

impl ExportSnapshot {
    /// Writes the dataset a row at a time, in the layout of
    /// [`Dataset::write_json`]; a failed write to `out` stops it. Called from a
    /// thread that may block (the blocking pool).
    pub fn write_to(self, out: &mut dyn std::io::Write) -> Result<()> {
        match self {
            ExportSnapshot::File { conn, now } => {
                bulk::export_to(Conn::Sqlite(&conn), now, out)?;
                conn.execute_batch("COMMIT").map_err(Error::storage)
            }
            ExportSnapshot::Pg(store) => {
                store.read_here(|c, now| c.snapshot(|c| bulk::export_to(c, now, out)))
            }
        }
    }
}

#[async_trait]
impl Backend for Store {
    async fn portfolio(&self, query: &PortfolioQuery) -> Result<Page<AccountRow>> {
        let q = query.clone();
        // While a demo loads behind its first rows, a page of accounts without a
        // filter expression reads only what is already in: the accounts, their
        // agreements' MRR and renewal, their current scores.
        if q.filter.expr.as_deref().is_none_or(|e| e.trim().is_empty()) {
            return self
                .read_now(move |c, now| read::portfolio(c, &q, now.date_naive()))
                .await;
        }
        self.read(move |c, now| read::portfolio(c, &q, now.date_naive()))
            .await
    }
    async fn account(&self, id: Id) -> Result<Account360> {
        let setup = self.health();
        self.read(move |c, now| {
            let mut view = read::account_360(c, id, now)?;
            let bands = setup.profiles.for_account(&view.account).bands;
            insights::fill(c, &mut view, &bands, now)?;
            Ok(view)
        })
        .await
    }
    async fn interactions(&self, query: &InteractionQuery) -> Result<Page<Interaction>> {
        let q = query.clone();
        self.read(move |c, _| read::interactions(c, &q)).await
    }
    async fn usage(&self, account: Id, query: &UsageQuery) -> Result<Vec<UsageBucket>> {
        let q = query.clone();
        self.read(move |c, _| read::usage(c, account, &q)).await
    }
    async fn usage_breakdown(
        &self,
        account: Id,
        query: &UsageBreakdownQuery,
    ) -> Result<Vec<UsageShare>> {
        let q = query.clone();
        self.read(move |c, _| read::usage_breakdown(c, account, &q))
            .await
    }
    async fn agreements(
        &self,
        account: Id,
        status: Option<AgreementStatus>,
    ) -> Result<Vec<Agreement>> {
        self.read(move |c, _| read::agreements(c, account, status))
            .await
    }
    async fn tasks(&self, query: &TaskQuery) -> Result<Vec<Task>> {
        let q = query.clone();
        self.read(move |c, now| read::tasks(c, &q, now.date_naive()))
            .await
    }
    async fn cases(&self, query: &CaseQuery) -> Result<Page<CaseRow>> {
        let q = query.clone();
        self.read(move |c, now| read::cases(c, &q, now.date_naive()))
            .await
    }
    async fn alerts(&self, query: &AlertQuery) -> Result<Page<Alert>> {
        let q = query.clone();
        self.read(move |c, now| read::alerts(c, &q, now)).await
    }
    async fn dashboard(&self) -> Result<Dashboard> {
        self.read(dashboard::dashboard).await
    }
    async fn stale(&self) -> Result<bool> {
        let fingerprint = self.health().fingerprint();
        self.read(move |c, now| Store::is_stale(c, &now.date_naive().to_string(), &fingerprint))
            .await
    }
    async fn catch_up(&self) -> Result<()> {
        self.ready().await?;
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.refresh_derived_if_stale())
            .await
            .map_err(|e| Error::storage(format!("rescoring failed: {e}")))?
    }
    async fn playbooks(&self) -> Result<Vec<Playbook>> {
        self.read(|c, _| tables::select_in(c, "ORDER BY name", &[]))
            .await
    }
    async fn change_log(&self, account: Id, page: PageRequest) -> Result<Page<ChangeLogEntry>> {
        self.read(move |c, _| read::change_log(c, account, page))
            .await
    }
    async fn timeline(&self, account: Id) -> Result<Vec<tend_engines::timeline::TimelineEvent>> {
        self.read(move |c, now| timeline::events(c, account, now))
            .await
    }
    async fn health(&self, account: Id) -> Result<HealthReport> {
        let setup = self.health();
        self.read(move |c, now| health::report(c, &setup, account, now))
            .await
    }
    async fn recompute_health(&self, account: Option<Id>) -> Result<RecomputeReport> {
        let setup = self.health();
        let store = self.clone();
        self.write(move |tx, now| match account {
            Some(id) => {
                let _: Account = tables::get(tx, id)?;
                let (transition, alerts) = health::recompute_account(tx, &setup, id, now)?;
                Ok(RecomputeReport {
                    accounts: 1,
                    transitions: u64::from(transition),
                    alerts,
                })
            }
            None => {
                // Nothing in this transaction changed an input: two readers can
                // read them beside the writer.
                let readers = store.side_readers();
                health::recompute_all_from(tx, readers, &setup, now, false)
            }
        })
        .await
    }
    async fn get(&self, kind: EntityKind, id: Id) -> Result<Record> {
        self.read(move |c, _| tables::get_record(c, kind, id)).await
    }
    async fn create(&self, actor: Actor<'_>, record: Record) -> Result<Record> {
        self.check_file(&record, "")?;
        let actor = actor.to_string();
        let setup = self.health();
        let accounts = self.inner.accounts.clone();
        self.write(move |tx, now| {
            let record = rules::account(tx, &accounts, record)?;
            write::create(tx, &setup, &actor, now, record)
        })
        .await
    }
    async fn update(&self, actor: Actor<'_>, record: Record) -> Result<Record> {
        self.check_file(&record, "")?;
        let actor = actor.to_string();
        let setup = self.health();
        let accounts = self.inner.accounts.clone();
        self.write(move |tx, now| {
            let record = rules::account(tx, &accounts, record)?;
            write::update(tx, &setup, &actor, now, record)
        })
        .await
    }
    async fn delete(&self, actor: Actor<'_>, kind: EntityKind, id: Id, version: i64) -> Result<()> {
        let actor = actor.to_string();
        let setup = self.health();
        self.write(move |tx, now| write::delete(tx, &setup, &actor, now, kind, id, version))
            .await
    }
    async fn apply(&self, actor: Actor<'_>, writes: Vec<Write>) -> Result<Vec<Option<Record>>> {
        for (i, w) in writes.iter().enumerate() {
            if let Write::Create { record } | Write::Update { record } = w {
                self.check_file(record, &format!("writes[{i}]."))?;
            }
        }
        let actor = actor.to_string();
        let setup = self.health();
        let accounts = self.inner.accounts.clone();
        self.write(move |tx, now| write::apply(tx, &setup, &accounts, &actor, now, writes))
            .await
    }
    async fn record_usage(&self, rows: Vec<UsageDay>) -> Result<u64> {
        let setup = self.health();
        self.write(move |tx, now| write::record_usage(tx, &setup, now, &rows))
            .await
    }
    async fn import(&self, dataset: Dataset) -> Result<ImportReport> {
        self.ready().await?;
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.import_blocking(&dataset))
            .await
            .map_err(|e| Error::storage(format!("import task failed: {e}")))?
    }
    async fn export(&self) -> Result<Dataset> {
        self.ready().await?;
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.export_blocking())
            .await
            .map_err(|e| Error::storage(format!("export task failed: {e}")))?
    }
    async fn summary(&self, account: Id) -> Result<crate::summary::AccountSummary> {
        let setup = self.health();
        let fallback = self.inner.summary.clone();
        self.read(move |c, now| {
            let view = read::account_360(c, account, now)?;
            let health = health::report(c, &setup, account, now)?;
            let settings = summary_settings(c, &fallback)?;
            Ok(crate::summary::summarize(
                &view,
                Some(&health),
                &settings,
                now,
            ))
        })
        .await
    }
    async fn send_email(
        &self,
        actor: Actor<'_>,
        email: crate::outbound::OutgoingEmail,
    ) -> Result<crate::outbound::Delivery> {
        self.queue_email(actor, email).await
    }
    async fn deliveries(
        &self,
        query: &crate::outbound::DeliveryQuery,
    ) -> Result<Vec<crate::outbound::Delivery>> {
        self.list_deliveries(query.clone()).await
    }
    async fn retry_delivery(&self, _actor: Actor<'_>, id: Id) -> Result<crate::outbound::Delivery> {
        self.retry(id).await
    }
    async fn tick(&self) -> Result<crate::outbound::TickReport> {
        self.run_tick().await
    }
    async fn my_work(&self, user: &str) -> Result<Vec<crate::outbound::WorkItem>> {
        self.work_of(user).await
    }
    async fn put_file(&self, name: &str, bytes: Vec<u8>) -> Result<DocumentFile> {
        let name = name.to_string();
        let files = match &self.inner.engine {
            Engine::File(file) => file.files.clone(),
            Engine::Pg(_) => {
                // Kept once per content, in the database every server reads.
                return self
                    .write(move |c, _| {
                        let file = files::described(&name, &bytes)?;
                        c.execute(
                            "INSERT INTO files (sha256, bytes) VALUES (?, ?) \
                             ON CONFLICT (sha256) DO NOTHING",
                            &[&file.sha256, &bytes],
                        )
                        .map_err(Error::storage)?;
                        Ok(file)
                    })
                    .await;
            }
        };
        // Hashing and writing up to 100 MiB: on the blocking pool.
        tokio::task::spawn_blocking(move || files.put(&name, &bytes))
            .await
            .map_err(|e| Error::storage(format!("storing a file failed: {e}")))?
    }
    async fn read_file(&self, sha256: &str) -> Result<Vec<u8>> {
        let sha256 = sha256.to_string();
        let files = match &self.inner.engine {
            Engine::File(file) => file.files.clone(),
            Engine::Pg(_) => {
                crate::files::check_hash(&sha256)?;
                return self
                    .read(move |c, _| {
                        c.query_row(
                            "SELECT bytes FROM files WHERE sha256 = ?",
                            &[&sha256],
                            |r| r.get::<_, Vec<u8>>(0),
                        )
                        .optional()
                        .map_err(Error::storage)?
                        .ok_or(Error::FileNotFound { sha256 })
                    })
                    .await;
            }
        };
        tokio::task::spawn_blocking(move || files.read(&sha256))
            .await
            .map_err(|e| Error::storage(format!("reading a file failed: {e}")))?
    }
    async fn health_profiles(&self) -> Result<crate::api::HealthProfiles> {
        let profiles = self.health().profiles.clone();
        self.read(move |c, _| {
            Ok(crate::api::HealthProfiles {
                toml: meta::meta(c, HEALTH_PROFILES_KEY)?.unwrap_or_default(),
                profiles: Some(profiles),
            })
        })
        .await
    }
    async fn set_health_profiles(
        &self,
        _actor: Actor<'_>,
        given: crate::api::HealthProfiles,
    ) -> Result<crate::api::HealthProfiles> {
        let profiles =
            tend_engines::health::Profiles::bundled_with(&given.toml, "the profiles given")
                .map_err(|e| Error::invalid("toml", e.to_string()))?;
        let setup = Arc::new(HealthSetup {
            profiles: profiles.clone(),
            ..(*self.health()).clone()
        });
        let toml = given.toml.clone();
        let scoring = setup.clone();
        self.write(move |tx, now| {
            meta::set_meta(tx, HEALTH_PROFILES_KEY, &toml)?;
            // Every account rescored with the new profiles, in the same
            // transaction: a failure leaves the old ones in force.
            health::recompute_all(tx, &scoring, now, false)
        })
        .await?;
        *self
            .inner
            .health
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = setup;
        Ok(crate::api::HealthProfiles {
            toml: given.toml,
            profiles: Some(profiles),
        })
    }
    async fn account_rules(&self) -> Result<AccountRules> {
        Ok(self.inner.accounts.as_ref().clone())
    }
    async fn summary_settings(&self) -> Result<crate::summary::Settings> {
        let fallback = self.inner.summary.clone();
        self.read(move |c, _| summary_settings(c, &fallback)).await
    }
    async fn set_summary_settings(
        &self,
        _actor: Actor<'_>,
        settings: crate::summary::Settings,
    ) -> Result<crate::summary::Settings> {
        settings
            .check()
            .map_err(|m| Error::invalid("sections", m))?;
        let json = serde_json::to_string(&settings).map_err(Error::storage)?;
        self.write(move |tx, _| {
            meta::set_meta(tx, crate::summary::SETTINGS_KEY, &json)?;
            Ok(settings)
        })
        .await
    }
}

/// The meta key of the health profiles an admin gave the store (TOML).
const HEALTH_PROFILES_KEY: &str = "health_profiles";

/// `setup` with the profiles the store keeps, when an admin gave it some: they
/// replace those of the config, added to the bundled ones as a file would be.
fn with_stored_profiles(conn: Conn<'_>, setup: Arc<HealthSetup>) -> Result<Arc<HealthSetup>> {
    let Some(toml) = meta::meta(conn, HEALTH_PROFILES_KEY)? else {
        return Ok(setup);
    };
    let profiles =
        tend_engines::health::Profiles::bundled_with(&toml, "the store's health profiles")
            .map_err(|e| {
                Error::storage(format!("the store's health profiles are unreadable: {e}"))
            })?;
    Ok(Arc::new(HealthSetup {
        profiles,
        ..(*setup).clone()
    }))
}

/// The team's summary settings kept in the store, else `fallback`.
fn summary_settings(
    conn: Conn<'_>,
    fallback: &crate::summary::Settings,
) -> Result<crate::summary::Settings> {
    match meta::meta(conn, crate::summary::SETTINGS_KEY)? {
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            Error::storage(format!("the store's summary settings are unreadable: {e}"))
        }),
        None => Ok(fallback.clone()),
    }
}

impl Store {
    /// [`Store::export_snapshot`] once the store is ready (a demo's load done),
    /// off the async threads.
    pub async fn export_snapshot_ready(&self) -> Result<ExportSnapshot> {
        self.ready().await?;
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.export_snapshot())
            .await
            .map_err(|e| Error::storage(format!("export task failed: {e}")))?
    }

    /// How many accounts the store holds.
    pub fn account_count(&self) -> Result<u64> {
        self.read_blocking(|c, _| {
            c.query_row("SELECT count(*) FROM accounts", &[], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(Error::storage)
        })
    }
}

/// The team server's API tokens (see tokens.rs).
impl Store {
    /// Creates a token for `user` with `role`; answers it (shown once) and its record.
    pub fn create_token(&self, user: &str, role: api::Role) -> Result<(String, TokenInfo)> {
        let user = tokens::checked_user(user)?;
        let token = tokens::new_token()?;
        let hash = token_hash(&token);
        let info = self.write_blocking(|tx, now| tokens::insert(tx, &hash, user, role, now))?;
        Ok((token, info))
    }

    /// Every token, oldest first.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read_blocking(|c, _| tokens::all(c))
    }

    /// Revokes a token; false when there is no such token or it was already revoked.
    pub fn revoke_token(&self, id: Id) -> Result<bool> {
        self.write_blocking(|tx, now| tokens::revoke(tx, id, now))
    }

    /// [`Store::token_by_hash`] on the blocking pool (what a server's request
    /// asks).
    pub async fn find_token(&self, hash: &str) -> Result<Option<TokenInfo>> {
        let hash = hash.to_string();
        self.read_now(move |c, _| tokens::by_hash(c, &hash)).await
    }

    /// [`Store::ssh_key_by_fingerprint`] on the blocking pool.
    pub async fn find_ssh_key(&self, fingerprint: &str) -> Result<Option<SshKeyInfo>> {
        let fingerprint = fingerprint.to_string();
        self.read_now(move |c, _| ssh_keys::by_fingerprint(c, &fingerprint))
            .await
    }

    /// The live (not revoked) token with this hash.
    pub fn token_by_hash(&self, hash: &str) -> Result<Option<TokenInfo>> {
        self.read_blocking(|c, _| tokens::by_hash(c, hash))
    }
}

/// The SSH keys of the team server's users (see ssh_keys.rs). The key is parsed
/// and fingerprinted by the caller (the server's SSH module); the store keeps the
/// line and answers by fingerprint.
impl Store {
    /// Registers a key for `user` with `role`; refuses a key already live,
    /// naming the user it belongs to.
    pub fn add_ssh_key(
        &self,
        user: &str,
        role: api::Role,
        fingerprint: &str,
        public_key: &str,
    ) -> Result<SshKeyInfo> {
        let user = tokens::checked_user(user)?;
        if !fingerprint.starts_with("SHA256:") {
            return Err(Error::invalid(
                "fingerprint",
                format!("{fingerprint:?} is not a SHA256 fingerprint (SHA256:...)"),
            ));
        }
        self.write_blocking(|tx, now| {
            ssh_keys::insert(tx, fingerprint, public_key.trim(), user, role, now)
        })
    }

    /// The change log after the entry `after` (by id), oldest first, at most
    /// `limit` entries: what the change feed sends.
    pub async fn changes_after(&self, after: Id, limit: usize) -> Result<Vec<ChangeLogEntry>> {
        self.read_now(move |c, _| read::changes_after(c, after, limit))
            .await
    }

    /// The id of the newest change log entry (0 for an empty log): where a
    /// change feed asked from now starts.
    pub async fn last_change(&self) -> Result<Id> {
        self.read_now(|c, _| read::last_change(c)).await
    }

    /// Takes or renews the lease `name` for `holder` for `period` of wall-clock
    /// time: true when `holder` holds it now (it was free, ran out, or was its
    /// own). Of several processes over one store, one at a time holds it; when
    /// its holder stops renewing (it died), another takes it once it runs out.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        period: std::time::Duration,
    ) -> Result<bool> {
        let (name, holder) = (name.to_string(), holder.to_string());
        let (now, until) = lease_times(period);
        self.write(move |tx, _| leases::take(tx, &name, &holder, now, until))
            .await
    }

    /// Gives the lease `name` up, when `holder` holds it (a server stopping:
    /// another takes it at its next round, not once it runs out).
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let (name, holder) = (name.to_string(), holder.to_string());
        self.write(move |tx, _| leases::release(tx, &name, &holder))
            .await
    }

    /// Says that `holder` (a server) is up for `period`, and answers how many
    /// servers said so and are still within theirs, itself included: the
    /// servers sharing this store now. Presences run out when their servers stop
    /// saying so (those of servers that died are removed here).
    pub async fn replicas(&self, holder: &str, period: std::time::Duration) -> Result<u64> {
        let holder = holder.to_string();
        let (now, until) = lease_times(period);
        self.write(move |tx, _| leases::replicas(tx, &holder, now, until))
            .await
    }

    /// A server stopping says so: the others count it out at once.
    pub async fn leave_replicas(&self, holder: &str) -> Result<()> {
        self.release_lease(&format!("{}{holder}", leases::REPLICA_PREFIX), holder)
            .await
    }

    /// Who holds the lease `name`, if anyone does now.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<String>> {
        let name = name.to_string();
        let now = chrono::Utc::now().timestamp_millis();
        self.read_now(move |c, _| leases::holder(c, &name, now))
            .await
    }

    /// Every SSH key, oldest first, revoked ones included.
    pub fn ssh_keys(&self) -> Result<Vec<SshKeyInfo>> {
        self.read_blocking(|c, _| ssh_keys::all(c))
    }

    /// Revokes an SSH key; false when there is no such key or it was already revoked.
    pub fn revoke_ssh_key(&self, id: Id) -> Result<bool> {
        self.write_blocking(|tx, now| ssh_keys::revoke(tx, id, now))
    }

    /// The live (not revoked) SSH key with this fingerprint.
    pub fn ssh_key_by_fingerprint(&self, fingerprint: &str) -> Result<Option<SshKeyInfo>> {
        self.read_blocking(|c, _| ssh_keys::by_fingerprint(c, fingerprint))
    }
}

#[cfg(test)]
mod demo_dir_tests {
    use super::*;

    fn dir_aged(parent: &Path, name: &str, age: std::time::Duration) -> PathBuf {
        let dir = parent.join(name);
        std::fs::create_dir(&dir).unwrap();
        let when = std::time::SystemTime::now() - age;
        std::fs::File::open(&dir)
            .unwrap()
            .set_modified(when)
            .unwrap();
        dir
    }

    #[test]
    fn only_the_demo_directories_no_process_holds_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let hour = std::time::Duration::from_secs(3600);
        let two_days = std::time::Duration::from_secs(48 * 3600);
        let held = dir_aged(tmp.path(), "tend-demo-held", hour);
        let lock = std::fs::File::create(held.join(DEMO_LOCK)).unwrap();
        lock.lock().unwrap();
        let free = dir_aged(tmp.path(), "tend-demo-free", hour);
        std::fs::write(free.join(DEMO_LOCK), "").unwrap();
        std::fs::write(free.join("demo.db"), "x").unwrap();
        // Without a lock (an older tend's): removed only after a day, as it may run.
        let legacy = dir_aged(tmp.path(), "tend-demo-legacy", two_days);
        let recent_legacy = dir_aged(tmp.path(), "tend-demo-recent-legacy", hour);
        let young = dir_aged(tmp.path(), "tend-demo-young", std::time::Duration::ZERO);
        let other = dir_aged(tmp.path(), "not-tend", hour);
        // set_modified on the directory must come after its entries are made.
        for d in [&held, &free] {
            std::fs::File::open(d)
                .unwrap()
                .set_modified(std::time::SystemTime::now() - hour)
                .unwrap();
        }
        assert_eq!(remove_stale_demo_dirs(tmp.path()), 2);
        assert!(held.exists() && young.exists() && other.exists() && recent_legacy.exists());
        assert!(!free.exists() && !legacy.exists());
        drop(lock);
        std::fs::File::open(&held)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - hour)
            .unwrap();
        assert_eq!(remove_stale_demo_dirs(tmp.path()), 1, "its process is gone");
        assert!(!held.exists());
    }
}

#[cfg(test)]
mod token_tests {
    use super::*;
    use crate::api::Role;

    #[test]
    fn tokens_are_random_hashed_and_revocable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.db")).unwrap();
        let (a, info) = store.create_token("maya", Role::Csm).unwrap();
        let (b, _) = store.create_token("ops", Role::Admin).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        // Only the hash is kept.
        let conn = rusqlite::Connection::open(store.path().unwrap()).unwrap();
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

    #[test]
    fn ssh_keys_are_unique_while_live_and_revocable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("k.db")).unwrap();
        let fp = "SHA256:abc";
        let line = "ssh-ed25519 AAAA maya@laptop";
        let key = store.add_ssh_key("maya", Role::Csm, fp, line).unwrap();
        assert_eq!((key.user.as_str(), key.role), ("maya", Role::Csm));
        // The same key again is refused, naming whose it is.
        let again = store
            .add_ssh_key("ops", Role::Admin, fp, line)
            .unwrap_err()
            .to_string();
        assert!(again.contains("maya") && again.contains(fp), "{again}");
        assert_eq!(
            store.ssh_key_by_fingerprint(fp).unwrap().unwrap().id,
            key.id
        );
        assert!(store.revoke_ssh_key(key.id).unwrap());
        assert!(!store.revoke_ssh_key(key.id).unwrap());
        assert!(store.ssh_key_by_fingerprint(fp).unwrap().is_none());
        // Once revoked, the key may be registered again (for anyone).
        let ops = store.add_ssh_key("ops", Role::Admin, fp, line).unwrap();
        assert_ne!(ops.id, key.id);
        let all = store.ssh_keys().unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[0].revoked_at.is_some() && all[1].revoked_at.is_none());
        assert!(
            store
                .add_ssh_key(" ", Role::Viewer, "SHA256:x", line)
                .is_err()
        );
        assert!(store.add_ssh_key("a", Role::Viewer, "MD5:x", line).is_err());
    }
}
