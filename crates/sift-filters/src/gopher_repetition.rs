//! `gopher_repetition`: Gopher's repetition rules (Rae et al. 2021, table A1)
//! with the defaults, check order and reasons of datatrove 0.10.1's
//! `GopherRepetitionFilter`.
//!
//! Reasons, in check order: `empty`, `dup_para_frac`, `dup_para_char_frac`,
//! `dup_line_frac`, `dup_line_char_frac`, `top_{n}_gram`,
//! `duplicated_{n}_n_grams`. Fractions of characters are relative to the
//! code-point length of the whole text.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use serde::{Deserialize, Serialize};
use sift_core::{Document, Reason, Stage, Verdict};
use sift_text::pystr;

use crate::common::{dup_count, with_words};
use crate::Error;

/// Configuration of [`GopherRepetition`] (datatrove defaults).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GopherRepetitionConfig {
    /// Maximum fraction of duplicated paragraphs (0: off).
    pub dup_para_frac: f64,
    /// Maximum fraction of characters in duplicated paragraphs (0: off).
    pub dup_para_char_frac: f64,
    /// Maximum fraction of duplicated lines (0: off).
    pub dup_line_frac: f64,
    /// Maximum fraction of characters in duplicated lines (0: off).
    pub dup_line_char_frac: f64,
    /// `(n, max fraction)`: characters covered by the most frequent n-gram.
    pub top_n_grams: Vec<(usize, f64)>,
    /// `(n, max fraction)`: characters in repeated n-grams.
    pub dup_n_grams: Vec<(usize, f64)>,
}

impl Default for GopherRepetitionConfig {
    fn default() -> Self {
        Self {
            dup_para_frac: 0.3,
            dup_para_char_frac: 0.2,
            dup_line_frac: 0.3,
            dup_line_char_frac: 0.2,
            top_n_grams: vec![(2, 0.2), (3, 0.18), (4, 0.16)],
            dup_n_grams: vec![
                (5, 0.15),
                (6, 0.14),
                (7, 0.13),
                (8, 0.12),
                (9, 0.11),
                (10, 0.10),
            ],
        }
    }
}

/// Built `gopher_repetition` stage.
#[derive(Debug)]
pub struct GopherRepetition {
    name: String,
    cfg: GopherRepetitionConfig,
    top_reasons: Vec<Reason>,
    dup_reasons: Vec<Reason>,
}

impl GopherRepetitionConfig {
    /// Validate and build.
    pub fn build(&self, name: &str) -> Result<GopherRepetition, Error> {
        let err = |key: &str, message: String| Error::Config {
            stage: "gopher_repetition",
            key: key.into(),
            message,
        };
        for (key, v) in [
            ("dup_para_frac", self.dup_para_frac),
            ("dup_para_char_frac", self.dup_para_char_frac),
            ("dup_line_frac", self.dup_line_frac),
            ("dup_line_char_frac", self.dup_line_char_frac),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(err(key, format!("{v} is not a non-negative number")));
            }
        }
        for (key, list) in [
            ("top_n_grams", &self.top_n_grams),
            ("dup_n_grams", &self.dup_n_grams),
        ] {
            for &(n, f) in list {
                if n == 0 || !f.is_finite() {
                    return Err(err(key, format!("({n}, {f}): n must be >= 1")));
                }
            }
        }
        Ok(GopherRepetition {
            name: name.to_string(),
            top_reasons: (self.top_n_grams.iter())
                .map(|(n, _)| reason(format!("top_{n}_gram")))
                .collect(),
            dup_reasons: (self.dup_n_grams.iter())
                .map(|(n, _)| reason(format!("duplicated_{n}_n_grams")))
                .collect(),
            cfg: self.clone(),
        })
    }
}

/// The default reasons as static strings (no allocation when dropping).
fn reason(s: String) -> Reason {
    const KNOWN: [&str; 9] = [
        "top_2_gram",
        "top_3_gram",
        "top_4_gram",
        "duplicated_5_n_grams",
        "duplicated_6_n_grams",
        "duplicated_7_n_grams",
        "duplicated_8_n_grams",
        "duplicated_9_n_grams",
        "duplicated_10_n_grams",
    ];
    match KNOWN.iter().find(|k| **k == s) {
        Some(k) => Reason::Borrowed(k),
        None => Reason::Owned(s),
    }
}

impl Stage for GopherRepetition {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        let text = doc.text.as_str();
        if text.is_empty() {
            return Verdict::drop_static("empty");
        }
        let c = &self.cfg;
        let total = pystr::len(text) as f64;

        let (mut n_paras, mut para_dups) = (0usize, (0usize, 0usize));
        if c.dup_para_frac > 0.0 || c.dup_para_char_frac > 0.0 {
            let paras = || split_runs(pystr::strip(text), 2);
            n_paras = paras().count();
            para_dups = dup_count(paras());
        }
        if c.dup_para_frac > 0.0 && para_dups.0 as f64 / n_paras as f64 > c.dup_para_frac {
            return Verdict::drop_static("dup_para_frac");
        }
        if c.dup_para_char_frac > 0.0 && para_dups.1 as f64 / total > c.dup_para_char_frac {
            return Verdict::drop_static("dup_para_char_frac");
        }

        if c.dup_line_frac > 0.0 || c.dup_line_char_frac > 0.0 {
            let lines = || split_runs(text, 1);
            let n_lines = lines().count();
            let (dups, chars) = dup_count(lines());
            if c.dup_line_frac > 0.0 && dups as f64 / n_lines as f64 > c.dup_line_frac {
                return Verdict::drop_static("dup_line_frac");
            }
            if c.dup_line_char_frac > 0.0 && chars as f64 / total > c.dup_line_char_frac {
                return Verdict::drop_static("dup_line_char_frac");
            }
        }

        if c.top_n_grams.is_empty() && c.dup_n_grams.is_empty() {
            return Verdict::Keep;
        }
        with_words(text, |words| {
            for (&(n, frac), reason) in c.top_n_grams.iter().zip(&self.top_reasons) {
                if words.len() < n {
                    continue;
                }
                if top_ngram_chars(words, n) as f64 / total > frac {
                    return Verdict::Drop(reason.clone());
                }
            }
            for (&(n, frac), reason) in c.dup_n_grams.iter().zip(&self.dup_reasons) {
                if repeated_ngram_chars(words, n) as f64 / total > frac {
                    return Verdict::Drop(reason.clone());
                }
            }
            Verdict::Keep
        })
    }
}

/// Split `s` at every run of at least `min` consecutive `\n` (Python
/// `re.split(r"\n{min,}", s)`): the pieces between runs, including empty
/// pieces at either end.
fn split_runs(s: &str, min: usize) -> impl Iterator<Item = &str> + '_ {
    let bytes = s.as_bytes();
    let mut start = 0usize;
    let mut i = 0usize;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while let Some(off) = memchr::memchr(b'\n', &bytes[i..]) {
            let run_start = i + off;
            let mut run_end = run_start;
            while run_end < bytes.len() && bytes[run_end] == b'\n' {
                run_end += 1;
            }
            i = run_end;
            if run_end - run_start >= min {
                let piece = &s[start..run_start];
                start = run_end;
                return Some(piece);
            }
        }
        done = true;
        Some(&s[start..])
    })
}

/// Characters covered by the most frequent n-gram (n-grams are the tokens
/// joined with one space): `len(ngram) * count`; ties go to the n-gram seen
/// first (`Counter.most_common(1)`).
fn top_ngram_chars(words: &[&str], n: usize) -> usize {
    let windows = words.windows(n);
    let mut counts: HashMap<&[&str], usize, ahash::RandomState> =
        HashMap::with_capacity_and_hasher(words.len(), fixed_state());
    let mut best = 0usize;
    for w in windows.clone() {
        let e = counts.entry(w).or_insert(0);
        *e += 1;
        best = best.max(*e);
    }
    // The first window whose n-gram has the top count is that n-gram's first
    // occurrence, and the earliest among the tied n-grams.
    windows
        .into_iter()
        .find(|w| counts.get(w) == Some(&best))
        .map_or(0, |w| {
            let chars: usize = w.iter().map(|t| pystr::len(t)).sum();
            (chars + n - 1) * best
        })
}

/// datatrove's `find_all_duplicate`: characters in repeated n-grams, where an
/// n-gram is its tokens concatenated **without** a separator; after a repeat
/// the scan jumps `n` tokens ahead without recording the skipped n-grams.
fn repeated_ngram_chars(words: &[&str], n: usize) -> usize {
    if words.len() < n {
        return 0;
    }
    let state = fixed_state();
    let mut seen: HashMap<Concat<'_>, (), ahash::RandomState> =
        HashMap::with_capacity_and_hasher(words.len(), fixed_state());
    let mut repeated = 0usize;
    let mut i = 0usize;
    while i + n <= words.len() {
        let key = Concat::new(&words[i..i + n], &state);
        match seen.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => {
                repeated += e.key().0.iter().map(|t| pystr::len(t)).sum::<usize>();
                i += n;
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(());
                i += 1;
            }
        }
    }
    repeated
}

fn fixed_state() -> ahash::RandomState {
    ahash::RandomState::with_seeds(0x5151, 0x7a7a, 0x1234, 0x9876)
}

/// Tokens compared and hashed as their concatenation.
struct Concat<'a>(&'a [&'a str], u64);

impl<'a> Concat<'a> {
    fn new(tokens: &'a [&'a str], state: &ahash::RandomState) -> Self {
        // Hash the concatenated bytes in one stream, so that equal
        // concatenations hash equally whatever the token boundaries.
        let mut h = state.build_hasher();
        let mut buf = [0u8; 64];
        let mut len = 0usize;
        for b in tokens.iter().flat_map(|t| t.bytes()) {
            if len == buf.len() {
                h.write(&buf);
                len = 0;
            }
            buf[len] = b;
            len += 1;
        }
        h.write(&buf[..len]);
        Concat(tokens, h.finish())
    }
}

impl Hash for Concat<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.1);
    }
}

impl PartialEq for Concat<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.1 == other.1
            && (self.0.iter().flat_map(|t| t.bytes())).eq(other.0.iter().flat_map(|t| t.bytes()))
    }
}

impl Eq for Concat<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(text: &str) -> Verdict {
        let s = GopherRepetitionConfig::default()
            .build("gopher_repetition")
            .expect("defaults");
        s.process(&mut Document::new("t", text))
    }

    #[test]
    fn empty_only_for_the_empty_string() {
        assert_eq!(verdict(""), Verdict::drop_static("empty"));
        assert_eq!(verdict("   \n "), Verdict::Keep);
    }

    #[test]
    fn short_text_fails_top_2_gram_without_repetition() {
        assert_eq!(verdict("Hello world."), Verdict::drop_static("top_2_gram"));
    }

    #[test]
    fn paragraph_splits_need_two_newlines_not_crlf() {
        let paras: Vec<&str> = split_runs("a\n\nb\n\n\nc\r\n\r\nd", 2).collect();
        assert_eq!(paras, ["a", "b", "c\r\n\r\nd"]);
        let lines: Vec<&str> = split_runs("\na\n\nb\n", 1).collect();
        assert_eq!(lines, ["", "a", "b", ""]);
        assert_eq!(split_runs("", 1).collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn duplicated_paragraphs_and_lines() {
        let para = "A paragraph that is repeated verbatim in this page, sadly.";
        let text = format!("{para}\n\nSomething else entirely here.\n\n{para}\n\n{para}");
        assert_eq!(verdict(&text), Verdict::drop_static("dup_para_frac"));
        let text = format!("{para}\nOther.\n{para}\nMore.\nAnd more.\nYet more.\nFinal.\n{para}");
        assert_eq!(verdict(&text), Verdict::drop_static("dup_line_char_frac"));
    }

    #[test]
    fn top_ngram_ties_go_to_the_first_seen() {
        // "a b" and "c d" both occur twice; "a b" is first: 3 chars x 2.
        let w = ["a", "b", "c", "d", "a", "b", "c", "d"];
        assert_eq!(top_ngram_chars(&w, 2), 6);
        let w = ["xx", "y", "z", "w", "z", "w", "xx", "y"];
        // "xx y" (4 chars) and "z w" (3 chars) both twice; "xx y" first.
        assert_eq!(top_ngram_chars(&w, 2), 8);
    }

    #[test]
    fn repeated_ngrams_concatenate_without_separator_and_skip_ahead() {
        // ("ab","c") and ("a","bc") are the same 2-gram key "abc".
        assert_eq!(repeated_ngram_chars(&["ab", "c", "a", "bc"], 2), 3);
        // After a repeat the scan jumps n tokens: a b a b a b -> keys ab, ba,
        // ab (repeat, jump to 4), ab (repeat) = 4 chars.
        assert_eq!(repeated_ngram_chars(&["a", "b", "a", "b", "a", "b"], 2), 4);
        assert_eq!(repeated_ngram_chars(&["a"], 2), 0);
    }
}
