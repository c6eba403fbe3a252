//! WARC and Parquet through the real binary: `sift run --input crawl.warc.gz`
//! with the default preset, malformed archives, and Parquet out and back in.

use std::path::PathBuf;

use crate::util::{assert_reconciles, data, records, run_ok, stats};

/// The WARC fixtures live with the reader's tests in sift-io.
fn warc(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sift-io/tests/data/warc")
        .join(name)
}

#[test]
fn warc_gz_runs_end_to_end_with_the_default_preset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let input = warc("real-pages-sample.warc.gz");
    run_ok(&[
        "run",
        "--input",
        input.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "-q",
    ]);
    assert_reconciles(&out);
    let s = stats(&out);
    assert_eq!(s["docs_in"], 60, "{s}");
    assert_eq!(s["docs_rejected"], 0, "{s}");
    let kept = records(&out, "kept");
    assert!(
        kept.len() >= 40,
        "most real articles survive: {}",
        kept.len()
    );
    for doc in &kept {
        assert!(doc["url"].as_str().expect("url").starts_with("http"));
        assert_eq!(doc["date"], "2024-01-01T00:00:00Z");
        assert!(doc["id"].as_str().expect("id").starts_with("<urn:uuid:"));
        assert_eq!(doc["charset"], "UTF-8");
        let text = doc["text"].as_str().expect("text");
        assert!(!text.contains("<div") && !text.contains("</p>"), "{text}");
    }
}

#[test]
fn malformed_warc_records_go_to_rejected_with_offsets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = std::fs::read(warc("example-iana.org-chunked.warc")).expect("fixture");
    let good_len = bytes.len();
    bytes.extend_from_slice(b"this is not a WARC record\r\n\r\n");
    bytes.extend_from_slice(
        b"WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 999\r\n\r\ncut short",
    );
    let input = dir.path().join("broken.warc");
    std::fs::write(&input, &bytes).expect("write");
    let out = dir.path().join("out");
    run_ok(&[
        "run",
        "--input",
        input.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "-q",
    ]);
    assert_reconciles(&out);
    let rejected = records(&out, "rejected");
    let kinds: Vec<&str> = rejected
        .iter()
        .map(|r| r["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["warc_garbage", "truncated_record"]);
    assert_eq!(rejected[0]["byte_offset"], good_len as u64);
    assert_eq!(stats(&out)["docs_in"], 3);
}

#[test]
fn parquet_output_reads_back_as_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first");
    let input = data("pages.jsonl");
    run_ok(&[
        "run",
        "--input",
        input.to_str().expect("utf8"),
        "-o",
        first.to_str().expect("utf8"),
        "--output-format",
        "parquet",
        "-q",
    ]);
    let kept_file = first.join("kept/pages.parquet");
    assert!(kept_file.exists(), "parquet output written");
    assert!(!first.join("kept/pages.jsonl.zst").exists());
    let kept_first = stats(&first)["docs_kept"].as_u64().expect("kept");
    assert!(kept_first > 0);

    let second = dir.path().join("second");
    run_ok(&[
        "run",
        "--input",
        kept_file.to_str().expect("utf8"),
        "-o",
        second.to_str().expect("utf8"),
        "-q",
    ]);
    assert_reconciles(&second);
    let s = stats(&second);
    assert_eq!(s["docs_in"].as_u64(), Some(kept_first), "{s}");
    assert_eq!(s["docs_rejected"], 0, "{s}");
    // Kept text is already clean: a second pass keeps nearly all of it.
    assert!(
        s["docs_kept"].as_u64().expect("kept") * 10 >= kept_first * 9,
        "{s}"
    );
    // Input columns survive the round trip.
    let original: Vec<serde_json::Value> = std::fs::read_to_string(&input)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let kept = records(&second, "kept");
    let first_doc = &kept[0];
    let id = first_doc["id"].clone();
    let src = original
        .iter()
        .find(|d| d["id"] == id)
        .expect("kept id comes from the input");
    for (k, v) in src.as_object().expect("object") {
        if k != "text" && k != "sift" {
            assert_eq!(&first_doc[k], v, "field {k}");
        }
    }
}
