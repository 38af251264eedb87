//! An account's timeline: the key events of its story (the account-intelligence
//! seed's "timeline of key events such as escalations, churn risks"), derived
//! from what the store already keeps:
//!
//! - **escalations**: a support case marked escalated (when the change log says
//!   it was, else when it was opened escalated);
//! - **health transitions**: the status changing from one weekly snapshot to the
//!   next, when the new status holds the week after or the score moved at least
//!   [`TRANSITION_MOVE`] points (a score wobbling on a band's edge is not news);
//! - **churn-risk changes**: the churn forecast's likelihood changing (the change
//!   log's entries on the account's `churn`);
//! - **renewals**: a renewal contract starting (with its MRR against the one it
//!   renews);
//! - **big sentiment drops**: an interaction that feeds the score whose sentiment
//!   is [`DROP_FLOOR`] or lower and at least [`DROP_BY`] below the average of the
//!   [`DROP_BASELINE`] scored before it (at least [`DROP_MIN_BASELINE`] of them) (told once: those that follow it and stay
//!   as low are the same fall).
//!
//! Pure: records in, events out, `now` injected.

use serde::{Deserialize, Serialize};
use tend_domain::*;

use crate::health::{Snapshot, feeds_sentiment};

/// What happened.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Escalation,
    Transition,
    ChurnRisk,
    Renewal,
    SentimentDrop,
}

tend_domain::named_enum!(EventKind {
    Escalation => "escalation",
    Transition => "transition",
    ChurnRisk => "churn_risk",
    Renewal => "renewal",
    SentimentDrop => "sentiment_drop",
});

impl EventKind {
    /// The letter that marks it on the health chart (and in the list beside it).
    pub fn mark(self) -> char {
        match self {
            EventKind::Escalation => 'E',
            EventKind::Transition => 'H',
            EventKind::ChurnRisk => 'C',
            EventKind::Renewal => 'R',
            EventKind::SentimentDrop => 'S',
        }
    }

    /// In words, for a list.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Escalation => "escalation",
            EventKind::Transition => "health",
            EventKind::ChurnRisk => "churn risk",
            EventKind::Renewal => "renewal",
            EventKind::SentimentDrop => "sentiment",
        }
    }
}

/// One key event of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelineEvent {
    pub at: chrono::DateTime<chrono::Utc>,
    pub kind: EventKind,
    /// News for the worse (an escalation, a fall, a downsell) rather than the
    /// better.
    pub worse: bool,
    /// What happened, in one line.
    pub text: String,
    /// The record it rests on: the case, the agreement, the interaction, or the
    /// account (a transition, a churn-risk change).
    pub record: Citation,
}

/// How many points a week must move for a change of status that does not hold
/// the week after to count (see [`timeline`]).
pub const TRANSITION_MOVE: f64 = 5.0;
/// How low an interaction's sentiment must be to count as a drop.
pub const DROP_FLOOR: f64 = -0.3;
/// How far below the interactions before it it must fall.
pub const DROP_BY: f64 = 0.5;
/// How many scored interactions before it make its baseline.
pub const DROP_BASELINE: usize = 5;
/// A baseline needs at least this many of them.
pub const DROP_MIN_BASELINE: usize = 3;

/// What the timeline is made from: one account's records.
#[derive(Debug, Clone, Copy)]
pub struct TimelineInput<'a> {
    pub account: &'a Account,
    /// Weekly health snapshots (any order).
    pub weekly: &'a [Snapshot],
    pub cases: &'a [SupportCase],
    pub agreements: &'a [Agreement],
    /// Interactions (any order); only those that feed the score count.
    pub interactions: &'a [Interaction],
    /// The account's change log (any order): its churn forecast's and its cases'
    /// escalation changes are read from it.
    pub changes: &'a [ChangeLogEntry],
}

/// The account's key events up to `now`, newest first.
pub fn timeline(input: &TimelineInput, now: Timestamp) -> Vec<TimelineEvent> {
    let mut out = vec![];
    escalations(input, &mut out);
    transitions(input, &mut out);
    churn_changes(input, &mut out);
    renewals(input, &mut out);
    sentiment_drops(input, &mut out);
    out.retain(|e| e.at <= now);
    out.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then(a.kind.cmp(&b.kind))
            .then(a.record.id.cmp(&b.record.id))
    });
    out
}

fn cite(kind: EntityKind, id: Id) -> Citation {
    Citation { kind, id }
}

/// Whether a change log entry says a field became `true`.
fn became_true(e: &ChangeLogEntry) -> bool {
    e.to.as_ref().and_then(serde_json::Value::as_bool) == Some(true)
}

fn escalations(input: &TimelineInput, out: &mut Vec<TimelineEvent>) {
    for case in input.cases {
        let marked: Vec<Timestamp> = input
            .changes
            .iter()
            .filter(|e| {
                e.entity == EntityKind::SupportCase
                    && e.record_id == case.id
                    && e.field.as_deref() == Some("escalated")
                    && became_true(e)
            })
            .map(|e| e.at)
            .collect();
        // A case escalated now that the log never saw change was opened so.
        let times = if marked.is_empty() && case.escalated {
            vec![case.opened_at]
        } else {
            marked
        };
        for at in times {
            out.push(TimelineEvent {
                at,
                kind: EventKind::Escalation,
                worse: true,
                text: format!(
                    "Case {} escalated: {} ({})",
                    case.number, case.subject, case.priority
                ),
                record: cite(EntityKind::SupportCase, case.id),
            });
        }
    }
}

fn transitions(input: &TimelineInput, out: &mut Vec<TimelineEvent>) {
    let mut weeks: Vec<&Snapshot> = input.weekly.iter().filter(|s| s.status.is_some()).collect();
    weeks.sort_by_key(|s| s.start);
    let Some(first) = weeks.first() else {
        return;
    };
    // The status the account has settled in; a week on the other side of a
    // band's edge that neither holds the week after nor moved much (71, 69, 72)
    // is a wobble, not a transition.
    let mut settled = first.status;
    for (k, pair) in weeks.windows(2).enumerate() {
        let (before, week) = (pair[0], pair[1]);
        let (Some(from), Some(to)) = (settled, week.status) else {
            continue;
        };
        if from == to {
            continue;
        }
        let holds = weeks
            .get(k + 2)
            .is_none_or(|next| next.status == week.status);
        let moved = match (before.score, week.score) {
            (Some(a), Some(b)) => (b - a).abs() >= TRANSITION_MOVE,
            _ => true,
        };
        if !holds && !moved {
            continue;
        }
        settled = week.status;
        out.push(TimelineEvent {
            at: week.at,
            kind: EventKind::Transition,
            worse: to < from,
            text: format!(
                "Health {} → {} (score {})",
                from.label(),
                to.label(),
                format::score(week.score)
            ),
            record: cite(EntityKind::Account, input.account.id),
        });
    }
}

/// A logged churn forecast (a missing one is none).
fn forecast(v: Option<&serde_json::Value>) -> ChurnForecast {
    v.and_then(|v| <ChurnForecast as serde::Deserialize>::deserialize(v).ok())
        .unwrap_or_default()
}

fn churn_changes(input: &TimelineInput, out: &mut Vec<TimelineEvent>) {
    for e in input.changes {
        if e.entity != EntityKind::Account
            || e.record_id != input.account.id
            || e.field.as_deref() != Some("churn")
        {
            continue;
        }
        let (was, now) = (forecast(e.from.as_ref()), forecast(e.to.as_ref()));
        let (from, to) = (was.likelihood, now.likelihood);
        if from == to {
            continue;
        }
        let reason = now
            .reason_category
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        out.push(TimelineEvent {
            at: e.at,
            kind: EventKind::ChurnRisk,
            worse: to > from,
            text: format!(
                "Churn forecast {} → {}{reason} (by {})",
                from.to_string().replace('_', " "),
                to.to_string().replace('_', " "),
                e.actor
            ),
            record: cite(EntityKind::Account, input.account.id),
        });
    }
}

fn renewals(input: &TimelineInput, out: &mut Vec<TimelineEvent>) {
    for a in input.agreements {
        if a.kind != AgreementKind::Renewal
            || !matches!(a.status, AgreementStatus::Active | AgreementStatus::Expired)
        {
            continue;
        }
        let before = a
            .renews_id
            .and_then(|id| input.agreements.iter().find(|x| x.id == id))
            .map(|x| x.mrr_cents);
        let change = match before {
            Some(b) if b != a.mrr_cents => format!(" (was {})", format::money(b)),
            _ => String::new(),
        };
        out.push(TimelineEvent {
            at: a.start.and_time(chrono::NaiveTime::MIN).and_utc(),
            kind: EventKind::Renewal,
            worse: before.is_some_and(|b| a.mrr_cents < b),
            text: format!(
                "Renewed: {} at {} MRR{change}",
                a.name,
                format::money(a.mrr_cents)
            ),
            record: cite(EntityKind::Agreement, a.id),
        });
    }
}

fn sentiment_drops(input: &TimelineInput, out: &mut Vec<TimelineEvent>) {
    let mut scored: Vec<(&Interaction, f64)> = input
        .interactions
        .iter()
        .filter(|i| feeds_sentiment(i))
        .filter_map(|i| Some((i, i.sentiment?.score)))
        .collect();
    scored.sort_by_key(|(i, _)| (i.at, i.id));
    // A fall is told once: the interactions that follow a drop and stay as low
    // are the same news.
    let mut after_drop = false;
    for (k, (i, score)) in scored.iter().enumerate() {
        let before = &scored[k.saturating_sub(DROP_BASELINE)..k];
        let baseline = before.iter().map(|(_, s)| s).sum::<f64>() / before.len().max(1) as f64;
        let drop = before.len() >= DROP_MIN_BASELINE
            && *score <= DROP_FLOOR
            && baseline - score >= DROP_BY;
        let told = after_drop;
        after_drop = drop || (after_drop && *score <= DROP_FLOOR);
        if !drop || told {
            continue;
        }
        out.push(TimelineEvent {
            at: i.at,
            kind: EventKind::SentimentDrop,
            worse: true,
            text: format!(
                "Sentiment {score:+.2} on {} \"{}\" (the {} before averaged {baseline:+.2})",
                i.kind,
                i.subject,
                before.len()
            ),
            record: cite(EntityKind::Interaction, i.id),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use serde_json::json;

    fn t(day: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
    }

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 6, 30, 12, 0, 0).unwrap()
    }

    fn account() -> Account {
        serde_json::from_value(json!({
            "id": 1, "created_at": t(1), "updated_at": t(1), "name": "Acme",
            "stage": "adoption", "owner": "maya"
        }))
        .expect("an account")
    }

    fn case(id: Id, escalated: bool, opened: u32) -> SupportCase {
        serde_json::from_value(json!({
            "id": id, "created_at": t(opened), "updated_at": t(opened), "account_id": 1,
            "number": format!("CS-{id}"), "subject": "Sync stopped", "priority": "urgent",
            "severity": 1, "status": "open", "escalated": escalated, "team": "platform",
            "region": "emea", "opened_at": t(opened)
        }))
        .expect("a case")
    }

    fn change(
        id: Id,
        at: u32,
        entity: EntityKind,
        record: Id,
        field: &str,
        from: serde_json::Value,
        to: serde_json::Value,
    ) -> ChangeLogEntry {
        ChangeLogEntry {
            id,
            at: t(at),
            actor: "maya".into(),
            entity,
            record_id: record,
            account_id: Some(1),
            action: ChangeAction::Update,
            field: Some(field.into()),
            from: Some(from),
            to: Some(to),
        }
    }

    fn snapshot(week: u32, score: f64, status: HealthStatus) -> Snapshot {
        let start =
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap() + chrono::Days::new(7 * u64::from(week));
        Snapshot {
            account_id: 1,
            period: crate::health::Period::Week,
            start,
            at: (start + chrono::Days::new(6))
                .and_hms_opt(23, 0, 0)
                .unwrap()
                .and_utc(),
            score: Some(score),
            status: Some(status),
            profile: "default".into(),
            components: vec![],
        }
    }

    fn interaction(id: Id, day: u32, score: f64) -> Interaction {
        serde_json::from_value(json!({
            "id": id, "created_at": t(day), "updated_at": t(day), "account_id": 1,
            "kind": "email", "direction": "in", "at": t(day), "subject": format!("mail {id}"),
            "sentiment": {"score": score, "label": if score < 0.0 { "negative" } else { "positive" }, "source": "ai"}
        }))
        .expect("an interaction")
    }

    fn agreement(
        id: Id,
        kind: &str,
        start: (i32, u32, u32),
        mrr: i64,
        renews: Option<Id>,
    ) -> Agreement {
        serde_json::from_value(json!({
            "id": id, "created_at": t(1), "updated_at": t(1), "account_id": 1,
            "name": format!("Contract {id}"), "mrr_cents": mrr,
            "start": NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap(),
            "end": NaiveDate::from_ymd_opt(start.0 + 1, start.1, start.2).unwrap(),
            "status": "active", "kind": kind, "renews_id": renews
        }))
        .expect("an agreement")
    }

    fn events(input: &TimelineInput) -> Vec<(EventKind, bool, Id)> {
        timeline(input, now())
            .into_iter()
            .map(|e| (e.kind, e.worse, e.record.id))
            .collect()
    }

    fn empty(a: &Account) -> TimelineInput<'_> {
        TimelineInput {
            account: a,
            weekly: &[],
            cases: &[],
            agreements: &[],
            interactions: &[],
            changes: &[],
        }
    }

    #[test]
    fn nothing_happened_means_no_event() {
        let a = account();
        assert!(timeline(&empty(&a), now()).is_empty());
    }

    #[test]
    fn an_escalation_is_dated_by_the_log_else_by_the_opening() {
        let a = account();
        let cases = [case(7, true, 3), case(8, true, 5), case(9, false, 6)];
        let changes = [change(
            1,
            10,
            EntityKind::SupportCase,
            8,
            "escalated",
            json!(false),
            json!(true),
        )];
        let input = TimelineInput {
            cases: &cases,
            changes: &changes,
            ..empty(&a)
        };
        let got = timeline(&input, now());
        let when: Vec<(Id, Timestamp)> = got.iter().map(|e| (e.record.id, e.at)).collect();
        assert_eq!(
            when,
            vec![(8, t(10)), (7, t(3))],
            "newest first; case 9 never escalated"
        );
        assert!(
            got.iter()
                .all(|e| e.kind == EventKind::Escalation && e.worse)
        );
        assert_eq!(got[1].text, "Case CS-7 escalated: Sync stopped (urgent)");
    }

    #[test]
    fn a_case_escalated_then_calmed_keeps_its_escalation() {
        let a = account();
        let cases = [case(7, false, 3)];
        let changes = [
            change(
                1,
                4,
                EntityKind::SupportCase,
                7,
                "escalated",
                json!(false),
                json!(true),
            ),
            change(
                2,
                9,
                EntityKind::SupportCase,
                7,
                "escalated",
                json!(true),
                json!(false),
            ),
        ];
        let input = TimelineInput {
            cases: &cases,
            changes: &changes,
            ..empty(&a)
        };
        assert_eq!(events(&input), vec![(EventKind::Escalation, true, 7)]);
    }

    #[test]
    fn transitions_come_from_consecutive_weeks_whatever_their_order() {
        let a = account();
        let weekly = [
            snapshot(2, 35.0, HealthStatus::AtRisk),
            snapshot(0, 72.0, HealthStatus::Healthy),
            snapshot(1, 55.0, HealthStatus::Concerning),
            snapshot(3, 38.0, HealthStatus::AtRisk),
        ];
        let input = TimelineInput {
            weekly: &weekly,
            ..empty(&a)
        };
        let got = timeline(&input, now());
        let texts: Vec<&str> = got.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Health concerning → at risk (score 35)",
                "Health healthy → concerning (score 55)"
            ]
        );
        assert_eq!(got[0].at, weekly[0].at, "dated when the later week closed");
        assert!(got.iter().all(|e| e.worse));
    }

    #[test]
    fn a_wobble_on_a_band_edge_is_no_transition() {
        let a = account();
        let weekly = [
            snapshot(0, 71.0, HealthStatus::Healthy),
            snapshot(1, 69.0, HealthStatus::Concerning),
            snapshot(2, 72.0, HealthStatus::Healthy),
            // A slow slide that holds: told once, when it crossed.
            snapshot(3, 68.0, HealthStatus::Concerning),
            snapshot(4, 66.0, HealthStatus::Concerning),
            // The latest week has no week after: it holds.
            snapshot(5, 38.0, HealthStatus::AtRisk),
        ];
        let input = TimelineInput {
            weekly: &weekly,
            ..empty(&a)
        };
        let got = timeline(&input, now());
        let texts: Vec<&str> = got.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Health concerning → at risk (score 38)",
                "Health healthy → concerning (score 68)"
            ]
        );
    }

    #[test]
    fn a_big_move_counts_even_when_it_does_not_hold() {
        let a = account();
        let weekly = [
            snapshot(0, 75.0, HealthStatus::Healthy),
            snapshot(1, 35.0, HealthStatus::AtRisk),
            snapshot(2, 74.0, HealthStatus::Healthy),
        ];
        let input = TimelineInput {
            weekly: &weekly,
            ..empty(&a)
        };
        let kinds: Vec<(bool, Timestamp)> = timeline(&input, now())
            .iter()
            .map(|e| (e.worse, e.at))
            .collect();
        assert_eq!(kinds, vec![(false, weekly[2].at), (true, weekly[1].at)]);
    }

    #[test]
    fn a_rise_is_a_transition_for_the_better() {
        let a = account();
        let weekly = [
            snapshot(0, 35.0, HealthStatus::AtRisk),
            snapshot(1, 71.0, HealthStatus::Healthy),
        ];
        let input = TimelineInput {
            weekly: &weekly,
            ..empty(&a)
        };
        assert_eq!(events(&input), vec![(EventKind::Transition, false, 1)]);
    }

    #[test]
    fn churn_risk_changes_read_the_forecast_in_the_log() {
        let a = account();
        let changes = [
            change(
                1,
                5,
                EntityKind::Account,
                1,
                "churn",
                json!({"likelihood": "none"}),
                json!({"likelihood": "at_risk", "reason_category": "budget"}),
            ),
            // The projected date moved, the likelihood did not: no event.
            change(
                2,
                6,
                EntityKind::Account,
                1,
                "churn",
                json!({"likelihood": "at_risk"}),
                json!({"likelihood": "at_risk", "projected_date": "2026-06-01"}),
            ),
            change(
                3,
                8,
                EntityKind::Account,
                1,
                "churn",
                json!({"likelihood": "at_risk"}),
                json!({"likelihood": "none"}),
            ),
            // Another field, another account: not churn.
            change(
                4,
                9,
                EntityKind::Account,
                1,
                "stage",
                json!("adoption"),
                json!("renewal"),
            ),
            change(
                5,
                9,
                EntityKind::Account,
                2,
                "churn",
                json!({"likelihood": "none"}),
                json!({"likelihood": "confirmed"}),
            ),
        ];
        let input = TimelineInput {
            changes: &changes,
            ..empty(&a)
        };
        let got = timeline(&input, now());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].text, "Churn forecast at risk → none (by maya)");
        assert!(!got[0].worse);
        assert_eq!(
            got[1].text,
            "Churn forecast none → at risk: budget (by maya)"
        );
        assert!(got[1].worse);
    }

    #[test]
    fn renewals_start_their_term_and_say_a_downsell() {
        let a = account();
        let agreements = [
            agreement(1, "initial", (2025, 3, 1), 50_000, None),
            agreement(2, "renewal", (2026, 3, 1), 40_000, Some(1)),
            agreement(3, "amendment", (2026, 3, 10), 5_000, None),
            // Starts after now: not yet an event.
            agreement(4, "renewal", (2027, 3, 1), 40_000, Some(2)),
        ];
        let input = TimelineInput {
            agreements: &agreements,
            ..empty(&a)
        };
        let got = timeline(&input, now());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].text, "Renewed: Contract 2 at $400 MRR (was $500)");
        assert!(got[0].worse, "a renewal at a lower MRR is a downsell");
        assert_eq!(
            got[0].at.date_naive(),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
    }

    #[test]
    fn a_sentiment_drop_is_a_fall_from_the_interactions_before() {
        let a = account();
        let interactions = [
            interaction(1, 2, 0.4),
            interaction(2, 4, 0.3),
            // Negative but close to what came before: not a drop.
            interaction(3, 6, -0.1),
            interaction(4, 8, 0.5),
            // 0.275 average before, -0.6 now: a drop.
            interaction(5, 10, -0.6),
            // Still as low right after: the same fall, not a second one.
            interaction(6, 12, -0.4),
            // Back up, then down again: a new fall.
            interaction(7, 14, 0.6),
            interaction(8, 16, 0.7),
            interaction(9, 18, -0.5),
        ];
        let input = TimelineInput {
            interactions: &interactions,
            ..empty(&a)
        };
        let got = timeline(&input, now());
        let ids: Vec<Id> = got.iter().map(|e| e.record.id).collect();
        assert_eq!(ids, vec![9, 5], "{got:?}");
        assert_eq!(
            got[1].text,
            "Sentiment -0.60 on email \"mail 5\" (the 4 before averaged +0.28)"
        );
    }

    #[test]
    fn a_drop_needs_a_baseline_of_three() {
        let a = account();
        let interactions = [
            interaction(1, 2, 0.9),
            interaction(2, 3, 0.9),
            interaction(3, 4, -0.9),
        ];
        let input = TimelineInput {
            interactions: &interactions,
            ..empty(&a)
        };
        assert!(timeline(&input, now()).is_empty());
    }

    #[test]
    fn an_interaction_left_out_of_the_score_is_no_drop() {
        let a = account();
        let mut out = interaction(4, 8, -0.9);
        out.excluded_from_score = true;
        let interactions = [
            interaction(1, 2, 0.6),
            interaction(2, 4, 0.6),
            interaction(3, 6, 0.6),
            out,
        ];
        let input = TimelineInput {
            interactions: &interactions,
            ..empty(&a)
        };
        assert!(timeline(&input, now()).is_empty());
    }

    #[test]
    fn events_are_newest_first_across_kinds() {
        let a = account();
        let cases = [case(7, true, 20)];
        let weekly = [
            snapshot(0, 72.0, HealthStatus::Healthy),
            snapshot(1, 55.0, HealthStatus::Concerning),
        ];
        let interactions = [
            interaction(1, 2, 0.5),
            interaction(2, 3, 0.5),
            interaction(3, 4, 0.5),
            interaction(4, 25, -0.7),
        ];
        let input = TimelineInput {
            cases: &cases,
            weekly: &weekly,
            interactions: &interactions,
            ..empty(&a)
        };
        let kinds: Vec<EventKind> = timeline(&input, now()).iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                EventKind::SentimentDrop,
                EventKind::Escalation,
                EventKind::Transition
            ]
        );
    }
}
