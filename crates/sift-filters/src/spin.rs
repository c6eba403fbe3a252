//! `spin`: flag machine-spun or garbled text (does not remove by default).
//!
//! Article spinners and bad machine rewriting leave tell-tale artefacts that
//! real writers almost never produce:
//!
//! - **self-coordination**: an entity coordinated with itself, "Japan and
//!   Japan have signed" (a spinner replaced "Vietnam" by a synonym it
//!   thought fit);
//! - **self-naming**: "calls the Diaoyu Islands the Diaoyu Islands" (the
//!   original named one thing by another name);
//! - **doubled entities**: "the United States United States";
//! - **tortured phrases**: synonym salad for established terms, "counterfeit
//!   consciousness" for artificial intelligence (`data/spin/tortured_phrases.txt`).
//!
//! Each finding is evidence with a weight; the document's score is their
//! sum. When the score reaches `min_score` the stage records
//! `sift.flags.<name> = {"score", "evidence": [{"kind", "start", "end",
//! "text"}]}` (byte offsets into the text as this stage saw it) and
//! `sift.scores.<name>`; with `drop = true` it also drops the document
//! (`spun_text`). Validation and the false-positive rate on real pages are in
//! `docs/junk_lines.md`.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sift_core::{Document, Stage, Verdict};

use crate::junk_lines::words::is_alnum;
use crate::Error;

const STAGE: &str = "spin";
const TORTURED: &str = include_str!("../data/spin/tortured_phrases.txt");
const REDUPLICATIONS: &str = include_str!("../data/spin/reduplications.txt");

/// Verbs after which "the X the X" means the writer named X by itself.
const NAMING_VERBS: &[&str] = &[
    "call", "calls", "called", "calling", "name", "names", "named", "naming", "dub", "dubs",
    "dubbed", "term", "terms", "termed", "label", "labels", "labelled", "labeled",
];

/// Whether `w` is one of [`NAMING_VERBS`] (any case). Asked for every word:
/// the length and first letter turn almost all of them away first.
fn is_naming_verb(w: &str) -> bool {
    let b = w.as_bytes();
    // `| 0x20` maps only `C N D T L` onto these lowercase letters.
    (3..=9).contains(&b.len())
        && matches!(b[0] | 0x20, b'c' | b'n' | b'd' | b't' | b'l')
        && NAMING_VERBS.iter().any(|v| v.eq_ignore_ascii_case(w))
}

/// Words that may follow "X and X" when X is a whole noun phrase (a verb,
/// a preposition, a conjunction); any other word glued to the right side
/// makes it the start of a longer name.
const CLAUSE_WORDS: &[&str] = &[
    "have",
    "has",
    "had",
    "are",
    "is",
    "was",
    "were",
    "will",
    "would",
    "can",
    "could",
    "should",
    "may",
    "might",
    "must",
    "do",
    "does",
    "did",
    "to",
    "in",
    "on",
    "at",
    "of",
    "for",
    "with",
    "by",
    "as",
    "that",
    "which",
    "who",
    "whose",
    "from",
    "into",
    "over",
    "under",
    "about",
    "after",
    "before",
    "since",
    "during",
    "while",
    "when",
    "where",
    "than",
    "then",
    "also",
    "both",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "not",
    "said",
    "say",
    "says",
    "signed",
    "agreed",
    "agree",
    "reached",
    "met",
    "meet",
    "held",
    "hold",
    "share",
    "shared",
    "announced",
    "plan",
    "plans",
    "planned",
    "want",
    "wants",
    "need",
    "needs",
    "continue",
    "continued",
    "remain",
    "remained",
    "still",
    "all",
    "each",
    "together",
    "jointly",
];

/// Configuration of [`Spin`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SpinConfig {
    /// Flag the document when the evidence weights add up to this.
    pub min_score: f64,
    /// Also drop flagged documents (reason `spun_text`).
    pub drop: bool,
    /// Evidence spans recorded at most.
    pub max_evidence: usize,
}

impl Default for SpinConfig {
    fn default() -> Self {
        Self {
            min_score: 1.0,
            drop: false,
            max_evidence: 20,
        }
    }
}

/// Built `spin` stage.
#[derive(Debug)]
pub struct Spin {
    name: String,
    cfg: SpinConfig,
    tortured: AhoCorasick,
    tortured_weight: Vec<f64>,
    reduplications: Vec<String>,
}

impl SpinConfig {
    /// Validate and compile the phrase lists.
    pub fn build(&self, name: &str) -> Result<Spin, Error> {
        if !self.min_score.is_finite() || self.min_score <= 0.0 {
            return Err(Error::Config {
                stage: STAGE,
                key: "min_score".into(),
                message: format!("{} must be a positive number", self.min_score),
            });
        }
        let mut phrases = Vec::new();
        let mut weights = Vec::new();
        for (i, line) in TORTURED.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (phrase, weight) = match line.split_once('=') {
                Some((p, w)) => {
                    let w = w.trim().parse::<f64>().map_err(|e| Error::Config {
                        stage: STAGE,
                        key: format!("data/spin/tortured_phrases.txt:{}", i + 1),
                        message: e.to_string(),
                    })?;
                    (p.trim(), w)
                }
                None => (line, 1.0),
            };
            phrases.push(phrase.to_ascii_lowercase());
            weights.push(weight);
        }
        let tortured = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&phrases)
            .map_err(|e| Error::Config {
                stage: STAGE,
                key: "data/spin/tortured_phrases.txt".into(),
                message: e.to_string(),
            })?;
        let reduplications = REDUPLICATIONS
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(str::to_string)
            .collect();
        Ok(Spin {
            name: name.to_string(),
            cfg: self.clone(),
            tortured,
            tortured_weight: weights,
            reduplications,
        })
    }
}

/// A word with its byte span.
#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

/// Words: letters and digits, with inner apostrophes and hyphens
/// ("Japan's" and "Japan" differ).
fn tokenize(text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let inner = matches!(c, '\'' | '’' | '-')
            && start.is_some()
            && chars.peek().is_some_and(|&(_, n)| is_alnum(n));
        if is_alnum(c) || inner {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(Tok {
                text: &text[s..i],
                start: s,
                end: i,
            });
        }
    }
    if let Some(s) = start {
        out.push(Tok {
            text: &text[s..],
            start: s,
            end: text.len(),
        });
    }
    out
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// `self_coordination`, `self_naming`, `doubled_entity` or `tortured_phrase`.
    pub kind: &'static str,
    /// Byte span in the text.
    pub start: usize,
    /// End of the span (exclusive).
    pub end: usize,
    /// Weight added to the score.
    pub weight: f64,
}

fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

impl Spin {
    /// Whether only spaces (no punctuation, no line break) separate the
    /// tokens `a..=b`.
    fn tight(text: &str, toks: &[Tok<'_>]) -> bool {
        toks.windows(2)
            .all(|w| text[w[0].end..w[1].start].chars().all(|c| c == ' '))
    }

    /// Words on the same line as the span `start..end`, outside it: a
    /// repeated widget label ("Sponsored Links Sponsored Links") is a whole
    /// line, a spun sentence is not.
    fn words_around(text: &str, toks: &[Tok<'_>], start: usize, end: usize) -> usize {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
        toks.iter()
            .filter(|t| t.start >= line_start && t.end <= line_end)
            .filter(|t| t.end <= start || t.start >= end)
            .count()
    }

    fn same(a: &[Tok<'_>], b: &[Tok<'_>]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.text == y.text)
    }

    /// All findings in `text`, in order of position.
    pub fn findings(&self, text: &str) -> Vec<Evidence> {
        let toks = tokenize(text);
        let n = toks.len();
        let mut out = Vec::new();
        let mut covered_until = 0usize;
        for k in 0..n {
            let word = toks[k].text;
            // "X and X", "X or X"
            if (word == "and" || word == "or") && toks[k].start >= covered_until {
                for l in (1..=3).rev() {
                    if k < l || k + l >= n {
                        continue;
                    }
                    let left = &toks[k - l..k];
                    let right = &toks[k + 1..k + 1 + l];
                    if !Self::same(left, right)
                        || !capitalised(left[0].text)
                        || !left.iter().all(|t| t.text.chars().any(char::is_alphabetic))
                        || !Self::tight(text, &toks[k - l..k + 1 + l])
                    {
                        continue;
                    }
                    if l == 1
                        && self
                            .reduplications
                            .iter()
                            .any(|r| r.eq_ignore_ascii_case(left[0].text))
                    {
                        continue;
                    }
                    // "the Internet and Internet privacy", "AirPods and
                    // AirPods 2": the right side goes on into a longer name.
                    if let Some(next) = toks.get(k + 1 + l) {
                        let glued = Self::tight(text, &toks[k + l..k + 2 + l]);
                        let t = next.text;
                        let verb_like = t.chars().next().is_some_and(char::is_lowercase)
                            && (t.ends_with("ed") || t.ends_with("ing"));
                        let clause = CLAUSE_WORDS.iter().any(|c| c.eq_ignore_ascii_case(t));
                        if glued && !verb_like && !clause {
                            continue;
                        }
                    }
                    out.push(Evidence {
                        kind: "self_coordination",
                        start: left[0].start,
                        end: right[l - 1].end,
                        weight: 1.0,
                    });
                    covered_until = right[l - 1].end;
                    break;
                }
            }
            // "calls the X the X"
            if is_naming_verb(word) {
                let mut p = k + 1;
                if p < n && toks[p].text == "the" {
                    p += 1;
                }
                for l in (1..=4).rev() {
                    if p + l > n {
                        continue;
                    }
                    let x = &toks[p..p + l];
                    let mut q = p + l;
                    if q < n && toks[q].text == "the" {
                        q += 1;
                    }
                    if q + l > n {
                        continue;
                    }
                    let y = &toks[q..q + l];
                    if Self::same(x, y)
                        && (capitalised(x[0].text) || l >= 2)
                        && x.iter().all(|t| t.text.chars().any(char::is_alphabetic))
                        && Self::tight(text, &toks[k..q + l])
                    {
                        out.push(Evidence {
                            kind: "self_naming",
                            start: toks[k].start,
                            end: y[l - 1].end,
                            weight: 1.0,
                        });
                        covered_until = covered_until.max(y[l - 1].end);
                        break;
                    }
                }
            }
            // "United States United States"
            if capitalised(word) && toks[k].start >= covered_until {
                for l in (2..=4).rev() {
                    if k + 2 * l > n {
                        continue;
                    }
                    let a = &toks[k..k + l];
                    let b = &toks[k + l..k + 2 * l];
                    if Self::same(a, b)
                        && a.iter().all(|t| capitalised(t.text))
                        && Self::tight(text, &toks[k..k + 2 * l])
                        && Self::words_around(text, &toks, a[0].start, b[l - 1].end) >= 3
                    {
                        out.push(Evidence {
                            kind: "doubled_entity",
                            start: a[0].start,
                            end: b[l - 1].end,
                            weight: 0.5,
                        });
                        covered_until = b[l - 1].end;
                        break;
                    }
                }
            }
        }
        for m in self.tortured.find_iter(text) {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            if before.is_some_and(is_alnum) || after.is_some_and(is_alnum) {
                continue;
            }
            out.push(Evidence {
                kind: "tortured_phrase",
                start: m.start(),
                end: m.end(),
                weight: self.tortured_weight[m.pattern().as_usize()],
            });
        }
        out.sort_by_key(|e| e.start);
        out
    }
}

impl Stage for Spin {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        let found = self.findings(&doc.text);
        let score: f64 = found.iter().map(|e| e.weight).sum();
        if found.is_empty() || score < self.cfg.min_score {
            return Verdict::Keep;
        }
        let evidence: Vec<Value> = found
            .iter()
            .take(self.cfg.max_evidence)
            .map(|e| {
                json!({
                    "kind": e.kind,
                    "start": e.start,
                    "end": e.end,
                    "text": doc.text.get(e.start..e.end).unwrap_or_default(),
                })
            })
            .collect();
        doc.flag(
            self.name.clone(),
            json!({"score": score, "evidence": evidence}),
        );
        doc.sift.scores.insert(self.name.clone(), score);
        if self.cfg.drop {
            Verdict::drop_static("spun_text")
        } else {
            Verdict::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_verb_gate_admits_every_naming_verb() {
        for v in NAMING_VERBS {
            assert!(
                is_naming_verb(v) && is_naming_verb(&v.to_uppercase()),
                "{v}"
            );
        }
        assert!(!is_naming_verb("cal") && !is_naming_verb("recalled") && !is_naming_verb("Dubai"));
    }

    fn spin() -> Spin {
        SpinConfig::default().build("spin").expect("valid")
    }

    fn kinds(text: &str) -> Vec<(&'static str, String)> {
        spin()
            .findings(text)
            .into_iter()
            .map(|e| (e.kind, text[e.start..e.end].to_string()))
            .collect()
    }

    #[test]
    fn finds_the_seed_artefacts() {
        let text = "Vietnam is the 11th country where Japan and Japan have signed. \
                    Beijing also claims and calls the Diaoyu Islands the Diaoyu Islands.";
        assert_eq!(
            kinds(text),
            vec![
                ("self_coordination", "Japan and Japan".to_string()),
                (
                    "self_naming",
                    "calls the Diaoyu Islands the Diaoyu Islands".to_string()
                ),
            ]
        );
    }

    #[test]
    fn ordinary_english_is_not_spin() {
        for text in [
            "More and more people came, again and again, over and over.",
            "Over and over the rain fell. Years and years passed.",
            "Japan and Japan's allies met. North Korea and South Korea talked.",
            "He called the meeting. They named the dog Rex. New York, New York.",
            "Japan and\nJapan",
            "its beliefs in regards to the Internet and Internet privacy, and more",
            "Foreign relations of New Zealand and New Zealand Defence Force",
            "The case fits the original AirPods and AirPods 2 (not AirPods Pro).",
            "Sponsored Links Sponsored Links",
            "The installation entitled Jewels after Jewels after Jewels was shown.",
            "the the typo is not spin",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn tortured_phrases_and_doubled_entities() {
        let got = kinds(
            "We train a profound neural organization. Talks with the United States United States \
             officials ended.",
        );
        assert_eq!(
            got,
            vec![
                (
                    "tortured_phrase",
                    "profound neural organization".to_string()
                ),
                ("doubled_entity", "United States United States".to_string()),
            ]
        );
    }

    #[test]
    fn flags_without_removing_by_default() {
        let s = spin();
        let mut doc = Document::new("d", "Talks where Japan and Japan have signed a pact.");
        assert!(s.process(&mut doc).is_keep());
        let flag = &doc.sift.flags["spin"];
        assert_eq!(flag["score"], 1.0);
        assert_eq!(flag["evidence"][0]["text"], "Japan and Japan");
        assert_eq!(flag["evidence"][0]["start"], 12);
        let mut clean = Document::new("c", "Japan and Vietnam signed a pact.");
        assert!(s.process(&mut clean).is_keep());
        assert!(clean.sift.flags.is_empty());
        let dropper = SpinConfig {
            drop: true,
            ..SpinConfig::default()
        }
        .build("spin")
        .expect("valid");
        assert_eq!(dropper.process(&mut doc), Verdict::drop_static("spun_text"));
    }
}
