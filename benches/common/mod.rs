//! Shared set-up for the benches: the generated 100k-account store, built once and
//! kept under target/ (delete target/bench-stores to rebuild it).

#![allow(dead_code)]

use std::path::PathBuf;

use tend::generate::{GenConfig, generate};
use tend::sqlite::{Store, fixed_clock};

/// The anchor of the bench data, and the stores' fixed "now".
pub fn anchor() -> tend::domain::Timestamp {
    tend::generate::demo_anchor()
}

/// A two-thread runtime, like this machine.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The number in the environment variable `name`, else `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Accounts in the large store (TEND_BENCH_ACCOUNTS overrides, for quick runs).
pub fn accounts() -> usize {
    env_or("TEND_BENCH_ACCOUNTS", 100_000)
}

/// Opens (building on first use) the generated store.
pub fn large_store() -> Store {
    large_store_at(fixed_clock(anchor()))
}

/// [`large_store`] with the clock `clock`.
pub fn large_store_at(clock: tend::sqlite::Clock) -> Store {
    if let Some(url) = postgres() {
        // Opened on a thread of no runtime: a bench may call this from one.
        return std::thread::spawn(move || {
            Store::open_postgres(
                &url,
                env_or("TEND_BENCH_PG_CONNECTIONS", 8),
                tend::sqlite::Options::with_clock(clock),
            )
        })
        .join()
        .expect("open thread")
        .expect("open the PostgreSQL store");
    }
    Store::open_with_clock(large_store_path(), clock).expect("open")
}

/// The PostgreSQL database the benches read instead of the store file
/// (`TEND_BENCH_PG`): the generated store moved there first with
/// `tend --db target/bench-stores/generated-100000.db migrate --to URL`.
pub fn postgres() -> Option<String> {
    std::env::var("TEND_BENCH_PG")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The generated store's file, built on first use.
pub fn large_store_path() -> PathBuf {
    store_path(accounts())
}

/// The file of a generated store of `n` accounts, built on first use.
pub fn store_path(n: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-stores");
    std::fs::create_dir_all(&dir).expect("bench store directory");
    let path = dir.join(format!("generated-{n}.db"));
    if !path.exists() {
        let tmp = dir.join(format!("generated-{n}.db.partial"));
        // A run stopped part-way leaves the file and its log: start from neither
        // (a stale log beside a new file makes SQLite fail with "disk I/O error").
        for leftover in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{leftover}", tmp.display()));
        }
        let store = Store::open_with_clock(&tmp, fixed_clock(anchor())).expect("open");
        let started = std::time::Instant::now();
        let mut rows = 0;
        store
            .bulk_load(|sink| {
                rows = generate(&GenConfig::new(n, 42, anchor()), sink)?.rows;
                Ok(())
            })
            .expect("generate");
        eprintln!(
            "built {} with {rows} rows in {:.1}s",
            path.display(),
            started.elapsed().as_secs_f64()
        );
        // Closing the store folds its log into the file: the file renamed is whole.
        drop(store);
        std::fs::rename(&tmp, &path).expect("rename");
    }
    path
}
