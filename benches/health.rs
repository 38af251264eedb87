//! The health engine's figures: scoring one account (pure, and through the store
//! with its writes), and rescoring the whole 100k-account store.

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tend::backend::Backend;
use tend::health::{AccountData, Profiles, evaluate, quick};
use tend::sqlite::DEMO_FIXTURES;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

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
    let store = common::large_store();
    let rt = runtime();
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
    g.bench_function("recompute_all_accounts", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(store.recompute_health(None).await.expect("all")) })
    });
    g.finish();
}

criterion_group!(benches, engine, store);
criterion_main!(benches);
