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
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().any(|r| r["name"] == "Larkspur Logistics"));
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
