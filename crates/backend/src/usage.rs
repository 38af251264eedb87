//! Usage broken down per user or per feature: what the Usage tab's Modules &
//! Features view, `tend usage` and `GET /accounts/{id}/usage/breakdown` show.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use tend_domain::*;

use crate::{Bucket, UsageQuery};

/// What usage is broken down by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UsageBy {
    /// One row per product user (a contact; usage of no known user in a row of its own).
    #[default]
    User,
    /// One row per feature.
    Feature,
}

tend_domain::named_enum!(UsageBy { User => "user", Feature => "feature" });

/// One account's usage over a range of days (both included), per user or per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBreakdownQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub by: UsageBy,
}

/// The activity charts' range ending `today`: 30 days, 12 weeks or 12 months
/// (what the Usage tab and `tend usage` ask by default).
pub fn activity_query(bucket: Bucket, today: NaiveDate) -> UsageQuery {
    let from = match bucket {
        Bucket::Day => today.checked_sub_days(Days::new(29)),
        Bucket::Week => today.checked_sub_days(Days::new(7 * 11)),
        Bucket::Month => today.checked_sub_months(Months::new(11)),
    }
    .unwrap_or(today);
    UsageQuery {
        from,
        to: today,
        bucket,
    }
}

/// The breakdown's range: the last `days` days to `today`.
pub fn breakdown_query(by: UsageBy, days: u64, today: NaiveDate) -> UsageBreakdownQuery {
    UsageBreakdownQuery {
        from: today
            .checked_sub_days(Days::new(days.saturating_sub(1)))
            .unwrap_or(today),
        to: today,
        by,
    }
}

/// One user's or one feature's usage over the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsageShare {
    /// The user (a contact of the account) by user; None for usage no user is
    /// known for, and by feature.
    pub contact_id: Option<Id>,
    /// The user's name, or the feature's.
    pub name: String,
    /// Connections: the user's; by feature, those of the user-days that used it.
    pub connections: u64,
    /// Minutes engaged, counted as connections are.
    pub minutes: u64,
    /// Feature events.
    pub events: u64,
    /// Distinct users active in the range (by user: 1, or 0 for a user without
    /// a connection or an event in it).
    pub users: u32,
    /// Days with at least one connection or event.
    pub active_days: u32,
    pub last_day: Option<NaiveDate>,
    /// Events per feature (by user; empty by feature).
    pub features: BTreeMap<String, u64>,
}

impl UsageShare {
    /// Nothing counted yet, of a user (or none) under a name.
    pub fn empty(contact_id: Option<Id>, name: String) -> UsageShare {
        UsageShare {
            contact_id,
            name,
            connections: 0,
            minutes: 0,
            events: 0,
            users: 0,
            active_days: 0,
            last_day: None,
            features: BTreeMap::new(),
        }
    }
}

/// The name a row of usage without a user goes under.
pub const UNKNOWN_USER: &str = "(no user)";

/// Breaks usage rows down per user or per feature, busiest first (connections
/// then minutes per user, events per feature; then by name). `names` names the
/// account's contacts.
pub fn breakdown(rows: &[UsageDay], names: &HashMap<Id, String>, by: UsageBy) -> Vec<UsageShare> {
    struct Acc {
        share: UsageShare,
        days: BTreeSet<NaiveDate>,
        users: BTreeSet<Option<Id>>,
    }
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let mut add = |key: String, contact: Option<Id>, name: String, r: &UsageDay, events: u64| {
        let a = acc.entry(key).or_insert_with(|| Acc {
            share: UsageShare::empty(contact, name),
            days: BTreeSet::new(),
            users: BTreeSet::new(),
        });
        a.share.connections += u64::from(r.connections);
        a.share.minutes += u64::from(r.minutes);
        a.share.events += events;
        if r.connections > 0 || events > 0 {
            a.days.insert(r.day);
            a.users.insert(r.contact_id);
        }
        if by == UsageBy::User {
            for (f, n) in &r.features {
                *a.share.features.entry(f.clone()).or_insert(0) += u64::from(*n);
            }
        }
    };
    for r in rows {
        match by {
            UsageBy::User => {
                let name = r.contact_id.map_or_else(
                    || UNKNOWN_USER.to_string(),
                    |c| names.get(&c).cloned().unwrap_or_else(|| format!("#{c}")),
                );
                let key = r
                    .contact_id
                    .map_or_else(|| "~".to_string(), |c| c.to_string());
                let events = r.features.values().map(|n| u64::from(*n)).sum();
                add(key, r.contact_id, name, r, events);
            }
            UsageBy::Feature => {
                for (f, n) in &r.features {
                    add(f.clone(), None, f.clone(), r, u64::from(*n));
                }
            }
        }
    }
    let mut out: Vec<UsageShare> = acc
        .into_values()
        .map(|mut a| {
            a.share.active_days = a.days.len() as u32;
            a.share.last_day = a.days.last().copied();
            a.share.users = a.users.len() as u32;
            a.share
        })
        .collect();
    match by {
        UsageBy::User => out.sort_by(|x, y| {
            (y.connections, y.minutes)
                .cmp(&(x.connections, x.minutes))
                .then_with(|| x.name.cmp(&y.name))
        }),
        UsageBy::Feature => {
            out.sort_by(|x, y| y.events.cmp(&x.events).then_with(|| x.name.cmp(&y.name)))
        }
    }
    out
}

/// Feature name -> module name: which module each feature belongs to.
pub type ModuleMap = BTreeMap<String, String>;

/// The modules of the demo's features (and of many products): what the
/// `[usage.modules]` config replaces.
pub fn default_modules() -> ModuleMap {
    [
        ("analytics", &["dashboards", "reports", "exports"][..]),
        ("automation", &["workflows", "alerts"]),
        ("integrations", &["integrations", "api"]),
        ("mobile", &["mobile"]),
        ("security", &["sso", "audit_log"]),
    ]
    .iter()
    .flat_map(|(m, fs)| fs.iter().map(|f| (f.to_string(), m.to_string())))
    .collect()
}

/// A feature's module: the map's, else the part of its name before the first
/// '.', '/' or ':' (`reports.export` is in `reports`), else the feature itself.
pub fn module_of(feature: &str, modules: &ModuleMap) -> String {
    if let Some(m) = modules.get(feature) {
        return m.clone();
    }
    match feature.split_once(['.', '/', ':']) {
        Some((m, _)) if !m.is_empty() => m.to_string(),
        _ => feature.to_string(),
    }
}

/// Per-feature events grouped into modules (busiest first, then by name).
pub fn events_by_module(
    features: &BTreeMap<String, u64>,
    modules: &ModuleMap,
) -> Vec<(String, u64)> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for (f, n) in features {
        *out.entry(module_of(f, modules)).or_insert(0) += n;
    }
    let mut out: Vec<(String, u64)> = out.into_iter().collect();
    out.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    out
}

/// The account's usage per module, from its usage per user: events summed,
/// users counted once per module, the last day the module was used.
pub fn modules_of_users(users: &[UsageShare], modules: &ModuleMap) -> Vec<UsageShare> {
    let mut out: BTreeMap<String, UsageShare> = BTreeMap::new();
    for u in users {
        for (m, n) in events_by_module(&u.features, modules) {
            if n == 0 {
                continue;
            }
            let e = out
                .entry(m.clone())
                .or_insert_with(|| UsageShare::empty(None, m));
            e.events += n;
            e.users += 1;
            e.last_day = e.last_day.max(u.last_day);
        }
    }
    let mut out: Vec<UsageShare> = out.into_values().collect();
    out.sort_by(|x, y| y.events.cmp(&x.events).then_with(|| x.name.cmp(&y.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(contact: Option<Id>, day: u32, connections: u32, features: &[(&str, u32)]) -> UsageDay {
        UsageDay {
            account_id: 1,
            contact_id: contact,
            day: NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default(),
            connections,
            minutes: connections * 10,
            features: features.iter().map(|(f, n)| (f.to_string(), *n)).collect(),
        }
    }

    #[test]
    fn per_user_and_per_feature() {
        let rows = vec![
            row(Some(7), 1, 2, &[("reports", 3)]),
            row(Some(7), 2, 1, &[("reports", 1), ("api", 2)]),
            row(Some(8), 2, 5, &[("api", 1)]),
            row(None, 3, 1, &[]),
        ];
        let names = HashMap::from([(7, "Ada".to_string()), (8, "Bo".to_string())]);
        let users = breakdown(&rows, &names, UsageBy::User);
        let got: Vec<(&str, u64, u64, u32)> = users
            .iter()
            .map(|u| (u.name.as_str(), u.connections, u.events, u.active_days))
            .collect();
        assert_eq!(
            got,
            vec![("Bo", 5, 1, 1), ("Ada", 3, 6, 2), (UNKNOWN_USER, 1, 0, 1)]
        );
        assert_eq!(users[1].features.get("reports"), Some(&4));
        assert_eq!(users[1].minutes, 30);
        let features = breakdown(&rows, &names, UsageBy::Feature);
        let got: Vec<(&str, u64, u32, u64)> = features
            .iter()
            .map(|f| (f.name.as_str(), f.events, f.users, f.connections))
            .collect();
        assert_eq!(got, vec![("reports", 4, 1, 3), ("api", 3, 2, 6)]);
        let modules = modules_of_users(&users, &default_modules());
        let got: Vec<(&str, u64, u32)> = modules
            .iter()
            .map(|m| (m.name.as_str(), m.events, m.users))
            .collect();
        assert_eq!(got, vec![("analytics", 4, 1), ("integrations", 3, 2)]);
    }

    #[test]
    fn modules_from_the_map_then_a_prefix() {
        let map = default_modules();
        assert_eq!(module_of("sso", &map), "security");
        assert_eq!(module_of("billing.invoices", &map), "billing");
        assert_eq!(module_of("admin/users", &map), "admin");
        assert_eq!(module_of("chat", &map), "chat");
        assert_eq!(module_of(".hidden", &map), ".hidden");
    }
}
