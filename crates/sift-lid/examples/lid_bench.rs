//! Throughput of [`LangId::predict`] on the `text` of a JSONL file (`\n`
//! replaced by a space, as the `language` stage does); texts are loaded first,
//! only prediction is timed, in wall-clock and in CPU time of the thread
//! (`/proc/thread-self/stat`, Linux; the machine may be shared).
//!
//! `cargo run --release -p sift-lid --example lid_bench -- FILE.jsonl [ROUNDS]`

use std::io::BufRead;
use std::time::Instant;

use sift_lid::{FastTextLid, LangId};

/// User + system CPU seconds of this thread, if known.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: lid_bench FILE.jsonl [ROUNDS]")?;
    let rounds: usize = args.next().map_or(Ok(1), |r| r.parse())?;
    let mut texts = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)?;
        texts.push(v["text"].as_str().unwrap_or_default().replace('\n', " "));
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let lid = FastTextLid::lid176()?;
    let mut checksum = 0f64;
    for _ in 0..rounds {
        let t = Instant::now();
        let c0 = cpu_seconds();
        for text in &texts {
            if let Some(p) = lid.predict(text) {
                checksum += p.score;
            }
        }
        let s = t.elapsed().as_secs_f64();
        let cpu = c0.zip(cpu_seconds()).map_or(f64::NAN, |(a, b)| b - a);
        let mb = bytes as f64 / 1e6;
        println!(
            "{} docs, {mb:.1} MB in {s:.3} s wall, {cpu:.2} s CPU: {:.1} MB/s CPU ({:.1} ms/MB)  checksum {checksum:.6}",
            texts.len(),
            mb / cpu,
            1e3 * cpu / mb
        );
    }
    Ok(())
}
