//! sift-text: text primitives shared by filters and dedup, with the exact
//! semantics of the Python tools sift claims parity with.
//!
//! - [`split_words`]: datatrove's `split_into_words(text, "eng")` (spaCy 3.8
//!   blank `en` rule tokenizer, tokens stripped, empty ones dropped).
//! - [`count_sentences`]: datatrove's `split_into_sentences(text, "eng")` count.
//! - [`pystr`]: Python `str` semantics (`isspace`, `strip`, `splitlines`, `isalpha`).
//!
//! Parity is checked against datatrove itself: `tests/golden.rs` compares with
//! golden output committed from `peer_decisions.py --dump-tokens`
//! (`scripts/make_fixture.py`); `scripts/agreement.py` measures whole corpora
//! and `scripts/fuzz_vs_spacy.py` fuzzes random strings, URL-like strings and
//! every code point (not run in CI: they need the Python reference).
//! Tables come from `scripts/gen_tables.py`.
//!
//! ```
//! let mut words = Vec::new();
//! sift_text::split_words("Don't stop (e.g. at U.S.A.)... ok?", &mut words);
//! assert_eq!(words, ["Do", "n't", "stop", "(", "e.g.", "at", "U.S.A.", ")", "...", "ok", "?"]);
//! assert_eq!(sift_text::count_sentences("Dr. Smith went home. He slept."), 2);
//! ```
#![deny(missing_docs)]

use std::cell::RefCell;

mod class;
pub mod pystr;
mod spacy;
#[rustfmt::skip]
mod tables;
mod url;

/// SWAR letter scan shared with the MinHash normaliser (`sift-dedup`).
pub use spacy::ascii_letters_prefix;

thread_local! {
    static TOKENIZER: RefCell<spacy::Tokenizer> = RefCell::new(spacy::Tokenizer::new());
}

fn with_tokenizer<R>(f: impl FnOnce(&mut spacy::Tokenizer) -> R) -> R {
    TOKENIZER.with(|t| match t.try_borrow_mut() {
        Ok(mut t) => {
            let r = f(&mut t);
            t.shrink();
            r
        }
        // Only reachable through re-entrancy, which the API does not allow; stay correct anyway.
        Err(_) => f(&mut spacy::Tokenizer::new()),
    })
}

/// spaCy 3.8 fails an assertion when a token is exactly `IS_ALPHA` (once a
/// memory zone has been used in the process), and datatrove then retokenizes
/// the text with every `IS_ALPHA` removed. sift does what datatrove does in that
/// steady state.
const POISON: &str = "IS_ALPHA";

/// Append the word tokens of `text` to `out` (datatrove `split_into_words`, English).
///
/// Tokens are those of spaCy's blank English tokenizer without the whitespace
/// tokens; each is a slice of `text`. Punctuation marks are tokens of their own.
///
/// If a token would be exactly `IS_ALPHA`, the text is tokenized with every
/// `IS_ALPHA` removed, as datatrove does; a token that then spans a removed
/// occurrence is returned with it (the only case where a token differs from
/// datatrove's).
pub fn split_words<'a>(text: &'a str, out: &mut Vec<&'a str>) {
    let start = out.len();
    with_tokenizer(|t| t.tokenize(text, &mut spacy::WordSink { out }));
    if !(text.contains(POISON) && out[start..].contains(&POISON)) {
        return;
    }
    out.truncate(start);
    let (cleaned, map) = remove_poison(text);
    with_tokenizer(|t| {
        t.tokenize_doc(&cleaned);
        for tok in t.doc().iter().filter(|tok| !tok.space) {
            out.push(&text[map.to_original(tok.start, false)..map.to_original(tok.end, true)]);
        }
    });
}

/// A lower bound on the number of words [`split_words`] returns for `text`,
/// without tokenizing: the number of runs of non-whitespace chars (Python
/// `isspace`). Tokens never cross whitespace and every such run yields at
/// least one word; with `IS_ALPHA` in the text (see [`split_words`]) the
/// bound is 0.
///
/// Counting stops at `cap` (`usize::MAX`: count all): a caller that only asks
/// whether there are at least `cap` words need not read the rest.
pub fn min_word_count(text: &str, cap: usize) -> usize {
    if text.contains(POISON) {
        return 0;
    }
    let mut runs = 0usize;
    let mut in_word = false;
    let bytes = text.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() && runs < cap {
        let b = bytes[i];
        let space = if b.is_ascii() {
            i += 1;
            matches!(b, b'\t'..=b'\r' | 0x1c..=0x20)
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            i += c.len_utf8();
            pystr::is_space(c)
        };
        runs += usize::from(!space && !in_word);
        in_word = !space;
    }
    runs
}

/// Number of sentences datatrove's English sentence splitter finds in `text`:
/// `len(split_into_sentences(text, "eng"))`.
///
/// spaCy's rule `sentencizer` starts a sentence after a token that is exactly
/// one sentence-final character (`.`, `!`, `?`, `。`, ...) at the next token
/// that is neither punctuation nor such a character (whitespace tokens count).
/// Like datatrove, this returns 1 for the empty string, and drops `IS_ALPHA`
/// when it is a token (see [`split_words`]).
pub fn count_sentences(text: &str) -> usize {
    let mut counter = spacy::SentenceCounter::default();
    with_tokenizer(|t| t.tokenize(text, &mut counter));
    if counter.poisoned {
        let (cleaned, _) = remove_poison(text);
        counter = spacy::SentenceCounter::default();
        with_tokenizer(|t| t.tokenize(&cleaned, &mut counter));
    }
    counter.count()
}

/// Where the pieces of a text with `IS_ALPHA` removed came from.
struct OffsetMap {
    /// (start in the cleaned text, start in the original) of each kept piece.
    pieces: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// Original offset of cleaned offset `at`; `end` maps a token end to the end
    /// of the piece it closes rather than the start of the next one.
    fn to_original(&self, at: usize, end: bool) -> usize {
        let idx = self
            .pieces
            .partition_point(|&(c, _)| if end { c < at } else { c <= at });
        let (c, o) = self.pieces[idx.saturating_sub(1)];
        o + (at - c)
    }
}

fn remove_poison(text: &str) -> (String, OffsetMap) {
    let mut cleaned = String::with_capacity(text.len());
    let mut pieces = vec![(0, 0)];
    let mut last = 0;
    for (i, _) in text.match_indices(POISON) {
        cleaned.push_str(&text[last..i]);
        last = i + POISON.len();
        pieces.push((cleaned.len(), last));
    }
    cleaned.push_str(&text[last..]);
    (cleaned, OffsetMap { pieces })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        split_words(text, &mut out);
        out
    }

    #[test]
    fn poison_is_removed_like_datatrove() {
        assert_eq!(words("IS_ALPHA"), Vec::<&str>::new());
        assert_eq!(words("a IS_ALPHA bc."), ["a", "bc", "."]);
        assert_eq!(words("(IS_ALPHA)"), ["(", ")"]);
        // Not a token by itself: datatrove keeps it.
        assert_eq!(words("xIS_ALPHAy z"), ["xIS_ALPHAy", "z"]);
        assert_eq!(
            words("IS_ALPHAIS_ALPHA can't"),
            ["IS_ALPHAIS_ALPHA", "ca", "n't"]
        );
        // A token, so every occurrence goes, and `xy` is returned with its middle.
        assert_eq!(words("IS_ALPHA xIS_ALPHAy"), ["xIS_ALPHAy"]);
        assert_eq!(count_sentences("Hi. IS_ALPHA"), 1);
        assert_eq!(count_sentences("Hi. IS_ALPHA "), 2);
    }

    #[test]
    fn min_word_count_is_a_lower_bound() {
        for text in [
            "",
            "  ",
            "a",
            "Don't stop (e.g. at U.S.A.)... ok?",
            " x\u{a0}y\u{3000}z\n\n(w) ",
            "IS_ALPHA a",
            ":) :-) 10km 5'5\"",
        ] {
            let n = min_word_count(text, usize::MAX);
            assert!(n <= words(text).len(), "{text:?}");
            assert_eq!(
                n,
                pystr::split(text).count() * usize::from(!text.contains(POISON))
            );
            for cap in 0..=n + 1 {
                assert_eq!(min_word_count(text, cap), n.min(cap), "{text:?} {cap}");
            }
        }
    }

    #[test]
    fn sentences_edge_cases() {
        assert_eq!(count_sentences(""), 1);
        assert_eq!(count_sentences("   "), 1);
        assert_eq!(count_sentences("Hello. "), 1);
        assert_eq!(count_sentences("Hello.  "), 2);
        assert_eq!(count_sentences("One. Two! Three? (Four.) \"Five.\" six"), 6);
        assert_eq!(count_sentences("Foo bar baz. [1]"), 2);
    }
}
