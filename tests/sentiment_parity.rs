//! Parity with Python vaderSentiment 3.3.2.
//!
//! `tests/data/sentiment_vectors.tsv` holds what Python printed for every
//! sentence of `tests/data/sentiment_sentences.txt` (regenerate with
//! `tests/data/make_sentiment_vectors.py`). Python rounds neg/neu/pos to 3
//! decimals and compound to 4 before printing, and `Scores` is rounded the
//! same way, so the rounded values are compared. The tolerance is 1e-4 (one
//! unit in the compound's last printed digit, which also makes the
//! 3-decimal proportions exact): an ulp-level difference in the unrounded
//! sum between CPython versions may move a value sitting on a rounding tie
//! by one digit, a real rule difference moves it by far more.

use std::path::Path;

use tend::domain::SentimentLabel;
use tend::sentiment::{self, NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, Scores};

/// Allowed |rust - python| per field, on the rounded values.
const TOLERANCE: f64 = 1e-4;
/// Slack for the binary representation of decimal values like 0.0001.
const EPS: f64 = 1e-12;

struct Vector {
    line: usize,
    sentence: String,
    expected: Scores,
}

/// Reverses the generator's escaping (`\t`, `\n`, `\r`, `\\`).
fn unescape(field: &str) -> Result<String, String> {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            other => return Err(format!("bad escape \\{other:?} in {field:?}")),
        }
    }
    Ok(out)
}

fn load_vectors() -> Vec<Vector> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sentiment_vectors.tsv");
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = data.lines().enumerate();
    let (_, provenance) = lines.next().expect("provenance line");
    assert!(
        provenance.starts_with("# vaderSentiment 3.3.2 "),
        "unexpected provenance line: {provenance}"
    );
    let (_, header) = lines.next().expect("header line");
    assert_eq!(header, "sentence\tneg\tneu\tpos\tcompound");
    lines
        .map(|(idx, line)| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 5, "line {}: {line:?}", idx + 1);
            let num = |k: usize| -> f64 {
                fields[k]
                    .parse()
                    .unwrap_or_else(|e| panic!("line {}: field {k} {:?}: {e}", idx + 1, fields[k]))
            };
            Vector {
                line: idx + 1,
                sentence: unescape(fields[0]).unwrap_or_else(|e| panic!("line {}: {e}", idx + 1)),
                expected: Scores {
                    neg: num(1),
                    neu: num(2),
                    pos: num(3),
                    compound: num(4),
                },
            }
        })
        .collect()
}

fn fields(s: &Scores) -> [(&'static str, f64); 4] {
    [
        ("neg", s.neg),
        ("neu", s.neu),
        ("pos", s.pos),
        ("compound", s.compound),
    ]
}

/// Every field of every vector within tolerance; returns the failures.
fn mismatches(vectors: &[Vector], score: impl Fn(&str) -> Scores) -> Vec<String> {
    let mut out = Vec::new();
    for v in vectors {
        let got = score(&v.sentence);
        for ((name, want), (_, have)) in fields(&v.expected).into_iter().zip(fields(&got)) {
            if (have - want).abs() > TOLERANCE + EPS {
                out.push(format!(
                    "line {}: {:?}: {name} rust {have} python {want}",
                    v.line, v.sentence
                ));
            }
        }
    }
    out
}

fn expected_label(compound: f64) -> SentimentLabel {
    if compound >= 0.05 {
        SentimentLabel::Positive
    } else if compound <= -0.05 {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    }
}

#[test]
fn vector_file_is_substantial() {
    let vectors = load_vectors();
    assert!(vectors.len() >= 300, "only {} vectors", vectors.len());
    assert!(
        vectors.iter().any(|v| v.sentence.is_empty()),
        "no empty-string vector"
    );
    assert!(
        vectors
            .iter()
            .any(|v| v.sentence.to_lowercase().contains("at least"))
    );
    // The corpus exercises all three labels.
    for label in [
        SentimentLabel::Positive,
        SentimentLabel::Neutral,
        SentimentLabel::Negative,
    ] {
        assert!(
            vectors
                .iter()
                .any(|v| expected_label(v.expected.compound) == label)
        );
    }
}

#[test]
fn scores_match_python_vader() {
    let vectors = load_vectors();
    let analyzer = sentiment::analyzer();
    let failures = mismatches(&vectors, |s| analyzer.scores(s));
    assert!(
        failures.is_empty(),
        "{} of {} sentences differ from Python:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
    // Stronger than the tolerance: report how many are bit-identical.
    let exact = vectors
        .iter()
        .filter(|v| analyzer.scores(&v.sentence) == v.expected)
        .count();
    eprintln!("{exact}/{} vectors bit-identical to Python", vectors.len());
}

#[test]
fn labels_match_python_thresholds() {
    assert_eq!(POSITIVE_THRESHOLD, 0.05);
    assert_eq!(NEGATIVE_THRESHOLD, -0.05);
    for v in load_vectors() {
        let compound = sentiment::compound(&v.sentence);
        assert_eq!(
            sentiment::label_for(compound),
            expected_label(v.expected.compound),
            "line {}: {:?} (rust {compound}, python {})",
            v.line,
            v.sentence,
            v.expected.compound
        );
    }
}

#[test]
fn the_comparison_can_fail() {
    // Guard against a vacuous harness: one wrong field must be reported.
    let vectors = load_vectors();
    let analyzer = sentiment::analyzer();
    let target = &vectors[0].sentence;
    let failures = mismatches(&vectors, |s| {
        let mut scores = analyzer.scores(s);
        if s == target {
            scores.compound += 2.0 * TOLERANCE;
        }
        scores
    });
    assert_eq!(failures.len(), 1, "{failures:?}");
}
