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

/// FNV-1a of the ASCII-lowercased bytes (same hash as lowercasing first).
fn fnv1a_ascii_lower(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Length of `b` without a plural `s` (not after another `s`), for words
/// longer than 3 bytes; `b` is lowercase or is compared lowercased.
fn stem_len(b: &[u8]) -> usize {
    let n = b.len();
    if n > 3 && b[n - 1].eq_ignore_ascii_case(&b's') && !b[n - 2].eq_ignore_ascii_case(&b's') {
        n - 1
    } else {
        n
    }
}

impl Tokenizer {
    /// Hash of one word, normalised (lowercase, plural `s` stripped), or
    /// `None` for tokens too short or numeric to carry a topic.
    pub fn word(&mut self, w: &str) -> Option<u64> {
        if w.len() < 3 || w.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if w.is_ascii() {
            // Fast path, the common case: hash while lowercasing, no copy.
            let b = w.as_bytes();
            return Some(fnv1a_ascii_lower(&b[..stem_len(b)]));
        }
        self.buf.clear();
        self.buf.extend(w.chars().flat_map(char::to_lowercase));
        let b = self.buf.as_bytes();
        Some(fnv1a(&b[..stem_len(b)]))
    }

    /// Unique content-word hashes of `text` appended to `out` (cleared first).
    pub fn content_words(&mut self, text: &str, stop: &WordSet, out: &mut Vec<u64>) {
        out.clear();
        self.for_each_word(text, |h| {
            if !stop.contains(&h) {
                out.push(h);
            }
        });
        out.sort_unstable();
        out.dedup();
    }

    /// Calls `f` with the hash of every word of `text` that [`Self::word`]
    /// keeps, repeats included. Words are maximal runs of alphanumeric
    /// characters; ASCII bytes are classified without decoding.
    pub fn for_each_word(&mut self, text: &str, mut f: impl FnMut(u64)) {
        let bytes = text.as_bytes();
        let mut start: Option<usize> = None;
        let mut i = 0;
        while i < bytes.len() {
            let (alnum, len) = if bytes[i] < 0x80 {
                (bytes[i].is_ascii_alphanumeric(), 1)
            } else {
                text.get(i..)
                    .and_then(|rest| rest.chars().next())
                    .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8()))
            };
            if alnum {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                if let Some(h) = self.word(&text[s..i]) {
                    f(h);
                }
            }
            i += len;
        }
        if let Some(s) = start {
            if let Some(h) = self.word(&text[s..]) {
                f(h);
            }
        }
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

    /// The byte scanner and hashing fast path give the hashes of the plain
    /// definition: split on non-alphanumeric chars, lowercase, strip a plural.
    #[test]
    fn content_words_match_the_plain_definition() {
        fn reference(text: &str, stop: &WordSet) -> Vec<u64> {
            let mut out: Vec<u64> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() >= 3 && !w.bytes().all(|b| b.is_ascii_digit()))
                .map(|w| {
                    let l: String = w.chars().flat_map(char::to_lowercase).collect();
                    let b = l.as_bytes();
                    let n = b.len();
                    let stem = if n > 3 && b[n - 1] == b's' && b[n - 2] != b's' {
                        n - 1
                    } else {
                        n
                    };
                    fnv1a(&b[..stem])
                })
                .filter(|h| !stop.contains(h))
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        }
        let stop = word_set(["the about with"]);
        let mut t = Tokenizer::default();
        let mut out = Vec::new();
        for text in [
            "The Islands' CLASS classes, Casinos — casino’s “Éclair” ÉCLAIRS naïve 2024 abc123",
            "Ünïcödé wörds, Straße STRASSE ΣΊΣΥΦΟΣ σίσυφος, 東京 タワー, x\u{a0}y\u{2003}zzz",
            "buy viagra online!!! no-prescription\tpharmacy... 100mg ssss ss s",
            "",
        ] {
            t.content_words(text, &stop, &mut out);
            assert_eq!(out, reference(text, &stop), "{text}");
        }
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
