//! The portfolio's `/` filter and the palette's account search: fuzzy matching on
//! name and domain (nucleo's matcher, the one the helix editor uses).

use std::cell::RefCell;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::backend::AccountRow;

/// A reusable matcher (its scratch memory is kept between keystrokes).
pub struct Fuzzy {
    matcher: RefCell<Matcher>,
}

impl Default for Fuzzy {
    fn default() -> Self {
        Fuzzy {
            matcher: RefCell::new(Matcher::new(Config::DEFAULT)),
        }
    }
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
        self.scored(pattern, rows)
            .into_iter()
            .map(|(i, _)| i)
            .collect()
    }

    /// The matching rows, best match first.
    pub fn best(&self, pattern: &str, rows: &[AccountRow]) -> Vec<usize> {
        let mut scored = self.scored(pattern, rows);
        scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.into_iter().map(|(i, _)| i).collect()
    }

    fn scored(&self, pattern: &str, rows: &[AccountRow]) -> Vec<(usize, u32)> {
        let pattern = Pattern::parse(pattern, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = self.matcher.borrow_mut();
        let mut buf = Vec::new();
        rows.iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let name = pattern.score(Utf32Str::new(&r.name, &mut buf), &mut matcher);
                let domain = r
                    .domain
                    .as_deref()
                    .and_then(|d| pattern.score(Utf32Str::new(d, &mut buf), &mut matcher));
                name.max(domain).map(|s| (i, s))
            })
            .collect()
    }
}
