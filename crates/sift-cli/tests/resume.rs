//! Atomic output and resume: a run killed with SIGKILL and rerun gives the
//! same output as an uninterrupted run.

use std::time::{Duration, Instant};

use crate::util::*;

fn make_shards(dir: &std::path::Path, n: usize) -> Vec<std::path::PathBuf> {
    let pages = std::fs::read_to_string(data("pages.jsonl")).expect("fixture");
    (0..n)
        .map(|i| {
            let p = dir.join(format!("shard{i:02}.jsonl"));
            let mut body = String::new();
            for rep in 0..40 {
                for (k, line) in pages.lines().enumerate() {
                    let mut v: serde_json::Value = serde_json::from_str(line).expect("json");
                    v["id"] = format!("s{i}-r{rep}-{k}").into();
                    body.push_str(&v.to_string());
                    body.push('\n');
                }
            }
            std::fs::write(&p, body).expect("write");
            p
        })
        .collect()
}

#[test]
fn killed_run_resumes_to_identical_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = make_shards(dir.path(), 6);
    let args = |out: &std::path::Path| {
        let mut a: Vec<String> = vec!["run".into(), "--input".into()];
        a.extend(inputs.iter().map(|p| p.display().to_string()));
        a.extend([
            "--output".into(),
            out.display().to_string(),
            "--threads".into(),
            "1".into(),
        ]);
        a.extend([
            "--quiet".into(),
            "--compression".into(),
            "gzip".into(),
            "--level".into(),
            "6".into(),
        ]);
        a
    };
    let reference = dir.path().join("reference");
    run_ok(
        &args(&reference)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );

    let resumed = dir.path().join("resumed");
    let mut child = sift().args(args(&resumed)).spawn().expect("spawn");
    let done = resumed.join(".sift/done");
    let deadline = Instant::now() + Duration::from_secs(120);
    // Kill as soon as the first shard is complete, mid-way through the run.
    let markers = |d: &std::path::Path| {
        std::fs::read_dir(d).map_or(0, |d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count()
        })
    };
    while markers(&done) == 0 {
        assert!(Instant::now() < deadline, "first shard never finished");
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    let finished = markers(&done);
    if !status.success() {
        assert!(finished < 6, "killed before the end");
        assert!(
            !resumed.join("stats.json").exists(),
            "no final stats from a killed run"
        );
        // Files that look finished are complete streams; unfinished work
        // exists only as *.tmp.
        for cat in ["kept", "removed"] {
            for e in std::fs::read_dir(resumed.join(cat)).into_iter().flatten() {
                let path = e.expect("entry").path();
                if !path.to_string_lossy().ends_with(".tmp") {
                    let mut text = String::new();
                    use std::io::Read;
                    flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).expect("open"))
                        .read_to_string(&mut text)
                        .unwrap_or_else(|e| panic!("{} is not complete: {e}", path.display()));
                }
            }
        }
    }
    let out = run_ok(
        &args(&resumed)
            .iter()
            .map(|s| s.as_str())
            .filter(|s| *s != "--quiet")
            .collect::<Vec<_>>(),
    );
    if finished > 0 && !status.success() {
        assert!(String::from_utf8_lossy(&out.stderr).contains("resumed"));
    }
    assert_eq!(output_bytes(&reference), output_bytes(&resumed));
    let (a, b) = (stats(&reference), stats(&resumed));
    for k in [
        "docs_in",
        "docs_kept",
        "docs_removed",
        "docs_rejected",
        "stages",
    ] {
        assert_eq!(a[k], b[k], "{k}");
    }
    // No temporary files are left behind.
    for cat in ["kept", "removed"] {
        for e in std::fs::read_dir(resumed.join(cat)).into_iter().flatten() {
            let name = e.expect("entry").file_name();
            assert!(!name.to_string_lossy().ends_with(".tmp"), "{name:?}");
        }
    }
}

#[test]
fn rerun_with_a_different_pipeline_needs_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = dir.path().join("out");
    let os = o.to_str().expect("utf8");
    run_ok(&["run", "--output", os, "--quiet"]);
    let out = sift()
        .args(["run", "--preset", "minimal", "--output", os, "--quiet"])
        .output()
        .expect("spawn");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--overwrite"));
    run_ok(&[
        "run",
        "--preset",
        "minimal",
        "--output",
        os,
        "--quiet",
        "--overwrite",
    ]);
    assert_reconciles(&o);
}
