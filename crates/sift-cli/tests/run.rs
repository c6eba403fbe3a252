//! `sift run` end to end on real pages.

use crate::util::*;

#[test]
fn bundled_sample_runs_with_no_arguments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = sift()
        .arg("run")
        .current_dir(dir.path())
        .output()
        .expect("spawn");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let o = dir.path().join("sift-out");
    assert_reconciles(&o);
    let s = stats(&o);
    assert_eq!(s["docs_in"], 52, "2 seeds + 50 pages");
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("documents: 52 in"), "{summary}");
    // The default preset is the whole recommended pipeline.
    let stages: Vec<&str> = s["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|st| st["name"].as_str().expect("name"))
        .collect();
    for want in [
        "junk_lines",
        "language",
        "gopher_quality",
        "fineweb_quality",
        "exact_dedup",
        "minhash_dedup",
        "paragraph_dedup",
    ] {
        assert!(stages.contains(&want), "{want} missing from {stages:?}");
    }
    // Both seed articles survive, minus exactly their junk lines.
    let kept = records(&o, "kept");
    let removed_of = |id: &str| -> Vec<String> {
        let r = kept
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not kept"));
        r["sift"]["removed_lines"]
            .as_array()
            .expect("removed_lines")
            .iter()
            .map(|l| l["text"].as_str().expect("text").to_string())
            .collect()
    };
    assert_eq!(
        removed_of("seed/000_51d3f5e64b5c8cdf"),
        [
            "buy symbicort online no prescription pharmacy",
            "buy hydroxychloroquine online no prescription pharmacy"
        ]
    );
    assert_eq!(
        removed_of("seed/002_aba2611a59813192"),
        ["[ad_1]", "[ad_2]", "Source link"]
    );
}

#[test]
fn default_preset_removes_a_copied_article_as_a_duplicate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample/sample.jsonl"),
    )
    .expect("sample");
    let seed: serde_json::Value =
        serde_json::from_str(sample.lines().next().expect("line")).expect("json");
    let mut copy = seed.clone();
    copy["id"] = "copy-of-seed".into();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, format!("{seed}\n{copy}\n")).expect("write");
    let o = dir.path().join("out");
    run_ok(&[
        "run",
        "--input",
        input.to_str().expect("utf8"),
        "--output",
        o.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert_reconciles(&o);
    let kept = records(&o, "kept");
    let removed = records(&o, "removed");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["id"], seed["id"]);
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["id"], "copy-of-seed");
    assert_eq!(removed[0]["sift"]["reason"], "exact_duplicate");
    assert_eq!(removed[0]["sift"]["duplicate_of"], seed["id"]);
}

#[test]
fn removed_lines_carry_reasons_and_other_fields_survive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = dir.path().join("p.toml");
    std::fs::write(
        &pipeline,
        "[[stages]]\ntype = \"line_regex\"\nname = \"nav\"\nreason = \"navigation\"\npatterns = ['^(?i)(skip to (main )?content|menu|home)$']\n\n[[stages]]\ntype = \"min_words\"\nmin = 1000\n",
    )
    .expect("write");
    let o = dir.path().join("out");
    let input = data("pages.jsonl");
    run_ok(&[
        "run",
        pipeline.to_str().expect("utf8"),
        "--input",
        input.to_str().expect("utf8"),
        "--output",
        o.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert_reconciles(&o);
    let kept = records(&o, "kept");
    let removed = records(&o, "removed");
    assert!(!kept.is_empty() && !removed.is_empty());
    // Input fields are preserved, in order, on both sides.
    for r in kept.iter().chain(&removed) {
        let keys: Vec<_> = r.as_object().expect("object").keys().cloned().collect();
        assert_eq!(keys, ["id", "url", "lang", "text", "sift"]);
    }
    for r in &removed {
        assert_eq!(r["sift"]["stage"], "min_words");
        assert_eq!(r["sift"]["reason"], "too_few_words");
    }
    // Every removed line is a line of the original text at the recorded index,
    // and is absent from the cleaned text.
    let originals: std::collections::HashMap<String, String> = std::fs::read_to_string(&input)
        .expect("read")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            (
                v["id"].as_str().expect("id").to_string(),
                v["text"].as_str().expect("t").to_string(),
            )
        })
        .collect();
    let mut n_removed_lines = 0;
    for r in &kept {
        let original = &originals[r["id"].as_str().expect("id")];
        let lines: Vec<&str> = original.split('\n').collect();
        for rl in r["sift"]["removed_lines"].as_array().into_iter().flatten() {
            n_removed_lines += 1;
            let idx = rl["line"].as_u64().expect("line") as usize;
            assert_eq!(lines[idx], rl["text"].as_str().expect("text"));
            assert_eq!(rl["reason"], "navigation");
            assert_eq!(rl["stage"], "nav");
        }
    }
    assert!(
        n_removed_lines > 0,
        "the fixture pages have navigation lines"
    );
    let s = stats(&o);
    assert_eq!(
        s["stages"][0]["lines_removed"].as_u64(),
        Some(
            n_removed_lines as u64
                + removed
                    .iter()
                    .map(|r| r["sift"]["removed_lines"].as_array().map_or(0, |a| a.len()) as u64)
                    .sum::<u64>()
        )
    );
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = data("pages.jsonl");
    let mut outputs = Vec::new();
    for threads in ["1", "2", "4"] {
        let o = dir.path().join(format!("out{threads}"));
        run_ok(&[
            "run",
            "--input",
            input.to_str().expect("utf8"),
            data("textdir").to_str().expect("utf8"),
            "--output",
            o.to_str().expect("utf8"),
            "--threads",
            threads,
            "--batch-docs",
            "3",
            "--quiet",
        ]);
        outputs.push(output_bytes(&o));
    }
    assert!(!outputs[0].is_empty());
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn text_directory_uses_file_names_as_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = dir.path().join("out");
    run_ok(&[
        "run",
        "--preset",
        "minimal",
        "--input",
        data("textdir").to_str().expect("utf8"),
        "--output",
        o.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert_reconciles(&o);
    let mut ids: Vec<_> = records(&o, "kept")
        .into_iter()
        .chain(records(&o, "removed"))
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["000_51d3f5e64b5c8cdf.txt", "002_aba2611a59813192.txt"]
    );
}

#[test]
fn custom_text_and_id_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("c.jsonl");
    let body = "word ".repeat(60);
    std::fs::write(
        &input,
        format!("{{\"doc\":\"a\",\"content\":\"{body}\"}}\n"),
    )
    .expect("write");
    let o = dir.path().join("out");
    run_ok(&[
        "run",
        "--input",
        input.to_str().expect("utf8"),
        "--output",
        o.to_str().expect("utf8"),
        "--text-key",
        "content",
        "--id-key",
        "doc",
        "--preset",
        "minimal",
        "--quiet",
    ]);
    let kept = records(&o, "kept");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["doc"], "a");
    assert!(kept[0].get("text").is_none());
}

#[test]
fn presets_list_and_show() {
    let out = run_ok(&["presets"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("default") && text.contains("minimal"),
        "{text}"
    );
    let out = run_ok(&["presets", "show", "minimal"]);
    let toml = String::from_utf8_lossy(&out.stdout);
    assert!(toml.contains("type = \"min_words\""), "{toml}");
    // What `show` prints is a valid pipeline file.
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("p.toml");
    std::fs::write(&p, toml.as_bytes()).expect("write");
    let o = dir.path().join("o");
    run_ok(&[
        "run",
        p.to_str().expect("utf8"),
        "--output",
        o.to_str().expect("utf8"),
        "--quiet",
    ]);
}

#[test]
fn bad_pipeline_file_names_the_key_before_reading_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("p.toml");
    std::fs::write(&p, "[[stages]]\ntype = \"min_words\"\nminimum = 5\n").expect("write");
    let out = sift()
        .args([
            "run",
            p.to_str().expect("utf8"),
            "--input",
            "/no/such/input.jsonl",
        ])
        .output()
        .expect("spawn");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("minimum") && err.contains("p.toml"), "{err}");
}

#[test]
fn explain_marks_removed_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("e.jsonl");
    let text = format!(
        "{}\\n\\n[ad_1]\\n\\nMore text here.",
        "Real words here. ".repeat(10)
    );
    std::fs::write(&input, format!("{{\"id\":\"x\",\"text\":\"{text}\"}}\n")).expect("write");
    let out = run_ok(&[
        "explain",
        "--preset",
        "minimal",
        "--input",
        input.to_str().expect("utf8"),
        "--id",
        "x",
    ]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("- [ad_1]") && s.contains("ad_placeholder"),
        "{s}"
    );
    assert!(
        s.contains("verdict: REMOVED by min_words: too_few_words"),
        "{s}"
    );
}

#[test]
fn lid_model_option_loads_a_model_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = data("pages.jsonl");
    let model =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sift-lid/model/lid.176.ftz");
    let run = |name: &str, extra: &[&str]| {
        let o = dir.path().join(name);
        let mut args = vec![
            "run",
            "--preset",
            "fineweb",
            "--input",
            input.to_str().expect("utf8"),
            "--output",
            o.to_str().expect("utf8"),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        run_ok(&args);
        o
    };
    // The same model from a file decides exactly like the embedded one.
    let embedded = run("embedded", &[]);
    let file = run("file", &["--lid-model", model.to_str().expect("utf8")]);
    assert_eq!(output_bytes(&embedded), output_bytes(&file));
    // A missing model is a clear error naming the stage, the key and the path.
    let out = sift()
        .args([
            "run",
            "--input",
            input.to_str().expect("utf8"),
            "--output",
            dir.path().join("x").to_str().expect("utf8"),
            "--lid-model",
            "/nonexistent/model.bin",
        ])
        .output()
        .expect("spawn");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stage `language`: invalid `lid_model`")
            && err.contains("/nonexistent/model.bin"),
        "{err}"
    );
}
