//! `junk_lines`: remove lines that do not belong to the document (injected
//! spam, ad slots, scraper and CMS boilerplate, off-topic sales lines) and
//! keep every real line, headings and short lines included.
//!
//! Several signals, none sufficient alone (details and numbers in
//! `docs/junk_lines.md`):
//!
//! 1. **Pattern families** (`data/junk/*.txt`, embedded at compile time):
//!    whole-line boilerplate patterns (`@line`), edge-only patterns (`@edge`),
//!    and per-family lexicons (`@anchor`, `@term`, `@regex`).
//! 2. **Coherence**: the share of a line's topic words that occur in the rest
//!    of the document. Injected spam shares almost nothing with the article;
//!    a heading shares a lot. A line at or above `max_coherence` is never
//!    removed as spam, whatever its lexicon score.
//! 3. **Shape**: a fragment (no final punctuation, at most 15 words) scores
//!    up, a prose sentence scores down.
//! 4. **Position**: `@edge` lines (a lone "Facebook", "Next", a section name)
//!    are removed only inside a run of junk touching the head or tail of the
//!    document (or an interior run holding other boilerplate).
//! 5. **Repetition**: a spam candidate whose family recurs in the document
//!    (or whose exact text repeats) scores up.
//!
//! A spam line is removed when `lexicon + shape + coherence + repetition >=
//! spam_threshold` and it has at least one family anchor. Boilerplate
//! `@line` patterns remove on their own; they are written to match whole
//! lines that only ever are boilerplate.

mod families;
pub(crate) mod words;

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sift_core::lines::{is_ascii_space, trim};
use sift_core::{Document, LineEdit, Stage, Verdict};

pub use families::FAMILY_FILES;
use families::{Families, SHORT_LINE, STOPWORDS};
use words::{word_set, Tokenizer, WordMap, WordSet, WordShapes};

use crate::Error;

const STAGE: &str = "junk_lines";

/// Edge-only patterns describe labels and buttons: longer lines skip them.
const EDGE_LINE: usize = 120;

/// Shape bit: no final punctuation, at most 12 words.
const FRAGMENT: u8 = 1;
/// Shape bit: ends in punctuation, at least 10 words.
const PROSE: u8 = 2;

/// Configuration of [`JunkLines`]. Every key is optional; the defaults are
/// the tuned values documented in `docs/junk_lines.md`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JunkLinesConfig {
    /// Families to switch off, by file name (`pharma`, `nav`, `commerce`, ...).
    pub disable: Vec<String>,
    /// Score a spam candidate needs to be removed.
    pub spam_threshold: f64,
    /// Lines whose coherence with the document reaches this value are never
    /// removed as spam (0..=1).
    pub max_coherence: f64,
    /// Lines with no family anchor, no shared topic word and at least this
    /// much calls-to-action weight are removed as `offtopic` (0 disables).
    pub offtopic_min_cues: f64,
    /// A head or tail run made only of `@edge` lines is removed when it has at
    /// least this many lines.
    pub min_edge_run: usize,
    /// Strip `@inline` junk (`[ad_1]` glued to a sentence) from kept lines.
    pub strip_inline: bool,
    /// Record per-line evidence (family, score, coherence, terms) of spam
    /// removals in `sift.flags.<stage name>`.
    pub explain: bool,
    /// Drop the document when more than this fraction of its non-blank lines
    /// is removed (unset: never drop).
    pub max_removed_fraction: Option<f64>,
    /// Lines longer than this (bytes) are never junk.
    pub max_line_chars: usize,
}

impl Default for JunkLinesConfig {
    fn default() -> Self {
        Self {
            disable: Vec::new(),
            spam_threshold: 6.0,
            max_coherence: 0.8,
            offtopic_min_cues: 4.0,
            min_edge_run: 3,
            strip_inline: true,
            explain: false,
            max_removed_fraction: None,
            max_line_chars: 600,
        }
    }
}

/// Built `junk_lines` stage.
#[derive(Debug)]
pub struct JunkLines {
    name: String,
    cfg: JunkLinesConfig,
    fam: Arc<Families>,
    shared: Option<u16>,
    stop: WordSet,
    /// Stopwords plus generic sales words: ignored when judging topicality.
    generic: WordSet,
    /// Single-word anchors -> bit set of their families.
    anchor_words: WordMap<u64>,
}

fn config_err(key: &str, message: String) -> Error {
    Error::Config {
        stage: STAGE,
        key: key.to_string(),
        message,
    }
}

impl JunkLinesConfig {
    /// Validate, parse the family files and compile every automaton.
    pub fn build(&self, name: &str) -> Result<JunkLines, Error> {
        for d in &self.disable {
            if !Families::all_names().any(|n| n == d) {
                let known: Vec<_> = Families::all_names().collect();
                return Err(config_err(
                    "disable",
                    format!("unknown family `{d}` (known: {})", known.join(", ")),
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.max_coherence) {
            return Err(config_err(
                "max_coherence",
                format!("{} is not within 0..=1", self.max_coherence),
            ));
        }
        if !self.spam_threshold.is_finite() || self.spam_threshold <= 0.0 {
            return Err(config_err(
                "spam_threshold",
                format!("{} must be a positive number", self.spam_threshold),
            ));
        }
        if !self.offtopic_min_cues.is_finite() || self.offtopic_min_cues < 0.0 {
            return Err(config_err(
                "offtopic_min_cues",
                format!("{} must be >= 0 (0 disables)", self.offtopic_min_cues),
            ));
        }
        if self.min_edge_run == 0 {
            return Err(config_err("min_edge_run", "must be at least 1".into()));
        }
        if let Some(f) = self.max_removed_fraction {
            if !(0.0..=1.0).contains(&f) {
                return Err(config_err(
                    "max_removed_fraction",
                    format!("{f} is not within 0..=1"),
                ));
            }
        }
        let fam = Families::shared(|n| !self.disable.iter().any(|d| d == n))?;
        let shared = fam
            .info
            .iter()
            .position(|i| i.is_shared)
            .and_then(|p| u16::try_from(p).ok());
        let stop = word_set([STOPWORDS]);
        let mut generic = word_set(fam.generic_words.iter().map(String::as_str));
        generic.extend(stop.iter().copied());
        let mut anchor_words = WordMap::default();
        let mut tok = Tokenizer::default();
        for (w, f) in &fam.anchor_words {
            if let (Some(h), true) = (tok.word(w), *f < 64) {
                *anchor_words.entry(h).or_insert(0u64) |= 1u64 << f;
                generic.remove(&h);
            }
        }
        Ok(JunkLines {
            name: name.to_string(),
            cfg: self.clone(),
            fam,
            shared,
            stop,
            generic,
            anchor_words,
        })
    }
}

/// What pass one decided about a line.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Class {
    Blank,
    /// Real text (possibly a spam candidate, decided in pass two).
    Other,
    /// Whole-line boilerplate pattern.
    Strong(u16),
    /// Edge-only boilerplate pattern.
    Edge(u16),
    /// Spam removed by score.
    Spam(u16),
    /// Off-topic sales line.
    Offtopic,
}

/// Lexicon evidence for one line.
#[derive(Debug, Default, Clone)]
struct Evidence {
    /// Family scores (anchors + terms + regexes), indexed by family.
    score: Vec<f32>,
    /// Whether the family has an anchor in the line.
    anchored: Vec<bool>,
    /// Shared calls-to-action weight.
    cues: f32,
    /// Matched lexicon pattern ids (for `explain`).
    terms: Vec<u32>,
    /// (start, end, pattern id) of every counted match.
    spans: Vec<(usize, usize, u32)>,
}

impl Evidence {
    fn any_anchor(&self) -> bool {
        self.anchored.iter().any(|&a| a)
    }
}

/// Characters stripped around a line before whole-line patterns are tried.
fn is_decoration(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '•' | '·' | '▪' | '►' | '▸' | '*' | '|' | '–' | '—' | '-' | '\u{200b}' | '\u{feff}'
        )
}

/// `t.trim_matches(is_decoration)`; most lines start and end with a letter
/// or a full stop and are returned at once.
fn strip_decoration(t: &str) -> &str {
    let plain = |b: u8| b < 0x80 && !is_decoration(char::from(b));
    match t.as_bytes() {
        [first, .., last] if plain(*first) && plain(*last) => t,
        [only] if plain(*only) => t,
        _ => t.trim_matches(is_decoration),
    }
}

fn ends_in_punct(t: &str) -> bool {
    t.chars().next_back().is_some_and(|c| {
        matches!(
            c,
            '.' | '!' | '?' | '。' | '！' | '？' | '"' | '\'' | '”' | '’' | ')' | ':' | ';'
        )
    })
}

/// `t.split_whitespace().take(max).count()`, eight bytes at a time (SWAR:
/// a whitespace bit per byte, word starts = non-space after space), only as
/// far as `max` words. A non-ASCII byte is never whitespace unless it leads
/// one of the few Unicode spaces (U+0085, U+00A0, U+1680, U+2000..=U+205F,
/// U+3000: lead bytes C2, E1, E2, E3); the chars starting in a chunk where
/// such a lead byte does start a space are read one by one, and the next
/// chunk starts after the last of them.
fn count_words(t: &str, max: usize) -> usize {
    use sift_core::swar::{eq, load, HI as H, LO as L};
    let bytes = t.as_bytes();
    let mut n = 0;
    // Whether the byte before `i` was whitespace (the start of the line
    // counts as whitespace).
    let mut prev_space = true;
    let mut i = 0;
    while i < bytes.len() {
        // The last chunk padded with spaces (they start no word): no
        // byte-by-byte tail.
        let x = load(bytes, i).unwrap_or_else(|| {
            let mut pad = [b' '; 8];
            let rest = bytes.get(i..).unwrap_or_default();
            let k = rest.len().min(8);
            pad[..k].copy_from_slice(&rest[..k]);
            u64::from_le_bytes(pad)
        });
        let leads = if x & H != 0 {
            eq(x, 0xc2) | eq(x, 0xe1) | eq(x, 0xe2) | eq(x, 0xe3)
        } else {
            0
        };
        if leads != 0 && starts_unicode_space(bytes, i, leads) {
            (i, n, prev_space) = count_words_bytewise(t, i, i + 8, n, prev_space);
            if n >= max {
                return max;
            }
            continue;
        }
        // Space: == 0x20, or 0x09 <= b < 0x0e; `(x | H) - v` cannot borrow
        // across bytes, and non-ASCII bytes (bit 7 of `x`) read as >= 0x80.
        // Without a byte below 0x20 (the usual chunk: no tab, no control
        // char) a space is exactly a byte below 0x21.
        let ascii = !x & H;
        let space = if !((x | H) - 0x20 * L) & ascii == 0 {
            !((x | H) - 0x21 * L) & ascii
        } else {
            let ge_09 = ((x | H) - 0x09 * L) & H;
            let ge_0e = ((x | H) - 0x0e * L) & H;
            (eq(x, b' ') | (ge_09 & !ge_0e)) & !x & H
        };
        let prev = if prev_space { 0x80 } else { 0 };
        let starts = !space & H & ((space << 8) | prev);
        n += starts.count_ones() as usize;
        if n >= max {
            return max;
        }
        prev_space = space >> 63 != 0;
        i += 8;
    }
    n.min(max)
}

/// Whether a byte flagged in `leads` (bit 7 of each byte of the chunk at
/// `i`) starts a Unicode space. Curly quotes, dashes and bullets share the
/// lead bytes but are not spaces: the chunk then stays on the fast path,
/// where every non-ASCII byte is non-space.
fn starts_unicode_space(bytes: &[u8], i: usize, leads: u64) -> bool {
    let mut m = leads;
    while m != 0 {
        let k = (m.trailing_zeros() / 8) as usize;
        if unicode_space_len(bytes.get(i + k..).unwrap_or_default()) > 0 {
            return true;
        }
        m &= m - 1;
    }
    false
}

/// [`count_words`] char by char over the chars starting in `from..until`,
/// with `n` words counted before `from` and `prev_space` telling whether
/// the byte before `from` was whitespace; returns the position after the
/// last char read (`until` or just past it), the count and the last
/// whitespace state. `from` may fall inside a char: its continuation bytes
/// are non-space.
fn count_words_bytewise(
    t: &str,
    from: usize,
    until: usize,
    mut n: usize,
    mut prev_space: bool,
) -> (usize, usize, bool) {
    let bytes = t.as_bytes();
    let mut i = from;
    while i < until {
        let Some(&b) = bytes.get(i) else { break };
        let (space, step) = if b < 0x80 {
            (is_ascii_space(b), 1)
        } else {
            // Other bytes of a non-space char are non-space: one at a time.
            match unicode_space_len(&bytes[i..]) {
                0 => (false, 1),
                len => (true, len),
            }
        };
        n += usize::from(prev_space & !space);
        prev_space = space;
        i += step;
    }
    (i, n, prev_space)
}

/// Length in bytes of the Unicode space (`char::is_whitespace`, not
/// ASCII) that `b` starts with, or 0: U+0085, U+00A0, U+1680,
/// U+2000..=U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
fn unicode_space_len(b: &[u8]) -> usize {
    match b {
        [0xc2, 0x85 | 0xa0, ..] => 2,
        [0xe1, 0x9a, 0x80, ..]
        | [0xe2, 0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf, ..]
        | [0xe2, 0x81, 0x9f, ..]
        | [0xe3, 0x80, 0x80, ..] => 3,
        _ => 0,
    }
}

/// A spam candidate's score for family `f`. One function for the decision
/// and for its upper bound (`topical` and `coh_adj` at their maxima), so
/// both add the same terms in the same order.
fn spam_score(
    ev: &Evidence,
    f: usize,
    shape: f64,
    topical: f64,
    coh_adj: f64,
    density: f64,
    rep: f64,
) -> f64 {
    f64::from(ev.score[f]) + f64::from(ev.cues) + shape + topical + coh_adj + density + rep
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(words::is_alnum)
}

impl JunkLines {
    /// The configuration this stage was built from.
    pub fn config(&self) -> &JunkLinesConfig {
        &self.cfg
    }

    /// The reason a whole-line `@line` pattern gives `line` on its own (no
    /// document context: no lexicon, coherence or position), if any.
    pub fn pattern_reason(&self, line: &str) -> Option<&str> {
        let core = strip_decoration(line.trim());
        let f = self.fam.line_set.first_family(core, false)?;
        Some(self.reason(Class::Strong(f)))
    }

    /// The lexicon evidence of line `t` from its lexicon `matches` (start,
    /// end, pattern) in [`Families::lexicon_matches`] order.
    fn lexicon(&self, t: &str, matches: &[(usize, usize, u32)], ev: &mut Evidence) {
        let n = self.fam.info.len();
        ev.score.clear();
        ev.score.resize(n, 0.0);
        ev.anchored.clear();
        ev.anchored.resize(n, false);
        ev.cues = 0.0;
        ev.terms.clear();
        ev.spans.clear();
        for &(start, end, id) in matches {
            let info = self.fam.terms[id as usize];
            if is_word_char(t[..start].chars().next_back())
                || (!info.prefix && is_word_char(t[end..].chars().next()))
            {
                continue;
            }
            if ev.terms.contains(&id) {
                continue;
            }
            ev.terms.push(id);
            ev.spans.push((start, end, id));
        }
        // Most lines hold no lexicon term: nothing to weigh.
        if ev.spans.is_empty() {
            return;
        }
        // An anchor inside a longer anchor of its own family ("loans" inside
        // "title loans") is the same evidence: count it once. Compacted in
        // place: a span dropped earlier lies inside a longer one that is
        // kept (nesting is transitive, the longest never goes), so checking
        // against the spans kept so far gives the same answer as against
        // all of them.
        let terms = &self.fam.terms;
        let nested = |(s, e, id): (usize, usize, u32), others: &[(usize, usize, u32)]| {
            let ta = terms[id as usize];
            ta.anchor
                && others.iter().any(|&(s2, e2, id2)| {
                    let tb = terms[id2 as usize];
                    tb.anchor && tb.family == ta.family && s2 <= s && e <= e2 && e2 - s2 > e - s
                })
        };
        let mut kept = 0;
        for r in 0..ev.spans.len() {
            let span = ev.spans[r];
            if nested(span, &ev.spans[..kept]) || nested(span, &ev.spans[r + 1..]) {
                continue;
            }
            ev.spans[kept] = span;
            kept += 1;
            let info = terms[span.2 as usize];
            if Some(info.family) == self.shared {
                ev.cues += info.weight;
            } else {
                let f = usize::from(info.family);
                ev.score[f] += info.weight;
                ev.anchored[f] |= info.anchor;
            }
        }
        ev.spans.truncate(kept);
        ev.terms.clear();
        ev.terms.extend(ev.spans.iter().map(|s| s.2));
    }

    fn regexes(&self, t: &str, ev: &mut Evidence) {
        for i in self.fam.regex_set.matches(t).iter() {
            let (f, w) = self.fam.regex_info[i];
            if Some(f) == self.shared {
                ev.cues += w;
            } else {
                ev.score[usize::from(f)] += w;
            }
        }
    }

    /// Decide every line; returns the edits (None: every line kept as is)
    /// and explanation records. Also returns the number of non-blank lines.
    fn decide(&self, text: &str) -> (Option<Vec<LineEdit>>, Vec<Value>, Vec<Value>, usize) {
        let mut lines: Vec<&str> = Vec::with_capacity(text.len() / 32 + 1);
        lines.extend(sift_core::lines::split(text));
        let n = lines.len();
        let mut class = vec![Class::Blank; n];
        // Shape bits per line: FRAGMENT, PROSE.
        let mut shape_bits = vec![0u8; n];
        // Spam and off-topic candidates: (line, evidence). Few per document.
        let mut candidates: Vec<(usize, Evidence)> = Vec::new();
        let mut scratch = Evidence::default();
        // Lines that an `@edge` pattern may classify (checked after pass one).
        let mut edge_ok = vec![false; n];

        // Pass one: shape and whole-line patterns, line by line, then the
        // lexicon, whose walks of the document's lines overlap when run
        // together (see `Families::lexicon_matches`).
        // (line, trimmed text, short enough for `@edge` patterns).
        let mut lex_lines: Vec<(usize, &str, bool)> = Vec::new();
        for (i, raw) in lines.iter().enumerate() {
            let t = trim(raw);
            if t.is_empty() {
                continue;
            }
            class[i] = Class::Other;
            if t.len() > self.cfg.max_line_chars {
                continue;
            }
            let punct = ends_in_punct(t);
            // Words up to 20: enough for every shape decision below (13
            // without final punctuation: only `<= 12` is asked then).
            let n_words = count_words(t, if punct { 20 } else { 13 });
            let fragment = !punct && n_words <= 12;
            shape_bits[i] =
                (u8::from(fragment) * FRAGMENT) | (u8::from(punct && n_words >= 10) * PROSE);
            let core = strip_decoration(t);
            if core.is_empty() {
                continue;
            }
            // Long lines and long sentences can only be cookie banners or
            // scraper tails (`@long` families).
            let long = core.len() > SHORT_LINE || (punct && n_words >= 20);
            let strong = self.fam.line_set.first_family(core, long);
            if let Some(f) = strong {
                class[i] = Class::Strong(f);
                continue;
            }
            // A sentence of 20 words or more never scores as spam (shape and
            // density sink it): skip the lexicon, the bulk of real text.
            if punct && n_words >= 20 {
                continue;
            }
            lex_lines.push((i, t, core.len() <= EDGE_LINE));
        }
        let lex_texts: Vec<&str> = lex_lines.iter().map(|&(_, t, _)| t).collect();
        // (place in `lex_lines`, start, end, pattern), each line's in order.
        let mut matches: Vec<(usize, usize, usize, u32)> = Vec::new();
        self.fam
            .lexicon_matches(&lex_texts, |k, s, e, p| matches.push((k, s, e, p)));
        // Stable: each line's matches keep their order.
        matches.sort_by_key(|m| m.0);
        let mut line_matches: Vec<(usize, usize, u32)> = Vec::new();
        let mut next_match = 0;
        for (k, &(i, t, edge_short)) in lex_lines.iter().enumerate() {
            line_matches.clear();
            while let Some(&(mk, s, e, p)) = matches.get(next_match) {
                if mk != k {
                    break;
                }
                line_matches.push((s, e, p));
                next_match += 1;
            }
            self.lexicon(t, &line_matches, &mut scratch);
            let fragment = shape_bits[i] & FRAGMENT != 0;
            let anchored = scratch.any_anchor();
            // Off-topic needs `offtopic_min_cues`; the regexes add at most
            // one cue in practice (a year), so only near misses pay for them.
            let offtopic_near = self.cfg.offtopic_min_cues > 0.0
                && fragment
                && f64::from(scratch.cues) + 1.0 >= self.cfg.offtopic_min_cues;
            if anchored || offtopic_near {
                self.regexes(t, &mut scratch);
                if anchored || f64::from(scratch.cues) >= self.cfg.offtopic_min_cues {
                    candidates.push((i, scratch.clone()));
                }
                if anchored {
                    continue;
                }
            }
            edge_ok[i] = edge_short;
        }
        // Non-blank lines, in order: pass one settled which lines are blank.
        let non_blank: Vec<usize> = (0..n).filter(|&i| class[i] != Class::Blank).collect();
        self.settle_edges(
            &lines,
            &non_blank,
            &mut class,
            &edge_ok,
            !candidates.is_empty(),
        );

        // Pass two: coherence of candidates against the document's core.
        let mut explain = Vec::new();
        if !candidates.is_empty() {
            let mut tok = Tokenizer::default();
            let is_candidate = {
                let mut v = vec![false; n];
                for (i, _) in &candidates {
                    v[*i] = true;
                }
                v
            };
            let core: Vec<bool> = (0..n)
                .map(|i| {
                    class[i] == Class::Other && (!is_candidate[i] || shape_bits[i] & PROSE != 0)
                })
                .collect();
            // Family recurrence: how many candidate lines anchor each family.
            let mut family_lines = vec![0u32; self.fam.info.len()];
            let mut exact: std::collections::HashMap<&str, u32> = Default::default();
            for (i, ev) in &candidates {
                if !core[*i] {
                    for (f, &a) in ev.anchored.iter().enumerate() {
                        family_lines[f] += u32::from(a);
                    }
                    *exact.entry(lines[*i].trim()).or_insert(0) += 1;
                }
            }
            // Each candidate's content words, and how many are topic words
            // (neither generic sales vocabulary nor anchors).
            let is_topic =
                |h: &u64| !self.generic.contains(h) && !self.anchor_words.contains_key(h);
            let mut w = Vec::new();
            let cand_words: Vec<Vec<u64>> = candidates
                .iter()
                .map(|(i, _)| {
                    tok.content_words(lines[*i], &self.stop, &mut w);
                    w.clone()
                })
                .collect();
            let repeated = |i: usize| exact.get(lines[i].trim()).copied().unwrap_or(0) > 1;
            let rep = |f: usize, repeated: bool| {
                if repeated || family_lines[f] > 1 {
                    1.0
                } else {
                    0.0
                }
            };
            // Which candidates the document's words can still decide: the
            // best score a line can reach with the document on its side
            // (family topic absent, no shared topic word) is known without
            // them; below the threshold, and not an off-topic fragment, the
            // line is kept whatever the document says, and the document
            // need not be read at all.
            let needs_df: Vec<bool> = candidates
                .iter()
                .zip(&cand_words)
                .map(|((i, ev), words)| {
                    if !ev.any_anchor() {
                        return true;
                    }
                    let topic = u32::try_from(words.iter().filter(|h| is_topic(h)).count())
                        .unwrap_or(u32::MAX);
                    let (shape, density) = self.shape_and_density(lines[*i], shape_bits[*i], topic);
                    let coh_adj_max = if topic > 0 { 1.0 } else { 0.0 };
                    let repeated = repeated(*i);
                    ev.anchored.iter().enumerate().any(|(f, &a)| {
                        let best =
                            spam_score(ev, f, shape, 1.0, coh_adj_max, density, rep(f, repeated));
                        a && best >= self.cfg.spam_threshold
                    })
                })
                .collect();
            // Only the candidates that need the document from here on.
            let asking: Vec<(usize, &Evidence, &Vec<u64>)> = candidates
                .iter()
                .zip(&cand_words)
                .zip(&needs_df)
                .filter(|(_, &need)| need)
                .map(|(((i, ev), words), _)| (*i, ev, words))
                .collect();
            // Document frequency over the core lines, of the candidates'
            // content words only (the only ones asked for): (lines, last line
            // counted), so a word repeated in a line counts once.
            let mut seen: WordMap<(u32, usize)> = WordMap::default();
            // 1024-bit filter over the asked-for words (high hash bits, the
            // well-mixed ones): most words of the text skip the map.
            let mut bloom = [0u64; 16];
            let slot = |h: u64| (((h >> 54) & 15) as usize, 1u64 << (h >> 58));
            for &h in asking.iter().flat_map(|(_, _, words)| words.iter()) {
                seen.insert(h, (0, usize::MAX));
                let (k, bit) = slot(h);
                bloom[k] |= bit;
            }
            let any_asked = !seen.is_empty();
            // Shapes (first byte, length) of the asked-for words: most
            // words of the core lines are ruled out before hashing.
            let mut shapes = WordShapes::default();
            for (i, _, _) in &asking {
                tok.word_shapes(lines[*i], &mut shapes);
            }
            for i in (0..n).filter(|&i| any_asked && core[i]) {
                tok.for_each_word_like(lines[i], &shapes, |h| {
                    let (k, bit) = slot(h);
                    if bloom[k] & bit == 0 {
                        return;
                    }
                    if let Some((count, last)) = seen.get_mut(&h) {
                        if *last != i {
                            (*count, *last) = (*count + 1, i);
                        }
                    }
                });
            }
            let df: WordMap<u32> = seen.into_iter().map(|(h, (c, _))| (h, c)).collect();
            for (i, ev, words) in asking {
                let fragment = shape_bits[i] & FRAGMENT != 0;
                let own = u32::from(core[i]);
                let in_doc = |h: &u64| df.get(h).copied().unwrap_or(0) > own;
                // Single-word anchors of each family present in the rest of
                // the document: the family's topic belongs to the article.
                let mut family_in_doc = 0u64;
                for h in words {
                    if let Some(&bits) = self.anchor_words.get(h) {
                        if in_doc(h) {
                            family_in_doc |= bits;
                        }
                    }
                }
                // Coherence of the topic words.
                let mut topic = 0u32;
                let mut shared = 0u32;
                for h in words.iter().filter(|h| is_topic(h)) {
                    topic += 1;
                    shared += u32::from(in_doc(h));
                }
                let coherence = if topic == 0 {
                    0.0
                } else {
                    f64::from(shared) / f64::from(topic)
                };
                if shared >= 2 && coherence >= self.cfg.max_coherence {
                    continue;
                }
                let (shape, density) = self.shape_and_density(lines[i], shape_bits[i], topic);
                let coh_adj = if topic > 0 && shared == 0 {
                    1.0
                } else if shared >= 2 && coherence >= 0.5 {
                    -1.0
                } else {
                    0.0
                };
                let repeated = repeated(i);
                let mut best: Option<(u16, f64, bool)> = None;
                for (f, &a) in ev.anchored.iter().enumerate() {
                    if !a {
                        continue;
                    }
                    let present = f < 64 && family_in_doc & (1u64 << f) != 0;
                    let topical = if present { -3.0 } else { 1.0 };
                    let s = spam_score(ev, f, shape, topical, coh_adj, density, rep(f, repeated));
                    if best.is_none_or(|(_, b, _)| s > b) {
                        best = u16::try_from(f).ok().map(|f| (f, s, present));
                    }
                }
                let decided = match best {
                    Some((f, s, _)) if s >= self.cfg.spam_threshold => Some((Class::Spam(f), s)),
                    None if self.cfg.offtopic_min_cues > 0.0
                        && shared == 0
                        && fragment
                        && f64::from(ev.cues) >= self.cfg.offtopic_min_cues =>
                    {
                        Some((Class::Offtopic, f64::from(ev.cues)))
                    }
                    _ => None,
                };
                if let Some((c, score)) = decided {
                    class[i] = c;
                    if self.cfg.explain {
                        let terms: Vec<&str> = ev
                            .terms
                            .iter()
                            .filter_map(|&id| self.fam.term_text.get(id as usize))
                            .map(String::as_str)
                            .collect();
                        explain.push(json!({
                            "line": i,
                            "reason": self.reason(c),
                            "family": best
                                .and_then(|b| self.fam.info.get(usize::from(b.0)))
                                .map_or("commerce", |f| f.name.as_str()),
                            "score": (score * 100.0).round() / 100.0,
                            "coherence": (coherence * 100.0).round() / 100.0,
                            "family_in_doc": best.is_some_and(|b| b.2),
                            "terms": terms,
                        }));
                    }
                }
            }
        }

        // Position: runs of junk; edge lines go only inside qualifying runs.
        let is_junk = |c: Class| matches!(c, Class::Strong(_) | Class::Spam(_) | Class::Offtopic);
        let mut k = 0;
        while k < non_blank.len() {
            let c = class[non_blank[k]];
            if !(is_junk(c) || matches!(c, Class::Edge(_))) {
                k += 1;
                continue;
            }
            let start = k;
            while k < non_blank.len() {
                let c = class[non_blank[k]];
                if is_junk(c) || matches!(c, Class::Edge(_)) {
                    k += 1;
                } else {
                    break;
                }
            }
            let run = &non_blank[start..k];
            let junk = run.iter().filter(|&&i| is_junk(class[i])).count();
            let edges = run.len() - junk;
            let at_edge = start == 0 || k == non_blank.len();
            // Inside the text only boilerplate vouches for its neighbours:
            // spam is injected between real paragraphs, next to real lines.
            let boilerplate = run
                .iter()
                .filter(|&&i| matches!(class[i], Class::Strong(_)))
                .count();
            let remove = if at_edge {
                junk >= 1 || edges >= self.cfg.min_edge_run
            } else {
                boilerplate >= 1 && edges >= 2
            };
            if !remove {
                for &i in run {
                    if matches!(class[i], Class::Edge(_)) {
                        class[i] = Class::Other;
                    }
                }
            }
        }

        // One search of the whole text first: most documents hold no inline
        // junk, and then no line needs the per-line search.
        let inline = match (&self.fam.inline, self.cfg.strip_inline) {
            (Some(re), true) if re.is_match(text) => Some(re),
            _ => None,
        };
        let n_non_blank = non_blank.len();
        if inline.is_none()
            && class
                .iter()
                .all(|c| matches!(c, Class::Blank | Class::Other))
        {
            // Nothing to remove or rewrite: no edit list to build or apply.
            return (None, explain, Vec::new(), n_non_blank);
        }
        let mut stripped = Vec::new();
        let edits = lines
            .iter()
            .enumerate()
            .map(|(i, raw)| match class[i] {
                Class::Blank => LineEdit::Keep,
                Class::Other => match inline {
                    Some(re) if re.is_match(raw) => {
                        let out = re.replace_all(raw, "");
                        stripped.push(json!({"line": i, "text": raw}));
                        if out.trim().is_empty() {
                            LineEdit::Remove(Cow::Borrowed("ad"))
                        } else {
                            LineEdit::Replace(out.trim_end().to_string())
                        }
                    }
                    _ => LineEdit::Keep,
                },
                c => LineEdit::Remove(Cow::Owned(self.reason(c).to_string())),
            })
            .collect();
        (Some(edits), explain, stripped, n_non_blank)
    }

    /// The shape and lexical-density terms of a spam candidate's score.
    fn shape_and_density(&self, line: &str, shape_bits: u8, topic: u32) -> (f64, f64) {
        let shape = if shape_bits & FRAGMENT != 0 {
            1.0
        } else if shape_bits & PROSE != 0 {
            -2.0
        } else if ends_in_punct(line.trim()) {
            -1.0
        } else {
            0.0
        };
        // Words the lexicon does not explain: spam is made of its
        // vocabulary, a real line mentioning a drug is not.
        let density = -0.5 * f64::from(topic.saturating_sub(2));
        (shape, density)
    }

    /// Classify `@edge` lines. An edge line is removed only inside a run of
    /// junk that touches the head or tail of the document or holds
    /// boilerplate; without spam candidates the only junk is boilerplate, so
    /// only lines reachable from the head, the tail or a boilerplate line
    /// through other junk can matter, and only those are checked. With
    /// candidates, pass two reads every line's class: all are checked.
    fn settle_edges(
        &self,
        lines: &[&str],
        non_blank: &[usize],
        class: &mut [Class],
        edge_ok: &[bool],
        all: bool,
    ) {
        let check = |i: usize, class: &mut [Class]| {
            if edge_ok[i] && class[i] == Class::Other {
                let core = strip_decoration(trim(lines[i]));
                if let Some(f) = self.fam.edge_set.first_family(core, false) {
                    class[i] = Class::Edge(f);
                }
            }
            matches!(class[i], Class::Strong(_) | Class::Edge(_))
        };
        if all {
            for &i in non_blank {
                check(i, class);
            }
            return;
        }
        let mut checked = vec![false; non_blank.len()];
        // A walk settles a whole run: a line already visited belongs to a
        // settled run (or bounds one), so each line is checked once.
        let walk =
            |ks: &mut dyn Iterator<Item = usize>, class: &mut [Class], checked: &mut [bool]| {
                for k in ks {
                    if checked[k] {
                        break;
                    }
                    checked[k] = true;
                    if !check(non_blank[k], class) {
                        break;
                    }
                }
            };
        let m = non_blank.len();
        walk(&mut (0..m), class, &mut checked);
        walk(&mut (0..m).rev(), class, &mut checked);
        for k in 0..m {
            if !checked[k] && matches!(class[non_blank[k]], Class::Strong(_)) {
                checked[k] = true;
                walk(&mut (k + 1..m), class, &mut checked);
                walk(&mut (0..k).rev(), class, &mut checked);
            }
        }
    }

    fn reason(&self, c: Class) -> &str {
        match c {
            Class::Strong(f) | Class::Edge(f) | Class::Spam(f) => self
                .fam
                .info
                .get(usize::from(f))
                .map_or("junk", |i| i.reason.as_str()),
            Class::Offtopic => "offtopic",
            Class::Blank | Class::Other => "keep",
        }
    }
}

impl Stage for JunkLines {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        let (edits, explain, stripped, non_blank) = self.decide(&doc.text);
        if !explain.is_empty() || !stripped.is_empty() {
            let mut v = serde_json::Map::new();
            if !explain.is_empty() {
                // Current line numbers -> original ones.
                let explain = explain
                    .into_iter()
                    .map(|mut e| {
                        if let Some(l) = e.get("line").and_then(Value::as_u64) {
                            e["line"] = json!(doc.original_line_index(l as usize));
                        }
                        e
                    })
                    .collect();
                v.insert("explain".into(), Value::Array(explain));
            }
            if !stripped.is_empty() {
                let stripped = stripped
                    .into_iter()
                    .map(|mut e| {
                        if let Some(l) = e.get("line").and_then(Value::as_u64) {
                            e["line"] = json!(doc.original_line_index(l as usize));
                        }
                        e
                    })
                    .collect();
                v.insert("stripped_inline".into(), Value::Array(stripped));
            }
            doc.flag(self.name.clone(), Value::Object(v));
        }
        let removed = edits.map_or(0, |e| doc.apply_line_edits(&self.name, &e));
        match self.cfg.max_removed_fraction {
            Some(max) if non_blank > 0 && removed as f64 / non_blank as f64 > max => {
                Verdict::drop_static("too_much_junk")
            }
            _ => Verdict::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::count_words;

    #[test]
    fn strip_decoration_is_the_std_one() {
        let lines = [
            "  x  ",
            "\t\u{a0}y\u{3000}",
            "\u{2003}\u{85}",
            " \r",
            " é ",
            "\x0b\x0c",
            "",
            "* a *",
            "-x",
            "x|",
            "•",
            "a",
            "— b —",
            "*",
        ];
        for t in lines {
            for l in [t, t.trim_start()] {
                assert_eq!(
                    super::strip_decoration(l),
                    l.trim_matches(super::is_decoration),
                    "{l:?}"
                );
            }
        }
    }

    #[test]
    fn unicode_space_len_is_is_whitespace() {
        for c in (0x80u32..0x3_0000).filter_map(char::from_u32) {
            let mut b = [0u8; 4];
            let len = c.encode_utf8(&mut b).len();
            let want = if c.is_whitespace() { len } else { 0 };
            assert_eq!(
                super::unicode_space_len(&b[..len]),
                want,
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn count_words_is_split_whitespace_take() {
        let long_ascii = "word ".repeat(40);
        let late_unicode = format!("{}a\u{a0}b\u{2003}c", "x y ".repeat(10));
        let texts = [
            "",
            "   ",
            "one",
            " one  two\tthree\nfour\x0bfive\x0csix\rseven ",
            "a\u{a0}b\u{3000}c d\u{85}e",
            "\x1cnot\x1fspace separators",
            long_ascii.as_str(),
            late_unicode.as_str(),
        ];
        // Every whitespace kind at every offset of the 8-byte chunks.
        let mut seed = 7u64;
        let generated: Vec<String> = (0..2000)
            .map(|_| {
                (0..seed % 90)
                    .map(|_| {
                        crate::common::lcg_step(&mut seed);
                        [
                            ' ', '\t', '\n', '\x0b', '\x0c', '\r', 'a', 'b', '.', '\x1f', '\x08',
                            '\x0e', '!', '\u{a0}', '\u{3000}', 'é', '’', '東', '\u{85}',
                            '\u{2028}', '\u{1680}', '\u{2000}', '\u{200a}', '\u{200b}', '\u{202f}',
                            '\u{205f}', '\u{2029}', '\u{2060}', '\u{a1}',
                        ][(seed >> 33) as usize % 29]
                    })
                    .collect()
            })
            .collect();
        for t in texts
            .into_iter()
            .chain(generated.iter().map(String::as_str))
        {
            for max in [1, 12, 13, 20, 100] {
                assert_eq!(
                    count_words(t, max),
                    t.split_whitespace().take(max).count(),
                    "{t:?} max {max}"
                );
            }
        }
    }
}
