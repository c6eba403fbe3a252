//! Python `str` semantics that Rust's std does not share.
//!
//! Character predicates follow CPython 3.11 (Unicode 14.0.0, the interpreter
//! datatrove runs on), from generated tables, so they do not drift with the
//! Unicode version of the Rust toolchain.
//!
//! ```
//! use sift_text::pystr;
//!
//! assert_eq!(pystr::strip("\u{1f} hi\u{a0}\n"), "hi");
//! let lines: Vec<&str> = pystr::splitlines("a\r\nb\u{2028}c\n").collect();
//! assert_eq!(lines, ["a", "b", "c"]);
//! assert!(pystr::is_alpha('é') && !pystr::is_alpha('\u{301}'));
//! ```

use crate::class::{self, PUNCT_CAT, PY_ALPHA, PY_DECIMAL, PY_DIGIT, PY_NUMERIC};
use sift_core::swar;

/// Python `str.isspace()` for one char: Unicode White_Space plus U+001C..U+001F.
#[inline]
pub const fn is_space(c: char) -> bool {
    match c {
        '\t'..='\r' | '\u{1c}'..='\u{20}' => true,
        _ if (c as u32) < 0x85 => false,
        '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' => true,
        '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => true,
        _ => false,
    }
}

/// Python `str.isalpha()` for one char: general category Lu, Ll, Lt, Lm or Lo.
#[inline]
pub fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    class::has(c, PY_ALPHA)
}

/// Python `str.isdecimal()` for one char (general category Nd; also what `re`'s `\d` matches).
#[inline]
pub fn is_decimal(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    class::has(c, PY_DECIMAL)
}

/// Python `str.isdigit()` for one char (Numeric_Type Decimal or Digit, e.g. `²`).
#[inline]
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    class::has(c, PY_DIGIT)
}

/// Python `str.isnumeric()` for one char (any Numeric_Type, e.g. `½`, `一`).
#[inline]
pub fn is_numeric(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    class::has(c, PY_NUMERIC)
}

/// Python `str.isalnum()` for one char (`isalpha() or isnumeric()`).
#[inline]
pub fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    class::has(c, PY_ALPHA | PY_NUMERIC)
}

/// Python `re`'s `\w` for one char: `isalnum()` or `_`.
#[inline]
pub fn is_word(c: char) -> bool {
    c == '_' || is_alnum(c)
}

/// `unicodedata.category(c).startswith("P")`: spaCy's `is_punct` for one char.
#[inline]
pub fn is_punct(c: char) -> bool {
    class::has(c, PUNCT_CAT)
}

/// Python `str.isalpha()` for a string: non-empty and every char [`is_alpha`].
pub fn str_is_alpha(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_alpha)
}

/// Python `str.isdigit()` for a string: non-empty and every char [`is_digit`].
pub fn str_is_digit(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_digit)
}

/// Python `str.isnumeric()` for a string: non-empty and every char [`is_numeric`].
pub fn str_is_numeric(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_numeric)
}

/// Python `str.strip()` with no argument.
#[inline]
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Python `str.lstrip()` with no argument.
#[inline]
pub fn lstrip(s: &str) -> &str {
    s.trim_start_matches(is_space)
}

/// Python `str.rstrip()` with no argument.
#[inline]
pub fn rstrip(s: &str) -> &str {
    s.trim_end_matches(is_space)
}

/// Python `str.split()` with no argument: runs of [`is_space`] separate, empty pieces dropped.
pub fn split(s: &str) -> Split<'_> {
    Split { s, pos: 0 }
}

/// Iterator of [`split`]. ASCII is classified by table and skipped eight
/// bytes at a time inside a token; only non-ASCII chars are decoded (the
/// `char` predicate on every char was the cost of the generic version).
#[derive(Debug, Clone)]
pub struct Split<'a> {
    s: &'a str,
    pos: usize,
}

/// [`is_space`] of each ASCII byte.
const ASCII_SPACE: [bool; 128] = {
    let mut t = [false; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = is_space(b as u8 as char);
        b += 1;
    }
    t
};

impl<'a> Split<'a> {
    /// Whether the char at `i` is whitespace, and its length.
    #[inline(always)]
    fn space_at(&self, i: usize) -> (bool, usize) {
        let b = self.s.as_bytes()[i];
        if b < 0x80 {
            return (ASCII_SPACE[usize::from(b)], 1);
        }
        match self.s[i..].chars().next() {
            Some(c) => (is_space(c), c.len_utf8()),
            None => (false, 1),
        }
    }
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.s.as_bytes();
        let mut i = self.pos;
        while i < bytes.len() {
            let (space, len) = self.space_at(i);
            if !space {
                break;
            }
            i += len;
        }
        if i >= bytes.len() {
            self.pos = i;
            return None;
        }
        let start = i;
        while i < bytes.len() {
            // Eight printable ASCII bytes (0x21..0x7f) at once: none is a space.
            if let Some(w) = swar::load(bytes, i) {
                // Flags bytes below 0x21 or non-ASCII; the lowest flag is exact.
                let stop = swar::any_below(w, 0x21) | (w & swar::HI);
                if stop == 0 {
                    i += 8;
                    continue;
                }
                i += (stop.trailing_zeros() / 8) as usize;
            }
            let (space, len) = self.space_at(i);
            if space {
                break;
            }
            i += len;
        }
        self.pos = i;
        Some(&self.s[start..i])
    }
}

/// Whether `c` ends a line for Python `str.splitlines()`.
#[inline]
pub fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\u{b}'
            | '\u{c}'
            | '\r'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Python `str.splitlines()` (no `keepends`): the lines of `s` without their breaks.
///
/// Breaks are [`is_line_break`] chars, `\r\n` counts as one, and a trailing break
/// does not start an empty last line (so `""` has no lines).
pub fn splitlines(s: &str) -> SplitLines<'_> {
    SplitLines { rest: s }
}

/// Iterator returned by [`splitlines`].
#[derive(Debug, Clone)]
pub struct SplitLines<'a> {
    rest: &'a str,
}

impl<'a> Iterator for SplitLines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let s = self.rest;
        match find_line_break(s.as_bytes()) {
            None => {
                self.rest = "";
                Some(s)
            }
            Some((i, len)) => {
                let mut next = i + len;
                if s.as_bytes()[i] == b'\r' && s.as_bytes().get(next) == Some(&b'\n') {
                    next += 1;
                }
                self.rest = &s[next..];
                Some(&s[..i])
            }
        }
    }
}

/// Byte offset and UTF-8 length of the first [`is_line_break`] char of `s`
/// (valid UTF-8). Looks at 8 bytes at a time: a word without a byte below
/// 0x1f and without the lead bytes 0xC2 (U+0085) and 0xE2 (U+2028/9) holds
/// no line break, so only the words with a candidate (a tab, a curly quote)
/// are looked at byte by byte.
#[inline]
fn find_line_break(s: &[u8]) -> Option<(usize, usize)> {
    use sift_core::swar::{any_below, any_eq, load};
    let mut i = 0;
    while i < s.len() {
        if let Some(x) = load(s, i) {
            if any_below(x, 0x1f) | any_eq(x, 0xc2) | any_eq(x, 0xe2) == 0 {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(s.len());
        while i < end {
            match s[i] {
                b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1e => return Some((i, 1)),
                0xc2 if s.get(i + 1) == Some(&0x85) => return Some((i, 2)),
                0xe2 if s.get(i + 1) == Some(&0x80)
                    && matches!(s.get(i + 2), Some(0xa8 | 0xa9)) =>
                {
                    return Some((i, 3))
                }
                _ => i += 1,
            }
        }
    }
    None
}

/// Python `len(s)`: the number of code points.
#[inline]
pub fn len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_matches_python_isspace() {
        let py: Vec<u32> = [
            0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000,
            0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
            0x2029, 0x202f, 0x205f, 0x3000,
        ]
        .to_vec();
        let ours: Vec<u32> = (0..0x11_0000u32)
            .filter_map(char::from_u32)
            .filter(|&c| is_space(c))
            .map(u32::from)
            .collect();
        assert_eq!(ours, py);
    }

    #[test]
    fn strips() {
        assert_eq!(strip("\u{1f}\u{3000} a b \u{85}"), "a b");
        assert_eq!(lstrip("  a "), "a ");
        assert_eq!(rstrip("  a \u{2029}"), "  a");
        assert_eq!(strip("\u{200b}x"), "\u{200b}x"); // ZWSP is not whitespace
    }

    /// The table-and-SWAR split equals the char-by-char definition, on
    /// pieces around every boundary of the eight-byte steps.
    #[test]
    fn split_equals_char_predicate_split() {
        let parts = [
            "word",
            "longerword12",
            " ",
            "\t",
            "\u{1c}",
            "\u{1f}",
            "\u{20}",
            "\u{21}",
            "\u{7f}",
            "\u{1}",
            "\u{a0}",
            "\u{85}",
            "é",
            "日本",
            "\u{3000}",
            "\u{2028}",
            "\u{200b}",
            "!~",
        ];
        let mut state = 7u64;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(state % 13) {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                s.push_str(parts[(state >> 33) as usize % parts.len()]);
            }
            let want: Vec<&str> = s.split(is_space).filter(|t| !t.is_empty()).collect();
            let got: Vec<&str> = split(&s).collect();
            assert_eq!(got, want, "{s:?}");
            state = state.wrapping_add(0x9e37_79b9);
        }
    }

    #[test]
    fn split_like_python() {
        let v: Vec<&str> = split(" a\u{a0}b\t\u{1c}c  ").collect();
        assert_eq!(v, ["a", "b", "c"]);
        assert_eq!(split("   ").count(), 0);
    }

    #[test]
    fn splitlines_like_python() {
        let v: Vec<&str> = splitlines("a\r\n\r\nb\rc\u{1f}d\u{1e}e\n").collect();
        assert_eq!(v, ["a", "", "b", "c\u{1f}d", "e"]);
        assert_eq!(splitlines("").count(), 0);
        assert_eq!(splitlines("\n").collect::<Vec<_>>(), [""]);
        assert_eq!(splitlines("x\n\n").collect::<Vec<_>>(), ["x", ""]);
        assert_eq!(splitlines("\r").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn find_line_break_matches_a_char_scan() {
        let reference = |s: &str| {
            (s.char_indices())
                .find(|&(_, c)| is_line_break(c))
                .map(|(i, c)| (i, c.len_utf8()))
        };
        let breaks = [
            '\n', '\u{b}', '\u{c}', '\r', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
            '\u{2029}',
        ];
        let others = [
            'a', '\t', '\u{1f}', '\u{84}', '\u{c2}', '\u{2027}', '\u{202a}', '’', '中', '😀',
        ];
        for pad in 0..20 {
            for c in breaks.iter().chain(&others) {
                for o in others {
                    let s: String = std::iter::repeat_n(o, pad).chain([*c, 'x']).collect();
                    assert_eq!(find_line_break(s.as_bytes()), reference(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn predicates() {
        assert!(is_alpha('ß') && is_alpha('ǅ') && is_alpha('ʰ') && is_alpha('中'));
        assert!(!is_alpha('Ⅻ') && !is_alpha('\u{301}') && !is_alpha('1'));
        assert!(is_numeric('Ⅻ') && !is_digit('Ⅻ'));
        assert!(is_decimal('٣') && is_digit('٣') && is_numeric('٣'));
        assert!(is_word('_') && is_word('٣') && !is_word('-'));
        assert!(is_punct('¿') && is_punct('«') && !is_punct('$') && !is_punct('+'));
        assert!(str_is_alpha("Straße") && !str_is_alpha("") && !str_is_alpha("a b"));
        assert!(str_is_digit("²3") && !str_is_digit("½"));
        assert!(str_is_numeric("½一"));
        assert_eq!(len("naïve"), 5);
    }
}
