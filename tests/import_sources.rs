//! Loading other tools' exports, as a property: whatever a HubSpot export holds
//! (names with quotes, commas, newlines, accents; domains in any case or as URLs;
//! contacts with or without a company), loading it, exporting the store and
//! loading it again leaves the store as it was, and the export of that store loads
//! into a fresh one unchanged.

use proptest::prelude::*;

use tend::backend::Backend;
use tend::backend::sync::{Format, SyncOptions};
use tend::dataset::Dataset;
use tend::sqlite::{Store, fixed_clock};
use tend_engines::sources::ReadOptions;

fn now() -> tend::domain::Timestamp {
    chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
        .expect("a time")
        .to_utc()
}

#[derive(Debug, Clone)]
struct Company {
    name: String,
    domain: String,
    lifecycle: &'static str,
}

fn company() -> impl Strategy<Value = Company> {
    (
        "[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ ,\"'&\n-]{0,20}",
        "[a-z]{1,8}",
        prop::sample::select(vec!["Customer", "Lead", "Evangelist", "", "opportunity"]),
        prop::sample::select(vec!["", "https://www.", "HTTP://"]),
    )
        .prop_map(|(name, d, lifecycle, prefix)| Company {
            name: name.trim().to_string(),
            domain: format!("{prefix}{d}.example"),
            lifecycle,
        })
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The files of an export: companies, and contacts at some of them.
fn files(companies: &[Company], contacts: &[(usize, String, bool)]) -> Vec<(String, Vec<u8>)> {
    let mut c =
        String::from("\u{feff}Record ID,Company name,Company Domain Name,Lifecycle Stage\n");
    for (i, co) in companies.iter().enumerate() {
        c.push_str(&format!(
            "{},{},{},{}\n",
            1000 + i,
            quoted(&co.name),
            quoted(&co.domain),
            co.lifecycle
        ));
    }
    let mut p = String::from("Record ID;First Name;Last Name;Email;Associated Company IDs\n");
    for (k, (at, first, by_id)) in contacts.iter().enumerate() {
        let at = at % companies.len();
        let domain = companies[at]
            .domain
            .rsplit(['/', '.'])
            .nth(1)
            .unwrap_or("x")
            .to_string();
        let company = if *by_id {
            (1000 + at).to_string()
        } else {
            String::new()
        };
        p.push_str(&format!(
            "{};{};Doe;p{k}@{domain}.example;{company}\n",
            5000 + k,
            quoted(first)
        ));
    }
    vec![
        ("companies.csv".into(), c.into_bytes()),
        ("contacts.csv".into(), p.into_bytes()),
    ]
}

fn export(store: &Store, rt: &tokio::runtime::Runtime) -> Dataset {
    let mut d = rt.block_on(store.export()).expect("export");
    d.anchor = now();
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn load_export_load_is_stable(
        companies in prop::collection::vec(company(), 1..8),
        contacts in prop::collection::vec((0usize..8, "[A-Za-zÀ-ÿ]{1,10}", any::<bool>()), 0..12),
    ) {
        // Two companies of one domain: which one a contact without a company
        // joins is not defined; keep the domains apart.
        let mut seen = std::collections::HashSet::new();
        let companies: Vec<Company> = companies
            .into_iter()
            .filter(|c| seen.insert(tend_engines::sources::normalise_domain(&c.domain)))
            .collect();
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open_with_clock(dir.path().join("a.db"), fixed_clock(now())).expect("store");
        let files = files(&companies, &contacts);
        let load = |store: &Store| {
            store
                .load_files_blocking(
                    "loader",
                    Format::Hubspot,
                    &files,
                    &ReadOptions::default(),
                    None,
                    &SyncOptions::default(),
                )
                .expect("loaded")
        };
        let first = load(&store);
        prop_assert!(first.problems.is_empty(), "{:?}", first.problems);
        let accounts = first.kinds.iter().find(|k| k.kind.as_str() == "account").map_or(0, |k| k.created);
        prop_assert_eq!(accounts as usize, companies.len());
        let once = export(&store, &rt);
        let again = load(&store);
        prop_assert!(again.kinds.iter().all(|k| k.created + k.updated == 0), "{:?}", again);
        prop_assert_eq!(&export(&store, &rt), &once);
        // The export is a whole store of its own.
        let other = Store::open_with_clock(dir.path().join("b.db"), fixed_clock(now())).expect("store");
        rt.block_on(other.import(once.clone())).expect("the export loads");
        prop_assert_eq!(export(&other, &rt).accounts, once.accounts);
    }
}
