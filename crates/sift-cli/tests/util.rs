//! Helpers: run the real binary, read its JSONL output (zstd by default, gzip or plain).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn sift() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sift"))
}

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn run_ok(args: &[&str]) -> Output {
    let out = sift().args(args).output().expect("spawn sift");
    assert!(
        out.status.success(),
        "sift {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

/// All JSON records of the JSONL files (`.zst`, `.gz` or plain) in `dir/category`, file by file in name order.
pub fn records(dir: &Path, category: &str) -> Vec<serde_json::Value> {
    let mut files: Vec<_> = match std::fs::read_dir(dir.join(category)) {
        Ok(rd) => rd.map(|e| e.expect("dir entry").path()).collect(),
        Err(_) => return Vec::new(),
    };
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let mut text = String::new();
        let file = std::fs::File::open(&f).expect("open");
        let name = f.to_string_lossy();
        if name.ends_with(".zst") {
            zstd::stream::read::Decoder::new(file)
                .expect("zstd")
                .read_to_string(&mut text)
                .expect("unzstd");
        } else if name.ends_with(".gz") {
            flate2::read::MultiGzDecoder::new(file)
                .read_to_string(&mut text)
                .expect("gunzip");
        } else {
            std::io::BufReader::new(file)
                .read_to_string(&mut text)
                .expect("read");
        }
        for line in text.lines() {
            out.push(serde_json::from_str(line).expect("valid JSON line"));
        }
    }
    out
}

pub fn stats(dir: &Path) -> serde_json::Value {
    let bytes = std::fs::read(dir.join("stats.json")).expect("stats.json");
    serde_json::from_slice(&bytes).expect("stats JSON")
}

/// Assert the run's books balance and match the files on disk.
pub fn assert_reconciles(dir: &Path) {
    let s = stats(dir);
    let n = |k: &str| s[k].as_u64().expect(k);
    assert_eq!(
        n("docs_in"),
        n("docs_kept") + n("docs_removed") + n("docs_rejected")
    );
    assert_eq!(records(dir, "kept").len() as u64, n("docs_kept"));
    assert_eq!(records(dir, "removed").len() as u64, n("docs_removed"));
    assert_eq!(records(dir, "rejected").len() as u64, n("docs_rejected"));
}

/// Every file under `dir/{kept,removed,rejected}` with its bytes, for equality checks.
pub fn output_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for cat in ["kept", "removed", "rejected"] {
        let Ok(rd) = std::fs::read_dir(dir.join(cat)) else {
            continue;
        };
        let mut files: Vec<_> = rd.map(|e| e.expect("entry").path()).collect();
        files.sort();
        for f in files {
            let name = format!("{cat}/{}", f.file_name().expect("name").to_string_lossy());
            out.push((name, std::fs::read(&f).expect("read")));
        }
    }
    out
}
