//! Label every document of a JSONL file (`id`, `text`) with the embedded
//! lid.176.ftz, as datatrove's LanguageFilter sees it (`\n` replaced by a
//! space): prints `{"id", "language", "language_score"}` per line.
//!
//! `cargo run --release -p sift-lid --example lid_jsonl -- FILE.jsonl`

use std::io::{BufRead, Write};

use sift_lid::{FastTextLid, LangId};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: lid_jsonl FILE.jsonl")?;
    let lid = FastTextLid::lid176()?;
    let out = std::io::stdout();
    let mut out = out.lock();
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)?;
        let text = v["text"].as_str().unwrap_or_default().replace('\n', " ");
        let p = lid.predict(&text);
        let rec = serde_json::json!({
            "id": v["id"],
            "language": p.as_ref().map(|p| p.label.clone()),
            "language_score": p.as_ref().map(|p| p.score),
        });
        writeln!(out, "{rec}")?;
    }
    Ok(())
}
