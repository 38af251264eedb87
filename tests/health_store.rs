//! The health engine inside the store: scores kept on every write that touches an
//! input, history backfilled on import, transitions raising alerts by the rules,
//! profiles changed in config rescoring the store.

use std::sync::Arc;

use chrono::TimeDelta;

use tend::backend::*;
use tend::dataset::Dataset;
use tend::domain::*;
use tend::generate::demo_anchor;
use tend::health::*;
use tend::sqlite::{Options, Store, fixed_clock};

const LARKSPUR: Id = 1;
const BRIGHTWAVE: Id = 2;

fn demo() -> Store {
    Store::demo(Options::with_clock(fixed_clock(noon()))).expect("demo store")
}

/// Midday of the demo's anchor day: the demo data is rebased to it.
fn noon() -> Timestamp {
    demo_anchor() + TimeDelta::hours(12)
}

async fn row(b: &dyn Backend, id: Id) -> AccountRow {
    b.account(id).await.expect("360").row
}

#[tokio::test]
async fn the_dying_demo_account_is_at_risk_and_says_why() {
    let store = demo();
    let report = store.health(LARKSPUR).await.expect("health");
    let e = &report.explanation;
    assert_eq!(e.status, Some(HealthStatus::AtRisk), "{e:#?}");
    assert_eq!(report.profile.name, e.profile);
    // The stored score is the explained one.
    let r = row(&store, LARKSPUR).await;
    assert_eq!(r.health_score, e.score);
    assert_eq!(r.health_status, e.status);
    // What the story put there is what drags it: no usage, a silent sponsor, an
    // unpaid invoice.
    let dragging: Vec<Measure> = e.drags.iter().map(|d| d.measure).collect();
    for m in [
        Measure::Connections30d,
        Measure::DaysSinceSponsorTouch,
        Measure::PaymentUpToDate,
    ] {
        assert!(dragging.contains(&m), "{m:?} not among {dragging:?}");
    }
    let lost: f64 = e.drags.iter().map(|d| d.points_lost).sum();
    assert!((lost - (100.0 - e.score.expect("score"))).abs() < 1e-9);
    // History: 52 closed weeks and this one, 12 closed months and this one.
    assert_eq!(report.weekly.len(), 53);
    assert_eq!(report.monthly.len(), 13);
    assert!(report.weekly.windows(2).all(|w| w[0].start < w[1].start));
    let last_week = &report.weekly[51];
    assert_eq!(e.previous, last_week.score);
    assert_eq!(
        e.trend,
        Some(e.score.expect("score") - last_week.score.expect("last week"))
    );
    assert_eq!(r.health_trend, e.trend);
    // The quietly dying account was healthier a year ago.
    assert!(report.weekly[0].score > e.score, "{:?}", report.weekly[0]);
}

#[tokio::test]
async fn every_demo_account_has_a_year_of_history() {
    let store = demo();
    let page = store
        .portfolio(&PortfolioQuery {
            page: PageRequest {
                offset: 0,
                limit: 500,
            },
            ..Default::default()
        })
        .await
        .expect("portfolio");
    assert_eq!(page.items.len(), 200);
    for r in page.items.iter().step_by(17) {
        let h = store.health(r.id).await.expect("health");
        assert_eq!(h.weekly.len(), 53, "{}", r.name);
        assert!(
            h.weekly
                .iter()
                .all(|s| s.components.len() == h.profile.components.len())
        );
        assert_eq!(r.health_score, h.explanation.score, "{}", r.name);
    }
}

fn email(account: Id, body: &str, at: Timestamp) -> Interaction {
    Interaction {
        id: 0,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Ui,
        external_id: None,
        account_id: account,
        kind: InteractionKind::Email,
        direction: Direction::In,
        at,
        contact_ids: vec![],
        user: None,
        subject: "Re: the outage".into(),
        body: body.into(),
        tags: vec![],
        sentiment: None,
        excluded_from_score: false,
        answered: false,
    }
}

#[tokio::test]
async fn logging_an_angry_email_scores_it_and_lowers_the_health() {
    let store = demo();
    let before = row(&store, BRIGHTWAVE).await;
    let before_report = store.health(BRIGHTWAVE).await.expect("health");
    let sentiment_before = before_report
        .explanation
        .components
        .iter()
        .flat_map(|c| &c.measures)
        .find(|m| m.measure == Measure::Sentiment90d)
        .and_then(|m| m.raw)
        .expect("sentiment measured");
    let mut last = None;
    for _ in 0..4 {
        let created = store
            .create(
                "maya",
                Record::Interaction(email(
                    BRIGHTWAVE,
                    "This is terrible. The outage broke everything again and we are furious and disappointed.",
                    noon() - TimeDelta::hours(1),
                )),
            )
            .await
            .expect("create");
        last = Some(created);
    }
    let Some(Record::Interaction(i)) = last else {
        panic!("not an interaction")
    };
    let s = i.sentiment.expect("scored on write");
    assert_eq!(s.source, SentimentSource::Ai);
    assert_eq!(s.label, SentimentLabel::Negative);
    assert!(s.score <= -0.05);
    let after = row(&store, BRIGHTWAVE).await;
    assert!(
        after.health_score < before.health_score,
        "{:?} -> {:?}",
        before.health_score,
        after.health_score
    );
    let report = store.health(BRIGHTWAVE).await.expect("health");
    assert_eq!(after.health_score, report.explanation.score);
    let sentiment_after = report
        .explanation
        .components
        .iter()
        .flat_map(|c| &c.measures)
        .find(|m| m.measure == Measure::Sentiment90d)
        .and_then(|m| m.raw)
        .expect("sentiment measured");
    assert!(sentiment_after < sentiment_before);
    // This week's snapshot follows the current score.
    assert_eq!(
        report.weekly.last().and_then(|s| s.score),
        after.health_score
    );

    // A person's rating is kept; excluding the interaction takes it out of the score.
    let mut manual = i.clone();
    manual.sentiment = Some(Sentiment {
        score: 0.8,
        label: SentimentLabel::Positive,
        source: SentimentSource::Manual,
    });
    let Record::Interaction(kept) = store
        .update("maya", Record::Interaction(manual))
        .await
        .expect("override")
    else {
        panic!("not an interaction")
    };
    assert_eq!(
        kept.sentiment.map(|s| s.source),
        Some(SentimentSource::Manual)
    );
    assert_eq!(kept.sentiment.map(|s| s.score), Some(0.8));
    let overridden = row(&store, BRIGHTWAVE).await.health_score;
    assert!(overridden > after.health_score);
    let mut excluded = kept.clone();
    excluded.excluded_from_score = true;
    store
        .update("maya", Record::Interaction(excluded))
        .await
        .expect("exclude");
    assert_ne!(row(&store, BRIGHTWAVE).await.health_score, overridden);
}

/// A one-account dataset and a profile scoring only the CSM pulse and payment.
fn pulse_dataset(rating: u8) -> Dataset {
    let now = noon();
    let old = now - TimeDelta::days(400);
    let mut d = Dataset::new(now);
    d.accounts.push(Account {
        id: 1,
        version: 1,
        created_at: old,
        updated_at: old,
        source: Source::Import,
        external_id: None,
        name: "Pulse Co".into(),
        domain: None,
        parent_id: None,
        stage: Stage::Adoption,
        segment: "smb".into(),
        region: "EMEA".into(),
        tags: vec![],
        owner: "maya".into(),
        team: vec![],
        health_profile: None,
        goals_profile: None,
        focus_areas: vec![],
        custom_fields: Default::default(),
        churn: Default::default(),
        pulse: Some(Pulse {
            rating,
            at: old,
            by: "maya".into(),
        }),
    });
    d.agreements.push(Agreement {
        id: 1,
        version: 1,
        created_at: old,
        updated_at: old,
        source: Source::Import,
        external_id: None,
        account_id: 1,
        name: "Initial".into(),
        mrr_cents: 100_000,
        start: old.date_naive(),
        end: (now + TimeDelta::days(300)).date_naive(),
        notice_days: 30,
        auto_renew: true,
        status: AgreementStatus::Active,
        kind: AgreementKind::Initial,
        payment_up_to_date: true,
        renews_id: None,
        attachments: vec![],
    });
    d
}

const PULSE_PROFILE: &str = r#"
[[profile]]
name = "default"
[[profile.component]]
id = "pulse"
weight = 3
[[profile.component.measure]]
id = "pulse_rating"
weight = 1
linear = [[1, 0], [5, 100]]
[[profile.component]]
id = "agreement"
weight = 1
[[profile.component.measure]]
id = "payment_up_to_date"
weight = 1
thresholds = [{ to = 1, points = 0 }, { from = 1, points = 100 }]
"#;

fn setup(profiles: &str, transitions: &[&str]) -> Arc<HealthSetup> {
    Arc::new(HealthSetup {
        profiles: Profiles::parse(profiles, "test.toml").expect("profile"),
        transitions: TransitionRules::parse(
            &transitions
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        )
        .expect("rules"),
        // The rules beyond transitions have their own tests.
        alerts: AlertRules::off(),
        enabled: true,
    })
}

async fn store_with(
    dir: &std::path::Path,
    health: Arc<HealthSetup>,
    data: Option<Dataset>,
) -> Store {
    let store = Store::open_with(
        dir.join("t.db"),
        Options {
            clock: fixed_clock(noon()),
            health,
            ..Options::default()
        },
    )
    .expect("open");
    if let Some(d) = data {
        store.import(d).await.expect("import");
    }
    store
}

async fn transition_alerts(b: &dyn Backend) -> Vec<Alert> {
    b.alerts(&AlertQuery {
        page: PageRequest {
            offset: 0,
            limit: 100,
        },
        ..Default::default()
    })
    .await
    .expect("alerts")
    .items
    .into_iter()
    .filter(|a| a.rule == TRANSITION_RULE)
    .collect()
}

async fn set_pulse(store: &Store, rating: u8) {
    let Record::Account(mut a) = store.get(EntityKind::Account, 1).await.expect("get") else {
        panic!("not an account")
    };
    a.pulse = Some(Pulse {
        rating,
        at: noon(),
        by: "maya".into(),
    });
    store
        .update("maya", Record::Account(a))
        .await
        .expect("update");
}

#[tokio::test]
async fn a_status_change_raises_an_alert_when_the_rules_say_so() {
    let dir = tempfile::tempdir().expect("dir");
    let store = store_with(
        dir.path(),
        setup(PULSE_PROFILE, &["healthy->at_risk"]),
        Some(pulse_dataset(5)),
    )
    .await;
    // pulse 5 -> 100 points (weight 3), paid -> 100 (weight 1): 100, healthy.
    assert_eq!(row(&store, 1).await.health_score, Some(100.0));
    assert!(transition_alerts(&store).await.is_empty());
    // pulse 2 -> 25 points: (3 * 25 + 1 * 100) / 4 = 43.75, concerning: no rule.
    set_pulse(&store, 2).await;
    assert_eq!(row(&store, 1).await.health_score, Some(43.75));
    assert_eq!(
        row(&store, 1).await.health_status,
        Some(HealthStatus::Concerning)
    );
    assert!(transition_alerts(&store).await.is_empty());
    // Back to healthy, then straight to at risk: pulse 1 -> 0 points, 25.
    set_pulse(&store, 5).await;
    set_pulse(&store, 1).await;
    assert_eq!(row(&store, 1).await.health_score, Some(25.0));
    let alerts = transition_alerts(&store).await;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.account_id, 1);
    assert_eq!(a.state, AlertState::Open);
    assert!(
        a.message
            .starts_with("Health went from healthy to at risk (score 25)"),
        "{}",
        a.message
    );
    assert!(a.message.contains("CSM pulse"), "{}", a.message);
}

#[tokio::test]
async fn changing_a_weight_in_the_profiles_rescores_the_store_on_open() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let store = store_with(
            dir.path(),
            setup(PULSE_PROFILE, &[]),
            Some(pulse_dataset(3)),
        )
        .await;
        // pulse 3 -> 50 points: (3 * 50 + 1 * 100) / 4 = 62.5.
        assert_eq!(row(&store, 1).await.health_score, Some(62.5));
    }
    let heavier = PULSE_PROFILE.replacen("weight = 3", "weight = 9", 1);
    let store = store_with(dir.path(), setup(&heavier, &[]), None).await;
    // (9 * 50 + 1 * 100) / 10 = 55.
    assert_eq!(row(&store, 1).await.health_score, Some(55.0));
    let report = store.health(1).await.expect("health");
    assert_eq!(report.explanation.score, Some(55.0));
    let pulse = &report.explanation.components[0];
    assert!((pulse.overall_pct - 90.0).abs() < 1e-9);
}

#[tokio::test]
async fn recompute_rescores_one_or_all() {
    let store = demo();
    let one = store.recompute_health(Some(LARKSPUR)).await.expect("one");
    assert_eq!(one.accounts, 1);
    let all = store.recompute_health(None).await.expect("all");
    assert_eq!(all.accounts, 200);
    // Nothing changed in between: the scores are the same.
    assert_eq!(all.transitions, 0);
    let missing = store.recompute_health(Some(999_999)).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn usage_ingested_rescores_the_account() {
    let store = demo();
    let before = row(&store, LARKSPUR).await.health_score;
    let contacts = store.account(LARKSPUR).await.expect("360").contacts;
    let today = noon().date_naive();
    let rows: Vec<UsageDay> = contacts
        .iter()
        .flat_map(|c| {
            (0..20).map(move |d| UsageDay {
                account_id: LARKSPUR,
                contact_id: Some(c.id),
                day: today - TimeDelta::days(d),
                connections: 6,
                minutes: 30,
                features: [("dashboards".to_string(), 4), ("reports".to_string(), 2)].into(),
            })
        })
        .collect();
    store.record_usage(rows).await.expect("usage");
    let after = row(&store, LARKSPUR).await.health_score;
    assert!(after > before, "{before:?} -> {after:?}");
}

#[tokio::test]
async fn an_imported_store_round_trips_without_new_alerts() {
    let store = demo();
    let exported = store.export().await.expect("export");
    let alerts = exported.alerts.len();
    assert!(
        alerts > 0,
        "the backfill raises the demo's recent transitions"
    );
    let dir = tempfile::tempdir().expect("dir");
    let again = store_with(dir.path(), Arc::new(HealthSetup::default()), Some(exported)).await;
    assert_eq!(again.export().await.expect("export").alerts.len(), alerts);
}

/// The demo store scores its history from the fixtures in memory while they load;
/// a store importing the same dataset scores it from its rows. Both must agree on
/// every score, trend and snapshot of every account.
#[tokio::test]
async fn the_demo_history_scored_in_memory_matches_one_scored_from_the_store() {
    let fast = demo();
    let dataset =
        tend::dataset::parse(tend::sqlite::DEMO_FIXTURES, "assets/demo.json").expect("fixtures");
    let slow = Store::demo_from(dataset, Options::with_clock(fixed_clock(noon())))
        .expect("demo store from the dataset");
    let rows = all_rows(&fast).await;
    assert_eq!(rows.len(), 200);
    for row in &rows {
        let a = fast.health(row.id).await.expect("health");
        let b = slow.health(row.id).await.expect("health");
        assert_eq!(
            a.explanation.score, b.explanation.score,
            "account {}",
            row.id
        );
        assert_eq!(
            a.explanation.trend, b.explanation.trend,
            "account {}",
            row.id
        );
        assert_eq!(a.weekly, b.weekly, "account {}", row.id);
        assert_eq!(a.monthly, b.monthly, "account {}", row.id);
    }
    assert_eq!(alert_keys(&fast).await, alert_keys(&slow).await);
}

/// What tells a store's alerts apart: account, rule, message, time and state.
async fn alert_keys(b: &dyn Backend) -> Vec<(Id, String, String, Timestamp, AlertState)> {
    b.alerts(&AlertQuery::default())
        .await
        .expect("alerts")
        .items
        .into_iter()
        .map(|a| (a.account_id, a.rule, a.message, a.at, a.state))
        .collect()
}

async fn all_rows(b: &dyn Backend) -> Vec<AccountRow> {
    b.portfolio(&PortfolioQuery {
        page: PageRequest {
            offset: 0,
            limit: 1000,
        },
        ..Default::default()
    })
    .await
    .expect("portfolio")
    .items
}

/// Each account's explanation and weekly and monthly history are the same in both.
async fn assert_same_health(a: &dyn Backend, b: &dyn Backend, rows: &[AccountRow]) {
    for row in rows {
        let x = a.health(row.id).await.expect("health");
        let y = b.health(row.id).await.expect("health");
        assert_eq!(x.explanation, y.explanation, "account {}", row.id);
        assert_eq!(x.weekly, y.weekly, "account {}", row.id);
        assert_eq!(x.monthly, y.monthly, "account {}", row.id);
    }
}

/// The app's demo store shows its portfolio before the rest has loaded: that
/// portfolio is already the final one, every other read waits for the rest, and
/// the store then holds exactly what the demo store built in one step holds.
#[tokio::test]
async fn the_demo_loaded_in_two_steps_is_the_demo() {
    let staged = Store::demo_staged(Options::with_clock(fixed_clock(noon()))).expect("staged");
    let early = all_rows(&staged).await;
    // Waits for the rest: the dying account's interactions and history are there.
    let larkspur = staged.account(1).await.expect("account 360");
    assert!(!larkspur.interactions.is_empty());
    let whole = demo();
    let rows = all_rows(&whole).await;
    assert_eq!(early.len(), 200);
    assert_eq!(early, rows, "the first portfolio is the final one");
    assert_eq!(all_rows(&staged).await, rows);
    assert_same_health(&staged, &whole, &rows).await;
    assert_eq!(alert_keys(&staged).await, alert_keys(&whole).await);
    assert_eq!(
        staged.dashboard().await.expect("dashboard"),
        whole.dashboard().await.expect("dashboard")
    );
    assert_eq!(
        staged.export().await.expect("export"),
        whole.export().await.expect("export")
    );
    // Writes wait for the rest too, and then work as anywhere.
    let mut account = staged.account(2).await.expect("360").account;
    account.owner = "someone.else".into();
    staged
        .update("maya", Record::Account(account))
        .await
        .expect("update");
}

/// A generated store scores each chunk's accounts from the records in memory while
/// the next chunk loads: it holds what a full recompute of the same records read
/// back from a store holds (the import's way).
#[tokio::test]
async fn a_generated_store_holds_the_health_a_recompute_of_its_records_builds() {
    use tend::generate::{GenConfig, generate, generate_dataset};
    let cfg = GenConfig {
        chunk: 40,
        ..GenConfig::new(150, 7, noon())
    };
    let dir = tempfile::tempdir().expect("dir");
    let open = |name: &str| {
        Store::open_with(
            dir.path().join(name),
            Options::with_clock(fixed_clock(noon())),
        )
        .expect("store")
    };
    let generated = open("generated.db");
    generated
        .bulk_load(|sink| generate(&cfg, sink).map(drop))
        .expect("generate");
    let imported = open("imported.db");
    imported
        .import_blocking(&generate_dataset(&cfg))
        .expect("import");
    let rows = all_rows(&imported).await;
    assert_eq!(rows.len(), 150);
    assert_eq!(all_rows(&generated).await, rows);
    assert_same_health(&generated, &imported, &rows).await;
    let mut alerts = alert_keys(&generated).await;
    let mut expected = alert_keys(&imported).await;
    assert!(expected.len() > 10, "{expected:?}");
    alerts.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    expected.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(alerts, expected);
    assert_eq!(
        generated.dashboard().await.expect("dashboard"),
        imported.dashboard().await.expect("dashboard")
    );
}

/// A full recompute reads less than an explanation (records without their text,
/// only which features were used rather than how much): it stores the very scores,
/// statuses and trends the explanations give, on the day and days later.
#[tokio::test]
async fn a_full_recompute_stores_what_the_explanations_say() {
    use std::sync::atomic::{AtomicI64, Ordering};
    let days = Arc::new(AtomicI64::new(0));
    let later = days.clone();
    let clock: tend::sqlite::Clock =
        Arc::new(move || noon() + TimeDelta::days(later.load(Ordering::Relaxed)));
    let store = Store::demo(Options {
        clock,
        ..Options::default()
    })
    .expect("demo");
    for day in [0, 1, 9, 40] {
        days.store(day, Ordering::Relaxed);
        store.recompute_health(None).await.expect("recompute");
        let rows = all_rows(&store).await;
        assert_eq!(rows.len(), 200);
        for row in rows {
            let e = store.health(row.id).await.expect("health").explanation;
            let stored = (row.health_score, row.health_status, row.health_trend);
            assert_eq!(
                stored,
                (e.score, e.status, e.trend),
                "day {day}, account {}",
                row.id
            );
        }
    }
}

#[tokio::test]
async fn a_store_opened_for_the_app_answers_at_once_and_rescores_behind() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let store = store_with(
            dir.path(),
            setup(PULSE_PROFILE, &[]),
            Some(pulse_dataset(3)),
        )
        .await;
        assert!(!store.stale().await.expect("stale"));
        assert_eq!(row(&store, 1).await.health_score, Some(62.5));
    }
    // A weight changed since: the scores on file are no longer what the profile says.
    let heavier = PULSE_PROFILE.replacen("weight = 3", "weight = 9", 1);
    let options = Options {
        clock: fixed_clock(noon()),
        health: setup(&heavier, &[]),
        ..Options::default()
    };
    let store = Store::open_deferred(dir.path().join("t.db"), options).expect("open");
    assert!(store.stale().await.expect("stale"));
    // Reads answer with the scores as they were.
    assert_eq!(row(&store, 1).await.health_score, Some(62.5));
    store.catch_up().await.expect("catch up");
    assert!(!store.stale().await.expect("stale"));
    assert_eq!(row(&store, 1).await.health_score, Some(55.0));
    // Once caught up, catching up again changes nothing.
    store.catch_up().await.expect("again");
    assert_eq!(row(&store, 1).await.health_score, Some(55.0));
}

#[tokio::test]
async fn no_rule_alerts_on_a_customer_already_lost() {
    let store = demo();
    let churned: std::collections::HashSet<Id> = all_rows(&store)
        .await
        .into_iter()
        .filter(|r| r.stage == tend::domain::Stage::Churned)
        .map(|r| r.id)
        .collect();
    assert!(!churned.is_empty(), "the demo has churned accounts");
    let alerts = store
        .alerts(&tend::backend::AlertQuery {
            page: tend::backend::PageRequest {
                offset: 0,
                limit: 1000,
            },
            ..Default::default()
        })
        .await
        .expect("alerts");
    let on_lost: Vec<_> = alerts
        .items
        .iter()
        .filter(|a| churned.contains(&a.account_id) && a.rule != "health_transition")
        .map(|a| (a.account_id, a.rule.clone(), a.message.clone()))
        .collect();
    assert!(on_lost.is_empty(), "{on_lost:?}");
    // A rescore of a churned account raises none either.
    for id in churned.iter().take(5) {
        let r = store.recompute_health(Some(*id)).await.expect("rescore");
        assert_eq!(r.alerts, 0, "account {id}");
    }
}

/// The demo is rebased to the day it opens on, any weekday: the fall of its dying
/// account shows in the inbox whichever day of the week that is, once.
#[tokio::test]
async fn the_demo_raises_its_transition_whatever_the_weekday() {
    for day in 0..7 {
        let at = noon() + TimeDelta::days(day);
        let store = Store::demo(Options::with_clock(fixed_clock(at))).expect("demo store");
        let larkspur: Vec<Alert> = transition_alerts(&store)
            .await
            .into_iter()
            .filter(|a| a.account_id == LARKSPUR)
            .collect();
        assert_eq!(
            larkspur.len(),
            1,
            "opened on {}: {larkspur:?}",
            at.format("%A")
        );
        assert_eq!(larkspur[0].to_status, Some(HealthStatus::AtRisk));
    }
}
