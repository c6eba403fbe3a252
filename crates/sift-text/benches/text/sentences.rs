//! Sentence counting (the rule sentencizer datatrove's filters use).

use std::hint::black_box;

use criterion::{Criterion, Throughput};

use crate::texts;

/// `sift_text::count_sentences` over every page.
pub fn count_sentences(c: &mut Criterion) {
    let (texts, bytes) = texts();
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("count_sentences", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| sift_text::count_sentences(black_box(t)))
                .sum::<usize>()
        })
    });
    g.finish();
}
