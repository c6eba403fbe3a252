//! `gopher_repetition`: Gopher's repetition rules (Rae et al. 2021, table A1)
//! with the defaults, check order and reasons of datatrove 0.10.1's
//! `GopherRepetitionFilter`.
//!
//! Reasons, in check order: `empty`, `dup_para_frac`, `dup_para_char_frac`,
//! `dup_line_frac`, `dup_line_char_frac`, `top_{n}_gram`,
//! `duplicated_{n}_n_grams`. Fractions of characters are relative to the
//! code-point length of the whole text.

use serde::{Deserialize, Serialize};
use sift_core::{Document, Reason, Stage, Verdict};
use sift_text::pystr;

use crate::common::{dup_count, with_doc_words};
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
            para_dups = dup_count(paras(), n_paras);
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
            let (dups, chars) = dup_count(lines(), n_lines);
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
        with_doc_words(doc, |_, words| {
            with_ngrams(words, |g| {
                for (&(n, frac), reason) in c.top_n_grams.iter().zip(&self.top_reasons) {
                    let below = |bound: usize| bound as f64 / total <= frac;
                    if words.len() < n
                        || below(g.top_ngram_bound(n))
                        || below(g.exact_top_ngram_bound(n))
                    {
                        continue;
                    }
                    if g.top_ngram_chars(n) as f64 / total > frac {
                        return Verdict::Drop(reason.clone());
                    }
                }
                for (&(n, frac), reason) in c.dup_n_grams.iter().zip(&self.dup_reasons) {
                    if g.repeated_ngram_chars(n) as f64 / total > frac {
                        return Verdict::Drop(reason.clone());
                    }
                }
                Verdict::Keep
            })
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
#[cfg(test)]
fn top_ngram_chars(words: &[&str], n: usize) -> usize {
    with_ngrams(words, |g| g.top_ngram_chars(n))
}

/// datatrove's `find_all_duplicate`: characters in repeated n-grams, where an
/// n-gram is its tokens concatenated **without** a separator; after a repeat
/// the scan jumps `n` tokens ahead without recording the skipped n-grams.
#[cfg(test)]
fn repeated_ngram_chars(words: &[&str], n: usize) -> usize {
    with_ngrams(words, |g| g.repeated_ngram_chars(n))
}

thread_local! {
    static NGRAMS: std::cell::RefCell<NgramScratch> = std::cell::RefCell::new(NgramScratch::default());
}

/// Run `f` on the n-gram index of `words`, with per-thread buffers.
fn with_ngrams<R>(words: &[&str], f: impl FnOnce(&mut Ngrams<'_, '_>) -> R) -> R {
    NGRAMS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let r = f(&mut Ngrams::new(words, &mut scratch));
            scratch.shrink();
            r
        }
        // Re-entrancy cannot happen; stay correct anyway.
        Err(_) => f(&mut Ngrams::new(words, &mut NgramScratch::default())),
    })
}

/// Reusable buffers of [`Ngrams`].
#[derive(Default)]
struct NgramScratch {
    ids: Vec<u32>,
    cat: Vec<u8>,
    byte_off: Vec<usize>,
    byte_hash: Vec<u64>,
    id_hash: Vec<u64>,
    pow: Vec<u64>,
    /// Per word: the n from which every n-gram starting there is unique
    /// (see [`Ngrams::lone_starts`]).
    lone: Vec<u8>,
    /// Per word: the word-id n-gram (n = `Ngrams::rare_n`) starting there
    /// occurs once (see [`Ngrams::top_ngram_chars`]).
    rare: Vec<bool>,
    /// Per word id: occurrences, and the word's length in chars.
    id_count: Vec<u32>,
    id_chars: Vec<u32>,
    /// Per hash bucket of words: occurrences, and bytes in them (see
    /// [`Ngrams::top_ngram_bound`]); all zero between documents.
    buckets: Vec<(u32, u32)>,
    /// The bucket of each word.
    bucket_of: Vec<u32>,
    /// Working space of [`Ngrams::lone_starts`].
    lone_work: LoneWork,
    table: Table,
}

/// Working space of [`Ngrams::lone_starts`].
#[derive(Default)]
struct LoneWork {
    /// Bucket of each start's key, and starts per bucket (saturating).
    bucket: Vec<u32>,
    counts: Vec<u8>,
    /// Starts whose key may be shared, with their slot in the exact table.
    pending: Vec<(u32, u32)>,
}

impl NgramScratch {
    fn shrink(&mut self) {
        const KEEP: usize = 1 << 16;
        if self.cat.capacity() > 16 * KEEP || self.table.slots.capacity() > 16 * KEEP {
            *self = NgramScratch::default();
        }
    }
}

/// One slot of [`Table`]: `key` is a hash with the top bit set (0: empty);
/// `first` is the position of the key's first occurrence, `count` a counter
/// or an id.
#[derive(Clone, Copy, Default)]
struct Slot {
    key: u64,
    first: u32,
    count: u32,
}

/// Open-addressing hash table (linear probing, load at most 1/2) that is
/// emptied in time proportional to the slots used, not to its size.
#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    used: Vec<u32>,
    mask: usize,
}

impl Table {
    /// Empty the table and make room for `n` keys.
    fn reset(&mut self, n: usize) {
        let cap = (2 * n + 2).next_power_of_two();
        if self.slots.len() < cap {
            self.slots.clear();
            self.slots.resize(cap, Slot::default());
        } else {
            for &u in &self.used {
                self.slots[u as usize].key = 0;
            }
        }
        self.used.clear();
        // Probe only the first `cap` slots: a table grown for a long document
        // would make every probe of a short one a cache miss.
        self.mask = cap - 1;
    }

    /// The slot holding `h` for which `same(first)` is true, or the empty slot
    /// where it goes (`Err`).
    #[inline]
    fn find(&self, h: u64, mut same: impl FnMut(usize) -> bool) -> Result<usize, usize> {
        let key = h | 1 << 63;
        let mut slot = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & self.mask;
        loop {
            let s = self.slots[slot];
            if s.key == 0 {
                return Err(slot);
            }
            if s.key == key && same(s.first as usize) {
                return Ok(slot);
            }
            slot = (slot + 1) & self.mask;
        }
    }

    #[inline]
    fn insert(&mut self, slot: usize, h: u64, first: usize, count: u32) {
        self.slots[slot] = Slot {
            key: h | 1 << 63,
            first: first as u32,
            count,
        };
        self.used.push(slot as u32);
    }
}

/// Base of the polynomial hashes (odd; arithmetic is modulo 2^64). Inputs
/// that make such hashes collide only cost extra comparisons: equality is
/// always decided on the words or bytes themselves.
const BASE: u64 = 0x1f2e_3d4c_5b6a_7989;

#[inline]
fn mul_mod(a: u64, b: u64) -> u64 {
    a.wrapping_mul(b)
}

#[inline]
fn sub_mod(a: u64, b: u64) -> u64 {
    a.wrapping_sub(b)
}

/// `BASE_POW[t]`: `BASE^t`, what a hash is multiplied by before `t` more
/// bytes are added.
const BASE_POW: [u64; 9] = {
    let mut p = [1u64; 9];
    let mut t = 1;
    while t <= 8 {
        p[t] = p[t - 1].wrapping_mul(BASE);
        t += 1;
    }
    p
};

/// `POLY_WEIGHTS[t][k]`: the weight `BASE^(t-1-k)` of byte `k` in the
/// polynomial hash of a `t`-byte piece (0 for `k >= t`); `POLY_ONES[t]`: the
/// sum of those weights (every byte counts as its value plus one).
const POLY_WEIGHTS: [[u64; 8]; 9] = {
    let mut w = [[0u64; 8]; 9];
    let mut t = 1;
    while t <= 8 {
        let mut k = 0;
        while k < t {
            w[t][k] = BASE_POW[t - 1 - k];
            k += 1;
        }
        t += 1;
    }
    w
};
const POLY_ONES: [u64; 9] = {
    let mut s = [0u64; 9];
    let mut t = 0;
    while t <= 8 {
        let mut k = 0;
        while k < 8 {
            s[t] = s[t].wrapping_add(POLY_WEIGHTS[t][k]);
            k += 1;
        }
        t += 1;
    }
    s
};

/// Append `bytes` to `cat` and return their polynomial hash
/// `sum((b_k + 1) * BASE^(len-1-k))`, 8 bytes per step: the weighted bytes of
/// a step are independent products, where Horner's rule byte by byte waits
/// for one multiply per byte; and 8-byte stores instead of a `memcpy` call per
/// word.
#[inline]
fn push_hashed(cat: &mut Vec<u8>, bytes: &[u8]) -> u64 {
    let mut h = 0u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let x = sift_core::swar::load_partial(c);
        cat.extend_from_slice(&x.to_le_bytes());
        h = mul_mod(h, BASE_POW[8]).wrapping_add(poly_piece(x, 8));
    }
    let tail = chunks.remainder();
    if tail.is_empty() {
        return h;
    }
    let (t, x) = (tail.len(), sift_core::swar::load_partial(tail));
    let len = cat.len();
    cat.extend_from_slice(&x.to_le_bytes());
    cat.truncate(len + t);
    mul_mod(h, BASE_POW[t]).wrapping_add(poly_piece(x, t))
}

/// The hash of [`push_hashed`] of a piece of `t <= 8` bytes, loaded into `x`
/// (zero-padded).
#[inline]
fn poly_piece(x: u64, t: usize) -> u64 {
    let w = &POLY_WEIGHTS[t];
    let mut s = POLY_ONES[t];
    for (k, &wk) in w.iter().enumerate() {
        s = s.wrapping_add(((x >> (8 * k)) & 0xff).wrapping_mul(wk));
    }
    s
}

/// The words of a document indexed for n-gram counting: every n-gram's hash
/// comes in O(1) from prefix hashes, so no n-gram is hashed byte by byte.
///
/// Hashes only find candidates; n-grams are equal only after comparing their
/// words (top n-grams) or bytes (repeated n-grams), so results are exact.
struct Ngrams<'w, 's> {
    words: &'w [&'w str],
    /// The largest bytes in and occurrences of a bucket of words (see
    /// [`Ngrams::top_ngram_bound`]).
    bucket_most_bytes: usize,
    bucket_most: usize,
    /// Word id per word (equal ids for equal words), occurrences and chars
    /// per id; empty until [`Ngrams::intern`].
    ids: &'s mut Vec<u32>,
    id_count: &'s mut Vec<u32>,
    id_chars: &'s mut Vec<u32>,
    /// The words' bytes, concatenated.
    cat: &'s [u8],
    /// Start of word `i` in `cat` (and `cat.len()` at the end).
    byte_off: &'s [usize],
    /// Prefix hash of `cat` at each word boundary.
    byte_hash: &'s [u64],
    /// Prefix hash of the id sequence; empty until
    /// [`Ngrams::top_ngram_chars`] needs it (most documents never do).
    id_hash: &'s mut Vec<u64>,
    /// `BASE^k` for `k` up to `cat.len()`.
    pow: &'s [u64],
    /// See [`Ngrams::lone_starts`]; empty until computed.
    lone: &'s mut Vec<u8>,
    lone_work: &'s mut LoneWork,
    /// See [`NgramScratch::rare`]; `rare_n` is 0 until computed.
    rare: &'s mut Vec<bool>,
    rare_n: usize,
    table: &'s mut Table,
}

/// Length of the shortest byte keys of [`Ngrams::lone_starts`].
const LONE_KEY: usize = 16;

/// Length of the longest byte keys of [`Ngrams::lone_starts`] (keeps
/// `lone` below [`NEVER_LONE`]: a word has at least one byte).
const MAX_LONE_KEY: usize = 128;

/// [`NgramScratch::lone`] of a word whose n-grams may all repeat.
const NEVER_LONE: u8 = u8::MAX;

/// How many words ahead `Ngrams::new` prefetches bucket counts.
const PREFETCH_AHEAD: usize = 16;

/// Multiplier of the non-polynomial hashes (odd, bits well spread).
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// The 8 bytes of `b` from `i` (there must be 8; 0 otherwise).
#[inline]
fn load8(b: &[u8], i: usize) -> u64 {
    sift_core::swar::load(b, i).unwrap_or(0)
}

/// Hash of a byte key whose length is a multiple of 8.
#[inline]
fn key_hash(key: &[u8]) -> u64 {
    let mut h = 0u64;
    for i in (0..key.len()).step_by(8) {
        h = (h.rotate_left(29) ^ load8(key, i)).wrapping_mul(MIX);
    }
    h
}

impl<'w, 's> Ngrams<'w, 's> {
    fn new(words: &'w [&'w str], s: &'s mut NgramScratch) -> Self {
        let n = words.len();
        let total: usize = words.iter().map(|w| w.len()).sum();
        s.cat.clear();
        // Room for the 8-byte stores of `push_hashed`.
        s.cat.reserve(total + 8);
        s.byte_off.clear();
        s.byte_off.reserve(n + 1);
        s.byte_hash.clear();
        s.byte_hash.reserve(n + 1);
        s.ids.clear();
        s.id_hash.clear();
        s.lone.clear();
        s.id_count.clear();
        s.id_chars.clear();
        let need = total.max(n) + 1;
        if s.pow.len() < need {
            if s.pow.is_empty() {
                s.pow.push(1);
            }
            let mut p = *s.pow.last().unwrap_or(&1);
            while s.pow.len() < need {
                p = mul_mod(p, BASE);
                s.pow.push(p);
            }
        }
        // Words are counted per bucket of their hash; ids (exact counts) wait
        // until needed. The buckets used are cleared below (cheaper than a
        // memset of the whole table).
        let bits = (2 * n).next_power_of_two().trailing_zeros().max(1);
        let bucket = |wh: u64| (wh.wrapping_mul(MIX) >> (64 - bits)) as usize;
        if s.buckets.len() < 1 << bits {
            s.buckets.resize(1 << bits, (0, 0));
        }
        let buckets = &mut s.buckets[..];
        let mut h = 0u64;
        s.byte_off.push(0);
        s.byte_hash.push(0);
        s.bucket_of.clear();
        // A plain loop over locals: closures capturing them compile to
        // loads and stores through pointers.
        for w in words {
            let bytes = w.as_bytes();
            // Each byte is copied and hashed once, into the word's own hash;
            // the prefix hash follows from it: H(ab) = H(a) * BASE^|b| + H(b).
            let wh = push_hashed(&mut s.cat, bytes);
            h = mul_mod(h, s.pow[bytes.len()]).wrapping_add(wh);
            s.byte_off.push(s.cat.len());
            s.byte_hash.push(h);
            s.bucket_of.push(bucket(wh) as u32);
        }
        // The buckets are counted in a loop of their own: the bucket table
        // was last used by the previous document (other stages ran since),
        // so its reads miss the cache; here they are prefetched a few words
        // ahead.
        let (mut most, mut most_bytes) = (0u32, 0u32);
        for (i, o) in s.byte_off.windows(2).enumerate() {
            if let Some(&b) = s.bucket_of.get(i + PREFETCH_AHEAD) {
                sift_core::prefetch::prefetch(&buckets[b as usize]);
            }
            let (count, sum) = &mut buckets[s.bucket_of[i] as usize];
            // u32 wraps only in a document of 4 Gi words or bytes (below).
            *count = count.wrapping_add(1);
            *sum = sum.wrapping_add((o[1] - o[0]) as u32);
            most = most.max(*count);
            most_bytes = most_bytes.max(*sum);
        }
        for &b in &s.bucket_of {
            buckets[b as usize] = (0, 0);
        }
        // A bucket holds at most all words and bytes: the bounds of a
        // document too large for u32 counters.
        let (most, most_bytes) = if n > u32::MAX as usize || total > u32::MAX as usize {
            (n, total)
        } else {
            (most as usize, most_bytes as usize)
        };
        Ngrams {
            words,
            bucket_most_bytes: most_bytes,
            bucket_most: most,
            ids: &mut s.ids,
            id_count: &mut s.id_count,
            id_chars: &mut s.id_chars,
            cat: &s.cat,
            byte_off: &s.byte_off,
            byte_hash: &s.byte_hash,
            id_hash: &mut s.id_hash,
            pow: &s.pow,
            lone: &mut s.lone,
            lone_work: &mut s.lone_work,
            rare: &mut s.rare,
            rare_n: 0,
            table: &mut s.table,
        }
    }

    /// Chars in words `i..i + n` (UTF-8 continuation bytes do not count).
    fn chars(&self, i: usize, n: usize) -> usize {
        let bytes = &self.cat[self.byte_off[i]..self.byte_off[i + n]];
        bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
    }

    /// Fill `ids`, `id_count` and `id_chars` (once), interning the words in
    /// the table (`count` holds the id).
    fn intern(&mut self) {
        let words = self.words;
        if self.ids.len() == words.len() {
            return;
        }
        self.ids.clear();
        self.id_count.clear();
        self.id_chars.clear();
        self.table.reset(words.len());
        for (i, w) in words.iter().enumerate() {
            // The word's own polynomial hash, from the prefix hashes.
            let wh = self.byte_key(i, 1);
            let id = match self.table.find(wh, |f| words[f] == *w) {
                Ok(slot) => {
                    let id = self.table.slots[slot].count;
                    self.id_count[id as usize] += 1;
                    id
                }
                Err(slot) => {
                    let id = self.id_count.len() as u32;
                    self.table.insert(slot, wh, i, id);
                    self.id_count.push(1);
                    let chars = if w.is_ascii() { w.len() } else { pystr::len(w) };
                    self.id_chars.push(chars as u32);
                    id
                }
            };
            self.ids.push(id);
        }
    }

    /// Fill `lone` so that every n-gram at word `i` with `n >= lone[i]`
    /// equals no n-gram at another word ([`NEVER_LONE`]: no such n known);
    /// [`Ngrams::repeated_ngram_chars`] passes those without a table lookup
    /// or insert.
    ///
    /// Why: call the `k` bytes of `cat` from the start of word `i` its
    /// `k`-byte key (if there are that many). If no other word start has the
    /// same key, an n-gram at `i` spanning at least `k` bytes equals no other
    /// n-gram: equal n-grams have equal bytes, hence equal first `k` bytes.
    /// `lone[i]` is then the number of words needed to span `k` bytes.
    ///
    /// Keys of `LONE_KEY` bytes are counted per hash bucket first: a start
    /// alone in its bucket has a unique key. The other starts are settled by
    /// an exact table, and those whose key really is shared are tried again
    /// with keys twice as long, up to `MAX_LONE_KEY` bytes. Only shared keys
    /// need the longer try: two starts sharing a `2k`-byte key share their
    /// `k`-byte key.
    fn lone_starts(&mut self) {
        let len = self.words.len();
        let (cat, off) = (self.cat, self.byte_off);
        let w = &mut *self.lone_work;
        // The starts with a key: a prefix of the words, as offsets grow.
        let full = off[..len].partition_point(|&o| o + LONE_KEY <= cat.len());
        // A bucket count of 1 is exact; collisions only cost the exact pass.
        // The counts are all zero between calls (cleared below).
        let bits = (16 * full).next_power_of_two().trailing_zeros().max(1);
        if w.counts.len() < 1 << bits {
            w.counts.resize(1 << bits, 0);
        }
        let counts = &mut w.counts[..];
        w.bucket.clear();
        for &o in &off[..full] {
            let (x, y) = (load8(cat, o), load8(cat, o + 8));
            let h = (x.wrapping_mul(MIX).rotate_left(29) ^ y).wrapping_mul(MIX);
            let b = (h >> (64 - bits)) as usize;
            counts[b] = counts[b].saturating_add(1);
            w.bucket.push(b as u32);
        }
        w.pending.clear();
        self.lone.clear();
        // The first word boundary at least LONE_KEY bytes after start i
        // (it exists as i < full, and it only moves forward).
        let mut end = 0;
        for (i, &b) in w.bucket.iter().enumerate() {
            // `end` moves by one word per start on average, but by 0, 1 or 2
            // unpredictably: a loop exit mispredicted per word cost more than
            // these two steps without branches (the loop catches the rest).
            let target = off[i] + LONE_KEY;
            end += usize::from(off[end] < target);
            end += usize::from(off[end] < target);
            while off[end] < target {
                end += 1;
            }
            if counts[b as usize] == 1 {
                self.lone.push((end - i).min(usize::from(NEVER_LONE)) as u8);
            } else {
                w.pending.push((i as u32, 0));
                self.lone.push(NEVER_LONE);
            }
        }
        self.lone.resize(len, NEVER_LONE);
        for &b in &w.bucket {
            counts[b as usize] = 0;
        }
        let lone = &mut self.lone[..];
        let mut k = LONE_KEY;
        while !w.pending.is_empty() && k <= MAX_LONE_KEY {
            w.pending.retain(|&(i, _)| off[i as usize] + k <= cat.len());
            self.table.reset(w.pending.len());
            for p in w.pending.iter_mut() {
                let o = off[p.0 as usize];
                let key = &cat[o..o + k];
                let h = key_hash(key);
                let slot = match self.table.find(h, |f| cat[off[f]..off[f] + k] == *key) {
                    Ok(slot) => {
                        self.table.slots[slot].count += 1;
                        slot
                    }
                    Err(slot) => {
                        self.table.insert(slot, h, p.0 as usize, 1);
                        slot
                    }
                };
                p.1 = slot as u32;
            }
            let slots = &self.table.slots;
            w.pending.retain(|&(i, slot)| {
                if slots[slot as usize].count > 1 {
                    return true;
                }
                let i = i as usize;
                let mut end = i + 1;
                while off[end] < off[i] + k {
                    end += 1;
                }
                lone[i] = (end - i).min(usize::from(NEVER_LONE)) as u8;
                false
            });
            k *= 2;
        }
    }

    /// The first word from `i` on whose n-gram may repeat (`lone[j] > n`),
    /// or the number of words; looks at 8 words at a time.
    #[inline]
    fn next_unsure(&self, mut i: usize, n: usize) -> usize {
        let lone = &self.lone[..];
        if n < 0x7f {
            while let Some(x) = sift_core::swar::load(lone, i) {
                let above = sift_core::swar::any_above(x, n as u8);
                if above != 0 {
                    return i + (above.trailing_zeros() / 8) as usize;
                }
                i += 8;
            }
        }
        while i < lone.len() && lone[i] != NEVER_LONE && usize::from(lone[i]) <= n {
            i += 1;
        }
        i
    }

    /// Hash of the word-id sequence `i..i + n`.
    #[inline]
    fn id_key(&self, i: usize, n: usize) -> u64 {
        sub_mod(self.id_hash[i + n], mul_mod(self.id_hash[i], self.pow[n]))
    }

    /// Hash of the concatenated bytes of words `i..i + n`.
    #[inline]
    fn byte_key(&self, i: usize, n: usize) -> u64 {
        let len = self.byte_off[i + n] - self.byte_off[i];
        sub_mod(
            self.byte_hash[i + n],
            mul_mod(self.byte_hash[i], self.pow[len]),
        )
    }

    /// An upper bound on [`Ngrams::top_ngram_chars`] from word counts alone.
    /// The top n-gram `w1..wn` occurs at most as often as each of its words,
    /// so `count * (chars(w1) + .. + chars(wn) + n - 1)` is at most
    /// `n * max(count(w) * chars(w)) + (n - 1) * max(count(w))`. In ordinary
    /// prose that is far below the thresholds, and the n-gram count is skipped.
    ///
    /// This version needs no word ids: a bucket of words (by hash) holds all
    /// occurrences of each of its words, and a char is at least a byte, so
    /// `count(w) * chars(w)` is at most the bytes in `w`'s bucket and
    /// `count(w)` at most the bucket's count.
    fn top_ngram_bound(&self, n: usize) -> usize {
        n * self.bucket_most_bytes + n.saturating_sub(1) * self.bucket_most
    }

    /// [`Ngrams::top_ngram_bound`] from exact word counts (interns the words).
    fn exact_top_ngram_bound(&mut self, n: usize) -> usize {
        self.intern();
        let (mut most_chars, mut most) = (0usize, 0usize);
        for (&count, &chars) in self.id_count.iter().zip(self.id_chars.iter()) {
            most_chars = most_chars.max(count as usize * chars as usize);
            most = most.max(count as usize);
        }
        n * most_chars + n.saturating_sub(1) * most
    }

    /// See the free function of the same name.
    fn top_ngram_chars(&mut self, n: usize) -> usize {
        let len = self.words.len();
        if len < n {
            return 0;
        }
        self.intern();
        if self.id_hash.len() != len + 1 {
            let mut g = 0u64;
            self.id_hash.clear();
            self.id_hash.push(g);
            self.id_hash.extend(self.ids.iter().map(|&id| {
                g = mul_mod(g, BASE).wrapping_add(u64::from(id) + 1);
                g
            }));
        }
        let windows = len - n + 1;
        self.table.reset(windows);
        // The top count, and the earliest first occurrence among the n-grams
        // that have it (`Counter.most_common(1)`): the first n-gram while
        // every count is 1.
        let (mut best, mut best_first) = (1u32, 0usize);
        let ids = &self.ids[..];
        // An n-gram that starts with an m-gram occurring once (m <= n)
        // occurs once: it can only be the top n-gram when all are, and then
        // the first one is.
        let skip_rare = self.rare_n != 0 && self.rare_n <= n;
        for i in 0..windows {
            if skip_rare && self.rare[i] {
                continue;
            }
            let h = self.id_key(i, n);
            let cur = &ids[i..i + n];
            match self.table.find(h, |f| ids[f..f + n] == *cur) {
                Ok(slot) => {
                    let s = &mut self.table.slots[slot];
                    s.count += 1;
                    let (c, f) = (s.count, s.first as usize);
                    if c > best || (c == best && f < best_first) {
                        (best, best_first) = (c, f);
                    }
                }
                Err(slot) => self.table.insert(slot, h, i, 1),
            }
        }
        if self.rare_n == 0 {
            self.rare.clear();
            self.rare.resize(windows, false);
            for &u in &self.table.used {
                let s = self.table.slots[u as usize];
                if s.count == 1 {
                    self.rare[s.first as usize] = true;
                }
            }
            self.rare_n = n;
        }
        (self.chars(best_first, n) + n - 1) * best as usize
    }

    /// See the free function of the same name.
    fn repeated_ngram_chars(&mut self, n: usize) -> usize {
        let len = self.words.len();
        if len < n {
            return 0;
        }
        if self.lone.len() != len {
            self.lone_starts();
        }
        self.table.reset(len - n + 1);
        let (cat, off) = (self.cat, self.byte_off);
        let mut repeated = 0usize;
        let mut i = 0usize;
        loop {
            // Skip n-grams equal to no other n-gram: not repeats, and no
            // later n-gram can repeat them.
            i = self.next_unsure(i, n);
            if i + n > len {
                break;
            }
            let h = self.byte_key(i, n);
            let cur = &cat[off[i]..off[i + n]];
            let same =
                |f: usize| off[f + n] - off[f] == cur.len() && cat[off[f]..off[f + n]] == *cur;
            match self.table.find(h, same) {
                Ok(_) => {
                    repeated += self.chars(i, n);
                    i += n;
                }
                Err(slot) => {
                    self.table.insert(slot, h, i, 0);
                    i += 1;
                }
            }
        }
        repeated
    }
}

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

    /// The straightforward definitions (datatrove's code, transcribed).
    fn naive_top(words: &[&str], n: usize) -> usize {
        let grams: Vec<String> = words.windows(n).map(|w| w.join(" ")).collect();
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for g in &grams {
            match counts.iter_mut().find(|(k, _)| k == g) {
                Some(e) => e.1 += 1,
                None => counts.push((g, 1)),
            }
        }
        let best = counts.iter().map(|e| e.1).max().unwrap_or(0);
        (counts.iter().find(|e| e.1 == best)).map_or(0, |(k, c)| k.chars().count() * c)
    }

    fn naive_dup(words: &[&str], n: usize) -> usize {
        let mut seen = std::collections::HashSet::new();
        let (mut i, mut rep) = (0, 0);
        while i + n <= words.len() {
            let g: String = words[i..i + n].concat();
            if seen.contains(&g) {
                rep += g.chars().count();
                i += n;
            } else {
                seen.insert(g);
                i += 1;
            }
        }
        rep
    }

    #[test]
    fn push_hashed_copies_and_hashes_by_horners_rule() {
        let text = "The quick brown fox, été déjà vu; 0123456789abcdefghijklmnopqrstuvwxyz";
        for start in 0..8 {
            for end in start..text.len() {
                let bytes = &text.as_bytes()[start..end];
                let horner = bytes.iter().fold(0u64, |h, &b| {
                    mul_mod(h, BASE).wrapping_add(u64::from(b) + 1)
                });
                let mut cat = b"x".to_vec();
                assert_eq!(push_hashed(&mut cat, bytes), horner, "{bytes:?}");
                assert_eq!(cat[1..], *bytes);
            }
        }
    }

    #[test]
    fn ngram_index_matches_the_definitions() {
        // Short words (many repeats), and long ones (16-byte keys that
        // occur once, see `lone_starts`).
        let short = ["a", "b", "ab", "ba", "é", "aé", "x", "xx"];
        let long = [
            "alpha",
            "beta",
            "alphabeta",
            "betaalpha",
            "gamma",
            "été",
            "a",
            "deltaepsilon",
        ];
        let mut state = 0x1234_5678_u64;
        for round in 0..800 {
            let vocab = if round % 2 == 0 { &short } else { &long };
            let len = round % 40;
            let words: Vec<&str> = (0..len)
                .map(|_| {
                    crate::common::lcg_step(&mut state);
                    vocab[(state >> 33) as usize % (2 + round % (vocab.len() - 1))]
                })
                .collect();
            // One index for all n, as the stage uses it (later passes reuse
            // what earlier ones learnt).
            with_ngrams(&words, |g| {
                for n in 1..=10 {
                    assert_eq!(g.top_ngram_chars(n), naive_top(&words, n), "{words:?} {n}");
                    assert!(
                        g.top_ngram_bound(n) >= g.exact_top_ngram_bound(n),
                        "{words:?} {n}"
                    );
                    assert!(
                        g.exact_top_ngram_bound(n) >= naive_top(&words, n),
                        "{words:?} {n}"
                    );
                }
                for n in 1..=10 {
                    assert_eq!(g.repeated_ngram_chars(n), naive_dup(&words, n));
                }
            });
            for n in 1..=10 {
                assert_eq!(
                    top_ngram_chars(&words, n),
                    naive_top(&words, n),
                    "{words:?} {n}"
                );
                assert_eq!(
                    repeated_ngram_chars(&words, n),
                    naive_dup(&words, n),
                    "{words:?} {n}"
                );
            }
        }
        // Long shared keys (the 32..128-byte retries of `lone_starts`):
        // phrases copied with small edits, concatenation ambiguity
        // ("ab c" = "a bc") and non-ASCII words.
        let vocab = [
            "ab",
            "c",
            "a",
            "bc",
            "é",
            "aé",
            "ééé",
            "x",
            "longwordnumberone",
            "longwordnumbertwo",
        ];
        for round in 0..400 {
            let phrase: Vec<&str> = (0..5 + round % 30)
                .map(|_| {
                    crate::common::lcg_step(&mut state);
                    vocab[(state >> 33) as usize % vocab.len()]
                })
                .collect();
            let mut words = Vec::new();
            for copy in 0..1 + round % 4 {
                words.extend_from_slice(&phrase);
                crate::common::lcg_step(&mut state);
                let at = (state >> 33) as usize % words.len();
                words[at] = vocab[(copy + round) % vocab.len()];
            }
            with_ngrams(&words, |g| {
                for n in 1..=12 {
                    assert_eq!(
                        g.repeated_ngram_chars(n),
                        naive_dup(&words, n),
                        "{words:?} {n}"
                    );
                }
            });
        }
        // n beyond the 8-at-a-time skip (n >= 127), on a text repeated once.
        let half: Vec<&str> = (0..300)
            .map(|i| long[(i * 7 + i / 5) % long.len()])
            .collect();
        let words: Vec<&str> = half.iter().chain(&half).copied().collect();
        for n in [126, 127, 200, 255, 256, 300] {
            assert_eq!(repeated_ngram_chars(&words, n), naive_dup(&words, n), "{n}");
        }
    }
}
