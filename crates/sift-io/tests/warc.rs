//! WARC/ARC fixtures (warcio's test files and 60 real pages packed as WARC
//! responses) read through `discover` + `Shard::open`, as the runner does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use sift_io::{discover, FieldNames, Record};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/warc")
        .join(name)
}

fn read(name: &str) -> Vec<Record> {
    let found = discover(&[data(name)]).expect("discover");
    assert_eq!(found.shards.len(), 1);
    let counter = Arc::new(AtomicU64::new(0));
    let recs: Vec<Record> = found.shards[0]
        .open(&FieldNames::default(), counter.clone())
        .expect("open")
        .map(|r| r.expect("no I/O error"))
        .collect();
    let size = std::fs::metadata(data(name)).expect("meta").len();
    assert_eq!(
        counter.load(std::sync::atomic::Ordering::Relaxed),
        size,
        "whole file read"
    );
    recs
}

fn docs(recs: &[Record]) -> Vec<&sift_core::Document> {
    recs.iter()
        .filter_map(|r| match r {
            Record::Doc(d) => Some(d),
            Record::Rejected(_) => None,
        })
        .collect()
}

#[test]
fn warcio_gzip_example_keeps_the_response_and_passes_over_the_rest() {
    let recs = read("example.warc.gz");
    assert_eq!(
        recs.len(),
        1,
        "warcinfo x2, request x2, revisit are not documents"
    );
    let d = docs(&recs)[0];
    assert_eq!(d.fields["url"], "http://example.com/");
    assert_eq!(d.fields["date"], "2017-03-06T04:02:06Z");
    assert_eq!(d.fields["content_type"], "text/html");
    assert_eq!(d.id, "<urn:uuid:a9c51e3e-0221-11e7-bf66-0242ac120005>");
    assert!(
        d.text
            .contains("This domain is established to be used for illustrative examples"),
        "{}",
        d.text
    );
    assert!(!d.text.contains("<p>"));
}

#[test]
fn chunked_response_is_dechunked_and_extracted() {
    let recs = read("example-iana.org-chunked.warc");
    let d = docs(&recs);
    assert_eq!((recs.len(), d.len()), (1, 1));
    assert_eq!(d[0].fields["url"], "http://www.iana.org/");
    assert_eq!(d[0].fields["charset"], "UTF-8");
    assert!(
        d[0].text.contains("Internet Assigned Numbers Authority") || d[0].text.contains("IANA"),
        "{}",
        d[0].text
    );
    assert!(
        !d[0].text.contains("001c37"),
        "chunk sizes must not leak into text"
    );
}

#[test]
fn requests_only_file_gives_nothing() {
    assert!(read("example-digest.warc").is_empty());
}

#[test]
fn arc_file_is_read() {
    let recs = read("example.arc.gz");
    let d = docs(&recs);
    assert_eq!((recs.len(), d.len()), (1, 1));
    assert_eq!(d[0].fields["url"], "http://example.com/");
    assert_eq!(d[0].fields["date"], "2014-02-16T05:02:21Z");
    assert!(d[0].text.contains("illustrative examples"), "{}", d[0].text);
}

fn tokens(text: &str) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *m.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    m
}

fn f1(pred: &str, gold: &str) -> f64 {
    let (p, g) = (tokens(pred), tokens(gold));
    let common: usize = p
        .iter()
        .map(|(t, c)| (*c).min(g.get(t).copied().unwrap_or(0)))
        .sum();
    let (np, ng) = (p.values().sum::<usize>(), g.values().sum::<usize>());
    if common == 0 {
        return 0.0;
    }
    let (pr, rc) = (common as f64 / np as f64, common as f64 / ng as f64);
    2.0 * pr * rc / (pr + rc)
}

#[test]
fn real_pages_are_extracted_close_to_the_reference_text() {
    let recs = read("real-pages-sample.warc.gz");
    let d = docs(&recs);
    assert_eq!((recs.len(), d.len()), (60, 60));
    let gold: HashMap<String, String> =
        std::fs::read_to_string(data("real-pages-sample.clean.jsonl"))
            .expect("gold")
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json");
                (
                    v["url"].as_str().expect("url").to_string(),
                    v["clean"].as_str().expect("clean").to_string(),
                )
            })
            .collect();
    let mut total = 0.0;
    let mut low = Vec::new();
    for doc in &d {
        let url = doc.fields["url"].as_str().expect("url");
        let score = f1(&doc.text, &gold[url]);
        total += score;
        if score < 0.5 {
            low.push((url.to_string(), score));
        }
        assert_eq!(doc.fields["date"], "2024-01-01T00:00:00Z");
        assert!(doc.id.starts_with("<urn:uuid:"));
    }
    let mean = total / d.len() as f64;
    assert!(mean > 0.9, "mean word F1 {mean:.3}; low: {low:?}");
    assert!(low.len() <= 3, "{low:?}");
    // Offsets point at record starts, increasing.
    let offsets: Vec<u64> = d.iter().map(|d| d.origin.byte_offset).collect();
    assert_eq!(offsets[0], 0);
    assert!(offsets.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn truncated_gzip_file_rejects_the_tail_and_keeps_the_rest() {
    let bytes = std::fs::read(data("real-pages-sample.warc.gz")).expect("read");
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = dir.path().join("cut.warc.gz");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let found = discover(&[cut]).expect("discover");
    let recs: Vec<Record> = found.shards[0]
        .open(&FieldNames::default(), Arc::new(AtomicU64::new(0)))
        .expect("open")
        .map(|r| r.expect("no I/O error"))
        .collect();
    let n_docs = docs(&recs).len();
    assert!((35..60).contains(&n_docs), "{n_docs}");
    let Some(Record::Rejected(last)) = recs.last() else {
        panic!("the cut record must be rejected")
    };
    assert_eq!(last.kind, "stream_error", "{last:?}");
    assert!(
        last.error.contains("gzip member at file byte"),
        "{}",
        last.error
    );
}
