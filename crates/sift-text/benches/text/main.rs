//! Criterion benches of sift-text, one module per primitive, throughput in
//! bytes/s of text from the committed real-page corpus
//! (`crates/sift-io/benches/data/pages.jsonl`, 1.2 MB, 99 pages).
//!
//! `cargo bench -p sift-text --bench text [FILTER]`

use criterion::{criterion_group, criterion_main};

mod sentences;
mod words;

const PAGES: &str = include_str!("../../../sift-io/benches/data/pages.jsonl");

/// The corpus texts and their total size in bytes.
pub fn texts() -> (Vec<String>, u64) {
    let texts: Vec<String> = PAGES
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| Some(v.get("text")?.as_str()?.to_string()))
        .collect();
    let bytes = texts.iter().map(|t| t.len() as u64).sum();
    (texts, bytes)
}

criterion_group!(
    benches,
    words::split_words,
    sentences::count_sentences,
    words::python_split
);
criterion_main!(benches);
