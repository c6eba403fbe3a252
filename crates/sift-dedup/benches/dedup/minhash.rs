//! MinHash signatures with the datatrove-compatible defaults (5-gram word
//! shingles after datatrove's normalisation, 14 bands x 8 hashes, seed 1):
//! the per-document cost of `minhash_dedup`'s map phase.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use sift_dedup::minhash::Scratch;
use sift_dedup::{MinHashParams, MinHasher};

use crate::texts;

/// Signature of every page.
pub fn signatures(c: &mut Criterion) {
    let (texts, bytes) = texts();
    let hasher = MinHasher::new(MinHashParams::default()).expect("default parameters are valid");
    let mut scratch = Scratch::default();
    let mut sig = Vec::new();
    let mut g = c.benchmark_group("minhash");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("signature", |b| {
        b.iter(|| {
            texts
                .iter()
                .filter(|t| hasher.signature(black_box(t), &mut scratch, &mut sig))
                .count()
        })
    });
    g.finish();
}
