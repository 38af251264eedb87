//! Loading other tools' exports (`tend import --from FORMAT`), read and loaded
//! into a fresh store in one transaction, as the command does:
//!
//! - `sources/hubspot_40k_rows`: 10,000 companies and 30,000 contacts, first load
//!   (every record created, logged, its account scored) and a second load of the
//!   same files (every record found by its HubSpot id and left unchanged);
//! - `sources/segment_events`: Segment track events of 2,000 groups' users over a
//!   month (TEND_BENCH_EVENTS, default 200,000; 1,000,000 for the issue's
//!   figure), aggregated into usage per user and day;
//! - `sources/mbox_10k`: an mbox of 10,000 messages with the 10,000 accounts they
//!   are exchanged with already in the store.
//!
//! The stores are scratch files in a temporary directory. A load is measured
//! from reading its files to its commit; closing the store afterwards (which
//! checkpoints the write-ahead log into the file) is left out.

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput};
use tend::backend::sync::{Format, SyncOptions};
use tend::sqlite::{Store, fixed_clock};
use tend_engines::sources::ReadOptions;

const COMPANIES: usize = 10_000;
const CONTACTS: usize = 30_000;
const GROUPS: usize = 2_000;

fn now() -> tend::domain::Timestamp {
    tend::generate::demo_anchor()
}

fn hubspot() -> Vec<(String, Vec<u8>)> {
    let mut c = String::from(
        "Record ID,Company name,Company Domain Name,Lifecycle Stage,Company owner,Industry,Country/Region\n",
    );
    for i in 0..COMPANIES {
        c.push_str(&format!(
            "{},Company {i},c{i}.example,Customer,Owner {},Industry {},Country {}\n",
            100_000 + i,
            i % 20,
            i % 7,
            i % 30
        ));
    }
    let mut p =
        String::from("Record ID,First Name,Last Name,Email,Job Title,Associated Company IDs\n");
    for i in 0..CONTACTS {
        let at = i % COMPANIES;
        p.push_str(&format!(
            "{},First{i},Last{i},p{i}@c{at}.example,Title {},{}\n",
            500_000 + i,
            i % 5,
            100_000 + at
        ));
    }
    vec![
        ("companies.csv".into(), c.into_bytes()),
        ("contacts.csv".into(), p.into_bytes()),
    ]
}

fn events(n: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = String::with_capacity(n * 220);
    for g in 0..GROUPS {
        out.push_str(&format!(
            "{{\"type\":\"group\",\"userId\":\"u{g}_0\",\"groupId\":\"g{g}\",\"traits\":{{\"website\":\"c{g}.example\"}},\"messageId\":\"grp{g}\",\"timestamp\":\"2026-11-01T00:00:00Z\"}}\n"
        ));
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for k in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let g = x % GROUPS as u64;
        let u = (x >> 20) % 5;
        let second = (x >> 32) % (30 * 86_400);
        let (day, rest) = (1 + second / 86_400, second % 86_400);
        out.push_str(&format!(
            "{{\"type\":\"track\",\"userId\":\"u{g}_{u}\",\"event\":\"Feature {}\",\"messageId\":\"m{k}\",\"timestamp\":\"2026-11-{day:02}T{:02}:{:02}:{:02}.000Z\",\"context\":{{\"groupId\":\"g{g}\"}},\"properties\":{{\"plan\":\"pro\"}}}}\n",
            k % 12,
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        ));
    }
    vec![("events.jsonl".into(), out.into_bytes())]
}

fn mbox(n: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = String::with_capacity(n * 700);
    for k in 0..n {
        let at = k % COMPANIES;
        let day = 1 + k % 28;
        out.push_str(&format!(
            "From p{k}@c{at}.example Mon Nov {day:2} 10:00:00 2026\n\
             From: Person {k} <p{k}@c{at}.example>\n\
             To: Maya Chen <maya.chen@tend.example>\n\
             Subject: Question {k} about the export\n\
             Date: Mon, {day} Nov 2026 10:00:00 +0000\n\
             Message-ID: <m{k}@c{at}.example>\n\
             MIME-Version: 1.0\n\
             Content-Type: text/plain; charset=utf-8\n\
             \n\
             Hi Maya,\n\
             the nightly export failed again and our team is frustrated. Could you\n\
             look into it before Friday? Thanks, Person {k}\n\
             \n"
        ));
    }
    vec![("inbox.mbox".into(), out.into_bytes())]
}

/// Loads into a store and hands it back: closing it (a checkpoint of the whole
/// write-ahead log into the file) is not the load's, and happens after the
/// measurement.
fn load_into(store: Store, format: Format, files: &[(String, Vec<u8>)]) -> Store {
    load(&store, format, files);
    store
}

fn load(store: &Store, format: Format, files: &[(String, Vec<u8>)]) {
    let read = ReadOptions {
        team_domains: vec!["tend.example".into()],
        create_contacts: false,
        now: now(),
    };
    let report = store
        .load_files_blocking("bench", format, files, &read, None, &SyncOptions::default())
        .expect("loaded");
    assert!(report.problems.is_empty() && report.written, "{report:?}");
}

fn fresh(dir: &std::path::Path, name: &str) -> Store {
    let path = dir.join(name);
    for end in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{end}", path.display()));
    }
    Store::open_with_clock(&path, fixed_clock(now())).expect("store")
}

/// A fresh store holding the CRM's accounts and contacts.
fn with_crm(dir: &std::path::Path, name: &str, crm: &[(String, Vec<u8>)]) -> Store {
    let store = fresh(dir, name);
    load(&store, Format::Hubspot, crm);
    store
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .configure_from_args();
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let crm = hubspot();
    let mut group = c.benchmark_group("sources");
    group.throughput(Throughput::Elements((COMPANIES + CONTACTS) as u64));
    group.bench_function("hubspot_40k_rows/first_load", |b| {
        b.iter_batched(
            || fresh(dir, "first.db"),
            |store| load_into(store, Format::Hubspot, &crm),
            BatchSize::PerIteration,
        )
    });
    let loaded = fresh(dir, "loaded.db");
    load(&loaded, Format::Hubspot, &crm);
    group.bench_function("hubspot_40k_rows/load_again", |b| {
        b.iter(|| load(&loaded, Format::Hubspot, &crm))
    });
    let n: usize = std::env::var("TEND_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let stream = events(n);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(format!("segment_events/{n}"), |b| {
        b.iter_batched(
            || with_crm(dir, "segment.db", &crm),
            |store| load_into(store, Format::Segment, &stream),
            BatchSize::PerIteration,
        )
    });
    let mail = mbox(10_000);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("mbox_10k", |b| {
        b.iter_batched(
            || with_crm(dir, "mail.db", &crm),
            |store| load_into(store, Format::Mbox, &mail),
            BatchSize::PerIteration,
        )
    });
    group.finish();
    c.final_summary();
}
