//! End to end: write a small but real output directory (gzip JSONL shards and
//! stats.json, in the layout the runner writes), build the report, check it.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use sift_report::{collect, render, write_report, Error, ReportOptions};

fn write_gz(path: &Path, records: &[Value]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let file = std::fs::File::create(path).expect("create");
    let mut enc = GzEncoder::new(file, Compression::fast());
    for r in records {
        serde_json::to_writer(&mut enc, r).expect("json");
        enc.write_all(b"\n").expect("write");
    }
    enc.finish().expect("finish");
}

fn stats() -> Value {
    json!({
        "docs_in": 7, "docs_kept": 3, "docs_removed": 3, "docs_rejected": 1,
        "bytes_in": 4000, "text_bytes_in": 3000, "bytes_out": 2000, "seconds": 0.5,
        "stages": [
            {"name": "line_regex", "docs_in": 6, "docs_removed": 0, "docs_edited": 2,
             "lines_removed": 3, "reasons": {"boilerplate": {"docs": 0, "lines": 3}}},
            {"name": "min_words", "docs_in": 6, "docs_removed": 2, "docs_edited": 0,
             "lines_removed": 0, "reasons": {"too_short": {"docs": 2, "lines": 0}}},
            {"name": "dedup", "docs_in": 4, "docs_removed": 1, "docs_edited": 0,
             "lines_removed": 0, "reasons": {"duplicate": {"docs": 1, "lines": 0}}}
        ],
        "rejected": {"invalid_json": 1}
    })
}

fn removed_line(line: usize, text: &str) -> Value {
    json!({"line": line, "text": text, "reason": "boilerplate", "stage": "line_regex"})
}

/// The fixture run, with the text under `text_key`.
fn fixture(dir: &Path, text_key: &str, with_stats: bool) {
    let kept = vec![
        json!({"id": "k1", "url": "https://a.example/1", text_key: "Title\nA body with <b>markup</b> & more words here.",
               "sift": {"removed_lines": [removed_line(0, "Skip to content"), removed_line(3, "Cookie policy")],
                        "lang": "en", "lang_score": 0.98}}),
        json!({"id": 2, text_key: "Ein deutscher Text mit einigen Wörtern.",
               "sift": {"lang": "de", "lang_score": 0.9}}),
        json!({"id": "k3", text_key: "Another kept document.\nSecond line of it.",
               "sift": {"removed_lines": [removed_line(1, "Share on Twitter")], "lang": "en"}}),
    ];
    let removed = vec![
        json!({"id": "r1", text_key: "tiny", "sift": {"reason": "too_short", "stage": "min_words", "lang": "en"}}),
        json!({"id": "r2", text_key: "also tiny\nLog in", "sift": {"reason": "too_short", "stage": "min_words",
               "removed_lines": [removed_line(1, "Log in")]}}),
        json!({"id": "r3", text_key: "Title\nA body with <b>markup</b> & more words here.",
               "sift": {"reason": "duplicate", "stage": "dedup", "lang": "en",
                        "duplicate_of": "k1", "duplicate_cluster": "c-17", "duplicate_similarity": 0.93}}),
    ];
    let rejected = vec![json!({"source": "in.jsonl", "line": 4, "byte_offset": 120,
                              "error": "expected value at line 1 column 1", "kind": "invalid_json",
                              "raw": "{not json"})];
    write_gz(&dir.join("kept/00000.jsonl.gz"), &kept);
    write_gz(&dir.join("removed/00000.jsonl.gz"), &removed);
    write_gz(&dir.join("rejected/00000.jsonl.gz"), &rejected);
    if with_stats {
        std::fs::write(dir.join("stats.json"), stats().to_string()).expect("stats");
    }
}

/// Check that tags are balanced (our output only: no optional end tags
/// except the void `meta`, self-closing SVG elements).
fn assert_balanced(html: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').expect("unclosed <");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name == "meta" {
            continue;
        }
        if tag.starts_with('/') {
            let open = stack.pop().unwrap_or_default();
            assert_eq!(open, name, "</{name}> closes <{open}>");
        } else {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn report_shows_every_section_from_a_real_output_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path(), "text", true);
    let path = write_report(dir.path(), &ReportOptions::default()).expect("report");
    assert_eq!(path, dir.path().join("report.html"));
    let html = std::fs::read_to_string(&path).expect("read");

    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_balanced(&html);
    for id in [
        "chart-waterfall",
        "chart-doc-reasons",
        "chart-line-reasons",
        "chart-chars",
        "chart-words",
        "chart-languages",
        "chart-clusters",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "missing {id}");
    }
    // Self-contained: no script, no stylesheet link, nothing fetched.
    assert!(!html.contains("<script"));
    assert!(!html.contains("<link"));
    assert!(!html.contains("src="));
    assert!(html.contains("default-src 'none'"));

    // Waterfall: stage order from stats.json and the share each stage removed.
    let lr = html.find(">line_regex<").expect("line_regex row");
    let mw = html.find(">min_words<").expect("min_words row");
    let dd = html.find(">dedup<").expect("dedup row");
    assert!(lr < mw && mw < dd);
    assert!(html.contains("−2 (33.3%)"));
    assert!(html.contains("−1 (25.0%)"));
    assert!(html.contains("unreadable (rejected)"));

    // Reason charts use stats.json counts.
    assert!(html.contains("min_words · too_short — documents: 2"));
    assert!(html.contains("line_regex · boilerplate — lines: 3"));

    // Examples: removed line shown in context, highlighted, user text escaped.
    assert!(html.contains(r#"<span class="rm focus" data-why="line 1 · line_regex · boilerplate""#));
    assert!(html.contains(">Skip to content</span>"));
    assert!(html.contains("&lt;b&gt;markup&lt;/b&gt; &amp; more"));
    assert!(!html.contains("<b>markup"));
    assert!(html.contains(r#"id="ex-docs-min-words-too-short""#));
    assert!(html.contains("{not json"));

    // A removed duplicate says what it duplicates.
    assert!(html.contains(r#"<span class="note">duplicate of k1 (similarity 0.93)</span>"#));

    // Duplicate cluster with its kept document and similarity.
    assert!(html.contains("<code>c-17</code></td><td><code>k1</code>"));
    assert!(html.contains(">0.93<"));
    assert!(!html.contains(r#"id="warnings""#), "unexpected warnings");
}

#[test]
fn collected_counts_match_the_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path(), "text", true);
    let c = collect(dir.path(), &ReportOptions::default()).expect("collect");
    assert_eq!((c.kept, c.removed, c.rejected), (3, 3, 1));
    assert_eq!(c.chars_before.count(), 6);
    assert_eq!(c.chars_after.count(), 3);
    // Kept documents count before cleaning as their text plus their removed
    // lines (and newlines); removed ones as written.
    let k1 = "Title\nA body with <b>markup</b> & more words here.".len();
    let de = "Ein deutscher Text mit einigen Wörtern.".chars().count();
    let k3 = "Another kept document.\nSecond line of it.".len();
    let after = (k1 + de + k3) as f64;
    let before = after
        + ("Skip to content\n".len() + "Cookie policy\n".len() + "Share on Twitter\n".len()) as f64
        + ("tiny".len() + "also tiny\nLog in".len() + k1) as f64;
    assert!((c.chars_after.mean() - after / 3.0).abs() < 1e-9);
    assert!((c.chars_before.mean() - before / 6.0).abs() < 1e-9);
    assert_eq!(c.words_after.mean(), (9 + 6 + 7) as f64 / 3.0);
    assert_eq!(c.langs["en"].kept, 2);
    assert_eq!(c.langs["en"].removed, 2);
    assert_eq!(c.langs["de"].kept, 1);
    assert_eq!(c.no_lang.removed, 1);
    let key = |s: &str, r: &str| (s.to_string(), r.to_string());
    assert_eq!(c.doc_reasons[&key("min_words", "too_short")], 2);
    assert_eq!(c.line_reasons[&key("line_regex", "boilerplate")], 4);
    assert_eq!(c.rejected_kinds["invalid_json"], 1);
    let top = c.clusters.top(5);
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].0, "c-17");
    assert_eq!(top[0].1.duplicate_of, "k1");
    // Numeric ids are shown as written.
    let ex = &c.line_examples[&key("line_regex", "boilerplate")];
    assert_eq!(ex.seen(), 3);
    assert!(ex.items().iter().any(|e| e.id == "k1"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn custom_text_key_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path(), "content", true);
    let opts = ReportOptions {
        text_key: Some("content".into()),
        ..ReportOptions::default()
    };
    let c = collect(dir.path(), &opts).expect("collect");
    assert!(c.chars_after.mean() > 10.0);
    // With the default key the texts are not found: every length is zero.
    let c = collect(dir.path(), &ReportOptions::default()).expect("collect");
    assert_eq!(c.chars_after.mean(), 0.0);
    // The run records its key in .sift/run.json; the report then uses it.
    std::fs::create_dir_all(dir.path().join(".sift")).expect("mkdir");
    let run = json!({"sift_version": "0.1.0", "pipeline": "[[stages]]\ntype = \"min_words\"\n",
                     "text_key": "content", "id_key": "id", "output_suffix": ".gz", "shards": ["in"]});
    std::fs::write(dir.path().join(".sift/run.json"), run.to_string()).expect("run.json");
    let c = collect(dir.path(), &ReportOptions::default()).expect("collect");
    assert_eq!(c.text_key, "content");
    assert!(c.chars_after.mean() > 10.0);
    let html = render(dir.path(), &ReportOptions::default()).expect("render");
    assert!(html.contains("type = &quot;min_words&quot;"));
    assert!(html.contains("text field <code>content</code>"));
}

#[test]
fn without_stats_counts_come_from_files_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path(), "text", false);
    let html = render(dir.path(), &ReportOptions::default()).expect("render");
    assert!(html.contains(r#"id="warnings""#));
    assert!(html.contains("no stats.json"));
    assert!(html.contains("min_words · too_short — documents: 2"));
    // Line counts include lines removed from documents later dropped.
    assert!(html.contains("line_regex · boilerplate — lines: 4"));
    assert_balanced(&html);
}

#[test]
fn stats_disagreeing_with_files_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path(), "text", true);
    let mut s = stats();
    s["docs_kept"] = json!(5);
    std::fs::write(dir.path().join("stats.json"), s.to_string()).expect("stats");
    let c = collect(dir.path(), &ReportOptions::default()).expect("collect");
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("stats.json says 5 kept but kept/ holds 3")));
}

#[test]
fn unreadable_lines_are_counted_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path(), "text", true);
    std::fs::write(
        dir.path().join("removed/00001.jsonl"),
        "{\"text\":\"ok\",\"sift\":{\"reason\":\"too_short\",\"stage\":\"min_words\"}}\n{broken\n",
    )
    .expect("write");
    let c = collect(dir.path(), &ReportOptions::default()).expect("collect");
    assert_eq!(c.removed, 4);
    assert_eq!(c.unreadable, 1);
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("removed/00001.jsonl:2")));
}

#[test]
fn examples_are_sampled_and_report_is_deterministic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docs: Vec<Value> = (0..500)
        .map(|i| json!({"text": format!("doc number {i}"), "sift": {"reason": "too_short", "stage": "min_words"}}))
        .collect();
    write_gz(&dir.path().join("removed/00000.jsonl.gz"), &docs);
    let opts = ReportOptions::default();
    let c = collect(dir.path(), &opts).expect("collect");
    let res = &c.doc_examples[&("min_words".to_string(), "too_short".to_string())];
    assert_eq!(res.seen(), 500);
    assert_eq!(res.items().len(), opts.examples_per_reason);
    // Missing ids fall back to the record's place in the output.
    assert!(res.items()[0]
        .location
        .starts_with("removed/00000.jsonl.gz:"));
    assert_eq!(res.items()[0].id, res.items()[0].location);
    let a = render(dir.path(), &opts).expect("render");
    let b = render(dir.path(), &opts).expect("render");
    assert_eq!(a, b);
    assert!(a.contains("— 500 documents"));
    assert_eq!(a.matches(r#"<div class="ex">"#).count(), 3);
}

#[test]
fn a_directory_that_is_not_an_output_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = collect(dir.path(), &ReportOptions::default()).expect_err("empty dir");
    assert!(matches!(err, Error::NotOutputDir(_)));
    let err =
        collect(&dir.path().join("missing"), &ReportOptions::default()).expect_err("missing dir");
    assert!(matches!(err, Error::Io { .. }));
}

#[test]
fn report_is_the_same_for_any_number_of_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path(), "text", true);
    // Many shards, so that lanes and threads really split the work.
    for shard in 1..12 {
        let docs: Vec<Value> = (0..40)
            .map(|i| {
                json!({"id": format!("s{shard}-{i}"), "text": format!("shard {shard} doc {i}"),
                       "sift": {"reason": if i % 3 == 0 { "too_short" } else { "duplicate" },
                                "stage": if i % 3 == 0 { "min_words" } else { "dedup" },
                                "duplicate_of": "k1", "duplicate_cluster": format!("c{}", i % 4)}})
            })
            .collect();
        write_gz(
            &dir.path().join(format!("removed/{shard:05}.jsonl.gz")),
            &docs,
        );
    }
    let opts = |threads| ReportOptions {
        threads,
        ..ReportOptions::default()
    };
    let one = render(dir.path(), &opts(1)).expect("render");
    for threads in [2, 3, 8] {
        assert_eq!(one, render(dir.path(), &opts(threads)).expect("render"));
    }
    let c = collect(dir.path(), &opts(4)).expect("collect");
    assert_eq!(c.removed, 3 + 11 * 40);
    let key = ("dedup".to_string(), "duplicate".to_string());
    assert_eq!(c.doc_examples[&key].seen(), 1 + 11 * 26);
    assert_eq!(c.clusters.total_members(), 1 + 11 * 40);
}
