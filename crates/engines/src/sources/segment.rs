//! Segment Spec events as JSON lines (a Segment export, an S3 or warehouse dump
//! written one event per line): `identify` names a product user, `group` ties a
//! user to a group (the account, matched by the group's id once known, else by
//! its website's domain, never created), `track`, `page` and `screen` are usage:
//! counted per user and day into connections, minutes and features (a tracked
//! event's name), each event once by its `messageId`. A user seen for the first
//! time becomes a product user of their account.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate};
use serde::Deserialize;
use serde_json::json;
use tend_domain::EntityKind;

use super::{
    Read, RefKey, SourceProblem, SourceRecord, SourceUsage, UsageEvent, fnv1a, normalise_domain,
};

pub const SYSTEM: &str = "segment";

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "messageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(rename = "userId", borrow, default)]
    user_id: Option<IdValue<'a>>,
    #[serde(rename = "groupId", borrow, default)]
    group_id: Option<IdValue<'a>>,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "originalTimestamp", borrow, default)]
    original_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    context: Option<Context<'a>>,
    #[serde(borrow, default)]
    traits: Option<Traits<'a>>,
}

#[derive(Deserialize)]
struct Context<'a> {
    #[serde(rename = "groupId", borrow, default)]
    group_id: Option<IdValue<'a>>,
}

#[derive(Deserialize, Default)]
struct Traits<'a> {
    #[serde(borrow, default)]
    email: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    website: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    domain: Option<Cow<'a, str>>,
}

/// An id Segment may hold as a string or a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdValue<'a> {
    Text(#[serde(borrow)] Cow<'a, str>),
    Number(serde_json::Number),
}

impl IdValue<'_> {
    fn text(&self) -> Option<Cow<'_, str>> {
        let s = match self {
            IdValue::Text(t) => Cow::Borrowed(t.trim()),
            IdValue::Number(n) => Cow::Owned(n.to_string()),
        };
        (!s.is_empty()).then_some(s)
    }
}

/// Names to small numbers, so that millions of events key on integers.
#[derive(Default)]
struct Names {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }
}

#[derive(Default)]
struct User {
    email: Option<String>,
    name: Option<String>,
    group: Option<u32>,
    place: String,
}

/// Reads Segment JSON-lines files (`name` each, bytes).
pub fn read(files: &[(String, Vec<u8>)]) -> Read {
    read_streams(
        files
            .iter()
            .map(|(name, bytes)| (name.clone(), std::io::Cursor::new(bytes.as_slice())))
            .collect(),
    )
}

/// Reads Segment JSON-lines streams a line at a time: memory holds what the
/// events add up to, never a whole file. A stream that fails to read is a problem.
pub fn read_streams<R: std::io::BufRead>(inputs: Vec<(String, R)>) -> Read {
    scan(inputs, Events::Keep)
}

/// What a read does with the usage events.
pub enum Events<'a> {
    /// Keep them all in [`Read::usage`].
    Keep,
    /// Only check them and learn their users (the first of two reads).
    Skip,
    /// Hand them over about this many at a time (the second read, after the
    /// first one's records are loaded): memory stays bounded by the batch.
    Batches(usize, &'a mut dyn FnMut(Vec<SourceUsage>)),
}

/// Reads the streams, doing `events` with the usage events.
pub fn scan<R: std::io::BufRead>(inputs: Vec<(String, R)>, mut events: Events) -> Read {
    let mut out = Read::default();
    let mut held = 0usize;
    let mut users = Names::default();
    let mut groups = Names::default();
    let mut user_info: HashMap<u32, User> = HashMap::new();
    let mut group_info: HashMap<u32, (Option<String>, String)> = HashMap::new();
    let mut features: HashMap<String, Arc<str>> = HashMap::new();
    // (group, user, day) -> its events; the group filled in from group calls after.
    let mut days: HashMap<(Option<u32>, Option<u32>, NaiveDate), usize> = HashMap::new();
    let mut usage: Vec<(Option<u32>, Option<u32>, SourceUsage)> = Vec::new();
    let mut ignored = 0u64;
    let mut buf = Vec::with_capacity(4096);
    let names: Vec<String> = inputs.iter().map(|(f, _)| f.clone()).collect();
    for (file, mut input) in inputs {
        let mut n = 0usize;
        loop {
            buf.clear();
            match input.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    out.problems.push(SourceProblem {
                        place: format!("{file}:{}", n + 1),
                        field: None,
                        message: format!("cannot read: {e}"),
                    });
                    break;
                }
            }
            let mut raw = buf.as_slice();
            if n == 0 {
                raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
            }
            n += 1;
            let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let place = || format!("{file}:{n}");
            let line: Line = match serde_json::from_slice(raw) {
                Ok(l) => l,
                Err(e) => {
                    out.problems.push(SourceProblem {
                        place: place(),
                        field: None,
                        message: format!("not a Segment event (JSON): {e}"),
                    });
                    continue;
                }
            };
            let kind = line.kind.as_deref().unwrap_or("");
            let user = line.user_id.as_ref().and_then(IdValue::text);
            let user = user.map(|u| users.id(&u));
            match kind {
                "identify" => {
                    let Some(user) = user else { continue };
                    let traits = line.traits.unwrap_or_default();
                    let info = user_info.entry(user).or_insert_with(|| User {
                        place: place(),
                        ..User::default()
                    });
                    if let Some(email) = traits.email.filter(|e| e.contains('@')) {
                        info.email = Some(email.trim().to_ascii_lowercase());
                    }
                    if let Some(name) = traits.name.filter(|n| !n.trim().is_empty()) {
                        info.name = Some(name.trim().to_string());
                    }
                }
                "group" => {
                    let Some(group) = line.group_id.as_ref().and_then(IdValue::text) else {
                        out.problems.push(SourceProblem {
                            place: place(),
                            field: Some("groupId".into()),
                            message: "a group call without a groupId".into(),
                        });
                        continue;
                    };
                    let group = groups.id(&group);
                    let traits = line.traits.unwrap_or_default();
                    let domain = traits
                        .domain
                        .as_deref()
                        .or(traits.website.as_deref())
                        .and_then(normalise_domain);
                    let entry = group_info.entry(group).or_insert((None, place()));
                    if domain.is_some() {
                        entry.0 = domain;
                    }
                    if let Some(user) = user {
                        user_info
                            .entry(user)
                            .or_insert_with(|| User {
                                place: place(),
                                ..User::default()
                            })
                            .group = Some(group);
                    }
                }
                "track" | "page" | "screen" => {
                    let stamp = line
                        .timestamp
                        .as_deref()
                        .or(line.original_timestamp.as_deref());
                    let Some(at) = stamp.and_then(|s| DateTime::parse_from_rfc3339(s).ok()) else {
                        out.problems.push(SourceProblem {
                            place: place(),
                            field: Some("timestamp".into()),
                            message: match stamp {
                                Some(s) => format!("'{s}' is not an ISO 8601 time"),
                                None => "an event without a timestamp".into(),
                            },
                        });
                        continue;
                    };
                    let at = at.to_utc();
                    let group = line
                        .context
                        .as_ref()
                        .and_then(|c| c.group_id.as_ref())
                        .and_then(IdValue::text)
                        .map(|g| groups.id(&g));
                    let feature = match (kind, line.event.as_deref()) {
                        ("track", Some(name)) if !name.trim().is_empty() => {
                            Some(match features.get(name) {
                                Some(f) => f.clone(),
                                None => {
                                    let f: Arc<str> = feature_key(name).into();
                                    features.insert(name.to_string(), f.clone());
                                    f
                                }
                            })
                        }
                        _ => None,
                    };
                    let id = match &line.message_id {
                        Some(m) => fnv1a(m.as_bytes()),
                        None => fnv1a(raw),
                    };
                    if let Some(user) = user {
                        let info = user_info.entry(user).or_insert_with(|| User {
                            place: place(),
                            ..User::default()
                        });
                        if info.group.is_none() {
                            info.group = group;
                        }
                    }
                    if matches!(events, Events::Skip) {
                        continue;
                    }
                    let day = at.date_naive();
                    let i = *days.entry((group, user, day)).or_insert_with(|| {
                        usage.push((
                            group,
                            user,
                            SourceUsage {
                                place: place(),
                                system: SYSTEM.into(),
                                account: None,
                                user: None,
                                day,
                                events: vec![],
                            },
                        ));
                        usage.len() - 1
                    });
                    usage[i].2.events.push(UsageEvent {
                        id,
                        at: at.timestamp_millis(),
                        feature,
                    });
                    held += 1;
                    if let Events::Batches(size, hand) = &mut events
                        && held >= *size
                    {
                        let batch = std::mem::take(&mut usage);
                        days.clear();
                        held = 0;
                        hand(with_accounts(batch, &users, &groups, &user_info));
                    }
                }
                _ => ignored += 1,
            }
        }
    }
    if ignored > 0 {
        out.skipped.push(SourceProblem {
            place: names.join(", "),
            field: Some("type".into()),
            message: format!(
                "{ignored} call(s) of another type than identify, group, track, page or screen (alias...) left out"
            ),
        });
    }
    let group_key = |g: u32| RefKey::External {
        system: SYSTEM.into(),
        external_id: groups.names[g as usize].clone(),
    };
    // The groups: matched to the accounts, never created. In the order first
    // seen (so a load creates its records, and gives them ids, in the same
    // order every time).
    let mut group_info: Vec<_> = group_info.into_iter().collect();
    group_info.sort_unstable_by_key(|(g, _)| *g);
    for (g, (domain, place)) in group_info {
        let mut r = SourceRecord::new(
            EntityKind::Account,
            SYSTEM,
            &groups.names[g as usize],
            place,
        );
        if let Some(d) = domain {
            r.set("domain", d.as_str());
        }
        r.update_only = true;
        r.skip_unmatched = true;
        out.records.push(r);
    }
    // The users: product users of their group's account, created the first time.
    let mut in_order: Vec<(&u32, &User)> = user_info.iter().collect();
    in_order.sort_unstable_by_key(|(u, _)| **u);
    for (&u, info) in in_order {
        let id = &users.names[u as usize];
        let mut r = SourceRecord::new(EntityKind::Contact, SYSTEM, id, info.place.clone());
        if let Some(email) = &info.email {
            r.set("email", email.as_str());
        }
        let name = info
            .name
            .clone()
            .or_else(|| info.email.clone())
            .unwrap_or_else(|| id.clone());
        r.on_create.insert("name".into(), json!(name));
        r.on_create.insert("kind".into(), json!("user"));
        r.on_create.insert("source".into(), json!("import"));
        let email_domain = info
            .email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .and_then(|(_, d)| normalise_domain(d));
        match (info.group, email_domain) {
            (Some(g), _) => {
                r.refer("account_id", EntityKind::Account, group_key(g));
            }
            (None, Some(d)) => {
                r.refer("account_id", EntityKind::Account, RefKey::Domain(d));
            }
            // Known from an earlier load, or not at all: only linked, never made up.
            (None, None) => r.update_only = true,
        }
        r.skip_unmatched = true;
        r.refs_on_create = true;
        out.records.push(r);
    }
    let usage = with_accounts(usage, &users, &groups, &user_info);
    match events {
        Events::Keep => out.usage = usage,
        Events::Skip => {}
        Events::Batches(_, hand) => {
            if !usage.is_empty() {
                hand(usage);
            }
        }
    }
    out
}

/// Events of (group, user, day) with their account (the event's group, else the
/// user's) and user named.
fn with_accounts(
    usage: Vec<(Option<u32>, Option<u32>, SourceUsage)>,
    users: &Names,
    groups: &Names,
    user_info: &HashMap<u32, User>,
) -> Vec<SourceUsage> {
    usage
        .into_iter()
        .map(|(group, user, mut u)| {
            let group = group.or_else(|| user.and_then(|u| user_info.get(&u)?.group));
            u.account = group.map(|g| RefKey::External {
                system: SYSTEM.into(),
                external_id: groups.names[g as usize].clone(),
            });
            u.user = user.map(|u| users.names[u as usize].clone());
            u
        })
        .collect()
}

/// A tracked event's name as a feature (`Report Exported` -> `report_exported`).
fn feature_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_become_users_groups_and_usage_per_day() {
        let lines = r#"{"type":"identify","userId":"u1","traits":{"email":"Pat@Acme.com","name":"Pat Doe"},"messageId":"m0","timestamp":"2026-11-20T09:00:00Z"}
{"type":"group","userId":"u1","groupId":"g-acme","traits":{"name":"Acme","website":"https://www.acme.com"},"messageId":"m1","timestamp":"2026-11-20T09:00:00Z"}
{"type":"track","userId":"u1","event":"Report Exported","messageId":"m2","timestamp":"2026-11-20T09:05:00Z","properties":{"format":"pdf"}}
{"type":"page","userId":"u1","name":"Dashboard","messageId":"m3","timestamp":"2026-11-20T09:20:00.123Z"}
{"type":"track","userId":"u1","event":"Report Exported","messageId":"m2","timestamp":"2026-11-20T09:05:00Z"}
{"type":"track","anonymousId":"a9","event":"Signed Up","messageId":"m4","timestamp":"2026-11-21T10:00:00+02:00","context":{"groupId":"g-acme"}}
{"type":"alias","userId":"u1","previousId":"a9","messageId":"m5"}
not json
{"type":"track","userId":7,"event":"x","messageId":"m6"}
"#;
        let read = read(&[("events.jsonl".into(), lines.as_bytes().to_vec())]);
        assert_eq!(read.problems.len(), 2, "{:?}", read.problems);
        assert_eq!(read.problems[0].place, "events.jsonl:8");
        assert_eq!(read.problems[1].field.as_deref(), Some("timestamp"));
        assert_eq!(read.skipped.len(), 1);
        let group = read
            .records
            .iter()
            .find(|r| r.kind == EntityKind::Account)
            .expect("the group");
        assert!(group.update_only && group.skip_unmatched);
        assert_eq!(group.fields["domain"], "acme.com");
        let user = read
            .records
            .iter()
            .find(|r| r.kind == EntityKind::Contact && r.external_id == "u1")
            .expect("the user");
        assert_eq!(user.fields["email"], "pat@acme.com");
        assert_eq!(user.on_create["name"], "Pat Doe");
        assert_eq!(user.on_create["kind"], "user");
        assert_eq!(
            user.refs[0].key,
            RefKey::External {
                system: SYSTEM.into(),
                external_id: "g-acme".into()
            }
        );
        assert_eq!(read.usage.len(), 2);
        let day = &read.usage[0];
        assert_eq!(day.user.as_deref(), Some("u1"));
        assert_eq!(day.events.len(), 3, "the duplicate is kept for the store");
        assert_eq!(day.events[0].feature.as_deref(), Some("report_exported"));
        let anonymous = &read.usage[1];
        assert_eq!(anonymous.user, None);
        assert_eq!(
            anonymous.day,
            NaiveDate::from_ymd_opt(2026, 11, 21).expect("day")
        );
    }

    #[test]
    fn feature_keys() {
        assert_eq!(feature_key(" Report Exported "), "report_exported");
        assert_eq!(feature_key("api-call/v2"), "api_call_v2");
    }
}
