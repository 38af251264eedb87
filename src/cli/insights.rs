//! `tend timeline` (an account's key events, newest first) and `tend contacts`
//! (an account's contacts with their health indicator).

use clap::Args;

use super::output::{Format, Table, print};
use super::{Failure, resolve_account};
use crate::backend::Backend;
use crate::format;

#[derive(Debug, Args)]
pub struct AccountArgs {
    /// Account id, name or domain.
    pub account: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `tend timeline ACCOUNT`: escalations, health transitions, churn-risk changes,
/// renewals and big sentiment drops, newest first.
pub async fn timeline(b: &dyn Backend, a: &AccountArgs) -> Result<(), Failure> {
    let id = resolve_account(b, &a.account).await?;
    let events = b.timeline(id).await?;
    let today = chrono::Utc::now().date_naive();
    print(a.format, &events, || Table {
        header: vec!["WHEN", "EVENT", "", "WHAT", "RECORD"],
        rows: events
            .iter()
            .map(|e| {
                vec![
                    format!(
                        "{} ({})",
                        e.at.date_naive(),
                        format::days_from(today, e.at.date_naive())
                    ),
                    e.kind.label().to_string(),
                    if e.worse { "▼" } else { "▲" }.to_string(),
                    e.text.clone(),
                    format!("{} {}", e.record.kind, e.record.id),
                ]
            })
            .collect(),
    })?;
    Ok(())
}

/// `tend contacts ACCOUNT`: every contact with its health indicator and what
/// pulls it down most.
pub async fn contacts(b: &dyn Backend, a: &AccountArgs) -> Result<(), Failure> {
    let id = resolve_account(b, &a.account).await?;
    let view = b.account(id).await?;
    #[derive(serde::Serialize)]
    struct Row<'a> {
        contact: &'a crate::domain::Contact,
        health: Option<&'a crate::health::ContactHealth>,
    }
    // One indicator per contact, in the contacts' order (`Account360::contact_health`);
    // None past the end, for a server that sends none.
    let health = view
        .contact_health
        .iter()
        .map(Some)
        .chain(std::iter::repeat(None));
    let rows: Vec<Row> = view
        .contacts
        .iter()
        .zip(health)
        .map(|(contact, health)| Row { contact, health })
        .collect();
    print(a.format, &rows, || Table {
        header: vec!["ID", "NAME", "ROLES", "HEALTH", "STATUS", "WHY"],
        rows: rows
            .iter()
            .map(|r| {
                let h = r.health;
                vec![
                    r.contact.id.to_string(),
                    r.contact.name.clone(),
                    r.contact.roles.join(", "),
                    format::score(h.and_then(|h| h.score)),
                    h.and_then(|h| h.status)
                        .map_or("no data", |s| s.label())
                        .to_string(),
                    h.and_then(|h| h.drag())
                        .map(|s| s.value.clone())
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    })?;
    Ok(())
}
