//! Reading a dataset from bytes, with every problem located.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Dataset, FORMAT, FORMAT_VERSION, Problem, Problems, validate};

const SECTIONS: &[&str] = &[
    "accounts",
    "contacts",
    "interactions",
    "usage",
    "support_cases",
    "agreements",
    "opportunities",
    "projects",
    "tasks",
    "playbooks",
    "playbook_runs",
    "nps_responses",
    "documents",
    "alerts",
    "summaries",
    "success_plans",
    "objectives",
    "kpis",
    "business_challenges",
    "invoices",
    "payments",
    "change_log",
];

/// Parses and validates a dataset. `file` names it in the problems.
///
/// The well-formed case takes one typed pass; only when that fails is the file
/// walked record by record, so that every problem is reported, not only the first.
pub fn parse(bytes: &[u8], file: &str) -> Result<Dataset, Problems> {
    let fail = |problems: Vec<Problem>| Problems {
        file: file.to_string(),
        problems,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, col) = line_col(bytes, e.valid_up_to());
        fail(vec![Problem {
            place: format!("line {line}, column {col}"),
            field: None,
            message: "the file is not valid UTF-8 (tend reads datasets as UTF-8 JSON)".into(),
        }])
    })?;
    let dataset = match serde_json::from_str::<Dataset>(text) {
        Ok(d) => d,
        Err(_) => return Err(fail(locate_problems(text))),
    };
    let mut problems = header_problems(&dataset);
    problems.extend(validate(&dataset));
    if problems.is_empty() {
        Ok(dataset)
    } else {
        Err(fail(problems))
    }
}

fn header_problems(d: &Dataset) -> Vec<Problem> {
    let mut out = vec![];
    if d.format != FORMAT {
        out.push(Problem {
            place: "top level".into(),
            field: Some("format".into()),
            message: format!("expected \"{FORMAT}\", found \"{}\"", d.format),
        });
    }
    if d.format_version != FORMAT_VERSION {
        out.push(Problem {
            place: "top level".into(),
            field: Some("format_version".into()),
            message: format!(
                "this tend reads format version {FORMAT_VERSION}, the file has version {}",
                d.format_version
            ),
        });
    }
    out
}

fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

/// Walks the file record by record to list every problem.
fn locate_problems(text: &str) -> Vec<Problem> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let what = if e.is_eof() {
                "the JSON ends too early (truncated file?)".to_string()
            } else {
                format!("not valid JSON: {e}")
            };
            return vec![Problem {
                place: format!("line {}, column {}", e.line(), e.column()),
                field: None,
                message: what,
            }];
        }
    };
    let Value::Object(top) = value else {
        return vec![Problem {
            place: "top level".into(),
            field: None,
            message: "expected a JSON object with the dataset's sections".into(),
        }];
    };
    let mut out = vec![];
    for key in top.keys() {
        if !SECTIONS.contains(&key.as_str())
            && !["format", "format_version", "anchor"].contains(&key.as_str())
        {
            out.push(Problem {
                place: "top level".into(),
                field: Some(key.clone()),
                message: format!("unknown section (known: {})", SECTIONS.join(", ")),
            });
        }
    }
    for key in ["format", "format_version", "anchor"] {
        match top.get(key) {
            None => out.push(Problem {
                place: "top level".into(),
                field: Some(key.into()),
                message: "missing".into(),
            }),
            Some(v) => {
                let ok = match key {
                    "format" => v.as_str() == Some(FORMAT),
                    "format_version" => v.as_u64() == Some(FORMAT_VERSION as u64),
                    _ => serde_json::from_value::<tend_domain::Timestamp>(v.clone()).is_ok(),
                };
                if !ok {
                    out.push(Problem {
                        place: "top level".into(),
                        field: Some(key.into()),
                        message: match key {
                            "format" => format!("expected \"{FORMAT}\", found {v}"),
                            "format_version" => {
                                format!("expected {FORMAT_VERSION}, found {v}")
                            }
                            _ => format!("expected an RFC 3339 UTC time, found {v}"),
                        },
                    });
                }
            }
        }
    }
    // The records that do parse still get the cross-record checks, so one wrong type
    // does not hide a dangling reference elsewhere.
    let mut partial = Dataset::new(chrono::DateTime::default());
    let mut failed_ids = std::collections::HashSet::new();
    let o = &mut out;
    let f = &mut failed_ids;
    partial.accounts = check_section(&top, "accounts", o, f);
    partial.contacts = check_section(&top, "contacts", o, f);
    partial.interactions = check_section(&top, "interactions", o, f);
    partial.usage = check_section(&top, "usage", o, f);
    partial.support_cases = check_section(&top, "support_cases", o, f);
    partial.agreements = check_section(&top, "agreements", o, f);
    partial.opportunities = check_section(&top, "opportunities", o, f);
    partial.projects = check_section(&top, "projects", o, f);
    partial.tasks = check_section(&top, "tasks", o, f);
    partial.playbooks = check_section(&top, "playbooks", o, f);
    partial.playbook_runs = check_section(&top, "playbook_runs", o, f);
    partial.nps_responses = check_section(&top, "nps_responses", o, f);
    partial.documents = check_section(&top, "documents", o, f);
    partial.alerts = check_section(&top, "alerts", o, f);
    partial.summaries = check_section(&top, "summaries", o, f);
    partial.success_plans = check_section(&top, "success_plans", o, f);
    partial.objectives = check_section(&top, "objectives", o, f);
    partial.kpis = check_section(&top, "kpis", o, f);
    partial.business_challenges = check_section(&top, "business_challenges", o, f);
    partial.invoices = check_section(&top, "invoices", o, f);
    partial.payments = check_section(&top, "payments", o, f);
    partial.change_log = check_section(&top, "change_log", o, f);
    // A reference to a record that failed to parse is not a second problem.
    out.extend(validate(&partial).into_iter().filter(|p| {
        let target = p
            .message
            .strip_suffix(" does not exist")
            .and_then(|m| m.rsplit(' ').next())
            .and_then(|id| id.parse::<i64>().ok());
        !target.is_some_and(|id| failed_ids.contains(&id))
    }));
    if out.is_empty() {
        // The typed pass failed, yet no record-level problem was found: say so
        // rather than accept the file.
        out.push(Problem {
            place: "top level".into(),
            field: None,
            message: "the dataset does not have the expected shape".into(),
        });
    }
    out
}

fn check_section<T: DeserializeOwned>(
    top: &serde_json::Map<String, Value>,
    section: &str,
    out: &mut Vec<Problem>,
    failed_ids: &mut std::collections::HashSet<i64>,
) -> Vec<T> {
    let mut parsed = vec![];
    let Some(v) = top.get(section) else {
        return parsed;
    };
    let Value::Array(items) = v else {
        out.push(Problem {
            place: section.to_string(),
            field: None,
            message: "expected a list of records".into(),
        });
        return parsed;
    };
    for (i, item) in items.iter().enumerate() {
        match serde_path_to_error::deserialize::<_, T>(item) {
            Ok(r) => parsed.push(r),
            Err(e) => {
                if let Some(id) = item.get("id").and_then(Value::as_i64) {
                    failed_ids.insert(id);
                }
                report(section, i, item, e, out);
            }
        }
    }
    parsed
}

fn report(
    section: &str,
    i: usize,
    item: &Value,
    e: serde_path_to_error::Error<serde_json::Error>,
    out: &mut Vec<Problem>,
) {
    let id = item
        .get("id")
        .map(|v| format!(" (id {v})"))
        .unwrap_or_default();
    let path = e.path().to_string();
    out.push(Problem {
        place: format!("{section}[{i}]{id}"),
        field: (path != "." && !path.is_empty()).then_some(path),
        message: e.into_inner().to_string(),
    });
}
