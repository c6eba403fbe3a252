//! Content words for the coherence signal: lowercased, lightly stemmed,
//! hashed (no allocation per word), function words and short tokens dropped.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// The words are already hashes: use them as is.
#[derive(Default)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed; fold anything else FNV-style.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Hash map keyed by word hashes.
pub type WordMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;
/// Hash set of word hashes.
pub type WordSet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;

/// Reusable tokenizer state (one lowercase buffer).
#[derive(Default)]
pub struct Tokenizer {
    buf: String,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

impl Tokenizer {
    /// Hash of one word, normalised (lowercase, plural `s` stripped), or
    /// `None` for tokens too short or numeric to carry a topic.
    pub fn word(&mut self, w: &str) -> Option<u64> {
        if w.len() < 3 || w.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.buf.clear();
        if w.is_ascii() {
            // Fast path, the common case.
            self.buf.push_str(w);
            self.buf.make_ascii_lowercase();
        } else {
            self.buf.extend(w.chars().flat_map(char::to_lowercase));
        }
        let b = self.buf.as_bytes();
        let n = b.len();
        let stem = if n > 3 && b[n - 1] == b's' && b[n - 2] != b's' {
            n - 1
        } else {
            n
        };
        Some(fnv1a(&b[..stem]))
    }

    /// Unique content-word hashes of `text` appended to `out` (cleared first).
    pub fn content_words(&mut self, text: &str, stop: &WordSet, out: &mut Vec<u64>) {
        out.clear();
        for w in text.split(|c: char| !c.is_alphanumeric()) {
            if let Some(h) = self.word(w) {
                if !stop.contains(&h) {
                    out.push(h);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Hashes of whitespace-separated words in `text` (comments with `#`).
pub fn word_set<'a>(lists: impl IntoIterator<Item = &'a str>) -> WordSet {
    let mut t = Tokenizer::default();
    let mut set = WordSet::default();
    for list in lists {
        for line in list.lines() {
            if line.trim_start().starts_with('#') {
                continue;
            }
            for w in line.split(|c: char| !c.is_alphanumeric()) {
                if let Some(h) = t.word(w) {
                    set.insert(h);
                }
            }
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_and_case_share_a_hash() {
        let mut t = Tokenizer::default();
        assert_eq!(t.word("Loans"), t.word("loan"));
        assert_eq!(t.word("CASINO"), t.word("casino"));
        assert_ne!(t.word("class"), t.word("clas"));
        assert_eq!(t.word("12345"), None);
        assert_eq!(t.word("of"), None);
    }

    #[test]
    fn content_words_skip_stopwords_and_dedup() {
        let stop = word_set(["the about"]);
        let mut t = Tokenizer::default();
        let mut out = Vec::new();
        t.content_words("The islands, the Islands about Japan", &stop, &mut out);
        assert_eq!(out.len(), 2);
    }
}
