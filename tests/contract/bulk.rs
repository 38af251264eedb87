//! Import and export checks.

use serde_json::json;

use tend::backend::*;
use tend::dataset::{Dataset, ImportReport};
use tend::domain::*;

use crate::fixture::ids::*;
use crate::fixture::{self, Fixture, days_ago};
use crate::support::*;
use crate::writes::some_writes;

fn message_of(e: &Error) -> &str {
    match e {
        Error::Invalid { message, .. } => message,
        Error::Storage { message } | Error::Unavailable { message } => message,
        _ => "",
    }
}

pub async fn check_export_equals_imported_fixture(b: &dyn Backend, fx: &Fixture) {
    let export = snapshot(b).await;
    assert_same_dataset(
        &export,
        &normalized(fx.dataset.clone()),
        "export of the imported fixture",
    );
}

pub async fn check_import_report_and_round_trip(b: &dyn Backend, fx: &Fixture) {
    let empty = snapshot(b).await;
    assert_eq!(empty.total_rows(), 0, "a new store is empty");
    let report = b.import(fx.dataset.clone()).await.expect("import");
    assert_eq!(report, ImportReport::of(&fx.dataset));
    let count = |name: &str| {
        report
            .counts
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, n)| *n)
            .unwrap_or_else(|| panic!("count of {name}"))
    };
    assert_eq!(
        (
            count("accounts"),
            count("contacts"),
            count("usage"),
            count("tasks"),
            count("change_log")
        ),
        (6, 6, 94, 6, 4)
    );
    assert_eq!(report.rows, fx.dataset.total_rows());
    let export = snapshot(b).await;
    assert_same_dataset(
        &export,
        &normalized(fx.dataset.clone()),
        "export after import",
    );
    // Importing the same again is refused and writes nothing.
    let again = b.import(fx.dataset.clone()).await;
    match &again {
        Err(Error::Invalid { field, message }) => {
            assert_eq!(field, "dataset");
            assert!(
                message.contains("accounts[0] (id 1)"),
                "names the first clash: {message}"
            );
        }
        other => panic!("re-import must be refused as invalid, got {other:?}"),
    }
    assert_same_dataset(&snapshot(b).await, &export, "after the refused re-import");
}

pub async fn check_export_reimports_into_fresh_store(
    a: &dyn Backend,
    fresh: &dyn Backend,
    _fx: &Fixture,
) {
    some_writes(a).await;
    let first = snapshot(a).await;
    assert!(
        first.change_log.len() > 4,
        "the writes are in the change log"
    );
    fresh
        .import(first.clone())
        .await
        .expect("import the export");
    let second = snapshot(fresh).await;
    assert_same_dataset(&second, &first, "export, import, export");
    // The fresh store derives the same MRR and renewals.
    let rows = |p: Page<AccountRow>| {
        p.items
            .into_iter()
            .map(|r| (r.id, r.mrr_cents, r.renewal))
            .collect::<Vec<_>>()
    };
    let q = PortfolioQuery {
        sort: PortfolioSort::Name,
        ..Default::default()
    };
    assert_eq!(
        rows(fresh.portfolio(&q).await.expect("portfolio")),
        rows(a.portfolio(&q).await.expect("portfolio"))
    );
}

pub async fn check_import_refuses_present_ids(b: &dyn Backend, fx: &Fixture) {
    let before = snapshot(b).await;
    let err = b
        .import(fx.dataset.clone())
        .await
        .expect_err("importing ids already present");
    match &err {
        Error::Invalid { field, message } => {
            assert_eq!(field, "dataset");
            for place in [
                "accounts[0] (id 1)",
                "contacts[0] (id 11)",
                "summaries[0] (id 121)",
            ] {
                assert!(message.contains(place), "names {place}: {message}");
            }
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_same_dataset(&snapshot(b).await, &before, "unchanged");
}

pub async fn check_import_refuses_partly_present_ids(b: &dyn Backend, fx: &Fixture) {
    let before = snapshot(b).await;
    let mut d = Dataset::new(fx.now);
    d.accounts = vec![fixture::account(
        200,
        "Wayne",
        "wayne.com",
        "alice",
        Stage::Onboarding,
    )];
    // A new account with a contact whose id is taken.
    d.contacts = vec![fixture::contact(C_ANNA, 200, "Bruce", &["sponsor"])];
    d.projects = vec![fixture::project(
        300,
        200,
        "Cave",
        ProjectStatus::Active,
        None,
    )];
    let err = b.import(d).await.expect_err("a taken contact id");
    match &err {
        Error::Invalid { field, message } => {
            assert_eq!(field, "dataset");
            assert!(
                message.contains("contacts[0] (id 11)"),
                "names the clash: {message}"
            );
            assert!(
                !message.contains("accounts[0]"),
                "account 200 is free: {message}"
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    expect_not_found(
        b.get(EntityKind::Account, 200).await,
        EntityKind::Account,
        200,
        "nothing written",
    );
    expect_not_found(
        b.get(EntityKind::Project, 300).await,
        EntityKind::Project,
        300,
        "nothing written",
    );
    assert_same_dataset(&snapshot(b).await, &before, "unchanged");
}

pub async fn check_import_rolls_back_late_failure(b: &dyn Backend, fx: &Fixture) {
    let before = snapshot(b).await;
    // Records with free ids, and a change-log entry whose id is taken: the
    // clash shows only once the records are in, and all of it must go.
    let mut d = Dataset::new(fx.now);
    d.accounts = vec![fixture::account(
        200,
        "Wayne",
        "wayne.com",
        "alice",
        Stage::Onboarding,
    )];
    d.contacts = vec![fixture::contact(201, 200, "Bruce", &[])];
    d.usage = vec![fixture::usage_row(200, Some(201), fixture::today(), 3, 3)];
    d.change_log = vec![ChangeLogEntry {
        id: 1,
        at: days_ago(1),
        actor: "import-bot".into(),
        entity: EntityKind::Account,
        record_id: 200,
        account_id: Some(200),
        action: ChangeAction::Create,
        field: None,
        from: None,
        to: Some(json!({"name": "Wayne"})),
    }];
    let err = b.import(d).await.expect_err("a taken change-log id");
    assert!(!message_of(&err).is_empty(), "says why: {err:?}");
    expect_not_found(
        b.get(EntityKind::Account, 200).await,
        EntityKind::Account,
        200,
        "rolled back",
    );
    expect_not_found(
        b.get(EntityKind::Contact, 201).await,
        EntityKind::Contact,
        201,
        "rolled back",
    );
    assert_same_dataset(&snapshot(b).await, &before, "unchanged");
}

pub async fn check_import_refuses_invalid_dataset(b: &dyn Backend, fx: &Fixture) {
    let mut d = fx.dataset.clone();
    d.contacts[2].account_id = 99;
    d.nps_responses[1].score = 11;
    let err = b.import(d).await.expect_err("an invalid dataset");
    match &err {
        Error::Invalid { field, message } => {
            assert_eq!(field, "dataset");
            assert!(
                message.contains("contacts[2] (id 13), field `account_id`"),
                "names the dangling reference: {message}"
            );
            assert!(
                message.contains("nps_responses[1] (id 92), field `score`"),
                "names the bad score too: {message}"
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(snapshot(b).await.total_rows(), 0, "nothing written");
    expect_not_found(
        b.get(EntityKind::Account, ACME).await,
        EntityKind::Account,
        ACME,
        "nothing written",
    );
}

pub async fn check_export_stays_importable_after_writes(b: &dyn Backend, _fx: &Fixture) {
    some_writes(b).await;
    let export = b.export().await.expect("export");
    let problems = tend::dataset::validate(&export);
    assert!(problems.is_empty(), "the export has problems: {problems:?}");
    // Through the file format too.
    let json = serde_json::to_vec_pretty(&export).expect("to json");
    let parsed = tend::dataset::parse(&json, "export.json").expect("parse the export");
    // JSON cannot tell a change-log value that was null (`Some(Null)`, e.g.
    // "due" changed from no date) from no value (`None`): compare modulo that.
    let flatten_nulls = |mut d: Dataset| {
        for c in &mut d.change_log {
            c.from = c.from.take().filter(|v| !v.is_null());
            c.to = c.to.take().filter(|v| !v.is_null());
        }
        normalized(d)
    };
    assert_same_dataset(
        &flatten_nulls(parsed),
        &flatten_nulls(export),
        "export through the file format",
    );
}
