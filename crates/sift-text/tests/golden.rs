//! Exact parity with datatrove 0.10.1 / spaCy 3.8.18 on committed golden data.
//!
//! `tests/data/golden.jsonl.gz` holds windows of the 352 real pages, part of the
//! spam dev set, the hand-made strings of `tests/data/tricky.jsonl` and random
//! strings, each with datatrove's `split_into_words` and the number of pieces of
//! `split_into_sentences`. Rebuild it with `scripts/make_fixture.py`.

use std::io::Read;

use serde_json::Value;

struct Case {
    id: String,
    text: String,
    words: Vec<String>,
    n_sentences: usize,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/golden.jsonl.gz");
    let file = std::fs::File::open(path).expect("golden fixture is committed");
    let mut raw = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut raw)
        .expect("fixture is gzip'd UTF-8");
    raw.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("fixture line is JSON");
            Case {
                id: v["id"].as_str().expect("id").to_owned(),
                text: v["text"].as_str().expect("text").to_owned(),
                words: v["words"]
                    .as_array()
                    .expect("words")
                    .iter()
                    .map(|w| w.as_str().expect("word").to_owned())
                    .collect(),
                n_sentences: v["n_sentences"].as_u64().expect("n_sentences") as usize,
            }
        })
        .collect()
}

#[test]
fn fixture_covers_every_source() {
    let cases = cases();
    let count = |prefix: &str| cases.iter().filter(|c| c.id.starts_with(prefix)).count();
    assert_eq!(count("page/"), 352);
    assert!(count("dev/") >= 50);
    assert!(count("tricky/") >= 60);
    assert!(count("random/") >= 1500);
    let words: usize = cases.iter().map(|c| c.words.len()).sum();
    assert!(words > 60_000, "{words} golden tokens");
}

#[test]
fn words_match_datatrove_exactly() {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let cases = cases();
    for case in &cases {
        out.clear();
        sift_text::split_words(&case.text, &mut out);
        if out != case.words {
            let i = out
                .iter()
                .zip(&case.words)
                .take_while(|(a, b)| a == b)
                .count();
            bad.push(format!(
                "{}: token {i}: sift {:?} datatrove {:?}",
                case.id,
                &out[i.saturating_sub(2)..(i + 3).min(out.len())],
                &case.words[i.saturating_sub(2)..(i + 3).min(case.words.len())]
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        cases.len(),
        bad.join("\n")
    );
}

#[test]
fn sentence_counts_match_datatrove_exactly() {
    let cases = cases();
    let bad: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let n = sift_text::count_sentences(&c.text);
            (n != c.n_sentences).then(|| format!("{}: sift {n} datatrove {}", c.id, c.n_sentences))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        cases.len(),
        bad.join("\n")
    );
}

#[test]
fn words_are_the_text_without_whitespace() {
    // spaCy's tokenization is lossless: the tokens are the non-space chars, in order.
    for case in cases() {
        let mut out = Vec::new();
        sift_text::split_words(&case.text, &mut out);
        let joined: String = out.concat();
        let expected: String = case
            .text
            .chars()
            .filter(|&c| !sift_text::pystr::is_space(c))
            .collect();
        assert_eq!(joined, expected, "{}", case.id);
    }
}
