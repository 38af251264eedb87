//! `tend summary`, `tend summary-sections` and `tend copilot`: an account's
//! summary with every statement's records, the team's choice of sections, and
//! the copilot over the last six months of interactions.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::{Cli, Failure, open_backend, resolve_account};
use crate::backend::ai::{self, AiClient, Reworded};
use crate::backend::summary::{AccountSummary, SectionId, Settings as SummarySettings};
use crate::config::Settings;
use crate::copilot;
use crate::domain::*;

/// How a summary or an answer is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    /// Markdown, fit to paste into a QBR deck.
    #[default]
    Markdown,
    /// JSON: sections, statements and the records each cites.
    Json,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Account id, name or domain.
    pub account: String,
    /// Keep the summary with the account (its time and author: you).
    #[arg(long)]
    pub save: bool,
    /// Show the latest saved summary instead of generating one.
    #[arg(long, conflicts_with = "save")]
    pub saved: bool,
    /// Have the language model of [ai] reword each section (it keeps every
    /// statement's records; a sentence citing anything else is dropped).
    #[arg(long)]
    pub ai: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: TextFormat,
}

#[derive(Debug, Args)]
pub struct SectionsArgs {
    /// The sections to show, in order (comma-separated or several): highlights,
    /// stakeholders, executive_summary, kpi_progress, relational_health, risks,
    /// expansion, achievements, next_steps, immediate_actions. Without any:
    /// print the sections in force.
    #[arg(value_delimiter = ',')]
    pub sections: Vec<String>,
    /// Back to all ten in the document's order.
    #[arg(long, conflicts_with = "sections")]
    pub reset: bool,
}

#[derive(Debug, Args)]
pub struct CopilotArgs {
    /// Account id, name or domain.
    pub account: String,
    /// A built-in prompt: summarise, concerns, commitments, engagement, follow_up.
    #[arg(long, value_parser = parse_prompt, required_unless_present = "ask")]
    pub prompt: Option<copilot::Prompt>,
    /// Your own question (needs a language model: [ai] in the config).
    #[arg(long, conflicts_with = "prompt")]
    pub ask: Option<String>,
    /// Have the language model of [ai] reword a built-in prompt's answer.
    #[arg(long)]
    pub ai: bool,
    /// Keep the answer as a note on the account.
    #[arg(long)]
    pub save_note: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: TextFormat,
}

fn parse_prompt(s: &str) -> Result<copilot::Prompt, String> {
    s.parse()
}

/// The language model of the config, or why there is none.
fn client(settings: &Settings) -> Result<AiClient, Failure> {
    settings
        .ai
        .client()
        .map_err(|e| Failure::usage(e.to_string()))?
        .ok_or_else(|| Failure::usage(ai::AiError::NotConfigured.to_string()))
}

/// Streams a model's answer to standard error as it comes, when it is a terminal.
fn progress() -> impl FnMut(&str) + Send {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    move |piece: &str| {
        if tty {
            let mut e = std::io::stderr();
            let _ = write!(e, "{piece}");
            let _ = e.flush();
        }
    }
}

fn say_dropped(dropped: usize) {
    if dropped > 0 {
        eprintln!(
            "{dropped} sentence{} dropped: {} cited records the model was not given",
            if dropped == 1 { "" } else { "s" },
            if dropped == 1 { "it" } else { "they" }
        );
    }
}

pub async fn summary(cli: &Cli, settings: &Settings, args: &SummaryArgs) -> Result<(), Failure> {
    if args.save {
        cli.check_writable(settings, "tend summary --save")?;
    }
    let backend = open_backend(cli, settings)?;
    let id = resolve_account(backend.as_ref(), &args.account).await?;
    let mut summary = if args.saved {
        let view = backend.account(id).await?;
        let latest = view.summaries.first().ok_or_else(|| {
            Failure::usage(format!(
                "{} has no saved summary: tend summary '{}' --save keeps one",
                view.account.name, view.account.name
            ))
        })?;
        AccountSummary::from_record(latest, &view.account.name)
    } else {
        backend.summary(id).await?
    };
    if args.ai {
        let client = client(settings)?;
        let mut dropped = 0;
        for section in &mut summary.sections {
            let mut show = progress();
            let Reworded {
                statements,
                dropped: d,
                ..
            } = ai::reword(&client, &section.title, &section.statements, &mut show)
                .await
                .map_err(|e| Failure::error(e.to_string()))?;
            dropped += d;
            if !statements.is_empty() {
                section.statements = statements;
            }
        }
        eprintln!();
        say_dropped(dropped);
    }
    if args.save {
        let record = summary.to_record(&settings.user_name());
        let saved = backend
            .create(&settings.user_name(), Record::Summary(record))
            .await?;
        eprintln!(
            "saved summary {} of {} by {}",
            saved.id(),
            summary.account_name,
            settings.user_name()
        );
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        TextFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &summary).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        TextFormat::Markdown => write!(out, "{}", summary.to_markdown())?,
    }
    Ok(())
}

pub async fn sections(cli: &Cli, settings: &Settings, args: &SectionsArgs) -> Result<(), Failure> {
    let backend = open_backend(cli, settings)?;
    let set = if args.reset {
        Some(SummarySettings::default())
    } else if args.sections.is_empty() {
        None
    } else {
        let sections = args
            .sections
            .iter()
            .map(|k| k.parse::<SectionId>())
            .collect::<Result<Vec<_>, String>>()
            .map_err(Failure::usage)?;
        Some(SummarySettings { sections })
    };
    let now = match set {
        Some(s) => {
            cli.check_writable(settings, "tend summary-sections")?;
            s.check().map_err(Failure::usage)?;
            backend
                .set_summary_settings(&settings.user_name(), s)
                .await?
        }
        None => backend.summary_settings().await?,
    };
    let mut out = std::io::stdout().lock();
    for (i, id) in now.sections.iter().enumerate() {
        writeln!(out, "{:>2}. {:<18} {}", i + 1, id.key(), id.title())?;
    }
    let hidden: Vec<&str> = SectionId::ALL
        .iter()
        .filter(|id| !now.shows(**id))
        .map(|id| id.key())
        .collect();
    if !hidden.is_empty() {
        writeln!(out, "hidden: {}", hidden.join(", "))?;
    }
    Ok(())
}

pub async fn copilot(cli: &Cli, settings: &Settings, args: &CopilotArgs) -> Result<(), Failure> {
    if args.save_note {
        cli.check_writable(settings, "tend copilot --save-note")?;
    }
    let backend = open_backend(cli, settings)?;
    let id = resolve_account(backend.as_ref(), &args.account).await?;
    let view = backend.account(id).await?;
    let now = view.as_of;
    let input = copilot::Input {
        account: &view.account,
        contacts: &view.contacts,
        interactions: &view.interactions,
        tasks: &view.tasks,
        cases: &view.cases,
    };
    let (title, mut statements, note) = match (&args.ask, args.prompt) {
        (Some(question), _) => {
            let client = client(settings)?;
            let facts = copilot::facts(&input, now, 200);
            if facts.is_empty() {
                return Err(Failure::usage(format!(
                    "{} has no interactions in the last six months to ask about",
                    view.account.name
                )));
            }
            let mut show = progress();
            let r = ai::ask(&client, &facts, &[], question, &mut show)
                .await
                .map_err(|e| Failure::error(e.to_string()))?;
            eprintln!();
            say_dropped(r.dropped);
            (question.clone(), r.statements, None)
        }
        (None, Some(prompt)) => {
            let answer = copilot::answer(prompt, &input, now);
            let mut statements = answer.statements.clone();
            if args.ai && !statements.is_empty() {
                let client = client(settings)?;
                let mut show = progress();
                let r = ai::reword(&client, prompt.label(), &statements, &mut show)
                    .await
                    .map_err(|e| Failure::error(e.to_string()))?;
                eprintln!();
                say_dropped(r.dropped);
                if !r.statements.is_empty() {
                    statements = r.statements;
                }
            }
            (prompt.label().to_string(), statements, answer.note)
        }
        (None, None) => return Err(Failure::usage("give --prompt NAME or --ask QUESTION")),
    };
    statements.retain(|s| !s.text.trim().is_empty());
    let body = answer_text(&statements, note.as_deref());
    if args.save_note {
        let record = Record::Interaction(Interaction {
            id: 0,
            version: 1,
            created_at: now,
            updated_at: now,
            source: Source::Ui,
            external_id: None,
            account_id: id,
            kind: InteractionKind::Note,
            direction: Direction::Out,
            at: now,
            contact_ids: vec![],
            user: Some(settings.user_name()),
            subject: format!("Copilot: {title}"),
            body: body.clone(),
            tags: vec!["copilot".into()],
            sentiment: None,
            excluded_from_score: true,
            answered: false,
        });
        let saved = backend.create(&settings.user_name(), record).await?;
        eprintln!("saved as note {} on {}", saved.id(), view.account.name);
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        TextFormat::Json => {
            let v = serde_json::json!({
                "account_id": id,
                "account_name": view.account.name,
                "question": title,
                "statements": statements,
                "note": note,
            });
            serde_json::to_writer_pretty(&mut out, &v).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        TextFormat::Markdown => {
            writeln!(out, "# {}: {title}\n", view.account.name)?;
            writeln!(out, "{body}")?;
        }
    }
    Ok(())
}

/// The statements as bullets with their records, or the note when there are none.
fn answer_text(statements: &[Statement], note: Option<&str>) -> String {
    if statements.is_empty() {
        return note.unwrap_or("Nothing to say.").to_string();
    }
    let mut s = String::new();
    for st in statements {
        s.push_str("- ");
        s.push_str(&st.text);
        if !st.citations.is_empty() {
            let cites: Vec<String> = st
                .citations
                .iter()
                .map(|c| format!("{} {}", c.kind, c.id))
                .collect();
            s.push_str(&format!(" [{}]", cites.join(", ")));
        }
        s.push('\n');
    }
    if let Some(n) = note {
        s.push_str(&format!("\n_{n}_\n"));
    }
    s
}
