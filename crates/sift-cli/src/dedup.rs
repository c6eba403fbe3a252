//! `sift dedup explain`: a removed document's duplicate cluster — its
//! members, the kept one, and how similar each is to it.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::Value;
use sift::dedup::minhash::reference::shingle_hashes;
use sift::dedup::{MinHashParams, MinHasher};
use sift::io::compression::{decoder, Codec};

#[derive(Subcommand)]
pub enum DedupCommand {
    /// Show the duplicate cluster of a document of a finished run.
    Explain(ExplainArgs),
}

#[derive(Args)]
pub struct ExplainArgs {
    /// Output directory of the run.
    #[arg(short, long)]
    output: PathBuf,
    /// Id of the document (removed as a duplicate, or kept for a cluster).
    #[arg(long)]
    id: String,
}

pub fn dedup(cmd: DedupCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DedupCommand::Explain(args) => explain(&args),
    }
}

/// Parse a byte size: `1073741824`, `512M`, `1G`, `1.5GiB`, `64k`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.trim_end_matches("ib").trim_end_matches('b');
    let (num, mult) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        Some('t') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a size (examples: 512M, 2G, 1048576)"))?;
    if !(v.is_finite() && v >= 0.0) {
        return Err(format!("`{s}` is not a size"));
    }
    Ok((v * mult as f64) as usize)
}

/// One output record of the run.
struct Found {
    category: &'static str,
    file: PathBuf,
    id: String,
    value: Value,
}

impl Found {
    fn text<'a>(&'a self, text_key: &str) -> &'a str {
        self.value[text_key].as_str().unwrap_or_default()
    }
    fn sift(&self, key: &str) -> &Value {
        &self.value["sift"][key]
    }
}

struct Run {
    dir: PathBuf,
    id_key: String,
    text_key: String,
}

impl Run {
    fn open(dir: &Path) -> anyhow::Result<Self> {
        let ident = dir.join(".sift").join("run.json");
        let bytes = std::fs::read(&ident).with_context(|| {
            format!(
                "{} is not the output directory of a sift run",
                dir.display()
            )
        })?;
        let v: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not valid JSON", ident.display()))?;
        let key = |k: &str, d: &str| v[k].as_str().unwrap_or(d).to_string();
        Ok(Self {
            dir: dir.to_path_buf(),
            id_key: key("id_key", "id"),
            text_key: key("text_key", "text"),
        })
    }

    /// Every record of `category` whose raw line contains `needle` and for
    /// which `keep` holds, in output order (shards by name, input order).
    fn scan(
        &self,
        category: &'static str,
        needle: &str,
        mut keep: impl FnMut(&Found) -> bool,
    ) -> anyhow::Result<Vec<Found>> {
        let dir = self.dir.join(category);
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => return Ok(Vec::new()),
        };
        files.retain(|p| p.extension().is_some_and(|e| e != "tmp"));
        files.sort();
        // Cheap pre-filter on the raw line (skipped when JSON would escape
        // the needle).
        let plain = !needle
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_control());
        let mut out = Vec::new();
        for file in files {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let r = decoder(f, Codec::from_path(&file))
                .with_context(|| format!("cannot read {}", file.display()))?;
            for line in r.lines() {
                let line = line.with_context(|| format!("cannot read {}", file.display()))?;
                if plain && !line.contains(needle) {
                    continue;
                }
                let Ok(value) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                let id = match &value[&self.id_key] {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => continue,
                };
                let found = Found {
                    category,
                    file: file.clone(),
                    id,
                    value,
                };
                if keep(&found) {
                    out.push(found);
                }
            }
        }
        Ok(out)
    }

    fn find_id(&self, id: &str) -> anyhow::Result<Option<Found>> {
        for category in ["removed", "kept"] {
            let mut hits = self.scan(category, id, |f| f.id == id)?;
            if !hits.is_empty() {
                return Ok(Some(hits.swap_remove(0)));
            }
        }
        Ok(None)
    }
}

fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let run = Run::open(&args.output)?;
    let Some(doc) = run.find_id(&args.id)? else {
        anyhow::bail!(
            "no document with id `{}` in {}/kept or {}/removed",
            args.id,
            args.output.display(),
            args.output.display()
        );
    };
    let cluster = doc.sift("duplicate_cluster").as_str().map(str::to_string);
    let Some(cluster) = cluster else {
        // Not removed as a duplicate: show the clusters it represents.
        let members = run.scan("removed", &args.id, |f| {
            f.sift("duplicate_of").as_str() == Some(args.id.as_str())
        })?;
        if members.is_empty() {
            let verdict = match doc.category {
                "kept" => "kept".to_string(),
                _ => format!(
                    "removed by {}: {}",
                    doc.sift("stage").as_str().unwrap_or("?"),
                    doc.sift("reason").as_str().unwrap_or("?")
                ),
            };
            println!(
                "document {} was {verdict}; it is in no duplicate cluster",
                args.id
            );
            return Ok(ExitCode::SUCCESS);
        }
        let mut clusters: Vec<String> = members
            .iter()
            .filter_map(|m| m.sift("duplicate_cluster").as_str().map(str::to_string))
            .collect();
        clusters.dedup();
        for c in clusters {
            let these: Vec<&Found> = members
                .iter()
                .filter(|m| m.sift("duplicate_cluster").as_str() == Some(c.as_str()))
                .collect();
            print_cluster(&run, &c, &doc, &these, &args.id);
        }
        return Ok(ExitCode::SUCCESS);
    };
    let kept_id = doc
        .sift("duplicate_of")
        .as_str()
        .unwrap_or_default()
        .to_string();
    let members = run.scan("removed", &cluster, |f| {
        f.sift("duplicate_cluster").as_str() == Some(cluster.as_str())
    })?;
    let kept = run
        .find_id(&kept_id)?
        .with_context(|| format!("kept document `{kept_id}` of {cluster} not found"))?;
    let refs: Vec<&Found> = members.iter().collect();
    print_cluster(&run, &cluster, &kept, &refs, &args.id);
    Ok(ExitCode::SUCCESS)
}

fn snippet(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = flat.chars().take(72).collect();
    if flat.chars().count() > 72 {
        s.push('…');
    }
    s
}

/// Exact Jaccard similarity of the two texts' 5-gram shingle sets (the
/// quantity MinHash estimates).
fn shingle_jaccard(hasher: &MinHasher, a: &str, b: &str) -> Option<f64> {
    let set = |t: &str| -> std::collections::HashSet<u64> {
        shingle_hashes(hasher, t).into_iter().collect()
    };
    let (x, y) = (set(a), set(b));
    let union = x.union(&y).count();
    (union > 0).then(|| x.intersection(&y).count() as f64 / union as f64)
}

fn print_cluster(run: &Run, cluster: &str, kept: &Found, members: &[&Found], asked: &str) {
    let stage = cluster.rsplit_once(':').map_or(cluster, |(s, _)| s);
    let hasher = MinHasher::new(MinHashParams::default()).ok();
    println!(
        "cluster {cluster} (stage {stage}): {} document(s), 1 kept",
        members.len() + 1
    );
    let mark = |id: &str| if id == asked { "  <- asked" } else { "" };
    let kept_state = match kept.category {
        "kept" => "kept".to_string(),
        _ => format!(
            "kept by {stage}, later removed by {} ({})",
            kept.sift("stage").as_str().unwrap_or("?"),
            kept.sift("reason").as_str().unwrap_or("?")
        ),
    };
    println!(
        "  KEPT     {:<24} {}{}",
        kept.id,
        kept_state,
        mark(&kept.id)
    );
    println!("           {}", snippet(kept.text(&run.text_key)));
    println!(
        "           in {}",
        kept.file
            .strip_prefix(&run.dir)
            .unwrap_or(&kept.file)
            .display()
    );
    for m in members {
        let est = m.sift("duplicate_similarity").as_f64();
        let exact = hasher
            .as_ref()
            .and_then(|h| shingle_jaccard(h, m.text(&run.text_key), kept.text(&run.text_key)));
        let mut sim = match est {
            Some(e) => format!("estimated Jaccard {e:.3}"),
            None => "similarity ?".to_string(),
        };
        if let Some(x) = exact {
            sim.push_str(&format!(", 5-gram Jaccard {x:.3}"));
        }
        println!(
            "  REMOVED  {:<24} {} ({sim}){}",
            m.id,
            m.sift("reason").as_str().unwrap_or("?"),
            mark(&m.id)
        );
        println!("           {}", snippet(m.text(&run.text_key)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("64kb"), Ok(64 << 10));
        assert!(parse_size("lots").is_err());
    }
}
