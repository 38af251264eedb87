//! Citations as the summary and the copilot show them: grouped by kind, without
//! repeats. Pure: the account tabs and the copilot share it without either
//! reaching the other.

use tend_domain::*;

/// How a kind of record reads in a citation: (one, many).
pub fn kind_words(kind: EntityKind) -> (&'static str, &'static str) {
    match kind {
        EntityKind::Account => ("account", "accounts"),
        EntityKind::Contact => ("contact", "contacts"),
        EntityKind::Interaction => ("interaction", "interactions"),
        EntityKind::SupportCase => ("case", "cases"),
        EntityKind::Agreement => ("agreement", "agreements"),
        EntityKind::Opportunity => ("opportunity", "opportunities"),
        EntityKind::Project => ("project", "projects"),
        EntityKind::Task => ("task", "tasks"),
        EntityKind::Playbook => ("playbook", "playbooks"),
        EntityKind::PlaybookRun => ("playbook run", "playbook runs"),
        EntityKind::NpsResponse => ("NPS", "NPS"),
        EntityKind::Document => ("document", "documents"),
        EntityKind::Alert => ("alert", "alerts"),
        EntityKind::Summary => ("summary", "summaries"),
        EntityKind::SuccessPlan => ("plan", "plans"),
        EntityKind::Objective => ("objective", "objectives"),
        EntityKind::Kpi => ("KPI", "KPIs"),
        EntityKind::BusinessChallenge => ("challenge", "challenges"),
        EntityKind::Invoice => ("invoice", "invoices"),
        EntityKind::Payment => ("payment", "payments"),
    }
}

/// The most ids a citation group shows before "+N".
const IDS_SHOWN: usize = 3;

/// Citations grouped by kind, in their order, one bracket a kind:
/// `[case 12]`, `[interactions 40, 41, 42 +5]`.
pub fn compact(citations: &[Citation]) -> Vec<String> {
    grouped(citations, IDS_SHOWN)
}

/// Citations grouped by kind, at most `shown` ids a kind (then "+N").
pub fn grouped(citations: &[Citation], shown: usize) -> Vec<String> {
    let mut groups: Vec<(EntityKind, Vec<Id>)> = vec![];
    for c in citations {
        match groups.iter_mut().find(|(k, _)| *k == c.kind) {
            Some((_, ids)) if !ids.contains(&c.id) => ids.push(c.id),
            Some(_) => {}
            None => groups.push((c.kind, vec![c.id])),
        }
    }
    groups
        .iter()
        .map(|(kind, ids)| {
            let (one, many) = kind_words(*kind);
            let more = ids.len().saturating_sub(shown);
            let shown: Vec<String> = ids.iter().take(shown).map(Id::to_string).collect();
            format!(
                "[{} {}{}]",
                if ids.len() == 1 { one } else { many },
                shown.join(", "),
                if more > 0 {
                    format!(" +{more}")
                } else {
                    String::new()
                }
            )
        })
        .collect()
}

/// Every citation, without repeats, in its order.
pub fn distinct(citations: &[Citation]) -> Vec<Citation> {
    let mut out: Vec<Citation> = vec![];
    for c in citations {
        if !out.contains(c) {
            out.push(*c);
        }
    }
    out
}
