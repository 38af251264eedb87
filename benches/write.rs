//! The cost of one write on the 100k-account store: an incoming email with negative
//! text logged on a random account through `Backend::create`, which scores its
//! sentiment and rescores the account's health in the same transaction.
//!
//! Criterion measures the mean (`write_100k/log_interaction_with_health`); the
//! latency percentiles come from 2,000 writes timed one by one and printed as
//! `p50 ... p99 ...` (`write_100k/latency_2000_writes`). Both write to a scratch
//! copy of the generated store, deleted afterwards.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use tend::backend::Backend;
use tend::domain::*;
use tend::sqlite::{Options, Store, fixed_clock};

/// Negative customer text, varied so sentiment and full-text indexing do real work.
const BODIES: &[&str] = &[
    "This is unacceptable. The export failed again and our team lost a day of work. We are very disappointed.",
    "Honestly we are frustrated: the dashboards are slow, support has not answered, and renewal is in doubt.",
    "Terrible week. The integration broke twice and nobody warned us. We are considering other vendors.",
    "The invoice is wrong again and the outage hurt our customers. This is not what we paid for.",
];

/// A small deterministic generator (xorshift), so runs pick the same accounts.
struct Pick(u64);

impl Pick {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn interaction(account_id: Id, body: &str, at: Timestamp) -> Record {
    Record::Interaction(Interaction {
        id: 0,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Api,
        external_id: None,
        account_id,
        kind: InteractionKind::Email,
        direction: Direction::In,
        at,
        contact_ids: vec![],
        user: None,
        subject: "Problems again".into(),
        body: body.into(),
        tags: vec!["escalation".into()],
        sentiment: None,
        excluded_from_score: false,
        answered: false,
    })
}

/// A scratch copy of the generated store (writes must not change the shared one).
fn scratch_store() -> (Store, std::path::PathBuf) {
    let scratch = common::large_store_path().with_extension("write-scratch.db");
    std::fs::copy(common::large_store_path(), &scratch).expect("copy the store");
    // The copy leaves gigabytes of dirty pages behind: flushed now, so the kernel's
    // writeback of the copy is not timed as the store's writes.
    std::fs::File::open(&scratch)
        .and_then(|f| f.sync_all())
        .expect("sync the copy");
    let store = Store::open_with(
        &scratch,
        Options {
            clock: fixed_clock(common::anchor()),
            ..Options::default()
        },
    )
    .expect("open the scratch store");
    (store, scratch)
}

fn remove(scratch: &std::path::Path) {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", scratch.display()));
    }
}

fn write_100k(c: &mut Criterion) {
    let (store, scratch) = scratch_store();
    let rt = common::runtime();
    let n = common::accounts() as u64;
    let at = common::anchor();
    let mut pick = Pick(0x9E37_79B9_7F4A_7C15);
    let mut g = c.benchmark_group("write_100k");
    g.bench_function("log_interaction_with_health", |b| {
        b.to_async(&rt).iter(|| {
            let account = pick.next(n) as Id + 1;
            let body = BODIES[pick.next(BODIES.len() as u64) as usize];
            let s = &store;
            async move {
                black_box(
                    s.create("bench", interaction(account, body, at))
                        .await
                        .expect("create"),
                )
            }
        })
    });
    g.finish();
    drop(store);
    remove(&scratch);
}

/// The value at quantile `q` of sorted durations (nearest rank).
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// 2,000 writes timed one by one: p50 and p99 (criterion reports means).
fn latency_2000_writes() {
    const WRITES: usize = 2_000;
    let (store, scratch) = scratch_store();
    let rt = common::runtime();
    let n = common::accounts() as u64;
    let at = common::anchor();
    let mut pick = Pick(0x2545_F491_4F6C_DD1D);
    // A few writes first so caches and prepared statements are warm.
    for _ in 0..50 {
        let account = pick.next(n) as Id + 1;
        rt.block_on(store.create("bench", interaction(account, BODIES[0], at)))
            .expect("create");
    }
    let mut times = Vec::with_capacity(WRITES);
    let started = Instant::now();
    for _ in 0..WRITES {
        let account = pick.next(n) as Id + 1;
        let body = BODIES[pick.next(BODIES.len() as u64) as usize];
        let t = Instant::now();
        rt.block_on(store.create("bench", interaction(account, body, at)))
            .expect("create");
        times.push(t.elapsed());
    }
    let total = started.elapsed();
    times.sort();
    println!(
        "write_100k/latency_2000_writes: {WRITES} writes on {n} accounts: p50 {}  p90 {}  p99 {}  max {}  mean {} (target p99 < 20 ms)",
        ms(quantile(&times, 0.50)),
        ms(quantile(&times, 0.90)),
        ms(quantile(&times, 0.99)),
        ms(times[times.len() - 1]),
        ms(total / WRITES as u32),
    );
    drop(store);
    remove(&scratch);
}

/// Whether the name filter given to the bench (its first free argument, as
/// criterion reads it) selects `id`; no filter selects everything.
fn selected(id: &str) -> bool {
    const WITH_VALUE: &[&str] = &[
        "-b",
        "--baseline",
        "--baseline-lenient",
        "-c",
        "--color",
        "--confidence-level",
        "--load-baseline",
        "--measurement-time",
        "--noise-threshold",
        "--nresamples",
        "--output-format",
        "--plotting-backend",
        "--profile-time",
        "-s",
        "--sample-size",
        "--save-baseline",
        "--significance-level",
        "--warm-up-time",
    ];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if WITH_VALUE.contains(&a.as_str()) {
            args.next();
        } else if !a.starts_with('-') {
            return id.contains(&a);
        }
    }
    true
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    // Listing, or `cargo test --benches` (each bench run once as a test), would copy
    // the 2 GB store for nothing: both skip the writes.
    let listing = std::env::args().any(|a| a == "--list" || a == "--test");
    if !listing && selected("write_100k/log_interaction_with_health") {
        write_100k(&mut c);
    }
    if !listing && selected("write_100k/latency_2000_writes") {
        latency_2000_writes();
    }
    c.final_summary();
}
