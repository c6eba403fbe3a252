//! The MinHash signature of every document of a JSONL file, and nothing
//! else: the map step of `minhash_dedup` (read, parse, datatrove's
//! normalisation, 5-gram word shingles, 14 x 8 hashes). `bench/compare.py`
//! times this process against datatrove's `MinhashDedupSignature` for
//! issue #7's "MinHash signatures" target.
//!
//! `cargo run --release -p sift-dedup --example minhash_signatures -- FILE.jsonl`

use std::io::{BufRead, BufReader};

use sift_dedup::minhash::Scratch;
use sift_dedup::{MinHashParams, MinHasher};

#[derive(serde::Deserialize)]
struct Record {
    text: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: minhash_signatures FILE.jsonl")?;
    let file = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    let hasher = MinHasher::new(MinHashParams::default())?;
    let mut scratch = Scratch::default();
    let mut sig = Vec::new();
    let (mut docs, mut bytes, mut signed, mut checksum) = (0u64, 0u64, 0u64, 0u64);
    for (n, line) in BufReader::with_capacity(1 << 20, file).lines().enumerate() {
        let line = line.map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let rec: Record =
            serde_json::from_str(&line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        docs += 1;
        bytes += line.len() as u64 + 1;
        if hasher.signature(&rec.text, &mut scratch, &mut sig) {
            signed += 1;
            // Use every signature, so no work can be optimised away.
            checksum = sig.iter().fold(checksum, |a, &h| a.rotate_left(5) ^ h);
        }
    }
    println!("{docs} documents, {bytes} bytes, {signed} signatures, checksum {checksum:016x}");
    Ok(())
}
