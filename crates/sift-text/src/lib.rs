//! sift-text: text primitives shared by filters and dedup, with the exact
//! semantics of the Python tools sift claims parity with.
//!
//! - [`split_words`]: datatrove's `split_into_words(text, "eng")` (spaCy blank
//!   `en` rule tokenizer, tokens stripped, empty ones dropped).
//! - [`count_sentences`]: datatrove's `split_into_sentences(text, "eng")` count.
//! - [`pystr`]: Python `str` semantics (`isspace`, `strip`, `splitlines`, `isalpha`).
#![deny(missing_docs)]

pub mod pystr;

/// Append the word tokens of `text` to `out` (datatrove `split_into_words`, English).
///
/// INTERIM: whitespace split until the spaCy port lands (see sift-text/README).
pub fn split_words<'a>(text: &'a str, out: &mut Vec<&'a str>) {
    out.extend(text.split(pystr::is_space).filter(|t| !t.is_empty()));
}

/// Number of sentences datatrove's English sentence splitter finds in `text`.
///
/// INTERIM: counts sentence-final characters until the spaCy port lands.
pub fn count_sentences(text: &str) -> usize {
    let n = text.matches(['.', '!', '?']).count();
    if text.trim().is_empty() {
        0
    } else {
        n.max(1)
    }
}
