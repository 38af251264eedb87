//! Properties of the summary over random accounts: every citation names a record
//! of the input (of the kind it says), and the same input gives the same summary
//! whatever order its records come in.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::subsequence;
use tend_domain::*;

use super::fixture::*;
use super::*;

const SUBJECTS: &[(&str, &str)] = &[
    (
        "Expanding to Madrid",
        "We want 40 more seats for the new team.",
    ),
    (
        "Outage again",
        "The platform was down again. Not acceptable.",
    ),
    (
        "Quarterly business review",
        "We will send the revised pricing by Friday.",
    ),
    ("Go-live done", "We went live today."),
    ("Invoice question", "Can you explain the last invoice?"),
    ("", "I'll follow up with the SSO guide next week."),
    (
        "Pilot in APAC",
        "An upgrade for another region could follow the pilot.",
    ),
];

type Raw = (
    (
        Vec<(usize, usize)>,
        Vec<(i64, usize, bool, Vec<usize>, usize, Option<f64>, bool)>,
        Vec<(usize, bool, usize, i64)>,
        Vec<(i64, i64, i64, usize, bool)>,
        Vec<(i64, usize, bool, Option<i64>)>,
        Vec<(bool, Option<i64>)>,
    ),
    (
        Vec<(usize, Option<i64>, Option<usize>)>,
        Vec<(usize, Vec<usize>)>,
        usize,
        Vec<(i64, u8, Option<usize>)>,
        Vec<(i64, usize, Option<i64>)>,
        Vec<usize>,
    ),
    (
        Vec<(Option<usize>, Option<i64>, Option<i64>)>,
        Vec<(usize, f64, f64, f64, usize, Option<i64>)>,
        Vec<(usize, bool)>,
        Option<f64>,
        Vec<f64>,
        (usize, Option<u8>),
    ),
);

fn raw() -> impl Strategy<Value = Raw> {
    let people = (
        prop::collection::vec((0usize..4, 0usize..5), 0..6),
        prop::collection::vec(
            (
                0i64..400,
                0usize..6,
                any::<bool>(),
                prop::collection::vec(0usize..8, 0..3),
                0usize..SUBJECTS.len(),
                prop::option::of(-1.0f64..1.0),
                any::<bool>(),
            ),
            0..120,
        ),
        prop::collection::vec((0usize..4, any::<bool>(), 0usize..6, 0i64..200), 0..6),
        prop::collection::vec(
            (
                0i64..2_000_000,
                -800i64..100,
                30i64..800,
                0usize..4,
                any::<bool>(),
            ),
            0..4,
        ),
        prop::collection::vec(
            (
                0i64..5_000_000,
                0usize..6,
                any::<bool>(),
                prop::option::of(-400i64..200),
            ),
            0..5,
        ),
        prop::collection::vec((any::<bool>(), prop::option::of(-60i64..60)), 0..4),
    );
    let work = (
        prop::collection::vec(
            (
                0usize..3,
                prop::option::of(-30i64..30),
                prop::option::of(0usize..5),
            ),
            0..8,
        ),
        prop::collection::vec((0usize..3, prop::collection::vec(0usize..5, 0..4)), 0..3),
        0usize..3,
        prop::collection::vec((0i64..500, 0u8..=10, prop::option::of(0usize..8)), 0..4),
        prop::collection::vec((0i64..60, 0usize..3, prop::option::of(-5i64..5)), 0..4),
        prop::collection::vec(0usize..4, 0..3),
    );
    let success = (
        prop::collection::vec(
            (
                prop::option::of(0usize..3),
                prop::option::of(-100i64..200),
                prop::option::of(-100i64..20),
            ),
            0..4,
        ),
        prop::collection::vec(
            (
                0usize..6,
                0.0f64..100.0,
                0.0f64..100.0,
                0.0f64..100.0,
                0usize..5,
                prop::option::of(-100i64..5),
            ),
            0..6,
        ),
        prop::collection::vec((0usize..3, any::<bool>()), 0..3),
        prop::option::of(0.0f64..100.0),
        prop::collection::vec(0.0f64..100.0, 0..6),
        (0usize..3, prop::option::of(1u8..=5)),
    );
    (people, work, success)
}

fn pick<T: Copy>(all: &[T], k: usize) -> T {
    all[k % all.len()]
}

/// Builds an account's records from the raw draw. References may dangle on
/// purpose (a KPI's objective, a run's playbook, an interaction's contact that the
/// input does not hold): the summary must not cite them.
fn build(raw: Raw) -> World {
    use InteractionKind::*;
    let ((contacts, interactions, cases, agreements, opportunities, projects), work, success) = raw;
    let (tasks, runs, playbooks, nps_list, alerts, plans) = work;
    let (objectives, kpis, challenges, score, weekly, (churn, pulse)) = success;
    let mut w = World::empty();
    const ROLES: &[&[&str]] = &[
        &[],
        &["sponsor"],
        &["champion"],
        &["decision_maker", "sponsor"],
    ];
    const TITLES: &[Option<&str>] = &[
        None,
        Some("CEO"),
        Some("Data Analyst"),
        Some("VP Sales"),
        Some("IT Manager"),
    ];
    w.contacts = contacts
        .iter()
        .enumerate()
        .map(|(k, (r, t))| {
            contact(
                1 + k as Id,
                &format!("Person {k}"),
                pick(TITLES, *t),
                pick(ROLES, *r),
            )
        })
        .collect();
    let kinds = [Email, Meeting, Call, Note, Ticket, CrmEvent];
    w.interactions = interactions
        .iter()
        .enumerate()
        .map(
            |(k, (days, kind, incoming, people, text, score, answered))| {
                let (subject, body) = SUBJECTS[*text];
                let direction = if *incoming {
                    Direction::In
                } else {
                    Direction::Out
                };
                let ids: Vec<Id> = people.iter().map(|p| 1 + *p as Id).collect();
                let mut i = interaction(
                    1000 + k as Id,
                    *days,
                    kinds[*kind],
                    direction,
                    &ids,
                    subject,
                    body,
                );
                i.sentiment = score.map(sentiment);
                i.answered = *answered;
                if k % 5 == 0 {
                    i.tags = vec!["go_live".into()];
                }
                i
            },
        )
        .collect();
    let priorities = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];
    let statuses = [
        CaseStatus::New,
        CaseStatus::Open,
        CaseStatus::Pending,
        CaseStatus::Hold,
        CaseStatus::Solved,
        CaseStatus::Closed,
    ];
    w.cases = cases
        .iter()
        .enumerate()
        .map(|(k, (p, escalated, s, days))| {
            let mut c = case(
                2000 + k as Id,
                &format!("Case {k}"),
                priorities[*p],
                *escalated,
                statuses[*s],
            );
            c.opened_at = ago(*days);
            c
        })
        .collect();
    let agreement_statuses = [
        AgreementStatus::Draft,
        AgreementStatus::Active,
        AgreementStatus::Expired,
        AgreementStatus::Cancelled,
    ];
    w.agreements = agreements
        .iter()
        .enumerate()
        .map(|(k, (mrr, start, len, s, auto))| {
            let mut a = agreement(
                3000 + k as Id,
                &format!("Plan {} 2026", k % 2),
                *mrr,
                *start,
                start + len,
            );
            a.status = agreement_statuses[*s];
            a.auto_renew = *auto;
            a
        })
        .collect();
    let phases = [
        OpportunityPhase::Open,
        OpportunityPhase::Qualified,
        OpportunityPhase::Proposal,
        OpportunityPhase::Negotiation,
        OpportunityPhase::Won,
        OpportunityPhase::Lost,
    ];
    w.opportunities = opportunities
        .iter()
        .enumerate()
        .map(|(k, (amount, phase, expansion, close))| {
            let mut o = opportunity(
                4000 + k as Id,
                &format!("Deal {k}"),
                *amount,
                phases[*phase],
                *expansion,
            );
            o.close_date = close.map(day);
            o
        })
        .collect();
    w.projects = projects
        .iter()
        .enumerate()
        .map(|(k, (active, due))| {
            let status = if *active {
                ProjectStatus::Active
            } else {
                ProjectStatus::Completed
            };
            project(5000 + k as Id, &format!("Project {k}"), status, *due)
        })
        .collect();
    let task_statuses = [TaskStatus::Todo, TaskStatus::Doing, TaskStatus::Done];
    w.tasks = tasks
        .iter()
        .enumerate()
        .map(|(k, (s, due, p))| {
            let title = if k % 3 == 0 {
                "Send revised pricing"
            } else {
                "Go-live checklist"
            };
            task(
                6000 + k as Id,
                title,
                task_statuses[*s],
                *due,
                p.map(|p| 5000 + p as Id),
            )
        })
        .collect();
    w.playbooks = (0..playbooks)
        .map(|k| {
            playbook(
                7000 + k as Id,
                &format!("Playbook {k}"),
                &["One", "Two", "Three"],
            )
        })
        .collect();
    let states = [
        StepState::Pending,
        StepState::Done,
        StepState::Waiting,
        StepState::Failed,
        StepState::Skipped,
    ];
    w.runs = runs
        .iter()
        .enumerate()
        .map(|(k, (p, s))| {
            let s: Vec<StepState> = s.iter().map(|x| states[*x]).collect();
            run(8000 + k as Id, 7000 + *p as Id, &s)
        })
        .collect();
    w.nps = nps_list
        .iter()
        .enumerate()
        .map(|(k, (days, score, c))| {
            nps(
                9000 + k as Id,
                *days,
                c.map(|c| 1 + c as Id),
                *score,
                "Comment",
            )
        })
        .collect();
    let alert_states = [AlertState::Open, AlertState::Snoozed, AlertState::Done];
    w.alerts = alerts
        .iter()
        .enumerate()
        .map(|(k, (days, s, until))| {
            let mut a = alert(
                10_000 + k as Id,
                *days,
                "usage_drop",
                "Usage fell",
                alert_states[*s],
            );
            a.snoozed_until = until.map(|d| ago(-d));
            a
        })
        .collect();
    let plan_statuses = [
        PlanStatus::Draft,
        PlanStatus::Active,
        PlanStatus::Completed,
        PlanStatus::Cancelled,
    ];
    w.plans = plans
        .iter()
        .enumerate()
        .map(|(k, s)| plan(11_000 + k as Id, &format!("Plan {k}"), plan_statuses[*s]))
        .collect();
    w.objectives = objectives
        .iter()
        .enumerate()
        .map(|(k, (p, due, done))| {
            objective(
                12_000 + k as Id,
                p.map(|p| 11_000 + p as Id),
                &format!("Objective {k}"),
                *due,
                *done,
            )
        })
        .collect();
    let kpi_statuses = [
        KpiStatus::NotStarted,
        KpiStatus::OnTrack,
        KpiStatus::OffTrack,
        KpiStatus::Blocked,
        KpiStatus::Completed,
    ];
    w.kpis = kpis
        .iter()
        .enumerate()
        .map(|(k, (o, base, current, target, s, measured))| {
            kpi(
                13_000 + k as Id,
                12_000 + *o as Id,
                &format!("KPI {k}"),
                "%",
                (*base, *current, *target),
                kpi_statuses[*s],
                *measured,
            )
        })
        .collect();
    let severities = [Severity::Low, Severity::Medium, Severity::High];
    w.challenges = challenges
        .iter()
        .enumerate()
        .map(|(k, (s, open))| {
            let status = if *open {
                ChallengeStatus::Open
            } else {
                ChallengeStatus::Addressed
            };
            challenge(
                14_000 + k as Id,
                &format!("Challenge {k}"),
                severities[*s],
                status,
            )
        })
        .collect();
    w.health = score.map(health);
    w.weekly = weekly
        .iter()
        .enumerate()
        .map(|(k, s)| week(weekly.len() as i64 - k as i64, *s))
        .collect();
    w.account.churn.likelihood = [
        ChurnLikelihood::None,
        ChurnLikelihood::AtRisk,
        ChurnLikelihood::Confirmed,
    ][churn];
    w.account.pulse = pulse.map(|rating| Pulse {
        rating,
        at: ago(20),
        by: "maya.chen".into(),
    });
    w
}

/// Every (kind, id) the input holds.
pub(crate) fn present(w: &World) -> BTreeSet<(EntityKind, Id)> {
    fn add<T: RecordMeta>(set: &mut BTreeSet<(EntityKind, Id)>, list: &[T]) {
        set.extend(list.iter().map(|r| (T::KIND, r.id())));
    }
    let mut set = BTreeSet::new();
    set.insert((EntityKind::Account, w.account.id));
    add(&mut set, &w.contacts);
    add(&mut set, &w.interactions);
    add(&mut set, &w.cases);
    add(&mut set, &w.agreements);
    add(&mut set, &w.opportunities);
    add(&mut set, &w.projects);
    add(&mut set, &w.tasks);
    add(&mut set, &w.runs);
    add(&mut set, &w.playbooks);
    add(&mut set, &w.nps);
    add(&mut set, &w.alerts);
    add(&mut set, &w.plans);
    add(&mut set, &w.objectives);
    add(&mut set, &w.kpis);
    add(&mut set, &w.challenges);
    set
}

pub(crate) fn worlds() -> impl Strategy<Value = World> {
    raw().prop_map(build)
}

fn settings() -> impl Strategy<Value = Settings> {
    subsequence(SectionId::ALL.to_vec(), 1..=SectionId::ALL.len())
        .prop_shuffle()
        .prop_map(|sections| Settings { sections })
}

fn reversed(w: &World) -> World {
    let mut r = w.clone();
    r.contacts.reverse();
    r.interactions.reverse();
    r.cases.reverse();
    r.agreements.reverse();
    r.opportunities.reverse();
    r.projects.reverse();
    r.tasks.reverse();
    r.runs.reverse();
    r.playbooks.reverse();
    r.nps.reverse();
    r.alerts.reverse();
    r.plans.reverse();
    r.objectives.reverse();
    r.kpis.reverse();
    r.challenges.reverse();
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn citations_name_records_of_the_input_and_output_is_deterministic(
        w in worlds(),
        settings in settings(),
    ) {
        let summary = summarize(&w.input(), &settings, now());
        let ids: Vec<SectionId> = summary.sections.iter().map(|s| s.id).collect();
        prop_assert_eq!(&ids, &settings.sections);
        let present = present(&w);
        for section in &summary.sections {
            prop_assert!(!section.statements.is_empty() || section.note.is_some(), "{} says nothing", section.title);
            for st in &section.statements {
                prop_assert!(!st.text.trim().is_empty());
                for c in &st.citations {
                    prop_assert!(
                        present.contains(&(c.kind, c.id)),
                        "{}: \"{}\" cites {:?} {}", section.title, st.text, c.kind, c.id
                    );
                }
            }
        }
        // Off-track, blocked and not-started KPIs are never achievements.
        if let Some(a) = summary.section(SectionId::Achievements) {
            for st in &a.statements {
                for c in st.citations.iter().filter(|c| c.kind == EntityKind::Kpi) {
                    let k = w.kpis.iter().find(|k| k.id == c.id).unwrap();
                    prop_assert!(matches!(k.status, KpiStatus::OnTrack | KpiStatus::Completed));
                    prop_assert!(k.progress().is_some_and(|p| p > 0.0));
                }
            }
        }
        prop_assert_eq!(&summary, &summarize(&w.input(), &settings, now()));
        prop_assert_eq!(&summary, &summarize(&reversed(&w).input(), &settings, now()));
        let record = summary.to_record("someone");
        prop_assert_eq!(&AccountSummary::from_record(&record, &w.account.name), &summary);
    }
}
