//! The filter language: one syntax for the TUI, the command line and the API.
//!
//! A filter is a list of *terms* separated by whitespace; a record matches when it
//! matches **every** term. The empty filter (nothing but whitespace) matches every
//! record.
//!
//! ```text
//! health<40 region:EMEA tag:enterprise renewal<90d owner:@me -stage:churned "acme"
//! priority:urgent region:EMEA health<50
//! ```
//!
//! # Terms
//!
//! | form               | meaning                                                    |
//! |--------------------|------------------------------------------------------------|
//! | `acme`             | free text: a bare word                                     |
//! | `"acme corp"`      | free text: quoted (may hold spaces; `\"` and `\\` escape)  |
//! | `field:value`      | the field equals (text fields: see below) the value        |
//! | `field=value`      | the same as `field:value`                                  |
//! | `field<value`      | less than; also `<=`, `>`, `>=`                            |
//! | `field:a..b`       | between `a` and `b`, both included (`health:40..60`)       |
//! | `-term`            | negation: records that do *not* match the term             |
//! | `@me`              | shorthand for `owner:@me`                                   |
//! | `@followed`        | shorthand for `followed:@me`                                |
//! | `cf.NAME:value`    | a custom field (`[[custom_fields]]` in the config)          |
//!
//! Free text matches the account's name and domain on account lists and the case's
//! number and subject on case lists, case-insensitively. A bare word cannot start
//! with `-` or `@` and cannot hold a quote; a word that looks like `name:value`
//! is read as a field term, so text such as `re:renewal` must be quoted. `""`
//! (empty quotes) is an error rather than a term that matches everything.
//!
//! Field names are case-insensitive; so are enum values, in which `-` may stand
//! for `_` (`churn:at-risk`). A value holding spaces is quoted:
//! `owner:"Jane Doe"`. The comparison operators and ranges apply to numbers,
//! money, dates and ages only; every other field takes `:` (or `=`).
//!
//! # Account fields
//!
//! | field           | aliases                   | value                                                        |
//! |-----------------|---------------------------|--------------------------------------------------------------|
//! | `name`          | `account`                 | text; the name *contains* it                                  |
//! | `domain`        |                           | text; the domain *contains* it                                |
//! | `owner`         | `csm`                     | a user name, or `@me` for the signed-in user                  |
//! | `followed`      | `follows`                 | a user name or `@me`: the accounts that user owns or is on the team of |
//! | `stage`         |                           | `onboarding`, `adoption`, `expansion`, `renewal`, `churned`   |
//! | `segment`       |                           | text                                                         |
//! | `region`        |                           | text (the **account's** region; see `case_region`)            |
//! | `tag`           | `tags`                    | text; the account carries that tag                            |
//! | `goals`         | `goals_profile`           | text; the account's goals profile                             |
//! | `parent`        | `group`                   | text; the name of the parent account                          |
//! | `mrr`           |                           | money: `5000`, `$5k`, `1.5m`, `99.50` (`k` = thousand, `m` = million) |
//! | `renewal`       | `renews`                  | a date (see below): the nearest notice date (newest terms)    |
//! | `health`        | `health_score`, `score`   | a whole number 0–100, or a health status word (below)         |
//! | `health_status` | `hstatus`                 | `at_risk`, `concerning`, `healthy`                            |
//! | `trend`         |                           | `up`, `down`, `flat`, or the score change in points (`trend<-5`) |
//! | `churn`         | `churn_likelihood`        | `none`, `at_risk`, `confirmed`                                |
//! | `drag`          |                           | a health measure id (`days_since_touch`): the account's biggest drag |
//!
//! `health:at_risk` (a status word after `health`) is read as
//! `health_status:at_risk`, so both spellings work; numbers always mean the score.
//! `trend:up` means a change of at least +0.5 point against the previous weekly
//! snapshot, `trend:down` at most -0.5, `trend:flat` in between (the arrows of the
//! portfolio). `drag:days_since_touch` lists the accounts whose score that measure
//! pulls down the most (`tend health profiles` lists the measure ids).
//!
//! # Custom fields
//!
//! `cf.NAME` tests one of the organisation's custom fields (`cf.tier:gold`). The
//! value says how it compares: a number (`cf.seats>=50`, `cf.seats:10..100`)
//! compares as a number, a date (`cf.kickoff<2026-06-01`, `cf.kickoff>-30d`) as
//! a day, and anything else is text that the value equals, ignoring case
//! (`cf.tier:gold`; `cf.exec_sponsor:@me` for the signed-in user). Text takes
//! `:` only. An account without the field matches no `cf.` term.
//!
//! # Case fields
//!
//! | field         | aliases           | value                                                               |
//! |---------------|-------------------|---------------------------------------------------------------------|
//! | `priority`    | `prio`            | `urgent`, `high`, `normal`, `low`                                   |
//! | `severity`    | `sev`             | a whole number 1 (critical) – 4 (minor)                             |
//! | `status`      | `case_status`     | `new`, `open`, `pending`, `hold`, `solved`, `closed`                |
//! | `team`        |                   | text: the support team handling the case                            |
//! | `case_region` | `cregion`         | text: the **case's** own region                                      |
//! | `signal`      | `signals`         | `negative_sentiment`, `frustration`, `urgency`, `escalation_request` |
//! | `escalated`   |                   | `yes`, `no` (also `true`, `false`)                                   |
//! | `created`     | `opened`          | a date: when the case was opened                                    |
//! | `age`         |                   | a length (`7d`, `2w`): how long ago the case was opened              |
//!
//! Names that exist on both accounts and cases were given one meaning each:
//! `status` is the case's status (the account's health band is `health_status`),
//! `region` is the account's region (the case's own is `case_region`), `team` is
//! the support team of a case, and `created` is when a case was opened. Case
//! fields are refused where only accounts are listed ([`Filter::parse_accounts`]);
//! on case lists, account fields apply to the case's account.
//!
//! # Dates and lengths
//!
//! A date is either absolute, `2026-12-31`, or relative to today: a signed
//! amount and a unit, `d` (days), `w` (weeks), `m` (calendar months) or `y`
//! (years); `today` is `0d`. `renewal<90d` reads "renewal before today + 90
//! days" (overdue renewals included; `renewal:0d..90d` keeps only the coming
//! ones) and `created>-7d` reads "opened after today - 7 days". Relative dates
//! stay relative in a [`Filter`], so a saved filter means the same thing
//! tomorrow; [`DateValue::resolve`] turns one into a day.
//!
//! An age is an unsigned length in the same units: `age>14d` reads "opened more
//! than 14 days ago".
//!
//! # Errors
//!
//! A term that does not parse is an error, never skipped: [`FilterError`] holds
//! the character offset and length of the offending text, and its `Display`
//! shows the input with a caret line under it:
//!
//! ```text
//! expected a number for health, found '4o'
//!   health<4o
//!          ^^
//! ```
//!
//! # Canonical form
//!
//! `Display` for [`Filter`] prints canonical field names and normalised values
//! (`health_status:at_risk`, `mrr>5k`, `escalated:yes`, `owner:@me`); the printed
//! text parses back to an equal [`Filter`].

mod error;
mod parse;

use std::fmt;

use chrono::{Days, Months, NaiveDate};

use crate::health::Measure;
use tend_domain::{CaseStatus, ChurnLikelihood, HealthStatus, Priority, Signal, Stage};

pub use error::FilterError;

/// A parsed filter: all its terms must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub terms: Vec<Term>,
}

/// One term of a filter, possibly negated (`-stage:churned`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub kind: TermKind,
}

/// What a term tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    /// Free text (a bare word or a quoted string), never empty.
    Text(String),
    /// `field<op>value`.
    Field { field: Field, op: Op, value: Value },
    /// `field:from..to`, both ends included, `from` not after `to` when the two
    /// can be compared without knowing today's date.
    Range {
        field: Field,
        from: Value,
        to: Value,
    },
    /// `cf.NAME<op>value`: one of the organisation's custom fields (lowercase
    /// `name`). The value is a [`Value::Number`] or a [`Value::Date`] (any
    /// operator), else [`Value::Text`] or [`Value::Me`] (`:` only).
    Custom { name: String, op: Op, value: Value },
    /// `cf.NAME:from..to`, both ends numbers or both dates.
    CustomRange {
        name: String,
        from: Value,
        to: Value,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `:` (or `=`): equals; for `name` and `domain`, contains.
    Eq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// The canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => ":",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// Whether a field belongs to an account or to a support case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Account,
    Case,
}

/// The direction of an account's health score against the previous weekly snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trend {
    /// Up by at least 0.5 point.
    Up,
    /// Down by at least 0.5 point.
    Down,
    /// Within half a point.
    Flat,
}

tend_domain::named_enum!(Trend { Up => "up", Down => "down", Flat => "flat" });

/// What kind of value a field takes (drives parsing and the operators allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Free-form text; only `:`.
    Text,
    /// A user name or `@me`; only `:`.
    Owner,
    /// One of a fixed set of words; only `:`.
    Enum,
    /// yes / no; only `:`.
    Bool,
    /// A whole number in `min..=max`; every operator and ranges.
    Int { min: i64, max: i64 },
    /// Money; every operator and ranges.
    Money,
    /// A number of points or up/down/flat.
    Trend,
    /// A date; every operator and ranges.
    Date,
    /// A length of time; every operator and ranges.
    Age,
}

macro_rules! fields {
    ($($variant:ident => $name:literal [$($alias:literal),*] $scope:ident $kind:expr;)+) => {
        /// A field a filter can test. See the module documentation for what each means.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $($variant),+
        }

        impl Field {
            /// Every field, accounts' first.
            pub const ALL: &'static [Field] = &[$(Field::$variant),+];

            /// The canonical name, as printed.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),+ }
            }

            /// Other names accepted for the field.
            pub fn aliases(self) -> &'static [&'static str] {
                match self { $(Field::$variant => &[$($alias),*]),+ }
            }

            /// Whether the field is an account's or a case's.
            pub fn scope(self) -> Scope {
                match self { $(Field::$variant => Scope::$scope),+ }
            }

            pub(crate) fn kind(self) -> Kind {
                match self { $(Field::$variant => $kind),+ }
            }

            /// The field with that name or alias, ignoring ASCII case.
            pub fn lookup(name: &str) -> Option<Field> {
                $(
                    if name.eq_ignore_ascii_case($name)
                        $(|| name.eq_ignore_ascii_case($alias))*
                    {
                        return Some(Field::$variant);
                    }
                )+
                None
            }

            /// Every name and alias, for suggestions.
            pub(crate) const NAMES: &'static [&'static str] = &[$($name $(, $alias)*),+];
        }
    };
}

fields! {
    Name => "name" ["account"] Account Kind::Text;
    Domain => "domain" [] Account Kind::Text;
    Owner => "owner" ["csm"] Account Kind::Owner;
    Followed => "followed" ["follows"] Account Kind::Owner;
    Stage => "stage" [] Account Kind::Enum;
    Segment => "segment" [] Account Kind::Text;
    Region => "region" [] Account Kind::Text;
    Tag => "tag" ["tags"] Account Kind::Text;
    Goals => "goals" ["goals_profile"] Account Kind::Text;
    Parent => "parent" ["group"] Account Kind::Text;
    Mrr => "mrr" [] Account Kind::Money;
    Renewal => "renewal" ["renews"] Account Kind::Date;
    Health => "health" ["health_score", "score"] Account Kind::Int { min: 0, max: 100 };
    HealthStatus => "health_status" ["hstatus"] Account Kind::Enum;
    Trend => "trend" [] Account Kind::Trend;
    Churn => "churn" ["churn_likelihood"] Account Kind::Enum;
    Drag => "drag" [] Account Kind::Enum;
    Priority => "priority" ["prio"] Case Kind::Enum;
    Severity => "severity" ["sev"] Case Kind::Int { min: 1, max: 4 };
    Status => "status" ["case_status"] Case Kind::Enum;
    Team => "team" [] Case Kind::Text;
    CaseRegion => "case_region" ["cregion"] Case Kind::Text;
    Signal => "signal" ["signals"] Case Kind::Enum;
    Escalated => "escalated" [] Case Kind::Bool;
    Created => "created" ["opened"] Case Kind::Date;
    Age => "age" [] Case Kind::Age;
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A unit of relative dates and ages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// `d`
    Day,
    /// `w`: 7 days.
    Week,
    /// `m`: a calendar month (the day is clamped to the month's last).
    Month,
    /// `y`: 12 calendar months.
    Year,
}

impl Unit {
    /// The one-letter spelling.
    pub fn as_char(self) -> char {
        match self {
            Unit::Day => 'd',
            Unit::Week => 'w',
            Unit::Month => 'm',
            Unit::Year => 'y',
        }
    }
}

/// The largest amount of a relative date or an age (`10000d`, `-10000y`).
pub const MAX_AMOUNT: i32 = 10_000;

/// A signed length of time: `90d`, `-7d`, `3m`. `amount` is within ±[`MAX_AMOUNT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    pub amount: i32,
    pub unit: Unit,
}

impl Interval {
    /// `day` moved by the interval (forward when positive), saturating at the
    /// bounds of `NaiveDate`.
    pub fn from(self, day: NaiveDate) -> NaiveDate {
        let n = self.amount.unsigned_abs();
        let forward = self.amount >= 0;
        let moved = match self.unit {
            Unit::Day | Unit::Week => {
                let days = Days::new(u64::from(n) * if self.unit == Unit::Week { 7 } else { 1 });
                if forward {
                    day.checked_add_days(days)
                } else {
                    day.checked_sub_days(days)
                }
            }
            Unit::Month | Unit::Year => {
                let months = Months::new(n * if self.unit == Unit::Year { 12 } else { 1 });
                if forward {
                    day.checked_add_months(months)
                } else {
                    day.checked_sub_months(months)
                }
            }
        };
        moved.unwrap_or(if forward {
            NaiveDate::MAX
        } else {
            NaiveDate::MIN
        })
    }

    /// `today` moved back by the interval: the day a case opened `age` ago.
    pub fn ago(self, today: NaiveDate) -> NaiveDate {
        Interval {
            amount: -self.amount,
            unit: self.unit,
        }
        .from(today)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.as_char())
    }
}

/// A date in a filter: a day, or a distance from today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateValue {
    /// `2026-12-31`
    On(NaiveDate),
    /// `90d` (today + 90 days), `-7d` (today - 7 days).
    Relative(Interval),
}

impl DateValue {
    /// The day meant, given today's date.
    pub fn resolve(&self, today: NaiveDate) -> NaiveDate {
        match *self {
            DateValue::On(day) => day,
            DateValue::Relative(interval) => interval.from(today),
        }
    }
}

impl fmt::Display for DateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateValue::On(day) => write!(f, "{}", day.format("%Y-%m-%d")),
            DateValue::Relative(interval) => interval.fmt(f),
        }
    }
}

/// A typed value, as the field requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text fields and owner names, as typed (matching ignores case).
    Text(String),
    /// `owner:@me`: the signed-in user.
    Me,
    /// `health`, `severity` and `trend` in points.
    Int(i64),
    /// `mrr`, in cents.
    Money(i64),
    Bool(bool),
    Stage(Stage),
    HealthStatus(HealthStatus),
    Churn(ChurnLikelihood),
    Trend(Trend),
    Priority(Priority),
    Status(CaseStatus),
    Signal(Signal),
    /// `drag`: a health measure.
    Drag(Measure),
    /// `renewal`, `created`, a custom date.
    Date(DateValue),
    /// A custom field's number, as written (`12`, `-3.5`): compared as a number.
    Number(String),
    /// `age` (amount never negative).
    Age(Interval),
}

impl Value {
    /// The day a date or age value stands for, given today's date (an age is the
    /// day that long ago); `None` for other values.
    pub fn resolve_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            Value::Date(date) => Some(date.resolve(today)),
            Value::Age(interval) => Some(interval.ago(today)),
            _ => None,
        }
    }
}

/// The longest filter taken, in characters: far above any filter a person writes
/// (the longest in the docs is under 100), well below what the store's pattern
/// matching refuses (50,000). Longer ones are refused as invalid, naming it.
pub const MAX_FILTER_CHARS: usize = 2_000;

impl Filter {
    /// Parses a filter in which account and case fields are both allowed (case lists).
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        parse::parse(input, false)
    }

    /// Parses a filter for a list of accounts: case fields are refused with an
    /// error pointing at the field name.
    pub fn parse_accounts(input: &str) -> Result<Filter, FilterError> {
        parse::parse(input, true)
    }

    /// Whether the filter has no terms (matches everything).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether a term tests `field`.
    pub fn tests(&self, field: Field) -> bool {
        self.terms.iter().any(|t| {
            matches!(t.kind, TermKind::Field { field: f, .. } | TermKind::Range { field: f, .. } if f == field)
        })
    }

    /// The case fields the filter tests, in order, repeats included.
    pub fn case_fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.terms.iter().filter_map(|t| match t.kind {
            TermKind::Field { field, .. } | TermKind::Range { field, .. }
                if field.scope() == Scope::Case =>
            {
                Some(field)
            }
            _ => None,
        })
    }
}

/// Whether a listing filtered by `expr` leaves churned accounts out by default
/// (portfolios, counts, case lists): yes, unless the filter tests the stage
/// itself and so says which stages it wants. A filter that does not parse gets
/// the default; its error is reported by the listing.
pub fn churned_out_by_default(expr: Option<&str>) -> bool {
    expr.and_then(|e| Filter::parse(e).ok())
        .is_none_or(|f| !f.tests(Field::Stage))
}

impl std::str::FromStr for Filter {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Filter, FilterError> {
        Filter::parse(s)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{term}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("-")?;
        }
        match &self.kind {
            TermKind::Text(text) => {
                if is_bare_text(text) {
                    f.write_str(text)
                } else {
                    write_quoted(f, text)
                }
            }
            TermKind::Field { field, op, value } => {
                write!(f, "{}{}", field.name(), op.as_str())?;
                write_value(f, value)
            }
            TermKind::Range { field, from, to } => {
                write!(f, "{}:", field.name())?;
                write_value(f, from)?;
                f.write_str("..")?;
                write_value(f, to)
            }
            TermKind::Custom { name, op, value } => {
                write!(f, "cf.{name}{}", op.as_str())?;
                match value {
                    Value::Text(t) if parse::custom_text_needs_quotes(t) => write_quoted(f, t),
                    v => write_value(f, v),
                }
            }
            TermKind::CustomRange { name, from, to } => {
                write!(f, "cf.{name}:")?;
                write_value(f, from)?;
                f.write_str("..")?;
                write_value(f, to)
            }
        }
    }
}

/// Free text that reads back as the same bare word.
fn is_bare_text(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '\'' | '&' | '+' | '#' | '/'))
}

/// A field value that reads back as the same bare value.
fn is_bare_value(text: &str) -> bool {
    !text.is_empty()
        && !text.eq_ignore_ascii_case("@me")
        && text
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '"')
}

fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

fn write_value(f: &mut fmt::Formatter<'_>, value: &Value) -> fmt::Result {
    match value {
        Value::Text(text) if is_bare_value(text) => f.write_str(text),
        Value::Text(text) => write_quoted(f, text),
        Value::Me => f.write_str("@me"),
        Value::Int(n) => write!(f, "{n}"),
        Value::Money(cents) => write_money(f, *cents),
        Value::Bool(b) => f.write_str(if *b { "yes" } else { "no" }),
        Value::Stage(v) => f.write_str(v.as_str()),
        Value::HealthStatus(v) => f.write_str(v.as_str()),
        Value::Churn(v) => f.write_str(v.as_str()),
        Value::Trend(v) => f.write_str(v.as_str()),
        Value::Priority(v) => f.write_str(v.as_str()),
        Value::Status(v) => f.write_str(v.as_str()),
        Value::Signal(v) => f.write_str(v.as_str()),
        Value::Drag(m) => f.write_str(m.key()),
        Value::Date(d) => write!(f, "{d}"),
        Value::Number(n) => f.write_str(n),
        Value::Age(i) => write!(f, "{i}"),
    }
}

/// `500000` cents as `5k`, `150` as `1.50`, `100000000` as `1m`.
fn write_money(f: &mut fmt::Formatter<'_>, cents: i64) -> fmt::Result {
    if cents % 100 != 0 {
        return write!(f, "{}.{:02}", cents / 100, (cents % 100).abs());
    }
    let dollars = cents / 100;
    if dollars != 0 && dollars % 1_000_000 == 0 {
        write!(f, "{}m", dollars / 1_000_000)
    } else if dollars != 0 && dollars % 1_000 == 0 {
        write!(f, "{}k", dollars / 1_000)
    } else {
        write!(f, "{dollars}")
    }
}
