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

use sift_core::prefetch::prefetch;
use sift_core::swar::load_partial;

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
    /// Ask the CPU for what [`Buckets::row`] of `bucket` will read.
    #[inline(always)]
    fn prefetch(&self, bucket: u32) {
        if let Self::Pruned(bitmap) = self {
            if let Some(blk) = bitmap.blocks.get((bucket / BLOCK_BITS) as usize) {
                prefetch(blk);
            }
        }
    }

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
    /// Identifies this dictionary's [`TokenCache`] entries (unique per `Dict::new`).
    cache_owner: u64,
}

/// Tokens seen recently and their input rows: token bytes -> (label, word
/// entry, or out-of-vocabulary with its character n-gram rows). The rows
/// are a pure function of the token's bytes, so the cache never changes a
/// result; web text repeats words heavily, and a token's first sight costs
/// a chain of dependent memory reads (dictionary slot, word bytes, its
/// rows) plus, out of vocabulary, a hash chain and a bitmap lookup per
/// n-gram.
///
/// Open addressing, linear probing, at most half full. A slot holds the
/// token's length and first and last 8 bytes, so a token of up to 16 bytes
/// is matched from its slot alone (one cache line); longer keys also
/// compare a copy in `spill`. [`Dict::line_rows`] looks tokens up in
/// batches: every slot of a batch is prefetched before the first is read,
/// so the misses overlap instead of queueing.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    /// The dictionary the entries belong to (0: none).
    owner: u64,
    slots: Vec<Slot>,
    entries: usize,
    /// Keys longer than [`INLINE_KEY`] bytes.
    spill: Vec<u8>,
    /// Character n-gram rows of out-of-vocabulary tokens.
    rows: Vec<u32>,
    /// The batch being looked up (scratch).
    toks: Vec<Tok>,
    /// Each token's rows, in order (scratch).
    plan: Vec<(Src, usize, usize)>,
    /// Rows of tokens too long to cache (scratch, one batch).
    temp: Vec<u32>,
    /// Scratch of [`TokenCache::rebuild`].
    kept: Vec<Slot>,
    kept_rows: Vec<u32>,
    kept_spill: Vec<u8>,
}

/// One cached token (`len == 0`: empty slot; tokens are never empty).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    /// See [`Key`].
    head: u64,
    tail: u64,
    /// The token's fastText hash ([`fnv`]), for word n-grams.
    fnv: u32,
    /// First row: in [`Dict::sub`] for a word, in [`TokenCache::rows`] for
    /// an out-of-vocabulary token.
    start: u32,
    /// Offset of the key in [`TokenCache::spill`] (keys over 16 bytes).
    spill: u32,
    /// Number of rows, and [`HIT`]: found since the last rebuild.
    count: u16,
    len: u8,
    src: Src,
}

/// Where a token's rows are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(u8)]
enum Src {
    /// A label: no row, no word n-gram hash.
    #[default]
    Label,
    /// A dictionary word: `Dict::sub`.
    Word,
    /// Out of vocabulary: `TokenCache::rows`.
    Oov,
    /// Out of vocabulary and not cached: `TokenCache::temp`.
    Temp,
}

/// A token's length, first 8 bytes and last 8 bytes (zero-padded when
/// shorter; for up to 16 bytes, equal keys mean equal tokens), and the hash
/// that places it in the cache.
#[derive(Debug, Clone, Copy)]
struct Key {
    head: u64,
    tail: u64,
    hash: u64,
}

/// A token of the batch: its bytes are `text[start..start + len]`, or
/// [`EOS`] for the end of the line (`start == usize::MAX`).
#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    len: usize,
    key: Key,
}

/// Tokens longer than this (bytes) are not cached.
const MAX_KEY: usize = 64;
/// Keys up to this many bytes match from their slot alone.
const INLINE_KEY: usize = 16;
/// Entries before the cache is emptied (bounds its memory: 2 MiB of slots,
/// the n-gram rows and long keys of at most this many tokens).
const MAX_ENTRIES: usize = 1 << 15;
/// Slots (load at most 1/2).
const SLOTS: usize = 2 * MAX_ENTRIES;
const SLOT_BITS: u32 = SLOTS.trailing_zeros();
/// [`Slot::count`]'s flag of an entry found since the last rebuild.
const HIT: u16 = 1 << 15;
/// At most this many entries found since the last rebuild are kept by it.
const KEEP: usize = MAX_ENTRIES / 2;
/// Tokens looked up together: their slots are prefetched before any is read.
const BATCH: usize = 64;

impl Key {
    #[inline]
    fn new(s: &[u8]) -> Self {
        let len = s.len();
        let head = load_partial(&s[..len.min(8)]);
        let tail = if len > 8 {
            load_partial(&s[len - 8..])
        } else {
            0
        };
        let mut hash = (head ^ (len as u64) << 56).wrapping_mul(0x517c_c1b7_2722_0a95);
        hash = (hash.rotate_left(23) ^ tail).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        if len > INLINE_KEY {
            // The middle bytes too, or long tokens that share their ends
            // would share a probe run.
            for c in s[8..len - 8].chunks(8) {
                hash = (hash.rotate_left(23) ^ load_partial(c)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            }
        }
        Key { head, tail, hash }
    }

    #[inline(always)]
    fn slot(&self) -> usize {
        (self.hash >> (64 - SLOT_BITS)) as usize
    }
}

impl TokenCache {
    /// Empty the cache unless it belongs to dictionary `owner`; make room
    /// for a whole batch.
    fn claim(&mut self, owner: u64) {
        if self.owner != owner || self.slots.is_empty() {
            self.owner = owner;
            self.slots.clear();
            self.slots.resize(SLOTS, Slot::default());
            self.entries = 0;
            self.spill.clear();
            self.rows.clear();
        } else if self.entries + BATCH > MAX_ENTRIES {
            self.rebuild();
        }
    }

    /// Empty the cache but for (up to [`KEEP`] of) the entries found since
    /// the last rebuild: frequent tokens stay, without their hit flag.
    #[cold]
    fn rebuild(&mut self) {
        let mut kept = std::mem::take(&mut self.kept);
        kept.clear();
        kept.extend(
            self.slots
                .iter()
                .filter(|e| e.len != 0 && e.count & HIT != 0)
                .take(KEEP)
                .copied(),
        );
        self.slots.fill(Slot::default());
        self.entries = 0;
        self.kept_rows.clear();
        self.kept_spill.clear();
        let mut token = [0u8; MAX_KEY];
        for e in &mut kept {
            let len = usize::from(e.len);
            let ks = e.spill as usize;
            let count = usize::from(e.count & !HIT);
            let token = match len {
                0..=8 => {
                    token[..8].copy_from_slice(&e.head.to_le_bytes());
                    &token[..len]
                }
                9..=INLINE_KEY => {
                    token[..8].copy_from_slice(&e.head.to_le_bytes());
                    token[len - 8..len].copy_from_slice(&e.tail.to_le_bytes());
                    &token[..len]
                }
                _ => {
                    let Some(t) = self.spill.get(ks..ks + len) else {
                        continue;
                    };
                    token[..len].copy_from_slice(t);
                    &token[..len]
                }
            };
            if len > INLINE_KEY {
                let Ok(at) = u32::try_from(self.kept_spill.len()) else {
                    continue;
                };
                e.spill = at;
                self.kept_spill.extend_from_slice(token);
            }
            if e.src == Src::Oov {
                let (Ok(at), Some(rows)) = (
                    u32::try_from(self.kept_rows.len()),
                    self.rows.get(e.start as usize..e.start as usize + count),
                ) else {
                    continue;
                };
                e.start = at;
                self.kept_rows.extend_from_slice(rows);
            }
            e.count &= !HIT;
            if let Err(s) = self.find(&Key::new(token), token) {
                self.slots[s] = *e;
                self.entries += 1;
            }
        }
        std::mem::swap(&mut self.rows, &mut self.kept_rows);
        std::mem::swap(&mut self.spill, &mut self.kept_spill);
        self.kept = kept;
    }

    /// Ask the CPU to load slot `s` (a hint: it changes nothing).
    #[inline(always)]
    fn prefetch_slot(&self, s: usize) {
        if let Some(slot) = self.slots.get(s) {
            prefetch(slot);
        }
    }

    /// The slot of `token` (key `k`): `Ok` when it is cached, else `Err`
    /// with the empty slot where it goes.
    #[inline]
    fn find(&self, k: &Key, token: &[u8]) -> std::result::Result<usize, usize> {
        let mut s = k.slot();
        loop {
            let e = &self.slots[s];
            if e.len == 0 {
                return Err(s);
            }
            if e.head == k.head && e.tail == k.tail && usize::from(e.len) == token.len() {
                let ks = e.spill as usize;
                if token.len() <= INLINE_KEY || self.spill[ks..ks + token.len()] == *token {
                    return Ok(s);
                }
            }
            s = (s + 1) & (SLOTS - 1);
        }
    }
}

impl TokenCache {
    /// Cache `token` (key `k`, fastText hash `h`) in the empty slot `s`
    /// with its rows; a token whose numbers do not fit a slot is not cached.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn insert(
        &mut self,
        s: usize,
        k: &Key,
        token: &[u8],
        h: u32,
        src: Src,
        start: usize,
        count: usize,
    ) {
        let (Ok(start), Ok(count), Ok(spill), Ok(len)) = (
            u32::try_from(start),
            u16::try_from(count),
            u32::try_from(self.spill.len()),
            u8::try_from(token.len()),
        ) else {
            return;
        };
        if count & HIT != 0 {
            return;
        }
        if token.len() > INLINE_KEY {
            self.spill.extend_from_slice(token);
        }
        self.slots[s] = Slot {
            head: k.head,
            tail: k.tail,
            fnv: h,
            start,
            spill,
            count,
            len,
            src,
        };
        self.entries += 1;
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
                    d.char_ngrams(word, &mut buf, &mut sub);
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
    /// n-grams, appended to `out`. `buf` is scratch.
    ///
    /// First every n-gram's bucket is computed (into `out`) and its place in
    /// the prune bitmap prefetched, then the buckets become rows in place:
    /// the bitmap reads, each a likely cache miss, overlap.
    #[inline]
    fn char_ngrams(&self, word: &[u8], buf: &mut Vec<u8>, out: &mut Vec<u32>) {
        buf.clear();
        buf.push(b'<');
        buf.extend_from_slice(word);
        buf.push(b'>');
        let w = &buf[..];
        let len = w.len();
        let first = out.len();
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
                    let b = self.fastmod.rem(h);
                    self.buckets.prefetch(b);
                    out.push(b);
                }
                n += 1;
            }
        }
        let mut kept = first;
        for k in first..out.len() {
            if let Some(r) = self.buckets.row(self.nwords, out[k]) {
                out[kept] = r;
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    /// Where the rows of `token` (hash `h`) are, without the cache, as
    /// (source, start, count): a label has none, a word its entry's
    /// ([`Dict::sub`]), an out-of-vocabulary token its character n-grams,
    /// appended to `out` (source `oov`).
    #[inline]
    fn token_rows(
        &self,
        token: &[u8],
        h: u32,
        buf: &mut Vec<u8>,
        out: &mut Vec<u32>,
        oov: Src,
    ) -> (Src, usize, usize) {
        match self.lookup(token, h) {
            Some(j) if self.is_label[j] => (Src::Label, 0, 0),
            // Without subwords a word's entry is its own row alone.
            Some(j) => (
                Src::Word,
                self.sub_off[j],
                self.sub_off[j + 1] - self.sub_off[j],
            ),
            None if token.starts_with(LABEL_PREFIX) => (Src::Label, 0, 0),
            None => {
                let start = out.len();
                if self.use_subwords && token != EOS {
                    self.char_ngrams(token, buf, out);
                }
                (oov, start, out.len() - start)
            }
        }
    }

    /// The input rows of one line of `text` (up to its first '\n', then
    /// `</s>`), in C++ `getLine` order, appended to `out`. `buf`, `hashes`
    /// and `cache` are scratch.
    ///
    /// Tokens go in batches of [`BATCH`]: split the text, prefetching each
    /// token's cache slot; look each up (a token seen before is one slot
    /// read, a new one takes the dictionary path and is cached),
    /// prefetching the start of its rows; then append the rows in order.
    pub(crate) fn line_rows(
        &self,
        text: &[u8],
        buf: &mut Vec<u8>,
        hashes: &mut Vec<i32>,
        cache: &mut TokenCache,
        out: &mut Vec<u32>,
    ) {
        hashes.clear();
        let mut toks = std::mem::take(&mut cache.toks);
        let mut plan = std::mem::take(&mut cache.plan);
        let len = text.len();
        let mut i = 0;
        let mut done = false;
        while !done {
            // Emptied between batches only: the plan's rows stay put.
            cache.claim(self.cache_owner);
            toks.clear();
            while !done && toks.len() < BATCH {
                while i < len && is_separator(text[i]) && text[i] != b'\n' {
                    i += 1;
                }
                let (start, token) = if i == len || text[i] == b'\n' {
                    (usize::MAX, EOS)
                } else {
                    let start = i;
                    while i < len && !is_separator(text[i]) {
                        i += 1;
                    }
                    (start, &text[start..i])
                };
                done = token == EOS;
                let key = if token.len() <= MAX_KEY {
                    let k = Key::new(token);
                    cache.prefetch_slot(k.slot());
                    k
                } else {
                    Key {
                        head: 0,
                        tail: 0,
                        hash: 0,
                    }
                };
                toks.push(Tok {
                    start,
                    len: token.len(),
                    key,
                });
            }
            plan.clear();
            cache.temp.clear();
            for t in &toks {
                let token = if t.start == usize::MAX {
                    EOS
                } else {
                    &text[t.start..t.start + t.len]
                };
                let (src, start, count, h) = if t.len > MAX_KEY {
                    let h = fnv(token);
                    let (src, start, count) =
                        self.token_rows(token, h, buf, &mut cache.temp, Src::Temp);
                    (src, start, count, h)
                } else {
                    match cache.find(&t.key, token) {
                        Ok(s) => {
                            let e = &mut cache.slots[s];
                            if e.count & HIT == 0 {
                                e.count |= HIT;
                            }
                            let count = usize::from(e.count & !HIT);
                            (e.src, e.start as usize, count, e.fnv)
                        }
                        Err(s) => {
                            let h = fnv(token);
                            let (src, start, count) =
                                self.token_rows(token, h, buf, &mut cache.rows, Src::Oov);
                            cache.insert(s, &t.key, token, h, src, start, count);
                            (src, start, count, h)
                        }
                    }
                };
                match src {
                    Src::Label => continue,
                    Src::Word => {
                        if let Some(r) = self.sub.get(start) {
                            prefetch(r);
                        }
                    }
                    Src::Oov => {
                        if let Some(r) = cache.rows.get(start) {
                            prefetch(r);
                        }
                    }
                    Src::Temp => {}
                }
                if self.word_ngrams > 1 {
                    hashes.push(h as i32);
                }
                plan.push((src, start, count));
            }
            out.reserve(plan.iter().map(|p| p.2).sum());
            for &(src, start, count) in &plan {
                let rows = match src {
                    Src::Label => continue,
                    Src::Word => &self.sub[start..start + count],
                    Src::Oov => &cache.rows[start..start + count],
                    Src::Temp => &cache.temp[start..start + count],
                };
                // A loop, not `extend_from_slice`: the lists are short, a
                // `memcpy` call costs more than the copy.
                for &r in rows {
                    out.push(r);
                }
            }
        }
        cache.toks = toks;
        cache.plan = plan;
        if self.word_ngrams > 1 {
            // `addWordNgrams`: hashes kept as int32_t, widened to uint64_t.
            let n = self.word_ngrams;
            let bucket = u64::from(self.bucket);
            for a in 0..hashes.len() {
                let mut h = hashes[a] as i64 as u64;
                for &hb in hashes.iter().take(a + n).skip(a + 1) {
                    h = h.wrapping_mul(116_049_371).wrapping_add(hb as i64 as u64);
                    if let Some(r) = self.buckets.row(self.nwords, (h % bucket) as u32) {
                        out.push(r);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Dict::line_rows`] without the cache, batches or prefetches: C++
    /// `getLine` one token at a time.
    fn reference_rows(d: &Dict, text: &[u8]) -> Vec<u32> {
        let mut out = Vec::new();
        let mut hashes: Vec<i32> = Vec::new();
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
            let wid = d.lookup(token, h);
            let is_label = match wid {
                Some(j) => d.is_label[j],
                None => token.starts_with(LABEL_PREFIX),
            };
            if !is_label {
                match wid {
                    Some(j) if d.use_subwords => {
                        out.extend_from_slice(&d.sub[d.sub_off[j]..d.sub_off[j + 1]]);
                    }
                    Some(j) => out.push(j as u32),
                    None if token != EOS && d.use_subwords => {
                        reference_char_ngrams(d, token, &mut out);
                    }
                    None => {}
                }
                hashes.push(h as i32);
            }
            if token == EOS {
                break;
            }
        }
        if d.word_ngrams > 1 {
            let bucket = u64::from(d.bucket);
            for a in 0..hashes.len() {
                let mut h = hashes[a] as i64 as u64;
                for &hb in hashes.iter().take(a + d.word_ngrams).skip(a + 1) {
                    h = h.wrapping_mul(116_049_371).wrapping_add(hb as i64 as u64);
                    if let Some(r) = d.buckets.row(d.nwords, (h % bucket) as u32) {
                        out.push(r);
                    }
                }
            }
        }
        out
    }

    /// `computeSubwords`, one n-gram after the other.
    fn reference_char_ngrams(d: &Dict, word: &[u8], out: &mut Vec<u32>) {
        let w = [b"<", word, b">"].concat();
        let len = w.len();
        for i in 0..len {
            if w[i] & 0xC0 == 0x80 {
                continue;
            }
            let mut j = i;
            let mut n = 1;
            while j < len && n <= d.maxn {
                j += 1;
                while j < len && w[j] & 0xC0 == 0x80 {
                    j += 1;
                }
                if n >= d.minn && !(n == 1 && (i == 0 || j == len)) {
                    let b = fnv(&w[i..j]) % d.bucket;
                    if let Some(r) = d.buckets.row(d.nwords, b) {
                        out.push(r);
                    }
                }
                n += 1;
            }
        }
    }

    /// lid.176's dictionary as is, with word bigrams, and without subwords.
    fn dicts() -> (Vec<Dict>, Vec<Vec<u8>>) {
        let raw = crate::format::read_model(crate::LID176_FTZ).expect("embedded model");
        let rows = raw.input.rows();
        let words = raw.dict.entries.iter().map(|e| e.word.clone()).collect();
        let mut bigrams = raw.args.clone();
        bigrams.word_ngrams = 2;
        let mut plain = raw.args.clone();
        plain.minn = 0;
        plain.maxn = 0;
        let dicts = [&raw.args, &bigrams, &plain]
            .into_iter()
            .map(|args| Dict::new(args, raw.dict.clone(), rows, 0).expect("dictionary"))
            .collect();
        (dicts, words)
    }

    fn lcg(state: &mut u64) -> usize {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*state >> 33) as usize
    }

    /// Tokens of every byte length 1..=70 (ASCII and not), dictionary words
    /// of every length, labels, `</s>`, and tokens that share their length
    /// and first and last 8 bytes.
    fn tokens(words: &[Vec<u8>], state: &mut u64) -> Vec<Vec<u8>> {
        let mut toks: Vec<Vec<u8>> = Vec::new();
        let pieces = ["a", "z", "é", "ж", "中", "😀", "q", "\u{a0}"];
        for n in 1..=70 {
            for _ in 0..4 {
                let mut t = Vec::new();
                while t.len() < n {
                    let p = pieces[lcg(state) % pieces.len()].as_bytes();
                    if t.len() + p.len() <= n {
                        t.extend_from_slice(p);
                    } else {
                        t.push(b'x');
                    }
                }
                toks.push(t);
            }
            let mut by_len = words.iter().filter(|w| w.len() == n);
            toks.extend(by_len.by_ref().take(3).cloned());
        }
        for mid in [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "é",
            "xyzxyzxyz",
            "xyzxyzxyy",
            "中中中中中中中中中中中中",
        ] {
            toks.push(format!("ABCDEFGH{mid}STUVWXYZ").into_bytes());
            toks.push(format!("abcdefgh{mid}abcdefgh").into_bytes());
        }
        for mid in 0..40 {
            toks.push(format!("ABCDEFGH{}STUVWXYZ", "m".repeat(mid) + "n").into_bytes());
            toks.push(
                format!("ABCDEFGH{}STUVWXYZ", "n".to_string() + &"m".repeat(mid)).into_bytes(),
            );
        }
        for t in [
            "__label__en",
            "__label__fr",
            "__label__xx",
            "__label__",
            "</s>",
            "</s",
            "a</s>",
        ] {
            toks.push(t.as_bytes().to_vec());
        }
        toks
    }

    fn line(toks: &[Vec<u8>], n: usize, state: &mut u64) -> Vec<u8> {
        let seps: &[&[u8]] = &[
            b" ", b" ", b" ", b"  ", b"\t", b"\r", b"\x0b", b"\x0c", b"\0",
        ];
        let mut text = Vec::new();
        for _ in 0..n {
            text.extend_from_slice(&toks[lcg(state) % toks.len()]);
            text.extend_from_slice(seps[lcg(state) % seps.len()]);
        }
        text
    }

    fn check(d: &Dict, cache: &mut TokenCache, text: &[u8]) {
        let (mut buf, mut hashes, mut got) = (Vec::new(), Vec::new(), Vec::new());
        d.line_rows(text, &mut buf, &mut hashes, cache, &mut got);
        let want = reference_rows(d, text);
        assert!(got == want, "{:?}", String::from_utf8_lossy(text));
    }

    #[test]
    fn cached_rows_equal_uncached_rows() {
        let (dicts, words) = dicts();
        let mut state = 7;
        let toks = tokens(&words, &mut state);
        // One cache for the three dictionaries, as one thread's.
        let mut cache = TokenCache::default();
        for round in 0..300 {
            let d = &dicts[round % 3];
            let n = [0, 1, 2, 5, 63, 64, 65, 200][round % 8];
            let mut text = line(&toks, n, &mut state);
            if round % 5 == 0 {
                // Text after '\n' is not read; a literal `</s>` ends the line.
                text.extend_from_slice(b"\nhello world");
            }
            check(d, &mut cache, &text);
        }
        // Every token alone, twice (the second time from the cache).
        for d in &dicts {
            for t in &toks {
                check(d, &mut cache, t);
                check(d, &mut cache, t);
            }
        }
    }

    /// Tokens that share a probe run (their hash is forced equal) are told
    /// apart however little they differ: length, tail, middle, one byte.
    #[test]
    fn colliding_tokens_are_told_apart() {
        let mut toks: Vec<Vec<u8>> = Vec::new();
        for n in 1..=MAX_KEY {
            let base: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            toks.push(base.clone());
            for at in [0, n / 2, n - 1] {
                let mut t = base.clone();
                t[at] = b'#';
                toks.push(t);
                let mut t = base.clone();
                t[at] = 0xC3;
                toks.push(t);
            }
        }
        toks.push("é".into());
        toks.push("\u{e9}\u{e9}".into());
        toks.push("ABCDEFGHxSTUVWXYZ".into());
        toks.push("ABCDEFGHySTUVWXYZ".into());
        toks.sort();
        toks.dedup();
        for hash in [0, u64::MAX] {
            let mut cache = TokenCache::default();
            cache.claim(1);
            let mut at = Vec::new();
            for (i, t) in toks.iter().enumerate() {
                let k = Key {
                    hash,
                    ..Key::new(t)
                };
                let s = cache.find(&k, t).expect_err("not cached yet");
                cache.insert(s, &k, t, i as u32, Src::Oov, i, 0);
                at.push(s);
            }
            for (i, t) in toks.iter().enumerate() {
                let k = Key {
                    hash,
                    ..Key::new(t)
                };
                let s = cache.find(&k, t).expect("cached");
                assert_eq!(s, at[i], "{:?}", String::from_utf8_lossy(t));
                assert_eq!(cache.slots[s].fnv, i as u32);
            }
        }
    }

    #[test]
    fn cache_is_emptied_when_full_and_stays_right() {
        let (dicts, words) = dicts();
        let mut state = 11;
        // No literal `</s>`: it would end the lines early.
        let mut toks = tokens(&words, &mut state);
        toks.retain(|t| t != EOS);
        let mut cache = TokenCache::default();
        let d = &dicts[1];
        let mut resets = 0;
        let mut last = 0;
        // 3 × MAX_ENTRIES distinct tokens among repeated ones, in lines of
        // 500 and in one line of 2 × SLOTS tokens (more than the table
        // holds).
        let mut k = 0usize;
        for _ in 0..(3 * MAX_ENTRIES / 250) {
            let mut text = line(&toks, 250, &mut state);
            for _ in 0..250 {
                text.extend_from_slice(format!("w{k}ë ").as_bytes());
                k += 1;
            }
            check(d, &mut cache, &text);
            if cache.entries < last {
                resets += 1;
            }
            last = cache.entries;
            assert!(cache.entries <= MAX_ENTRIES);
        }
        assert!(resets >= 2, "{resets} resets");
        // A rebuild keeps the tokens found since the last one, rows and
        // long keys moved: they stay right.
        let text = toks.join(&b' ');
        check(d, &mut cache, &text);
        check(d, &mut cache, &text);
        cache.rebuild();
        assert!(cache.entries > toks.len() / 2, "{} kept", cache.entries);
        check(d, &mut cache, &text);
        let mut text = Vec::new();
        for k in 0..2 * SLOTS {
            text.extend_from_slice(format!("v{k} ").as_bytes());
        }
        check(d, &mut cache, &text);
        assert!(cache.entries <= MAX_ENTRIES);
    }
}
