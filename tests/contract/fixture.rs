//! The hand-written dataset every contract check runs against.
//!
//! Small enough to reason about by hand: six accounts (a group and its
//! subsidiary among them), contacts tagged champion/sponsor, interactions with
//! distinct words for full-text search, 60 days of usage with a gap week,
//! agreements covering every MRR/renewal rule, tasks in all three states,
//! playbooks and runs, NPS, cases across accounts, documents, alerts,
//! a summary and a few change-log entries.
//!
//! "Today" is Wednesday 2026-03-18 (the store runs on a fixed clock at
//! [`NOW`]). Every instant is a whole second so it reads back unchanged.

#![allow(dead_code)]

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, TimeDelta};
use serde_json::json;

use tend::dataset::Dataset;
use tend::domain::*;

/// Ids of the fixture's records, by name.
pub mod ids {
    use tend::domain::Id;

    pub const ACME: Id = 1; // group (parent)
    pub const ACME_FR: Id = 2; // subsidiary of ACME
    pub const GLOBEX: Id = 3;
    pub const INITECH: Id = 4; // lowercase name "initech", no health score
    pub const UMBRELLA: Id = 5; // churned
    pub const HOOLI: Id = 6; // domain piedpiper.xyz

    pub const C_ANNA: Id = 11; // ACME champion
    pub const C_BORIS: Id = 12; // ACME sponsor
    pub const C_CLARA: Id = 13; // ACME_FR decision maker
    pub const C_DMITRI: Id = 14; // GLOBEX champion
    pub const C_EVE: Id = 15; // ACME product user, no role
    pub const C_FRANK: Id = 16; // HOOLI sponsor

    pub const I_ROADMAP: Id = 21; // ACME email in, ANNA, business_review
    pub const I_KICKOFF: Id = 22; // ACME meeting out, ANNA + BORIS
    pub const I_INVOICE: Id = 23; // ACME call out, BORIS, bug, "xylophone"
    pub const I_NOTE: Id = 24; // ACME note out, "and zebra pricing"
    pub const I_CRASH: Id = 25; // GLOBEX email in, DMITRI, bug, "xylophone"
    pub const I_LOGIN: Id = 26; // ACME_FR ticket in, CLARA, bug

    pub const K_OUTAGE: Id = 31; // ACME urgent open escalated platform emea
    pub const K_BILLING: Id = 32; // ACME low solved billing emea
    pub const K_EXPORT: Id = 33; // GLOBEX high pending platform na
    pub const K_ACCESS: Id = 34; // ACME_FR normal new escalated billing emea
    pub const K_LEGACY: Id = 35; // UMBRELLA high closed platform apac
    pub const K_WEBHOOK: Id = 36; // INITECH normal hold integrations na

    pub const AG_PLATFORM: Id = 41; // ACME active auto-renew 500.00, notice 60
    pub const AG_SERVICES: Id = 42; // ACME active, no auto-renew, 200.00
    pub const AG_ADDENDUM: Id = 43; // ACME active but starts in May
    pub const AG_OLD: Id = 44; // ACME expired
    pub const AG_DRAFT: Id = 45; // ACME draft
    pub const AG_FR: Id = 46; // ACME_FR active 120.00
    pub const AG_GLOBEX: Id = 47; // GLOBEX active auto-renew 300.00, notice 90
    pub const AG_UMBRELLA: Id = 48; // UMBRELLA cancelled
    pub const AG_HOOLI: Id = 49; // HOOLI auto-renew, ended last year: rolls over

    pub const T_WELCOME: Id = 51; // ACME todo alice due 03-20 project ONBOARDING
    pub const T_SSO: Id = 52; // ACME doing bob due 03-25 project ONBOARDING
    pub const T_KICKOFF: Id = 53; // ACME done alice due 03-10
    pub const T_DECK: Id = 54; // GLOBEX todo carol no due
    pub const T_MIGRATE: Id = 55; // ACME_FR doing bob due 04-10 project MIGRATION
    pub const T_TRAIN: Id = 56; // ACME todo alice no due project ONBOARDING

    pub const P_ONBOARDING: Id = 61; // ACME
    pub const P_MIGRATION: Id = 62; // ACME_FR
    pub const P_QBR: Id = 63; // GLOBEX completed

    pub const O_UPSELL: Id = 71; // ACME
    pub const O_RENEWAL: Id = 72; // GLOBEX

    pub const PB_ONBOARDING: Id = 81; // 3 steps
    pub const PB_RENEWAL: Id = 82; // 2 steps
    pub const RUN_ACME: Id = 85;
    pub const RUN_GLOBEX: Id = 86;

    pub const NPS_ANNA: Id = 91;
    pub const NPS_DMITRI: Id = 92;
    pub const NPS_ANON: Id = 93;

    pub const D_QBR: Id = 101;
    pub const D_CONTRACT: Id = 102;

    pub const AL_USAGE: Id = 111; // ACME open, 1 day ago
    pub const AL_HEALTH: Id = 112; // ACME snoozed
    pub const AL_DONE: Id = 113; // GLOBEX done
    pub const AL_GLOBEX: Id = 114; // GLOBEX open, 2 days ago
    pub const AL_FR: Id = 115; // ACME_FR open, 10 days ago

    pub const S_ACME: Id = 121;

    pub const SP_ACME: Id = 131; // ACME active plan
    pub const OB_ADOPTION: Id = 132; // ACME objective of SP_ACME
    pub const KPI_USERS: Id = 133; // ACME on track, 40 -> 80, now 65
    pub const BC_SILOS: Id = 134; // ACME high, open, of SP_ACME

    pub const INV_ACME: Id = 141; // ACME, 500.00 for AG_PLATFORM, issued 1 Feb, paid 20 Feb
    pub const PAY_ACME: Id = 142; // ACME, pays INV_ACME in full

    pub const ALL_ACCOUNTS: [Id; 6] = [ACME, ACME_FR, GLOBEX, INITECH, UMBRELLA, HOOLI];
    pub const ALL_CASES: [Id; 6] = [K_OUTAGE, K_BILLING, K_EXPORT, K_ACCESS, K_LEGACY, K_WEBHOOK];
}

use ids::*;

/// The instant the store's clock is stopped at.
pub const NOW_RFC3339: &str = "2026-03-18T10:00:00Z";

pub fn now() -> Timestamp {
    DateTime::parse_from_rfc3339(NOW_RFC3339)
        .expect("valid NOW")
        .to_utc()
}

pub fn today() -> NaiveDate {
    now().date_naive()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// `NOW` minus whole days.
pub fn days_ago(n: i64) -> Timestamp {
    now() - TimeDelta::days(n)
}

/// The health the fixture gives each account (score, band, trend). The embedded
/// store has no health engine yet, so the harness writes these after loading.
pub const HEALTH: &[(Id, f64, HealthStatus, Option<f64>)] = &[
    (ACME, 72.0, HealthStatus::Healthy, Some(3.0)),
    (ACME_FR, 45.0, HealthStatus::Concerning, Some(-5.0)),
    (GLOBEX, 30.0, HealthStatus::AtRisk, Some(-10.0)),
    (UMBRELLA, 10.0, HealthStatus::AtRisk, Some(-2.0)),
    (HOOLI, 88.0, HealthStatus::Healthy, Some(1.5)),
    // INITECH has no score.
];

/// The measure the harness writes as each account's biggest drag (INITECH, without
/// a score, has none).
pub const DRAGS: &[(Id, tend::health::Measure)] = &[
    (ACME, tend::health::Measure::UsageTrend),
    (ACME_FR, tend::health::Measure::DaysSinceTouch),
    (GLOBEX, tend::health::Measure::DaysSinceTouch),
    (UMBRELLA, tend::health::Measure::OpenCases),
    (HOOLI, tend::health::Measure::DaysSinceTouch),
];

pub fn health_of(id: Id) -> Option<f64> {
    HEALTH.iter().find(|h| h.0 == id).map(|h| h.1)
}

/// The first and last day of the fixture's usage (60 days ending today).
pub fn usage_from() -> NaiveDate {
    date(2026, 1, 18)
}
/// The week (Monday..Sunday) with no usage at all.
pub fn gap_week() -> (NaiveDate, NaiveDate) {
    (date(2026, 2, 9), date(2026, 2, 15))
}

pub struct Fixture {
    pub now: Timestamp,
    pub dataset: Dataset,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            now: now(),
            dataset: dataset(),
        }
    }

    pub fn account(&self, id: Id) -> &Account {
        self.dataset
            .accounts
            .iter()
            .find(|a| a.id == id)
            .expect("fixture account")
    }
}

// --- record builders -------------------------------------------------------

fn created() -> Timestamp {
    days_ago(200)
}
fn updated() -> Timestamp {
    days_ago(20)
}

pub fn account(id: Id, name: &str, domain: &str, owner: &str, stage: Stage) -> Account {
    Account {
        id,
        version: 1,
        created_at: created(),
        updated_at: updated(),
        source: Source::Import,
        external_id: Some(format!("crm-{id}")),
        name: name.into(),
        domain: Some(domain.into()),
        parent_id: None,
        stage,
        segment: String::new(),
        region: String::new(),
        tags: vec![],
        owner: owner.into(),
        team: vec![],
        health_profile: None,
        goals_profile: None,
        focus_areas: vec![],
        custom_fields: BTreeMap::new(),
        churn: ChurnForecast::default(),
        pulse: None,
    }
}

pub fn contact(id: Id, account_id: Id, name: &str, roles: &[&str]) -> Contact {
    Contact {
        id,
        version: 1,
        created_at: created(),
        updated_at: updated(),
        source: Source::Import,
        external_id: None,
        account_id,
        name: name.into(),
        email: Some(format!("{}@example.com", name.to_lowercase())),
        title: None,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        kind: ContactKind::Crm,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn interaction(
    id: Id,
    account_id: Id,
    kind: InteractionKind,
    direction: Direction,
    at: Timestamp,
    contact_ids: &[Id],
    subject: &str,
    body: &str,
    tags: &[&str],
) -> Interaction {
    Interaction {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Import,
        external_id: None,
        account_id,
        kind,
        direction,
        at,
        contact_ids: contact_ids.to_vec(),
        user: Some("alice".into()),
        subject: subject.into(),
        body: body.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        sentiment: None,
        excluded_from_score: false,
        answered: false,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn case(
    id: Id,
    account_id: Id,
    number: &str,
    subject: &str,
    priority: Priority,
    severity: u8,
    status: CaseStatus,
    escalated: bool,
    team: &str,
    region: &str,
    opened_days_ago: i64,
    signals: &[Signal],
) -> SupportCase {
    let opened_at = days_ago(opened_days_ago);
    SupportCase {
        id,
        version: 1,
        created_at: opened_at,
        updated_at: opened_at,
        source: Source::Import,
        external_id: None,
        account_id,
        number: number.into(),
        subject: subject.into(),
        priority,
        severity,
        status,
        escalated,
        team: team.into(),
        region: region.into(),
        opened_at,
        resolved_at: (!status.is_open()).then(|| opened_at + TimeDelta::days(1)),
        signals: signals.to_vec(),
        engineering_issue: None,
        csat: None,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn agreement(
    id: Id,
    account_id: Id,
    name: &str,
    mrr_cents: Cents,
    start: NaiveDate,
    end: NaiveDate,
    notice_days: u32,
    auto_renew: bool,
    status: AgreementStatus,
    kind: AgreementKind,
) -> Agreement {
    Agreement {
        id,
        version: 1,
        created_at: created(),
        updated_at: updated(),
        source: Source::Import,
        external_id: None,
        account_id,
        name: name.into(),
        mrr_cents,
        start,
        end,
        notice_days,
        auto_renew,
        status,
        kind,
        payment_up_to_date: true,
        renews_id: None,
        attachments: vec![],
    }
}

#[allow(clippy::too_many_arguments)]
pub fn task(
    id: Id,
    account_id: Id,
    project_id: Option<Id>,
    title: &str,
    assignee: &str,
    due: Option<NaiveDate>,
    status: TaskStatus,
    priority: Priority,
    position: i64,
) -> Task {
    Task {
        id,
        version: 1,
        created_at: created(),
        updated_at: updated(),
        source: Source::Import,
        external_id: None,
        account_id,
        project_id,
        title: title.into(),
        description: String::new(),
        assignee: assignee.into(),
        due,
        status,
        priority,
        position,
        kind: TaskKind::from_title(title),
        alert_id: None,
    }
}

pub fn project(
    id: Id,
    account_id: Id,
    name: &str,
    status: ProjectStatus,
    due: Option<NaiveDate>,
) -> Project {
    Project {
        id,
        version: 1,
        created_at: created(),
        updated_at: updated(),
        source: Source::Import,
        external_id: None,
        account_id,
        name: name.into(),
        status,
        due,
    }
}

pub fn opportunity(
    id: Id,
    account_id: Id,
    name: &str,
    amount_cents: Cents,
    phase: OpportunityPhase,
) -> Opportunity {
    Opportunity {
        id,
        version: 1,
        created_at: created(),
        updated_at: updated(),
        source: Source::Crm,
        external_id: Some(format!("opp-{id}")),
        account_id,
        name: name.into(),
        amount_cents,
        phase,
        owner: "alice".into(),
        expansion: true,
        close_date: Some(date(2026, 6, 30)),
        description: String::new(),
    }
}

pub fn step(name: &str, action: StepAction) -> PlaybookStep {
    PlaybookStep {
        name: name.into(),
        action,
    }
}

pub fn playbook(id: Id, name: &str, steps: Vec<PlaybookStep>) -> Playbook {
    Playbook {
        id,
        version: 1,
        created_at: created(),
        updated_at: updated(),
        source: Source::Import,
        external_id: None,
        name: name.into(),
        description: format!("{name} playbook"),
        steps,
    }
}

pub fn run(id: Id, account_id: Id, playbook_id: Id, states: &[StepState]) -> PlaybookRun {
    let started_at = days_ago(7);
    PlaybookRun {
        id,
        version: 1,
        created_at: started_at,
        updated_at: started_at,
        source: Source::Ui,
        external_id: None,
        account_id,
        playbook_id,
        started_at,
        steps: states
            .iter()
            .map(|&state| StepRun {
                state,
                at: (state != StepState::Pending).then_some(started_at),
                ..StepRun::default()
            })
            .collect(),
        automatic: false,
    }
}

pub fn nps(
    id: Id,
    account_id: Id,
    contact_id: Option<Id>,
    score: u8,
    comment: &str,
    days: i64,
) -> NpsResponse {
    let at = days_ago(days);
    NpsResponse {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Import,
        external_id: None,
        account_id,
        contact_id,
        score,
        comment: comment.into(),
        at,
    }
}

pub fn document(id: Id, account_id: Id, title: &str, kind: &str, link: &str) -> Document {
    Document {
        id,
        version: 1,
        created_at: created(),
        updated_at: updated(),
        source: Source::Ui,
        external_id: None,
        account_id,
        title: title.into(),
        kind: kind.into(),
        link: link.into(),
        file: None,
    }
}

pub fn alert(id: Id, account_id: Id, rule: &str, days: i64, state: AlertState) -> Alert {
    let at = days_ago(days);
    Alert {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Api,
        external_id: None,
        account_id,
        rule: rule.into(),
        at,
        message: format!("{rule} on account {account_id}"),
        state,
        snoozed_until: (state == AlertState::Snoozed).then(|| now() + TimeDelta::days(3)),
        from_status: None,
        to_status: None,
        case_id: None,
    }
}

pub fn summary(id: Id, account_id: Id) -> Summary {
    let at = days_ago(3);
    Summary {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Ui,
        external_id: None,
        account_id,
        generated_at: at,
        author: String::new(),
        sections: vec![SummarySection {
            title: "Situation".into(),
            body: "Healthy adoption, renewal in September.".into(),
            statements: vec![],
            note: None,
        }],
    }
}

pub fn plan(id: Id, account_id: Id) -> SuccessPlan {
    let at = days_ago(60);
    SuccessPlan {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Ui,
        external_id: None,
        account_id,
        name: "2026 adoption plan".into(),
        status: PlanStatus::Active,
        owner: "alice".into(),
        start: Some(date(2026, 1, 1)),
        end: Some(date(2026, 12, 31)),
        description: "Roll out to every region".into(),
    }
}

pub fn objective(id: Id, account_id: Id, plan_id: Option<Id>) -> Objective {
    let at = days_ago(50);
    Objective {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Ui,
        external_id: None,
        account_id,
        plan_id,
        name: "Double the weekly active users".into(),
        owner: "alice".into(),
        due: Some(date(2026, 9, 30)),
        completed_on: None,
        description: String::new(),
    }
}

pub fn kpi(id: Id, account_id: Id, objective_id: Id) -> Kpi {
    let at = days_ago(40);
    Kpi {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Ui,
        external_id: None,
        account_id,
        objective_id,
        name: "Weekly active users".into(),
        unit: "users".into(),
        baseline: 40.0,
        target: 80.0,
        current: 65.0,
        status: KpiStatus::OnTrack,
        measured_on: Some(date(2026, 3, 1)),
    }
}

pub fn challenge(id: Id, account_id: Id, plan_id: Option<Id>) -> BusinessChallenge {
    let at = days_ago(45);
    BusinessChallenge {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Ui,
        external_id: None,
        account_id,
        plan_id,
        title: "Teams work in silos".into(),
        severity: Severity::High,
        status: ChallengeStatus::Open,
        raised_on: Some(date(2026, 1, 15)),
        description: "Each region keeps its own tools".into(),
    }
}

pub fn invoice_record(id: Id, account_id: Id, agreement_id: Option<Id>) -> Invoice {
    let at = days_ago(45);
    Invoice {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Crm,
        external_id: None,
        account_id,
        agreement_id,
        number: format!("INV-2026-{id:04}"),
        amount_cents: 50_000,
        currency: "EUR".into(),
        issued_on: date(2026, 2, 1),
        due_on: date(2026, 3, 3),
        void: false,
    }
}

pub fn payment_record(id: Id, account_id: Id, invoice_id: Id) -> Payment {
    let at = days_ago(26);
    Payment {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Crm,
        external_id: None,
        account_id,
        invoice_id,
        amount_cents: 50_000,
        paid_on: date(2026, 2, 20),
        method: "transfer".into(),
    }
}

pub fn usage_row(
    account_id: Id,
    contact_id: Option<Id>,
    day: NaiveDate,
    connections: u32,
    minutes: u32,
) -> UsageDay {
    let mut features = BTreeMap::new();
    if connections > 0 {
        features.insert("reports".to_string(), connections);
    }
    UsageDay {
        account_id,
        contact_id,
        day,
        connections,
        minutes,
        features,
    }
}

/// The fixture's usage: ACME over 60 days (ANNA daily, BORIS every other day,
/// EVE zero-connection rows every fifth day, nothing in the gap week), a few
/// anonymous GLOBEX rows and one HOOLI row. Ordered like an export.
pub fn usage() -> Vec<UsageDay> {
    let mut out = vec![];
    let (gap_from, gap_to) = gap_week();
    for n in 0..60u64 {
        let d = usage_from().checked_add_days(Days::new(n)).expect("date");
        if d >= gap_from && d <= gap_to {
            continue;
        }
        let anna = 1 + (n % 3) as u32;
        out.push(usage_row(ACME, Some(C_ANNA), d, anna, 15 * anna));
        if n % 2 == 0 {
            out.push(usage_row(ACME, Some(C_BORIS), d, 2, 7));
        }
        if n % 5 == 0 {
            out.push(usage_row(ACME, Some(C_EVE), d, 0, 0));
        }
    }
    for n in 0..3u64 {
        let d = date(2026, 3, 10)
            .checked_add_days(Days::new(n))
            .expect("date");
        out.push(usage_row(GLOBEX, None, d, 4, 30));
    }
    out.push(usage_row(HOOLI, Some(C_FRANK), date(2026, 3, 17), 1, 3));
    out
}

pub fn dataset() -> Dataset {
    use AgreementKind as AK;
    use AgreementStatus as AS;
    use InteractionKind as IK;

    let mut d = Dataset::new(now());

    let mut acme = account(ACME, "Acme Group", "acme.com", "alice", Stage::Expansion);
    acme.segment = "enterprise".into();
    acme.region = "emea".into();
    acme.tags = vec!["strategic".into()];
    acme.team = vec!["bob".into()];
    acme.focus_areas = vec!["Roll out analytics to every subsidiary".into()];
    acme.custom_fields.insert("tier".into(), "gold".into());
    acme.pulse = Some(Pulse {
        rating: 4,
        at: days_ago(5),
        by: "alice".into(),
    });
    let mut acme_fr = account(ACME_FR, "Acme France", "acme.fr", "alice", Stage::Adoption);
    acme_fr.parent_id = Some(ACME);
    acme_fr.segment = "mid_market".into();
    acme_fr.region = "emea".into();
    acme_fr.tags = vec!["strategic".into(), "france".into()];
    let mut globex = account(GLOBEX, "Globex", "globex.io", "bob", Stage::Renewal);
    globex.segment = "enterprise".into();
    globex.region = "na".into();
    globex.tags = vec!["watch".into()];
    globex.churn = ChurnForecast {
        likelihood: ChurnLikelihood::AtRisk,
        reason_category: Some("product".into()),
        reason_subcategory: Some("performance".into()),
        reason_details: None,
        projected_date: Some(date(2026, 6, 30)),
        description: Some("Exporter crashes".into()),
    };
    let mut initech = account(
        INITECH,
        "initech",
        "initech.com",
        "Carol",
        Stage::Onboarding,
    );
    initech.segment = "smb".into();
    initech.region = "na".into();
    let mut umbrella = account(UMBRELLA, "Umbrella", "umbrella.org", "bob", Stage::Churned);
    umbrella.segment = "smb".into();
    umbrella.region = "apac".into();
    umbrella.tags = vec!["watch".into()];
    umbrella.churn.likelihood = ChurnLikelihood::Confirmed;
    let mut hooli = account(HOOLI, "Hooli", "piedpiper.xyz", "alice", Stage::Adoption);
    hooli.segment = "mid_market".into();
    hooli.region = "apac".into();
    d.accounts = vec![acme, acme_fr, globex, initech, umbrella, hooli];

    let mut eve = contact(C_EVE, ACME, "Eve", &[]);
    eve.kind = ContactKind::User;
    let mut anna = contact(C_ANNA, ACME, "Anna", &["champion"]);
    anna.title = Some("Head of Ops".into());
    d.contacts = vec![
        anna,
        contact(C_BORIS, ACME, "Boris", &["sponsor", "decision_maker"]),
        contact(C_CLARA, ACME_FR, "Clara", &["decision_maker"]),
        contact(C_DMITRI, GLOBEX, "Dmitri", &["champion"]),
        eve,
        contact(C_FRANK, HOOLI, "Frank", &["sponsor"]),
    ];

    let mut roadmap = interaction(
        I_ROADMAP,
        ACME,
        IK::Email,
        Direction::In,
        days_ago(2),
        &[C_ANNA],
        "Quarterly roadmap review",
        "The champion loves the dashboard",
        &["business_review"],
    );
    roadmap.sentiment = Some(Sentiment {
        score: 0.625,
        label: SentimentLabel::Positive,
        source: SentimentSource::Ai,
    });
    let mut invoice = interaction(
        I_INVOICE,
        ACME,
        IK::Call,
        Direction::Out,
        days_ago(20),
        &[C_BORIS],
        "Escalation call",
        "Invoice dispute about the xylophone module",
        &["bug"],
    );
    invoice.answered = true;
    d.interactions = vec![
        roadmap,
        interaction(
            I_KICKOFF,
            ACME,
            IK::Meeting,
            Direction::Out,
            days_ago(10),
            &[C_ANNA, C_BORIS],
            "Kickoff workshop",
            "Discussed onboarding milestones with the sponsor",
            &[],
        ),
        invoice,
        interaction(
            I_NOTE,
            ACME,
            IK::Note,
            Direction::Out,
            days_ago(1),
            &[],
            "Internal note",
            "Renewal strategy and zebra pricing tiers",
            &[],
        ),
        interaction(
            I_CRASH,
            GLOBEX,
            IK::Email,
            Direction::In,
            days_ago(5),
            &[C_DMITRI],
            "Bug report",
            "Crash in the xylophone exporter",
            &["bug"],
        ),
        interaction(
            I_LOGIN,
            ACME_FR,
            IK::Ticket,
            Direction::In,
            days_ago(3),
            &[C_CLARA],
            "Login failure",
            "Cannot authenticate since Monday",
            &["bug"],
        ),
    ];

    d.usage = usage();

    let mut outage = case(
        K_OUTAGE,
        ACME,
        "CS-1",
        "Dashboard outage",
        Priority::Urgent,
        1,
        CaseStatus::Open,
        true,
        "platform",
        "emea",
        3,
        &[Signal::Frustration, Signal::Urgency],
    );
    outage.engineering_issue = Some("ENG-1234".into());
    let mut billing = case(
        K_BILLING,
        ACME,
        "CS-2",
        "Invoice question",
        Priority::Low,
        4,
        CaseStatus::Solved,
        false,
        "billing",
        "emea",
        30,
        &[],
    );
    billing.csat = Some(5);
    d.support_cases = vec![
        outage,
        billing,
        case(
            K_EXPORT,
            GLOBEX,
            "CS-3",
            "Exporter crash",
            Priority::High,
            2,
            CaseStatus::Pending,
            false,
            "platform",
            "na",
            1,
            &[Signal::NegativeSentiment],
        ),
        case(
            K_ACCESS,
            ACME_FR,
            "CS-4",
            "Cannot log in",
            Priority::Normal,
            3,
            CaseStatus::New,
            true,
            "billing",
            "emea",
            7,
            &[Signal::EscalationRequest],
        ),
        case(
            K_LEGACY,
            UMBRELLA,
            "CS-5",
            "Legacy API",
            Priority::High,
            2,
            CaseStatus::Closed,
            false,
            "platform",
            "apac",
            60,
            &[],
        ),
        case(
            K_WEBHOOK,
            INITECH,
            "CS-6",
            "Webhook retries",
            Priority::Normal,
            3,
            CaseStatus::Hold,
            false,
            "integrations",
            "na",
            2,
            &[],
        ),
    ];

    let mut platform = agreement(
        AG_PLATFORM,
        ACME,
        "Platform",
        50_000,
        date(2025, 6, 1),
        date(2026, 12, 31),
        60,
        true,
        AS::Active,
        AK::Renewal,
    );
    platform.renews_id = Some(AG_OLD);
    platform.attachments = vec![Attachment {
        title: "Signed PDF".into(),
        url: "https://files.example.com/acme-platform.pdf".into(),
    }];
    let mut old = agreement(
        AG_OLD,
        ACME,
        "Platform 2024",
        99_900,
        date(2024, 6, 1),
        date(2025, 5, 31),
        60,
        false,
        AS::Expired,
        AK::Initial,
    );
    old.payment_up_to_date = false;
    d.agreements = vec![
        platform,
        agreement(
            AG_SERVICES,
            ACME,
            "Services",
            20_000,
            date(2026, 1, 1),
            date(2026, 9, 30),
            30,
            false,
            AS::Active,
            AK::Service,
        ),
        agreement(
            AG_ADDENDUM,
            ACME,
            "Analytics addendum",
            5_000,
            date(2026, 5, 1),
            date(2027, 4, 30),
            30,
            false,
            AS::Active,
            AK::Amendment,
        ),
        old,
        agreement(
            AG_DRAFT,
            ACME,
            "Draft expansion",
            77_700,
            date(2026, 4, 1),
            date(2027, 3, 31),
            30,
            true,
            AS::Draft,
            AK::Amendment,
        ),
        agreement(
            AG_FR,
            ACME_FR,
            "France",
            12_000,
            date(2025, 8, 16),
            date(2026, 8, 15),
            30,
            false,
            AS::Active,
            AK::Initial,
        ),
        agreement(
            AG_GLOBEX,
            GLOBEX,
            "Globex platform",
            30_000,
            date(2025, 7, 1),
            date(2026, 6, 30),
            90,
            true,
            AS::Active,
            AK::Initial,
        ),
        agreement(
            AG_UMBRELLA,
            UMBRELLA,
            "Umbrella",
            15_000,
            date(2025, 1, 1),
            date(2026, 12, 31),
            30,
            false,
            AS::Cancelled,
            AK::Initial,
        ),
        agreement(
            AG_HOOLI,
            HOOLI,
            "Hooli yearly",
            8_000,
            date(2025, 1, 1),
            date(2025, 12, 31),
            30,
            true,
            AS::Active,
            AK::Initial,
        ),
    ];

    d.opportunities = vec![
        opportunity(
            O_UPSELL,
            ACME,
            "Analytics upsell",
            100_000,
            OpportunityPhase::Proposal,
        ),
        opportunity(
            O_RENEWAL,
            GLOBEX,
            "Renewal 2026",
            360_000,
            OpportunityPhase::Negotiation,
        ),
    ];
    d.projects = vec![
        project(
            P_ONBOARDING,
            ACME,
            "Onboarding",
            ProjectStatus::Active,
            Some(date(2026, 4, 30)),
        ),
        project(
            P_MIGRATION,
            ACME_FR,
            "Data migration",
            ProjectStatus::Active,
            None,
        ),
        project(P_QBR, GLOBEX, "QBR prep", ProjectStatus::Completed, None),
    ];
    d.tasks = vec![
        task(
            T_WELCOME,
            ACME,
            Some(P_ONBOARDING),
            "Send welcome pack",
            "alice",
            Some(date(2026, 3, 20)),
            TaskStatus::Todo,
            Priority::High,
            1,
        ),
        task(
            T_SSO,
            ACME,
            Some(P_ONBOARDING),
            "Configure SSO",
            "bob",
            Some(date(2026, 3, 25)),
            TaskStatus::Doing,
            Priority::Normal,
            1,
        ),
        task(
            T_KICKOFF,
            ACME,
            None,
            "Kickoff call",
            "alice",
            Some(date(2026, 3, 10)),
            TaskStatus::Done,
            Priority::Normal,
            1,
        ),
        task(
            T_DECK,
            GLOBEX,
            None,
            "Renewal deck",
            "carol",
            None,
            TaskStatus::Todo,
            Priority::Urgent,
            1,
        ),
        task(
            T_MIGRATE,
            ACME_FR,
            Some(P_MIGRATION),
            "Migrate data",
            "bob",
            Some(date(2026, 4, 10)),
            TaskStatus::Doing,
            Priority::Low,
            1,
        ),
        task(
            T_TRAIN,
            ACME,
            Some(P_ONBOARDING),
            "Train admins",
            "alice",
            None,
            TaskStatus::Todo,
            Priority::Normal,
            2,
        ),
    ];
    d.playbooks = vec![
        playbook(
            PB_ONBOARDING,
            "Onboarding",
            vec![
                step(
                    "Welcome",
                    StepAction::SendEmail {
                        to_role: "champion".into(),
                        subject: "Welcome aboard".into(),
                        body: "Hi {{contact.first_name}}, welcome to {{account.name}}.".into(),
                    },
                ),
                step("Wait a week", StepAction::Wait { days: 7 }),
                step(
                    "Check-in",
                    StepAction::CreateTask {
                        title: "Check-in call".into(),
                        due_in_days: 3,
                    },
                ),
            ],
        ),
        playbook(
            PB_RENEWAL,
            "Renewal prep",
            vec![
                step(
                    "Health check",
                    StepAction::Check {
                        condition: "health>=50".into(),
                    },
                ),
                step(
                    "Deck",
                    StepAction::CreateTask {
                        title: "Prepare renewal deck".into(),
                        due_in_days: 14,
                    },
                ),
            ],
        ),
    ];
    d.playbook_runs = vec![
        run(
            RUN_ACME,
            ACME,
            PB_ONBOARDING,
            &[StepState::Done, StepState::Waiting, StepState::Pending],
        ),
        run(
            RUN_GLOBEX,
            GLOBEX,
            PB_RENEWAL,
            &[StepState::Done, StepState::Done],
        ),
    ];
    d.nps_responses = vec![
        nps(NPS_ANNA, ACME, Some(C_ANNA), 9, "Great support", 12),
        nps(NPS_DMITRI, GLOBEX, Some(C_DMITRI), 3, "Slow exporter", 8),
        nps(NPS_ANON, ACME, None, 7, "", 40),
    ];
    d.documents = vec![
        document(
            D_QBR,
            ACME,
            "QBR deck",
            "slides",
            "https://docs.example.com/acme-qbr",
        ),
        document(
            D_CONTRACT,
            GLOBEX,
            "Contract PDF",
            "contract",
            "/shared/globex.pdf",
        ),
    ];
    d.alerts = vec![
        alert(AL_USAGE, ACME, "usage_drop", 1, AlertState::Open),
        alert(AL_HEALTH, ACME, "health_transition", 4, AlertState::Snoozed),
        alert(AL_DONE, GLOBEX, "usage_drop", 6, AlertState::Done),
        Alert {
            from_status: Some(HealthStatus::Concerning),
            to_status: Some(HealthStatus::AtRisk),
            ..alert(AL_GLOBEX, GLOBEX, "health_transition", 2, AlertState::Open)
        },
        alert(AL_FR, ACME_FR, "renewal_due", 10, AlertState::Open),
    ];
    d.summaries = vec![summary(S_ACME, ACME)];
    d.success_plans = vec![plan(SP_ACME, ACME)];
    d.objectives = vec![objective(OB_ADOPTION, ACME, Some(SP_ACME))];
    d.kpis = vec![kpi(KPI_USERS, ACME, OB_ADOPTION)];
    d.business_challenges = vec![challenge(BC_SILOS, ACME, Some(SP_ACME))];
    d.invoices = vec![invoice_record(INV_ACME, ACME, Some(AG_PLATFORM))];
    d.payments = vec![payment_record(PAY_ACME, ACME, INV_ACME)];
    d.change_log = vec![
        ChangeLogEntry {
            id: 1,
            at: days_ago(100),
            actor: "import-bot".into(),
            entity: EntityKind::Account,
            record_id: ACME,
            account_id: Some(ACME),
            action: ChangeAction::Create,
            field: None,
            from: None,
            to: Some(json!({"name": "Acme Group"})),
        },
        ChangeLogEntry {
            id: 2,
            at: days_ago(50),
            actor: "zoe".into(),
            entity: EntityKind::Account,
            record_id: ACME,
            account_id: Some(ACME),
            action: ChangeAction::Update,
            field: Some("owner".into()),
            from: Some(json!("zoe")),
            to: Some(json!("alice")),
        },
        ChangeLogEntry {
            id: 3,
            at: days_ago(90),
            actor: "import-bot".into(),
            entity: EntityKind::Contact,
            record_id: C_ANNA,
            account_id: Some(ACME),
            action: ChangeAction::Create,
            field: None,
            from: None,
            to: None,
        },
        ChangeLogEntry {
            id: 4,
            at: days_ago(90),
            actor: "import-bot".into(),
            entity: EntityKind::Account,
            record_id: GLOBEX,
            account_id: Some(GLOBEX),
            action: ChangeAction::Create,
            field: None,
            from: None,
            to: None,
        },
    ];
    d
}
