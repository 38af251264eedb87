//! HubSpot's CSV exports (CRM > Companies or Contacts > Export, "all properties"
//! or a view): the kind is told by the header. Companies become accounts, keyed by
//! "Record ID"; contacts become contacts of the company named by "Associated
//! Company IDs" (or, without it, by the company's domain from their email).

use serde_json::{Map, json};
use tend_domain::EntityKind;

use super::csv_file::{self, Table};
use super::{Read, RefKey, SourceProblem, SourceRecord, SourceRef, normalise_domain};

pub const SYSTEM: &str = "hubspot";

/// Reads HubSpot export files (`name` each, bytes).
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
        if table
            .column(&["Company name", "Company Domain Name"])
            .is_some()
            && table.column(&["First Name", "Email"]).is_none()
        {
            companies(&table, &mut out);
        } else if table
            .column(&["Email", "First Name", "Last Name"])
            .is_some()
        {
            contacts(&table, &mut out);
        } else {
            out.problems.push(SourceProblem {
                place: name.clone(),
                field: None,
                message: "not a HubSpot companies or contacts export (no \"Company name\" or \"Email\" column)".into(),
            });
        }
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

/// HubSpot's lifecycle stages, as exported (labels or internal values), to the
/// stage a new account starts in. Only set when the account is created: the
/// stage in tend is the CS team's.
fn stage_of(lifecycle: &str) -> Option<&'static str> {
    let key: String = lifecycle
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match key.as_str() {
        ""
        | "subscriber"
        | "lead"
        | "marketingqualifiedlead"
        | "salesqualifiedlead"
        | "opportunity"
        | "other" => "onboarding",
        "customer" => "adoption",
        "evangelist" => "expansion",
        _ => return None,
    })
}

fn companies(table: &Table, out: &mut Read) {
    let mut c = Columns::new(table);
    let id = c.take(&["Record ID", "Company ID", "hs_object_id"]);
    let name = c.take(&["Company name", "Name"]);
    let domain = c.take(&["Company Domain Name", "Website URL", "Domain"]);
    let lifecycle = c.take(&["Lifecycle Stage"]);
    let owner = c.take(&["Company owner", "HubSpot Owner"]);
    let industry = c.take(&["Industry"]);
    let country = c.take(&["Country/Region", "Country"]);
    let Some(id) = id else {
        out.problems.push(SourceProblem {
            place: table.file.clone(),
            field: Some("Record ID".into()),
            message: "no \"Record ID\" column: export with the record ID".into(),
        });
        return;
    };
    for (line, row) in &table.rows {
        let place = format!("{}:{line}", table.file);
        let external_id = cell(row, Some(id));
        if external_id.is_empty() {
            out.problems.push(SourceProblem {
                place,
                field: Some("Record ID".into()),
                message: "empty".into(),
            });
            continue;
        }
        let mut fields = Map::new();
        let mut on_create = Map::new();
        let name = cell(row, name);
        let domain = normalise_domain(cell(row, domain));
        match (name.is_empty(), &domain) {
            (false, _) => {
                fields.insert("name".into(), json!(name));
            }
            (true, Some(d)) => {
                fields.insert("name".into(), json!(d));
            }
            (true, None) => {
                out.problems.push(SourceProblem {
                    place,
                    field: Some("Company name".into()),
                    message: "a company with neither a name nor a domain".into(),
                });
                continue;
            }
        }
        if let Some(d) = domain {
            fields.insert("domain".into(), json!(d));
        }
        let lifecycle_text = cell(row, lifecycle);
        match stage_of(lifecycle_text) {
            Some(stage) => {
                on_create.insert("stage".into(), json!(stage));
            }
            None => out.problems.push(SourceProblem {
                place: place.clone(),
                field: Some("Lifecycle Stage".into()),
                message: format!(
                    "unknown lifecycle stage '{lifecycle_text}' (subscriber, lead, marketing qualified lead, sales qualified lead, opportunity, customer, evangelist, other)"
                ),
            }),
        }
        let owner = cell(row, owner);
        if !owner.is_empty() {
            fields.insert("owner".into(), json!(owner));
        }
        for (key, column) in [("industry", industry), ("country", country)] {
            let value = cell(row, column);
            if !value.is_empty() {
                fields.insert(format!("custom_fields.{key}"), json!(value));
            }
        }
        fields.insert("source".into(), json!("crm"));
        out.records.push(SourceRecord {
            kind: EntityKind::Account,
            system: SYSTEM.into(),
            external_id: external_id.to_string(),
            place,
            fields,
            on_create,
            refs: vec![],
            skip_unmatched: false,
            update_only: false,
            refs_on_create: false,
        });
    }
    c.unused(out);
}

fn contacts(table: &Table, out: &mut Read) {
    let mut c = Columns::new(table);
    let id = c.take(&["Record ID", "Contact ID", "hs_object_id"]);
    let first = c.take(&["First Name"]);
    let last = c.take(&["Last Name"]);
    let email = c.take(&["Email"]);
    let title = c.take(&["Job Title"]);
    let companies = c.take(&[
        "Associated Company IDs",
        "Associated Company ID",
        "Associated Company IDs (Primary)",
        "Company ID",
    ]);
    let Some(id) = id else {
        out.problems.push(SourceProblem {
            place: table.file.clone(),
            field: Some("Record ID".into()),
            message: "no \"Record ID\" column: export with the record ID".into(),
        });
        return;
    };
    for (line, row) in &table.rows {
        let place = format!("{}:{line}", table.file);
        let external_id = cell(row, Some(id));
        if external_id.is_empty() {
            out.problems.push(SourceProblem {
                place,
                field: Some("Record ID".into()),
                message: "empty".into(),
            });
            continue;
        }
        let email = cell(row, email).to_ascii_lowercase();
        let name = format!("{} {}", cell(row, first), cell(row, last))
            .trim()
            .to_string();
        let name = if name.is_empty() { email.clone() } else { name };
        if name.is_empty() {
            out.problems.push(SourceProblem {
                place,
                field: Some("First Name".into()),
                message: "a contact with neither a name nor an email".into(),
            });
            continue;
        }
        let mut fields = Map::new();
        fields.insert("name".into(), json!(name));
        if !email.is_empty() {
            fields.insert("email".into(), json!(email));
        }
        let title = cell(row, title);
        if !title.is_empty() {
            fields.insert("title".into(), json!(title));
        }
        fields.insert("source".into(), json!("crm"));
        // The first associated company; else the company of the email's domain.
        let company = cell(row, companies)
            .split([';', ','])
            .map(str::trim)
            .find(|s| !s.is_empty());
        let key = match company {
            Some(company) => RefKey::External {
                system: SYSTEM.into(),
                external_id: company.to_string(),
            },
            None => match email.split_once('@').and_then(|(_, d)| normalise_domain(d)) {
                Some(domain) => RefKey::Domain(domain),
                None => {
                    out.problems.push(SourceProblem {
                        place,
                        field: Some("Associated Company IDs".into()),
                        message: "no associated company and no email to find one by".into(),
                    });
                    continue;
                }
            },
        };
        out.records.push(SourceRecord {
            kind: EntityKind::Contact,
            system: SYSTEM.into(),
            external_id: external_id.to_string(),
            place,
            fields,
            on_create: Map::new(),
            refs: vec![SourceRef {
                field: "account_id".into(),
                kind: EntityKind::Account,
                key,
                many: false,
                optional: false,
            }],
            skip_unmatched: false,
            update_only: false,
            refs_on_create: false,
        });
    }
    c.unused(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companies_and_contacts_by_their_headers() {
        let companies = "\u{feff}Record ID,Company name,Company Domain Name,Lifecycle Stage,Company owner,Industry,Twitter Handle\n\
            101,Acme,https://www.acme.com/,Customer,Maya Chen,Logistics,@acme\n\
            102,,beta.io,Lead,,,\n\
            103,Gamma,,Wizard,,,\n";
        let contacts = "Record ID,First Name,Last Name,Email,Job Title,Associated Company IDs\n\
            9001,Pat,Doe,Pat@Acme.com,CTO,101\n\
            9002,,,sam@beta.io,,\n";
        let read = read(&[
            ("companies.csv".into(), companies.as_bytes().to_vec()),
            ("contacts.csv".into(), contacts.as_bytes().to_vec()),
        ]);
        let accounts: Vec<_> = read
            .records
            .iter()
            .filter(|r| r.kind == EntityKind::Account)
            .collect();
        assert_eq!(accounts.len(), 3);
        assert_eq!(accounts[0].fields["domain"], "acme.com");
        assert_eq!(accounts[0].on_create["stage"], "adoption");
        assert_eq!(accounts[0].fields["custom_fields.industry"], "Logistics");
        assert_eq!(accounts[1].fields["name"], "beta.io");
        assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
        assert_eq!(read.problems[0].place, "companies.csv:4");
        assert_eq!(read.unused_columns, ["companies.csv: \"Twitter Handle\""]);
        let contacts: Vec<_> = read
            .records
            .iter()
            .filter(|r| r.kind == EntityKind::Contact)
            .collect();
        assert_eq!(contacts[0].fields["email"], "pat@acme.com");
        assert_eq!(contacts[0].fields["name"], "Pat Doe");
        assert_eq!(contacts[1].refs[0].key, RefKey::Domain("beta.io".into()));
    }
}
