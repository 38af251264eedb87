//! `tend migrate`: moves an embedded store into PostgreSQL for a team server.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::output::{Format, Table, print};
use super::{Cli, Failure, store_options_for};
use crate::backend::postgres::{self, MigrateReport};
use crate::config::Settings;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The store file to move (default: the store `--db` or the config names).
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// The PostgreSQL database to move it to: postgres://USER@HOST:PORT/DB (a
    /// password is better given in PGPASSWORD than in the URL). It must hold no
    /// store yet.
    #[arg(long)]
    pub to: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub async fn run(cli: &Cli, settings: &Settings, args: &MigrateArgs) -> Result<(), Failure> {
    if !postgres::is_postgres_url(&args.to) {
        return Err(Failure::usage(
            "--to takes a postgres:// (or postgresql://) URL: postgres://USER@HOST:PORT/DATABASE",
        ));
    }
    let from = args
        .from
        .clone()
        .unwrap_or_else(|| settings.store_path(cli.db.as_deref()));
    if !from.exists() {
        return Err(Failure::usage(format!(
            "{}: no such store file",
            from.display()
        )));
    }
    // Opening the file brings its schema to this tend's, as any command does
    // (deferred: the copy does not wait for a day's rescoring first).
    drop(crate::backend::sqlite::Store::open_deferred(
        &from,
        store_options_for(settings, false)?,
    )?);
    let tell = std::io::stderr().is_terminal();
    if tell {
        eprintln!(
            "moving {} to {} (one transaction: all of it or nothing)",
            from.display(),
            postgres::redact_url(&args.to)
        );
    }
    let report = postgres::copy_from_sqlite(&from, &args.to, |t| {
        if tell && t.rows > 0 {
            eprintln!("  {:<20} {:>12} rows", t.table, t.rows);
        }
    })
    .await?;
    print(args.format, &report, || table(&report))?;
    if tell {
        eprintln!(
            "moved {} rows and {} files ({} bytes) in {:.1} s; counts checked",
            report.rows(),
            report.files,
            report.file_bytes,
            report.took.as_secs_f64()
        );
    }
    Ok(())
}

fn table(report: &MigrateReport) -> Table {
    let mut rows: Vec<Vec<String>> = report
        .tables
        .iter()
        .map(|t| vec![t.table.clone(), t.rows.to_string()])
        .collect();
    rows.push(vec!["files".into(), report.files.to_string()]);
    Table {
        header: vec!["TABLE", "ROWS"],
        rows,
    }
}
