//! Sentiment throughput in sentences/second over the parity corpus
//! (`tests/data/sentiment_vectors.tsv`: realistic CS-mail sentences).
//! Budget: >= 200,000 sentences/s on the 2-core reference machine.
//!
//! Run: `cargo bench --bench sentiment`

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tend::sentiment;

/// The sentences of the vector file, unescaped like the parity test does.
fn corpus() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sentiment_vectors.tsv");
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    data.lines()
        .skip(2) // provenance and column header
        .filter_map(|line| line.split('\t').next())
        .map(|field| {
            field
                .replace("\\\\", "\u{0}")
                .replace("\\t", "\t")
                .replace("\\n", "\n")
                .replace("\\r", "\r")
                .replace('\u{0}', "\\")
        })
        .collect()
}

fn bench_sentiment(c: &mut Criterion) {
    let sentences = corpus();
    assert!(!sentences.is_empty(), "empty corpus");
    let analyzer = sentiment::analyzer();

    let mut group = c.benchmark_group("sentiment");
    group.throughput(Throughput::Elements(sentences.len() as u64));
    group.bench_function("scores/corpus", |b| {
        b.iter(|| {
            for s in &sentences {
                black_box(analyzer.scores(black_box(s)));
            }
        })
    });
    group.finish();

    // One-off cost of building the tables, for context.
    c.bench_function("sentiment/analyzer_new", |b| {
        b.iter(sentiment::Analyzer::new)
    });
}

criterion_group!(benches, bench_sentiment);
criterion_main!(benches);
