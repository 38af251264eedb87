//! `tend import --from FORMAT FILE...`: data from the systems a team has (see
//! `tend_engines::sources`), loaded all or nothing and matched on the ids it has
//! there, so loading the same files again changes nothing.

use std::path::{Path, PathBuf};

use super::output::{Format, Table, print};
use super::{Cli, Failure, open_store, remote, remote_url};
use crate::backend::api::ImportParams;
use crate::backend::sync::{Prefer, SyncOptions, SyncReport};
use crate::config::Settings;
use tend_engines::sources::{self, ReadOptions};

/// The formats `tend import` reads.
pub use crate::backend::sync::Format as From;

/// How many product events are held at once while loading Segment files.
const EVENT_BATCH: usize = 100_000;

/// What the readers need from the command line besides the files.
#[derive(Debug, Clone, Default)]
pub struct ReadArgs {
    pub team_domains: Vec<String>,
    pub create_contacts: bool,
    pub mapping: Option<PathBuf>,
}

/// Loads `files` read as `from` into the store (local, or the team server's).
pub async fn run(
    cli: &Cli,
    settings: &Settings,
    from: From,
    files: &[PathBuf],
    options: &SyncOptions,
    args: &ReadArgs,
    format: Format,
) -> Result<(), Failure> {
    if args.mapping.is_some() && from != From::Csv {
        return Err(Failure::usage("--mapping goes with --from csv"));
    }
    let mapping = match &args.mapping {
        Some(path) => {
            let text = String::from_utf8(read(path)?)
                .map_err(|_| Failure::usage(format!("{}: not UTF-8 text", path.display())))?;
            Some((file_name(path), text))
        }
        None => None,
    };
    let mut team_domains = settings.import.team_domains.clone();
    team_domains.extend(args.team_domains.iter().cloned());
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    let bar = progress::reading(total);
    let remote_at = remote_url(cli, settings);
    // Segment's event streams are read a line at a time; the other files whole.
    if from == From::Segment && remote_at.is_none() {
        // Read twice: the calls and who the events are of, loaded first; then the
        // events, a batch at a time.
        let open = |bar: &indicatif::ProgressBar| -> Result<Vec<_>, Failure> {
            let mut inputs = Vec::with_capacity(files.len());
            for file in files {
                let f = std::fs::File::open(file)
                    .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
                inputs.push((
                    file_name(file),
                    std::io::BufReader::with_capacity(1 << 16, bar.wrap_read(f)),
                ));
            }
            Ok(inputs)
        };
        let read = sources::segment::scan(open(&bar)?, sources::segment::Events::Skip);
        bar.finish_and_clear();
        let store = open_store(cli, settings)?;
        let again = progress::reading(total);
        let inputs = open(&again)?;
        let report = store.load_batches_blocking(&settings.user_name(), read, options, |hand| {
            sources::segment::scan(inputs, sources::segment::Events::Batches(EVENT_BATCH, hand));
        });
        again.finish_and_clear();
        return finish(report?, options, format);
    }
    // Everything is read and checked before the store is opened.
    let mut contents = Vec::with_capacity(files.len());
    for file in files {
        let mut bytes = Vec::new();
        let f = std::fs::File::open(file)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
        std::io::Read::read_to_end(&mut bar.wrap_read(f), &mut bytes)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
        contents.push((file_name(file), bytes));
    }
    bar.finish_and_clear();
    let spinner = progress::writing(0);
    let report = match remote_at {
        Some(url) => {
            let backend = remote::open_remote(cli, settings, &url)?;
            let params = ImportParams {
                from: Some(from),
                dry_run: Some(options.dry_run),
                prefer: options.prefer,
                team_domains: (!team_domains.is_empty()).then(|| team_domains.join(",")),
                create_contacts: Some(args.create_contacts),
                name: None,
            };
            backend
                .load_files(&settings.user_name(), &params, contents, mapping)
                .await
        }
        None => {
            let read = ReadOptions {
                team_domains,
                create_contacts: args.create_contacts,
                now: chrono::Utc::now(),
            };
            let store = open_store(cli, settings)?;
            let mapping = mapping.as_ref().map(|(n, t)| (n.as_str(), t.as_str()));
            store.load_files_blocking(
                &settings.user_name(),
                from,
                &contents,
                &read,
                mapping,
                options,
            )
        }
    };
    spinner.finish_and_clear();
    finish(report?, options, format)
}

/// The report printed, and the exit status it means.
fn finish(report: SyncReport, options: &SyncOptions, format: Format) -> Result<(), Failure> {
    if !report.problems.is_empty() {
        return Err(problems(&report.problems, &report.unused_columns));
    }
    print(format, &report, || table(&report))?;
    if format != Format::Json {
        notes(&report);
    }
    if !report.conflicts.is_empty() && options.prefer.is_none() {
        return Err(Failure::usage(format!(
            "{} record(s) were edited in tend since they were last imported: nothing was written; choose with --prefer source (the files win) or --prefer tend (tend's edits stay)",
            report.conflicts.len()
        )));
    }
    Ok(())
}

/// Progress on a terminal (nothing when standard error is not one).
mod progress {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

    /// Bytes read of the files: rate and time left.
    pub fn reading(total: u64) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "reading {bar:30} {bytes}/{total_bytes} {bytes_per_sec}, {eta} left",
        ) {
            bar.set_style(style);
        }
        bar
    }

    /// The store's part: one transaction, how long so far.
    pub fn writing(items: usize) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(match items {
            0 => "matching and writing the records".to_string(),
            n => format!("matching and writing {n} records and days of usage"),
        });
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
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

pub fn options(dry_run: bool, prefer: Option<Prefer>) -> SyncOptions {
    SyncOptions { prefer, dry_run }
}
