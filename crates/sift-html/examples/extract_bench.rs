//! Score main-text extractors on a labelled page set (word-level P/R/F1).
//!
//! ```text
//! cargo run --release -p sift-html --features trafilatura --example extract_bench -- \
//!     --html html.jsonl.gz --gold pages.jsonl [--extractor readability,trafilatura] \
//!     [--pred NAME=predictions.jsonl]... [--repeat N]
//! ```
//!
//! `html.jsonl.gz` has `{"id", "html"}` lines, `pages.jsonl` has `{"id",
//! "clean"}` lines (the reference main text; pages whose `clean` is null are
//! not scored). Each extractor runs single-threaded over every page (`N`
//! times with `--repeat N`, pages/s averaged); pages/s counts extraction
//! only. `--pred` scores another tool's `{"id", "text"}`
//! output the same way (e.g. Python trafilatura's, see
//! `trafilatura_baseline.py`). With `EXTRACT_BENCH_DUMP=DIR` each
//! extractor's output is written to `DIR/NAME.jsonl` for inspection.
//!
//! Scoring follows the article-extraction benchmarks: both texts become
//! multisets of lowercased word tokens (runs of letters/digits; each CJK,
//! kana, Hangul or Thai character is its own token, as those scripts do not
//! separate words with spaces); precision = |pred ∩ gold| / |pred|, recall =
//! |pred ∩ gold| / |gold|; the table shows the mean over pages. A failed or
//! empty extraction scores 0/0/0.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::time::Instant;

use sift_html::{Extractor, ExtractorKind};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    let mut html_path = None;
    let mut gold_path = None;
    let mut extractors = vec![ExtractorKind::Density];
    let mut preds: Vec<(String, String)> = Vec::new();
    let mut repeat = 1usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--html" => html_path = Some(val()?),
            "--gold" => gold_path = Some(val()?),
            "--extractor" => {
                extractors = val()?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| ExtractorKind::from_name(s).ok_or(format!("unknown extractor {s}")))
                    .collect::<Result<_, _>>()?
            }
            "--repeat" => repeat = val()?.parse::<usize>()?.max(1),
            "--pred" => {
                let v = val()?;
                let (n, p) = v.split_once('=').ok_or("--pred NAME=FILE")?;
                preds.push((n.to_string(), p.to_string()));
            }
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    let html_path = html_path.ok_or("--html is required")?;
    let gold_path = gold_path.ok_or("--gold is required")?;

    let gold: HashMap<String, String> = read_jsonl(&gold_path, false)?
        .into_iter()
        .filter_map(|v| {
            Some((
                v.get("id")?.as_str()?.to_string(),
                v.get("clean")?.as_str()?.to_string(),
            ))
        })
        .collect();
    let pages: Vec<(String, String)> = read_jsonl(&html_path, true)?
        .into_iter()
        .filter_map(|v| {
            let id = v.get("id")?.as_str()?.to_string();
            let html = v.get("html")?.as_str()?.to_string();
            gold.contains_key(&id).then_some((id, html))
        })
        .collect();
    println!(
        "{} pages with reference text; mean over pages; single thread",
        pages.len()
    );
    println!("| extractor | precision | recall | F1 | failed/empty | pages/s |");
    println!("|---|---|---|---|---|---|");
    for kind in extractors {
        let ex = Extractor::new(kind)?;
        let mut out = HashMap::new();
        let start = Instant::now();
        for pass in 0..repeat {
            for (id, html) in &pages {
                match ex.extract(html, None) {
                    Ok(t) if pass == 0 => {
                        out.insert(id.clone(), t);
                    }
                    _ => {}
                }
            }
        }
        let secs = start.elapsed().as_secs_f64() / repeat as f64;
        if let Ok(dir) = std::env::var("EXTRACT_BENCH_DUMP") {
            dump(&format!("{dir}/{}.jsonl", kind.name()), &out)?;
        }
        report(
            kind.name(),
            &pages,
            &gold,
            &out,
            Some(pages.len() as f64 / secs),
        );
    }
    for (name, path) in preds {
        let out: HashMap<String, String> = read_jsonl(&path, false)?
            .into_iter()
            .filter_map(|v| {
                Some((
                    v.get("id")?.as_str()?.to_string(),
                    v.get("text")?.as_str()?.to_string(),
                ))
            })
            .collect();
        report(&name, &pages, &gold, &out, None);
    }
    Ok(())
}

fn report(
    name: &str,
    pages: &[(String, String)],
    gold: &HashMap<String, String>,
    out: &HashMap<String, String>,
    rate: Option<f64>,
) {
    let (mut p, mut r, mut f, mut failed) = (0.0, 0.0, 0.0, 0);
    // F1 per page set (the part of the id before `/`).
    let mut by_set: std::collections::BTreeMap<&str, (f64, usize)> = Default::default();
    for (id, _) in pages {
        let g = gold.get(id).map(String::as_str).unwrap_or("");
        let set = id.split('/').next().unwrap_or("");
        let e = by_set.entry(set).or_default();
        e.1 += 1;
        match out.get(id).filter(|t| !t.trim().is_empty()) {
            Some(t) => {
                let s = score(t, g);
                p += s.0;
                r += s.1;
                f += s.2;
                e.0 += s.2;
            }
            None => failed += 1,
        }
    }
    let sets: Vec<String> = by_set
        .iter()
        .map(|(k, (f, n))| format!("{k} ({n}) {:.3}", f / *n as f64))
        .collect();
    eprintln!("{name}: F1 by page set: {}", sets.join(", "));
    let n = pages.len().max(1) as f64;
    let rate = rate.map_or("(see its own run)".to_string(), |r| format!("{r:.0}"));
    println!(
        "| {name} | {:.3} | {:.3} | {:.3} | {failed} | {rate} |",
        p / n,
        r / n,
        f / n
    );
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0E7F      // Thai
        | 0x1000..=0x109F    // Myanmar
        | 0x3040..=0x30FF    // kana
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF // Han
        | 0xAC00..=0xD7AF    // Hangul
    )
}

fn tokens(text: &str) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, m: &mut HashMap<String, usize>| {
        if !cur.is_empty() {
            *m.entry(std::mem::take(cur)).or_insert(0) += 1;
        }
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush(&mut cur, &mut m);
            *m.entry(c.to_string()).or_insert(0) += 1;
        } else if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else {
            flush(&mut cur, &mut m);
        }
    }
    flush(&mut cur, &mut m);
    m
}

/// (precision, recall, F1) of `pred` against `gold` over token multisets.
fn score(pred: &str, gold: &str) -> (f64, f64, f64) {
    let (p, g) = (tokens(pred), tokens(gold));
    let np: usize = p.values().sum();
    let ng: usize = g.values().sum();
    let common: usize = p
        .iter()
        .map(|(t, &c)| c.min(g.get(t).copied().unwrap_or(0)))
        .sum();
    if np == 0 || ng == 0 {
        return (0.0, 0.0, 0.0);
    }
    let prec = common as f64 / np as f64;
    let rec = common as f64 / ng as f64;
    let f1 = if common == 0 {
        0.0
    } else {
        2.0 * prec * rec / (prec + rec)
    };
    (prec, rec, f1)
}

/// Write `{"id", "text"}` lines (with `EXTRACT_BENCH_DUMP=DIR`).
fn dump(path: &str, out: &HashMap<String, String>) -> Res<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for (id, text) in out {
        writeln!(f, "{}", serde_json::json!({ "id": id, "text": text }))?;
    }
    Ok(())
}

fn read_jsonl(path: &str, gz: bool) -> Res<Vec<serde_json::Value>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let reader: Box<dyn BufRead> = if gz {
        Box::new(BufReader::new(flate2::read::GzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut out = Vec::new();
    for line in reader.lines() {
        let line = line?;
        if !line.trim().is_empty() {
            out.push(serde_json::from_str(&line)?);
        }
    }
    Ok(out)
}
