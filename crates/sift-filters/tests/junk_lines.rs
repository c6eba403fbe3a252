//! `junk_lines` on real data: the two seed documents (golden snapshot),
//! labelled samples of the spam-lines development set and of a paraphrased
//! set (junk worded differently from the generator's templates), and the real
//! headings and short lines no whole-line pattern may touch.

use serde::Deserialize;
use sift_core::{Document, Stage, Verdict};
use sift_filters::{JunkLines, JunkLinesConfig};

const SEED_0: &str = include_str!("data/seeds/000_51d3f5e64b5c8cdf.txt");
const SEED_2: &str = include_str!("data/seeds/002_aba2611a59813192.txt");
const DEV_SAMPLE: &str = include_str!("data/spam_lines_dev_sample.jsonl");
const PARAPHRASE_SAMPLE: &str = include_str!("data/spam_lines_paraphrase_sample.jsonl");
const REAL_HEADINGS: &str = include_str!("data/real_headings.txt");

fn stage() -> JunkLines {
    JunkLinesConfig::default()
        .build("junk_lines")
        .expect("default config builds")
}

/// The cleaned text followed by every removed line and its reason.
fn render(doc: &Document) -> String {
    let mut out = doc.text.clone();
    out.push_str("\n\n---- removed ----\n");
    for r in &doc.sift.removed_lines {
        out.push_str(&format!("{:>3} {:<24} {}\n", r.line, r.reason, r.text));
    }
    if let Some(f) = doc.sift.flags.get("junk_lines") {
        out.push_str(&format!("---- flags ----\n{f}\n"));
    }
    out
}

#[test]
fn seed_000_pharma_spam_removed_article_kept() {
    let mut doc = Document::new("000_51d3f5e64b5c8cdf", SEED_0);
    assert_eq!(stage().process(&mut doc), Verdict::Keep);
    let removed: Vec<&str> = doc
        .sift
        .removed_lines
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    assert_eq!(
        removed,
        vec![
            "buy symbicort online no prescription pharmacy",
            "buy hydroxychloroquine online no prescription pharmacy",
        ]
    );
    assert!(doc
        .sift
        .removed_lines
        .iter()
        .all(|r| r.reason == "spam_pharma"));
    // The C4 rule would drop both headings; they stay.
    assert!(doc
        .text
        .contains("\n13th High-level Consultations on Maritime Affairs\n"));
    assert!(doc
        .text
        .contains("\nChinese-Japanese Defense Departments Cooperation\n"));
    insta::assert_snapshot!("seed_000", render(&doc));
}

#[test]
fn seed_002_ad_slots_and_source_link_removed_article_kept() {
    let mut doc = Document::new("002_aba2611a59813192", SEED_2);
    assert_eq!(stage().process(&mut doc), Verdict::Keep);
    let removed: Vec<(usize, &str, &str)> = doc
        .sift
        .removed_lines
        .iter()
        .map(|r| (r.line, r.text.as_str(), &*r.reason))
        .collect();
    let last = SEED_2.lines().count() - 1;
    assert_eq!(
        removed,
        vec![
            (0, "[ad_1]", "ad"),
            (last - 1, "[ad_2]", "ad"),
            (last, "Source link", "boilerplate_tail")
        ]
    );
    // Every other line of the seed is still there, unchanged and in order.
    let expected: Vec<&str> = SEED_2.lines().skip(1).take(last - 2).collect();
    assert_eq!(doc.text.lines().collect::<Vec<_>>(), expected);
    insta::assert_snapshot!("seed_002", render(&doc));
}

#[test]
fn ad_slot_glued_to_a_sentence_is_stripped_not_the_sentence() {
    let text =
        "Moreover, China opposes any unilateral action in the region.[ad_1]\nNext paragraph here.";
    let mut doc = Document::new("glued", text);
    stage().process(&mut doc);
    assert_eq!(
        doc.text,
        "Moreover, China opposes any unilateral action in the region.\nNext paragraph here."
    );
    assert!(doc.sift.removed_lines.is_empty());
    assert_eq!(
        doc.sift.flags["junk_lines"]["stripped_inline"][0]["line"],
        0
    );
}

#[derive(Deserialize)]
struct Labelled {
    id: String,
    text: String,
    sep: String,
    lines: Vec<Line>,
}

#[derive(Deserialize)]
struct Line {
    text: String,
    junk: bool,
    kind: String,
}

#[derive(Debug, Default)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
    real: usize,
    fp_lines: Vec<String>,
    missed: Vec<String>,
}

impl Score {
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        2.0 * p * r / (p + r).max(f64::MIN_POSITIVE)
    }
    fn good_removed_rate(&self) -> f64 {
        self.fp as f64 / self.real.max(1) as f64
    }
}

fn score(jsonl: &str) -> Score {
    let s = stage();
    let mut sc = Score::default();
    for rec in jsonl.lines().filter(|l| !l.trim().is_empty()) {
        let rec: Labelled = serde_json::from_str(rec).expect("fixture record");
        let step = rec.sep.matches('\n').count();
        let mut doc = Document::new(rec.id.clone(), rec.text.clone());
        assert_eq!(s.process(&mut doc), Verdict::Keep, "{}", rec.id);
        let removed: Vec<usize> = doc.sift.removed_lines.iter().map(|r| r.line).collect();
        for (j, l) in rec.lines.iter().enumerate() {
            let gone = removed.contains(&(j * step));
            match (l.junk, gone) {
                (true, true) => sc.tp += 1,
                (true, false) => {
                    sc.fn_ += 1;
                    sc.missed
                        .push(format!("{} [{}] {}", rec.id, l.kind, l.text));
                }
                (false, true) => {
                    sc.fp += 1;
                    sc.fp_lines
                        .push(format!("{} [{}] {}", rec.id, l.kind, l.text));
                }
                (false, false) => {}
            }
            sc.real += usize::from(!l.junk);
        }
    }
    sc
}

#[test]
fn dev_sample_meets_the_issue_targets() {
    let sc = score(DEV_SAMPLE);
    assert!(sc.tp > 80, "{sc:?}");
    assert!(sc.f1() >= 0.97, "f1 {:.4}: {sc:#?}", sc.f1());
    assert!(
        sc.good_removed_rate() <= 0.005,
        "good lines removed {:.4}: {:#?}",
        sc.good_removed_rate(),
        sc.fp_lines
    );
}

#[test]
fn paraphrased_junk_generalises() {
    // Junk worded unlike the generator's built-in templates
    // (bench/junk_lines/paraphrase_templates.json).
    let sc = score(PARAPHRASE_SAMPLE);
    assert!(sc.tp > 80, "{sc:?}");
    assert!(sc.f1() >= 0.95, "f1 {:.4}: {sc:#?}", sc.f1());
    assert!(sc.good_removed_rate() <= 0.005, "{:#?}", sc.fp_lines);
}

#[test]
fn whole_line_patterns_spare_real_headings_and_short_lines() {
    // Real headings and short lines from article text. The few the patterns
    // do match are boilerplate that the reference extraction kept.
    const BOILERPLATE_IN_REFERENCE: &[&str] = &[
        "Related Stories",
        "SIGN UP FOR OUR NEWSLETTER",
        "Promoted By Zergnet",
        "Read more:",
    ];
    let s = stage();
    let hits: Vec<(&str, &str)> = REAL_HEADINGS
        .lines()
        .filter_map(|l| s.pattern_reason(l).map(|r| (l, r)))
        .filter(|(l, _)| !BOILERPLATE_IN_REFERENCE.contains(l) && !l.starts_with("READ MORE:"))
        .collect();
    assert!(hits.is_empty(), "{hits:#?}");
}

#[test]
fn headings_about_the_spam_topic_stay() {
    // A real article about online gambling: its headings share the topic.
    let text = "Online casinos face new rules\n\
        Regulators said online casinos must verify the age of every player before a deposit.\n\
        The new casino rules also cap bonus offers and free spins for new players.\n\
        Best online casino bonus\n\
        Operators argued that bonus caps would push players to unlicensed casino sites.\n\
        best online casino bonus no deposit 2021";
    let mut doc = Document::new("topic", text);
    stage().process(&mut doc);
    let removed: Vec<&str> = doc
        .sift
        .removed_lines
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    assert!(
        !removed.contains(&"Online casinos face new rules"),
        "{removed:?}"
    );
    assert!(
        !removed.contains(&"Best online casino bonus"),
        "{removed:?}"
    );
}

#[test]
fn edge_words_only_go_in_boilerplate_runs() {
    let text = "Facebook\nThe company reported higher revenue this quarter, it said on Monday.\n\
        Facebook\nShares rose after the announcement in New York trading.\n\
        Share this:\nFacebook\nTwitter";
    let mut doc = Document::new("e", text);
    stage().process(&mut doc);
    let removed: Vec<(usize, &str)> = doc
        .sift
        .removed_lines
        .iter()
        .map(|r| (r.line, &*r.reason))
        .collect();
    assert_eq!(
        removed,
        vec![
            (4, "boilerplate_share"),
            (5, "boilerplate_share"),
            (6, "boilerplate_share")
        ]
    );
}

/// Edge lines are settled the same way whether or not a spam candidate is in
/// the document (without one, only lines next to the head, the tail or
/// boilerplate are checked; with one, every line is).
#[test]
fn edge_runs_do_not_depend_on_spam_candidates() {
    let article = [
        "Home",
        "News",
        "World",
        "The company reported higher revenue this quarter, it said on Monday.",
        "Facebook",
        "Shares rose after the announcement in New York trading on Tuesday.",
        "Related posts:",
        "Contact us",
        "Privacy policy",
        "Analysts expect the growth to continue through the end of the year.",
        "Twitter",
        "Facebook",
        "Next",
    ];
    let removed = |lines: &[&str]| -> Vec<(String, String)> {
        let mut doc = Document::new("e", lines.join("\n"));
        stage().process(&mut doc);
        doc.sift
            .removed_lines
            .iter()
            .map(|r| (r.text.clone(), r.reason.to_string()))
            .collect()
    };
    let expected: Vec<(String, String)> = [
        ("Home", "boilerplate_nav"),
        ("News", "boilerplate_nav"),
        ("World", "boilerplate_nav"),
        ("Related posts:", "boilerplate_tail"),
        ("Contact us", "boilerplate_tail"),
        ("Privacy policy", "boilerplate_cookie"),
        ("Twitter", "boilerplate_share"),
        ("Facebook", "boilerplate_share"),
        ("Next", "boilerplate_tail"),
    ]
    .iter()
    .map(|(t, r)| (t.to_string(), r.to_string()))
    .collect();
    assert_eq!(removed(&article), expected);
    // The same document with an injected pharmacy line (a spam candidate).
    let spam = "Buy cheap viagra online no prescription needed, fast delivery";
    let mut with_spam = article.to_vec();
    with_spam.insert(4, spam);
    let got = removed(&with_spam);
    assert!(
        got.contains(&(spam.to_string(), "spam_pharma".to_string())),
        "{got:?}"
    );
    let without: Vec<_> = got.into_iter().filter(|(t, _)| t != spam).collect();
    assert_eq!(without, expected);
}

#[test]
fn config_rejects_unknown_keys_and_bad_values() {
    let err = serde_json::from_str::<JunkLinesConfig>(r#"{"spam_treshold": 5}"#)
        .expect_err("unknown key");
    assert!(err.to_string().contains("spam_treshold"), "{err}");
    let cfg = JunkLinesConfig {
        disable: vec!["nope".into()],
        ..JunkLinesConfig::default()
    };
    let err = cfg.build("junk_lines").expect_err("unknown family");
    assert!(err.to_string().contains("`disable`"), "{err}");
    let cfg = JunkLinesConfig {
        max_coherence: 1.5,
        ..JunkLinesConfig::default()
    };
    assert!(cfg.build("junk_lines").is_err());
}

#[test]
fn disabling_a_family_keeps_its_lines() {
    let cfg = JunkLinesConfig {
        disable: vec!["pharma".into()],
        ..JunkLinesConfig::default()
    };
    let s = cfg.build("junk_lines").expect("valid");
    let mut doc = Document::new("000", SEED_0);
    s.process(&mut doc);
    assert!(doc.sift.removed_lines.is_empty());
}

#[test]
fn explain_records_the_evidence() {
    let cfg = JunkLinesConfig {
        explain: true,
        ..JunkLinesConfig::default()
    };
    let s = cfg.build("junk_lines").expect("valid");
    let mut doc = Document::new("000", SEED_0);
    s.process(&mut doc);
    let ex = &doc.sift.flags["junk_lines"]["explain"][0];
    assert_eq!(ex["reason"], "spam_pharma");
    assert_eq!(ex["line"], doc.sift.removed_lines[0].line);
    assert_eq!(ex["coherence"], 0.0);
    let terms = ex["terms"].as_array().expect("terms");
    assert!(terms.iter().any(|t| t == "symbicort"), "{terms:?}");
}

#[test]
fn browser_notices_go_but_sentences_about_javascript_stay() {
    let text = "Scientists found a new species of frog in the rainforest of Peru, the team said.\n\
        Please enable JavaScript to view the comments powered by Disqus.\n\
        The frog is about two centimetres long and lives in the leaf litter near streams.\n\
        Developers can write custom JavaScript to load and run the module in a browser.\n\
        Your browser does not support the video tag.";
    let mut doc = Document::new("b", text);
    stage().process(&mut doc);
    let removed: Vec<(usize, &str)> = doc
        .sift
        .removed_lines
        .iter()
        .map(|r| (r.line, &*r.reason))
        .collect();
    assert_eq!(
        removed,
        vec![(1, "boilerplate_browser"), (4, "boilerplate_browser")]
    );
}
