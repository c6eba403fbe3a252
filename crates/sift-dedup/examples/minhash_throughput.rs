//! Single-threaded MinHash signature throughput on a JSONL file.
//!
//! `cargo run --release -p sift-dedup --example minhash_throughput -- FILE [MAX_MB]`
//! prints text MB per CPU-second on one thread (datatrove defaults:
//! spaCy-en tokens, 5-grams, 14x8 permutations). CPU time (from
//! `/proc/self/stat`, Linux) rather than wall time, so that a busy machine
//! does not distort the number; both are printed.

use std::io::BufRead;
use std::time::Instant;

use sift_dedup::minhash::Scratch;
use sift_dedup::{MinHashParams, MinHasher};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: minhash_throughput FILE [MAX_MB]")?;
    let max_bytes = args
        .next()
        .map(|s| s.parse::<f64>())
        .transpose()?
        .map_or(usize::MAX, |mb| (mb * 1e6) as usize);
    let mut texts = Vec::new();
    let mut bytes = 0;
    for line in std::io::BufReader::new(std::fs::File::open(&path)?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        if let Some(t) = v.get("text").and_then(|t| t.as_str()) {
            bytes += t.len();
            texts.push(t.to_string());
        }
        if bytes >= max_bytes {
            break;
        }
    }
    let tokenizer = match std::env::var("SIFT_TOKENIZER").as_deref() {
        Ok("whitespace") => sift_dedup::minhash::Tokenizer::Whitespace,
        _ => sift_dedup::minhash::Tokenizer::SpacyEn,
    };
    if std::env::var_os("SIFT_BREAKDOWN").is_some() {
        breakdown(&texts);
    }
    let hasher = MinHasher::new(MinHashParams {
        tokenizer,
        ..MinHashParams::default()
    })?;
    let mut scratch = Scratch::default();
    let mut sig = Vec::new();
    let start = Instant::now();
    let cpu0 = cpu_seconds();
    let mut with_sig = 0usize;
    for t in &texts {
        with_sig += usize::from(hasher.signature(t, &mut scratch, &mut sig));
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "{} docs ({} with a signature), {:.1} MB text: {:.2} s wall, {:.2} s CPU, \
         {:.1} MB per CPU-second (SIMD level {})",
        texts.len(),
        with_sig,
        bytes as f64 / 1e6,
        secs,
        cpu,
        bytes as f64 / 1e6 / cpu.max(1e-9),
        sift_dedup::minhash::simd_level()
    );
    Ok(())
}

/// User + system CPU seconds of this process (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are
    // fields 14 and 15 (1-based), in clock ticks of 1/100 s.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Time each step separately (normalise, tokenize, shingle hashes).
fn breakdown(texts: &[String]) {
    let t = cpu_seconds();
    let mut norm = Vec::with_capacity(texts.len());
    for x in texts {
        let mut s = String::new();
        sift_dedup::normalize::simplify_into(x, &mut s);
        norm.push(s);
    }
    let t_norm = cpu_seconds() - t;
    let t = cpu_seconds();
    let mut ntok = 0;
    for s in &norm {
        let mut v = Vec::new();
        sift_text::split_words(s, &mut v);
        ntok += v.len();
    }
    let t_tok = cpu_seconds() - t;
    println!("CPU: normalise {t_norm:.2} s, tokenize {t_tok:.2} s ({ntok} tokens)");
}
