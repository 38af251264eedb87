//! The account summary: up to ten titled sections built from one account's
//! records, each statement citing the records it rests on. Pure: the records and
//! `now` in, the summary out; the same input gives the same summary, byte for byte
//! (records are ordered by date then id, never by a hash map).
//!
//! The Executive Summary and the Strategic Next Steps are built from the other
//! sections' statements, and only from the sections the settings show: hiding a
//! section hides what it says from them too.
//!
//! Sections that read interactions read at most a fixed number of the most recent
//! ones (the `*_INTERACTIONS` constants), so a summary costs the same for an
//! account with ten years of email as for a new one; such a section says so in
//! its note.

mod account;
mod actions;
mod context;
mod derived;
mod outcomes;
mod relations;
mod render;
mod risks;
pub(crate) mod text;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
pub(crate) mod props;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tend_domain::*;

pub use render::SectionChange;

use context::{Ctx, Draft};

// How many of the most recent interactions each section reads.
pub const STAKEHOLDER_INTERACTIONS: usize = 200;
pub const RELATIONAL_INTERACTIONS: usize = 50;
pub const RISK_INTERACTIONS: usize = 100;
pub const EXPANSION_INTERACTIONS: usize = 200;
pub const ACHIEVEMENT_INTERACTIONS: usize = 200;
pub const ACTION_INTERACTIONS: usize = 100;

/// At most this many customer contacts are listed.
pub const MAX_STAKEHOLDERS: usize = 10;
/// At most this many interactions with expansion signals are quoted.
pub const MAX_EXPANSION_SIGNALS: usize = 5;
/// At most this many KPIs are listed one by one.
pub const MAX_KPIS: usize = 10;
/// At most this many achievements are listed.
pub const MAX_ACHIEVEMENTS: usize = 8;
/// At most this many actions are listed.
pub const MAX_ACTIONS: usize = 15;
/// At most this many next steps.
pub const MAX_NEXT_STEPS: usize = 7;

/// Words in a customer's messages or our notes that suggest they could buy more.
/// Matched at the start of a word, with plain endings ("expanding", "pilots").
pub const EXPANSION_SIGNALS: &[&str] = &[
    "expand",
    "expansion",
    "more seats",
    "more licenses",
    "more users",
    "additional",
    "new team",
    "new office",
    "new department",
    "upgrade",
    "another region",
    "new region",
    "pilot",
    "add-on",
];

/// Words that mark a go-live in an interaction's subject or tags, or a done task.
pub const GO_LIVE_MARKERS: &[&str] = &["go-live", "go live", "went live", "gone live", "launched"];

/// A renewal decision this close with a health below healthy is a risk.
pub const RENEWAL_RISK_DAYS: i64 = 90;
/// Open tasks due this close are immediate actions.
pub const DUE_SOON_DAYS: i64 = 7;
/// An incoming email older than this is no longer an immediate action.
pub const UNANSWERED_DAYS: i64 = 30;
/// The health trend compares the score with the weekly snapshot this many weeks back.
pub const TREND_WEEKS: i64 = 4;

/// The ten sections, in the document's order.
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
pub enum SectionId {
    Highlights,
    Stakeholders,
    ExecutiveSummary,
    KpiProgress,
    RelationalHealth,
    Risks,
    Expansion,
    Achievements,
    NextSteps,
    ImmediateActions,
}

impl SectionId {
    /// Every section, in the document's order.
    pub const ALL: &'static [SectionId] = &[
        SectionId::Highlights,
        SectionId::Stakeholders,
        SectionId::ExecutiveSummary,
        SectionId::KpiProgress,
        SectionId::RelationalHealth,
        SectionId::Risks,
        SectionId::Expansion,
        SectionId::Achievements,
        SectionId::NextSteps,
        SectionId::ImmediateActions,
    ];

    /// The stable key used in settings, JSON and the CLI.
    pub fn key(self) -> &'static str {
        match self {
            SectionId::Highlights => "highlights",
            SectionId::Stakeholders => "stakeholders",
            SectionId::ExecutiveSummary => "executive_summary",
            SectionId::KpiProgress => "kpi_progress",
            SectionId::RelationalHealth => "relational_health",
            SectionId::Risks => "risks",
            SectionId::Expansion => "expansion",
            SectionId::Achievements => "achievements",
            SectionId::NextSteps => "next_steps",
            SectionId::ImmediateActions => "immediate_actions",
        }
    }

    /// The title the section is shown and saved under.
    pub fn title(self) -> &'static str {
        match self {
            SectionId::Highlights => "Account Highlights",
            SectionId::Stakeholders => "Key Stakeholders",
            SectionId::ExecutiveSummary => "Executive Summary",
            SectionId::KpiProgress => "KPI Progress",
            SectionId::RelationalHealth => "Relational Health",
            SectionId::Risks => "Risks and Blockers",
            SectionId::Expansion => "Suggested Expansion Opportunities",
            SectionId::Achievements => "Strategic Value Achievements",
            SectionId::NextSteps => "Strategic Next Steps",
            SectionId::ImmediateActions => "Immediate Actions",
        }
    }

    /// The section saved under `title` (as [`SectionId::title`] spells it).
    pub fn from_title(title: &str) -> Option<SectionId> {
        SectionId::ALL
            .iter()
            .copied()
            .find(|s| s.title().eq_ignore_ascii_case(title.trim()))
    }

    /// The sections this one is built from (empty for those built from records).
    pub fn feeders(self) -> &'static [SectionId] {
        match self {
            SectionId::ExecutiveSummary => &[
                SectionId::Highlights,
                SectionId::RelationalHealth,
                SectionId::Risks,
                SectionId::KpiProgress,
                SectionId::Achievements,
            ],
            SectionId::NextSteps => &[
                SectionId::Risks,
                SectionId::Expansion,
                SectionId::KpiProgress,
                SectionId::ImmediateActions,
                SectionId::Achievements,
            ],
            _ => &[],
        }
    }

    fn keys() -> String {
        SectionId::ALL
            .iter()
            .map(|s| s.key())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for SectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.key())
    }
}

impl FromStr for SectionId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SectionId::ALL
            .iter()
            .copied()
            .find(|id| id.key() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown summary section '{s}' (expected one of: {})",
                    SectionId::keys()
                )
            })
    }
}

/// Which sections show and in which order (admin settings). Default: all ten in
/// order.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Clone, Debug, PartialEq)]
pub struct Settings {
    pub sections: Vec<SectionId>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sections: SectionId::ALL.to_vec(),
        }
    }
}

impl Settings {
    /// Whether the settings can be saved: at least one section, none twice.
    pub fn check(&self) -> Result<(), String> {
        if self.sections.is_empty() {
            return Err(format!(
                "the summary shows no section: choose at least one of {}",
                SectionId::keys()
            ));
        }
        for (i, id) in self.sections.iter().enumerate() {
            if self.sections[..i].contains(id) {
                return Err(format!(
                    "section '{id}' is listed twice: list each section once"
                ));
            }
        }
        Ok(())
    }

    /// Whether the summary shows `id`.
    pub fn shows(&self, id: SectionId) -> bool {
        self.sections.contains(&id)
    }
}

/// One account's records (only this account's), and its health.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub account: &'a Account,
    pub contacts: &'a [Contact],
    /// In any order.
    pub interactions: &'a [Interaction],
    pub cases: &'a [SupportCase],
    pub agreements: &'a [Agreement],
    pub opportunities: &'a [Opportunity],
    pub projects: &'a [Project],
    pub tasks: &'a [Task],
    pub playbook_runs: &'a [PlaybookRun],
    pub playbooks: &'a [Playbook],
    pub nps: &'a [NpsResponse],
    pub alerts: &'a [Alert],
    pub plans: &'a [SuccessPlan],
    pub objectives: &'a [Objective],
    pub kpis: &'a [Kpi],
    pub challenges: &'a [BusinessChallenge],
    pub health: Option<&'a crate::health::Explanation>,
    /// Weekly health snapshots, oldest first (for the trend).
    pub weekly: &'a [crate::health::Snapshot],
}

/// One section of a summary.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Clone, Debug, PartialEq)]
pub struct Section {
    pub id: SectionId,
    pub title: String,
    pub statements: Vec<Statement>,
    /// What the section left out, or why it says nothing.
    pub note: Option<String>,
}

/// A generated account summary.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Clone, Debug, PartialEq)]
pub struct AccountSummary {
    pub account_id: Id,
    pub account_name: String,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    /// The sections the settings show, in their order.
    pub sections: Vec<Section>,
}

impl AccountSummary {
    /// The section `id`, when shown.
    pub fn section(&self, id: SectionId) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}

/// Summarises an account as of `now` with the sections `settings` show, in their
/// order (a section listed twice shows once).
pub fn summarize(input: &Input, settings: &Settings, now: Timestamp) -> AccountSummary {
    let ctx = Ctx::new(input, now);
    let mut shown: Vec<SectionId> = vec![];
    for id in &settings.sections {
        if !shown.contains(id) {
            shown.push(*id);
        }
    }
    let mut drafts: BTreeMap<SectionId, Draft> = BTreeMap::new();
    for &id in &shown {
        let draft = match id {
            SectionId::Highlights => account::highlights(&ctx),
            SectionId::Stakeholders => account::stakeholders(&ctx),
            SectionId::KpiProgress => outcomes::kpi_progress(&ctx),
            SectionId::RelationalHealth => relations::relational_health(&ctx),
            SectionId::Risks => risks::risks(&ctx),
            SectionId::Expansion => relations::expansion(&ctx),
            SectionId::Achievements => outcomes::achievements(&ctx),
            SectionId::ImmediateActions => actions::immediate_actions(&ctx),
            SectionId::ExecutiveSummary | SectionId::NextSteps => continue,
        };
        drafts.insert(id, draft);
    }
    for &id in &shown {
        let draft = match id {
            SectionId::ExecutiveSummary => derived::executive_summary(&ctx, &drafts),
            SectionId::NextSteps => derived::next_steps(&drafts),
            _ => continue,
        };
        drafts.insert(id, draft);
    }
    let sections = shown
        .iter()
        .map(|&id| {
            let draft = drafts.remove(&id).unwrap_or_default();
            draft.into_section(id)
        })
        .collect();
    AccountSummary {
        account_id: input.account.id,
        account_name: input.account.name.clone(),
        generated_at: now,
        sections,
    }
}
