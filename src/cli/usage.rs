//! `tend usage ACCOUNT`: an account's product usage over the last days, per day,
//! week or month (unique users, minutes engaged, connections), per user, per
//! feature or per module (the `[usage.modules]` map, else a feature name's
//! prefix before '.', '/' or ':').

use clap::{Args, ValueEnum};
use serde_json::json;

use super::output::{Format, Table, print};
use super::{Failure, resolve_account};
use crate::backend::{
    Backend, Bucket, ModuleMap, UsageBy, UsageQuery, activity_query, breakdown_query,
    modules_of_users,
};

/// What the usage is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum By {
    Day,
    #[default]
    Week,
    Month,
    User,
    Feature,
    Module,
}

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// Account id, name or domain.
    pub account: String,
    #[arg(long, value_enum, default_value_t)]
    pub by: By,
    /// How many days back (default: 30 by day, user, feature and module; 12
    /// weeks by week; 12 months by month).
    #[arg(long)]
    pub days: Option<u64>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub async fn run(b: &dyn Backend, a: &UsageArgs, modules: &ModuleMap) -> Result<(), Failure> {
    let account = resolve_account(b, &a.account).await?;
    let today = b.account(account).await?.as_of.date_naive();
    let bucket = match a.by {
        By::Day => Some(Bucket::Day),
        By::Week => Some(Bucket::Week),
        By::Month => Some(Bucket::Month),
        _ => None,
    };
    if let Some(bucket) = bucket {
        // The Usage tab's range, unless --days says how far back.
        let q = match a.days {
            Some(days) => {
                let range = breakdown_query(UsageBy::default(), days, today);
                UsageQuery {
                    from: range.from,
                    to: range.to,
                    bucket,
                }
            }
            None => activity_query(bucket, today),
        };
        let buckets = b.usage(account, &q).await?;
        return Ok(print(a.format, &buckets, || Table {
            header: vec!["START", "UNIQUE_USERS", "MINUTES", "CONNECTIONS"],
            rows: buckets
                .iter()
                .map(|x| {
                    vec![
                        x.start.to_string(),
                        x.active_users.to_string(),
                        x.minutes.to_string(),
                        x.connections.to_string(),
                    ]
                })
                .collect(),
        })?);
    }
    let by = if a.by == By::Feature {
        UsageBy::Feature
    } else {
        UsageBy::User
    };
    let q = breakdown_query(by, a.days.unwrap_or(30), today);
    let mut shares = b.usage_breakdown(account, &q).await?;
    if a.by == By::Module {
        shares = modules_of_users(&shares, modules);
    }
    if shares.is_empty() && a.format == Format::Table {
        eprintln!("no product usage from {} to {}", q.from, q.to);
        return Ok(());
    }
    let header = match a.by {
        By::User => vec![
            "CONTACT",
            "USER",
            "CONNECTIONS",
            "MINUTES",
            "EVENTS",
            "ACTIVE_DAYS",
            "LAST",
            "TOP_FEATURE",
        ],
        By::Feature => vec!["FEATURE", "EVENTS", "USERS", "ACTIVE_DAYS", "LAST"],
        _ => vec!["MODULE", "EVENTS", "USERS", "LAST"],
    };
    let last =
        |s: &crate::backend::UsageShare| s.last_day.map(|d| d.to_string()).unwrap_or_default();
    let rows = shares
        .iter()
        .map(|s| match a.by {
            By::User => vec![
                s.contact_id.map(|c| c.to_string()).unwrap_or_default(),
                s.name.clone(),
                s.connections.to_string(),
                s.minutes.to_string(),
                s.events.to_string(),
                s.active_days.to_string(),
                last(s),
                s.features
                    .iter()
                    .max_by(|x, y| x.1.cmp(y.1).then_with(|| y.0.cmp(x.0)))
                    .map(|(f, _)| f.clone())
                    .unwrap_or_default(),
            ],
            By::Feature => vec![
                s.name.clone(),
                s.events.to_string(),
                s.users.to_string(),
                s.active_days.to_string(),
                last(s),
            ],
            _ => vec![
                s.name.clone(),
                s.events.to_string(),
                s.users.to_string(),
                last(s),
            ],
        })
        .collect();
    if a.by == By::Module && a.format == Format::Json {
        // Modules have no contact, connections or minutes of their own.
        let json: Vec<_> = shares
            .iter()
            .map(|s| json!({"module": s.name, "events": s.events, "users": s.users, "last_day": s.last_day}))
            .collect();
        return Ok(print(a.format, &json, || Table { header, rows })?);
    }
    print(a.format, &shares, || Table { header, rows })?;
    Ok(())
}
