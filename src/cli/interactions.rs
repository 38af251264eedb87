//! `tend interactions`: the interactions across accounts (or of one), filtered by
//! account, contact, interaction tag, a contact's role, direction, kind and
//! full-text words, newest first.

use clap::Args;

use super::output::{Format, Table, print};
use super::{Failure, parse_named, resolve_account};
use crate::backend::{Backend, InteractionQuery, PageRequest};
use crate::domain::*;

#[derive(Debug, Args)]
pub struct InteractionsArgs {
    /// Only this account's (id, name or domain).
    #[arg(long)]
    pub account: Option<String>,
    /// Only those a contact took part in: an id, or with --account a name or email.
    #[arg(long)]
    pub contact: Option<String>,
    /// An interaction tag (bug, business_review...).
    #[arg(long)]
    pub tag: Option<String>,
    /// A role of a contact who took part (champion, sponsor, decision_maker...).
    #[arg(long)]
    pub role: Option<String>,
    /// in: from the customer; out: from us.
    #[arg(long, value_parser = parse_named::<Direction>)]
    pub direction: Option<Direction>,
    /// email, meeting, call, note, ticket or crm_event.
    #[arg(long, value_parser = parse_named::<InteractionKind>)]
    pub kind: Option<InteractionKind>,
    /// Full-text words over subject and body (every word, the last as a prefix).
    #[arg(long, allow_hyphen_values = true)]
    pub search: Option<String>,
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub async fn run(b: &dyn Backend, a: &InteractionsArgs) -> Result<(), Failure> {
    let account_id = match &a.account {
        Some(key) => Some(resolve_account(b, key).await?),
        None => None,
    };
    let contact_id = match (&a.contact, account_id) {
        (None, _) => None,
        (Some(c), _) if c.trim().parse::<Id>().is_ok() => c.trim().parse().ok(),
        (Some(c), Some(account)) => {
            let view = b.account(account).await?;
            super::write::pick_contacts(
                &view.contacts,
                std::slice::from_ref(c),
                &view.account.name,
            )?
            .first()
            .copied()
        }
        (Some(c), None) => {
            return Err(Failure::usage(format!(
                "--contact {c}: a contact is found by name or email within an account: add --account (or give its id)"
            )));
        }
    };
    let q = InteractionQuery {
        account_id,
        kind: a.kind,
        direction: a.direction,
        contact_id,
        tag: a.tag.clone(),
        contact_role: a.role.clone(),
        text: a.search.clone(),
        page: PageRequest {
            offset: 0,
            limit: a.limit.clamp(1, 1000),
        },
    };
    let page = b.interactions(&q).await?;
    if page.items.is_empty() && a.format == Format::Table {
        eprintln!("no interaction matches");
        return Ok(());
    }
    print(a.format, &page.items, || Table {
        header: vec![
            "ID",
            "WHEN",
            "ACCOUNT",
            "KIND",
            "DIR",
            "SENTIMENT",
            "TAGS",
            "SUBJECT",
        ],
        rows: page
            .items
            .iter()
            .map(|i| {
                vec![
                    i.id.to_string(),
                    i.at.format("%Y-%m-%d %H:%M").to_string(),
                    i.account_id.to_string(),
                    i.kind.as_str().into(),
                    i.direction.as_str().into(),
                    i.sentiment
                        .map(|s| format!("{:+.2}", s.score))
                        .unwrap_or_default(),
                    i.tags.join(","),
                    i.subject.clone(),
                ]
            })
            .collect(),
    })?;
    if a.format == Format::Table && page.total > page.items.len() as u64 {
        eprintln!("{} of {} (--limit for more)", page.items.len(), page.total);
    }
    Ok(())
}
