//! Predictions of any supervised fastText model, as Python `fasttext`'s
//! `model.predict(text, k)` returns them: for each line of FILE.jsonl (a
//! JSON string, or an object with `text`), prints a JSON list of
//! `[label, probability]`, best first. For comparisons with C++ fastText.
//!
//! `cargo run --release -p sift-lid --example lid_predict -- MODEL FILE.jsonl [K]`

use std::io::{BufRead, Write};
use std::path::Path;

use sift_lid::FastTextLid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: lid_predict MODEL FILE.jsonl [K]";
    let model = args.next().ok_or(usage)?;
    let file = args.next().ok_or(usage)?;
    let k: i32 = args.next().map_or(Ok(-1), |k| k.parse())?;
    let lid = FastTextLid::from_path(Path::new(&model))?;
    let out = std::io::stdout();
    let mut out = out.lock();
    for line in std::io::BufReader::new(std::fs::File::open(file)?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let text = v
            .as_str()
            .or_else(|| v["text"].as_str())
            .unwrap_or_default();
        let preds: Vec<serde_json::Value> = lid
            .predict_k(text, k, 0.0)
            .into_iter()
            .map(|(l, p)| serde_json::json!([l, f64::from(p)]))
            .collect();
        writeln!(out, "{}", serde_json::Value::from(preds))?;
    }
    Ok(())
}
