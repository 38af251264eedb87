//! Cases grouped by one field with their counts: the same groups for `tend cases
//! --group-by` and the app's cases view.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::CaseRow;

/// What cases can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum GroupBy {
    Signal,
    Team,
    Region,
    Priority,
    /// The account's health status.
    Health,
    Account,
    Status,
}

tend_domain::named_enum!(GroupBy {
    Signal => "signal",
    Team => "team",
    Region => "region",
    Priority => "priority",
    Health => "health",
    Account => "account",
    Status => "status",
});

impl GroupBy {
    /// The order the app's group key cycles through.
    pub const CYCLE: [GroupBy; 5] = [
        GroupBy::Signal,
        GroupBy::Team,
        GroupBy::Region,
        GroupBy::Priority,
        GroupBy::Health,
    ];
}

/// One group and its counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub group: String,
    pub cases: u64,
    pub open: u64,
    pub escalated: u64,
    pub accounts: u64,
    /// The lowest health score among its accounts.
    pub worst_health: Option<f64>,
    /// The cases in it, as indices into the rows given, in their order.
    #[serde(skip)]
    pub rows: Vec<usize>,
}

/// The keys a case falls under (a case with several signals counts in each).
pub fn keys(row: &CaseRow, by: GroupBy) -> Vec<String> {
    let c = &row.case;
    match by {
        GroupBy::Signal if c.signals.is_empty() => vec!["(none)".into()],
        GroupBy::Signal => c.signals.iter().map(|s| s.as_str().to_string()).collect(),
        GroupBy::Team => vec![c.team.clone()],
        GroupBy::Region => vec![c.region.clone()],
        GroupBy::Priority => vec![c.priority.as_str().to_string()],
        GroupBy::Health => vec![
            row.account_health_status
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "(no score)".into()),
        ],
        GroupBy::Account => vec![row.account_name.clone()],
        GroupBy::Status => vec![c.status.as_str().to_string()],
    }
}

/// Groups the rows: most cases first, ties by name, so the order is stable.
pub fn group(rows: &[CaseRow], by: GroupBy) -> Vec<Group> {
    let mut groups: BTreeMap<String, (Group, BTreeSet<i64>)> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        for key in keys(row, by) {
            let (g, accounts) = groups.entry(key.clone()).or_insert_with(|| {
                (
                    Group {
                        group: key,
                        cases: 0,
                        open: 0,
                        escalated: 0,
                        accounts: 0,
                        worst_health: None,
                        rows: vec![],
                    },
                    BTreeSet::new(),
                )
            });
            g.cases += 1;
            g.open += u64::from(row.case.status.is_open());
            g.escalated += u64::from(row.case.escalated);
            g.rows.push(i);
            accounts.insert(row.case.account_id);
            if let Some(h) = row.account_health_score {
                g.worst_health = Some(g.worst_health.map_or(h, |w: f64| w.min(h)));
            }
        }
    }
    let mut out: Vec<Group> = groups
        .into_values()
        .map(|(mut g, accounts)| {
            g.accounts = accounts.len() as u64;
            g
        })
        .collect();
    out.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.group.cmp(&b.group)));
    out
}
