//! datatrove's `simplify_text` normalisation (the first step of a signature).

use std::hint::black_box;

use criterion::{Criterion, Throughput};

use crate::texts;

/// Normalise every page.
pub fn simplify(c: &mut Criterion) {
    let (texts, bytes) = texts();
    let mut out = String::new();
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("simplify", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in &texts {
                out.clear();
                sift_dedup::normalize::simplify_into(black_box(t), &mut out);
                n += out.len();
            }
            n
        })
    });
    g.finish();
}
