//! Word tokenization: the spaCy-compatible tokenizer, and Python's
//! `str.split()` as the floor a whitespace tokenizer costs.

use std::hint::black_box;

use criterion::{Criterion, Throughput};

use crate::texts;

/// `sift_text::split_words` over every page.
pub fn split_words(c: &mut Criterion) {
    let (texts, bytes) = texts();
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(bytes));
    let mut words = Vec::new();
    g.bench_function("split_words", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in &texts {
                words.clear();
                sift_text::split_words(black_box(t), &mut words);
                n += words.len();
            }
            n
        })
    });
    g.finish();
}

/// Whitespace split with Python's `isspace` (what `str.split()` does).
pub fn python_split(c: &mut Criterion) {
    let (texts, bytes) = texts();
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("pystr_whitespace_split", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    black_box(t)
                        .split(sift_text::pystr::is_space)
                        .filter(|w| !w.is_empty())
                        .count()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}
