//! The OpenAPI document as served: the one utoipa makes from the routes'
//! annotations, completed with what the annotations cannot say and the server
//! enforces, so that a client generated from it is right:
//!
//! - every error each operation can answer, as `application/problem+json`
//!   (the API's own checks, the HTTP layer's 400/414/431, the guard's 429 and
//!   503);
//! - the limits of the fields of records (lengths, list sizes, ranges,
//!   non-blank names) from `tend_domain::validate`, of query texts, page
//!   limits and cursors, and the form of `If-Match`.
//!
//! What no schema can say (a reference to a record that does not exist, an end
//! before its start, a body whose kind is not the path's) is answered 422 and
//! described in the operation.

use serde_json::{Map, Value, json};
use std::sync::OnceLock;
use utoipa::OpenApi;

use tend_backend::{MAX_SEARCH_CHARS, PageRequest};
use tend_domain::{LONG_TEXT_FIELDS, MAX_ITEMS, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use tend_engines::filter::MAX_FILTER_CHARS;

use super::routes::ApiDoc;

/// The served document (built once).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

/// The records a client writes, with the types nested in them: their fields
/// carry the limits of `tend_domain::validate`.
const RECORD_SCHEMAS: &[&str] = &[
    "Account",
    "Contact",
    "Interaction",
    "SupportCase",
    "Agreement",
    "Opportunity",
    "Project",
    "Task",
    "Playbook",
    "PlaybookRun",
    "NpsResponse",
    "Document",
    "DocumentFile",
    "Alert",
    "Summary",
    "SuccessPlan",
    "Objective",
    "Kpi",
    "BusinessChallenge",
    "Invoice",
    "Payment",
    "UsageDay",
    "Attachment",
    "Pulse",
    "ChurnForecast",
    "PlaybookStep",
    "StepRun",
    "SummarySection",
    "Statement",
    "Citation",
    "Sentiment",
];

/// Fields that must hold more than blanks.
const NOT_BLANK: &[(&str, &str)] = &[
    ("Account", "name"),
    ("Contact", "name"),
    ("SupportCase", "number"),
    ("Opportunity", "name"),
    ("Project", "name"),
    ("Task", "title"),
    ("Playbook", "name"),
    ("Document", "title"),
    ("DocumentFile", "name"),
    ("Alert", "rule"),
    ("Alert", "message"),
    ("SuccessPlan", "name"),
    ("Objective", "name"),
    ("Kpi", "name"),
    ("BusinessChallenge", "title"),
    ("Invoice", "number"),
];

/// A SHA-256 as the file store names files.
const SHA256_PATTERN: &str = "^[0-9a-f]{64}$";

/// A file name: something besides blanks, no folders, no control characters
/// (`.` and `..` alone are refused too: 422).
const FILE_NAME_PATTERN: &str = r"^[^/\\\x00-\x1f\x7f]*[^/\\\s\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]*$";

/// Numeric ranges: (schema, field, minimum, maximum).
const RANGES: &[(&str, &str, f64, Option<f64>)] = &[
    ("SupportCase", "severity", 1.0, Some(4.0)),
    ("SupportCase", "csat", 1.0, Some(5.0)),
    ("Pulse", "rating", 1.0, Some(5.0)),
    ("Sentiment", "score", -1.0, Some(1.0)),
    ("NpsResponse", "score", 0.0, Some(10.0)),
    ("Invoice", "amount_cents", 0.0, None),
    ("Payment", "amount_cents", 1.0, None),
    ("Agreement", "mrr_cents", 0.0, None),
    ("Opportunity", "amount_cents", 0.0, None),
];

/// Lists that need at least one item.
const NOT_EMPTY: &[(&str, &str)] = &[
    ("Playbook", "steps"),
    ("PlaybookRun", "steps"),
    ("Summary", "sections"),
];

fn build() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        constrain_schemas(schemas);
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, operations) in paths.iter_mut() {
            let Some(operations) = operations.as_object_mut() else {
                continue;
            };
            for (method, op) in operations.iter_mut() {
                constrain_parameters(path, method, op);
                document_problems(path, method, op);
            }
        }
    }
    doc
}

fn props<'a>(
    schemas: &'a mut Map<String, Value>,
    name: &str,
) -> Option<&'a mut Map<String, Value>> {
    schemas
        .get_mut(name)?
        .get_mut("properties")?
        .as_object_mut()
}

fn is_type(schema: &Value, ty: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == ty,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == ty),
        _ => false,
    }
}

/// A text schema with no format and no enumeration: free text.
fn is_free_text(schema: &Value) -> bool {
    is_type(schema, "string") && schema.get("format").is_none() && schema.get("enum").is_none()
}

fn constrain_schemas(schemas: &mut Map<String, Value>) {
    for &name in RECORD_SCHEMAS {
        let Some(props) = props(schemas, name) else {
            continue;
        };
        for (field, schema) in props.iter_mut() {
            let max = if LONG_TEXT_FIELDS.contains(&field.as_str()) {
                MAX_LONG_TEXT
            } else {
                MAX_SHORT_TEXT
            };
            if is_free_text(schema) {
                schema["maxLength"] = json!(max);
            }
            if is_type(schema, "array") {
                schema["maxItems"] = json!(MAX_ITEMS);
                if let Some(items) = schema.get_mut("items")
                    && is_free_text(items)
                {
                    items["maxLength"] = json!(MAX_SHORT_TEXT);
                }
            }
            if is_type(schema, "object") && schema.get("additionalProperties").is_some() {
                schema["maxProperties"] = json!(MAX_ITEMS);
                schema["propertyNames"] = json!({"maxLength": MAX_SHORT_TEXT});
                if let Some(values) = schema.get_mut("additionalProperties")
                    && is_free_text(values)
                {
                    values["maxLength"] = json!(MAX_SHORT_TEXT);
                }
            }
        }
    }
    for &(name, field) in NOT_BLANK {
        if let Some(schema) = props(schemas, name).and_then(|p| p.get_mut(field)) {
            schema["minLength"] = json!(1);
            schema["pattern"] = json!("\\S");
        }
    }
    for &(name, field, min, max) in RANGES {
        if let Some(schema) = props(schemas, name).and_then(|p| p.get_mut(field)) {
            // A nullable field's schema may be a oneOf of null and the number.
            let target = match schema.get_mut("oneOf").and_then(Value::as_array_mut) {
                Some(options) => options
                    .iter_mut()
                    .find(|o| o.get("type") != Some(&json!("null"))),
                None => Some(schema),
            };
            if let Some(t) = target {
                t["minimum"] = json!(min);
                if let Some(max) = max {
                    t["maximum"] = json!(max);
                }
            }
        }
    }
    for &(name, field) in NOT_EMPTY {
        if let Some(schema) = props(schemas, name).and_then(|p| p.get_mut(field)) {
            schema["minItems"] = json!(1);
        }
    }
    // A document's link may be empty when it keeps a file; the file's hash and
    // name are what the file store takes.
    if let Some(schema) = props(schemas, "Document").and_then(|p| p.get_mut("link")) {
        schema["description"] = json!(
            "A URL or a file path; it must hold more than blanks unless the document keeps a `file` (422 otherwise)."
        );
    }
    if let Some(schema) = props(schemas, "DocumentFile").and_then(|p| p.get_mut("sha256")) {
        schema["pattern"] = json!(SHA256_PATTERN);
        schema["description"] = json!(
            "The SHA-256 of the file's bytes: 64 lowercase hex digits. A document is refused (422) unless the store keeps the file (PUT /api/v1/files)."
        );
    }
    if let Some(schema) = props(schemas, "DocumentFile").and_then(|p| p.get_mut("name")) {
        schema["pattern"] = json!(FILE_NAME_PATTERN);
    }
    if let Some(schema) = props(schemas, "DocumentFile").and_then(|p| p.get_mut("size")) {
        schema["maximum"] = json!(tend_domain::MAX_FILE_BYTES);
    }
    if let Some(schema) = props(schemas, "Contact").and_then(|p| p.get_mut("email")) {
        schema["pattern"] = json!("@");
    }
    if let Some(schema) = props(schemas, "UsageDay").and_then(|p| p.get_mut("features")) {
        schema["propertyNames"] =
            json!({"minLength": 1, "maxLength": MAX_SHORT_TEXT, "pattern": "\\S"});
    }
    // A (name, count) pair: utoipa writes it with `prefixItems`, which some
    // tools misread; a pair of a name and a count, said without it.
    if let Some(items) = props(schemas, "ImportReport")
        .and_then(|p| p.get_mut("counts"))
        .and_then(|c| c.get_mut("items"))
        && items.get("prefixItems").is_some()
    {
        *items = json!({
            "type": "array",
            "description": "A section's name and how many rows of it were loaded.",
            "items": {"oneOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]},
            "minItems": 2,
            "maxItems": 2
        });
    }
    if let Some(props) = props(schemas, "Dataset") {
        if let Some(s) = props.get_mut("format") {
            s["enum"] = json!([tend_engines::dataset::FORMAT]);
        }
        if let Some(s) = props.get_mut("format_version") {
            s["enum"] = json!([tend_engines::dataset::FORMAT_VERSION]);
        }
    }
}

fn constrain_parameters(path: &str, method: &str, op: &mut Value) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for p in params.iter_mut() {
        let name = p["name"].as_str().unwrap_or_default().to_string();
        let schema = &mut p["schema"];
        match name.as_str() {
            "limit" => {
                // Alerts take 0: the count alone, no items; deliveries, their
                // default (100).
                let zero = path.ends_with("/alerts") || path.ends_with("/deliveries");
                schema["minimum"] = json!(if zero { 0 } else { 1 });
                schema["maximum"] = json!(PageRequest::MAX_LIMIT);
            }
            "cursor" => {
                schema["pattern"] = json!("^p[0-9a-f]{1,16}$");
                p["description"] = json!("The `next_cursor` of the previous page.");
            }
            "filter" => schema["maxLength"] = json!(MAX_FILTER_CHARS),
            "sha256" => schema["pattern"] = json!(SHA256_PATTERN),
            "name" if path == "/api/v1/files" => {
                schema["pattern"] = json!(FILE_NAME_PATTERN);
                schema["maxLength"] = json!(MAX_SHORT_TEXT);
            }
            "q" | "account_q" => schema["maxLength"] = json!(MAX_SEARCH_CHARS),
            "If-Match" => {
                *schema = json!({"type": "string", "pattern": "^\"[0-9]+\"$"});
                p["description"] = json!(
                    "The version the change is based on, as the record's ETag (`\"3\"`). A weak tag (`W/\"3\"`) or `*` is refused: 412 and 422."
                );
                if method == "delete" {
                    p["required"] = json!(false);
                    // Not `required`: a delete without it is answered 428
                    // (Precondition Required), which is what it is.
                    p["description"] = json!(
                        "The version being deleted, as the record's ETag (`\"3\"`); without it the answer is 428. A weak tag (`W/\"3\"`) or `*` is refused: 412 and 422."
                    );
                }
            }
            "from" | "to" if path.ends_with("/usage") => {
                p["description"] = json!(
                    "The range of days, both included; it must not end before it starts, nor hold more than 10,000 buckets (422)."
                );
            }
            _ => {}
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "The request could not be read: a malformed path, query or header.",
        401 => "No token, or one the server does not know or has revoked.",
        403 => {
            "The token's role may not do this (a viewer writes nothing; a CSM writes only the accounts it owns)."
        }
        404 => "No such record or account.",
        409 => "The record changed since the version the write was based on.",
        412 => "If-Match is not the record's version (or a weak tag).",
        413 => "The body is larger than the server accepts.",
        414 => "The path and query are too long.",
        415 => "The body is not application/json.",
        422 => "The request is well-formed but its content is refused; `field` names what.",
        428 => "A delete needs If-Match with the record's version.",
        429 => {
            "The token's (or address's) rate limit is reached; Retry-After says when to try again."
        }
        431 => "The request's head is too large.",
        503 => "The request took longer than the server's timeout, or the store is unavailable.",
        _ => "An error.",
    }
}

/// Every error the operation can answer, as a problem.
fn document_problems(path: &str, method: &str, op: &mut Value) {
    let authenticated = op.get("security").is_some();
    let mut statuses = vec![400, 414, 431, 429, 503];
    if authenticated {
        statuses.extend([401, 403, 422]);
    }
    if path.contains('{') || method != "get" {
        statuses.push(404);
    }
    match method {
        "post" | "put" => statuses.extend([409, 413, 415, 422]),
        "delete" => statuses.extend([409, 422]),
        _ => {}
    }
    if path.starts_with("/api/v1/records/") && matches!(method, "put" | "delete") {
        statuses.extend([412, 428]);
    }
    let problem = json!({
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    });
    let responses = op
        .as_object_mut()
        .map(|o| o.entry("responses").or_insert_with(|| json!({})));
    let Some(Value::Object(responses)) = responses else {
        return;
    };
    // The annotations' own error responses become problems too.
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            response["content"] = problem.clone();
        }
    }
    for status in statuses {
        let mut response = json!({"description": reason(status), "content": problem.clone()});
        if matches!(status, 429 | 503) {
            response["headers"] = json!({
                "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
            });
        }
        let entry = responses
            .entry(status.to_string())
            .or_insert_with(|| response.clone());
        if entry
            .get("description")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            entry["description"] = json!(reason(status));
        }
    }
}
