//! Freshdesk's ticket export (Tickets > Export, CSV; commas or semicolons, a
//! byte-order mark or not). Each ticket becomes a support case keyed by its
//! "Ticket ID", of the account named by "Company Name" or, without one, of the
//! account of the requester's email domain; a ticket of no account found is
//! left out and listed.
//!
//! Freshdesk writes times without a zone, in the helpdesk's own time zone: they
//! are read as UTC (a helpdesk elsewhere sees its cases shifted by its offset).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, SecondsFormat};
use serde_json::{Value, json};
use tend_domain::EntityKind;

use super::csv_file::{self, Table};
use super::{Read, RefKey, SourceProblem, SourceRecord, normalise_domain};

pub const SYSTEM: &str = "freshdesk";

/// Reads Freshdesk ticket exports (`name` each, bytes).
pub fn read(files: &[(String, Vec<u8>)]) -> Read {
    let mut out = Read::default();
    // Each ticket's first place in the load.
    let mut seen: HashMap<String, String> = HashMap::new();
    for (name, bytes) in files {
        let table = match csv_file::read(bytes, name) {
            Ok(t) => t,
            Err(p) => {
                out.problems.push(p);
                continue;
            }
        };
        if table.column(&["Ticket ID", "Ticket Id"]).is_none() {
            out.problems.push(problem(
                name,
                Some("Ticket ID"),
                "not a Freshdesk ticket export (no \"Ticket ID\" column)".into(),
            ));
            continue;
        }
        tickets(&table, &mut seen, &mut out);
    }
    out
}

/// The columns a reader takes, by their header.
struct Columns<'t> {
    table: &'t Table,
    used: Vec<bool>,
}

impl<'t> Columns<'t> {
    fn new(table: &'t Table) -> Self {
        Columns {
            table,
            used: vec![false; table.headers.len()],
        }
    }

    /// The column (by the first of `names` the file has) and the header it has.
    fn take(&mut self, names: &[&str]) -> Option<(usize, &'t str)> {
        let i = self.table.column(names)?;
        self.used[i] = true;
        Some((i, self.table.headers[i].as_str()))
    }

    /// The columns nobody took, reported.
    fn unused(self, out: &mut Read) {
        for (i, used) in self.used.iter().enumerate() {
            if !used && !self.table.headers[i].is_empty() {
                out.unused_columns.push(format!(
                    "{}: \"{}\"",
                    self.table.file, self.table.headers[i]
                ));
            }
        }
    }
}

type Column<'t> = Option<(usize, &'t str)>;

fn cell<'r>(row: &'r [String], column: Column) -> &'r str {
    column
        .and_then(|(i, _)| row.get(i))
        .map_or("", String::as_str)
}

/// A column's header as the file has it, for problems.
fn header<'t>(column: Column<'t>, default: &'t str) -> &'t str {
    column.map_or(default, |(_, h)| h)
}

fn problem(place: &str, field: Option<&str>, message: String) -> SourceProblem {
    SourceProblem {
        place: place.to_string(),
        field: field.map(str::to_string),
        message,
    }
}

fn key(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Freshdesk's default statuses to a case's.
fn status_of(text: &str) -> Option<&'static str> {
    Some(match key(text).as_str() {
        "open" => "open",
        "pending" | "waitingoncustomer" => "pending",
        "waitingonthirdparty" => "hold",
        "resolved" => "solved",
        "closed" => "closed",
        _ => return None,
    })
}

/// A priority to a case's priority and severity; empty: normal.
fn priority_of(text: &str) -> Option<(&'static str, u8)> {
    Some(match key(text).as_str() {
        "urgent" => ("urgent", 1),
        "high" => ("high", 2),
        "medium" | "normal" | "" => ("normal", 3),
        "low" => ("low", 4),
        _ => return None,
    })
}

/// A satisfaction survey's answer (a label of Freshdesk's surveys, or a score)
/// as a CSAT of 1..=5; `Ok(None)` when unanswered.
fn csat_of(text: &str) -> Result<Option<u8>, String> {
    let score = match key(text).as_str() {
        "" => return Ok(None),
        "extremelysatisfied" | "verysatisfied" | "awesome" => 5,
        "satisfied" | "good" => 4,
        "neutral" | "justokay" | "okay" | "neithersatisfiednordissatisfied" => 3,
        "dissatisfied" | "bad" | "notgood" => 2,
        "extremelydissatisfied" | "verydissatisfied" => 1,
        k => match k.parse::<u8>() {
            Ok(n @ 1..=5) => n,
            _ => {
                return Err(format!(
                    "unknown survey result '{text}' (Extremely satisfied, Satisfied, Neutral, \
                     Dissatisfied, Extremely dissatisfied, Awesome, Good, Bad, or 1 to 5)"
                ));
            }
        },
    };
    Ok(Some(score))
}

/// A time as Freshdesk exports it (`2026-11-02 09:12:44`, `2026-11-02 09:12`,
/// `02-11-2026 09:12:44`, day first), read as UTC; an RFC 3339 time is taken
/// with its offset.
pub fn parse_time(text: &str) -> Option<DateTime<chrono::Utc>> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Some(at.to_utc());
    }
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d-%m-%Y %H:%M:%S",
        "%d-%m-%Y %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .map(|at| at.and_utc())
}

fn rfc3339(at: DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn tickets(table: &Table, seen: &mut HashMap<String, String>, out: &mut Read) {
    let mut c = Columns::new(table);
    let id = c.take(&["Ticket ID", "Ticket Id"]);
    let subject = c.take(&["Subject"]);
    let status = c.take(&["Status"]);
    let priority = c.take(&["Priority"]);
    let group = c.take(&["Group"]);
    let created = c.take(&["Created time", "Created at"]);
    let resolved = c.take(&["Resolved time", "Resolved at"]);
    let closed = c.take(&["Closed time", "Closed at"]);
    let tags = c.take(&["Tags"]);
    let survey = c.take(&["Survey results", "Survey result", "Satisfaction rating"]);
    let company = c.take(&["Company Name", "Company"]);
    let email = c.take(&["Email", "Requester email", "Contact email"]);
    for (line, row) in &table.rows {
        let place = format!("{}:{line}", table.file);
        let bad = |out: &mut Read, column: Column, default: &str, message: String| {
            out.problems
                .push(problem(&place, Some(header(column, default)), message));
        };
        let number = cell(row, id);
        if number.is_empty() {
            bad(out, id, "Ticket ID", "empty".into());
            continue;
        }
        if let Some(first) = seen.get(number) {
            out.skipped.push(problem(
                &place,
                Some(header(id, "Ticket ID")),
                format!("ticket {number} again: duplicate of {first}"),
            ));
            continue;
        }
        seen.insert(number.to_string(), place.clone());
        let status_text = cell(row, status);
        let Some(status_value) = status_of(status_text) else {
            bad(
                out,
                status,
                "Status",
                format!(
                    "unknown status '{status_text}' (Open, Pending, Resolved, Closed, \
                     Waiting on Customer, Waiting on Third Party)"
                ),
            );
            continue;
        };
        let priority_text = cell(row, priority);
        let Some((priority_value, severity)) = priority_of(priority_text) else {
            bad(
                out,
                priority,
                "Priority",
                format!("unknown priority '{priority_text}' (Urgent, High, Medium, Low)"),
            );
            continue;
        };
        // A time of the ticket: `Ok(None)` when empty.
        let time = |column: Column| -> Result<Option<DateTime<chrono::Utc>>, String> {
            match cell(row, column) {
                "" => Ok(None),
                text => parse_time(text).map(Some).ok_or_else(|| {
                    format!(
                        "'{text}' is not a time (2026-11-02 09:12:44, 2026-11-02 09:12 \
                         or 02-11-2026 09:12:44)"
                    )
                }),
            }
        };
        let opened_at = match time(created) {
            Ok(Some(at)) => at,
            Ok(None) => {
                bad(out, created, "Created time", "empty".into());
                continue;
            }
            Err(e) => {
                bad(out, created, "Created time", e);
                continue;
            }
        };
        let (resolved_at, closed_at) = match (time(resolved), time(closed)) {
            (Ok(r), Ok(c)) => (r, c),
            (Err(e), _) => {
                bad(out, resolved, "Resolved time", e);
                continue;
            }
            (_, Err(e)) => {
                bad(out, closed, "Closed time", e);
                continue;
            }
        };
        let csat = match csat_of(cell(row, survey)) {
            Ok(csat) => csat,
            Err(e) => {
                bad(out, survey, "Survey results", e);
                continue;
            }
        };
        // The ticket's company; else its requester's email domain.
        let company_name = cell(row, company);
        let requester = cell(row, email);
        let account = match company_name {
            "" => requester
                .rsplit_once('@')
                .and_then(|(_, d)| normalise_domain(d))
                .map(RefKey::Domain),
            name => Some(RefKey::Name(name.to_string())),
        };
        let Some(account) = account else {
            out.skipped.push(problem(
                &place,
                Some(header(company, "Company Name")),
                format!("ticket {number} has no company and no requester email to find one by"),
            ));
            continue;
        };
        let mut r = SourceRecord::new(EntityKind::SupportCase, SYSTEM, number, place.clone());
        let subject = match cell(row, subject) {
            "" => "(no subject)",
            s => s,
        };
        r.set("number", number)
            .set("subject", subject)
            .set("status", status_value)
            .set("priority", priority_value)
            .set("severity", severity)
            .set("opened_at", rfc3339(opened_at));
        let done = matches!(status_value, "solved" | "closed");
        r.set(
            "resolved_at",
            match resolved_at.or(closed_at) {
                Some(at) if done => json!(rfc3339(at)),
                _ => Value::Null,
            },
        );
        if group.is_some() {
            r.set("team", cell(row, group));
        }
        if tags.is_some() {
            let escalated = cell(row, tags)
                .split([',', ';'])
                .map(|t| t.trim().to_ascii_lowercase())
                .any(|t| t == "escalated" || t == "escalation");
            r.set("escalated", escalated);
        }
        if survey.is_some() {
            r.set("csat", csat.map_or(Value::Null, |n| json!(n)));
        }
        r.on_create.insert("source".into(), json!("import"));
        r.refer("account_id", EntityKind::Account, account);
        r.skip_unmatched = true;
        out.records.push(r);
    }
    c.unused(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKETS: &[u8] = include_bytes!("../../../../tests/fixtures/freshdesk/tickets.csv");
    const BAD: &[u8] = include_bytes!("../../../../tests/fixtures/freshdesk/tickets-bad.csv");

    fn case<'r>(read: &'r Read, id: &str) -> &'r SourceRecord {
        read.records
            .iter()
            .find(|r| r.external_id == id)
            .unwrap_or_else(|| panic!("no ticket {id}"))
    }

    fn fixture() -> Read {
        read(&[("tickets.csv".into(), TICKETS.to_vec())])
    }

    #[test]
    fn tickets_from_a_semicolon_export_with_mixed_date_formats() {
        let read = fixture();
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(read.records.len(), 5);
        assert!(
            read.records
                .iter()
                .all(|r| r.kind == EntityKind::SupportCase
                    && r.system == SYSTEM
                    && r.skip_unmatched)
        );

        let export = case(&read, "1001");
        assert_eq!(export.place, "tickets.csv:2");
        assert_eq!(export.fields["number"], "1001");
        assert_eq!(
            export.fields["subject"],
            "Export to CSV fails for large reports"
        );
        assert_eq!(export.fields["status"], "open");
        assert_eq!(export.fields["priority"], "urgent");
        assert_eq!(export.fields["severity"], 1);
        assert_eq!(export.fields["team"], "Tier 2");
        assert_eq!(export.fields["opened_at"], "2026-11-02T09:12:44Z");
        assert_eq!(export.fields["resolved_at"], Value::Null);
        assert_eq!(export.fields["escalated"], true);
        assert_eq!(export.fields["csat"], Value::Null);
        assert_eq!(export.on_create["source"], "import");
        assert_eq!(export.refs[0].key, RefKey::Name("Northwind Traders".into()));
        assert_eq!(export.refs[0].field, "account_id");

        // Day first, and a resolved time without seconds.
        let sso = case(&read, "1002");
        assert_eq!(sso.fields["status"], "solved");
        assert_eq!(sso.fields["priority"], "high");
        assert_eq!(sso.fields["severity"], 2);
        assert_eq!(sso.fields["opened_at"], "2026-10-28T14:05:10Z");
        assert_eq!(sso.fields["resolved_at"], "2026-10-29T08:30:00Z");
        assert_eq!(sso.fields["csat"], 5);
        assert_eq!(sso.fields["escalated"], false);

        // A quoted subject holding the delimiter; no company: the email's domain.
        let api = case(&read, "1003");
        assert_eq!(
            api.fields["subject"],
            "Question about API limits; batch endpoint"
        );
        assert_eq!(api.fields["status"], "hold");
        assert_eq!(api.fields["priority"], "normal");
        assert_eq!(api.fields["severity"], 3);
        assert_eq!(api.refs[0].key, RefKey::Domain("fabrikam.example".into()));

        // Closed with no resolved time: the closed one.
        let invoice = case(&read, "1004");
        assert_eq!(invoice.fields["status"], "closed");
        assert_eq!(invoice.fields["severity"], 4);
        assert_eq!(invoice.fields["opened_at"], "2026-10-15T10:00:00Z");
        assert_eq!(invoice.fields["resolved_at"], "2026-10-16T09:15:00Z");
        assert_eq!(invoice.fields["csat"], 2);

        let slow = case(&read, "1005");
        assert_eq!(slow.fields["status"], "pending");
        assert_eq!(slow.fields["opened_at"], "2026-11-03T08:00:00Z");
        assert_eq!(slow.fields["escalated"], true, "\"Escalation\" among tags");
        assert_eq!(slow.fields["csat"], 4);

        let skipped: Vec<(&str, &str)> = read
            .skipped
            .iter()
            .map(|s| (s.place.as_str(), s.message.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                (
                    "tickets.csv:7",
                    "ticket 1006 has no company and no requester email to find one by"
                ),
                (
                    "tickets.csv:8",
                    "ticket 1002 again: duplicate of tickets.csv:3"
                ),
            ]
        );
        assert!(
            read.unused_columns
                .contains(&"tickets.csv: \"Agent\"".to_string())
        );
        assert!(
            !read
                .unused_columns
                .iter()
                .any(|c| c.contains("\"Ticket ID\"") || c.contains("\"Survey results\""))
        );
    }

    #[test]
    fn a_duplicate_across_files_is_skipped() {
        let read = read(&[
            ("tickets.csv".into(), TICKETS.to_vec()),
            ("again.csv".into(), TICKETS.to_vec()),
        ]);
        assert_eq!(read.records.len(), 5);
        assert!(read.skipped.iter().any(|s| s.place == "again.csv:2"
            && s.message == "ticket 1001 again: duplicate of tickets.csv:2"));
    }

    #[test]
    fn a_dirty_export_names_each_bad_column() {
        let read = read(&[("tickets-bad.csv".into(), BAD.to_vec())]);
        let problems: Vec<(&str, Option<&str>)> = read
            .problems
            .iter()
            .map(|p| (p.place.as_str(), p.field.as_deref()))
            .collect();
        assert_eq!(
            problems,
            [
                ("tickets-bad.csv:2", Some("Status")),
                ("tickets-bad.csv:3", Some("Created time")),
                ("tickets-bad.csv:4", Some("Priority")),
                ("tickets-bad.csv:5", Some("Survey results")),
            ]
        );
        assert!(read.problems[0].message.contains("Awaiting Approval"));
        assert!(read.problems[0].message.contains("Waiting on Third Party"));
        assert!(read.problems[1].message.contains("yesterday afternoon"));
        assert_eq!(read.records.len(), 1);
        assert_eq!(read.records[0].external_id, "2005");
        assert!(read.unused_columns.is_empty(), "{:?}", read.unused_columns);
    }

    #[test]
    fn times_in_each_format_read_as_utc() {
        for text in [
            "2026-11-02 09:12:44",
            "02-11-2026 09:12:44",
            "2026-11-02T09:12:44Z",
            "2026-11-02T10:12:44+01:00",
        ] {
            assert_eq!(
                parse_time(text).map(rfc3339).as_deref(),
                Some("2026-11-02T09:12:44Z"),
                "{text}"
            );
        }
        assert_eq!(
            parse_time("2026-11-02 09:12").map(rfc3339).as_deref(),
            Some("2026-11-02T09:12:00Z")
        );
        assert_eq!(parse_time("11/02/2026 09:12"), None);
        assert_eq!(parse_time("2026-13-02 09:12:44"), None);
    }

    #[test]
    fn survey_results_as_csat() {
        for (text, csat) in [
            ("Extremely satisfied", Some(5)),
            ("Awesome", Some(5)),
            ("Satisfied", Some(4)),
            ("Good", Some(4)),
            ("Neutral", Some(3)),
            ("Dissatisfied", Some(2)),
            ("Bad", Some(2)),
            ("Extremely dissatisfied", Some(1)),
            ("3", Some(3)),
            ("", None),
        ] {
            assert_eq!(csat_of(text), Ok(csat), "{text}");
        }
        assert!(csat_of("6").is_err());
        assert!(csat_of("Meh").is_err());
    }

    #[test]
    fn not_a_ticket_export() {
        let read = read(&[("x.csv".into(), b"Name,Email\nA,a@b.c\n".to_vec())]);
        assert_eq!(read.problems.len(), 1);
        assert_eq!(read.problems[0].place, "x.csv");
    }
}
