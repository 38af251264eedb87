//! Account summaries from an account's 360 and health report, and the team's
//! summary settings (which sections show, in which order).

use tend_domain::*;
pub use tend_engines::summary::{AccountSummary, Section, SectionChange, SectionId, Settings};

use crate::{Account360, HealthReport};

/// The key the team's summary settings are kept under in the store.
pub(crate) const SETTINGS_KEY: &str = "summary_settings";

/// The summary of the account `view` shows, as of `now`.
pub fn summarize(
    view: &Account360,
    health: Option<&HealthReport>,
    settings: &Settings,
    now: Timestamp,
) -> AccountSummary {
    let input = tend_engines::summary::Input {
        account: &view.account,
        contacts: &view.contacts,
        interactions: &view.interactions,
        cases: &view.cases,
        agreements: &view.agreements,
        opportunities: &view.opportunities,
        projects: &view.projects,
        tasks: &view.tasks,
        playbook_runs: &view.playbook_runs,
        playbooks: &view.playbooks,
        nps: &view.nps,
        alerts: &view.alerts,
        plans: &view.plans,
        objectives: &view.objectives,
        kpis: &view.kpis,
        challenges: &view.challenges,
        health: health.map(|h| &h.explanation),
        weekly: health.map_or(&[][..], |h| &h.weekly[..]),
    };
    tend_engines::summary::summarize(&input, settings, now)
}
