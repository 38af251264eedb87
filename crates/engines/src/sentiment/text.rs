//! Input preparation with Python `str` semantics: the emoji walk at the top
//! of vaderSentiment's `polarity_scores`, `SentiText`'s whitespace split and
//! punctuation strip, and per-token `lower()` / `isupper()`.
//!
//! ASCII (nearly all CS mail) takes byte-level fast paths. Other text uses
//! the standard library's Unicode tables, which track a newer Unicode
//! version than a given CPython; the two only disagree on characters whose
//! case properties changed between versions, none of them in common use.

use std::borrow::Cow;
use std::ops::Range;

use super::lexicon::{Tables, WordInfo};

/// Python's `str.isspace()`: Unicode `White_Space` plus the separator
/// controls U+001C..U+001F, which CPython counts as space (bidi class B/S)
/// and Rust's `char::is_whitespace` does not.
#[inline]
pub(super) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

/// Python `str.strip()` with no argument.
#[inline]
pub(super) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// The emoji walk: each character found in the emoji lexicon is replaced by
/// its description, preceded by one space unless the previous emitted
/// character was an ASCII space; the result is `strip()`ped. Borrowed when
/// nothing can change (ASCII text and no ASCII emoji key).
pub(super) fn translate_emojis<'a>(text: &'a str, tables: &Tables) -> Cow<'a, str> {
    if text.is_ascii() && !tables.has_ascii_emoji() {
        return Cow::Borrowed(py_strip(text));
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut prev_space = true;
    for c in text.chars() {
        if let Some(description) = tables.emoji(c) {
            if !prev_space {
                out.push(' ');
            }
            out.push_str(description);
            prev_space = false;
        } else {
            out.push(c);
            prev_space = c == ' ';
        }
    }
    let stripped = py_strip(&out);
    if stripped.len() == out.len() {
        Cow::Owned(out)
    } else {
        Cow::Owned(stripped.to_owned())
    }
}

/// One entry of `words_and_emoticons`, already resolved against the tables.
#[derive(Debug, Clone)]
pub(super) struct Token {
    /// Byte range of `token.lower()` inside [`Tokens::lower`].
    range: Range<usize>,
    /// `token.isupper()`.
    pub is_upper: bool,
    /// Lexicon valence / booster / `NEGATE` membership of the lowercase form.
    pub info: WordInfo,
    /// `negated([token])`: in `NEGATE` or containing "n't".
    pub negated: bool,
}

/// The tokens of one text plus the buffer holding their lowercase forms, so
/// lowercasing costs one allocation per text rather than one per token.
#[derive(Debug, Default)]
pub(super) struct Tokens {
    lower: String,
    pub toks: Vec<Token>,
}

impl Tokens {
    /// `token.lower()` of token `i`.
    #[inline]
    pub(super) fn lower(&self, i: usize) -> &str {
        // Ranges are recorded by `tokenize` from this very buffer, which is
        // never modified afterwards, and always fall on char boundaries, so
        // `get` cannot miss; "" keeps this panic-free regardless.
        self.toks
            .get(i)
            .and_then(|t| self.lower.get(t.range.clone()))
            .unwrap_or("")
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.toks.len()
    }
}

/// `SentiText._words_and_emoticons`: `text.split()`, then
/// `_strip_punc_if_word` on each piece, then the per-token facts the rules
/// read, each computed once.
pub(super) fn tokenize(text: &str, tables: &Tables) -> Tokens {
    let mut lower = String::with_capacity(text.len());
    let mut toks = Vec::with_capacity(text.len() / 5 + 1);
    for word in text.split(is_py_space).filter(|w| !w.is_empty()) {
        let token = strip_punc_if_word(word);
        let start = lower.len();
        push_lower(&mut lower, token);
        let lowered = &lower[start..];
        let info = tables.word(lowered);
        let negated = info.negation || lowered.contains("n't");
        toks.push(Token {
            range: start..lower.len(),
            is_upper: py_isupper(token),
            info,
            negated,
        });
    }
    Tokens { lower, toks }
}

/// `_strip_punc_if_word`: strip leading/trailing `string.punctuation` (the
/// ASCII punctuation set) and keep the result only if it is longer than two
/// characters, so emoticons like ":)" survive.
#[inline]
fn strip_punc_if_word(token: &str) -> &str {
    let stripped = token.trim_matches(|c: char| c.is_ascii_punctuation());
    let len = if stripped.is_ascii() {
        stripped.len()
    } else {
        stripped.chars().count()
    };
    if len <= 2 { token } else { stripped }
}

/// Appends Python's `s.lower()` to `out`.
#[inline]
fn push_lower(out: &mut String, s: &str) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        // Full case mapping with the final-sigma rule, as CPython does.
        out.push_str(&s.to_lowercase());
    }
}

/// Python's `s.isupper()`: no lowercase or titlecase character and at least
/// one uppercase one.
#[inline]
pub(super) fn py_isupper(s: &str) -> bool {
    let mut cased = false;
    if s.is_ascii() {
        for b in s.bytes() {
            if b.is_ascii_lowercase() {
                return false;
            }
            cased |= b.is_ascii_uppercase();
        }
        return cased;
    }
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// General category Lt (titlecase letters), which CPython's `isupper()`
/// rejects and Rust has no predicate for. The set has been stable since
/// Unicode 3.
fn is_titlecase(c: char) -> bool {
    matches!(
        c,
        '\u{01C5}'
            | '\u{01C8}'
            | '\u{01CB}'
            | '\u{01F2}'
            | '\u{1F88}'..='\u{1F8F}'
            | '\u{1F98}'..='\u{1F9F}'
            | '\u{1FA8}'..='\u{1FAF}'
            | '\u{1FBC}'
            | '\u{1FCC}'
            | '\u{1FFC}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowers(t: &Tokens) -> Vec<&str> {
        (0..t.len()).map(|i| t.lower(i)).collect()
    }

    #[test]
    fn python_whitespace() {
        assert!(is_py_space('\u{1c}') && is_py_space('\u{1f}') && is_py_space('\u{85}'));
        assert!(!is_py_space('\u{200b}'));
        assert_eq!(py_strip("\t a b \u{1f}"), "a b");
    }

    #[test]
    fn punctuation_strip_keeps_short_forms() {
        assert_eq!(strip_punc_if_word("happy,"), "happy");
        assert_eq!(strip_punc_if_word("--good--"), "good");
        assert_eq!(strip_punc_if_word(":)"), ":)");
        assert_eq!(strip_punc_if_word("is?"), "is?");
        assert_eq!(strip_punc_if_word("don't"), "don't");
        assert_eq!(strip_punc_if_word("!!!"), "!!!");
        assert_eq!(strip_punc_if_word("(né)"), "(né)");
        assert_eq!(strip_punc_if_word("(née)"), "née");
    }

    #[test]
    fn casing_matches_python() {
        assert!(py_isupper("GOOD") && py_isupper("V1") && py_isupper("I"));
        assert!(!py_isupper("Good") && !py_isupper("123") && !py_isupper(":)") && !py_isupper(""));
        assert!(py_isupper("ÉTÉ") && !py_isupper("Été"));
        assert!(!py_isupper("\u{01C5}") && !py_isupper("A\u{01C5}"));
        let mut s = String::new();
        push_lower(&mut s, "ΟΔΟΣ");
        assert_eq!(s, "οδος");
    }

    #[test]
    fn tokenizer_splits_strips_and_lowers() {
        let tables = Tables::load();
        let t = tokenize("GOOD,  bad\tDon't :) n't", &tables);
        assert_eq!(lowers(&t), ["good", "bad", "don't", ":)", "n't"]);
        assert!(t.toks[0].is_upper && !t.toks[1].is_upper);
        assert!(t.toks[2].negated && t.toks[4].negated && !t.toks[0].negated);
        assert_eq!(t.toks[0].info.valence, Some(1.9));
        assert_eq!(tokenize("", &tables).len(), 0);
        assert_eq!(tokenize(" \t ", &tables).len(), 0);
    }

    #[test]
    fn emoji_walk_matches_the_reference() {
        let tables = Tables::load();
        let t = |s: &str| translate_emojis(s, &tables).into_owned();
        assert_eq!(t("  plain  "), "plain");
        assert_eq!(t("x\u{1F498}"), "x heart with arrow");
        assert_eq!(t("x \u{1F498}"), "x heart with arrow");
        assert_eq!(t("\u{1F498}\u{1F48B}"), "heart with arrow kiss mark");
        assert_eq!(t("\u{1F498}y"), "heart with arrowy");
        assert_eq!(t("café "), "café");
    }
}
