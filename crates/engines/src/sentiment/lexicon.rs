//! VADER's data: the word and emoji lexicons plus the rule tables that
//! vaderSentiment 3.3.2 keeps inline in `vaderSentiment.py`.
//!
//! Licensing: `assets/vader_lexicon.txt` and `assets/emoji_utf8_lexicon.txt`
//! are byte-for-byte copies from the vaderSentiment 3.3.2 sdist
//! (`vaderSentiment-3.3.2.tar.gz`, sha256 5d7c06e0…49632f9), and the tables
//! below are transcribed from its source. VADER is Copyright (c) 2016
//! C.J. Hutto and is MIT licensed; the license text ships alongside the data
//! as `assets/LICENSE-VADER.txt` (a copy of the sdist's `LICENSE.txt`), which
//! is what the MIT license asks of redistributors.
//!
//! sha256 of the vendored files, checked by a test below so an edit cannot
//! slip in unnoticed:
//! - `vader_lexicon.txt`      1ec9c6e9ee19aade328f8beb393a6afa71a5bb3acf7d3cc22d4ef568df374bf5
//! - `emoji_utf8_lexicon.txt` b8d54223ae1ce22a3e12c1f745316b71678c328eb5f5d3063a842f37cfbe2823
//!
//! Everything a token needs is resolved by one hash lookup ([`WordInfo`]),
//! so the scoring loop never probes more than one table per token.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::text::py_strip;

pub(super) const VADER_LEXICON: &str = include_str!("../../../../assets/vader_lexicon.txt");
pub(super) const EMOJI_LEXICON: &str = include_str!("../../../../assets/emoji_utf8_lexicon.txt");

/// Booster increment (`B_INCR`).
const B_INCR: f64 = 0.293;
/// Dampener increment (`B_DECR`).
const B_DECR: f64 = -0.293;

/// `BOOSTER_DICT` keys that are a single token. A token can only ever equal
/// a key without a space, so these are the only ones the per-token check can
/// hit.
const BOOSTERS: [(&str, f64); 81] = [
    ("absolutely", B_INCR),
    ("amazingly", B_INCR),
    ("awfully", B_INCR),
    ("completely", B_INCR),
    ("considerable", B_INCR),
    ("considerably", B_INCR),
    ("decidedly", B_INCR),
    ("deeply", B_INCR),
    ("effing", B_INCR),
    ("enormous", B_INCR),
    ("enormously", B_INCR),
    ("entirely", B_INCR),
    ("especially", B_INCR),
    ("exceptional", B_INCR),
    ("exceptionally", B_INCR),
    ("extreme", B_INCR),
    ("extremely", B_INCR),
    ("fabulously", B_INCR),
    ("flipping", B_INCR),
    ("flippin", B_INCR),
    ("frackin", B_INCR),
    ("fracking", B_INCR),
    ("fricking", B_INCR),
    ("frickin", B_INCR),
    ("frigging", B_INCR),
    ("friggin", B_INCR),
    ("fully", B_INCR),
    ("fuckin", B_INCR),
    ("fucking", B_INCR),
    ("fuggin", B_INCR),
    ("fugging", B_INCR),
    ("greatly", B_INCR),
    ("hella", B_INCR),
    ("highly", B_INCR),
    ("hugely", B_INCR),
    ("incredible", B_INCR),
    ("incredibly", B_INCR),
    ("intensely", B_INCR),
    ("major", B_INCR),
    ("majorly", B_INCR),
    ("more", B_INCR),
    ("most", B_INCR),
    ("particularly", B_INCR),
    ("purely", B_INCR),
    ("quite", B_INCR),
    ("really", B_INCR),
    ("remarkably", B_INCR),
    ("so", B_INCR),
    ("substantially", B_INCR),
    ("thoroughly", B_INCR),
    ("total", B_INCR),
    ("totally", B_INCR),
    ("tremendous", B_INCR),
    ("tremendously", B_INCR),
    ("uber", B_INCR),
    ("unbelievably", B_INCR),
    ("unusually", B_INCR),
    ("utter", B_INCR),
    ("utterly", B_INCR),
    ("very", B_INCR),
    ("almost", B_DECR),
    ("barely", B_DECR),
    ("hardly", B_DECR),
    ("kinda", B_DECR),
    ("kindof", B_DECR),
    ("kind-of", B_DECR),
    ("less", B_DECR),
    ("little", B_DECR),
    ("marginal", B_DECR),
    ("marginally", B_DECR),
    ("occasional", B_DECR),
    ("occasionally", B_DECR),
    ("partly", B_DECR),
    ("scarce", B_DECR),
    ("scarcely", B_DECR),
    ("slight", B_DECR),
    ("slightly", B_DECR),
    ("somewhat", B_DECR),
    ("sorta", B_DECR),
    ("sortof", B_DECR),
    ("sort-of", B_DECR),
];

/// The three two-word `BOOSTER_DICT` keys ("just enough", "kind of",
/// "sort of"). They only matter inside the idiom check, which looks them up
/// as joined bigrams.
const BIGRAM_BOOSTERS: [(&str, &str, f64); 3] = [
    ("just", "enough", B_DECR),
    ("kind", "of", B_DECR),
    ("sort", "of", B_DECR),
];

/// `NEGATE`, verbatim.
const NEGATE: [&str; 59] = [
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// A `SPECIAL_CASES` replacement valence. Python spells some of them as int
/// literals (`3`, `-2`) and CPython's `sum` treats ints differently from
/// floats, so the int-ness is part of the value (see `pyfloat::py_sum`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Special {
    pub value: f64,
    pub is_int: bool,
}

const fn int(value: f64) -> Special {
    Special {
        value,
        is_int: true,
    }
}

const fn float(value: f64) -> Special {
    Special {
        value,
        is_int: false,
    }
}

/// Two-token `SPECIAL_CASES`. The single-token key "badass" is left out on
/// purpose: the reference only ever looks up space-joined bigrams and
/// trigrams of tokens, and a token never contains whitespace, so that key
/// can never match (the word "badass" scores by its lexicon entry).
const SPECIAL_BIGRAMS: [(&str, &str, Special); 6] = [
    ("the", "shit", int(3.0)),
    ("the", "bomb", int(3.0)),
    ("bad", "ass", float(1.5)),
    ("bus", "stop", float(0.0)),
    ("yeah", "right", int(-2.0)),
    ("beating", "heart", float(3.5)),
];

/// Three-token `SPECIAL_CASES`.
const SPECIAL_TRIGRAMS: [(&str, &str, &str, Special); 2] = [
    ("kiss", "of", "death", float(-1.5)),
    ("to", "die", "for", int(3.0)),
];

/// What the rules need to know about one lowercased token.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct WordInfo {
    /// Its `vader_lexicon.txt` valence, if it is in the lexicon.
    pub valence: Option<f64>,
    /// Its single-token `BOOSTER_DICT` increment, if any.
    pub booster: Option<f64>,
    /// Whether it is in `NEGATE` (the "n't" substring rule is applied per
    /// token by the caller).
    pub negation: bool,
}

/// FxHash-style multiplicative hasher. The keys are fixed (lexicon words) and
/// nothing user-supplied is ever inserted, so HashDoS resistance buys
/// nothing here while SipHash would cost a noticeable share of a sentence's
/// scoring time.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

type FxBuild = BuildHasherDefault<FxHasher>;

/// The parsed tables, built once per [`super::Analyzer`].
pub(super) struct Tables {
    words: HashMap<&'static str, WordInfo, FxBuild>,
    emojis: HashMap<char, &'static str, FxBuild>,
    /// Whether any emoji key is an ASCII character; when none is (the
    /// shipped lexicon has none), ASCII text skips the emoji walk entirely.
    ascii_emoji: bool,
}

impl Tables {
    pub(super) fn load() -> Tables {
        let lexicon = parse_lexicon(VADER_LEXICON);
        let mut words: HashMap<&'static str, WordInfo, FxBuild> = HashMap::with_capacity_and_hasher(
            lexicon.len() + BOOSTERS.len() + NEGATE.len(),
            FxBuild::default(),
        );
        // In file order, so later duplicates overwrite earlier ones as in the
        // reference's dict.
        for (word, valence) in lexicon {
            words.entry(word).or_default().valence = Some(valence);
        }
        for (word, increment) in BOOSTERS {
            words.entry(word).or_default().booster = Some(increment);
        }
        for word in NEGATE {
            words.entry(word).or_default().negation = true;
        }
        let emojis = parse_emojis(EMOJI_LEXICON);
        let ascii_emoji = emojis.keys().any(char::is_ascii);
        Tables {
            words,
            emojis,
            ascii_emoji,
        }
    }

    /// Everything known about a lowercased token (all `None`/`false` if it
    /// is in none of the tables).
    #[inline]
    pub(super) fn word(&self, lower: &str) -> WordInfo {
        self.words.get(lower).copied().unwrap_or_default()
    }

    #[inline]
    pub(super) fn emoji(&self, c: char) -> Option<&'static str> {
        self.emojis.get(&c).copied()
    }

    #[inline]
    pub(super) fn has_ascii_emoji(&self) -> bool {
        self.ascii_emoji
    }

    #[cfg(test)]
    pub(super) fn lexicon_len(&self) -> usize {
        self.words.values().filter(|w| w.valence.is_some()).count()
    }

    #[cfg(test)]
    pub(super) fn emoji_len(&self) -> usize {
        self.emojis.len()
    }
}

/// The `SPECIAL_CASES` value of the bigram `a b`, if any.
#[inline]
pub(super) fn special_bigram(a: &str, b: &str) -> Option<Special> {
    SPECIAL_BIGRAMS
        .iter()
        .find(|(x, y, _)| *x == a && *y == b)
        .map(|&(_, _, s)| s)
}

/// The `SPECIAL_CASES` value of the trigram `a b c`, if any.
#[inline]
pub(super) fn special_trigram(a: &str, b: &str, c: &str) -> Option<Special> {
    SPECIAL_TRIGRAMS
        .iter()
        .find(|(x, y, z, _)| *x == a && *y == b && *z == c)
        .map(|&(_, _, _, s)| s)
}

/// The `BOOSTER_DICT` value of the bigram `a b`, if any.
#[inline]
pub(super) fn booster_bigram(a: &str, b: &str) -> Option<f64> {
    BIGRAM_BOOSTERS
        .iter()
        .find(|(x, y, _)| *x == a && *y == b)
        .map(|&(_, _, v)| v)
}

/// `make_lex_dict`: `for line in text.rstrip('\n').split('\n')`, skip empty
/// lines, `word, measure = line.strip().split('\t')[0:2]`, later duplicates
/// win. Python would raise on a malformed line; the vendored file has none
/// (a test pins the entry count), and here such a line is skipped so that
/// construction cannot fail.
fn parse_lexicon(raw: &'static str) -> Vec<(&'static str, f64)> {
    let mut out = Vec::with_capacity(7600);
    for line in raw.trim_end_matches('\n').split('\n') {
        if line.is_empty() {
            continue;
        }
        let mut fields = py_strip(line).split('\t');
        if let (Some(word), Some(measure)) = (fields.next(), fields.next())
            && let Ok(value) = measure.parse::<f64>()
        {
            out.push((word, value));
        }
    }
    out
}

/// `make_emoji_dict`, keeping only single-character keys: the reference
/// looks emoji up one character at a time, so longer keys never match.
fn parse_emojis(raw: &'static str) -> HashMap<char, &'static str, FxBuild> {
    let mut map = HashMap::with_capacity_and_hasher(1300, FxBuild::default());
    for line in raw.trim_end_matches('\n').split('\n') {
        let mut fields = py_strip(line).split('\t');
        if let (Some(key), Some(description)) = (fields.next(), fields.next()) {
            let mut chars = key.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                map.insert(c, description);
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sizes_match_the_reference() {
        // Python 3.3.2: len(lexicon) == 7506 (7520 lines, 14 later-wins
        // duplicates); 1212 of the emoji dict's keys are one character.
        let tables = Tables::load();
        assert_eq!(parse_lexicon(VADER_LEXICON).len(), 7520);
        assert_eq!(tables.lexicon_len(), 7506);
        assert_eq!(tables.emoji_len(), 1212);
        assert!(!tables.has_ascii_emoji());
    }

    #[test]
    fn known_entries() {
        let tables = Tables::load();
        assert_eq!(tables.word("good").valence, Some(1.9));
        assert_eq!(tables.word("no").valence, Some(-1.2));
        assert_eq!(tables.word(":)").valence, Some(2.0));
        assert_eq!(tables.word("very").booster, Some(0.293));
        assert_eq!(tables.word("kinda").booster, Some(-0.293));
        assert!(tables.word("never").negation);
        assert_eq!(tables.word("least"), WordInfo::default());
        assert_eq!(tables.emoji('\u{1F498}'), Some("heart with arrow"));
    }

    #[test]
    fn vendored_files_are_unchanged() {
        // FNV-1a over the bytes plus the length: cheap, dependency-free
        // tripwire for edits (the sha256 digests are in the module docs).
        fn fnv(bytes: &[u8]) -> u64 {
            bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
        }
        assert_eq!(VADER_LEXICON.len(), 434_304);
        assert_eq!(EMOJI_LEXICON.len(), 121_986);
        assert_eq!(fnv(VADER_LEXICON.as_bytes()), VADER_LEXICON_FNV);
        assert_eq!(fnv(EMOJI_LEXICON.as_bytes()), EMOJI_LEXICON_FNV);
    }

    const VADER_LEXICON_FNV: u64 = 0xfced_df9b_afd8_272e;
    const EMOJI_LEXICON_FNV: u64 = 0xda6d_9394_4222_4866;
}
