//! Summary: the account's summary read by section, each statement with the
//! records it cites; the saved summaries (latest first) and what changed between
//! them; generating, saving and rewording one in the background.

pub mod draw;
pub mod update;

use std::cell::Cell;
use std::sync::Arc;

use tend_backend::Account360;
use tend_backend::summary::{AccountSummary, SectionChange, SectionId};
use tend_domain::*;

use crate::state::Cancel;

/// What the Summary tab keeps for one account.
#[derive(Debug, Clone, Default)]
pub struct SummaryView {
    /// A summary generated (or reworded) here and not saved yet.
    pub draft: Option<Draft>,
    /// The generation under way (its job).
    pub generating: Option<u64>,
    /// Why the last generation failed.
    pub failed: Option<String>,
    /// Which version shows (see [`versions`]): 0 is the newest.
    pub shown: usize,
    /// The statement under the cursor, counted across the sections.
    pub cursor: usize,
    /// The reader's first line on screen (kept by the drawing).
    pub offset: Cell<usize>,
    /// The model rewording a summary.
    pub rewording: Option<Rewording>,
    /// What the last rewording came to, when it is worth saying (sentences
    /// dropped, an error, cancelled).
    pub said: Option<String>,
    /// A save is on its way: once the account is loaded again, the saved
    /// summary shows.
    pub saving: bool,
    /// What shows on entering the tab was decided (the latest saved summary, or
    /// a generation when there is none).
    pub entered: bool,
}

/// A summary not saved yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub summary: AccountSummary,
    /// Reworded by the language model.
    pub reworded: bool,
}

/// The language model rewording a summary, section by section.
#[derive(Debug, Clone)]
pub struct Rewording {
    pub job: u64,
    /// The section being reworded (0-based) and how many there are.
    pub section: usize,
    pub total: usize,
    /// Characters the model has written for the section so far.
    pub chars: usize,
    /// Cancels it (Esc), and does when the account's view goes.
    pub cancel: Arc<Cancel>,
}

/// One summary the tab can show.
#[derive(Debug, Clone, Copy)]
pub enum Version<'a> {
    Draft(&'a Draft),
    /// A saved one: its place among the saved (0: the latest).
    Saved(usize, &'a Summary),
}

/// The summaries to step through, newest first: the draft, then the saved ones.
pub fn versions<'a>(v: &'a SummaryView, d: &'a Account360) -> Vec<Version<'a>> {
    let mut out: Vec<Version> = v.draft.iter().map(Version::Draft).collect();
    out.extend(
        d.summaries
            .iter()
            .enumerate()
            .map(|(i, s)| Version::Saved(i, s)),
    );
    out
}

/// The summary on screen, and the saved one before it (what it is compared with).
#[derive(Debug, Clone)]
pub struct Shown<'a> {
    pub version: Version<'a>,
    pub summary: AccountSummary,
    pub older: Option<&'a Summary>,
    /// Where it is among the versions, and how many there are.
    pub place: (usize, usize),
}

/// The summary the tab shows, if there is one.
pub fn shown<'a>(v: &'a SummaryView, d: &'a Account360) -> Option<Shown<'a>> {
    let all = versions(v, d);
    let at = v.shown.min(all.len().checked_sub(1)?);
    let version = all[at];
    let name = d.account.name.as_str();
    let (summary, older) = match version {
        Version::Draft(x) => (x.summary.clone(), d.summaries.first()),
        Version::Saved(i, s) => (AccountSummary::from_record(s, name), d.summaries.get(i + 1)),
    };
    Some(Shown {
        version,
        summary,
        older,
        place: (at, all.len()),
    })
}

impl Shown<'_> {
    /// What changed in each section since the saved summary before this one.
    pub fn changes(&self, d: &Account360) -> Vec<SectionChange> {
        self.older.map_or_else(Vec::new, |o| {
            self.summary
                .changes_since(&AccountSummary::from_record(o, &d.account.name))
        })
    }
}

/// Every statement of a summary in reading order, as (section, statement).
pub fn statements(s: &AccountSummary) -> Vec<(usize, usize)> {
    s.sections
        .iter()
        .enumerate()
        .flat_map(|(i, sec)| (0..sec.statements.len()).map(move |j| (i, j)))
        .collect()
}

/// The statement under the cursor, with its section.
pub fn under_cursor<'a>(v: &SummaryView, s: &'a AccountSummary) -> Option<(usize, &'a Statement)> {
    let all = statements(s);
    let (i, j) = *all.get(v.cursor.min(all.len().checked_sub(1)?))?;
    Some((i, &s.sections[i].statements[j]))
}

/// The cursor's place at the first statement of each section that has any.
pub fn section_starts(s: &AccountSummary) -> Vec<usize> {
    let mut starts = vec![];
    let mut n = 0;
    for sec in &s.sections {
        if !sec.statements.is_empty() {
            starts.push(n);
        }
        n += sec.statements.len();
    }
    starts
}

/// The name an expansion opportunity takes from a suggestion: the signals it
/// quotes ("more seats"; the bare "expand" only when it is all there is), else
/// the account's name.
pub fn expansion_name(statement: Option<&str>, account: &str) -> String {
    // `... mentions "expand" and "more seats": "the sentence"`
    let quoted: Vec<&str> = statement
        .and_then(|t| t.split_once(" mentions "))
        .and_then(|(_, rest)| rest.split_once(": \""))
        .map(|(signals, _)| signals.split('"').skip(1).step_by(2).collect())
        .unwrap_or_default();
    let specific: Vec<&str> = quoted
        .iter()
        .copied()
        .filter(|s| !matches!(*s, "expand" | "expansion"))
        .collect();
    let signals = if specific.is_empty() {
        quoted
    } else {
        specific
    };
    if signals.is_empty() {
        format!("Expansion: {account}")
    } else {
        format!("Expansion: {} ({account})", signals.join(", "))
    }
}

/// The description of an expansion opportunity made from the summary's
/// suggestions: one line per statement.
pub fn expansion_description(s: &AccountSummary) -> Option<String> {
    let section = s.section(SectionId::Expansion)?;
    if section.statements.is_empty() {
        return None;
    }
    let lines: Vec<String> = section
        .statements
        .iter()
        .map(|st| format!("- {}", st.text))
        .collect();
    Some(format!(
        "From the account summary of {} (Suggested Expansion Opportunities):\n{}",
        s.generated_at.format("%Y-%m-%d"),
        lines.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expansion_is_named_after_the_signals_it_quotes() {
        let said = "Call with Felix on 2026-06-15 mentions \"expand\" and \"more seats\": \"Could you send a proposal for 40 more seats?\"";
        assert_eq!(
            expansion_name(Some(said), "Brightwave"),
            "Expansion: more seats (Brightwave)"
        );
        let said = "Email from Ann mentions \"expand\": \"we expand: more to come\"";
        assert_eq!(
            expansion_name(Some(said), "Brightwave"),
            "Expansion: expand (Brightwave)"
        );
        assert_eq!(
            expansion_name(Some("Open expansion opportunity \"X\"."), "Brightwave"),
            "Expansion: Brightwave"
        );
        assert_eq!(expansion_name(None, "Brightwave"), "Expansion: Brightwave");
    }
}
