//! Zendesk's exports as JSON: tickets from the incremental export API
//! (`/api/v2/incremental/tickets/cursor.json`, one page per file or one page per
//! line), organizations and users from theirs (`{"organizations": [...]}`,
//! `{"users": [...]}`). Organizations are matched to the accounts (by their
//! Zendesk id once known, else their first domain; never created), end users to
//! contacts by email (created at their organization's account when unknown),
//! tickets become support cases of the ticket's organization (or its requester's).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};
use tend_domain::EntityKind;

use super::{Read, RefKey, SourceProblem, SourceRecord, normalise_domain};

pub const SYSTEM: &str = "zendesk";

#[derive(Deserialize, Default)]
struct Page {
    #[serde(default)]
    tickets: Option<Vec<Value>>,
    #[serde(default)]
    organizations: Option<Vec<Value>>,
    #[serde(default)]
    users: Option<Vec<Value>>,
}

/// The ticket fields read; the others are listed as unused.
const TICKET_FIELDS: &[&str] = &[
    "id",
    "subject",
    "raw_subject",
    "status",
    "priority",
    "created_at",
    "updated_at",
    "organization_id",
    "requester_id",
    "tags",
    "satisfaction_rating",
    "metric_set",
    "url",
    "external_id",
];

/// Reads Zendesk export files (`name` each, bytes).
pub fn read(files: &[(String, Vec<u8>)]) -> Read {
    let mut out = Read::default();
    let mut tickets: Vec<(String, Value)> = vec![];
    let mut organizations: Vec<(String, Value)> = vec![];
    let mut users: Vec<(String, Value)> = vec![];
    for (file, bytes) in files {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut pages: Vec<(String, Page)> = vec![];
        match serde_json::from_slice::<Page>(bytes) {
            Ok(page) => pages.push((file.clone(), page)),
            Err(whole) => {
                // One page, or one ticket, per line.
                for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let place = format!("{file}:{}", n + 1);
                    match serde_json::from_slice::<Value>(line) {
                        Ok(v) if v.get("subject").is_some() || v.get("status").is_some() => {
                            tickets.push((place, v));
                        }
                        Ok(v) => match serde_json::from_value::<Page>(v) {
                            Ok(page) => pages.push((place, page)),
                            Err(e) => out.problems.push(problem(&place, None, e.to_string())),
                        },
                        Err(e) if n == 0 => {
                            out.problems.push(problem(
                                file,
                                None,
                                format!("not a Zendesk JSON export: {whole}; as JSON lines: {e}"),
                            ));
                            break;
                        }
                        Err(e) => out.problems.push(problem(&place, None, e.to_string())),
                    }
                }
            }
        }
        for (place, page) in pages {
            let none =
                page.tickets.is_none() && page.organizations.is_none() && page.users.is_none();
            if none {
                out.problems.push(problem(
                    &place,
                    None,
                    "no \"tickets\", \"organizations\" or \"users\" in it: not a Zendesk export"
                        .into(),
                ));
            }
            let at = |i: usize, what: &str| format!("{place} {what}[{i}]");
            for (i, t) in page.tickets.into_iter().flatten().enumerate() {
                tickets.push((at(i, "tickets"), t));
            }
            for (i, o) in page.organizations.into_iter().flatten().enumerate() {
                organizations.push((at(i, "organizations"), o));
            }
            for (i, u) in page.users.into_iter().flatten().enumerate() {
                users.push((at(i, "users"), u));
            }
        }
    }
    // Organizations: matched, never created.
    for (place, o) in &organizations {
        let Some(id) = id_of(o.get("id")) else {
            out.problems.push(problem(
                place,
                Some("id"),
                "an organization without an id".into(),
            ));
            continue;
        };
        let mut r = SourceRecord::new(EntityKind::Account, SYSTEM, &id, place.clone());
        let domain = o
            .get("domain_names")
            .and_then(Value::as_array)
            .and_then(|d| {
                d.iter()
                    .filter_map(Value::as_str)
                    .find_map(normalise_domain)
            });
        if let Some(d) = domain {
            r.set("domain", d);
        }
        r.update_only = true;
        r.skip_unmatched = true;
        out.records.push(r);
    }
    // End users: contacts of their organization's account.
    let mut user_org: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    let mut agents = 0;
    for (place, u) in &users {
        let Some(id) = id_of(u.get("id")) else {
            out.problems
                .push(problem(place, Some("id"), "a user without an id".into()));
            continue;
        };
        let email = u
            .get("email")
            .and_then(Value::as_str)
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| e.contains('@'));
        let org = id_of(u.get("organization_id"));
        user_org.insert(id.clone(), (org.clone(), email.clone()));
        if matches!(
            u.get("role").and_then(Value::as_str),
            Some("agent" | "admin")
        ) {
            agents += 1;
            continue;
        }
        let mut r = SourceRecord::new(EntityKind::Contact, SYSTEM, &id, place.clone());
        if let Some(e) = &email {
            r.set("email", e.as_str());
        }
        let name = u
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
            .map(str::to_string)
            .or_else(|| email.clone())
            .unwrap_or_else(|| format!("Zendesk user {id}"));
        r.on_create.insert("name".into(), json!(name));
        match (&org, email_domain(email.as_deref())) {
            (Some(org), _) => {
                r.refer("account_id", EntityKind::Account, external(org));
            }
            (None, Some(d)) => {
                r.refer("account_id", EntityKind::Account, RefKey::Domain(d));
            }
            (None, None) => r.update_only = true,
        }
        r.skip_unmatched = true;
        r.refs_on_create = true;
        out.records.push(r);
    }
    if agents > 0 {
        out.skipped.push(problem(
            "users",
            Some("role"),
            format!("{agents} agent(s) and admin(s): the team's own people, not contacts"),
        ));
    }
    // Tickets: support cases.
    let mut unused: std::collections::BTreeSet<String> = Default::default();
    for (place, t) in &tickets {
        if let Some(map) = t.as_object() {
            for key in map.keys() {
                if !TICKET_FIELDS.contains(&key.as_str()) && !map[key].is_null() {
                    unused.insert(key.clone());
                }
            }
        }
        if let Some(r) = ticket(place, t, &user_org, &mut out) {
            out.records.push(r);
        }
    }
    if !unused.is_empty() {
        out.unused_columns.push(format!(
            "tickets: {}",
            unused.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    out
}

fn ticket(
    place: &str,
    t: &Value,
    user_org: &HashMap<String, (Option<String>, Option<String>)>,
    out: &mut Read,
) -> Option<SourceRecord> {
    let text = |k: &str| t.get(k).and_then(Value::as_str).map(str::trim);
    let Some(id) = id_of(t.get("id")) else {
        out.problems
            .push(problem(place, Some("id"), "a ticket without an id".into()));
        return None;
    };
    let status = match text("status").unwrap_or("") {
        s @ ("new" | "open" | "pending" | "hold" | "solved" | "closed") => s,
        "deleted" => {
            out.skipped.push(problem(
                place,
                Some("status"),
                format!("ticket {id} was deleted"),
            ));
            return None;
        }
        other => {
            out.problems.push(problem(
                place,
                Some("status"),
                format!(
                    "unknown status '{other}' (new, open, pending, hold, solved, closed, deleted)"
                ),
            ));
            return None;
        }
    };
    let (priority, severity) = match text("priority").unwrap_or("normal") {
        "urgent" => ("urgent", 1),
        "high" => ("high", 2),
        "normal" | "" => ("normal", 3),
        "low" => ("low", 4),
        other => {
            out.problems.push(problem(
                place,
                Some("priority"),
                format!("unknown priority '{other}' (urgent, high, normal, low)"),
            ));
            return None;
        }
    };
    let Some(created) = text("created_at") else {
        out.problems
            .push(problem(place, Some("created_at"), "missing".into()));
        return None;
    };
    let mut r = SourceRecord::new(EntityKind::SupportCase, SYSTEM, &id, place.to_string());
    let subject = text("subject")
        .or(text("raw_subject"))
        .filter(|s| !s.is_empty())
        .unwrap_or("(no subject)");
    r.set("number", id.as_str())
        .set("subject", subject)
        .set("status", status)
        .set("priority", priority)
        .set("severity", severity)
        .set("opened_at", created);
    let solved = t
        .pointer("/metric_set/solved_at")
        .and_then(Value::as_str)
        .or(text("updated_at"));
    match (status, solved) {
        ("solved" | "closed", Some(at)) => r.set("resolved_at", at),
        _ => r.set("resolved_at", Value::Null),
    };
    let tags: Vec<&str> = t
        .get("tags")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    r.set(
        "escalated",
        tags.iter()
            .any(|t| matches!(*t, "escalated" | "escalation" | "escalate")),
    );
    let csat = match t
        .pointer("/satisfaction_rating/score")
        .and_then(Value::as_str)
    {
        Some("good") => json!(5),
        Some("bad") => json!(1),
        _ => Value::Null,
    };
    r.set("csat", csat);
    r.on_create.insert("source".into(), json!("import"));
    // The ticket's organization; else its requester's; else the requester's domain.
    let requester = id_of(t.get("requester_id"));
    let known = requester.as_ref().and_then(|u| user_org.get(u));
    let key = match (id_of(t.get("organization_id")), known) {
        (Some(org), _) => Some(external(&org)),
        (None, Some((Some(org), _))) => Some(external(org)),
        (None, Some((None, email))) => email_domain(email.as_deref()).map(RefKey::Domain),
        (None, None) => None,
    };
    let Some(key) = key else {
        out.skipped.push(problem(
            place,
            Some("organization_id"),
            format!("ticket {id} has no organization and its requester is not in the users export"),
        ));
        return None;
    };
    r.refer("account_id", EntityKind::Account, key);
    r.skip_unmatched = true;
    Some(r)
}

fn external(org: &str) -> RefKey {
    RefKey::External {
        system: SYSTEM.into(),
        external_id: org.to_string(),
    }
}

fn email_domain(email: Option<&str>) -> Option<String> {
    email?
        .rsplit_once('@')
        .and_then(|(_, d)| normalise_domain(d))
}

/// An id Zendesk writes as a number (or, in some exports, a string).
fn id_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn problem(place: &str, field: Option<&str>, message: String) -> SourceProblem {
    SourceProblem {
        place: place.to_string(),
        field: field.map(str::to_string),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORGS: &str = r#"{"organizations":[{"id":361,"name":"Acme","domain_names":["acme.com","acme.io"],"created_at":"2025-01-01T00:00:00Z"}],"next_page":null,"count":1}"#;
    const USERS: &str = r#"{"users":[{"id":11,"name":"Pat Doe","email":"Pat@acme.com","organization_id":361,"role":"end-user"},{"id":12,"name":"Agent Smith","email":"smith@tend.example","role":"agent","organization_id":null}]}"#;
    const TICKETS: &str = r#"{"tickets":[
      {"id":35436,"subject":"Export broken","status":"open","priority":"urgent","created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-02T10:00:00Z","organization_id":null,"requester_id":11,"tags":["escalated","export"],"satisfaction_rating":{"score":"unoffered"},"custom_fields":[{"id":27642,"value":"745"}],"via":{"channel":"email"}},
      {"id":35437,"subject":"How to SSO","status":"solved","priority":null,"created_at":"2026-10-01T10:00:00Z","updated_at":"2026-10-03T10:00:00Z","organization_id":361,"requester_id":11,"tags":[],"satisfaction_rating":{"score":"good"}},
      {"id":35438,"subject":"Spam","status":"deleted","priority":"low","created_at":"2026-10-01T10:00:00Z","organization_id":361},
      {"id":35439,"subject":"?","status":"weird","priority":"low","created_at":"2026-10-01T10:00:00Z","organization_id":361}
    ],"after_cursor":"MTU3NjYxMzUzOS4wfHw0Njd8","end_of_stream":true}"#;

    #[test]
    fn organizations_users_and_tickets() {
        let read = read(&[
            ("organizations.json".into(), ORGS.as_bytes().to_vec()),
            ("users.json".into(), USERS.as_bytes().to_vec()),
            ("tickets.json".into(), TICKETS.as_bytes().to_vec()),
        ]);
        assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
        assert_eq!(read.problems[0].field.as_deref(), Some("status"));
        let org = &read.records[0];
        assert!(org.update_only && org.skip_unmatched);
        assert_eq!(org.fields["domain"], "acme.com");
        let contact = &read.records[1];
        assert_eq!(contact.kind, EntityKind::Contact);
        assert_eq!(contact.fields["email"], "pat@acme.com");
        let cases: Vec<_> = read
            .records
            .iter()
            .filter(|r| r.kind == EntityKind::SupportCase)
            .collect();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].fields["priority"], "urgent");
        assert_eq!(cases[0].fields["escalated"], true);
        assert_eq!(
            cases[0].refs[0].key,
            external("361"),
            "the requester's organization"
        );
        assert_eq!(cases[1].fields["csat"], 5);
        assert_eq!(cases[1].fields["resolved_at"], "2026-10-03T10:00:00Z");
        assert_eq!(cases[1].fields["priority"], "normal");
        assert_eq!(read.skipped.len(), 2, "the agent and the deleted ticket");
        assert_eq!(read.unused_columns, ["tickets: custom_fields, via"]);
    }

    #[test]
    fn one_page_per_line() {
        let lines = format!("{}\n{}\n", ORGS, TICKETS.replace('\n', ""));
        let read = read(&[("export.jsonl".into(), lines.into_bytes())]);
        // The organization and ticket 35437; 35436's requester is in no users export.
        assert_eq!(read.records.len(), 2, "{:?}", read.problems);
        assert!(read.skipped.iter().any(|s| s.message.contains("35436")));
    }
}
