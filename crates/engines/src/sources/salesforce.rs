//! Salesforce's CSV exports (Data Loader, or Setup > Data Export): accounts,
//! contacts and opportunities, each file with the fields' API names as its
//! header (`Id`, `AccountId`, `StageName`; a relationship's field as
//! `Owner.Name`). The kind is told by the header. Records are keyed by their
//! Salesforce id in its 18-character form, so that a 15-character id (as reports
//! and formulas write them) meets the same record. Rows Salesforce has in its
//! recycle bin (`IsDeleted`) are left out.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::json;
use tend_domain::EntityKind;

use super::csv_file::{self, Table};
use super::{Read, RefKey, SourceProblem, SourceRecord, SourceRef, normalise_domain};

pub const SYSTEM: &str = "salesforce";

/// Reads Salesforce export files (`name` each, bytes).
pub fn read(files: &[(String, Vec<u8>)]) -> Read {
    let mut out = Read::default();
    for (name, bytes) in files {
        let table = match csv_file::read(bytes, name) {
            Ok(t) => t,
            Err(p) => {
                out.problems.push(p);
                continue;
            }
        };
        let has = |names: &[&str]| table.column(names).is_some();
        if has(&["StageName"]) {
            opportunities(&table, &mut out);
        } else if has(&["AccountId"]) && has(&["LastName", "Email"]) {
            contacts(&table, &mut out);
        } else if has(&["Name"]) && has(&["Website", "Type"]) && !has(&["AccountId"]) {
            accounts(&table, &mut out);
        } else if has(&["LastName", "Email"]) {
            contacts(&table, &mut out);
        } else {
            out.problems.push(problem(
                name,
                None,
                "not a Salesforce Account, Contact or Opportunity export (no \"StageName\", \
                 \"LastName\"/\"Email\" or \"Name\" with \"Website\"/\"Type\" column)"
                    .into(),
            ));
        }
    }
    parents_first(&mut out);
    out
}

/// The characters of an 18-character id's suffix, by the bits they stand for.
const SUFFIX: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// A Salesforce id in its 18-character form: a 15-character id (case-sensitive)
/// gets its suffix (for each 5-character chunk, bit `i` set when character `i`
/// is an uppercase letter, as a character of [`SUFFIX`]); an 18-character one is
/// kept, its case restored from the suffix when it was lost (an id upper- or
/// lowercased by a spreadsheet). Any other id is refused, with why.
pub fn normalise_id(id: &str) -> Result<String, String> {
    let id = id.trim();
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "'{id}' is not a Salesforce id (letters and digits only)"
        ));
    }
    match id.len() {
        15 => {
            let mut full = id.to_string();
            for chunk in id.as_bytes().chunks(5) {
                let bits = chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.is_ascii_uppercase())
                    .fold(0, |bits, (i, _)| bits | 1 << i);
                full.push(char::from(SUFFIX[bits]));
            }
            Ok(full)
        }
        18 => {
            let (base, tail) = id.split_at(15);
            let tail = tail.to_ascii_uppercase();
            let mut restored = String::with_capacity(18);
            for (chunk, code) in base.as_bytes().chunks(5).zip(tail.bytes()) {
                let bits = SUFFIX.iter().position(|s| *s == code).unwrap_or(0);
                for (i, c) in chunk.iter().enumerate() {
                    let upper = bits >> i & 1 == 1;
                    if upper && !c.is_ascii_alphabetic() {
                        return Err(format!(
                            "'{id}' is not a Salesforce id: its last 3 characters do not match the first 15"
                        ));
                    }
                    restored.push(char::from(match upper {
                        true => c.to_ascii_uppercase(),
                        false => c.to_ascii_lowercase(),
                    }));
                }
            }
            // A mixed-case base is the id as it was: it must agree with its suffix.
            let one_case = !base.bytes().any(|b| b.is_ascii_lowercase())
                || !base.bytes().any(|b| b.is_ascii_uppercase());
            if restored != base && !one_case {
                return Err(format!(
                    "'{id}' is not a Salesforce id: its last 3 characters do not match the first 15"
                ));
            }
            restored.push_str(&tail);
            Ok(restored)
        }
        n => Err(format!(
            "'{id}' is not a Salesforce id: {n} characters, not 15 or 18"
        )),
    }
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

    fn take(&mut self, names: &[&str]) -> Option<usize> {
        let i = self.table.column(names)?;
        self.used[i] = true;
        Some(i)
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

fn cell(row: &[String], i: Option<usize>) -> &str {
    i.and_then(|i| row.get(i)).map_or("", String::as_str)
}

fn problem(place: &str, field: Option<&str>, message: String) -> SourceProblem {
    SourceProblem {
        place: place.to_string(),
        field: field.map(str::to_string),
        message,
    }
}

/// A checkbox as Salesforce exports it (`true`/`false`, or `1`/`0`); `None`
/// when empty.
fn flag(text: &str) -> Result<Option<bool>, String> {
    match text.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" => Ok(Some(true)),
        "false" | "0" | "no" => Ok(Some(false)),
        other => Err(format!("'{other}' is not true or false")),
    }
}

/// The columns every kind has: its id and `IsDeleted`.
struct Row<'r> {
    place: String,
    id: String,
    row: &'r [String],
}

/// The row's id (18 characters), or `None` with a problem or, for a deleted
/// row, a skip.
fn row<'r>(
    table: &Table,
    line: u64,
    row: &'r [String],
    id: usize,
    deleted: Option<usize>,
    out: &mut Read,
) -> Option<Row<'r>> {
    let place = format!("{}:{line}", table.file);
    let text = cell(row, Some(id));
    if text.is_empty() {
        out.problems
            .push(problem(&place, Some("Id"), "empty".into()));
        return None;
    }
    let id = match normalise_id(text) {
        Ok(id) => id,
        Err(e) => {
            out.problems.push(problem(&place, Some("Id"), e));
            return None;
        }
    };
    match flag(cell(row, deleted)) {
        Ok(Some(true)) => {
            out.skipped.push(problem(
                &place,
                Some("IsDeleted"),
                format!("{id} is deleted in Salesforce (in its recycle bin)"),
            ));
            None
        }
        Ok(_) => Some(Row { place, id, row }),
        Err(e) => {
            out.problems.push(problem(&place, Some("IsDeleted"), e));
            None
        }
    }
}

/// A reference to another Salesforce record by its id, or a problem.
fn external(place: &str, column: &str, text: &str, out: &mut Read) -> Option<RefKey> {
    match normalise_id(text) {
        Ok(external_id) => Some(RefKey::External {
            system: SYSTEM.into(),
            external_id,
        }),
        Err(e) => {
            out.problems.push(problem(place, Some(column), e));
            None
        }
    }
}

fn no_id(table: &Table, out: &mut Read) {
    out.problems.push(problem(
        &table.file,
        Some("Id"),
        "no \"Id\" column: export with the record's Id".into(),
    ));
}

/// An account's Type (the standard picklist's values, and "Customer") to the
/// stage a new account starts in. Only set when the account is created: the
/// stage in tend is the CS team's.
fn stage_of(kind: &str) -> Option<&'static str> {
    let key: String = kind
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match key.as_str() {
        "customerdirect" | "customerchannel" | "customer" => "adoption",
        ""
        | "prospect"
        | "channelpartnerreseller"
        | "technologypartner"
        | "installationpartner"
        | "partner"
        | "other" => "onboarding",
        "formercustomer" => "churned",
        _ => return None,
    })
}

fn accounts(table: &Table, out: &mut Read) {
    let mut c = Columns::new(table);
    let id = c.take(&["Id"]);
    let deleted = c.take(&["IsDeleted"]);
    let name = c.take(&["Name"]);
    let website = c.take(&["Website"]);
    let kind = c.take(&["Type"]);
    let owner = c.take(&["Owner.Name"]);
    let parent = c.take(&["ParentId"]);
    let industry = c.take(&["Industry"]);
    let country = c.take(&["BillingCountry", "ShippingCountry"]);
    let Some(id) = id else {
        no_id(table, out);
        return;
    };
    for (line, cells) in &table.rows {
        let Some(Row { place, id, row }) = row(table, *line, cells, id, deleted, out) else {
            continue;
        };
        let mut r = SourceRecord::new(EntityKind::Account, SYSTEM, &id, place.clone());
        let name = cell(row, name);
        let domain = normalise_domain(cell(row, website));
        match (name.is_empty(), &domain) {
            (false, _) => r.set("name", name),
            (true, Some(d)) => r.set("name", d.as_str()),
            (true, None) => {
                out.problems.push(problem(
                    &place,
                    Some("Name"),
                    "an account with neither a name nor a website".into(),
                ));
                continue;
            }
        };
        if let Some(d) = domain {
            r.set("domain", d);
        }
        let kind = cell(row, kind);
        match stage_of(kind) {
            Some(stage) => {
                r.on_create.insert("stage".into(), json!(stage));
            }
            None => {
                out.problems.push(problem(
                    &place,
                    Some("Type"),
                    format!(
                        "unknown account type '{kind}' (Prospect, Customer - Direct, Customer - Channel, \
                         Channel Partner / Reseller, Installation Partner, Technology Partner, Other)"
                    ),
                ));
                continue;
            }
        }
        let owner = cell(row, owner);
        if !owner.is_empty() {
            r.set("owner", owner);
        }
        for (key, column) in [("industry", industry), ("country", country)] {
            let value = cell(row, column);
            if !value.is_empty() {
                r.set(&format!("custom_fields.{key}"), value);
            }
        }
        let parent = cell(row, parent);
        if !parent.is_empty() {
            let Some(key) = external(&place, "ParentId", parent, out) else {
                continue;
            };
            if key
                == (RefKey::External {
                    system: SYSTEM.into(),
                    external_id: id.clone(),
                })
            {
                out.problems.push(problem(
                    &place,
                    Some("ParentId"),
                    "an account cannot be its own parent".into(),
                ));
                continue;
            }
            // A parent outside the files and the store: left as it is.
            r.refs.push(SourceRef {
                field: "parent_id".into(),
                kind: EntityKind::Account,
                key,
                many: false,
                optional: true,
            });
        }
        r.set("source", "crm");
        out.records.push(r);
    }
    c.unused(out);
}

fn contacts(table: &Table, out: &mut Read) {
    let mut c = Columns::new(table);
    let id = c.take(&["Id"]);
    let deleted = c.take(&["IsDeleted"]);
    let account = c.take(&["AccountId"]);
    let first = c.take(&["FirstName"]);
    let last = c.take(&["LastName"]);
    let full = c.take(&["Name"]);
    let email = c.take(&["Email"]);
    let title = c.take(&["Title"]);
    let Some(id) = id else {
        no_id(table, out);
        return;
    };
    for (line, cells) in &table.rows {
        let Some(Row { place, id, row }) = row(table, *line, cells, id, deleted, out) else {
            continue;
        };
        let email = cell(row, email).to_ascii_lowercase();
        let name = format!("{} {}", cell(row, first), cell(row, last))
            .trim()
            .to_string();
        let name = [name.as_str(), cell(row, full), email.as_str()]
            .into_iter()
            .find(|n| !n.is_empty())
            .unwrap_or("")
            .to_string();
        if name.is_empty() {
            out.problems.push(problem(
                &place,
                Some("LastName"),
                "a contact with neither a name nor an email".into(),
            ));
            continue;
        }
        let mut r = SourceRecord::new(EntityKind::Contact, SYSTEM, &id, place.clone());
        r.set("name", name);
        if !email.is_empty() {
            r.set("email", email.as_str());
        }
        let title = cell(row, title);
        if !title.is_empty() {
            r.set("title", title);
        }
        r.set("source", "crm");
        let account = cell(row, account);
        if !account.is_empty() {
            let Some(key) = external(&place, "AccountId", account, out) else {
                continue;
            };
            r.refer("account_id", EntityKind::Account, key);
        } else {
            // A private contact: the account of their email's domain, if any.
            match email
                .rsplit_once('@')
                .and_then(|(_, d)| normalise_domain(d))
            {
                Some(domain) => {
                    r.refer("account_id", EntityKind::Account, RefKey::Domain(domain));
                    r.skip_unmatched = true;
                }
                None => {
                    out.skipped.push(problem(
                        &place,
                        Some("AccountId"),
                        format!("contact {id} has no account and no email to find one by"),
                    ));
                    continue;
                }
            }
        }
        out.records.push(r);
    }
    c.unused(out);
}

/// The standard opportunity stages (and a few common others) to the phases.
fn phase_of(stage: &str) -> Option<&'static str> {
    let key: String = stage
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match key.as_str() {
        "prospecting" | "discovery" => "open",
        "qualification" | "needsanalysis" => "qualified",
        "valueproposition" | "iddecisionmakers" | "perceptionanalysis" | "proposalpricequote"
        | "proposal" => "proposal",
        "negotiationreview" | "negotiation" => "negotiation",
        "closedwon" | "won" => "won",
        "closedlost" | "lost" => "lost",
        _ => return None,
    })
}

const STAGES: &str = "Prospecting, Qualification, Needs Analysis, Value Proposition, \
                      Id. Decision Makers, Perception Analysis, Proposal/Price Quote, \
                      Negotiation/Review, Closed Won, Closed Lost";

/// The phase of a stage, `IsClosed` and `IsWon` deciding whether it is closed
/// (and won) when the file has them: an org's own closed stages need no mapping.
fn phase(stage: &str, closed: Option<bool>, won: Option<bool>) -> Result<&'static str, String> {
    let named = phase_of(stage);
    let unknown = || format!("unknown stage '{stage}' ({STAGES})");
    match (closed, won, named) {
        (_, Some(true), _) => Ok("won"),
        (Some(true), Some(false), _) => Ok("lost"),
        (Some(true), None, Some(p @ ("won" | "lost"))) => Ok(p),
        (Some(true), None, _) => Err(format!(
            "stage '{stage}' is closed (IsClosed) but neither won nor lost: add the IsWon column"
        )),
        (Some(false), _, Some("won" | "lost")) => Err(format!(
            "stage '{stage}' is a closed one, but IsClosed is false"
        )),
        (_, _, Some(p)) => Ok(p),
        (_, _, None) => Err(unknown()),
    }
}

/// An amount (`12500.5`, `12,500.50`, `12.500,50`, `12 500`) in cents, rounded
/// to the cent. A single `,` followed by three digits groups thousands; any other
/// single mark is the decimal one; of two different marks the last is.
pub fn parse_cents(text: &str) -> Result<i64, String> {
    let bad = || format!("'{text}' is not an amount");
    let t: String = text
        .trim()
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '\u{a0}')
        .collect();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(bad());
    }
    let last_dot = t.rfind('.');
    let last_comma = t.rfind(',');
    let decimal = match (last_dot, last_comma) {
        (Some(d), Some(c)) => Some(if d > c { '.' } else { ',' }),
        (Some(_), None) => (t.matches('.').count() == 1).then_some('.'),
        (None, Some(c)) => {
            let single = t.matches(',').count() == 1;
            (single && t.len() - c - 1 != 3).then_some(',')
        }
        (None, None) => None,
    };
    let (whole, fraction) = match decimal {
        Some(d) => t.rsplit_once(d).ok_or_else(bad)?,
        None => (t, ""),
    };
    if fraction.contains(['.', ',']) {
        return Err(bad());
    }
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    // Thousands groups of three digits after the first.
    let groups: Vec<&str> = whole.split(['.', ',']).collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        return Err(bad());
    }
    let mut cents: i64 = 0;
    for d in digits.bytes() {
        cents = cents
            .checked_mul(10)
            .and_then(|c| c.checked_add(i64::from(d - b'0')))
            .ok_or_else(bad)?;
    }
    let frac: Vec<i64> = fraction.bytes().map(|d| i64::from(d - b'0')).collect();
    let at = |i: usize| frac.get(i).copied().unwrap_or(0);
    cents = cents
        .checked_mul(100)
        .and_then(|c| c.checked_add(at(0) * 10 + at(1) + i64::from(at(2) >= 5)))
        .ok_or_else(bad)?;
    Ok(if negative { -cents } else { cents })
}

/// A date as Salesforce exports it (`2026-12-15`, or a datetime's date), or as a
/// US spreadsheet writes it (`12/15/2026`, month first).
fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d")
        .ok()
        .filter(|_| t.len() == 10 || t.as_bytes().get(10) == Some(&b'T'))
        .or_else(|| NaiveDate::parse_from_str(t, "%m/%d/%Y").ok())
}

/// Whether an opportunity's Type is business with an existing customer that
/// grows it ("Existing Business", "Existing Customer - Upgrade", "Upsell").
fn is_expansion(kind: &str) -> bool {
    let k = kind.to_ascii_lowercase();
    !k.contains("downgrade")
        && [
            "existing",
            "upsell",
            "upgrade",
            "expansion",
            "cross-sell",
            "cross sell",
        ]
        .iter()
        .any(|w| k.contains(w))
}

fn opportunities(table: &Table, out: &mut Read) {
    let mut c = Columns::new(table);
    let id = c.take(&["Id"]);
    let deleted = c.take(&["IsDeleted"]);
    let account = c.take(&["AccountId"]);
    let name = c.take(&["Name"]);
    let stage = c.take(&["StageName"]);
    let amount = c.take(&["Amount"]);
    let close = c.take(&["CloseDate"]);
    let kind = c.take(&["Type"]);
    let owner = c.take(&["Owner.Name"]);
    let closed = c.take(&["IsClosed"]);
    let won = c.take(&["IsWon"]);
    let description = c.take(&["Description"]);
    let Some(id) = id else {
        no_id(table, out);
        return;
    };
    for (line, cells) in &table.rows {
        let Some(Row { place, id, row }) = row(table, *line, cells, id, deleted, out) else {
            continue;
        };
        let account = cell(row, account);
        if account.is_empty() {
            out.skipped.push(problem(
                &place,
                Some("AccountId"),
                format!("opportunity {id} has no account"),
            ));
            continue;
        }
        let Some(account) = external(&place, "AccountId", account, out) else {
            continue;
        };
        let mut r = SourceRecord::new(EntityKind::Opportunity, SYSTEM, &id, place.clone());
        let mut bad = |column: &str, message: String| {
            out.problems.push(problem(&place, Some(column), message));
        };
        let name = cell(row, name);
        if name.is_empty() {
            bad("Name", "empty".into());
            continue;
        }
        r.set("name", name);
        let flags = (flag(cell(row, closed)), flag(cell(row, won)));
        let (closed, won) = match flags {
            (Ok(c), Ok(w)) => (c, w),
            (Err(e), _) => {
                bad("IsClosed", e);
                continue;
            }
            (_, Err(e)) => {
                bad("IsWon", e);
                continue;
            }
        };
        match phase(cell(row, stage), closed, won) {
            Ok(p) => r.set("phase", p),
            Err(e) => {
                bad("StageName", e);
                continue;
            }
        };
        let amount = cell(row, amount);
        match amount {
            // No amount in Salesforce: none in tend either, until it has one.
            "" => {
                r.on_create.insert("amount_cents".into(), json!(0));
            }
            text => match parse_cents(text) {
                Ok(cents) if cents < 0 => {
                    bad("Amount", format!("{text} is negative"));
                    continue;
                }
                Ok(cents) => {
                    r.set("amount_cents", cents);
                }
                Err(e) => {
                    bad("Amount", e);
                    continue;
                }
            },
        }
        let close = cell(row, close);
        if !close.is_empty() {
            match parse_date(close) {
                Some(d) => r.set("close_date", d.format("%Y-%m-%d").to_string()),
                None => {
                    bad(
                        "CloseDate",
                        format!("'{close}' is not a date (2026-12-15 or 12/15/2026)"),
                    );
                    continue;
                }
            };
        }
        if kind.is_some() {
            r.set("expansion", is_expansion(cell(row, kind)));
        }
        let owner = cell(row, owner);
        if !owner.is_empty() {
            r.set("owner", owner);
        }
        if description.is_some() {
            r.set("description", cell(row, description));
        }
        r.set("source", "crm");
        r.refer("account_id", EntityKind::Account, account);
        out.records.push(r);
    }
    c.unused(out);
}

/// Accounts before the accounts they are the parents of (a parent read later
/// would be unknown when its subsidiary is loaded); a cycle of parents is a
/// problem.
fn parents_first(out: &mut Read) {
    let parent_of = |r: &SourceRecord| {
        r.refs.iter().find_map(|f| match &f.key {
            RefKey::External { external_id, .. } if f.field == "parent_id" => {
                Some(external_id.clone())
            }
            _ => None,
        })
    };
    let parents: HashMap<String, Option<String>> = out
        .records
        .iter()
        .filter(|r| r.kind == EntityKind::Account)
        .map(|r| (r.external_id.clone(), parent_of(r)))
        .collect();
    let depth = |id: &str| -> Option<usize> {
        let mut at = id;
        for depth in 0..=parents.len() {
            match parents.get(at) {
                Some(Some(p)) if p == id => return None,
                Some(Some(p)) => at = p,
                _ => return Some(depth),
            }
        }
        // A cycle the account is not on: its parent's problem.
        Some(parents.len())
    };
    let records = std::mem::take(&mut out.records);
    let (accounts, others): (Vec<_>, Vec<_>) = records
        .into_iter()
        .partition(|r| r.kind == EntityKind::Account);
    let mut ranked = vec![];
    for r in accounts {
        match depth(&r.external_id) {
            Some(d) => ranked.push((d, r)),
            None => out.problems.push(problem(
                &r.place,
                Some("ParentId"),
                format!(
                    "account {} is its own ancestor (a cycle of parents)",
                    r.external_id
                ),
            )),
        }
    }
    ranked.sort_by_key(|(d, _)| *d);
    out.records = ranked.into_iter().map(|(_, r)| r).chain(others).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNTS: &[u8] = include_bytes!("../../../../tests/fixtures/salesforce/Account.csv");
    const CONTACTS: &[u8] = include_bytes!("../../../../tests/fixtures/salesforce/Contact.csv");
    const OPPORTUNITIES: &[u8] =
        include_bytes!("../../../../tests/fixtures/salesforce/Opportunity.csv");

    fn fixtures() -> Read {
        read(&[
            ("Opportunity.csv".into(), OPPORTUNITIES.to_vec()),
            ("Contact.csv".into(), CONTACTS.to_vec()),
            ("Account.csv".into(), ACCOUNTS.to_vec()),
        ])
    }

    fn one(file: &str, text: &str) -> Read {
        read(&[(file.into(), text.as_bytes().to_vec())])
    }

    fn of(read: &Read, kind: EntityKind) -> Vec<&SourceRecord> {
        read.records.iter().filter(|r| r.kind == kind).collect()
    }

    fn record<'r>(read: &'r Read, id: &str) -> &'r SourceRecord {
        read.records
            .iter()
            .find(|r| r.external_id == id)
            .unwrap_or_else(|| panic!("no record {id}"))
    }

    fn external(id: &str) -> RefKey {
        RefKey::External {
            system: SYSTEM.into(),
            external_id: id.into(),
        }
    }

    #[test]
    fn fifteen_character_ids_get_their_suffix() {
        for (short, long) in [
            ("001A0000006Vm9r", "001A0000006Vm9rIAC"),
            ("00D000000000062", "00D000000000062EAA"),
            ("0015g00000NwTrd", "0015g00000NwTrdAAF"),
            ("0015g00000NwTrE", "0015g00000NwTrEAAV"),
            ("ABCDEABCDEABCDE", "ABCDEABCDEABCDE555"),
            ("abcdeabcdeabcde", "abcdeabcdeabcdeAAA"),
        ] {
            assert_eq!(normalise_id(short).as_deref(), Ok(long), "{short}");
            assert_eq!(normalise_id(long).as_deref(), Ok(long), "{long}");
        }
        // Ids differing only in case are different records.
        assert_ne!(
            normalise_id("0015g00000NwTrd"),
            normalise_id("0015g00000NwTrD")
        );
    }

    #[test]
    fn an_eighteen_character_id_that_lost_its_case_gets_it_back() {
        assert_eq!(
            normalise_id("001A0000006VM9RIAC").as_deref(),
            Ok("001A0000006Vm9rIAC")
        );
        assert_eq!(
            normalise_id("001a0000006vm9riac").as_deref(),
            Ok("001A0000006Vm9rIAC")
        );
        // Mixed case that disagrees with the suffix: a broken id.
        assert!(normalise_id("001A0000006Vm9RIAC").is_err());
        // The suffix marks a digit as an uppercase letter.
        assert!(normalise_id("00100000006Vm9rBAC").is_err());
        let err = normalise_id("001A0000006Vm9").unwrap_err();
        assert!(err.contains("14 characters"), "{err}");
        assert!(normalise_id("001A0000006Vm9-").is_err());
    }

    #[test]
    fn accounts_from_a_data_loader_export() {
        let read = fixtures();
        let accounts = of(&read, EntityKind::Account);
        assert_eq!(accounts.len(), 4, "the deleted one left out");
        // The parent before its subsidiary, though the file has it after.
        assert_eq!(accounts[0].external_id, "0015g00000NwTrdAAF");
        let northwind = record(&read, "0015g00000NwTrdAAF");
        assert_eq!(northwind.place, "Account.csv:3");
        assert_eq!(northwind.fields["name"], "Northwind Traders");
        assert_eq!(northwind.fields["domain"], "northwind.example");
        assert_eq!(northwind.fields["owner"], "Maya Chen");
        assert_eq!(northwind.fields["custom_fields.industry"], "Wholesale");
        assert_eq!(northwind.fields["custom_fields.country"], "United States");
        assert_eq!(northwind.fields["source"], "crm");
        assert_eq!(northwind.on_create["stage"], "adoption");
        assert!(northwind.refs.is_empty());
        let contoso = record(&read, "0015g00000CtPhMAAV");
        assert_eq!(contoso.fields["domain"], "contoso-pharma.example");
        let fabrikam = record(&read, "0015g00000FbRbtAAF");
        assert_eq!(fabrikam.on_create["stage"], "onboarding");
        // The 15-character parent id meets its 18-character record.
        let europe = record(&read, "0015g00000NwEurAAF");
        assert!(!europe.fields.contains_key("domain"));
        assert_eq!(
            europe.refs,
            [SourceRef {
                field: "parent_id".into(),
                kind: EntityKind::Account,
                key: external("0015g00000NwTrdAAF"),
                many: false,
                optional: true,
            }]
        );
        assert!(
            read.skipped
                .iter()
                .any(|s| s.place == "Account.csv:7" && s.field.as_deref() == Some("IsDeleted")),
            "{:?}",
            read.skipped
        );
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let unused: Vec<&str> = read
            .unused_columns
            .iter()
            .filter_map(|c| c.strip_prefix("Account.csv: "))
            .collect();
        assert_eq!(
            unused,
            [
                "\"BillingCity\"",
                "\"AnnualRevenue\"",
                "\"NumberOfEmployees\"",
                "\"OwnerId\"",
                "\"CreatedDate\"",
                "\"Description\"",
                "\"CustomerPriority__c\""
            ]
        );
    }

    #[test]
    fn contacts_of_their_account_or_their_domain() {
        let read = fixtures();
        let contacts = of(&read, EntityKind::Contact);
        assert_eq!(contacts.len(), 3, "the deleted one left out");
        let nancy = record(&read, "0035g00000NdVloAAF");
        assert_eq!(nancy.fields["name"], "Nancy Davolio");
        assert_eq!(nancy.fields["email"], "nancy.davolio@northwind.example");
        assert_eq!(nancy.fields["title"], "VP Operations");
        assert_eq!(nancy.refs[0].key, external("0015g00000NwTrdAAF"));
        assert!(!nancy.skip_unmatched);
        let emilie = record(&read, "0035g00000EmLvqAAF");
        assert_eq!(emilie.fields["name"], "Émilie Lévesque");
        assert_eq!(
            emilie.refs[0].key,
            external("0015g00000CtPhMAAV"),
            "a 15-character AccountId"
        );
        let anna = record(&read, "0035g00000AnSchAAF");
        assert_eq!(anna.refs[0].key, RefKey::Domain("fabrikam.example".into()));
        assert!(anna.skip_unmatched);
        assert!(read.skipped.iter().any(|s| s.place == "Contact.csv:5"));
        assert!(
            read.unused_columns
                .contains(&"Contact.csv: \"Languages__c\"".to_string())
        );
    }

    #[test]
    fn opportunities_with_their_phase_amount_and_close_date() {
        let read = fixtures();
        let opportunities = of(&read, EntityKind::Opportunity);
        assert_eq!(opportunities.len(), 4, "the deleted one left out");
        let addon = record(&read, "0065g00000NwAddAAF");
        assert_eq!(addon.place, "Opportunity.csv:2");
        assert_eq!(addon.fields["phase"], "negotiation");
        assert_eq!(addon.fields["amount_cents"], 2_400_000);
        assert_eq!(addon.fields["close_date"], "2026-12-15");
        assert_eq!(addon.fields["expansion"], true);
        assert_eq!(addon.fields["owner"], "Maya Chen");
        assert_eq!(
            addon.fields["description"],
            "Add the analytics module to both warehouses.\nBudget confirmed by Nancy."
        );
        assert_eq!(addon.refs[0].field, "account_id");
        assert_eq!(addon.refs[0].key, external("0015g00000NwTrdAAF"));
        // The next row starts after the description's two lines.
        let renewal = record(&read, "0065g00000CtRnwAAF");
        assert_eq!(renewal.place, "Opportunity.csv:4");
        assert_eq!(renewal.fields["phase"], "won");
        assert_eq!(renewal.fields["amount_cents"], 12_000_050);
        let lost = record(&read, "0065g00000CtEuLAAV");
        assert_eq!(lost.fields["phase"], "lost");
        assert_eq!(lost.fields["expansion"], false);
        let pilot = record(&read, "0065g00000FbPltAAF");
        assert_eq!(pilot.fields["phase"], "open");
        assert!(!pilot.fields.contains_key("amount_cents"));
        assert_eq!(pilot.on_create["amount_cents"], 0);
        let unused: Vec<&str> = read
            .unused_columns
            .iter()
            .filter_map(|c| c.strip_prefix("Opportunity.csv: "))
            .collect();
        assert_eq!(
            unused,
            [
                "\"Probability\"",
                "\"NextStep\"",
                "\"LeadSource\"",
                "\"ForecastCategory\"",
                "\"OwnerId\"",
                "\"CreatedDate\""
            ]
        );
    }

    #[test]
    fn stages_map_onto_phases() {
        for (stage, phase) in [
            ("Prospecting", "open"),
            ("Qualification", "qualified"),
            ("Needs Analysis", "qualified"),
            ("Value Proposition", "proposal"),
            ("Id. Decision Makers", "proposal"),
            ("Perception Analysis", "proposal"),
            ("Proposal/Price Quote", "proposal"),
            ("Negotiation/Review", "negotiation"),
            ("Closed Won", "won"),
            ("Closed Lost", "lost"),
        ] {
            assert_eq!(phase_of(stage), Some(phase), "{stage}");
        }
        // The flags decide for an org's own closed stages.
        assert_eq!(phase("Signed", Some(true), Some(true)), Ok("won"));
        assert_eq!(phase("Churned", Some(true), Some(false)), Ok("lost"));
        assert!(phase("Closed Won", Some(false), Some(false)).is_err());
        assert!(phase("Signed", Some(true), None).is_err());
        let err = phase("Dreaming", Some(false), Some(false)).unwrap_err();
        assert!(err.contains("Negotiation/Review"), "{err}");
    }

    #[test]
    fn amounts_in_cents() {
        for (text, cents) in [
            ("24000.0", 2_400_000),
            ("24000", 2_400_000),
            ("1,250.00", 125_000),
            ("1.250,00", 125_000),
            ("1,250", 125_000),
            ("1.234.567", 123_456_700),
            ("12,5", 1_250),
            ("12.345", 1_235),
            ("1 250,75", 125_075),
            ("$ 99.99", 9_999),
            ("0.005", 1),
        ] {
            assert_eq!(parse_cents(text), Ok(cents), "{text}");
        }
        for text in ["", "abc", "1,25,0", "12.5.3,1", "1.2,3.4"] {
            assert!(parse_cents(text).is_err(), "{text}");
        }
    }

    #[test]
    fn close_dates_iso_or_month_first() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("2026-12-15"), d(2026, 12, 15));
        assert_eq!(parse_date("2026-12-15T00:00:00.000Z"), d(2026, 12, 15));
        assert_eq!(parse_date("12/15/2026"), d(2026, 12, 15));
        assert_eq!(parse_date("2/1/2027"), d(2027, 2, 1));
        assert_eq!(parse_date("15/12/2026"), None);
        assert_eq!(parse_date("2026-12-15x"), None);
    }

    #[test]
    fn uppercase_headers_and_problems_with_their_place() {
        let accounts = "\"ID\",\"NAME\",\"WEBSITE\",\"TYPE\",\"OWNER.NAME\",\"OWNERID\"\n\
            \"0015g00000NwTrdAAF\",\"Northwind Traders\",\"northwind.example\",\"Customer - Direct\",\"Maya Chen\",\"0055g00000MyCh0AAF\"\n\
            \"0015g00000CtPhM12\",\"Contoso\",\"\",\"Customer\",\"\",\"\"\n\
            \"0015g00000FbRbtAAF\",\"Fabrikam Robotics\",\"\",\"Competitor\",\"\",\"\"\n\
            \"0015g00000LwXdlAAF\",\"\",\"\",\"Prospect\",\"\",\"\"\n";
        let read = one("accounts.csv", accounts);
        assert_eq!(read.records.len(), 1);
        assert_eq!(read.records[0].fields["owner"], "Maya Chen");
        let problems: Vec<(&str, Option<&str>)> = read
            .problems
            .iter()
            .map(|p| (p.place.as_str(), p.field.as_deref()))
            .collect();
        assert_eq!(
            problems,
            [
                ("accounts.csv:3", Some("Id")),
                ("accounts.csv:4", Some("Type")),
                ("accounts.csv:5", Some("Name")),
            ]
        );
        assert!(read.problems[0].message.contains("17 characters"));
        assert!(read.problems[1].message.contains("Customer - Direct"));
        assert_eq!(read.unused_columns, ["accounts.csv: \"OWNERID\""]);
    }

    #[test]
    fn opportunity_problems_name_their_column() {
        let opportunities = "Id,AccountId,Name,StageName,Amount,CloseDate\n\
            0065g00000NwAddAAF,0015g00000NwTrdAAF,A,Dreaming,100,2026-12-15\n\
            0065g00000CtRnwAAF,0015g00000CtPhMAAV,B,Prospecting,lots,2026-12-15\n\
            0065g00000CtEuLAAV,0015g00000CtPhMAAV,C,Prospecting,100,next year\n\
            0065g00000FbPltAAF,0015g00000FbRbtAAF,D,Prospecting,-5,2026-12-15\n\
            0065g00000XxDelAAF,,E,Prospecting,100,2026-12-15\n\
            0065g00000NwAddAAF,0015g00000NwTrd-,F,Prospecting,100,2026-12-15\n";
        let read = one("o.csv", opportunities);
        assert!(read.records.is_empty());
        let problems: Vec<(&str, Option<&str>)> = read
            .problems
            .iter()
            .map(|p| (p.place.as_str(), p.field.as_deref()))
            .collect();
        assert_eq!(
            problems,
            [
                ("o.csv:2", Some("StageName")),
                ("o.csv:3", Some("Amount")),
                ("o.csv:4", Some("CloseDate")),
                ("o.csv:5", Some("Amount")),
                ("o.csv:7", Some("AccountId")),
            ]
        );
        assert_eq!(read.skipped[0].place, "o.csv:6", "no account");
    }

    #[test]
    fn a_cycle_of_parents_and_an_own_parent() {
        let accounts = "Id,Name,Type,ParentId\n\
            0015g00000NwTrdAAF,A,Prospect,0015g00000CtPhMAAV\n\
            0015g00000CtPhMAAV,B,Prospect,0015g00000NwTrd\n\
            0015g00000FbRbtAAF,C,Prospect,0015g00000FbRbtAAF\n\
            0015g00000LwXdlAAF,D,Prospect,0015g00000NwTrdAAF\n";
        let read = one("a.csv", accounts);
        let problems: Vec<&str> = read.problems.iter().map(|p| p.place.as_str()).collect();
        assert_eq!(problems, ["a.csv:4", "a.csv:2", "a.csv:3"]);
        // D hangs below the cycle: kept, its parent's problem said.
        assert_eq!(read.records.len(), 1);
    }

    #[test]
    fn not_a_salesforce_export() {
        let read = one("x.csv", "Foo,Bar\n1,2\n");
        assert_eq!(read.problems.len(), 1);
        assert_eq!(read.problems[0].place, "x.csv");
    }
}
