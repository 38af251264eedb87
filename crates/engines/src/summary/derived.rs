//! The Executive Summary and the Strategic Next Steps: built only from the lines
//! of the other sections the settings show, citing what those lines cite.

use std::collections::BTreeMap;

use super::context::{Action, Ctx, Draft, Line, Topic};
use super::text::{self, counted};
use super::{MAX_NEXT_STEPS, SectionId};

const HIDDEN: &str = "Not enough data: every section this one is built from is hidden.";

fn lines_of(drafts: &BTreeMap<SectionId, Draft>, id: SectionId) -> &[Line] {
    drafts
        .get(&id)
        .map(|d| d.lines.as_slice())
        .unwrap_or_default()
}

fn first_with(lines: &[Line], topic: Topic) -> Option<&Line> {
    lines.iter().find(|l| l.topic == topic && l.gist.is_some())
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One statement from the gists of `from`, citing all they cite.
fn joined(lead: &str, from: &[&Line], ending: &str) -> Option<Line> {
    let gists: Vec<&str> = from.iter().filter_map(|l| l.gist.as_deref()).collect();
    if gists.is_empty() {
        return None;
    }
    let body = gists.join("; ");
    let text = if lead.is_empty() {
        format!("{}{ending}.", capitalized(&body))
    } else {
        format!("{lead}: {body}{ending}.")
    };
    Some(Line::new(
        Topic::Derived,
        text,
        from.iter().flat_map(|l| l.cites.iter().copied()).collect(),
    ))
}

fn hidden(drafts: &BTreeMap<SectionId, Draft>, id: SectionId) -> bool {
    !id.feeders().iter().any(|f| drafts.contains_key(f))
}

pub(super) fn executive_summary(ctx: &Ctx, drafts: &BTreeMap<SectionId, Draft>) -> Draft {
    if hidden(drafts, SectionId::ExecutiveSummary) {
        return Draft::of(vec![], HIDDEN, &[]);
    }
    let mut lines = vec![];
    let highlights = lines_of(drafts, SectionId::Highlights);
    let overview: Vec<&Line> = [Topic::Revenue, Topic::Health]
        .iter()
        .filter_map(|t| first_with(highlights, *t))
        .collect();
    if let Some(mut l) = joined(
        &format!("{}, in {}", ctx.account.name, ctx.account.stage),
        &overview,
        "",
    ) {
        l.cites.push(ctx.account_cite());
        lines.push(l);
    }
    let relational = lines_of(drafts, SectionId::RelationalHealth);
    let relationship: Vec<&Line> = [
        Topic::Sentiment,
        Topic::Collaboration,
        Topic::Executives,
        Topic::Nps,
    ]
    .iter()
    .filter_map(|t| first_with(relational, *t))
    .collect();
    lines.extend(joined("Relationship", &relationship, ""));
    let risks = lines_of(drafts, SectionId::Risks);
    if let Some(top) = risks.iter().find(|l| l.gist.is_some()) {
        let more = match risks.len() - 1 {
            0 => String::new(),
            n => format!(
                " ({} in the Risks and Blockers)",
                counted(n, "more risk", "more risks")
            ),
        };
        lines.extend(joined("Biggest risk", &[top], &more));
    }
    let mut performance: Vec<&Line> = vec![];
    performance.extend(first_with(highlights, Topic::Kpis));
    let progress = lines_of(drafts, SectionId::KpiProgress);
    performance.extend(first_with(progress, Topic::KpiProgress));
    performance.extend(first_with(progress, Topic::KpiStalled));
    lines.extend(joined("Performance", &performance, ""));
    let achievements = lines_of(drafts, SectionId::Achievements);
    if let Some(top) = achievements.iter().find(|l| l.gist.is_some()) {
        let more = match achievements.len() - 1 {
            0 => String::new(),
            n => format!(" (and {} more)", n),
        };
        lines.extend(joined("Leading achievement", &[top], &more));
    }
    Draft::of(
        lines,
        "Not enough data to summarise: the sections it is built from have nothing to report yet.",
        &[],
    )
}

pub(super) fn next_steps(drafts: &BTreeMap<SectionId, Draft>) -> Draft {
    if hidden(drafts, SectionId::NextSteps) {
        return Draft::of(vec![], HIDDEN, &[]);
    }
    let mut steps: Vec<Line> = vec![];
    let from = |l: &Line| -> Option<Line> {
        l.step
            .as_ref()
            .map(|s| Line::new(Topic::Derived, s.clone(), l.cites.clone()))
    };
    let risks = lines_of(drafts, SectionId::Risks);
    steps.extend(risks.iter().filter_map(from).take(3));
    let actions = lines_of(drafts, SectionId::ImmediateActions);
    if !actions.is_empty() {
        let counts: Vec<String> = Action::ALL
            .iter()
            .filter_map(|a| {
                let n = actions
                    .iter()
                    .filter(|l| l.topic == Topic::Action(*a))
                    .count();
                (n > 0).then(|| a.count(n))
            })
            .collect();
        steps.push(Line::new(
            Topic::Derived,
            format!(
                "Clear the immediate actions this week: {}.",
                text::and_list(&counts)
            ),
            actions
                .iter()
                .flat_map(|l| l.cites.iter().copied())
                .collect(),
        ));
    }
    let mut kpis: Vec<&Line> = lines_of(drafts, SectionId::KpiProgress)
        .iter()
        .filter(|l| l.step.is_some())
        .collect();
    // Nearest due date first; undated last.
    kpis.sort_by_key(|l| (l.due.is_none(), l.due));
    steps.extend(kpis.into_iter().filter_map(from).take(1));
    steps.extend(
        lines_of(drafts, SectionId::Expansion)
            .iter()
            .filter_map(from)
            .next(),
    );
    if let Some(top) = lines_of(drafts, SectionId::Achievements)
        .iter()
        .find(|l| l.gist.is_some())
    {
        steps.push(Line::new(
            Topic::Derived,
            format!(
                "Show the value delivered at the next business review, starting with {}.",
                top.gist.as_deref().unwrap_or_default()
            ),
            top.cites.clone(),
        ));
    }
    let mut seen: Vec<String> = vec![];
    steps.retain(|s| {
        let new = !seen.contains(&s.text);
        seen.push(s.text.clone());
        new
    });
    steps.truncate(MAX_NEXT_STEPS);
    Draft::of(
        steps,
        "No next step stands out: the sections it is built from have nothing to act on.",
        &[],
    )
}
