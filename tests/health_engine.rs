//! The health engine against hand-computed numbers: scores of small custom
//! profiles, the explanation's invariants, bands and mappings at their
//! boundaries, refused profiles with their place, the key indicators and usage
//! metrics of PRODUCT.md, properties over random accounts, and the backfill
//! instants.
//!
//! "Now" is Monday 2026-06-15T12:00:00Z throughout.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, Days, NaiveDate, TimeDelta, Weekday};
use proptest::prelude::*;

use tend::domain::*;
use tend::health::*;

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

fn now() -> Timestamp {
    "2026-06-15T12:00:00Z".parse().unwrap()
}

fn today() -> NaiveDate {
    now().date_naive()
}

/// `days` (possibly fractional or negative) before now.
fn ago(days: f64) -> Timestamp {
    now() - TimeDelta::seconds((days * 86_400.0).round() as i64)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn days_ago(days: i64) -> NaiveDate {
    today() - TimeDelta::days(days)
}

fn midnight(day: NaiveDate) -> Timestamp {
    day.and_hms_opt(0, 0, 0).unwrap().and_utc()
}

fn account(pulse: Option<(u8, Timestamp)>) -> Account {
    Account {
        id: 1,
        version: 1,
        created_at: ago(500.0),
        updated_at: ago(500.0),
        source: Source::Import,
        external_id: None,
        name: "Acme".into(),
        domain: None,
        parent_id: None,
        stage: Stage::Adoption,
        segment: String::new(),
        region: String::new(),
        tags: vec![],
        owner: "alice".into(),
        team: vec![],
        health_profile: None,
        goals_profile: None,
        focus_areas: vec![],
        custom_fields: BTreeMap::new(),
        churn: ChurnForecast::default(),
        pulse: pulse.map(|(rating, at)| Pulse {
            rating,
            at,
            by: "alice".into(),
        }),
    }
}

fn contact(id: Id, roles: &[&str]) -> Contact {
    Contact {
        id,
        version: 1,
        created_at: ago(200.0),
        updated_at: ago(200.0),
        source: Source::Import,
        external_id: None,
        account_id: 1,
        name: format!("contact {id}"),
        email: None,
        title: None,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        kind: ContactKind::Crm,
    }
}

/// An interaction without sentiment, contacts or user; set those with `..`.
fn interaction(id: Id, kind: InteractionKind, direction: Direction, at: Timestamp) -> Interaction {
    Interaction {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Import,
        external_id: None,
        account_id: 1,
        kind,
        direction,
        at,
        contact_ids: vec![],
        user: None,
        subject: String::new(),
        body: String::new(),
        tags: vec![],
        sentiment: None,
        excluded_from_score: false,
        answered: false,
    }
}

fn felt(score: f64, source: SentimentSource) -> Option<Sentiment> {
    let label = if score >= 0.05 {
        SentimentLabel::Positive
    } else if score <= -0.05 {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    };
    Some(Sentiment {
        score,
        label,
        source,
    })
}

fn usage(day: NaiveDate, contact_id: Option<Id>, connections: u32) -> UsageFact {
    UsageFact {
        day,
        contact_id,
        connections,
        features: vec![],
    }
}

fn usage_day(
    day: NaiveDate,
    contact_id: Option<Id>,
    connections: u32,
    features: &[(&str, u32)],
) -> UsageDay {
    UsageDay {
        account_id: 1,
        contact_id,
        day,
        connections,
        minutes: 0,
        features: features.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    }
}

/// Active, no auto-renew, 1000.00 a month; set the rest with `..`.
fn agreement(id: Id, start: NaiveDate, end: NaiveDate, paid: bool) -> Agreement {
    Agreement {
        id,
        version: 1,
        created_at: ago(400.0),
        updated_at: ago(400.0),
        source: Source::Import,
        external_id: None,
        account_id: 1,
        name: format!("agreement {id}"),
        mrr_cents: 100_000,
        start,
        end,
        notice_days: 0,
        auto_renew: false,
        status: AgreementStatus::Active,
        kind: AgreementKind::Initial,
        payment_up_to_date: paid,
        renews_id: None,
        attachments: vec![],
    }
}

/// Not escalated, unresolved, no signal; set the rest with `..`.
fn case(id: Id, priority: Priority, status: CaseStatus, opened_at: Timestamp) -> SupportCase {
    SupportCase {
        id,
        version: 1,
        created_at: opened_at,
        updated_at: opened_at,
        source: Source::Import,
        external_id: None,
        account_id: 1,
        number: format!("C-{id}"),
        subject: String::new(),
        priority,
        severity: 3,
        status,
        escalated: false,
        team: String::new(),
        region: String::new(),
        opened_at,
        resolved_at: None,
        signals: vec![],
        engineering_issue: None,
        csat: None,
    }
}

fn escalated(c: SupportCase) -> SupportCase {
    SupportCase {
        escalated: true,
        ..c
    }
}

fn nps(id: Id, score: u8, at: Timestamp) -> NpsResponse {
    NpsResponse {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Import,
        external_id: None,
        account_id: 1,
        contact_id: None,
        score,
        comment: String::new(),
        at,
    }
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

const EPS: f64 = 1e-9;

#[track_caller]
fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < EPS,
        "expected {expected}, got {actual}"
    );
}

#[track_caller]
fn score_of(e: &Explanation) -> f64 {
    e.score.expect("the account has a score")
}

#[track_caller]
fn component<'a>(e: &'a Explanation, id: &str) -> &'a ComponentScore {
    e.components
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no component {id}"))
}

#[track_caller]
fn measure(e: &Explanation, m: Measure) -> &MeasureScore {
    e.components
        .iter()
        .flat_map(|c| &c.measures)
        .find(|s| s.measure == m)
        .unwrap_or_else(|| panic!("no measure {m:?}"))
}

#[track_caller]
fn points(e: &Explanation, m: Measure) -> f64 {
    measure(e, m)
        .points
        .unwrap_or_else(|| panic!("{m:?} has no points"))
}

/// What every explanation must satisfy (PRODUCT.md "Health", engine.rs header).
#[track_caller]
fn check_invariants(e: &Explanation) {
    for w in e.drags.windows(2) {
        assert!(
            w[0].points_lost >= w[1].points_lost,
            "drags not biggest first: {:?}",
            e.drags
        );
    }
    let all = || e.components.iter().flat_map(|c| &c.measures);
    let Some(score) = e.score else {
        assert!(e.drags.is_empty());
        assert!(all().all(|m| m.drag == 0.0 && m.overall_pct == 0.0));
        return;
    };
    assert!((0.0..=100.0).contains(&score), "score {score}");
    assert_eq!(e.status, Some(e.bands.status(score)));
    let drag: f64 = all().map(|m| m.drag).sum();
    assert!(
        (drag - (100.0 - score)).abs() < EPS,
        "Σ drag {drag} vs 100 − {score}"
    );
    let listed: f64 = e.drags.iter().map(|d| d.points_lost).sum();
    assert!(
        (listed - drag).abs() < EPS,
        "drags listed {listed} vs {drag}"
    );
    let mut overall = 0.0;
    for c in &e.components {
        let Some(cs) = c.score else {
            assert_eq!(c.overall_pct, 0.0, "{}", c.id);
            assert!(
                c.measures
                    .iter()
                    .all(|m| m.component_pct == 0.0 && m.drag == 0.0)
            );
            continue;
        };
        assert!((0.0..=100.0).contains(&cs), "{} scores {cs}", c.id);
        assert!(!c.excluded);
        overall += c.overall_pct;
        let counted: f64 = c
            .measures
            .iter()
            .filter(|m| m.points.is_some())
            .map(|m| m.component_pct)
            .sum();
        assert!(
            (counted - 100.0).abs() < EPS,
            "{}: Σ component_pct {counted}",
            c.id
        );
        for m in &c.measures {
            if m.points.is_none() {
                assert_eq!((m.component_pct, m.drag), (0.0, 0.0), "{:?}", m.measure);
            }
        }
    }
    assert!((overall - 100.0).abs() < EPS, "Σ overall_pct {overall}");
}

fn parse_default(text: &str) -> Profile {
    Profiles::parse(text, "test.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .get("default")
        .unwrap()
        .clone()
}

// ---------------------------------------------------------------------------
// 1-2. Hand-computed scores of custom profiles, and the explanation
// ---------------------------------------------------------------------------

/// Usage (2) and relationship (1) with measures mixing thresholds and linear, an
/// excluded measure, and a pulse component (PULSE_W). SPONSOR_W is the weight of
/// the sponsor measure.
const PROFILE_A: &str = r#"
[[profile]]
name = "default"

[[profile.component]]
id = "usage"
weight = 2

[[profile.component.measure]]
id = "connections_30d"
weight = 3
linear = [[0, 10], [100, 90]]

[[profile.component.measure]]
id = "days_since_activity"
weight = 1
thresholds = [
  { to = 7, points = 100 },
  { from = 7, to = 30, points = 50 },
  { from = 30, points = 0 },
]

[[profile.component.measure]]
id = "usage_trend"
weight = 5
exclude = true
linear = [[0, 0], [100, 100]]

[[profile.component]]
id = "relationship"
weight = 1

[[profile.component.measure]]
id = "sentiment_90d"
weight = 1
linear = [[-1, 0], [1, 100]]

[[profile.component.measure]]
id = "days_since_touch"
weight = 1
thresholds = [{ to = 14, points = 100 }, { from = 14, points = 20 }]

[[profile.component.measure]]
id = "days_since_sponsor_touch"
weight = SPONSOR_W
thresholds = [{ to = 30, points = 100 }, { from = 30, points = 0 }]

[[profile.component]]
id = "pulse"
weight = PULSE_W

[[profile.component.measure]]
id = "pulse_rating"
weight = 1
linear = [[1, 0], [5, 100]]
"#;

fn profile_a(pulse_w: f64, sponsor_w: f64) -> Profile {
    parse_default(
        &PROFILE_A
            .replace("PULSE_W", &pulse_w.to_string())
            .replace("SPONSOR_W", &sponsor_w.to_string()),
    )
}

/// A1: usage rows with zero connections, sentiment from a few sources, no
/// sponsor, no pulse.
fn account_a1() -> AccountData {
    use Direction::*;
    use InteractionKind::*;
    use SentimentSource::*;
    AccountData {
        account: Some(account(None)),
        contacts: vec![contact(1, &["champion"])],
        interactions: vec![
            // Counts: incoming, 30 days old → weight 0.5.
            Interaction {
                sentiment: felt(0.6, Ai),
                ..interaction(1, Email, In, ago(30.0))
            },
            // Counts: a meeting rated by hand, 60 days old → weight 0.25.
            Interaction {
                sentiment: felt(-0.2, Manual),
                ..interaction(2, Meeting, Out, ago(60.0))
            },
            // A call logged without notes: no sentiment, so it does not count.
            // Still the last touch (16 days).
            Interaction {
                sentiment: None,
                ..interaction(3, Call, Out, ago(16.0))
            },
            // Outgoing, unanswered: neither sentiment nor touch.
            Interaction {
                sentiment: felt(0.9, Ai),
                ..interaction(4, Email, Out, ago(5.0))
            },
            // Excluded from the score.
            Interaction {
                sentiment: felt(-1.0, Ai),
                excluded_from_score: true,
                ..interaction(5, Email, In, ago(20.0))
            },
            // Older than 90 days.
            Interaction {
                sentiment: felt(-0.9, Ai),
                ..interaction(6, Email, In, ago(100.0))
            },
        ],
        usage: vec![
            usage(days_ago(20), Some(1), 0),
            usage(days_ago(5), Some(1), 0),
        ],
        ..AccountData::default()
    }
}

/// A2: usage, a sponsor touched exactly 30 days ago, a pulse.
fn account_a2() -> AccountData {
    use Direction::*;
    use InteractionKind::*;
    use SentimentSource::*;
    AccountData {
        account: Some(account(Some((4, ago(10.0))))),
        contacts: vec![contact(1, &["sponsor"]), contact(2, &[])],
        interactions: vec![
            Interaction {
                sentiment: felt(0.2, Ai),
                contact_ids: vec![2],
                ..interaction(1, Email, In, now())
            },
            Interaction {
                sentiment: felt(0.5, Manual),
                contact_ids: vec![1],
                ..interaction(2, Meeting, Out, ago(30.0))
            },
            // After now: ignored.
            Interaction {
                sentiment: felt(-1.0, Ai),
                contact_ids: vec![1],
                ..interaction(3, Email, In, ago(-2.0))
            },
        ],
        usage: vec![
            usage(days_ago(45), Some(1), 50),
            usage(days_ago(10), Some(2), 20),
            usage(days_ago(2), Some(1), 30),
        ],
        ..AccountData::default()
    }
}

#[test]
fn profile_a_on_a1_zero_usage_missing_sponsor_no_pulse() {
    let p = profile_a(1.0, 2.0);
    let e = evaluate(&account_a1(), &p, now());

    // Usage rows exist with 0 connections: a value of 0, not "no data".
    let conn = measure(&e, Measure::Connections30d);
    assert_eq!(conn.raw, Some(0.0));
    close(conn.points.unwrap(), 10.0); // linear [0,10]..[100,90] at 0 → 10
    // Never used: days since tracking began (the first row, 20 days ago).
    assert_eq!(measure(&e, Measure::DaysSinceActivity).raw, Some(20.0));
    close(points(&e, Measure::DaysSinceActivity), 50.0); // 7 ≤ 20 < 30 → 50
    // usage = (3·10 + 1·50) / (3 + 1) = 80 / 4 = 20
    close(component(&e, "usage").score.unwrap(), 20.0);

    // The excluded measure: shown, weight as written, no points, no share.
    let trend = measure(&e, Measure::UsageTrend);
    assert!(trend.excluded);
    assert_eq!((trend.raw, trend.points), (None, None));
    assert_eq!(trend.weight, 5.0);
    assert_eq!(
        (trend.component_pct, trend.overall_pct, trend.drag),
        (0.0, 0.0, 0.0)
    );
    assert_eq!(trend.note, "excluded by the profile");

    // Sentiment: email in 30 d (w = 0.5^(30/30) = 0.5, 0.6) and a manual meeting
    // 60 d (w = 0.5^2 = 0.25, −0.2); the unscored call, the outgoing email, the
    // excluded email and the 100-day-old one do not count.
    // (0.5·0.6 + 0.25·(−0.2)) / (0.5 + 0.25) = 0.25 / 0.75 = 1/3
    close(measure(&e, Measure::Sentiment90d).raw.unwrap(), 1.0 / 3.0);
    close(points(&e, Measure::Sentiment90d), 200.0 / 3.0); // 50 + 50·(1/3)
    // Last touch: the call 16 days ago (≥ 14 → 20 points).
    assert_eq!(measure(&e, Measure::DaysSinceTouch).raw, Some(16.0));
    close(points(&e, Measure::DaysSinceTouch), 20.0);
    // No sponsor: no data, its weight (2) shared out.
    let sponsor = measure(&e, Measure::DaysSinceSponsorTouch);
    assert_eq!((sponsor.raw, sponsor.points), (None, None));
    assert!(sponsor.note.starts_with("no data: "), "{}", sponsor.note);
    // relationship = (1·200/3 + 1·20) / (1 + 1) = 130/3
    close(component(&e, "relationship").score.unwrap(), 130.0 / 3.0);
    close(measure(&e, Measure::Sentiment90d).component_pct, 50.0);

    // No pulse: the component has no data.
    let pulse = component(&e, "pulse");
    assert_eq!(pulse.score, None);
    assert_eq!(pulse.overall_pct, 0.0);
    assert!(
        e.missing_rule.contains("component pulse has no data"),
        "{}",
        e.missing_rule
    );
    assert!(
        e.missing_rule
            .contains("relationship: no data for days since last sponsor touch"),
        "{}",
        e.missing_rule
    );
    // An excluded measure is not "missing".
    assert!(
        !e.missing_rule.contains("usage trend"),
        "{}",
        e.missing_rule
    );

    // overall = (2·20 + 1·130/3) / (2 + 1) = (250/3) / 3 = 250/9 ≈ 27.78
    close(score_of(&e), 250.0 / 9.0);
    assert_eq!(e.status, Some(HealthStatus::AtRisk));
    close(component(&e, "usage").overall_pct, 200.0 / 3.0); // 2/3
    close(component(&e, "relationship").overall_pct, 100.0 / 3.0); // 1/3

    // Drags: connections (2/3·3/4 = 50 % share)·(100 − 10)/100 = 45;
    // touch (1/3·1/2 = 16.67 %)·80 % = 40/3; activity (2/3·1/4)·50 % = 25/3;
    // sentiment (1/3·1/2)·(100 − 200/3) % = 50/9. Σ = 650/9 = 100 − 250/9.
    let drags: Vec<(Measure, f64)> = e.drags.iter().map(|d| (d.measure, d.points_lost)).collect();
    let want = [
        (Measure::Connections30d, 45.0),
        (Measure::DaysSinceTouch, 40.0 / 3.0),
        (Measure::DaysSinceActivity, 25.0 / 3.0),
        (Measure::Sentiment90d, 50.0 / 9.0),
    ];
    assert_eq!(drags.len(), want.len(), "{drags:?}");
    for ((m, d), (wm, wd)) in drags.iter().zip(want) {
        assert_eq!(*m, wm);
        close(*d, wd);
    }
    assert_eq!(e.drags[0].component, "usage");
    check_invariants(&e);
}

#[test]
fn profile_a_on_a2_full_data() {
    let p = profile_a(1.0, 2.0);
    let e = evaluate(&account_a2(), &p, now());

    // connections over 30 d = 30 + 20 = 50 (the row 45 days ago is M-1)
    // → 10 + 80·50/100 = 50 points
    assert_eq!(measure(&e, Measure::Connections30d).raw, Some(50.0));
    close(points(&e, Measure::Connections30d), 50.0);
    // last activity 2 days ago → < 7 → 100
    close(points(&e, Measure::DaysSinceActivity), 100.0);
    // usage = (3·50 + 1·100) / 4 = 62.5
    close(component(&e, "usage").score.unwrap(), 62.5);
    // The excluded trend would be 50/50 = 100 %; it stays out.
    assert_eq!(measure(&e, Measure::UsageTrend).points, None);

    // Sentiment: email now (w = 1, 0.2), manual meeting 30 d (w = 0.5, 0.5);
    // the email dated after now is ignored.
    // (1·0.2 + 0.5·0.5) / 1.5 = 0.45 / 1.5 = 0.3 → 50 + 50·0.3 = 65
    close(measure(&e, Measure::Sentiment90d).raw.unwrap(), 0.3);
    close(points(&e, Measure::Sentiment90d), 65.0);
    // Last touch today → 100.
    assert_eq!(measure(&e, Measure::DaysSinceTouch).raw, Some(0.0));
    close(points(&e, Measure::DaysSinceTouch), 100.0);
    // Sponsor touched exactly 30 days ago: 30 is the `to` of the first range,
    // so the next range applies → 0.
    assert_eq!(measure(&e, Measure::DaysSinceSponsorTouch).raw, Some(30.0));
    close(points(&e, Measure::DaysSinceSponsorTouch), 0.0);
    // relationship = (1·65 + 1·100 + 2·0) / 4 = 41.25
    close(component(&e, "relationship").score.unwrap(), 41.25);
    // pulse 4 → 100·(4 − 1)/4 = 75
    close(component(&e, "pulse").score.unwrap(), 75.0);

    // overall = (2·62.5 + 1·41.25 + 1·75) / 4 = 241.25 / 4 = 60.3125
    close(score_of(&e), 60.3125);
    assert_eq!(e.status, Some(HealthStatus::Concerning));
    assert_eq!(e.missing_rule, "");

    // Shares: usage 50 %, relationship 25 %, pulse 25 %.
    // Drags: connections 50·3/4·(100−50)% = 18.75; sponsor 25·2/4·100 % = 12.5;
    // pulse 25·(100−75)% = 6.25; sentiment 25·1/4·(100−65)% = 2.1875.
    // Σ = 39.6875 = 100 − 60.3125.
    let want = [
        (Measure::Connections30d, 18.75),
        (Measure::DaysSinceSponsorTouch, 12.5),
        (Measure::PulseRating, 6.25),
        (Measure::Sentiment90d, 2.1875),
    ];
    assert_eq!(e.drags.len(), want.len(), "{:?}", e.drags);
    for (d, (wm, wd)) in e.drags.iter().zip(want) {
        assert_eq!(d.measure, wm);
        close(d.points_lost, wd);
    }
    close(
        measure(&e, Measure::DaysSinceSponsorTouch).component_pct,
        50.0,
    ); // 2/4
    close(
        measure(&e, Measure::DaysSinceSponsorTouch).overall_pct,
        12.5,
    ); // 25 % · 50 %
    check_invariants(&e);
}

#[test]
fn changing_a_weight_changes_the_score_as_the_weighted_mean_says() {
    let (a1, a2) = (account_a1(), account_a2());
    // Pulse weight 1 → 3: (2·62.5 + 1·41.25 + 3·75) / (2 + 1 + 3) = 391.25 / 6
    let e = evaluate(&a2, &profile_a(3.0, 2.0), now());
    close(score_of(&e), 391.25 / 6.0);
    close(component(&e, "pulse").overall_pct, 50.0); // 3/6
    check_invariants(&e);
    // A1 has no pulse: the weight of a component without data changes nothing.
    close(
        score_of(&evaluate(&a1, &profile_a(3.0, 2.0), now())),
        250.0 / 9.0,
    );

    // Sponsor measure weight 2 → 0: relationship = (65 + 100) / 2 = 82.5;
    // overall = (2·62.5 + 82.5 + 75) / 4 = 282.5 / 4 = 70.625 → healthy.
    let e = evaluate(&a2, &profile_a(1.0, 0.0), now());
    close(component(&e, "relationship").score.unwrap(), 82.5);
    close(score_of(&e), 70.625);
    assert_eq!(e.status, Some(HealthStatus::Healthy));
    let sponsor = measure(&e, Measure::DaysSinceSponsorTouch);
    assert_eq!(sponsor.points, Some(0.0));
    assert_eq!((sponsor.component_pct, sponsor.drag), (0.0, 0.0));
    check_invariants(&e);
}

#[test]
fn no_usage_rows_is_no_data_but_zero_connections_is_a_value() {
    let p = profile_a(1.0, 2.0);
    let mut data = account_a1();
    data.usage.clear();
    let e = evaluate(&data, &p, now());
    let conn = measure(&e, Measure::Connections30d);
    assert_eq!((conn.raw, conn.points), (None, None));
    assert!(
        conn.note.contains("no product usage tracked"),
        "{}",
        conn.note
    );
    assert_eq!(component(&e, "usage").score, None);
    assert!(e.missing_rule.contains("component usage has no data"));
    // Only relationship is left: the score is its score, 130/3.
    close(score_of(&e), 130.0 / 3.0);
    check_invariants(&e);
}

/// Agreement (3), support (2), NPS (1), with custom bands 80/50.
const PROFILE_B: &str = r#"
[[profile]]
name = "default"

[profile.bands]
healthy = [80, 100]
concerning = [50, 80]
at_risk = [0, 50]

[[profile.component]]
id = "agreement"
name = "Agreement"
weight = 3

[[profile.component.measure]]
id = "payment_up_to_date"
weight = 1
thresholds = [{ to = 1, points = 0 }, { from = 1, points = 100 }]

[[profile.component.measure]]
id = "days_to_notice"
weight = 1
linear = [[0, 0], [90, 60], [180, 100]]

[[profile.component]]
id = "support"
name = "Support"
weight = 2

[[profile.component.measure]]
id = "open_cases"
weight = 2
thresholds = [
  { to = 1, points = 100 },
  { from = 1, to = 4, points = 60 },
  { from = 4, points = 10 },
]

[[profile.component.measure]]
id = "escalations_90d"
weight = 1
thresholds = [{ to = 1, points = 100 }, { from = 1, points = 30 }]

[[profile.component.measure]]
id = "csat_90d"
weight = 1
linear = [[1, 0], [5, 100]]

[[profile.component]]
id = "nps"
name = "NPS"
weight = 1

[[profile.component.measure]]
id = "nps_latest"
weight = 1
linear = [[0, 0], [10, 100]]

[[profile.component.measure]]
id = "nps_detractors"
weight = 1
linear = [[0, 100], [100, 0]]
"#;

#[test]
fn profile_b_on_b1_agreements_cases_nps() {
    use CaseStatus::*;
    use Priority::*;
    let p = parse_default(PROFILE_B);
    assert_eq!(
        p.bands,
        Bands {
            healthy: 80.0,
            concerning: 50.0
        }
    );
    let data = AccountData {
        account: Some(account(None)),
        agreements: vec![
            // Notice date = end (no auto-renew): 2026-12-31, 199 days ahead.
            agreement(1, date(2026, 1, 1), date(2026, 12, 31), true),
            // Auto-renew, notice 30 days: 2026-10-13 − 30 d = 2026-09-13, 90 days
            // ahead (15 + 31 + 31 + 13). Not paid.
            Agreement {
                auto_renew: true,
                notice_days: 30,
                ..agreement(2, date(2026, 3, 1), date(2026, 10, 13), false)
            },
            // Not in force: neither counts for payment.
            Agreement {
                status: AgreementStatus::Draft,
                ..agreement(3, date(2026, 1, 1), date(2026, 7, 1), false)
            },
            Agreement {
                status: AgreementStatus::Expired,
                ..agreement(4, date(2025, 1, 1), date(2025, 12, 31), false)
            },
        ],
        cases: vec![
            escalated(case(1, Urgent, Open, ago(10.0))), // open, weight 4
            SupportCase {
                resolved_at: Some(ago(18.0)),
                csat: Some(4),
                ..case(2, Low, Solved, ago(20.0))
            },
            case(3, Normal, New, ago(100.0)), // open, weight 1
            SupportCase {
                resolved_at: Some(ago(45.0)),
                csat: Some(2),
                ..escalated(case(4, High, Closed, ago(50.0)))
            },
            // Opened and resolved more than 90 days ago: in no window.
            SupportCase {
                resolved_at: Some(ago(100.0)),
                csat: Some(1),
                ..escalated(case(5, Urgent, Solved, ago(200.0)))
            },
        ],
        nps: vec![
            nps(1, 9, ago(400.0)), // older than 365 days
            nps(2, 4, ago(200.0)),
            nps(3, 8, ago(10.0)),
        ],
        ..AccountData::default()
    };
    let e = evaluate(&data, &p, now());

    // agreement = (1·0 [agreement 2 unpaid] + 1·60 [90 d → 60]) / 2 = 30
    assert_eq!(measure(&e, Measure::PaymentUpToDate).raw, Some(0.0));
    assert_eq!(measure(&e, Measure::DaysToNotice).raw, Some(90.0));
    close(points(&e, Measure::DaysToNotice), 60.0);
    close(component(&e, "agreement").score.unwrap(), 30.0);

    // open = urgent 4 + normal 1 = 5 → ≥ 4 → 10; escalations over 90 d:
    // cases 1 and 4 = 2 → 30; CSAT of cases resolved over 90 d: (4 + 2)/2 = 3
    // → 50. support = (2·10 + 1·30 + 1·50) / 4 = 25
    assert_eq!(measure(&e, Measure::OpenCases).raw, Some(5.0));
    assert_eq!(measure(&e, Measure::Escalations90d).raw, Some(2.0));
    assert_eq!(measure(&e, Measure::Csat90d).raw, Some(3.0));
    close(component(&e, "support").score.unwrap(), 25.0);

    // NPS within 365 d: 4 then 8. latest 8 → 80; detractors 1/2 = 50 % → 50.
    // nps = (80 + 50) / 2 = 65
    close(component(&e, "nps").score.unwrap(), 65.0);

    // overall = (3·30 + 2·25 + 1·65) / 6 = 205 / 6 ≈ 34.17 → at risk (< 50)
    close(score_of(&e), 205.0 / 6.0);
    assert_eq!(e.status, Some(HealthStatus::AtRisk));

    // Shares: agreement 50 %, support 33.3 %, nps 16.7 %. Biggest drags:
    // payment 50·1/2·100 % = 25; open cases 33.3·2/4·90 % = 15;
    // notice 50·1/2·40 % = 10; escalations 33.3·1/4·70 % = 35/6.
    let want = [
        (Measure::PaymentUpToDate, 25.0),
        (Measure::OpenCases, 15.0),
        (Measure::DaysToNotice, 10.0),
        (Measure::Escalations90d, 35.0 / 6.0),
    ];
    for (d, (wm, wd)) in e.drags.iter().zip(want) {
        assert_eq!(d.measure, wm);
        close(d.points_lost, wd);
    }
    assert_eq!(
        e.drags[0].condition,
        "payment not up to date; x < 1 → 0 pts"
    );
    check_invariants(&e);
}

#[test]
fn profile_b_on_b2_notice_today_no_cases_no_nps() {
    let p = parse_default(PROFILE_B);
    let data = AccountData {
        account: Some(account(None)),
        // Ends today without auto-renew: the notice date is today, 0 days ahead.
        agreements: vec![agreement(1, date(2025, 6, 16), date(2026, 6, 15), true)],
        ..AccountData::default()
    };
    let e = evaluate(&data, &p, now());
    // agreement = (100 + 0) / 2 = 50
    assert_eq!(measure(&e, Measure::DaysToNotice).raw, Some(0.0));
    close(component(&e, "agreement").score.unwrap(), 50.0);
    // No case: 0 open, 0 escalations (values, 100 each); no CSAT (no data).
    // support = (2·100 + 1·100) / 3 = 100
    assert_eq!(measure(&e, Measure::OpenCases).raw, Some(0.0));
    assert_eq!(measure(&e, Measure::Csat90d).points, None);
    close(component(&e, "support").score.unwrap(), 100.0);
    close(measure(&e, Measure::OpenCases).component_pct, 200.0 / 3.0); // 2/3
    assert_eq!(component(&e, "nps").score, None);
    assert!(
        e.missing_rule.contains("component NPS has no data"),
        "{}",
        e.missing_rule
    );
    assert!(
        e.missing_rule
            .contains("Support: no data for CSAT over 90 days"),
        "{}",
        e.missing_rule
    );
    // overall = (3·50 + 2·100) / 5 = 70: concerning with bands 80/50 (healthy
    // with the default 70/40).
    close(score_of(&e), 70.0);
    assert_eq!(e.status, Some(HealthStatus::Concerning));
    assert_eq!(Bands::default().status(score_of(&e)), HealthStatus::Healthy);
    // The only drag: notice, 60 %·1/2·100 % = 30 = 100 − 70.
    assert_eq!(e.drags.len(), 1);
    assert_eq!(e.drags[0].measure, Measure::DaysToNotice);
    close(e.drags[0].points_lost, 30.0);
    check_invariants(&e);
}

#[test]
fn sentiment_decays_by_half_every_30_days_over_90_days() {
    use Direction::*;
    use InteractionKind::*;
    use SentimentSource::*;
    let p = parse_default(
        r#"
[[profile]]
name = "default"
[[profile.component]]
id = "relationship"
weight = 1
[[profile.component.measure]]
id = "sentiment_90d"
weight = 1
linear = [[-1, 0], [1, 100]]
"#,
    );
    let data = AccountData {
        interactions: vec![
            Interaction {
                sentiment: felt(0.8, Ai),
                ..interaction(1, Email, In, ago(15.0))
            },
            Interaction {
                sentiment: felt(-0.4, Ai),
                ..interaction(2, Ticket, In, ago(45.0))
            },
            Interaction {
                sentiment: felt(1.0, Manual),
                ..interaction(3, Meeting, Out, ago(75.0))
            },
            // Exactly 90 days old: out of the window.
            Interaction {
                sentiment: felt(-1.0, Ai),
                ..interaction(4, Email, In, ago(90.0))
            },
            // None of these count.
            Interaction {
                sentiment: felt(-1.0, Ai),
                ..interaction(5, Note, Out, ago(5.0))
            },
            Interaction {
                sentiment: felt(-1.0, Manual),
                excluded_from_score: true,
                ..interaction(6, Call, Out, ago(1.0))
            },
            Interaction {
                sentiment: felt(-1.0, Ai),
                ..interaction(7, Email, Out, ago(2.0))
            },
            interaction(8, Meeting, Out, ago(3.0)),
        ],
        ..AccountData::default()
    };
    let e = evaluate(&data, &p, now());
    // Weights 0.5^(15/30) = 2^−0.5, 0.5^(45/30) = 2^−1.5, 0.5^(75/30) = 2^−2.5.
    // Times 2^2.5: (0.8·4 − 0.4·2 + 1.0·1) / (4 + 2 + 1) = 3.4 / 7 = 17/35.
    close(measure(&e, Measure::Sentiment90d).raw.unwrap(), 17.0 / 35.0);
    // 50 + 50·17/35 = 520/7
    close(score_of(&e), 520.0 / 7.0);
    check_invariants(&e);

    // Only sentiment that cannot count: no data.
    let mut quiet = data.clone();
    quiet.interactions.retain(|i| i.id >= 4);
    let e = evaluate(&quiet, &p, now());
    assert_eq!(e.score, None);
    assert_eq!(e.status, None);
    assert!(
        e.missing_rule
            .contains("component relationship has no data")
    );
    check_invariants(&e);
}

// ---------------------------------------------------------------------------
// 3. Bands and mappings at their boundaries
// ---------------------------------------------------------------------------

#[test]
fn bands_lower_bound_is_inclusive() {
    use HealthStatus::*;
    let b = Bands::default();
    assert_eq!((b.healthy, b.concerning), (70.0, 40.0));
    assert_eq!(b.status(100.0), Healthy);
    assert_eq!(b.status(70.0), Healthy);
    assert_eq!(b.status(69.999), Concerning);
    assert_eq!(b.status(40.0), Concerning);
    assert_eq!(b.status(39.999), AtRisk);
    assert_eq!(b.status(0.0), AtRisk);

    let custom = Bands {
        healthy: 80.0,
        concerning: 50.0,
    };
    assert_eq!(custom.status(80.0), Healthy);
    assert_eq!(custom.status(79.999), Concerning);
    assert_eq!(custom.status(50.0), Concerning);
    assert_eq!(custom.status(49.999), AtRisk);
}

/// One measure whose thresholds put the score right on the band edges.
const EDGES: &str = r#"
[[profile]]
name = "default"
BANDS
[[profile.component]]
id = "pulse"
weight = 1

[[profile.component.measure]]
id = "pulse_rating"
weight = 1
thresholds = [
  { to = 3, points = 39.999 },
  { from = 3, to = 4, points = 40 },
  { from = 4, to = 5, points = 69.999 },
  { from = 5, points = 70 },
]
"#;

#[test]
fn evaluated_scores_on_band_edges() {
    use HealthStatus::*;
    let score_with = |p: &Profile, rating: u8| {
        let data = AccountData {
            account: Some(account(Some((rating, ago(1.0))))),
            ..AccountData::default()
        };
        let e = evaluate(&data, p, now());
        (score_of(&e), e.status.unwrap())
    };
    let default_bands = parse_default(&EDGES.replace("BANDS", ""));
    // A rating exactly at a range's `to` takes the next range.
    let want = [
        (1, 39.999, AtRisk),
        (2, 39.999, AtRisk),
        (3, 40.0, Concerning),
        (4, 69.999, Concerning),
        (5, 70.0, Healthy),
    ];
    for (rating, score, status) in want {
        let (s, st) = score_with(&default_bands, rating);
        close(s, score);
        assert_eq!(st, status, "rating {rating}");
    }

    let custom = parse_default(&EDGES.replace(
        "BANDS",
        "[profile.bands]\nhealthy = [69.999, 100]\nconcerning = [39.999, 69.999]\nat_risk = [0, 39.999]",
    ));
    let want = [
        (2, Concerning), // 39.999 ≥ 39.999
        (4, Healthy),    // 69.999 ≥ 69.999
        (5, Healthy),
    ];
    for (rating, status) in want {
        assert_eq!(score_with(&custom, rating).1, status, "rating {rating}");
    }
}

#[test]
fn thresholds_take_the_next_range_at_to_and_the_nearest_beyond_the_ends() {
    let t = |from, to, points| Threshold { from, to, points };
    let open = Mapping::Thresholds(vec![
        t(None, Some(10.0), 90.0),
        t(Some(10.0), Some(20.0), 50.0),
        t(Some(20.0), None, 10.0),
    ]);
    close(open.points(-1e9), 90.0);
    close(open.points(9.999), 90.0);
    close(open.points(10.0), 50.0);
    close(open.points(19.999), 50.0);
    close(open.points(20.0), 10.0);
    close(open.points(1e9), 10.0);

    // Bounded at both ends: below the first range → the first, above the last → the last.
    let closed = Mapping::Thresholds(vec![
        t(Some(0.0), Some(10.0), 20.0),
        t(Some(10.0), Some(20.0), 80.0),
    ]);
    close(closed.points(-5.0), 20.0);
    close(closed.points(0.0), 20.0);
    close(closed.points(10.0), 80.0);
    close(closed.points(20.0), 80.0);
    close(closed.points(25.0), 80.0);
    assert_eq!(closed.rule_for(10.0), "10 ≤ x < 20 → 80 pts");
}

#[test]
fn linear_interpolates_between_points_and_is_flat_beyond_the_ends() {
    let up = Mapping::Linear(vec![(0.0, 0.0), (10.0, 50.0), (20.0, 100.0)]);
    close(up.points(-3.0), 0.0); // flat below
    close(up.points(0.0), 0.0);
    close(up.points(2.5), 12.5); // 50·2.5/10
    close(up.points(5.0), 25.0);
    close(up.points(10.0), 50.0);
    close(up.points(15.0), 75.0); // 50 + 50·5/10
    close(up.points(20.0), 100.0);
    close(up.points(1e6), 100.0); // flat above

    let down = Mapping::Linear(vec![(24.0, 100.0), (72.0, 70.0), (168.0, 30.0)]);
    close(down.points(0.0), 100.0);
    close(down.points(48.0), 85.0); // 100 − 30·24/48
    close(down.points(120.0), 50.0); // 70 − 40·48/96
    close(down.points(500.0), 30.0);
}

// ---------------------------------------------------------------------------
// 4. Refused profiles, with their place; the bundled profiles
// ---------------------------------------------------------------------------

/// A valid file; each refused case changes one thing. Line numbers:
/// 1 [[profile]], 2 name, 4 [[profile.component]], 5 id, 6 weight,
/// 8 [[profile.component.measure]], 9 id, 10 weight, 11 linear.
const BASE: &str = r#"[[profile]]
name = "default"

[[profile.component]]
id = "usage"
weight = 2

[[profile.component.measure]]
id = "connections_30d"
weight = 3
linear = [[0, 0], [100, 100]]
"#;

/// Bands appended to [`BASE`]: the table starts on line 13.
const BANDS_AT_13: &str =
    "\n[profile.bands]\nhealthy = [70, 100]\nconcerning = [CONCERNING]\nat_risk = [0, AT_RISK]\n";

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

#[track_caller]
fn refused(text: &str) -> String {
    match Profiles::parse(text, "bad.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[track_caller]
fn assert_refused(text: &str, place: &str, message: &str) {
    let e = refused(text);
    assert!(e.starts_with(place), "expected {place:?}…, got {e:?}");
    assert!(e.contains(message), "expected …{message:?}, got {e:?}");
}

const MEASURE_PATH: &str = r#"profile "default", component "usage", measure "connections_30d": "#;

#[test]
fn the_base_profile_is_valid() {
    let p = parse_default(BASE);
    assert_eq!(p.components.len(), 1);
    assert_eq!(p.components[0].name, "usage"); // no name: the id
    assert_eq!(p.components[0].measures[0].measure, Measure::Connections30d);
    assert_eq!(p.bands, Bands::default());
}

#[test]
fn unknown_measure_is_refused_at_its_id() {
    assert_refused(
        &edit(r#"id = "connections_30d""#, r#"id = "connexions_30d""#),
        r#"bad.toml:9:6: profile "default", component "usage", measure "connexions_30d": "#,
        "unknown measure (known: connections_30d, usage_trend,",
    );
}

#[test]
fn negative_weight_is_refused_at_the_weight() {
    assert_refused(
        &edit("weight = 3", "weight = -3"),
        &format!("bad.toml:10:10: {MEASURE_PATH}"),
        "weight -3 is not a number ≥ 0",
    );
    assert_refused(
        &edit("weight = 2", "weight = -0.5"),
        r#"bad.toml:6:10: profile "default", component "usage": "#,
        "weight -0.5 is not a number ≥ 0",
    );
}

#[test]
fn overlapping_and_gapped_thresholds_are_refused() {
    let linear = "linear = [[0, 0], [100, 100]]";
    assert_refused(
        &edit(
            linear,
            "thresholds = [{ to = 10, points = 100 }, { from = 5, points = 0 }]",
        ),
        &format!("bad.toml:11:14: {MEASURE_PATH}"),
        "threshold 1 (to 10) overlaps 2 (from 5)",
    );
    assert_refused(
        &edit(
            linear,
            "thresholds = [{ to = 10, points = 100 }, { from = 12, points = 0 }]",
        ),
        &format!("bad.toml:11:14: {MEASURE_PATH}"),
        "gap between threshold 1 (to 10) and 2 (from 12)",
    );
    // Over several lines: the place is where the array starts.
    assert_refused(
        &edit(
            linear,
            "thresholds = [\n  { to = 10, points = 100 },\n  { from = 12, points = 0 },\n]",
        ),
        &format!("bad.toml:11:14: {MEASURE_PATH}"),
        "gap between threshold 1 (to 10) and 2 (from 12)",
    );
}

#[test]
fn bands_with_a_gap_or_an_overlap_are_refused() {
    let with = |concerning: &str, at_risk: &str| {
        let bands = BANDS_AT_13
            .replace("CONCERNING", concerning)
            .replace("AT_RISK", at_risk);
        format!("{BASE}{bands}")
    };
    // Sanity: touching bands are accepted.
    assert_eq!(
        parse_default(&with("45, 70", "45")).bands,
        Bands {
            healthy: 70.0,
            concerning: 45.0
        }
    );
    let place = r#"bad.toml:13:1: profile "default", bands: "#;
    assert_refused(
        &with("40, 60", "40"),
        place,
        "gap between concerning (up to 60) and healthy (from 70)",
    );
    assert_refused(
        &with("45, 70", "40"),
        place,
        "gap between at_risk (up to 40) and concerning (from 45)",
    );
    assert_refused(
        &with("40, 75", "40"),
        place,
        "concerning (up to 75) overlaps healthy (from 70)",
    );
    assert_refused(
        &with("35, 70", "40"),
        place,
        "at_risk (up to 40) overlaps concerning (from 35)",
    );
}

#[test]
fn zero_weights_are_refused_at_the_component_or_profile() {
    // Every measure of the component weighs zero: at the component's id.
    assert_refused(
        &edit("weight = 3", "weight = 0"),
        r#"bad.toml:5:6: profile "default", component "usage": "#,
        "all its measures weigh zero or are excluded",
    );
    // Every component weighs zero: at the profile's name.
    assert_refused(
        &edit("weight = 2", "weight = 0"),
        r#"bad.toml:2:8: profile "default": "#,
        "all components weigh zero or are excluded",
    );
    // An excluded component may weigh zero inside, but not be the only one.
    let excluded = edit("weight = 2", "weight = 2\nexclude = true");
    assert_refused(
        &excluded.replace("weight = 3", "weight = 0"),
        r#"bad.toml:2:8: profile "default": "#,
        "all components weigh zero or are excluded",
    );
}

#[test]
fn bad_toml_syntax_is_refused_at_its_line() {
    let e = refused(&edit("weight = 3", "weight 3"));
    assert!(e.starts_with("bad.toml:10:"), "{e}");
    // No path: nothing could be read.
    assert!(!e.contains("profile \""), "{e}");
    // An unknown key is refused too.
    let e = refused(&edit("weight = 3", "weight = 3\nwieght = 3"));
    assert!(e.starts_with("bad.toml:11:"), "{e}");
    assert!(e.contains("wieght"), "{e}");
}

#[test]
fn a_file_without_default_is_refused_but_may_extend_the_bundled_ones() {
    let other = edit(r#"name = "default""#, r#"name = "pilot""#);
    assert_eq!(
        refused(&other),
        r#"bad.toml:1:1: no profile named "default" (the fallback)"#
    );
    let all = Profiles::bundled_with(&other, "extra.toml").unwrap();
    let names: Vec<&str> = all.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["default", "onboarding", "enterprise", "pilot"]);
    // Same name: replaced in place.
    let all = Profiles::bundled_with(BASE, "extra.toml").unwrap();
    assert_eq!(all.profiles.len(), 3);
    assert_eq!(all.get("default").unwrap().components.len(), 1);
    // Errors of an extra file carry its name.
    let e = Profiles::bundled_with(&edit("weight = 3", "weight = -3"), "extra.toml").unwrap_err();
    assert!(e.to_string().starts_with("extra.toml:10:10: "), "{e}");
}

#[test]
fn bundled_profiles_parse() {
    let p = Profiles::parse(BUNDLED, BUNDLED_NAME).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p, Profiles::bundled());
    let names: Vec<&str> = p.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["default", "onboarding", "enterprise"]);
    for profile in &p.profiles {
        assert_eq!(profile.bands, Bands::default(), "{}", profile.name);
    }
}

/// The raw values where a mapping can change, with some room around them.
fn samples(mapping: &Mapping) -> Vec<f64> {
    let mut edges: Vec<f64> = match mapping {
        Mapping::Thresholds(t) => t.iter().flat_map(|t| [t.from, t.to]).flatten().collect(),
        Mapping::Linear(pts) => pts.iter().map(|p| p.0).collect(),
    };
    let lo = edges.iter().copied().fold(0.0, f64::min) - 100.0;
    let hi = edges.iter().copied().fold(0.0, f64::max) + 100.0;
    let n = 2000;
    let mut out: Vec<f64> = (0..=n)
        .map(|k| lo + (hi - lo) * f64::from(k) / f64::from(n))
        .collect();
    for e in edges.drain(..) {
        out.extend([e - 1e-6, e, e + 1e-6]);
    }
    out.sort_by(f64::total_cmp);
    out
}

#[test]
fn bundled_mappings_are_monotone_in_the_better_direction() {
    let mut checked = 0;
    for profile in &Profiles::bundled().profiles {
        for c in &profile.components {
            for spec in &c.measures {
                let xs = samples(&spec.mapping);
                let ys: Vec<f64> = xs.iter().map(|x| spec.mapping.points(*x)).collect();
                let (first, last) = (ys[0], ys[ys.len() - 1]);
                for (k, w) in ys.windows(2).enumerate() {
                    let ok = match spec.measure.better() {
                        Better::Higher => w[1] >= w[0],
                        Better::Lower => w[1] <= w[0],
                    };
                    assert!(
                        ok,
                        "{} / {} / {:?}: {} pts at {} then {} pts at {}",
                        profile.name,
                        c.id,
                        spec.measure,
                        w[0],
                        xs[k],
                        w[1],
                        xs[k + 1]
                    );
                }
                // Not flat: the mapping does tell good from bad.
                assert_ne!(first, last, "{} / {:?}", profile.name, spec.measure);
                checked += 1;
            }
        }
    }
    // 21 + 11 + 16 measures in the bundled file.
    assert_eq!(checked, 48);
}

// ---------------------------------------------------------------------------
// 5. Key indicators and usage metrics (PRODUCT.md definitions)
// ---------------------------------------------------------------------------

#[test]
fn what_is_a_touch() {
    use Direction::*;
    use InteractionKind::*;
    let at = ago(1.0);
    let cases = [
        (interaction(1, Email, In, at), true),
        (
            Interaction {
                answered: true,
                ..interaction(2, Email, Out, at)
            },
            true,
        ),
        (interaction(3, Email, Out, at), false), // unanswered
        (interaction(4, Note, Out, at), false),
        (interaction(5, Note, In, at), false),
        (interaction(6, Meeting, Out, at), true),
        (interaction(7, Meeting, In, at), true),
        (interaction(8, Call, Out, at), true),
        (interaction(9, Call, In, at), true),
        (interaction(10, Ticket, In, at), true),
        (interaction(11, Ticket, Out, at), false),
        (interaction(12, CrmEvent, In, at), false),
    ];
    for (i, touch) in cases {
        assert_eq!(is_touch(&i), touch, "{:?} {:?}", i.kind, i.direction);
    }
}

#[test]
fn what_feeds_sentiment() {
    use Direction::*;
    use InteractionKind::*;
    use SentimentSource::*;
    let at = ago(1.0);
    let with = |i: Interaction, source| Interaction {
        sentiment: felt(0.5, source),
        ..i
    };
    let cases = [
        (with(interaction(1, Email, In, at), Ai), true),
        (with(interaction(2, Ticket, In, at), Ai), true),
        (with(interaction(3, Email, Out, at), Manual), false),
        (interaction(4, Email, In, at), false), // no sentiment
        // Meetings and calls count once a person rated them, not on the automatic
        // score of our notes.
        (with(interaction(5, Meeting, Out, at), Ai), false),
        (with(interaction(6, Meeting, Out, at), Manual), true),
        (with(interaction(7, Call, In, at), Manual), true),
        (with(interaction(8, Call, In, at), Ai), false),
        (with(interaction(11, Call, Out, at), Ai), false),
        (with(interaction(12, Email, In, at), Manual), true),
        (with(interaction(13, Note, In, at), Manual), false),
        (
            Interaction {
                excluded_from_score: true,
                ..with(interaction(9, Call, In, at), Manual)
            },
            false,
        ),
        (
            Interaction {
                excluded_from_score: true,
                ..with(interaction(10, Email, In, at), Ai)
            },
            false,
        ),
    ];
    for (i, feeds) in cases {
        assert_eq!(feeds_sentiment(&i), feeds, "interaction {}", i.id);
    }
}

#[test]
fn key_indicators_follow_the_product_definitions() {
    use Direction::*;
    use InteractionKind::*;
    let alice = Some("alice".to_string());
    let mut data = AccountData {
        contacts: vec![contact(1, &["sponsor"]), contact(2, &["champion"])],
        interactions: vec![
            // Not touches, however recent.
            Interaction {
                user: alice.clone(),
                contact_ids: vec![1],
                ..interaction(10, Note, Out, ago(1.0))
            },
            Interaction {
                user: alice.clone(),
                contact_ids: vec![1],
                ..interaction(11, Email, Out, ago(2.0))
            },
            Interaction {
                contact_ids: vec![1],
                ..interaction(12, CrmEvent, In, ago(3.0))
            },
            Interaction {
                user: alice.clone(),
                contact_ids: vec![1],
                ..interaction(13, Ticket, Out, ago(4.0))
            },
            // The last touch: an answered email (its user is blank: no user touch).
            Interaction {
                answered: true,
                user: Some(String::new()),
                contact_ids: vec![2],
                ..interaction(14, Email, Out, ago(5.0))
            },
            // The last user touch.
            Interaction {
                user: Some("bob".into()),
                contact_ids: vec![2],
                ..interaction(15, Call, Out, ago(8.0))
            },
            // The last meeting and the last sponsor touch.
            Interaction {
                contact_ids: vec![1],
                ..interaction(16, Meeting, Out, ago(12.0))
            },
            Interaction {
                contact_ids: vec![1],
                ..interaction(17, Email, In, ago(20.0))
            },
            // Planned: after now, ignored.
            Interaction {
                user: alice.clone(),
                contact_ids: vec![1],
                ..interaction(18, Meeting, Out, ago(-1.0))
            },
        ],
        ..AccountData::default()
    };
    data.sort();
    let k = key_indicators(&data, now());
    assert_eq!(k.last_touch, Some(ago(5.0)));
    assert_eq!(k.last_user_touch, Some(ago(8.0)));
    assert_eq!(k.last_meeting, Some(ago(12.0)));
    assert_eq!(k.last_sponsor_touch, Some(ago(12.0)));

    // Unanswered, the email is no touch: the call 8 days ago is the last one.
    data.interactions
        .iter_mut()
        .find(|i| i.id == 14)
        .unwrap()
        .answered = false;
    let k = key_indicators(&data, now());
    assert_eq!(k.last_touch, Some(ago(8.0)));
    // Without the call and the meeting: the incoming email 20 days ago, which
    // also involves the sponsor; no meeting, no user touch left.
    data.interactions.retain(|i| ![15, 16].contains(&i.id));
    let k = key_indicators(&data, now());
    assert_eq!(k.last_touch, Some(ago(20.0)));
    assert_eq!(k.last_sponsor_touch, Some(ago(20.0)));
    assert_eq!(k.last_meeting, None);
    assert_eq!(k.last_user_touch, None);

    // Seen from 10 days ago, the meeting 12 days ago is the last touch of all kinds.
    let mut earlier = data.clone();
    earlier.interactions.push(Interaction {
        user: alice,
        contact_ids: vec![1],
        ..interaction(16, Meeting, Out, ago(12.0))
    });
    earlier.sort();
    let k = key_indicators(&earlier, ago(10.0));
    assert_eq!(k.last_touch, Some(ago(12.0)));
    assert_eq!(k.last_user_touch, Some(ago(12.0)));
    assert_eq!(k.last_meeting, Some(ago(12.0)));
    assert_eq!(k.last_sponsor_touch, Some(ago(12.0)));
}

#[test]
fn usage_metrics_follow_the_product_definitions() {
    // today = 2026-06-15: "last 30 days" are 0..=29 days back, M-1 30..=59.
    let rows = [
        usage_day(date(2026, 6, 15), Some(1), 0, &[]),
        usage_day(date(2026, 6, 10), Some(2), 2, &[("reports", 3)]),
        usage_day(date(2026, 6, 1), Some(1), 5, &[]),
        usage_day(date(2026, 5, 17), Some(3), 4, &[]), // 29 days back
        usage_day(
            date(2026, 5, 16),
            Some(3),
            6,
            &[("reports", 2), ("export", 1)],
        ), // 30: M-1
        usage_day(date(2026, 5, 20), Some(4), 0, &[]),
        usage_day(date(2026, 4, 17), Some(2), 2, &[]), // 59: M-1
        usage_day(date(2026, 4, 16), Some(1), 100, &[]), // 60: out
        usage_day(date(2026, 6, 12), Some(99), 1, &[]), // not a contact
        usage_day(date(2026, 6, 14), None, 1, &[]),    // anonymous
        usage_day(date(2026, 6, 16), Some(1), 50, &[]), // tomorrow: ignored
    ];
    let mut names = FeatureNames::default();
    let facts: Vec<UsageFact> = rows.iter().map(|u| names.fact(u)).collect();
    // Feature names are shared, not copied.
    assert!(Arc::ptr_eq(
        &facts[1].features[0].0,
        &facts[4].features[1].0
    ));
    assert_eq!(&*facts[4].features[0].0, "export"); // BTreeMap order
    let mut data = AccountData {
        contacts: (1..=4).map(|id| contact(id, &[])).collect(),
        usage: facts,
        ..AccountData::default()
    };
    data.sort();
    let m = usage_metrics(&data, now());
    assert!(m.tracked);
    // Last day with a connection: the anonymous row (today's has 0).
    assert_eq!(m.last_activity, Some(date(2026, 6, 14)));
    // 0 + 2 + 5 + 4 + 0 + 1 + 1 = 13 over 30 days; 6 + 2 = 8 the 30 before.
    assert_eq!(m.connections_30d, 13);
    assert_eq!(m.connections_prev_30d, 8);
    close(m.trend_pct.unwrap(), 162.5); // 13 / 8 · 100
    // Contacts with a connection over 30 days: 1, 2, 3 (4 has 0, 99 is not one).
    assert_eq!((m.active_users, m.contacts), (3, 4));
    close(m.active_users_pct.unwrap(), 75.0);
    // Distinct users over 30 days {1, 2, 3, 99}, over 7 days {2, 99}.
    assert_eq!((m.mau, m.wau), (4, 2));
    // (day, user) pairs with a connection over 30 days: 4, / 30 days.
    close(m.dau, 4.0 / 30.0);
    let features: Vec<(&str, u64, u64, Option<f64>)> = m
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.uses_30d, f.uses_prev_30d, f.trend_pct))
        .collect();
    assert_eq!(
        features,
        [
            ("reports", 3, 2, Some(150.0)), // 3 / 2
            ("export", 0, 1, Some(0.0)),
        ]
    );

    // No row at all: not tracked.
    data.usage.clear();
    let m = usage_metrics(&data, now());
    assert!(!m.tracked);
    assert_eq!(
        (m.connections_30d, m.trend_pct, m.last_activity),
        (0, None, None)
    );
    close(m.active_users_pct.unwrap(), 0.0);
}

/// A contact added after the instant scored (a backfill looks at the past) is
/// not among "all contacts" then, but still counts as an active user: the share
/// goes above 100 %.
#[test]
fn active_users_never_exceed_the_contacts_of_the_time() {
    let mut data = AccountData {
        contacts: vec![
            contact(1, &[]),
            Contact {
                created_at: ago(5.0),
                ..contact(2, &[])
            },
        ],
        usage: vec![
            usage(days_ago(20), Some(1), 3),
            usage(days_ago(15), Some(2), 3),
        ],
        ..AccountData::default()
    };
    data.sort();
    // Seen 10 days ago: contact 2 did not exist yet (contacts = 1), yet it is
    // counted active: 2 / 1 = 200 %.
    let m = usage_metrics(&data, ago(10.0));
    assert_eq!(m.contacts, 1);
    assert!(
        m.active_users <= m.contacts,
        "{} active of {}",
        m.active_users,
        m.contacts
    );
    assert!(
        m.active_users_pct.unwrap() <= 100.0,
        "{:?}",
        m.active_users_pct
    );
}

/// `to = nan` passes every check of the thresholds (NaN compares false both
/// ways), and the measure then gives the last range's points for any value.
#[test]
fn nan_threshold_bounds_are_refused() {
    let text = edit(
        "linear = [[0, 0], [100, 100]]",
        "thresholds = [{ to = nan, points = 100 }, { from = nan, points = 0 }]",
    );
    assert!(Profiles::parse(&text, "bad.toml").is_err());
}

/// Two measures of one component losing the same points: `quick` names the
/// first in profile order, `evaluate` sorts ties by the catalogue order, so the
/// alert's "biggest drag" and the explanation's first drag differ.
#[test]
fn quick_and_evaluate_name_the_same_biggest_drag_on_ties() {
    let p = parse_default(
        r#"
[[profile]]
name = "default"
[[profile.component]]
id = "relationship"
weight = 1
[[profile.component.measure]]
id = "days_since_touch"
weight = 1
thresholds = [{ to = 7, points = 50 }, { from = 7, points = 0 }]
[[profile.component.measure]]
id = "sentiment_90d"
weight = 1
linear = [[-1, 0], [1, 100]]
"#,
    );
    let data = AccountData {
        interactions: vec![Interaction {
            sentiment: felt(0.0, SentimentSource::Ai),
            ..interaction(1, InteractionKind::Email, Direction::In, ago(1.0))
        }],
        ..AccountData::default()
    };
    let e = evaluate(&data, &p, now());
    // Both lose 50 % · (100 − 50) = 25 points.
    close(e.drags[0].points_lost, 25.0);
    close(e.drags[1].points_lost, 25.0);
    let q = quick(&data, &p, now());
    assert_eq!(
        q.biggest_drag.as_deref(),
        Some(e.drags[0].condition.as_str())
    );
}

// ---------------------------------------------------------------------------
// 6. Properties over random accounts
// ---------------------------------------------------------------------------

static BUNDLED_PROFILES: LazyLock<Profiles> = LazyLock::new(Profiles::bundled);

const KINDS: [InteractionKind; 6] = [
    InteractionKind::Email,
    InteractionKind::Meeting,
    InteractionKind::Call,
    InteractionKind::Note,
    InteractionKind::Ticket,
    InteractionKind::CrmEvent,
];

fn any_interaction() -> impl Strategy<Value = Interaction> {
    (
        0..KINDS.len(),
        any::<bool>(),
        -48i64..2900, // hours before now (a few after now)
        prop::option::weighted(0.8, (-1.0f64..=1.0, any::<bool>())),
        prop::bool::weighted(0.15),
        any::<bool>(),
        any::<bool>(),
        1i64..=5,
    )
        .prop_map(
            |(kind, incoming, hours, sentiment, excluded, answered, user, contact)| {
                let direction = if incoming {
                    Direction::In
                } else {
                    Direction::Out
                };
                let source = |manual| {
                    if manual {
                        SentimentSource::Manual
                    } else {
                        SentimentSource::Ai
                    }
                };
                Interaction {
                    sentiment: sentiment.and_then(|(s, manual)| felt(s, source(manual))),
                    excluded_from_score: excluded,
                    answered,
                    user: user.then(|| "alice".to_string()),
                    contact_ids: vec![contact],
                    ..interaction(0, KINDS[kind], direction, now() - TimeDelta::hours(hours))
                }
            },
        )
}

fn any_usage() -> impl Strategy<Value = UsageFact> {
    (-2i64..90, prop::option::weighted(0.9, 1i64..=5), 0u32..20).prop_map(|(back, who, n)| {
        UsageFact {
            features: if n % 3 == 0 {
                vec![]
            } else {
                vec![(Arc::from(["a", "b", "c"][n as usize % 3]), n)]
            },
            ..usage(days_ago(back), who, n)
        }
    })
}

fn any_agreement() -> impl Strategy<Value = Agreement> {
    const STATUS: [AgreementStatus; 4] = [
        AgreementStatus::Active,
        AgreementStatus::Expired,
        AgreementStatus::Draft,
        AgreementStatus::Cancelled,
    ];
    (
        prop::sample::select(STATUS.to_vec()),
        0i64..500,
        30i64..500,
        any::<bool>(),
        0u32..90,
        0i64..500_000,
        any::<bool>(),
    )
        .prop_map(
            |(status, start_back, len, auto_renew, notice_days, mrr, paid)| {
                let start = days_ago(start_back);
                Agreement {
                    status,
                    auto_renew,
                    notice_days,
                    mrr_cents: mrr,
                    ..agreement(0, start, start + TimeDelta::days(len), paid)
                }
            },
        )
}

fn any_case() -> impl Strategy<Value = SupportCase> {
    const PRIORITY: [Priority; 4] = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];
    const STATUS: [CaseStatus; 6] = [
        CaseStatus::New,
        CaseStatus::Open,
        CaseStatus::Pending,
        CaseStatus::Hold,
        CaseStatus::Solved,
        CaseStatus::Closed,
    ];
    (
        prop::sample::select(PRIORITY.to_vec()),
        prop::sample::select(STATUS.to_vec()),
        0i64..(300 * 24),
        prop::option::of(1i64..2000),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(1u8..=5),
    )
        .prop_map(
            |(priority, status, hours, resolved_after, escalated, signal, eng, csat)| {
                let opened = now() - TimeDelta::hours(hours);
                SupportCase {
                    resolved_at: resolved_after.map(|h| opened + TimeDelta::hours(h)),
                    escalated,
                    signals: if signal {
                        vec![Signal::Frustration]
                    } else {
                        vec![]
                    },
                    engineering_issue: eng.then(|| "ENG-1".to_string()),
                    csat,
                    ..case(0, priority, status, opened)
                }
            },
        )
}

fn any_account() -> impl Strategy<Value = AccountData> {
    (
        prop::collection::vec(any::<bool>(), 0..=4),
        prop::collection::vec(any_interaction(), 0..8),
        prop::collection::vec(any_usage(), 0..12),
        prop::collection::vec(any_agreement(), 0..3),
        prop::collection::vec(any_case(), 0..5),
        prop::collection::vec((0u8..=10, 0i64..400), 0..4),
        prop::option::weighted(0.8, (1u8..=5, 0i64..200)),
    )
        .prop_map(
            |(sponsors, mut interactions, usage, mut agreements, mut cases, answers, pulse)| {
                for (k, i) in interactions.iter_mut().enumerate() {
                    i.id = k as Id + 1;
                }
                for (k, a) in agreements.iter_mut().enumerate() {
                    a.id = k as Id + 1;
                }
                for (k, c) in cases.iter_mut().enumerate() {
                    c.id = k as Id + 1;
                }
                AccountData {
                    account: Some(account(pulse.map(|(r, back)| (r, ago(back as f64))))),
                    contacts: sponsors
                        .iter()
                        .enumerate()
                        .map(|(k, sponsor)| {
                            let roles: &[&str] = if *sponsor { &["sponsor"] } else { &[] };
                            contact(k as Id + 1, roles)
                        })
                        .collect(),
                    interactions,
                    usage,
                    agreements,
                    cases,
                    nps: answers
                        .iter()
                        .enumerate()
                        .map(|(k, (score, back))| nps(k as Id + 1, *score, ago(*back as f64)))
                        .collect(),
                    ..AccountData::default()
                }
            },
        )
}

/// The score under every bundled profile.
fn scores(data: &AccountData) -> Vec<Option<f64>> {
    BUNDLED_PROFILES
        .profiles
        .iter()
        .map(|p| evaluate(data, p, now()).score)
        .collect()
}

/// `after` is no worse than `before`, profile by profile.
fn no_worse(
    before: &[Option<f64>],
    after: &[Option<f64>],
    what: &str,
) -> Result<(), TestCaseError> {
    for ((b, a), p) in before.iter().zip(after).zip(&BUNDLED_PROFILES.profiles) {
        match (b, a) {
            (Some(b), Some(a)) => {
                prop_assert!(a >= &(b - EPS), "{what} with {}: {b} → {a}", p.name)
            }
            (b, a) => prop_assert_eq!(b.is_some(), a.is_some(), "{} with {}", what, p.name),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scores_are_bounded_and_quick_agrees_with_evaluate(data in any_account()) {
        for p in &BUNDLED_PROFILES.profiles {
            let e = evaluate(&data, p, now());
            if let Some(s) = e.score {
                prop_assert!((0.0..=100.0).contains(&s), "{}: {s}", p.name);
            }
            check_invariants(&e);
            let q = quick(&data, p, now());
            match (q.score, e.score) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() < EPS, "{}: {a} vs {b}", p.name),
                (a, b) => prop_assert_eq!(a, b),
            }
            prop_assert_eq!(q.status, e.status);
            prop_assert_eq!(&q.profile, &p.name);
            prop_assert_eq!(q.components.len(), e.components.len());
            for ((qid, qs), c) in q.components.iter().zip(&e.components) {
                prop_assert_eq!(qid, &c.id);
                prop_assert_eq!(qs.is_some(), c.score.is_some());
                if let (Some(a), Some(b)) = (qs, c.score) {
                    prop_assert!((a - b).abs() < EPS);
                }
            }
            prop_assert_eq!(q.biggest_drag, e.drags.first().map(|d| d.condition.clone()));
        }
    }

    #[test]
    fn improving_a_good_input_never_lowers_the_score(
        data in any_account(),
        bump in 1u8..=4,
        pick in any::<prop::sample::Index>(),
        more in 1u32..50,
        lift in 0.01f64..=2.0,
    ) {
        let before = scores(&data);

        // (a) A better pulse.
        if let Some(p) = data.account.as_ref().and_then(|a| a.pulse.as_ref())
            && p.rating < 5
        {
            let mut better = data.clone();
            let pulse = better.account.as_mut().unwrap().pulse.as_mut().unwrap();
            pulse.rating = (pulse.rating + bump).min(5);
            no_worse(&before, &scores(&better), "a better pulse")?;
        }

        // (b) More connections on a row of the last 30 days.
        let recent: Vec<usize> = (0..data.usage.len())
            .filter(|k| (0..30).contains(&(today() - data.usage[*k].day).num_days()))
            .collect();
        if !recent.is_empty() {
            let mut better = data.clone();
            better.usage[recent[pick.index(recent.len())]].connections += more;
            no_worse(&before, &scores(&better), "more connections")?;
        }

        // (c) An unpaid agreement paid.
        let unpaid: Vec<usize> = (0..data.agreements.len())
            .filter(|k| !data.agreements[*k].payment_up_to_date)
            .collect();
        if !unpaid.is_empty() {
            let mut better = data.clone();
            better.agreements[unpaid[pick.index(unpaid.len())]].payment_up_to_date = true;
            no_worse(&before, &scores(&better), "paid up")?;
        }

        // (d) A warmer incoming email.
        let emails: Vec<usize> = (0..data.interactions.len())
            .filter(|k| {
                let i = &data.interactions[*k];
                i.kind == InteractionKind::Email && i.direction == Direction::In && i.sentiment.is_some()
            })
            .collect();
        if !emails.is_empty() {
            let mut better = data.clone();
            let s = better.interactions[emails[pick.index(emails.len())]].sentiment.as_mut().unwrap();
            s.score = (s.score + lift).min(1.0);
            no_worse(&before, &scores(&better), "a warmer email")?;
        }
    }
}

// ---------------------------------------------------------------------------
// 7. Backfill instants
// ---------------------------------------------------------------------------

#[track_caller]
fn check_backfill(at: Timestamp) -> Vec<(Period, NaiveDate, Timestamp)> {
    let points = backfill_points(at);
    assert_eq!(points.len(), 52 + 12);
    let (weeks, months) = points.split_at(52);
    assert!(weeks.iter().all(|p| p.0 == Period::Week));
    assert!(months.iter().all(|p| p.0 == Period::Month));
    for (_, start, closes) in weeks {
        assert_eq!(start.weekday(), Weekday::Mon, "{start}");
        assert_eq!(*closes, midnight(*start + Days::new(7)));
    }
    for (_, start, closes) in months {
        assert_eq!(start.day(), 1, "{start}");
        let next = if start.month() == 12 {
            date(start.year() + 1, 1, 1)
        } else {
            date(start.year(), start.month() + 1, 1)
        };
        assert_eq!(*closes, midnight(next));
    }
    // Oldest first, one period apart, none closing after `at`.
    for w in weeks.windows(2) {
        assert_eq!(w[1].1 - w[0].1, TimeDelta::days(7));
    }
    for w in months.windows(2) {
        assert_eq!(w[0].2, midnight(w[1].1));
    }
    assert!(points.iter().all(|p| p.2 <= at));
    // The current periods are not in the list: the last ones close at their start.
    assert_eq!(weeks[51].2, midnight(week_start(at.date_naive())));
    assert_eq!(months[11].2, midnight(at.date_naive().with_day(1).unwrap()));
    points
}

#[test]
fn backfill_points_are_52_mondays_and_12_months_oldest_first() {
    // Monday 2026-06-15 at noon.
    assert_eq!(today().weekday(), Weekday::Mon);
    let points = check_backfill(now());
    // 2026-06-15 − 52·7 = − 364 days = 2025-06-16 (a Monday).
    assert_eq!(points[0].1, date(2025, 6, 16));
    assert_eq!(points[0].2, midnight(date(2025, 6, 23)));
    assert_eq!(points[51].1, date(2026, 6, 8));
    assert_eq!(points[51].2, midnight(date(2026, 6, 15)));
    assert_eq!(points[52].1, date(2025, 6, 1));
    assert_eq!(points[52].2, midnight(date(2025, 7, 1)));
    assert_eq!(points[63].1, date(2026, 5, 1));
    assert_eq!(points[63].2, midnight(date(2026, 6, 1)));

    // Sunday night: the week that started on Monday 06-08 is still current.
    let sunday = midnight(date(2026, 6, 14)) + TimeDelta::seconds(86_399);
    let points = check_backfill(sunday);
    assert_eq!(points[51].1, date(2026, 6, 1));
    assert_eq!(points[51].2, midnight(date(2026, 6, 8)));

    // On the very midnight a week and a month start, they are the current ones.
    let points = check_backfill(midnight(date(2026, 6, 1)));
    assert_eq!(points[51].2, midnight(date(2026, 6, 1))); // 2026-06-01 is a Monday
    assert_eq!(points[63].1, date(2026, 5, 1));

    // Across a leap February.
    let points = check_backfill(midnight(date(2024, 3, 31)) + TimeDelta::hours(9));
    assert_eq!(points[63].1, date(2024, 2, 1));
    assert_eq!(points[62].2, midnight(date(2024, 2, 1)));
    assert_eq!(points[63].2, midnight(date(2024, 3, 1)));

    assert_eq!(week_start(date(2026, 6, 17)), date(2026, 6, 15)); // Wednesday
    assert_eq!(week_start(date(2026, 6, 14)), date(2026, 6, 8)); // Sunday
    assert_eq!(week_start(date(2026, 6, 15)), date(2026, 6, 15));
}
