//! The map / decide / apply cycle of dedup groups on real page text.

use std::path::Path;

use sift_core::{Document, Verdict};
use sift_dedup::{
    Decision, DedupGroup, DedupStage, ExactDedupConfig, KeyScratch, MinHashParams,
    ParagraphDedupConfig,
};

/// Real paragraphs (from the bundled real-pages fixture of the CLI tests).
fn paragraphs() -> Vec<String> {
    let data = include_str!("../../sift-cli/tests/data/pages.jsonl");
    let mut out = Vec::new();
    for line in data.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        let text = v["text"].as_str().unwrap_or_default();
        out.extend(
            text.split('\n')
                .filter(|p| p.split_whitespace().count() >= 25)
                .map(str::to_string),
        );
    }
    out
}

/// Shard-major documents: originals, an exact copy, a near copy and
/// documents sharing one boilerplate line.
fn corpus() -> Vec<Vec<Document>> {
    let p = paragraphs();
    assert!(p.len() >= 40, "{} paragraphs", p.len());
    let doc = |id: &str, text: String| Document::new(id, text);
    let orig: Vec<String> = (0..8).map(|i| p[i * 4..i * 4 + 4].join("\n")).collect();
    // Near copy of orig[2]: drop one word of the first paragraph and add one line.
    let mut near = orig[2].clone();
    if let Some(pos) = near.find(' ') {
        near.replace_range(..pos, "");
    }
    near.push_str("\nShare this article with your friends and family");
    let boiler = "Subscribe to our newsletter to get the latest stories";
    vec![
        vec![
            doc("a0", orig[0].clone()),
            doc("a1", orig[1].clone()),
            doc("a2", orig[2].clone()),
            doc("a3", format!("{}\n{boiler}", orig[3])),
        ],
        vec![],
        vec![
            doc("c0", format!("  {}\n", orig[1].replace('\n', "\n\n"))), // exact dup of a1 (whitespace)
            doc("c1", near),
            doc("c2", format!("{}\n{boiler}", orig[4])),
            doc("c3", format!("{boiler}\n{}", orig[5])),
            doc("c4", "too short".to_string()),
            doc("c5", "too short".to_string()),
        ],
    ]
}

fn run_group(
    stages: &[&DedupStage],
    shards: &[Vec<Document>],
    dir: &Path,
    memory: usize,
) -> Vec<Vec<Vec<Option<Decision>>>> {
    let group = DedupGroup::new(stages.to_vec(), dir);
    let mut scratch = KeyScratch::default();
    let mut keys = Vec::new();
    let mut counts = Vec::new();
    for (s, docs) in shards.iter().enumerate() {
        let mut w = group.key_writer(s).expect("key writer");
        for d in docs {
            group.keys(d, &mut scratch, &mut keys);
            w.push(&d.id, &keys).expect("push");
        }
        counts.push(w.finish().expect("finish"));
    }
    group.decide(&counts, memory).expect("decide");
    shards
        .iter()
        .enumerate()
        .map(|(s, docs)| {
            let mut r = group.decisions(s).expect("decisions");
            (0..docs.len() as u64)
                .map(|seq| r.take(seq).expect("take"))
                .collect()
        })
        .collect()
}

fn dup_of(d: &Option<Decision>) -> Option<(String, f64)> {
    match d {
        Some(Decision::Duplicate(dup)) => {
            Some((dup.duplicate_of.clone(), dup.similarity.unwrap_or(0.0)))
        }
        _ => None,
    }
}

#[test]
fn exact_then_minhash_in_one_group() {
    let exact = ExactDedupConfig::default()
        .build("exact_dedup")
        .expect("exact");
    let minhash = MinHashParams::default()
        .build("minhash_dedup")
        .expect("minhash");
    let shards = corpus();
    let dir = tempfile::tempdir().expect("tempdir");
    let got = run_group(&[&exact, &minhash], &shards, dir.path(), 1 << 20);

    let flat: Vec<(&str, &Vec<Option<Decision>>)> = shards
        .iter()
        .zip(&got)
        .flat_map(|(docs, ds)| docs.iter().map(|d| d.id.as_str()).zip(ds))
        .collect();
    for (id, ds) in &flat {
        let exact = dup_of(&ds[0]);
        let near = dup_of(&ds[1]);
        match *id {
            "c0" => {
                assert_eq!(exact, Some(("a1".to_string(), 1.0)));
                assert_eq!(near, None, "already removed by exact_dedup");
            }
            "c5" => assert_eq!(exact.map(|e| e.0), Some("c4".to_string())),
            "c1" => {
                assert_eq!(exact, None);
                let (kept, sim) = near.expect("near duplicate found");
                assert_eq!(kept, "a2");
                assert!(sim > 0.7 && sim < 1.0, "{sim}");
            }
            _ => assert_eq!((id, exact, near), (id, None, None)),
        }
    }
    // The cluster id of c1 is stable and names the stage.
    let Some(Decision::Duplicate(d)) = &got[2][1][1] else {
        panic!("c1 is a near duplicate")
    };
    assert_eq!(d.cluster.as_deref(), Some("minhash_dedup:0"));

    // Spilling (64 KiB sort buffers) decides the same.
    let dir2 = tempfile::tempdir().expect("tempdir");
    assert_eq!(run_group(&[&exact, &minhash], &shards, dir2.path(), 0), got);
}

#[test]
fn paragraph_dedup_removes_repeats_after_the_first_document() {
    let para = ParagraphDedupConfig::default()
        .build("paragraph_dedup")
        .expect("para");
    let shards = corpus();
    let dir = tempfile::tempdir().expect("tempdir");
    let got = run_group(&[&para], &shards, dir.path(), 1 << 20);
    let mut changed = Vec::new();
    for (docs, ds) in shards.iter().zip(&got) {
        for (d, dec) in docs.iter().zip(ds) {
            let mut doc = d.clone();
            let v = para.apply(&mut doc, dec[0].as_ref());
            // c0 repeats a1 entirely: nothing is left of it.
            let want = if d.id == "c0" {
                Verdict::drop_static("only_duplicate_lines")
            } else {
                Verdict::Keep
            };
            assert_eq!(v, want, "{}", d.id);
            if !doc.sift.removed_lines.is_empty() {
                let lines: Vec<&str> = doc
                    .sift
                    .removed_lines
                    .iter()
                    .map(|l| l.text.as_str())
                    .collect();
                changed.push((
                    d.id.clone(),
                    lines.len(),
                    lines[0].chars().take(20).collect::<String>(),
                ));
            }
        }
    }
    // a3 has the boilerplate first: it keeps it; c2 and c3 lose it. c0
    // (a1 re-spaced) and c1 (a2 with one word dropped) repeat a1/a2's
    // paragraphs and lose them, except c1's edited first paragraph.
    let ids: Vec<&str> = changed.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(ids, vec!["c0", "c1", "c2", "c3"], "{changed:?}");
    assert_eq!(changed[0].1, 4);
    assert_eq!(changed[1].1, 3);
    assert_eq!(changed[2].2, "Subscribe to our new");
}

/// `n` distinct letter-only words (digits would all normalise to `0`).
fn words(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let mut w = String::new();
            let mut x = i + 26 * 26;
            while x > 0 {
                w.push((b'a' + (x % 26) as u8) as char);
                x /= 26;
            }
            w
        })
        .collect()
}

#[test]
fn verified_clustering_does_not_chain() {
    // a ~ b and b ~ c (5-gram Jaccard ~0.77), but a and c only ~0.59: union-find (datatrove)
    // removes b and c for a; verified clustering removes b for a and keeps c.
    let w = words(260);
    let doc = |id: &str, from: usize| Document::new(id, w[from..from + 200].join(" "));
    let shards = vec![vec![doc("a", 0), doc("b", 25)], vec![doc("c", 50)]];
    let params = |keep: &str| -> MinHashParams {
        serde_json::from_value(serde_json::json!({
            "bands": 20, "rows": 2, "keep": keep, "threshold": 0.7
        }))
        .expect("params")
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let verified = params("first").build("minhash_dedup").expect("stage");
    let got = run_group(&[&verified], &shards, dir.path(), 1 << 20);
    assert_eq!(dup_of(&got[0][0][0]), None);
    let (kept, sim) = dup_of(&got[0][1][0]).expect("b is a near duplicate of a");
    assert_eq!(kept, "a");
    assert!(sim >= 0.7, "{sim}");
    assert_eq!(dup_of(&got[1][0][0]), None, "c is not similar to a: kept");

    // Without verification, datatrove's union-find chains c onto a.
    let mut dt = params("datatrove");
    dt.threshold = None;
    let dt = dt.build("minhash_dedup").expect("stage");
    let dir = tempfile::tempdir().expect("tempdir");
    let got = run_group(&[&dt], &shards, dir.path(), 1 << 20);
    let (kept, sim) = dup_of(&got[1][0][0]).expect("c chained into a's cluster");
    assert_eq!(kept, "a");
    assert!(sim < 0.7, "{sim}");
}

#[test]
fn shuffled_buckets_decide_like_the_local_sort() {
    use sift_dedup::reduce_bands;
    let exact = ExactDedupConfig::default().build("exact").expect("exact");
    let minhash = MinHashParams {
        bands: 20,
        rows: 2,
        ..MinHashParams::default()
    }
    .build("minhash")
    .expect("minhash");
    let para = ParagraphDedupConfig::default().build("para").expect("para");
    let stages = [&exact, &minhash, &para];
    let shards = corpus();
    let local_dir = tempfile::tempdir().expect("tempdir");
    let want = run_group(&stages, &shards, local_dir.path(), 1 << 20);

    for partitions in [1, 3] {
        let dir = tempfile::tempdir().expect("tempdir");
        let group = DedupGroup::new(stages.to_vec(), dir.path());
        let mut scratch = KeyScratch::default();
        let mut keys = Vec::new();
        let mut counts = Vec::new();
        for (s, docs) in shards.iter().enumerate() {
            let mut w = group.key_writer(s).expect("key writer");
            for d in docs {
                group.keys(d, &mut scratch, &mut keys);
                w.push(&d.id, &keys).expect("push");
            }
            counts.push(w.finish().expect("finish"));
        }
        let mut offset = 0;
        let maps: Vec<Vec<Vec<u8>>> = counts
            .iter()
            .enumerate()
            .map(|(s, &n)| {
                let m = group
                    .band_records(1, s, offset, n, partitions)
                    .expect("map");
                offset += n;
                m
            })
            .collect();
        let reduced: Vec<Vec<u8>> = (0..partitions)
            .map(|k| {
                let parts: Vec<&[u8]> = maps.iter().rev().map(|m| m[k].as_slice()).collect();
                reduce_bands(&parts).expect("reduce")
            })
            .collect();
        let buckets: Vec<&[u8]> = reduced.iter().map(Vec::as_slice).collect();
        let summary = group
            .decide_with(&counts, 1 << 20, Some(&buckets))
            .expect("decide");
        assert!(summary.stages[1].pairs > 0);
        let got: Vec<Vec<Vec<Option<Decision>>>> = shards
            .iter()
            .enumerate()
            .map(|(s, docs)| {
                let mut r = group.decisions(s).expect("decisions");
                (0..docs.len() as u64)
                    .map(|seq| r.take(seq).expect("take"))
                    .collect()
            })
            .collect();
        assert_eq!(got, want, "partitions = {partitions}");
    }
}
