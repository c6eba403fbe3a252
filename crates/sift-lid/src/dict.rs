//! The dictionary at inference: word lookup, character n-gram ids and word
//! n-gram ids, exactly as C++ fastText 0.9.2's `Dictionary` computes them
//! for `getLine(in, words, labels)` (the supervised path of `predictLine`).
//!
//! - Tokens are split on ASCII ' ', '\n', '\r', '\t', '\v', '\f' and NUL only
//!   (`readWord`): U+00A0 and other Unicode spaces stay inside tokens. The
//!   line ends at the first '\n' (the caller's text is one line; Python's
//!   `predict` appends the '\n'), which is the end-of-sentence token `</s>`;
//!   a literal `</s>` token also ends the line.
//! - Hash: 32-bit FNV-1a over the bytes taken as *signed* chars
//!   (`h ^= uint32_t(int8_t(c))`), as all released models were trained.
//! - Character n-grams of `<` + word + `>`: n counts UTF-8 characters
//!   (continuation bytes never start an n-gram), minn ≤ n ≤ maxn, the lone
//!   `<` and `>` excluded; bucket = hash % bucket, then the prune index.
//! - Word n-grams (wordNgrams > 1): over the token hashes kept as `int32_t`
//!   and sign-extended to `uint64_t`, `h = h * 116049371 + hash`.
//!
//! Ids are pushed through a callback in C++'s order, so the caller can sum
//! input rows without building the id list.

use crate::format::{Args, RawDict, Result};

/// The end-of-sentence token.
pub(crate) const EOS: &[u8] = b"</s>";
/// Label prefix (`args.label`, not stored in model files).
const LABEL_PREFIX: &[u8] = b"__label__";

/// fastText's string hash: FNV-1a over signed chars.
#[inline]
pub(crate) fn fnv(bytes: &[u8]) -> u32 {
    let mut h: u32 = 2_166_136_261;
    for &b in bytes {
        h = fnv_step(h, b);
    }
    h
}

#[inline(always)]
fn fnv_step(h: u32, b: u8) -> u32 {
    // uint32_t(int8_t(c)): sign extension of bytes >= 0x80.
    (h ^ (b as i8 as i32 as u32)).wrapping_mul(16_777_619)
}

#[inline(always)]
fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c | 0)
}

#[inline(always)]
fn mix(h: u32) -> u32 {
    h.wrapping_mul(0x9E37_79B1)
}

/// Kept n-gram buckets of a pruned model: a bitmap over the buckets with a
/// running rank per 448 buckets, one cache line per lookup. A kept bucket's
/// row is `nwords + rank`: the model reorders the pruned rows by bucket
/// ([`Dict::row_order`]) so that the prune index (`pruneidx_`) needs no
/// table of its own.
#[derive(Debug, Clone)]
struct RankBitmap {
    blocks: Vec<Block>,
}

/// 7 × 64 bucket bits and the number of kept buckets before them.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Block {
    rank: u64,
    bits: [u64; 7],
}

const BLOCK_BITS: u32 = 448;

impl RankBitmap {
    /// `sorted`: distinct kept buckets, ascending.
    fn new(sorted: &[u32], bucket: u32) -> Self {
        let mut blocks = vec![Block::default(); (bucket / BLOCK_BITS) as usize + 1];
        for &b in sorted {
            let blk = &mut blocks[(b / BLOCK_BITS) as usize];
            let off = b % BLOCK_BITS;
            blk.bits[(off / 64) as usize] |= 1 << (off % 64);
        }
        let mut rank = 0u64;
        for blk in &mut blocks {
            blk.rank = rank;
            rank += blk
                .bits
                .iter()
                .map(|w| u64::from(w.count_ones()))
                .sum::<u64>();
        }
        Self { blocks }
    }

    #[inline(always)]
    fn rank(&self, b: u32) -> Option<u32> {
        let blk = &self.blocks[(b / BLOCK_BITS) as usize];
        let off = b % BLOCK_BITS;
        let w = (off / 64) as usize;
        let word = blk.bits[w];
        let bit = off % 64;
        if (word >> bit) & 1 == 0 {
            return None;
        }
        let mut r = blk.rank as u32;
        for &x in &blk.bits[..w] {
            r += x.count_ones();
        }
        Some(r + (word & ((1u64 << bit) - 1)).count_ones())
    }
}

/// Where an n-gram bucket's input row is.
#[derive(Debug, Clone)]
enum Buckets {
    /// `pruneidx_size_ == -1`: row `nwords + bucket`.
    Identity,
    /// `pruneidx_size_ == 0`: no n-gram is kept.
    None,
    /// `pruneidx_size_ > 0`: kept buckets only, rows reordered by bucket.
    Pruned(RankBitmap),
}

impl Buckets {
    #[inline(always)]
    fn row(&self, nwords: u32, bucket: u32) -> Option<u32> {
        match self {
            Self::Identity => Some(nwords + bucket),
            Self::None => None,
            Self::Pruned(bitmap) => bitmap.rank(bucket).map(|r| nwords + r),
        }
    }
}

/// `a % d` for a fixed `d` without a division (Lemire's fastmod; exact for
/// every 32-bit `a`).
#[derive(Debug, Clone, Copy)]
struct FastMod {
    m: u64,
    d: u32,
}

impl FastMod {
    fn new(d: u32) -> Self {
        let d = d.max(1);
        Self {
            m: (u64::MAX / u64::from(d)).wrapping_add(1),
            d,
        }
    }

    #[inline(always)]
    fn rem(self, a: u32) -> u32 {
        let low = self.m.wrapping_mul(u64::from(a));
        ((u128::from(low) * u128::from(self.d)) >> 64) as u32
    }
}

/// Dictionary prepared for inference.
#[derive(Debug, Clone)]
pub(crate) struct Dict {
    nwords: u32,
    minn: usize,
    maxn: usize,
    use_subwords: bool,
    word_ngrams: usize,
    bucket: u32,
    fastmod: FastMod,
    buckets: Buckets,
    /// For a pruned model: the original input row of each row, words first
    /// then the kept buckets in bucket order.
    row_order: Option<Vec<u32>>,
    /// All entry words, concatenated; entry `i` is `words[word_off[i]..word_off[i + 1]]`.
    words: Vec<u8>,
    word_off: Vec<usize>,
    is_label: Vec<bool>,
    /// Word lookup: `(hash, entry + 1)`; 0 = empty slot.
    table: Vec<(u32, u32)>,
    table_shift: u32,
    /// Input rows of each word entry (`subwords`: the word, then its
    /// character n-grams); entry `i` is `sub[sub_off[i]..sub_off[i + 1]]`.
    sub: Vec<u32>,
    sub_off: Vec<usize>,
    /// Identifies this dictionary's [`OovCache`] entries (unique per `Dict::new`).
    cache_owner: u64,
}

/// Out-of-vocabulary tokens seen recently, with their character n-gram rows
/// (a pure function of the token's bytes, so the cache never changes a
/// result): web text repeats words heavily, and computing a token's n-grams
/// costs a hash chain and a bitmap lookup per n-gram.
#[derive(Debug, Default)]
pub(crate) struct OovCache {
    /// The dictionary the entries belong to (0: none).
    owner: u64,
    /// 0: empty, else entry index + 1.
    slots: Vec<u32>,
    /// (token hash, key start, key length, first row, row count).
    entries: Vec<(u32, u32, u32, u32, u32)>,
    keys: Vec<u8>,
    rows: Vec<u32>,
}

/// Tokens longer than this (bytes) are not cached.
const OOV_MAX_KEY: usize = 64;
/// Entries before the cache is emptied (bounds its memory to a few MB).
const OOV_MAX_ENTRIES: usize = 1 << 15;

impl OovCache {
    /// Empty the cache unless it belongs to dictionary `owner`.
    fn claim(&mut self, owner: u64) {
        if self.owner != owner || self.entries.len() >= OOV_MAX_ENTRIES {
            self.owner = owner;
            self.slots.clear();
            self.slots.resize(2 * OOV_MAX_ENTRIES, 0);
            self.entries.clear();
            self.keys.clear();
            self.rows.clear();
        }
    }

    /// The slot of `token` (hash `h`): `Ok` with its entry, or `Err` with the
    /// empty slot where it goes.
    #[inline]
    fn find(&self, h: u32, token: &[u8]) -> std::result::Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut s = (mix(h) >> 16) as usize & mask;
        loop {
            match self.slots[s] {
                0 => return Err(s),
                e => {
                    let (eh, ks, kl, _, _) = self.entries[e as usize - 1];
                    if eh == h && self.keys[ks as usize..(ks + kl) as usize] == *token {
                        return Ok(e as usize - 1);
                    }
                    s = (s + 1) & mask;
                }
            }
        }
    }
}

fn next_cache_owner() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn pow2_table(n: usize) -> (usize, u32) {
    let cap = (n.max(1) * 2).next_power_of_two().max(16);
    (cap, 32 - cap.trailing_zeros())
}

impl Dict {
    /// Prepare `raw`; `input_rows` bounds every row id (checked here, so
    /// prediction never indexes out of range).
    pub(crate) fn new(args: &Args, raw: RawDict, input_rows: usize, at: usize) -> Result<Self> {
        let err = |message: String| {
            Err(crate::format::FormatError {
                message,
                offset: at,
            })
        };
        let size = raw.entries.len();
        let Ok(nwords) = u32::try_from(raw.nwords) else {
            return err(format!("dictionary: nwords {} too large", raw.nwords));
        };
        let uses_buckets = args.maxn > 0 || args.word_ngrams > 1;
        let mut row_order = None;
        let buckets = match raw.pruneidx_size {
            // No bucket (C++ would divide by zero): no n-gram features.
            _ if args.bucket == 0 => Buckets::None,
            -1 => {
                if (nwords as usize).saturating_add(args.bucket as usize) > input_rows
                    && uses_buckets
                {
                    return err(format!(
                        "input matrix has {input_rows} rows, fewer than {nwords} words + {} buckets",
                        args.bucket
                    ));
                }
                Buckets::Identity
            }
            0 => Buckets::None,
            _ => {
                // Later pairs overwrite earlier ones (`pruneidx_[first] = second`).
                let mut kept: Vec<(u32, u32)> = Vec::with_capacity(raw.pruneidx.len());
                for (n, &(k, v)) in raw.pruneidx.iter().enumerate() {
                    // Keys outside [0, bucket) can never be looked up.
                    let Ok(k) = u32::try_from(k) else { continue };
                    if k >= args.bucket {
                        continue;
                    }
                    let row = u32::try_from(v)
                        .ok()
                        .and_then(|v| v.checked_add(nwords))
                        .filter(|&r| (r as usize) < input_rows);
                    let Some(row) = row else {
                        return err(format!(
                            "prune index pair {n} maps bucket {k} to {v}, outside the {input_rows} input rows"
                        ));
                    };
                    kept.push((k, row));
                }
                // Stable sort: equal keys keep file order; the last one wins.
                kept.sort_by_key(|&(k, _)| k);
                let mut dedup: Vec<(u32, u32)> = Vec::with_capacity(kept.len());
                for (k, row) in kept {
                    match dedup.last_mut() {
                        Some(last) if last.0 == k => last.1 = row,
                        _ => dedup.push((k, row)),
                    }
                }
                let keys: Vec<u32> = dedup.iter().map(|&(k, _)| k).collect();
                let mut order: Vec<u32> = (0..nwords).collect();
                order.extend(dedup.iter().map(|&(_, row)| row));
                row_order = Some(order);
                Buckets::Pruned(RankBitmap::new(&keys, args.bucket))
            }
        };
        let mut words = Vec::new();
        let mut word_off = Vec::with_capacity(size + 1);
        let mut is_label = Vec::with_capacity(size);
        word_off.push(0);
        for e in &raw.entries {
            words.extend_from_slice(&e.word);
            word_off.push(words.len());
            is_label.push(e.is_label);
        }
        let (cap, table_shift) = pow2_table(size);
        let mut table = vec![(0u32, 0u32); cap];
        for (i, e) in raw.entries.iter().enumerate() {
            let h = fnv(&e.word);
            let mask = cap - 1;
            let mut s = (mix(h) >> table_shift) as usize;
            loop {
                let (th, id) = table[s];
                if id == 0 {
                    table[s] = (h, i as u32 + 1);
                    break;
                }
                let j = id as usize - 1;
                if th == h && words[word_off[j]..word_off[j + 1]] == e.word[..] {
                    // Duplicate word: the later entry wins, as in C++ `load`.
                    table[s] = (h, i as u32 + 1);
                    break;
                }
                s = (s + 1) & mask;
            }
        }
        let minn = usize::try_from(args.minn.max(0)).unwrap_or(0);
        let maxn = usize::try_from(args.maxn.max(0)).unwrap_or(0);
        let mut d = Self {
            nwords,
            minn,
            maxn,
            use_subwords: args.maxn > 0,
            word_ngrams: usize::try_from(args.word_ngrams.max(0)).unwrap_or(0),
            bucket: args.bucket.max(1),
            fastmod: FastMod::new(args.bucket),
            buckets,
            row_order,
            words,
            word_off,
            is_label,
            table,
            table_shift,
            sub: Vec::new(),
            sub_off: Vec::with_capacity(size + 1),
            cache_owner: next_cache_owner(),
        };
        // `initNgrams`: each entry's id, then (except `</s>`) its n-grams.
        let mut sub = Vec::new();
        let mut buf = Vec::new();
        d.sub_off.push(0);
        for i in 0..size {
            let word = &raw.entries[i].word;
            if !raw.entries[i].is_label {
                if i >= d.nwords as usize || i >= input_rows {
                    return err(format!(
                        "dictionary entry {i} is a word after the {} words, or has no input row ({input_rows} rows)",
                        d.nwords
                    ));
                }
                sub.push(i as u32);
                if d.use_subwords && word[..] != *EOS {
                    d.char_ngrams(word, &mut buf, |r| sub.push(r));
                }
            }
            d.sub_off.push(sub.len());
        }
        d.sub = sub;
        Ok(d)
    }

    /// For a pruned model, the input rows in the order the ids of
    /// [`Dict::line_rows`] index them (original row of each).
    pub(crate) fn row_order(&self) -> Option<&[u32]> {
        self.row_order.as_deref()
    }

    /// Word entries, then labels: entry `nwords + i` is label `i`.
    pub(crate) fn label(&self, i: usize) -> &[u8] {
        let j = self.nwords as usize + i;
        &self.words[self.word_off[j]..self.word_off[j + 1]]
    }

    #[inline]
    fn lookup(&self, token: &[u8], h: u32) -> Option<usize> {
        let mask = self.table.len() - 1;
        let mut s = (mix(h) >> self.table_shift) as usize;
        loop {
            let (th, id) = self.table[s];
            if id == 0 {
                return None;
            }
            let j = id as usize - 1;
            if th == h && self.words[self.word_off[j]..self.word_off[j + 1]] == *token {
                return Some(j);
            }
            s = (s + 1) & mask;
        }
    }

    /// `computeSubwords(BOW + word + EOW)`: the rows of `word`'s character
    /// n-grams, through `push`. `buf` is scratch.
    #[inline]
    fn char_ngrams(&self, word: &[u8], buf: &mut Vec<u8>, mut push: impl FnMut(u32)) {
        buf.clear();
        buf.push(b'<');
        buf.extend_from_slice(word);
        buf.push(b'>');
        let w = &buf[..];
        let len = w.len();
        for i in 0..len {
            if w[i] & 0xC0 == 0x80 {
                continue;
            }
            let mut h: u32 = 2_166_136_261;
            let mut j = i;
            let mut n = 1;
            while j < len && n <= self.maxn {
                h = fnv_step(h, w[j]);
                j += 1;
                while j < len && w[j] & 0xC0 == 0x80 {
                    h = fnv_step(h, w[j]);
                    j += 1;
                }
                if n >= self.minn && !(n == 1 && (i == 0 || j == len)) {
                    if let Some(r) = self.buckets.row(self.nwords, self.fastmod.rem(h)) {
                        push(r);
                    }
                }
                n += 1;
            }
        }
    }

    /// The rows of out-of-vocabulary `token` (hash `h`): its character
    /// n-grams, from `cache` when it was seen before.
    #[inline]
    fn oov_rows(
        &self,
        token: &[u8],
        h: u32,
        buf: &mut Vec<u8>,
        cache: &mut OovCache,
        push: &mut impl FnMut(u32),
    ) {
        if !self.use_subwords {
            return;
        }
        if token.len() > OOV_MAX_KEY {
            self.char_ngrams(token, buf, push);
            return;
        }
        match cache.find(h, token) {
            Ok(e) => {
                let (_, _, _, rs, rn) = cache.entries[e];
                for &r in &cache.rows[rs as usize..(rs + rn) as usize] {
                    push(r);
                }
            }
            Err(slot) => {
                let rs = cache.rows.len();
                let rows = &mut cache.rows;
                self.char_ngrams(token, buf, |r| rows.push(r));
                for &r in &cache.rows[rs..] {
                    push(r);
                }
                let (Ok(rs), Ok(rn), Ok(ks)) = (
                    u32::try_from(rs),
                    u32::try_from(cache.rows.len() - rs),
                    u32::try_from(cache.keys.len()),
                ) else {
                    cache.rows.truncate(rs);
                    return;
                };
                cache.entries.push((h, ks, token.len() as u32, rs, rn));
                cache.keys.extend_from_slice(token);
                cache.slots[slot] = cache.entries.len() as u32;
            }
        }
    }

    /// The input rows of one line of `text` (up to its first '\n', then
    /// `</s>`), in C++ `getLine` order, through `push`. `buf`, `hashes` and
    /// `cache` are scratch.
    pub(crate) fn line_rows(
        &self,
        text: &[u8],
        buf: &mut Vec<u8>,
        hashes: &mut Vec<i32>,
        cache: &mut OovCache,
        mut push: impl FnMut(u32),
    ) {
        hashes.clear();
        cache.claim(self.cache_owner);
        let len = text.len();
        let mut i = 0;
        loop {
            while i < len && is_separator(text[i]) && text[i] != b'\n' {
                i += 1;
            }
            let token = if i == len || text[i] == b'\n' {
                EOS
            } else {
                let start = i;
                while i < len && !is_separator(text[i]) {
                    i += 1;
                }
                &text[start..i]
            };
            let h = fnv(token);
            let wid = self.lookup(token, h);
            let is_label = match wid {
                Some(j) => self.is_label[j],
                None => token.starts_with(LABEL_PREFIX),
            };
            if !is_label {
                match wid {
                    Some(j) if self.use_subwords => {
                        for &r in &self.sub[self.sub_off[j]..self.sub_off[j + 1]] {
                            push(r);
                        }
                    }
                    Some(j) => push(j as u32),
                    None if token != EOS => self.oov_rows(token, h, buf, cache, &mut push),
                    None => {}
                }
                if self.word_ngrams > 1 {
                    hashes.push(h as i32);
                }
            }
            if token == EOS {
                break;
            }
        }
        if self.word_ngrams > 1 {
            // `addWordNgrams`: hashes kept as int32_t, widened to uint64_t.
            let n = self.word_ngrams;
            let bucket = u64::from(self.bucket);
            for a in 0..hashes.len() {
                let mut h = hashes[a] as i64 as u64;
                for &hb in hashes.iter().take(a + n).skip(a + 1) {
                    h = h.wrapping_mul(116_049_371).wrapping_add(hb as i64 as u64);
                    if let Some(r) = self.buckets.row(self.nwords, (h % bucket) as u32) {
                        push(r);
                    }
                }
            }
        }
    }
}
