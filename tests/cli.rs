//! The binary as a script sees it: output formats, exit codes, a refused import.

use std::process::Command;

fn tend() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tend"));
    // Keep the user's settings and logs out of the tests.
    let dir = std::env::temp_dir().join("tend-cli-tests");
    c.env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_DATA_HOME", dir.join("data"));
    c
}

#[test]
fn demo_accounts_as_json() {
    let out = tend()
        .args(["--demo", "accounts", "--format", "json", "--sort", "name"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    // Lost customers are left out by default.
    assert!(rows.len() < 200 && rows.len() > 150, "{}", rows.len());
    assert!(rows.iter().all(|r| r["stage"] != "churned"));
    assert!(rows.iter().any(|r| r["name"] == "Larkspur Logistics"));
    let everyone = |args: &[&str]| -> Vec<serde_json::Value> {
        let args = [&["--demo", "accounts", "--format", "json"][..], args].concat();
        serde_json::from_str(&run_ok(&args)).expect("json")
    };
    let all = everyone(&["--include-churned"]);
    assert_eq!(all.len(), 200);
    let churned = all.iter().filter(|r| r["stage"] == "churned").count();
    assert_eq!(rows.len() + churned, 200);
    // A filter or option that names a stage says itself which stages it wants.
    assert_eq!(everyone(&["--filter", "stage:churned"]).len(), churned);
    assert_eq!(everyone(&["--stage", "churned"]).len(), churned);
}

#[test]
fn demo_account_by_name_as_csv() {
    let out = tend()
        .args(["--demo", "account", "Orion Freight", "--format", "csv"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(text.starts_with("FIELD,VALUE\n"), "{text}");
    assert!(text.contains("name,Orion Freight"));
}

#[test]
fn exit_codes() {
    let bad_usage = tend()
        .args(["accounts", "--sort", "bogus"])
        .output()
        .expect("run");
    assert_eq!(bad_usage.status.code(), Some(2));
    let missing = tend()
        .args(["--demo", "account", "no such account"])
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(2));
    let dir = tempfile::tempdir().expect("dir");
    let not_a_store = dir.path().join("x.db");
    std::fs::write(
        &not_a_store,
        b"hello, not sqlite at all, definitely not a database file",
    )
    .expect("write");
    let failure = tend()
        .args(["--db", not_a_store.to_str().expect("path"), "accounts"])
        .output()
        .expect("run");
    assert_eq!(failure.status.code(), Some(1));
}

#[test]
fn a_bad_import_leaves_the_store_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("s.db");
    let db_arg = db.to_str().expect("path");
    let ok = tend()
        .args(["--db", db_arg, "import", "assets/demo.json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let before = std::fs::read(&db).expect("read");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"format":"tend-dataset","format_version":1,"anchor":"2026-01-01T00:00:00Z",
"accounts":[{"id":9001,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","name":"X","stage":"adoption","parent_id":77777}],
"contacts":[{"id":9002,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","account_id":9001}]}"#,
    )
    .expect("write");
    let out = tend()
        .args(["--db", db_arg, "import", bad.to_str().expect("path")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("contacts[0] (id 9002)") && err.contains("missing field `name`"),
        "{err}"
    );
    assert!(
        err.contains("accounts[0] (id 9001), field `parent_id`: account 77777 does not exist"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "the store file changed"
    );
    // And the round trip: export, import into a fresh store, export again.
    let out1 = dir.path().join("e1.json");
    let out2 = dir.path().join("e2.json");
    assert!(
        tend()
            .args(["--db", db_arg, "export", "--out", out1.to_str().expect("p")])
            .status()
            .expect("run")
            .success()
    );
    let db2 = dir.path().join("s2.db");
    assert!(
        tend()
            .args([
                "--db",
                db2.to_str().expect("p"),
                "import",
                out1.to_str().expect("p")
            ])
            .status()
            .expect("run")
            .success()
    );
    assert!(
        tend()
            .args([
                "--db",
                db2.to_str().expect("p"),
                "export",
                "--out",
                out2.to_str().expect("p")
            ])
            .status()
            .expect("run")
            .success()
    );
    let a = tend::dataset::parse(&std::fs::read(&out1).expect("r"), "e1").expect("valid");
    let mut b = tend::dataset::parse(&std::fs::read(&out2).expect("r"), "e2").expect("valid");
    b.anchor = a.anchor;
    assert!(a == b, "import -> export -> import does not round-trip");
}

#[test]
fn health_explain_says_why_the_dying_account_is_at_risk() {
    let out = tend()
        .args(["--demo", "health", "explain", "Larkspur Logistics"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        text.contains("Larkspur Logistics (account 1): health"),
        "{text}"
    );
    assert!(text.contains("at risk"), "{text}");
    for needle in [
        "WHAT PULLED IT DOWN",
        "payment not up to date",
        "days since last sponsor touch",
        "connections over 30 days",
        "KEY INDICATORS",
        "LAST 12 WEEKS",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let json = tend()
        .args(["--demo", "health", "explain", "1", "--format", "json"])
        .output()
        .expect("run");
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["explanation"]["status"], "at_risk");
    assert_eq!(v["weekly"].as_array().map(Vec::len), Some(53));
}

#[test]
fn health_profiles_are_listed_and_checked() {
    let list = tend().args(["health", "profiles"]).output().expect("run");
    assert!(list.status.success());
    let text = String::from_utf8(list.stdout).expect("utf8");
    assert!(text.contains("default — "), "{text}");
    assert!(text.contains("days_since_sponsor_touch"), "{text}");
    let dir = tempfile::tempdir().expect("dir");
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[[profile]]\nname = \"lean\"\nsegments = [\"smb\"]\n[[profile.component]]\nid = \"usage\"\nweight = 1\n[[profile.component.measure]]\nid = \"connections_30d\"\nweight = 1\nlinear = [[0, 0], [50, 100]]\n",
    )
    .expect("write");
    let ok = tend()
        .args(["health", "profiles", "--check", good.to_str().expect("p")])
        .output()
        .expect("run");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[profile]]\nname = \"lean\"\n[[profile.component]]\nid = \"usage\"\nweight = 1\n[[profile.component.measure]]\nid = \"logins\"\nweight = 1\nlinear = [[0, 0], [50, 100]]\n",
    )
    .expect("write");
    let refused = tend()
        .args(["health", "profiles", "--check", bad.to_str().expect("p")])
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("bad.toml:7:6"), "{err}");
    assert!(
        err.contains("profile \"lean\", component \"usage\", measure \"logins\": unknown measure"),
        "{err}"
    );
    // The same file named in the config is refused before anything runs.
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[health]\nprofiles = {:?}\n", bad.to_str().expect("p")),
    )
    .expect("write");
    let refused = tend()
        .args([
            "--config",
            config.to_str().expect("p"),
            "--demo",
            "accounts",
        ])
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown measure"));
    std::fs::write(
        &config,
        "[health]\nalert_transitions = [\"healthy=>sad\"]\n",
    )
    .expect("write");
    let refused = tend()
        .args([
            "--config",
            config.to_str().expect("p"),
            "--demo",
            "accounts",
        ])
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("healthy=>sad"));
}

#[test]
fn health_recompute_reports_what_it_did() {
    let out = tend()
        .args(["--demo", "health", "recompute"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rescored 200 accounts"), "{err}");
    let one = tend()
        .args([
            "--demo",
            "health",
            "recompute",
            "--account",
            "Orion Freight",
        ])
        .output()
        .expect("run");
    assert!(one.status.success());
    assert!(String::from_utf8_lossy(&one.stderr).contains("rescored 1 account "));
}

#[test]
fn the_command_line_is_well_formed() {
    use clap::CommandFactory;
    tend::cli::Cli::command().debug_assert();
}

// --- writes ------------------------------------------------------------------

/// Who the write tests' change-log entries name.
const ACTOR: &str = "script-runner";

/// A store file in a temporary directory, loaded with the demo fixtures.
fn demo_store() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("s.db").to_str().expect("path").to_string();
    let out = tend()
        .args(["--db", &db, "import", "assets/demo.json", "--rebase"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, db)
}

/// `tend --db DB ARGS...` as the write tests' user, with `stdin` piped in.
fn on(db: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let mut c = tend();
    c.env("TEND_USER__NAME", ACTOR)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("run");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(pipe);
    child.wait_with_output().expect("wait")
}

/// Runs a command that must succeed; answers its standard output as JSON.
fn json(db: &str, args: &[&str], stdin: Option<&str>) -> serde_json::Value {
    let out = on(db, args, stdin);
    assert!(
        out.status.success(),
        "tend {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "tend {args:?}: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs a command that must fail with `code`; answers its standard error.
fn fails(db: &str, args: &[&str], stdin: Option<&str>, code: i32) -> String {
    let out = on(db, args, stdin);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(code), "tend {args:?}: {err}");
    err
}

/// The change history of one account, read through the library.
fn history(db: &str, account: i64) -> Vec<tend::domain::ChangeLogEntry> {
    use tend::backend::{Backend, PageRequest};
    let store = tend::sqlite::Store::open_with_clock(db, tend::sqlite::system_clock())
        .expect("open the store");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(store.change_log(
        account,
        PageRequest {
            offset: 0,
            limit: 500,
        },
    ))
    .expect("change log")
    .items
}

/// Texts over their documented length are refused by import and record create
/// alike, naming the field; nothing is written.
#[test]
fn texts_over_their_limit_are_refused_naming_the_field() {
    let (dir, db) = demo_store();
    let db = db.as_str();
    let before = std::fs::read(db).expect("read");
    let huge = "n".repeat(10 << 20);
    let err = fails(
        db,
        &["record", "create", "account"],
        Some(&format!(r#"{{"name": "{huge}", "stage": "adoption"}}"#)),
        2,
    );
    assert!(
        err.contains("name") && err.contains("longer than 1000 characters"),
        "{err}"
    );
    let err = fails(
        db,
        &["record", "create", "interaction"],
        Some(&format!(
            r#"{{"account_id": 1, "kind": "email", "direction": "in", "at": "2026-11-01T10:00:00Z", "subject": "s", "body": "{}"}}"#,
            "b".repeat(100_001)
        )),
        2,
    );
    assert!(
        err.contains("body") && err.contains("longer than 100000 characters"),
        "{err}"
    );
    let bad = dir.path().join("long.json");
    std::fs::write(
        &bad,
        format!(
            r#"{{"format":"tend-dataset","format_version":1,"anchor":"2026-01-01T00:00:00Z",
"accounts":[{{"id":9001,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","name":"{huge}","stage":"adoption"}}]}}"#
        ),
    )
    .expect("write");
    let err = fails(db, &["import", bad.to_str().expect("p")], None, 2);
    assert!(
        err.contains("accounts[0] (id 9001), field `name`") && err.contains("longer than 1000"),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(
        err.len() < 10_000,
        "the error repeats the text: {} bytes",
        err.len()
    );
    assert_eq!(
        std::fs::read(db).expect("read"),
        before,
        "the store changed"
    );
}

#[test]
fn record_get_create_update_delete() {
    let (_dir, db) = demo_store();
    let db = db.as_str();
    let account = json(db, &["record", "get", "account", "1"], None);
    assert_eq!(account["name"], "Larkspur Logistics");
    let v1 = account["version"].as_i64().expect("version");

    // Create from standard input: id, version and times are filled in.
    let contact = json(
        db,
        &["record", "create", "contact"],
        Some(r#"{"account_id": 1, "name": "Pat Doe", "roles": ["champion"]}"#),
    );
    let cid = contact["id"].as_i64().expect("id");
    assert!(cid > 0);
    assert_eq!(contact["version"], 1);
    assert_eq!(contact["source"], "ui");
    assert_eq!(
        json(db, &["record", "get", "contact", &cid.to_string()], None),
        contact
    );
    // ... and from a file.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("doc.json");
    std::fs::write(
        &file,
        r#"{"account_id": 1, "title": "Recovery plan", "link": "https://docs.example.com/plan"}"#,
    )
    .expect("write");
    let doc = json(
        db,
        &["record", "create", "document", file.to_str().expect("p")],
        None,
    );
    assert_eq!(doc["title"], "Recovery plan");
    // Refused input names the field; nothing is written.
    let err = fails(
        db,
        &["record", "create", "contact", "-"],
        Some(r#"{"account_id": 1, "name": "X", "nickname": "x"}"#),
        2,
    );
    assert!(err.contains("unknown field `nickname`"), "{err}");
    let err = fails(
        db,
        &["record", "create", "contact"],
        Some(r#"{"account_id": 1}"#),
        2,
    );
    assert!(err.contains("missing field `name`"), "{err}");
    let err = fails(
        db,
        &["record", "create", "contact"],
        Some(r#"{"account_id": 99999, "name": "X"}"#),
        2,
    );
    assert!(
        err.contains("invalid account_id: account 99999 does not exist"),
        "{err}"
    );
    let err = fails(db, &["record", "create", "contact"], Some("[1, 2]"), 2);
    assert!(err.contains("one JSON object"), "{err}");

    // Update: JSON values, strings otherwise, nested fields with dots.
    let updated = json(
        db,
        &[
            "record",
            "update",
            "account",
            "1",
            "--set",
            "churn.likelihood=at_risk",
            "--set",
            "tags=[\"watch\"]",
            "--set",
            "owner=2024",
        ],
        None,
    );
    assert_eq!(updated["churn"]["likelihood"], "at_risk");
    assert_eq!(updated["tags"], serde_json::json!(["watch"]));
    assert_eq!(updated["owner"], "2024", "a number typed for a text field");
    assert_eq!(updated["version"], v1 + 1);
    // With --version: a stale one is a conflict (exit 1), the store's message.
    let err = fails(
        db,
        &[
            "record",
            "update",
            "account",
            "1",
            "--set",
            "owner=maya.chen",
            "--version",
            &v1.to_string(),
        ],
        None,
        1,
    );
    assert!(
        err.contains(&format!(
            "account 1 was changed by someone else (you edited version {v1}, the store has version {})",
            v1 + 1
        )),
        "{err}"
    );
    let current = json(
        db,
        &[
            "record",
            "update",
            "account",
            "1",
            "--set",
            "churn.likelihood=none",
            "--version",
            &(v1 + 1).to_string(),
        ],
        None,
    );
    assert_eq!(current["version"], v1 + 2);
    // Bad fields and values: exit 2, named.
    for (set, needle) in [
        ("stage=bogus", "invalid stage: unknown variant `bogus`"),
        ("nosuch=1", "unknown field `nosuch`"),
        ("churn.nosuch=1", "unknown field `nosuch`"),
        ("name= ", "invalid name"),
        ("version=9", "use --version"),
        ("name", "expected FIELD=VALUE"),
    ] {
        let err = fails(
            db,
            &["record", "update", "account", "1", "--set", set],
            None,
            2,
        );
        assert!(err.contains(needle), "--set {set}: {err}");
    }
    assert_eq!(json(db, &["record", "get", "account", "1"], None), current);

    // Delete: only at a version; an account only with --yes.
    let err = fails(
        db,
        &["record", "delete", "contact", &cid.to_string()],
        None,
        2,
    );
    assert!(err.contains("--version is required"), "{err}");
    let err = fails(
        db,
        &[
            "record",
            "delete",
            "contact",
            &cid.to_string(),
            "--version",
            "7",
        ],
        None,
        1,
    );
    assert!(err.contains("was changed by someone else"), "{err}");
    let out = on(
        db,
        &[
            "record",
            "delete",
            "contact",
            &cid.to_string(),
            "--version",
            "1",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = fails(db, &["record", "get", "contact", &cid.to_string()], None, 1);
    assert!(err.contains(&format!("contact {cid} not found")), "{err}");
    let err = fails(
        db,
        &["record", "delete", "account", "2", "--version", "1"],
        None,
        2,
    );
    assert!(err.contains("churn is usually what is wanted"), "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert!(json(db, &["record", "get", "account", "2"], None)["id"] == 2);

    // The change log names the configured user for each write.
    let log = history(db, 1);
    let mine: Vec<(&str, &str, Option<&str>)> = log
        .iter()
        .filter(|c| c.actor == ACTOR)
        .map(|c| (c.entity.as_str(), c.action.as_str(), c.field.as_deref()))
        .collect();
    for want in [
        ("contact", "create", None),
        ("document", "create", None),
        ("account", "update", Some("churn")),
        ("account", "update", Some("tags")),
        ("account", "update", Some("owner")),
        ("contact", "delete", None),
    ] {
        assert!(mine.contains(&want), "{want:?} not in {mine:?}");
    }
    assert_eq!(
        mine.iter()
            .filter(|c| *c == &("account", "update", Some("churn")))
            .count(),
        2,
        "at_risk, then none again"
    );
}

#[test]
fn log_an_interaction_with_its_sentiment_and_the_health_change() {
    let (_dir, db) = demo_store();
    let db = db.as_str();
    let logged = json(
        db,
        &[
            "log",
            "Larkspur Logistics",
            "--kind",
            "email",
            "--direction",
            "in",
            "--subject",
            "Export broken again",
            "--body",
            "This is terrible. The export is broken again, we are very frustrated and angry, and we are considering cancelling.",
            "--contact",
            "grace",
            "--tag",
            "bug",
            "--format",
            "json",
        ],
        None,
    );
    let id = logged["id"].as_i64().expect("id");
    assert_eq!(logged["account_id"], 1);
    assert_eq!(logged["sentiment"]["label"], "negative");
    assert_eq!(logged["sentiment"]["source"], "ai");
    assert!(logged["sentiment"]["score"].as_f64().expect("score") < -0.5);
    let before = logged["health"]["before"].as_f64().expect("before");
    let after = logged["health"]["after"].as_f64().expect("after");
    assert!(
        after < before,
        "an angry email lowers health: {before} -> {after}"
    );
    // The stored interaction.
    let i = json(db, &["record", "get", "interaction", &id.to_string()], None);
    assert_eq!(i["kind"], "email");
    assert_eq!(i["direction"], "in");
    assert_eq!(i["tags"], serde_json::json!(["bug"]));
    assert_eq!(i["user"], ACTOR);
    let grace = i["contact_ids"][0].as_i64().expect("a contact");
    let contact = json(db, &["record", "get", "contact", &grace.to_string()], None);
    assert_eq!(contact["name"], "Grace Schmidt");
    // The account's row shows the new score.
    let row = &json(db, &["account", "1", "--format", "json"], None)["row"];
    let score = row["health_score"].as_f64().expect("score");
    assert!((score - after).abs() < 0.05, "{score} vs {after}");
    assert!(history(db, 1).iter().any(|c| c.record_id == id
        && c.entity == tend::domain::EntityKind::Interaction
        && c.actor == ACTOR));

    // The table, a body from a file, an account by domain.
    let dir = tempfile::tempdir().expect("dir");
    let body = dir.path().join("body.txt");
    std::fs::write(&body, "Great call, they love the new dashboards. Thanks!").expect("write");
    let out = on(
        db,
        &[
            "log",
            "larkspur-logistics.com",
            "--kind",
            "call",
            "--subject",
            "Check-in",
            "--body-file",
            body.to_str().expect("p"),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("sentiment  positive +"), "{text}");
    assert!(text.contains(" -> "), "{text}");
    assert!(text.contains("Larkspur Logistics (1)"), "{text}");

    // Bad input: exit 2, named.
    let err = fails(
        db,
        &[
            "log",
            "1",
            "--kind",
            "call",
            "--subject",
            "x",
            "--contact",
            "Nobody Here",
        ],
        None,
        2,
    );
    assert!(err.contains("--contact 'Nobody Here'"), "{err}");
    let err = fails(
        db,
        &["log", "no such account", "--kind", "call", "--subject", "x"],
        None,
        2,
    );
    assert!(err.contains("no account matches"), "{err}");
    let err = fails(
        db,
        &["log", "1", "--kind", "fax", "--subject", "x"],
        None,
        2,
    );
    assert!(err.contains("fax"), "{err}");
}

#[test]
fn renew_an_agreement_run_a_playbook_move_a_task() {
    let (_dir, db) = demo_store();
    let db = db.as_str();
    let a360 = json(db, &["account", "1", "--format", "json"], None);
    let active = a360["agreements"]
        .as_array()
        .expect("agreements")
        .iter()
        .find(|a| a["status"] == "active")
        .expect("an active agreement")
        .clone();
    let old_id = active["id"].as_i64().expect("id");
    let mrr = active["mrr_cents"].clone();

    // Renewal: the old contract stops renewing, the new one follows its term.
    let renewal = json(
        db,
        &[
            "agreement",
            "renew",
            &old_id.to_string(),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(renewal["renews_id"], old_id);
    assert_eq!(renewal["kind"], "renewal");
    assert_eq!(renewal["status"], "active");
    assert_eq!(renewal["mrr_cents"], mrr);
    let old = json(
        db,
        &["record", "get", "agreement", &old_id.to_string()],
        None,
    );
    assert_eq!(old["auto_renew"], false);
    assert_eq!(old["version"], active["version"].as_i64().expect("v") + 1);
    let next_day = chrono::NaiveDate::parse_from_str(old["end"].as_str().expect("end"), "%Y-%m-%d")
        .expect("date")
        .succ_opt()
        .expect("day");
    assert_eq!(renewal["start"], next_day.to_string());
    let row = &json(db, &["account", "1", "--format", "json"], None)["row"];
    assert_eq!(row["mrr_cents"], a360["row"]["mrr_cents"], "counted once");
    let err = fails(db, &["agreement", "renew", &old_id.to_string()], None, 2);
    assert!(err.contains("already renewed"), "{err}");
    let log = history(db, 1);
    assert!(log.iter().any(|c| c.record_id == old_id
        && c.field.as_deref() == Some("auto_renew")
        && c.actor == ACTOR));
    assert!(
        log.iter()
            .any(|c| c.record_id == renewal["id"].as_i64().expect("id")
                && c.action == tend::domain::ChangeAction::Create)
    );

    // A playbook run, by playbook name; its steps move on.
    let run = json(
        db,
        &[
            "playbook",
            "run",
            "Larkspur Logistics",
            "risk mitigation",
            "--format",
            "json",
        ],
        None,
    );
    let run_id = run["id"].as_i64().expect("id").to_string();
    let states = |r: &serde_json::Value| -> Vec<String> {
        r["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| s["state"].as_str().expect("state").to_string())
            .collect()
    };
    // Its first step ran at once (the task made); the sponsor's email waits in the
    // outbox, no SMTP server being configured here.
    assert_eq!(
        states(&run),
        ["done", "waiting", "pending", "pending", "pending"]
    );
    assert!(
        run["steps"][1]["message"]
            .as_str()
            .expect("message")
            .starts_with("sending to "),
        "{run}"
    );
    let outbox = json(db, &["outbox", "--format", "json"], None);
    assert_eq!(outbox[0]["state"], "queued", "{outbox}");
    assert_eq!(outbox[0]["origin"], format!("playbook run {run_id} step 2"));
    // Completed by hand, the email is not sent after all, and the run goes on to
    // its next task and then waits two weeks.
    let run = json(
        db,
        &[
            "playbook", "step", &run_id, "2", "complete", "--format", "json",
        ],
        None,
    );
    assert_eq!(states(&run), ["done", "done", "done", "waiting", "pending"]);
    let outbox = json(db, &["outbox", "--format", "json"], None);
    assert_eq!(outbox[0]["state"], "cancelled", "{outbox}");
    let run = json(
        db,
        &["playbook", "step", &run_id, "5", "skip", "--format", "json"],
        None,
    );
    assert_eq!(states(&run), ["done", "done", "done", "waiting", "skipped"]);
    let out = on(db, &["playbook", "step", &run_id, "4", "complete"], None);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"Risk mitigation\""), "{text}");
    assert!(text.contains("5     Check health"), "{text}");
    for (args, needle) in [
        (vec!["1", "complete"], "step 1 is done, not open"),
        (vec!["2", "retry"], "only a failed step is retried"),
        (vec!["9", "skip"], "step 9 does not exist (the run has 5)"),
        (vec!["0", "skip"], "counts from 1"),
    ] {
        let mut all = vec!["playbook", "step", run_id.as_str()];
        all.extend(args);
        let err = fails(db, &all, None, 2);
        assert!(err.contains(needle), "{all:?}: {err}");
    }
    let err = fails(db, &["playbook", "run", "1", "no such playbook"], None, 2);
    assert!(err.contains("no playbook matches"), "{err}");

    // A kanban move, renumbering the column, in one transaction.
    let tasks = a360["tasks"].as_array().expect("tasks");
    let done: Vec<i64> = tasks
        .iter()
        .filter(|t| t["status"] == "done")
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    let doing = tasks.iter().filter(|t| t["status"] == "doing").count();
    let moved = json(
        db,
        &[
            "task",
            "move",
            &done[0].to_string(),
            "--to",
            "doing",
            "--index",
            "1",
            "--format",
            "json",
        ],
        None,
    );
    let moved = moved.as_array().expect("the tasks written");
    assert!(
        moved
            .iter()
            .any(|t| t["id"] == done[0] && t["status"] == "doing" && t["position"] == 1),
        "{moved:?}"
    );
    let column = json(db, &["account", "1", "--format", "json"], None)["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter(|t| t["status"] == "doing")
        .map(|t| {
            (
                t["position"].as_i64().expect("pos"),
                t["id"].as_i64().expect("id"),
            )
        })
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(column.len(), doing + 1);
    assert_eq!(column.first(), Some(&(1, done[0])), "on top");
    assert_eq!(
        column.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        (1..=(doing as i64 + 1)).collect::<Vec<_>>()
    );
    let err = fails(
        db,
        &[
            "task",
            "move",
            &done[0].to_string(),
            "--to",
            "done",
            "--index",
            "0",
        ],
        None,
        2,
    );
    assert!(err.contains("--index counts from 1"), "{err}");
    let err = fails(db, &["task", "move", "1", "--to", "later"], None, 2);
    assert!(err.contains("later"), "{err}");
    assert!(
        history(db, 1)
            .iter()
            .any(|c| c.entity == tend::domain::EntityKind::Task
                && c.record_id == done[0]
                && c.field.as_deref() == Some("status")
                && c.actor == ACTOR)
    );
}

#[test]
fn read_only_refuses_every_write() {
    let (dir, db) = demo_store();
    let db = db.as_str();
    let before = std::fs::read(db).expect("read");
    let writes: Vec<Vec<&str>> = vec![
        vec!["record", "create", "contact", "-"],
        vec!["record", "update", "account", "1", "--set", "owner=x"],
        vec!["record", "delete", "task", "1", "--version", "1"],
        vec!["log", "1", "--kind", "note", "--subject", "x"],
        vec!["agreement", "renew", "3"],
        vec!["playbook", "run", "1", "Onboarding"],
        vec!["playbook", "step", "1", "1", "complete"],
        vec!["task", "move", "1", "--to", "todo"],
        vec!["import", "assets/demo.json"],
        vec!["health", "recompute"],
    ];
    for args in &writes {
        let mut all = vec!["--read-only"];
        all.extend(args.iter().copied());
        let err = fails(db, &all, Some(r#"{"account_id": 1, "name": "X"}"#), 2);
        assert!(err.contains("tend: read-only: "), "{args:?}: {err}");
        assert!(err.contains("--read-only"), "{args:?}: {err}");
    }
    // The config key does the same; reads still work.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[store]\nread_only = true\n").expect("write");
    let config = config.to_str().expect("p");
    for args in &writes {
        let mut all = vec!["--config", config];
        all.extend(args.iter().copied());
        let err = fails(db, &all, Some("{}"), 2);
        assert!(err.contains("read-only: "), "{args:?}: {err}");
        assert!(err.contains("store.read_only"), "{args:?}: {err}");
    }
    assert_eq!(
        std::fs::read(db).expect("read"),
        before,
        "the store changed"
    );
    let account = json(db, &["--read-only", "record", "get", "account", "1"], None);
    assert_eq!(account["name"], "Larkspur Logistics");
    let out = on(db, &["--config", config, "accounts", "--limit", "1"], None);
    assert!(out.status.success());
}

fn run_ok(args: &[&str]) -> String {
    let out = tend().args(args).output().expect("run");
    assert!(
        out.status.success(),
        "tend {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn server_tokens_are_created_listed_and_revoked_without_showing_them_again() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("team.db").display().to_string();
    let token = run_ok(&[
        "--db",
        &db,
        "serve",
        "token",
        "create",
        "--role",
        "csm",
        "--user",
        "maya.chen",
    ]);
    let token = token.trim();
    assert!(token.starts_with("tend_") && token.len() > 40, "{token}");
    let list = run_ok(&["--db", &db, "serve", "token", "list", "--format", "json"]);
    assert!(
        !list.contains(&token[5..]),
        "the list shows no token: {list}"
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&list).expect("json");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0]["user"].as_str(), rows[0]["role"].as_str()),
        (Some("maya.chen"), Some("csm"))
    );
    assert!(rows[0]["revoked_at"].is_null());
    run_ok(&["--db", &db, "serve", "token", "revoke", "1"]);
    let again = tend()
        .args(["--db", &db, "serve", "token", "revoke", "1"])
        .output()
        .expect("run");
    assert_eq!(again.status.code(), Some(2), "revoking twice is refused");
    let list = run_ok(&["--db", &db, "serve", "token", "list", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&list).expect("json");
    assert!(!rows[0]["revoked_at"].is_null());
    let bad_role = tend()
        .args([
            "--db", &db, "serve", "token", "create", "--role", "boss", "--user", "x",
        ])
        .output()
        .expect("run");
    assert_eq!(bad_role.status.code(), Some(2));
}

#[test]
fn a_remote_without_token_or_server_says_what_to_do() {
    let dir = tempfile::tempdir().expect("dir");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let no_token = tend()
        .args(["--remote", &url, "accounts"])
        .env_remove("TEND_TOKEN")
        // No keyring entry for this URL in a fresh session: nothing is found.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&no_token.stderr);
    assert_eq!(no_token.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("run tend login {url}")), "{err}");

    let down = tend()
        .args(["--remote", &url, "accounts"])
        .env("TEND_TOKEN", "tend_0000")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&down.stderr);
    assert_eq!(down.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("server unreachable at {url}")),
        "{err}"
    );
    assert!(!err.contains("tend_0000"), "the token stays out: {err}");

    let file = dir.path().join("token");
    std::fs::write(&file, "tend_0000\n").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let open_file = tend()
        .args([
            "--remote",
            &url,
            "--token-file",
            &file.display().to_string(),
            "accounts",
        ])
        .env_remove("TEND_TOKEN")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&open_file.stderr);
    assert_eq!(open_file.status.code(), Some(2), "{err}");
    assert!(err.contains("chmod 600"), "{err}");

    let bad_url = tend()
        .args(["--remote", "ftp://x", "accounts"])
        .env("TEND_TOKEN", "tend_0000")
        .output()
        .expect("run");
    assert_eq!(bad_url.status.code(), Some(2));
}

#[test]
fn cases_filtered_grouped_and_piped_as_csv() {
    let filter = "priority:urgent region:EMEA health<50";
    let csv = run_ok(&["--demo", "cases", "--filter", filter, "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("CASE,ACCOUNT,HEALTH,PRIORITY,SEV,STATUS,ESC,TEAM,REGION,OPENED,SIGNALS,SUBJECT")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty(), "the demo has such cases");
    assert!(rows.iter().all(|r| r.contains(",urgent,")), "{csv}");
    assert!(!csv.contains('\x1b'), "no colour in a pipe");
    // The same cases as JSON, each with its account's score under 50.
    let json = run_ok(&["--demo", "cases", "--filter", filter, "--format", "json"]);
    let items: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    assert_eq!(items.len(), rows.len());
    assert!(
        items
            .iter()
            .all(|c| c["account_health_score"].as_f64().is_some_and(|h| h < 50.0))
    );
    // Grouped by team: the counts add up to the list.
    let groups = run_ok(&[
        "--demo",
        "cases",
        "--filter",
        filter,
        "--group-by",
        "team",
        "--format",
        "json",
    ]);
    let groups: Vec<serde_json::Value> = serde_json::from_str(&groups).expect("json");
    let total: u64 = groups
        .iter()
        .map(|g| g["cases"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total as usize, rows.len());
    // A bad filter: exit 2, the caret under the offending characters.
    let bad = tend()
        .args(["--demo", "cases", "--filter", "priority:urgent health<5o"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("health<5o") && err.contains("^^"), "{err}");
    // Account lists refuse case fields.
    let wrong = tend()
        .args(["--demo", "accounts", "--filter", "escalated:yes"])
        .output()
        .expect("run");
    assert_eq!(wrong.status.code(), Some(2));
}

#[test]
fn the_alerts_inbox_lists_open_alerts_newest_first() {
    let json = run_ok(&["--demo", "alerts", "--format", "json"]);
    let items: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    assert!(!items.is_empty(), "the demo has open alerts");
    assert!(items.iter().all(|a| a["state"] == "open"));
    let at: Vec<&str> = items.iter().filter_map(|a| a["at"].as_str()).collect();
    assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first: {at:?}");
    let all = run_ok(&["--demo", "alerts", "--state", "all", "--format", "csv"]);
    assert!(
        all.starts_with("ID,WHEN,ACCOUNT,RULE,STATE,MESSAGE\n"),
        "{all}"
    );
    assert!(
        all.lines().count() > items.len(),
        "all states hold more than the open ones"
    );
    let bad = tend()
        .args(["--demo", "alerts", "--state", "bogus"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_demo_raises_the_rules_alerts_on_its_dying_and_escalating_accounts() {
    let json = run_ok(&[
        "--demo",
        "alerts",
        "--account",
        "Larkspur Logistics",
        "--format",
        "json",
    ]);
    let items: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    let rules: std::collections::BTreeSet<&str> =
        items.iter().filter_map(|a| a["rule"].as_str()).collect();
    for rule in ["health_transition", "renewal_at_risk"] {
        assert!(rules.contains(rule), "{rule} in {items:?}");
    }
    // Its usage fell 7 -> 0 connections: under the usage-drop rule's floor (50
    // in the 30 days before), no alert of its own; the transition names it.
    assert!(!rules.contains("usage_drop"), "{items:?}");
    let renewal = items
        .iter()
        .find(|a| a["rule"] == "renewal_at_risk")
        .expect("renewal alert");
    let message = renewal["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Renewal notice in ") && message.contains(" while at risk (score "),
        "{message}"
    );
    let json = run_ok(&[
        "--demo",
        "alerts",
        "--account",
        "Orion Freight",
        "--format",
        "json",
    ]);
    let items: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    let escalations: Vec<&serde_json::Value> =
        items.iter().filter(|a| a["rule"] == "escalation").collect();
    assert_eq!(escalations.len(), 1, "one open per account: {items:?}");
    let message = escalations[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Case CS-") && message.ends_with("was escalated (priority urgent)"),
        "{message}"
    );
    assert!(escalations[0]["case_id"].is_i64());
}

#[test]
fn the_dashboard_counts_the_demo_and_its_filters_list_the_accounts() {
    let json = run_ok(&["--demo", "dashboard", "--format", "json"]);
    let d: tend::backend::Dashboard = serde_json::from_str(&json).expect("a dashboard");
    // The customers not churned: what `tend accounts` lists by default.
    let customers: Vec<serde_json::Value> =
        serde_json::from_str(&run_ok(&["--demo", "accounts", "--format", "json"])).expect("json");
    assert_eq!(
        d.health.iter().map(|t| t.accounts).sum::<u64>(),
        customers.len() as u64
    );
    assert!(customers.len() < 200);
    assert_eq!(
        d.health.iter().map(|t| t.status).collect::<Vec<_>>(),
        vec![
            Some(tend::domain::HealthStatus::AtRisk),
            Some(tend::domain::HealthStatus::Concerning),
            Some(tend::domain::HealthStatus::Healthy),
            None
        ]
    );
    assert!(d.health[0].accounts > 0, "the demo has accounts at risk");
    assert_eq!(d.mrr_at_risk, d.health[0]);
    assert!(
        d.transitions.total > 0,
        "the demo has transitions this week"
    );
    assert_eq!(d.drags.len(), 5);
    assert!(d.drags.windows(2).all(|w| w[0].accounts >= w[1].accounts));
    // Two tiles' filters list exactly what they count.
    for (filter, accounts) in [
        (d.renewals[1].filter.clone(), d.renewals[1].accounts),
        (d.drags[0].filter.clone(), d.drags[0].accounts),
    ] {
        let json = run_ok(&[
            "--demo", "accounts", "--filter", &filter, "--format", "json",
        ]);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
        assert_eq!(rows.len() as u64, accounts, "{filter}");
    }
    let table = run_ok(&["--demo", "dashboard"]);
    assert!(
        table.starts_with("TILE ") && table.contains("health:at_risk"),
        "{table}"
    );
    assert!(table.contains("biggest drag"), "{table}");
}

#[test]
fn a_filter_that_starts_with_a_minus_is_a_filter_not_a_flag() {
    // `-stage:churned` (and `-f -...`, `--search -...`) is the value, not an unknown flag.
    let all = run_ok(&[
        "--demo",
        "accounts",
        "--include-churned",
        "--format",
        "json",
    ]);
    let all: Vec<serde_json::Value> = serde_json::from_str(&all).expect("json");
    let kept = run_ok(&[
        "--demo",
        "accounts",
        "--filter",
        "-stage:churned",
        "--format",
        "json",
    ]);
    let kept: Vec<serde_json::Value> = serde_json::from_str(&kept).expect("json");
    let churned = all.iter().filter(|r| r["stage"] == "churned").count();
    assert!(churned > 0, "the demo has churned accounts");
    assert_eq!(kept.len(), all.len() - churned);
    assert!(kept.iter().all(|r| r["stage"] != "churned"));
    let short = run_ok(&[
        "--demo",
        "accounts",
        "-f",
        "-stage:churned",
        "--format",
        "json",
    ]);
    let short: Vec<serde_json::Value> = serde_json::from_str(&short).expect("json");
    assert_eq!(short.len(), kept.len());
    run_ok(&["--demo", "accounts", "--search", "-x", "--format", "json"]);
    let cases = run_ok(&[
        "--demo",
        "cases",
        "--filter",
        "-priority:low",
        "--format",
        "json",
    ]);
    let cases: Vec<serde_json::Value> = serde_json::from_str(&cases).expect("json");
    assert!(!cases.is_empty());
    assert!(cases.iter().all(|c| c["priority"] != "low"), "{cases:?}");
}

/// Checks that the store file `db` is whole on its own once a command has ended:
/// no write-ahead log left with data in it, and a copy of the .db alone (what a
/// backup takes) exports the same as the store.
fn assert_whole(db: &str, after: &str) {
    let wal = format!("{db}-wal");
    let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(left, 0, "after {after}: {left} bytes left in {wal}");
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("copy.db");
    std::fs::copy(db, &copy).expect("copy the .db alone");
    let copy = copy.to_str().expect("path");
    let mut from_copy = json(copy, &["export"], None);
    let mut from_store = json(db, &["export"], None);
    for d in [&mut from_copy, &mut from_store] {
        d.as_object_mut().expect("a dataset").remove("anchor");
    }
    assert!(
        from_copy["accounts"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "after {after}: the copy of the .db has no accounts"
    );
    assert!(
        from_copy == from_store,
        "after {after}: the copy of the .db alone differs from the store"
    );
}

#[test]
fn every_writing_command_leaves_the_db_file_whole() {
    let dir = tempfile::tempdir().expect("dir");
    let path = |name: &str| dir.path().join(name).to_str().expect("path").to_string();
    // Enough accounts for the log to pass the size at which the store folds it
    // back on a thread of its own after the write (a few MB).
    let generated = path("generated.db");
    let out = on(&generated, &["generate", "--accounts", "300"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_whole(&generated, "generate");
    let db = path("imported.db");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo.json");
    let out = on(&db, &["import", demo, "--rebase"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_whole(&db, "import");
    json(
        &db,
        &[
            "log",
            "Larkspur Logistics",
            "--kind",
            "call",
            "--subject",
            "QBR",
            "--format",
            "json",
        ],
        None,
    );
    assert_whole(&db, "log");
    let out = on(&db, &["health", "recompute"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_whole(&db, "health recompute");
}

#[test]
fn a_search_or_filter_past_its_limit_is_refused_with_exit_2() {
    let long = "x".repeat(50_000);
    for args in [
        vec!["--demo", "accounts", "--search", long.as_str()],
        vec!["--demo", "accounts", "--filter", long.as_str()],
        vec!["--demo", "cases", "--filter", long.as_str()],
    ] {
        let out = tend().args(&args).output().expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{:?}: {err}", &args[..3]);
        assert!(
            err.contains("at most") && err.len() < 2_000,
            "{:?}: says the limit, briefly: {err}",
            &args[..3]
        );
    }
}

#[test]
fn record_create_refuses_an_id_instead_of_dropping_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let body = dir.path().join("contact.json");
    std::fs::write(
        &body,
        r#"{"id": 777, "account_id": 1, "name": "Zoe Id", "email": "zoe@example.com"}"#,
    )
    .expect("write");
    let out = tend()
        .args(["--demo", "record", "create", "contact"])
        .arg(&body)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("leave \"id\" out (it was 777)"), "{err}");
}

#[test]
fn invalid_utf8_on_standard_input_says_where() {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = tend()
        .args(["--demo", "record", "create", "contact", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"{\n  \"name\": \"Z\xffe\"\n}\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("standard input: not valid UTF-8 at line 2, column 13"),
        "{err}"
    );
}

/// HubSpot's companies and contacts exports (a byte-order mark, semicolons, a
/// quoted newline, a duplicate row) load into an empty store; loading them again
/// changes nothing; an edited file updates exactly what was edited; a record
/// edited in tend since is a conflict that `--prefer` decides; a dry run and a
/// bad file write nothing.
#[test]
fn hubspot_exports_load_and_load_again_changing_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("s.db");
    let db = db.to_str().expect("path");
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hubspot");
    let companies = format!("{fixtures}/companies.csv");
    let contacts = format!("{fixtures}/contacts.csv");
    let import = |files: &[&str], extra: &[&str]| {
        let mut args = vec!["import", "--from", "hubspot", "--format", "json"];
        args.extend_from_slice(extra);
        args.extend_from_slice(files);
        on(db, &args, None)
    };
    let counts = |out: &std::process::Output| -> Vec<(String, u64, u64, u64, u64)> {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        v["kinds"]
            .as_array()
            .expect("kinds")
            .iter()
            .map(|k| {
                let n = |f: &str| k[f].as_u64().expect("a count");
                (
                    k["kind"].as_str().expect("kind").to_string(),
                    n("created"),
                    n("updated"),
                    n("unchanged"),
                    n("conflicts"),
                )
            })
            .collect()
    };
    let first = import(&[&companies, &contacts], &[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        counts(&first),
        [
            ("account".into(), 3, 0, 1, 0),
            ("contact".into(), 3, 0, 0, 0)
        ]
    );
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    assert!(
        report["unused_columns"]
            .to_string()
            .contains("companies.csv: \\\"About Us\\\""),
        "{report}"
    );
    let accounts = json(db, &["accounts", "--format", "json"], None);
    let names: Vec<&str> = accounts
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names.len(), 3, "{accounts}");
    let northwind = json(
        db,
        &["account", "Northwind Traders", "--format", "json"],
        None,
    );
    let contoso = json(
        db,
        &["account", "contoso-pharma.example", "--format", "json"],
        None,
    );
    assert_eq!(
        northwind["contacts"].as_array().map(Vec::len),
        Some(2),
        "{northwind}"
    );
    // The contact with no company joined the account of its email's domain.
    assert_eq!(
        contoso["contacts"][0]["name"], "Émilie Lévesque",
        "{contoso}"
    );

    // Again: nothing changes, not even a byte of the store's records.
    let dump = |name: &str| {
        let path = dir.path().join(name);
        let out = on(db, &["export", "--out", path.to_str().expect("p")], None);
        assert!(out.status.success());
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        (
            v["accounts"].clone(),
            v["contacts"].clone(),
            v["change_log"].clone(),
        )
    };
    let before = dump("e1.json");
    let again = import(&[&companies, &contacts], &[]);
    assert!(again.status.success());
    assert_eq!(
        counts(&again),
        [
            ("account".into(), 0, 0, 4, 0),
            ("contact".into(), 0, 0, 3, 0)
        ]
    );
    assert_eq!(dump("e2.json"), before);

    // An edited file: exactly the edited field changes, logged under the user.
    let edited = dir.path().join("companies.csv");
    let text = std::fs::read_to_string(&companies).expect("read");
    std::fs::write(
        &edited,
        text.replace("Fabrikam Robotics", "Fabrikam Robotics GmbH"),
    )
    .expect("write");
    let edited = edited.to_str().expect("p");
    let out = import(&[edited], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(counts(&out), [("account".into(), 0, 1, 3, 0)]);
    let fabrikam = json(
        db,
        &["account", "fabrikam.example", "--format", "json"],
        None,
    );
    let id = fabrikam["account"]["id"].as_i64().expect("id");
    let log = history(db, id);
    let fields: Vec<_> = log
        .iter()
        .filter(|e| e.action == tend::domain::ChangeAction::Update)
        .map(|e| e.field.clone().unwrap_or_default())
        .collect();
    assert_eq!(fields, ["name"]);

    // Edited in tend since: a conflict, and nothing written until --prefer says.
    let updated = on(
        db,
        &[
            "record",
            "update",
            "account",
            &id.to_string(),
            "--set",
            "owner=leo.martin",
        ],
        None,
    );
    assert!(updated.status.success());
    let renamed = dir.path().join("renamed.csv");
    std::fs::write(&renamed, text.replace("Fabrikam Robotics", "Fabrikam AG")).expect("write");
    let renamed = renamed.to_str().expect("p");
    let store_before = std::fs::read(db).expect("read");
    let out = import(&[renamed], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--prefer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = import(&[renamed], &["--dry-run", "--prefer", "source"]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(db).expect("read"),
        store_before,
        "a dry run wrote"
    );
    let out = import(&[renamed], &["--prefer", "tend"]);
    assert!(out.status.success());
    let kept = json(db, &["account", &id.to_string(), "--format", "json"], None);
    assert_eq!(kept["account"]["name"], "Fabrikam Robotics GmbH");
    let out = import(&[renamed], &["--prefer", "source"]);
    assert!(out.status.success());
    let taken = json(db, &["account", &id.to_string(), "--format", "json"], None);
    assert_eq!(taken["account"]["name"], "Fabrikam AG");
    assert_eq!(
        taken["account"]["owner"], "leo.martin",
        "a field the file does not set stays"
    );

    // A bad file: every problem with its place, the store byte for byte as it was.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "Record ID,Company name,Company Domain Name,Lifecycle Stage\n1,Good,good.example,Customer\n2,Odd,odd.example,Wizard\n,Nameless,x.example,Lead\n",
    )
    .expect("write");
    let store_before = std::fs::read(db).expect("read");
    let err = fails(
        db,
        &["import", "--from", "hubspot", bad.to_str().expect("p")],
        None,
        2,
    );
    assert!(
        err.contains("bad.csv:3, Lifecycle Stage: unknown lifecycle stage 'Wizard'"),
        "{err}"
    );
    assert!(err.contains("bad.csv:4, Record ID: empty"), "{err}");
    assert_eq!(
        std::fs::read(db).expect("read"),
        store_before,
        "a bad file wrote"
    );
}

/// What a new team does: a CRM's, a helpdesk's, a product's, a mailbox's and a
/// calendar's exports into an empty store, each record matched to the accounts the
/// CRM made (never duplicated), the accounts scored from that data; then the same
/// files again change nothing; a bad file changes not a byte; an edited file
/// updates exactly what was edited.
#[test]
fn a_teams_tools_load_into_an_empty_store_and_load_again_changing_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("s.db");
    let db = db.to_str().expect("path");
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let f = |p: &str| format!("{fixtures}/{p}");
    // The mail and calendar samples are of the demo's customers: made the CRM
    // export's here.
    let moved = |p: &str| {
        let text = std::fs::read(f(p)).expect("a fixture");
        // Latin-1 bytes in some messages: replaced as bytes.
        let replace = |text: Vec<u8>, from: &str, to: &str| -> Vec<u8> {
            let mut out = Vec::with_capacity(text.len());
            let mut i = 0;
            while i < text.len() {
                if text[i..].starts_with(from.as_bytes()) {
                    out.extend_from_slice(to.as_bytes());
                    i += from.len();
                } else {
                    out.push(text[i]);
                    i += 1;
                }
            }
            out
        };
        let text = replace(text, "larkspur-logistics.com", "northwind.example");
        let text = replace(text, "brightwave.health", "contoso-pharma.example");
        let to = dir.path().join(p.replace('/', "-"));
        std::fs::write(&to, text).expect("write");
        to.display().to_string()
    };
    let mbox = moved("mail/customer.mbox");
    let eml = moved("mail/single.eml");
    let google = moved("calendar/google.ics");
    let outlook = moved("calendar/outlook.ics");
    let loads: Vec<Vec<String>> = vec![
        vec![
            "hubspot".into(),
            f("hubspot/companies.csv"),
            f("hubspot/contacts.csv"),
        ],
        vec![
            "salesforce".into(),
            f("salesforce/Account.csv"),
            f("salesforce/Contact.csv"),
            f("salesforce/Opportunity.csv"),
        ],
        vec![
            "zendesk".into(),
            f("zendesk/organizations.json"),
            f("zendesk/users.json"),
            f("zendesk/tickets.json"),
        ],
        vec!["freshdesk".into(), f("freshdesk/tickets.csv")],
        vec!["segment".into(), f("segment/events.jsonl")],
        vec!["mbox".into(), mbox],
        vec!["eml".into(), eml],
        vec!["ics".into(), google, outlook],
        vec![
            "csv".into(),
            "--mapping".into(),
            f("csv/billing.toml"),
            f("csv/billing-customers.csv"),
        ],
    ];
    let load = |load: &[String]| -> serde_json::Value {
        let mut args = vec!["import", "--from", load[0].as_str(), "--format", "json"];
        args.extend(["--team-domain", "tend.example"]);
        args.extend(load[1..].iter().map(String::as_str));
        json(db, &args, None)
    };
    let sum = |report: &serde_json::Value, what: &str| -> u64 {
        report["kinds"]
            .as_array()
            .expect("kinds")
            .iter()
            .map(|k| k[what].as_u64().expect("a count"))
            .sum()
    };
    let mut created = 0;
    for l in &loads {
        let report = load(l);
        assert_eq!(report["written"], true, "{}: {report}", l[0]);
        assert!(report["problems"].as_array().is_some_and(Vec::is_empty));
        created += sum(&report, "created");
    }
    assert!(created > 30, "{created} records");
    // Every source met the CRM's three accounts: none made up.
    let accounts = json(db, &["accounts", "--format", "json"], None);
    let accounts = accounts.as_array().expect("a list");
    assert_eq!(
        accounts.len(),
        4,
        "the CRM's 3 and Salesforce's subsidiary: {accounts:?}"
    );
    let northwind = json(
        db,
        &["account", "northwind.example", "--format", "json"],
        None,
    );
    assert!(
        northwind["row"]["health_score"].is_number(),
        "{}",
        northwind["row"]
    );
    for (list, least) in [
        ("cases", 3),
        ("interactions", 5),
        ("contacts", 3),
        ("usage", 14),
    ] {
        let n = northwind[list].as_array().map_or(0, Vec::len);
        assert!(n >= least, "{list}: {n} in {northwind}");
    }
    let dump = |name: &str| {
        let out = dir.path().join(name);
        let o = on(db, &["export", "--out", out.to_str().expect("path")], None);
        assert!(o.status.success());
        // The first line holds the export's time.
        let text = std::fs::read_to_string(out).expect("the export");
        text.split_once('\n')
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default()
    };
    let before = dump("before.json");

    for l in &loads {
        let report = load(l);
        assert_eq!(
            sum(&report, "created") + sum(&report, "updated"),
            0,
            "{} loaded again: {report}",
            l[0]
        );
        if let Some(u) = report.get("usage") {
            assert_eq!(u["events"], 0, "{u}");
        }
    }
    assert!(
        before == dump("after.json"),
        "loading again changed the store"
    );

    // A bad file: refused with its place, the store not touched.
    let bytes = |p: &str| std::fs::read(p).unwrap_or_default();
    let (file, wal) = (bytes(db), bytes(&format!("{db}-wal")));
    let bad = dir.path().join("companies.csv");
    std::fs::write(
        &bad,
        "Record ID,Company name,Company Domain Name,Lifecycle Stage\n18529201536,Northwind,northwind.example,Wizard\n",
    )
    .expect("write");
    let err = fails(
        db,
        &["import", "--from", "hubspot", bad.to_str().expect("path")],
        None,
        2,
    );
    assert!(err.contains("companies.csv:2, Lifecycle Stage"), "{err}");
    assert!(bytes(db) == file && bytes(&format!("{db}-wal")) == wal);

    // An edited file: exactly the edited field changes, logged under the loader.
    let edited = std::fs::read_to_string(f("hubspot/companies.csv"))
        .expect("companies")
        .replace("\"Wholesale\"", "\"Food wholesale\"");
    std::fs::write(&bad, edited).expect("write");
    let report = json(
        db,
        &[
            "import",
            "--from",
            "hubspot",
            "--format",
            "json",
            bad.to_str().expect("path"),
        ],
        None,
    );
    assert_eq!(sum(&report, "updated"), 1, "{report}");
    let id = northwind["account"]["id"].as_i64().expect("id");
    let last = history(db, id);
    let last = last.first().expect("a change");
    assert_eq!(last.field.as_deref(), Some("custom_fields"), "{last:?}");
    assert_eq!(last.actor, ACTOR);
}

/// `tend summary`, `summary-sections` and `copilot` on the demo: Markdown and
/// JSON, saving under the user's name, the team's sections, and what needs a
/// language model says how to configure one.
#[test]
fn summaries_sections_and_the_copilot_from_the_command_line() {
    let (_dir, db) = demo_store();
    let md = on(&db, &["summary", "Orion Freight"], None);
    assert!(
        md.status.success(),
        "{}",
        String::from_utf8_lossy(&md.stderr)
    );
    let md = String::from_utf8_lossy(&md.stdout).to_string();
    assert!(md.starts_with("# Account summary: Orion Freight"), "{md}");
    for title in [
        "## Account Highlights",
        "## Risks and Blockers",
        "## Immediate Actions",
    ] {
        assert!(md.contains(title), "{title} in {md}");
    }
    assert!(md.contains("Data sync stopped for all depots"), "{md}");
    assert!(md.contains("[case "), "citations in the Markdown: {md}");

    let j = json(&db, &["summary", "3", "--format", "json", "--save"], None);
    assert_eq!(j["account_name"], "Orion Freight");
    let sections = j["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 10);
    let cited = sections
        .iter()
        .flat_map(|s| s["statements"].as_array().cloned().unwrap_or_default())
        .all(|st| !st["citations"].as_array().expect("citations").is_empty());
    assert!(cited, "every statement cites a record");
    let saved = json(&db, &["summary", "3", "--saved", "--format", "json"], None);
    assert_eq!(saved["sections"], j["sections"], "the kept summary");
    let view = json(&db, &["account", "3", "--format", "json"], None);
    assert_eq!(view["summaries"][0]["author"], ACTOR);

    let err = fails(&db, &["summary-sections", "risks,nonsense"], None, 2);
    assert!(err.contains("unknown summary section 'nonsense'"), "{err}");
    let out = on(&db, &["summary-sections", "risks,highlights"], None);
    assert!(out.status.success());
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(listed.starts_with(" 1. risks"), "{listed}");
    assert!(listed.contains("hidden: stakeholders"), "{listed}");
    let j = json(&db, &["summary", "3", "--format", "json"], None);
    assert_eq!(j["sections"].as_array().map(Vec::len), Some(2));
    assert!(
        on(&db, &["summary-sections", "--reset"], None)
            .status
            .success()
    );
    let err = fails(&db, &["--read-only", "summary-sections", "risks"], None, 2);
    assert!(err.contains("read-only"), "{err}");

    let out = on(
        &db,
        &["copilot", "Larkspur Logistics", "--prompt", "commitments"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.starts_with("# Larkspur Logistics: Commitments"),
        "{text}"
    );
    let err = fails(
        &db,
        &["copilot", "1", "--ask", "What worries them?"],
        None,
        2,
    );
    assert!(err.contains("no language model is configured"), "{err}");
    let err = fails(&db, &["summary", "1", "--ai"], None, 2);
    assert!(err.contains("[ai]"), "{err}");
    let out = on(
        &db,
        &["copilot", "1", "--prompt", "follow_up", "--save-note"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let view = json(&db, &["account", "1", "--format", "json"], None);
    let note = &view["interactions"][0];
    assert_eq!(
        (note["kind"].as_str(), note["subject"].as_str()),
        (Some("note"), Some("Copilot: Draft a follow-up email"))
    );
}

/// A reader that stops early (`tend ... | head -1`) ends the command quietly and
/// successfully: no "Broken pipe" on the terminal, exit 0.
#[test]
fn a_pipe_closed_early_ends_the_command_quietly() {
    use std::io::Read;
    let mut child = tend()
        .args(["--demo", "cases", "--format", "json", "--limit", "1000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run tend");
    // Read a little (the JSON runs far past a pipe's buffer), then hang up.
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    out.read_exact(&mut first).expect("the first bytes");
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    let status = child.wait().expect("wait");
    assert!(first.starts_with(b"["), "{first:?}");
    assert_eq!(err, "", "nothing said on a closed pipe");
    assert!(status.success(), "{status:?}");
}

/// `tend email`: refused without a sender, queued in the outbox without an SMTP
/// server (said so), a reply quoted under its original, and a reply to anything
/// but an incoming email of the account refused with exit 2.
#[test]
fn email_from_the_command_line_waits_in_the_outbox_without_a_server() {
    let (_dir, db) = demo_store();
    let db = db.as_str();
    let err = fails(
        db,
        &[
            "email",
            "3",
            "--to",
            "a@b.example",
            "--subject",
            "Hi",
            "--body",
            "x",
        ],
        None,
        2,
    );
    assert!(err.contains("set [email] from"), "{err}");
    let run = |args: &[&str]| {
        tend()
            .env("TEND_USER__NAME", ACTOR)
            .env("TEND_EMAIL__FROM", "Priya Patel <priya@tend.example>")
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .expect("run")
    };
    let out = run(&[
        "email",
        "3",
        "--to",
        "chloe.wong@orionfreight.com",
        "--subject",
        "Numbers",
        "--body",
        "Attached.",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("queued in the outbox"),
        "{out:?}"
    );
    // A reply to an incoming email of the account: to its sender, quoted.
    let a360 = json(db, &["account", "3", "--format", "json"], None);
    let incoming = a360["interactions"]
        .as_array()
        .expect("interactions")
        .iter()
        .find(|i| {
            i["kind"] == "email"
                && i["direction"] == "in"
                && !i["contact_ids"].as_array().expect("ids").is_empty()
        })
        .expect("an incoming email")
        .clone();
    let id = incoming["id"].as_i64().expect("id").to_string();
    let out = run(&[
        "email",
        "3",
        "--reply-to",
        &id,
        "--body",
        "Thanks, on it.",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{out:?}");
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(d["state"], "queued");
    assert_eq!(d["origin"], "reply");
    let subject = incoming["subject"].as_str().expect("subject");
    assert!(
        d["summary"]
            .as_str()
            .expect("summary")
            .ends_with(&format!(": Re: {subject}")),
        "{d}"
    );
    let outbox = json(db, &["outbox", "--format", "json"], None);
    assert_eq!(outbox.as_array().expect("list").len(), 2);
    // Not an incoming email of that account.
    let out = run(&["email", "1", "--reply-to", &id, "--body", "x"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not an incoming email of account 1"),
        "{out:?}"
    );
}

/// `tend interactions`: the filters the API has, from the command line.
#[test]
fn interactions_by_contact_role_tag_and_direction() {
    let (_dir, db) = demo_store();
    let db = db.as_str();
    let all = json(
        db,
        &[
            "interactions",
            "--account",
            "3",
            "--limit",
            "1000",
            "--format",
            "json",
        ],
        None,
    );
    let all = all.as_array().expect("list").clone();
    assert!(all.iter().all(|i| i["account_id"] == 3));
    let a360 = json(db, &["account", "3", "--format", "json"], None);
    let contacts = a360["contacts"].as_array().expect("contacts");
    let champions: Vec<i64> = contacts
        .iter()
        .filter(|c| {
            c["roles"]
                .as_array()
                .expect("roles")
                .iter()
                .any(|r| r == "champion")
        })
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    let took_part = |i: &serde_json::Value, ids: &[i64]| {
        i["contact_ids"]
            .as_array()
            .expect("ids")
            .iter()
            .any(|c| ids.contains(&c.as_i64().expect("id")))
    };
    let got = json(
        db,
        &[
            "interactions",
            "--account",
            "3",
            "--role",
            "champion",
            "--direction",
            "in",
            "--limit",
            "1000",
            "--format",
            "json",
        ],
        None,
    );
    let want: Vec<&serde_json::Value> = all
        .iter()
        .filter(|i| i["direction"] == "in" && took_part(i, &champions))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got.as_array().expect("list").len(), want.len());
    let first = &contacts[0];
    let name = first["name"].as_str().expect("name");
    let by_name = json(
        db,
        &[
            "interactions",
            "--account",
            "3",
            "--contact",
            name,
            "--limit",
            "1000",
            "--format",
            "json",
        ],
        None,
    );
    let id = first["id"].as_i64().expect("id");
    assert_eq!(
        by_name.as_array().expect("list").len(),
        all.iter().filter(|i| took_part(i, &[id])).count()
    );
    let bugs = json(
        db,
        &[
            "interactions",
            "--tag",
            "bug",
            "--limit",
            "50",
            "--format",
            "json",
        ],
        None,
    );
    assert!(bugs.as_array().expect("list").iter().all(|i| {
        i["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .any(|t| t == "bug")
    }));
    let err = fails(db, &["interactions", "--contact", "Someone"], None, 2);
    assert!(err.contains("add --account"), "{err}");
    let err = fails(db, &["interactions", "--direction", "sideways"], None, 2);
    assert!(err.contains("sideways"), "{err}");
}

/// `tend tasks` and `tend usage`: the Tasks tab's filters and the Usage tab's
/// breakdowns from the command line, as JSON.
#[test]
fn tasks_and_usage_as_json() {
    let (_dir, db) = demo_store();
    let all = json(&db, &["tasks", "--account", "1", "--format", "json"], None);
    let all = all.as_array().expect("a list");
    assert!(!all.is_empty());
    assert!(all.iter().all(|t| t["kind"].is_string()), "{all:?}");
    let open = json(
        &db,
        &["tasks", "--account", "1", "--open", "--format", "json"],
        None,
    );
    let open = open.as_array().expect("a list");
    assert!(open.iter().all(|t| t["status"] != "done"), "{open:?}");
    assert_eq!(
        open.len(),
        all.iter().filter(|t| t["status"] != "done").count()
    );
    let none = json(&db, &["tasks", "--due", "none", "--format", "json"], None);
    assert!(
        none.as_array()
            .expect("a list")
            .iter()
            .all(|t| t["due"].is_null())
    );
    fails(&db, &["tasks", "--due", "soon"], None, 2);

    let days = json(
        &db,
        &["usage", "3", "--by", "day", "--format", "json"],
        None,
    );
    assert_eq!(days.as_array().expect("buckets").len(), 30);
    assert!(days[0]["active_users"].is_number());
    let users = json(
        &db,
        &["usage", "3", "--by", "user", "--format", "json"],
        None,
    );
    let users = users.as_array().expect("users");
    assert!(!users.is_empty());
    let connections: Vec<u64> = users
        .iter()
        .map(|u| u["connections"].as_u64().expect("connections"))
        .collect();
    assert!(
        connections.windows(2).all(|w| w[0] >= w[1]),
        "busiest first"
    );
    let modules = json(
        &db,
        &["usage", "3", "--by", "module", "--format", "json"],
        None,
    );
    let names: Vec<&str> = modules
        .as_array()
        .expect("modules")
        .iter()
        .map(|m| m["module"].as_str().expect("a name"))
        .collect();
    assert!(names.contains(&"analytics"), "{names:?}");
}

/// An account's story and people from the command line: `tend timeline` (key
/// events newest first), `tend contacts` (each with its health indicator), a
/// parent's group in `tend account`, and `tend alerts --tasks` with an alert task
/// made through `tend record create`.
#[test]
fn timeline_contacts_group_and_alert_tasks() {
    let (_dir, db) = demo_store();
    let events = json(
        &db,
        &["timeline", "Larkspur Logistics", "--format", "json"],
        None,
    );
    let events = events.as_array().expect("a list");
    assert!(!events.is_empty(), "Larkspur has a story");
    let at: Vec<&str> = events.iter().filter_map(|e| e["at"].as_str()).collect();
    assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first: {at:?}");
    let kinds = [
        "escalation",
        "transition",
        "churn_risk",
        "renewal",
        "sentiment_drop",
    ];
    assert!(
        events
            .iter()
            .all(|e| kinds.contains(&e["kind"].as_str().unwrap_or("")))
    );
    assert!(events.iter().any(|e| e["kind"] == "renewal"), "{events:?}");
    let table =
        String::from_utf8(on(&db, &["timeline", "Larkspur Logistics"], None).stdout).expect("utf8");
    assert!(table.starts_with("WHEN"), "{table}");

    let contacts = json(
        &db,
        &["contacts", "Larkspur Logistics", "--format", "json"],
        None,
    );
    let lara = contacts
        .as_array()
        .expect("a list")
        .iter()
        .find(|c| c["contact"]["name"] == "Lara Tanaka")
        .expect("Larkspur's sponsor");
    assert_eq!(lara["health"]["status"], "at_risk", "{lara}");
    let csv = String::from_utf8(
        on(
            &db,
            &["contacts", "Larkspur Logistics", "--format", "csv"],
            None,
        )
        .stdout,
    )
    .expect("utf8");
    assert!(
        csv.starts_with("ID,NAME,ROLES,HEALTH,STATUS,WHY\n"),
        "{csv}"
    );
    assert!(
        csv.contains("Lara Tanaka,\"sponsor, decision_maker\",0,at risk,last touch"),
        "{csv}"
    );

    let heron =
        String::from_utf8(on(&db, &["account", "Heron Robotics", "--format", "csv"], None).stdout)
            .expect("utf8");
    assert!(heron.contains("group mrr,"), "{heron}");
    assert!(
        heron.contains("worst subsidiary,Heron Robotics Spain 2"),
        "{heron}"
    );
    let group = json(
        &db,
        &["account", "Heron Robotics", "--format", "json"],
        None,
    );
    assert_eq!(
        group["group"]["subsidiaries"].as_array().map(Vec::len),
        Some(3)
    );

    let alerts = json(
        &db,
        &[
            "alerts",
            "--account",
            "Larkspur Logistics",
            "--format",
            "json",
        ],
        None,
    );
    let alert = alerts
        .as_array()
        .and_then(|a| a.first())
        .expect("an open alert")
        .clone();
    let task = serde_json::json!({
        "account_id": alert["account_id"], "title": "Call Lara about the renewal",
        "status": "todo", "priority": "high", "alert_id": alert["id"]
    });
    json(
        &db,
        &["record", "create", "task", "-"],
        Some(&task.to_string()),
    );
    let with = json(
        &db,
        &[
            "alerts",
            "--account",
            "Larkspur Logistics",
            "--tasks",
            "--format",
            "json",
        ],
        None,
    );
    let first = with
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == alert["id"]))
        .expect("the alert");
    assert_eq!(first["tasks"][0]["title"], "Call Lara about the renewal");
    let table = String::from_utf8(
        on(
            &db,
            &["alerts", "--account", "Larkspur Logistics", "--tasks"],
            None,
        )
        .stdout,
    )
    .expect("utf8");
    assert!(
        table.contains("Call Lara about the renewal (todo)"),
        "{table}"
    );
    // A task of another account's alert is refused naming the field.
    let mut foreign = task.clone();
    foreign["account_id"] = serde_json::json!(3);
    let err = fails(
        &db,
        &["record", "create", "task", "-"],
        Some(&foreign.to_string()),
        2,
    );
    assert!(err.contains("alert_id"), "{err}");
}

// --- documents' files ----------------------------------------------------------

/// `tend --db DB ARGS...` with these variables set too, from `dir`.
fn on_with(
    db: &str,
    args: &[&str],
    env: &[(&str, &std::path::Path)],
    dir: &std::path::Path,
) -> std::process::Output {
    let mut c = tend();
    c.env("TEND_USER__NAME", ACTOR)
        .current_dir(dir)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run")
}

/// A document keeps a file attached on the command line: `record create
/// document --attach` stores it beside the store under its SHA-256 (titled by
/// the file's name when the JSON gives no title), `document get` writes it back
/// byte for byte (to a file, into a folder, to standard output, or by its own
/// name into the current folder), and `document open` hands a copy fetched into
/// the cache folder, or a link, to the opener. What cannot be done is refused
/// naming why.
#[test]
fn documents_attach_a_file_and_give_it_back() {
    let (dir, db) = demo_store();
    let db = db.as_str();
    let work = tempfile::tempdir().expect("dir");
    let deck = work.path().join("Q3 deck.pdf");
    let bytes: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..=255u8).cycle().take(300_000))
        .collect();
    std::fs::write(&deck, &bytes).expect("write the deck");
    let deck_path = deck.to_str().expect("path");
    let sha256 = tend::backend::files::sha256_hex(&bytes);

    let doc = json(
        db,
        &["record", "create", "document", "--attach", deck_path],
        Some(r#"{"account_id": 1, "kind": "qbr"}"#),
    );
    assert_eq!(doc["title"], "Q3 deck.pdf", "titled by the file's name");
    assert_eq!(doc["link"], "");
    assert_eq!(doc["file"]["name"], "Q3 deck.pdf");
    assert_eq!(doc["file"]["size"], bytes.len());
    assert_eq!(doc["file"]["sha256"], sha256.as_str());
    assert_eq!(doc["file"]["media_type"], "application/pdf");
    let kept = dir
        .path()
        .join("s.files/sha256")
        .join(&sha256[..2])
        .join(&sha256[2..]);
    assert_eq!(std::fs::read(&kept).expect("kept beside the store"), bytes);
    let id = doc["id"].as_i64().expect("id").to_string();
    // The same bytes again, with a title: one file still.
    let again = json(
        db,
        &["record", "create", "document", "--attach", deck_path],
        Some(r#"{"account_id": 2, "title": "Copy of the deck"}"#),
    );
    assert_eq!(again["title"], "Copy of the deck");
    assert_eq!(again["file"]["sha256"], sha256.as_str());
    assert_eq!(
        std::fs::read_dir(kept.parent().expect("folder"))
            .expect("list")
            .count(),
        1
    );

    // Back to a file, as JSON saying where.
    let out = work.path().join("back.pdf");
    let got = json(
        db,
        &[
            "document",
            "get",
            &id,
            "--out",
            out.to_str().expect("p"),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(got["path"], out.to_str().expect("p"));
    assert_eq!(got["file"]["sha256"], sha256.as_str());
    assert_eq!(std::fs::read(&out).expect("written"), bytes);
    // Into a folder, keeping its name; to standard output.
    let folder = work.path().join("inbox");
    std::fs::create_dir(&folder).expect("mkdir");
    let ok = on(
        db,
        &["document", "get", &id, "--out", folder.to_str().expect("p")],
        None,
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(
        std::fs::read(folder.join("Q3 deck.pdf")).expect("written"),
        bytes
    );
    let piped = on(db, &["document", "get", &id, "--out", "-"], None);
    assert!(piped.status.success());
    assert_eq!(piped.stdout, bytes);
    // By its own name into the current folder, once: an existing file is left.
    let here = tempfile::tempdir().expect("dir");
    let first = on_with(db, &["document", "get", &id], &[], here.path());
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        std::fs::read(here.path().join("Q3 deck.pdf")).expect("written"),
        bytes
    );
    let second = on_with(db, &["document", "get", &id], &[], here.path());
    assert_eq!(second.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("Q3 deck.pdf exists in this folder"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );

    // Opened: a copy fetched into the cache, named by hash and name, handed
    // to the opener (a script that says what it was given).
    let said = work.path().join("opened.txt");
    let script = work.path().join("opener.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", said.display()),
    )
    .expect("write the opener");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let cache = work.path().join("cache");
        let env = [
            ("TEND_OPENER", script.as_path()),
            ("XDG_CACHE_HOME", cache.as_path()),
        ];
        let opened = on_with(db, &["document", "open", &id], &env, work.path());
        assert!(
            opened.status.success(),
            "{}",
            String::from_utf8_lossy(&opened.stderr)
        );
        let copy = std::path::PathBuf::from(std::fs::read_to_string(&said).expect("opened"));
        assert_eq!(
            copy,
            cache.join("tend/files").join(&sha256).join("Q3 deck.pdf")
        );
        assert_eq!(std::fs::read(&copy).expect("the copy"), bytes);
        // A link opens as it is.
        let linked = json(
            db,
            &["record", "create", "document"],
            Some(r#"{"account_id": 1, "title": "Plan", "link": "https://docs.example.com/plan"}"#),
        );
        let linked_id = linked["id"].as_i64().expect("id").to_string();
        let opened = on_with(db, &["document", "open", &linked_id], &env, work.path());
        assert!(opened.status.success());
        assert_eq!(
            std::fs::read_to_string(&said).expect("opened"),
            "https://docs.example.com/plan"
        );
        // ... and has no file to get.
        let err = fails(db, &["document", "get", &linked_id], None, 2);
        assert!(err.contains("keeps no file"), "{err}");
        assert!(err.contains("https://docs.example.com/plan"), "{err}");
        // An opener that is not there is named.
        let missing = work.path().join("no-such-opener");
        let env = [
            ("TEND_OPENER", missing.as_path()),
            ("XDG_CACHE_HOME", cache.as_path()),
        ];
        let failed = on_with(db, &["document", "open", &linked_id], &env, work.path());
        assert_eq!(failed.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&failed.stderr).contains("is not installed"),
            "{}",
            String::from_utf8_lossy(&failed.stderr)
        );
    }

    // Refused: a file that is not there (naming it), a file on another kind,
    // a file given twice; nothing is written.
    let before = json(db, &["account", "1", "--format", "json"], None)["documents"].clone();
    let gone = work.path().join("gone.pdf");
    let err = fails(
        db,
        &[
            "record",
            "create",
            "document",
            "--attach",
            gone.to_str().expect("p"),
        ],
        Some(r#"{"account_id": 1}"#),
        2,
    );
    assert!(err.contains("--attach: cannot read"), "{err}");
    assert!(err.contains("gone.pdf"), "{err}");
    let err = fails(
        db,
        &["record", "create", "contact", "--attach", deck_path],
        Some(r#"{"account_id": 1, "name": "Pat"}"#),
        2,
    );
    assert!(err.contains("a contact keeps no file"), "{err}");
    let err = fails(
        db,
        &["record", "create", "document", "--attach", deck_path],
        Some(&format!(
            r#"{{"account_id": 1, "file": {{"sha256": "{sha256}", "name": "x.pdf", "size": 1}}}}"#
        )),
        2,
    );
    assert!(err.contains("leave \"file\" out"), "{err}");
    assert_eq!(
        json(db, &["account", "1", "--format", "json"], None)["documents"],
        before
    );
}
