//! The optimised normalisation and signatures against the plain reference
//! versions on real pages (the committed bench corpus and the CLI fixture).

use sift_dedup::minhash::{reference, Scratch};
use sift_dedup::normalize::{simplify_into, simplify_reference};
use sift_dedup::{MinHashParams, MinHasher};

fn pages() -> Vec<String> {
    [
        include_str!("../../sift-io/benches/data/pages.jsonl"),
        include_str!("../../sift-cli/tests/data/pages.jsonl"),
    ]
    .iter()
    .flat_map(|f| f.lines())
    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    .filter_map(|v| Some(v.get("text")?.as_str()?.to_string()))
    .collect()
}

#[test]
fn real_pages_simplify_like_the_reference() {
    let pages = pages();
    assert!(pages.len() > 100);
    let mut out = String::new();
    for (i, text) in pages.iter().enumerate() {
        simplify_into(text, &mut out);
        assert!(out == simplify_reference(text), "page {i}");
    }
}

#[test]
fn real_pages_sign_like_the_reference() {
    let hasher = MinHasher::new(MinHashParams::default()).expect("defaults");
    let mut scratch = Scratch::default();
    let mut sig = Vec::new();
    for (i, text) in pages().iter().enumerate() {
        let has = hasher.signature(text, &mut scratch, &mut sig);
        let want = reference::signature(&hasher, text);
        assert_eq!(has, want.is_some(), "page {i}");
        assert!(sig == want.unwrap_or_default(), "page {i}");
    }
}
