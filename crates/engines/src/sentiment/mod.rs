//! Sentiment scoring (VADER-compatible).
//!
//! Interactions (emails, notes, tickets) are scored with VADER, the
//! rule-based model of Hutto & Gilbert (ICWSM-14), because it needs no model
//! download, is fast enough to score a whole mailbox on import, and its
//! numbers are the ones CS tooling and analysts already know. The output is
//! meant to be indistinguishable from Python `vaderSentiment` 3.3.2:
//! `tests/sentiment_parity.rs` replays vectors produced by that package.
//!
//! Implemented here rather than via a crate: the ports on crates.io either
//! mis-score "at least" (the `vader_sentiment` family) or, in the case of
//! `vader-parity` 0.1.0 (correct, and our reference during development),
//! measured 140–235k sentences/s on the 2-core target against a
//! 200k/s budget. This version resolves each token with one lookup and one
//! lowercase pass and rounds without string formatting.
//!
//! The lexicons are VADER's own (MIT, Copyright (c) 2016 C.J. Hutto), vendored
//! in `assets/` with the license text in `assets/LICENSE-VADER.txt`.

mod lexicon;
mod pyfloat;
mod rules;
mod text;

use std::sync::OnceLock;

use tend_domain::{Sentiment, SentimentLabel, SentimentSource};

/// Compound scores at or above this are positive (VADER's published
/// convention).
pub const POSITIVE_THRESHOLD: f64 = 0.05;
/// Compound scores at or below this are negative (VADER's published
/// convention).
pub const NEGATIVE_THRESHOLD: f64 = -0.05;

/// VADER's four numbers for one text, rounded exactly as Python's
/// `polarity_scores` rounds them (3 decimals for the proportions, 4 for the
/// compound) so they can be compared and stored as-is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// Share of the text that reads negative, in [0, 1].
    pub neg: f64,
    /// Share of the text that reads neutral, in [0, 1].
    pub neu: f64,
    /// Share of the text that reads positive, in [0, 1].
    pub pos: f64,
    /// Normalized overall sentiment in [-1, 1]; the number to label by.
    pub compound: f64,
}

impl Scores {
    /// The label of this text's compound score.
    pub fn label(&self) -> SentimentLabel {
        label_for(self.compound)
    }
}

/// A VADER scorer. Building one parses the lexicons (~11k lines, a few
/// milliseconds), so build it once: [`analyzer`] shares one per process.
pub struct Analyzer {
    tables: lexicon::Tables,
}

impl Analyzer {
    /// Parses the vendored lexicons.
    pub fn new() -> Analyzer {
        Analyzer {
            tables: lexicon::Tables::load(),
        }
    }

    /// Scores one text. Total: any string, including "", gets scores (text
    /// with nothing scoreable is neutral, as in the reference).
    pub fn scores(&self, text: &str) -> Scores {
        rules::polarity_scores(&self.tables, text).0
    }

    /// The compound before rounding, for checks against the reference.
    #[cfg(test)]
    fn raw_compound(&self, text: &str) -> f64 {
        rules::polarity_scores(&self.tables, text).1
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new()
    }
}

/// The process-wide analyzer, built on first use.
pub fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(Analyzer::new)
}

/// The (rounded) compound score of `text`, using the shared [`analyzer`].
pub fn compound(text: &str) -> f64 {
    analyzer().scores(text).compound
}

/// Labels a compound score with VADER's thresholds: `>= 0.05` positive,
/// `<= -0.05` negative, neutral in between (and for NaN, which no score
/// produced here can be).
/// The automatic sentiment of a text: its compound score (to 4 decimals, as stored)
/// and label.
pub fn automatic(text: &str) -> Sentiment {
    let score = compound(text);
    Sentiment {
        score: (score * 10_000.0).round() / 10_000.0,
        label: label_for(score),
        source: SentimentSource::Ai,
    }
}

pub fn label_for(compound: f64) -> SentimentLabel {
    if compound >= POSITIVE_THRESHOLD {
        SentimentLabel::Positive
    } else if compound <= NEGATIVE_THRESHOLD {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> [f64; 4] {
        let r = analyzer().scores(text);
        [r.neg, r.neu, r.pos, r.compound]
    }

    #[test]
    fn thresholds_are_inclusive() {
        assert_eq!(label_for(0.05), SentimentLabel::Positive);
        assert_eq!(label_for(POSITIVE_THRESHOLD), SentimentLabel::Positive);
        assert_eq!(label_for(-0.05), SentimentLabel::Negative);
        assert_eq!(label_for(NEGATIVE_THRESHOLD), SentimentLabel::Negative);
        assert_eq!(label_for(0.0499), SentimentLabel::Neutral);
        assert_eq!(label_for(-0.0499), SentimentLabel::Neutral);
        assert_eq!(label_for(0.0), SentimentLabel::Neutral);
        assert_eq!(label_for(1.0), SentimentLabel::Positive);
        assert_eq!(label_for(-1.0), SentimentLabel::Negative);
        assert_eq!(label_for(f64::NAN), SentimentLabel::Neutral);
    }

    #[test]
    fn readme_examples_match_python() {
        // Outputs of vaderSentiment 3.3.2 on its own demo sentences.
        assert_eq!(
            s("VADER is smart, handsome, and funny."),
            [0.0, 0.254, 0.746, 0.8316]
        );
        assert_eq!(
            s("VADER is smart, handsome, and funny!"),
            [0.0, 0.248, 0.752, 0.8439]
        );
        assert_eq!(
            s("VADER is VERY SMART, handsome, and FUNNY!!!"),
            [0.0, 0.233, 0.767, 0.9342]
        );
        assert_eq!(
            s("VADER is not smart, handsome, nor funny."),
            [0.646, 0.354, 0.0, -0.7424]
        );
        assert_eq!(
            s("At least it isn't a horrible book."),
            [0.0, 0.678, 0.322, 0.431]
        );
        assert_eq!(
            s("Today only kinda sux! But I'll get by, lol"),
            [0.127, 0.556, 0.317, 0.5249]
        );
        assert_eq!(
            s("Make sure you :) or :D today!"),
            [0.0, 0.294, 0.706, 0.8633]
        );
        assert_eq!(s("Not bad at all"), [0.0, 0.513, 0.487, 0.431]);
    }

    #[test]
    fn at_least_is_not_a_negation() {
        // `vader_sentiment` 0.1.1 negates here: its "at"/"very" exemption is
        // written `prev2 == "at" && prev2 == "very"`, which never holds.
        assert_eq!(compound("he is at least smart"), 0.4019);
        // "least" alone does negate.
        assert!(compound("the least helpful reply") < 0.0);
    }

    #[test]
    fn empty_and_blank_text_is_all_zero() {
        assert_eq!(s(""), [0.0, 0.0, 0.0, 0.0]);
        assert_eq!(s(" \t\n "), [0.0, 0.0, 0.0, 0.0]);
        assert_eq!(s("is?"), [0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn but_quirk_reweights_the_first_equal_slot() {
        // "amazing" (2.8) is halved to 1.4 before "but"; "np" (1.4) after it
        // then finds that earlier slot via list.index and halves it again,
        // leaving its own 1.4 untouched: sum 0.7 + 1.4 instead of 1.4 + 2.1.
        assert_eq!(compound("amazing but np"), 0.4767);
        assert_eq!(
            analyzer().raw_compound("amazing but np"),
            0.4766576055745744
        );
    }

    #[test]
    fn shared_analyzer_is_consistent_with_a_fresh_one() {
        let fresh = Analyzer::new();
        let text = "The product is GREAT but the support is BAD!!";
        assert_eq!(fresh.scores(text), analyzer().scores(text));
        assert_eq!(fresh.scores(text).label(), label_for(compound(text)));
    }
}
