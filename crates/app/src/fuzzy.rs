//! The portfolio's `/` filter and the palette's account search: fuzzy matching on
//! name and domain. frizbee (SIMD Smith-Waterman) over nucleo's matcher: on 100k
//! account names it was the faster of the two (`cargo bench --bench tui`,
//! `fuzzy_100k_names/*`, numbers in the README).
//!
//! frizbee finds the rows whose name or domain hold the typed letters in order; a
//! row is kept only when the letters read as the user meant them: the pattern as
//! it is typed somewhere in the name or domain, or in pieces that each start a
//! word ("lar log", "hrs" for Heron Robotics Spain). Letters scattered inside words
//! ("lark" in "gLAcieR banK") are not a match. The matches come best first: the
//! name starting with the pattern, then a word of it, then the pattern inside a
//! word, then word starts; frizbee's score, then the portfolio's own order, break
//! ties.
//!
//! Typing narrows: a pattern that extends the previous one only looks at the
//! previous matches, and erasing a character goes back to a result already known.

use std::cell::RefCell;

use tend_backend::AccountRow;

/// What a match is made against: name and domain.
fn haystack(r: &AccountRow) -> String {
    match &r.domain {
        Some(d) => format!("{} {d}", r.name),
        None => r.name.clone(),
    }
}

/// How well a pattern matches, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Quality {
    /// The name starts with the pattern.
    Prefix = 0,
    /// A word of the name or domain starts with the pattern.
    WordStart = 1,
    /// The pattern is inside a word.
    Inside = 2,
    /// The pattern's pieces each start a word, in order ("lar log").
    WordStarts = 3,
}

/// The quality of a match of `pattern` (lower case, no blanks at its ends) in a
/// lower-case haystack, or None when its letters are only scattered in it.
fn quality(pattern: &str, hay: &str) -> Option<Quality> {
    if let Some(at) = hay.find(pattern) {
        if at == 0 {
            return Some(Quality::Prefix);
        }
        let word_start = |at: usize| {
            hay[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        };
        if hay.match_indices(pattern).any(|(at, _)| word_start(at)) {
            return Some(Quality::WordStart);
        }
        return Some(Quality::Inside);
    }
    // Word starts: the pattern's letters (blanks dropped) split in pieces, each
    // the start of a word, the words in order.
    let letters: Vec<char> = pattern.chars().filter(|c| !c.is_whitespace()).collect();
    let words: Vec<&str> = hay
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .collect();
    word_starts(&letters, &words).then_some(Quality::WordStarts)
}

/// Whether `letters` split in pieces that start words of `words`, in order (each
/// piece at least one letter; words may be skipped). A table of what the pattern's
/// rest can do from each word on, so no pattern costs more than letters x words.
fn word_starts(letters: &[char], words: &[&str]) -> bool {
    const LETTERS: usize = 64;
    const WORDS: usize = 16;
    let (l, w) = (letters.len(), words.len().min(WORDS));
    if l == 0 {
        return true;
    }
    if l > LETTERS {
        return false;
    }
    // can[i][k]: letters[i..] split over words[k..].
    let mut can = [[false; WORDS + 1]; LETTERS + 1];
    can[l] = [true; WORDS + 1];
    for k in (0..w).rev() {
        for i in (0..l).rev() {
            let common = words[k]
                .chars()
                .zip(&letters[i..])
                .take_while(|(a, b)| a == *b)
                .count();
            can[i][k] = can[i][k + 1] || (1..=common).any(|n| can[i + n][k + 1]);
        }
    }
    can[0][0]
}

/// A match's sort key: quality, then score (higher first), then position.
fn rank(quality: Quality, score: u16, position: usize) -> u64 {
    ((quality as u64) << 48) | (u64::from(u16::MAX - score) << 32) | position as u64
}

#[derive(Default)]
struct Cache {
    /// The rows the haystacks were built for (their count and first and last ids).
    key: (usize, i64, i64),
    haystacks: Vec<String>,
    /// The haystacks in lower case, to judge a match's quality.
    lower: Vec<String>,
    /// Patterns typed so far with their matches (ranks, best first; the row's
    /// position is the rank's low 32 bits).
    steps: Vec<(String, Vec<u64>)>,
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
    /// The positions of the rows whose name or domain match `pattern`, best match
    /// first (see the module); all rows, in their own order (the portfolio's
    /// sort), for an empty one.
    pub fn filter(&self, pattern: &str, rows: &[AccountRow]) -> Vec<usize> {
        if pattern.trim().is_empty() {
            return (0..rows.len()).collect();
        }
        self.ranked(pattern, rows)
            .into_iter()
            .map(|r| (r & 0xFFFF_FFFF) as usize)
            .collect()
    }

    /// The matching rows, best match first (as `filter`).
    pub fn best(&self, pattern: &str, rows: &[AccountRow]) -> Vec<usize> {
        self.filter(pattern, rows)
    }

    fn ranked(&self, pattern: &str, rows: &[AccountRow]) -> Vec<u64> {
        let mut cache = self.cache.borrow_mut();
        let key = (
            rows.len(),
            rows.first().map_or(0, |r| r.id),
            rows.last().map_or(0, |r| r.id),
        );
        if cache.key != key || cache.haystacks.len() != rows.len() {
            cache.key = key;
            cache.haystacks = rows.iter().map(haystack).collect();
            cache.lower = cache.haystacks.iter().map(|h| h.to_lowercase()).collect();
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
        let wanted = pattern.trim().to_lowercase();
        let cache = &mut *cache;
        let judge =
            |i: usize, score: u16| quality(&wanted, &cache.lower[i]).map(|q| rank(q, score, i));
        let mut found: Vec<u64> = match cache.steps.last() {
            Some((_, previous)) => {
                let positions: Vec<usize> = previous
                    .iter()
                    .map(|r| (r & 0xFFFF_FFFF) as usize)
                    .collect();
                let subset: Vec<&str> = positions
                    .iter()
                    .map(|i| cache.haystacks[*i].as_str())
                    .collect();
                matcher
                    .match_list(&subset)
                    .into_iter()
                    .filter_map(|m| judge(positions[m.index as usize], m.score))
                    .collect()
            }
            None => matcher
                .match_list(&cache.haystacks)
                .into_iter()
                .filter_map(|m| judge(m.index as usize, m.score))
                .collect(),
        };
        found.sort_unstable();
        cache.steps.push((pattern.to_string(), found.clone()));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tend_domain::{ChurnLikelihood, Stage};

    fn row(id: i64, name: &str, domain: &str) -> AccountRow {
        AccountRow {
            id,
            name: name.into(),
            domain: Some(domain.into()),
            parent_id: None,
            stage: Stage::Adoption,
            segment: String::new(),
            region: String::new(),
            owner: String::new(),
            tags: vec![],
            mrr_cents: 0,
            renewal: None,
            health_score: None,
            health_status: None,
            health_trend: None,
            churn_likelihood: ChurnLikelihood::None,
        }
    }

    /// Demo names in health order (the portfolio's sort), the dying one last.
    fn rows() -> Vec<AccountRow> {
        vec![
            row(1, "Glacier Bank", "glacierbank.com"),
            row(2, "Magnolia Networks", "magnolia.net"),
            row(3, "Clark & Sons", "clarksons.co.uk"),
            row(4, "Heron Robotics Spain", "heron.es"),
            row(5, "Larkspur Logistics", "larkspur.io"),
        ]
    }

    fn names(f: &Fuzzy, pattern: &str, rows: &[AccountRow]) -> Vec<String> {
        f.filter(pattern, rows)
            .into_iter()
            .map(|i| rows[i].name.clone())
            .collect()
    }

    #[test]
    fn lark_finds_larkspur_first_and_not_letters_scattered_in_other_names() {
        let rows = rows();
        let f = Fuzzy::default();
        // A name starting with it first, then the pattern inside a word; Glacier
        // Bank and Magnolia Networks only hold the letters scattered.
        assert_eq!(
            names(&f, "lark", &rows),
            ["Larkspur Logistics", "Clark & Sons"]
        );
        // Typed a letter at a time (the narrowing path) and in capitals: the same.
        let f = Fuzzy::default();
        for n in 1..=4 {
            f.filter(&"lark"[..n], &rows);
        }
        assert_eq!(
            names(&f, "lark", &rows),
            ["Larkspur Logistics", "Clark & Sons"]
        );
        assert_eq!(names(&f, "Lark", &rows)[0], "Larkspur Logistics");
    }

    #[test]
    fn word_starts_match_and_an_empty_pattern_keeps_the_order() {
        let rows = rows();
        let f = Fuzzy::default();
        assert_eq!(names(&f, "lar log", &rows), ["Larkspur Logistics"]);
        assert_eq!(names(&f, "hrs", &rows), ["Heron Robotics Spain"]);
        assert_eq!(names(&f, "", &rows).len(), rows.len());
        assert_eq!(f.filter("", &rows), [0, 1, 2, 3, 4]);
        // A word start ranks before the same letters inside a word.
        assert_eq!(names(&f, "net", &rows), ["Magnolia Networks"]);
        assert_eq!(names(&f, "ban", &rows), ["Glacier Bank"]);
    }

    #[test]
    fn quality_ranks_prefix_word_inside_and_word_starts() {
        assert_eq!(quality("lark", "larkspur logistics"), Some(Quality::Prefix));
        assert_eq!(
            quality("log", "larkspur logistics"),
            Some(Quality::WordStart)
        );
        assert_eq!(quality("gist", "larkspur logistics"), Some(Quality::Inside));
        assert_eq!(
            quality("lalo", "larkspur logistics"),
            Some(Quality::WordStarts)
        );
        assert_eq!(quality("lark", "glacier bank glacierbank.com"), None);
        assert_eq!(quality("lark", "magnolia networks magnolia.net"), None);
    }
}
