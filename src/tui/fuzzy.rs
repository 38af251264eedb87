//! The portfolio's `/` filter and the palette's account search: fuzzy matching on
//! name and domain. frizbee (SIMD Smith-Waterman) over nucleo's matcher: on 100k
//! account names it was the faster of the two (`cargo bench --bench tui`,
//! `fuzzy_100k_names/*`, numbers in the README).
//!
//! Typing narrows: a pattern that extends the previous one only looks at the
//! previous matches, and erasing a character goes back to a result already known.

use std::cell::RefCell;

use crate::backend::AccountRow;

/// What a match is made against: name and domain.
fn haystack(r: &AccountRow) -> String {
    match &r.domain {
        Some(d) => format!("{} {d}", r.name),
        None => r.name.clone(),
    }
}

#[derive(Default)]
struct Cache {
    /// The rows the haystacks were built for (their count and first and last ids).
    key: (usize, i64, i64),
    haystacks: Vec<String>,
    /// Patterns typed so far with their matches (positions, with scores).
    steps: Vec<(String, Vec<(usize, u16)>)>,
}

/// A fuzzy matcher that remembers the rows and the patterns typed.
#[derive(Default)]
pub struct Fuzzy {
    cache: RefCell<Cache>,
}

impl std::fmt::Debug for Fuzzy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fuzzy")
    }
}

impl Fuzzy {
    /// The positions of the rows whose name or domain match `pattern`, in the
    /// rows' own order (the portfolio keeps its sort); all rows for an empty one.
    pub fn filter(&self, pattern: &str, rows: &[AccountRow]) -> Vec<usize> {
        if pattern.trim().is_empty() {
            return (0..rows.len()).collect();
        }
        let mut found: Vec<usize> = self.scored(pattern, rows).iter().map(|m| m.0).collect();
        found.sort_unstable();
        found
    }

    /// The matching rows, best match first.
    pub fn best(&self, pattern: &str, rows: &[AccountRow]) -> Vec<usize> {
        if pattern.trim().is_empty() {
            return (0..rows.len()).collect();
        }
        let mut scored = self.scored(pattern, rows);
        scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.into_iter().map(|(i, _)| i).collect()
    }

    fn scored(&self, pattern: &str, rows: &[AccountRow]) -> Vec<(usize, u16)> {
        let mut cache = self.cache.borrow_mut();
        let key = (
            rows.len(),
            rows.first().map_or(0, |r| r.id),
            rows.last().map_or(0, |r| r.id),
        );
        if cache.key != key || cache.haystacks.len() != rows.len() {
            cache.key = key;
            cache.haystacks = rows.iter().map(haystack).collect();
            cache.steps.clear();
        }
        // Back to a pattern already matched (a character erased)?
        if let Some(k) = cache.steps.iter().position(|(p, _)| p == pattern) {
            cache.steps.truncate(k + 1);
            return cache.steps[k].1.clone();
        }
        // Keep only the steps this pattern extends; match within the last one.
        while cache
            .steps
            .last()
            .is_some_and(|(p, _)| !pattern.starts_with(p.as_str()))
        {
            cache.steps.pop();
        }
        let config = frizbee::Config::default();
        let mut matcher = frizbee::Matcher::new(pattern, &config);
        let found: Vec<(usize, u16)> = match cache.steps.last() {
            Some((_, previous)) => {
                let subset: Vec<&str> = previous
                    .iter()
                    .map(|(i, _)| cache.haystacks[*i].as_str())
                    .collect();
                matcher
                    .match_list(&subset)
                    .into_iter()
                    .map(|m| (previous[m.index as usize].0, m.score))
                    .collect()
            }
            None => matcher
                .match_list(&cache.haystacks)
                .into_iter()
                .map(|m| (m.index as usize, m.score))
                .collect(),
        };
        cache.steps.push((pattern.to_string(), found.clone()));
        found
    }
}
