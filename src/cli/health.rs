//! `tend health`: explain a score, recompute, list and check profiles.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Subcommand;

use super::output::{Format, Table, print};
use super::{Cli, Failure, open_backend, resolve_account};
use crate::backend::HealthReport;
use crate::config::Settings;
use crate::format;
use crate::health::*;

#[derive(Debug, Subcommand)]
pub enum HealthCommand {
    /// Show why an account has its score, measure by measure, biggest drags first.
    Explain {
        /// Account id, name or domain.
        account: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Rescore one account, or every account.
    Recompute {
        /// Only this account (id, name or domain).
        #[arg(long)]
        account: Option<String>,
    },
    /// List the profiles in force and the measures they can use, or check a file.
    Profiles {
        /// Check this profiles file (as the config's [health] profiles would load it).
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
    },
}

pub async fn run(cli: &Cli, settings: &Settings, cmd: &HealthCommand) -> Result<(), Failure> {
    match cmd {
        HealthCommand::Explain { account, format } => {
            let store = open_backend(cli, settings)?;
            let id = resolve_account(store.as_ref(), account).await?;
            let report = store.health(id).await?;
            let name = store.account(id).await?.account.name;
            if *format == Format::Json {
                return print(*format, &report, || Table {
                    header: vec![],
                    rows: vec![],
                })
                .map_err(Failure::from);
            }
            explain(&name, &report, *format).map_err(Failure::from)
        }
        HealthCommand::Recompute { account } => {
            cli.check_writable(settings, "tend health recompute")?;
            let store = open_backend(cli, settings)?;
            let id = match account {
                Some(a) => Some(resolve_account(store.as_ref(), a).await?),
                None => None,
            };
            let started = Instant::now();
            let r = store.recompute_health(id).await?;
            eprintln!(
                "rescored {} account{} in {:.2}s; {} status change{} raised an alert; the other rules raised {} alert{}",
                r.accounts,
                if r.accounts == 1 { "" } else { "s" },
                started.elapsed().as_secs_f64(),
                r.transitions,
                if r.transitions == 1 { "" } else { "s" },
                r.alerts,
                if r.alerts == 1 { "" } else { "s" },
            );
            Ok(())
        }
        HealthCommand::Profiles { check: Some(file) } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
            let profiles = Profiles::bundled_with(&text, &file.display().to_string())
                .map_err(|e| Failure::usage(e.to_string()))?;
            println!(
                "{}: ok ({} profiles in force with the bundled ones)",
                file.display(),
                profiles.profiles.len()
            );
            Ok(())
        }
        HealthCommand::Profiles { check: None } => {
            let setup = settings
                .health_setup()
                .map_err(|e| Failure::usage(e.to_string()))?;
            list_profiles(&setup.profiles).map_err(Failure::from)
        }
    }
}

fn pct(x: f64) -> String {
    format!("{x:.1}%")
}

fn explain(name: &str, r: &HealthReport, format: Format) -> std::io::Result<()> {
    let e = &r.explanation;
    let mut rows = vec![];
    for c in &e.components {
        rows.push(vec![
            c.name.clone(),
            String::new(),
            if c.excluded {
                "excluded".into()
            } else {
                c.score.map_or("no data".into(), |s| format!("{s:.1}"))
            },
            num(c.weight),
            if c.score.is_some() {
                pct(c.overall_pct)
            } else {
                "-".into()
            },
            String::new(),
            String::new(),
        ]);
        for m in &c.measures {
            rows.push(vec![
                format!("  {}", m.label),
                m.raw.map_or("-".into(), |v| raw_text(m.measure, v)),
                m.points.map_or("-".into(), |p| format!("{p:.1}")),
                num(m.weight),
                if m.points.is_some() {
                    pct(m.overall_pct)
                } else {
                    "-".into()
                },
                if m.drag > 0.0 {
                    format!("-{:.1}", m.drag)
                } else {
                    String::new()
                },
                m.note.clone(),
            ]);
        }
    }
    let table = Table {
        header: vec![
            "COMPONENT / MEASURE",
            "RAW",
            "POINTS",
            "WEIGHT",
            "SHARE",
            "DRAG",
            "RULE",
        ],
        rows,
    };
    let mut out = std::io::stdout().lock();
    if format == Format::Csv {
        return table.write_csv(&mut out);
    }
    let status = e.status.map_or("no data", |s| s.label());
    let trend = match (e.trend, e.previous) {
        (Some(t), Some(p)) => format!(", {t:+.1} vs last week ({p:.1})"),
        _ => String::new(),
    };
    writeln!(
        out,
        "{name} (account {}): health {} — {status}{trend}",
        e.account_id,
        format::score(e.score)
    )?;
    writeln!(
        out,
        "profile \"{}\"; bands: healthy ≥ {}, concerning ≥ {}, at risk below; computed {}",
        e.profile,
        num(e.bands.healthy),
        num(e.bands.concerning),
        e.at.format("%Y-%m-%d %H:%M UTC")
    )?;
    writeln!(out)?;
    table.write_text(&mut out)?;
    if !e.drags.is_empty() {
        writeln!(out, "\nWHAT PULLED IT DOWN (points lost, biggest first)")?;
        for d in e.drags.iter().filter(|d| d.points_lost >= 0.05) {
            writeln!(out, "  -{:>5.1}  {}", d.points_lost, d.condition)?;
        }
    }
    if !e.missing_rule.is_empty() {
        writeln!(out, "\n{}", e.missing_rule)?;
    }
    let today = e.at.date_naive();
    let ago = |t: Option<crate::domain::Timestamp>| {
        t.map_or("never".to_string(), |t| {
            format::days_from(today, t.date_naive())
        })
    };
    let k = &e.indicators;
    writeln!(
        out,
        "\nKEY INDICATORS  last touch {}, last user touch {}, last meeting {}, last sponsor touch {}",
        ago(k.last_touch),
        ago(k.last_user_touch),
        ago(k.last_meeting),
        ago(k.last_sponsor_touch)
    )?;
    let u = &e.usage;
    if u.tracked {
        writeln!(
            out,
            "USAGE  last activity {}, {} connections over 30 days, {}, active users {}/{} ({}), DAU {:.1} WAU {} MAU {}",
            u.last_activity
                .map_or("never".into(), |d| format::days_from(today, d)),
            u.connections_30d,
            format::trend_vs_m1(u.trend_pct),
            u.active_users,
            u.contacts,
            u.active_users_pct
                .map_or("-".into(), |p| format!("{p:.0}%")),
            u.dau,
            u.wau,
            u.mau
        )?;
    } else {
        writeln!(out, "USAGE  no product usage tracked")?;
    }
    let weeks: Vec<String> = r
        .weekly
        .iter()
        .rev()
        .take(12)
        .rev()
        .map(|s| format::score(s.score))
        .collect();
    if !weeks.is_empty() {
        writeln!(out, "LAST 12 WEEKS  {}", weeks.join(" "))?;
    }
    Ok(())
}

fn list_profiles(p: &Profiles) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for profile in &p.profiles {
        let mut used_for = vec![];
        if !profile.segments.is_empty() {
            used_for.push(format!("segments {}", profile.segments.join(", ")));
        }
        if !profile.stages.is_empty() {
            let stages: Vec<&str> = profile.stages.iter().map(|s| s.as_str()).collect();
            used_for.push(format!("stages {}", stages.join(", ")));
        }
        if profile.name == DEFAULT_PROFILE {
            used_for.push("every other account".into());
        }
        writeln!(
            out,
            "{} — {} (used for: {})",
            profile.name,
            profile.description,
            if used_for.is_empty() {
                "accounts that name it".into()
            } else {
                used_for.join("; ")
            }
        )?;
        let total: f64 = profile
            .components
            .iter()
            .filter(|c| !c.exclude)
            .map(|c| c.weight)
            .sum();
        for c in &profile.components {
            let share = if c.exclude {
                "excluded".into()
            } else {
                pct(c.weight * 100.0 / total)
            };
            writeln!(out, "  {:<22} {share}", c.name)?;
            let mtotal: f64 = c
                .measures
                .iter()
                .filter(|m| !m.exclude)
                .map(|m| m.weight)
                .sum();
            for m in &c.measures {
                let share = if m.exclude {
                    "excluded".into()
                } else {
                    pct(m.weight * 100.0 / mtotal)
                };
                writeln!(
                    out,
                    "    {:<26} {share:>9}  {}",
                    m.measure.key(),
                    m.mapping.summary()
                )?;
            }
        }
        writeln!(out)?;
    }
    writeln!(out, "MEASURES")?;
    for m in Measure::ALL {
        writeln!(out, "  {:<26} [{}] {}", m.key(), m.unit(), m.doc())?;
    }
    Ok(())
}
