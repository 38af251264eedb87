//! The command line: argument parsing and the non-interactive commands.

mod act;
mod cases;
mod documents;
mod health;
mod insights;
mod interactions;
mod migrate;
pub mod output;
mod remote;
mod sources;
mod ssh;
mod summary;
mod tasks;
mod usage;
mod write;

pub use remote::{open_backend, remote_url};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use crate::backend::{self, Backend, PageRequest, PortfolioQuery, PortfolioSort};
use crate::config::Settings;
use crate::dataset;
use crate::domain::*;
use crate::format;
use crate::generate::{GenConfig, generate, generate_dataset};
use crate::sqlite::{Options, Store, system_clock};
use output::{Format, Table, print};

/// tend: the customer-360 for Customer Success teams, in the terminal.
#[derive(Debug, Parser)]
#[command(name = "tend", version, about, propagate_version = true)]
pub struct Cli {
    /// Settings file (default: <XDG config dir>/tend/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Store file (default: the config's store.path, else <XDG data dir>/tend/tend.db).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Use a fresh store built from the bundled demo fixtures.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Refuse every write (as the config's store.read_only = true does).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Use the team server at URL instead of the local store (default: the config's remote.url).
    #[arg(long, global = true, value_name = "URL", env = "TEND_REMOTE")]
    pub remote: Option<String>,
    /// Read the server token from this file (mode 0600); TEND_TOKEN and the keyring are the others.
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Without a command: the full-screen app on the configured store.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the portfolio (riskiest first by default).
    Accounts(AccountsArgs),
    /// Support cases across accounts: filter, list or group with counts.
    Cases(cases::CasesArgs),
    /// The alerts inbox: health transitions and other rules, newest first.
    Alerts(AlertsArgs),
    /// The portfolio at a glance: accounts and MRR per health status, this week's
    /// transitions, renewals in 90 days, MRR at risk, the most common drags.
    Dashboard {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Show one account's 360 (by id, or by a name or domain that matches one account).
    Account {
        /// Account id, name or domain.
        account: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// An account's key events, newest first: escalations, health transitions,
    /// churn-risk changes, renewals, big sentiment drops.
    Timeline(insights::AccountArgs),
    /// An account's contacts with their health indicator (from their own
    /// sentiment, last touch, product use and NPS) and what pulls it down.
    Contacts(insights::AccountArgs),
    /// Load a dataset file, or the exports of other tools (--from), into the store
    /// (all of it, or nothing if anything is wrong).
    Import {
        /// The file(s): one tend dataset, or a tool's export files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What the files are: tend (a tend dataset), or another tool's export
        /// (see the README's "Data from other tools").
        #[arg(long, value_enum, default_value = "tend")]
        from: sources::From,
        /// One of the team's email domains (mbox, eml, ics), besides the config's
        /// [import] team_domains: mail from there is outgoing.
        #[arg(long = "team-domain", value_name = "DOMAIN")]
        team_domains: Vec<String>,
        /// Mail and calendars: create a contact for a customer address no contact
        /// has (at the account of its domain).
        #[arg(long)]
        create_contacts: bool,
        /// The mapping file (TOML) of --from csv: target kind, column -> field,
        /// value maps, date formats (see the README).
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// Shift every date so the dataset's anchor becomes today (tend datasets).
        #[arg(long)]
        rebase: bool,
        /// Say what would be created, updated, left and in conflict; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// A record edited in tend since it was last imported: keep the file's
        /// values (source) or tend's (tend). Without it such records stop the import.
        #[arg(long, value_enum)]
        prefer: Option<crate::backend::sync::Prefer>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Write the whole store as a dataset file.
    Export {
        /// Output file (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Generate a deterministic dataset of any size (benchmarks, demos).
    Generate(GenerateArgs),
    /// The full-screen app on a fresh store built from the bundled demo fixtures.
    Demo,
    /// Health scores: explain one, recompute, list or check profiles.
    #[command(subcommand)]
    Health(health::HealthCommand),
    /// Any record by kind and id: get, create, update, delete (JSON in and out).
    #[command(subcommand)]
    Record(write::RecordCommand),
    /// Log an interaction (call, meeting, note, email) on an account.
    Log(write::LogArgs),
    /// Contracts: renew one.
    #[command(subcommand)]
    Agreement(write::AgreementCommand),
    /// Playbooks: start a run on an account, move a run's step on.
    #[command(subcommand)]
    Playbook(write::PlaybookCommand),
    /// Tasks: move one on the kanban.
    #[command(subcommand)]
    Task(write::TaskCommand),
    /// Documents: fetch one's file, or open it (its link or its file) with the
    /// system's opener. Attach a file with `tend record create document --attach`.
    #[command(subcommand)]
    Document(documents::DocumentCommand),
    /// An account's summary: up to ten sections, every statement with the records
    /// it rests on (Markdown for a QBR deck, or JSON).
    Summary(summary::SummaryArgs),
    /// Which summary sections show, in which order, for the whole team: print
    /// them, or set them (an admin's change over a team server).
    SummarySections(summary::SectionsArgs),
    /// The copilot over an account's last six months of interactions: a built-in
    /// prompt, or your own question with a language model.
    Copilot(summary::CopilotArgs),
    /// Interactions across accounts (or of one), newest first: by contact, tag, a
    /// contact's role, direction, kind, full-text words.
    Interactions(interactions::InteractionsArgs),
    /// Tasks across accounts (or of one): by assignee, when due (overdue, this
    /// week, later, none), open or closed, status, type, project.
    Tasks(tasks::TasksArgs),
    /// An account's product usage: unique users and minutes per day, week or
    /// month, or per user, feature or module.
    Usage(usage::UsageArgs),
    /// Email a customer: queued in the outbox, sent over SMTP, logged on the
    /// account once sent (--reply-to answers an incoming email).
    Email(act::EmailArgs),
    /// The outbox and the delivery log: emails and notifications, their attempts
    /// and errors; retry one, or send what is due.
    Outbox(act::OutboxArgs),
    /// What waits on you across accounts: playbook steps, tasks due, open alerts,
    /// unanswered emails.
    Work(act::WorkArgs),
    /// Run the team server over the store (or manage its tokens: tend serve token ...).
    Serve(remote::ServeArgs),
    /// Keep a team server's token in the OS keyring (read without echo).
    Login(remote::LoginArgs),
    /// Forget a team server's token.
    Logout(remote::LogoutArgs),
    /// Move the store into a PostgreSQL database for a team server (all or
    /// nothing, row counts checked): tend migrate --to postgres://...
    Migrate(migrate::MigrateArgs),
}

#[derive(Debug, Default, Args)]
pub struct AccountsArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Sort key.
    #[arg(long, default_value = "health", value_parser = parse_sort)]
    pub sort: PortfolioSort,
    /// Reverse the sort.
    #[arg(long)]
    pub desc: bool,
    /// At most this many rows.
    #[arg(long, default_value_t = 1000)]
    pub limit: u32,
    /// A filter-language expression, e.g. 'health<40 region:EMEA renewal<90d owner:@me -stage:churned'.
    // A filter may start with `-` (a negated term): take it as the value, not a flag.
    #[arg(long, short, allow_hyphen_values = true)]
    pub filter: Option<String>,
    /// Name or domain contains this.
    #[arg(long, allow_hyphen_values = true)]
    pub search: Option<String>,
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long, value_parser = parse_named::<Stage>)]
    pub stage: Option<Stage>,
    #[arg(long)]
    pub segment: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub tag: Option<String>,
    #[arg(long, value_parser = parse_named::<HealthStatus>)]
    pub status: Option<HealthStatus>,
    /// List churned accounts too (left out by default, unless --stage or the
    /// filter asks for a stage).
    #[arg(long)]
    pub include_churned: bool,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// open (the default), snoozed, done, or all.
    #[arg(long, default_value = "open")]
    pub state: String,
    /// Only this account's (id, name or domain).
    #[arg(long)]
    pub account: Option<String>,
    /// Each alert with its tasks (the tasks made for it): a TASKS column, or in
    /// JSON a `tasks` list on each alert.
    #[arg(long)]
    pub tasks: bool,
    #[arg(long, default_value_t = 200)]
    pub limit: u32,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many accounts.
    #[arg(long, default_value_t = 200)]
    pub accounts: usize,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// "Today" of the generated data (RFC 3339; default: now).
    #[arg(long)]
    pub anchor: Option<String>,
    /// Write a dataset file instead of loading a store.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Load a PostgreSQL database holding no store yet (postgres://USER@HOST:PORT/DB)
    /// instead of a store file: the data is generated into a scratch store
    /// file beside the default store, then moved over as `tend migrate` moves it.
    #[arg(long, conflicts_with = "out")]
    pub store: Option<String>,
}

fn parse_sort(s: &str) -> Result<PortfolioSort, String> {
    s.parse()
}

fn parse_named<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

/// A command's failure and its exit code: 1 failure, 2 bad usage or input.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn error(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

impl From<backend::Error> for Failure {
    fn from(e: backend::Error) -> Self {
        match e {
            backend::Error::Invalid { .. } => Failure::usage(e.to_string()),
            _ => Failure::error(e.to_string()),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        // The reader of a pipe went away (`tend accounts | head`): it has what it
        // wanted, so the command ends quietly and successfully, as `rg` does.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure {
                code: 0,
                message: String::new(),
            };
        }
        Failure::error(e.to_string())
    }
}

/// The store options the settings ask for.
pub fn store_options(settings: &Settings) -> Result<Options, Failure> {
    store_options_for(settings, false)
}

/// The store options of a demo store (`demo`: the demo's custom fields and churn
/// reasons when the settings have none) or of a real one.
pub fn store_options_for(settings: &Settings, demo: bool) -> Result<Options, Failure> {
    let accounts = settings
        .account_rules(demo)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let health = settings
        .health_setup()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let summary = settings
        .summary
        .settings()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let outbound = settings
        .outbound()
        .map_err(|e| Failure::usage(e.to_string()))?;
    Ok(Options {
        clock: system_clock(),
        health: std::sync::Arc::new(health),
        summary,
        outbound: std::sync::Arc::new(outbound),
        accounts: std::sync::Arc::new(accounts),
    })
}

impl Cli {
    /// Whether writes are refused: `--read-only` or the config's `store.read_only`.
    pub fn read_only(&self, settings: &Settings) -> bool {
        self.read_only || settings.store.read_only
    }

    /// Refuses a write command when the store is read-only (exit 2).
    pub fn check_writable(&self, settings: &Settings, what: &str) -> Result<(), Failure> {
        if !self.read_only(settings) {
            return Ok(());
        }
        let why = if self.read_only {
            "--read-only"
        } else {
            "the config's store.read_only"
        };
        Err(Failure::usage(format!(
            "read-only: {what} writes to the store, and {why} refuses every write"
        )))
    }
}

/// Opens the store the flags and settings point at.
pub fn open_store(cli: &Cli, settings: &Settings) -> Result<Store, Failure> {
    let options = store_options_for(settings, cli.demo)?;
    if cli.demo {
        return Store::demo(options).map_err(Failure::from);
    }
    let path = settings.store_path(cli.db.as_deref());
    Store::open_with(&path, options).map_err(Failure::from)
}

/// Runs a non-interactive command.
pub async fn run(cli: Cli, settings: Settings) -> Result<(), Failure> {
    let read_only = cli.read_only(&settings);
    let Some(command) = &cli.command else {
        if let Some(url) = remote_url(&cli, &settings) {
            let remote = remote::open_remote(&cli, &settings, &url)?;
            let (settings, viewer) = remote::app_settings(&remote, settings, &url).await?;
            return app_with(&settings, read_only, viewer, move || Ok(remote)).await;
        }
        let options = store_options_for(&settings, cli.demo)?;
        let demo = cli.demo;
        // The app holds writes to the rules the store was given, built once.
        let mut settings = settings;
        settings.given_rules = Some((*options.accounts).clone());
        let path = settings.store_path(cli.db.as_deref());
        return app(&settings, read_only, move || {
            if demo {
                Store::demo(options)
            } else {
                // Scores of a new day are computed behind the first frame.
                Store::open_deferred(&path, options)
            }
        })
        .await;
    };
    match command {
        Command::Accounts(args) => {
            let backend = open_backend(&cli, &settings)?;
            accounts(backend.as_ref(), args, settings.user_name()).await
        }
        Command::Cases(args) => {
            let backend = open_backend(&cli, &settings)?;
            cases::run(backend.as_ref(), args, settings.user_name()).await
        }
        Command::Alerts(args) => {
            let backend = open_backend(&cli, &settings)?;
            alerts(backend.as_ref(), args).await
        }
        Command::Dashboard { format } => {
            let backend = open_backend(&cli, &settings)?;
            dashboard(backend.as_ref(), *format).await
        }
        Command::Account { account, format } => {
            let backend = open_backend(&cli, &settings)?;
            show_account(backend.as_ref(), account, *format).await
        }
        Command::Timeline(args) => {
            let backend = open_backend(&cli, &settings)?;
            insights::timeline(backend.as_ref(), args).await
        }
        Command::Contacts(args) => {
            let backend = open_backend(&cli, &settings)?;
            insights::contacts(backend.as_ref(), args).await
        }
        Command::Import {
            files,
            from,
            team_domains,
            create_contacts,
            mapping,
            rebase,
            dry_run,
            prefer,
            format,
        } => {
            if !dry_run {
                cli.check_writable(&settings, "tend import")?;
            }
            if *from == sources::From::Tend {
                let [file] = files.as_slice() else {
                    return Err(Failure::usage(
                        "tend import takes one tend dataset file (or --from FORMAT for other tools' exports)",
                    ));
                };
                if *dry_run || prefer.is_some() {
                    return Err(Failure::usage(
                        "--dry-run and --prefer are for --from FORMAT imports; a tend dataset is loaded whole into fresh ids",
                    ));
                }
                import(&cli, &settings, file, *rebase).await
            } else {
                if *rebase {
                    return Err(Failure::usage("--rebase is for tend datasets"));
                }
                let options = sources::options(*dry_run, *prefer);
                let args = sources::ReadArgs {
                    team_domains: team_domains.clone(),
                    create_contacts: *create_contacts,
                    mapping: mapping.clone(),
                };
                sources::run(&cli, &settings, *from, files, &options, &args, *format).await
            }
        }
        Command::Export { out } => {
            if remote_url(&cli, &settings).is_some() {
                let backend = open_backend(&cli, &settings)?;
                export(backend.as_ref(), out.as_deref()).await
            } else {
                export_local(&open_store(&cli, &settings)?, out.as_deref())
            }
        }
        Command::Generate(args) => {
            if remote_url(&cli, &settings).is_some() && args.out.is_none() {
                return Err(Failure::usage(
                    "tend generate fills a local store: write a file (--out FILE) and tend import it into the server",
                ));
            }
            if args.out.is_none() {
                cli.check_writable(&settings, "tend generate into a store")?;
            }
            generate_cmd(&cli, &settings, args).await
        }
        Command::Health(cmd) => health::run(&cli, &settings, cmd).await,
        Command::Record(cmd) => write::record(&cli, &settings, cmd).await,
        Command::Log(args) => write::log(&cli, &settings, args).await,
        Command::Agreement(cmd) => write::agreement(&cli, &settings, cmd).await,
        Command::Playbook(write::PlaybookCommand::Tick { format }) => {
            act::tick(&cli, &settings, *format).await
        }
        Command::Playbook(cmd) => write::playbook(&cli, &settings, cmd).await,
        Command::Email(args) => act::email(&cli, &settings, args).await,
        Command::Interactions(args) => {
            let backend = open_backend(&cli, &settings)?;
            interactions::run(backend.as_ref(), args).await
        }
        Command::Tasks(args) => {
            let backend = open_backend(&cli, &settings)?;
            tasks::run(backend.as_ref(), args, settings.user_name()).await
        }
        Command::Usage(args) => {
            let backend = open_backend(&cli, &settings)?;
            usage::run(backend.as_ref(), args, &settings.usage.module_map()).await
        }
        Command::Outbox(args) => act::outbox(&cli, &settings, args).await,
        Command::Work(args) => act::work(&cli, &settings, args).await,
        Command::Task(cmd) => write::task(&cli, &settings, cmd).await,
        Command::Document(cmd) => documents::run(&cli, &settings, cmd).await,
        Command::Summary(args) => summary::summary(&cli, &settings, args).await,
        Command::SummarySections(args) => summary::sections(&cli, &settings, args).await,
        Command::Copilot(args) => summary::copilot(&cli, &settings, args).await,
        Command::Migrate(args) => migrate::run(&cli, &settings, args).await,
        Command::Demo => {
            let options = store_options_for(&settings, true)?;
            // A sandbox: its writes go to a store thrown away at the end, and the
            // views saved in it are kept for the session, not in the config file.
            let mut demo = settings;
            demo.file = None;
            demo.given_rules = Some((*options.accounts).clone());
            // The portfolio shows as soon as the accounts are in; the rest loads
            // behind it (main waits for that load before the process exits).
            app(&demo, read_only, move || Store::demo_staged(options)).await
        }
        Command::Serve(args) => remote::serve(&cli, &settings, args).await,
        Command::Login(args) => remote::login(&settings, args).await,
        Command::Logout(args) => remote::logout(&cli, &settings, args),
    }
}

/// The full-screen app over a store; the store is opened (or the demo built) while
/// the first frame already shows.
async fn app<B: Backend + 'static>(
    settings: &Settings,
    read_only: bool,
    open: impl FnOnce() -> backend::Result<B> + Send + 'static,
) -> Result<(), Failure> {
    app_with(settings, read_only, None, open).await
}

/// The app, read-only for a reason of the backend's when `why` is set.
async fn app_with<B: Backend + 'static>(
    settings: &Settings,
    read_only: bool,
    why: Option<String>,
    open: impl FnOnce() -> backend::Result<B> + Send + 'static,
) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let mut options = settings
        .tui_options()
        .map_err(|e| Failure::usage(e.to_string()))?;
    options.read_only |= read_only || why.is_some();
    options.read_only_why = why;
    options.files_cache = Some(documents::files_cache());
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the app needs a terminal; for scripts use a command (tend accounts, tend account ID, ...)",
        ));
    }
    let opening: crate::tui::run::Opening = Box::pin(async move {
        let backend = tokio::task::spawn_blocking(open)
            .await
            .map_err(|e| format!("opening the store failed: {e}"))?
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(backend) as Arc<dyn Backend>)
    });
    match crate::tui::run(opening, options, std::sync::Arc::new(chrono::Utc::now)).await {
        // Closed is a session's end; the local app's input never closes.
        Ok(crate::tui::run::Ended::Quit | crate::tui::run::Ended::Closed) => Ok(()),
        // Ended as the shell expects of a signal (128 + its number), quietly: the
        // terminal may be gone.
        Ok(crate::tui::run::Ended::Signal(n)) => Err(Failure {
            code: 128 + n,
            message: String::new(),
        }),
        Err(e) => Err(Failure::error(e.to_string())),
    }
}

async fn accounts(backend: &dyn Backend, a: &AccountsArgs, me: String) -> Result<(), Failure> {
    let query = PortfolioQuery {
        filter: backend::AccountFilter {
            expr: a.filter.clone(),
            me: Some(me),
            text: a.search.clone(),
            owner: a.owner.clone(),
            stage: a.stage,
            segment: a.segment.clone(),
            region: a.region.clone(),
            tag: a.tag.clone(),
            status: a.status,
            exclude_churned: !a.include_churned
                && a.stage.is_none()
                && crate::filter::churned_out_by_default(a.filter.as_deref()),
            ..Default::default()
        },
        sort: a.sort,
        descending: a.desc,
        page: PageRequest {
            offset: 0,
            limit: a.limit.clamp(1, PageRequest::MAX_LIMIT),
        },
    };
    let page = backend.portfolio(&query).await?;
    let today = chrono::Utc::now().date_naive();
    print(a.format, &page.items, || Table {
        header: vec![
            "ID", "NAME", "HEALTH", "STATUS", "TREND", "MRR", "RENEWAL", "OWNER", "STAGE",
            "SEGMENT", "REGION",
        ],
        rows: page
            .items
            .iter()
            .map(|r| {
                vec![
                    r.id.to_string(),
                    r.name.clone(),
                    format::score(r.health_score),
                    r.health_status
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "-".into()),
                    r.health_trend
                        .map(|t| format!("{t:+.1}"))
                        .unwrap_or_else(|| "-".into()),
                    format::money(r.mrr_cents),
                    r.renewal
                        .map(|d| format!("{d} ({})", format::days_from(today, d)))
                        .unwrap_or_else(|| "-".into()),
                    r.owner.clone(),
                    r.stage.to_string(),
                    r.segment.clone(),
                    r.region.clone(),
                ]
            })
            .collect(),
    })?;
    Ok(())
}

async fn alerts(backend: &dyn Backend, a: &AlertsArgs) -> Result<(), Failure> {
    let state = match a.state.as_str() {
        "all" => None,
        s => Some(s.parse::<AlertState>().map_err(Failure::usage)?),
    };
    let account_id = match &a.account {
        Some(key) => Some(resolve_account(backend, key).await?),
        None => None,
    };
    let page = backend
        .alerts(&backend::AlertQuery {
            account_id,
            state,
            page: PageRequest {
                offset: 0,
                limit: a.limit.clamp(1, PageRequest::MAX_LIMIT),
            },
            ..Default::default()
        })
        .await?;
    // The accounts' names, once each.
    let mut names = std::collections::BTreeMap::new();
    for alert in &page.items {
        if let std::collections::btree_map::Entry::Vacant(e) = names.entry(alert.account_id)
            && let Ok(Record::Account(acc)) =
                backend.get(EntityKind::Account, alert.account_id).await
        {
            e.insert(acc.name);
        }
    }
    let today = chrono::Utc::now().date_naive();
    if a.tasks {
        return alerts_with_tasks(backend, a.format, page.items, &names, today).await;
    }
    if a.format == Format::Table && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprintln!(
            "{} alert{} ({} in all)",
            page.items.len(),
            if page.items.len() == 1 { "" } else { "s" },
            page.total
        );
    }
    print(a.format, &page.items, || Table {
        header: vec!["ID", "WHEN", "ACCOUNT", "RULE", "STATE", "MESSAGE"],
        rows: page
            .items
            .iter()
            .map(|al| alert_cells(al, &names, today))
            .collect(),
    })?;
    Ok(())
}

/// One alert's cells under ID, WHEN, ACCOUNT, RULE, STATE, MESSAGE.
fn alert_cells(
    al: &Alert,
    names: &std::collections::BTreeMap<Id, String>,
    today: chrono::NaiveDate,
) -> Vec<String> {
    vec![
        al.id.to_string(),
        format!(
            "{} ({})",
            al.at.date_naive(),
            format::days_from(today, al.at.date_naive())
        ),
        names
            .get(&al.account_id)
            .cloned()
            .unwrap_or_else(|| al.account_id.to_string()),
        al.rule.clone(),
        al.state.to_string(),
        al.message.clone(),
    ]
}

/// `tend alerts --tasks`: each alert with the tasks made for it (its account's
/// tasks read once per account).
async fn alerts_with_tasks(
    backend: &dyn Backend,
    format: Format,
    alerts: Vec<Alert>,
    names: &std::collections::BTreeMap<Id, String>,
    today: chrono::NaiveDate,
) -> Result<(), Failure> {
    #[derive(serde::Serialize)]
    struct WithTasks {
        #[serde(flatten)]
        alert: Alert,
        tasks: Vec<Task>,
    }
    let mut of_account: std::collections::BTreeMap<Id, Vec<Task>> = Default::default();
    for alert in &alerts {
        if let std::collections::btree_map::Entry::Vacant(e) = of_account.entry(alert.account_id) {
            let tasks = backend
                .tasks(&backend::TaskQuery {
                    account_id: Some(alert.account_id),
                    ..Default::default()
                })
                .await?;
            e.insert(tasks);
        }
    }
    let rows: Vec<WithTasks> = alerts
        .into_iter()
        .map(|alert| {
            let tasks = of_account
                .get(&alert.account_id)
                .map(|ts| {
                    ts.iter()
                        .filter(|t| t.alert_id == Some(alert.id))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            WithTasks { alert, tasks }
        })
        .collect();
    print(format, &rows, || Table {
        header: vec!["ID", "WHEN", "ACCOUNT", "RULE", "STATE", "MESSAGE", "TASKS"],
        rows: rows
            .iter()
            .map(|r| {
                let mut cells = alert_cells(&r.alert, names, today);
                cells.push(
                    r.tasks
                        .iter()
                        .map(|t| format!("{} {} ({})", t.id, t.title, t.status))
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                cells
            })
            .collect(),
    })?;
    Ok(())
}

async fn dashboard(backend: &dyn Backend, format: Format) -> Result<(), Failure> {
    let d = backend.dashboard().await?;
    let status = |s: Option<HealthStatus>| s.map_or("no score", |s| s.label()).to_string();
    let tile = |section: &str, t: &backend::StatusTile| {
        vec![
            section.to_string(),
            status(t.status),
            t.accounts.to_string(),
            format::money(t.mrr_cents),
            t.filter.clone(),
        ]
    };
    print(format, &d, || {
        let mut rows = vec![];
        rows.extend(d.health.iter().map(|t| tile("health", t)));
        let renewals = format!("renewal < {}d", backend::Dashboard::RENEWAL_DAYS);
        rows.extend(d.renewals.iter().map(|t| tile(&renewals, t)));
        rows.push(tile("mrr at risk", &d.mrr_at_risk));
        rows.push(tile("mrr concerning", &d.mrr_concerning));
        let week = format!("transitions week of {}", d.transitions.week_start);
        rows.push(vec![
            week.clone(),
            "all".into(),
            d.transitions.total.to_string(),
            String::new(),
            String::new(),
        ]);
        for p in &d.transitions.pairs {
            rows.push(vec![
                week.clone(),
                format!("{} -> {}", status(p.from), status(p.to)),
                p.count.to_string(),
                String::new(),
                String::new(),
            ]);
        }
        for drag in &d.drags {
            rows.push(vec![
                "biggest drag".into(),
                drag.label.clone(),
                drag.accounts.to_string(),
                String::new(),
                drag.filter.clone(),
            ]);
        }
        Table {
            header: vec!["TILE", "WHAT", "ACCOUNTS", "MRR", "FILTER"],
            rows,
        }
    })?;
    Ok(())
}

/// Finds an account by id, or by a name or domain that matches exactly one account.
pub async fn resolve_account(backend: &dyn Backend, key: &str) -> Result<Id, Failure> {
    if let Ok(id) = key.parse::<Id>() {
        return Ok(id);
    }
    let page = backend
        .portfolio(&PortfolioQuery {
            filter: backend::AccountFilter {
                text: Some(key.to_string()),
                ..Default::default()
            },
            sort: PortfolioSort::Name,
            page: PageRequest {
                offset: 0,
                limit: 20,
            },
            ..Default::default()
        })
        .await?;
    let exact: Vec<_> = page
        .items
        .iter()
        .filter(|r| r.name.eq_ignore_ascii_case(key) || r.domain.as_deref() == Some(key))
        .collect();
    match (exact.as_slice(), page.items.as_slice()) {
        ([one], _) => Ok(one.id),
        (_, [one]) => Ok(one.id),
        (_, []) => Err(Failure::usage(format!("no account matches '{key}'"))),
        (_, many) => Err(Failure::usage(format!(
            "'{key}' matches {} accounts: {}{}",
            page.total,
            many.iter()
                .take(8)
                .map(|r| format!("{} ({})", r.name, r.id))
                .collect::<Vec<_>>()
                .join(", "),
            if page.total > 8 { ", ..." } else { "" }
        ))),
    }
}

async fn show_account(backend: &dyn Backend, key: &str, format: Format) -> Result<(), Failure> {
    let id = resolve_account(backend, key).await?;
    let a = backend.account(id).await?;
    if format == Format::Json {
        print(format, &a, || Table {
            header: vec![],
            rows: vec![],
        })?;
        return Ok(());
    }
    let today = a.as_of.date_naive();
    let acc = &a.account;
    let open_cases = a.cases.iter().filter(|c| c.status.is_open()).count();
    let escalated = a
        .cases
        .iter()
        .filter(|c| c.status.is_open() && c.escalated)
        .count();
    let group = |f: &dyn Fn(&crate::hierarchy::GroupRollup) -> String| {
        a.group.as_ref().map(f).unwrap_or_default()
    };
    let fields: Vec<(&'static str, String)> = vec![
        ("id", acc.id.to_string()),
        ("name", acc.name.clone()),
        ("domain", acc.domain.clone().unwrap_or_default()),
        (
            "parent",
            a.parent
                .as_ref()
                .map(|p| format!("{} ({})", p.name, p.id))
                .unwrap_or_default(),
        ),
        (
            "subsidiaries",
            a.children
                .iter()
                .map(|c| format!("{} ({})", c.name, c.id))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "group mrr",
            group(&|g| {
                format!(
                    "{} ({} own + {} of {} subsidiaries)",
                    format::money(g.group_mrr_cents),
                    format::money(g.own_mrr_cents),
                    format::money(g.subsidiaries_mrr_cents),
                    g.subsidiaries.len()
                )
            }),
        ),
        (
            "worst subsidiary",
            group(&|g| {
                g.worst
                    .as_ref()
                    .map(|w| {
                        format!(
                            "{} ({}) {} {}",
                            w.name,
                            w.id,
                            format::score(w.health_score),
                            w.health_status.map_or("no score", |s| s.label())
                        )
                    })
                    .unwrap_or_else(|| "no subsidiary has a score".into())
            }),
        ),
        (
            "subsidiary renewals",
            group(&|g| {
                g.subsidiaries
                    .iter()
                    .filter_map(|m| {
                        m.renewal
                            .map(|d| format!("{} {d} ({})", m.name, format::days_from(today, d)))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        ),
        ("stage", acc.stage.to_string()),
        ("segment", acc.segment.clone()),
        ("region", acc.region.clone()),
        ("owner", acc.owner.clone()),
        ("team", acc.team.join(", ")),
        ("tags", acc.tags.join(", ")),
        (
            "health",
            format!(
                "{} {}",
                format::score(a.row.health_score),
                a.row
                    .health_status
                    .map(|s| s.label())
                    .unwrap_or("no score yet")
            ),
        ),
        ("mrr", format::money(a.row.mrr_cents)),
        (
            "renewal",
            a.row
                .renewal
                .map(|d| format!("{d} ({})", format::days_from(today, d)))
                .unwrap_or_else(|| "-".into()),
        ),
        (
            "payment",
            if !payments_up_to_date(&a.agreements, today) {
                "late".into()
            } else {
                "up to date".into()
            },
        ),
        ("churn", acc.churn.likelihood.to_string()),
        ("contacts", a.contacts.len().to_string()),
        (
            "interactions",
            format!("{} in the last year", a.interactions.len()),
        ),
        (
            "open cases",
            format!("{open_cases} ({escalated} escalated)"),
        ),
        ("opportunities", a.opportunities.len().to_string()),
        (
            "open tasks",
            a.tasks
                .iter()
                .filter(|t| t.status != TaskStatus::Done)
                .count()
                .to_string(),
        ),
        (
            "playbook runs",
            a.playbook_runs
                .iter()
                .map(|r| r.colour().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ];
    let table = Table {
        header: vec!["FIELD", "VALUE"],
        rows: fields
            .into_iter()
            .map(|(k, v)| vec![k.to_string(), v])
            .collect(),
    };
    if format == Format::Table {
        table.write_text(&mut std::io::stdout().lock())?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "\nLATEST INTERACTIONS")?;
        let latest = Table {
            header: vec!["WHEN", "KIND", "DIR", "SENTIMENT", "SUBJECT"],
            rows: a
                .interactions
                .iter()
                .take(8)
                .map(|i| {
                    vec![
                        format::days_from(today, i.at.date_naive()),
                        i.kind.to_string(),
                        i.direction.to_string(),
                        i.sentiment
                            .map(|s| {
                                format!(
                                    "{} {:+.2}{}",
                                    s.label,
                                    s.score,
                                    if s.source == SentimentSource::Manual {
                                        " (manual)"
                                    } else {
                                        ""
                                    }
                                )
                            })
                            .unwrap_or_else(|| "-".into()),
                        i.subject.clone(),
                    ]
                })
                .collect(),
        };
        latest.write_text(&mut out)?;
    } else {
        table.write_csv(&mut std::io::stdout().lock())?;
    }
    Ok(())
}

fn read_dataset(file: &Path) -> Result<dataset::Dataset, Failure> {
    let bytes = std::fs::read(file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
    dataset::parse(&bytes, &file.display().to_string()).map_err(|p| Failure::usage(p.to_string()))
}

async fn import(cli: &Cli, settings: &Settings, file: &Path, rebase: bool) -> Result<(), Failure> {
    // Everything is checked before the store is even opened: a bad file leaves it untouched.
    let mut data = read_dataset(file)?;
    if rebase {
        data.rebase_to(chrono::Utc::now().date_naive());
    }
    if let Some(url) = remote_url(cli, settings) {
        let backend = remote::open_remote(cli, settings, &url)?;
        let started = Instant::now();
        let report = backend.import(data).await?;
        eprintln!(
            "imported {} rows into {url} in {:.2}s",
            report.rows,
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let store = open_store(cli, settings)?;
    let started = Instant::now();
    let report = store.import_parsed(&data)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "imported {} rows into {} in {:.2}s ({:.0} rows/s)",
        report.rows,
        store.location(),
        secs,
        report.rows as f64 / secs.max(1e-9)
    );
    Ok(())
}

fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Failure::error(format!("cannot write in {}: {e}", dir.display())))?;
    let mut w = std::io::BufWriter::new(tmp.reopen()?);
    write(&mut w)?;
    w.flush()?;
    drop(w);
    // A temporary file is created 0600; the result is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path)
        .map_err(|e| Failure::error(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

async fn export(backend: &dyn Backend, out: Option<&Path>) -> Result<(), Failure> {
    let data = backend.export().await?;
    match out {
        Some(path) => write_atomically(path, |w| data.write_json(w)),
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            data.write_json(&mut w)?;
            w.flush()?;
            Ok(())
        }
    }
}

/// A local store's export, written a row at a time (never held whole).
fn export_local(store: &Store, out: Option<&Path>) -> Result<(), Failure> {
    let snapshot = store.export_snapshot()?;
    let write = |w: &mut dyn Write| snapshot.write_to(w).map_err(std::io::Error::other);
    match out {
        Some(path) => write_atomically(path, |w| write(w)),
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut w)?;
            w.flush()?;
            Ok(())
        }
    }
}

/// Generates `cfg`'s data into `store` (empty), in one bulk load.
fn load_generated(store: &Store, cfg: &GenConfig) -> Result<crate::generate::GenStats, Failure> {
    let mut stats = Default::default();
    store.bulk_load(|sink| {
        stats = generate(cfg, sink)?;
        Ok(())
    })?;
    Ok(stats)
}

/// `tend generate --store URL`: the generated store made as a scratch file
/// (the generator's bulk load is the store file's), then moved into the
/// database in one transaction, counts checked; the scratch file is removed
/// either way.
async fn generate_into_postgres(
    cli: &Cli,
    settings: &Settings,
    cfg: &GenConfig,
    url: &str,
) -> Result<(), Failure> {
    if !crate::backend::postgres::is_postgres_url(url) {
        return Err(Failure::usage(
            "--store takes a postgres:// (or postgresql://) URL: postgres://USER@HOST:PORT/DATABASE",
        ));
    }
    if cli.db.is_some() {
        return Err(Failure::usage(
            "generate loads --db PATH or --store URL, not both",
        ));
    }
    crate::backend::postgres::refuse_unless_empty(url, "--store").await?;
    let beside = settings.store_path(None);
    let dir = beside.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Failure::error(format!("{}: {e}", dir.display())))?;
    let scratch = tempfile::Builder::new()
        .prefix("generate-")
        .tempdir_in(dir)
        .map_err(|e| Failure::error(format!("a scratch folder in {}: {e}", dir.display())))?;
    let file = scratch.path().join("generated.db");
    let started = Instant::now();
    let (cfg, path, options) = (cfg.clone(), file.clone(), store_options(settings)?);
    let stats = tokio::task::spawn_blocking(move || -> Result<_, Failure> {
        load_generated(&Store::open_with(&path, options)?, &cfg)
    })
    .await
    .map_err(|e| Failure::error(format!("generating failed: {e}")))??;
    let generated = started.elapsed().as_secs_f64();
    let report = crate::backend::postgres::copy_from_sqlite(&file, url, |_| {}).await?;
    eprintln!(
        "generated {} accounts, {} rows in {generated:.1}s, moved into {} in {:.1}s (counts checked)",
        stats.accounts,
        stats.rows,
        crate::backend::postgres::redact_url(url),
        report.took.as_secs_f64()
    );
    Ok(())
}

async fn generate_cmd(cli: &Cli, settings: &Settings, a: &GenerateArgs) -> Result<(), Failure> {
    let anchor = match &a.anchor {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| Failure::usage(format!("--anchor '{s}': {e}")))?
            .to_utc(),
        None => chrono::Utc::now(),
    };
    let cfg = GenConfig::new(a.accounts, a.seed, anchor);
    let started = Instant::now();
    if let Some(out) = &a.out {
        let data = generate_dataset(&cfg);
        write_atomically(out, |w| data.write_json(w))?;
        eprintln!(
            "wrote {} rows ({} accounts) to {} in {:.2}s",
            data.total_rows(),
            data.accounts.len(),
            out.display(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    if cli.demo {
        return Err(Failure::usage(
            "generate writes a store or a file: use --db PATH or --out FILE, not --demo",
        ));
    }
    if let Some(url) = &a.store {
        return generate_into_postgres(cli, settings, &cfg, url).await;
    }
    let store = Store::open_with(
        settings.store_path(cli.db.as_deref()),
        store_options(settings)?,
    )?;
    let before = store.account_count()?;
    if before > 0 {
        return Err(Failure::usage(format!(
            "{} already holds {before} accounts: generate into a new store file",
            store.location()
        )));
    }
    let stats = load_generated(&store, &cfg)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "generated {} accounts, {} rows into {} in {:.1}s ({:.0} rows/s)",
        stats.accounts,
        stats.rows,
        store.location(),
        secs,
        stats.rows as f64 / secs.max(1e-9)
    );
    Ok(())
}
