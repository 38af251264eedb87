//! The VADER rules, transcribed from vaderSentiment 3.3.2
//! (`SentimentIntensityAnalyzer.polarity_scores` and its helpers), including
//! its quirks, because parity with the Python output is the contract:
//!
//! - "least" negates the next word except after "at" / "very", so "at least
//!   good" stays positive (older Rust ports flip it);
//! - the "but" rule reweights the *first* slot equal to each value
//!   (`list.index`), not the slot itself;
//! - idioms are only checked for words with three words of context;
//! - the sum is CPython's `sum`, int/float distinction included.
//!
//! Each token is looked up once (see `text::tokenize`); the rules below only
//! read those cached facts and compare short lowercase strings.

use super::Scores;
use super::lexicon::{Tables, booster_bigram, special_bigram, special_trigram};
use super::pyfloat::{PyNum, py_round, py_sum};
use super::text::{Token, Tokens, tokenize, translate_emojis};

/// ALL-CAPS emphasis increment (`C_INCR`).
const C_INCR: f64 = 0.733;
/// Negation multiplier (`N_SCALAR`).
const N_SCALAR: f64 = -0.74;
/// Normalization constant of the compound score (`alpha`).
const ALPHA: f64 = 15.0;

/// Scores `text`; returns the rounded scores and the unrounded compound.
pub(super) fn polarity_scores(tables: &Tables, text: &str) -> (Scores, f64) {
    let text = translate_emojis(text, tables);
    let tokens = tokenize(&text, tables);
    let n = tokens.len();
    let upper = tokens.toks.iter().filter(|t| t.is_upper).count();
    // `allcap_differential`: some, but not all, tokens are ALL CAPS.
    let is_cap_diff = upper > 0 && upper < n;

    let mut sentiments: Vec<PyNum> = Vec::with_capacity(n);
    for (i, tok) in tokens.toks.iter().enumerate() {
        if tok.info.booster.is_some() {
            sentiments.push(PyNum::INT_ZERO);
            continue;
        }
        if i + 1 < n && tokens.lower(i) == "kind" && tokens.lower(i + 1) == "of" {
            sentiments.push(PyNum::INT_ZERO);
            continue;
        }
        sentiments.push(sentiment_valence(&tokens, i, tok, is_cap_diff));
    }
    but_check(&tokens, &mut sentiments);
    score_valence(&sentiments, &text)
}

/// `sentiment_valence` for the token at `i`.
fn sentiment_valence(tokens: &Tokens, i: usize, tok: &Token, is_cap_diff: bool) -> PyNum {
    let Some(lexicon_valence) = tok.info.valence else {
        return PyNum::INT_ZERO;
    };
    let n = tokens.len();
    let w = |k: usize| tokens.lower(k);
    let in_lexicon = |k: usize| tokens.toks.get(k).is_some_and(|t| t.info.valence.is_some());

    let mut valence = lexicon_valence;
    // "no" directly before another lexicon word is a negator, not a word.
    if w(i) == "no" && i + 1 < n && in_lexicon(i + 1) {
        valence = 0.0;
    }
    if (i > 0 && w(i - 1) == "no")
        || (i > 1 && w(i - 2) == "no")
        || (i > 2 && w(i - 3) == "no" && matches!(w(i - 1), "or" | "nor"))
    {
        valence = lexicon_valence * N_SCALAR;
    }
    if tok.is_upper && is_cap_diff {
        if valence > 0.0 {
            valence += C_INCR;
        } else {
            valence -= C_INCR;
        }
    }

    // `for start_i in range(0, 3)`: the words 1, 2 and 3 back, each only if
    // it is not itself a lexicon word.
    let mut is_int = false;
    if i > 0 && !in_lexicon(i - 1) {
        valence += scalar_inc_dec(&tokens.toks[i - 1], valence, is_cap_diff);
        if tokens.toks[i - 1].negated {
            valence *= N_SCALAR;
        }
    }
    if i > 1 && !in_lexicon(i - 2) {
        let mut s = scalar_inc_dec(&tokens.toks[i - 2], valence, is_cap_diff);
        if s != 0.0 {
            s *= 0.95;
        }
        valence += s;
        let (p1, p2) = (w(i - 1), w(i - 2));
        if p2 == "never" && (p1 == "so" || p1 == "this") {
            valence *= 1.25;
        } else if p2 == "without" && p1 == "doubt" {
            // "without doubt" is not a negation.
        } else if tokens.toks[i - 2].negated {
            valence *= N_SCALAR;
        }
    }
    if i > 2 && !in_lexicon(i - 3) {
        let mut s = scalar_inc_dec(&tokens.toks[i - 3], valence, is_cap_diff);
        if s != 0.0 {
            s *= 0.9;
        }
        valence += s;
        let (p1, p2, p3) = (w(i - 1), w(i - 2), w(i - 3));
        // Python: `a and b or c`, i.e. `(a and b) or c`.
        if (p3 == "never" && (p2 == "so" || p2 == "this")) || (p1 == "so" || p1 == "this") {
            valence *= 1.25;
        } else if p3 == "without" && (p2 == "doubt" || p1 == "doubt") {
            // "without (a) doubt" is not a negation.
        } else if tokens.toks[i - 3].negated {
            valence *= N_SCALAR;
        }
        (valence, is_int) = special_idioms_check(tokens, i, valence);
    }

    // `_least_check`: "least X" negates X unless it reads "at least X" or
    // "very least X".
    if i > 1 && !in_lexicon(i - 1) && w(i - 1) == "least" {
        if w(i - 2) != "at" && w(i - 2) != "very" {
            valence *= N_SCALAR;
            is_int = false;
        }
    } else if i > 0 && !in_lexicon(i - 1) && w(i - 1) == "least" {
        valence *= N_SCALAR;
        is_int = false;
    }
    PyNum {
        value: valence,
        is_int,
    }
}

/// `scalar_inc_dec`: the booster/dampener contribution of a preceding word.
#[inline]
fn scalar_inc_dec(word: &Token, valence: f64, is_cap_diff: bool) -> f64 {
    let Some(increment) = word.info.booster else {
        return 0.0;
    };
    let mut scalar = if valence < 0.0 { -increment } else { increment };
    if word.is_upper && is_cap_diff {
        if valence > 0.0 {
            scalar += C_INCR;
        } else {
            scalar -= C_INCR;
        }
    }
    scalar
}

/// `_special_idioms_check` (only reached with `i >= 3`). Returns the new
/// valence and whether it is a Python int.
fn special_idioms_check(tokens: &Tokens, i: usize, valence_in: f64) -> (f64, bool) {
    let n = tokens.len();
    let w = |k: usize| tokens.lower(k);
    let (mut valence, mut is_int) = (valence_in, false);
    // sequences = [onezero, twoonezero, twoone, threetwoone, threetwo]; first hit wins.
    let hit = special_bigram(w(i - 1), w(i))
        .or_else(|| special_trigram(w(i - 2), w(i - 1), w(i)))
        .or_else(|| special_bigram(w(i - 2), w(i - 1)))
        .or_else(|| special_trigram(w(i - 3), w(i - 2), w(i - 1)))
        .or_else(|| special_bigram(w(i - 3), w(i - 2)));
    if let Some(s) = hit {
        (valence, is_int) = (s.value, s.is_int);
    }
    if i + 1 < n
        && let Some(s) = special_bigram(w(i), w(i + 1))
    {
        (valence, is_int) = (s.value, s.is_int);
    }
    if i + 2 < n
        && let Some(s) = special_trigram(w(i), w(i + 1), w(i + 2))
    {
        (valence, is_int) = (s.value, s.is_int);
    }
    // Booster n-grams [threetwoone, threetwo, twoone]: no BOOSTER_DICT key
    // has three words, so only the two bigrams can match.
    if let Some(b) = booster_bigram(w(i - 3), w(i - 2)) {
        (valence, is_int) = (valence + b, false);
    }
    if let Some(b) = booster_bigram(w(i - 2), w(i - 1)) {
        (valence, is_int) = (valence + b, false);
    }
    (valence, is_int)
}

/// `_but_check`, quirk included: for each slot in order, Python finds the
/// *first* slot holding an equal value (`sentiments.index(sentiment)`) and
/// halves it if that slot is before the first "but" or multiplies it by 1.5
/// if after. Quadratic in the worst case, like the reference; VADER is
/// meant for sentence-sized input.
fn but_check(tokens: &Tokens, sentiments: &mut [PyNum]) {
    let Some(bi) = (0..tokens.len()).find(|&k| tokens.lower(k) == "but") else {
        return;
    };
    for pos in 0..sentiments.len() {
        let current = sentiments[pos];
        // `==` semantics: int 0 equals 0.0 and -0.0. A NaN (impossible here)
        // would match itself by identity in Python, hence the fallback.
        let si = sentiments[..pos]
            .iter()
            .position(|s| s.value == current.value)
            .unwrap_or(pos);
        let factor = match si.cmp(&bi) {
            std::cmp::Ordering::Less => 0.5,
            std::cmp::Ordering::Greater => 1.5,
            std::cmp::Ordering::Equal => continue,
        };
        sentiments[si] = PyNum::float(current.value * factor);
    }
}

/// `_punctuation_emphasis` over the (emoji-translated) text.
fn punctuation_emphasis(text: &str) -> f64 {
    let (mut ep, mut qm) = (0_u32, 0_u32);
    for b in text.bytes() {
        ep += u32::from(b == b'!');
        qm += u32::from(b == b'?');
    }
    let ep_amplifier = f64::from(ep.min(4)) * 0.292;
    let qm_amplifier = match qm {
        0 | 1 => 0.0,
        2 | 3 => f64::from(qm) * 0.18,
        _ => 0.96,
    };
    ep_amplifier + qm_amplifier
}

/// `normalize`: maps the raw sum into [-1, 1].
fn normalize(score: f64) -> f64 {
    (score / (score * score + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// `score_valence` plus the final rounding of `polarity_scores`.
fn score_valence(sentiments: &[PyNum], text: &str) -> (Scores, f64) {
    if sentiments.is_empty() {
        let zero = Scores {
            neg: 0.0,
            neu: 0.0,
            pos: 0.0,
            compound: 0.0,
        };
        return (zero, 0.0);
    }
    let mut sum_s = py_sum(sentiments);
    let punct = punctuation_emphasis(text);
    if sum_s > 0.0 {
        sum_s += punct;
    } else if sum_s < 0.0 {
        sum_s -= punct;
    }
    let compound = normalize(sum_s);

    // `_sift_sentiment_scores`
    let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0_f64, 0.0_f64, 0_u32);
    for s in sentiments {
        let v = s.value;
        if v > 0.0 {
            pos_sum += v + 1.0;
        }
        if v < 0.0 {
            neg_sum += v - 1.0;
        }
        if v == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += punct;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= punct;
    }
    let neu_count = f64::from(neu_count);
    let total = pos_sum + neg_sum.abs() + neu_count;
    let scores = Scores {
        neg: py_round((neg_sum / total).abs(), 3),
        neu: py_round((neu_count / total).abs(), 3),
        pos: py_round((pos_sum / total).abs(), 3),
        compound: py_round(compound, 4),
    };
    (scores, compound)
}
