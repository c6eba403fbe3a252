//! Criterion benches of sift-io, one module per layer, throughput in bytes/s
//! of the committed real-page corpus (`benches/data/pages.jsonl`, 1.2 MB).
//!
//! `cargo bench -p sift-io --bench io [FILTER]`

use criterion::{criterion_group, criterion_main};

mod compression;
mod jsonl;

/// The committed corpus: 99 real pages as JSONL.
pub const PAGES: &[u8] = include_bytes!("../data/pages.jsonl");

criterion_group!(
    benches,
    jsonl::read,
    jsonl::write,
    compression::encode,
    compression::decode
);
criterion_main!(benches);
