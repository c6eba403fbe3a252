//! Criterion benches of sift-filters, one module per stage, throughput in
//! bytes/s of text from the committed real-page corpus
//! (`crates/sift-io/benches/data/pages.jsonl`, 1.2 MB, 99 pages).
//!
//! `cargo bench -p sift-filters --bench filters [FILTER]`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sift_core::{Document, Stage};

mod line_regex;
mod min_words;

const PAGES: &str = include_str!("../../../sift-io/benches/data/pages.jsonl");

/// The corpus as documents.
pub fn corpus() -> Vec<Document> {
    PAGES
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let id = v.get("id")?.as_str()?.to_string();
            let text = v.get("text")?.as_str()?.to_string();
            Some(Document::new(id, text))
        })
        .collect()
}

/// Bench `stage` over fresh copies of the corpus (cleaners edit documents).
pub fn bench_stage(c: &mut Criterion, name: &str, stage: &dyn Stage) {
    let docs = corpus();
    let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
    let mut g = c.benchmark_group("filters");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(name, |b| {
        b.iter_batched(
            || docs.clone(),
            |mut docs| {
                let mut kept = 0usize;
                for d in docs.iter_mut() {
                    kept += usize::from(stage.process(std::hint::black_box(d)).is_keep());
                }
                kept
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, line_regex::bench, min_words::bench);
criterion_main!(benches);
