//! Content words for the coherence signal: lowercased, lightly stemmed,
//! hashed (no allocation per word), function words and short tokens dropped.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// ASCII byte -> its lowercase if alphanumeric, else 0.
const ASCII_WORD: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// Reusable tokenizer state (one lowercase buffer).
#[derive(Default)]
pub struct Tokenizer {
    buf: String,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x100_0000_01b3;

/// FNV-1a of the ASCII-lowercased bytes (same hash as lowercasing first).
fn fnv1a_ascii_lower(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(FNV_PRIME)
    })
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

/// Chars below this get their answers from [`TABLES`]: Latin, Greek,
/// Cyrillic, Arabic, the Indic scripts, punctuation.
const TABLE_END: u32 = 0x3000;
const BLOCKS: usize = TABLE_END as usize / 64;

/// Per char below [`TABLE_END`], filled from the standard library one
/// block of 64 chars at a time, when a char of the block is first asked
/// for (the standard library searches its tables for every non-ASCII
/// char, hundreds of instructions each). Filling is idempotent, so threads
/// racing on a block write the same bits.
struct Tables {
    /// Bit set when `c.is_alphanumeric()`.
    alnum: [AtomicU64; BLOCKS],
    /// Bit set when `c.to_lowercase()` is `c` alone.
    lower_self: [AtomicU64; BLOCKS],
    /// Bit set when the block is filled.
    ready: [AtomicU64; BLOCKS / 64],
}

static TABLES: Tables = Tables {
    alnum: [const { AtomicU64::new(0) }; BLOCKS],
    lower_self: [const { AtomicU64::new(0) }; BLOCKS],
    ready: [const { AtomicU64::new(0) }; BLOCKS / 64],
};

/// The block of `c` (below [`TABLE_END`]), filled if needed: its
/// (alnum, lower_self) bits.
#[inline]
fn block(c: u32) -> (u64, u64) {
    let b = (c / 64) as usize;
    let (Some(ready), Some(alnum), Some(lower)) = (
        TABLES.ready.get(b / 64),
        TABLES.alnum.get(b),
        TABLES.lower_self.get(b),
    ) else {
        return (0, 0);
    };
    let flag = 1u64 << (b % 64);
    if ready.load(Ordering::Acquire) & flag == 0 {
        fill(b, alnum, lower);
        ready.fetch_or(flag, Ordering::Release);
    }
    (alnum.load(Ordering::Relaxed), lower.load(Ordering::Relaxed))
}

/// Fills block `b` of [`TABLES`] (once per block and process).
#[cold]
fn fill(b: usize, alnum: &AtomicU64, lower: &AtomicU64) {
    let (mut a, mut l) = (0u64, 0u64);
    let first = b as u32 * 64;
    for (k, c) in (first..first + 64).enumerate() {
        let Some(c) = char::from_u32(c) else { continue };
        a |= u64::from(c.is_alphanumeric()) << k;
        let mut low = c.to_lowercase();
        l |= u64::from(low.next() == Some(c) && low.next().is_none()) << k;
    }
    alnum.store(a, Ordering::Relaxed);
    lower.store(l, Ordering::Relaxed);
}

/// `c.is_alphanumeric()`: ASCII and the ranges web text is mostly made of
/// answered at once, other chars below [`TABLE_END`] from a table. The test
/// checks every char below U+30000 against the standard library.
pub fn is_alnum(c: char) -> bool {
    match u32::from(c) {
        0..=0x7f => c.is_ascii_alphanumeric(),
        // Latin-1 letters, Cyrillic А-я; General Punctuation (quotes,
        // dashes, spaces) holds no letter or digit.
        0xc0..=0xd6 | 0xd8..=0xf6 | 0xf8..=0xff | 0x410..=0x44f => true,
        0x2000..=0x206f => false,
        0x80..TABLE_END => block(u32::from(c)).0 >> (u32::from(c) % 64) & 1 != 0,
        // CJK symbols and punctuation without the iteration marks and
        // ideographic numbers; fullwidth ASCII punctuation.
        0x3000..=0x3004 | 0x3008..=0x3020 | 0xff01..=0xff0f => false,
        // Kana, CJK ideographs, Hangul.
        0x3041..=0x3096 | 0x30a1..=0x30fa | 0x4e00..=0x9fff | 0xac00..=0xd7a3 => true,
        _ => c.is_alphanumeric(),
    }
}

/// At byte `i` of `text` (a non-ASCII char's first byte): whether the char
/// is alphanumeric, and its length in bytes.
#[inline]
fn char_at(text: &str, i: usize) -> (bool, usize) {
    text.get(i..)
        .and_then(|rest| rest.chars().next())
        .map_or((false, 1), |c| (is_alnum(c), c.len_utf8()))
}

/// One step of [`scan_words`].
enum Scan {
    /// An ASCII byte of a word, lowercased; `first`: it starts the word.
    Byte { low: u8, first: bool },
    /// The end of the word `text[start..end]`; `ascii`: all its bytes are.
    Word {
        start: usize,
        end: usize,
        ascii: bool,
    },
}

/// The loop both word scans share: the words of `text` are its maximal
/// runs of alphanumeric chars; ASCII bytes take one table load (separator,
/// or the lowercase byte), others a char decode. Inlined into each caller,
/// so the ASCII hash of [`Tokenizer::for_each_word`] stays in registers.
#[inline(always)]
fn scan_words(text: &str, mut on: impl FnMut(Scan)) {
    const NONE: usize = usize::MAX;
    // Not a value of ASCII_WORD (lowercase ASCII bytes).
    const NON_ASCII: u8 = 0x80;
    let bytes = text.as_bytes();
    let (mut start, mut ascii) = (NONE, true);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // `low`: 0 for a separator, the lowercase byte of an ASCII word
        // char, NON_ASCII for any other alphanumeric char.
        let (low, len) = match ASCII_WORD.get(usize::from(b)) {
            Some(&low) => (low, 1),
            None => match char_at(text, i) {
                (true, len) => (NON_ASCII, len),
                (false, len) => (0, len),
            },
        };
        if low != 0 {
            let first = start == NONE;
            if first {
                (start, ascii) = (i, true);
            }
            if low == NON_ASCII {
                ascii = false;
            } else {
                on(Scan::Byte { low, first });
            }
        } else if start != NONE {
            on(Scan::Word {
                start,
                end: i,
                ascii,
            });
            start = NONE;
        }
        i += len;
    }
    if start != NONE {
        on(Scan::Word {
            start,
            end: text.len(),
            ascii,
        });
    }
}

/// Appends `c.to_lowercase()` to `buf`, from a table for the (many) chars
/// below [`TABLE_END`] that are their own lowercase.
fn push_lowercase(buf: &mut String, c: char) {
    let n = u32::from(c);
    if n < TABLE_END && block(n).1 >> (n % 64) & 1 != 0 {
        buf.push(c);
    } else {
        buf.extend(c.to_lowercase());
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
        for c in w.chars() {
            push_lowercase(&mut self.buf, c);
        }
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
    /// characters. ASCII words are hashed as they are scanned (the hash
    /// before the last byte is kept for a plural `s`); others go through
    /// [`Self::word`].
    pub fn for_each_word(&mut self, text: &str, mut f: impl FnMut(u64)) {
        let (mut h, mut h_prev, mut digits) = (FNV_OFFSET, FNV_OFFSET, true);
        scan_words(text, |step| match step {
            Scan::Byte { low, first } => {
                if first {
                    (h, digits) = (FNV_OFFSET, true);
                }
                h_prev = h;
                h = (h ^ u64::from(low)).wrapping_mul(FNV_PRIME);
                digits &= low <= b'9';
            }
            // A word with a non-ASCII char is not all digits.
            Scan::Word { start, end, ascii } => self.emit(
                &text[start..end],
                (h, h_prev),
                ascii,
                digits && ascii,
                &mut f,
            ),
        });
    }

    /// Records in `shapes` the shape of every word of `text` that
    /// [`Self::word`] keeps.
    pub fn word_shapes(&mut self, text: &str, shapes: &mut WordShapes) {
        for w in text.split(|c: char| !is_alnum(c)) {
            if w.len() < 3 || w.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if w.is_ascii() {
                let b = w.as_bytes();
                let first = ASCII_WORD.get(usize::from(b[0])).copied().unwrap_or(0);
                shapes.insert(first, stem_len(b));
            } else {
                self.buf.clear();
                for c in w.chars() {
                    push_lowercase(&mut self.buf, c);
                }
                let b = self.buf.as_bytes();
                if let Some(&first) = b.first() {
                    shapes.insert(first, stem_len(b));
                }
            }
        }
    }

    /// [`Self::for_each_word`] for the words whose hash may be one of the
    /// words `shapes` was filled from: an ASCII word of another shape (first
    /// byte, length after stemming) is not hashed, which is most of them.
    /// Non-ASCII words are always hashed.
    pub fn for_each_word_like(&mut self, text: &str, shapes: &WordShapes, mut f: impl FnMut(u64)) {
        scan_words(text, |step| {
            if let Scan::Word { start, end, ascii } = step {
                self.emit_like(&text[start..end], ascii, shapes, &mut f);
            }
        });
    }

    fn emit_like(&mut self, w: &str, ascii: bool, shapes: &WordShapes, f: &mut impl FnMut(u64)) {
        if !ascii {
            if let Some(h) = self.word(w) {
                f(h);
            }
            return;
        }
        let b = w.as_bytes();
        if b.len() < 3 {
            return;
        }
        let len = stem_len(b);
        let first = ASCII_WORD.get(usize::from(b[0])).copied().unwrap_or(0);
        if !shapes.contains(first, len) || b.iter().all(u8::is_ascii_digit) {
            return;
        }
        f(fnv1a_ascii_lower(&b[..len]));
    }

    /// The end of [`Self::for_each_word`] for one word: `hashes` are the
    /// FNV-1a of the lowercased word and of all but its last byte.
    fn emit(
        &mut self,
        w: &str,
        hashes: (u64, u64),
        ascii: bool,
        digits: bool,
        f: &mut impl FnMut(u64),
    ) {
        if w.len() < 3 || digits {
            return;
        }
        if ascii {
            let stemmed = stem_len(w.as_bytes()) < w.len();
            f(if stemmed { hashes.1 } else { hashes.0 });
        } else if let Some(h) = self.word(w) {
            f(h);
        }
    }
}

/// The (first byte, length) pairs of a few normalised words (lowercase,
/// plural `s` stripped): a filter in front of hashing, see
/// [`Tokenizer::for_each_word_like`]. Lengths from 63 up share a bit.
pub struct WordShapes([u64; 128]);

impl Default for WordShapes {
    fn default() -> Self {
        Self([0; 128])
    }
}

impl WordShapes {
    fn bit(len: usize) -> u64 {
        1u64 << len.min(63)
    }

    /// Adds the shape of a normalised word: its first byte and length. A
    /// word starting with a non-ASCII byte is not recorded (no ASCII word
    /// can equal it; others are never filtered).
    fn insert(&mut self, first: u8, len: usize) {
        if let Some(m) = self.0.get_mut(usize::from(first)) {
            *m |= Self::bit(len);
        }
    }

    fn contains(&self, first: u8, len: usize) -> bool {
        self.0
            .get(usize::from(first))
            .is_some_and(|m| m & Self::bit(len) != 0)
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

    /// The shape filter drops no word whose hash is one of the source's.
    #[test]
    fn for_each_word_like_keeps_every_word_of_the_source() {
        let texts = [
            "The Islands' CLASS classes, Casinos — casino’s “Éclair” ÉCLAIRS naïve 2024 abc123",
            "Ünïcödé wörds, Straße STRASSE ΣΊΣΥΦΟΣ σίσυφος, 東京 タワー, x\u{a0}y\u{2003}zzz",
            "buy viagra online!!! no-prescription\tpharmacy... 100mg ssss ss s KELVIN \u{212a}elvin",
            "İstanbul istanbul ǅemal džemal 1000 100MG Viagras",
            "",
        ];
        let mut t = Tokenizer::default();
        for source in texts {
            let mut shapes = WordShapes::default();
            t.word_shapes(source, &mut shapes);
            let mut asked = Vec::new();
            t.for_each_word(source, |h| asked.push(h));
            for text in texts {
                let mut all = Vec::new();
                t.for_each_word(text, |h| all.push(h));
                all.retain(|h| asked.contains(h));
                let mut like = Vec::new();
                t.for_each_word_like(text, &shapes, |h| like.push(h));
                like.retain(|h| asked.contains(h));
                assert_eq!(like, all, "{source} / {text}");
            }
        }
    }

    #[test]
    fn is_alnum_is_the_standard_library_answer() {
        for c in (0u32..0x3_0000).filter_map(char::from_u32) {
            assert_eq!(is_alnum(c), c.is_alphanumeric(), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn push_lowercase_is_to_lowercase() {
        for c in (0u32..0x3_0000).filter_map(char::from_u32) {
            let mut buf = String::new();
            push_lowercase(&mut buf, c);
            assert_eq!(
                buf,
                c.to_lowercase().collect::<String>(),
                "U+{:04X}",
                u32::from(c)
            );
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
