//! Data from the systems a team already has, as records keyed by the id each has
//! there. A reader per format turns a file into [`SourceRecord`]s (the fields the
//! source sets, in the domain's names, and references to other source records);
//! the store matches them to its records and creates, updates or leaves each one
//! (`tend_backend::sqlite` `sync`).

pub mod csv_file;
pub mod hubspot;

use serde::Serialize;
use serde_json::{Map, Value};
use tend_domain::EntityKind;

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
}

/// A field that points at another record by what a source knows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRef {
    /// The field to set (`account_id`).
    pub field: String,
    pub kind: EntityKind,
    pub key: RefKey,
}

/// How a reference finds its record.
#[derive(Debug, Clone, PartialEq)]
pub enum RefKey {
    /// By its id in a source system.
    External { system: String, external_id: String },
    /// An account by its web domain (`acme.com`).
    Domain(String),
}

/// A problem of an input file, with its place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceProblem {
    /// `companies.csv:12` (file and line), or the file alone.
    pub place: String,
    /// The column or field, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    pub problems: Vec<SourceProblem>,
    /// `companies.csv: "Twitter Handle"`: columns no field takes.
    pub unused_columns: Vec<String>,
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
    fn domains_are_normalised() {
        assert_eq!(
            normalise_domain("https://www.Acme.com/about"),
            Some("acme.com".into())
        );
        assert_eq!(normalise_domain(" acme.io "), Some("acme.io".into()));
        assert_eq!(normalise_domain("  "), None);
    }
}
