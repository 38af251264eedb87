//! What the store derives for an account's story and its people: the timeline of
//! key events (`Backend::timeline`), a health indicator per contact and the
//! roll-up of a group (in the 360), and alert tasks (a task's `alert_id`, the
//! tasks query's `alert_id`). Each is the engines' pure function over the
//! store's own records, so the checks compare with it.

use tend::backend::*;
use tend::domain::*;
use tend::timeline::{EventKind, TimelineInput};

use crate::fixture::ids::*;
use crate::fixture::{self, Fixture};
use crate::support::*;

const ACTOR: &str = "carol";

/// The engine's timeline over what the backend answers for the account: its
/// 360's records, its weekly history and its change log.
async fn expected_timeline(
    b: &dyn Backend,
    id: Id,
    now: Timestamp,
) -> Vec<tend::timeline::TimelineEvent> {
    let v = b.account(id).await.expect("the 360");
    let h = b.health(id).await.expect("its health");
    let log = b
        .change_log(
            id,
            PageRequest {
                offset: 0,
                limit: 500,
            },
        )
        .await
        .expect("its change log");
    tend::timeline::timeline(
        &TimelineInput {
            account: &v.account,
            weekly: &h.weekly,
            cases: &v.cases,
            agreements: &v.agreements,
            interactions: &v.interactions,
            changes: &log.items,
        },
        now,
    )
}

pub async fn check_timeline(b: &dyn Backend, fx: &Fixture) {
    let events = b.timeline(ACME).await.expect("ACME's timeline");
    assert!(
        events.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first: {events:?}"
    );
    assert!(events.iter().all(|e| e.at <= fx.now), "nothing after now");
    // The escalated outage (opened so) and the renewal of the old contract.
    let outage = events
        .iter()
        .find(|e| e.kind == EventKind::Escalation)
        .expect("an escalation");
    assert_eq!(
        outage.record,
        Citation {
            kind: EntityKind::SupportCase,
            id: K_OUTAGE
        }
    );
    let renewal = events
        .iter()
        .find(|e| e.kind == EventKind::Renewal)
        .expect("a renewal");
    assert_eq!(
        renewal.record,
        Citation {
            kind: EntityKind::Agreement,
            id: AG_PLATFORM
        }
    );
    assert!(renewal.text.starts_with("Renewed: "), "{}", renewal.text);
    assert_eq!(
        events,
        expected_timeline(b, ACME, fx.now).await,
        "the engine's over the records"
    );

    // A churn risk set and a case escalated now are news at once.
    let Record::Account(acme) = b.get(EntityKind::Account, ACME).await.expect("ACME") else {
        panic!("not an account");
    };
    let mut at_risk = acme.clone();
    at_risk.churn.likelihood = ChurnLikelihood::AtRisk;
    b.update(ACTOR, Record::Account(at_risk))
        .await
        .expect("churn risk set");
    let Record::SupportCase(billing) = b
        .get(EntityKind::SupportCase, K_BILLING)
        .await
        .expect("case")
    else {
        panic!("not a case");
    };
    let mut escalated = billing.clone();
    escalated.escalated = true;
    b.update(ACTOR, Record::SupportCase(escalated))
        .await
        .expect("escalated");
    let events = b.timeline(ACME).await.expect("ACME's timeline");
    let now: Vec<(EventKind, Citation, &str)> = events
        .iter()
        .filter(|e| e.at == fx.now)
        .map(|e| (e.kind, e.record, e.text.as_str()))
        .collect();
    assert!(
        now.contains(&(
            EventKind::ChurnRisk,
            Citation {
                kind: EntityKind::Account,
                id: ACME
            },
            "Churn forecast none → at risk (by carol)"
        )),
        "{now:?}"
    );
    assert!(
        now.iter().any(|(k, c, _)| *k == EventKind::Escalation
            && *c
                == Citation {
                    kind: EntityKind::SupportCase,
                    id: K_BILLING
                }),
        "{now:?}"
    );
    assert_eq!(
        events,
        expected_timeline(b, ACME, fx.now).await,
        "after the writes"
    );
    // Another account's events are not ACME's.
    let globex = b.timeline(GLOBEX).await.expect("GLOBEX's timeline");
    assert!(
        globex
            .iter()
            .all(|e| e.record.id != K_BILLING && e.record.id != ACME)
    );
    expect_not_found(
        b.timeline(999).await,
        EntityKind::Account,
        999,
        "timeline of a missing account",
    );
}

pub async fn check_contact_health(b: &dyn Backend, _fx: &Fixture) {
    for id in [ACME, ACME_FR, GLOBEX, INITECH] {
        let v = b.account(id).await.expect("the 360");
        let bands = b.health(id).await.expect("its health").profile.bands;
        assert_eq!(
            v.contact_health
                .iter()
                .map(|h| h.contact_id)
                .collect::<Vec<_>>(),
            ids(&v.contacts),
            "account {id}: one indicator per contact, in the contacts' order"
        );
        let want = tend::health::contacts_health(
            &v.contacts,
            &v.interactions,
            &v.usage,
            &v.nps,
            &bands,
            v.as_of,
        );
        assert_eq!(
            v.contact_health, want,
            "account {id}: the engine's over its records"
        );
    }
    let v = b.account(ACME).await.expect("ACME");
    let anna = v
        .contact_health
        .iter()
        .find(|h| h.contact_id == C_ANNA)
        .expect("Anna's indicator");
    assert!(
        anna.score.is_some(),
        "Anna answered NPS and was met: {anna:?}"
    );
    let nps = anna
        .signals
        .iter()
        .find(|s| s.signal == tend::health::ContactSignalKind::Nps)
        .expect("an NPS signal");
    assert!(nps.points.is_some(), "{nps:?}");
}

pub async fn check_group_rollup(b: &dyn Backend, _fx: &Fixture) {
    let row = |id: Id| async move { b.account(id).await.expect("a 360").row };
    let acme = b.account(ACME).await.expect("ACME");
    let g = acme.group.clone().expect("ACME heads a group");
    let fr = row(ACME_FR).await;
    assert_eq!(g.own_mrr_cents, acme.row.mrr_cents);
    assert_eq!(g.subsidiaries_mrr_cents, fr.mrr_cents);
    assert_eq!(g.group_mrr_cents, acme.row.mrr_cents + fr.mrr_cents);
    assert_eq!(
        g.subsidiaries
            .iter()
            .map(|m| (m.id, m.depth))
            .collect::<Vec<_>>(),
        vec![(ACME_FR, 1)]
    );
    assert_eq!(g.subsidiaries[0].renewal, fr.renewal);
    assert_eq!(g.worst.as_ref().map(|w| w.id), Some(ACME_FR));
    for id in [ACME_FR, GLOBEX, INITECH, UMBRELLA, HOOLI] {
        assert_eq!(
            b.account(id).await.expect("a 360").group,
            None,
            "account {id} heads no group"
        );
    }
    // GLOBEX joins under ACME_FR: a grandchild of ACME, in its group's MRR.
    let Record::Account(globex) = b.get(EntityKind::Account, GLOBEX).await.expect("GLOBEX") else {
        panic!("not an account");
    };
    let mut moved = globex.clone();
    moved.parent_id = Some(ACME_FR);
    b.update(ACTOR, Record::Account(moved))
        .await
        .expect("GLOBEX under ACME_FR");
    let g = b.account(ACME).await.expect("ACME").group.expect("a group");
    let globex = row(GLOBEX).await;
    assert_eq!(g.subsidiaries.len(), 2);
    assert_eq!(g.subsidiaries_mrr_cents, fr.mrr_cents + globex.mrr_cents);
    assert_eq!(
        g.subsidiaries
            .iter()
            .find(|m| m.id == GLOBEX)
            .map(|m| m.depth),
        Some(2)
    );
    let worst = [&fr, &globex]
        .into_iter()
        .filter(|r| r.health_score.is_some())
        .min_by(|a, b| a.health_score.partial_cmp(&b.health_score).expect("scores"))
        .map(|r| r.id);
    assert_eq!(g.worst.map(|w| w.id), worst);
    let fr_group = b
        .account(ACME_FR)
        .await
        .expect("ACME_FR")
        .group
        .expect("a group now");
    assert_eq!(
        fr_group
            .subsidiaries
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>(),
        vec![GLOBEX]
    );
}

pub async fn check_alert_tasks(b: &dyn Backend, _fx: &Fixture) {
    let mut task = fixture::task(
        0,
        ACME,
        None,
        "Call Anna about usage",
        "alice",
        None,
        TaskStatus::Todo,
        Priority::High,
        9,
    );
    task.alert_id = Some(AL_USAGE);
    let Record::Task(made) = b
        .create(ACTOR, Record::Task(task.clone()))
        .await
        .expect("an alert task")
    else {
        panic!("not a task");
    };
    assert_eq!(made.alert_id, Some(AL_USAGE));
    let of_alert = b
        .tasks(&TaskQuery {
            alert_id: Some(AL_USAGE),
            ..Default::default()
        })
        .await
        .expect("the alert's tasks");
    assert_eq!(ids(&of_alert), vec![made.id]);
    assert!(
        b.tasks(&TaskQuery {
            alert_id: Some(AL_HEALTH),
            ..Default::default()
        })
        .await
        .expect("tasks")
        .is_empty(),
        "another alert has none"
    );
    // An alert of another account, or none at all, is refused.
    let mut foreign = task.clone();
    foreign.alert_id = Some(AL_GLOBEX);
    expect_invalid(
        b.create(ACTOR, Record::Task(foreign)).await,
        "alert_id",
        "another account's alert",
    );
    let mut missing = task.clone();
    missing.alert_id = Some(999);
    expect_invalid(
        b.create(ACTOR, Record::Task(missing)).await,
        "alert_id",
        "a missing alert",
    );
    // Exported with its alert, and the dataset stays valid.
    let exported = b.export().await.expect("export");
    let out = exported
        .tasks
        .iter()
        .find(|t| t.id == made.id)
        .expect("exported");
    assert_eq!(out.alert_id, Some(AL_USAGE));
    assert!(tend::dataset::validate(&exported).is_empty());
    // The alert deleted, the task stays, answering none.
    let Record::Alert(alert) = b.get(EntityKind::Alert, AL_USAGE).await.expect("the alert") else {
        panic!("not an alert");
    };
    b.delete(ACTOR, EntityKind::Alert, AL_USAGE, alert.version)
        .await
        .expect("deleted");
    let Record::Task(kept) = b.get(EntityKind::Task, made.id).await.expect("kept") else {
        panic!("not a task");
    };
    assert_eq!(kept.alert_id, None);
}
