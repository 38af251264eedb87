//! Bad dataset files: each is refused by `tend::dataset::parse` with every
//! problem located (section, index, id, field; line and column for files that
//! are not JSON). And a refused import leaves the store file byte-for-byte as
//! it was.

use std::path::Path;

use chrono::DateTime;

use tend::backend::Error;
use tend::dataset::{Dataset, Problem, Problems, parse};
use tend::domain::Timestamp;
use tend::sqlite::{Store, fixed_clock};

/// A small valid dataset, one record per line so lines can be pointed at.
/// Line numbers (1-based) are noted where the tests rely on them.
const BASE: &str = r#"{
  "format": "tend-dataset",
  "format_version": 1,
  "anchor": "2026-03-18T10:00:00Z",
  "accounts": [
    {"id": 1, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "name": "Acme", "stage": "adoption"},
    {"id": 2, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "name": "Globex", "stage": "renewal", "parent_id": 1}
  ],
  "contacts": [
    {"id": 11, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "account_id": 1, "name": "Anna", "roles": ["champion"]},
    {"id": 12, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "account_id": 2, "name": "Boris"}
  ],
  "agreements": [
    {"id": 41, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "account_id": 1, "mrr_cents": 50000, "start": "2025-06-01", "end": "2026-05-31", "status": "active", "kind": "initial"}
  ],
  "projects": [
    {"id": 61, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "account_id": 1, "name": "Onboarding", "status": "active"}
  ],
  "tasks": [
    {"id": 51, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "account_id": 1, "project_id": 61, "title": "Kickoff", "status": "todo", "priority": "high"}
  ],
  "nps_responses": [
    {"id": 91, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "account_id": 1, "contact_id": 11, "score": 9, "at": "2026-03-01T00:00:00Z"}
  ],
  "change_log": [
    {"id": 1, "at": "2026-03-01T00:00:00Z", "actor": "alice", "entity": "account", "record_id": 1, "account_id": 1, "action": "create", "field": null, "from": null, "to": null}
  ]
}
"#;

const FILE: &str = "file.json";

/// BASE with `from` replaced by `to` (which must occur exactly once).
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "`{from}` must occur once in BASE"
    );
    BASE.replacen(from, to, 1)
}

fn refuse(bytes: &[u8]) -> Problems {
    match parse(bytes, FILE) {
        Ok(d) => panic!(
            "the file must be refused, it parsed into {} rows",
            d.total_rows()
        ),
        Err(p) => {
            assert_eq!(p.file, FILE, "the problems name the file");
            assert!(!p.problems.is_empty(), "at least one problem");
            p
        }
    }
}

fn only(p: &Problems) -> &Problem {
    assert_eq!(p.problems.len(), 1, "exactly one problem: {p}");
    &p.problems[0]
}

/// Finds the problem at `place`.
fn at<'a>(p: &'a Problems, place: &str) -> &'a Problem {
    p.problems
        .iter()
        .find(|x| x.place == place)
        .unwrap_or_else(|| panic!("no problem at `{place}` in:\n{p}"))
}

#[test]
fn the_base_file_is_valid() {
    let d = parse(BASE.as_bytes(), FILE).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(
        (
            d.accounts.len(),
            d.contacts.len(),
            d.agreements.len(),
            d.tasks.len(),
            d.change_log.len()
        ),
        (2, 2, 1, 1, 1)
    );
    assert_eq!(d.agreements[0].mrr_cents, 50_000);
    assert_eq!(d.accounts[1].parent_id, Some(1));
}

#[test]
fn wrong_type_names_section_index_id_and_field() {
    let p = refuse(edit(r#""mrr_cents": 50000"#, r#""mrr_cents": "500.00""#).as_bytes());
    let x = only(&p);
    assert_eq!(x.place, "agreements[0] (id 41)");
    assert_eq!(x.field.as_deref(), Some("mrr_cents"));
    assert!(x.message.contains("invalid type: string"), "{}", x.message);
    assert!(
        p.to_string()
            .contains("file.json: agreements[0] (id 41), field `mrr_cents`: invalid type"),
        "{p}"
    );
}

#[test]
fn wrong_type_in_a_nested_field_names_its_path() {
    let p = refuse(edit(r#""roles": ["champion"]"#, r#""roles": ["champion", 7]"#).as_bytes());
    let x = only(&p);
    assert_eq!(x.place, "contacts[0] (id 11)");
    assert_eq!(x.field.as_deref(), Some("roles[1]"));
}

#[test]
fn missing_field_is_located() {
    let p = refuse(edit(r#", "name": "Boris""#, "").as_bytes());
    let x = only(&p);
    assert_eq!(x.place, "contacts[1] (id 12)");
    // The field is named, in `field` or (as serde words it) in the message.
    assert!(
        x.field.as_deref() == Some("name")
            || (x.field.is_none() && x.message == "missing field `name`"),
        "names the missing field: {x:?}"
    );
    assert!(p.to_string().contains("contacts[1] (id 12)"), "{p}");
}

#[test]
fn missing_header_field_is_located() {
    let p = refuse(edit("  \"anchor\": \"2026-03-18T10:00:00Z\",\n", "").as_bytes());
    let x = only(&p);
    assert_eq!(
        (x.place.as_str(), x.field.as_deref()),
        ("top level", Some("anchor"))
    );
    assert_eq!(x.message, "missing");
}

#[test]
fn dangling_reference_is_located() {
    let p = refuse(
        edit(
            r#""account_id": 2, "name": "Boris""#,
            r#""account_id": 99, "name": "Boris""#,
        )
        .as_bytes(),
    );
    let x = only(&p);
    assert_eq!(x.place, "contacts[1] (id 12)");
    assert_eq!(x.field.as_deref(), Some("account_id"));
    assert_eq!(x.message, "account 99 does not exist");

    let p = refuse(edit(r#""project_id": 61"#, r#""project_id": 60"#).as_bytes());
    let x = only(&p);
    assert_eq!(
        (x.place.as_str(), x.field.as_deref()),
        ("tasks[0] (id 51)", Some("project_id"))
    );
    assert_eq!(x.message, "project 60 does not exist");

    let p = refuse(edit(r#""parent_id": 1"#, r#""parent_id": 7"#).as_bytes());
    let x = only(&p);
    assert_eq!(
        (x.place.as_str(), x.field.as_deref()),
        ("accounts[1] (id 2)", Some("parent_id"))
    );
}

#[test]
fn duplicate_id_is_located() {
    let p = refuse(edit(r#"{"id": 12,"#, r#"{"id": 11,"#).as_bytes());
    let x = only(&p);
    assert_eq!(x.place, "contacts[1] (id 11)");
    assert_eq!(x.field.as_deref(), Some("id"));
    assert_eq!(x.message, "duplicate id: contacts[0] has it too");
}

#[test]
fn truncated_json_gives_line_and_column() {
    // Cut in the middle of the second contact (line 11).
    let cut = BASE.find(r#""name": "Boris""#).expect("marker") + 5;
    let text = &BASE[..cut];
    let last_line = text.lines().count();
    assert_eq!(last_line, 11);
    let p = refuse(text.as_bytes());
    let x = only(&p);
    let col = text.rsplit('\n').next().expect("last line").len();
    assert_eq!(x.place, format!("line 11, column {col}"));
    assert_eq!(x.field, None);
    assert!(x.message.contains("ends too early"), "{}", x.message);
    // Cut after a complete value inside an object.
    // Cut before the closing brace: the last `]` is on line 27, column 3.
    let p = refuse(&BASE.as_bytes()[..BASE.len() - 3]);
    assert_eq!(only(&p).place, "line 27, column 3");
}

#[test]
fn invalid_json_gives_line_and_column() {
    // A trailing comma on line 7.
    let text = edit(r#""parent_id": 1}"#, r#""parent_id": 1,}"#);
    let col = text
        .lines()
        .nth(6)
        .expect("line 7")
        .find(",}")
        .expect("comma")
        + 2;
    let p = refuse(text.as_bytes());
    let x = only(&p);
    assert_eq!(
        x.place,
        format!("line 7, column {col}"),
        "at the brace after the comma"
    );
    assert!(x.message.starts_with("not valid JSON"), "{}", x.message);
}

#[test]
fn latin1_bytes_give_line_and_column() {
    // "Renée" written in Latin-1: é is the single byte 0xE9, not UTF-8.
    let text = edit(r#""name": "Anna""#, r#""name": "Ren#e""#);
    let line = text
        .lines()
        .position(|l| l.contains("Ren#e"))
        .expect("line")
        + 1;
    let col = text
        .lines()
        .nth(line - 1)
        .expect("line")
        .find('#')
        .expect("#")
        + 1;
    let bytes: Vec<u8> = text
        .bytes()
        .map(|b| if b == b'#' { 0xE9 } else { b })
        .collect();
    assert!(std::str::from_utf8(&bytes).is_err());
    let p = refuse(&bytes);
    let x = only(&p);
    assert_eq!(line, 10);
    assert_eq!(x.place, format!("line 10, column {col}"));
    assert!(x.message.contains("not valid UTF-8"), "{}", x.message);
}

#[test]
fn unknown_field_is_located() {
    let p = refuse(edit(r#""name": "Acme","#, r#""name": "Acme", "colour": "red","#).as_bytes());
    let x = only(&p);
    assert_eq!(x.place, "accounts[0] (id 1)");
    assert_eq!(x.field.as_deref(), Some("colour"));
    assert!(
        x.message.starts_with("unknown field `colour`"),
        "{}",
        x.message
    );
}

#[test]
fn unknown_section_is_located() {
    let p = refuse(
        edit(
            r#"  "accounts": ["#,
            "  \"widgets\": [],\n  \"accounts\": [",
        )
        .as_bytes(),
    );
    let x = only(&p);
    assert_eq!(
        (x.place.as_str(), x.field.as_deref()),
        ("top level", Some("widgets"))
    );
    assert!(x.message.contains("unknown section"), "{}", x.message);
}

#[test]
fn wrong_format_version_is_refused() {
    let p = refuse(edit(r#""format_version": 1"#, r#""format_version": 2"#).as_bytes());
    let x = only(&p);
    assert_eq!(
        (x.place.as_str(), x.field.as_deref()),
        ("top level", Some("format_version"))
    );
    assert!(
        x.message.contains('1') && x.message.contains('2'),
        "{}",
        x.message
    );

    let p = refuse(edit(r#""format": "tend-dataset""#, r#""format": "crm-dump""#).as_bytes());
    let x = only(&p);
    assert_eq!(
        (x.place.as_str(), x.field.as_deref()),
        ("top level", Some("format"))
    );
}

#[test]
fn several_file_problems_are_all_reported() {
    let text = edit(r#""mrr_cents": 50000"#, r#""mrr_cents": "500.00""#);
    let text = text.replacen(
        r#""name": "Acme","#,
        r#""name": "Acme", "colour": "red","#,
        1,
    );
    let text = text.replacen(r#", "name": "Boris""#, "", 1);
    let text = text.replacen(
        r#"  "accounts": ["#,
        "  \"widgets\": [],\n  \"accounts\": [",
        1,
    );
    let text = text.replacen(r#""priority": "high""#, r#""priority": "blocker""#, 1);
    let p = refuse(text.as_bytes());
    assert_eq!(p.problems.len(), 5, "every problem, not the first: {p}");
    assert_eq!(at(&p, "top level").field.as_deref(), Some("widgets"));
    assert!(at(&p, "accounts[0] (id 1)").message.contains("colour"));
    at(&p, "contacts[1] (id 12)");
    assert_eq!(
        at(&p, "agreements[0] (id 41)").field.as_deref(),
        Some("mrr_cents")
    );
    assert_eq!(
        at(&p, "tasks[0] (id 51)").field.as_deref(),
        Some("priority")
    );
}

#[test]
fn several_record_problems_are_all_reported() {
    let text = edit(
        r#""account_id": 2, "name": "Boris""#,
        r#""account_id": 99, "name": "Boris""#,
    );
    let text = text.replacen(r#""score": 9"#, r#""score": 11"#, 1);
    let text = text.replacen(r#""end": "2026-05-31""#, r#""end": "2025-05-31""#, 1);
    let text = text.replacen(r#""format_version": 1"#, r#""format_version": 2"#, 1);
    let p = refuse(text.as_bytes());
    assert_eq!(p.problems.len(), 4, "every problem: {p}");
    assert_eq!(at(&p, "top level").field.as_deref(), Some("format_version"));
    assert_eq!(
        at(&p, "contacts[1] (id 12)").field.as_deref(),
        Some("account_id")
    );
    assert_eq!(
        at(&p, "nps_responses[0] (id 91)").field.as_deref(),
        Some("score")
    );
    assert_eq!(
        at(&p, "agreements[0] (id 41)").field.as_deref(),
        Some("end")
    );
}

/// KNOWN BUG (crates/engines/src/dataset/parse.rs, `parse`): the cross-record checks
/// (`validate`: dangling references, duplicate ids, field rules) only run when
/// the whole file deserialises; when any record has a type problem,
/// `locate_problems` reports the type problems only, so a file with a wrong
/// type in agreements[0] and a dangling `account_id` in contacts[1] reports
/// one problem, not both (the user fixes one and meets the next on the
/// following run).
#[test]
fn type_and_reference_problems_are_all_reported() {
    let text = edit(r#""mrr_cents": 50000"#, r#""mrr_cents": "500.00""#);
    let text = text.replacen(
        r#""account_id": 2, "name": "Boris""#,
        r#""account_id": 99, "name": "Boris""#,
        1,
    );
    let p = refuse(text.as_bytes());
    assert_eq!(
        at(&p, "agreements[0] (id 41)").field.as_deref(),
        Some("mrr_cents")
    );
    assert_eq!(
        at(&p, "contacts[1] (id 12)").field.as_deref(),
        Some("account_id"),
        "the dangling reference is reported with the type problem"
    );
}

// --- a refused import leaves the store file unchanged ------------------------

fn now() -> Timestamp {
    DateTime::parse_from_rfc3339("2026-03-18T10:00:00Z")
        .expect("now")
        .to_utc()
}

fn open(path: &Path) -> Store {
    Store::open_with_clock(path, fixed_clock(now())).expect("open the store")
}

fn companions(path: &Path) -> Vec<String> {
    ["-wal", "-journal"]
        .iter()
        .map(|s| format!("{}{s}", path.display()))
        .filter(|p| std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false))
        .collect()
}

/// Folds the write-ahead log into the main file and removes it, so that the
/// main file alone holds the whole store.
fn checkpoint(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("open for checkpoint");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    drop(conn);
    assert_eq!(companions(path), Vec::<String>::new(), "checkpointed");
}

/// A store file holding BASE, closed and checkpointed.
fn store_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("tend.db");
    let base = parse(BASE.as_bytes(), FILE).unwrap_or_else(|p| panic!("{p}"));
    let store = open(&path);
    store.import_blocking(&base).expect("import BASE");
    drop(store);
    checkpoint(&path);
    path
}

fn assert_refused_unchanged(path: &Path, dataset: &Dataset, expect_in_message: &[&str]) {
    let before = std::fs::read(path).expect("read");
    let store = open(path);
    let err = store
        .import_blocking(dataset)
        .expect_err("the import must be refused");
    let message = err.to_string();
    for m in expect_in_message {
        assert!(message.contains(m), "the refusal says `{m}`: {message}");
    }
    let exported = store.export_blocking().expect("export");
    assert_eq!(exported.accounts.len(), 2, "only BASE's accounts");
    drop(store);
    // Nothing reached the main file, nor the write-ahead log beside it.
    let after = std::fs::read(path).expect("read");
    assert!(
        before == after,
        "the store file is byte-for-byte unchanged after: {message}"
    );
    assert_eq!(
        companions(path),
        Vec::<String>::new(),
        "nothing in the write-ahead log"
    );
}

#[test]
fn opening_and_closing_leaves_the_store_file_unchanged() {
    // The control for the tests below: opening alone writes nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = store_file(dir.path());
    let before = std::fs::read(&path).expect("read");
    drop(open(&path));
    assert!(before == std::fs::read(&path).expect("read"));
    assert_eq!(
        companions(&path),
        Vec::<String>::new(),
        "nothing in the write-ahead log"
    );
}

#[test]
fn refused_import_of_present_ids_leaves_the_file_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = store_file(dir.path());
    // Passes parse (a valid file) but every id is already in the store.
    let same = parse(BASE.as_bytes(), FILE).expect("BASE parses");
    assert_refused_unchanged(
        &path,
        &same,
        &[
            "accounts[0] (id 1)",
            "contacts[1] (id 12)",
            "the store already has",
        ],
    );
    let err = open(&path).import_blocking(&same).expect_err("refused");
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "dataset"),
        "{err:?}"
    );
}

#[test]
fn refused_import_of_some_present_ids_leaves_the_file_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = store_file(dir.path());
    // New accounts, but a contact whose id is taken.
    let text = BASE
        .replacen(r#"{"id": 1, "#, r#"{"id": 100, "#, 1)
        .replacen(r#"{"id": 2, "#, r#"{"id": 101, "#, 1)
        .replacen(r#""parent_id": 1}"#, r#""parent_id": 100}"#, 1)
        .replace(r#""account_id": 1,"#, r#""account_id": 100,"#)
        .replacen(r#""account_id": 2,"#, r#""account_id": 101,"#, 1)
        .replacen(r#"{"id": 12, "#, r#"{"id": 112, "#, 1)
        .replacen(r#"{"id": 41, "#, r#"{"id": 141, "#, 1)
        .replacen(r#"{"id": 61, "#, r#"{"id": 161, "#, 1)
        .replacen(r#""project_id": 61"#, r#""project_id": 161"#, 1)
        .replacen(r#"{"id": 51, "#, r#"{"id": 151, "#, 1)
        .replacen(r#"{"id": 91, "#, r#"{"id": 191, "#, 1)
        .replacen(r#""record_id": 1,"#, r#""record_id": 100,"#, 1)
        .replacen(r#"{"id": 1, "at""#, r#"{"id": 2, "at""#, 1);
    let d = parse(text.as_bytes(), FILE).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(d.contacts[0].id, 11, "the one clash");
    assert_refused_unchanged(&path, &d, &["contacts[0] (id 11)"]);
}

#[test]
fn import_failing_late_leaves_the_file_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = store_file(dir.path());
    // Records with free ids pass every check; the change-log entry's id 1 is
    // taken, which shows only after the records went in: all must roll back.
    let text = r#"{
  "format": "tend-dataset", "format_version": 1, "anchor": "2026-03-18T10:00:00Z",
  "accounts": [
    {"id": 100, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "name": "Wayne", "stage": "onboarding"}
  ],
  "contacts": [
    {"id": 111, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "account_id": 100, "name": "Bruce"}
  ],
  "change_log": [
    {"id": 1, "at": "2026-03-01T00:00:00Z", "actor": "alice", "entity": "account", "record_id": 100, "account_id": 100, "action": "create"}
  ]
}"#;
    let d = parse(text.as_bytes(), FILE).unwrap_or_else(|p| panic!("{p}"));
    assert_refused_unchanged(&path, &d, &["change_log"]);
}

fn generated_chunks() -> tend::generate::GenConfig {
    tend::generate::GenConfig {
        chunk: 20,
        ..tend::generate::GenConfig::new(
            60,
            3,
            DateTime::parse_from_rfc3339("2026-03-18T10:00:00Z")
                .expect("anchor")
                .to_utc(),
        )
    }
}

/// `tend generate` loads chunks made on another thread: a generation that fails
/// half-way leaves the store without a row of it.
#[test]
fn a_generation_that_fails_midway_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("g.db");
    let store = Store::open(&path).expect("store");
    // The load drops an index of an empty table to build it at the end: a failed
    // one leaves the schema as it was.
    let schema = || -> String {
        rusqlite::Connection::open(&path)
            .expect("open")
            .query_row(
                "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master ORDER BY name)",
                [],
                |r| r.get(0),
            )
            .expect("schema")
    };
    let before = schema();
    let mut made = 0;
    let out = store.bulk_load(|sink| {
        tend::generate::generate(&generated_chunks(), |chunk| {
            made += 1;
            if made == 2 {
                return Err(Error::storage("the disk is full"));
            }
            sink(chunk)
        })
        .map(drop)
    });
    assert!(
        out.expect_err("refused")
            .to_string()
            .contains("the disk is full")
    );
    assert_eq!(store.account_count().expect("count"), 0);
    assert_eq!(schema(), before);
}

/// A load that fails (here a chunk whose ids are taken) stops the generation
/// instead of leaving it waiting, and writes nothing.
#[test]
fn a_load_that_fails_stops_the_generation() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(dir.path().join("g.db")).expect("store");
    let data = tend::generate::generate_dataset(&generated_chunks());
    let mut sent = 0;
    let out = store.bulk_load(|sink| {
        for _ in 0..10 {
            sink(data.clone())?;
            sent += 1;
        }
        Ok(())
    });
    assert!(out.is_err(), "the second copy reuses the first one's ids");
    assert!(sent < 10, "the producer stopped early ({sent} sent)");
    assert_eq!(store.account_count().expect("count"), 0);
}
