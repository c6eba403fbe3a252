//! Criterion benches of whole pipelines and of each stage type alone, built
//! from pipeline TOML exactly as `sift run` builds them, over the committed
//! real-page corpus (`crates/sift-io/benches/data/pages.jsonl`). Throughput is
//! bytes/s of input text. A stage type this build does not know is skipped
//! with a message, so the bench keeps compiling while stages land.
//!
//! `cargo bench -p sift-pipeline --bench pipeline [FILTER]`

use std::sync::Arc;

use criterion::{criterion_group, criterion_main};
use sift_core::Document;
use sift_io::jsonl::JsonlReader;
use sift_io::{FieldNames, Record};

mod overhead;
mod presets;
mod stages;

pub const PAGES: &[u8] = include_bytes!("../../../sift-io/benches/data/pages.jsonl");
/// A sample of the benchmark corpus (`../../../sift-io/benches/data/README.md`).
pub const BENCH_CORPUS: &[u8] = include_bytes!("../../../sift-io/benches/data/bench-corpus.jsonl");

/// The real pages as documents, and their text size in bytes.
pub fn corpus() -> (Vec<Document>, u64) {
    corpus_of(PAGES)
}

/// `jsonl` as documents, and their text size in bytes.
pub fn corpus_of(jsonl: &[u8]) -> (Vec<Document>, u64) {
    let docs: Vec<Document> =
        JsonlReader::new(jsonl, Arc::from("corpus.jsonl"), FieldNames::default())
            .filter_map(|r| match r {
                Ok(Record::Doc(d)) => Some(d),
                _ => None,
            })
            .collect();
    let bytes = docs.iter().map(|d| d.text.len() as u64).sum();
    (docs, bytes)
}

criterion_group!(
    benches,
    stages::each_stage,
    presets::each_preset,
    overhead::junk_overhead
);
criterion_main!(benches);
