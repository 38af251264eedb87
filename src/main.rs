//! The `tend` binary: parses the command line, loads settings, sets up logging to a
//! file, and runs the command. Exit codes: 0 ok, 1 failure (a panic included), 2 bad
//! usage or input.
//!
//! A panic is reported by color-eyre: its message, where it happened and, with
//! `RUST_BACKTRACE=1`, the backtrace. The app (crates/app/src/run.rs) puts its own hook in
//! front of this one when it takes the terminal, so the screen is restored (mouse
//! given back, alternate screen left, cursor shown) before the report prints. The
//! report holds nothing of the environment, the settings or the store.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use tend::cli::{Cli, Failure, run};
use tend::config::{Settings, default_log_file};

fn init_logging(
    path: &Path,
    settings: &Settings,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Installs color-eyre's panic and error report hooks. The panic is also written
/// to the log (message and place only).
fn install_reports(log: &Path) {
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let theme = if colour {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let builder = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .panic_section(format!(
            "tend stopped on an error of its own. The log is {}.",
            log.display()
        ));
    let Ok((panic_hook, eyre_hook)) = builder.try_into_hooks() else {
        return;
    };
    if eyre_hook.install().is_err() {
        return;
    }
    let report = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        tracing::error!(place = %place, "panic: {message}");
        report(info);
    }));
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tend: {e}");
            return ExitCode::from(2);
        }
    };
    let log = settings.log.file.clone().unwrap_or_else(default_log_file);
    let _log = init_logging(&log, &settings);
    install_reports(&log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tend: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let work = run(cli, settings);
    #[cfg(debug_assertions)]
    let work = panic_when_asked(work);
    // A panic has printed its report (after the app restored the terminal); the
    // unwinding drops what was running (a demo store and its directory) and the
    // exit code is that of any failure.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.block_on(work)));
    let code = match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(Failure { code, message })) => {
            // An app ended by a signal says nothing (its terminal may have hung
            // up); a failed write to stderr is no reason to panic.
            if !message.is_empty() {
                tracing::error!(code, "{message}");
                let _ = std::io::Write::write_fmt(
                    &mut std::io::stderr(),
                    format_args!("tend: {message}\n"),
                );
            }
            ExitCode::from(code as u8)
        }
        Err(_) => ExitCode::from(1),
    };
    // Dropping the runtime waits for the blocking work under way (a demo store
    // being built); then the demo's load behind its first rows is waited for, so
    // its temporary directory goes with it even when the app closed at once.
    drop(runtime);
    tend::sqlite::wait_for_background_loads();
    code
}

/// Debug builds only, for the tests of the panic report: `TEND_DEBUG_PANIC_AFTER_MS=N`
/// panics on the main task N ms after the command started (in the app: with its
/// screen up).
#[cfg(debug_assertions)]
async fn panic_when_asked<F>(work: F) -> F::Output
where
    F: std::future::Future,
{
    let after = std::env::var("TEND_DEBUG_PANIC_AFTER_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    match after {
        None => work.await,
        Some(ms) => tokio::select! {
            out = work => out,
            _ = tokio::time::sleep(std::time::Duration::from_millis(ms)) => {
                panic!("a panic asked for by TEND_DEBUG_PANIC_AFTER_MS")
            }
        },
    }
}
