//! The store's figures: portfolio first page, one account's 360 and summary, full-text search,
//! the dashboard and the open-alerts count, generate/import throughput, and
//! building the demo store.

mod common;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tend::backend::{
    AccountFilter, AlertQuery, Backend, CaseQuery, InteractionQuery, PageRequest, PortfolioQuery,
    PortfolioSort,
};
use tend::domain::AlertState;
use tend::generate::{GenConfig, generate_dataset};
use tend::sqlite::{DEMO_FIXTURES, Options, Store, fixed_clock};

fn reads(c: &mut Criterion) {
    let store = common::large_store();
    let rt = common::runtime();
    let mut g = c.benchmark_group("store_100k");
    for sort in [PortfolioSort::Health, PortfolioSort::Mrr] {
        let q = PortfolioQuery {
            sort,
            page: PageRequest {
                offset: 0,
                limit: 50,
            },
            ..Default::default()
        };
        g.bench_function(format!("portfolio_first_page_by_{sort}"), |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(store.portfolio(&q).await.expect("page")) })
        });
    }
    let n = common::accounts() as i64;
    let mut id = 0;
    g.bench_function("account_360", |b| {
        b.to_async(&rt).iter(|| {
            id = (id + 7919) % n + 1;
            let s = &store;
            let this = id;
            async move { black_box(s.account(this).await.expect("360")) }
        })
    });
    // The account's summary: its 360 and health read, the ten sections built.
    let mut id = 0;
    g.bench_function("summary", |b| {
        b.to_async(&rt).iter(|| {
            id = (id + 7919) % n + 1;
            let s = &store;
            let this = id;
            async move { black_box(s.summary(this).await.expect("summary")) }
        })
    });
    for word in ["outage", "renewal", "invoice address"] {
        let q = InteractionQuery {
            text: Some(word.to_string()),
            page: PageRequest {
                offset: 0,
                limit: 100,
            },
            ..Default::default()
        };
        g.bench_function(
            format!("fulltext_first_100_{}", word.replace(' ', "_")),
            |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(store.interactions(&q).await.expect("search")) })
            },
        );
    }
    g.finish();
}

fn loads(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.bench_function("demo_store_from_fixtures", |b| {
        b.iter(|| {
            black_box(
                Store::demo(Options::with_clock(fixed_clock(common::anchor()))).expect("demo"),
            )
        })
    });
    let data = generate_dataset(&GenConfig::new(2_000, 3, common::anchor()));
    g.throughput(Throughput::Elements(data.total_rows() as u64));
    g.bench_function("import_2k_accounts", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("dir");
                let store =
                    Store::open_with_clock(dir.path().join("i.db"), fixed_clock(common::anchor()))
                        .expect("store");
                (dir, store)
            },
            |(dir, store)| {
                store.import_blocking(&data).expect("import");
                (dir, store)
            },
            BatchSize::PerIteration,
        )
    });
    let cfg = GenConfig {
        density: tend::generate::Density::Bench,
        ..GenConfig::new(5_000, 5, common::anchor())
    };
    let rows = tend::generate::generate::<()>(&cfg, |_| Ok(()))
        .map(|s| s.rows)
        .unwrap_or(0);
    g.throughput(Throughput::Elements(rows as u64));
    g.bench_function("generate_5k_accounts_bench_density", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("dir");
                let store =
                    Store::open_with_clock(dir.path().join("g.db"), fixed_clock(common::anchor()))
                        .expect("store");
                (dir, store)
            },
            |(dir, store)| {
                store
                    .bulk_load(|sink| tend::generate::generate(&cfg, sink).map(|_| ()))
                    .expect("generate");
                (dir, store)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    let _ = DEMO_FIXTURES.len();
}

/// The filter language: parsing, and a filter's first page over 100k accounts and
/// their ~500k cases (the total counted too).
fn filters(c: &mut Criterion) {
    let store = common::large_store();
    let rt = common::runtime();
    let mut g = c.benchmark_group("filter_100k");
    let example =
        "health<40 region:EMEA tag:enterprise renewal<90d owner:@me -stage:churned \"acme\"";
    g.bench_function("parse_example", |b| {
        b.iter(|| black_box(tend::filter::Filter::parse(black_box(example)).expect("parses")))
    });
    let accounts = [
        (
            "at_risk_emea_renewing",
            "health<40 region:EMEA renewal<90d -stage:churned",
        ),
        ("enterprise_mrr", "segment:enterprise mrr>5k"),
    ];
    for (name, expr) in accounts {
        let q = PortfolioQuery {
            filter: AccountFilter {
                expr: Some(expr.into()),
                me: Some("maya.chen".into()),
                ..Default::default()
            },
            page: PageRequest {
                offset: 0,
                limit: 50,
            },
            ..Default::default()
        };
        g.bench_function(format!("accounts_first_page_{name}"), |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(store.portfolio(&q).await.expect("page")) })
        });
    }
    let cases = [
        (
            "urgent_emea_unhealthy",
            "priority:urgent region:EMEA health<50",
        ),
        ("escalated_last_week", "escalated:yes created>-7d"),
        ("open_frustrated", "status:open signal:frustration"),
    ];
    for (name, expr) in cases {
        let q = CaseQuery {
            account: AccountFilter {
                expr: Some(expr.into()),
                ..Default::default()
            },
            page: PageRequest {
                offset: 0,
                limit: 50,
            },
            ..Default::default()
        };
        g.bench_function(format!("cases_first_page_{name}"), |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(store.cases(&q).await.expect("page")) })
        });
    }
    g.finish();
}

fn dashboard(c: &mut Criterion) {
    let store = common::large_store();
    let rt = common::runtime();
    let mut g = c.benchmark_group("dashboard_100k");
    g.bench_function("dashboard", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(store.dashboard().await.expect("dashboard")) })
    });
    // What the app asks for its badge: the open count alone.
    let q = AlertQuery {
        state: Some(AlertState::Open),
        page: PageRequest {
            offset: 0,
            limit: 0,
        },
        ..Default::default()
    };
    g.bench_function("open_alerts_count", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(store.alerts(&q).await.expect("count")) })
    });
    let q = AlertQuery {
        state: Some(AlertState::Open),
        ..Default::default()
    };
    g.bench_function("open_alerts_first_page", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(store.alerts(&q).await.expect("page")) })
    });
    g.finish();
}

criterion_group!(benches, loads, reads, filters, dashboard);
criterion_main!(benches);
