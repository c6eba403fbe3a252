//! Bad input never panics, is never silently dropped, and errors name the
//! file and position.

use std::io::Write;
use std::path::Path;

use crate::util::*;

fn run_on(input: &Path, out: &Path) -> std::process::Output {
    sift()
        .args(["run", "--preset", "minimal", "--quiet", "--input"])
        .arg(input)
        .arg("--output")
        .arg(out)
        .output()
        .expect("spawn")
}

fn doc_line(id: usize) -> String {
    format!(
        "{{\"id\":\"d{id}\",\"text\":\"{}\"}}\n",
        "Plain words of a real enough document. ".repeat(12)
    )
}

#[test]
fn bad_records_are_rejected_with_file_line_and_offset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("bad.jsonl");
    let mut bytes = Vec::new();
    bytes.extend(doc_line(1).as_bytes());
    bytes.extend(b"{\"id\":\"nul\",\"text\":\"a\x00b\"}\n"); // raw NUL: invalid JSON
    bytes.extend(b"{\"id\":\"utf\",\"text\":\"caf\xe9\"}\n"); // invalid UTF-8
    bytes.extend(b"{\"id\":\"notext\"}\n");
    bytes.extend(b"\x00\x00\x00\n"); // binary garbage
    bytes.extend("{\"id\":\"esc\",\"text\":\"escaped \\u0000 NUL is text\"}\n".as_bytes());
    bytes.extend(doc_line(2).as_bytes());
    std::fs::write(&input, &bytes).expect("write");
    let o = dir.path().join("out");
    let out = run_on(&input, &o);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("4 record(s) could not be read"));
    assert_reconciles(&o);
    let rej = records(&o, "rejected");
    let got: Vec<_> = rej
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().expect("line"),
                r["kind"].as_str().expect("kind"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, "invalid_json"),
            (3, "invalid_utf8"),
            (4, "missing_text_field"),
            (5, "invalid_json")
        ]
    );
    for r in &rej {
        assert_eq!(r["source"].as_str(), input.to_str());
        assert!(!r["error"].as_str().expect("error").is_empty());
    }
    let first_len = doc_line(1).len() as u64;
    assert_eq!(rej[0]["byte_offset"].as_u64(), Some(first_len));
    let s = stats(&o);
    assert_eq!(s["docs_in"], 7);
    assert_eq!(s["docs_rejected"], 4);
}

#[test]
fn hundred_megabyte_lines_are_handled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("huge.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).expect("create"));
    let words = "lorem ipsum dolor sit amet ".repeat(4 << 20); // ~113 MB of text
    writeln!(f, "{{\"id\":\"big\",\"text\":\"{words}\"}}").expect("write");
    f.write_all(&vec![b'x'; 100 << 20]).expect("write"); // 100 MB of non-JSON
    f.write_all(b"\n").expect("write");
    f.write_all(doc_line(3).as_bytes()).expect("write");
    drop(f);
    let o = dir.path().join("out");
    let out = run_on(&input, &o);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_reconciles(&o);
    let kept = records(&o, "kept");
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0]["text"].as_str().map(str::len), Some(words.len()));
    let rej = records(&o, "rejected");
    assert_eq!(rej.len(), 1);
    assert_eq!(
        rej[0]["raw"].as_str().map(str::len),
        Some(64 * 1024),
        "raw is truncated"
    );
}

fn truncated_case(compress: impl Fn(&[u8]) -> Vec<u8>, ext: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain: String = (0..4000).map(doc_line).collect();
    let mut packed = compress(plain.as_bytes());
    packed.truncate(packed.len() * 2 / 3);
    let input = dir.path().join(format!("cut.jsonl.{ext}"));
    std::fs::write(&input, packed).expect("write");
    let o = dir.path().join("out");
    let out = run_on(&input, &o);
    assert_eq!(out.status.code(), Some(2), "truncation is an error exit");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("corrupt or truncated"), "{err}");
    assert_reconciles(&o);
    let kept = records(&o, "kept").len();
    assert!(
        kept > 100 && kept < 4000,
        "what could be read was processed: {kept}"
    );
    let rej = records(&o, "rejected");
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0]["kind"], "stream_error");
    assert_eq!(rej[0]["source"].as_str(), input.to_str());
    assert_eq!(rej[0]["line"].as_u64(), Some(kept as u64 + 1));
}

#[test]
fn truncated_gzip_is_reported_and_the_readable_part_kept() {
    truncated_case(
        |b| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(b).expect("gzip");
            e.finish().expect("gzip")
        },
        "gz",
    );
}

#[test]
fn truncated_zstd_is_reported_and_the_readable_part_kept() {
    truncated_case(|b| zstd::encode_all(b, 3).expect("zstd"), "zst");
}

#[test]
fn empty_file_is_a_valid_empty_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("empty.jsonl");
    std::fs::write(&input, "").expect("write");
    let o = dir.path().join("out");
    let out = run_on(&input, &o);
    assert!(out.status.success());
    assert_eq!(stats(&o)["docs_in"], 0);
    assert_reconciles(&o);
}

#[test]
fn missing_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_on(
        Path::new("/no/such/dir/input.jsonl"),
        &dir.path().join("out"),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/no/such/dir/input.jsonl") && err.contains("no such file"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "nothing is written");
}
