//! Dedup end to end: `sift run` with exact/near/paragraph dedup on a small
//! corpus made by `make_bench_corpus.py 0.5 --seed 11` (real page text; two
//! shards, duplicates across them), and `sift dedup explain`.
//!
//! `data/dedup-truth.jsonl` records, per document, its kind (`orig`,
//! `exact_dup`, `near_dup`, `spam`) and the document it copies (`dup_of`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::util::{assert_reconciles, data, output_bytes, records, run_ok, sift, stats};

const EXACT_MINHASH: &str =
    "[[stages]]\ntype = \"exact_dedup\"\n\n[[stages]]\ntype = \"minhash_dedup\"\n";

fn pipeline(dir: &Path, text: &str) -> String {
    let p = dir.join("pipeline.toml");
    std::fs::write(&p, text).expect("write pipeline");
    p.display().to_string()
}

fn run_dedup(dir: &Path, name: &str, text: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    let p = pipeline(dir, text);
    let input = data("dedup").display().to_string();
    let out_s = out.display().to_string();
    let mut args = vec![
        "run",
        p.as_str(),
        "-i",
        input.as_str(),
        "-o",
        out_s.as_str(),
        "-q",
    ];
    args.extend_from_slice(extra);
    run_ok(&args);
    out
}

/// id -> (kind, dup_of)
fn truth() -> HashMap<String, (String, Option<String>)> {
    std::fs::read_to_string(data("dedup-truth.jsonl"))
        .expect("truth")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            (
                v["id"].as_str().expect("id").to_string(),
                (
                    v["kind"].as_str().expect("kind").to_string(),
                    v["dup_of"].as_str().map(str::to_string),
                ),
            )
        })
        .collect()
}

#[test]
fn exact_and_near_duplicates_are_removed_with_their_cluster() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_dedup(dir.path(), "out", EXACT_MINHASH, &[]);
    assert_reconciles(&out);
    let truth = truth();
    let removed = records(&out, "removed");
    let kept: HashSet<String> = records(&out, "kept")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    // The truth's original of each document (itself for originals).
    let root = |id: &str| -> String {
        match &truth[id] {
            (_, Some(of)) => of.clone(),
            _ => id.to_string(),
        }
    };
    let mut removed_ids = HashSet::new();
    for r in &removed {
        let id = r["id"].as_str().expect("id");
        removed_ids.insert(id.to_string());
        let dup = &r["sift"];
        let of = dup["duplicate_of"].as_str().expect("duplicate_of");
        let stage = r["sift"]["stage"].as_str().expect("stage");
        let cluster = dup["duplicate_cluster"].as_str().expect("cluster");
        assert!(cluster.starts_with(&format!("{stage}:")), "{cluster}");
        assert!(kept.contains(of), "{id}: kept document {of} is in kept/");
        assert_eq!(root(id), root(of), "{id} removed as a copy of {of}");
        match r["sift"]["reason"].as_str() {
            Some("exact_duplicate") => assert_eq!(dup["duplicate_similarity"], 1.0),
            Some("near_duplicate") => {
                let s = dup["duplicate_similarity"].as_f64().expect("similarity");
                assert!(s > 0.3 && s <= 1.0, "{id}: {s}");
            }
            other => panic!("{id}: unexpected reason {other:?}"),
        }
    }
    for (id, (kind, _)) in &truth {
        match kind.as_str() {
            "exact_dup" => assert!(removed_ids.contains(id), "exact duplicate {id} kept"),
            "near_dup" => {}
            _ => {}
        }
    }
    let near_total = truth.values().filter(|t| t.0 == "near_dup").count();
    let near_found = truth
        .iter()
        .filter(|(id, t)| t.0 == "near_dup" && removed_ids.contains(*id))
        .count();
    // The default verification threshold (0.8) trades some recall for
    // pair precision (docs/dedup.md): 14 of these 16 are found.
    assert!(
        near_found * 100 >= near_total * 85,
        "near duplicates found: {near_found}/{near_total}"
    );
    let s = stats(&out);
    assert_eq!(s["stages"][0]["name"], "exact_dedup");
    assert_eq!(
        s["stages"][0]["docs_in"].as_u64().expect("n"),
        s["docs_in"].as_u64().expect("n")
    );
    // Work files are gone, the global step's counts stay.
    assert!(!out.join(".sift/tmp").exists());
    assert!(out.join(".sift/dedup.json").exists());
}

#[test]
fn output_is_identical_for_any_thread_count_and_memory_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = run_dedup(dir.path(), "a", EXACT_MINHASH, &["-j", "1"]);
    let b = run_dedup(
        dir.path(),
        "b",
        EXACT_MINHASH,
        &["-j", "3", "--memory-limit", "1K"],
    );
    assert_eq!(output_bytes(&a), output_bytes(&b));
    // Other batch sizes write the same records (the compressed framing of the
    // files may differ with the write sizes).
    let c = run_dedup(
        dir.path(),
        "c",
        EXACT_MINHASH,
        &["-j", "2", "--batch-docs", "7"],
    );
    for cat in ["kept", "removed"] {
        assert_eq!(records(&a, cat), records(&c, cat), "{cat}");
    }
    let strip = |mut v: serde_json::Value| {
        v["seconds"] = 0.into();
        v
    };
    assert_eq!(strip(stats(&a)), strip(stats(&b)));
    // A rerun into a finished directory changes nothing.
    let before = output_bytes(&a);
    run_dedup(dir.path(), "a", EXACT_MINHASH, &["-j", "2"]);
    assert_eq!(output_bytes(&a), before);
}

#[test]
fn filters_before_and_after_dedup_keep_the_books_balanced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = concat!(
        "[[stages]]\ntype = \"min_words\"\nmin = 60\n\n",
        "[[stages]]\ntype = \"exact_dedup\"\n\n",
        "[[stages]]\ntype = \"paragraph_dedup\"\n\n",
        "[[stages]]\ntype = \"minhash_dedup\"\n\n",
        "[[stages]]\ntype = \"min_words\"\nname = \"min_words_after\"\nmin = 120\n",
    );
    let out = run_dedup(dir.path(), "out", text, &[]);
    assert_reconciles(&out);
    let s = stats(&out);
    let stage = |i: usize, k: &str| s["stages"][i][k].as_u64().expect(k);
    // Each stage sees what the one before let through.
    for i in 1..5 {
        assert_eq!(
            stage(i, "docs_in"),
            stage(i - 1, "docs_in") - stage(i - 1, "docs_removed")
        );
    }
    // Paragraph dedup removed repeated lines (shared paragraphs between
    // documents of the same source page) with a reason, per line.
    assert!(stage(2, "lines_removed") > 0);
    let kept = records(&out, "kept");
    let line = kept
        .iter()
        .flat_map(|r| {
            r["sift"]["removed_lines"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|l| l["stage"] == "paragraph_dedup")
        .expect("a removed duplicate line");
    assert_eq!(line["reason"], "duplicate_line");
    assert!(line["text"].as_str().expect("text").chars().count() >= 20);
}

#[test]
fn dedup_explain_shows_the_cluster() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_dedup(dir.path(), "out", EXACT_MINHASH, &[]);
    let near = records(&out, "removed")
        .into_iter()
        .find(|r| r["sift"]["reason"] == "near_duplicate")
        .expect("a near duplicate");
    let id = near["id"].as_str().expect("id").to_string();
    let kept = near["sift"]["duplicate_of"]
        .as_str()
        .expect("kept")
        .to_string();
    let cluster = near["sift"]["duplicate_cluster"]
        .as_str()
        .expect("cluster")
        .to_string();
    let out_s = out.display().to_string();
    let o = run_ok(&["dedup", "explain", "--output", &out_s, "--id", &id]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(&format!("cluster {cluster}")), "{text}");
    assert!(text.contains(&format!("KEPT     {kept}")), "{text}");
    assert!(text.contains(&format!("REMOVED  {id}")), "{text}");
    assert!(text.contains("<- asked"), "{text}");
    assert!(
        text.contains("estimated Jaccard") && text.contains("5-gram Jaccard"),
        "{text}"
    );
    // Asking for the kept document shows the same cluster.
    let o = run_ok(&["dedup", "explain", "--output", &out_s, "--id", &kept]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(&format!("REMOVED  {id}")), "{text}");
    // An unknown id is an error.
    let o = sift()
        .args([
            "dedup",
            "explain",
            "--output",
            &out_s,
            "--id",
            "no-such-doc",
        ])
        .output()
        .expect("spawn");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-doc"));
}
