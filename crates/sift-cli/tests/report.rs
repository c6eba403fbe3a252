//! `sift report` and `sift run --report` on the bundled sample.

use crate::util::{run_ok, sift};

#[test]
fn run_with_report_writes_a_self_contained_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let out_s = out.to_str().expect("utf-8 path");
    let o = run_ok(&["run", "--output", out_s, "--report", "-j", "2"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("report: "));
    let page = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    for id in ["chart-waterfall", "chart-chars", "chart-words"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "missing {id}");
    }
    assert!(!page.contains("<script"));
    assert!(
        !page.contains(r#"id="warnings""#),
        "report warns about the run's output"
    );
    // Every stage of the run appears, in order, and the reason charts match
    // what stats.json says was removed.
    let stats = crate::util::stats(&out);
    let stages = stats["stages"].as_array().expect("stages");
    let mut at = 0;
    for st in stages {
        let name = st["name"].as_str().expect("name");
        let found = page[at..]
            .find(&format!(">{name}<"))
            .unwrap_or_else(|| panic!("stage {name} missing or out of order"));
        at += found;
    }
    let total = |k: &str| stages.iter().map(|s| s[k].as_u64().expect(k)).sum::<u64>();
    assert_eq!(
        total("docs_removed") > 0,
        page.contains(r#"id="chart-doc-reasons""#)
    );
    assert_eq!(
        total("lines_removed") > 0,
        page.contains(r#"id="chart-line-reasons""#)
    );
    for st in stages {
        for (reason, n) in st["reasons"].as_object().expect("reasons") {
            let lines = n["lines"].as_u64().expect("lines");
            if lines > 0 {
                let bar = format!(
                    "{} · {reason} — lines: {lines}",
                    st["name"].as_str().unwrap_or("")
                );
                assert!(page.contains(&bar), "no bar {bar}");
            }
        }
    }

    // `sift report` on the same directory gives the same page.
    std::fs::remove_file(out.join("report.html")).expect("rm");
    run_ok(&["report", out_s]);
    let again = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert_eq!(page, again);
}

#[test]
fn report_on_a_non_output_dir_fails_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = sift()
        .args(["report", dir.path().to_str().expect("utf-8")])
        .output()
        .expect("spawn");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not a sift output directory"), "{err}");
}
