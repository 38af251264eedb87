//! Success plans, objectives, KPIs and business challenges: written out for the
//! story accounts, drawn for the others. Each account draws from its own stream
//! (seeded by the run's seed and its id), so adding them changed nothing else.

use super::Gen;
use super::rng::Rng;
use crate::dataset::Dataset;
use tend_domain::*;

/// One KPI as written: name, unit, baseline, target, current, status.
type KpiSpec = (&'static str, &'static str, f64, f64, f64, KpiStatus);

/// One objective: name, due (days from today), completed (days ago), its KPIs.
type ObjectiveSpec = (&'static str, i64, Option<i64>, Vec<KpiSpec>);

/// One challenge: title, severity, open, raised (days ago), description.
type ChallengeSpec = (&'static str, Severity, bool, i64, &'static str);

struct PlanSpec {
    name: &'static str,
    started: i64,
    ends_in: i64,
    description: &'static str,
    objectives: Vec<ObjectiveSpec>,
    challenges: Vec<ChallengeSpec>,
}

/// The story accounts' plans, by account name.
fn story(name: &str) -> Option<PlanSpec> {
    use KpiStatus::*;
    use Severity::*;
    Some(match name {
        "Larkspur Logistics" => PlanSpec {
            name: "Fleet visibility rollout",
            started: 300,
            ends_in: 60,
            description: "Live tracking in every depot, so dispatch stops working from spreadsheets.",
            objectives: vec![
                (
                    "Cut late deliveries by a fifth",
                    30,
                    None,
                    vec![("On-time delivery rate", "%", 82.0, 95.0, 80.5, OffTrack)],
                ),
                (
                    "Every depot live on tracking",
                    -20,
                    None,
                    vec![("Depots live", "depots", 4.0, 12.0, 5.0, Blocked)],
                ),
            ],
            challenges: vec![
                (
                    "The sponsor left and the new VP of Operations has not engaged",
                    High,
                    true,
                    140,
                    "Nobody on their side owns the rollout since the change.",
                ),
                (
                    "Dispatch still runs on spreadsheets in three depots",
                    Medium,
                    true,
                    200,
                    "Double entry slows the teams that went live.",
                ),
            ],
        },
        "Brightwave Health" => PlanSpec {
            name: "Clinical workflows at scale",
            started: 330,
            ends_in: 180,
            description: "Standard intake and referral workflows in every clinic, then new regions.",
            objectives: vec![
                (
                    "Workflows live in all clinics",
                    -60,
                    Some(45),
                    vec![("Clinics live", "clinics", 0.0, 14.0, 14.0, Completed)],
                ),
                (
                    "Shorter patient intake",
                    90,
                    None,
                    vec![
                        ("Intake time", "minutes", 18.0, 10.0, 11.5, OnTrack),
                        ("Referrals sent digitally", "%", 35.0, 90.0, 78.0, OnTrack),
                    ],
                ),
                (
                    "Clinics in Spain and Portugal",
                    150,
                    None,
                    vec![("New sites live", "sites", 0.0, 2.0, 0.0, NotStarted)],
                ),
            ],
            challenges: vec![(
                "New sites in Spain and Portugal need local onboarding",
                Medium,
                true,
                20,
                "Training in Spanish and Portuguese, and local data residency.",
            )],
        },
        "Orion Freight" => PlanSpec {
            name: "Stabilise the data sync before peak season",
            started: 90,
            ends_in: 45,
            description: "Fix the sync and the API limits before volumes double in the fourth quarter.",
            objectives: vec![
                (
                    "Sync uptime of 99.9%",
                    14,
                    None,
                    vec![("Sync uptime", "%", 99.0, 99.9, 97.8, OffTrack)],
                ),
                (
                    "Ready for peak volumes",
                    30,
                    None,
                    vec![("API errors per day", "errors", 120.0, 10.0, 340.0, Blocked)],
                ),
            ],
            challenges: vec![
                (
                    "Peak season doubles shipment volumes",
                    High,
                    true,
                    60,
                    "Their depots cannot fall back to manual dispatch at that volume.",
                ),
                (
                    "Engineering fixes keep slipping",
                    High,
                    true,
                    10,
                    "Three promised fix dates were missed this month.",
                ),
            ],
        },
        _ => return None,
    })
}

const PLANS: &[&str] = &[
    "Adoption plan",
    "Value realisation",
    "Onboarding to value",
    "Renewal readiness",
    "Expansion plan",
];
const OBJECTIVES: &[(&str, &str, &str, f64, f64)] = &[
    (
        "Grow weekly active users",
        "Weekly active users",
        "users",
        40.0,
        120.0,
    ),
    (
        "Adopt the reporting module",
        "Teams using reports",
        "teams",
        1.0,
        8.0,
    ),
    (
        "Cut manual work",
        "Hours saved per week",
        "hours",
        0.0,
        40.0,
    ),
    (
        "Faster resolution for their customers",
        "Resolution time",
        "hours",
        30.0,
        12.0,
    ),
    (
        "Roll out to every region",
        "Regions live",
        "regions",
        1.0,
        5.0,
    ),
    (
        "Executive sponsorship",
        "Business reviews held",
        "reviews",
        0.0,
        4.0,
    ),
];
const CHALLENGES: &[(&str, &str)] = &[
    (
        "Budget cuts across the business",
        "Every renewal goes through procurement again.",
    ),
    (
        "Data spread across legacy tools",
        "Reports need data from three systems.",
    ),
    (
        "A reorganisation is under way",
        "Owners of the rollout may change.",
    ),
    (
        "Fast growth strains their processes",
        "New teams join without training.",
    ),
];

pub(crate) fn add(g: &mut Gen, d: &mut Dataset) {
    let accounts: Vec<(Id, String, String, Stage)> = d
        .accounts
        .iter()
        .map(|a| (a.id, a.name.clone(), a.owner.clone(), a.stage))
        .collect();
    for (id, name, owner, stage) in accounts {
        let spec = match story(&name) {
            Some(s) => Some(s),
            None => drawn(g, id, stage),
        };
        if let Some(spec) = spec {
            push(g, d, id, &owner, &spec);
        }
    }
}

/// A plan for about half the accounts (none for churned ones), from the account's
/// own random stream.
fn drawn(g: &Gen, account: Id, stage: Stage) -> Option<PlanSpec> {
    let mut r = Rng::new(g.cfg.seed ^ (account as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    if stage == Stage::Churned || !r.chance(0.5) {
        return None;
    }
    use KpiStatus::*;
    let n = r.range(1, 2) as usize;
    let first = r.range(0, OBJECTIVES.len() as i64 - 1) as usize;
    let mut objectives: Vec<ObjectiveSpec> = vec![];
    for k in 0..n {
        let (objective, kpi, unit, base, target) = OBJECTIVES[(first + k) % OBJECTIVES.len()];
        let progress = r.f();
        let status = *r.pick(&[OnTrack, OnTrack, OffTrack, NotStarted, Blocked, Completed]);
        let progress = match status {
            Completed => 1.0,
            NotStarted => 0.0,
            _ => progress,
        };
        let current = ((base + (target - base) * progress) * 10.0).round() / 10.0;
        let due = r.range(-30, 180);
        let done = (status == Completed).then(|| r.range(5, 60));
        let kpis = vec![(kpi, unit, base, target, current, status)];
        objectives.push((objective, due, done, kpis));
    }
    let challenges: Vec<ChallengeSpec> = if r.chance(0.5) {
        let (title, description) = *r.pick(CHALLENGES);
        let severity = *r.pick(&[Severity::Low, Severity::Medium, Severity::High]);
        vec![(
            title,
            severity,
            r.chance(0.7),
            r.range(10, 200),
            description,
        )]
    } else {
        vec![]
    };
    Some(PlanSpec {
        name: PLANS[r.range(0, PLANS.len() as i64 - 1) as usize],
        started: r.range(30, 330),
        ends_in: r.range(30, 270),
        description: "",
        objectives,
        challenges,
    })
}

fn push(g: &mut Gen, d: &mut Dataset, account: Id, owner: &str, spec: &PlanSpec) {
    let created = g.not_after_anchor(g.cfg.anchor - chrono::TimeDelta::days(spec.started));
    let plan = g.ids.plan();
    d.success_plans.push(SuccessPlan {
        id: plan,
        version: 1,
        created_at: created,
        updated_at: created,
        source: Source::Ui,
        external_id: None,
        account_id: account,
        name: spec.name.into(),
        status: PlanStatus::Active,
        owner: owner.into(),
        start: Some(g.day(spec.started)),
        end: Some(g.day(-spec.ends_in)),
        description: spec.description.into(),
    });
    for (name, due, done, kpis) in &spec.objectives {
        let objective = g.ids.objective();
        d.objectives.push(Objective {
            id: objective,
            version: 1,
            created_at: created,
            updated_at: created,
            source: Source::Ui,
            external_id: None,
            account_id: account,
            plan_id: Some(plan),
            name: (*name).into(),
            owner: owner.into(),
            due: Some(g.day(-due)),
            completed_on: done.map(|ago| g.day(ago)),
            description: String::new(),
        });
        for &(name, unit, baseline, target, current, status) in kpis {
            d.kpis.push(Kpi {
                id: g.ids.kpi(),
                version: 1,
                created_at: created,
                updated_at: created,
                source: Source::Ui,
                external_id: None,
                account_id: account,
                objective_id: objective,
                name: name.into(),
                unit: unit.into(),
                baseline,
                target,
                current,
                status,
                measured_on: Some(g.day(if status == KpiStatus::NotStarted {
                    30
                } else {
                    7
                })),
            });
        }
    }
    for &(title, severity, open, raised, description) in &spec.challenges {
        let at = g.not_after_anchor(g.cfg.anchor - chrono::TimeDelta::days(raised));
        d.business_challenges.push(BusinessChallenge {
            id: g.ids.challenge(),
            version: 1,
            created_at: at,
            updated_at: at,
            source: Source::Ui,
            external_id: None,
            account_id: account,
            plan_id: Some(plan),
            title: title.into(),
            severity,
            status: if open {
                ChallengeStatus::Open
            } else {
                ChallengeStatus::Addressed
            },
            raised_on: Some(g.day(raised)),
            description: description.into(),
        });
    }
}
