//! What every section reads: the account's records ordered once, the contacts by
//! id; and what every section writes: lines that know what they are about, so the
//! sections built from other sections can pick from them without reading text.

use std::cmp::Reverse;

use chrono::{Days, NaiveDate};
use tend_domain::*;

use super::text::{self, People};
use super::{Section, SectionId};
use crate::health::{Explanation, Period, Snapshot};

/// What a line says, for the sections built from others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Topic {
    Revenue,
    Products,
    Health,
    Kpis,
    Cases,
    Projects,
    Pipeline,
    People,
    Sentiment,
    Collaboration,
    Executives,
    Nps,
    Pulse,
    Risk,
    Expansion,
    KpiProgress,
    KpiStalled,
    Achievement,
    Action(Action),
    Derived,
}

/// The kinds of immediate action, in the order they are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Action {
    UrgentCase,
    OverdueTask,
    UnansweredEmail,
    OpenAlert,
    PlaybookStep,
    DueSoon,
}

impl Action {
    pub(super) const ALL: [Action; 6] = [
        Action::UrgentCase,
        Action::OverdueTask,
        Action::UnansweredEmail,
        Action::OpenAlert,
        Action::PlaybookStep,
        Action::DueSoon,
    ];

    /// "2 overdue tasks".
    pub(super) fn count(self, n: usize) -> String {
        let (one, many) = match self {
            Action::UrgentCase => ("urgent case", "urgent cases"),
            Action::OverdueTask => ("overdue task", "overdue tasks"),
            Action::UnansweredEmail => ("unanswered email", "unanswered emails"),
            Action::OpenAlert => ("open alert", "open alerts"),
            Action::PlaybookStep => ("waiting playbook step", "waiting playbook steps"),
            Action::DueSoon => ("task due this week", "tasks due this week"),
        };
        text::counted(n, one, many)
    }
}

/// One statement of a section, with what the derived sections need of it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Line {
    pub text: String,
    pub cites: Vec<Citation>,
    pub topic: Topic,
    /// Importance among the section's lines: 0 first.
    pub rank: u8,
    /// A short phrase of it for the Executive Summary.
    pub gist: Option<String>,
    /// The step it calls for, for the Strategic Next Steps.
    pub step: Option<String>,
    /// The date the step is due by, when it has one.
    pub due: Option<NaiveDate>,
}

impl Line {
    pub(super) fn new(topic: Topic, text: impl Into<String>, cites: Vec<Citation>) -> Line {
        Line {
            text: text.into(),
            cites,
            topic,
            rank: 0,
            gist: None,
            step: None,
            due: None,
        }
    }

    pub(super) fn rank(mut self, rank: u8) -> Line {
        self.rank = rank;
        self
    }

    pub(super) fn gist(mut self, gist: impl Into<String>) -> Line {
        self.gist = Some(gist.into());
        self
    }

    pub(super) fn step(mut self, step: impl Into<String>) -> Line {
        self.step = Some(step.into());
        self
    }

    pub(super) fn due(mut self, due: Option<NaiveDate>) -> Line {
        self.due = due;
        self
    }
}

/// A section before it is shown: its lines and its note.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Draft {
    pub lines: Vec<Line>,
    pub note: Option<String>,
}

impl Draft {
    /// Lines, with `empty` as the note when there are none, and `notes` (the
    /// truncation notes) added either way.
    pub(super) fn of(lines: Vec<Line>, empty: &str, notes: &[Option<String>]) -> Draft {
        let mut all: Vec<String> = vec![];
        if lines.is_empty() && !empty.is_empty() {
            all.push(empty.to_string());
        }
        for n in notes.iter().flatten() {
            if !all.contains(n) {
                all.push(n.clone());
            }
        }
        Draft {
            lines,
            note: (!all.is_empty()).then(|| all.join(" ")),
        }
    }

    pub(super) fn into_section(self, id: SectionId) -> Section {
        Section {
            id,
            title: id.title().to_string(),
            statements: self
                .lines
                .into_iter()
                .map(|l| Statement {
                    text: l.text,
                    citations: tidy(l.cites),
                })
                .collect(),
            note: self.note,
        }
    }
}

/// Citations sorted and without repeats.
pub(super) fn tidy(mut cites: Vec<Citation>) -> Vec<Citation> {
    cites.sort();
    cites.dedup();
    cites
}

pub(super) fn cite(kind: EntityKind, id: Id) -> Citation {
    Citation { kind, id }
}

/// The account's records, filtered to it and ordered once.
pub(super) struct Ctx<'a> {
    pub account: &'a Account,
    pub now: Timestamp,
    pub today: NaiveDate,
    pub people: People<'a>,
    /// Ordered by id.
    pub contacts: Vec<&'a Contact>,
    /// Up to `now`, newest first.
    pub interactions: Vec<&'a Interaction>,
    pub cases: Vec<&'a SupportCase>,
    pub agreements: Vec<&'a Agreement>,
    pub opportunities: Vec<&'a Opportunity>,
    pub projects: Vec<&'a Project>,
    pub tasks: Vec<&'a Task>,
    pub runs: Vec<&'a PlaybookRun>,
    pub playbooks: Vec<&'a Playbook>,
    /// Up to `now`, newest first.
    pub nps: Vec<&'a NpsResponse>,
    /// Up to `now`, newest first.
    pub alerts: Vec<&'a Alert>,
    pub plans: Vec<&'a SuccessPlan>,
    pub objectives: Vec<&'a Objective>,
    pub kpis: Vec<&'a Kpi>,
    pub challenges: Vec<&'a BusinessChallenge>,
    pub health: Option<&'a Explanation>,
    /// Weekly snapshots with a score, oldest first.
    pub weekly: Vec<&'a Snapshot>,
}

/// The records of `list` that belong to `account`, ordered by id.
fn mine<T: RecordMeta>(list: &[T], account: Id) -> Vec<&T> {
    let mut out: Vec<&T> = list
        .iter()
        .filter(|r| r.account_id() == Some(account))
        .collect();
    out.sort_by_key(|r| r.id());
    out
}

impl<'a> Ctx<'a> {
    pub(super) fn new(input: &super::Input<'a>, now: Timestamp) -> Ctx<'a> {
        let account = input.account;
        let id = account.id;
        let contacts = mine(input.contacts, id);
        let mut interactions: Vec<&Interaction> = mine(input.interactions, id);
        interactions.retain(|i| i.at <= now);
        interactions.sort_by_key(|i| Reverse((i.at, i.id)));
        let mut nps = mine(input.nps, id);
        nps.retain(|n| n.at <= now);
        nps.sort_by_key(|n| Reverse((n.at, n.id)));
        let mut alerts = mine(input.alerts, id);
        alerts.retain(|a| a.at <= now);
        alerts.sort_by_key(|a| Reverse((a.at, a.id)));
        let mut playbooks: Vec<&Playbook> = input.playbooks.iter().collect();
        playbooks.sort_by_key(|p| p.id);
        let mut weekly: Vec<&Snapshot> = input
            .weekly
            .iter()
            .filter(|s| {
                s.account_id == id && s.period == Period::Week && s.at <= now && s.score.is_some()
            })
            .collect();
        weekly.sort_by_key(|s| (s.start, s.at));
        Ctx {
            account,
            now,
            today: now.date_naive(),
            people: People::new(contacts.iter().copied()),
            contacts,
            interactions,
            cases: mine(input.cases, id),
            agreements: mine(input.agreements, id),
            opportunities: mine(input.opportunities, id),
            projects: mine(input.projects, id),
            tasks: mine(input.tasks, id),
            runs: mine(input.playbook_runs, id),
            playbooks,
            nps,
            alerts,
            plans: mine(input.plans, id),
            objectives: mine(input.objectives, id),
            kpis: mine(input.kpis, id),
            challenges: mine(input.challenges, id),
            health: input.health.filter(|h| h.account_id == id),
            weekly,
        }
    }

    pub(super) fn account_cite(&self) -> Citation {
        cite(EntityKind::Account, self.account.id)
    }

    /// The `limit` most recent interactions, and the note that says so when the
    /// account has more.
    pub(super) fn recent(&self, limit: usize) -> (&[&'a Interaction], Option<String>) {
        let n = self.interactions.len().min(limit);
        let window = &self.interactions[..n];
        let note = (self.interactions.len() > limit).then(|| {
            let from = window.last().map(|i| text::day(i.at)).unwrap_or_default();
            format!("Based on the {n} most recent interactions, from {from}.")
        });
        (window, note)
    }

    /// "since 2026-01-02" for a window of interactions, newest first.
    pub(super) fn since(window: &[&Interaction]) -> String {
        window
            .last()
            .map(|i| format!("since {}", text::day(i.at)))
            .unwrap_or_default()
    }

    /// "email from Dana Ruiz on 2026-03-01".
    pub(super) fn what(&self, i: &Interaction) -> String {
        format!(
            "{} on {}",
            text::what(i, &self.people.names(i)),
            text::day(i.at)
        )
    }

    pub(super) fn objective(&self, id: Id) -> Option<&'a Objective> {
        self.objectives.iter().copied().find(|o| o.id == id)
    }

    pub(super) fn playbook(&self, id: Id) -> Option<&'a Playbook> {
        self.playbooks.iter().copied().find(|p| p.id == id)
    }

    /// The health now: the explanation's, else the last weekly snapshot's.
    pub(super) fn health_now(&self) -> Option<(f64, HealthStatus)> {
        if let Some(h) = self.health
            && let (Some(score), Some(status)) = (h.score, h.status)
        {
            return Some((score, status));
        }
        let last = self.weekly.last()?;
        Some((last.score?, last.status?))
    }

    /// The score change over about [`super::TREND_WEEKS`] weeks, and over how many
    /// weeks it was measured.
    pub(super) fn trend(&self) -> Option<(f64, i64)> {
        let (now, _) = self.health_now()?;
        let back = self
            .today
            .checked_sub_days(Days::new(7 * super::TREND_WEEKS as u64))?;
        let then = self
            .weekly
            .iter()
            .rev()
            .find(|s| s.start <= back)
            .or_else(|| self.weekly.first())?;
        let weeks = ((self.today - then.start).num_days() as f64 / 7.0).round() as i64;
        if weeks < 1 {
            return None;
        }
        Some((now - then.score?, weeks))
    }

    /// Open tasks due before today.
    pub(super) fn overdue_tasks(&self) -> Vec<&'a Task> {
        let mut out: Vec<&Task> = self
            .tasks
            .iter()
            .copied()
            .filter(|t| self.is_overdue(t))
            .collect();
        out.sort_by_key(|t| (t.due, t.priority, t.id));
        out
    }

    pub(super) fn is_overdue(&self, t: &Task) -> bool {
        t.status != TaskStatus::Done && t.due.is_some_and(|d| d < self.today)
    }

    /// Whether a project is red: active and past due, or with overdue tasks.
    pub(super) fn is_red(&self, p: &Project) -> bool {
        p.status == ProjectStatus::Active
            && (p.due.is_some_and(|d| d < self.today)
                || self
                    .tasks
                    .iter()
                    .any(|t| t.project_id == Some(p.id) && self.is_overdue(t)))
    }

    /// Open alerts, and snoozed ones whose snooze has passed; newest first.
    pub(super) fn open_alerts(&self) -> Vec<&'a Alert> {
        self.alerts
            .iter()
            .copied()
            .filter(|a| match a.state {
                AlertState::Open => true,
                AlertState::Snoozed => a.snoozed_until.is_some_and(|u| u <= self.now),
                AlertState::Done => false,
            })
            .collect()
    }

    /// Open cases that need attention now: escalated or urgent, worst first.
    pub(super) fn urgent_cases(&self) -> Vec<&'a SupportCase> {
        let mut out: Vec<&SupportCase> = self
            .cases
            .iter()
            .copied()
            .filter(|c| c.status.is_open() && (c.escalated || c.priority == Priority::Urgent))
            .collect();
        out.sort_by_key(|c| (!c.escalated, c.priority, c.severity, c.opened_at, c.id));
        out
    }
}

/// "#4512 \"SSO login fails\"".
pub(super) fn case_name(c: &SupportCase) -> String {
    let number = c.number.trim();
    let number = if number.is_empty() {
        c.id.to_string()
    } else {
        number.trim_start_matches('#').to_string()
    };
    format!("#{number} \"{}\"", text::clip(&c.subject, 60))
}
