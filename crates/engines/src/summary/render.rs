//! A summary as a saved record, as Markdown, and against an older one.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tend_domain::*;

use super::{AccountSummary, Section, SectionId};

/// What changed in one section between two summaries.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Clone, Debug, PartialEq)]
pub struct SectionChange {
    pub id: SectionId,
    /// Statements of the newer summary the older did not have, in their order.
    pub added: Vec<String>,
    /// Statements of the older summary the newer no longer has, in their order.
    pub removed: Vec<String>,
}

impl AccountSummary {
    /// The record saved: title, body (the statements' texts, one per line, or the
    /// note when there are none), statements, note per section.
    pub fn to_record(&self, author: &str) -> Summary {
        Summary {
            id: 0,
            version: 1,
            created_at: self.generated_at,
            updated_at: self.generated_at,
            source: Source::Ui,
            external_id: None,
            account_id: self.account_id,
            generated_at: self.generated_at,
            author: author.to_string(),
            sections: self
                .sections
                .iter()
                .map(|s| SummarySection {
                    title: s.title.clone(),
                    body: if s.statements.is_empty() {
                        s.note.clone().unwrap_or_default()
                    } else {
                        s.statements
                            .iter()
                            .map(|st| st.text.as_str())
                            .collect::<Vec<_>>()
                            .join("\n")
                    },
                    statements: s.statements.clone(),
                    note: s.note.clone(),
                })
                .collect(),
        }
    }

    /// A saved summary read back. Section ids come from the titles (a section
    /// whose title is not one of [`SectionId::title`] is left out); a section saved
    /// with a body but no statements reads its body's lines as statements without
    /// citations.
    pub fn from_record(s: &Summary, account_name: &str) -> AccountSummary {
        let sections = s
            .sections
            .iter()
            .filter_map(|sec| {
                let id = SectionId::from_title(&sec.title)?;
                let statements = if sec.statements.is_empty()
                    && !sec.body.trim().is_empty()
                    && sec.note.as_deref() != Some(sec.body.as_str())
                {
                    sec.body
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(|l| Statement {
                            text: l.to_string(),
                            citations: vec![],
                        })
                        .collect()
                } else {
                    sec.statements.clone()
                };
                Some(Section {
                    id,
                    title: sec.title.clone(),
                    statements,
                    note: sec.note.clone(),
                })
            })
            .collect();
        AccountSummary {
            account_id: s.account_id,
            account_name: account_name.to_string(),
            generated_at: s.generated_at,
            sections,
        }
    }

    /// Markdown fit to paste into a business review deck: a heading per section,
    /// a bullet per statement with its citations as a bracketed suffix
    /// ("[case 12; interactions 40, 41]"), notes in italics.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "# Account summary: {}\n\n_Generated {}_\n",
            self.account_name,
            self.generated_at.format("%Y-%m-%d %H:%M UTC")
        );
        for s in &self.sections {
            out.push_str(&format!("\n## {}\n\n", s.title));
            for st in &s.statements {
                out.push_str("- ");
                out.push_str(&st.text);
                let refs = references(&st.citations);
                if !refs.is_empty() {
                    out.push_str(&format!(" [{refs}]"));
                }
                out.push('\n');
            }
            if let Some(note) = &s.note {
                if !s.statements.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("_{}_\n", note.trim()));
            }
        }
        out
    }

    /// What changed between an older saved summary and this one, per section
    /// present in either: statements added and removed (by text). Sections with
    /// no change are left out; this summary's order first, then sections only the
    /// older one had.
    pub fn changes_since(&self, older: &AccountSummary) -> Vec<SectionChange> {
        let texts = |s: Option<&Section>| -> Vec<String> {
            s.map(|s| s.statements.iter().map(|st| st.text.clone()).collect())
                .unwrap_or_default()
        };
        let mut ids: Vec<SectionId> = self.sections.iter().map(|s| s.id).collect();
        for s in &older.sections {
            if !ids.contains(&s.id) {
                ids.push(s.id);
            }
        }
        ids.into_iter()
            .filter_map(|id| {
                let new = texts(self.section(id));
                let old = texts(older.section(id));
                let new_set: BTreeSet<&String> = new.iter().collect();
                let old_set: BTreeSet<&String> = old.iter().collect();
                let added: Vec<String> = new
                    .iter()
                    .filter(|t| !old_set.contains(t))
                    .cloned()
                    .collect();
                let removed: Vec<String> = old
                    .iter()
                    .filter(|t| !new_set.contains(t))
                    .cloned()
                    .collect();
                (!added.is_empty() || !removed.is_empty()).then_some(SectionChange {
                    id,
                    added,
                    removed,
                })
            })
            .collect()
    }
}

/// How a citation's kind reads in a reference: (one, many).
fn kind_words(kind: EntityKind) -> (&'static str, &'static str) {
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
        EntityKind::NpsResponse => ("NPS response", "NPS responses"),
        EntityKind::Document => ("document", "documents"),
        EntityKind::Alert => ("alert", "alerts"),
        EntityKind::Summary => ("summary", "summaries"),
        EntityKind::SuccessPlan => ("success plan", "success plans"),
        EntityKind::Objective => ("objective", "objectives"),
        EntityKind::Kpi => ("KPI", "KPIs"),
        EntityKind::BusinessChallenge => ("challenge", "challenges"),
        EntityKind::Invoice => ("invoice", "invoices"),
        EntityKind::Payment => ("payment", "payments"),
    }
}

/// "case 12; interactions 40, 41": citations grouped by kind, in their order.
fn references(citations: &[Citation]) -> String {
    let mut groups: Vec<(EntityKind, Vec<Id>)> = vec![];
    for c in citations {
        match groups.iter_mut().find(|(k, _)| *k == c.kind) {
            Some((_, ids)) => {
                if !ids.contains(&c.id) {
                    ids.push(c.id);
                }
            }
            None => groups.push((c.kind, vec![c.id])),
        }
    }
    groups
        .iter()
        .map(|(kind, ids)| {
            let (one, many) = kind_words(*kind);
            let ids: Vec<String> = ids.iter().map(Id::to_string).collect();
            format!(
                "{} {}",
                if ids.len() == 1 { one } else { many },
                ids.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
