//! Acting outward from the command line: `tend email` (queued in the outbox and
//! sent), `tend outbox` (the outbox and the delivery log, retrying), `tend work`
//! (what waits on a user), and the scheduler's `tend playbook tick`.

use std::io::{IsTerminal, Read};

use clap::Args;

use super::output::{Format, Table, print};
use super::{Cli, Failure, open_backend, parse_named, resolve_account};
use crate::backend::outbound::{
    Delivery, DeliveryKind, DeliveryQuery, DeliveryState, OutgoingEmail, TickReport, WorkItem,
    quote, reply_subject,
};
use crate::config::Settings;
use crate::domain::*;

#[derive(Debug, Args)]
pub struct EmailArgs {
    /// Account id, name or domain.
    pub account: String,
    /// Recipients ("Ana Ruiz <ana@acme.com>" or an address); repeat for more.
    #[arg(long, required_unless_present = "reply_to")]
    pub to: Vec<String>,
    #[arg(long)]
    pub cc: Vec<String>,
    /// The subject (a reply: "Re: " and the original's, unless given).
    #[arg(long)]
    pub subject: Option<String>,
    /// The body: this text, else the file --body-file, else standard input.
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    #[arg(long)]
    pub body_file: Option<std::path::PathBuf>,
    /// Reply (to all) to this incoming email interaction: its sender and the other
    /// contacts on it, threaded under it, its text quoted; it is marked answered once
    /// the reply is sent.
    #[arg(long)]
    pub reply_to: Option<Id>,
    /// Queue it without trying to send it now.
    #[arg(long)]
    pub queue_only: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct OutboxArgs {
    /// queued, sending, sent, failed or unknown (may have gone out: a crash
    /// between sending and recording).
    #[arg(long, value_parser = parse_named::<DeliveryState>)]
    pub state: Option<DeliveryState>,
    /// email or webhook.
    #[arg(long, value_parser = parse_named::<DeliveryKind>)]
    pub kind: Option<DeliveryKind>,
    /// Only this account's (id, name or domain).
    #[arg(long)]
    pub account: Option<String>,
    /// Queue a failed or unknown delivery again (then send what is due).
    #[arg(long)]
    pub retry: Option<Id>,
    /// Send what is due now (the scheduler's round: tend playbook tick).
    #[arg(long)]
    pub flush: bool,
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct WorkArgs {
    /// Whose work (default: you, the config's [user] name or over a server the
    /// token's user).
    #[arg(long)]
    pub user: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

fn when(t: Option<Timestamp>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn deliveries_table(list: &[Delivery]) -> Table {
    Table {
        header: vec![
            "ID", "KIND", "STATE", "TRIES", "CREATED", "NEXT", "CHANNEL", "SUMMARY", "ERROR",
        ],
        rows: list
            .iter()
            .map(|d| {
                vec![
                    d.id.to_string(),
                    d.kind.as_str().into(),
                    d.state.as_str().into(),
                    d.attempts.to_string(),
                    when(Some(d.created_at)),
                    when(
                        d.next_attempt_at
                            .filter(|_| d.state == DeliveryState::Queued),
                    ),
                    d.channel.clone(),
                    d.summary.clone(),
                    d.last_error.clone(),
                ]
            })
            .collect(),
    }
}

fn tick_line(r: &TickReport) -> String {
    format!(
        "scheduler: {} runs due, {} steps run, {} notifications queued; {} sent, {} failed, {} to retry, {} queued",
        r.runs_due, r.steps_run, r.notifications, r.sent, r.failed, r.retrying, r.queued
    )
}

/// Reads the body: --body, --body-file, else standard input (not a terminal).
fn body(args: &EmailArgs) -> Result<String, Failure> {
    if let Some(b) = &args.body {
        return Ok(b.clone());
    }
    if let Some(f) = &args.body_file {
        return std::fs::read_to_string(f)
            .map_err(|e| Failure::usage(format!("--body-file {}: {e}", f.display())));
    }
    if std::io::stdin().is_terminal() {
        eprintln!("type the body, then Ctrl-D:");
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Failure::usage(format!("standard input: {e}")))?;
    Ok(text)
}

pub async fn email(cli: &Cli, settings: &Settings, args: &EmailArgs) -> Result<(), Failure> {
    cli.check_writable(settings, "tend email")?;
    let store = open_backend(cli, settings)?;
    let account_id = resolve_account(store.as_ref(), &args.account).await?;
    let mut text = body(args)?;
    let (mut to, mut subject) = (args.to.clone(), args.subject.clone());
    if let Some(id) = args.reply_to {
        let original = match store.get(EntityKind::Interaction, id).await? {
            Record::Interaction(i) => i,
            _ => return Err(Failure::usage(format!("{id} is not an interaction"))),
        };
        if original.account_id != account_id
            || original.kind != InteractionKind::Email
            || original.direction != Direction::In
        {
            return Err(Failure::usage(format!(
                "interaction {id} is not an incoming email of account {account_id}: --reply-to answers one"
            )));
        }
        let view = store.account(account_id).await?;
        let on_it: Vec<&Contact> = view
            .contacts
            .iter()
            .filter(|c| original.contact_ids.contains(&c.id) && c.email.is_some())
            .collect();
        if to.is_empty() {
            to = on_it
                .iter()
                .map(|c| {
                    crate::backend::outbound::mailbox(
                        &c.name,
                        c.email.as_deref().unwrap_or_default(),
                    )
                })
                .collect();
        }
        if to.is_empty() {
            return Err(Failure::usage(format!(
                "interaction {id} has no contact with an address to reply to: give --to"
            )));
        }
        let sender = on_it.first().map(|c| c.name.as_str()).unwrap_or("they");
        subject = subject.or_else(|| Some(reply_subject(&original.subject)));
        text = format!("{}\n\n{}", text.trim_end(), quote(&original, sender));
    }
    let Some(subject) = subject else {
        return Err(Failure::usage("an email needs --subject"));
    };
    let queued = store
        .send_email(
            &settings.user_name(),
            OutgoingEmail {
                account_id,
                to,
                cc: args.cc.clone(),
                subject,
                body: text,
                in_reply_to: args.reply_to,
            },
        )
        .await?;
    let d = if args.queue_only {
        queued
    } else {
        store.tick().await?;
        store
            .deliveries(&DeliveryQuery {
                account: Some(account_id),
                limit: 1000,
                ..DeliveryQuery::default()
            })
            .await?
            .into_iter()
            .find(|d| d.id == queued.id)
            .unwrap_or(queued)
    };
    print(args.format, &d, || {
        deliveries_table(std::slice::from_ref(&d))
    })?;
    if args.format == Format::Table {
        match d.state {
            DeliveryState::Sent => eprintln!("sent"),
            DeliveryState::Queued if d.attempts == 0 => {
                eprintln!("queued in the outbox: sent by the next tick (tend outbox --flush)")
            }
            DeliveryState::Queued => eprintln!(
                "not sent yet ({}): it stays in the outbox and is retried",
                d.last_error
            ),
            _ => eprintln!("not sent: {}", d.last_error),
        }
    }
    Ok(())
}

pub async fn outbox(cli: &Cli, settings: &Settings, args: &OutboxArgs) -> Result<(), Failure> {
    let store = open_backend(cli, settings)?;
    if let Some(id) = args.retry {
        cli.check_writable(settings, "tend outbox --retry")?;
        store.retry_delivery(&settings.user_name(), id).await?;
    }
    if args.flush || args.retry.is_some() {
        cli.check_writable(settings, "tend outbox --flush")?;
        let r = store.tick().await?;
        if args.format == Format::Table {
            eprintln!("{}", tick_line(&r));
        }
    }
    let account = match &args.account {
        Some(a) => Some(resolve_account(store.as_ref(), a).await?),
        None => None,
    };
    let list = store
        .deliveries(&DeliveryQuery {
            state: args.state,
            kind: args.kind,
            account,
            limit: args.limit,
        })
        .await?;
    if list.is_empty() && args.format == Format::Table {
        eprintln!("the outbox is empty: nothing was sent or queued yet");
        return Ok(());
    }
    print(args.format, &list, || deliveries_table(&list))?;
    Ok(())
}

pub async fn tick(cli: &Cli, settings: &Settings, format: Format) -> Result<(), Failure> {
    cli.check_writable(settings, "tend playbook tick")?;
    let store = open_backend(cli, settings)?;
    let r = store.tick().await?;
    match format {
        Format::Table => println!("{}", tick_line(&r)),
        f => print(f, &r, || Table {
            header: vec![
                "RUNS_DUE",
                "STEPS_RUN",
                "NOTIFICATIONS",
                "SENT",
                "FAILED",
                "RETRYING",
                "QUEUED",
            ],
            rows: vec![
                [
                    r.runs_due,
                    r.steps_run,
                    r.notifications,
                    r.sent,
                    r.failed,
                    r.retrying,
                    r.queued,
                ]
                .iter()
                .map(u32::to_string)
                .collect(),
            ],
        })?,
    }
    Ok(())
}

fn work_table(items: &[WorkItem], today: chrono::NaiveDate) -> Table {
    Table {
        header: vec!["KIND", "ACCOUNT", "WHAT", "WHEN", "OPEN", "DETAIL"],
        rows: items
            .iter()
            .map(|w| {
                let when = match w.due {
                    Some(d) if d < today => format!("{}d overdue", (today - d).num_days()),
                    Some(d) if d == today => "due today".into(),
                    Some(d) => format!("due {d}"),
                    None => format!("since {}", w.since.format("%Y-%m-%d")),
                };
                let open = match w.step {
                    Some(i) => format!("tend playbook step {} {} complete", w.record_id, i + 1),
                    None => format!("{} {}", w.record_kind, w.record_id),
                };
                vec![
                    w.kind.as_str().into(),
                    w.account.name.clone(),
                    w.title.clone(),
                    when,
                    open,
                    w.detail.clone(),
                ]
            })
            .collect(),
    }
}

pub async fn work(cli: &Cli, settings: &Settings, args: &WorkArgs) -> Result<(), Failure> {
    let store = open_backend(cli, settings)?;
    let user = match &args.user {
        Some(u) => u.clone(),
        None => match super::remote::remote_url(cli, settings) {
            Some(_) => String::new(), // the server answers for the token's user
            None => settings.user_name(),
        },
    };
    let items = store.my_work(&user).await?;
    if items.is_empty() && args.format == Format::Table {
        let who = if user.is_empty() {
            "you"
        } else {
            user.as_str()
        };
        eprintln!("nothing waits on {who}");
        return Ok(());
    }
    let today = chrono::Utc::now().date_naive();
    print(args.format, &items, || work_table(&items, today))?;
    Ok(())
}
