//! `tend cases`: support cases across accounts, filtered in the store by the filter
//! language, listed or grouped with counts; tables for people, JSON and CSV for pipes.

use clap::Args;

use super::output::{Format, Table, print};
use super::{Failure, parse_named};
use crate::backend::{AccountFilter, Backend, CaseQuery, CaseSort, GroupBy, PageRequest, group};
use crate::format;

#[derive(Debug, Args)]
pub struct CasesArgs {
    /// A filter-language expression over case and account fields, e.g.
    /// 'priority:urgent region:EMEA health<50' (see README "Filter language").
    // A filter may start with `-` (a negated term): take it as the value, not a flag.
    #[arg(long, short, default_value = "", allow_hyphen_values = true)]
    pub filter: String,
    /// Group by this field and count, instead of listing cases.
    #[arg(long, value_enum)]
    pub group_by: Option<GroupBy>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Sort key of the list.
    #[arg(long, default_value = "priority", value_parser = parse_named::<CaseSort>)]
    pub sort: CaseSort,
    /// Reverse the sort.
    #[arg(long)]
    pub desc: bool,
    /// Only cases not solved or closed.
    #[arg(long)]
    pub open: bool,
    /// At most this many cases listed (groups count every match).
    #[arg(long, default_value_t = 1000)]
    pub limit: u32,
}

pub async fn run(backend: &dyn Backend, a: &CasesArgs, me: String) -> Result<(), Failure> {
    let mut query = CaseQuery {
        account: AccountFilter {
            expr: Some(a.filter.clone()),
            me: Some(me),
            ..Default::default()
        },
        open_only: a.open,
        sort: a.sort,
        descending: a.desc,
        page: PageRequest {
            offset: 0,
            limit: a.limit.clamp(1, PageRequest::MAX_LIMIT),
        },
        ..Default::default()
    };
    let Some(by) = a.group_by else {
        let page = backend.cases(&query).await?;
        let today = chrono::Utc::now().date_naive();
        return print(a.format, &page.items, || Table {
            header: vec![
                "CASE", "ACCOUNT", "HEALTH", "PRIORITY", "SEV", "STATUS", "ESC", "TEAM", "REGION",
                "OPENED", "SIGNALS", "SUBJECT",
            ],
            rows: page
                .items
                .iter()
                .map(|r| {
                    let c = &r.case;
                    vec![
                        c.number.clone(),
                        r.account_name.clone(),
                        format::score(r.account_health_score),
                        c.priority.as_str().into(),
                        c.severity.to_string(),
                        c.status.as_str().into(),
                        if c.escalated { "yes" } else { "no" }.into(),
                        c.team.clone(),
                        c.region.clone(),
                        format!(
                            "{} ({})",
                            c.opened_at.date_naive(),
                            format::days_from(today, c.opened_at.date_naive())
                        ),
                        c.signals
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        c.subject.clone(),
                    ]
                })
                .collect(),
        })
        .map_err(Failure::from);
    };
    // Groups count every match: read them all, a page at a time.
    query.page.limit = PageRequest::MAX_LIMIT;
    let mut rows = vec![];
    loop {
        let page = backend.cases(&query).await?;
        rows.extend(page.items);
        match page.next_offset {
            Some(next) => query.page.offset = next,
            None => break,
        }
    }
    let groups = group(&rows, by);
    print(a.format, &groups, || Table {
        header: vec![
            "GROUP",
            "CASES",
            "OPEN",
            "ESCALATED",
            "ACCOUNTS",
            "WORST HEALTH",
        ],
        rows: groups
            .iter()
            .map(|g| {
                vec![
                    g.group.clone(),
                    g.cases.to_string(),
                    g.open.to_string(),
                    g.escalated.to_string(),
                    g.accounts.to_string(),
                    format::score(g.worst_health),
                ]
            })
            .collect(),
    })
    .map_err(Failure::from)
}
