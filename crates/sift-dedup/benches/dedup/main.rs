//! Criterion benches of sift-dedup's per-document work, throughput in bytes/s
//! of text from the committed real-page corpus
//! (`crates/sift-io/benches/data/pages.jsonl`, 1.2 MB, 99 pages).
//!
//! `cargo bench -p sift-dedup --bench dedup [FILTER]`

use criterion::{criterion_group, criterion_main};

mod minhash;
mod normalize;

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

criterion_group!(benches, minhash::signatures, normalize::simplify);
criterion_main!(benches);
