//! Schema migrations: older stores upgrade in place with their data; newer
//! stores and files that are not stores are refused and left untouched.
//!
//! The upgrade test builds a store at schema version 1 (the oldest that holds
//! data), fills it with plain SQL written for version 1, then applies every
//! later migration one at a time checking nothing is lost (version 2 rebuilds the
//! usage table and adds health history), and finally opens it with `Store`, which
//! must bring it to `SCHEMA_VERSION` and backfill the health history.

use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate};
use rusqlite::{Connection, params};

use tend::backend::*;
use tend::domain::*;
use tend::sqlite::{SCHEMA_VERSION, Store, fixed_clock, migrate_to};

const NOW: &str = "2026-03-18T10:00:00Z";

fn now() -> Timestamp {
    DateTime::parse_from_rfc3339(NOW).expect("now").to_utc()
}

fn ts(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).expect("instant").to_utc()
}

/// Instants are stored as UTC milliseconds (schema version 1).
fn ms(s: &str) -> i64 {
    ts(s).timestamp_millis()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// Dates are stored as days from the common era (schema version 1).
fn day(y: i32, m: u32, d: u32) -> i64 {
    date(y, m, d).num_days_from_ce() as i64
}

fn user_version(path: &Path) -> i64 {
    let conn = Connection::open(path).expect("open");
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version")
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

/// Rows written with plain SQL as schema version 1 lays them out.
fn seed_v1(conn: &Connection) {
    let account = "INSERT INTO accounts (id, version, created_at, updated_at, source, external_id,
        name, domain, parent_id, stage, segment, region, tags, owner, team, health_profile,
        goals_profile, focus_areas, custom_fields, churn, churn_likelihood, pulse)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    conn.execute(
        account,
        params![
            1,
            3,
            ms("2025-01-10T09:00:00Z"),
            ms("2026-03-01T09:00:00Z"),
            "crm",
            "sf-001",
            "Old Group",
            "old.example",
            None::<i64>,
            "expansion",
            "enterprise",
            "emea",
            r#"["strategic"]"#,
            "alice",
            r#"["bob"]"#,
            None::<String>,
            None::<String>,
            r#"["Grow usage"]"#,
            r#"{"tier":"gold"}"#,
            r#"{"likelihood":"at_risk","reason_category":"price","reason_subcategory":null,"reason_details":null,"projected_date":"2026-09-30","description":null}"#,
            "at_risk",
            r#"{"rating":4,"at":"2026-03-10T08:00:00Z","by":"alice"}"#,
        ],
    )
    .expect("insert account 1");
    conn.execute(
        account,
        params![
            2,
            1,
            ms("2025-02-01T09:00:00Z"),
            ms("2025-02-01T09:00:00Z"),
            "import",
            None::<String>,
            "Old Subsidiary",
            None::<String>,
            1,
            "adoption",
            "smb",
            "na",
            "[]",
            "carol",
            "[]",
            None::<String>,
            None::<String>,
            "[]",
            "{}",
            r#"{"likelihood":"none"}"#,
            "none",
            None::<String>,
        ],
    )
    .expect("insert account 2");
    conn.execute(
        "INSERT INTO contacts (id, version, created_at, updated_at, source, external_id,
            account_id, name, email, title, roles, kind)
         VALUES (10, 1, ?, ?, 'import', NULL, 1, 'Olga', 'olga@old.example', 'CTO', '[\"champion\"]', 'crm')",
        params![ms("2025-01-11T09:00:00Z"), ms("2025-01-11T09:00:00Z")],
    )
    .expect("insert contact");
    conn.execute(
        "INSERT INTO interactions (id, version, created_at, updated_at, source, external_id,
            account_id, kind, direction, at, contact_ids, user, subject, body, tags,
            sentiment_score, sentiment_label, sentiment_source, excluded_from_score, answered)
         VALUES (20, 1, ?1, ?1, 'import', NULL, 1, 'meeting', 'out', ?1, '[10]', 'alice',
            'Quarterly review', 'Talked about the gramophone rollout', '[\"business_review\"]',
            0.5, 'positive', 'ai', 0, 1)",
        params![ms("2026-03-12T15:00:00Z")],
    )
    .expect("insert interaction");
    conn.execute(
        "INSERT INTO agreements (id, version, created_at, updated_at, source, external_id,
            account_id, name, mrr_cents, start_day, end_day, notice_days, auto_renew, status,
            kind, payment_up_to_date, renews_id, attachments)
         VALUES (30, 1, ?1, ?1, 'import', NULL, 1, 'Platform', 123400, ?2, ?3, 60, 1, 'active',
            'initial', 1, NULL, '[]')",
        params![
            ms("2025-01-10T09:00:00Z"),
            day(2025, 7, 1),
            day(2026, 6, 30)
        ],
    )
    .expect("insert agreement");
    conn.execute(
        "INSERT INTO usage (account_id, contact_id, day, connections, minutes, features)
         VALUES (1, 10, ?, 4, 40, '{\"reports\":4}'), (1, NULL, ?, 2, 5, '{}')",
        params![day(2026, 3, 16), day(2026, 3, 17)],
    )
    .expect("insert usage");
    conn.execute(
        "INSERT INTO support_cases (id, version, created_at, updated_at, source, external_id,
            account_id, number, subject, priority, priority_rank, severity, status, is_open,
            escalated, team, region, opened_at, resolved_at, signals, engineering_issue, csat)
         VALUES (40, 1, ?1, ?1, 'import', NULL, 2, 'OLD-1', 'Slow sync', 'high', 1, 2, 'open', 1,
            1, 'platform', 'na', ?1, NULL, '[\"urgency\"]', NULL, NULL)",
        params![ms("2026-03-15T08:00:00Z")],
    )
    .expect("insert case");
    conn.execute(
        "INSERT INTO tasks (id, version, created_at, updated_at, source, external_id, account_id,
            project_id, title, description, assignee, due_day, status, priority, position)
         VALUES (50, 2, ?1, ?1, 'ui', NULL, 1, NULL, 'Send the deck', '', 'alice', ?2, 'doing',
            'normal', 1)",
        params![ms("2026-03-01T09:00:00Z"), day(2026, 3, 20)],
    )
    .expect("insert task");
    conn.execute(
        "INSERT INTO documents (id, version, created_at, updated_at, source, external_id,
            account_id, title, kind, link)
         VALUES (55, 1, ?1, ?1, 'ui', NULL, 1, 'Last QBR deck', 'qbr',
            'https://docs.old.example/qbr.pdf')",
        params![ms("2026-02-01T09:00:00Z")],
    )
    .expect("insert document");
    conn.execute(
        "INSERT INTO change_log (id, at, actor, entity, record_id, account_id, action, field,
            from_value, to_value)
         VALUES (1, ?, 'alice', 'account', 1, 1, 'update', 'owner', '\"zoe\"', '\"alice\"')",
        params![ms("2026-03-01T09:00:00Z")],
    )
    .expect("insert change");
}

/// The table row counts the seed leaves, to check nothing is lost on the way.
fn seed_counts(conn: &Connection) -> Vec<(&'static str, i64)> {
    [
        "accounts",
        "contacts",
        "interactions",
        "agreements",
        "usage",
        "support_cases",
        "tasks",
        "documents",
        "change_log",
    ]
    .into_iter()
    .map(|t| (t, count(conn, t)))
    .collect()
}

/// A store file at schema version 1 holding the seed rows.
fn build_v1(path: &Path) -> Connection {
    let mut conn = Connection::open(path).expect("create");
    migrate_to(&mut conn, &path.display().to_string(), 1).expect("build schema version 1");
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("v");
    assert_eq!(v, 1);
    seed_v1(&conn);
    conn
}

#[test]
fn every_migration_keeps_the_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stepwise.db");
    let label = path.display().to_string();
    let mut conn = build_v1(&path);
    let seeded = seed_counts(&conn);
    assert_eq!(
        seeded,
        vec![
            ("accounts", 2),
            ("contacts", 1),
            ("interactions", 1),
            ("agreements", 1),
            ("usage", 2),
            ("support_cases", 1),
            ("tasks", 1),
            ("documents", 1),
            ("change_log", 1),
        ]
    );
    // Every later migration, one version at a time.
    let mut v = 2;
    while v <= SCHEMA_VERSION {
        migrate_to(&mut conn, &label, v).unwrap_or_else(|e| panic!("migrate to {v}: {e}"));
        let at: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("v");
        assert_eq!(at, v);
        assert_eq!(seed_counts(&conn), seeded, "rows after migrating to {v}");
        v += 1;
    }
    // Asking for a version past this build's stops at this build's.
    migrate_to(&mut conn, &label, SCHEMA_VERSION + 5).expect("capped");
    let at: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("v");
    assert_eq!(at, SCHEMA_VERSION);
}

#[tokio::test]
async fn older_store_upgrades_with_its_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    drop(build_v1(&path));
    assert_eq!(user_version(&path), 1);

    let store = Store::open_with_clock(&path, fixed_clock(now())).expect("open the old store");
    assert_eq!(
        user_version(&path),
        SCHEMA_VERSION,
        "upgraded to this build's schema"
    );

    // The records read back whole.
    let expected = Account {
        id: 1,
        version: 3,
        created_at: ts("2025-01-10T09:00:00Z"),
        updated_at: ts("2026-03-01T09:00:00Z"),
        source: Source::Crm,
        external_id: Some("sf-001".into()),
        name: "Old Group".into(),
        domain: Some("old.example".into()),
        parent_id: None,
        stage: Stage::Expansion,
        segment: "enterprise".into(),
        region: "emea".into(),
        tags: vec!["strategic".into()],
        owner: "alice".into(),
        team: vec!["bob".into()],
        health_profile: None,
        goals_profile: None,
        focus_areas: vec!["Grow usage".into()],
        custom_fields: [("tier".to_string(), "gold".to_string())]
            .into_iter()
            .collect(),
        churn: ChurnForecast {
            likelihood: ChurnLikelihood::AtRisk,
            reason_category: Some("price".into()),
            reason_subcategory: None,
            reason_details: None,
            projected_date: Some(date(2026, 9, 30)),
            description: None,
        },
        pulse: Some(Pulse {
            rating: 4,
            at: ts("2026-03-10T08:00:00Z"),
            by: "alice".into(),
        }),
    };
    assert_eq!(
        store.get(EntityKind::Account, 1).await.expect("account 1"),
        Record::Account(expected)
    );
    let v = store.account(1).await.expect("360");
    assert_eq!(v.children.iter().map(|c| c.id).collect::<Vec<_>>(), vec![2]);
    assert_eq!(v.contacts.len(), 1);
    assert_eq!(v.contacts[0].roles, vec!["champion".to_string()]);
    assert_eq!(v.interactions.len(), 1);
    assert_eq!(
        v.interactions[0].sentiment,
        Some(Sentiment {
            score: 0.5,
            label: SentimentLabel::Positive,
            source: SentimentSource::Ai,
        })
    );
    assert_eq!(v.tasks.len(), 1);
    assert_eq!(
        (v.tasks[0].version, v.tasks[0].due),
        (2, Some(date(2026, 3, 20)))
    );
    assert_eq!(v.agreements.len(), 1);
    assert_eq!(
        (v.agreements[0].start, v.agreements[0].end),
        (date(2025, 7, 1), date(2026, 6, 30))
    );
    // A document from before files: its link, and no file.
    assert_eq!(v.documents.len(), 1);
    assert_eq!(
        (v.documents[0].link.as_str(), v.documents[0].file.as_ref()),
        ("https://docs.old.example/qbr.pdf", None)
    );
    // Derived columns are computed on open: MRR and the notice date
    // (auto-renew: 2026-06-30 minus 60 days).
    assert_eq!(v.row.mrr_cents, 123_400);
    assert_eq!(v.row.renewal, Some(date(2026, 5, 1)));
    // The full-text index came along.
    let found = store
        .interactions(&InteractionQuery {
            text: Some("gramophone".into()),
            ..Default::default()
        })
        .await
        .expect("search");
    assert_eq!(
        found.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![20]
    );
    let usage = store
        .usage(
            1,
            &UsageQuery {
                from: date(2026, 3, 16),
                to: date(2026, 3, 17),
                bucket: Bucket::Week,
            },
        )
        .await
        .expect("usage");
    assert_eq!(
        usage,
        vec![UsageBucket {
            start: date(2026, 3, 16),
            connections: 6,
            minutes: 45,
            active_users: 2,
        }]
    );
    let cases = store.cases(&CaseQuery::default()).await.expect("cases");
    assert_eq!(cases.items.len(), 1);
    assert_eq!(
        (
            cases.items[0].case.priority,
            cases.items[0].account_name.as_str()
        ),
        (Priority::High, "Old Subsidiary")
    );
    // The filters read through the indexes of version 5, and the upgrade gathered
    // the statistics the planner chooses them with.
    for (expr, expected) in [
        ("status:open signal:urgency", 1),
        ("status:open signal:frustration", 0),
        ("escalated:yes created>2026-03-14", 1),
        ("priority:high escalated:no", 0),
        ("priority:high name:subsidiary", 1),
    ] {
        let q = CaseQuery {
            account: AccountFilter {
                expr: Some(expr.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let page = store.cases(&q).await.expect("filtered cases");
        assert_eq!(
            (page.total, page.items.len() as u64),
            (expected, expected),
            "{expr}"
        );
    }
    let analyzed: Vec<String> = Connection::open(&path)
        .expect("open")
        .prepare("SELECT DISTINCT tbl FROM sqlite_stat1 ORDER BY tbl")
        .expect("statistics")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("names");
    assert_eq!(analyzed, ["accounts", "support_cases"]);
    let log = store
        .change_log(1, PageRequest::default())
        .await
        .expect("log");
    assert_eq!(log.items.len(), 1);
    assert_eq!(
        (log.items[0].from.clone(), log.items[0].to.clone()),
        (
            Some(serde_json::json!("zoe")),
            Some(serde_json::json!("alice"))
        )
    );
    // The health engine scored the old accounts and backfilled their history.
    let health = store.health(1).await.expect("health after upgrade");
    assert!(health.explanation.score.is_some());
    assert_eq!(health.weekly.len(), 53);
    assert_eq!(health.monthly.len(), 13);
    assert_eq!(
        store.account(1).await.expect("360").row.health_score,
        health.explanation.score
    );
    // And the upgraded store takes writes, with fresh ids.
    let mut contact = v.contacts[0].clone();
    contact.name = "Pavel".into();
    contact.email = None;
    let created = store
        .create("alice", Record::Contact(contact))
        .await
        .expect("create after upgrade");
    assert_eq!(created.id(), 11);
    let log = store
        .change_log(1, PageRequest::default())
        .await
        .expect("log");
    assert_eq!(
        log.items[0].id, 2,
        "the change log continues after the old entries"
    );
}

#[tokio::test]
async fn empty_files_at_every_older_version_upgrade() {
    for start in 0..SCHEMA_VERSION {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("store.db");
        if start == 0 {
            // An empty file is a version-0 store.
            std::fs::write(&path, b"").expect("empty file");
        } else {
            let mut conn = Connection::open(&path).expect("create");
            migrate_to(&mut conn, &path.display().to_string(), start).expect("older version");
        }
        assert_eq!(user_version(&path), start);
        let store = Store::open_with_clock(&path, fixed_clock(now()))
            .unwrap_or_else(|e| panic!("open a version-{start} store: {e}"));
        assert_eq!(user_version(&path), SCHEMA_VERSION, "from version {start}");
        let page = store
            .portfolio(&PortfolioQuery::default())
            .await
            .expect("portfolio");
        assert_eq!((page.total, page.items.len()), (0, 0));
        let a = store
            .create(
                "alice",
                Record::Account(Account {
                    id: 0,
                    version: 1,
                    created_at: now(),
                    updated_at: now(),
                    source: Source::Ui,
                    external_id: None,
                    name: "First".into(),
                    domain: None,
                    parent_id: None,
                    stage: Stage::Onboarding,
                    segment: String::new(),
                    region: String::new(),
                    tags: vec![],
                    owner: "alice".into(),
                    team: vec![],
                    health_profile: None,
                    goals_profile: None,
                    focus_areas: vec![],
                    custom_fields: Default::default(),
                    churn: Default::default(),
                    pulse: None,
                }),
            )
            .await
            .expect("write to the upgraded store");
        assert_eq!((a.id(), a.version()), (1, 1));
    }
    // Opening an up-to-date store again changes nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    drop(Store::open_with_clock(&path, fixed_clock(now())).expect("create"));
    drop(Store::open_with_clock(&path, fixed_clock(now())).expect("reopen"));
    assert_eq!(user_version(&path), SCHEMA_VERSION);
}

fn companions(path: &Path) -> Vec<String> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .filter_map(|s| {
            let p = format!("{}{s}", path.display());
            std::fs::metadata(&p)
                .ok()
                .filter(|m| m.len() > 0)
                .map(|m| format!("{p} ({} bytes)", m.len()))
        })
        .collect()
}

fn assert_newer_refused(path: &Path) {
    let before = std::fs::read(path).expect("read");
    let newer = SCHEMA_VERSION + 1;
    let err = Store::open_with_clock(path, fixed_clock(now()))
        .err()
        .expect("a store from a newer tend must be refused");
    let message = err.to_string();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    assert!(
        message.contains("newer tend"),
        "says a newer tend wrote it: {message}"
    );
    assert!(
        message.contains(&format!("schema version {newer}")),
        "names its version: {message}"
    );
    assert!(
        message.contains(&path.display().to_string()),
        "names the file: {message}"
    );
    let after = std::fs::read(path).expect("read");
    let changed: Vec<(usize, u8, u8)> = before
        .iter()
        .zip(after.iter())
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| (i, *a, *b))
        .take(8)
        .collect();
    assert!(
        before == after,
        "the refused store file must be byte-for-byte unchanged: length {} -> {}, \
         first changed bytes (offset, before, after): {changed:?}",
        before.len(),
        after.len()
    );
    assert_eq!(user_version(path), newer);
}

#[test]
fn newer_store_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newer.db");
    // A store as tend writes it, then stamped by a "newer tend".
    drop(Store::open_with_clock(&path, fixed_clock(now())).expect("create"));
    {
        let conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("stamp");
    }
    assert_eq!(companions(&path), Vec::<String>::new(), "closed cleanly");
    assert_newer_refused(&path);
    assert_eq!(
        companions(&path),
        Vec::<String>::new(),
        "no journal left behind"
    );
}

/// KNOWN BUG (crates/backend/src/sqlite/mod.rs, `open_connection`, called by `Store::open_inner`
/// before the version check): opening the writer runs `PRAGMA journal_mode =
/// WAL` before anything checks the schema version, so a newer store that is in
/// rollback-journal mode is converted to WAL (bytes 18 and 19 of its header go
/// from 1 to 2) even though it is then refused.
#[test]
fn newer_store_in_rollback_journal_mode_is_left_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newer-rollback.db");
    {
        let mut conn = Connection::open(&path).expect("create");
        migrate_to(&mut conn, &path.display().to_string(), SCHEMA_VERSION).expect("schema");
        conn.execute(
            "INSERT INTO store_meta (key, value) VALUES ('written_by', 'tend 9')",
            [],
        )
        .expect("row");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("stamp");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(
            mode, "delete",
            "a plain SQLite file uses a rollback journal"
        );
    }
    assert_newer_refused(&path);
}

fn assert_not_a_store_refused(path: &Path, content: &[u8]) {
    std::fs::write(path, content).expect("write");
    let err = Store::open_with_clock(path, fixed_clock(now()))
        .err()
        .expect("a file that is not a store must be refused");
    let message = err.to_string();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    assert!(
        message.contains(&path.display().to_string()),
        "names the file: {message}"
    );
    assert!(
        message.contains("not a tend store") || message.contains("not a database"),
        "says what is wrong: {message}"
    );
    assert_eq!(
        std::fs::read(path).expect("read"),
        content,
        "left unchanged"
    );
    assert_eq!(
        companions(path),
        Vec::<String>::new(),
        "no journal left behind"
    );
}

#[test]
fn file_that_is_not_sqlite_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_not_a_store_refused(
        &dir.path().join("accounts.csv"),
        b"name,mrr\nAcme,100\nGlobex,200\n",
    );
    // Longer than an SQLite header, binary.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..=255u8).cycle().take(4096));
    assert_not_a_store_refused(&dir.path().join("logo.png"), &png);
    // A JSON dataset given where a store was expected.
    assert_not_a_store_refused(
        &dir.path().join("dataset.json"),
        br#"{"format":"tend-dataset","format_version":1,"anchor":"2026-01-01T00:00:00Z"}"#,
    );
}

/// Version 4 (alerts and the dashboard): a version-3 store with scores, snapshots
/// and transition alerts written by the tend of that version opens upgraded: the
/// transition alerts get their statuses from their messages, every account is
/// rescored (its biggest drag and alert conditions filled), and the rules of this
/// version raise their alerts (the seed's open escalated case).
#[tokio::test]
async fn a_version_3_store_upgrades_to_the_current_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v3.db");
    {
        let mut conn = build_v1(&path);
        migrate_to(&mut conn, &path.display().to_string(), 3).expect("to version 3");
        conn.execute_batch(
            "UPDATE accounts SET health_score = 50, health_status = 'concerning', health_trend = 0;
             INSERT INTO store_meta(key, value) VALUES ('health_fingerprint', 'of version 3'),
                 ('health_day', '2026-03-18'), ('derived_day', '2026-03-18');",
        )
        .expect("scores as version 3 kept them");
        conn.execute(
            "INSERT INTO health_snapshots (account_id, period, start_day, at, score, status,
                profile, components)
             VALUES (1, 'week', ?1, ?2, 50, 'concerning', 'default', ''),
                    (2, 'week', ?1, ?2, 50, 'concerning', 'default', '')",
            params![day(2026, 3, 9), ms("2026-03-16T00:00:00Z")],
        )
        .expect("snapshots");
        let alert = "INSERT INTO alerts (id, version, created_at, updated_at, source, external_id,
            account_id, rule, at, message, state, snoozed_until)
            VALUES (?1, 1, ?2, ?2, 'api', NULL, 1, ?3, ?2, ?4, 'open', NULL)";
        for (id, rule, message) in [
            (
                60,
                "health_transition",
                "Health went from healthy to at risk (score 31); biggest drag: payment not up to date",
            ),
            (
                61,
                "health_transition",
                "Health went from at risk to concerning (score 45)",
            ),
            (
                62,
                "usage_drop",
                "Usage went from healthy to at risk (a look-alike)",
            ),
        ] {
            conn.execute(
                alert,
                params![id, ms("2026-03-17T00:00:00Z"), rule, message],
            )
            .expect("alert");
        }
        assert_eq!(
            conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
                .expect("v"),
            3
        );
    }

    let store = Store::open_with_clock(&path, fixed_clock(now())).expect("open the v3 store");
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 17);
    // Version 6: the churned accounts' partial index (the dashboard's totals);
    // version 7: the status and stage index (the header's counts); version 8: the
    // records' ids in source systems, empty; version 9: success planning, empty,
    // and the summaries' author; version 10: the outbox, empty, and the runs'
    // scheduling columns; version 11: what a source last said of each record;
    // version 12: invoices and payments, empty; version 13: a task's type, the
    // tasks from before to-dos; version 14: alert tasks, none; version 15: a
    // document's file, none; version 16: the server's SSH keys, none; version 17:
    // the servers' leases, none.
    let file = Connection::open(&path).expect("the store file");
    let indexes: i64 = file
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index'
             AND name IN ('accounts_churned', 'accounts_status_stage', 'external_ids_record')",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(indexes, 3);
    let ids: i64 = file
        .query_row("SELECT count(*) FROM external_ids", [], |r| r.get(0))
        .expect("the external_ids table");
    assert_eq!(ids, 0);
    let hashes: i64 = file
        .query_row("SELECT count(imported_hash) FROM external_ids", [], |r| {
            r.get(0)
        })
        .expect("the external ids' hash column");
    assert_eq!(hashes, 0);
    for table in ["success_plans", "objectives", "kpis", "business_challenges"] {
        let n: i64 = file
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("the {table} table: {e}"));
        assert_eq!(n, 0, "{table}");
    }
    let authors: i64 = file
        .query_row("SELECT count(author) FROM summaries", [], |r| r.get(0))
        .expect("the summaries' author");
    assert_eq!(authors, 0);
    for table in ["deliveries", "delivery_attempts", "invoices", "payments"] {
        let n: i64 = file
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("the {table} table: {e}"));
        assert_eq!(n, 0, "{table}");
    }
    // Documents from before keep no file (version 15), and the index of the
    // documents that keep one is there.
    let (documents, with_files): (i64, i64) = file
        .query_row(
            "SELECT count(*), count(file_sha256) FROM documents",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the documents' file columns");
    assert_eq!((documents, with_files), (1, 0));
    // No server holds a lease after the upgrade (version 17).
    let leases: i64 = file
        .query_row("SELECT count(*) FROM leases", [], |r| r.get(0))
        .expect("the leases table");
    assert_eq!(leases, 0);
    // No SSH key is registered by the upgrade (version 16), and one fingerprint
    // is live at most once.
    let ssh_keys: i64 = file
        .query_row("SELECT count(*) FROM ssh_keys", [], |r| r.get(0))
        .expect("the ssh_keys table");
    assert_eq!(ssh_keys, 0);
    let live_index: i64 = file
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ssh_keys_live'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(live_index, 1);
    let file_index: i64 = file
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'documents_file'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(file_index, 1);
    // Tasks from before answer no alert.
    let alert_tasks: i64 = file
        .query_row("SELECT count(alert_id) FROM tasks", [], |r| r.get(0))
        .expect("the tasks' alert column");
    assert_eq!(alert_tasks, 0);
    // Runs from before are advanced by hand: none is automatic, none is due.
    let (automatic, due): (i64, i64) = file
        .query_row(
            "SELECT count(*) FILTER (WHERE automatic), count(next_due_at) FROM playbook_runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the runs' scheduling columns");
    assert_eq!((automatic, due), (0, 0));

    let alerts = store
        .alerts(&AlertQuery {
            state: None,
            ..Default::default()
        })
        .await
        .expect("alerts");
    let statuses = |id: Id| {
        let a = alerts.items.iter().find(|a| a.id == id).expect("the alert");
        (a.from_status, a.to_status)
    };
    assert_eq!(
        statuses(60),
        (Some(HealthStatus::Healthy), Some(HealthStatus::AtRisk))
    );
    assert_eq!(
        statuses(61),
        (Some(HealthStatus::AtRisk), Some(HealthStatus::Concerning))
    );
    assert_eq!(statuses(62), (None, None), "only transition alerts");
    let escalations: Vec<&Alert> = alerts
        .items
        .iter()
        .filter(|a| a.rule == "escalation")
        .collect();
    assert_eq!(escalations.len(), 1, "{:?}", alerts.items);
    assert_eq!(
        (escalations[0].account_id, escalations[0].case_id),
        (2, Some(40))
    );
    assert_eq!(
        escalations[0].message,
        "Case OLD-1 \"Slow sync\" was escalated (priority high)"
    );

    // Rescored on open: the new columns are filled.
    let conn = Connection::open(&path).expect("open");
    let rows: Vec<(Option<f64>, Option<String>, Option<i64>)> = conn
        .prepare("SELECT health_score, health_drag, alert_conditions FROM accounts ORDER BY id")
        .expect("select")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    for (score, drag, conditions) in &rows {
        assert!(score.is_some_and(|s| s != 50.0), "{rows:?}");
        assert!(drag.is_some(), "{rows:?}");
        assert!(conditions.is_some(), "{rows:?}");
    }
    let d = store.dashboard().await.expect("dashboard");
    assert_eq!(d.health.iter().map(|t| t.accounts).sum::<u64>(), 2);
    let dragged: u64 = d.drags.iter().map(|t| t.accounts).sum();
    assert_eq!(dragged, 2);
}
