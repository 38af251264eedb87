//! The health engine's figures: scoring one account (pure, and through the store
//! with its writes), and rescoring the whole 100k-account store.

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::TimeDelta;

use criterion::{Criterion, criterion_group, criterion_main};
use tend::backend::Backend;
use tend::health::{AccountData, Profiles, evaluate, quick};
use tend::sqlite::{Clock, DEMO_FIXTURES, Options, Store};

fn engine(c: &mut Criterion) {
    let d = tend::dataset::parse(DEMO_FIXTURES, "demo.json").expect("fixtures");
    let data = AccountData::of(&d, 1);
    let profiles = Profiles::bundled();
    let profile = profiles.for_account(data.account.as_ref().expect("account"));
    let now = common::anchor();
    let mut g = c.benchmark_group("health_engine");
    g.bench_function("explain_rich_demo_account", |b| {
        b.iter(|| black_box(evaluate(&data, profile, now)))
    });
    g.bench_function("quick_score_rich_demo_account", |b| {
        b.iter(|| black_box(quick(&data, profile, now)))
    });
    g.finish();
}

fn store(c: &mut Criterion) {
    // `TEND_BENCH_LOG=FILE`: the store's own timings (each recompute's accounts,
    // alerts, writing time) logged to FILE.
    if let Ok(path) = std::env::var("TEND_BENCH_LOG") {
        let file = std::fs::File::create(&path).expect("the bench log");
        let _ = tracing_subscriber::fmt()
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    }
    let store = common::large_store();
    let rt = common::runtime();
    let n = common::accounts() as i64;
    let mut g = c.benchmark_group("health_100k");
    let mut id = 0;
    g.bench_function("recompute_one_account", |b| {
        b.to_async(&rt).iter(|| {
            id = (id + 7919) % n + 1;
            let (s, this) = (&store, id);
            async move { black_box(s.recompute_health(Some(this)).await.expect("recompute")) }
        })
    });
    g.bench_function("explain_one_account", |b| {
        b.to_async(&rt).iter(|| {
            id = (id + 7919) % n + 1;
            let (s, this) = (&store, id);
            async move { black_box(s.health(this).await.expect("health")) }
        })
    });
    g.sample_size(10);
    // Nothing changed since the last recompute: every input read, every account
    // scored, nothing to write.
    g.bench_function("recompute_all_accounts_unchanged", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(store.recompute_health(None).await.expect("all")) })
    });
    g.finish();
    drop(store);
    if common::postgres().is_some() {
        next_day_on_postgres(&rt);
        return;
    }

    // The daily case: on a scratch copy whose clock moves a day per iteration, so
    // "days since" and decays move and the scores and snapshots are written. Each
    // day starts on a settled store, as a day apart leaves it: the previous day's
    // log checkpointed into the file and the file synced, outside the timing (a
    // day's recompute writes ~100 MB to the log; copying it into the file and the
    // kernel writing it out would otherwise run during the next iteration).
    let scratch = common::large_store_path().with_extension("scratch.db");
    std::fs::copy(common::large_store_path(), &scratch).expect("copy the store");
    let days = Arc::new(AtomicI64::new(0));
    let clock_days = days.clone();
    let clock: Clock =
        Arc::new(move || common::anchor() + TimeDelta::days(clock_days.load(Ordering::Relaxed)));
    let moving = Store::open_with(
        &scratch,
        Options {
            clock,
            ..Options::default()
        },
    )
    .expect("open the scratch store");
    let mut g = c.benchmark_group("health_100k");
    g.sample_size(10);
    let settle = || {
        let conn = rusqlite::Connection::open(&scratch).expect("open the scratch store");
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .expect("busy timeout");
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint");
        std::fs::File::open(&scratch)
            .and_then(|f| f.sync_all())
            .expect("sync the store");
    };
    g.bench_function("recompute_all_accounts_next_day", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (s, settle, days) = (&moving, &settle, &days);
            async move {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    days.fetch_add(1, Ordering::Relaxed);
                    settle();
                    let t = std::time::Instant::now();
                    black_box(s.recompute_health(None).await.expect("all"));
                    total += t.elapsed();
                }
                total
            }
        })
    });
    g.finish();
    drop(moving);
    let _ = std::fs::remove_file(&scratch);
}

/// The daily case on the PostgreSQL database of TEND_BENCH_PG: its clock moved
/// a day before each run, TEND_BENCH_RUNS runs (default 2) timed one by one (a
/// run takes most of a minute there; criterion's ten samples would take ten).
/// Each run writes its day's snapshots into the database.
fn next_day_on_postgres(rt: &tokio::runtime::Runtime) {
    let days = Arc::new(AtomicI64::new(0));
    let clock_days = days.clone();
    let clock: Clock =
        Arc::new(move || common::anchor() + TimeDelta::days(clock_days.load(Ordering::Relaxed)));
    let moving = common::large_store_at(clock);
    for _ in 0..common::env_or("TEND_BENCH_RUNS", 2) {
        days.fetch_add(1, Ordering::Relaxed);
        let t = std::time::Instant::now();
        let report = rt
            .block_on(moving.recompute_health(None))
            .expect("recompute");
        println!(
            "health_100k/recompute_all_accounts_next_day on PostgreSQL: {:.1} s ({} accounts, {} alerts)",
            t.elapsed().as_secs_f64(),
            report.accounts,
            report.alerts
        );
    }
}

criterion_group!(benches, engine, store);
criterion_main!(benches);
