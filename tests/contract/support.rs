//! Assertions shared by the checks.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt::Debug;

use tend::backend::{Backend, Error, Result};
use tend::dataset::Dataset;
use tend::domain::*;

/// Ids of records, in order.
/// A record as the store keeps it: an interaction without a manual sentiment is
/// scored from its text (its body, else its subject), rounded to 4 decimals.
pub fn as_stored(mut r: Record) -> Record {
    if let Record::Interaction(i) = &mut r
        && i.sentiment
            .is_none_or(|s| s.source != SentimentSource::Manual)
    {
        let text = if i.body.trim().is_empty() {
            &i.subject
        } else {
            &i.body
        };
        i.sentiment = (!text.trim().is_empty()).then(|| {
            let score = tend::sentiment::compound(text);
            Sentiment {
                score: (score * 10_000.0).round() / 10_000.0,
                label: tend::sentiment::label_for(score),
                source: SentimentSource::Ai,
            }
        });
    }
    r
}

pub fn ids<T: RecordMeta>(items: &[T]) -> Vec<Id> {
    items.iter().map(|r| r.id()).collect()
}

/// Asserts two id lists hold the same ids, in any order.
pub fn assert_same_ids(actual: &[Id], expected: &[Id], ctx: &str) {
    let a: BTreeSet<Id> = actual.iter().copied().collect();
    let e: BTreeSet<Id> = expected.iter().copied().collect();
    assert_eq!(a.len(), actual.len(), "{ctx}: duplicates in {actual:?}");
    assert_eq!(
        a, e,
        "{ctx}: got {actual:?}, expected {expected:?} (any order)"
    );
}

/// Asserts `actual` is the concatenation of `groups`, each group in any order
/// (a group holds the ids whose sort keys tie).
pub fn assert_order(actual: &[Id], groups: &[&[Id]], ctx: &str) {
    let expected_len: usize = groups.iter().map(|g| g.len()).sum();
    assert_eq!(
        actual.len(),
        expected_len,
        "{ctx}: got {actual:?}, expected groups {groups:?}"
    );
    let mut at = 0;
    for g in groups {
        let chunk: BTreeSet<Id> = actual[at..at + g.len()].iter().copied().collect();
        let want: BTreeSet<Id> = g.iter().copied().collect();
        assert_eq!(
            chunk, want,
            "{ctx}: got {actual:?}, expected groups {groups:?} (ties in any order)"
        );
        at += g.len();
    }
}

/// Asserts an error is `Invalid` naming `field`, with a message.
pub fn expect_invalid<T: Debug>(r: Result<T>, field: &str, ctx: &str) {
    match r {
        Err(Error::Invalid { field: f, message }) => {
            assert_eq!(f, field, "{ctx}: wrong field (message: {message})");
            assert!(!message.trim().is_empty(), "{ctx}: empty message");
        }
        other => panic!("{ctx}: expected Invalid naming `{field}`, got {other:?}"),
    }
}

/// Asserts an error is `NotFound` for this kind and id.
pub fn expect_not_found<T: Debug>(r: Result<T>, kind: EntityKind, id: Id, ctx: &str) {
    match r {
        Err(Error::NotFound { kind: k, id: i }) => {
            assert_eq!((k, i), (kind, id), "{ctx}: NotFound for the wrong record");
        }
        other => panic!("{ctx}: expected NotFound {kind} {id}, got {other:?}"),
    }
}

/// Asserts an error is `Conflict` with these versions.
pub fn expect_conflict<T: Debug>(
    r: Result<T>,
    kind: EntityKind,
    id: Id,
    expected: i64,
    actual: i64,
    ctx: &str,
) {
    match r {
        Err(Error::Conflict {
            kind: k,
            id: i,
            expected: e,
            actual: a,
        }) => assert_eq!(
            (k, i, e, a),
            (kind, id, expected, actual),
            "{ctx}: Conflict with the wrong details"
        ),
        other => panic!("{ctx}: expected Conflict on {kind} {id}, got {other:?}"),
    }
}

/// A dataset with every section in a canonical order, for comparisons.
pub fn normalized(mut d: Dataset) -> Dataset {
    d.accounts.sort_by_key(|r| r.id);
    d.contacts.sort_by_key(|r| r.id);
    d.interactions.sort_by_key(|r| r.id);
    d.usage
        .sort_by_key(|u| (u.account_id, u.day, u.contact_id.unwrap_or(0)));
    d.support_cases.sort_by_key(|r| r.id);
    d.agreements.sort_by_key(|r| r.id);
    d.opportunities.sort_by_key(|r| r.id);
    d.projects.sort_by_key(|r| r.id);
    d.tasks.sort_by_key(|r| r.id);
    d.playbooks.sort_by_key(|r| r.id);
    d.playbook_runs.sort_by_key(|r| r.id);
    d.nps_responses.sort_by_key(|r| r.id);
    d.documents.sort_by_key(|r| r.id);
    d.alerts.sort_by_key(|r| r.id);
    d.summaries.sort_by_key(|r| r.id);
    d.success_plans.sort_by_key(|r| r.id);
    d.objectives.sort_by_key(|r| r.id);
    d.kpis.sort_by_key(|r| r.id);
    d.business_challenges.sort_by_key(|r| r.id);
    d.change_log.sort_by_key(|r| r.id);
    d
}

/// The whole store, normalized.
pub async fn snapshot(b: &dyn Backend) -> Dataset {
    normalized(b.export().await.expect("export"))
}

/// Asserts two datasets are equal section by section (readable failures).
pub fn assert_same_dataset(actual: &Dataset, expected: &Dataset, ctx: &str) {
    assert_eq!(actual.format, expected.format, "{ctx}: format");
    assert_eq!(
        actual.format_version, expected.format_version,
        "{ctx}: format_version"
    );
    assert_eq!(actual.anchor, expected.anchor, "{ctx}: anchor");
    assert_eq!(actual.accounts, expected.accounts, "{ctx}: accounts");
    assert_eq!(actual.contacts, expected.contacts, "{ctx}: contacts");
    assert_eq!(
        actual.interactions, expected.interactions,
        "{ctx}: interactions"
    );
    assert_eq!(actual.usage, expected.usage, "{ctx}: usage");
    assert_eq!(
        actual.support_cases, expected.support_cases,
        "{ctx}: support_cases"
    );
    assert_eq!(actual.agreements, expected.agreements, "{ctx}: agreements");
    assert_eq!(
        actual.opportunities, expected.opportunities,
        "{ctx}: opportunities"
    );
    assert_eq!(actual.projects, expected.projects, "{ctx}: projects");
    assert_eq!(actual.tasks, expected.tasks, "{ctx}: tasks");
    assert_eq!(actual.playbooks, expected.playbooks, "{ctx}: playbooks");
    assert_eq!(
        actual.playbook_runs, expected.playbook_runs,
        "{ctx}: playbook_runs"
    );
    assert_eq!(
        actual.nps_responses, expected.nps_responses,
        "{ctx}: nps_responses"
    );
    assert_eq!(actual.documents, expected.documents, "{ctx}: documents");
    assert_eq!(actual.alerts, expected.alerts, "{ctx}: alerts");
    assert_eq!(actual.summaries, expected.summaries, "{ctx}: summaries");
    assert_eq!(actual.success_plans, expected.success_plans, "{ctx}: plans");
    assert_eq!(actual.objectives, expected.objectives, "{ctx}: objectives");
    assert_eq!(actual.kpis, expected.kpis, "{ctx}: kpis");
    assert_eq!(
        actual.business_challenges, expected.business_challenges,
        "{ctx}: business_challenges"
    );
    assert_eq!(actual.change_log, expected.change_log, "{ctx}: change_log");
    assert_eq!(actual, expected, "{ctx}: whole dataset");
}

/// The records of one account, by id.
pub fn of_account<T: RecordMeta + Clone>(items: &[T], account: Id) -> Vec<T> {
    let mut v: Vec<T> = items
        .iter()
        .filter(|r| r.account_id() == Some(account))
        .cloned()
        .collect();
    v.sort_by_key(|r| r.id());
    v
}

/// `items` sorted by id (to compare lists regardless of their order).
pub fn sorted<T: RecordMeta + Clone>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort_by_key(|r| r.id());
    v
}

/// The change-log entries of the whole store after `after_id`, oldest first.
pub async fn changes_since(b: &dyn Backend, after_id: Id) -> Vec<ChangeLogEntry> {
    snapshot(b)
        .await
        .change_log
        .into_iter()
        .filter(|c| c.id > after_id)
        .collect()
}

/// The highest change-log id in the store (0 when empty).
pub async fn last_change_id(b: &dyn Backend) -> Id {
    snapshot(b)
        .await
        .change_log
        .iter()
        .map(|c| c.id)
        .max()
        .unwrap_or(0)
}
