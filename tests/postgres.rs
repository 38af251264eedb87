//! The PostgreSQL store: its schema, and `tend migrate` moving an embedded
//! store into it (all or nothing, counts checked, files with it, passwords
//! never shown), and the full-text search's semantics beside FTS5's.
//!
//! A database comes from `TEND_PG_URL` (`.ci/run` starts a throwaway cluster
//! with `scripts/pg-cluster`); without it each test starts a cluster of its own
//! when a PostgreSQL server is installed, and says it is skipped when none is.

use std::process::Command;

use tend::backend::postgres;

use tend::backend::postgres::testing as pg;

fn tend() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tend"));
    let dir = std::env::temp_dir().join("tend-pg-tests");
    c.env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("PGPASSWORD");
    c
}

fn run(args: &[&str]) -> std::process::Output {
    tend()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run tend")
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "tend {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

/// The demo fixtures in a store file, with a file attached to a document.
fn demo_store(dir: &std::path::Path) -> String {
    let db = dir.join("s.db").to_str().expect("path").to_string();
    ok(&["--db", &db, "import", "assets/demo.json", "--rebase"]);
    let deck = dir.join("deck.pdf");
    std::fs::write(&deck, b"%PDF-1.7\nthe QBR deck").expect("write");
    let mut child = tend()
        .args([
            "--db",
            &db,
            "record",
            "create",
            "document",
            "--attach",
            deck.to_str().expect("path"),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(br#"{"account_id": 1, "kind": "qbr"}"#)
        .expect("write");
    assert!(child.wait().expect("wait").success());
    db
}

fn sqlite_count(db: &str, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
        r.get(0)
    })
    .expect("count")
}

#[tokio::test]
async fn migrate_moves_every_row_and_file_and_refuses_a_second_time() {
    let Some(pg) = pg::database("migrate").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let db = demo_store(dir.path());

    let out = ok(&["--db", &db, "migrate", "--to", &pg.url, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    let client = postgres::connect(&pg.url).await.expect("connect");
    for t in report["tables"].as_array().expect("tables") {
        let table = t["table"].as_str().expect("name");
        let rows = t["rows"].as_i64().expect("rows");
        let in_pg: i64 = client
            .query_one(
                &format!(
                    "SELECT count(*) FROM \"{table}\"{}",
                    if table == "store_meta" {
                        " WHERE key <> 'schema_version'"
                    } else {
                        ""
                    }
                ),
                &[],
            )
            .await
            .expect("count")
            .get(0);
        assert_eq!(in_pg, rows, "{table} in PostgreSQL");
        if table != "store_meta" {
            assert_eq!(sqlite_count(&db, table), rows, "{table} in the file");
        }
    }
    assert_eq!(report["files"], 1);
    assert!(sqlite_count(&db, "accounts") > 150);
    assert!(sqlite_count(&db, "interactions") > 1000);

    // The rows are the same rows: every account's name, score and MRR.
    let conn = rusqlite::Connection::open(&db).expect("open");
    let mut stmt = conn
        .prepare("SELECT id, name, health_score, mrr_cents FROM accounts ORDER BY id")
        .expect("prepare");
    let file_rows: Vec<(i64, String, Option<f64>, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let pg_rows: Vec<(i64, String, Option<f64>, i64)> = client
        .query(
            "SELECT id, name, health_score, mrr_cents FROM accounts ORDER BY id",
            &[],
        )
        .await
        .expect("query")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(pg_rows, file_rows);
    // The attached file's bytes came along.
    let bytes: Vec<u8> = client
        .query_one(
            "SELECT f.bytes FROM files f JOIN documents d ON d.file_sha256 = f.sha256",
            &[],
        )
        .await
        .expect("the file")
        .get(0);
    assert_eq!(bytes, b"%PDF-1.7\nthe QBR deck");
    // New ids follow the copied ones.
    let max: i64 = client
        .query_one("SELECT max(id) FROM accounts", &[])
        .await
        .expect("max")
        .get(0);
    let next: i64 = client
        .query_one(
            "INSERT INTO accounts (version, created_at, updated_at, source, name, stage, segment,
                 region, tags, owner, team, focus_areas, custom_fields, churn, churn_likelihood)
             VALUES (1, 0, 0, 'tend', 'New', 'onboarding', 'smb', 'emea', '[]', 'x', 'x', '[]',
                 '{}', '{}', 'low') RETURNING id",
            &[],
        )
        .await
        .expect("insert")
        .get(0);
    assert_eq!(next, max + 1);

    // A second migrate into the same database is refused and writes nothing.
    let out = run(&["--db", &db, "migrate", "--to", &pg.url]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already holds a store"), "{err}");
    let accounts: i64 = client
        .query_one("SELECT count(*) FROM accounts", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(accounts, max + 1);
}

#[tokio::test]
async fn a_copy_that_fails_writes_nothing_and_says_where() {
    let Some(pg) = pg::database("migrate_failure").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let db = demo_store(dir.path());
    // A value PostgreSQL's column cannot take, late in the copy (after the
    // accounts and interactions are in).
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute(
        "UPDATE payments SET amount_cents = 'lots' WHERE id = (SELECT min(id) FROM payments)",
        [],
    )
    .expect("spoil a row");
    let bad: i64 = conn
        .query_row("SELECT min(id) FROM payments", [], |r| r.get(0))
        .expect("id");
    drop(conn);
    let out = run(&["--db", &db, "migrate", "--to", &pg.url]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("payments row {bad}, column amount_cents"))
            && err.contains("no store data was written"),
        "{err}"
    );
    // A table this tend does not know is refused before anything is copied.
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch("UPDATE payments SET amount_cents = 100; CREATE TABLE extra (x)")
        .expect("mend the row, add a table");
    drop(conn);
    let out = run(&["--db", &db, "migrate", "--to", &pg.url]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("(extra)") && err.contains("nothing was copied"),
        "{err}"
    );
    let client = postgres::connect(&pg.url).await.expect("connect");
    for table in ["accounts", "interactions", "store_meta"] {
        let n: i64 = client
            .query_one(
                &format!(
                    "SELECT count(*) FROM {table} WHERE {}",
                    if table == "store_meta" {
                        "key <> 'schema_version'"
                    } else {
                        "true"
                    }
                ),
                &[],
            )
            .await
            .expect("count")
            .get(0);
        assert_eq!(n, 0, "{table} after a failed copy");
    }
}

#[tokio::test]
async fn urls_are_checked_and_passwords_never_shown() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("s.db");
    let db = db.to_str().expect("path");
    ok(&["--db", db, "accounts"]);
    // Not a PostgreSQL URL.
    let out = run(&["--db", db, "migrate", "--to", "/tmp/other.db"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to takes a postgres://"));
    // Nothing listens there: the error names the server, not the password.
    let out = run(&[
        "--db",
        db,
        "migrate",
        "--to",
        "postgres://tend:hunter2@127.0.0.1:1/tend",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("postgres://tend:***@127.0.0.1:1/tend"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    // No such store file.
    let out = run(&[
        "--db",
        db,
        "migrate",
        "--from",
        "/nonexistent/x.db",
        "--to",
        "postgres://x@127.0.0.1/y",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such store file"));
}

#[tokio::test]
async fn the_schema_is_made_once_and_a_newer_one_refused() {
    let Some(pg) = pg::database("schema").await else {
        return;
    };
    let mut client = postgres::connect(&pg.url).await.expect("connect");
    assert_eq!(postgres::schema_version(&client).await.expect("version"), 0);
    postgres::migrate(&mut client).await.expect("migrate");
    postgres::migrate(&mut client)
        .await
        .expect("again: nothing to do");
    assert_eq!(
        postgres::schema_version(&client).await.expect("version"),
        postgres::PG_SCHEMA_VERSION
    );
    client
        .execute(
            "UPDATE store_meta SET value = '999' WHERE key = 'schema_version'",
            &[],
        )
        .await
        .expect("pretend a newer tend");
    let e = postgres::migrate(&mut client).await.unwrap_err();
    assert!(e.to_string().contains("newer than this tend"), "{e}");
}

/// The search finds what the embedded store's FTS5 index finds: the demo's
/// interactions and a few with accents, punctuation and mixed case, searched
/// for whole words, prefixes, several words and words in another case or
/// without their accents.
#[tokio::test]
async fn search_matches_the_embedded_stores() {
    let Some(pg) = pg::database("search").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let db = demo_store(dir.path());
    for (subject, body) in [
        (
            "Réunion à Zürich",
            "Naïve café chat with Jürgen about the Q3-renewal (e-mail: jurgen@example.com)",
        ),
        (
            "CRÈME BRÛLÉE tasting",
            "half_day workshop; 3.5 hours; Ünïcödé",
        ),
    ] {
        ok(&[
            "--db",
            &db,
            "log",
            "1",
            "--kind",
            "note",
            "--subject",
            subject,
            "--body",
            body,
        ]);
    }
    ok(&["--db", &db, "migrate", "--to", &pg.url]);
    let store = tend::sqlite::Store::open(&db).expect("open");
    let client = postgres::connect(&pg.url).await.expect("connect");
    let sql = format!(
        "SELECT i.id FROM interactions i WHERE {} ORDER BY i.id",
        postgres::search_condition(1)
    );
    let mut matched_some = 0;
    for text in [
        "renewal",
        "renew",
        "Renewal pricing",
        "onboard",
        "sso log",
        "q3",
        "q3 renewal",
        "zurich",
        "Zürich réunion",
        "naive cafe",
        "creme brulee",
        "CRÈME",
        "jurgen example",
        "3 5",
        "half",
        "day workshop",
        "unicode",
        "budget-cut",
        "the",
        "zzzzqx",
    ] {
        use tend::backend::Backend;
        let page = store
            .interactions(&tend::backend::InteractionQuery {
                text: Some(text.to_string()),
                page: tend::backend::PageRequest {
                    offset: 0,
                    limit: 100_000,
                },
                ..Default::default()
            })
            .await
            .expect("search the file");
        let mut embedded: Vec<i64> = page.items.iter().map(|i| i.id).collect();
        embedded.sort_unstable();
        let in_pg: Vec<i64> = client
            .query(&sql, &[&text])
            .await
            .expect("search PostgreSQL")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(in_pg, embedded, "{text:?}");
        assert!(postgres::has_words(text));
        if !embedded.is_empty() {
            matched_some += 1;
        }
    }
    assert!(
        matched_some >= 14,
        "the searches find things: {matched_some}"
    );
    assert!(!postgres::has_words(" -- ; "));
}

/// The indexes and references, set aside while the rows are copied, are all
/// back afterwards; a reference the file breaks (edited with its foreign keys
/// off) is refused and nothing is written.
#[tokio::test]
async fn indexes_and_references_come_back_and_a_broken_reference_is_refused() {
    let Some(pg) = pg::database("references").await else {
        return;
    };
    let Some(fresh) = pg::database("references_fresh").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let db = demo_store(dir.path());
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .expect("foreign keys off");
    conn.execute(
        "UPDATE contacts SET account_id = 999999 WHERE id = (SELECT min(id) FROM contacts)",
        [],
    )
    .expect("break a reference");
    drop(conn);
    let out = run(&["--db", &db, "migrate", "--to", &pg.url]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("contacts")
            && err.contains("foreign key")
            && err.contains("no store data was written"),
        "{err}"
    );
    let client = postgres::connect(&pg.url).await.expect("connect");
    let n: i64 = client
        .query_one("SELECT count(*) FROM contacts", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 0);

    // Mended, the copy goes through and the schema is whole again.
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute(
        "UPDATE contacts SET account_id = 1 WHERE account_id = 999999",
        [],
    )
    .expect("mend");
    drop(conn);
    ok(&["--db", &db, "migrate", "--to", &pg.url]);
    let mut reference = postgres::connect(&fresh.url).await.expect("connect");
    postgres::migrate(&mut reference)
        .await
        .expect("a fresh schema");
    let shape = "SELECT (SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()),
                        (SELECT count(*) FROM pg_constraint WHERE contype = 'f'
                           AND connamespace = to_regnamespace(current_schema()))";
    let copied = client.query_one(shape, &[]).await.expect("shape");
    let made = reference.query_one(shape, &[]).await.expect("shape");
    let (copied, made): ((i64, i64), (i64, i64)) =
        ((copied.get(0), copied.get(1)), (made.get(0), made.get(1)));
    assert_eq!(copied, made);
    assert!(made.0 > 50 && made.1 > 25, "{made:?}");
}

/// The same statements through the one connection type give the same answers
/// on both engines: values of every kind written and read back, `sum` (a
/// `numeric` on PostgreSQL), comparisons (booleans there), `RETURNING`, no
/// row, and a broken unique constraint as SQLite's constraint error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_type_answers_alike_on_both_engines() {
    use rusqlite::OptionalExtension;
    use tend::backend::db::{Conn, PgConn};
    let Some(pg) = pg::database("db_layer").await else {
        return;
    };
    let pg = PgConn::connect(&pg.url).await.expect("connect");
    let dir = tempfile::tempdir().expect("dir");
    let sqlite = rusqlite::Connection::open(dir.path().join("t.db")).expect("open");

    type Written<'a> = (i64, Option<i64>, f64, &'a str, Option<Vec<u8>>, bool);
    type Answers = (
        Vec<(i64, Option<i64>, f64, String, Option<Vec<u8>>, bool)>,
        (i64, i64, f64, i64),
        i64,
        Option<String>,
        String,
        usize,
    );
    fn run(conn: Conn<'_>) -> Answers {
        conn.execute_batch(
            "CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT, f DOUBLE PRECISION NOT NULL,
                             s TEXT NOT NULL UNIQUE, b BYTEA, flag BIGINT NOT NULL)",
        )
        .expect("create");
        let rows: [Written<'_>; 3] = [
            (1, Some(-7), 0.5, "één", Some(vec![0, 1, 255]), true),
            (2, None, 2.0, "it's", None, false),
            (3, Some(i64::MAX / 4), -1e300, "", Some(vec![]), true),
        ];
        for (id, n, f, s, b, flag) in &rows {
            let changed = conn
                .execute(
                    "INSERT INTO t (id, n, f, s, b, flag) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    &[id, n, f, s, b, flag],
                )
                .expect("insert");
            assert_eq!(changed, 1);
        }
        let read = conn
            .query_map(
                "SELECT id, n, f, s, b, flag FROM t WHERE id >= ? ORDER BY id",
                &[&1i64],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .expect("read");
        let sums = conn
            .query_row(
                "SELECT sum(n), count(*), sum(f) / 1e300, max(id) FROM t WHERE n IS NOT NULL OR id = ?",
                &[&2i64],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("sums");
        let compared: i64 = conn
            .query_row(
                "SELECT count(*) FROM t WHERE (n > 0) = (flag = 1)",
                &[],
                |r| r.get(0),
            )
            .expect("compare");
        let none: Option<String> = conn
            .query_row("SELECT s FROM t WHERE id = ?", &[&99i64], |r| r.get(0))
            .optional()
            .expect("no row");
        let returned: String = conn
            .query_row(
                "UPDATE t SET s = s || '!' WHERE id = ? RETURNING s",
                &[&2i64],
                |r| r.get(0),
            )
            .expect("returning");
        let e = conn
            .execute("UPDATE t SET s = 'één' WHERE id = 3", &[])
            .expect_err("unique");
        assert_eq!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::ConstraintViolation),
            "{e}"
        );
        let deleted = conn
            .execute("DELETE FROM t WHERE flag = ?", &[&true])
            .expect("delete");
        (read, sums, compared, none, returned, deleted)
    }
    let on_pg = tokio::task::spawn_blocking(move || run(Conn::Pg(&pg)))
        .await
        .expect("PostgreSQL");
    let on_sqlite = run(Conn::Sqlite(&sqlite));
    assert_eq!(on_pg, on_sqlite);
    assert_eq!(on_sqlite.1.0, -7 + i64::MAX / 4);
    assert_eq!(on_sqlite.5, 2);
}

/// A `tend serve --store URL` started on a free loopback port; killed when dropped.
struct Served {
    child: std::process::Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(store: &str) -> Served {
    use std::io::BufRead;
    let mut child = tend()
        .args(["serve", "--store", store, "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start tend serve");
    let stderr = child.stderr.take().expect("its stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("tend serve says where it listens")
            .expect("a line");
        if let Some(rest) = line.split_once(" at http://") {
            let addr = rest.1.split('/').next().expect("an address");
            break format!("http://{addr}");
        }
    };
    // The rest of what it says goes nowhere, so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Served { child, url }
}

/// Two servers over one database serve one store: a token made for the
/// database works on both, a write through one reads back through the other
/// and reaches the other's change feed, and with one of them gone the other
/// goes on. A password in the config's `[server] store` is refused unshown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_over_one_database_serve_one_store() {
    use tend::backend::Backend;
    use tend::domain::*;
    let Some(db) = pg::database("two_servers_over_one_database_serve_one_store").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let file = demo_store(dir.path());
    ok(&["--db", &file, "migrate", "--to", &db.url]);
    let token = ok(&[
        "serve", "--store", &db.url, "token", "create", "--role", "admin", "--user", "ana",
    ])
    .trim()
    .to_string();
    assert!(token.starts_with("tend_"), "{token}");
    let a = serve(&db.url);
    let b = serve(&db.url);
    let client = |s: &Served| {
        tend::remote::Remote::new(&s.url, Some(token.clone()), Default::default())
            .expect("a client")
    };
    let (via_a, via_b) = (client(&a), client(&b));
    let page = tend::backend::PortfolioQuery::default();
    let seen_a = via_a.portfolio(&page).await.expect("portfolio via a");
    let seen_b = via_b.portfolio(&page).await.expect("portfolio via b");
    assert_eq!(seen_a.total, 200);
    assert_eq!(
        seen_a.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        seen_b.items.iter().map(|r| r.id).collect::<Vec<_>>()
    );
    let account = seen_a.items[0].id;
    let mut feed = via_b.watch().expect("b's change feed");
    let now = chrono::Utc::now();
    let task = Task {
        id: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        source: Source::default(),
        external_id: None,
        account_id: account,
        project_id: None,
        title: "Call back about the renewal".into(),
        description: String::new(),
        assignee: String::new(),
        due: None,
        status: TaskStatus::Todo,
        priority: Priority::Normal,
        position: 0,
        kind: TaskKind::Todo,
        alert_id: None,
    };
    let made = via_a
        .create("ana", Record::Task(task))
        .await
        .expect("a task through a");
    let entry = loop {
        let e = tokio::time::timeout(std::time::Duration::from_secs(20), feed.recv())
            .await
            .expect("b's feed sends the write made through a")
            .expect("the feed is open");
        if e.record_id == made.id() {
            break e;
        }
    };
    assert_eq!(entry.actor, "ana");
    let read = via_b
        .get(EntityKind::Task, made.id())
        .await
        .expect("the task through b");
    assert_eq!(read, made);
    // One server gone: the other answers, the write kept.
    drop(a);
    let tasks = via_b
        .tasks(&tend::backend::TaskQuery {
            account_id: Some(account),
            ..Default::default()
        })
        .await
        .expect("tasks via b");
    assert!(tasks.iter().any(|t| t.id == made.id()));
    drop(b);
    // A password in the config is refused, and not shown.
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[server]\nstore = \"postgres://tend:hunter2@127.0.0.1:1/tend\"\n",
    )
    .expect("config");
    let out = run(&["--config", config.to_str().expect("path"), "serve"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PGPASSWORD"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

/// A store file in `dir` and a PostgreSQL store at `url`, on one clock.
async fn file_and_postgres(
    dir: &std::path::Path,
    url: &str,
    clock: tend::sqlite::Clock,
) -> (tend::sqlite::Store, tend::sqlite::Store) {
    use tend::sqlite::{Options, Store};
    let file = Store::open_with(dir.join("s.db"), Options::with_clock(clock.clone()))
        .expect("a store file");
    let url = url.to_string();
    let on_pg = tokio::task::spawn_blocking(move || {
        Store::open_postgres(&url, 2, Options::with_clock(clock))
    })
    .await
    .expect("open")
    .expect("a PostgreSQL store");
    (file, on_pg)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_scored_alike_on_both_engines_day_after_day() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use tend::backend::{AlertQuery, Backend, PageRequest, PortfolioQuery};
    use tend::sqlite::{Clock, Store};
    let Some(db) = pg::database("health_alike").await else {
        return;
    };
    let anchor = chrono::DateTime::parse_from_rfc3339("2026-06-03T09:00:00Z")
        .expect("time")
        .to_utc();
    let days = Arc::new(AtomicI64::new(0));
    let clock_days = days.clone();
    let clock: Clock =
        Arc::new(move || anchor + chrono::TimeDelta::days(clock_days.load(Ordering::Relaxed)));
    let dir = tempfile::tempdir().expect("dir");
    let (file, on_pg) = file_and_postgres(dir.path(), &db.url, clock).await;
    let demo = tend::dataset::parse(tend::sqlite::DEMO_FIXTURES, "demo").expect("demo");

    /// Every account's health as the API gives it: its columns in the
    /// portfolio, its explained score and history, and every alert.
    async fn health_of(store: &Store) -> Vec<String> {
        let mut seen = vec![];
        let rows = store
            .portfolio(&PortfolioQuery {
                page: PageRequest {
                    offset: 0,
                    limit: 1000,
                },
                ..PortfolioQuery::default()
            })
            .await
            .expect("portfolio");
        for row in &rows.items {
            seen.push(format!(
                "{} {:?} {:?} {:?}",
                row.id, row.health_score, row.health_status, row.health_trend
            ));
            let report = store.health(row.id).await.expect("health");
            seen.push(format!("{report:?}"));
        }
        let alerts = store
            .alerts(&AlertQuery {
                page: PageRequest {
                    offset: 0,
                    limit: 1000,
                },
                ..AlertQuery::default()
            })
            .await
            .expect("alerts");
        let mut alerts: Vec<String> = alerts
            .items
            .iter()
            .map(|a| format!("{} {} {} {}", a.account_id, a.rule, a.at, a.message))
            .collect();
        alerts.sort();
        seen.extend(alerts);
        seen
    }

    for store in [&file, &on_pg] {
        store.import(demo.clone()).await.expect("import");
    }
    let first = health_of(&file).await;
    assert!(first.len() > 20, "{first:?}");
    assert_eq!(health_of(&on_pg).await, first, "after the import");
    // The next day, then a week later: scores, trends and snapshots move and
    // alerts are raised, written by each engine's own way of writing them.
    for step in [1, 7] {
        days.fetch_add(step, Ordering::Relaxed);
        let reports = (
            file.recompute_health(None).await.expect("file"),
            on_pg.recompute_health(None).await.expect("PostgreSQL"),
        );
        assert_eq!(reports.0, reports.1, "{step} day(s) on");
        let now = health_of(&file).await;
        assert_ne!(now, first, "the scores moved");
        assert_eq!(health_of(&on_pg).await, now, "{step} day(s) on");
    }
}

/// The other tools' exports load alike into a store file and a PostgreSQL
/// store (every record, usage row and score the same), loading them again
/// changes nothing on PostgreSQL, and `tend --remote URL import --from FORMAT`
/// loads through a server over PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_tools_exports_load_alike_into_postgres() {
    use tend::backend::Backend;
    use tend::backend::sync::{Format, SyncOptions};
    use tend::sqlite::Store;
    let Some(db) = pg::database("sources_alike").await else {
        return;
    };
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .expect("time")
        .to_utc();
    let clock = tend::sqlite::fixed_clock(now);
    let dir = tempfile::tempdir().expect("dir");
    let (file, on_pg) = file_and_postgres(dir.path(), &db.url, clock).await;
    let fixture = |p: &str| {
        let path = format!("{}/tests/fixtures/{p}", env!("CARGO_MANIFEST_DIR"));
        // The mail and calendar samples are of the demo's customers: made the
        // CRM export's here.
        let text = std::fs::read_to_string(&path)
            .map(|t| {
                t.replace("larkspur-logistics.com", "northwind.example")
                    .replace("brightwave.health", "contoso-pharma.example")
                    .into_bytes()
            })
            .or_else(|_| std::fs::read(&path))
            .expect("a fixture");
        (p.rsplit('/').next().unwrap_or(p).to_string(), text)
    };
    let loads = [
        (
            Format::Hubspot,
            vec!["hubspot/companies.csv", "hubspot/contacts.csv"],
        ),
        (
            Format::Zendesk,
            vec![
                "zendesk/organizations.json",
                "zendesk/users.json",
                "zendesk/tickets.json",
            ],
        ),
        (Format::Freshdesk, vec!["freshdesk/tickets.csv"]),
        (Format::Segment, vec!["segment/events.jsonl"]),
        (Format::Mbox, vec!["mail/customer.mbox"]),
        (
            Format::Ics,
            vec!["calendar/google.ics", "calendar/outlook.ics"],
        ),
    ];
    let read = tend_engines::sources::ReadOptions {
        team_domains: vec!["tend.example".into()],
        create_contacts: false,
        now,
    };
    let load = |store: &Store, format: Format, files: &[&str]| {
        let files: Vec<(String, Vec<u8>)> = files.iter().map(|p| fixture(p)).collect();
        let (store, read) = (store.clone(), read.clone());
        tokio::task::spawn_blocking(move || {
            store
                .load_files_blocking("ops", format, &files, &read, None, &SyncOptions::default())
                .expect("loaded")
        })
    };
    for (format, files) in &loads {
        let here = load(&file, *format, files).await.expect("file");
        let there = load(&on_pg, *format, files).await.expect("PostgreSQL");
        assert!(
            here.written && here.problems.is_empty(),
            "{format:?}: {here:?}"
        );
        assert_eq!(there, here, "{format:?}");
    }
    let exported = file.export().await.expect("export");
    assert!(exported.accounts.len() >= 3 && !exported.usage.is_empty());
    // The first record that differs, by section.
    let same = |a: &tend::dataset::Dataset, b: &tend::dataset::Dataset| {
        let (a, b) = (
            serde_json::to_value(a).expect("json"),
            serde_json::to_value(b).expect("json"),
        );
        let (a, b) = (a.as_object().expect("a map"), b.as_object().expect("a map"));
        for (section, here) in b {
            let there = &a[section];
            match (here.as_array(), there.as_array()) {
                (Some(here), Some(there)) => {
                    for (i, (h, t)) in here.iter().zip(there).enumerate() {
                        assert_eq!(t, h, "{section}[{i}]: PostgreSQL, then the file");
                    }
                    assert_eq!(there.len(), here.len(), "{section}");
                }
                _ => assert_eq!(there, here, "{section}"),
            }
        }
    };
    same(&on_pg.export().await.expect("export"), &exported);
    for a in &exported.accounts {
        let (here, there) = (
            file.account(a.id).await.expect("360"),
            on_pg.account(a.id).await.expect("360"),
        );
        assert!(here.row.health_score.is_some(), "{:?}", here.row);
        assert_eq!(format!("{:?}", there.row), format!("{:?}", here.row));
    }
    // Again: nothing created or updated, no event counted twice.
    for (format, files) in &loads {
        let again = load(&on_pg, *format, files).await.expect("again");
        let changed: u64 = again.kinds.iter().map(|k| k.created + k.updated).sum();
        assert_eq!(changed, 0, "{format:?} again: {again:?}");
        assert!(
            again.usage.as_ref().is_none_or(|u| u.events == 0),
            "{again:?}"
        );
    }
    same(&on_pg.export().await.expect("export"), &exported);

    // Through a server over the database, with the CLI.
    drop(on_pg);
    let token = ok(&[
        "serve", "--store", &db.url, "token", "create", "--role", "admin", "--user", "ops",
    ])
    .trim()
    .to_string();
    let served = serve(&db.url);
    let (_, companies) = fixture("hubspot/companies.csv");
    let edited = dir.path().join("companies.csv");
    let text = String::from_utf8(companies).expect("text");
    assert!(text.contains("Northwind Traders"));
    // Every row of it (the export has it twice).
    std::fs::write(
        &edited,
        text.replace("Northwind Traders", "Northwind Group"),
    )
    .expect("write");
    let out = tend()
        .args(["--remote", &served.url, "import", "--from", "hubspot"])
        .args(["--format", "json", edited.to_str().expect("path")])
        .env("TEND_TOKEN", &token)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a report");
    assert_eq!(report["written"], true, "{report}");
    let updated: u64 = report["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .map(|k| k["updated"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(updated, 1, "{report}");
}

/// `tend generate --store URL` fills an empty database with what `--db FILE`
/// would hold, scores included, leaves no scratch file behind, and refuses a
/// database that holds a store.
#[tokio::test]
async fn generate_fills_an_empty_database_as_it_fills_a_file() {
    let Some(db) = pg::database("generate_into_postgres").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("g.db").to_str().expect("path").to_string();
    let data = dir.path().join("data");
    let args = [
        "--accounts",
        "40",
        "--seed",
        "3",
        "--anchor",
        "2026-05-04T08:00:00Z",
    ];
    let generate = |target: &[&str]| {
        tend()
            .env("XDG_DATA_HOME", &data)
            .args(target)
            .arg("generate")
            .args(args)
            .args(if target.is_empty() {
                vec!["--store", &db.url]
            } else {
                vec![]
            })
            .output()
            .expect("run")
    };
    let out = generate(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(generate(&["--db", &file]).status.success());
    let client = postgres::connect(&db.url).await.expect("connect");
    for table in [
        "accounts",
        "contacts",
        "interactions",
        "usage",
        "health_snapshots",
        "alerts",
    ] {
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .expect("count")
            .get(0);
        assert_eq!(n, sqlite_count(&file, table), "{table}");
        assert!(n > 0, "{table}");
    }
    let scored: i64 = client
        .query_one(
            "SELECT count(*) FROM accounts WHERE health_score IS NOT NULL",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert!(scored > 30, "{scored} of 40 scored");
    let left: Vec<_> = std::fs::read_dir(data.join("tend"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "scratch files left: {left:?}");

    let again = generate(&[]);
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("--store") && err.contains("already holds a store (40 accounts"),
        "{err}"
    );
}
