//! A port of spaCy 3.8's rule tokenizer with the blank English (`en`) rules,
//! plus the rule-based `sentencizer`.
//!
//! The algorithm is that of `spacy/tokenizer.pyx`:
//!
//! 1. Split the text into runs of whitespace and non-whitespace (Python
//!    `isspace`). A whitespace run directly after a token loses one leading
//!    `' '` (that space is the token's trailing whitespace); what is left, if
//!    anything, is one whitespace token.
//! 2. A non-whitespace run ("chunk") that is a tokenizer exception becomes its
//!    pieces. Otherwise prefixes and suffixes are peeled off in turns, stopping
//!    at an exception or when nothing more comes off; the core left is an
//!    exception, a URL, or is split at infixes.
//! 3. Exceptions that contain affix characters (emoticons, `'s`, `a.m.`) are
//!    also looked for as runs of adjacent tokens and merged back
//!    (`_apply_special_cases`).
//!
//! Prefix, suffix and infix rules are spaCy's `TOKENIZER_PREFIXES`,
//! `TOKENIZER_SUFFIXES` (`lang/punctuation.py`) and the English
//! `TOKENIZER_INFIXES`, hand-compiled into char-class tests below; the
//! classes and exception lists are generated into `tables.rs`.
//!
//! Everything works on the chars of one chunk, so the regexes' lookbehinds and
//! lookaheads see exactly the string spaCy hands to them: the substring left
//! after peeling, never the text around it.

use std::sync::OnceLock;

use crate::class::{
    self, has, is_digit09, ALPHA, ALPHA_LOWER, ALPHA_UPPER, ICON, PREFIX1, PUNCT_CAT, QUOTE,
    SENT_PUNCT, SUFDOT_LB, SUFFIX1, TRIGGER,
};
use crate::pystr;
use crate::tables::{AFTER_DIGIT, SPECIALS};
use crate::url;

/// Receives tokens in order: slices of the input text.
pub(crate) trait Sink<'a> {
    /// One token; `space` marks a whitespace token.
    fn token(&mut self, tok: &'a str, space: bool);
}

/// One token of a document: byte range in the text, and whether it is whitespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tok {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) space: bool,
}

/// Reusable buffers for tokenizing one document.
#[derive(Default)]
pub(crate) struct Tokenizer {
    /// Tokens of the document so far.
    doc: Vec<Tok>,
    /// Whether some chunk's tokens hold a run that an exception with affix
    /// chars would change (see [`Tokenizer::merge_specials`]).
    changing_run: bool,
    /// Chars of the chunk being split.
    chars: Vec<char>,
    /// Byte offset of each char in the chunk, plus the chunk length.
    offs: Vec<u32>,
    /// Peeled prefixes and suffixes as char ranges.
    prefixes: Vec<(u32, u32)>,
    suffixes: Vec<(u32, u32)>,
    /// Scratch for the exception matcher.
    key: String,
    spans: Vec<(usize, usize)>,
    seen: Vec<bool>,
    taken: Vec<(usize, usize)>,
    merged: Vec<Tok>,
    /// When false, every chunk takes the general path (reference mode for tests).
    fast: bool,
    /// Splits of chunks seen before (a chunk's split depends on it alone).
    cache: ChunkCache,
    /// Chunks whose cache lookup waits for the end of the scan, as (tokens
    /// before them in `doc`, start, end), and their keys (see
    /// [`Tokenizer::resolve_deferred`]).
    deferred: Vec<(usize, usize, usize)>,
    deferred_keys: Vec<ChunkKey>,
    /// The scan's tokens while deferred chunks are put in place.
    staged: Vec<Tok>,
}

/// Chunks longer than this (bytes) are not cached.
const CACHE_MAX_CHUNK: usize = 64;
/// Entries before the cache is emptied. 4096 entries hit only 40 % of the
/// time on the bench corpus: web text has many distinct punctuated and
/// numeric chunks.
const CACHE_MAX_ENTRIES: usize = 1 << 15;
/// Slots of the cache's table (load at most 1/2): 32 bytes each, 2 MiB.
const CACHE_SLOTS: usize = 2 * CACHE_MAX_ENTRIES;
/// Chunks up to this many bytes with up to [`INLINE_PIECES`] tokens live
/// wholly in their slot.
const INLINE_KEY: usize = 16;
const INLINE_PIECES: usize = 4;

/// The token splits of recently split chunks: chunk text -> the tokens'
/// byte ranges relative to the chunk start. Open addressing, linear probing.
///
/// The table is larger than the L2 cache, so a lookup costs what its memory
/// reads cost: a slot holds the chunk's first and last 8 bytes and (for the
/// usual short chunk with few tokens) its tokens, so a hit reads one cache
/// line. Longer chunks keep their full text and tokens in `spill_*`.
#[derive(Default)]
struct ChunkCache {
    slots: Vec<CacheSlot>,
    entries: usize,
    spill_keys: Vec<u8>,
    spill_pieces: Vec<(u8, u8)>,
}

/// One cached chunk split (`len == 0`: empty slot; chunks are never empty).
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct CacheSlot {
    /// See [`ChunkKey`].
    head: u64,
    tail: u64,
    /// Inline: the tokens as (start, end) byte pairs. Spilled: offsets of
    /// the key in `spill_keys` (low half) and the tokens in `spill_pieces`.
    data: u64,
    /// High half of the chunk's hash.
    tag: u32,
    len: u8,
    count: u8,
    /// Whether the tokens hold a run that an exception would change.
    changing: bool,
    spilled: bool,
}

/// A chunk's length, first 8 bytes and last 8 bytes (zero-padded when
/// shorter; for up to 16 bytes, equal keys mean equal chunks), and hash.
struct ChunkKey {
    head: u64,
    tail: u64,
    len: usize,
    hash: u64,
}

impl ChunkKey {
    #[inline]
    fn new(s: &[u8]) -> Self {
        let len = s.len();
        let head = sift_core::swar::load_partial(&s[..len.min(8)]);
        let tail = if len > 8 {
            sift_core::swar::load_partial(&s[len - 8..])
        } else {
            0
        };
        let mut hash = (head ^ (len as u64) << 56).wrapping_mul(0x517c_c1b7_2722_0a95);
        hash = (hash.rotate_left(23) ^ tail).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        if len > INLINE_KEY {
            // The middle bytes too, or long chunks that share their ends
            // would share a probe run.
            for c in s[8..len - 8].chunks(8) {
                hash = (hash.rotate_left(23) ^ sift_core::swar::load_partial(c))
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15);
            }
        }
        ChunkKey {
            head,
            tail,
            len,
            hash: hash ^ hash >> 29,
        }
    }
}

/// The tokens of a cache hit.
enum CachedPieces<'a> {
    Inline(u64, usize),
    Spilled(&'a [(u8, u8)]),
}

impl CachedPieces<'_> {
    /// Append the tokens, for a chunk at `base`, to `doc`.
    #[inline]
    fn push_to(&self, doc: &mut Vec<Tok>, base: usize) {
        let tok = |a: u8, b: u8| Tok {
            start: base + usize::from(a),
            end: base + usize::from(b),
            space: false,
        };
        match *self {
            CachedPieces::Inline(data, count) => doc.extend(
                (0..count).map(|i| tok((data >> (16 * i)) as u8, (data >> (16 * i + 8)) as u8)),
            ),
            CachedPieces::Spilled(p) => doc.extend(p.iter().map(|&(a, b)| tok(a, b))),
        }
    }
}

impl ChunkCache {
    #[inline]
    fn slot(k: &ChunkKey) -> usize {
        k.hash as usize & (CACHE_SLOTS - 1)
    }

    /// Ask the CPU to load `k`'s first slot (a hint: it changes nothing).
    #[inline]
    fn prefetch(&self, k: &ChunkKey) {
        if let Some(slot) = self.slots.get(Self::slot(k)) {
            sift_core::prefetch::prefetch(slot);
        }
    }

    /// The cached tokens of chunk `s` (with key `k`) and its changing-run
    /// flag, or the slot where it would go.
    #[inline]
    fn get(&self, k: &ChunkKey, s: &[u8]) -> Result<(CachedPieces<'_>, bool), usize> {
        if self.slots.is_empty() {
            return Err(0);
        }
        let mut slot = Self::slot(k);
        loop {
            let e = &self.slots[slot];
            if e.len == 0 {
                return Err(slot);
            }
            if e.head == k.head
                && e.tail == k.tail
                && usize::from(e.len) == k.len
                && e.tag == (k.hash >> 32) as u32
            {
                if !e.spilled {
                    return Ok((
                        CachedPieces::Inline(e.data, usize::from(e.count)),
                        e.changing,
                    ));
                }
                let (ks, ps) = ((e.data as u32) as usize, (e.data >> 32) as usize);
                if k.len <= INLINE_KEY || self.spill_keys[ks..ks + k.len] == *s {
                    let pieces = &self.spill_pieces[ps..ps + usize::from(e.count)];
                    return Ok((CachedPieces::Spilled(pieces), e.changing));
                }
            }
            slot = (slot + 1) & (CACHE_SLOTS - 1);
        }
    }

    /// Remember that `s` (key `k`, at `base`) split into `toks`.
    fn insert(
        &mut self,
        k: &ChunkKey,
        s: &[u8],
        base: usize,
        toks: &[Tok],
        changing: bool,
        slot: usize,
    ) {
        // Chunks are at most CACHE_MAX_CHUNK < 256 bytes, so are the offsets.
        if toks.len() > 255 || k.len > usize::from(u8::MAX) {
            return;
        }
        let mut slot = slot;
        if self.slots.is_empty() || self.entries >= CACHE_MAX_ENTRIES {
            self.slots.clear();
            self.slots.resize(CACHE_SLOTS, CacheSlot::default());
            self.entries = 0;
            self.spill_keys.clear();
            self.spill_pieces.clear();
            slot = Self::slot(k);
        }
        let rel = |t: &Tok| ((t.start - base) as u8, (t.end - base) as u8);
        let spilled = k.len > INLINE_KEY || toks.len() > INLINE_PIECES;
        let data = if spilled {
            let at = (self.spill_keys.len() as u64) | (self.spill_pieces.len() as u64) << 32;
            self.spill_keys.extend_from_slice(s);
            self.spill_pieces.extend(toks.iter().map(rel));
            at
        } else {
            (toks.iter().map(rel).enumerate()).fold(0u64, |d, (i, (a, b))| {
                d | (u64::from(a) | u64::from(b) << 8) << (16 * i)
            })
        };
        self.slots[slot] = CacheSlot {
            head: k.head,
            tail: k.tail,
            data,
            tag: (k.hash >> 32) as u32,
            len: k.len as u8,
            count: toks.len() as u8,
            changing,
            spilled,
        };
        self.entries += 1;
    }
}

impl Tokenizer {
    pub(crate) fn new() -> Self {
        Tokenizer {
            fast: true,
            ..Default::default()
        }
    }

    /// The same tokenizer without shortcuts, for checking the shortcuts.
    #[cfg(test)]
    pub(crate) fn reference() -> Self {
        Tokenizer {
            fast: false,
            ..Default::default()
        }
    }

    /// Tokenize `text`, feeding every token (whitespace tokens included) to `sink`.
    pub(crate) fn tokenize<'a, S: Sink<'a>>(&mut self, text: &'a str, sink: &mut S) {
        self.tokenize_doc(text);
        for t in &self.doc {
            sink.token(&text[t.start..t.end], t.space);
        }
    }

    /// Tokenize `text` into `self.doc`.
    pub(crate) fn tokenize_doc(&mut self, text: &str) {
        self.doc.clear();
        self.changing_run = false;
        let Some(first) = text.chars().next() else {
            return;
        };
        let specials = specials();
        let mut in_ws = pystr::is_space(first);
        let mut start = 0;
        let mut trigger = false;
        if !self.fast {
            // The plain scan, char by char (what the fast one is tested against).
            for (i, c) in text.char_indices() {
                let (ws, trig) = classify(c);
                if ws != in_ws {
                    if start < i {
                        self.span(text, start, i, in_ws, trigger, specials);
                    }
                    start = if c == ' ' { i + 1 } else { i };
                    in_ws = ws;
                    trigger = false;
                }
                trigger |= trig;
            }
            if start < text.len() {
                self.span(text, start, text.len(), in_ws, trigger, specials);
            }
            if self.changing_run {
                self.merge_specials(text, specials);
            }
            return;
        }
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b' ' && !in_ws && bytes.get(i + 1).is_some_and(|&n| n > b' ' && n < 0x80) {
                // One space between chunks (the usual case): the space is the
                // chunk's trailing whitespace and no whitespace token follows,
                // which is what the general steps below do in two turns.
                if start < i {
                    self.span(text, start, i, false, trigger, specials);
                }
                start = i + 1;
                trigger = false;
                i += 1;
                continue;
            }
            let (ws, trig, len) = if b < 0x80 {
                let f = ASCII_CLASS[usize::from(b)];
                (f & 1 != 0, f & 2 != 0, 1)
            } else {
                let Some(c) = text[i..].chars().next() else {
                    break;
                };
                let (ws, trig) = classify(c);
                (ws, trig, c.len_utf8())
            };
            if ws != in_ws {
                if start < i {
                    self.span(text, start, i, in_ws, trigger, specials);
                }
                start = if b == b' ' { i + 1 } else { i };
                in_ws = ws;
                trigger = false;
            }
            trigger |= trig;
            i += len;
            if !in_ws {
                // ASCII letters (no flag) change nothing inside a chunk: skip
                // them 8 at a time, then one by one.
                while let Some(w) = bytes.get(i..).and_then(|r| r.first_chunk::<8>()) {
                    let n = ascii_letters_prefix(u64::from_le_bytes(*w));
                    i += n;
                    if n < 8 {
                        break;
                    }
                }
                while bytes
                    .get(i)
                    .is_some_and(|&b| b < 0x80 && ASCII_CLASS[usize::from(b)] == 0)
                {
                    i += 1;
                }
            }
        }
        if start < text.len() {
            self.span(text, start, text.len(), in_ws, trigger, specials);
        }
        if !self.deferred.is_empty() {
            self.resolve_deferred(text, specials);
        }
        if self.changing_run {
            self.merge_specials(text, specials);
        }
    }

    /// Look up the chunks the scan deferred and put their tokens in place.
    ///
    /// The cache is larger than the L2 cache, so a lookup waits for memory;
    /// made one at a time during the scan, those waits add up. Here every
    /// slot is requested first (prefetch) and then read, so the waits overlap.
    fn resolve_deferred(&mut self, text: &str, specials: &Specials) {
        self.deferred_keys.clear();
        for &(_, start, end) in &self.deferred {
            let key = ChunkKey::new(&text.as_bytes()[start..end]);
            self.cache.prefetch(&key);
            self.deferred_keys.push(key);
        }
        std::mem::swap(&mut self.doc, &mut self.staged);
        self.doc.clear();
        let deferred = std::mem::take(&mut self.deferred);
        let keys = std::mem::take(&mut self.deferred_keys);
        let mut copied = 0;
        for (&(at, start, end), key) in deferred.iter().zip(&keys) {
            self.doc.extend_from_slice(&self.staged[copied..at]);
            copied = at;
            self.cached_chunk(text, start, end, key, specials);
        }
        self.doc.extend_from_slice(&self.staged[copied..]);
        (self.deferred, self.deferred_keys) = (deferred, keys);
        self.deferred.clear();
    }

    #[inline(always)]
    fn span(
        &mut self,
        text: &str,
        start: usize,
        end: usize,
        ws: bool,
        trigger: bool,
        specials: &Specials,
    ) {
        if ws {
            // No affix rule or exception splits whitespace: one token.
            self.doc.push(Tok {
                start,
                end,
                space: true,
            });
            return;
        }
        if self.fast && !trigger && !specials.may_have(&text.as_bytes()[start..end]) {
            // No char that any prefix, suffix, infix or URL rule needs, and
            // not an exception.
            self.doc.push(Tok {
                start,
                end,
                space: false,
            });
            return;
        }
        self.chunk(text, start, end, trigger, specials);
    }

    /// [`Tokenizer::span`] of a chunk that may be an exception or need splitting.
    #[inline(never)]
    fn chunk(&mut self, text: &str, start: usize, end: usize, trigger: bool, specials: &Specials) {
        let s = &text[start..end];
        let first = self.doc.len();
        if let Some(sp) = specials.get(s) {
            push_pieces(&mut self.doc, start, sp.pieces);
        } else if self.fast && !trigger {
            // No char that any prefix, suffix, infix or URL rule needs.
            self.doc.push(Tok {
                start,
                end,
                space: false,
            });
        } else if self.fast && s.len() <= CACHE_MAX_CHUNK {
            self.deferred.push((self.doc.len(), start, end));
            return;
        } else {
            self.split_chunk(s, start, specials);
        }
        self.changing_run |= self.has_changing_run(text, specials, first);
    }

    /// The tokens of chunk `text[start..end]` (key `key`) from the cache, or
    /// split and remembered.
    fn cached_chunk(
        &mut self,
        text: &str,
        start: usize,
        end: usize,
        key: &ChunkKey,
        specials: &Specials,
    ) {
        let s = &text[start..end];
        match self.cache.get(key, s.as_bytes()) {
            Ok((pieces, changing)) => {
                pieces.push_to(&mut self.doc, start);
                self.changing_run |= changing;
            }
            Err(slot) => {
                let first = self.doc.len();
                self.split_chunk(s, start, specials);
                let changing = self.has_changing_run(text, specials, first);
                self.changing_run |= changing;
                let toks = &self.doc[first..];
                (self.cache).insert(key, s.as_bytes(), start, toks, changing, slot);
            }
        }
    }

    /// Whether the tokens of the chunk that starts at token `first` (the last
    /// tokens of the document) hold a run that an exception would change: a
    /// function of the chunk's text alone, so it is cached with its split.
    fn has_changing_run(&mut self, text: &str, specials: &Specials, first: usize) -> bool {
        let end = self.doc.len();
        if end - first < 2 {
            return false;
        }
        self.spans.clear();
        for i in first..end {
            self.find_matches(text, specials, i, end, true);
            if !self.spans.is_empty() {
                self.spans.clear();
                return true;
            }
        }
        false
    }

    /// `_split_affixes` + `_attach_tokens` for a chunk `s` at `base` that is not an exception.
    fn split_chunk(&mut self, s: &str, base: usize, specials: &Specials) {
        self.chars.clear();
        self.offs.clear();
        for (i, c) in s.char_indices() {
            self.chars.push(c);
            self.offs.push(i as u32);
        }
        self.offs.push(s.len() as u32);
        self.prefixes.clear();
        self.suffixes.clear();
        let chars = &self.chars[..];
        let offs = &self.offs[..];
        let sub = |a: usize, b: usize| &s[offs[a] as usize..offs[b] as usize];
        let is_special = |a: usize, b: usize| specials.get(sub(a, b)).is_some();

        let (mut a, mut b) = (0usize, chars.len());
        let mut last_len = 0usize;
        while a < b && b - a != last_len {
            if is_special(a, b) {
                break;
            }
            last_len = b - a;
            let pre = find_prefix(&chars[a..b]);
            if pre != 0 && a + pre < b && is_special(a + pre, b) {
                self.prefixes.push((a as u32, (a + pre) as u32));
                a += pre;
                break;
            }
            let suf = find_suffix(&chars[a + pre..b]);
            if suf != 0 && b - suf > a && is_special(a, b - suf) {
                self.suffixes.push(((b - suf) as u32, b as u32));
                b -= suf;
                break;
            }
            if pre != 0 {
                self.prefixes.push((a as u32, (a + pre) as u32));
                a += pre;
            }
            if suf != 0 {
                self.suffixes.push(((b - suf) as u32, b as u32));
                b -= suf;
            }
        }

        let doc = &mut self.doc;
        let tok = |x: usize, y: usize| Tok {
            start: base + offs[x] as usize,
            end: base + offs[y] as usize,
            space: false,
        };
        for &(pa, pb) in &self.prefixes {
            doc.push(tok(pa as usize, pb as usize));
        }
        if a < b {
            let core = &chars[a..b];
            if let Some(sp) = specials.get(sub(a, b)) {
                push_pieces(doc, base + offs[a] as usize, sp.pieces);
            } else if url::is_url(core) {
                doc.push(tok(a, b));
            } else {
                // Infixes; one at the very start is skipped (it stays in the next token).
                let mut start = 0usize;
                for_each_infix(core, |ia, ib| {
                    if ia == 0 {
                        return;
                    }
                    if ia != start {
                        doc.push(tok(a + start, a + ia));
                    }
                    doc.push(tok(a + ia, a + ib));
                    start = ib;
                });
                if start < core.len() {
                    doc.push(tok(a + start, b));
                }
            }
        }
        for &(sa, sb) in self.suffixes.iter().rev() {
            doc.push(tok(sa as usize, sb as usize));
        }
    }

    /// `_apply_special_cases`: spaCy's PhraseMatcher looks for runs of tokens
    /// spelling an exception that contains affix characters, tokenized exactly
    /// as the exception would be without exceptions. Runs may cross a single
    /// space between chunks (then they are found, and block overlapping runs,
    /// but are not merged since their text contains the space).
    ///
    /// Only a run inside one chunk can change tokens, and only if the exception's
    /// pieces differ from the tokens it matched (a one-token match never does, see
    /// `gen_tables.py`), so without such a run nothing needs doing.
    fn merge_specials(&mut self, text: &str, specials: &Specials) {
        self.spans.clear();
        for i in 0..self.doc.len() {
            self.find_matches(text, specials, i, self.doc.len(), false);
        }
        let doc = &self.doc;
        // Longest first, then leftmost; a span is taken when its first and last
        // tokens are still free, and every span looked at marks its tokens used.
        self.spans
            .sort_by(|x, y| (y.1 - y.0).cmp(&(x.1 - x.0)).then(x.0.cmp(&y.0)));
        self.seen.clear();
        self.seen.resize(doc.len(), false);
        self.taken.clear();
        for &(i, j) in &self.spans {
            if !self.seen[i] && !self.seen[j - 1] {
                self.taken.push((i, j));
            }
            for k in i..j {
                self.seen[k] = true;
            }
        }
        self.taken.sort_unstable();
        let merged = &mut self.merged;
        merged.clear();
        let mut k = 0usize;
        for &(i, j) in &self.taken {
            merged.extend_from_slice(&doc[k..i]);
            let (start, end) = (doc[i].start, doc[j - 1].end);
            match specials.get(&text[start..end]) {
                Some(sp) => push_pieces(merged, start, sp.pieces),
                None => merged.extend_from_slice(&doc[i..j]),
            }
            k = j;
        }
        merged.extend_from_slice(&doc[k..]);
        std::mem::swap(&mut self.doc, &mut self.merged);
    }

    /// Push to `self.spans` the matcher matches starting at token `i` and ending
    /// before token `end`; if `changing_only`, only those that would change tokens.
    fn find_matches(
        &mut self,
        text: &str,
        specials: &Specials,
        i: usize,
        end: usize,
        changing_only: bool,
    ) {
        let doc = &self.doc;
        let prefixes = if changing_only {
            &specials.changing_prefixes
        } else {
            &specials.prefixes
        };
        // The tokens' texts joined: a slice of `text` while they are adjacent,
        // else copied into `self.key` (a run across a space between chunks).
        let start = doc[i].start;
        let mut joined_in_key = false;
        self.key.clear();
        for j in i..end {
            let t = doc[j];
            if t.space {
                break;
            }
            if !joined_in_key && j > i && t.start != doc[j - 1].end {
                self.key.push_str(&text[start..doc[j - 1].end]);
                joined_in_key = true;
            }
            let key = if joined_in_key {
                self.key.push_str(&text[t.start..t.end]);
                &self.key[..]
            } else {
                &text[start..t.end]
            };
            // Stop as soon as no pattern starts with these tokens.
            if prefixes.get(key).is_none() {
                break;
            }
            let Some(sp) = specials.get(key) else {
                continue;
            };
            let Some(pattern) = sp.pattern else {
                continue;
            };
            if changing_only && pattern == sp.pieces {
                continue;
            }
            let same = pattern.len() == j + 1 - i
                && doc[i..=j]
                    .iter()
                    .zip(pattern)
                    .all(|(t, &len)| t.end - t.start == usize::from(len));
            if same {
                self.spans.push((i, j + 1));
            }
        }
    }

    /// Give back buffer memory a huge document left behind.
    pub(crate) fn shrink(&mut self) {
        const KEEP: usize = 1 << 16;
        if self.doc.capacity() > 16 * KEEP {
            self.doc.clear();
            self.doc.shrink_to(KEEP);
            self.merged = Vec::new();
            self.seen = Vec::new();
        }
        if self.chars.capacity() > 16 * KEEP {
            self.chars = Vec::new();
            self.offs = Vec::new();
        }
    }

    /// Tokens of the last [`Tokenizer::tokenize_doc`].
    pub(crate) fn doc(&self) -> &[Tok] {
        &self.doc
    }
}

/// How many of the 8 bytes of `w` (little-endian), from the first, are
/// ASCII letters, without a branch per byte.
#[inline]
pub fn ascii_letters_prefix(w: u64) -> usize {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HI: u64 = 0x8080_8080_8080_8080;
    // Setting bit 5 maps A-Z to a-z and nothing else into a-z.
    let x = w | 0x2020_2020_2020_2020;
    let y = x & LO7;
    // Per byte (no carries: y <= 0x7f): high bit of y + 0x1f is y >= 'a',
    // of y + 0x05 is y > 'z'; bytes >= 0x80 are out.
    let letters = (y + 0x1f1f_1f1f_1f1f_1f1f) & !(y + 0x0505_0505_0505_0505) & !x & HI;
    ((!letters & HI).trailing_zeros() / 8) as usize
}

fn push_pieces(doc: &mut Vec<Tok>, mut at: usize, pieces: &[u8]) {
    for &len in pieces {
        let end = at + usize::from(len);
        doc.push(Tok {
            start: at,
            end,
            space: false,
        });
        at = end;
    }
}

/// (is whitespace, may take part in an affix/infix/URL rule).
#[inline]
fn classify(c: char) -> (bool, bool) {
    if c.is_ascii() {
        let f = ASCII_CLASS[c as usize];
        (f & 1 != 0, f & 2 != 0)
    } else {
        (pystr::is_space(c), has(c, TRIGGER))
    }
}

static ASCII_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8 as char;
        let ws = matches!(c, '\t'..='\r' | '\u{1c}'..='\u{20}');
        let alnum_free = c.is_ascii_alphabetic() || (c as u32) < 0x20 || c == '\u{7f}';
        // Every printable ASCII char that is not a letter or space takes part in
        // some rule (digits via unit/currency lookbehinds); over-approximating is safe.
        let trig = !ws && !alnum_free;
        t[i] = (ws as u8) | ((trig as u8) << 1);
        i += 1;
    }
    t
};

/// Length in chars of the prefix spaCy splits off the front of `s` (0 if none).
///
/// The compiled regex tries alternatives in order and takes the first that
/// matches; only `\.\.+`, `\+(?![0-9])` and `US$ C$ A$` are not single chars,
/// and none of them shares a first char with an earlier alternative.
pub(crate) fn find_prefix(s: &[char]) -> usize {
    let Some(&c) = s.first() else {
        return 0;
    };
    match c {
        '.' => {
            let run = s.iter().take_while(|&&c| c == '.').count();
            if run >= 2 {
                run
            } else {
                0
            }
        }
        '+' => usize::from(!s.get(1).is_some_and(|&c| is_digit09(c))),
        _ if has(c, PREFIX1) => 1,
        'U' if s.starts_with(&['U', 'S', '$']) => 3,
        'C' | 'A' if s.get(1) == Some(&'$') => 2,
        _ => 0,
    }
}

/// Longest literal suffix in chars: `AFTER_DIGIT` entries, `'s`, `……`.
const MAX_FIXED_SUFFIX: usize = 4;

/// Length in chars of the suffix spaCy splits off the end of `s` (0 if none).
///
/// `re.search` with every alternative anchored at `$` returns the match that
/// starts leftmost, so this is the longest alternative that matches at the end.
pub(crate) fn find_suffix(s: &[char]) -> usize {
    let n = s.len();
    let dots = s.iter().rev().take_while(|&&c| c == '.').count();
    if dots >= 2 {
        // No other alternative ends in "..", so none can start further left.
        return dots;
    }
    for p in n.saturating_sub(MAX_FIXED_SUFFIX)..n {
        if suffix_at(s, p) {
            return n - p;
        }
    }
    0
}

fn suffix_at(s: &[char], p: usize) -> bool {
    let tail = &s[p..];
    let prev = if p > 0 { Some(s[p - 1]) } else { None };
    let after_digit = prev.is_some_and(is_digit09);
    if let [c] = tail {
        let c = *c;
        if has(c, SUFFIX1) {
            return true;
        }
        match c {
            '+' => return after_digit,
            '.' => {
                let Some(prev) = prev else {
                    return false;
                };
                if has(prev, SUFDOT_LB) {
                    return true;
                }
                if p >= 2 {
                    let pp = s[p - 2];
                    if has(pp, ALPHA_UPPER) && has(prev, ALPHA_UPPER) {
                        return true;
                    }
                    if pp == '°' && matches!(prev, 'F' | 'f' | 'C' | 'c' | 'K' | 'k') {
                        return true;
                    }
                }
                return false;
            }
            _ => {}
        }
    } else if matches!(tail, ['…', '…'] | ['\'' | '’', 's' | 'S']) {
        return true;
    }
    after_digit
        && after_digit_units()
            .binary_search_by(|u| u.as_slice().cmp(tail))
            .is_ok()
}

/// [`AFTER_DIGIT`] as sorted char strings: numbers are common, and scanning
/// all 143 units for each of the four suffix positions dominated the cost of
/// splitting a chunk that ends in a digit.
fn after_digit_units() -> &'static [Vec<char>] {
    static UNITS: OnceLock<Vec<Vec<char>>> = OnceLock::new();
    UNITS.get_or_init(|| {
        let mut v: Vec<Vec<char>> = AFTER_DIGIT.iter().map(|u| u.chars().collect()).collect();
        v.sort();
        v
    })
}

/// The hyphen alternatives of the infix rule `(?<=[a0-9])(?:-|–|—|--|---|——|~)(?=[a])`, in order.
const HYPHENS: [&[char]; 7] = [
    &['-'],
    &['–'],
    &['—'],
    &['-', '-'],
    &['-', '-', '-'],
    &['—', '—'],
    &['~'],
];

/// Calls `f(start, end)` for each infix match of `s`, left to right, as Python's
/// `finditer` over the English infix regex would report them.
pub(crate) fn for_each_infix(s: &[char], mut f: impl FnMut(usize, usize)) {
    let n = s.len();
    let mut i = 0;
    while i < n {
        match infix_at(s, i) {
            Some(len) => {
                f(i, i + len);
                i += len;
            }
            None => i += 1,
        }
    }
}

/// ASCII chars that can start an infix match (see [`infix_at`]).
const INFIX_START_ASCII: u128 = {
    let chars = b".+-*^,~:<>=/";
    let mut bits = 0u128;
    let mut i = 0;
    while i < chars.len() {
        bits |= 1u128 << chars[i];
        i += 1;
    }
    bits
};

/// Whether an infix match can start at `c`: most chars of a chunk (letters,
/// digits, CJK) cannot, and rejecting them first keeps the scan cheap.
#[inline]
fn may_start_infix(c: char) -> bool {
    if c.is_ascii() {
        INFIX_START_ASCII & (1u128 << (c as u32)) != 0
    } else {
        matches!(c, '…' | '–' | '—') || has(c, ICON)
    }
}

fn infix_at(s: &[char], i: usize) -> Option<usize> {
    let c = s[i];
    if !may_start_infix(c) {
        return None;
    }
    infix_rules(s, i)
}

/// The infix rules at `s[i]`, without the [`may_start_infix`] gate.
fn infix_rules(s: &[char], i: usize) -> Option<usize> {
    let c = s[i];
    let next = s.get(i + 1).copied();
    let prev = if i > 0 { Some(s[i - 1]) } else { None };
    let flags = class::flags(c);
    // \.\.+
    if c == '.' && next == Some('.') {
        return Some(s[i..].iter().take_while(|&&c| c == '.').count());
    }
    // …  and icons
    if c == '…' || flags & ICON != 0 {
        return Some(1);
    }
    let prev = prev?;
    let prev_digit = is_digit09(prev);
    // (?<=[0-9])[+\-\*^](?=[0-9-])
    if prev_digit
        && matches!(c, '+' | '-' | '*' | '^')
        && next.is_some_and(|n| is_digit09(n) || n == '-')
    {
        return Some(1);
    }
    let next_has = |mask| next.is_some_and(|n| has(n, mask));
    // (?<=[al q])\.(?=[au q])
    if c == '.' && has(prev, ALPHA_LOWER | QUOTE) && next_has(ALPHA_UPPER | QUOTE) {
        return Some(1);
    }
    let prev_alpha = has(prev, ALPHA);
    // (?<=[a]),(?=[a])
    if c == ',' && prev_alpha && next_has(ALPHA) {
        return Some(1);
    }
    if prev_alpha || prev_digit {
        // (?<=[a0-9])(?:hyphens)(?=[a])
        for h in HYPHENS {
            if s[i..].starts_with(h) && s.get(i + h.len()).is_some_and(|&n| has(n, ALPHA)) {
                return Some(h.len());
            }
        }
        // (?<=[a0-9])[:<>=/](?=[a])
        if matches!(c, ':' | '<' | '>' | '=' | '/') && next_has(ALPHA) {
            return Some(1);
        }
    }
    None
}

/// One tokenizer exception.
pub(crate) struct Special {
    /// Byte lengths of the pieces.
    pieces: &'static [u8],
    /// Byte lengths of the tokens the string splits into without exceptions,
    /// when spaCy's exception matcher looks for it across tokens.
    pattern: Option<&'static [u8]>,
}

/// Open-addressing hash map from static strings.
struct StrMap<V> {
    slots: Vec<u32>,
    mask: usize,
    max_len: usize,
    /// Bit set over (length, first byte, last byte) of the keys: most misses stop here.
    quick: Vec<u64>,
    entries: Vec<(&'static str, V)>,
}

const QUICK_BITS: usize = 1 << 16;

/// Bit of `key` in the quick filter: from its length and its first two and
/// last two bytes (with only the first and last byte, common words like
/// "has" and "his" hit exceptions like "hes").
#[inline]
fn quick_index(key: &[u8]) -> usize {
    let n = key.len();
    let at = |i: usize| u64::from(key.get(i).copied().unwrap_or(0));
    let x = (n as u64)
        | at(0) << 8
        | at(1) << 16
        | at(n.wrapping_sub(2)) << 24
        | at(n.wrapping_sub(1)) << 32;
    (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & (QUICK_BITS - 1)
}

fn hash(s: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = s.len() as u64;
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        let mut buf = [0u8; 8];
        buf.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

impl<V> StrMap<V> {
    fn with_capacity(n: usize) -> Self {
        let cap = (n * 4).next_power_of_two().max(16);
        StrMap {
            slots: vec![0; cap],
            mask: cap - 1,
            max_len: 0,
            quick: vec![0; QUICK_BITS / 64],
            entries: Vec::with_capacity(n),
        }
    }

    /// Insert `key` unless present.
    fn insert(&mut self, key: &'static str, value: V) {
        let mut slot = hash(key.as_bytes()) as usize & self.mask;
        while self.slots[slot] != 0 {
            if self.entries[self.slots[slot] as usize - 1].0 == key {
                return;
            }
            slot = (slot + 1) & self.mask;
        }
        self.entries.push((key, value));
        self.slots[slot] = u32::try_from(self.entries.len()).expect("small table");
        self.max_len = self.max_len.max(key.len());
        let q = quick_index(key.as_bytes());
        self.quick[q / 64] |= 1 << (q % 64);
    }

    /// False when `key` is certainly not a key (most misses stop here).
    #[inline(always)]
    fn may_have(&self, key: &[u8]) -> bool {
        if key.len() > self.max_len || key.is_empty() {
            return false;
        }
        let q = quick_index(key);
        self.quick[q / 64] & (1 << (q % 64)) != 0
    }

    #[inline]
    fn get(&self, key: &str) -> Option<&V> {
        if !self.may_have(key.as_bytes()) {
            return None;
        }
        let mut slot = hash(key.as_bytes()) as usize & self.mask;
        loop {
            let idx = self.slots[slot] as usize;
            if idx == 0 {
                return None;
            }
            let (k, v) = &self.entries[idx - 1];
            if *k == key {
                return Some(v);
            }
            slot = (slot + 1) & self.mask;
        }
    }
}

/// The tokenizer exceptions.
pub(crate) struct Specials {
    map: StrMap<Special>,
    /// Texts of the first 1, 2, ... tokens of each matcher pattern.
    prefixes: StrMap<()>,
    /// The same for the patterns whose exception differs from the pattern.
    changing_prefixes: StrMap<()>,
}

impl Specials {
    fn build() -> Self {
        let mut map = StrMap::with_capacity(SPECIALS.len());
        let mut prefixes = StrMap::with_capacity(2 * SPECIALS.len());
        let mut changing_prefixes = StrMap::with_capacity(2 * SPECIALS.len());
        for &(key, pieces, pattern) in SPECIALS.iter() {
            if let Some(pattern) = pattern {
                let mut end = 0;
                for &len in pattern {
                    end += usize::from(len);
                    prefixes.insert(&key[..end], ());
                    if pattern != pieces {
                        changing_prefixes.insert(&key[..end], ());
                    }
                }
            }
            map.insert(key, Special { pieces, pattern });
        }
        Specials {
            map,
            prefixes,
            changing_prefixes,
        }
    }

    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<&Special> {
        self.map.get(key)
    }

    /// False when `key` is certainly not an exception.
    #[inline(always)]
    pub(crate) fn may_have(&self, key: &[u8]) -> bool {
        self.map.may_have(key)
    }
}

pub(crate) fn specials() -> &'static Specials {
    static SPECIALS_SET: OnceLock<Specials> = OnceLock::new();
    SPECIALS_SET.get_or_init(Specials::build)
}

/// spaCy's `Sentencizer` over a token stream, then datatrove's piece count.
#[derive(Default)]
pub(crate) struct SentenceCounter {
    /// A token was exactly `IS_ALPHA` (see `split_words`).
    pub(crate) poisoned: bool,
    tokens: usize,
    seen_period: bool,
    starts: usize,
}

impl SentenceCounter {
    /// Sentences in what was fed: spaCy's sentence count, but at least 1,
    /// since datatrove cuts the text at sentence ends and keeps the last piece.
    pub(crate) fn count(&self) -> usize {
        self.starts.max(1)
    }
}

impl<'a> Sink<'a> for SentenceCounter {
    fn token(&mut self, tok: &'a str, space: bool) {
        if self.tokens == 0 {
            self.starts = 1;
        }
        self.tokens += 1;
        let (is_punct, is_end) = if space {
            (false, false)
        } else {
            self.poisoned |= tok == "IS_ALPHA";
            let mut it = tok.chars();
            let first = it.next();
            let single = it.next().is_none();
            let is_end = single && first.is_some_and(|c| has(c, SENT_PUNCT));
            (tok.chars().all(|c| has(c, PUNCT_CAT)), is_end)
        };
        if self.seen_period && !is_punct && !is_end {
            self.starts += 1;
            self.seen_period = false;
        } else if is_end {
            self.seen_period = true;
        }
    }
}

/// Collects non-whitespace tokens (they never contain whitespace, so
/// Python's `strip()` leaves them as they are).
pub(crate) struct WordSink<'a, 'v> {
    pub(crate) out: &'v mut Vec<&'a str>,
}

impl<'a> Sink<'a> for WordSink<'a, '_> {
    #[inline]
    fn token(&mut self, tok: &'a str, space: bool) {
        if !space {
            self.out.push(tok);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn toks(t: &mut Tokenizer, text: &str) -> Vec<(String, bool)> {
        t.tokenize_doc(text);
        t.doc()
            .iter()
            .map(|k| (text[k.start..k.end].to_owned(), k.space))
            .collect()
    }

    #[test]
    fn ascii_letters_prefix_counts_letters() {
        for s in [
            "abcdefgh",
            "ABCDEFGH",
            "abc defg",
            "@[`{azAZ",
            "a\u{7f}bcdefg",
            "zZ0aaaaa",
            "é",
            "\u{0}\u{0}",
            "Zz~xxxxx",
        ] {
            let mut w = [b'.'; 8];
            let b = s.as_bytes();
            w[..b.len().min(8)].copy_from_slice(&b[..b.len().min(8)]);
            let want = w.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            assert_eq!(ascii_letters_prefix(u64::from_le_bytes(w)), want, "{s:?}");
        }
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b'a', b, b'a', b'a', b'a', b'a', b'a', b'a']);
            let want = if b.is_ascii_alphabetic() { 8 } else { 1 };
            assert_eq!(ascii_letters_prefix(w), want, "{b:#x}");
        }
    }

    #[test]
    fn prefixes() {
        let p = |s: &str| find_prefix(&chars(s));
        assert_eq!(p("(a"), 1);
        assert_eq!(p("...a"), 3);
        assert_eq!(p(".a"), 0);
        assert_eq!(p("+a"), 1);
        assert_eq!(p("+5"), 0);
        assert_eq!(p("US$5"), 3);
        assert_eq!(p("C$5"), 2);
        assert_eq!(p("$5"), 1);
        assert_eq!(p("……"), 1);
        assert_eq!(p("©x"), 1);
        assert_eq!(p("abc"), 0);
    }

    #[test]
    fn suffixes() {
        let s = |x: &str| find_suffix(&chars(x));
        assert_eq!(s("a)"), 1);
        assert_eq!(s("a..."), 3);
        assert_eq!(s("a……"), 2);
        assert_eq!(s("a's"), 2);
        assert_eq!(s("A’S"), 2);
        assert_eq!(s("5km"), 2);
        assert_eq!(s("5km²"), 3);
        assert_eq!(s("5m/s"), 3);
        assert_eq!(s("km"), 0);
        assert_eq!(s("5US$"), 3);
        assert_eq!(s("5+"), 1);
        assert_eq!(s("a+"), 0);
        assert_eq!(s("a."), 1);
        assert_eq!(s("A."), 0);
        assert_eq!(s("AB."), 1);
        assert_eq!(s("°C."), 1);
        assert_eq!(s("C."), 0);
        assert_eq!(s("5%."), 1);
        assert_eq!(s("abc"), 0);
    }

    #[test]
    fn infixes() {
        let inf = |x: &str| {
            let mut v = Vec::new();
            for_each_infix(&chars(x), |a, b| v.push((a, b)));
            v
        };
        assert_eq!(inf("a-b"), [(1, 2)]);
        assert_eq!(inf("a--b"), [(1, 3)]);
        assert_eq!(inf("a----b"), []);
        assert_eq!(inf("1-2"), [(1, 2)]);
        assert_eq!(inf("a.B"), [(1, 2)]);
        assert_eq!(inf("a.b"), []);
        assert_eq!(inf("x...y"), [(1, 4)]);
        assert_eq!(inf("a,b"), [(1, 2)]);
        assert_eq!(inf("1,5"), []);
        assert_eq!(inf("a/b:c"), [(1, 2), (3, 4)]);
    }

    #[test]
    fn infix_gate_rejects_only_chars_no_rule_starts_with() {
        let around = ['a', 'A', '1', '.', '"', '-', '—', '…'];
        for c in (0..0x11_0000u32).filter_map(char::from_u32) {
            if may_start_infix(c) {
                continue;
            }
            for p in around {
                for n in around {
                    assert_eq!(infix_rules(&[p, c, n, n], 1), None, "{c:?} after {p:?}");
                }
            }
        }
    }

    #[test]
    fn merges_exceptions_across_tokens() {
        let mut t = Tokenizer::new();
        let words = |t: &mut Tokenizer, s: &str| -> Vec<String> {
            toks(t, s)
                .into_iter()
                .filter(|x| !x.1)
                .map(|x| x.0)
                .collect()
        };
        assert_eq!(words(&mut t, "Hello:)"), ["Hello", ":)"]);
        assert_eq!(words(&mut t, "5°C."), ["5", "°", "C", "."]);
        // A match across the space blocks the overlapping one (spaCy's PhraseMatcher).
        assert_eq!(words(&mut t, "458:) :)x"), ["458", ":)", ":", ")", "x"]);
    }

    #[test]
    fn whitespace_tokens() {
        let mut t = Tokenizer::new();
        let v = toks(&mut t, " a  b\n c ");
        let expect = [
            (" ", true),
            ("a", false),
            (" ", true),
            ("b", false),
            ("\n ", true),
            ("c", false),
        ];
        let expect: Vec<(String, bool)> = expect.iter().map(|&(s, b)| (s.to_owned(), b)).collect();
        assert_eq!(v, expect);
    }

    #[test]
    fn pathological_chunks_stay_linear() {
        // Each would take minutes if any step were quadratic in the chunk length.
        let n = 200_000;
        let mut t = Tokenizer::new();
        for text in [
            format!("{}.com", "@".repeat(n)),
            format!("{}x", "a@b:".repeat(n / 4)),
            "a.".repeat(n / 2),
            format!("{}x{}", "(".repeat(n), ")".repeat(n)),
            "'s".repeat(n / 2),
            "-".repeat(n),
            ".".repeat(n),
            ":)".repeat(n / 2),
            "1.".repeat(n / 2),
        ] {
            t.tokenize_doc(&text);
            let covered: usize = t.doc().iter().map(|k| k.end - k.start).sum();
            assert_eq!(covered, text.len());
        }
    }

    const PIECES: &[&str] = &[
        "a",
        "ab",
        "The",
        "x",
        "US",
        "U",
        "S",
        "I",
        "m",
        "s",
        "km",
        "5",
        "10",
        "0",
        ".",
        "..",
        ",",
        ":",
        ";",
        "!",
        "?",
        "'",
        "’",
        "\"",
        "(",
        ")",
        "[",
        "]",
        "-",
        "--",
        "—",
        "–",
        "~",
        "/",
        "=",
        "<",
        ">",
        "+",
        "*",
        "^",
        "$",
        "€",
        "%",
        "°",
        "C",
        "F",
        "©",
        "…",
        "@",
        "#",
        "&",
        "_",
        "é",
        "中",
        "ß",
        "٣",
        "²",
        "can't",
        "don't",
        "cannot",
        "gonna",
        "0",
        "0km",
        "0am",
        "км",
        "й",
        "Dr.",
        "U.S.",
        "a.m.",
        "e.g.",
        ":)",
        ":-(",
        "<3",
        "^_^",
        "http://x.io/a",
        "www.a.com",
        "b@c.org",
        "1.2.3.4",
        "'s",
        "C++",
        " ",
        " ",
        "  ",
        "\n",
        "\t",
        "\u{a0}",
        "\u{1c}",
        "IS_ALPHA",
    ];

    fn text_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(PIECES).prop_map(str::to_owned),
                1 => any::<char>().prop_map(String::from),
            ],
            0..24,
        )
        .prop_map(|v| v.concat())
    }

    #[test]
    fn chunk_keys_are_exact_up_to_the_inline_length() {
        // Every string of up to 11 bytes over a small alphabet (NUL included),
        // and long ones differing only in the middle.
        let alphabet = [b'a', b'b', 0u8, 0xff];
        let mut seen = std::collections::HashMap::new();
        for len in 0..=11usize {
            for code in 0..4usize.pow(len.min(6) as u32) {
                let mut s: Vec<u8> = (0..len)
                    .map(|i| alphabet[(code >> (2 * (i % 6))) & 3])
                    .collect();
                if len > 6 {
                    s[len - 1] = alphabet[len % 4];
                }
                let k = ChunkKey::new(&s);
                let id = (k.head, k.tail, k.len);
                if let Some(other) = seen.insert(id, s.clone()) {
                    assert_eq!(other, s, "two chunks share a key");
                }
            }
        }
    }

    #[test]
    fn cached_splits_are_the_reference_splits() {
        // Short, long (spilled key) and many-token (spilled tokens) chunks,
        // each seen several times so later ones are cache hits.
        let chunks = [
            "word,",
            "(a)",
            "U.S.,",
            "\"(well-known),\"",
            "(self-described),",
            "<a,b;c!d?e>",
            "a-b-c-d-e-f-g-h-i,",
            "https://example.com/a/b/c?d=e.",
            "2019-2020),",
            "don't.",
        ];
        let text = (0..5).flat_map(|_| chunks).collect::<Vec<_>>().join(" ");
        let mut fast = Tokenizer::new();
        for _ in 0..2 {
            assert_eq!(
                toks(&mut fast, &text),
                toks(&mut Tokenizer::reference(), &text)
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn fast_path_matches_reference(text in text_strategy()) {
            let fast = toks(&mut Tokenizer::new(), &text);
            let slow = toks(&mut Tokenizer::reference(), &text);
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn tokens_tile_the_text(text in text_strategy()) {
            // Tokens are in order and cover every non-space char; the gaps are single spaces.
            let mut t = Tokenizer::new();
            t.tokenize_doc(&text);
            let mut at = 0;
            for k in t.doc() {
                let gap = &text[at..k.start];
                prop_assert!(gap.is_empty() || gap == " ", "gap {:?} in {:?}", gap, text);
                prop_assert!(k.start < k.end);
                let tok = &text[k.start..k.end];
                prop_assert_eq!(k.space, tok.chars().all(pystr::is_space));
                prop_assert!(k.space || !tok.chars().any(pystr::is_space));
                at = k.end;
            }
            let rest = &text[at..];
            prop_assert!(rest.is_empty() || rest == " ");
        }

        #[test]
        fn min_word_count_is_a_lower_bound(text in text_strategy()) {
            let mut words = Vec::new();
            crate::split_words(&text, &mut words);
            prop_assert!(crate::min_word_count(&text, usize::MAX) <= words.len(), "{:?}", text);
        }
    }
}
