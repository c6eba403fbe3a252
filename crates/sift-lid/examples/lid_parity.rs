//! Parity of sift-lid with datatrove's `LanguageFilter` (C++ fastText via the
//! Python `fasttext` package): runs the embedded lid.176.ftz on every input
//! document (`text`, `\n` replaced by a space, as datatrove does) and compares
//! with the oracle's `language` / `language_score` / `keep` per document.
//!
//! `cargo run --release -p sift-lid --example lid_parity -- DIR [SET...]`
//!
//! DIR holds `SET.jsonl` (inputs) and `SET.oracle.jsonl` (oracle output, same
//! order); SETs default to `bench pages spam_dev`. Keep as the oracle's
//! `LanguageFilter()` (any language, score > 0.65), and keep with
//! `languages=["en"]` (label `en` and score > 0.65). Prints label agreement,
//! keep/drop agreement, max |score diff| and every disagreement.

use std::io::BufRead;

use sift_lid::{FastTextLid, LangId};

fn lines(path: &str) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines() {
        let line = line?;
        if !line.trim().is_empty() {
            out.push(serde_json::from_str(&line)?);
        }
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: lid_parity DIR [SET...]")?;
    let mut sets: Vec<String> = args.collect();
    if sets.is_empty() {
        sets = ["bench", "pages", "spam_dev"].map(String::from).to_vec();
    }
    let lid = FastTextLid::lid176()?;
    let (mut n, mut label_eq, mut keep_eq, mut en_eq, mut max_diff) =
        (0usize, 0usize, 0usize, 0usize, 0f64);
    for set in &sets {
        let docs = lines(&format!("{dir}/{set}.jsonl"))?;
        let oracle = lines(&format!("{dir}/{set}.oracle.jsonl"))?;
        if docs.len() != oracle.len() {
            return Err(format!(
                "{set}: {} inputs, {} oracle lines",
                docs.len(),
                oracle.len()
            )
            .into());
        }
        for (d, o) in docs.iter().zip(&oracle) {
            let text = d["text"].as_str().unwrap_or_default().replace('\n', " ");
            let p = lid.predict(&text);
            let (label, score) = p.map_or((String::new(), 0.0), |p| (p.label, p.score));
            let o_label = o["language"].as_str().unwrap_or_default();
            let o_score = o["language_score"].as_f64().unwrap_or(0.0);
            let keep = score > 0.65;
            let o_keep = o["keep"].as_bool().unwrap_or(false);
            en_eq += usize::from((label == "en" && keep) == (o_label == "en" && o_score > 0.65));
            let diff = (score - o_score).abs();
            n += 1;
            label_eq += usize::from(label == o_label);
            keep_eq += usize::from(keep == o_keep);
            max_diff = max_diff.max(diff);
            if label != o_label || keep != o_keep || diff > 1e-6 {
                println!(
                    "{set} {}: sift {label} {score} keep={keep} | oracle {o_label} {o_score} keep={o_keep}",
                    d["id"]
                );
            }
        }
    }
    let pct = |k: usize| 100.0 * k as f64 / n.max(1) as f64;
    println!(
        "docs {n}  labels {label_eq}/{n} ({:.3} %)  keep/drop (any language, > 0.65) {keep_eq}/{n} ({:.3} %)  keep/drop (en, > 0.65) {en_eq}/{n} ({:.3} %)  max |score diff| {max_diff:e}",
        pct(label_eq),
        pct(keep_eq),
        pct(en_eq)
    );
    Ok(())
}
