//! `tend import --from FORMAT FILE...`: data from the systems a team has (see
//! `tend_engines::sources`), loaded all or nothing and matched on the ids it has
//! there, so loading the same files again changes nothing.

use std::path::PathBuf;

use clap::ValueEnum;

use super::output::{Format, Table, print};
use super::{Cli, Failure, open_store, remote_url};
use crate::backend::sync::{Prefer, SyncOptions, SyncReport};
use crate::config::Settings;
use tend_engines::sources::{self, ReadOptions, calendar, hubspot, mail, segment, zendesk};

/// The formats `tend import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum From {
    /// tend's own dataset file.
    #[default]
    Tend,
    /// HubSpot's CSV exports of companies and contacts.
    Hubspot,
    /// Zendesk's JSON exports: tickets (incremental export), organizations, users.
    Zendesk,
    /// Segment events as JSON lines (identify, group, track, page, screen).
    Segment,
    /// A mailbox (mbox) of emails.
    Mbox,
    /// Email messages, one per .eml file.
    Eml,
    /// Calendar files (iCalendar .ics).
    Ics,
}

/// What the mail and calendar readers need from the command line.
#[derive(Debug, Clone, Default)]
pub struct ReadArgs {
    pub team_domains: Vec<String>,
    pub create_contacts: bool,
}

/// Loads `files` read as `from` into the local store.
pub fn run(
    cli: &Cli,
    settings: &Settings,
    from: From,
    files: &[PathBuf],
    options: &SyncOptions,
    args: &ReadArgs,
    format: Format,
) -> Result<(), Failure> {
    if remote_url(cli, settings).is_some() {
        return Err(Failure::usage(format!(
            "tend import --from {} loads a local store; the team server takes tend datasets (--from tend)",
            from.to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned())
        )));
    }
    // Everything is read and checked before the store is opened.
    let mut contents = Vec::with_capacity(files.len());
    for file in files {
        let bytes = std::fs::read(file)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        contents.push((name, bytes));
    }
    let mut team_domains = settings.import.team_domains.clone();
    team_domains.extend(args.team_domains.iter().cloned());
    if matches!(from, From::Mbox | From::Eml | From::Ics) && team_domains.is_empty() {
        return Err(Failure::usage(
            "which addresses are the team's? set [import] team_domains in the config, or give --team-domain ourco.com",
        ));
    }
    let read_options = ReadOptions {
        team_domains,
        create_contacts: args.create_contacts,
        now: chrono::Utc::now(),
    };
    let read = match from {
        From::Hubspot => hubspot::read(&contents),
        From::Zendesk => zendesk::read(&contents),
        From::Segment => segment::read(&contents),
        From::Mbox | From::Eml => mail::read(&contents, &read_options),
        From::Ics => calendar::read(&contents, &read_options),
        From::Tend => unreachable!("tend datasets are imported by import()"),
    };
    drop(contents);
    if !read.problems.is_empty() {
        return Err(problems(&read.problems, &read.unused_columns));
    }
    let store = open_store(cli, settings)?;
    let mut report =
        store.sync_blocking(&settings.user_name(), read.records, read.usage, options)?;
    report.unused_columns = read.unused_columns;
    let mut skipped = read.skipped;
    skipped.append(&mut report.skipped);
    report.skipped = skipped;
    print(format, &report, || table(&report))?;
    if format != Format::Json {
        notes(&report);
    }
    if !report.problems.is_empty() {
        return Err(problems(&report.problems, &[]));
    }
    if !report.conflicts.is_empty() && options.prefer.is_none() {
        return Err(Failure::usage(format!(
            "{} record(s) were edited in tend since they were last imported: nothing was written; choose with --prefer source (the files win) or --prefer tend (tend's edits stay)",
            report.conflicts.len()
        )));
    }
    Ok(())
}

fn problems(list: &[sources::SourceProblem], unused: &[String]) -> Failure {
    let mut text = format!("nothing was imported: {} problem(s):", list.len());
    for p in list.iter().take(200) {
        text.push_str(&format!("\n  {p}"));
    }
    if list.len() > 200 {
        text.push_str(&format!("\n  ... and {} more", list.len() - 200));
    }
    if !unused.is_empty() {
        text.push_str(&format!("\ncolumns no field takes: {}", unused.join(", ")));
    }
    Failure::usage(text)
}

/// What the table leaves out, on standard error: conflicts, unused columns, and
/// whether anything was written.
fn notes(report: &SyncReport) {
    for c in &report.conflicts {
        eprintln!(
            "conflict: {} {} ({}, source id {}) was edited in tend since its last import; the file changes {} (kept: {})",
            c.kind,
            c.id,
            c.place,
            c.external_id,
            c.fields.join(", "),
            c.kept
        );
    }
    if !report.unused_columns.is_empty() {
        eprintln!(
            "columns no field takes: {}",
            report.unused_columns.join(", ")
        );
    }
    for s in report.skipped.iter().take(50) {
        eprintln!("left out: {s}");
    }
    if report.skipped.len() > 50 {
        eprintln!("left out: ... and {} more", report.skipped.len() - 50);
    }
    if let Some(u) = &report.usage {
        eprintln!(
            "usage: {} event(s) counted into {} user-day(s); {} counted before; {} with no account",
            u.events, u.rows, u.duplicates, u.unmatched
        );
    }
    let changed = report.kinds.iter().any(|k| k.created + k.updated > 0);
    eprintln!(
        "{}",
        if report.dry_run {
            "dry run: nothing written"
        } else if report.written && changed {
            "written"
        } else if report.written {
            "nothing to change"
        } else {
            "nothing written"
        }
    );
}

fn table(report: &SyncReport) -> Table {
    let rows: Vec<Vec<String>> = report
        .kinds
        .iter()
        .map(|k| {
            vec![
                k.kind.to_string(),
                k.created.to_string(),
                k.updated.to_string(),
                k.unchanged.to_string(),
                k.conflicts.to_string(),
            ]
        })
        .collect();
    Table {
        header: vec!["KIND", "CREATED", "UPDATED", "UNCHANGED", "CONFLICTS"],
        rows,
    }
}

impl From {
    pub fn is_tend(self) -> bool {
        self == From::Tend
    }
}

pub fn options(dry_run: bool, prefer: Option<Prefer>) -> SyncOptions {
    SyncOptions { prefer, dry_run }
}
