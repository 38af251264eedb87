//! What the health measures read: an account's records, and the indicators derived
//! from them with the product's definitions (key indicators, usage metrics).
//!
//! Everything here is a pure function of the records and an instant `now`; records
//! dated after `now` are ignored, so the same data evaluated at an earlier instant
//! gives the score the account had then (that is how history is backfilled).

use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

use tend_domain::*;

/// One account's records, as the health engine needs them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountData {
    pub account: Option<Account>,
    pub contacts: Vec<Contact>,
    pub interactions: Vec<Interaction>,
    pub usage: Vec<UsageFact>,
    pub agreements: Vec<Agreement>,
    pub cases: Vec<SupportCase>,
    pub nps: Vec<NpsResponse>,
    /// Invoices and their payments: once there is an invoice, whether payments
    /// are up to date follows them.
    pub invoices: Vec<Invoice>,
    pub payments: Vec<Payment>,
}

/// One usage row as the engine reads it: feature names are shared, not copied per
/// row (a store holds millions of rows with a handful of names).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsageFact {
    pub day: NaiveDate,
    pub contact_id: Option<Id>,
    pub connections: u32,
    pub features: Vec<(std::sync::Arc<str>, u32)>,
}

/// Shares feature names between usage facts.
#[derive(Debug, Default)]
pub struct FeatureNames(std::collections::HashMap<String, std::sync::Arc<str>>);

impl FeatureNames {
    pub fn get(&mut self, name: &str) -> std::sync::Arc<str> {
        if let Some(n) = self.0.get(name) {
            return n.clone();
        }
        let n: std::sync::Arc<str> = name.into();
        self.0.insert(name.to_string(), n.clone());
        n
    }

    /// A usage row as a fact.
    pub fn fact(&mut self, u: &UsageDay) -> UsageFact {
        UsageFact {
            day: u.day,
            contact_id: u.contact_id,
            connections: u.connections,
            features: u.features.iter().map(|(k, v)| (self.get(k), *v)).collect(),
        }
    }
}

/// The key indicators of the Interactions tab.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeyIndicators {
    /// The last interaction that involved the customer: an incoming email or ticket,
    /// a reply to one of ours, a meeting, a call. An unanswered outgoing email, a
    /// note or a CRM event is not a touch.
    pub last_touch: Option<chrono::DateTime<chrono::Utc>>,
    /// The last touch one of our users took part in.
    pub last_user_touch: Option<chrono::DateTime<chrono::Utc>>,
    /// The last meeting.
    pub last_meeting: Option<chrono::DateTime<chrono::Utc>>,
    /// The last touch that involved a contact tagged `sponsor`.
    pub last_sponsor_touch: Option<chrono::DateTime<chrono::Utc>>,
}

/// Whether an interaction counts as a touch (see [`KeyIndicators::last_touch`]).
pub fn is_touch(i: &Interaction) -> bool {
    touches(i.kind, i.direction, i.answered)
}

/// Whether an interaction of this kind, direction and answered flag is a touch.
pub fn touches(kind: InteractionKind, direction: Direction, answered: bool) -> bool {
    match kind {
        InteractionKind::Meeting | InteractionKind::Call => true,
        InteractionKind::Email => direction == Direction::In || answered,
        InteractionKind::Ticket => direction == Direction::In,
        InteractionKind::Note | InteractionKind::CrmEvent => false,
    }
}

/// Whether an interaction feeds the sentiment measure (PRODUCT.md: "only incoming
/// messages and rated meetings/calls"): incoming emails and tickets, and meetings
/// and calls a person rated (manual sentiment); never one excluded from the score.
/// The automatic score of a meeting or call reads our own notes of it, and an
/// outgoing message is our own words: neither says how the customer feels.
pub fn feeds_sentiment(i: &Interaction) -> bool {
    let Some(sentiment) = i.sentiment else {
        return false;
    };
    if i.excluded_from_score {
        return false;
    }
    match i.kind {
        InteractionKind::Meeting | InteractionKind::Call => {
            sentiment.source == SentimentSource::Manual
        }
        InteractionKind::Email | InteractionKind::Ticket => i.direction == Direction::In,
        InteractionKind::Note | InteractionKind::CrmEvent => false,
    }
}

impl AccountData {
    /// One account's records out of a dataset, sorted.
    pub fn of(d: &crate::dataset::Dataset, id: Id) -> AccountData {
        fn mine<T: Clone>(list: &[T], id: Id, account: impl Fn(&T) -> Id) -> Vec<T> {
            list.iter().filter(|x| account(x) == id).cloned().collect()
        }
        let mut data = AccountData {
            account: d.accounts.iter().find(|a| a.id == id).cloned(),
            contacts: mine(&d.contacts, id, |x| x.account_id),
            interactions: mine(&d.interactions, id, |x| x.account_id),
            usage: {
                let mut names = FeatureNames::default();
                d.usage
                    .iter()
                    .filter(|u| u.account_id == id)
                    .map(|u| names.fact(u))
                    .collect()
            },
            agreements: mine(&d.agreements, id, |x| x.account_id),
            cases: mine(&d.support_cases, id, |x| x.account_id),
            nps: mine(&d.nps_responses, id, |x| x.account_id),
            invoices: mine(&d.invoices, id, |x| x.account_id),
            payments: mine(&d.payments, id, |x| x.account_id),
        };
        data.sort();
        data
    }

    /// Every account's records out of a dataset, sorted, in the order of
    /// `d.accounts`: one pass over each list (records of accounts not in the
    /// dataset are left out).
    pub fn split(d: &crate::dataset::Dataset) -> Vec<AccountData> {
        let slot: std::collections::HashMap<Id, usize> = d
            .accounts
            .iter()
            .enumerate()
            .map(|(k, a)| (a.id, k))
            .collect();
        let mut out: Vec<AccountData> = d
            .accounts
            .iter()
            .map(|a| AccountData {
                account: Some(a.clone()),
                ..AccountData::default()
            })
            .collect();
        fn deal<T: Clone>(
            out: &mut [AccountData],
            slot: &std::collections::HashMap<Id, usize>,
            list: &[T],
            account: impl Fn(&T) -> Id,
            into: impl Fn(&mut AccountData) -> &mut Vec<T>,
        ) {
            for x in list {
                if let Some(&k) = slot.get(&account(x)) {
                    into(&mut out[k]).push(x.clone());
                }
            }
        }
        deal(
            &mut out,
            &slot,
            &d.contacts,
            |x| x.account_id,
            |a| &mut a.contacts,
        );
        deal(
            &mut out,
            &slot,
            &d.interactions,
            |x| x.account_id,
            |a| &mut a.interactions,
        );
        deal(
            &mut out,
            &slot,
            &d.agreements,
            |x| x.account_id,
            |a| &mut a.agreements,
        );
        deal(
            &mut out,
            &slot,
            &d.support_cases,
            |x| x.account_id,
            |a| &mut a.cases,
        );
        deal(
            &mut out,
            &slot,
            &d.nps_responses,
            |x| x.account_id,
            |a| &mut a.nps,
        );
        deal(
            &mut out,
            &slot,
            &d.invoices,
            |x| x.account_id,
            |a| &mut a.invoices,
        );
        deal(
            &mut out,
            &slot,
            &d.payments,
            |x| x.account_id,
            |a| &mut a.payments,
        );
        let mut names = FeatureNames::default();
        for u in &d.usage {
            if let Some(&k) = slot.get(&u.account_id) {
                out[k].usage.push(names.fact(u));
            }
        }
        for data in &mut out {
            data.sort();
        }
        out
    }

    /// Puts every list in time order (the engine reads windows of them).
    pub fn sort(&mut self) {
        self.interactions.sort_by_key(|i| (i.at, i.id));
        self.usage.sort_by_key(|u| (u.day, u.contact_id));
        self.cases.sort_by_key(|c| (c.opened_at, c.id));
        self.nps.sort_by_key(|n| (n.at, n.id));
    }

    /// Whether [`AccountData::sort`] would change nothing.
    pub fn is_sorted(&self) -> bool {
        self.interactions.is_sorted_by_key(|i| (i.at, i.id))
            && self.usage.is_sorted_by_key(|u| (u.day, u.contact_id))
            && self.cases.is_sorted_by_key(|c| (c.opened_at, c.id))
            && self.nps.is_sorted_by_key(|n| (n.at, n.id))
    }

    /// Interactions up to `now`, oldest first (needs sorted data).
    pub fn interactions_until(&self, now: Timestamp) -> &[Interaction] {
        &self.interactions[..self.interactions.partition_point(|i| i.at <= now)]
    }

    /// Cases opened in `(from, to]`, oldest first (needs sorted data).
    pub fn cases_opened(&self, from: Timestamp, to: Timestamp) -> &[SupportCase] {
        let lo = self.cases.partition_point(|c| c.opened_at <= from);
        let hi = self.cases.partition_point(|c| c.opened_at <= to);
        &self.cases[lo..hi.max(lo)]
    }
}

/// The key indicators as of `now` (needs sorted data).
pub fn key_indicators(data: &AccountData, now: Timestamp) -> KeyIndicators {
    let sponsors: Vec<Id> = data
        .contacts
        .iter()
        .filter(|c| c.has_role("sponsor"))
        .map(|c| c.id)
        .collect();
    let mut k = KeyIndicators::default();
    // Newest first: each indicator is the first match.
    for i in data.interactions_until(now).iter().rev() {
        if k.last_meeting.is_none() && i.kind == InteractionKind::Meeting {
            k.last_meeting = Some(i.at);
        }
        if is_touch(i) {
            k.last_touch.get_or_insert(i.at);
            if k.last_user_touch.is_none() && i.user.as_deref().is_some_and(|u| !u.is_empty()) {
                k.last_user_touch = Some(i.at);
            }
            if k.last_sponsor_touch.is_none() && i.contact_ids.iter().any(|c| sponsors.contains(c))
            {
                k.last_sponsor_touch = Some(i.at);
            }
        }
        if k.last_meeting.is_some()
            && k.last_touch.is_some()
            && k.last_user_touch.is_some()
            && (k.last_sponsor_touch.is_some() || sponsors.is_empty())
        {
            break;
        }
    }
    k
}

/// One feature's (or module's) use over the last 30 days against the 30 before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeatureUse {
    pub name: String,
    pub uses_30d: u64,
    pub uses_prev_30d: u64,
    /// uses_30d / uses_prev_30d in %, when the previous period had any use.
    pub trend_pct: Option<f64>,
}

/// The usage indicators (Skalin definitions) as of a day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UsageMetrics {
    /// Whether the account has any usage row up to the day (usage is tracked).
    pub tracked: bool,
    /// The last day with a connection.
    pub last_activity: Option<NaiveDate>,
    /// Connections over the last 30 days (10 users connecting 5 times = 50).
    pub connections_30d: u64,
    /// Connections 30 to 60 days ago.
    pub connections_prev_30d: u64,
    /// connections_30d / connections_prev_30d in % (above 100: growing).
    pub trend_pct: Option<f64>,
    /// Contacts with at least one connection over the last 30 days.
    pub active_users: u32,
    /// All contacts of the account.
    pub contacts: u32,
    /// active_users / contacts in %.
    pub active_users_pct: Option<f64>,
    /// Distinct users per day, averaged over the last 30 days.
    pub dau: f64,
    /// Distinct users over the last 7 days.
    pub wau: u32,
    /// Distinct users over the last 30 days.
    pub mau: u32,
    /// Per-feature use, most used first.
    pub features: Vec<FeatureUse>,
}

/// The usage metrics as of the day of `now` (needs sorted data).
pub fn usage_metrics(data: &AccountData, now: Timestamp) -> UsageMetrics {
    let today = now.date_naive();
    let mut m = UsageMetrics {
        contacts: data.contacts.iter().filter(|c| c.created_at <= now).count() as u32,
        ..UsageMetrics::default()
    };
    let rows = &data.usage[..data.usage.partition_point(|u| u.day <= today)];
    m.tracked = !rows.is_empty();
    m.last_activity = rows.iter().rev().find(|u| u.connections > 0).map(|u| u.day);
    let back = |day: NaiveDate| (today - day).num_days();
    let window = &rows[rows.partition_point(|u| back(u.day) >= 60)..];
    // Users active over 30 days, over 7 days, and (day, user) pairs for DAU.
    let mut active: Vec<Id> = vec![];
    let mut week: Vec<Id> = vec![];
    let mut user_days = 0u32;
    let mut last_pair = None;
    let mut features: Vec<(&str, u64, u64)> = vec![];
    for u in window {
        let recent = back(u.day) < 30;
        let c = u64::from(u.connections);
        if recent {
            m.connections_30d += c;
        } else {
            m.connections_prev_30d += c;
        }
        for (name, n) in &u.features {
            let n = u64::from(*n);
            let slot = match features.iter().position(|f| *f.0 == **name) {
                Some(k) => k,
                None => {
                    features.push((name, 0, 0));
                    features.len() - 1
                }
            };
            if recent {
                features[slot].1 += n;
            } else {
                features[slot].2 += n;
            }
        }
        if let (true, true, Some(who)) = (recent, u.connections > 0, u.contact_id) {
            active.push(who);
            if back(u.day) < 7 {
                week.push(who);
            }
            // Rows are sorted by (day, contact): equal pairs are adjacent.
            if last_pair != Some((u.day, who)) {
                user_days += 1;
                last_pair = Some((u.day, who));
            }
        }
    }
    for v in [&mut active, &mut week] {
        v.sort_unstable();
        v.dedup();
    }
    m.trend_pct = percent(m.connections_30d, m.connections_prev_30d);
    // Only contacts of the account (as it stood at `now`) count as active users.
    m.active_users = active
        .iter()
        .filter(|c| {
            data.contacts
                .iter()
                .any(|k| k.id == **c && k.created_at <= now)
        })
        .count() as u32;
    m.active_users_pct =
        (m.contacts > 0).then(|| f64::from(m.active_users) * 100.0 / f64::from(m.contacts));
    m.mau = active.len() as u32;
    m.wau = week.len() as u32;
    m.dau = f64::from(user_days) / 30.0;
    m.features = features
        .into_iter()
        .filter(|(_, a, b)| a + b > 0)
        .map(|(name, a, b)| FeatureUse {
            name: name.to_string(),
            uses_30d: a,
            uses_prev_30d: b,
            trend_pct: percent(a, b),
        })
        .collect();
    m.features
        .sort_by(|a, b| b.uses_30d.cmp(&a.uses_30d).then(a.name.cmp(&b.name)));
    m
}

fn percent(now: u64, before: u64) -> Option<f64> {
    (before > 0).then(|| now as f64 * 100.0 / before as f64)
}

/// Whether a case was open at `now` (opened by then, not resolved by then).
pub fn open_at(c: &SupportCase, now: Timestamp) -> bool {
    c.opened_at <= now
        && match c.resolved_at {
            Some(r) => r > now,
            None => c.status.is_open(),
        }
}

/// Whole days from `then` to `now` (0 on the same day).
pub fn days_since(now: Timestamp, then: Timestamp) -> f64 {
    (now.date_naive() - then.date_naive()).num_days().max(0) as f64
}

/// `now` minus whole days.
pub fn days_before(now: Timestamp, days: i64) -> Timestamp {
    now - TimeDelta::days(days)
}
