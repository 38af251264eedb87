//! Data from the systems a team already has, as records keyed by the id each has
//! there. A reader per format turns a file into [`SourceRecord`]s (the fields the
//! source sets, in the domain's names, and references to other source records);
//! the store matches them to its records and creates, updates or leaves each one
//! (`tend_backend::sqlite` `sync`).

pub mod calendar;
pub mod csv_file;
pub mod freshdesk;
pub mod hubspot;
pub mod mail;
pub mod mapped;
pub mod salesforce;
pub mod segment;
pub mod zendesk;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};
use tend_domain::{EntityKind, Timestamp};

/// What readers need beyond the files.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The team's own email domains (`ourco.com`): an address there is one of
    /// us, any other a customer's.
    pub team_domains: Vec<String>,
    /// Create a contact for a customer address no contact has (mail, calendar).
    pub create_contacts: bool,
    /// Now: recurring events are expanded up to it.
    pub now: Timestamp,
}

impl ReadOptions {
    /// Whether an address (`maya@ourco.com`) is one of the team's.
    pub fn is_team(&self, address: &str) -> bool {
        let domain = address.rsplit_once('@').map_or("", |(_, d)| d).trim();
        self.team_domains.iter().any(|t| {
            let t = t.trim().trim_start_matches('@');
            domain.eq_ignore_ascii_case(t)
                || domain
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", t.to_ascii_lowercase()))
        })
    }
}

/// One record as a source system has it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    pub kind: EntityKind,
    /// The source system (`hubspot`).
    pub system: String,
    /// The record's id in that system.
    pub external_id: String,
    /// Where it was read (`companies.csv:12`).
    pub place: String,
    /// The fields the source sets, by their names in tend (`name`, `domain`;
    /// a map's entry as `custom_fields.industry`); fields it does not have are
    /// left as they are.
    pub fields: Map<String, Value>,
    /// Fields set only when the record is created (a new account's stage): what
    /// the team keeps in tend afterwards is theirs.
    pub on_create: Map<String, Value>,
    /// Fields that point at other records, found when the store loads them.
    pub refs: Vec<SourceRef>,
    /// When a reference finds nothing, leave the record out and list it as
    /// unmatched (an email from an unknown sender) instead of refusing the load.
    pub skip_unmatched: bool,
    /// Only update a record the store has (an email marked answered by a reply);
    /// never create one, and say nothing when there is none.
    pub update_only: bool,
    /// The references are set only when the record is created: a contact found by
    /// their email stays at the account the CRM put them in.
    pub refs_on_create: bool,
}

impl SourceRecord {
    /// A record with no field set yet.
    pub fn new(kind: EntityKind, system: &str, external_id: &str, place: String) -> Self {
        SourceRecord {
            kind,
            system: system.into(),
            external_id: external_id.into(),
            place,
            fields: Map::new(),
            on_create: Map::new(),
            refs: vec![],
            skip_unmatched: false,
            update_only: false,
            refs_on_create: false,
        }
    }

    /// Sets a field (`custom_fields.tier` for a map's entry).
    pub fn set(&mut self, field: &str, value: impl Into<Value>) -> &mut Self {
        self.fields.insert(field.into(), value.into());
        self
    }

    /// Points a field at another record.
    pub fn refer(&mut self, field: &str, kind: EntityKind, key: RefKey) -> &mut Self {
        self.refs.push(SourceRef {
            field: field.into(),
            kind,
            key,
            many: false,
            optional: false,
        });
        self
    }
}

/// A field that points at another record by what a source knows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRef {
    /// The field to set (`account_id`).
    pub field: String,
    pub kind: EntityKind,
    pub key: RefKey,
    /// The field is a list (`contact_ids`): the record found is added to it.
    pub many: bool,
    /// Nothing found: the field is left as it is, no problem.
    pub optional: bool,
}

/// How a reference finds its record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RefKey {
    /// By its id in a source system.
    External { system: String, external_id: String },
    /// An account by its web domain (`acme.com`).
    Domain(String),
    /// A contact by their email address (any case).
    Email(String),
    /// An account by its name (any case; only when one account has it).
    Name(String),
}

/// A problem of an input file, with its place.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SourceProblem {
    /// `companies.csv:12` (file and line), or the file alone.
    pub place: String,
    /// The column or field, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for SourceProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, {field}: {}", self.place, self.message),
            None => write!(f, "{}: {}", self.place, self.message),
        }
    }
}

/// What a reader made of its files: records, and the columns it did not use
/// (reported, never silently dropped).
#[derive(Debug, Default)]
pub struct Read {
    pub records: Vec<SourceRecord>,
    /// Product usage, per user and day (Segment).
    pub usage: Vec<SourceUsage>,
    pub problems: Vec<SourceProblem>,
    /// `companies.csv: "Twitter Handle"`: columns no field takes.
    pub unused_columns: Vec<String>,
    /// What was left out on purpose, each with its place (an internal meeting, an
    /// event with no account): said, not silently dropped.
    pub skipped: Vec<SourceProblem>,
}

/// One product user's events of one day (or an account's anonymous ones), as a
/// source has them: counted into the store's usage, each event once (by its id),
/// however many times it is loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceUsage {
    /// Where its first event was read.
    pub place: String,
    pub system: String,
    /// The account (a group's id in the source, or a domain); `None`: the user's.
    pub account: Option<RefKey>,
    /// The product user, by their id in the source; `None`: anonymous usage.
    pub user: Option<String>,
    pub day: NaiveDate,
    pub events: Vec<UsageEvent>,
}

/// One product event.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageEvent {
    /// A hash of the event's id in the source (64-bit FNV-1a).
    pub id: u64,
    /// When, in milliseconds since the epoch.
    pub at: i64,
    /// The feature it used (a tracked action), if any.
    pub feature: Option<std::sync::Arc<str>>,
}

/// Events further apart than this start a new connection (session).
pub const SESSION_GAP_MS: i64 = 30 * 60 * 1000;

/// A day's events as usage: connections (sessions: runs of events less than 30
/// minutes apart), minutes (each session from its first event to its last, at
/// least one), and events per feature.
pub fn tally(events: &[&UsageEvent]) -> (u32, u32, BTreeMap<String, u32>) {
    let mut times: Vec<i64> = events.iter().map(|e| e.at).collect();
    times.sort_unstable();
    let (mut connections, mut minutes) = (0u32, 0u32);
    let mut session: Option<(i64, i64)> = None;
    let close = |s: (i64, i64), connections: &mut u32, minutes: &mut u32| {
        *connections += 1;
        *minutes += u32::try_from(((s.1 - s.0) / 60_000).max(1)).unwrap_or(u32::MAX);
    };
    for t in times {
        session = match session {
            Some((first, last)) if t - last <= SESSION_GAP_MS => Some((first, t)),
            Some(s) => {
                close(s, &mut connections, &mut minutes);
                Some((t, t))
            }
            None => Some((t, t)),
        };
    }
    if let Some(s) = session {
        close(s, &mut connections, &mut minutes);
    }
    let mut features = BTreeMap::new();
    for e in events {
        if let Some(f) = &e.feature {
            *features.entry(f.to_string()).or_insert(0) += 1;
        }
    }
    (connections, minutes, features)
}

/// 64-bit FNV-1a: a stable hash of an id (the same in every build).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The normalised form of a web domain or URL (`https://www.Acme.com/` ->
/// `acme.com`), to match accounts across sources; `None` for an empty one.
pub fn normalise_domain(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_lowercase();
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(&t);
    let t = t.strip_prefix("www.").unwrap_or(t);
    let t = t
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('.');
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::normalise_domain;

    #[test]
    fn events_tally_into_sessions_minutes_and_features() {
        use super::{UsageEvent, tally};
        let at = |min: i64, f: Option<&str>| UsageEvent {
            id: min as u64,
            at: min * 60_000,
            feature: f.map(Into::into),
        };
        let events = [
            at(0, Some("report_exported")),
            at(10, None),
            at(25, Some("report_exported")),
            at(120, Some("api_call")),
        ];
        let refs: Vec<&UsageEvent> = events.iter().collect();
        let (connections, minutes, features) = tally(&refs);
        assert_eq!(connections, 2);
        assert_eq!(minutes, 25 + 1);
        assert_eq!(features["report_exported"], 2);
        assert_eq!(features["api_call"], 1);
    }

    #[test]
    fn domains_are_normalised() {
        assert_eq!(
            normalise_domain("https://www.Acme.com/about"),
            Some("acme.com".into())
        );
        assert_eq!(normalise_domain(" acme.io "), Some("acme.io".into()));
        assert_eq!(normalise_domain("  "), None);
    }
}
