//! Alerts and the dashboard: the rules beyond health transitions (each raises one
//! alert, never a second one while it is open or snoozed), snoozing and marking
//! done through `update`, and the dashboard's tiles on the fixture, each with the
//! filter that lists exactly its accounts.

use std::collections::BTreeSet;

use chrono::{Days, TimeDelta};

use tend::backend::*;
use tend::domain::*;
use tend::health::Measure;

use crate::fixture::ids::*;
use crate::fixture::{self, Fixture, days_ago, today};
use crate::support::*;

const ACTOR: &str = "carol";

async fn alerts_of(b: &dyn Backend, account: Id, rule: &str) -> Vec<Alert> {
    let page = b
        .alerts(&AlertQuery {
            account_id: Some(account),
            state: None,
            page: PageRequest {
                offset: 0,
                limit: 100,
            },
            ..Default::default()
        })
        .await
        .expect("alerts");
    page.items.into_iter().filter(|a| a.rule == rule).collect()
}

async fn alerts_in(b: &dyn Backend, state: Option<AlertState>) -> Page<Alert> {
    b.alerts(&AlertQuery {
        state,
        page: PageRequest {
            offset: 0,
            limit: 100,
        },
        ..Default::default()
    })
    .await
    .expect("alerts")
}

async fn create<T>(b: &dyn Backend, record: Record, unwrap: fn(Record) -> Option<T>) -> T {
    let stored = b.create(ACTOR, record).await.expect("create");
    unwrap(stored).expect("the kind created")
}

fn account(name: &str) -> Record {
    let mut a = fixture::account(
        0,
        name,
        &format!("{name}.example"),
        "carol",
        Stage::Adoption,
    );
    a.external_id = None;
    Record::Account(a)
}

fn as_account(r: Record) -> Option<Account> {
    match r {
        Record::Account(a) => Some(a),
        _ => None,
    }
}

fn as_case(r: Record) -> Option<SupportCase> {
    match r {
        Record::SupportCase(c) => Some(c),
        _ => None,
    }
}

fn as_alert(r: Record) -> Option<Alert> {
    match r {
        Record::Alert(a) => Some(a),
        _ => None,
    }
}

async fn mark(b: &dyn Backend, alert: &Alert, state: AlertState) -> Alert {
    let mut a = alert.clone();
    a.state = state;
    a.snoozed_until = None;
    let r = b.update(ACTOR, Record::Alert(a)).await.expect("update");
    as_alert(r).expect("an alert")
}

pub async fn check_escalation_alerts_once(b: &dyn Backend, _fx: &Fixture) {
    let acct = create(b, account("escalate"), as_account).await;
    let mut case = fixture::case(
        0,
        acct.id,
        "CS-1",
        "Sync stopped",
        Priority::Urgent,
        1,
        CaseStatus::Open,
        false,
        "platform",
        "emea",
        1,
        &[],
    );
    let first = create(b, Record::SupportCase(case.clone()), as_case).await;
    assert!(
        alerts_of(b, acct.id, "escalation").await.is_empty(),
        "a case that is not escalated raises nothing"
    );
    let mut escalated = first.clone();
    escalated.escalated = true;
    let escalated = as_case(
        b.update(ACTOR, Record::SupportCase(escalated))
            .await
            .expect("escalate"),
    )
    .expect("a case");
    let raised = alerts_of(b, acct.id, "escalation").await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(raised[0].state, AlertState::Open);
    assert_eq!(raised[0].case_id, Some(first.id));
    assert_eq!(
        raised[0].message,
        "Case CS-1 \"Sync stopped\" was escalated (priority urgent)"
    );
    // Written again (still escalated), and a second case created escalated while
    // the first alert is open: no second alert.
    let mut again = escalated.clone();
    again.subject = "Sync stopped for all depots".into();
    b.update(ACTOR, Record::SupportCase(again))
        .await
        .expect("update");
    case.number = "CS-2".into();
    case.subject = "Exports time out".into();
    case.priority = Priority::High;
    case.escalated = true;
    let second = create(b, Record::SupportCase(case), as_case).await;
    assert_eq!(
        alerts_of(b, acct.id, "escalation").await.len(),
        1,
        "one open escalation alert per account"
    );
    // Done: the case still escalated and without an alert of its own gets one at
    // the account's next write; the first case never alerts again.
    mark(b, &raised[0], AlertState::Done).await;
    let note = fixture::interaction(
        0,
        acct.id,
        InteractionKind::Note,
        Direction::Out,
        days_ago(0),
        &[],
        "Checked in",
        "Followed up on the sync.",
        &[],
    );
    b.create(ACTOR, Record::Interaction(note.clone()))
        .await
        .expect("note");
    let all = alerts_of(b, acct.id, "escalation").await;
    assert_eq!(all.len(), 2, "{all:?}");
    let open: Vec<&Alert> = all.iter().filter(|a| a.state == AlertState::Open).collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].case_id, Some(second.id));
    assert!(
        open[0].message.contains("\"Exports time out\""),
        "{}",
        open[0].message
    );
    assert!(
        open[0].message.contains("priority high"),
        "{}",
        open[0].message
    );
    b.create(ACTOR, Record::Interaction(note))
        .await
        .expect("note");
    assert_eq!(alerts_of(b, acct.id, "escalation").await.len(), 2);
}

pub async fn check_usage_drop_alerts_once(b: &dyn Backend, _fx: &Fixture) {
    let acct = create(b, account("dropping"), as_account).await;
    let day = |n: u64| today() - Days::new(n);
    // 310 connections 31-60 days ago, 180 over the last 30: down 42%.
    let mut rows = vec![
        fixture::usage_row(acct.id, None, day(45), 310, 600),
        fixture::usage_row(acct.id, None, day(10), 100, 300),
    ];
    b.record_usage(rows.clone()).await.expect("usage");
    assert!(
        alerts_of(b, acct.id, "usage_drop").await.len() == 1,
        "100 against 310"
    );
    rows[1].connections = 180;
    b.record_usage(rows.clone()).await.expect("usage");
    let raised = alerts_of(b, acct.id, "usage_drop").await;
    assert_eq!(raised.len(), 1, "still dropping: no second alert");
    assert_eq!(
        raised[0].message, "Connections fell 68% over 30 days (310 → 100)",
        "the message of when it started"
    );
    // Marked done while the drop lasts: not raised again.
    mark(b, &raised[0], AlertState::Done).await;
    b.record_usage(vec![fixture::usage_row(acct.id, None, day(3), 5, 5)])
        .await
        .expect("usage");
    assert_eq!(alerts_of(b, acct.id, "usage_drop").await.len(), 1);
    // Recovers, then drops again: a new alert.
    b.record_usage(vec![fixture::usage_row(acct.id, None, day(2), 200, 5)])
        .await
        .expect("recovers");
    assert_eq!(alerts_of(b, acct.id, "usage_drop").await.len(), 1);
    b.record_usage(vec![fixture::usage_row(acct.id, None, day(2), 0, 5)])
        .await
        .expect("drops again");
    let again = alerts_of(b, acct.id, "usage_drop").await;
    assert_eq!(again.len(), 2, "{again:?}");
    assert_eq!(
        again[0].message,
        "Connections fell 40% over 30 days (310 → 185)"
    );
}

pub async fn check_renewal_at_risk_alerts_once(b: &dyn Backend, _fx: &Fixture) {
    // Dead usage, a pulse of 1 and an unpaid contract: at risk.
    let Record::Account(mut a) = account("renewing") else {
        unreachable!()
    };
    a.pulse = Some(Pulse {
        rating: 1,
        at: days_ago(1),
        by: ACTOR.into(),
    });
    let acct = create(b, Record::Account(a), as_account).await;
    let mut contact = fixture::contact(0, acct.id, "Rita", &[]);
    contact.external_id = None;
    let contact = match b
        .create(ACTOR, Record::Contact(contact))
        .await
        .expect("contact")
    {
        Record::Contact(c) => c,
        other => panic!("{other:?}"),
    };
    b.record_usage(vec![fixture::usage_row(
        acct.id,
        Some(contact.id),
        today() - Days::new(100),
        5,
        10,
    )])
    .await
    .expect("usage");
    assert!(alerts_of(b, acct.id, "renewal_at_risk").await.is_empty());
    // Ends (without auto-renewal: the notice date is the end) in 60 days.
    let mut contract = fixture::agreement(
        0,
        acct.id,
        "Platform",
        40_000,
        today() - Days::new(700),
        today() + Days::new(60),
        30,
        false,
        AgreementStatus::Active,
        AgreementKind::Initial,
    );
    contract.payment_up_to_date = false;
    let contract = match b
        .create(ACTOR, Record::Agreement(contract))
        .await
        .expect("agreement")
    {
        Record::Agreement(g) => g,
        other => panic!("{other:?}"),
    };
    let row = b.account(acct.id).await.expect("360").row;
    assert_eq!(
        row.health_status,
        Some(HealthStatus::AtRisk),
        "the set-up scores at risk: {row:?}"
    );
    let raised = alerts_of(b, acct.id, "renewal_at_risk").await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(
        raised[0].message,
        format!(
            "Renewal notice in 60 days while at risk (score {:.0})",
            row.health_score.expect("a score")
        )
    );
    // Snoozed, then another write: still one.
    let mut snoozed = raised[0].clone();
    snoozed.state = AlertState::Snoozed;
    snoozed.snoozed_until = Some(fixture::now() + TimeDelta::days(7));
    b.update(ACTOR, Record::Alert(snoozed))
        .await
        .expect("snooze");
    let mut paid = contract.clone();
    paid.name = "Platform (renewal talks)".into();
    b.update(ACTOR, Record::Agreement(paid))
        .await
        .expect("update");
    assert_eq!(alerts_of(b, acct.id, "renewal_at_risk").await.len(), 1);
    // Further out than 90 days: the condition ends; back within: it alerts again
    // (the snoozed one was marked done meanwhile).
    let current = alerts_of(b, acct.id, "renewal_at_risk").await;
    mark(b, &current[0], AlertState::Done).await;
    let Record::Agreement(stored) = b
        .get(EntityKind::Agreement, contract.id)
        .await
        .expect("get")
    else {
        unreachable!()
    };
    let mut later = stored.clone();
    later.end = today() + Days::new(200);
    let later = match b
        .update(ACTOR, Record::Agreement(later))
        .await
        .expect("move")
    {
        Record::Agreement(g) => g,
        other => panic!("{other:?}"),
    };
    assert_eq!(alerts_of(b, acct.id, "renewal_at_risk").await.len(), 1);
    let mut sooner = later;
    sooner.end = today() + Days::new(20);
    b.update(ACTOR, Record::Agreement(sooner))
        .await
        .expect("move back");
    let all = alerts_of(b, acct.id, "renewal_at_risk").await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all[0]
            .message
            .starts_with("Renewal notice in 20 days while at risk"),
        "{}",
        all[0].message
    );
}

pub async fn check_alert_snooze_expires(b: &dyn Backend, fx: &Fixture) {
    let open_before = alerts_in(b, Some(AlertState::Open)).await;
    assert_eq!(ids(&open_before.items), vec![AL_USAGE, AL_GLOBEX, AL_FR]);
    // Snoozed until an hour ago: open again, and counted so.
    let mut expired = fixture::alert(0, HOOLI, "usage_drop", 0, AlertState::Snoozed);
    expired.at = fx.now - TimeDelta::hours(30);
    expired.snoozed_until = Some(fx.now - TimeDelta::hours(1));
    let expired = create(b, Record::Alert(expired), as_alert).await;
    let open = alerts_in(b, Some(AlertState::Open)).await;
    assert_eq!(
        ids(&open.items),
        vec![AL_USAGE, expired.id, AL_GLOBEX, AL_FR],
        "newest first"
    );
    assert_eq!(open.total, 4);
    let snoozed = alerts_in(b, Some(AlertState::Snoozed)).await;
    assert_eq!(
        ids(&snoozed.items),
        vec![AL_HEALTH],
        "only the still-snoozed"
    );
    // The count alone: a page of 0 (and of 1) says how many are open.
    for limit in [0, 1] {
        let page = b
            .alerts(&AlertQuery {
                state: Some(AlertState::Open),
                page: PageRequest { offset: 0, limit },
                ..Default::default()
            })
            .await
            .expect("count");
        assert_eq!(page.total, 4, "limit {limit}");
        assert_eq!(page.items.len(), limit as usize);
    }
    // Until exactly now: passed.
    let mut at_now = fixture::alert(0, HOOLI, "escalation", 0, AlertState::Snoozed);
    at_now.snoozed_until = Some(fx.now);
    let at_now = create(b, Record::Alert(at_now), as_alert).await;
    let open = alerts_in(b, Some(AlertState::Open)).await;
    assert!(ids(&open.items).contains(&at_now.id));
}

pub async fn check_alert_done_and_snooze_are_updates(b: &dyn Backend, fx: &Fixture) {
    let before = last_change_id(b).await;
    let usage = match b.get(EntityKind::Alert, AL_USAGE).await.expect("get") {
        Record::Alert(a) => a,
        other => panic!("{other:?}"),
    };
    let done = mark(b, &usage, AlertState::Done).await;
    assert_eq!(done.version, usage.version + 1);
    let until = fx.now + TimeDelta::days(2);
    let globex = match b.get(EntityKind::Alert, AL_GLOBEX).await.expect("get") {
        Record::Alert(a) => a,
        other => panic!("{other:?}"),
    };
    let mut snooze = globex.clone();
    snooze.state = AlertState::Snoozed;
    snooze.snoozed_until = Some(until);
    b.update(ACTOR, Record::Alert(snooze))
        .await
        .expect("snooze");
    // A stale version is refused, as for any record.
    expect_conflict(
        b.update(ACTOR, Record::Alert(globex.clone())).await,
        EntityKind::Alert,
        AL_GLOBEX,
        globex.version,
        globex.version + 1,
        "stale snooze",
    );
    assert_eq!(
        ids(&alerts_in(b, Some(AlertState::Open)).await.items),
        vec![AL_FR]
    );
    assert_eq!(
        ids(&alerts_in(b, Some(AlertState::Snoozed)).await.items),
        vec![AL_GLOBEX, AL_HEALTH]
    );
    assert_eq!(
        ids(&alerts_in(b, Some(AlertState::Done)).await.items),
        vec![AL_USAGE, AL_DONE]
    );
    let changes = changes_since(b, before).await;
    let fields: BTreeSet<(Id, String, String)> = changes
        .iter()
        .filter(|c| c.entity == EntityKind::Alert)
        .map(|c| {
            (
                c.record_id,
                c.field.clone().unwrap_or_default(),
                c.actor.clone(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from([
            (AL_USAGE, "state".into(), ACTOR.into()),
            (AL_GLOBEX, "state".into(), ACTOR.into()),
            (AL_GLOBEX, "snoozed_until".into(), ACTOR.into()),
        ]),
        "{changes:?}"
    );
    let done_change = changes
        .iter()
        .find(|c| c.record_id == AL_USAGE)
        .expect("the done change");
    assert_eq!(
        (done_change.from.clone(), done_change.to.clone()),
        (
            Some(serde_json::json!("open")),
            Some(serde_json::json!("done"))
        )
    );
}

/// What the dashboard must say of the fixture (seeded health: ACME 72 healthy,
/// ACME_FR 45 concerning, GLOBEX 30 and UMBRELLA 10 at risk, HOOLI 88 healthy,
/// INITECH no score). MRR today: ACME 500 + 200 (the addendum starts in May),
/// ACME_FR 120, GLOBEX 300, HOOLI 80 (rolled over), UMBRELLA 0 (cancelled).
/// Renewal notice before today + 90 days: GLOBEX only (April 1st).
fn expected_tiles() -> Vec<(&'static str, Option<HealthStatus>, Vec<Id>, Cents)> {
    use HealthStatus::*;
    vec![
        // UMBRELLA is churned: a lost customer is not at risk.
        ("health", Some(AtRisk), vec![GLOBEX], 30_000),
        ("health", Some(Concerning), vec![ACME_FR], 12_000),
        ("health", Some(Healthy), vec![ACME, HOOLI], 78_000),
        ("health", None, vec![INITECH], 0),
        ("renewals", Some(AtRisk), vec![GLOBEX], 30_000),
        ("renewals", Some(Concerning), vec![], 0),
        ("renewals", Some(Healthy), vec![], 0),
        ("renewals", None, vec![], 0),
        ("mrr_at_risk", Some(AtRisk), vec![GLOBEX], 30_000),
        ("mrr_concerning", Some(Concerning), vec![ACME_FR], 12_000),
    ]
}

fn tiles(d: &Dashboard) -> Vec<(&'static str, &StatusTile)> {
    let mut out: Vec<(&'static str, &StatusTile)> = vec![];
    out.extend(d.health.iter().map(|t| ("health", t)));
    out.extend(d.renewals.iter().map(|t| ("renewals", t)));
    out.push(("mrr_at_risk", &d.mrr_at_risk));
    out.push(("mrr_concerning", &d.mrr_concerning));
    out
}

pub async fn check_dashboard_counts(b: &dyn Backend, fx: &Fixture) {
    let d = b.dashboard().await.expect("dashboard");
    assert_eq!(d.as_of, fx.now);
    let got: Vec<(&str, Option<HealthStatus>, u64, Cents)> = tiles(&d)
        .iter()
        .map(|(name, t)| (*name, t.status, t.accounts, t.mrr_cents))
        .collect();
    let want: Vec<(&str, Option<HealthStatus>, u64, Cents)> = expected_tiles()
        .into_iter()
        .map(|(name, s, ids, mrr)| (name, s, ids.len() as u64, mrr))
        .collect();
    assert_eq!(got, want);
    assert_eq!(d.health[0].filter, "health:at_risk -stage:churned");
    assert_eq!(
        d.renewals[1].filter,
        "renewal<90d health:concerning -stage:churned"
    );
    // This week started on Monday the 16th: GLOBEX's transition (the 16th, 10:00)
    // is in it, ACME's (the 14th) is not.
    assert_eq!(d.transitions.week_start, fixture::date(2026, 3, 16));
    assert_eq!(d.transitions.total, 1);
    assert_eq!(
        d.transitions.pairs,
        vec![TransitionCount {
            from: Some(HealthStatus::Concerning),
            to: Some(HealthStatus::AtRisk),
            count: 1
        }]
    );
    let drags: Vec<(Measure, u64, &str)> = d
        .drags
        .iter()
        .map(|t| (t.measure, t.accounts, t.filter.as_str()))
        .collect();
    assert_eq!(
        drags,
        // UMBRELLA's open cases drag a churned account: not counted.
        vec![
            (
                Measure::DaysSinceTouch,
                3,
                "drag:days_since_touch -stage:churned"
            ),
            (Measure::UsageTrend, 1, "drag:usage_trend -stage:churned"),
        ]
    );
    assert_eq!(d.drags[0].label, "days since last touch");
}

async fn listed(b: &dyn Backend, expr: &str) -> (Vec<Id>, Cents, u64) {
    let page = b
        .portfolio(&PortfolioQuery {
            filter: AccountFilter {
                expr: Some(expr.into()),
                ..Default::default()
            },
            page: PageRequest {
                offset: 0,
                limit: 100,
            },
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{expr}: {e}"));
    let mut ids: Vec<Id> = page.items.iter().map(|r| r.id).collect();
    ids.sort();
    (
        ids,
        page.items.iter().map(|r| r.mrr_cents).sum(),
        page.total,
    )
}

pub async fn check_dashboard_filters_list_the_counted_accounts(b: &dyn Backend, _fx: &Fixture) {
    let d = b.dashboard().await.expect("dashboard");
    for ((name, t), (_, _, mut want, _)) in tiles(&d).into_iter().zip(expected_tiles()) {
        want.sort();
        let (ids, mrr, total) = listed(b, &t.filter).await;
        assert_eq!(ids, want, "{name} {:?}: {}", t.status, t.filter);
        assert_eq!(
            (total, mrr),
            (t.accounts, t.mrr_cents),
            "{name} {:?}",
            t.status
        );
    }
    for drag in &d.drags {
        let mut want: Vec<Id> = fixture::DRAGS
            .iter()
            .filter(|(id, m)| *m == drag.measure && *id != UMBRELLA)
            .map(|(id, _)| *id)
            .collect();
        want.sort();
        let (ids, _, total) = listed(b, &drag.filter).await;
        assert_eq!(ids, want, "{}", drag.filter);
        assert_eq!(total, drag.accounts);
    }
    // The negation of a drag keeps the accounts without one.
    let (ids, _, _) = listed(b, "-drag:days_since_touch").await;
    assert_eq!(ids, vec![ACME, INITECH, UMBRELLA]);
}

/// The inbox's narrower asks: one rule, since an instant, without the churned
/// accounts' alerts (the dashboard's "transitions this week" line lists them).
pub async fn check_alert_query_filters(b: &dyn Backend, _fx: &Fixture) {
    let ask = |rule: Option<&str>, since, exclude_churned| AlertQuery {
        rule: rule.map(String::from),
        since,
        exclude_churned,
        page: PageRequest {
            offset: 0,
            limit: 100,
        },
        ..Default::default()
    };
    let all = b.alerts(&ask(None, None, false)).await.expect("alerts");
    let transitions = b
        .alerts(&ask(Some("health_transition"), None, false))
        .await
        .expect("alerts");
    assert_eq!(ids(&transitions.items), vec![AL_GLOBEX, AL_HEALTH]);
    assert_eq!(transitions.total, 2);
    // Since three days ago: GLOBEX's (2 days ago), not ACME's (4 days ago).
    let recent = b
        .alerts(&ask(Some("health_transition"), Some(days_ago(3)), false))
        .await
        .expect("alerts");
    assert_eq!(ids(&recent.items), vec![AL_GLOBEX]);
    // An alert on the churned account is left out when asked.
    let lost = create(
        b,
        Record::Alert(fixture::alert(
            0,
            UMBRELLA,
            "usage_drop",
            1,
            AlertState::Open,
        )),
        as_alert,
    )
    .await;
    let with = b.alerts(&ask(None, None, false)).await.expect("alerts");
    assert_eq!(with.total, all.total + 1);
    let without = b.alerts(&ask(None, None, true)).await.expect("alerts");
    assert_eq!(without.total, all.total);
    assert!(!ids(&without.items).contains(&lost.id));
    assert!(ids(&with.items).contains(&lost.id));
}
