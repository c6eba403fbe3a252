//! `sift eval lines` on a sample of the labelled spam-lines dev set.

use crate::util::*;

fn dev_sample() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sift-filters/tests/data/spam_lines_dev_sample.jsonl")
}

fn eval_json(extra: &[&str]) -> serde_json::Value {
    let sample = dev_sample();
    let mut args = vec!["eval", "lines", sample.to_str().expect("utf8"), "--json"];
    args.extend_from_slice(extra);
    let out = run_ok(&args);
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn default_scores_the_line_cleaners_and_meets_the_targets() {
    let r = eval_json(&[]);
    assert_eq!(r["stages"], serde_json::json!(["junk_lines", "spin"]));
    assert_eq!(r["docs_dropped"], 0);
    let f1 = r["f1"].as_f64().expect("f1");
    let glrr = r["good_lines_removed_rate"].as_f64().expect("glrr");
    assert!(f1 >= 0.97, "f1 {f1}");
    assert!(glrr <= 0.005, "good_lines_removed_rate {glrr}");
    for kind in ["pharma", "ad", "tail"] {
        assert!(
            r["per_kind_recall"][kind]["rate"].as_f64().is_some(),
            "per_kind_recall.{kind} in {}",
            r["per_kind_recall"]
        );
    }
}

#[test]
fn a_positional_pipeline_file_is_scored_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("p.toml");
    // A pipeline that removes every line: recall 1, every real line lost.
    std::fs::write(
        &p,
        "[[stages]]\ntype = \"line_regex\"\nname = \"all\"\npatterns = ['.']\n",
    )
    .expect("write");
    let r = eval_json(&[p.to_str().expect("utf8")]);
    assert_eq!(r["stages"], serde_json::json!(["all"]));
    assert_eq!(r["recall"], 1.0);
    assert_eq!(r["good_lines_removed_rate"], 1.0);
}

#[test]
fn a_preset_counts_document_drops() {
    let r = eval_json(&["--preset", "default"]);
    let stages = r["stages"].as_array().expect("stages");
    assert!(stages.iter().any(|s| s == "gopher_quality"));
    // Document filters drop some of the sample (non-English pages), and
    // the line-only figures stay those of the cleaners.
    assert!(r["docs_dropped"].as_u64().expect("dropped") > 0);
    let only = &r["lines_only"];
    assert!(only["f1"].as_f64().expect("f1") >= 0.97, "{only}");
}
