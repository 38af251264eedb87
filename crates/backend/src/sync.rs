//! Loading records from source systems: the options and the report (the loading
//! itself is the store's, `sqlite::Store::sync_blocking`).

use serde::{Deserialize, Serialize};
use tend_domain::{EntityKind, Id};
use tend_engines::sources::{
    self, Read, ReadOptions, SourceProblem, calendar, freshdesk, hubspot, mail, mapped, salesforce,
    segment, zendesk,
};

/// The formats `tend import --from` and `POST /import?from=` read.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// tend's own dataset file.
    #[default]
    Tend,
    /// HubSpot's CSV exports of companies and contacts.
    Hubspot,
    /// Salesforce's CSV exports (Data Loader) of accounts, contacts, opportunities.
    Salesforce,
    /// Any CSV, read by a mapping file (`--mapping`).
    Csv,
    /// Zendesk's JSON exports: tickets (incremental export), organizations, users.
    Zendesk,
    /// Freshdesk's ticket CSV export.
    Freshdesk,
    /// Segment events as JSON lines (identify, group, track, page, screen).
    Segment,
    /// A mailbox (mbox) of emails.
    Mbox,
    /// Email messages, one per .eml file.
    Eml,
    /// Calendar files (iCalendar .ics).
    Ics,
}

impl Format {
    /// Its name on the command line and in the API.
    pub fn name(self) -> &'static str {
        match self {
            Format::Tend => "tend",
            Format::Hubspot => "hubspot",
            Format::Salesforce => "salesforce",
            Format::Csv => "csv",
            Format::Zendesk => "zendesk",
            Format::Freshdesk => "freshdesk",
            Format::Segment => "segment",
            Format::Mbox => "mbox",
            Format::Eml => "eml",
            Format::Ics => "ics",
        }
    }

    /// Whether it tells the team's addresses from the customers' (mail, calendars).
    pub fn needs_team_domains(self) -> bool {
        matches!(self, Format::Mbox | Format::Eml | Format::Ics)
    }
}

/// Reads `files` (`name`, bytes) as `format` (not `tend`: a dataset is imported
/// as a whole). A `csv` load needs its mapping file's text.
pub fn read_files(
    format: Format,
    files: &[(String, Vec<u8>)],
    options: &ReadOptions,
    mapping: Option<(&str, &str)>,
) -> std::result::Result<Read, SourceProblem> {
    if format.needs_team_domains() && options.team_domains.is_empty() {
        return Err(SourceProblem {
            place: "team_domains".into(),
            field: None,
            message: "which addresses are the team's? set [import] team_domains in the config, or give --team-domain ourco.com".into(),
        });
    }
    Ok(match format {
        Format::Hubspot => hubspot::read(files),
        Format::Salesforce => salesforce::read(files),
        Format::Csv => {
            let Some((name, text)) = mapping else {
                return Err(SourceProblem {
                    place: "mapping".into(),
                    field: None,
                    message: "--from csv needs a mapping file (--mapping FILE.toml)".into(),
                });
            };
            mapped::read(files, &mapped::parse_mapping(text, name)?)
        }
        Format::Zendesk => zendesk::read(files),
        Format::Freshdesk => freshdesk::read(files),
        Format::Segment => segment::read(files),
        Format::Mbox | Format::Eml => mail::read(files, options),
        Format::Ics => calendar::read(files, options),
        Format::Tend => {
            return Err(SourceProblem {
                place: "from".into(),
                field: None,
                message: "a tend dataset is imported whole, not read as a source".into(),
            });
        }
    })
}

/// For the API's documentation: one problem of a load.
pub type LoadProblem = sources::SourceProblem;

/// Which side wins when a record was edited in tend since its source last wrote it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Prefer {
    /// The source's values replace tend's.
    Source,
    /// tend's record is left as it is.
    Tend,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncOptions {
    /// Conflicts: `None` refuses the load and lists them.
    pub prefer: Option<Prefer>,
    /// Say what would be done; write nothing.
    pub dry_run: bool,
}

/// What a load did, or would do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncReport {
    pub dry_run: bool,
    /// Whether anything was written (no problem, no undecided conflict, not a dry run).
    #[serde(default)]
    pub written: bool,
    pub kinds: Vec<KindCounts>,
    pub conflicts: Vec<SyncConflict>,
    /// What could not be loaded, each with its place: nothing was written.
    pub problems: Vec<SourceProblem>,
    /// Columns of the files that no field takes.
    #[serde(default)]
    pub unused_columns: Vec<String>,
    /// What was left out, each with its place and why: a record whose account no
    /// source id, domain or email finds (never invented), an internal meeting.
    #[serde(default)]
    pub skipped: Vec<SourceProblem>,
    /// Product events counted into usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageCounts>,
}

/// Product events loaded into usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsageCounts {
    /// Events counted now.
    pub events: u64,
    /// Events counted before (loaded again), left out.
    pub duplicates: u64,
    /// Events whose account nothing finds, left out.
    pub unmatched: u64,
    /// Usage rows (per user and day) written.
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindCounts {
    pub kind: EntityKind,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub conflicts: u64,
}

/// A record edited in tend since its source last wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncConflict {
    pub place: String,
    pub kind: EntityKind,
    pub id: Id,
    pub external_id: String,
    /// The fields the source would change.
    pub fields: Vec<String>,
    /// `source`, `tend`, or `undecided` (without `--prefer`).
    pub kept: String,
}
