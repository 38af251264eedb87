//! Any CSV file, read by a mapping file (TOML): a billing system's customers, a
//! spreadsheet of contacts, a support tool with no reader of its own.
//!
//! `tend import --from csv --mapping billing.toml customers.csv ...`
//!
//! The CSV files are read as the other CSV readers read them: with or without a
//! byte-order mark, `,` or `;` between cells (whichever the header line has more
//! of), quoted cells across lines. Columns are found by their header, compared
//! without case.
//!
//! ## The mapping file
//!
//! ```toml
//! kind = "account"        # the records the rows become
//! system = "billing"      # the source's name: ids are kept per system, so loading
//!                         # the file again updates the records in place
//! id = "Customer No"      # the column holding each row's id in that system
//! dates = ["%d/%m/%Y", "%Y-%m-%d"]  # tried in order for dates without a format
//! skip_unmatched = true   # a row whose reference finds nothing is left out and
//!                         # listed, instead of stopping the load
//! update_only = false     # only update records tend has; never create one
//! refs_on_create = false  # the references are set only when a record is created
//!
//! [columns]               # column -> field
//! "Customer Name" = "name"
//! "Web"           = "domain"
//! "Plan"          = "segment"
//! "MRR"           = { field = "custom_fields.mrr", type = "money" }
//! "Since"         = { field = "custom_fields.since", type = "date", format = "%d/%m/%Y" }
//! "Seats"         = { field = "custom_fields.seats", type = "number", decimal = "," }
//! "Tags"          = { field = "tags", type = "list", separator = "," }
//! "Status"        = { field = "stage", on_create = true }
//!
//! [values.segment]        # the file's values -> tend's, for one field
//! "Ent" = "enterprise"
//! "MM"  = "mid_market"
//! "n/a" = ""              # an empty target: the field is not set
//!
//! [refs]                  # columns that point at other records
//! "Group No" = { field = "parent_id", kind = "account", optional = true }
//! # (a contact's account by the domain of their email:
//! #  "Email" = { field = "account_id", kind = "account", by = "email_domain" })
//!
//! [defaults]              # fields every record gets when it is created
//! stage = "onboarding"
//! ```
//!
//! The keys at the top (`kind` to `refs_on_create`) go before the first
//! `[table]`: in TOML, a key after `[defaults]` belongs to `[defaults]`.
//!
//! ### Top-level keys
//!
//! - `kind` (required): what each row becomes: `account`, `contact`,
//!   `interaction`, `support_case`, `agreement`, `opportunity`, `project`,
//!   `task`, `nps_response`, `document`, ...
//! - `system` (required): the source's name (`billing`). Each record keeps its
//!   id in that system, so a file loaded again updates what it loaded before;
//!   another mapping's `[refs]` can point at these records by it.
//! - `id` (required): the column holding the row's id in that system. An empty
//!   cell is a problem; a second row with an id already read in the load is
//!   left out and listed ("duplicate of customers.csv:4").
//! - `dates`: the formats (chrono's `strftime`: `%d/%m/%Y`, `%m/%d/%Y %H:%M`)
//!   tried in order for `date` and `datetime` columns without a `format` of
//!   their own. By default `%Y-%m-%d`, `%Y-%m-%d %H:%M:%S`, `%Y-%m-%d %H:%M`;
//!   RFC 3339 (`2026-03-02T09:15:00+01:00`) is always understood.
//! - `skip_unmatched` (default `false`): a row whose reference finds no record
//!   (or whose reference cells are all empty) is left out and listed as
//!   skipped, instead of being a problem that stops the load.
//! - `update_only` (default `false`): rows only update the records tend has
//!   (known by their id in `system`, an account by its domain, a contact by
//!   their email); no record is created.
//! - `refs_on_create` (default `false`): the references are set only when a
//!   record is created; a record tend has keeps what it points at (a contact
//!   found by their email stays at the account the CRM put them in).
//!
//! ### `[columns]`: column = field
//!
//! The field is the record's field as tend names it (`name`, `domain`,
//! `segment`, `tags`, `mrr_cents`, `start`); a map's entry or a nested
//! field is dotted (`custom_fields.tier`, `churn.projected_date`). Either the
//! field's name alone, or a table with:
//!
//! - `field` (required): the field.
//! - `type`: how the cell is read. By default, the field's own type: a date
//!   field reads dates, a list field a list, a number field a number; text
//!   otherwise (and for map entries).
//!   - `text`: trimmed; an empty cell leaves the field as it is (so for every
//!     type). A `domain` is normalised (`https://www.Acme.com/` -> `acme.com`),
//!     an `email` lowercased, a value of a fixed set (an account's `stage`, a
//!     case's `priority`) matched without case.
//!   - `number`: `1234.5`, `1,234.5`, `1.234,5`, `1 234,5`.
//!   - `integer`: a whole number (read as for `number`; `12.5` is a problem).
//!   - `money`: an amount in cents (`1,234.50` and `1.234,50 €` -> `123450`);
//!     currency symbols and codes around it are dropped, a leading `-` or
//!     parentheses make it negative, sub-cent digits are rounded.
//!   - `bool`: `true`/`false`, `yes`/`no`, `y`/`n`, `on`/`off`, `1`/`0`, `x`
//!     (true), without case.
//!   - `date`: a day, written `YYYY-MM-DD`.
//!   - `datetime`: a moment, written in RFC 3339 in UTC; a format without a
//!     time zone is read as UTC, a day alone as its midnight.
//!   - `list`: the cell split at `separator`, each item trimmed, empty ones
//!     dropped.
//! - `format`: for `date` and `datetime`, the one format of this column
//!   (instead of `dates`).
//! - `separator`: for `list`, what separates the items (default `,`).
//! - `decimal`: for `number`, `integer` and `money`, the decimal mark (`.` or
//!   `,`); the other is then a thousands mark. Without it, the last of `.` and
//!   `,` is the decimal mark when both are there; one mark alone is a
//!   thousands mark when it is there more than once or has exactly three
//!   digits after it (`1.234` -> 1234, `1.5` -> 1.5).
//! - `on_create` (default `false`): the field is set only when the record is
//!   created (a new account's stage); what the team changes in tend afterwards
//!   is theirs.
//!
//! In a map entry of text (`custom_fields.*`) every type is written as text:
//! a number as `1234.5`, money as its cents, a date as `2026-12-31`, a list
//! joined with `, `.
//!
//! Two columns may not set the same field. The `id` column may also be mapped
//! to a field. A field that points at another record (`account_id`) is mapped
//! under `[refs]`; `id`, `version`, `created_at`, `updated_at` and
//! `external_id` are tend's own.
//!
//! ### `[values.FIELD]`: the file's value = tend's
//!
//! For a field some column sets, before the cell is read as its type (for a
//! list, each item): a cell is looked up without case; a cell that is not in
//! the table but is one of its targets (or, for a field of a fixed set such as
//! `stage`, one of the set) is kept in tend's spelling; any other is a problem
//! naming the column and the values known. An empty target leaves the field
//! unset for that value. For a field of a fixed set, the targets must be of
//! that set.
//!
//! ### `[refs]`: column = { field, kind, by, system, optional, separator }
//!
//! A column naming another record; the store finds the record when it loads.
//!
//! - `field` (required): the field that points (`account_id`, `contact_ids`,
//!   `parent_id`). A list field (`contact_ids`) gets each record found.
//! - `kind`: the kind of the record pointed at; by default the one the field
//!   names (`account_id` -> `account`, `contact_ids` -> `contact`).
//! - `by`: how the cell finds it:
//!   - `id` (default): its id in `system`.
//!   - `domain`: an account by its web domain (normalised).
//!   - `email_domain`: an account by the domain of an email address.
//!   - `email`: a contact by their email address.
//!   - `name`: an account by its name (without case; only when one account
//!     has it).
//! - `system`: with `by = "id"`, the system whose ids the column holds
//!   (another mapping's `system`, `hubspot`, `zendesk`); by default this
//!   mapping's `system`.
//! - `optional` (default `false`): nothing found, or an empty cell, leaves the
//!   field as it is instead of being a problem.
//! - `separator`: for a list field, a cell holding several (`101;102`).
//!
//! Several columns for the same single field are tried in order: the first
//! with a value is the reference (the account's id, else the email's domain).
//! When none has a value the row is a problem (skipped with
//! `skip_unmatched`), unless they are all `optional`.
//!
//! ### `[defaults]`: field = value
//!
//! Fields every record gets when it is created (a column with a value for the
//! same field wins): `stage = "onboarding"`, `kind = "user"`. Records created
//! from the file have `source = "import"` unless it is set here.
//!
//! ### Checks
//!
//! The mapping file is checked before any row is read; a problem in it (an
//! unknown key, a field the kind does not have, two columns for one field, no
//! `id`, an unknown kind or `by` or `type`, a bad date format, a field the
//! kind needs on creation that nothing sets, without `update_only`) is refused
//! with the file's name, line and key. A mapped column the CSV header does not
//! have is a problem naming it; a column the mapping does not name is listed as
//! unused. A cell that cannot be read (`12.5` for a whole number, a value no map
//! knows) is a problem at its file, line and column, and its row is left out.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::{Map, Value, json};
use tend_domain::EntityKind;

use super::csv_file::{self, Table};
use super::{Read, RefKey, SourceProblem, SourceRecord, SourceRef, normalise_domain};

/// The reader's name; the records carry the mapping's own `system`.
pub const SYSTEM: &str = "mapped";

/// The date formats tried when the mapping has no `dates`.
const DEFAULT_DATES: &[&str] = &["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"];

/// The fields tend keeps itself.
const RESERVED: &[&str] = &["id", "version", "created_at", "updated_at", "external_id"];

/// A mapping file, checked: how the rows of a CSV file become records.
#[derive(Debug, Clone)]
pub struct Mapping {
    file: String,
    kind: EntityKind,
    system: String,
    id: String,
    columns: Vec<Column>,
    refs: Vec<Ref>,
    /// Set when a record is created.
    defaults: Map<String, Value>,
    skip_unmatched: bool,
    update_only: bool,
    refs_on_create: bool,
}

impl Mapping {
    /// The mapping file's name.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// What the rows become.
    pub fn kind(&self) -> EntityKind {
        self.kind
    }

    /// The source system the ids are kept for.
    pub fn system(&self) -> &str {
        &self.system
    }
}

/// One `[columns]` entry, checked.
#[derive(Debug, Clone)]
struct Column {
    column: String,
    field: String,
    ty: ValueType,
    /// The date formats to try (the column's own, or the mapping's).
    formats: Vec<String>,
    separator: String,
    decimal: Option<char>,
    on_create: bool,
    values: Option<ValueMap>,
    /// A field of a fixed set: its values.
    allowed: Option<Vec<String>>,
    /// A map entry of text: the value is written as text.
    as_text: bool,
}

/// One `[values.FIELD]` table: the file's values (lowercased) to tend's.
#[derive(Debug, Clone)]
struct ValueMap {
    map: Vec<(String, String)>,
    /// The keys as written, for problems.
    keys: Vec<String>,
}

/// One `[refs]` entry, checked.
#[derive(Debug, Clone)]
struct Ref {
    column: String,
    field: String,
    kind: EntityKind,
    by: By,
    system: String,
    many: bool,
    optional: bool,
    separator: Option<String>,
}

// The mapping file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    kind: EntityKind,
    system: String,
    id: String,
    #[serde(default)]
    dates: Option<Vec<String>>,
    #[serde(default)]
    skip_unmatched: bool,
    #[serde(default)]
    update_only: bool,
    #[serde(default)]
    refs_on_create: bool,
    #[serde(default)]
    columns: Entries<ColumnSpec>,
    #[serde(default)]
    values: Entries<Entries<String>>,
    #[serde(default)]
    refs: Entries<RefSpec>,
    #[serde(default)]
    defaults: Entries<toml::Value>,
}

/// A TOML table's entries in the file's order, each with where its key is.
struct Entries<T>(Vec<Entry<T>>);

struct Entry<T> {
    key: String,
    span: Range<usize>,
    value: T,
}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries(vec![])
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Table<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Table<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<T>, A::Error> {
                let mut entries = vec![];
                while let Some(key) = map.next_key::<toml::Spanned<String>>()? {
                    let value = map.next_value()?;
                    entries.push(Entry {
                        span: key.span(),
                        key: key.into_inner(),
                        value,
                    });
                }
                entries.sort_by_key(|e: &Entry<T>| e.span.start);
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(Table(PhantomData))
    }
}

/// A `[columns]` value: the field alone, or a table.
enum ColumnSpec {
    Field(String),
    Full(ColumnFull),
}

impl<'de> Deserialize<'de> for ColumnSpec {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Spec;
        impl<'de> Visitor<'de> for Spec {
            type Value = ColumnSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a field name or a table such as { field = \"mrr_cents\", type = \"money\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ColumnSpec, E> {
                Ok(ColumnSpec::Field(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ColumnSpec, A::Error> {
                ColumnFull::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ColumnSpec::Full)
            }
        }
        d.deserialize_any(Spec)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnFull {
    field: String,
    #[serde(rename = "type", default)]
    ty: Option<ValueType>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    separator: Option<String>,
    #[serde(default)]
    decimal: Option<String>,
    #[serde(default)]
    on_create: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefSpec {
    field: String,
    #[serde(default)]
    kind: Option<EntityKind>,
    #[serde(default)]
    by: By,
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    separator: Option<String>,
}

/// How a cell is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ValueType {
    Text,
    Number,
    Integer,
    Money,
    Bool,
    Date,
    Datetime,
    List,
}

impl ValueType {
    fn name(self) -> &'static str {
        match self {
            ValueType::Text => "text",
            ValueType::Number => "number",
            ValueType::Integer => "integer",
            ValueType::Money => "money",
            ValueType::Bool => "bool",
            ValueType::Date => "date",
            ValueType::Datetime => "datetime",
            ValueType::List => "list",
        }
    }
}

/// How a reference finds its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum By {
    #[default]
    Id,
    Domain,
    EmailDomain,
    Email,
    Name,
}

impl By {
    fn name(self) -> &'static str {
        match self {
            By::Id => "id",
            By::Domain => "domain",
            By::EmailDomain => "email_domain",
            By::Email => "email",
            By::Name => "name",
        }
    }
}

// What a kind's fields hold, from the domain's schema.

/// A field's type.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Text,
    Enum(Vec<String>),
    Integer,
    Number,
    Bool,
    Date,
    DateTime,
    List(Box<Shape>),
    Object,
    Map,
    Unknown,
}

/// A kind's schema (as JSON) and the schemas it refers to.
struct Schema {
    root: Value,
    components: HashMap<String, Value>,
}

fn schema(kind: EntityKind) -> Schema {
    fn of<T: utoipa::ToSchema>() -> Schema {
        let mut refs = vec![];
        T::schemas(&mut refs);
        Schema {
            root: serde_json::to_value(T::schema()).unwrap_or_default(),
            components: refs
                .into_iter()
                .map(|(name, s)| (name, serde_json::to_value(s).unwrap_or_default()))
                .collect(),
        }
    }
    use tend_domain as d;
    match kind {
        EntityKind::Account => of::<d::Account>(),
        EntityKind::Contact => of::<d::Contact>(),
        EntityKind::Interaction => of::<d::Interaction>(),
        EntityKind::SupportCase => of::<d::SupportCase>(),
        EntityKind::Agreement => of::<d::Agreement>(),
        EntityKind::Opportunity => of::<d::Opportunity>(),
        EntityKind::Project => of::<d::Project>(),
        EntityKind::Task => of::<d::Task>(),
        EntityKind::Playbook => of::<d::Playbook>(),
        EntityKind::PlaybookRun => of::<d::PlaybookRun>(),
        EntityKind::NpsResponse => of::<d::NpsResponse>(),
        EntityKind::Document => of::<d::Document>(),
        EntityKind::Alert => of::<d::Alert>(),
        EntityKind::Summary => of::<d::Summary>(),
        EntityKind::SuccessPlan => of::<d::SuccessPlan>(),
        EntityKind::Objective => of::<d::Objective>(),
        EntityKind::Kpi => of::<d::Kpi>(),
        EntityKind::BusinessChallenge => of::<d::BusinessChallenge>(),
        EntityKind::Invoice => of::<d::Invoice>(),
        EntityKind::Payment => of::<d::Payment>(),
    }
}

impl Schema {
    /// A schema with its references followed and `null` alternatives dropped.
    fn resolve<'s>(&'s self, mut node: &'s Value) -> &'s Value {
        for _ in 0..16 {
            if let Some(r) = node.get("$ref").and_then(Value::as_str) {
                match self.components.get(r.rsplit('/').next().unwrap_or(r)) {
                    Some(n) => node = n,
                    None => return node,
                }
            } else if let Some(alts) = ["oneOf", "anyOf", "allOf"]
                .iter()
                .find_map(|k| node.get(*k).and_then(Value::as_array))
            {
                match alts.iter().find(|a| a.get("type") != Some(&json!("null"))) {
                    Some(a) => node = a,
                    None => return node,
                }
            } else {
                break;
            }
        }
        node
    }

    fn shape(&self, node: &Value) -> Shape {
        let node = self.resolve(node);
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            return Shape::Enum(
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            );
        }
        let ty = match node.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or(""),
            _ => "",
        };
        match ty {
            "string" => match node.get("format").and_then(Value::as_str) {
                Some("date") => Shape::Date,
                Some("date-time") => Shape::DateTime,
                _ => Shape::Text,
            },
            "integer" => Shape::Integer,
            "number" => Shape::Number,
            "boolean" => Shape::Bool,
            "array" => Shape::List(Box::new(
                node.get("items")
                    .map_or(Shape::Unknown, |items| self.shape(items)),
            )),
            "object" if node.get("properties").is_some() => Shape::Object,
            "object" => Shape::Map,
            _ => Shape::Unknown,
        }
    }

    fn properties<'s>(&'s self, node: &'s Value) -> Option<&'s Map<String, Value>> {
        self.resolve(node)
            .get("properties")
            .and_then(Value::as_object)
    }

    /// The record's own fields, for problems.
    fn field_names(&self) -> String {
        self.properties(&self.root)
            .map(|p| {
                p.keys()
                    .filter(|k| !RESERVED.contains(&k.as_str()))
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    }

    fn has(&self, field: &str) -> bool {
        self.properties(&self.root)
            .is_some_and(|p| p.contains_key(field))
    }

    /// The fields a record must have when it is created.
    fn required(&self) -> Vec<String> {
        self.resolve(&self.root)
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .filter(|f| !RESERVED.contains(f))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A (dotted) field's type, and whether it is a map's entry of text.
    fn field(&self, kind: EntityKind, path: &str) -> Result<(Shape, bool), String> {
        let mut node = &self.root;
        let mut map_entry = false;
        let mut at = String::new();
        for part in path.split('.') {
            if part.is_empty() {
                return Err(format!("'{path}' is not a field name"));
            }
            let resolved = self.resolve(node);
            if let Some(next) = self.properties(node).and_then(|p| p.get(part)) {
                node = next;
                map_entry = false;
            } else if !at.is_empty()
                && let Some(values) = resolved
                    .get("additionalProperties")
                    .filter(|v| v.is_object())
            {
                node = values;
                map_entry = true;
            } else if at.is_empty() {
                return Err(format!(
                    "{} has no field '{part}' (it has: {})",
                    article(kind),
                    self.field_names()
                ));
            } else {
                let fields = self
                    .properties(node)
                    .map(|p| p.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                return Err(match fields.is_empty() {
                    true => format!("'{at}' has no fields"),
                    false => format!("'{at}' has no field '{part}' (it has: {fields})"),
                });
            }
            if !at.is_empty() {
                at.push('.');
            }
            at.push_str(part);
        }
        let shape = self.shape(node);
        match shape {
            Shape::Map => Err(format!("'{path}' is a map: name an entry ({path}.NAME)")),
            Shape::Object => Err(format!(
                "'{path}' has fields of its own: name one ({path}.FIELD)"
            )),
            Shape::Text if map_entry => Ok((Shape::Text, true)),
            shape => Ok((shape, false)),
        }
    }
}

/// `an account`, `a contact`.
fn article(kind: EntityKind) -> String {
    let name = kind.as_str().replace('_', " ");
    match name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => format!("an {name}"),
        false => format!("a {name}"),
    }
}

/// Whether a field points at records (`account_id`, `contact_ids`).
fn is_reference(field: &str) -> bool {
    !field.contains('.') && (field.ends_with("_id") || field.ends_with("_ids"))
}

/// The type a column is read as when the mapping does not say.
fn default_type(shape: &Shape, as_text: bool) -> ValueType {
    if as_text {
        return ValueType::Text;
    }
    match shape {
        Shape::Integer => ValueType::Integer,
        Shape::Number => ValueType::Number,
        Shape::Bool => ValueType::Bool,
        Shape::Date => ValueType::Date,
        Shape::DateTime => ValueType::Datetime,
        Shape::List(_) => ValueType::List,
        _ => ValueType::Text,
    }
}

/// Whether values of a type fit a field.
fn fits(ty: ValueType, shape: &Shape, as_text: bool) -> bool {
    if as_text || *shape == Shape::Unknown {
        return true;
    }
    match ty {
        ValueType::Text => matches!(shape, Shape::Text | Shape::Enum(_)),
        ValueType::Number => *shape == Shape::Number,
        ValueType::Integer | ValueType::Money => matches!(shape, Shape::Integer | Shape::Number),
        ValueType::Bool => *shape == Shape::Bool,
        ValueType::Date => matches!(shape, Shape::Date | Shape::Text),
        ValueType::Datetime => matches!(shape, Shape::DateTime | Shape::Text),
        ValueType::List => matches!(
            shape,
            Shape::List(items) if matches!(**items, Shape::Text | Shape::Enum(_) | Shape::Unknown)
        ),
    }
}

fn shape_name(shape: &Shape) -> String {
    match shape {
        Shape::Text => "text".into(),
        Shape::Enum(values) => format!("one of {}", values.join(", ")),
        Shape::Integer => "a whole number".into(),
        Shape::Number => "a number".into(),
        Shape::Bool => "true or false".into(),
        Shape::Date => "a date".into(),
        Shape::DateTime => "a date and time".into(),
        Shape::List(items) => format!("a list of {}", shape_name(items)),
        Shape::Object | Shape::Map => "a table".into(),
        Shape::Unknown => "a value".into(),
    }
}

// Reading the mapping file.

/// A problem of the mapping file: `billing.toml:7`, the key.
fn mapping_problem(
    file: &str,
    text: &str,
    at: Option<usize>,
    key: Option<String>,
    message: String,
) -> SourceProblem {
    SourceProblem {
        place: match at {
            Some(at) => format!("{file}:{}", line_of(text, at)),
            None => file.to_string(),
        },
        field: key,
        message,
    }
}

fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The key a position in a TOML text is at: the table's header and the key on
/// the line, or on the line a multi-line value starts on (`columns."MRR"`).
fn key_at(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let header = |l: &str| {
        let l = l.trim();
        (l.starts_with('[') && l.ends_with(']'))
            .then(|| l.trim_matches(|c| c == '[' || c == ']').trim().to_string())
    };
    let mut key = None;
    for line in text[..end].lines().rev() {
        if let Some(h) = header(line) {
            return Some(match key {
                Some(k) => format!("{h}.{k}"),
                None => h,
            });
        }
        if key.is_none()
            && !line.trim_start().starts_with('#')
            && let Some((k, _)) = line.split_once('=')
        {
            key = Some(k.trim().to_string());
        }
    }
    key
}

/// `"Customer No"` as a TOML key.
fn quoted(key: &str) -> String {
    match !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        true => key.to_string(),
        false => format!("{key:?}"),
    }
}

fn date_format_problem(format: &str) -> Option<String> {
    if format.trim().is_empty() {
        return Some("an empty date format".into());
    }
    StrftimeItems::new(format)
        .any(|i| matches!(i, Item::Error))
        .then(|| format!("'{format}' is not a date format (chrono's strftime: %d/%m/%Y)"))
}

/// Reads and checks a mapping file; `file` names it in problems. Every problem
/// of the file is found here, before any row is read.
pub fn parse_mapping(text: &str, file: &str) -> Result<Mapping, SourceProblem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: RawMapping = toml::from_str(text).map_err(|e| toml_problem(file, text, &e))?;
    let check = Check {
        file,
        text,
        kind: raw.kind,
        schema: schema(raw.kind),
    };
    let system = raw.system.trim().to_string();
    if system.is_empty() {
        return Err(check.problem(
            None,
            "system".into(),
            "empty: name the source (system = \"billing\")".into(),
        ));
    }
    let id = raw.id.trim().to_string();
    if id.is_empty() {
        return Err(check.problem(
            None,
            "id".into(),
            "empty: name the column holding each row's id".into(),
        ));
    }
    let dates: Vec<String> = match raw.dates {
        Some(dates) if dates.is_empty() => {
            return Err(check.problem(
                None,
                "dates".into(),
                "empty: give a format, or leave it out".into(),
            ));
        }
        Some(dates) => dates,
        None => DEFAULT_DATES.iter().map(|d| d.to_string()).collect(),
    };
    if let Some(message) = dates.iter().find_map(|d| date_format_problem(d)) {
        return Err(check.problem(None, "dates".into(), message));
    }

    let mut columns: Vec<Column> = vec![];
    for entry in raw.columns.0 {
        let at = entry.span.start;
        let column = check.column(entry, &dates)?;
        if let Some(other) = columns.iter().find(|c| c.field == column.field) {
            return Err(check.problem(
                Some(at),
                format!("columns.{}", quoted(&column.column)),
                format!(
                    "'{}' is already set by columns.{}: one column per field",
                    column.field,
                    quoted(&other.column)
                ),
            ));
        }
        columns.push(column);
    }
    for entry in raw.values.0 {
        check.value_map(entry, &mut columns)?;
    }
    let mut refs: Vec<Ref> = vec![];
    // Columns never set a field that points (`account_id`); refs set only those.
    for entry in raw.refs.0 {
        let r = check.reference(entry, &system, &refs)?;
        refs.push(r);
    }
    let mut defaults = Map::new();
    for entry in raw.defaults.0 {
        let (field, value) = check.default(entry)?;
        defaults.insert(field, value);
    }
    if check.schema.has("source") && !defaults.contains_key("source") {
        defaults.insert("source".into(), json!("import"));
    }
    if !raw.update_only {
        check.creatable(&columns, &refs, &defaults)?;
    }
    Ok(Mapping {
        file: file.to_string(),
        kind: raw.kind,
        system,
        id,
        columns,
        refs,
        defaults,
        skip_unmatched: raw.skip_unmatched,
        update_only: raw.update_only,
        refs_on_create: raw.refs_on_create,
    })
}

/// A TOML error as a problem of the mapping file, at the key it is about.
fn toml_problem(file: &str, text: &str, e: &toml::de::Error) -> SourceProblem {
    let message = e.message().trim().to_string();
    let at = e.span().map(|s| s.start);
    // A key left out: the table it is missing from (or the file), and its name.
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split_once('`'))
        .map(|(name, _)| name.to_string());
    match (missing, at) {
        (Some(name), Some(at)) if at > 0 => {
            let key = key_at(text, at).map_or(name.clone(), |k| format!("{k}.{name}"));
            mapping_problem(file, text, Some(at), Some(key), message)
        }
        (Some(name), _) => mapping_problem(file, text, None, Some(name), message),
        (None, at) => mapping_problem(file, text, at, at.and_then(|at| key_at(text, at)), message),
    }
}

/// What checking a mapping file's tables needs at hand.
struct Check<'a> {
    file: &'a str,
    text: &'a str,
    kind: EntityKind,
    schema: Schema,
}

impl Check<'_> {
    fn problem(&self, at: Option<usize>, key: String, message: String) -> SourceProblem {
        mapping_problem(self.file, self.text, at, Some(key), message)
    }

    /// A `[columns]` entry.
    fn column(&self, entry: Entry<ColumnSpec>, dates: &[String]) -> Result<Column, SourceProblem> {
        let key = format!("columns.{}", quoted(&entry.key));
        let at = Some(entry.span.start);
        let problem = |key: String, message: String| self.problem(at, key, message);
        let column = entry.key.trim().to_string();
        let spec = match entry.value {
            ColumnSpec::Field(field) => ColumnFull {
                field,
                ty: None,
                format: None,
                separator: None,
                decimal: None,
                on_create: false,
            },
            ColumnSpec::Full(full) => full,
        };
        let field = spec.field.trim().to_string();
        if column.is_empty() {
            return Err(problem(key, "an empty column name".into()));
        }
        check_field_name(&field, "columns").map_err(|m| problem(key.clone(), m))?;
        let (shape, as_text) = self
            .schema
            .field(self.kind, &field)
            .map_err(|m| problem(key.clone(), m))?;
        let ty = spec.ty.unwrap_or_else(|| default_type(&shape, as_text));
        if !fits(ty, &shape, as_text) {
            return Err(problem(
                key,
                format!(
                    "'{field}' holds {}: type = \"{}\" does not fit it",
                    shape_name(&shape),
                    ty.name()
                ),
            ));
        }
        let not_for = |what: &str, option: &str| {
            problem(
                format!("{key}.{option}"),
                format!("{what}, not type = \"{}\"", ty.name()),
            )
        };
        let formats = match spec.format {
            Some(f) if matches!(ty, ValueType::Date | ValueType::Datetime) => {
                if let Some(message) = date_format_problem(&f) {
                    return Err(problem(format!("{key}.format"), message));
                }
                vec![f]
            }
            Some(_) => return Err(not_for("a format is for dates", "format")),
            None => dates.to_vec(),
        };
        let separator = match spec.separator {
            Some(_) if ty != ValueType::List => {
                return Err(not_for("a separator is for lists", "separator"));
            }
            Some(s) if s.is_empty() => {
                return Err(problem(format!("{key}.separator"), "empty".into()));
            }
            Some(s) => s,
            None => ",".into(),
        };
        let numeric = matches!(
            ty,
            ValueType::Number | ValueType::Integer | ValueType::Money
        );
        let decimal = match spec.decimal.as_deref() {
            None => None,
            Some(d @ ("." | ",")) if numeric => d.chars().next(),
            Some("." | ",") => return Err(not_for("a decimal mark is for numbers", "decimal")),
            Some(d) => {
                return Err(problem(
                    format!("{key}.decimal"),
                    format!("'{d}': the decimal mark is \".\" or \",\""),
                ));
            }
        };
        let allowed = match &shape {
            Shape::Enum(values) => Some(values.clone()),
            Shape::List(items) => match &**items {
                Shape::Enum(values) => Some(values.clone()),
                _ => None,
            },
            _ => None,
        };
        Ok(Column {
            column,
            field,
            ty,
            formats,
            separator,
            decimal,
            on_create: spec.on_create,
            values: None,
            allowed,
            as_text,
        })
    }

    /// A `[values.FIELD]` table, onto the column of its field.
    fn value_map(
        &self,
        entry: Entry<Entries<String>>,
        columns: &mut [Column],
    ) -> Result<(), SourceProblem> {
        let field = entry.key;
        let key = format!("values.{}", quoted(&field));
        let Some(column) = columns.iter_mut().find(|c| c.field == field) else {
            return Err(self.problem(
                Some(entry.span.start),
                key,
                format!(
                    "no column sets '{field}' (a value map is named by the field, not the column)"
                ),
            ));
        };
        let mut map = ValueMap {
            map: vec![],
            keys: vec![],
        };
        for value in entry.value.0 {
            let mut target = value.value.trim().to_string();
            if let Some(allowed) = &column.allowed
                && !target.is_empty()
            {
                match allowed.iter().find(|a| a.eq_ignore_ascii_case(&target)) {
                    Some(a) => target = a.clone(),
                    None => {
                        return Err(self.problem(
                            Some(value.span.start),
                            format!("{key}.{}", quoted(&value.key)),
                            format!(
                                "'{target}' is not a {field} (one of: {})",
                                allowed.join(", ")
                            ),
                        ));
                    }
                }
            }
            map.keys.push(value.key.trim().to_string());
            map.map.push((value.key.trim().to_lowercase(), target));
        }
        column.values = Some(map);
        Ok(())
    }

    /// A `[refs]` entry; `refs` the ones before it.
    fn reference(
        &self,
        entry: Entry<RefSpec>,
        system: &str,
        refs: &[Ref],
    ) -> Result<Ref, SourceProblem> {
        let key = format!("refs.{}", quoted(&entry.key));
        let at = Some(entry.span.start);
        let problem = |key: String, message: String| self.problem(at, key, message);
        let spec = entry.value;
        let field = spec.field.trim().to_string();
        let column = entry.key.trim().to_string();
        if column.is_empty() {
            return Err(problem(key, "an empty column name".into()));
        }
        let pointing = |f: &str| is_reference(f) && !RESERVED.contains(&f);
        if !pointing(&field) || !self.schema.has(&field) {
            let fields = self
                .schema
                .properties(&self.schema.root)
                .map(|p| {
                    p.keys()
                        .filter(|k| pointing(k))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            return Err(problem(
                format!("{key}.field"),
                match fields.is_empty() {
                    true => format!("{} points at no other record", article(self.kind)),
                    false => format!(
                        "'{field}' is not a field of {} that points at a record ({fields})",
                        article(self.kind)
                    ),
                },
            ));
        }
        let many = field.ends_with("_ids");
        let kind = match spec.kind {
            Some(k) => k,
            None => field
                .strip_suffix("_ids")
                .or_else(|| field.strip_suffix("_id"))
                .and_then(|k| k.parse().ok())
                .ok_or_else(|| {
                    problem(
                        key.clone(),
                        format!("give the kind of record '{field}' points at (kind = \"account\")"),
                    )
                })?,
        };
        let finds = match spec.by {
            By::Id => kind,
            By::Domain | By::EmailDomain | By::Name => EntityKind::Account,
            By::Email => EntityKind::Contact,
        };
        if finds != kind {
            return Err(problem(
                format!("{key}.by"),
                format!(
                    "by = \"{}\" finds {}, not {}",
                    spec.by.name(),
                    article(finds),
                    article(kind)
                ),
            ));
        }
        if spec.system.is_some() && spec.by != By::Id {
            return Err(problem(
                format!("{key}.system"),
                format!(
                    "a system is for by = \"id\", not by = \"{}\"",
                    spec.by.name()
                ),
            ));
        }
        let separator = match spec.separator {
            Some(s) if s.is_empty() => {
                return Err(problem(format!("{key}.separator"), "empty".into()));
            }
            Some(_) if !many => {
                return Err(problem(
                    format!("{key}.separator"),
                    format!("'{field}' points at one record: no separator"),
                ));
            }
            s => s,
        };
        let system = spec.system.as_deref().map_or(system, str::trim).to_string();
        if system.is_empty() {
            return Err(problem(format!("{key}.system"), "empty".into()));
        }
        if let Some(first) = refs.iter().find(|r| r.field == field)
            && first.kind != kind
        {
            return Err(problem(
                key,
                format!(
                    "'{field}' points at {} in refs.{}",
                    article(first.kind),
                    quoted(&first.column)
                ),
            ));
        }
        Ok(Ref {
            column,
            field,
            kind,
            by: spec.by,
            system,
            many,
            optional: spec.optional,
            separator,
        })
    }

    /// A `[defaults]` entry: the field and its value.
    fn default(&self, entry: Entry<toml::Value>) -> Result<(String, Value), SourceProblem> {
        let key = format!("defaults.{}", quoted(&entry.key));
        let problem = |message: String| self.problem(Some(entry.span.start), key.clone(), message);
        let field = entry.key.trim().to_string();
        let top_level = [
            "kind",
            "system",
            "id",
            "dates",
            "skip_unmatched",
            "update_only",
            "refs_on_create",
        ];
        if top_level.contains(&field.as_str()) && !self.schema.has(&field) {
            return Err(problem(format!(
                "'{field}' is not a field: the top-level keys go before the first [table]"
            )));
        }
        check_field_name(&field, "defaults").map_err(problem)?;
        let (shape, as_text) = self.schema.field(self.kind, &field).map_err(problem)?;
        let value = default_value(&entry.value, &shape, as_text).map_err(problem)?;
        Ok((field, value))
    }

    /// Refuses a mapping that leaves out a field the kind needs on creation.
    fn creatable(
        &self,
        columns: &[Column],
        refs: &[Ref],
        defaults: &Map<String, Value>,
    ) -> Result<(), SourceProblem> {
        for required in self.schema.required() {
            let nested = format!("{required}.");
            let set = columns
                .iter()
                .any(|c| c.field == required || c.field.starts_with(&nested))
                || refs.iter().any(|r| r.field == required)
                || defaults.contains_key(&required);
            if !set {
                let how = match is_reference(&required) {
                    true => "map a column to it under [refs]",
                    false => "map a column to it, or give it under [defaults]",
                };
                return Err(SourceProblem {
                    place: self.file.to_string(),
                    field: Some(required.clone()),
                    message: format!(
                        "{} needs '{required}' when it is created: {how} (or set update_only = true)",
                        article(self.kind)
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Refuses the fields tend keeps itself, and references outside `[refs]`.
fn check_field_name(field: &str, table: &str) -> Result<(), String> {
    let top = field.split('.').next().unwrap_or(field);
    if RESERVED.contains(&top) {
        return Err(format!("'{top}' is tend's own"));
    }
    if is_reference(top) {
        return Err(format!(
            "'{top}' points at a record: map the column under [refs], not [{table}]"
        ));
    }
    Ok(())
}

/// A `[defaults]` value as the field's JSON.
fn default_value(value: &toml::Value, shape: &Shape, as_text: bool) -> Result<Value, String> {
    use toml::Value as T;
    let wrong = || format!("not {}", shape_name(shape));
    if as_text {
        return match value {
            T::String(s) => Ok(json!(s)),
            T::Integer(i) => Ok(json!(i.to_string())),
            T::Float(f) => Ok(json!(f.to_string())),
            T::Boolean(b) => Ok(json!(b.to_string())),
            T::Datetime(d) => Ok(json!(d.to_string())),
            _ => Err("not text".into()),
        };
    }
    match (shape, value) {
        (Shape::Text | Shape::Unknown, T::String(s)) => Ok(json!(s)),
        (Shape::Enum(values), T::String(s)) => values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(s.trim()))
            .map(|v| json!(v))
            .ok_or_else(|| format!("'{s}' is not one of: {}", values.join(", "))),
        (Shape::Integer | Shape::Unknown, T::Integer(i)) => Ok(json!(i)),
        (Shape::Number, T::Integer(i)) => Ok(json!(i)),
        (Shape::Number | Shape::Unknown, T::Float(f)) => Ok(json!(f)),
        (Shape::Bool | Shape::Unknown, T::Boolean(b)) => Ok(json!(b)),
        (Shape::Date, T::String(s)) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(|d| json!(d.format("%Y-%m-%d").to_string()))
            .map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD)")),
        (Shape::Date, T::Datetime(d)) if d.time.is_none() => Ok(json!(d.to_string())),
        (Shape::DateTime, T::String(s)) => DateTime::parse_from_rfc3339(s.trim())
            .map(|d| json!(rfc3339(d.with_timezone(&Utc))))
            .map_err(|_| format!("'{s}' is not a date and time (RFC 3339)")),
        (Shape::DateTime, T::Datetime(d)) => DateTime::parse_from_rfc3339(&d.to_string())
            .map(|d| json!(rfc3339(d.with_timezone(&Utc))))
            .map_err(|_| format!("'{d}' is not a date and time with its time zone")),
        (Shape::List(items), T::Array(values)) => values
            .iter()
            .map(|v| default_value(v, items, false))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        _ => Err(wrong()),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

// Reading the rows.

/// Reads the CSV files (`name` each, bytes) by a mapping.
pub fn read(files: &[(String, Vec<u8>)], mapping: &Mapping) -> Read {
    let mut out = Read::default();
    // The ids read so far, with the place of each.
    let mut seen: HashMap<String, String> = HashMap::new();
    for (name, bytes) in files {
        let table = match csv_file::read(bytes, name) {
            Ok(t) => t,
            Err(p) => {
                out.problems.push(p);
                continue;
            }
        };
        read_table(&table, mapping, &mut seen, &mut out);
    }
    out
}

fn read_table(
    table: &Table,
    mapping: &Mapping,
    seen: &mut HashMap<String, String>,
    out: &mut Read,
) {
    let mut used = vec![false; table.headers.len()];
    let mut missing: Vec<String> = vec![];
    let mut locate = |column: &str| match table.column(&[column]) {
        Some(i) => {
            used[i] = true;
            Some(i)
        }
        None => {
            if !missing.iter().any(|m| m.eq_ignore_ascii_case(column)) {
                missing.push(column.to_string());
            }
            None
        }
    };
    let id = locate(&mapping.id);
    let columns: Vec<Option<usize>> = mapping.columns.iter().map(|c| locate(&c.column)).collect();
    let refs: Vec<Option<usize>> = mapping.refs.iter().map(|r| locate(&r.column)).collect();
    for (i, used) in used.iter().enumerate() {
        if !used && !table.headers[i].is_empty() {
            out.unused_columns
                .push(format!("{}: \"{}\"", table.file, table.headers[i]));
        }
    }
    let Some(id) = id.filter(|_| missing.is_empty()) else {
        for column in missing {
            out.problems.push(SourceProblem {
                place: table.file.clone(),
                field: Some(column),
                message: format!("no such column in the header (mapped in {})", mapping.file),
            });
        }
        return;
    };
    let columns: Vec<(usize, &Column)> = columns
        .into_iter()
        .zip(&mapping.columns)
        .filter_map(|(i, c)| Some((i?, c)))
        .collect();
    let refs: Vec<(usize, &Ref)> = refs
        .into_iter()
        .zip(&mapping.refs)
        .filter_map(|(i, r)| Some((i?, r)))
        .collect();
    for (line, row) in &table.rows {
        let place = format!("{}:{line}", table.file);
        let cell = |i: usize| row.get(i).map_or("", |c| c.trim());
        let problem = |field: &str, message: String| SourceProblem {
            place: place.clone(),
            field: Some(field.to_string()),
            message,
        };
        let external_id = cell(id);
        if external_id.is_empty() {
            out.problems
                .push(problem(&mapping.id, "empty: each row needs its id".into()));
            continue;
        }
        if let Some(first) = seen.get(external_id) {
            out.skipped
                .push(problem(&mapping.id, format!("duplicate of {first}")));
            continue;
        }
        seen.insert(external_id.to_string(), place.clone());
        let mut record =
            SourceRecord::new(mapping.kind, &mapping.system, external_id, place.clone());
        record.skip_unmatched = mapping.skip_unmatched;
        record.update_only = mapping.update_only;
        record.refs_on_create = mapping.refs_on_create;
        record.on_create = mapping.defaults.clone();
        let mut bad = false;
        for (i, column) in &columns {
            match convert(column, cell(*i)) {
                Ok(Some(value)) => {
                    let target = match column.on_create {
                        true => &mut record.on_create,
                        false => &mut record.fields,
                    };
                    target.insert(column.field.clone(), value);
                }
                Ok(None) => {}
                Err(message) => {
                    out.problems.push(problem(&column.column, message));
                    bad = true;
                }
            }
        }
        // References: per field, the first column with a value (all of them for
        // a list field).
        let mut fields: Vec<&str> = vec![];
        for (_, r) in &refs {
            if !fields.contains(&r.field.as_str()) {
                fields.push(&r.field);
            }
        }
        for field in fields {
            let group: Vec<&(usize, &Ref)> =
                refs.iter().filter(|(_, r)| r.field == field).collect();
            let (mut found, mut wrong) = (false, false);
            for (i, r) in &group {
                let text = cell(*i);
                if text.is_empty() {
                    continue;
                }
                let items: Vec<&str> = match &r.separator {
                    Some(s) => text
                        .split(s.as_str())
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .collect(),
                    None => vec![text],
                };
                for item in items {
                    match key_of(r, item) {
                        Ok(key) => {
                            record.refs.push(SourceRef {
                                field: r.field.clone(),
                                kind: r.kind,
                                key,
                                many: r.many,
                                optional: r.optional,
                            });
                            found = true;
                        }
                        Err(message) => {
                            out.problems.push(problem(&r.column, message));
                            wrong = true;
                        }
                    }
                }
                if found && !r.many {
                    break;
                }
            }
            bad |= wrong;
            if !found && !wrong && group.iter().any(|(_, r)| !r.optional) {
                let names: Vec<String> = group
                    .iter()
                    .map(|(_, r)| format!("\"{}\"", r.column))
                    .collect();
                let p = problem(
                    &group[0].1.column,
                    format!(
                        "no {} to point {field} at: {} empty",
                        group[0].1.kind,
                        match names.len() {
                            1 => format!("{} is", names[0]),
                            _ => format!("{} are", names.join(" and ")),
                        }
                    ),
                );
                match mapping.skip_unmatched {
                    true => out.skipped.push(p),
                    false => out.problems.push(p),
                }
                bad = true;
            }
        }
        if !bad {
            out.records.push(record);
        }
    }
}

/// What a reference cell finds its record by.
fn key_of(r: &Ref, text: &str) -> Result<RefKey, String> {
    match r.by {
        By::Id => Ok(RefKey::External {
            system: r.system.clone(),
            external_id: text.to_string(),
        }),
        By::Domain => normalise_domain(text)
            .map(RefKey::Domain)
            .ok_or_else(|| format!("'{text}' is not a domain")),
        By::EmailDomain => text
            .rsplit_once('@')
            .and_then(|(_, d)| normalise_domain(d))
            .map(RefKey::Domain)
            .ok_or_else(|| format!("'{text}' is not an email address")),
        By::Email if text.contains('@') => Ok(RefKey::Email(text.to_lowercase())),
        By::Email => Err(format!("'{text}' is not an email address")),
        By::Name => Ok(RefKey::Name(text.to_string())),
    }
}

/// A cell as its field's value; `None` for an empty one.
fn convert(column: &Column, text: &str) -> Result<Option<Value>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value = match column.ty {
        ValueType::List => {
            let mut items = vec![];
            for item in text.split(column.separator.as_str()).map(str::trim) {
                if item.is_empty() {
                    continue;
                }
                if let Some(item) = known_value(column, item)? {
                    items.push(json!(item));
                }
            }
            if items.is_empty() {
                return Ok(None);
            }
            Value::Array(items)
        }
        ty => {
            let Some(text) = known_value(column, text)? else {
                return Ok(None);
            };
            match typed(column, ty, &text)? {
                Some(v) => v,
                None => return Ok(None),
            }
        }
    };
    Ok(Some(match (column.as_text, value) {
        (false, v) => v,
        (true, Value::String(s)) => Value::String(s),
        (true, Value::Array(items)) => json!(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (true, v) => json!(v.to_string()),
    }))
}

/// A value through the field's value map and its fixed set, if any; `None`
/// when the map says to leave it.
fn known_value(column: &Column, text: &str) -> Result<Option<String>, String> {
    let mut text = text.to_string();
    if let Some(values) = &column.values {
        let lower = text.to_lowercase();
        if let Some((_, target)) = values.map.iter().find(|(k, _)| *k == lower) {
            if target.is_empty() {
                return Ok(None);
            }
            text = target.clone();
        } else if let Some((_, target)) = values
            .map
            .iter()
            .find(|(_, t)| !t.is_empty() && t.to_lowercase() == lower)
        {
            text = target.clone();
        } else if column.allowed.is_none() {
            let mut known: Vec<&str> = values.keys.iter().map(String::as_str).collect();
            for (_, t) in &values.map {
                if !t.is_empty() && !known.iter().any(|k| k.eq_ignore_ascii_case(t)) {
                    known.push(t);
                }
            }
            return Err(format!(
                "unknown value '{text}' (known: {}; add it under [values.{}])",
                known.join(", "),
                quoted(&column.field)
            ));
        }
    }
    if let Some(allowed) = &column.allowed {
        match allowed.iter().find(|a| a.eq_ignore_ascii_case(&text)) {
            Some(a) => text = a.clone(),
            None => {
                let mut known: Vec<&str> = column
                    .values
                    .iter()
                    .flat_map(|v| v.keys.iter().map(String::as_str))
                    .collect();
                known.extend(allowed.iter().map(String::as_str));
                return Err(format!(
                    "unknown value '{text}' (known: {}; map it under [values.{}])",
                    known.join(", "),
                    quoted(&column.field)
                ));
            }
        }
    }
    Ok(Some(text))
}

/// A (non-list) value read as its type.
fn typed(column: &Column, ty: ValueType, text: &str) -> Result<Option<Value>, String> {
    Ok(Some(match ty {
        ValueType::Text | ValueType::List => match column.field.as_str() {
            "domain" => match normalise_domain(text) {
                Some(d) => json!(d),
                None => return Ok(None),
            },
            "email" => json!(text.to_lowercase()),
            _ => json!(text),
        },
        ValueType::Number => {
            let n = Decimal::parse(text, column.decimal)
                .ok_or_else(|| format!("'{text}' is not a number"))?;
            match n.whole() {
                Some(i) => json!(i),
                None => {
                    let f: f64 = n
                        .to_string()
                        .parse()
                        .map_err(|_| format!("'{text}' is not a number"))?;
                    json!(f)
                }
            }
        }
        ValueType::Integer => {
            let n = Decimal::parse(text, column.decimal)
                .ok_or_else(|| format!("'{text}' is not a number"))?;
            json!(
                n.whole()
                    .ok_or_else(|| format!("'{text}' is not a whole number"))?
            )
        }
        ValueType::Money => {
            let n = Decimal::parse(text, column.decimal)
                .ok_or_else(|| format!("'{text}' is not an amount of money"))?;
            json!(n.cents().ok_or_else(|| format!("'{text}' is too large"))?)
        }
        ValueType::Bool => match text.to_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" | "x" => json!(true),
            "false" | "no" | "n" | "off" | "0" => json!(false),
            _ => {
                return Err(format!(
                    "'{text}' is not true or false (true/false, yes/no, y/n, on/off, 1/0, x)"
                ));
            }
        },
        ValueType::Date => json!(
            parse_date(text, &column.formats)
                .ok_or_else(|| format!("'{text}' is not a date ({})", column.formats.join(", ")))?
                .format("%Y-%m-%d")
                .to_string()
        ),
        ValueType::Datetime => json!(rfc3339(parse_datetime(text, &column.formats).ok_or_else(
            || format!(
                "'{text}' is not a date and time ({})",
                column.formats.join(", ")
            )
        )?)),
    }))
}

fn parse_date(text: &str, formats: &[String]) -> Option<NaiveDate> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.date_naive());
    }
    formats.iter().find_map(|f| {
        NaiveDate::parse_from_str(text, f)
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(text, f)
                    .ok()
                    .map(|t| t.date())
            })
            .or_else(|| {
                DateTime::parse_from_str(text, f)
                    .ok()
                    .map(|t| t.date_naive())
            })
    })
}

fn parse_datetime(text: &str, formats: &[String]) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    formats.iter().find_map(|f| {
        DateTime::parse_from_str(text, f)
            .ok()
            .map(|t| t.with_timezone(&Utc))
            .or_else(|| {
                NaiveDateTime::parse_from_str(text, f)
                    .ok()
                    .map(|t| t.and_utc())
            })
            .or_else(|| {
                NaiveDate::parse_from_str(text, f)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc())
            })
    })
}

/// A decimal number as written in a cell: its sign, whole digits and fraction
/// digits.
#[derive(Debug, PartialEq)]
struct Decimal {
    negative: bool,
    whole: String,
    fraction: String,
}

impl Decimal {
    /// `1,234.50`, `1.234,50 €`, `-$12`, `(12.50)`, `1 234`, `1'234.5`; `decimal`
    /// the decimal mark when the mapping says.
    fn parse(text: &str, decimal: Option<char>) -> Option<Decimal> {
        let body: String = text
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '\'' | '’')))
            .collect();
        let currency =
            |c: char| !(c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+' | '(' | ')'));
        let mut body = body.as_str();
        let mut negative = false;
        loop {
            let trimmed = body.trim_matches(currency);
            if let Some(inner) = trimmed.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
                negative = !negative;
                body = inner;
            } else if let Some(rest) = trimmed.strip_prefix('-') {
                negative = !negative;
                body = rest;
            } else if let Some(rest) = trimmed.strip_suffix('-') {
                negative = !negative;
                body = rest;
            } else if let Some(rest) = trimmed.strip_prefix('+') {
                body = rest;
            } else {
                body = trimmed;
                break;
            }
        }
        if body.is_empty()
            || !body
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
            || !body.chars().any(|c| c.is_ascii_digit())
        {
            return None;
        }
        let mark = match decimal {
            Some(d) => body.contains(d).then_some(d),
            None => {
                let (comma, dot) = (body.rfind(','), body.rfind('.'));
                match (comma, dot) {
                    (Some(c), Some(d)) => Some(if c > d { ',' } else { '.' }),
                    (None, None) => None,
                    (Some(_), None) | (None, Some(_)) => {
                        let m = if comma.is_some() { ',' } else { '.' };
                        let (before, after) = body.rsplit_once(m).unwrap_or((body, ""));
                        let thousands = body.matches(m).count() > 1
                            || (after.len() == 3
                                && !before.is_empty()
                                && before.trim_start_matches('0').len() == before.len());
                        (!thousands).then_some(m)
                    }
                }
            }
        };
        let (whole, fraction) = match mark {
            Some(m) => body.rsplit_once(m).unwrap_or((body, "")),
            None => (body, ""),
        };
        // The decimal mark once, digits after it; one thousands mark.
        let valid = match mark {
            Some(m) => !whole.contains(m) && !fraction.contains([',', '.']),
            None => !(whole.contains(',') && whole.contains('.')),
        };
        if !valid {
            return None;
        }
        let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
        let whole = whole.trim_start_matches('0').to_string();
        Some(Decimal {
            negative,
            whole,
            fraction: fraction.trim_end_matches('0').to_string(),
        })
    }

    /// As a whole number, if it is one.
    fn whole(&self) -> Option<i64> {
        if !self.fraction.is_empty() {
            return None;
        }
        let n: i64 = if self.whole.is_empty() {
            0
        } else {
            self.whole.parse().ok()?
        };
        Some(if self.negative { -n } else { n })
    }

    /// In hundredths, rounded half away from zero.
    fn cents(&self) -> Option<i64> {
        let whole: i64 = if self.whole.is_empty() {
            0
        } else {
            self.whole.parse().ok()?
        };
        let digits: Vec<i64> = self
            .fraction
            .chars()
            .map(|c| i64::from(c.to_digit(10).unwrap_or(0)))
            .chain(std::iter::repeat(0))
            .take(3)
            .collect();
        let mut cents = whole
            .checked_mul(100)?
            .checked_add(digits[0] * 10 + digits[1])?;
        if digits[2] >= 5 {
            cents = cents.checked_add(1)?;
        }
        Some(if self.negative { -cents } else { cents })
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = if self.whole.is_empty() {
            "0"
        } else {
            &self.whole
        };
        let sign = if self.negative { "-" } else { "" };
        match self.fraction.is_empty() {
            true => write!(f, "{sign}{whole}"),
            false => write!(f, "{sign}{whole}.{}", self.fraction),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BILLING_CSV: &[u8] =
        include_bytes!("../../../../tests/fixtures/csv/billing-customers.csv");
    const BILLING_TOML: &str = include_str!("../../../../tests/fixtures/csv/billing.toml");
    const SEATS_CSV: &[u8] = include_bytes!("../../../../tests/fixtures/csv/seats.csv");
    const SEATS_TOML: &str = include_str!("../../../../tests/fixtures/csv/seats.toml");

    fn mapping(text: &str) -> Mapping {
        parse_mapping(text, "m.toml").unwrap_or_else(|p| panic!("{p}"))
    }

    fn refused(text: &str) -> SourceProblem {
        match parse_mapping(text, "m.toml") {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(p) => p,
        }
    }

    fn read_text(csv: &str, m: &Mapping) -> Read {
        read(&[("f.csv".into(), csv.as_bytes().to_vec())], m)
    }

    #[test]
    fn billing_customers_become_accounts() {
        let m = parse_mapping(BILLING_TOML, "billing.toml").expect("billing.toml");
        assert_eq!(m.kind(), EntityKind::Account);
        assert_eq!(m.system(), "billing");
        let read = read(
            &[("billing-customers.csv".into(), BILLING_CSV.to_vec())],
            &m,
        );
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(read.records.len(), 3);
        let [northwind, contoso, fabrikam] = &read.records[..] else {
            unreachable!()
        };
        assert_eq!(northwind.external_id, "C-1001");
        assert_eq!(northwind.system, "billing");
        assert_eq!(northwind.place, "billing-customers.csv:2");
        assert_eq!(northwind.fields["name"], "Northwind Traders");
        assert_eq!(northwind.fields["domain"], "northwind.example");
        assert_eq!(northwind.fields["segment"], "enterprise");
        assert_eq!(northwind.fields["custom_fields.mrr_cents"], "123450");
        assert_eq!(
            northwind.fields["custom_fields.customer_since"],
            "2024-03-15"
        );
        assert_eq!(northwind.fields["tags"], json!(["wholesale", "priority"]));
        assert_eq!(northwind.fields["owner"], "Maya Chen");
        assert!(!northwind.fields.contains_key("churn.projected_date"));
        assert_eq!(northwind.on_create["stage"], "adoption");
        assert_eq!(northwind.on_create["source"], "import");
        assert!(northwind.refs.is_empty());
        // The quoted notes span two lines.
        assert_eq!(contoso.place, "billing-customers.csv:4");
        assert_eq!(
            contoso.fields["segment"], "enterprise",
            "compared without case"
        );
        assert_eq!(contoso.fields["custom_fields.mrr_cents"], "1200000");
        assert_eq!(contoso.fields["churn.projected_date"], "2026-12-31");
        assert_eq!(fabrikam.fields["domain"], "fabrikam.example");
        assert_eq!(fabrikam.fields["segment"], "mid_market");
        assert_eq!(fabrikam.fields["custom_fields.mrr_cents"], "85000");
        assert_eq!(fabrikam.on_create["stage"], "onboarding");
        assert!(
            !fabrikam.fields.contains_key("owner"),
            "an empty cell sets nothing"
        );
        assert_eq!(
            read.unused_columns,
            [
                "billing-customers.csv: \"VAT Number\"",
                "billing-customers.csv: \"Notes\""
            ]
        );
        assert_eq!(read.skipped.len(), 1);
        assert_eq!(read.skipped[0].place, "billing-customers.csv:6");
        assert_eq!(read.skipped[0].field.as_deref(), Some("Customer No"));
        assert_eq!(
            read.skipped[0].message,
            "duplicate of billing-customers.csv:2"
        );
    }

    #[test]
    fn seats_become_contacts_of_their_email_domain() {
        let m = parse_mapping(SEATS_TOML, "seats.toml").expect("seats.toml");
        let read = read(&[("seats.csv".into(), SEATS_CSV.to_vec())], &m);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(read.records.len(), 5);
        let nancy = &read.records[0];
        assert_eq!(nancy.kind, EntityKind::Contact);
        assert_eq!(nancy.fields["email"], "nancy.davolio@northwind.example");
        assert_eq!(nancy.fields["roles"], json!(["admin"]));
        assert_eq!(nancy.on_create["kind"], "user");
        assert!(nancy.skip_unmatched && nancy.refs_on_create && !nancy.update_only);
        assert_eq!(
            nancy.refs,
            [SourceRef {
                field: "account_id".into(),
                kind: EntityKind::Account,
                key: RefKey::Domain("northwind.example".into()),
                many: false,
                optional: false,
            }]
        );
        assert!(
            !read.records[1].fields.contains_key("roles"),
            "Member maps to nothing"
        );
        assert_eq!(read.records[3].fields["roles"], json!(["billing"]));
        assert_eq!(
            read.records[3].refs[0].key,
            RefKey::Domain("fabrikam.example".into())
        );
        // The store finds no account for gmail.example and skips it.
        assert_eq!(
            read.records[4].refs[0].key,
            RefKey::Domain("gmail.example".into())
        );
        assert_eq!(read.skipped.len(), 1, "{:?}", read.skipped);
        assert_eq!(read.skipped[0].place, "seats.csv:7");
        assert_eq!(read.skipped[0].field.as_deref(), Some("Email"));
        assert_eq!(
            read.skipped[0].message,
            "no account to point account_id at: \"Email\" is empty"
        );
        assert_eq!(
            read.unused_columns,
            ["seats.csv: \"Last Login\"", "seats.csv: \"Status\""]
        );
    }

    #[test]
    fn support_cases_with_dates_flags_sets_and_fallback_references() {
        let m = mapping(
            r#"
kind = "support_case"
system = "helpdesk"
id = "Ticket"
dates = ["%m/%d/%Y %H:%M"]

[columns]
"Ticket"    = "number"
"Subject"   = "subject"
"Priority"  = "priority"
"Severity"  = "severity"
"Status"    = "status"
"Escalated" = "escalated"
"Opened"    = "opened_at"
"Closed"    = { field = "resolved_at", format = "%Y-%m-%d %H:%M %z" }
"Signals"   = { field = "signals", separator = "|" }

[values.status]
"Waiting on customer" = "pending"
"Done"                = "solved"

[refs]
"Customer No" = { field = "account_id", system = "billing" }
"Requester"   = { field = "account_id", by = "email_domain" }
"#,
        );
        let read = read_text(
            "Ticket,Subject,Priority,Severity,Status,Escalated,Opened,Closed,Signals,Customer No,Requester\n\
             T-1,Export fails,HIGH,2,Done,yes,03/02/2026 14:05,2026-03-03 10:00 +0100,Urgency|frustration,C-1002,x@contoso-pharma.example\n\
             T-2,Login loop,Normal,3,Waiting on customer,0,03/04/2026 09:00,,,,Nancy@Northwind.example\n\
             T-3,Slow,low,4,open,x,2026-03-05T08:00:00-05:00,,,,\n",
            &m,
        );
        assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
        assert_eq!(read.problems[0].place, "f.csv:4");
        assert_eq!(read.problems[0].field.as_deref(), Some("Customer No"));
        assert_eq!(
            read.problems[0].message,
            "no account to point account_id at: \"Customer No\" and \"Requester\" are empty"
        );
        let [t1, t2] = &read.records[..] else {
            panic!("{:?}", read.records)
        };
        assert_eq!(t1.fields["number"], "T-1");
        assert_eq!(t1.fields["priority"], "high");
        assert_eq!(t1.fields["severity"], 2);
        assert_eq!(t1.fields["status"], "solved");
        assert_eq!(t1.fields["escalated"], true);
        assert_eq!(t1.fields["opened_at"], "2026-03-02T14:05:00Z");
        assert_eq!(t1.fields["resolved_at"], "2026-03-03T09:00:00Z");
        assert_eq!(t1.fields["signals"], json!(["urgency", "frustration"]));
        assert_eq!(t1.on_create["source"], "import");
        // The first reference column with a value.
        assert_eq!(t1.refs.len(), 1);
        assert_eq!(
            t1.refs[0].key,
            RefKey::External {
                system: "billing".into(),
                external_id: "C-1002".into()
            }
        );
        assert_eq!(t2.fields["status"], "pending");
        assert_eq!(t2.fields["escalated"], false);
        assert_eq!(t2.refs[0].key, RefKey::Domain("northwind.example".into()));
    }

    #[test]
    fn list_references_and_optional_ones() {
        let m = mapping(
            r#"
kind = "interaction"
system = "calls"
id = "Call"

[columns]
"Kind"      = "kind"
"Direction" = "direction"
"When"      = "at"

[values.direction]
"outbound" = "out"
"inbound"  = "in"

[refs]
"Company"  = { field = "account_id", by = "name" }
"People"   = { field = "contact_ids", by = "email", separator = ";", optional = true }
"Attendee" = { field = "contact_ids", by = "email", optional = true }
"#,
        );
        let read = read_text(
            "Call,Kind,Direction,When,Company,People,Attendee\n\
             1,call,outbound,2026-03-02 09:15,Northwind Traders,Nancy.Davolio@northwind.example; andrew@northwind.example,pat@northwind.example\n\
             2,call,inbound,2026-03-03,Fabrikam Robotics,,\n",
            &m,
        );
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let refs = &read.records[0].refs;
        assert_eq!(refs[0].key, RefKey::Name("Northwind Traders".into()));
        let contacts: Vec<&RefKey> = refs[1..].iter().map(|r| &r.key).collect();
        assert_eq!(
            contacts,
            [
                &RefKey::Email("nancy.davolio@northwind.example".into()),
                &RefKey::Email("andrew@northwind.example".into()),
                &RefKey::Email("pat@northwind.example".into()),
            ]
        );
        assert!(
            refs[1..]
                .iter()
                .all(|r| r.many && r.optional && r.kind == EntityKind::Contact)
        );
        assert_eq!(read.records[0].fields["at"], "2026-03-02T09:15:00Z");
        assert_eq!(read.records[1].fields["at"], "2026-03-03T00:00:00Z");
        assert_eq!(read.records[1].refs.len(), 1);
    }

    #[test]
    fn bad_cells_are_problems_with_their_column() {
        let m = mapping(
            r#"
kind = "account"
system = "billing"
id = "No"

[columns]
"Name"  = "name"
"Plan"  = "segment"
"Stage" = "stage"
"Seats" = { field = "custom_fields.seats", type = "integer" }
"Paid"  = { field = "custom_fields.paid", type = "bool" }
"Since" = { field = "custom_fields.since", type = "date" }

[values.segment]
"Ent" = "enterprise"
"MM"  = "mid_market"
"#,
        );
        let read = read_text(
            "No,Name,Plan,Stage,Seats,Paid,Since\n\
             1,Northwind Traders,Gold,adoption,12,yes,2024-03-15\n\
             2,Contoso Pharmaceuticals,enterprise,Live,12.5,maybe,15/03/2024\n\
             ,Fabrikam Robotics,MM,adoption,,,\n\
             4,Fabrikam Robotics,MM,Renewal,1.200,X,\n",
            &m,
        );
        let problems: Vec<String> = read.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "f.csv:2, Plan: unknown value 'Gold' (known: Ent, MM, enterprise, mid_market; add it under [values.segment])",
                "f.csv:3, Stage: unknown value 'Live' (known: onboarding, adoption, expansion, renewal, churned; map it under [values.stage])",
                "f.csv:3, Seats: '12.5' is not a whole number",
                "f.csv:3, Paid: 'maybe' is not true or false (true/false, yes/no, y/n, on/off, 1/0, x)",
                "f.csv:3, Since: '15/03/2024' is not a date (%Y-%m-%d, %Y-%m-%d %H:%M:%S, %Y-%m-%d %H:%M)",
                "f.csv:4, No: empty: each row needs its id",
            ]
        );
        assert_eq!(read.records.len(), 1, "rows with a problem are left out");
        let r = &read.records[0];
        assert_eq!(r.fields["stage"], "renewal");
        assert_eq!(r.fields["custom_fields.seats"], "1200");
        assert_eq!(r.fields["custom_fields.paid"], "true");
    }

    #[test]
    fn a_mapped_column_missing_from_the_header() {
        let m = parse_mapping(SEATS_TOML, "seats.toml").expect("seats.toml");
        let read = read_text("Seat ID,Name,Email\nS-1,Nancy,n@northwind.example\n", &m);
        assert!(read.records.is_empty());
        let problems: Vec<String> = read.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "f.csv, User: no such column in the header (mapped in seats.toml)",
                "f.csv, Role: no such column in the header (mapped in seats.toml)",
            ]
        );
        assert_eq!(read.unused_columns, ["f.csv: \"Name\""]);
    }

    #[test]
    fn duplicate_ids_across_files() {
        let m = parse_mapping(SEATS_TOML, "seats.toml").expect("seats.toml");
        let read = read(
            &[
                ("a.csv".into(), SEATS_CSV.to_vec()),
                (
                    "b.csv".into(),
                    b"Seat ID,User,Email,Role\nS-2,Andrew Fuller,andrew@northwind.example,Admin\n"
                        .to_vec(),
                ),
            ],
            &m,
        );
        let last = read.skipped.last().expect("skipped");
        assert_eq!(last.place, "b.csv:2");
        assert_eq!(last.message, "duplicate of a.csv:3");
    }

    const HEAD: &str = "kind = \"account\"\nsystem = \"billing\"\nid = \"No\"\n";

    fn refused_with(body: &str) -> SourceProblem {
        refused(&format!("{HEAD}{body}"))
    }

    #[test]
    fn mapping_problems_are_refused_with_the_file_line_and_key() {
        let p = refused(
            "kind = \"account\"\nsystem = \"billing\"\nid = \"No\"\nskip_unmached = true\n",
        );
        assert_eq!(p.place, "m.toml:4");
        assert_eq!(p.field.as_deref(), Some("skip_unmached"));
        assert!(
            p.message.starts_with("unknown field `skip_unmached`"),
            "{p}"
        );

        let p = refused("kind = \"acount\"\nsystem = \"billing\"\nid = \"No\"\n");
        assert_eq!(
            (p.place.as_str(), p.field.as_deref()),
            ("m.toml:1", Some("kind"))
        );
        assert!(p.message.contains("unknown variant `acount`"), "{p}");

        let p =
            refused("kind = \"account\"\nsystem = \"billing\"\n[columns]\n\"Name\" = \"name\"\n");
        assert_eq!(
            (p.place.as_str(), p.field.as_deref()),
            ("m.toml", Some("id"))
        );
        assert!(p.message.contains("missing field `id`"), "{p}");

        let p = refused_with(
            "[columns]\n\"Name\" = \"name\"\n\"name\" = \"domain\"\n\"Name\" = \"segment\"\n",
        );
        assert_eq!(p.place, "m.toml:7");
        assert!(p.message.contains("duplicate key"), "{p}");

        let p = refused_with(
            "[columns]\n\"Name\" = \"name\"\n\"Plan\" = { field = \"segment\", tpye = \"text\" }\n",
        );
        assert_eq!(p.place, "m.toml:6");
        assert_eq!(p.field.as_deref(), Some("columns.\"Plan\""));
        assert!(p.message.contains("unknown field `tpye`"), "{p}");

        let p = refused_with(
            "[columns]\n\"Name\" = \"name\"\n\"MRR\" = { field = \"custom_fields.mrr\", type = \"cash\" }\n",
        );
        assert!(p.message.contains("unknown variant `cash`"), "{p}");

        let p = refused_with(
            "[columns]\n\"Name\" = \"name\"\n[refs]\n\"Email\" = { field = \"account_id\", by = \"mail_domain\" }\n",
        );
        assert_eq!(p.place, "m.toml:7");
        assert_eq!(p.field.as_deref(), Some("refs.\"Email\""));
        assert!(p.message.contains("unknown variant `mail_domain`"), "{p}");
    }

    #[test]
    fn mapping_meaning_problems() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "[columns]\n\"Name\" = \"name\"\n\"Title\" = \"name\"\n",
                "columns.Title",
                "'name' is already set by columns.Name: one column per field",
            ),
            (
                "[columns]\n\"Name\" = \"nmae\"\n",
                "columns.Name",
                "an account has no field 'nmae' (it has: churn, custom_fields, domain, focus_areas, goals_profile, health_profile, name, owner, parent_id, pulse, region, segment, source, stage, tags, team)",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n\"Since\" = { field = \"custom_fields.since\", type = \"date\", format = \"%d/%i/%Y\" }\n",
                "columns.Since.format",
                "'%d/%i/%Y' is not a date format (chrono's strftime: %d/%m/%Y)",
            ),
            (
                "dates = [\"%Y-%m-%d\", \"%Q\"]\n[columns]\n\"Name\" = \"name\"\n",
                "dates",
                "'%Q' is not a date format (chrono's strftime: %d/%m/%Y)",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n\"Web\" = { field = \"domain\", type = \"money\" }\n",
                "columns.Web",
                "'domain' holds text: type = \"money\" does not fit it",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n\"Owner\" = \"parent_id\"\n",
                "columns.Owner",
                "'parent_id' points at a record: map the column under [refs], not [columns]",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n\"Extra\" = \"custom_fields\"\n",
                "columns.Extra",
                "'custom_fields' is a map: name an entry (custom_fields.NAME)",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n[values.segment]\n\"Ent\" = \"enterprise\"\n",
                "values.segment",
                "no column sets 'segment' (a value map is named by the field, not the column)",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n\"Status\" = \"stage\"\n[values.stage]\n\"Live\" = \"active\"\n",
                "values.stage.Live",
                "'active' is not a stage (one of: onboarding, adoption, expansion, renewal, churned)",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n[refs]\n\"Contact\" = { field = \"parent_id\", kind = \"account\", by = \"email\" }\n",
                "refs.Contact.by",
                "by = \"email\" finds a contact, not an account",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n[refs]\n\"Group\" = { field = \"parent_id\" }\n",
                "refs.Group",
                "give the kind of record 'parent_id' points at (kind = \"account\")",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n[refs]\n\"Group\" = { field = \"segment\", kind = \"account\" }\n",
                "refs.Group.field",
                "'segment' is not a field of an account that points at a record (parent_id)",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n[defaults]\nstage = \"onboarding\"\nskip_unmatched = true\n",
                "defaults.skip_unmatched",
                "'skip_unmatched' is not a field: the top-level keys go before the first [table]",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n[defaults]\nstage = \"live\"\n",
                "defaults.stage",
                "'live' is not one of: onboarding, adoption, expansion, renewal, churned",
            ),
            (
                "[columns]\n\"Name\" = \"name\"\n",
                "stage",
                "an account needs 'stage' when it is created: map a column to it, or give it under [defaults] (or set update_only = true)",
            ),
        ];
        for (body, key, message) in cases {
            let body = match body.contains("stage") || *key == "stage" {
                true => body.to_string(),
                false => format!("{body}[defaults]\nstage = \"onboarding\"\n"),
            };
            let p = refused_with(&body);
            assert_eq!(
                (p.field.as_deref(), p.message.as_str()),
                (Some(*key), *message),
                "{body}"
            );
            assert!(p.place.starts_with("m.toml"), "{p}");
        }
        // A problem's line is its key's.
        let p = refused_with(
            "[columns]\n\"Name\" = \"name\"\n\"Title\" = \"name\"\n[defaults]\nstage = \"onboarding\"\n",
        );
        assert_eq!(p.place, "m.toml:6");
        // update_only needs nothing for creation.
        mapping(&format!(
            "update_only = true\n{HEAD}[columns]\n\"Web\" = \"domain\"\n"
        ));
    }

    #[test]
    fn the_documented_example_is_a_valid_mapping() {
        let source = include_str!("mapped.rs");
        let example: String = source
            .lines()
            .skip_while(|l| *l != "//! ```toml")
            .skip(1)
            .take_while(|l| *l != "//! ```")
            .map(|l| format!("{}\n", l.trim_start_matches("//!").trim_start_matches(' ')))
            .collect();
        let m = mapping(&example);
        assert_eq!(m.kind(), EntityKind::Account);
        let read = read_text(
            "Customer No,Customer Name,Web,Plan,MRR,Since,Seats,Tags,Status,Group No\n\
             C-1,Northwind Traders,https://www.northwind.example/,n/a,\"1,234.50\",31/12/2026,\"1.234,5\",\"a, b\",adoption,\n\
             C-2,Northwind Traders (EU),northwind-eu.example,Ent,\"99\",01/01/2026,,,,C-1\n",
            &m,
        );
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let r = &read.records[0];
        assert!(!r.fields.contains_key("segment"));
        assert_eq!(r.fields["custom_fields.mrr"], "123450");
        assert_eq!(r.fields["custom_fields.since"], "2026-12-31");
        assert_eq!(r.fields["custom_fields.seats"], "1234.5");
        assert_eq!(r.fields["tags"], json!(["a", "b"]));
        assert_eq!(r.on_create["stage"], "adoption");
        assert!(r.refs.is_empty(), "an optional reference left empty");
        let group = &read.records[1];
        assert_eq!(group.fields["segment"], "enterprise");
        assert_eq!(group.on_create["stage"], "onboarding");
        assert_eq!(
            group.refs[0].key,
            RefKey::External {
                system: "billing".into(),
                external_id: "C-1".into()
            }
        );
    }

    #[test]
    fn numbers_as_files_write_them() {
        let cents = |t: &str| Decimal::parse(t, None).and_then(|d| d.cents());
        assert_eq!(cents("1,234.50"), Some(123_450));
        assert_eq!(cents("1.234,50"), Some(123_450));
        assert_eq!(cents("1.234,50 €"), Some(123_450));
        assert_eq!(cents("€1 234,5"), Some(123_450));
        assert_eq!(cents("$1,234"), Some(123_400));
        assert_eq!(cents("USD 1234.5678"), Some(123_457));
        assert_eq!(
            cents("1.234"),
            Some(123_400),
            "three digits after one mark: thousands"
        );
        assert_eq!(cents("-$12.30"), Some(-1_230));
        assert_eq!(cents("(12.30)"), Some(-1_230));
        assert_eq!(cents("1'234'567.00 CHF"), Some(123_456_700));
        assert_eq!(cents("0.125"), Some(13));
        assert_eq!(cents("12"), Some(1_200));
        assert_eq!(cents("12abc3"), None);
        assert_eq!(cents("1,234.5,6"), None);
        assert_eq!(cents("EUR"), None);
        let number = |t: &str, d: Option<char>| Decimal::parse(t, d).map(|d| d.to_string());
        assert_eq!(number("1.5", None).as_deref(), Some("1.5"));
        assert_eq!(number("1.234", None).as_deref(), Some("1234"));
        assert_eq!(number("1.234", Some('.')).as_deref(), Some("1.234"));
        assert_eq!(number("1,5", Some('.')).as_deref(), Some("15"));
        assert_eq!(number("1.234.567", None).as_deref(), Some("1234567"));
        assert_eq!(number("007", None).as_deref(), Some("7"));
    }

    #[test]
    fn numbers_and_money_in_fields() {
        let m = mapping(
            r#"
kind = "agreement"
system = "billing"
id = "Contract"

[columns]
"Contract" = "name"
"MRR"      = { field = "mrr_cents", type = "money", decimal = "," }
"Start"    = "start"
"End"      = "end"
"Notice"   = "notice_days"
"Renews"   = "auto_renew"
"Status"   = "status"

[refs]
"Customer No" = { field = "account_id" }

[defaults]
kind = "initial"
"#,
        );
        let read = read_text(
            "Contract,MRR,Start,End,Notice,Renews,Status,Customer No\n\
             K-1,\"1.234\",2026-01-01,2026-12-31,30,yes,active,C-1001\n",
            &m,
        );
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let r = &read.records[0];
        assert_eq!(r.fields["mrr_cents"], 123_400);
        assert_eq!(r.fields["start"], "2026-01-01");
        assert_eq!(r.fields["notice_days"], 30);
        assert_eq!(r.fields["auto_renew"], true);
        assert_eq!(r.on_create["kind"], "initial");
        assert_eq!(
            r.refs[0].kind,
            EntityKind::Account,
            "the kind from the field's name"
        );
        assert_eq!(
            r.refs[0].key,
            RefKey::External {
                system: "billing".into(),
                external_id: "C-1001".into()
            }
        );
    }
}
