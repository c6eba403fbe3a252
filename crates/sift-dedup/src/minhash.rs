//! MinHash signatures, compatible with datatrove's `MinhashDedupSignature`.
//!
//! A document's signature: [`simplify_into`](crate::normalize::simplify_into)
//! the text, split it into word tokens (spaCy-English rules,
//! [`sift_text::split_words`]), hash every window of `n_grams` tokens joined
//! by single spaces with xxHash64 (seed 0), and for each of the
//! `bands * rows` permutations `h_i(s) = ((s * a_i + b_i) mod 2^64) mod
//! (2^61 - 1)` keep the minimum. Documents with fewer than `n_grams` tokens
//! have no signature. [`reference`] is the plain version the optimised code
//! is tested against.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh64::xxh64;

use crate::normalize::simplify_into;
use crate::Error;

/// The Mersenne prime 2^61 - 1.
pub const MERSENNE: u64 = (1 << 61) - 1;

/// `x mod (2^61 - 1)` for any u64, without a division.
#[inline(always)]
pub fn mod_mersenne(x: u64) -> u64 {
    // x = hi * 2^61 + lo and 2^61 = 1 (mod p): x = hi + lo (mod p), and
    // hi + lo <= p + 7 < 2p, so one conditional subtraction finishes it.
    let r = (x & MERSENNE) + (x >> 61);
    if r >= MERSENNE {
        r - MERSENNE
    } else {
        r
    }
}

/// Permutation parameters `a[i]`, `b[i]` of every hash function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permutations {
    /// Multipliers, in `[1, 2^61 - 1)`.
    pub a: Vec<u64>,
    /// Offsets, in `[0, 2^61 - 1)`.
    pub b: Vec<u64>,
}

impl Permutations {
    /// What datatrove draws for `seed`: numpy `RandomState(seed)`, then
    /// `randint(1, p, n, uint64)` for `a` and `randint(0, p, n, uint64)` for
    /// `b`, with `p = 2^61 - 1` (numpy's legacy masked rejection sampling
    /// over MT19937).
    pub fn numpy(seed: u32, n: usize) -> Self {
        let mut mt = Mt19937::new(seed);
        let a = (0..n).map(|_| 1 + mt.bounded_u64(MERSENNE - 2)).collect();
        let b = (0..n).map(|_| mt.bounded_u64(MERSENNE - 1)).collect();
        Self { a, b }
    }
}

/// numpy's legacy `RandomState` generator (MT19937, `init_genrand` seeding).
struct Mt19937 {
    state: [u32; 624],
    pos: usize,
}

impl Mt19937 {
    fn new(seed: u32) -> Self {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Self { state, pos: 624 }
    }

    fn twist(&mut self) {
        for i in 0..624 {
            let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % 624] & 0x7fff_ffff);
            let mut v = self.state[(i + 397) % 624] ^ (y >> 1);
            if y & 1 == 1 {
                v ^= 0x9908_b0df;
            }
            self.state[i] = v;
        }
        self.pos = 0;
    }

    fn next_u32(&mut self) -> u32 {
        if self.pos >= 624 {
            self.twist();
        }
        let mut y = self.state[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        (hi << 32) | u64::from(self.next_u32())
    }

    /// Uniform in `[0, max]` by masked rejection (numpy legacy, `max` > 2^32).
    fn bounded_u64(&mut self, max: u64) -> u64 {
        let mask = u64::MAX >> max.leading_zeros();
        loop {
            let v = self.next_u64() & mask;
            if v <= max {
                return v;
            }
        }
    }
}

/// Which word tokenizer splits the normalised text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tokenizer {
    /// datatrove's English word tokenizer (spaCy `en` rules), via
    /// [`sift_text::split_words`].
    #[default]
    SpacyEn,
    /// Split on whitespace only (faster; not datatrove-compatible).
    Whitespace,
}

/// How candidate pairs become removals, and which document is kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// Verified (default): documents are decided in input order, and one is
    /// removed only as a duplicate of an earlier *kept* document it is a
    /// candidate of (directly, or through a candidate removed for it) with
    /// estimated Jaccard similarity >= `threshold` (default 0.8,
    /// [`crate::group::DEFAULT_THRESHOLD`]). No chains: every removed
    /// document is similar to the one it is removed for.
    #[default]
    First,
    /// datatrove's `MinhashDedupCluster`: union-find over every candidate
    /// pair (chains included), the root of its union by size, fed the pairs
    /// band by band in datatrove's order, is kept; so exactly the documents
    /// datatrove removes are removed. `threshold`, when set, drops candidate
    /// pairs below it before the union (not datatrove).
    Datatrove,
}

/// Settings of MinHash signatures and clustering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinHashParams {
    /// Tokens per shingle.
    #[serde(default = "default_n_grams")]
    pub n_grams: usize,
    /// LSH bands (datatrove `num_buckets`).
    #[serde(default = "default_bands")]
    pub bands: usize,
    /// Hashes per band (datatrove `hashes_per_bucket`).
    #[serde(default = "default_rows")]
    pub rows: usize,
    /// Seed of the permutation parameters (numpy `RandomState`).
    #[serde(default = "default_seed")]
    pub seed: u32,
    /// Word tokenizer.
    #[serde(default)]
    pub tokenizer: Tokenizer,
    /// Which member of a cluster is kept.
    #[serde(default)]
    pub keep: Keep,
    /// Estimated Jaccard similarity (share of equal signature values) a
    /// removed document must have with the document it is removed for
    /// (`keep = "first"`; unset: 0.8), or a candidate pair
    /// must have to be joined (`keep = "datatrove"`; unset: every pair, as
    /// datatrove).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

fn default_n_grams() -> usize {
    5
}
fn default_bands() -> usize {
    14
}
fn default_rows() -> usize {
    8
}
fn default_seed() -> u32 {
    1
}

impl Default for MinHashParams {
    fn default() -> Self {
        Self {
            n_grams: default_n_grams(),
            bands: default_bands(),
            rows: default_rows(),
            seed: default_seed(),
            tokenizer: Tokenizer::default(),
            keep: Keep::default(),
            threshold: None,
        }
    }
}

/// Reusable per-thread buffers of [`MinHasher::signature`].
#[derive(Debug, Default)]
pub struct Scratch {
    normalized: String,
    /// Tokens of `normalized` (empty between calls; only the buffer is kept).
    tokens: Vec<&'static str>,
    shingle: String,
    hashes: Vec<u64>,
}

/// A built signature computer: validated parameters and permutations.
#[derive(Debug, Clone)]
pub struct MinHasher {
    params: MinHashParams,
    perms: Permutations,
}

impl MinHasher {
    /// Validate `params` and draw the permutations.
    pub fn new(params: MinHashParams) -> Result<Self, Error> {
        let bad = |key: &str, message: &str| Error::Config {
            key: key.to_string(),
            message: message.to_string(),
        };
        if params.n_grams == 0 {
            return Err(bad("n_grams", "must be at least 1"));
        }
        if params.bands == 0 || params.bands > 1024 {
            return Err(bad("bands", "must be between 1 and 1024"));
        }
        if params.rows == 0 || params.rows > 64 {
            return Err(bad("rows", "must be between 1 and 64"));
        }
        if params.threshold.is_some_and(|t| !(0.0..=1.0).contains(&t)) {
            return Err(bad("threshold", "must be between 0 and 1"));
        }
        let perms = Permutations::numpy(params.seed, params.bands * params.rows);
        Ok(Self { params, perms })
    }

    /// The parameters.
    pub fn params(&self) -> &MinHashParams {
        &self.params
    }

    /// The permutations.
    pub fn permutations(&self) -> &Permutations {
        &self.perms
    }

    /// Number of values in a signature (`bands * rows`).
    pub fn len(&self) -> usize {
        self.perms.a.len()
    }

    /// Always false: a hasher has at least one permutation.
    pub fn is_empty(&self) -> bool {
        self.perms.a.is_empty()
    }

    /// Shingle hashes of `text` (after normalisation) into `scratch.hashes`.
    fn shingles(&self, text: &str, scratch: &mut Scratch) {
        simplify_into(text, &mut scratch.normalized);
        scratch.hashes.clear();
        let len = scratch.normalized.len();
        scratch.normalized.push_str(PAD);
        let padded = scratch.normalized.as_str();
        let norm = &padded[..len];
        let mut tokens = recycle(std::mem::take(&mut scratch.tokens));
        match self.params.tokenizer {
            Tokenizer::SpacyEn => sift_text::split_words(norm, &mut tokens),
            Tokenizer::Whitespace => tokens.extend(norm.split(' ').filter(|t| !t.is_empty())),
        }
        let n = self.params.n_grams;
        if tokens.len() >= n {
            hash_windows_dispatch(Windows {
                norm,
                padded: padded.as_bytes(),
                tokens: &tokens,
                n,
                joined: &mut scratch.shingle,
                hashes: &mut scratch.hashes,
            });
        }
        scratch.tokens = recycle(tokens);
    }

    /// Signature of `text` into `out` (`bands * rows` values, band `j` =
    /// values `j*rows..(j+1)*rows`). Returns false, leaving `out` empty, when
    /// the text has fewer than `n_grams` tokens.
    pub fn signature(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<u64>) -> bool {
        out.clear();
        self.shingles(text, scratch);
        if scratch.hashes.is_empty() {
            return false;
        }
        out.resize(self.len(), u64::MAX);
        min_permuted(&scratch.hashes, &self.perms.a, &self.perms.b, out);
        true
    }
}

/// An empty vector with `v`'s allocation, for borrows of another lifetime
/// (the in-place `collect` keeps the buffer; the closure never runs).
fn recycle<'b>(mut v: Vec<&str>) -> Vec<&'b str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}

/// Zero bytes after the normalised text, so that [`xxh64_short`] can read
/// a whole 64-byte block from any window start.
const PAD: &str = "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\
                   \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// The arguments of [`hash_windows`].
struct Windows<'a, 'b> {
    norm: &'a str,
    padded: &'a [u8],
    tokens: &'a [&'a str],
    n: usize,
    joined: &'b mut String,
    hashes: &'b mut Vec<u64>,
}

/// [`hash_windows`], eight hashes at a time in AVX-512 registers where the
/// CPU has them (as [`min_permuted`]), else four at a time.
#[allow(unsafe_code)]
fn hash_windows_dispatch(w: Windows<'_, '_>) {
    #[cfg(target_arch = "x86_64")]
    {
        if simd_level() >= 2 {
            // SAFETY: `simd_level` checked that this CPU has every feature
            // `hash_windows_avx512` is compiled with.
            return unsafe { hash_windows_avx512(w) };
        }
    }
    hash_windows::<4>(w);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
fn hash_windows_avx512(w: Windows<'_, '_>) {
    hash_windows::<8>(w);
}

/// xxh64 of every window of `n` tokens (slices of `norm`, which `padded`
/// continues with [`PAD`]) joined by single spaces, into `hashes`.
#[inline(always)]
fn hash_windows<const L: usize>(w: Windows<'_, '_>) {
    let Windows {
        norm,
        padded,
        tokens,
        n,
        joined,
        hashes,
    } = w;
    let bytes = norm.as_bytes();
    let base = norm.as_ptr() as usize;
    let start = |t: &str| t.as_ptr() as usize - base;
    // Whether tokens j and j+1 are not separated by exactly one space.
    let bad_gap = |j: usize| {
        let end = start(tokens[j]) + tokens[j].len();
        end + 1 != start(tokens[j + 1]) || bytes.get(end) != Some(&b' ')
    };
    // The last bad gap seen; window k spans gaps k..k+n-1.
    let mut last_bad = None;
    for j in 0..n - 1 {
        if bad_gap(j) {
            last_bad = Some(j);
        }
    }
    hashes.reserve(tokens.len() + 1 - n);
    // Short in-place windows wait here and are hashed four at a time (the
    // order of `hashes` does not matter: only their minima are used).
    let mut blocks = [&[0u8; 64]; L];
    let mut lens = [0usize; L];
    let mut pending = 0;
    for (k, w) in tokens.windows(n).enumerate() {
        if k > 0 && n > 1 && bad_gap(k + n - 2) {
            last_bad = Some(k + n - 2);
        }
        let h = if last_bad.is_none_or(|j| j < k) {
            // The window is a slice of `norm`: hash it in place.
            let (a, b) = (start(w[0]), start(w[n - 1]) + w[n - 1].len());
            match padded.get(a..).and_then(|r| r.first_chunk::<64>()) {
                Some(block) if b - a < 64 => {
                    blocks[pending] = block;
                    lens[pending] = b - a;
                    pending += 1;
                    if pending == L {
                        hashes.extend(xxh64_short(blocks, lens));
                        pending = 0;
                    }
                    continue;
                }
                _ => xxh64(&bytes[a..b], 0),
            }
        } else {
            joined.clear();
            for (i, t) in w.iter().enumerate() {
                if i > 0 {
                    joined.push(' ');
                }
                joined.push_str(t);
            }
            xxh64(joined.as_bytes(), 0)
        };
        hashes.push(h);
    }
    for p in 0..pending {
        hashes.extend(xxh64_short([blocks[p]], [lens[p]]));
    }
}

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

#[inline(always)]
fn xxh_round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

/// `new` where `take`, else `old`, by masks: the branch would follow the
/// shingle length and mispredict.
#[inline(always)]
fn pick(take: bool, new: u64, old: u64) -> u64 {
    let m = u64::from(take).wrapping_neg();
    (new & m) | (old & !m)
}

/// `xxh64(&block[..len], 0)` for `len < 64` of `L` blocks at once.
///
/// Every step is computed for every length and the ones past `len` masked
/// out, so all lanes run the same instructions, and the `L` independent
/// multiply chains interleave (one xxh64 of a shingle is a chain of ~15
/// dependent multiplies). Bytes past `len` are read and ignored.
#[inline(always)]
fn xxh64_short<const L: usize>(blocks: [&[u8; 64]; L], lens: [usize; L]) -> [u64; L] {
    // Offsets are at most 48 (words), 56 (the 4-byte word) and 62 (bytes):
    // the clamps change nothing but let the compiler drop bounds checks.
    let w64 = |block: &[u8; 64], at: usize| -> u64 {
        let at = at.min(56);
        let mut w = [0u8; 8];
        w.copy_from_slice(&block[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let w32 = |block: &[u8; 64], at: usize| -> u64 {
        let at = at.min(60);
        let mut w = [0u8; 4];
        w.copy_from_slice(&block[at..at + 4]);
        u64::from(u32::from_le_bytes(w))
    };
    let mut h = [0u64; L];
    let mut at = [0usize; L];
    for l in 0..L {
        // One 32-byte stripe when len >= 32 (seed 0: lanes start at
        // P1 + P2, P2, 0, -P1).
        let b = blocks[l];
        let v1 = xxh_round(P1.wrapping_add(P2), w64(b, 0));
        let v2 = xxh_round(P2, w64(b, 8));
        let v3 = xxh_round(0, w64(b, 16));
        let v4 = xxh_round(0u64.wrapping_sub(P1), w64(b, 24));
        let mut striped = v1
            .rotate_left(1)
            .wrapping_add(v2.rotate_left(7))
            .wrapping_add(v3.rotate_left(12))
            .wrapping_add(v4.rotate_left(18));
        for v in [v1, v2, v3, v4] {
            striped = (striped ^ xxh_round(0, v))
                .wrapping_mul(P1)
                .wrapping_add(P4);
        }
        h[l] = pick(lens[l] >= 32, striped, P5).wrapping_add(lens[l] as u64);
        at[l] = lens[l] & 32;
    }
    // Up to three 8-byte words.
    for k in 0..3 {
        for l in 0..L {
            let next = (h[l] ^ xxh_round(0, w64(blocks[l], at[l])))
                .rotate_left(27)
                .wrapping_mul(P1)
                .wrapping_add(P4);
            let take = k < (lens[l] & 31) / 8;
            h[l] = pick(take, next, h[l]);
            at[l] += 8 * usize::from(take);
        }
    }
    // One 4-byte word.
    for l in 0..L {
        let take = lens[l] & 4 != 0;
        let next = (h[l] ^ w32(blocks[l], at[l]).wrapping_mul(P1))
            .rotate_left(23)
            .wrapping_mul(P2)
            .wrapping_add(P3);
        h[l] = pick(take, next, h[l]);
        at[l] += 4 * usize::from(take);
    }
    // Up to three bytes.
    for k in 0..3 {
        for l in 0..L {
            let byte = blocks[l][(at[l] + k).min(63)];
            let next = (h[l] ^ u64::from(byte).wrapping_mul(P5))
                .rotate_left(11)
                .wrapping_mul(P1);
            h[l] = pick(k < lens[l] % 4, next, h[l]);
        }
    }
    // Avalanche.
    h.map(|mut h| {
        h ^= h >> 33;
        h = h.wrapping_mul(P2);
        h ^= h >> 29;
        h = h.wrapping_mul(P3);
        h ^ (h >> 32)
    })
}

/// `mins[i] = min(mins[i], min over s of h_i(s))` for every permutation.
///
/// The hot loop of signatures (bands x rows multiply-add-reduce per
/// shingle). On x86-64 CPUs with AVX-512 (DQ has a 64-bit vector multiply)
/// or AVX2 it runs a copy of the same code compiled for those features,
/// chosen at run time; results are identical (integer arithmetic), and the
/// property tests compare every path that the test machine can run with
/// [`reference`].
#[allow(unsafe_code)]
fn min_permuted(hashes: &[u64], a: &[u64], b: &[u64], mins: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if simd_level() >= 2 {
            // SAFETY: `simd_level` checked that this CPU has every feature
            // `min_permuted_avx512` is compiled with.
            return unsafe { min_permuted_avx512(hashes, a, b, mins) };
        }
        if simd_level() == 1 {
            // SAFETY: as above, for AVX2.
            return unsafe { min_permuted_avx2(hashes, a, b, mins) };
        }
    }
    min_permuted_blocks::<4>(hashes, a, b, mins);
}

/// 2: AVX-512 F+DQ+VL+BW, 1: AVX2, 0: neither (or another architecture).
/// `SIFT_NO_SIMD=1` forces 0, to test or measure the portable path.
pub fn simd_level() -> u8 {
    static LEVEL: std::sync::OnceLock<u8> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| {
        if std::env::var_os("SIFT_NO_SIMD").is_some_and(|v| v != "0") {
            return 0;
        }
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx512dq") && has!("avx512vl") && has!("avx512bw") {
                return 2;
            }
            if has!("avx2") {
                return 1;
            }
        }
        0
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
fn min_permuted_avx512(hashes: &[u64], a: &[u64], b: &[u64], mins: &mut [u64]) {
    min_permuted_blocks::<8>(hashes, a, b, mins);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn min_permuted_avx2(hashes: &[u64], a: &[u64], b: &[u64], mins: &mut [u64]) {
    min_permuted_blocks::<8>(hashes, a, b, mins);
}

/// The loop itself: `W` permutations at a time stay in registers while all
/// shingles stream past (inlined into each feature-specific copy).
#[inline(always)]
fn min_permuted_blocks<const W: usize>(hashes: &[u64], a: &[u64], b: &[u64], mins: &mut [u64]) {
    let full = a.len() / W * W;
    for ((ma, mb), mm) in a[..full]
        .chunks_exact(W)
        .zip(b[..full].chunks_exact(W))
        .zip(mins[..full].chunks_exact_mut(W))
    {
        let mut acc = [u64::MAX; W];
        let mut aa = [0u64; W];
        let mut bb = [0u64; W];
        aa.copy_from_slice(ma);
        bb.copy_from_slice(mb);
        for &s in hashes {
            for k in 0..W {
                let v = mod_mersenne(s.wrapping_mul(aa[k]).wrapping_add(bb[k]));
                acc[k] = acc[k].min(v);
            }
        }
        for k in 0..W {
            mm[k] = mm[k].min(acc[k]);
        }
    }
    for i in full..a.len() {
        for &s in hashes {
            let v = mod_mersenne(s.wrapping_mul(a[i]).wrapping_add(b[i]));
            mins[i] = mins[i].min(v);
        }
    }
}

/// Estimated Jaccard similarity of two signatures: the fraction of equal
/// values.
pub fn similarity(x: &[u64], y: &[u64]) -> f64 {
    if x.is_empty() || x.len() != y.len() {
        return 0.0;
    }
    let same = x.iter().zip(y).filter(|(a, b)| a == b).count();
    same as f64 / x.len() as f64
}

/// Plain, obviously-correct implementations, kept to check the optimised
/// ones against (property tests).
pub mod reference {
    use super::*;

    /// Shingle hashes, joining every window into a fresh string.
    pub fn shingle_hashes(hasher: &MinHasher, text: &str) -> Vec<u64> {
        let mut norm = String::new();
        simplify_into(text, &mut norm);
        let mut tokens = Vec::new();
        match hasher.params.tokenizer {
            Tokenizer::SpacyEn => sift_text::split_words(&norm, &mut tokens),
            Tokenizer::Whitespace => tokens.extend(norm.split_whitespace()),
        }
        if tokens.len() < hasher.params.n_grams {
            return Vec::new();
        }
        tokens
            .windows(hasher.params.n_grams)
            .map(|w| xxh64(w.join(" ").as_bytes(), 0))
            .collect()
    }

    /// Signature with `%` and no blocking or deduplication.
    pub fn signature(hasher: &MinHasher, text: &str) -> Option<Vec<u64>> {
        signature_of_hashes(hasher, &shingle_hashes(hasher, text))
    }

    /// Signature of given shingle hashes.
    pub fn signature_of_hashes(hasher: &MinHasher, hashes: &[u64]) -> Option<Vec<u64>> {
        if hashes.is_empty() {
            return None;
        }
        let p = &hasher.perms;
        Some(
            (0..p.a.len())
                .map(|i| {
                    hashes
                        .iter()
                        .map(|&s| s.wrapping_mul(p.a[i]).wrapping_add(p.b[i]) % MERSENNE)
                        .min()
                        .unwrap_or(u64::MAX)
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mersenne_reduction_matches_modulo() {
        for x in [
            0,
            1,
            MERSENNE - 1,
            MERSENNE,
            MERSENNE + 1,
            u64::MAX,
            u64::MAX - 7,
        ] {
            assert_eq!(mod_mersenne(x), x % MERSENNE, "{x}");
        }
    }

    #[test]
    fn numpy_seed_1_matches_committed_constants() {
        let json: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/minhash-params-seed1.json"))
                .expect("valid json");
        let want = |k: &str| -> Vec<u64> {
            json[k]
                .as_array()
                .expect("array")
                .iter()
                .map(|v| v.as_u64().expect("u64"))
                .collect()
        };
        let p = Permutations::numpy(1, 112);
        assert_eq!(p.a, want("a"));
        assert_eq!(p.b, want("b"));
    }

    #[test]
    fn every_permutation_loop_agrees() {
        // The dispatched (SIMD on this CPU, if any) and portable loops
        // against plain `%`, for odd lengths too.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in [1usize, 7, 8, 13, 112, 130] {
            let a: Vec<u64> = (0..n).map(|_| 1 + rnd() % (MERSENNE - 1)).collect();
            let b: Vec<u64> = (0..n).map(|_| rnd() % MERSENNE).collect();
            let mut hashes: Vec<u64> = (0..300).map(|_| rnd()).collect();
            hashes.extend([0, u64::MAX, MERSENNE, MERSENNE - 1]);
            let want: Vec<u64> = (0..n)
                .map(|i| {
                    let f = |&s: &u64| s.wrapping_mul(a[i]).wrapping_add(b[i]) % MERSENNE;
                    hashes.iter().map(f).min().unwrap_or(u64::MAX)
                })
                .collect();
            let mut got = vec![u64::MAX; n];
            min_permuted(&hashes, &a, &b, &mut got);
            assert_eq!(got, want, "dispatched, n = {n}");
            let mut got = vec![u64::MAX; n];
            min_permuted_blocks::<4>(&hashes, &a, &b, &mut got);
            assert_eq!(got, want, "portable, n = {n}");
            let mut got = vec![u64::MAX; n];
            min_permuted_blocks::<8>(&hashes, &a, &b, &mut got);
            assert_eq!(got, want, "blocks of 8, n = {n}");
        }
    }

    #[test]
    fn short_xxh64_matches_the_crate() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..2000 {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = if round % 2 == 0 {
                    x as u8
                } else {
                    b'a' + (x % 26) as u8
                };
            }
            for len in 0..64 {
                let want = xxh64(&block[..len], 0);
                assert_eq!(xxh64_short([&block], [len]), [want], "len {len}");
                let lens = [len, 63 - len, len / 2, (len * 7) % 64];
                let got = xxh64_short([&block; 4], lens);
                assert_eq!(got, lens.map(|l| xxh64(&block[..l], 0)), "lens {lens:?}");
            }
        }
    }

    #[test]
    fn every_window_hasher_agrees() {
        // Tokens of texts with single and double spaces (windows that are
        // not slices), short and long (>= 64 bytes) windows; the hashes
        // of each path, sorted, against joining every window.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for case in 0..300 {
            let mut text = String::new();
            for _ in 0..rnd(40) {
                let len = if rnd(10) == 0 {
                    20 + rnd(40)
                } else {
                    1 + rnd(9)
                };
                for _ in 0..len {
                    text.push(char::from(b'a' + rnd(26) as u8));
                }
                text.push_str(if rnd(8) == 0 { "  " } else { " " });
            }
            let tokens: Vec<&str> = text.split(' ').filter(|t| !t.is_empty()).collect();
            let n = 1 + case % 6;
            if tokens.len() < n {
                continue;
            }
            let mut want: Vec<u64> = tokens
                .windows(n)
                .map(|w| xxh64(w.join(" ").as_bytes(), 0))
                .collect();
            want.sort_unstable();
            let padded = format!("{text}{PAD}");
            let norm = &padded[..text.len()];
            let tokens: Vec<&str> = norm.split(' ').filter(|t| !t.is_empty()).collect();
            let run = |f: &dyn Fn(Windows<'_, '_>)| {
                let (mut joined, mut hashes) = (String::new(), Vec::new());
                f(Windows {
                    norm,
                    padded: padded.as_bytes(),
                    tokens: &tokens,
                    n,
                    joined: &mut joined,
                    hashes: &mut hashes,
                });
                hashes.sort_unstable();
                hashes
            };
            assert_eq!(run(&|w| hash_windows::<1>(w)), want, "{text:?}");
            assert_eq!(run(&|w| hash_windows::<4>(w)), want, "{text:?}");
            assert_eq!(run(&|w| hash_windows::<8>(w)), want, "{text:?}");
            assert_eq!(run(&hash_windows_dispatch), want, "{text:?}");
        }
    }

    #[test]
    fn short_text_has_no_signature() {
        let h = MinHasher::new(MinHashParams::default()).expect("valid");
        let mut s = Scratch::default();
        let mut out = Vec::new();
        assert!(!h.signature("one two three four", &mut s, &mut out));
        assert!(out.is_empty());
        assert!(h.signature("one two three four five", &mut s, &mut out));
        assert_eq!(out.len(), 112);
    }
}
