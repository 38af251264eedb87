//! Filter errors, rendered with a caret under the offending text, and the
//! "did you mean" suggestions.

use std::fmt;

/// A filter that does not parse: what is wrong and where.
///
/// `at` and `len` count characters (not bytes) of `input`; `at + len` never
/// exceeds the input's length. `len` is at least 1 unless the input is empty at
/// that point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Character offset of the offending text.
    pub at: usize,
    /// Its length in characters.
    pub len: usize,
    /// What is wrong, in words.
    pub message: String,
    /// The filter as typed.
    pub input: String,
}

impl FilterError {
    /// Builds an error from a byte range of `input` (on character boundaries).
    pub(crate) fn new(input: &str, start: usize, end: usize, message: String) -> FilterError {
        let at = input[..start].chars().count();
        let len = input[start..end].chars().count();
        FilterError {
            at,
            len,
            message,
            input: input.to_string(),
        }
    }
}

impl fmt::Display for FilterError {
    /// The message, then the input (control characters shown as spaces so the
    /// caret lines up) and a caret line under the offending characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.message)?;
        f.write_str("  ")?;
        for c in self.input.chars() {
            write!(f, "{}", if c.is_control() { ' ' } else { c })?;
        }
        f.write_str("\n  ")?;
        for _ in 0..self.at {
            f.write_str(" ")?;
        }
        for _ in 0..self.len.max(1) {
            f.write_str("^")?;
        }
        Ok(())
    }
}

impl std::error::Error for FilterError {}

/// The candidate nearest to `word` (ignoring ASCII case), if it is near enough
/// to be a likely typo: at most two edits (one for short words), or `word` is a
/// prefix of it of at least three characters.
pub(crate) fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let word_len = word.chars().count();
    if word_len == 0 || word_len > 64 {
        return None;
    }
    let limit = if word_len <= 3 { 1 } else { 2 };
    let mut best: Option<(usize, &'a str)> = None;
    for &candidate in candidates {
        let d = if word_len >= 3 && candidate.starts_with(&word) {
            1
        } else {
            distance(&word, candidate)
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_transpositions() {
        assert_eq!(distance("region", "region"), 0);
        assert_eq!(distance("regoin", "region"), 1);
        assert_eq!(distance("helth", "health"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn nearest_finds_typos_and_prefixes_only() {
        let names = ["region", "renewal", "health", "severity"];
        assert_eq!(nearest("regoin", &names), Some("region"));
        assert_eq!(nearest("REGOIN", &names), Some("region"));
        assert_eq!(nearest("sever", &names), Some("severity"));
        assert_eq!(nearest("xyzzy", &names), None);
        assert_eq!(nearest("", &names), None);
    }

    #[test]
    fn display_puts_a_caret_under_the_span() {
        let e = FilterError::new("health<4o", 7, 9, "expected a number".into());
        assert_eq!(e.at, 7);
        assert_eq!(e.len, 2);
        assert_eq!(e.to_string(), "expected a number\n  health<4o\n         ^^");
    }

    #[test]
    fn display_counts_characters_not_bytes() {
        let e = FilterError::new("é\tx:", 3, 4, "bad".into());
        assert_eq!(e.at, 2);
        assert_eq!(e.to_string(), "bad\n  é x:\n    ^");
    }
}
