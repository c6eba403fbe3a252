//! Tokenize the `text` of every JSON line on stdin, for parity checks
//! (`scripts/agreement.py`) and throughput measurements.
//!
//! ```text
//! cargo run --release -p sift-text --example tokenize_jsonl < docs.jsonl > tokens.jsonl
//! cargo run --release -p sift-text --example tokenize_jsonl -- --bench 20 < docs.jsonl
//! ```
//!
//! Output per line: `{"id": .., "words": [..], "n_sentences": N}`. With
//! `--bench N` it prints throughput over N passes instead, per wall-clock
//! second and per second of this thread's CPU time (Linux `schedstat`; on a
//! shared machine the latter is the per-core figure).

use std::io::{self, BufRead, Write};
use std::time::Instant;

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let bench: Option<usize> = match args.get(1).map(String::as_str) {
        Some("--bench") => Some(args.get(2).and_then(|n| n.parse().ok()).unwrap_or(10)),
        _ => None,
    };
    let mut docs = Vec::new();
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line).map_err(io::Error::other)?;
        let text = v["text"].as_str().unwrap_or_default().to_owned();
        docs.push((v["id"].clone(), text));
    }
    if let Some(passes) = bench {
        let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
        let mb = (bytes * passes) as f64 / 1e6;
        let mut words = Vec::new();
        let mut n = 0usize;
        measure("split_words", mb, || {
            for _ in 0..passes {
                for (_, text) in &docs {
                    words.clear();
                    sift_text::split_words(text, &mut words);
                    n += words.len();
                }
            }
        });
        println!("  {} tokens per pass", n / passes.max(1));
        let mut s = 0usize;
        measure("count_sentences", mb, || {
            for _ in 0..passes {
                for (_, text) in &docs {
                    s += sift_text::count_sentences(text);
                }
            }
        });
        println!("  {} sentences per pass", s / passes.max(1));
        return Ok(());
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut words = Vec::new();
    for (id, text) in &docs {
        words.clear();
        sift_text::split_words(text, &mut words);
        let rec = serde_json::json!({
            "id": id,
            "words": words,
            "n_sentences": sift_text::count_sentences(text),
        });
        writeln!(out, "{rec}")?;
    }
    out.flush()
}

/// This thread's CPU time in seconds, where Linux exposes it.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn measure(name: &str, mb: f64, mut f: impl FnMut()) {
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    f();
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    print!(
        "{name}: {mb:.1} MB, wall {wall:.3} s = {:.1} MB/s",
        mb / wall
    );
    match cpu {
        Some(cpu) if cpu > 0.0 => println!(", cpu {cpu:.3} s = {:.1} MB/s per core", mb / cpu),
        _ => println!(),
    }
}
