//! The `tend` binary: parses the command line, loads settings, sets up logging to a
//! file, and runs the command. Exit codes: 0 ok, 1 failure, 2 bad usage or input.

use std::process::ExitCode;

use clap::Parser;
use tend::cli::{Cli, Failure, run};
use tend::config::{Settings, default_log_file};

fn init_logging(settings: &Settings) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let path = settings.log.file.clone().unwrap_or_else(default_log_file);
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tend: {e}");
            return ExitCode::from(2);
        }
    };
    let _log = init_logging(&settings);
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
    let code = match runtime.block_on(run(cli, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { code, message }) => {
            tracing::error!(code, "{message}");
            eprintln!("tend: {message}");
            ExitCode::from(code as u8)
        }
    };
    // Dropping the runtime waits for the blocking work under way (a demo store
    // being built); then the demo's load behind its first rows is waited for, so
    // its temporary directory goes with it even when the app closed at once.
    drop(runtime);
    tend::sqlite::wait_for_background_loads();
    code
}
