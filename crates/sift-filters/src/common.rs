//! Helpers shared by the datatrove-compatible filters: a reusable word buffer,
//! the duplicate counter, and datatrove's punctuation character sets
//! (`datatrove.utils.text`, generated from datatrove 0.10.1, sorted for
//! binary search).

use std::cell::RefCell;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::Anchored;

use sift_core::Document;

thread_local! {
    static WORDS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// Byte ranges of a text's word tokens (`sift_text::split_words`), memoised
/// on the [`Document`] so that the next stage reading the same text does not
/// tokenize it again.
pub(crate) struct WordSpans(Vec<(u32, u32)>);

/// Run `f` on the document's text and its word tokens, taking them from the
/// document's memo when an earlier stage tokenized the same text, and leaving
/// them there for later stages otherwise.
pub(crate) fn with_doc_words<R>(doc: &mut Document, f: impl FnOnce(&str, &[&str]) -> R) -> R {
    let text = doc.text.as_str();
    if let Some(WordSpans(spans)) = doc.memo::<WordSpans>() {
        return with_buf(|words| {
            words.extend(spans.iter().map(|&(a, b)| &text[a as usize..b as usize]));
            f(text, words)
        });
    }
    let (r, spans) = with_buf(|words| {
        sift_text::split_words(text, words);
        let base = text.as_ptr() as usize;
        let spans = (text.len() <= u32::MAX as usize).then(|| {
            let offset = |w: &str| (w.as_ptr() as usize - base) as u32;
            (words.iter())
                .map(|w| (offset(w), offset(w) + w.len() as u32))
                .collect::<Vec<_>>()
        });
        (f(text, words), spans)
    });
    if let Some(spans) = spans {
        doc.set_memo(WordSpans(spans));
    }
    r
}

/// Run `f` with the per-thread word buffer (empty), or a fresh one when it is
/// already in use.
fn with_buf<'t, R>(f: impl FnOnce(&mut Vec<&'t str>) -> R) -> R {
    let buf = WORDS.with(|cell| {
        cell.try_borrow_mut()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default()
    });
    let mut words = relabel(buf);
    let r = f(&mut words);
    let buf = relabel(words);
    WORDS.with(|cell| {
        if let Ok(mut b) = cell.try_borrow_mut() {
            *b = buf;
        }
    });
    r
}

/// Empty `v` and give it back with another lifetime, keeping its capacity
/// (`collect` of a mapped `IntoIter` reuses the allocation in place).
fn relabel<'b>(mut v: Vec<&str>) -> Vec<&'b str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}

/// Every match of `dfa` (built with `MatchKind::Standard`) in `hay` as
/// `(start, end, pattern)`, in the order of `AhoCorasick::find_overlapping_iter`
/// (by end, then in the match state's order). A plain walk of the concrete
/// DFA: the crate's iterators go through a `dyn` automaton and pay
/// bookkeeping per byte, several times the walk.
pub(crate) fn dfa_overlapping_matches(dfa: &DFA, hay: &[u8], mut f: impl FnMut(usize, usize, u32)) {
    let Ok(sid) = dfa.start_state(Anchored::No) else {
        return;
    };
    let mut report = |sid, end: usize| {
        for k in 0..dfa.match_len(sid) {
            let pid = dfa.match_pattern(sid, k);
            f(end - dfa.pattern_len(pid), end, pid.as_u32());
        }
    };
    // An empty pattern would make the start state a match state.
    if dfa.is_match(sid) {
        report(sid, 0);
    }
    walk(dfa, hay, 0..hay.len(), sid, &mut report);
}

/// Walk `dfa` over `hay[range]` from state `sid`, reporting each match state
/// with its end (an offset in `hay`); stops at a dead state.
#[inline]
fn walk(
    dfa: &DFA,
    hay: &[u8],
    range: std::ops::Range<usize>,
    mut sid: StateID,
    report: &mut impl FnMut(StateID, usize),
) {
    let from = range.start;
    for (at, &b) in (from..).zip(&hay[range]) {
        sid = dfa.next_state(Anchored::No, sid, b);
        if dfa.is_special(sid) {
            if dfa.is_dead(sid) {
                return;
            }
            if dfa.is_match(sid) {
                report(sid, at + 1);
            }
        }
    }
}

/// The matches of [`dfa_overlapping_matches`], in another order, for patterns
/// that never contain the byte `sep`: `hay` is cut after `sep` bytes into
/// [`LANES`] pieces that are walked in lockstep. The DFA is in its start
/// state after every `sep` (no pattern prefix holds it), so each piece can be
/// walked on its own; the walk is a chain of dependent table reads, and four
/// independent chains go about four times as fast as one.
pub(crate) fn dfa_overlapping_matches_split(
    dfa: &DFA,
    hay: &[u8],
    sep: u8,
    mut f: impl FnMut(usize, usize, u32),
) {
    let Ok(start) = dfa.start_state(Anchored::No) else {
        return;
    };
    if dfa.is_match(start) || hay.len() < 256 {
        return dfa_overlapping_matches(dfa, hay, f);
    }
    // Piece k starts after the first `sep` at or after k/LANES of the text.
    let mut bounds = [hay.len(); LANES + 1];
    bounds[0] = 0;
    for (k, b) in bounds.iter_mut().enumerate().take(LANES).skip(1) {
        let from = hay.len() * k / LANES;
        *b = memchr::memchr(sep, &hay[from..]).map_or(hay.len(), |o| from + o + 1);
    }
    for k in 1..LANES {
        bounds[k] = bounds[k].max(bounds[k - 1]);
    }
    let mut report = |sid, end: usize| {
        for m in 0..dfa.match_len(sid) {
            let pid = dfa.match_pattern(sid, m);
            f(end - dfa.pattern_len(pid), end, pid.as_u32());
        }
    };
    let mut sid = [start; LANES];
    let mut dead = [false; LANES];
    let common = (0..LANES)
        .map(|k| bounds[k + 1] - bounds[k])
        .min()
        .unwrap_or(0);
    for i in 0..common {
        for k in 0..LANES {
            let at = bounds[k] + i;
            sid[k] = dfa.next_state(Anchored::No, sid[k], hay[at]);
            if dfa.is_special(sid[k]) && !dead[k] {
                if dfa.is_dead(sid[k]) {
                    dead[k] = true;
                } else if dfa.is_match(sid[k]) {
                    report(sid[k], at + 1);
                }
            }
        }
    }
    for k in 0..LANES {
        if !dead[k] {
            walk(
                dfa,
                hay,
                bounds[k] + common..bounds[k + 1],
                sid[k],
                &mut report,
            );
        }
    }
}

/// Independent walks of [`dfa_overlapping_matches_split`].
const LANES: usize = 4;

/// Reusable buffers of [`dfa_overlapping_matches_many`]: the joined hays
/// and where each starts.
#[derive(Default)]
pub(crate) struct JoinedHays {
    pub(crate) bytes: Vec<u8>,
    starts: Vec<usize>,
}

/// [`dfa_overlapping_matches`] of each of `hays`, as `f(hay, start, end,
/// pattern)`: one hay's matches come in that function's order, but the
/// hays' matches interleave. For patterns and hays that never contain the
/// byte `sep`: the hays are joined by `sep` in `buf` and walked by
/// [`dfa_overlapping_matches_split`], so that the many short hays of a
/// document (its lines) are walked four at a time. Each byte is copied as
/// `map(byte)` (ASCII case folding for an automaton of lowercase patterns;
/// `map` must keep `sep` and no other byte on `sep`).
pub(crate) fn dfa_overlapping_matches_many<H: AsRef<[u8]>>(
    dfa: &DFA,
    hays: &[H],
    sep: u8,
    map: impl Fn(u8) -> u8,
    buf: &mut JoinedHays,
    mut f: impl FnMut(usize, usize, usize, u32),
) {
    let JoinedHays { bytes, starts } = buf;
    bytes.clear();
    starts.clear();
    for hay in hays {
        let hay = hay.as_ref();
        debug_assert!(!hay.contains(&sep));
        starts.push(bytes.len());
        bytes.extend(hay.iter().map(|&b| map(b)));
        bytes.push(sep);
    }
    dfa_overlapping_matches_split(dfa, bytes, sep, |s, e, p| {
        // No match holds `sep`: it lies inside one hay.
        let k = starts.partition_point(|&h| h <= s).saturating_sub(1);
        f(k, s - starts[k], e - starts[k], p);
    });
}

/// datatrove's `find_duplicates`: walk `items` keeping a set of those seen;
/// each repeat adds 1 to the element count and its code-point length to the
/// character count. Returns `(dup_elements, dup_chars)`.
/// `n` is the number of items (the set is sized once instead of growing).
pub(crate) fn dup_count<'a>(items: impl Iterator<Item = &'a str>, n: usize) -> (usize, usize) {
    let mut seen: std::collections::HashSet<&str, ahash::RandomState> =
        std::collections::HashSet::with_capacity_and_hasher(
            n,
            ahash::RandomState::with_seeds(1, 2, 3, 4),
        );
    let (mut elems, mut chars) = (0usize, 0usize);
    for it in items {
        if !seen.insert(it) {
            elems += 1;
            chars += it.chars().count();
        }
    }
    (elems, chars)
}

/// Whether `c` is in datatrove's `PUNCTUATION_SET`.
#[inline]
pub(crate) fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_PUNCTUATION & (1u128 << (c as u32)) != 0;
    }
    PUNCTUATION_SET.binary_search(&c).is_ok()
}

/// Whether `c` is in datatrove's `TERMINAL_PUNCTUATION`.
#[inline]
pub(crate) fn is_terminal(c: char) -> bool {
    match c {
        '!' | '.' | '?' => true,
        _ if c.is_ascii() => false,
        _ => TERMINAL_PUNCTUATION.binary_search(&c).is_ok(),
    }
}

/// The ASCII part of [`PUNCTUATION_SET`] as a bit set.
pub(crate) const ASCII_PUNCTUATION: u128 = {
    let mut bits = 0u128;
    let mut i = 0;
    while i < PUNCTUATION_SET.len() {
        let c = PUNCTUATION_SET[i] as u32;
        if c < 128 {
            bits |= 1u128 << c;
        }
        i += 1;
    }
    bits
};

/// datatrove `TERMINAL_PUNCTUATION`, sorted.
pub(crate) const TERMINAL_PUNCTUATION: [char; 159] = [
    '\u{21}',
    '\u{2e}',
    '\u{3f}',
    '\u{589}',
    '\u{61d}',
    '\u{61e}',
    '\u{61f}',
    '\u{6d4}',
    '\u{700}',
    '\u{701}',
    '\u{702}',
    '\u{7f9}',
    '\u{837}',
    '\u{839}',
    '\u{83d}',
    '\u{83e}',
    '\u{964}',
    '\u{965}',
    '\u{104a}',
    '\u{104b}',
    '\u{1362}',
    '\u{1367}',
    '\u{1368}',
    '\u{166e}',
    '\u{1735}',
    '\u{1736}',
    '\u{17d4}',
    '\u{17d5}',
    '\u{17d6}',
    '\u{17d9}',
    '\u{17da}',
    '\u{1803}',
    '\u{1809}',
    '\u{1944}',
    '\u{1945}',
    '\u{1aa8}',
    '\u{1aa9}',
    '\u{1aaa}',
    '\u{1aab}',
    '\u{1b5a}',
    '\u{1b5b}',
    '\u{1b5e}',
    '\u{1b5f}',
    '\u{1b7d}',
    '\u{1b7e}',
    '\u{1c3b}',
    '\u{1c3c}',
    '\u{1c7e}',
    '\u{1c7f}',
    '\u{203c}',
    '\u{203d}',
    '\u{2047}',
    '\u{2048}',
    '\u{2049}',
    '\u{2e2e}',
    '\u{2e3c}',
    '\u{2e53}',
    '\u{2e54}',
    '\u{3002}',
    '\u{a4ff}',
    '\u{a60e}',
    '\u{a60f}',
    '\u{a6f3}',
    '\u{a6f7}',
    '\u{a876}',
    '\u{a877}',
    '\u{a8ce}',
    '\u{a8cf}',
    '\u{a92f}',
    '\u{a9c8}',
    '\u{a9c9}',
    '\u{aa5d}',
    '\u{aa5e}',
    '\u{aa5f}',
    '\u{aaf0}',
    '\u{aaf1}',
    '\u{abeb}',
    '\u{fe52}',
    '\u{fe56}',
    '\u{fe57}',
    '\u{ff01}',
    '\u{ff0e}',
    '\u{ff1f}',
    '\u{ff61}',
    '\u{10a56}',
    '\u{10a57}',
    '\u{10f55}',
    '\u{10f56}',
    '\u{10f57}',
    '\u{10f58}',
    '\u{10f59}',
    '\u{10f86}',
    '\u{10f87}',
    '\u{10f88}',
    '\u{10f89}',
    '\u{11047}',
    '\u{11048}',
    '\u{110be}',
    '\u{110bf}',
    '\u{110c0}',
    '\u{110c1}',
    '\u{11141}',
    '\u{11142}',
    '\u{11143}',
    '\u{111c5}',
    '\u{111c6}',
    '\u{111cd}',
    '\u{111de}',
    '\u{111df}',
    '\u{11238}',
    '\u{11239}',
    '\u{1123b}',
    '\u{1123c}',
    '\u{112a9}',
    '\u{1144b}',
    '\u{1144c}',
    '\u{115c2}',
    '\u{115c3}',
    '\u{115c9}',
    '\u{115ca}',
    '\u{115cb}',
    '\u{115cc}',
    '\u{115cd}',
    '\u{115ce}',
    '\u{115cf}',
    '\u{115d0}',
    '\u{115d1}',
    '\u{115d2}',
    '\u{115d3}',
    '\u{115d4}',
    '\u{115d5}',
    '\u{115d6}',
    '\u{115d7}',
    '\u{11641}',
    '\u{11642}',
    '\u{1173c}',
    '\u{1173d}',
    '\u{1173e}',
    '\u{11944}',
    '\u{11946}',
    '\u{11a42}',
    '\u{11a43}',
    '\u{11a9b}',
    '\u{11a9c}',
    '\u{11c41}',
    '\u{11c42}',
    '\u{11ef7}',
    '\u{11ef8}',
    '\u{11f43}',
    '\u{11f44}',
    '\u{16a6e}',
    '\u{16a6f}',
    '\u{16af5}',
    '\u{16b37}',
    '\u{16b38}',
    '\u{16b44}',
    '\u{16e98}',
    '\u{1bc9f}',
    '\u{1da88}',
];

/// datatrove `PUNCTUATION_SET` (`PUNCTUATION` plus `TERMINAL_PUNCTUATION`), sorted.
pub(crate) const PUNCTUATION_SET: [char; 281] = [
    '\u{0}',
    '\u{1}',
    '\u{2}',
    '\u{3}',
    '\u{4}',
    '\u{5}',
    '\u{6}',
    '\u{7}',
    '\u{8}',
    '\u{b}',
    '\u{c}',
    '\u{d}',
    '\u{e}',
    '\u{f}',
    '\u{10}',
    '\u{11}',
    '\u{12}',
    '\u{13}',
    '\u{14}',
    '\u{15}',
    '\u{16}',
    '\u{17}',
    '\u{18}',
    '\u{19}',
    '\u{1a}',
    '\u{1b}',
    '\u{1c}',
    '\u{1d}',
    '\u{1e}',
    '\u{1f}',
    '\u{21}',
    '\u{22}',
    '\u{23}',
    '\u{24}',
    '\u{25}',
    '\u{26}',
    '\u{27}',
    '\u{28}',
    '\u{29}',
    '\u{2a}',
    '\u{2b}',
    '\u{2c}',
    '\u{2d}',
    '\u{2e}',
    '\u{2f}',
    '\u{3a}',
    '\u{3b}',
    '\u{3c}',
    '\u{3d}',
    '\u{3e}',
    '\u{3f}',
    '\u{40}',
    '\u{5b}',
    '\u{5c}',
    '\u{5d}',
    '\u{5e}',
    '\u{5f}',
    '\u{60}',
    '\u{7b}',
    '\u{7c}',
    '\u{7d}',
    '\u{7e}',
    '\u{7f}',
    '\u{80}',
    '\u{81}',
    '\u{82}',
    '\u{83}',
    '\u{84}',
    '\u{85}',
    '\u{86}',
    '\u{87}',
    '\u{88}',
    '\u{89}',
    '\u{8a}',
    '\u{8b}',
    '\u{8c}',
    '\u{8d}',
    '\u{8e}',
    '\u{8f}',
    '\u{90}',
    '\u{91}',
    '\u{92}',
    '\u{93}',
    '\u{94}',
    '\u{95}',
    '\u{96}',
    '\u{97}',
    '\u{98}',
    '\u{99}',
    '\u{9a}',
    '\u{9b}',
    '\u{9c}',
    '\u{9d}',
    '\u{9e}',
    '\u{9f}',
    '\u{ab}',
    '\u{b4}',
    '\u{bb}',
    '\u{589}',
    '\u{61d}',
    '\u{61e}',
    '\u{61f}',
    '\u{6d4}',
    '\u{700}',
    '\u{701}',
    '\u{702}',
    '\u{7f9}',
    '\u{837}',
    '\u{839}',
    '\u{83d}',
    '\u{83e}',
    '\u{964}',
    '\u{965}',
    '\u{104a}',
    '\u{104b}',
    '\u{1362}',
    '\u{1367}',
    '\u{1368}',
    '\u{166e}',
    '\u{1735}',
    '\u{1736}',
    '\u{17d4}',
    '\u{17d5}',
    '\u{17d6}',
    '\u{17d9}',
    '\u{17da}',
    '\u{1803}',
    '\u{1809}',
    '\u{1944}',
    '\u{1945}',
    '\u{1aa8}',
    '\u{1aa9}',
    '\u{1aaa}',
    '\u{1aab}',
    '\u{1b5a}',
    '\u{1b5b}',
    '\u{1b5e}',
    '\u{1b5f}',
    '\u{1b7d}',
    '\u{1b7e}',
    '\u{1c3b}',
    '\u{1c3c}',
    '\u{1c7e}',
    '\u{1c7f}',
    '\u{2013}',
    '\u{2014}',
    '\u{2019}',
    '\u{201c}',
    '\u{201d}',
    '\u{201e}',
    '\u{2026}',
    '\u{203c}',
    '\u{203d}',
    '\u{2047}',
    '\u{2048}',
    '\u{2049}',
    '\u{2236}',
    '\u{2501}',
    '\u{25ba}',
    '\u{2e2e}',
    '\u{2e3c}',
    '\u{2e53}',
    '\u{2e54}',
    '\u{3001}',
    '\u{3002}',
    '\u{3008}',
    '\u{3009}',
    '\u{300a}',
    '\u{300b}',
    '\u{300c}',
    '\u{300d}',
    '\u{3010}',
    '\u{3011}',
    '\u{a4ff}',
    '\u{a60e}',
    '\u{a60f}',
    '\u{a6f3}',
    '\u{a6f7}',
    '\u{a876}',
    '\u{a877}',
    '\u{a8ce}',
    '\u{a8cf}',
    '\u{a92f}',
    '\u{a9c8}',
    '\u{a9c9}',
    '\u{aa5d}',
    '\u{aa5e}',
    '\u{aa5f}',
    '\u{aaf0}',
    '\u{aaf1}',
    '\u{abeb}',
    '\u{fe52}',
    '\u{fe56}',
    '\u{fe57}',
    '\u{ff01}',
    '\u{ff05}',
    '\u{ff08}',
    '\u{ff09}',
    '\u{ff0c}',
    '\u{ff0e}',
    '\u{ff11}',
    '\u{ff1a}',
    '\u{ff1b}',
    '\u{ff1f}',
    '\u{ff5e}',
    '\u{ff61}',
    '\u{10a56}',
    '\u{10a57}',
    '\u{10f55}',
    '\u{10f56}',
    '\u{10f57}',
    '\u{10f58}',
    '\u{10f59}',
    '\u{10f86}',
    '\u{10f87}',
    '\u{10f88}',
    '\u{10f89}',
    '\u{11047}',
    '\u{11048}',
    '\u{110be}',
    '\u{110bf}',
    '\u{110c0}',
    '\u{110c1}',
    '\u{11141}',
    '\u{11142}',
    '\u{11143}',
    '\u{111c5}',
    '\u{111c6}',
    '\u{111cd}',
    '\u{111de}',
    '\u{111df}',
    '\u{11238}',
    '\u{11239}',
    '\u{1123b}',
    '\u{1123c}',
    '\u{112a9}',
    '\u{1144b}',
    '\u{1144c}',
    '\u{115c2}',
    '\u{115c3}',
    '\u{115c9}',
    '\u{115ca}',
    '\u{115cb}',
    '\u{115cc}',
    '\u{115cd}',
    '\u{115ce}',
    '\u{115cf}',
    '\u{115d0}',
    '\u{115d1}',
    '\u{115d2}',
    '\u{115d3}',
    '\u{115d4}',
    '\u{115d5}',
    '\u{115d6}',
    '\u{115d7}',
    '\u{11641}',
    '\u{11642}',
    '\u{1173c}',
    '\u{1173d}',
    '\u{1173e}',
    '\u{11944}',
    '\u{11946}',
    '\u{11a42}',
    '\u{11a43}',
    '\u{11a9b}',
    '\u{11a9c}',
    '\u{11c41}',
    '\u{11c42}',
    '\u{11ef7}',
    '\u{11ef8}',
    '\u{11f43}',
    '\u{11f44}',
    '\u{16a6e}',
    '\u{16a6f}',
    '\u{16af5}',
    '\u{16b37}',
    '\u{16b38}',
    '\u{16b44}',
    '\u{16e98}',
    '\u{1bc9f}',
    '\u{1da88}',
];

/// One step of a 64-bit linear congruential generator (Knuth's MMIX
/// constants): the tests' reproducible pseudo-random inputs.
#[cfg(test)]
pub(crate) fn lcg_step(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use sift_core::{Document, Stage, Verdict};

    /// A case-insensitive overlapping automaton of `pats`.
    fn test_dfa(pats: &[&str]) -> DFA {
        DFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(pats)
            .expect("dfa")
    }

    #[test]
    fn split_walk_finds_the_same_matches() {
        let dfa = test_dfa(&["cookie policy", "use cookies", "javascript", "ok", "kie"]);
        // Deterministic pseudo-random texts of pattern pieces, words and
        // newlines, short and long (the split walk starts at 256 bytes).
        let pieces = [
            "cookie", " policy", "Use ", "COOKIES", "java", "Script", "ok", "\n", "\n\n", "é", "x",
        ];
        let mut seed = 7u64;
        for len in [0, 3, 40, 90, 300, 2000] {
            let mut text = String::new();
            for _ in 0..len {
                crate::common::lcg_step(&mut seed);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let (mut one, mut split) = (Vec::new(), Vec::new());
            dfa_overlapping_matches(&dfa, text.as_bytes(), |s, e, p| one.push((s, e, p)));
            dfa_overlapping_matches_split(&dfa, text.as_bytes(), b'\n', |s, e, p| {
                split.push((s, e, p))
            });
            split.sort_by_key(|&(s, e, p)| (e, s, p));
            one.sort_by_key(|&(s, e, p)| (e, s, p));
            assert!(len < 300 || one.len() > 50, "the test text has matches");
            assert_eq!(one, split, "{text:?}");
        }
    }

    #[test]
    fn many_walk_finds_each_hays_matches_in_order() {
        let dfa = test_dfa(&[
            "cookie policy",
            "use cookies",
            "javascript",
            "ok",
            "kie",
            "cookie",
        ]);
        let pieces = [
            "cookie", " policy", "Use ", "COOKIES", "java", "Script", "ok", "é", "x", " ",
        ];
        let mut seed = 11u64;
        // Hays from empty to long, over 256 bytes in all (the split walk's
        // lanes start there).
        let hays: Vec<String> = (0..60)
            .map(|_| {
                crate::common::lcg_step(&mut seed);
                let len = (seed >> 33) as usize % 40;
                (0..len)
                    .map(|_| {
                        crate::common::lcg_step(&mut seed);
                        pieces[(seed >> 33) as usize % pieces.len()]
                    })
                    .collect()
            })
            .collect();
        let bytes: Vec<&[u8]> = hays.iter().map(|h| h.as_bytes()).collect();
        let mut many = vec![Vec::new(); hays.len()];
        let mut buf = JoinedHays::default();
        dfa_overlapping_matches_many(
            &dfa,
            &bytes,
            b'\n',
            |b| b,
            &mut buf,
            |k, s, e, p| many[k].push((s, e, p)),
        );
        let mut total = 0;
        for (k, hay) in bytes.iter().enumerate() {
            let mut one = Vec::new();
            dfa_overlapping_matches(&dfa, hay, |s, e, p| one.push((s, e, p)));
            total += one.len();
            // Same matches in the same order, not only the same set.
            assert_eq!(one, many[k], "{:?}", hays[k]);
        }
        assert!(total > 100, "the test hays have matches");
    }

    /// Real pages with datatrove 0.10.1's decisions (tests/data/README.md).
    const GOLDEN: &str = include_str!("../tests/data/datatrove_golden.jsonl");

    fn stages() -> Vec<(&'static str, Box<dyn Stage>)> {
        vec![
            (
                "gopher_quality",
                Box::new(
                    crate::GopherQualityConfig::default()
                        .build("g")
                        .expect("build"),
                ),
            ),
            (
                "gopher_repetition",
                Box::new(
                    crate::GopherRepetitionConfig::default()
                        .build("r")
                        .expect("build"),
                ),
            ),
            (
                "c4",
                Box::new(crate::C4QualityConfig::default().build("c").expect("build")),
            ),
            (
                "fineweb",
                Box::new(
                    crate::FinewebQualityConfig::default()
                        .build("f")
                        .expect("build"),
                ),
            ),
            (
                "url",
                Box::new(
                    crate::UrlBlocklistConfig::default()
                        .build("u")
                        .expect("build"),
                ),
            ),
            (
                "c4_badwords",
                Box::new(
                    crate::C4BadwordsConfig::default()
                        .build("b")
                        .expect("build"),
                ),
            ),
            (
                "language",
                Box::new(crate::LanguageConfig::default().build("l").expect("build")),
            ),
        ]
    }

    #[test]
    fn real_pages_get_datatrove_decisions() {
        let stages = stages();
        let mut failures = Vec::new();
        let mut checked = 0;
        for line in GOLDEN.lines() {
            let rec: Value = serde_json::from_str(line).expect("fixture is JSON");
            let id = rec["id"].as_str().unwrap_or_default();
            let text = rec["text"].as_str().unwrap_or_default();
            for (name, stage) in &stages {
                let want = &rec["datatrove"][*name];
                if want["keep"].is_null() {
                    continue; // datatrove could not decide (no url)
                }
                let mut doc = Document::new(id, text);
                if let Some(url) = rec["url"].as_str() {
                    doc.fields.insert("url".into(), url.into());
                }
                let got = stage.process(&mut doc);
                checked += 1;
                let same = match (&got, want["keep"].as_bool()) {
                    (Verdict::Keep, Some(true)) => {
                        *name != "c4" || want["text_after"].as_str() == Some(doc.text.as_str())
                    }
                    (Verdict::Drop(r), Some(false)) => {
                        *name == "language" || want["reason"].as_str() == Some(r.as_ref())
                    }
                    _ => false,
                };
                if *name == "language" {
                    let label_ok = want["language"].as_str() == doc.sift.lang.as_deref();
                    let score_ok = match (want["language_score"].as_f64(), doc.sift.lang_score) {
                        // sift-lid follows C++ fastText's arithmetic: the same
                        // probability to float precision, and the same label.
                        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
                        _ => false,
                    };
                    if !(label_ok && score_ok) {
                        failures.push(format!(
                            "{id} language: want {} {}, got {:?} {:?}",
                            want["language"],
                            want["language_score"],
                            doc.sift.lang,
                            doc.sift.lang_score
                        ));
                    }
                }
                if !same {
                    failures.push(format!(
                        "{id} {name}: want {} {}, got {got:?}",
                        want["keep"], want["reason"]
                    ));
                }
            }
        }
        assert!(checked > 100, "{checked}");
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn sets_match_the_spec() {
        assert_eq!(PUNCTUATION_SET.len(), 281);
        assert!(PUNCTUATION_SET.windows(2).all(|w| w[0] < w[1]));
        assert!(TERMINAL_PUNCTUATION.windows(2).all(|w| w[0] < w[1]));
        // Not `\t`, `\n`, nor U+2018; but `\r`, U+FF11 (fullwidth one) and C1 controls.
        assert!(!is_punctuation('\t') && !is_punctuation('\n') && !is_punctuation('\u{2018}'));
        assert!(is_punctuation('\r') && is_punctuation('\u{ff11}') && is_punctuation('\u{85}'));
        assert!(is_punctuation('…') && is_punctuation('#') && !is_punctuation('a'));
        assert!(is_terminal('。') && is_terminal('\u{1da88}') && !is_terminal('"'));
        assert!(TERMINAL_PUNCTUATION.iter().all(|&c| is_punctuation(c)));
    }
}
