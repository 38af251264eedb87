//! `tend document`: a document's file fetched from the store (`get`), or the
//! document opened with the system's opener (`open`: its link, or its file).
//! Files are attached with `tend record create document --attach FILE`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Subcommand;
use serde::Serialize;

use super::output::{Format, Table, print};
use super::{Cli, Failure, open_backend};
use crate::backend::Backend;
use crate::config::Settings;
use crate::domain::*;
use crate::tui::files::{Opener, fetch};

#[derive(Debug, Subcommand)]
pub enum DocumentCommand {
    /// Fetch a document's file: written to --out, or by its own name into the
    /// current folder (an existing file there is left alone; name it with --out
    /// to replace it). `--out -` writes the bytes to standard output.
    Get {
        id: Id,
        /// Where to write it: a file, a folder (the file keeps its name), or `-`.
        #[arg(long, short, value_name = "PATH")]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Open a document with the system's opener (xdg-open, open on macOS, or
    /// TEND_OPENER): its link, or its file fetched into the cache folder first.
    Open {
        id: Id,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// What a `get` or `open` did, as JSON or a table.
#[derive(Serialize)]
struct Done {
    id: Id,
    title: String,
    /// The document's file, when it keeps one.
    file: Option<DocumentFile>,
    /// Where the file was written (`get`), or what was opened (`open`).
    path: String,
}

impl Done {
    fn table(&self, verb: &str) -> Table {
        let mut rows = vec![
            vec!["id".to_string(), self.id.to_string()],
            vec!["title".to_string(), self.title.clone()],
        ];
        if let Some(f) = &self.file {
            rows.push(vec!["file".into(), f.name.clone()]);
            rows.push(vec!["size".into(), format::bytes(f.size)]);
            rows.push(vec!["sha256".into(), f.sha256.clone()]);
        }
        rows.push(vec![verb.to_string(), self.path.clone()]);
        Table {
            header: vec!["FIELD", "VALUE"],
            rows,
        }
    }
}

/// The document `id`.
async fn document(store: &dyn Backend, id: Id) -> Result<Document, Failure> {
    match store.get(EntityKind::Document, id).await? {
        Record::Document(d) => Ok(d),
        other => Err(Failure::error(format!(
            "the store answered a {}",
            other.kind()
        ))),
    }
}

/// Where fetched files are kept to be opened: `<user cache dir>/tend/files`.
pub fn files_cache() -> PathBuf {
    crate::config::dirs()
        .map(|d| d.cache_dir().join("files"))
        .unwrap_or_else(|| std::env::temp_dir().join("tend-files"))
}

pub async fn run(cli: &Cli, settings: &Settings, cmd: &DocumentCommand) -> Result<(), Failure> {
    match cmd {
        DocumentCommand::Get { id, out, format } => {
            let store = open_backend(cli, settings)?;
            let doc = document(store.as_ref(), *id).await?;
            let Some(file) = doc.file.clone() else {
                return Err(Failure::usage(format!(
                    "document {id} (\"{}\") keeps no file; its link is {} (tend document open {id} opens it)",
                    doc.title,
                    if doc.link.is_empty() {
                        "empty"
                    } else {
                        &doc.link
                    }
                )));
            };
            let target = match out.as_deref() {
                Some(p) if p == Path::new("-") => None,
                Some(p) if p.is_dir() => Some(p.join(&file.name)),
                Some(p) => Some(p.to_path_buf()),
                None => {
                    let here = PathBuf::from(&file.name);
                    if here.exists() {
                        return Err(Failure::usage(format!(
                            "{} exists in this folder: name where to write the file with --out PATH (an existing file there is replaced)",
                            file.name
                        )));
                    }
                    Some(here)
                }
            };
            let bytes = store.read_file(&file.sha256).await?;
            let Some(target) = target else {
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(&bytes)?;
                stdout.flush()?;
                return Ok(());
            };
            std::fs::write(&target, &bytes)
                .map_err(|e| Failure::error(format!("cannot write {}: {e}", target.display())))?;
            eprintln!(
                "wrote {} ({}) to {}",
                file.name,
                format::bytes(file.size),
                target.display()
            );
            let done = Done {
                id: doc.id,
                title: doc.title,
                file: Some(file),
                path: target.display().to_string(),
            };
            print(*format, &done, || done.table("written to"))?;
            Ok(())
        }
        DocumentCommand::Open { id, format } => {
            let store = open_backend(cli, settings)?;
            let doc = document(store.as_ref(), *id).await?;
            let target = match &doc.file {
                Some(file) => fetch(store.as_ref(), file, &files_cache())
                    .await?
                    .display()
                    .to_string(),
                None if doc.link.trim().is_empty() => {
                    return Err(Failure::usage(format!(
                        "document {id} (\"{}\") has neither a link nor a file to open",
                        doc.title
                    )));
                }
                None => doc.link.clone(),
            };
            // An opener that finds no application says so at once: a moment
            // to hear it, then it goes on alone.
            Opener::from_env()
                .open(&target, Duration::from_secs(2))
                .map_err(Failure::error)?;
            eprintln!("opened {target}");
            let done = Done {
                id: doc.id,
                title: doc.title,
                file: doc.file,
                path: target,
            };
            print(*format, &done, || done.table("opened"))?;
            Ok(())
        }
    }
}
