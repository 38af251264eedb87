//! The dataset format: the JSON that `tend import` reads, `tend export` writes and
//! the demo fixtures use. See the README's "Dataset format" section.
//!
//! A dataset carries an `anchor`: the instant its data was written relative to. The
//! demo shifts every date by whole days so that the anchor becomes today, which keeps
//! recency ("last touch 3 days ago") reading right whenever it is opened.

mod parse;
mod shift;
mod validate;

pub use parse::parse;
pub use validate::validate;

use std::fmt;

use serde::{Deserialize, Serialize};

use tend_domain::*;

/// The value of the `format` field.
pub const FORMAT: &str = "tend-dataset";
/// The version of the format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A whole store's worth of records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    pub format: String,
    pub format_version: u32,
    /// The instant the data is relative to ("today" when it was written).
    pub anchor: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub interactions: Vec<Interaction>,
    #[serde(default)]
    pub usage: Vec<UsageDay>,
    #[serde(default)]
    pub support_cases: Vec<SupportCase>,
    #[serde(default)]
    pub agreements: Vec<Agreement>,
    #[serde(default)]
    pub opportunities: Vec<Opportunity>,
    #[serde(default)]
    pub projects: Vec<Project>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub playbooks: Vec<Playbook>,
    #[serde(default)]
    pub playbook_runs: Vec<PlaybookRun>,
    #[serde(default)]
    pub nps_responses: Vec<NpsResponse>,
    #[serde(default)]
    pub documents: Vec<Document>,
    #[serde(default)]
    pub alerts: Vec<Alert>,
    #[serde(default)]
    pub summaries: Vec<Summary>,
    #[serde(default)]
    pub success_plans: Vec<SuccessPlan>,
    #[serde(default)]
    pub objectives: Vec<Objective>,
    #[serde(default)]
    pub kpis: Vec<Kpi>,
    #[serde(default)]
    pub business_challenges: Vec<BusinessChallenge>,
    #[serde(default)]
    pub invoices: Vec<Invoice>,
    #[serde(default)]
    pub payments: Vec<Payment>,
    #[serde(default)]
    pub change_log: Vec<ChangeLogEntry>,
}

impl Dataset {
    /// An empty dataset anchored at `anchor`.
    pub fn new(anchor: Timestamp) -> Self {
        Dataset {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            anchor,
            accounts: vec![],
            contacts: vec![],
            interactions: vec![],
            usage: vec![],
            support_cases: vec![],
            agreements: vec![],
            opportunities: vec![],
            projects: vec![],
            tasks: vec![],
            playbooks: vec![],
            playbook_runs: vec![],
            nps_responses: vec![],
            documents: vec![],
            alerts: vec![],
            summaries: vec![],
            success_plans: vec![],
            objectives: vec![],
            kpis: vec![],
            business_challenges: vec![],
            invoices: vec![],
            payments: vec![],
            change_log: vec![],
        }
    }

    /// Moves every record of `other` to the end of this dataset's sections.
    pub fn append(&mut self, other: Dataset) {
        self.accounts.extend(other.accounts);
        self.contacts.extend(other.contacts);
        self.interactions.extend(other.interactions);
        self.usage.extend(other.usage);
        self.support_cases.extend(other.support_cases);
        self.agreements.extend(other.agreements);
        self.opportunities.extend(other.opportunities);
        self.projects.extend(other.projects);
        self.tasks.extend(other.tasks);
        self.playbooks.extend(other.playbooks);
        self.playbook_runs.extend(other.playbook_runs);
        self.nps_responses.extend(other.nps_responses);
        self.documents.extend(other.documents);
        self.alerts.extend(other.alerts);
        self.summaries.extend(other.summaries);
        self.success_plans.extend(other.success_plans);
        self.objectives.extend(other.objectives);
        self.kpis.extend(other.kpis);
        self.business_challenges.extend(other.business_challenges);
        self.invoices.extend(other.invoices);
        self.payments.extend(other.payments);
        self.change_log.extend(other.change_log);
    }

    /// How many rows of every section it holds.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("accounts", self.accounts.len()),
            ("contacts", self.contacts.len()),
            ("interactions", self.interactions.len()),
            ("usage", self.usage.len()),
            ("support_cases", self.support_cases.len()),
            ("agreements", self.agreements.len()),
            ("opportunities", self.opportunities.len()),
            ("projects", self.projects.len()),
            ("tasks", self.tasks.len()),
            ("playbooks", self.playbooks.len()),
            ("playbook_runs", self.playbook_runs.len()),
            ("nps_responses", self.nps_responses.len()),
            ("documents", self.documents.len()),
            ("alerts", self.alerts.len()),
            ("summaries", self.summaries.len()),
            ("success_plans", self.success_plans.len()),
            ("objectives", self.objectives.len()),
            ("kpis", self.kpis.len()),
            ("business_challenges", self.business_challenges.len()),
            ("invoices", self.invoices.len()),
            ("payments", self.payments.len()),
            ("change_log", self.change_log.len()),
        ]
    }

    /// Total rows in all sections.
    pub fn total_rows(&self) -> usize {
        self.counts().iter().map(|(_, n)| n).sum()
    }

    /// Writes the dataset as JSON with one record per line: compact, and a diff of
    /// two versions shows which records changed.
    pub fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        fn section<T: Serialize, W: std::io::Write>(
            w: &mut JsonWriter<W>,
            name: &str,
            items: &[T],
        ) -> std::io::Result<()> {
            w.begin_section(name)?;
            for item in items {
                w.item(item)?;
            }
            w.end_section()
        }
        let mut w = JsonWriter::start(out, self.anchor)?;
        section(&mut w, "accounts", &self.accounts)?;
        section(&mut w, "contacts", &self.contacts)?;
        section(&mut w, "interactions", &self.interactions)?;
        section(&mut w, "usage", &self.usage)?;
        section(&mut w, "support_cases", &self.support_cases)?;
        section(&mut w, "agreements", &self.agreements)?;
        section(&mut w, "opportunities", &self.opportunities)?;
        section(&mut w, "projects", &self.projects)?;
        section(&mut w, "tasks", &self.tasks)?;
        section(&mut w, "playbooks", &self.playbooks)?;
        section(&mut w, "playbook_runs", &self.playbook_runs)?;
        section(&mut w, "nps_responses", &self.nps_responses)?;
        section(&mut w, "documents", &self.documents)?;
        section(&mut w, "alerts", &self.alerts)?;
        section(&mut w, "summaries", &self.summaries)?;
        section(&mut w, "success_plans", &self.success_plans)?;
        section(&mut w, "objectives", &self.objectives)?;
        section(&mut w, "kpis", &self.kpis)?;
        section(&mut w, "business_challenges", &self.business_challenges)?;
        section(&mut w, "invoices", &self.invoices)?;
        section(&mut w, "payments", &self.payments)?;
        section(&mut w, "change_log", &self.change_log)?;
        w.finish()
    }
}

/// Dataset JSON written a record at a time, in the layout of
/// [`Dataset::write_json`] (one record per line), for a writer that never holds
/// the whole dataset: the sections in the order of [`Dataset`]'s fields.
pub struct JsonWriter<W> {
    out: W,
    sections: usize,
    items: usize,
}

impl<W: std::io::Write> JsonWriter<W> {
    /// Writes the head (format, version and anchor).
    pub fn start(mut out: W, anchor: Timestamp) -> std::io::Result<Self> {
        writeln!(
            out,
            "{{\"format\":{},\"format_version\":{FORMAT_VERSION},\"anchor\":{},",
            serde_json::to_string(FORMAT)?,
            serde_json::to_string(&anchor)?
        )?;
        Ok(JsonWriter {
            out,
            sections: 0,
            items: 0,
        })
    }

    pub fn begin_section(&mut self, name: &str) -> std::io::Result<()> {
        if self.sections > 0 {
            self.out.write_all(b",\n")?;
        }
        self.sections += 1;
        self.items = 0;
        write!(self.out, "{}:[", serde_json::to_string(name)?)
    }

    pub fn item<T: Serialize>(&mut self, item: &T) -> std::io::Result<()> {
        self.out
            .write_all(if self.items == 0 { b"\n" } else { b",\n" })?;
        self.items += 1;
        serde_json::to_writer(&mut self.out, item)?;
        Ok(())
    }

    pub fn end_section(&mut self) -> std::io::Result<()> {
        self.out
            .write_all(if self.items == 0 { b"]" } else { b"\n]" })
    }

    /// Closes the dataset; answers the writer.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(b"\n}\n")?;
        self.out.flush()
    }
}

/// What an import loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub counts: Vec<(String, usize)>,
    pub rows: usize,
}

impl ImportReport {
    pub fn of(dataset: &Dataset) -> Self {
        ImportReport {
            counts: dataset
                .counts()
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect(),
            rows: dataset.total_rows(),
        }
    }
}

/// One thing wrong with a dataset, with its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// Where: "line 3, column 7" or "accounts[3] (id 17)".
    pub place: String,
    /// The field, when one is to blame ("parent_id", "sentiment.score").
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, field `{}`: {}", self.place, field, self.message),
            None => write!(f, "{}: {}", self.place, self.message),
        }
    }
}

/// Every problem found in a dataset (the whole list, not just the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in {file}:\n{}", problems.len(), list(file, problems))]
pub struct Problems {
    pub file: String,
    pub problems: Vec<Problem>,
}

fn list(file: &str, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {file}: {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}
