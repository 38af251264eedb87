//! The team server's wire format, shared by `tend serve` (crates/server) and the remote
//! backend (crates/backend/src/remote): paths, query parameters, cursors, roles and problem bodies.
//!
//! Queries travel as flat query strings (one parameter per filter field), so each
//! backend query has a parameter struct here that converts both ways; records and
//! answers travel as the JSON the domain types serialise to.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::*;
use tend_domain::*;

/// Every path of the API starts with this.
pub const PREFIX: &str = "/api/v1";

/// The header an admin token names the actor of a write with (an integration
/// writing on behalf of people); for any other token the actor is its user.
/// The value is percent-encoded UTF-8.
pub const ACTOR_HEADER: &str = "tend-actor";

/// Percent-encodes a header value (everything but unreserved ASCII).
pub fn encode_header(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Reverses [`encode_header`]; None for a malformed value.
pub fn decode_header(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, health profiles and imports included.
    Admin,
    /// Reads everything; writes the accounts it owns or is a team member of.
    Csm,
    /// Reads everything, writes nothing.
    Viewer,
}

tend_domain::named_enum!(Role { Admin => "admin", Csm => "csm", Viewer => "viewer" });

/// Who a token belongs to (`GET /api/v1/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user: String,
    pub role: Role,
}

/// A problem details body (RFC 9457, `application/problem+json`), with the typed
/// error's fields as extension members so a client can rebuild it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URN naming the problem (`urn:tend:problem:conflict`).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The path of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// `not_found`, `conflict`, `invalid`, `storage`, `unavailable`, `unauthorized`,
    /// `forbidden`, `too_many_requests`, `precondition_required`, `too_large`, `timeout`,
    /// `method_not_allowed`.
    pub code: String,
    /// The invalid field (`invalid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The record's kind (`not_found`, `conflict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<EntityKind>,
    /// The record's id (`not_found`, `conflict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// The version the write was based on (`conflict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<i64>,
    /// The stored version (`conflict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<i64>,
    /// The SHA-256 of a file the store does not keep (`not_found`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Problem {
    /// A problem of the given code and status.
    pub fn new(status: u16, code: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:tend:problem:{code}"),
            title: title.into(),
            status,
            detail: detail.into(),
            code: code.into(),
            ..Problem::default()
        }
    }

    /// The problem a backend error is answered with.
    pub fn from_error(e: &Error) -> Problem {
        let detail = e.to_string();
        match e {
            Error::NotFound { kind, id } => Problem {
                entity: Some(*kind),
                id: Some(*id),
                ..Problem::new(404, "not_found", "Not found", detail)
            },
            Error::FileNotFound { sha256 } => Problem {
                sha256: Some(sha256.clone()),
                ..Problem::new(404, "not_found", "Not found", detail)
            },
            Error::Conflict {
                kind,
                id,
                expected,
                actual,
            } => Problem {
                entity: Some(*kind),
                id: Some(*id),
                expected: Some(*expected),
                actual: Some(*actual),
                ..Problem::new(409, "conflict", "Version conflict", detail)
            },
            Error::Invalid { field, message: _ } => Problem {
                field: Some(field.clone()),
                ..Problem::new(422, "invalid", "Invalid input", detail)
            },
            Error::Storage { .. } => Problem::new(500, "storage", "Storage error", detail),
            Error::Unavailable { .. } => {
                Problem::new(503, "unavailable", "Service unavailable", detail)
            }
            Error::Unauthorized { .. } => Problem::new(401, "unauthorized", "Unauthorized", detail),
            Error::Forbidden { .. } => Problem::new(403, "forbidden", "Forbidden", detail),
        }
    }

    /// The typed error a problem stands for, as far as the body tells it.
    pub fn into_error(self) -> Error {
        let message = self.detail.clone();
        match (self.code.as_str(), self.entity, self.id) {
            ("not_found", Some(kind), Some(id)) => Error::NotFound { kind, id },
            ("not_found", ..) if self.sha256.is_some() => Error::FileNotFound {
                sha256: self.sha256.unwrap_or_default(),
            },
            ("conflict", Some(kind), Some(id)) => Error::Conflict {
                kind,
                id,
                expected: self.expected.unwrap_or_default(),
                actual: self.actual.unwrap_or_default(),
            },
            ("invalid", ..) => {
                // The detail reads "invalid FIELD: MESSAGE".
                let field = self.field.unwrap_or_default();
                let prefix = format!("invalid {field}: ");
                let message = message
                    .strip_prefix(&prefix)
                    .map(str::to_string)
                    .unwrap_or(message);
                Error::Invalid { field, message }
            }
            ("storage", ..) => Error::Storage {
                message: message
                    .strip_prefix("storage error: ")
                    .map(str::to_string)
                    .unwrap_or(message),
            },
            ("unauthorized", ..) => Error::Unauthorized { message },
            ("forbidden", ..) => Error::Forbidden { message },
            _ => Error::Unavailable { message },
        }
    }
}

/// Pages travel with an opaque cursor instead of an offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    /// How many match in all.
    pub total: u64,
    /// Pass it as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> PageOf<T> {
    pub fn from_page(page: Page<T>) -> PageOf<T> {
        PageOf {
            items: page.items,
            total: page.total,
            next_cursor: page.next_offset.map(encode_cursor),
        }
    }
    pub fn into_page(self) -> Result<Page<T>> {
        Ok(Page {
            items: self.items,
            total: self.total,
            next_offset: self.next_cursor.as_deref().map(decode_cursor).transpose()?,
        })
    }
}

/// The cursor of the page that starts at `offset`.
pub fn encode_cursor(offset: u64) -> String {
    format!("p{offset:x}")
}

/// The offset a cursor stands for.
pub fn decode_cursor(cursor: &str) -> Result<u64> {
    cursor
        .strip_prefix('p')
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .ok_or_else(|| Error::invalid("cursor", format!("'{cursor}' is not a page cursor")))
}

fn page_request(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest> {
    let limit = limit.unwrap_or(PageRequest::default().limit);
    if limit == 0 || limit > PageRequest::MAX_LIMIT {
        return Err(Error::invalid(
            "limit",
            format!("must be 1 to {}", PageRequest::MAX_LIMIT),
        ));
    }
    Ok(PageRequest {
        offset: cursor.map(decode_cursor).transpose()?.unwrap_or(0),
        limit,
    })
}

fn cursor_of(page: PageRequest) -> Option<String> {
    (page.offset > 0).then(|| encode_cursor(page.offset))
}

/// `GET /accounts`: the portfolio.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PortfolioParams {
    /// A filter-language expression (`health<40 region:EMEA owner:@me`).
    pub filter: Option<String>,
    /// Who `@me` is: honoured for admin tokens; for any other, the token's user.
    pub me: Option<String>,
    /// Name or domain contains this (case-insensitive).
    pub q: Option<String>,
    pub owner: Option<String>,
    pub stage: Option<Stage>,
    pub segment: Option<String>,
    pub region: Option<String>,
    pub tag: Option<String>,
    pub status: Option<HealthStatus>,
    pub parent_id: Option<Id>,
    pub exclude_churned: Option<bool>,
    pub sort: Option<PortfolioSort>,
    pub desc: Option<bool>,
    /// Page size, 1 to 10000 (default 50).
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl PortfolioParams {
    pub fn from_query(q: &PortfolioQuery) -> Self {
        let f = &q.filter;
        PortfolioParams {
            filter: f.expr.clone(),
            me: f.me.clone(),
            q: f.text.clone(),
            owner: f.owner.clone(),
            stage: f.stage,
            segment: f.segment.clone(),
            region: f.region.clone(),
            tag: f.tag.clone(),
            status: f.status,
            parent_id: f.parent_id,
            exclude_churned: f.exclude_churned.then_some(true),
            sort: Some(q.sort),
            desc: q.descending.then_some(true),
            limit: Some(q.page.limit),
            cursor: cursor_of(q.page),
        }
    }
    pub fn into_query(self) -> Result<PortfolioQuery> {
        Ok(PortfolioQuery {
            page: page_request(self.limit, self.cursor.as_deref())?,
            filter: AccountFilter {
                expr: self.filter,
                me: self.me,
                text: self.q,
                owner: self.owner,
                stage: self.stage,
                segment: self.segment,
                region: self.region,
                tag: self.tag,
                status: self.status,
                parent_id: self.parent_id,
                exclude_churned: self.exclude_churned.unwrap_or(false),
            },
            sort: self.sort.unwrap_or_default(),
            descending: self.desc.unwrap_or(false),
        })
    }
}

/// `GET /interactions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InteractionParams {
    pub account_id: Option<Id>,
    pub kind: Option<InteractionKind>,
    pub direction: Option<Direction>,
    pub contact_id: Option<Id>,
    /// Interaction tag (bug, business_review...).
    pub tag: Option<String>,
    /// Role tag of an involved contact (champion, sponsor...).
    pub contact_role: Option<String>,
    /// Full-text keywords over subject and body.
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl InteractionParams {
    pub fn from_query(q: &InteractionQuery) -> Self {
        InteractionParams {
            account_id: q.account_id,
            kind: q.kind,
            direction: q.direction,
            contact_id: q.contact_id,
            tag: q.tag.clone(),
            contact_role: q.contact_role.clone(),
            q: q.text.clone(),
            limit: Some(q.page.limit),
            cursor: cursor_of(q.page),
        }
    }
    pub fn into_query(self) -> Result<InteractionQuery> {
        Ok(InteractionQuery {
            page: page_request(self.limit, self.cursor.as_deref())?,
            account_id: self.account_id,
            kind: self.kind,
            direction: self.direction,
            contact_id: self.contact_id,
            tag: self.tag,
            contact_role: self.contact_role,
            text: self.q,
        })
    }
}

/// `POST /import`: what the body is, and how to load it. Without `from` (or with
/// `from=tend`) the body is a tend dataset; otherwise the files of another tool,
/// as `multipart/form-data` (each part with a file name; a part named `mapping`
/// is the mapping file of `from=csv`) or as the body alone (one file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    pub from: Option<crate::sync::Format>,
    /// Say what would be created, updated, left and in conflict; write nothing.
    pub dry_run: Option<bool>,
    /// Records edited in tend since their last import: which side wins.
    pub prefer: Option<crate::sync::Prefer>,
    /// The team's email domains, comma-separated (mbox, eml, ics).
    pub team_domains: Option<String>,
    /// Mail and calendars: create contacts for unknown customer addresses.
    pub create_contacts: Option<bool>,
    /// The body's file name when it is one file (places in problems name it).
    pub name: Option<String>,
}

/// `GET /accounts/{id}/usage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageParams {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub bucket: Option<Bucket>,
}

/// `GET /accounts/{id}/usage/breakdown`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageBreakdownParams {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// user (default) or feature.
    pub by: Option<UsageBy>,
}

/// `GET /accounts/{id}/agreements`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgreementParams {
    pub status: Option<AgreementStatus>,
}

/// `GET /tasks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TaskParams {
    pub account_id: Option<Id>,
    pub status: Option<TaskStatus>,
    pub assignee: Option<String>,
    pub project_id: Option<Id>,
    pub due_before: Option<NaiveDate>,
    /// true: only open tasks (todo, doing); false: only done ones.
    pub open: Option<bool>,
    /// overdue, this_week, later or none (no due date), from the server's today.
    pub due: Option<DueWindow>,
    pub kind: Option<TaskKind>,
    /// Only the tasks of this alert (its alert tasks).
    pub alert_id: Option<Id>,
}

impl TaskParams {
    pub fn from_query(q: &TaskQuery) -> Self {
        TaskParams {
            account_id: q.account_id,
            status: q.status,
            assignee: q.assignee.clone(),
            project_id: q.project_id,
            due_before: q.due_before,
            open: q.open,
            due: q.due,
            kind: q.kind,
            alert_id: q.alert_id,
        }
    }
    pub fn into_query(self) -> TaskQuery {
        TaskQuery {
            account_id: self.account_id,
            status: self.status,
            assignee: self.assignee,
            project_id: self.project_id,
            due_before: self.due_before,
            open: self.open,
            due: self.due,
            kind: self.kind,
            alert_id: self.alert_id,
        }
    }
}

/// `GET /cases`: case fields, and account fields prefixed `account_`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseParams {
    /// A filter-language expression over case and account fields
    /// (`priority:urgent region:EMEA health<50`).
    pub filter: Option<String>,
    /// Who `@me` is: honoured for admin tokens; for any other, the token's user.
    pub me: Option<String>,
    pub account_id: Option<Id>,
    pub account_q: Option<String>,
    pub account_owner: Option<String>,
    pub account_stage: Option<Stage>,
    pub account_segment: Option<String>,
    pub account_region: Option<String>,
    pub account_tag: Option<String>,
    pub account_status: Option<HealthStatus>,
    pub account_parent_id: Option<Id>,
    pub account_exclude_churned: Option<bool>,
    /// Accounts whose health score is below this.
    pub health_below: Option<f64>,
    pub priority: Option<Priority>,
    pub status: Option<CaseStatus>,
    pub open_only: Option<bool>,
    pub escalated: Option<bool>,
    pub team: Option<String>,
    pub region: Option<String>,
    pub signal: Option<Signal>,
    pub sort: Option<CaseSort>,
    pub desc: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl CaseParams {
    pub fn from_query(q: &CaseQuery) -> Self {
        let f = &q.account;
        CaseParams {
            filter: f.expr.clone(),
            me: f.me.clone(),
            account_id: q.account_id,
            account_q: f.text.clone(),
            account_owner: f.owner.clone(),
            account_stage: f.stage,
            account_segment: f.segment.clone(),
            account_region: f.region.clone(),
            account_tag: f.tag.clone(),
            account_status: f.status,
            account_parent_id: f.parent_id,
            account_exclude_churned: f.exclude_churned.then_some(true),
            health_below: q.health_below,
            priority: q.priority,
            status: q.status,
            open_only: q.open_only.then_some(true),
            escalated: q.escalated,
            team: q.team.clone(),
            region: q.region.clone(),
            signal: q.signal,
            sort: Some(q.sort),
            desc: q.descending.then_some(true),
            limit: Some(q.page.limit),
            cursor: cursor_of(q.page),
        }
    }
    pub fn into_query(self) -> Result<CaseQuery> {
        Ok(CaseQuery {
            page: page_request(self.limit, self.cursor.as_deref())?,
            account_id: self.account_id,
            account: AccountFilter {
                expr: self.filter,
                me: self.me,
                text: self.account_q,
                owner: self.account_owner,
                stage: self.account_stage,
                segment: self.account_segment,
                region: self.account_region,
                tag: self.account_tag,
                status: self.account_status,
                parent_id: self.account_parent_id,
                exclude_churned: self.account_exclude_churned.unwrap_or(false),
            },
            health_below: self.health_below,
            priority: self.priority,
            status: self.status,
            open_only: self.open_only.unwrap_or(false),
            escalated: self.escalated,
            team: self.team,
            region: self.region,
            signal: self.signal,
            sort: self.sort.unwrap_or_default(),
            descending: self.desc.unwrap_or(false),
        })
    }
}

/// `GET /alerts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    pub account_id: Option<Id>,
    pub state: Option<AlertState>,
    /// Only the alerts of this rule.
    pub rule: Option<String>,
    /// Only the alerts raised at or after this instant (RFC 3339).
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Leave out the alerts of churned accounts.
    pub exclude_churned: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl AlertParams {
    pub fn from_query(q: &AlertQuery) -> Self {
        AlertParams {
            account_id: q.account_id,
            state: q.state,
            rule: q.rule.clone(),
            since: q.since,
            exclude_churned: q.exclude_churned.then_some(true),
            limit: Some(q.page.limit),
            cursor: cursor_of(q.page),
        }
    }
    /// `limit=0` asks for the count alone (`total`), with no items.
    pub fn into_query(self) -> Result<AlertQuery> {
        let mut page = page_request(self.limit.map(|l| l.max(1)), self.cursor.as_deref())?;
        if self.limit == Some(0) {
            page.limit = 0;
        }
        Ok(AlertQuery {
            page,
            account_id: self.account_id,
            state: self.state,
            rule: self.rule,
            since: self.since,
            exclude_churned: self.exclude_churned.unwrap_or(false),
        })
    }
}

/// A page of anything else (`GET /accounts/{id}/changes`).
/// Where the change feed starts: after this change log entry (its id). The
/// `Last-Event-ID` header of a client reconnecting wins; neither: from now on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    pub after: Option<Id>,
}

/// The header a change feed's client sends back on reconnecting: the id of the
/// last event it has.
pub const LAST_EVENT_ID: &str = "last-event-id";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn from_page(page: PageRequest) -> Self {
        PageParams {
            limit: Some(page.limit),
            cursor: cursor_of(page),
        }
    }
    pub fn into_page(self) -> Result<PageRequest> {
        page_request(self.limit, self.cursor.as_deref())
    }
}

/// `POST /health/recompute`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecomputeRequest {
    /// One account, or all when absent.
    #[serde(default)]
    pub account_id: Option<Id>,
}

/// `POST /batch`: several writes in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    pub writes: Vec<Write>,
}

/// `POST /usage`: how many rows were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsageAdded {
    pub rows: u64,
}

/// `GET /status`: the server is up and reads its store (no token needed, so it
/// says nothing about the data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Status {
    pub version: String,
}

/// The organisation's health profiles: the TOML an admin gave (in the format of
/// `assets/health-profiles.toml`, added to the bundled profiles, a profile of the
/// same name replacing one), and the profiles in force. Only admins read and
/// replace them over the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HealthProfiles {
    /// Empty: the bundled profiles with the config's `[health] profiles` file.
    pub toml: String,
    /// The profiles in force, in the order they are chosen (answers only: a
    /// request's is ignored).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "profiles_if_any"
    )]
    #[schema(value_type = Option<Object>)]
    pub profiles: Option<tend_engines::health::Profiles>,
}

/// A request's `profiles` is ignored whatever it holds; an answer's is read.
fn profiles_if_any<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<tend_engines::health::Profiles>, D::Error> {
    match <serde_json::Value as serde::Deserialize>::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        v @ serde_json::Value::Object(_) => Ok(serde_json::from_value(v).ok()),
        _ => Err(serde::de::Error::custom(
            "an object (what the answer says is in force; a request's is ignored)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_names_survive_a_header() {
        for name in ["alice", "Zoë Ng", "a%b", "", "ops-bot_1.0~"] {
            let encoded = encode_header(name);
            assert!(encoded.bytes().all(|b| b.is_ascii_graphic()));
            assert_eq!(decode_header(&encoded).as_deref(), Some(name));
        }
        assert_eq!(decode_header("%G1"), None);
        assert_eq!(decode_header("%C3"), None);
    }

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        for offset in [0, 1, 50, 123_456_789] {
            assert_eq!(decode_cursor(&encode_cursor(offset)), Ok(offset));
        }
        for bad in ["", "p", "x10", "pzz"] {
            assert!(matches!(decode_cursor(bad), Err(Error::Invalid { .. })));
        }
    }

    #[test]
    fn every_error_survives_a_problem_body() {
        let errors = [
            Error::NotFound {
                kind: EntityKind::Task,
                id: 7,
            },
            Error::Conflict {
                kind: EntityKind::Account,
                id: 3,
                expected: 2,
                actual: 5,
            },
            Error::invalid("record.name", "must not be empty"),
            Error::FileNotFound {
                sha256: "ab".repeat(32),
            },
            Error::storage("disk full"),
            Error::Unavailable {
                message: "down".into(),
            },
            Error::Unauthorized {
                message: "token rejected".into(),
            },
            Error::Forbidden {
                message: "viewers read only".into(),
            },
        ];
        for e in errors {
            let body = serde_json::to_string(&Problem::from_error(&e)).unwrap();
            let back: Problem = serde_json::from_str(&body).unwrap();
            assert_eq!(back.into_error(), e);
        }
    }

    #[test]
    fn queries_survive_their_query_strings() {
        let q = CaseQuery {
            account_id: None,
            account: AccountFilter {
                text: Some("acme co".into()),
                region: Some("EMEA".into()),
                exclude_churned: true,
                ..Default::default()
            },
            health_below: Some(50.5),
            priority: Some(Priority::Urgent),
            open_only: true,
            escalated: Some(false),
            sort: CaseSort::Opened,
            descending: true,
            page: PageRequest {
                offset: 100,
                limit: 25,
            },
            ..Default::default()
        };
        let s = serde_urlencoded::to_string(CaseParams::from_query(&q)).unwrap();
        let back: CaseParams = serde_urlencoded::from_str(&s).unwrap();
        assert_eq!(back.into_query().unwrap(), q);

        let p = PortfolioQuery {
            filter: AccountFilter {
                stage: Some(Stage::Onboarding),
                status: Some(HealthStatus::AtRisk),
                ..Default::default()
            },
            sort: PortfolioSort::Renewal,
            descending: false,
            page: PageRequest::default(),
        };
        let s = serde_urlencoded::to_string(PortfolioParams::from_query(&p)).unwrap();
        let back: PortfolioParams = serde_urlencoded::from_str(&s).unwrap();
        assert_eq!(back.into_query().unwrap(), p);
    }
}
