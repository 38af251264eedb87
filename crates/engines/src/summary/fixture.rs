//! Hand-built records for the summary's and the copilot's tests: one account,
//! `NOW` on Monday 2026-03-16 at noon, dates counted in days before it.

use chrono::{NaiveDate, TimeDelta};
use tend_domain::*;

use super::Input;
use crate::health::{Bands, ComponentScore, Drag, Explanation, Measure, Period, Snapshot};

pub(crate) const ACCOUNT: Id = 7;

pub(crate) fn now() -> Timestamp {
    "2026-03-16T12:00:00Z".parse().unwrap()
}

/// `days` days before `now`.
pub(crate) fn ago(days: i64) -> Timestamp {
    now() - TimeDelta::days(days)
}

/// The date `days` days from today (negative: in the past).
pub(crate) fn day(days: i64) -> NaiveDate {
    now().date_naive() + TimeDelta::days(days)
}

pub(crate) fn account() -> Account {
    Account {
        id: ACCOUNT,
        version: 1,
        created_at: ago(900),
        updated_at: ago(10),
        source: Source::Import,
        external_id: None,
        name: "Northwind Logistics".into(),
        domain: Some("northwind.example".into()),
        parent_id: None,
        stage: Stage::Adoption,
        segment: "enterprise".into(),
        region: "EMEA".into(),
        tags: vec![],
        owner: "maya.chen".into(),
        team: vec!["leo.martin".into()],
        health_profile: None,
        goals_profile: None,
        focus_areas: vec![],
        custom_fields: Default::default(),
        churn: ChurnForecast::default(),
        pulse: None,
    }
}

pub(crate) fn contact(id: Id, name: &str, title: Option<&str>, roles: &[&str]) -> Contact {
    Contact {
        id,
        version: 1,
        created_at: ago(800),
        updated_at: ago(800),
        source: Source::Import,
        external_id: None,
        account_id: ACCOUNT,
        name: name.into(),
        email: None,
        title: title.map(String::from),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        kind: ContactKind::Crm,
    }
}

pub(crate) fn sentiment(score: f64) -> Sentiment {
    Sentiment {
        score,
        label: crate::sentiment::label_for(score),
        source: SentimentSource::Ai,
    }
}

/// An interaction `days` days ago.
pub(crate) fn interaction(
    id: Id,
    days: i64,
    kind: InteractionKind,
    direction: Direction,
    contacts: &[Id],
    subject: &str,
    body: &str,
) -> Interaction {
    Interaction {
        id,
        version: 1,
        created_at: ago(days),
        updated_at: ago(days),
        source: Source::Import,
        external_id: None,
        account_id: ACCOUNT,
        kind,
        direction,
        at: ago(days),
        contact_ids: contacts.to_vec(),
        user: Some("maya.chen".into()),
        subject: subject.into(),
        body: body.into(),
        tags: vec![],
        sentiment: None,
        excluded_from_score: false,
        answered: false,
    }
}

/// An incoming email `days` days ago with an automatic sentiment.
pub(crate) fn email_in(
    id: Id,
    days: i64,
    contact: Id,
    subject: &str,
    body: &str,
    score: f64,
) -> Interaction {
    let mut i = interaction(
        id,
        days,
        InteractionKind::Email,
        Direction::In,
        &[contact],
        subject,
        body,
    );
    i.sentiment = Some(sentiment(score));
    i
}

pub(crate) fn case(
    id: Id,
    subject: &str,
    priority: Priority,
    escalated: bool,
    status: CaseStatus,
) -> SupportCase {
    SupportCase {
        id,
        version: 1,
        created_at: ago(12),
        updated_at: ago(2),
        source: Source::Import,
        external_id: None,
        account_id: ACCOUNT,
        number: format!("{}", 4500 + id),
        subject: subject.into(),
        priority,
        severity: if priority == Priority::Urgent { 1 } else { 3 },
        status,
        escalated,
        team: String::new(),
        region: String::new(),
        opened_at: ago(12),
        resolved_at: None,
        signals: vec![],
        engineering_issue: None,
        csat: None,
    }
}

pub(crate) fn agreement(id: Id, name: &str, mrr_cents: Cents, start: i64, end: i64) -> Agreement {
    Agreement {
        id,
        version: 1,
        created_at: ago(400),
        updated_at: ago(400),
        source: Source::Import,
        external_id: None,
        account_id: ACCOUNT,
        name: name.into(),
        mrr_cents,
        start: day(start),
        end: day(end),
        notice_days: 0,
        auto_renew: false,
        status: AgreementStatus::Active,
        kind: AgreementKind::Initial,
        payment_up_to_date: true,
        renews_id: None,
        attachments: vec![],
    }
}

pub(crate) fn opportunity(
    id: Id,
    name: &str,
    amount_cents: Cents,
    phase: OpportunityPhase,
    expansion: bool,
) -> Opportunity {
    Opportunity {
        id,
        version: 1,
        created_at: ago(60),
        updated_at: ago(5),
        source: Source::Import,
        external_id: None,
        account_id: ACCOUNT,
        name: name.into(),
        amount_cents,
        phase,
        owner: "maya.chen".into(),
        expansion,
        close_date: Some(day(45)),
        description: String::new(),
    }
}

pub(crate) fn project(id: Id, name: &str, status: ProjectStatus, due: Option<i64>) -> Project {
    Project {
        id,
        version: 1,
        created_at: ago(120),
        updated_at: ago(20),
        source: Source::Import,
        external_id: None,
        account_id: ACCOUNT,
        name: name.into(),
        status,
        due: due.map(day),
    }
}

pub(crate) fn task(
    id: Id,
    title: &str,
    status: TaskStatus,
    due: Option<i64>,
    project: Option<Id>,
) -> Task {
    Task {
        id,
        version: 1,
        created_at: ago(30),
        updated_at: ago(3),
        source: Source::Ui,
        external_id: None,
        account_id: ACCOUNT,
        project_id: project,
        title: title.into(),
        description: String::new(),
        assignee: "maya.chen".into(),
        due: due.map(day),
        status,
        priority: Priority::Normal,
        position: id,
        kind: TaskKind::from_title(title),
        alert_id: None,
    }
}

pub(crate) fn playbook(id: Id, name: &str, steps: &[&str]) -> Playbook {
    Playbook {
        id,
        version: 1,
        created_at: ago(500),
        updated_at: ago(500),
        source: Source::Import,
        external_id: None,
        name: name.into(),
        description: String::new(),
        steps: steps
            .iter()
            .map(|s| PlaybookStep {
                name: s.to_string(),
                action: StepAction::Wait { days: 1 },
            })
            .collect(),
    }
}

pub(crate) fn run(id: Id, playbook: Id, states: &[StepState]) -> PlaybookRun {
    PlaybookRun {
        id,
        version: 1,
        created_at: ago(9),
        updated_at: ago(4),
        source: Source::Ui,
        external_id: None,
        account_id: ACCOUNT,
        playbook_id: playbook,
        started_at: ago(9),
        steps: states
            .iter()
            .map(|s| StepRun {
                state: *s,
                at: Some(ago(4)),
                ..StepRun::default()
            })
            .collect(),
        automatic: false,
    }
}

pub(crate) fn nps(id: Id, days: i64, contact: Option<Id>, score: u8, comment: &str) -> NpsResponse {
    NpsResponse {
        id,
        version: 1,
        created_at: ago(days),
        updated_at: ago(days),
        source: Source::Import,
        external_id: None,
        account_id: ACCOUNT,
        contact_id: contact,
        score,
        comment: comment.into(),
        at: ago(days),
    }
}

pub(crate) fn alert(id: Id, days: i64, rule: &str, message: &str, state: AlertState) -> Alert {
    Alert {
        id,
        version: 1,
        created_at: ago(days),
        updated_at: ago(days),
        source: Source::Ui,
        external_id: None,
        account_id: ACCOUNT,
        rule: rule.into(),
        at: ago(days),
        message: message.into(),
        state,
        snoozed_until: None,
        from_status: None,
        to_status: None,
        case_id: None,
    }
}

pub(crate) fn plan(id: Id, name: &str, status: PlanStatus) -> SuccessPlan {
    SuccessPlan {
        id,
        version: 1,
        created_at: ago(300),
        updated_at: ago(30),
        source: Source::Ui,
        external_id: None,
        account_id: ACCOUNT,
        name: name.into(),
        status,
        owner: "maya.chen".into(),
        start: Some(day(-300)),
        end: Some(day(60)),
        description: String::new(),
    }
}

pub(crate) fn objective(
    id: Id,
    plan: Option<Id>,
    name: &str,
    due: Option<i64>,
    completed: Option<i64>,
) -> Objective {
    Objective {
        id,
        version: 1,
        created_at: ago(300),
        updated_at: ago(30),
        source: Source::Ui,
        external_id: None,
        account_id: ACCOUNT,
        plan_id: plan,
        name: name.into(),
        owner: "maya.chen".into(),
        due: due.map(day),
        completed_on: completed.map(day),
        description: String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn kpi(
    id: Id,
    objective: Id,
    name: &str,
    unit: &str,
    (baseline, current, target): (f64, f64, f64),
    status: KpiStatus,
    measured: Option<i64>,
) -> Kpi {
    Kpi {
        id,
        version: 1,
        created_at: ago(300),
        updated_at: ago(10),
        source: Source::Ui,
        external_id: None,
        account_id: ACCOUNT,
        objective_id: objective,
        name: name.into(),
        unit: unit.into(),
        baseline,
        target,
        current,
        status,
        measured_on: measured.map(day),
    }
}

pub(crate) fn challenge(
    id: Id,
    title: &str,
    severity: Severity,
    status: ChallengeStatus,
) -> BusinessChallenge {
    BusinessChallenge {
        id,
        version: 1,
        created_at: ago(100),
        updated_at: ago(15),
        source: Source::Ui,
        external_id: None,
        account_id: ACCOUNT,
        plan_id: None,
        title: title.into(),
        severity,
        status,
        raised_on: Some(day(-100)),
        description: String::new(),
    }
}

/// A health explanation with a score, its band, two components and one drag.
pub(crate) fn health(score: f64) -> Explanation {
    let bands = Bands::default();
    let component = |id: &str, name: &str, score: f64| ComponentScore {
        id: id.into(),
        name: name.into(),
        score: Some(score),
        weight: 1.0,
        overall_pct: 50.0,
        excluded: false,
        measures: vec![],
    };
    Explanation {
        account_id: ACCOUNT,
        at: now(),
        profile: "default".into(),
        score: Some(score),
        status: Some(bands.status(score)),
        trend: None,
        previous: None,
        bands,
        components: vec![
            component("interactions", "Engagement", score - 20.0),
            component("support", "Support", score + 10.0),
        ],
        drags: vec![Drag {
            component: "interactions".into(),
            measure: Measure::DaysSinceTouch,
            points_lost: 12.0,
            condition: "days since last touch is 47 days (lower is better); 30-60 days: 40 points"
                .into(),
        }],
        missing_rule: String::new(),
        indicators: Default::default(),
        usage: Default::default(),
    }
}

/// A weekly snapshot `weeks` weeks back.
pub(crate) fn week(weeks: i64, score: f64) -> Snapshot {
    let start = crate::health::week_start(day(-7 * weeks));
    Snapshot {
        account_id: ACCOUNT,
        period: Period::Week,
        start,
        at: ago(7 * weeks),
        score: Some(score),
        status: Some(Bands::default().status(score)),
        profile: "default".into(),
        components: vec![],
    }
}

/// One account's records, owned; `input()` lends them to the engines.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub account: Account,
    pub contacts: Vec<Contact>,
    pub interactions: Vec<Interaction>,
    pub cases: Vec<SupportCase>,
    pub agreements: Vec<Agreement>,
    pub opportunities: Vec<Opportunity>,
    pub projects: Vec<Project>,
    pub tasks: Vec<Task>,
    pub runs: Vec<PlaybookRun>,
    pub playbooks: Vec<Playbook>,
    pub nps: Vec<NpsResponse>,
    pub alerts: Vec<Alert>,
    pub plans: Vec<SuccessPlan>,
    pub objectives: Vec<Objective>,
    pub kpis: Vec<Kpi>,
    pub challenges: Vec<BusinessChallenge>,
    pub health: Option<Explanation>,
    pub weekly: Vec<Snapshot>,
}

impl World {
    pub(crate) fn empty() -> World {
        World {
            account: account(),
            contacts: vec![],
            interactions: vec![],
            cases: vec![],
            agreements: vec![],
            opportunities: vec![],
            projects: vec![],
            tasks: vec![],
            runs: vec![],
            playbooks: vec![],
            nps: vec![],
            alerts: vec![],
            plans: vec![],
            objectives: vec![],
            kpis: vec![],
            challenges: vec![],
            health: None,
            weekly: vec![],
        }
    }

    pub(crate) fn input(&self) -> Input<'_> {
        Input {
            account: &self.account,
            contacts: &self.contacts,
            interactions: &self.interactions,
            cases: &self.cases,
            agreements: &self.agreements,
            opportunities: &self.opportunities,
            projects: &self.projects,
            tasks: &self.tasks,
            playbook_runs: &self.runs,
            playbooks: &self.playbooks,
            nps: &self.nps,
            alerts: &self.alerts,
            plans: &self.plans,
            objectives: &self.objectives,
            kpis: &self.kpis,
            challenges: &self.challenges,
            health: self.health.as_ref(),
            weekly: &self.weekly,
        }
    }
}
