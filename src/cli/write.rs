//! The write commands: any record by kind (get, create, update, delete), logging an
//! interaction, renewing a contract, playbook runs and kanban moves.
//!
//! Every write names the configured user (`settings.user_name()`) in the change log
//! and is refused under `--read-only`. Bad input exits 2 naming the field; a write
//! the store refuses for a stale version exits 1 with the store's conflict message.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use serde_json::{Map, Value};

use super::output::{Format, Table, print};
use super::{Cli, Failure, open_backend, parse_named, resolve_account};
use crate::backend::{Backend, TaskQuery, Write};
use crate::config::Settings;
use crate::domain::*;
use crate::format;

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Print one record (JSON by default; the table lists its fields).
    Get {
        /// account, contact, interaction, support_case, agreement, opportunity,
        /// project, task, playbook, playbook_run, nps_response, document, alert, summary.
        #[arg(value_parser = parse_named::<EntityKind>)]
        kind: EntityKind,
        id: Id,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Create a record from one JSON object (a file, or standard input: `-` or no
    /// file). `id`, `version`, `created_at` and `updated_at` may be left out.
    Create {
        /// The record's kind (as for `get`).
        #[arg(value_parser = parse_named::<EntityKind>)]
        kind: EntityKind,
        /// The JSON object; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// A document's file: stored in the store's file store (up to 100 MiB),
        /// then set as the document's `file`. `title` may be left out (the
        /// file's name), and `link` too.
        #[arg(long, value_name = "FILE")]
        attach: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Change fields of a record: `--set field=value` (the value is JSON when it
    /// parses as JSON, else a string; nested fields with dots: churn.likelihood=at_risk).
    #[command(disable_version_flag = true)]
    Update {
        /// The record's kind (as for `get`).
        #[arg(value_parser = parse_named::<EntityKind>)]
        kind: EntityKind,
        id: Id,
        /// FIELD=VALUE, as many as needed.
        #[arg(long = "set", value_name = "FIELD=VALUE", required = true)]
        set: Vec<String>,
        /// The version the change is based on: refused with a conflict if the record
        /// changed since (default: the version read just before writing).
        #[arg(long)]
        version: Option<i64>,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Delete a record at its version (an account also needs --yes: it takes all its
    /// records with it).
    #[command(disable_version_flag = true)]
    Delete {
        /// The record's kind (as for `get`).
        #[arg(value_parser = parse_named::<EntityKind>)]
        kind: EntityKind,
        id: Id,
        /// The version being deleted (required; `tend record get` shows it).
        #[arg(long)]
        version: Option<i64>,
        /// Confirms deleting an account and everything it holds.
        #[arg(long)]
        yes: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// The interaction kinds a person logs by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogKind {
    Call,
    Meeting,
    Note,
    Email,
}

impl From<LogKind> for InteractionKind {
    fn from(k: LogKind) -> Self {
        match k {
            LogKind::Call => InteractionKind::Call,
            LogKind::Meeting => InteractionKind::Meeting,
            LogKind::Note => InteractionKind::Note,
            LogKind::Email => InteractionKind::Email,
        }
    }
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Account id, name or domain.
    pub account: String,
    #[arg(long, value_enum)]
    pub kind: LogKind,
    #[arg(long)]
    pub subject: String,
    /// The text (its sentiment is scored automatically).
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Read the text from a file (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// A contact of the account who took part: name, email or id (repeatable).
    #[arg(long = "contact", value_name = "NAME")]
    pub contacts: Vec<String>,
    /// A tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// in: from the customer; out: from us (default).
    #[arg(long, value_parser = parse_named::<Direction>)]
    pub direction: Option<Direction>,
    /// How it went, as you rate it (a manual sentiment, which health counts for
    /// calls and meetings); default: scored from the text.
    #[arg(long, value_enum)]
    pub sentiment: Option<Rating>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// A person's rating of an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rating {
    VeryNegative,
    Negative,
    Neutral,
    Positive,
    VeryPositive,
}

impl Rating {
    fn sentiment(self) -> Sentiment {
        let (score, label) = match self {
            Rating::VeryNegative => (-1.0, SentimentLabel::Negative),
            Rating::Negative => (-0.6, SentimentLabel::Negative),
            Rating::Neutral => (0.0, SentimentLabel::Neutral),
            Rating::Positive => (0.6, SentimentLabel::Positive),
            Rating::VeryPositive => (1.0, SentimentLabel::Positive),
        };
        Sentiment {
            score,
            label,
            source: SentimentSource::Manual,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AgreementCommand {
    /// Renew a contract: a renewal from the day after its running term ends, as long
    /// and at the same MRR; the contract itself stops at that end (no tacit renewal).
    /// Both are written in one transaction.
    Renew {
        id: Id,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlaybookCommand {
    /// Start a playbook on an account: its first step waits for an action.
    Run {
        /// Account id, name or domain.
        account: String,
        /// Playbook id or name.
        playbook: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One round of the scheduler (for cron): due automatic steps run (emails
    /// queued, tasks created, waits ended, conditions checked), notifications are
    /// queued, and the outbox sends what is due.
    Tick {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Complete, retry (a failed step) or skip step STEP of a run (1 is the first).
    Step {
        run: Id,
        step: usize,
        #[arg(value_enum)]
        action: StepOp,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// What `tend playbook step` does to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StepOp {
    Complete,
    Retry,
    Skip,
}

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Move a task to a column of its account's kanban; the column is renumbered,
    /// all in one transaction.
    Move {
        task: Id,
        /// todo, doing or done.
        #[arg(long, value_parser = parse_named::<TaskStatus>)]
        to: TaskStatus,
        /// Its place in the column, 1 being the top (default: the bottom).
        #[arg(long)]
        index: Option<usize>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// Now, to the millisecond the store keeps (a record reads back as written).
fn now() -> Timestamp {
    let t = chrono::Utc::now();
    chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// A record's own fields as JSON (without the kind envelope).
fn record_json(r: &Record) -> Value {
    crate::with_record!(r, x => serde_json::to_value(x).unwrap_or(Value::Null))
}

type JsonError = serde_path_to_error::Error<serde_json::Error>;

/// A record of `kind` from its JSON fields; an error knows the field at fault.
fn record_from_json(kind: EntityKind, v: Value) -> Result<Record, JsonError> {
    macro_rules! typed {
        ($($k:ident),+ $(,)?) => {
            match kind {
                $(EntityKind::$k => serde_path_to_error::deserialize(v).map(Record::$k),)+
            }
        };
    }
    typed!(
        Account,
        Contact,
        Interaction,
        SupportCase,
        Agreement,
        Opportunity,
        Project,
        Task,
        Playbook,
        PlaybookRun,
        NpsResponse,
        Document,
        Alert,
        Summary,
        SuccessPlan,
        Objective,
        Kpi,
        BusinessChallenge,
        Invoice,
        Payment,
    )
}

/// A JSON problem as bad input naming its field (the kind for the whole record).
fn json_problem(kind: EntityKind, e: &JsonError) -> Failure {
    let path = e.path().to_string();
    let field = if path == "." { kind.to_string() } else { path };
    Failure::usage(format!("invalid {field}: {}", e.inner()))
}

fn segments(e: &JsonError) -> Vec<String> {
    use serde_path_to_error::Segment;
    e.path()
        .iter()
        .map(|s| match s {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => "?".into(),
        })
        .collect()
}

/// A record's fields, nested ones with dotted names, as a FIELD / VALUE table.
fn fields_table(v: &Value) -> Table {
    fn walk(prefix: &str, v: &Value, rows: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, x) in m {
                    let name = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&name, x, rows);
                }
            }
            Value::String(s) => rows.push(vec![prefix.to_string(), s.clone()]),
            Value::Null => rows.push(vec![prefix.to_string(), String::new()]),
            other => rows.push(vec![prefix.to_string(), other.to_string()]),
        }
    }
    let mut rows = vec![];
    walk("", v, &mut rows);
    Table {
        header: vec!["FIELD", "VALUE"],
        rows,
    }
}

fn print_record(format: Format, r: &Record) -> Result<(), Failure> {
    let v = record_json(r);
    print(format, &v, || fields_table(&v))?;
    Ok(())
}

/// FIELD / VALUE rows for a command's result.
fn pairs(rows: Vec<(&str, String)>) -> Table {
    Table {
        header: vec!["FIELD", "VALUE"],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![k.to_string(), v])
            .collect(),
    }
}

/// Reads a file, or standard input for `-` (or no file), refusing a terminal.
fn read_input(file: Option<&Path>, what: &str) -> Result<String, Failure> {
    match file {
        Some(p) if p != Path::new("-") => {
            let bytes = std::fs::read(p)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", p.display())))?;
            utf8_text(bytes, &p.display().to_string())
        }
        _ => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(Failure::usage(format!(
                    "{what}: give a file, or pipe it on standard input"
                )));
            }
            let mut bytes = vec![];
            stdin
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
            utf8_text(bytes, "standard input")
        }
    }
}

/// The text of `bytes`, or where they stop being UTF-8 (line and column, as an
/// import file's problems say it).
fn utf8_text(bytes: Vec<u8>, source: &str) -> Result<String, Failure> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The prefix is valid UTF-8 (valid_up_to says so).
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Failure::usage(format!(
            "{source}: not valid UTF-8 at line {line}, column {column} (tend reads UTF-8 JSON)"
        ))
    })
}

fn expect_kind<T>(r: Record, pick: impl FnOnce(Record) -> Option<T>) -> Result<T, Failure> {
    let kind = r.kind();
    pick(r).ok_or_else(|| Failure::error(format!("the store answered a {kind}")))
}

// --- tend record -------------------------------------------------------------

pub async fn record(cli: &Cli, settings: &Settings, cmd: &RecordCommand) -> Result<(), Failure> {
    match cmd {
        RecordCommand::Get { kind, id, format } => {
            let store = open_backend(cli, settings)?;
            let r = store.get(*kind, *id).await?;
            print_record(*format, &r)
        }
        RecordCommand::Create {
            kind,
            file,
            attach,
            format,
        } => {
            cli.check_writable(settings, "tend record create")?;
            if attach.is_some() && *kind != EntityKind::Document {
                return Err(Failure::usage(format!(
                    "--attach: a {kind} keeps no file; documents do (tend record create document --attach FILE)"
                )));
            }
            let mut record = new_record(*kind, file.as_deref(), attach.as_deref())?;
            let store = open_backend(cli, settings)?;
            if let (Some(path), Record::Document(d)) = (attach, &mut record) {
                let (name, bytes) =
                    crate::tui::files::read_to_attach(path)
                        .await
                        .map_err(|e| match e {
                            crate::backend::Error::Invalid { message, .. } => {
                                Failure::usage(format!("--attach: {message}"))
                            }
                            e => e.into(),
                        })?;
                let stored = store.put_file(&name, bytes).await?;
                eprintln!(
                    "stored {} ({}) as file {}",
                    stored.name,
                    format::bytes(stored.size),
                    stored.sha256
                );
                d.file = Some(stored);
            }
            let created = store.create(&settings.user_name(), record).await?;
            eprintln!("created {kind} {}", created.id());
            print_record(*format, &created)
        }
        RecordCommand::Update {
            kind,
            id,
            set,
            version,
            format,
        } => {
            cli.check_writable(settings, "tend record update")?;
            let sets = set
                .iter()
                .map(|s| Setting::parse(s))
                .collect::<Result<Vec<_>, _>>()?;
            let store = open_backend(cli, settings)?;
            let current = store.get(*kind, *id).await?;
            let mut base = record_json(&current);
            if let Some(v) = version {
                base["version"] = (*v).into();
            }
            let changed = with_settings(*kind, &base, &sets)?;
            let updated = store.update(&settings.user_name(), changed).await?;
            eprintln!("updated {kind} {id} to version {}", updated.version());
            print_record(*format, &updated)
        }
        RecordCommand::Delete {
            kind,
            id,
            version,
            yes,
            format,
        } => {
            cli.check_writable(settings, "tend record delete")?;
            let Some(version) = version else {
                return Err(Failure::usage(format!(
                    "--version is required: the version of {kind} {id} you mean to delete \
                     (tend record get {kind} {id} shows it)"
                )));
            };
            if *kind == EntityKind::Account && !yes {
                return Err(Failure::usage(format!(
                    "deleting account {id} deletes its contacts, interactions, usage, contracts, \
                     cases, tasks, playbook runs and the rest with it, and its history with them. \
                     For a customer who left, churn is usually what is wanted: \
                     tend record update account {id} --set churn.likelihood=confirmed --set stage=churned. \
                     To delete it all the same, add --yes"
                )));
            }
            let store = open_backend(cli, settings)?;
            store
                .delete(&settings.user_name(), *kind, *id, *version)
                .await?;
            #[derive(Serialize)]
            struct Deleted {
                kind: EntityKind,
                id: Id,
                version: i64,
            }
            let done = Deleted {
                kind: *kind,
                id: *id,
                version: *version,
            };
            print(*format, &done, || {
                pairs(vec![
                    ("deleted", format!("{kind} {id}")),
                    ("version", version.to_string()),
                ])
            })?;
            Ok(())
        }
    }
}

/// Bookkeeping fields the store keeps (a create may leave them out).
const KEPT_BY_THE_STORE: [&str; 4] = ["id", "version", "created_at", "updated_at"];

/// The record a `tend record create` body describes, bookkeeping filled in. A
/// document with a file to attach is titled by the file's name unless the
/// body titles it.
fn new_record(
    kind: EntityKind,
    file: Option<&Path>,
    attach: Option<&Path>,
) -> Result<Record, Failure> {
    let text = read_input(
        file,
        &format!("tend record create {kind} needs a JSON object"),
    )?;
    let mut v: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("the {kind} is not valid JSON: {e}")))?;
    let Value::Object(m) = &mut v else {
        return Err(Failure::usage(format!(
            "the {kind} must be one JSON object, e.g. {{\"name\": ...}}"
        )));
    };
    // The store numbers a new record: an id in the body would be dropped without
    // a word, so it is refused (0, or none, asks for a new one).
    if let Some(id) = m.get("id").filter(|id| id.as_i64() != Some(0)) {
        return Err(Failure::usage(format!(
            "the {kind}'s id is given by the store: leave \"id\" out (it was {id}); \
             to change an existing {kind} use tend record update"
        )));
    }
    if let Some(path) = attach {
        if m.get("file").is_some_and(|f| !f.is_null()) {
            return Err(Failure::usage(
                "the document's file comes from --attach: leave \"file\" out of the JSON",
            ));
        }
        let untitled = m
            .get("title")
            .is_none_or(|t| t.as_str().is_some_and(|t| t.trim().is_empty()));
        if untitled && let Some(name) = path.file_name() {
            m.insert("title".into(), name.to_string_lossy().into_owned().into());
        }
    }
    let at = Value::String(now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    for (field, value) in KEPT_BY_THE_STORE
        .iter()
        .zip([0.into(), 1.into(), at.clone(), at])
    {
        m.entry(*field).or_insert(value);
    }
    record_from_json(kind, v).map_err(|e| json_problem(kind, &e))
}

/// One `--set FIELD=VALUE`.
struct Setting {
    field: String,
    path: Vec<String>,
    raw: String,
    /// The value as JSON when it parses as JSON, else the raw string.
    value: Value,
}

impl Setting {
    fn parse(s: &str) -> Result<Setting, Failure> {
        let Some((field, raw)) = s.split_once('=') else {
            return Err(Failure::usage(format!(
                "--set '{s}': expected FIELD=VALUE (e.g. --set churn.likelihood=at_risk)"
            )));
        };
        let path: Vec<String> = field.split('.').map(|p| p.trim().to_string()).collect();
        if path.iter().any(String::is_empty) {
            return Err(Failure::usage(format!(
                "--set '{s}': the field name '{field}' has an empty part"
            )));
        }
        if KEPT_BY_THE_STORE.contains(&path[0].as_str()) {
            let hint = if path[0] == "version" {
                ": use --version V for the version the change is based on"
            } else {
                ""
            };
            return Err(Failure::usage(format!(
                "--set {field}: the store keeps {}{hint}",
                path[0]
            )));
        }
        let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
        Ok(Setting {
            field: field.to_string(),
            path,
            raw: raw.to_string(),
            value,
        })
    }
}

/// Puts `value` at `path` in `v` (missing objects on the way are made).
fn put(v: &mut Value, s: &Setting, value: Value) -> Result<(), Failure> {
    let mut cur = v;
    let mut value = Some(value);
    for (i, seg) in s.path.iter().enumerate() {
        let last = i + 1 == s.path.len();
        let here = s.path[..=i].join(".");
        if cur.is_null() {
            *cur = Value::Object(Map::new());
        }
        cur = match cur {
            Value::Object(m) => {
                if i == 0 && !m.contains_key(seg) {
                    let known: Vec<&str> = m.keys().map(String::as_str).collect();
                    return Err(Failure::usage(format!(
                        "--set {}: unknown field `{seg}` (the fields are: {})",
                        s.field,
                        known.join(", ")
                    )));
                }
                if last {
                    m.insert(seg.clone(), value.take().unwrap_or(Value::Null));
                    return Ok(());
                }
                m.entry(seg.clone()).or_insert(Value::Null)
            }
            Value::Array(items) => {
                let n = items.len();
                let Some(item) = seg.parse::<usize>().ok().and_then(|k| items.get_mut(k)) else {
                    return Err(Failure::usage(format!(
                        "--set {}: `{}` is a list of {n}: name an item by its index, 0 to {}",
                        s.field,
                        s.path[..i].join("."),
                        n.saturating_sub(1)
                    )));
                };
                if last {
                    *item = value.take().unwrap_or(Value::Null);
                    return Ok(());
                }
                item
            }
            _ => {
                return Err(Failure::usage(format!(
                    "--set {}: `{}` holds no fields (so no `{here}`)",
                    s.field,
                    s.path[..i].join(".")
                )));
            }
        };
    }
    Ok(())
}

/// The record `base` with the settings applied. A value that parsed as JSON but does
/// not fit its field (`--set name=2024`) is taken as the string it was typed as.
fn with_settings(kind: EntityKind, base: &Value, sets: &[Setting]) -> Result<Record, Failure> {
    let mut as_text = vec![false; sets.len()];
    loop {
        let mut v = base.clone();
        for (s, text) in sets.iter().zip(&as_text) {
            let value = if *text {
                Value::String(s.raw.clone())
            } else {
                s.value.clone()
            };
            put(&mut v, s, value)?;
        }
        match record_from_json(kind, v) {
            Ok(r) => return Ok(r),
            Err(e) => {
                let at = segments(&e);
                let retry = sets
                    .iter()
                    .zip(&as_text)
                    .position(|(s, text)| !text && !s.value.is_string() && s.path == at);
                match retry {
                    Some(i) => as_text[i] = true,
                    None => return Err(json_problem(kind, &e)),
                }
            }
        }
    }
}

// --- tend log ----------------------------------------------------------------

/// An account's health score and status now.
async fn health_now(
    store: &dyn Backend,
    account: Id,
) -> Result<(Option<f64>, Option<HealthStatus>), Failure> {
    let e = store.health(account).await?.explanation;
    Ok((e.score, e.status))
}

/// The contacts of an account that `keys` name (id, email or name; a part of a
/// name when it matches one contact only).
pub(super) fn pick_contacts(
    contacts: &[Contact],
    keys: &[String],
    account: &str,
) -> Result<Vec<Id>, Failure> {
    let mut out = vec![];
    for key in keys {
        let k = key.trim();
        let exact: Vec<&Contact> = contacts
            .iter()
            .filter(|c| {
                k.parse::<Id>() == Ok(c.id)
                    || c.name.eq_ignore_ascii_case(k)
                    || c.email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(k))
            })
            .collect();
        let lower = k.to_lowercase();
        let partial: Vec<&Contact> = contacts
            .iter()
            .filter(|c| c.name.to_lowercase().contains(&lower))
            .collect();
        let names = |cs: &[&Contact]| {
            cs.iter()
                .map(|c| format!("{} ({})", c.name, c.id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let id = match (exact.as_slice(), partial.as_slice()) {
            ([one], _) => one.id,
            ([], [one]) => one.id,
            ([], []) => {
                let all: Vec<&Contact> = contacts.iter().collect();
                return Err(Failure::usage(format!(
                    "--contact '{k}': no contact of {account} matches (its contacts: {})",
                    if all.is_empty() {
                        "none".into()
                    } else {
                        names(&all)
                    }
                )));
            }
            ([], many) | (many, _) => {
                return Err(Failure::usage(format!(
                    "--contact '{k}' matches {} contacts of {account}: {}; name one by its id or email",
                    many.len(),
                    names(many)
                )));
            }
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

pub async fn log(cli: &Cli, settings: &Settings, a: &LogArgs) -> Result<(), Failure> {
    cli.check_writable(settings, "tend log")?;
    let body = match (&a.body, &a.body_file) {
        (Some(b), _) => b.clone(),
        (None, Some(f)) => read_input(Some(f), "--body-file -")?,
        (None, None) => String::new(),
    };
    let store = open_backend(cli, settings)?;
    let account_id = resolve_account(store.as_ref(), &a.account).await?;
    let account = expect_kind(
        store.get(EntityKind::Account, account_id).await?,
        |r| match r {
            Record::Account(x) => Some(x),
            _ => None,
        },
    )?;
    let contact_ids = if a.contacts.is_empty() {
        vec![]
    } else {
        let contacts = store.account(account_id).await?.contacts;
        pick_contacts(&contacts, &a.contacts, &account.name)?
    };
    let (before, status_before) = health_now(store.as_ref(), account_id).await?;
    let actor = settings.user_name();
    let at = now();
    let interaction = Interaction {
        id: 0,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Ui,
        external_id: None,
        account_id,
        kind: a.kind.into(),
        direction: a.direction.unwrap_or(Direction::Out),
        at,
        contact_ids,
        user: Some(actor.clone()),
        subject: a.subject.clone(),
        body,
        tags: a.tags.clone(),
        sentiment: a.sentiment.map(Rating::sentiment),
        excluded_from_score: false,
        answered: false,
    };
    let created = store
        .create(&actor, Record::Interaction(interaction))
        .await?;
    let Record::Interaction(created) = created else {
        return Err(Failure::error("the store answered another kind of record"));
    };
    let (after, status_after) = health_now(store.as_ref(), account_id).await?;

    #[derive(Serialize)]
    struct HealthChange {
        before: Option<f64>,
        after: Option<f64>,
        status_before: Option<HealthStatus>,
        status_after: Option<HealthStatus>,
    }
    #[derive(Serialize)]
    struct Logged {
        id: Id,
        account_id: Id,
        account: String,
        kind: InteractionKind,
        direction: Direction,
        sentiment: Option<Sentiment>,
        health: HealthChange,
    }
    let logged = Logged {
        id: created.id,
        account_id,
        account: account.name.clone(),
        kind: created.kind,
        direction: created.direction,
        sentiment: created.sentiment,
        health: HealthChange {
            before,
            after,
            status_before,
            status_after,
        },
    };
    print(a.format, &logged, || {
        pairs(vec![
            ("id", created.id.to_string()),
            ("account", format!("{} ({account_id})", account.name)),
            ("kind", format!("{} {}", created.kind, created.direction)),
            (
                "sentiment",
                created.sentiment.map_or("-".into(), |s| s.summary()),
            ),
            (
                "health",
                format!(
                    "{} -> {} ({})",
                    format::score(before),
                    format::score(after),
                    status_after.map_or("no score yet", |s| s.label())
                ),
            ),
        ])
    })?;
    Ok(())
}

// --- tend agreement ----------------------------------------------------------

pub async fn agreement(
    cli: &Cli,
    settings: &Settings,
    cmd: &AgreementCommand,
) -> Result<(), Failure> {
    let AgreementCommand::Renew { id, format } = cmd;
    cli.check_writable(settings, "tend agreement renew")?;
    let store = open_backend(cli, settings)?;
    let old = expect_kind(store.get(EntityKind::Agreement, *id).await?, |r| match r {
        Record::Agreement(a) => Some(a),
        _ => None,
    })?;
    // The store refuses a contract that cannot be renewed (a draft, a cancelled
    // one, one renewed already) with the domain's reason: said as it is.
    let at = now();
    let (ended, renewal) = old.renew(at.date_naive(), at);
    let done = store
        .apply(
            &settings.user_name(),
            vec![
                Write::Update {
                    record: Record::Agreement(ended),
                },
                Write::Create {
                    record: Record::Agreement(renewal),
                },
            ],
        )
        .await
        .map_err(|e| match e {
            crate::backend::Error::Invalid { field, message } if field.ends_with("renews_id") => {
                Failure::usage(message)
            }
            e => e.into(),
        })?;
    let mut done = done.into_iter().flatten();
    let (Some(Record::Agreement(ended)), Some(Record::Agreement(renewal))) =
        (done.next(), done.next())
    else {
        return Err(Failure::error("the store answered other records"));
    };
    eprintln!(
        "agreement {} ends {} without tacit renewal; renewed by agreement {}",
        ended.id, ended.end, renewal.id
    );
    let v = record_json(&Record::Agreement(renewal.clone()));
    print(*format, &v, || {
        pairs(vec![
            ("id", renewal.id.to_string()),
            ("name", renewal.name.clone()),
            ("account", renewal.account_id.to_string()),
            ("kind", renewal.kind.to_string()),
            ("status", renewal.status.to_string()),
            ("start", renewal.start.to_string()),
            ("end", renewal.end.to_string()),
            ("mrr", format::money(renewal.mrr_cents)),
            ("notice", format!("{} days", renewal.notice_days)),
            ("auto renew", renewal.auto_renew.to_string()),
            (
                "renews",
                format!(
                    "agreement {} (now ends {}, auto renew {})",
                    ended.id, ended.end, ended.auto_renew
                ),
            ),
        ])
    })?;
    Ok(())
}

// --- tend playbook -----------------------------------------------------------

/// A playbook by id, or by a name that matches one (exactly, else as a part).
fn pick_playbook<'a>(books: &'a [Playbook], key: &str) -> Result<&'a Playbook, Failure> {
    let k = key.trim();
    if let Ok(id) = k.parse::<Id>() {
        return books
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| Failure::usage(format!("no playbook has id {id}")));
    }
    let exact: Vec<&Playbook> = books
        .iter()
        .filter(|p| p.name.eq_ignore_ascii_case(k))
        .collect();
    let lower = k.to_lowercase();
    let partial: Vec<&Playbook> = books
        .iter()
        .filter(|p| p.name.to_lowercase().contains(&lower))
        .collect();
    let names = |ps: &[&Playbook]| {
        ps.iter()
            .map(|p| format!("{} ({})", p.name, p.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (exact.as_slice(), partial.as_slice()) {
        ([one], _) | ([], [one]) => Ok(one),
        ([], []) => Err(Failure::usage(format!(
            "no playbook matches '{k}' (the playbooks: {})",
            names(&books.iter().collect::<Vec<_>>())
        ))),
        ([], many) | (many, _) => Err(Failure::usage(format!(
            "'{k}' matches {} playbooks: {}",
            many.len(),
            names(many)
        ))),
    }
}

fn print_run(format: Format, run: &PlaybookRun, book: &Playbook) -> Result<(), Failure> {
    let table = || Table {
        header: vec!["STEP", "NAME", "STATE", "AT", "MESSAGE"],
        rows: run
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                vec![
                    (i + 1).to_string(),
                    book.steps
                        .get(i)
                        .map(|p| p.name.clone())
                        .unwrap_or_default(),
                    s.state.to_string(),
                    s.at.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                    s.message.clone(),
                ]
            })
            .collect(),
    };
    match format {
        Format::Json => print(
            format,
            &record_json(&Record::PlaybookRun(run.clone())),
            table,
        )?,
        Format::Csv => print(format, &(), table)?,
        Format::Table => {
            println!(
                "run {} of \"{}\" on account {}: {} (version {})",
                run.id,
                book.name,
                run.account_id,
                run.colour(),
                run.version
            );
            print(format, &(), table)?;
        }
    }
    Ok(())
}

pub async fn playbook(
    cli: &Cli,
    settings: &Settings,
    cmd: &PlaybookCommand,
) -> Result<(), Failure> {
    match cmd {
        PlaybookCommand::Run {
            account,
            playbook,
            format,
        } => {
            cli.check_writable(settings, "tend playbook run")?;
            let store = open_backend(cli, settings)?;
            let account_id = resolve_account(store.as_ref(), account).await?;
            let books = store.playbooks().await?;
            let book = pick_playbook(&books, playbook)?;
            let run = PlaybookRun::start(book, account_id, now());
            let run = expect_kind(
                store
                    .create(&settings.user_name(), Record::PlaybookRun(run))
                    .await?,
                |r| match r {
                    Record::PlaybookRun(x) => Some(x),
                    _ => None,
                },
            )?;
            // Its first steps run now (the email sent, the task created).
            let run = after_tick(store.as_ref(), run).await?;
            print_run(*format, &run, book)
        }
        PlaybookCommand::Step {
            run,
            step,
            action,
            format,
        } => {
            cli.check_writable(settings, "tend playbook step")?;
            let Some(i) = step.checked_sub(1) else {
                return Err(Failure::usage("STEP counts from 1 (the first step)"));
            };
            let store = open_backend(cli, settings)?;
            let mut r = expect_kind(
                store.get(EntityKind::PlaybookRun, *run).await?,
                |r| match r {
                    Record::PlaybookRun(x) => Some(x),
                    _ => None,
                },
            )?;
            let at = now();
            match action {
                StepOp::Complete => r.complete(i, at),
                StepOp::Retry => r.retry(i, at),
                StepOp::Skip => r.skip(i, at),
            }
            .map_err(|e| Failure::usage(format!("run {run}: {e}")))?;
            let book =
                expect_kind(
                    store.get(EntityKind::Playbook, r.playbook_id).await?,
                    |r| match r {
                        Record::Playbook(x) => Some(x),
                        _ => None,
                    },
                )?;
            let r = expect_kind(
                store
                    .update(&settings.user_name(), Record::PlaybookRun(r))
                    .await?,
                |r| match r {
                    Record::PlaybookRun(x) => Some(x),
                    _ => None,
                },
            )?;
            let r = after_tick(store.as_ref(), r).await?;
            print_run(*format, &r, &book)
        }
        PlaybookCommand::Tick { .. } => unreachable!("handled by act::tick"),
    }
}

/// The run after a round of the scheduler (its due steps run).
async fn after_tick(store: &dyn Backend, run: PlaybookRun) -> Result<PlaybookRun, Failure> {
    if !run.automatic {
        return Ok(run);
    }
    store.tick().await?;
    expect_kind(
        store.get(EntityKind::PlaybookRun, run.id).await?,
        |r| match r {
            Record::PlaybookRun(x) => Some(x),
            _ => None,
        },
    )
}

// --- tend task -----------------------------------------------------------------

pub async fn task(cli: &Cli, settings: &Settings, cmd: &TaskCommand) -> Result<(), Failure> {
    let TaskCommand::Move {
        task,
        to,
        index,
        format,
    } = cmd;
    cli.check_writable(settings, "tend task move")?;
    let place = match index {
        Some(0) => {
            return Err(Failure::usage(
                "--index counts from 1 (the top of the column)",
            ));
        }
        Some(n) => n - 1,
        None => usize::MAX,
    };
    let store = open_backend(cli, settings)?;
    let moving = expect_kind(store.get(EntityKind::Task, *task).await?, |r| match r {
        Record::Task(x) => Some(x),
        _ => None,
    })?;
    let board = store
        .tasks(&TaskQuery {
            account_id: Some(moving.account_id),
            ..Default::default()
        })
        .await?;
    let writes: Vec<Write> = move_task(&board, *task, *to, place)
        .into_iter()
        .map(|t| Write::Update {
            record: Record::Task(t),
        })
        .collect();
    let changed: Vec<Task> = if writes.is_empty() {
        vec![moving]
    } else {
        store
            .apply(&settings.user_name(), writes)
            .await?
            .into_iter()
            .flatten()
            .filter_map(|r| match r {
                Record::Task(t) => Some(t),
                _ => None,
            })
            .collect()
    };
    let json: Vec<Value> = changed
        .iter()
        .map(|t| record_json(&Record::Task(t.clone())))
        .collect();
    print(*format, &json, || Table {
        header: vec!["ID", "TITLE", "STATUS", "POSITION", "VERSION"],
        rows: changed
            .iter()
            .map(|t| {
                vec![
                    t.id.to_string(),
                    t.title.clone(),
                    t.status.to_string(),
                    t.position.to_string(),
                    t.version.to_string(),
                ]
            })
            .collect(),
    })?;
    Ok(())
}
