//! The team server's figures, on loopback over the generated 100k-account store:
//!
//! - `server_load`: 50 clients, each with its own token and connection, read account
//!   360s of random accounts as fast as the server answers, for 10 s after a 2 s
//!   warm-up; prints throughput and the latency distribution (p50/p90/p99/max).
//! - `server_load_at_2000`: the same clients sending 2,000 requests/s between them
//!   on a fixed schedule (TEND_LOAD_RATE for another rate): the latency users see at
//!   that load.
//! - `server_slow_headers`: 2,000 connections (TEND_SLOW_CONNECTIONS) each
//!   (opened over one second) each sending one byte of a request head a second,
//!   never finishing it, while one
//!   client reads account 360s: when the server dropped them (its header
//!   timeout is 10 s) and the latency the client saw meanwhile.
//! - `server_export_memory`: a `tend serve` process over a generated
//!   2,000-account store answering eight `GET /export` at once: its resident
//!   memory before, at its peak and after.
//! - `server_change_feed`: one client follows the change feed while another
//!   writes a task every 250-450 ms (TEND_FEED_WRITES, 40): from each write's answer
//!   to its entry arriving on the feed, p50/p99/max.
//! - `remote/open_account` (criterion): what the app does when an account is opened
//!   over the remote backend: the 360 and the health report fetched side by side,
//!   taken by the app, and the frame drawn at 160x48.
//!
//! The server runs in this process on its own two-thread runtime; the clients on
//! another. Both share the machine's two cores, as a server and its users on one
//! box would. `cargo bench --bench server`; TEND_BENCH_ACCOUNTS for a smaller store,
//! TEND_LOAD_SECS for a longer run, TEND_LOAD_CLIENTS for another number of clients.
//!
//! With TEND_BENCH_PG=postgres://... (the generated store moved there with `tend
//! migrate`) the servers keep their store in that database, and the load and the
//! change feed go to TEND_BENCH_REPLICAS servers (default 2), each with a store of
//! its own: clients round robin over them, the feed is followed on another server
//! than the one written to.

mod common;
use common::env_or;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tend::api::Role;
use tend::backend::Backend;
use tend::remote::{ClientOptions, Remote};
use tend::server::Limits;
use tend::tui::app::App;
use tend::tui::draw;
use tend::tui::keys::Keymap;
use tend::tui::state::Msg;
use tend::tui::theme::{Theme, ThemeName};

/// A server over the large store on a loopback port; answers its URL and the runtime
/// that runs it (kept alive by the caller).
fn start_server() -> (String, tokio::runtime::Runtime, tend::sqlite::Store) {
    start_server_over(common::large_store())
}

/// The servers the load goes to: one over the store file, or
/// TEND_BENCH_REPLICAS (default 2) over the PostgreSQL database of
/// TEND_BENCH_PG, each with a store (and connections) of its own as separate
/// processes would have.
fn replicas(first: &str) -> (Vec<String>, Vec<tokio::runtime::Runtime>) {
    let mut urls = vec![first.to_string()];
    let mut runtimes = vec![];
    if common::postgres().is_some() {
        for _ in 1..env_or::<u64>("TEND_BENCH_REPLICAS", 2) {
            let (url, rt, _) = start_server_over(common::large_store());
            urls.push(url);
            runtimes.push(rt);
        }
    }
    (urls, runtimes)
}

fn start_server_over(
    store: tend::sqlite::Store,
) -> (String, tokio::runtime::Runtime, tend::sqlite::Store) {
    let server_rt = common::runtime();
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let served = store.clone();
    server_rt.spawn(async move {
        tend::server::serve(
            listener,
            served,
            &Limits::default(),
            std::future::pending::<()>(),
        )
        .await
        .expect("serve");
    });
    (url, server_rt, store)
}

/// A small deterministic generator of account ids.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n + 1
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// 50 clients, each with its own token and connection. `rate`: None, each sends its
/// next request as soon as the answer came (the server's ceiling); Some(r), the
/// clients together send r requests per second on a fixed schedule, and a latency
/// counts from when its request was due (a late request is not forgiven).
fn load(urls: &[String], store: &tend::sqlite::Store, rate: Option<u64>) {
    let clients = env_or::<u64>("TEND_LOAD_CLIENTS", 50) as usize;
    let secs = env_or::<u64>("TEND_LOAD_SECS", 10);
    let label = match rate {
        None => "server_load".to_string(),
        Some(r) => format!("server_load_at_{r}"),
    };
    let every = rate.map(|r| Duration::from_secs_f64(clients as f64 / r as f64));
    let accounts = store.account_count().expect("count");
    // One token per client, as 50 people would have (the rate limit is per token).
    let tokens: Vec<String> = (0..clients)
        .map(|i| {
            store
                .create_token(&format!("{label}-{i}"), Role::Viewer)
                .expect("token")
                .0
        })
        .collect();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = common::runtime();
    let warmup = Duration::from_secs(2);
    let measure = Duration::from_secs(secs);
    let (latencies, errors, bytes) = rt.block_on(async {
        let start = Instant::now();
        let mut tasks = vec![];
        for (i, token) in tokens.into_iter().enumerate() {
            // Round robin over the servers, as a load balancer would.
            let url = urls[i % urls.len()].clone();
            let label = label.clone();
            tasks.push(tokio::spawn(async move {
                // Paced clients start spread over one interval.
                let mut due = every.map(|e| start + e.mul_f64(i as f64 / clients as f64));
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .expect("client");
                let mut ids = Lcg(i as u64 * 7919 + 1);
                let mut lat = Vec::with_capacity(4096);
                let (mut errors, mut bytes) = (0u64, 0u64);
                loop {
                    let now = start.elapsed();
                    if now >= warmup + measure {
                        break;
                    }
                    let id = ids.next(accounts);
                    let t = match (&mut due, every) {
                        (Some(d), Some(e)) => {
                            tokio::time::sleep_until((*d).into()).await;
                            let t = *d;
                            *d += e;
                            t
                        }
                        _ => Instant::now(),
                    };
                    let r = client
                        .get(format!("{url}/api/v1/accounts/{id}"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                    let ok = match r {
                        Ok(r) if r.status().is_success() => match r.bytes().await {
                            Ok(b) => {
                                bytes += b.len() as u64;
                                true
                            }
                            Err(_) => false,
                        },
                        Ok(r) => {
                            if errors == 0 {
                                let status = r.status();
                                let body = r.text().await.unwrap_or_default();
                                eprintln!("{label}: answered {status}: {body}");
                            }
                            false
                        }
                        Err(e) => {
                            if errors == 0 {
                                eprintln!("{label}: failed: {e}");
                            }
                            false
                        }
                    };
                    let took = t.elapsed();
                    if now >= warmup {
                        if ok {
                            lat.push(took);
                        } else {
                            errors += 1;
                        }
                    }
                }
                (lat, errors, bytes)
            }));
        }
        let mut all = vec![];
        let (mut errors, mut bytes) = (0, 0);
        for t in tasks {
            let (l, e, b) = t.await.expect("client task");
            all.extend(l);
            errors += e;
            bytes += b;
        }
        (all, errors, bytes)
    });
    let mut sorted = latencies;
    sorted.sort_unstable();
    let n = sorted.len();
    println!(
        "{label}: {clients} clients, {} server(s), {secs} s on {accounts} accounts: {n} account 360s, {:.0} requests/s, {errors} errors, {:.1} KB per answer",
        urls.len(),
        n as f64 / measure.as_secs_f64(),
        bytes as f64 / n.max(1) as f64 / 1024.0,
    );
    println!(
        "{label} latency: p50 {} · p90 {} · p99 {} · max {}",
        ms(percentile(&sorted, 0.50)),
        ms(percentile(&sorted, 0.90)),
        ms(percentile(&sorted, 0.99)),
        ms(sorted.last().copied().unwrap_or_default()),
    );
}

fn open_account(c: &mut Criterion, url: &str, store: &tend::sqlite::Store) {
    let (token, _) = store.create_token("bench", Role::Csm).expect("token");
    let remote: Arc<dyn Backend> =
        Arc::new(Remote::new(url, Some(token), ClientOptions::default()).expect("client"));
    let rt = common::runtime();
    let accounts = store.account_count().expect("count");
    let theme = Theme::new(ThemeName::Dark, false);
    let mut ids = Lcg(99);
    let now = store.now();
    c.bench_function("remote/open_account", |b| {
        b.iter(|| {
            let id = ids.next(accounts) as i64;
            let (a, h) = rt.block_on(async {
                tokio::join!(
                    {
                        let r = remote.clone();
                        async move { r.account(id).await }
                    },
                    {
                        let r = remote.clone();
                        async move { r.health(id).await }
                    }
                )
            });
            let mut app = App::new(Keymap::default(), now);
            app.update(Msg::Resize(160, 48));
            app.jump_to(id);
            app.update(Msg::Account(id, a.map(Box::new), now));
            app.update(Msg::Health(id, h.map(Box::new), now));
            let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
            term.draw(|f| draw::draw(f, &app, &theme)).expect("draw");
        })
    });
}

/// Connections that drip a request head, and a client reading meanwhile.
fn slow_headers(url: &str, store: &tend::sqlite::Store) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let n = env_or::<u64>("TEND_SLOW_CONNECTIONS", 2000) as usize;
    let addr = url.trim_start_matches("http://").to_string();
    let timeout = Limits::default().header_timeout;
    let (token, _) = store
        .create_token("server_slow_headers", Role::Viewer)
        .expect("token");
    let accounts = store.account_count().expect("count");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = common::runtime();
    let (dropped, latencies, errors) = rt.block_on(async {
        let start = Instant::now();
        let mut drips = vec![];
        for i in 0..n {
            let addr = addr.clone();
            // Spread over the first second, as clients arriving on their own are.
            let phase = Duration::from_secs(1).mul_f64(i as f64 / n as f64);
            drips.push(tokio::spawn(async move {
                tokio::time::sleep(phase).await;
                let mut s = tokio::net::TcpStream::connect(&addr).await.ok()?;
                let opened = Instant::now();
                s.write_all(b"GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    .await
                    .ok()?;
                let mut buf = [0u8; 512];
                loop {
                    tokio::select! {
                        r = s.read(&mut buf) => match r {
                            Ok(0) | Err(_) => return Some(opened.elapsed()),
                            Ok(_) => return None,
                        },
                        () = tokio::time::sleep(Duration::from_secs(1)) => {
                            if s.write_all(b"a").await.is_err() {
                                return Some(opened.elapsed());
                            }
                        }
                    }
                    if opened.elapsed() > Duration::from_secs(120) {
                        return None;
                    }
                }
            }));
        }
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .expect("client");
        let mut ids = Lcg(5);
        let mut lat = vec![];
        let mut errors = 0;
        while start.elapsed() < timeout + Duration::from_secs(3) {
            let id = ids.next(accounts);
            let t = Instant::now();
            let ok = match client
                .get(format!("http://{addr}/api/v1/accounts/{id}"))
                .bearer_auth(&token)
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            };
            if ok {
                lat.push(t.elapsed());
            } else {
                errors += 1;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut dropped = vec![];
        for d in drips {
            dropped.push(d.await.ok().flatten());
        }
        (dropped, lat, errors)
    });
    let mut closed: Vec<Duration> = dropped.iter().flatten().copied().collect();
    closed.sort_unstable();
    let mut sorted = latencies;
    sorted.sort_unstable();
    println!(
        "server_slow_headers: {n} slow heads, header timeout {} s: {} dropped, after {:.1}-{:.1} s; {} still open",
        timeout.as_secs(),
        closed.len(),
        closed.first().map_or(0.0, |d| d.as_secs_f64()),
        closed.last().map_or(0.0, |d| d.as_secs_f64()),
        n - closed.len(),
    );
    println!(
        "server_slow_headers meanwhile: {} account 360s, {errors} errors: p50 {} · p99 {} · max {}",
        sorted.len(),
        ms(percentile(&sorted, 0.50)),
        ms(percentile(&sorted, 0.99)),
        ms(sorted.last().copied().unwrap_or_default()),
    );
}

/// Resident memory of a process, in MiB: (now, peak).
fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Eight exports at once from a `tend serve` process.
fn export_memory() {
    let n = env_or::<u64>("TEND_EXPORT_ACCOUNTS", 2000) as usize;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("s.db");
    std::fs::copy(common::store_path(n), &db).expect("copy the store");
    let tend = env!("CARGO_BIN_EXE_tend");
    let db_arg = db.to_str().expect("path");
    let made = std::process::Command::new(tend)
        .args([
            "--db", db_arg, "serve", "token", "create", "--role", "admin", "--user", "bench",
        ])
        .output()
        .expect("token");
    let out =
        String::from_utf8_lossy(&made.stdout).to_string() + &String::from_utf8_lossy(&made.stderr);
    let token = out
        .split_whitespace()
        .find(|w| w.starts_with("tend_"))
        .expect("a token")
        .to_string();
    let mut server = std::process::Command::new(tend)
        .args(["--db", db_arg, "serve", "--listen", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tend serve");
    let pid = server.id();
    let mut err = std::io::BufReader::new(server.stderr.take().expect("stderr"));
    let mut url = String::new();
    while url.is_empty() {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut err, &mut line).expect("read") == 0 {
            panic!("tend serve stopped");
        }
        if let Some(at) = line.find("http://") {
            url = line[at..].split('/').take(3).collect::<Vec<_>>().join("/");
        }
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = common::runtime();
    let before = rss_mib(pid).0;
    let started = Instant::now();
    let (sizes, peak_seen) = rt.block_on(async {
        let mut exports = vec![];
        for _ in 0..8 {
            let (url, token) = (url.clone(), token.clone());
            exports.push(tokio::spawn(async move {
                let mut r = reqwest::Client::new()
                    .get(format!("{url}/api/v1/export"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("export");
                assert!(r.status().is_success(), "{}", r.status());
                let mut bytes = 0usize;
                while let Some(chunk) = r.chunk().await.expect("a chunk") {
                    bytes += chunk.len();
                }
                bytes
            }));
        }
        let mut peak: f64 = 0.0;
        while !exports.iter().all(|e| e.is_finished()) {
            peak = peak.max(rss_mib(pid).0);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut sizes = vec![];
        for e in exports {
            sizes.push(e.await.expect("export task"));
        }
        (sizes, peak)
    });
    let took = started.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    let (after, hwm) = rss_mib(pid);
    let _ = server.kill();
    let _ = server.wait();
    println!(
        "server_export_memory: 8 exports at once of {n} accounts ({:.1} MB each) in {:.1} s: server resident {before:.0} MiB before, peak {:.0} MiB (sampled {peak_seen:.0}), {after:.0} MiB after",
        sizes[0] as f64 / 1e6,
        took.as_secs_f64(),
        hwm,
    );
}

/// A task on `account`, to write.
fn bench_task(account: tend::domain::Id, title: &str) -> tend::domain::Task {
    use tend::domain::*;
    let now = chrono::Utc::now();
    Task {
        id: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        source: Source::default(),
        external_id: None,
        account_id: account,
        project_id: None,
        title: title.into(),
        description: String::new(),
        assignee: String::new(),
        due: None,
        status: TaskStatus::Todo,
        priority: Priority::Normal,
        position: 0,
        kind: TaskKind::Todo,
        alert_id: None,
    }
}

/// From a write's answer to its entry on another client's change feed.
/// `feed_url`: the server whose feed is followed (another replica's, over
/// PostgreSQL); the writes go to `url`.
fn change_feed(url: &str, feed_url: &str, store: &tend::sqlite::Store) {
    use tend::domain::{EntityKind, Record};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (token, _) = store
        .create_token("bench-feed", Role::Admin)
        .expect("token");
    let writes = env_or::<u64>("TEND_FEED_WRITES", 40) as usize;
    rt.block_on(async {
        let api = Remote::new(url, Some(token.clone()), ClientOptions::default()).expect("client");
        let follower =
            Remote::new(feed_url, Some(token), ClientOptions::default()).expect("client");
        let mut feed = follower.watch().expect("a team server has a feed");
        // Following from when it connected: written until one shows.
        loop {
            api.create("bench", Record::Task(bench_task(1, "feed warm-up")))
                .await
                .expect("a write");
            if tokio::time::timeout(Duration::from_secs(1), feed.recv())
                .await
                .is_ok()
            {
                break;
            }
        }
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), feed.recv()).await {}
        let mut seen = Vec::with_capacity(writes);
        // Between 250 and 450 ms apart, so the writes fall anywhere in the
        // feed's reading period.
        let mut apart = Lcg(7);
        for i in 0..writes {
            tokio::time::sleep(Duration::from_millis(249 + apart.next(200))).await;
            let made = api
                .create("bench", Record::Task(bench_task(1, &format!("feed {i}"))))
                .await
                .expect("a write");
            let answered = Instant::now();
            loop {
                let entry = feed.recv().await.expect("the feed goes on");
                if entry.entity == EntityKind::Task && entry.record_id == made.id() {
                    break;
                }
            }
            seen.push(answered.elapsed());
        }
        seen.sort();
        println!(
            "server_change_feed: {writes} writes, from the write's answer to its entry on the feed: p50 {}, p99 {}, max {}",
            ms(percentile(&seen, 0.5)),
            ms(percentile(&seen, 0.99)),
            ms(percentile(&seen, 1.0)),
        );
    });
}

fn main() {
    {
        let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
        if filter
            .as_deref()
            .is_some_and(|f| "server_export_memory".contains(f))
        {
            export_memory();
            return;
        }
    }
    let (url, _server, store) = start_server();
    let mut c = Criterion::default().configure_from_args();
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wants = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if wants("server_load") {
        let (urls, _replicas) = replicas(&url);
        load(&urls, &store, None);
        load(&urls, &store, Some(env_or::<u64>("TEND_LOAD_RATE", 2000)));
    }
    if wants("server_slow_headers") {
        slow_headers(&url, &store);
    }
    if wants("server_export_memory") {
        export_memory();
    }
    if wants("server_change_feed") {
        let (urls, _replicas) = replicas(&url);
        change_feed(&url, urls.last().unwrap_or(&url), &store);
    }
    if wants("remote/open_account") {
        open_account(&mut c, &url, &store);
    }
    c.final_summary();
}
