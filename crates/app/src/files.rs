//! A document's file between this machine and the store: read from a path to
//! be attached, and fetched to be opened outside tend. A document is opened
//! (its link, or its fetched file) with the system's opener (`xdg-open`, `open`
//! on macOS, or the program `TEND_OPENER` names), started detached with its
//! input and output thrown away and never waited on: the app and the CLI carry
//! on while it opens.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tend_backend::{Backend, Error};
use tend_domain::{DocumentFile, MAX_FILE_BYTES, file_name_problem};

/// The program that opens links and files, and the arguments it takes before
/// the link or file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opener {
    pub program: String,
    pub args: Vec<String>,
}

impl Default for Opener {
    fn default() -> Self {
        Opener::from_env()
    }
}

impl Opener {
    /// `TEND_OPENER` when it is set (a program, then its arguments, split on
    /// blanks), else the system's opener.
    pub fn from_env() -> Opener {
        match std::env::var("TEND_OPENER") {
            Ok(v) if !v.trim().is_empty() => Opener::parse(&v),
            _ => Opener::system(),
        }
    }

    /// `xdg-open` (Linux, the BSDs), `open` (macOS), `cmd /C start` (Windows).
    pub fn system() -> Opener {
        let (program, args): (&str, &[&str]) = if cfg!(target_os = "macos") {
            ("open", &[])
        } else if cfg!(windows) {
            // `start` takes the window's title first: an empty one.
            ("cmd", &["/C", "start", ""])
        } else {
            ("xdg-open", &[])
        };
        Opener {
            program: program.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// A program and its arguments written on one line.
    pub fn parse(line: &str) -> Opener {
        let mut words = line.split_whitespace().map(str::to_string);
        Opener {
            program: words.next().unwrap_or_default(),
            args: words.collect(),
        }
    }

    /// Starts the opener on `target` and returns as soon as it has started.
    /// On Unix it runs in a process group of its own, so that what ends the
    /// terminal's foreground group (tend) does not end it.
    pub fn start(&self, target: &str) -> Result<Child, String> {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .arg(target)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt as _;
            command.process_group(0);
        }
        command.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "cannot open {target}: the opener {} is not installed ({}); set TEND_OPENER to the program to open documents with",
                self.program,
                if cfg!(target_os = "macos") || cfg!(windows) {
                    "it comes with the system"
                } else {
                    "on Linux it comes with xdg-utils"
                }
            ),
            _ => format!("cannot open {target}: {} did not start: {e}", self.program),
        })
    }

    /// What to say when the opener ended with a failure.
    pub fn failed(&self, target: &str, status: ExitStatus) -> String {
        format!(
            "{} could not open {target} ({status}): is there an application for it?",
            self.program
        )
    }

    /// Starts the opener on `target` and waits up to `within` for it to fail
    /// (an opener that finds no application ends at once with a failure); one
    /// still running then, or ended well, is left to itself.
    pub fn open(&self, target: &str, within: Duration) -> Result<(), String> {
        let mut child = self.start(target)?;
        let until = Instant::now() + within;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(self.failed(target, status)),
                Ok(None) if Instant::now() < until => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                // Still opening (or not to be asked): it goes on alone, and the
                // system reaps it once this process has ended.
                Ok(None) | Err(_) => return Ok(()),
            }
        }
    }
}

/// A file of this machine to attach to a document: its name and its bytes.
/// `~/` starts from the home folder. A path that is missing, unreadable or a
/// folder, and a file over [`MAX_FILE_BYTES`], are refused naming the path
/// (field `file`), before anything is read of a file too large.
pub async fn read_to_attach(path: &Path) -> Result<(String, Vec<u8>), Error> {
    let path = expand_home(path);
    tokio::task::spawn_blocking(move || {
        let shown = path.display().to_string();
        let refused = |why: String| Error::invalid("file", why);
        let unreadable = |e: std::io::Error| refused(format!("cannot read {shown}: {e}"));
        let meta = std::fs::metadata(&path).map_err(unreadable)?;
        if meta.is_dir() {
            return Err(refused(format!("{shown} is a folder: give a file")));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(tend_backend::files::too_large(&shown, meta.len()));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| refused(format!("{shown} names no file")))?;
        let bytes = std::fs::read(&path).map_err(unreadable)?;
        // It may have grown since it was measured.
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(tend_backend::files::too_large(&shown, bytes.len() as u64));
        }
        Ok((name, bytes))
    })
    .await
    .map_err(|e| Error::storage(format!("reading the file failed: {e}")))?
}

/// `~/x` from the home folder (`$HOME`); any other path as it is.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

/// Where a document's file is opened from: a copy under `cache` named by its
/// hash and its own name (`<cache>/<sha256>/<name>`), fetched from the backend
/// unless a whole copy is already there. The store's own file is never handed
/// to an opener: it has no extension to tell the opener what it is, and an
/// application may change what it opens. The copy is made read-only.
pub async fn fetch(
    backend: &dyn Backend,
    file: &DocumentFile,
    cache: &Path,
) -> Result<PathBuf, Error> {
    if let Some(problem) = file_name_problem(&file.name) {
        return Err(Error::invalid(
            "file.name",
            format!("'{}' {problem}", file.name),
        ));
    }
    tend_backend::files::check_hash(&file.sha256)?;
    let dir = cache.join(&file.sha256);
    let path = dir.join(&file.name);
    let have = path.clone();
    let size = file.size;
    let cached = tokio::task::spawn_blocking(move || {
        std::fs::metadata(&have).is_ok_and(|m| m.is_file() && m.len() == size)
    })
    .await
    .unwrap_or(false);
    if cached {
        return Ok(path);
    }
    let bytes = backend.read_file(&file.sha256).await?;
    let got = tend_backend::files::sha256_hex(&bytes);
    if got != file.sha256 {
        return Err(Error::storage(format!(
            "the file {} read back with SHA-256 {got}, not {}: the store's copy is damaged",
            file.name, file.sha256
        )));
    }
    let target = path.clone();
    tokio::task::spawn_blocking(move || keep(&dir, &target, &bytes))
        .await
        .map_err(|e| Error::storage(format!("writing the file failed: {e}")))??;
    Ok(path)
}

/// Writes a fetched file into the cache whole or not at all: a partial file
/// beside it, renamed into place, then made read-only.
fn keep(dir: &Path, target: &Path, bytes: &[u8]) -> Result<(), Error> {
    let failed = |what: &str, e: std::io::Error| {
        Error::storage(format!("cannot {what} {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| failed("create the folder", e))?;
    let partial = dir.join(format!(".partial-{}", std::process::id()));
    let written = std::fs::File::create(&partial)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(failed("write a file in", e));
    }
    // A read-only copy left by an earlier fetch that was cut short.
    if target.exists() {
        let _ = std::fs::remove_file(target);
    }
    std::fs::rename(&partial, target).map_err(|e| failed("keep a file in", e))?;
    if let Ok(meta) = std::fs::metadata(target) {
        let mut perms = meta.permissions();
        perms.set_readonly(true);
        let _ = std::fs::set_permissions(target, perms);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opener_line_is_a_program_and_its_arguments() {
        assert_eq!(
            Opener::parse("  firefox --new-tab "),
            Opener {
                program: "firefox".into(),
                args: vec!["--new-tab".into()],
            }
        );
    }

    #[test]
    fn a_missing_opener_is_named_and_a_failing_one_reported() {
        let missing = Opener::parse("tend-no-such-opener-anywhere");
        let e = missing
            .open("https://example.com", Duration::from_secs(1))
            .expect_err("no such program");
        assert!(
            e.contains("tend-no-such-opener-anywhere is not installed"),
            "{e}"
        );
        #[cfg(unix)]
        {
            let fails = Opener::parse("false");
            let e = fails
                .open("/tmp/x.pdf", Duration::from_secs(5))
                .expect_err("false fails");
            assert!(e.contains("false could not open /tmp/x.pdf"), "{e}");
            Opener::parse("true")
                .open("/tmp/x.pdf", Duration::from_secs(5))
                .expect("true succeeds");
        }
    }
}
