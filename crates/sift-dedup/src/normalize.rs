//! Text normalisations behind dedup keys.
//!
//! - [`simplify_into`]: datatrove's `simplify_text` with `MinhashConfig()`
//!   defaults (lowercase; numbers -> `0`; punctuation -> space; strip and
//!   collapse whitespace; NFD and drop non-spacing marks; strip). Used by
//!   `minhash_dedup` and, per line, by `paragraph_dedup`.
//! - [`whitespace_into`]: Python's `" ".join(text.split())`, the default of
//!   `exact_dedup`.

use std::sync::OnceLock;

use sift_text::ascii_letters_prefix;
use sift_text::pystr::is_space;
use unicode_normalization::UnicodeNormalization;

/// datatrove's `PUNCTUATION` characters above U+00A0 (the ASCII and C1 ones
/// are tested by range in [`is_punctuation`]). Sorted.
const PUNCT_HIGH: [char; 34] = [
    '\u{ab}', '\u{b4}', '\u{bb}', '\u{2013}', '\u{2014}', '\u{2019}', '\u{201c}', '\u{201d}',
    '\u{201e}', '\u{2026}', '\u{2236}', '\u{2501}', '\u{25ba}', '\u{3001}', '\u{3002}', '\u{3008}',
    '\u{3009}', '\u{300a}', '\u{300b}', '\u{300c}', '\u{300d}', '\u{3010}', '\u{3011}', '\u{ff01}',
    '\u{ff05}', '\u{ff08}', '\u{ff09}', '\u{ff0c}', '\u{ff0e}', '\u{ff11}', '\u{ff1a}', '\u{ff1b}',
    '\u{ff1f}', '\u{ff5e}',
];

/// Whether datatrove's `simplify_text` maps `c` to a space: the 32 ASCII
/// punctuation marks, C0 controls except `\t` `\n`, DEL and C1 controls,
/// and 34 others (among them U+FF11 FULLWIDTH DIGIT ONE, a datatrove quirk).
pub fn is_punctuation(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return c.is_ascii_punctuation() || u <= 8 || (11..=31).contains(&u) || u == 127;
    }
    if u < 0xa0 {
        return true;
    }
    PUNCT_HIGH.binary_search(&c).is_ok()
}

/// Decimal separators datatrove's number pattern accepts between digit runs.
fn is_number_separator(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | '\u{60c}' | '\u{66b}' | '\u{2396}' | '\u{2397}' | '\u{2398}'
    )
}

struct Tables {
    nd: Vec<(u32, u32)>,
    mn: Vec<(u32, u32)>,
}

fn class_ranges(property: &str) -> Vec<(u32, u32)> {
    use regex_syntax::hir::{Class, HirKind};
    let Ok(hir) = regex_syntax::Parser::new().parse(&format!("\\p{{{property}}}")) else {
        return Vec::new();
    };
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        _ => Vec::new(),
    }
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| Tables {
        nd: class_ranges("Nd"),
        mn: class_ranges("Mn"),
    })
}

fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let u = c as u32;
    let i = ranges.partition_point(|&(_, end)| end < u);
    ranges.get(i).is_some_and(|&(start, _)| start <= u)
}

/// Unicode general category Nd (decimal digit), as Python `regex` `\p{Nd}`.
pub fn is_decimal_digit(c: char) -> bool {
    let u = c as u32;
    if u < 0x660 {
        return c.is_ascii_digit();
    }
    if (0x4e00..0xa000).contains(&u) || (0xac00..0xd7a4).contains(&u) {
        return false;
    }
    in_ranges(&tables().nd, c)
}

/// Unicode general category Mn (non-spacing mark).
pub fn is_nonspacing_mark(c: char) -> bool {
    let u = c as u32;
    // No marks below U+0300 nor among CJK ideographs and Hangul syllables.
    if u < 0x300 || (0x4e00..0xa000).contains(&u) || (0xac00..0xd7a4).contains(&u) {
        return false;
    }
    in_ranges(&tables().mn, c)
}

/// Non-ASCII chars below this are looked up in [`plain_classes`]; CJK
/// unified ideographs (U+4E00..U+A000) are plain letters by range.
const PLAIN_TABLE_END: u32 = 0x4e00;

/// A char [`simplify_into`] must look at closely.
const OTHER: u8 = 0;
/// [`is_plain_letter`].
const PLAIN_LETTER: u8 = 1;
/// A non-ASCII char that is its own lowercase, no digit or number
/// separator, and punctuation or whitespace: outside a number it is a gap.
const PLAIN_GAP: u8 = 2;

/// Two bits per char over U+0000..[`PLAIN_TABLE_END`]: its class.
fn plain_classes() -> &'static [u64] {
    static T: OnceLock<Vec<u64>> = OnceLock::new();
    T.get_or_init(|| {
        let mut bits = vec![0u64; PLAIN_TABLE_END as usize / 32];
        for u in 0x80..PLAIN_TABLE_END {
            if let Some(c) = char::from_u32(u) {
                bits[u as usize / 32] |= u64::from(plain_class_slow(c)) << (2 * (u % 32));
            }
        }
        bits
    })
}

/// [`plain_class`] from first principles.
fn plain_class_slow(c: char) -> u8 {
    use unicode_normalization::char::{canonical_combining_class, decompose_canonical};
    let mut lower = c.to_lowercase();
    let mut nfd = 0usize;
    let mut nfd_same = true;
    decompose_canonical(c, |d| {
        nfd += 1;
        nfd_same &= d == c;
    });
    let common = lower.next() == Some(c)
        && lower.next().is_none()
        && !c.is_ascii()
        && !is_decimal_digit(c)
        && !is_number_separator(c);
    if !common {
        OTHER
    } else if is_punctuation(c) || is_space(c) {
        PLAIN_GAP
    } else if nfd == 1 && nfd_same && canonical_combining_class(c) == 0 && !is_nonspacing_mark(c) {
        PLAIN_LETTER
    } else {
        OTHER
    }
}

/// [`PLAIN_LETTER`], [`PLAIN_GAP`] or [`OTHER`].
#[inline]
fn plain_class(c: char) -> u8 {
    let u = c as u32;
    if u < PLAIN_TABLE_END {
        (plain_classes()[u as usize / 32] >> (2 * (u % 32)) & 3) as u8
    } else if (0x4e00..0xa000).contains(&u) {
        PLAIN_LETTER
    } else {
        OTHER
    }
}

/// A non-ASCII char that [`simplify_into`] copies as it is wherever it
/// stands outside a number: its own lowercase, not a digit, separator,
/// punctuation or whitespace, and an NFD starter (combining class 0) that
/// decomposes to itself and is not Mn, so NFD neither changes it nor
/// reorders marks across it. E.g. most Cyrillic, Greek, Arabic, CJK.
#[inline]
fn is_plain_letter(c: char) -> bool {
    plain_class(c) == PLAIN_LETTER
}

/// datatrove `simplify_text(text)` (MinhashConfig defaults) into `out`
/// (cleared first).
///
/// Exactly, in this order: Python `lower()`; every `\p{Nd}+` optionally
/// followed by one separator of `. , ، ٫ ⎖ ⎗ ⎘` and another `\p{Nd}+`
/// becomes `0`; every [`is_punctuation`] character becomes a space; strip,
/// and each run of Python whitespace becomes one space; Unicode NFD with
/// all Mn characters deleted (no recomposition); strip.
///
/// Done in one pass: runs of ASCII letters and gaps are copied word by
/// word, non-ASCII chars that no rule changes ([`is_plain_letter`]) are
/// copied as they are, and runs of other non-ASCII characters are
/// decomposed on their own (ASCII and plain chars are canonical starters
/// that NFD never reorders across, so this equals NFD of the whole string).
/// [`simplify_reference`] is the step-by-step version.
pub fn simplify_into(text: &str, out: &mut String) {
    // Built as bytes (ASCII words are copied byte-wise), validated at the end.
    let mut buf = std::mem::take(out).into_bytes();
    buf.clear();
    buf.reserve(text.len());
    // Final sigma is the one context-dependent lowercase mapping: let std
    // handle texts that have a capital sigma.
    let lowered;
    let (src, lower) = if text.contains('\u{3a3}') {
        lowered = text.to_lowercase();
        (lowered.as_str(), false)
    } else {
        (text, true)
    };
    let mut st = Simplifier {
        out: buf,
        run: String::new(),
        gap: false,
        any: false,
        num: Num::None,
    };
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if st.num == Num::None {
                i = st.ascii_run(src, i);
                if bytes
                    .get(i)
                    .is_some_and(|&b| BYTE_CLASS[usize::from(b)] == DIGIT)
                {
                    st.char(char::from(bytes[i]));
                    i += 1;
                }
            } else {
                // Inside a number: the state machine decides (the text is
                // already lowercase when `lower` is false).
                st.char(char::from(b.to_ascii_lowercase()));
                i += 1;
            }
        } else {
            let Some(c) = src[i..].chars().next() else {
                break;
            };
            i += c.len_utf8();
            let class = if st.num == Num::None {
                plain_class(c)
            } else {
                OTHER
            };
            if class == PLAIN_LETTER {
                // Every rule leaves it and the plain letters right after it
                // as they are (lowercasing too): copy them in one go.
                let first = i - c.len_utf8();
                while let Some(next) = src.get(i..).and_then(|r| r.chars().next()) {
                    if next.is_ascii() || plain_class(next) != PLAIN_LETTER {
                        break;
                    }
                    i += next.len_utf8();
                }
                st.emit_plain(&bytes[first..i]);
            } else if class == PLAIN_GAP {
                st.gap = st.any;
            } else if lower {
                c.to_lowercase().for_each(|l| st.char(l));
            } else {
                st.char(c);
            }
        }
    }
    st.finish();
    *out = match String::from_utf8(st.out) {
        Ok(s) => s,
        // Not reached: only whole chars are written. Keep the text anyway.
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    let end = out.trim_end_matches(is_space).len();
    out.truncate(end);
    let start = out.len() - out.trim_start_matches(is_space).len();
    out.drain(..start);
}

#[inline]
fn push_char(out: &mut Vec<u8>, c: char) {
    let mut b = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
}

const LETTER: u8 = 0;
const GAP: u8 = 1;
const DIGIT: u8 = 2;
const NON_ASCII: u8 = 3;

/// Class of each byte: ASCII letters; ASCII punctuation, controls (`\t`
/// and `\n` are whitespace, the others punctuation) and whitespace are
/// gaps; digits; and bytes of non-ASCII chars.
const BYTE_CLASS: [u8; 256] = {
    let mut t = [NON_ASCII; 256];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_alphabetic() {
            LETTER
        } else {
            GAP
        };
        i += 1;
    }
    t
};

/// Where the number rule `\p{Nd}+([sep]\p{Nd}+)?` stands.
#[derive(Clone, Copy, PartialEq)]
enum Num {
    /// Not in a number.
    None,
    /// In the first digit run (already written as `0`).
    Digits,
    /// After the first run and a separator that still needs a digit.
    Sep(char),
    /// In the digit run after the separator.
    Fraction,
}

struct Simplifier {
    out: Vec<u8>,
    /// Pending non-ASCII characters, decomposed when the run ends.
    run: String,
    /// A whitespace or punctuation gap is pending.
    gap: bool,
    /// Anything was emitted (gaps only go between emitted characters).
    any: bool,
    num: Num,
}

impl Simplifier {
    fn char(&mut self, c: char) {
        let digit = is_decimal_digit(c);
        match self.num {
            Num::Digits if digit => return,
            Num::Digits if is_number_separator(c) => {
                self.num = Num::Sep(c);
                return;
            }
            Num::Sep(_) if digit => {
                self.num = Num::Fraction;
                return;
            }
            Num::Sep(sep) => {
                self.num = Num::None;
                self.plain(sep);
            }
            Num::Fraction if digit => return,
            _ => self.num = Num::None,
        }
        if digit {
            self.emit('0');
            self.num = Num::Digits;
        } else {
            self.plain(c);
        }
    }

    /// A character outside any number.
    fn plain(&mut self, c: char) {
        if is_punctuation(c) || is_space(c) {
            self.gap = self.any;
        } else {
            self.emit(c);
        }
    }

    /// Letters and gaps from `bytes[i..]` outside a number, up to the first
    /// digit or non-ASCII byte (or the end); returns where it stopped.
    ///
    /// The pending non-ASCII run is flushed first: whatever comes next is
    /// either an ASCII letter (which flushes it) or a gap (after which the
    /// next emitted char flushes it before writing the space), so flushing
    /// early writes the same bytes.
    #[inline]
    fn ascii_run(&mut self, src: &str, mut i: usize) -> usize {
        self.flush_run();
        let bytes = src.as_bytes();
        let class = |i: usize| {
            bytes
                .get(i)
                .map_or(NON_ASCII, |&b| BYTE_CLASS[usize::from(b)])
        };
        loop {
            if class(i) == GAP {
                self.gap = self.any;
                i += 1;
                while class(i) == GAP {
                    i += 1;
                }
            }
            if class(i) != LETTER {
                return i;
            }
            if self.gap {
                self.out.push(b' ');
                self.gap = false;
            }
            self.any = true;
            // The word, 8 bytes at a time: all 8 are written lowercased
            // (setting bit 5 lowercases ASCII letters) and the bytes past
            // the word cut off again, so short words take no branch per byte.
            while let Some(w) = bytes.get(i..).and_then(|r| r.first_chunk::<8>()) {
                let w = u64::from_le_bytes(*w);
                let n = ascii_letters_prefix(w);
                self.out
                    .extend_from_slice(&(w | 0x2020_2020_2020_2020).to_le_bytes());
                self.out.truncate(self.out.len() - (8 - n));
                i += n;
                if n < 8 {
                    break;
                }
            }
            while class(i) == LETTER {
                self.out.push(bytes[i] | 0x20);
                i += 1;
            }
        }
    }

    /// Decompose and write the pending non-ASCII run, if any.
    #[inline]
    fn flush_run(&mut self) {
        if !self.run.is_empty() {
            self.flush_run_slow();
        }
    }

    /// [`Simplifier::emit`] of each char of `s`, all plain letters.
    fn emit_plain(&mut self, s: &[u8]) {
        self.flush_run();
        if self.gap {
            self.out.push(b' ');
            self.gap = false;
        }
        self.any = true;
        self.out.extend_from_slice(s);
    }

    fn emit(&mut self, c: char) {
        if self.gap {
            self.flush_run();
            self.out.push(b' ');
            self.gap = false;
        }
        self.any = true;
        if c.is_ascii() || is_plain_letter(c) {
            self.flush_run();
            push_char(&mut self.out, c);
        } else {
            self.run.push(c);
        }
    }

    #[inline(never)]
    fn flush_run_slow(&mut self) {
        use unicode_normalization::{is_nfd_quick, IsNormalized};
        let keep = |c: &char| !is_nonspacing_mark(*c);
        if is_nfd_quick(self.run.chars()) == IsNormalized::Yes {
            self.run
                .chars()
                .filter(keep)
                .for_each(|c| push_char(&mut self.out, c));
        } else {
            self.run
                .nfd()
                .filter(keep)
                .for_each(|c| push_char(&mut self.out, c));
        }
        self.run.clear();
    }

    fn finish(&mut self) {
        if let Num::Sep(sep) = self.num {
            self.num = Num::None;
            self.plain(sep);
        }
        self.flush_run();
    }
}

/// [`simplify_into`] step by step, as datatrove writes it (for tests).
pub fn simplify_reference(text: &str) -> String {
    let lower = text.to_lowercase();
    // Numbers.
    let chars: Vec<char> = lower.chars().collect();
    let mut numbered = String::with_capacity(lower.len());
    let mut i = 0;
    while i < chars.len() {
        if is_decimal_digit(chars[i]) {
            while i < chars.len() && is_decimal_digit(chars[i]) {
                i += 1;
            }
            if i + 1 < chars.len()
                && is_number_separator(chars[i])
                && is_decimal_digit(chars[i + 1])
            {
                i += 1;
                while i < chars.len() && is_decimal_digit(chars[i]) {
                    i += 1;
                }
            }
            numbered.push('0');
        } else {
            numbered.push(chars[i]);
            i += 1;
        }
    }
    // Punctuation, then strip and collapse whitespace.
    let spaced: String = numbered
        .chars()
        .map(|c| if is_punctuation(c) { ' ' } else { c })
        .collect();
    let collapsed = spaced
        .split(is_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // Diacritics.
    let nfd: String = collapsed
        .nfd()
        .filter(|&c| !is_nonspacing_mark(c))
        .collect();
    nfd.trim_matches(is_space).to_string()
}

/// Python `" ".join(text.split())`: drop leading and trailing whitespace and
/// turn every inner run of whitespace into one space.
pub fn whitespace_into(text: &str, out: &mut String) {
    out.clear();
    for (i, w) in sift_text::pystr::split(text).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simplify(s: &str) -> String {
        let mut out = String::new();
        simplify_into(s, &mut out);
        out
    }

    #[test]
    fn numbers_punctuation_and_spaces() {
        assert_eq!(simplify("  Hello,   World!  "), "hello world");
        assert_eq!(simplify("3,5 and 1.000.000 x"), "0 and 0 0 x");
        assert_eq!(simplify("v2.0-beta"), "v0 beta");
        assert_eq!(simplify("a\tb\nc\u{a0}d"), "a b c d");
        assert_eq!(simplify("1."), "0");
        assert_eq!(simplify("١٢٣٫٤ x"), "0 x");
        assert_eq!(simplify("tab\u{1c}sep"), "tab sep");
        assert_eq!(simplify("‘quoted’"), "‘quoted");
        assert_eq!(simplify("１２"), "0");
        assert_eq!(simplify("２１２"), "0");
    }

    #[test]
    fn diacritics_are_dropped_without_recomposition() {
        assert_eq!(simplify("Café Müller"), "cafe muller");
        assert_eq!(simplify("한국"), "한국".nfd().collect::<String>());
        assert_eq!(simplify("\u{301} x"), "x");
        // Mc (spacing mark) stays: Devanagari vowel sign AA.
        assert_eq!(simplify("का"), "का");
    }

    #[test]
    fn plain_classes_match_their_definition() {
        // The table, and the CJK range taken without a table.
        for u in 0..0xa000u32 {
            if let Some(c) = char::from_u32(u) {
                let want = if c.is_ascii() {
                    OTHER
                } else {
                    plain_class_slow(c)
                };
                assert_eq!(plain_class(c), want, "U+{u:04X}");
            }
        }
        assert_eq!(plain_class('\u{2019}'), PLAIN_GAP);
        assert_eq!(plain_class('\u{a0}'), PLAIN_GAP);
        assert_eq!(plain_class('и'), PLAIN_LETTER);
        assert_eq!(plain_class('И'), OTHER);
        assert_eq!(plain_class('й'), OTHER);
        assert_eq!(plain_class('\u{663}'), OTHER);
    }

    #[test]
    fn whitespace_join() {
        let mut out = String::new();
        whitespace_into("  a \n\n b\u{1f}c  ", &mut out);
        assert_eq!(out, "a b c");
    }
}
