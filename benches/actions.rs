//! Acting outward: a round of the scheduler over 100k accounts with 10k active
//! playbook runs (finding the due steps), and 1,000 notifications delivered to a
//! webhook on loopback.

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tend::backend::outbound::{
    self, Channel, ChannelKind, NotifySettings, Rule, Trigger,
    webhook::{Format, Webhook},
};
use tend::backend::{Backend, Write};
use tend::domain::*;
use tend::sqlite::{Options, Store, fixed_clock};

const RUNS: usize = 10_000;

/// A copy of the 100k store with 10k automatic runs, each waiting 30 days on its
/// first step (built once, kept beside the large store).
fn store_with_runs() -> Store {
    let base = common::large_store_path();
    let path = base.with_file_name(format!("actions-{}.db", common::accounts()));
    let fresh = !path.exists();
    if fresh {
        std::fs::copy(&base, &path).expect("copy the large store");
    }
    let store =
        Store::open_with(&path, Options::with_clock(fixed_clock(common::anchor()))).expect("open");
    if fresh {
        let rt = common::runtime();
        rt.block_on(async {
            let now = store.now();
            let book = Playbook {
                id: 0,
                version: 1,
                created_at: now,
                updated_at: now,
                source: Source::Ui,
                external_id: None,
                name: "Bench nurture".into(),
                description: String::new(),
                steps: vec![
                    PlaybookStep {
                        name: "Let it settle".into(),
                        action: StepAction::Wait { days: 30 },
                    },
                    PlaybookStep {
                        name: "Call".into(),
                        action: StepAction::WaitForPerson {
                            instructions: "Call the champion".into(),
                        },
                    },
                ],
            };
            let book = match store.create("bench", Record::Playbook(book)).await {
                Ok(Record::Playbook(p)) => p,
                other => panic!("playbook: {other:?}"),
            };
            let n = common::accounts().min(RUNS * 10) as i64;
            let writes: Vec<Write> = (0..RUNS as i64)
                .map(|i| Write::Create {
                    record: Record::PlaybookRun(PlaybookRun::start(
                        &book,
                        i * (n / RUNS as i64) + 1,
                        now,
                    )),
                })
                .collect();
            for chunk in writes.chunks(1000) {
                store.apply("bench", chunk.to_vec()).await.expect("runs");
            }
            // Their first round: each run's wait begins (due in 30 days).
            while store.tick().await.expect("tick").runs_due > 0 {}
        });
    }
    store
}

fn scheduler(c: &mut Criterion) {
    let store = store_with_runs();
    let rt = common::runtime();
    let mut g = c.benchmark_group("actions_100k");
    g.bench_function("tick_10k_active_runs_none_due", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(store.tick().await.expect("tick")) })
    });
    g.finish();
}

/// A webhook receiver on loopback counting what it gets.
fn receiver(rt: &tokio::runtime::Runtime) -> (String, Arc<AtomicUsize>) {
    let got = Arc::new(AtomicUsize::new(0));
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_: axum::body::Bytes| {
            let g = g.clone();
            async move {
                g.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    rt.spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

fn notifications(c: &mut Criterion) {
    let rt = common::runtime();
    let (url, got) = receiver(&rt);
    let dir = tempfile::tempdir().expect("dir");
    let out = outbound::Settings {
        notify: NotifySettings {
            rules: vec![Rule {
                on: Trigger::Alert { rule: "*".into() },
                channels: vec!["hook".into()],
            }],
            channels: vec![Channel {
                name: "hook".into(),
                kind: ChannelKind::Webhook(Webhook {
                    url,
                    format: Format::Json,
                    secret: Some("bench-secret".into()),
                    timeout_secs: 10,
                }),
            }],
        },
        ..outbound::Settings::default()
    };
    let store = Store::open_with(
        dir.path().join("n.db"),
        Options {
            outbound: Arc::new(out),
            ..Options::default()
        },
    )
    .expect("open");
    let account = rt.block_on(async {
        let now = store.now();
        let a: Account = serde_json::from_value(serde_json::json!({
            "id": 0, "created_at": now, "updated_at": now, "name": "Kestrel Air",
            "stage": "adoption", "owner": "maya"
        }))
        .expect("account");
        let id = store
            .create("bench", Record::Account(a))
            .await
            .expect("account")
            .id();
        store.tick().await.expect("the first round");
        id
    });
    let mut g = c.benchmark_group("notify");
    g.sample_size(10);
    g.bench_function("deliver_1000_to_a_loopback_webhook", |b| {
        b.to_async(&rt).iter_batched(
            || {
                let now = store.now();
                let writes: Vec<Write> = (0..1000)
                    .map(|i| Write::Create {
                        record: Record::Alert(
                            serde_json::from_value(serde_json::json!({
                                "id": 0, "created_at": now, "updated_at": now,
                                "account_id": account, "rule": "usage_drop", "at": now,
                                "message": format!("Connections fell {i}%"), "state": "open"
                            }))
                            .expect("alert"),
                        ),
                    })
                    .collect();
                let s = store.clone();
                std::thread::spawn(move || {
                    common::runtime()
                        .block_on(async { s.apply("bench", writes).await.expect("alerts") })
                })
                .join()
                .expect("alerts");
                got.load(Ordering::SeqCst)
            },
            |before| {
                let (s, got) = (&store, &got);
                async move {
                    let r = s.tick().await.expect("tick");
                    assert_eq!(r.sent, 1000, "{r:?}");
                    assert_eq!(got.load(Ordering::SeqCst) - before, 1000);
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, scheduler, notifications);
criterion_main!(benches);
