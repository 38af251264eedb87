//! The modules of the app and of the SQLite store import each other one way: no
//! module imports one that imports it back, directly or around a longer cycle.
//! (The crates' direction is held by Cargo; this holds it inside two of them.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `root`, as its module path under `prefix`
/// (`screens::account::tasks`), with its text.
fn modules(root: &Path, prefix: &str) -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = vec![];
    walk(root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(root).expect("under the root");
            let mut parts: Vec<String> = prefix
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            parts.extend(
                rel.with_extension("")
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned()),
            );
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            // Test modules may reach anywhere.
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            (parts.join("::"), text)
        })
        .collect()
}

/// The modules each module names in a path (`crate::a::b`, `super::c`), other
/// than its own ancestors and descendants.
fn edges(mods: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (name, text) in mods {
        let mut targets = BTreeSet::new();
        let own: Vec<&str> = if name.is_empty() {
            vec![]
        } else {
            name.split("::").collect()
        };
        for (i, _) in text.match_indices("::") {
            // The whole path around this `::`.
            let start = text[..i]
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(0, |s| s + 1);
            let end = text[i..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(text.len(), |e| i + e);
            let path: Vec<&str> = text[start..end].split("::").collect();
            let mut base: Vec<&str> = match path[0] {
                "crate" => vec![],
                "super" => own[..own.len().saturating_sub(1)].to_vec(),
                _ => continue,
            };
            let mut rest = &path[1..];
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
            // The longest prefix that is a module.
            let found = (1..=rest.len()).rev().find_map(|n| {
                let m = base
                    .iter()
                    .chain(&rest[..n])
                    .copied()
                    .collect::<Vec<_>>()
                    .join("::");
                mods.contains_key(&m).then_some(m)
            });
            if let Some(t) = found
                && t != *name
                && !t.starts_with(&format!("{name}::"))
                && !name.starts_with(&format!("{t}::"))
                && !t.is_empty()
            {
                targets.insert(t);
            }
        }
        out.insert(name.clone(), targets);
    }
    out
}

/// The modules that reach themselves again by imports.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = vec![];
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = graph[start].iter().collect();
        while let Some(m) = todo.pop() {
            if m == start {
                found.push(start.clone());
                break;
            }
            if seen.insert(m) {
                todo.extend(graph.get(m).into_iter().flatten());
            }
        }
    }
    found
}

fn check(root: &str, prefix: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
    let mods = modules(&dir, prefix);
    assert!(mods.len() > 5, "{root}: modules found");
    let graph = edges(&mods);
    let cyclic = cycles(&graph);
    let detail: Vec<String> = cyclic
        .iter()
        .map(|m| format!("{m} -> {:?}", graph[m]))
        .collect();
    assert!(
        cyclic.is_empty(),
        "{root}: modules in a cycle:\n{detail:#?}"
    );
}

#[test]
fn no_module_of_the_app_imports_one_that_imports_it_back() {
    check("crates/app/src", "");
}

#[test]
fn no_module_of_the_sqlite_store_imports_one_that_imports_it_back() {
    check("crates/backend/src/sqlite", "sqlite");
}

#[test]
fn the_check_sees_a_cycle() {
    let mods: BTreeMap<String, String> = [
        ("a".to_string(), "use crate::b::X;".to_string()),
        ("b".to_string(), "fn f() { crate::a::g() }".to_string()),
        ("c".to_string(), "use crate::a::Y;".to_string()),
    ]
    .into();
    let graph = edges(&mods);
    assert_eq!(cycles(&graph), ["a", "b"]);
}
