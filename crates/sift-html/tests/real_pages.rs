//! The extractors on the 60 real pages packed as WARC responses in sift-io's
//! test data (`real-pages-sample.warc.gz`, reference main texts beside it).

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use sift_html::{Extractor, ExtractorKind};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../sift-io/tests/data/warc")
        .join(name)
}

/// (url, content type, body) of every `response` record.
fn responses() -> Vec<(String, String, Vec<u8>)> {
    let file = std::fs::File::open(data("real-pages-sample.warc.gz")).expect("fixture");
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(file)
        .read_to_end(&mut raw)
        .expect("gunzip");
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(k) = find(&raw[at..], b"WARC/1.0\r\n") {
        let start = at + k;
        let head_end = start + find(&raw[start..], b"\r\n\r\n").expect("header end");
        let head = String::from_utf8_lossy(&raw[start..head_end]).to_string();
        let field = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        let len: usize = field("Content-Length:")
            .expect("length")
            .parse()
            .expect("num");
        let block = &raw[head_end + 4..head_end + 4 + len];
        at = head_end + 4 + len;
        if field("WARC-Type:").as_deref() != Some("response") {
            continue;
        }
        let split = find(block, b"\r\n\r\n").expect("http header end");
        let http = String::from_utf8_lossy(&block[..split]).to_string();
        let ctype = http
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-type")
                    .then(|| v.trim().to_string())
            })
            .unwrap_or_default();
        let url = field("WARC-Target-URI:").expect("url");
        out.push((url, ctype, block[split + 4..].to_vec()));
    }
    out
}

fn gold() -> HashMap<String, String> {
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
        .collect()
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

/// Mean word F1 of `kind` over the sample, and the pages below 0.5.
fn mean_f1(kind: ExtractorKind) -> (f64, Vec<(String, f64)>) {
    let ex = Extractor::new(kind).expect("extractor");
    let gold = gold();
    let pages = responses();
    assert_eq!(pages.len(), 60);
    let mut total = 0.0;
    let mut low = Vec::new();
    for (url, ctype, body) in &pages {
        let html = sift_html::decode(body, Some(ctype)).text;
        let text = ex.extract(&html, Some(url)).unwrap_or_default();
        let s = f1(&text, &gold[url]);
        total += s;
        if s < 0.5 {
            low.push((url.clone(), s));
        }
    }
    (total / pages.len() as f64, low)
}

#[test]
fn density_extracts_the_sample_close_to_the_reference() {
    let (mean, low) = mean_f1(ExtractorKind::Density);
    assert!(mean > 0.93, "mean word F1 {mean:.3}; low: {low:?}");
    assert!(low.len() <= 1, "{low:?}");
}

#[cfg(feature = "readability")]
#[test]
fn density_is_not_worse_than_readability_on_the_sample() {
    let (density, _) = mean_f1(ExtractorKind::Density);
    let (readability, _) = mean_f1(ExtractorKind::Readability);
    assert!(
        density + 0.01 >= readability,
        "density {density:.3} vs readability {readability:.3}"
    );
}

#[test]
fn density_keeps_the_article_and_drops_the_page_furniture() {
    let pages = responses();
    let (url, ctype, body) = pages
        .iter()
        .find(|(u, _, _)| u.contains("aclu.org"))
        .expect("aclu page");
    let html = sift_html::decode(body, Some(ctype)).text;
    let text = Extractor::new(ExtractorKind::Density)
        .expect("extractor")
        .extract(&html, Some(url))
        .expect("text");
    assert!(
        text.starts_with("I don't use Facebook."),
        "{}",
        &text[..200]
    );
    assert!(text.contains("\n\nBut Facebook and other massive web companies"));
    // Paragraphs, not one blob.
    assert!(text.matches("\n\n").count() > 10);
}

/// Every prefix and some corrupted variants of real pages: no panic, and the
/// full page gives text.
#[test]
fn density_survives_truncated_and_corrupted_pages() {
    let ex = Extractor::new(ExtractorKind::Density).expect("extractor");
    let pages = responses();
    for (_, ctype, body) in pages.iter().take(8) {
        let html = sift_html::decode(body, Some(ctype)).text;
        assert!(ex.extract(&html, None).is_ok());
        let mut cut = html.len();
        while cut > 0 {
            while !html.is_char_boundary(cut) {
                cut -= 1;
            }
            let _ = ex.extract(&html[..cut], None);
            cut = cut * 3 / 4;
        }
        // Markup characters sprinkled in.
        let mangled: String = html
            .char_indices()
            .map(|(i, c)| match i % 997 {
                0 => '<',
                331 => '&',
                662 => '"',
                _ => c,
            })
            .collect();
        let _ = ex.extract(&mangled, None);
    }
}
