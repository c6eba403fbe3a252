//! `gopher_quality`: Gopher's document quality rules (Rae et al. 2021), with
//! the defaults, check order and reasons of datatrove 0.10.1's
//! `GopherQualityFilter`.
//!
//! Checks run in order and the first failing one gives the reason:
//! `gopher_short_doc`, `gopher_long_doc`, `gopher_below_avg_threshold`,
//! `gopher_above_avg_threshold`, `gopher_too_many_hashes`,
//! `gopher_too_many_ellipsis`, `gopher_too_many_bullets`,
//! `gopher_too_many_end_ellipsis`, `gopher_below_alpha_threshold`,
//! `gopher_enough_stop_words` (datatrove's name; it means *not enough*).
//! A threshold of `0` disables its check, as in datatrove.

use serde::{Deserialize, Serialize};
use sift_core::{Document, Stage, Verdict};
use sift_text::pystr;

use crate::common::{is_punctuation, with_doc_words, ASCII_PUNCTUATION};
use crate::Error;

/// Configuration of [`GopherQuality`] (datatrove defaults).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GopherQualityConfig {
    /// Minimum number of non-punctuation words (0: off).
    pub min_doc_words: usize,
    /// Maximum number of non-punctuation words (0: off).
    pub max_doc_words: usize,
    /// Minimum mean length of non-punctuation words, in code points (0: off).
    pub min_avg_word_length: f64,
    /// Maximum mean length of non-punctuation words (0: off).
    pub max_avg_word_length: f64,
    /// Maximum `#` per word and `...`/`…` per word (0: off).
    pub max_symbol_word_ratio: f64,
    /// Maximum fraction of lines starting with `•` or `-` (0: off).
    pub max_bullet_lines_ratio: f64,
    /// Maximum fraction of lines ending with `...` or `…` (0: off).
    pub max_ellipsis_lines_ratio: f64,
    /// Minimum fraction of words with an alphabetic character (datatrove's
    /// misleading name; 0: off).
    pub max_non_alpha_words_ratio: f64,
    /// Minimum number of distinct stop words present (0: off).
    pub min_stop_words: usize,
    /// Stop words, matched case-sensitively against whole tokens.
    pub stop_words: Vec<String>,
}

impl Default for GopherQualityConfig {
    fn default() -> Self {
        Self {
            min_doc_words: 50,
            max_doc_words: 100_000,
            min_avg_word_length: 3.0,
            max_avg_word_length: 10.0,
            max_symbol_word_ratio: 0.1,
            max_bullet_lines_ratio: 0.9,
            max_ellipsis_lines_ratio: 0.3,
            max_non_alpha_words_ratio: 0.8,
            min_stop_words: 2,
            stop_words: ["the", "be", "to", "of", "and", "that", "have", "with"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Built `gopher_quality` stage.
#[derive(Debug)]
pub struct GopherQuality {
    name: String,
    cfg: GopherQualityConfig,
    /// Distinct stop words (at most 64 are tracked with a bit set).
    stop_words: Vec<String>,
    /// Bit `min(len, 63)` set for the byte length of every stop word: a
    /// word of another length is not looked up.
    stop_lens: u64,
    /// The stop words of at most 8 bytes as ([`pack`]ed bytes, length, index
    /// in `stop_words`): compared as integers, without a binary search.
    short_stops: Vec<(u64, usize, usize)>,
}

/// The bytes of `w` (at most 8) as an integer, zero-padded.
#[inline]
fn pack(w: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b[..w.len()].copy_from_slice(w);
    u64::from_le_bytes(b)
}

impl GopherQualityConfig {
    /// Validate and build.
    pub fn build(&self, name: &str) -> Result<GopherQuality, Error> {
        let ratios = [
            ("min_avg_word_length", self.min_avg_word_length),
            ("max_avg_word_length", self.max_avg_word_length),
            ("max_symbol_word_ratio", self.max_symbol_word_ratio),
            ("max_bullet_lines_ratio", self.max_bullet_lines_ratio),
            ("max_ellipsis_lines_ratio", self.max_ellipsis_lines_ratio),
            ("max_non_alpha_words_ratio", self.max_non_alpha_words_ratio),
        ];
        for (key, v) in ratios {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::Config {
                    stage: "gopher_quality",
                    key: key.into(),
                    message: format!("{v} is not a non-negative number"),
                });
            }
        }
        if self.min_doc_words == 0 {
            // datatrove divides by the word count after this check; without it
            // an empty document would divide by zero (Python raises).
            return Err(Error::Config {
                stage: "gopher_quality",
                key: "min_doc_words".into(),
                message: "must be at least 1: later checks divide by the word count".into(),
            });
        }
        let mut stop_words = self.stop_words.clone();
        stop_words.sort();
        stop_words.dedup();
        if stop_words.len() > 64 {
            return Err(Error::Config {
                stage: "gopher_quality",
                key: "stop_words".into(),
                message: format!("at most 64 distinct stop words, got {}", stop_words.len()),
            });
        }
        Ok(GopherQuality {
            name: name.to_string(),
            cfg: self.clone(),
            stop_lens: (stop_words.iter()).fold(0u64, |m, w| m | 1u64 << w.len().min(63)),
            short_stops: (stop_words.iter().enumerate())
                .filter(|(_, w)| w.len() <= 8)
                .map(|(i, w)| (pack(w.as_bytes()), w.len(), i))
                .collect(),
            stop_words,
        })
    }
}

/// [`ASCII_FLAGS`] bit: not punctuation (`!is_punctuation`).
const CONTENT: u8 = 1;
/// [`ASCII_FLAGS`] bit: alphabetic (`pystr::is_alpha`).
const ALPHA: u8 = 2;

/// [`ASCII_FLAGS`] bit: a byte of a non-ASCII char (the word takes the
/// per-char path).
const NON_ASCII: u8 = 4;

/// [`CONTENT`] and [`ALPHA`] of each ASCII char; [`NON_ASCII`] above.
const ASCII_FLAGS: [u8; 256] = {
    let mut t = [NON_ASCII; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = 0;
        if ASCII_PUNCTUATION & (1u128 << i) == 0 {
            t[i] |= CONTENT;
        }
        if (i as u8).is_ascii_alphabetic() {
            t[i] |= ALPHA;
        }
        i += 1;
    }
    t
};

/// The [`ASCII_FLAGS`] of `word`'s bytes, or-ed. Most words have at most 8
/// bytes: those are looked up from one padded word, without a loop whose
/// length the branch predictor would have to guess.
#[inline]
fn word_flags(word: &[u8]) -> u8 {
    if word.len() > 8 {
        return word.iter().fold(0, |f, &b| f | ASCII_FLAGS[usize::from(b)]);
    }
    // Padding bytes become `!`, which has no flag.
    let pad = u64::MAX.checked_shl(8 * word.len() as u32).unwrap_or(0);
    let x = sift_core::swar::load_partial(word) | (pad & 0x2121_2121_2121_2121);
    (0..8).fold(0, |f, k| f | ASCII_FLAGS[(x >> (8 * k)) as u8 as usize])
}

impl Stage for GopherQuality {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        with_doc_words(doc, |text, words| self.check(text, words))
    }
}

impl GopherQuality {
    /// The verdict for `text` whose word tokens are `words`.
    fn check(&self, text: &str, words: &[&str]) -> Verdict {
        let c = &self.cfg;
        let n_words = words.len();
        let mut n_content = 0usize;
        let mut content_chars = 0usize;
        let mut n_alpha_words = 0usize;
        let mut stop_seen = 0u64;
        // Only `distinct stop words < min_stop_words` is asked: once enough
        // are seen, words are no longer looked up.
        let mut stops_needed = c.min_stop_words > 0;
        for w in words {
            let (is_content, has_alpha, len);
            let bytes = w.as_bytes();
            let flags = word_flags(bytes);
            if flags & NON_ASCII == 0 {
                len = bytes.len();
                is_content = flags & CONTENT != 0;
                has_alpha = flags & ALPHA != 0;
            } else {
                let (mut l, mut content, mut alpha) = (0usize, false, false);
                for ch in w.chars() {
                    l += 1;
                    content |= !is_punctuation(ch);
                    alpha |= pystr::is_alpha(ch);
                }
                (len, is_content, has_alpha) = (l, content, alpha);
            }
            if is_content {
                n_content += 1;
                content_chars += len;
            }
            n_alpha_words += usize::from(has_alpha);
            if !stops_needed || self.stop_lens & (1u64 << w.len().min(63)) == 0 {
                continue;
            }
            if w.len() <= 8 {
                let p = pack(bytes);
                for &(q, len, i) in &self.short_stops {
                    if q == p && len == w.len() {
                        stop_seen |= 1 << i;
                    }
                }
            } else if let Ok(i) = self.stop_words.binary_search_by(|s| s.as_str().cmp(w)) {
                stop_seen |= 1 << i;
            }
            stops_needed = (stop_seen.count_ones() as usize) < c.min_stop_words;
        }

        if c.min_doc_words > 0 && n_content < c.min_doc_words {
            return Verdict::drop_static("gopher_short_doc");
        }
        if c.max_doc_words > 0 && n_content > c.max_doc_words {
            return Verdict::drop_static("gopher_long_doc");
        }
        // n_content >= 1 here because min_doc_words >= 1.
        let avg = content_chars as f64 / n_content as f64;
        if c.min_avg_word_length > 0.0 && avg < c.min_avg_word_length {
            return Verdict::drop_static("gopher_below_avg_threshold");
        }
        if c.max_avg_word_length > 0.0 && avg > c.max_avg_word_length {
            return Verdict::drop_static("gopher_above_avg_threshold");
        }
        let nw = n_words as f64;
        if c.max_symbol_word_ratio > 0.0 {
            let hashes = memchr::memchr_iter(b'#', text.as_bytes()).count();
            if hashes as f64 / nw > c.max_symbol_word_ratio {
                return Verdict::drop_static("gopher_too_many_hashes");
            }
            // Non-overlapping, like Python's `str.count`.
            let ellipses = memchr::memmem::find_iter(text.as_bytes(), "...").count()
                + memchr::memmem::find_iter(text.as_bytes(), "…").count();
            if ellipses as f64 / nw > c.max_symbol_word_ratio {
                return Verdict::drop_static("gopher_too_many_ellipsis");
            }
        }
        if c.max_bullet_lines_ratio > 0.0 || c.max_ellipsis_lines_ratio > 0.0 {
            let (mut n_lines, mut bullets, mut end_ellipsis) = (0usize, 0usize, 0usize);
            for line in pystr::splitlines(text) {
                n_lines += 1;
                let l = pystr::lstrip(line);
                bullets += usize::from(l.starts_with('•') || l.starts_with('-'));
                let r = pystr::rstrip(line);
                end_ellipsis += usize::from(r.ends_with("...") || r.ends_with('…'));
            }
            // n_lines >= 1: the text has at least one word.
            let nl = n_lines.max(1) as f64;
            if c.max_bullet_lines_ratio > 0.0 && bullets as f64 / nl > c.max_bullet_lines_ratio {
                return Verdict::drop_static("gopher_too_many_bullets");
            }
            if c.max_ellipsis_lines_ratio > 0.0
                && end_ellipsis as f64 / nl > c.max_ellipsis_lines_ratio
            {
                return Verdict::drop_static("gopher_too_many_end_ellipsis");
            }
        }
        if c.max_non_alpha_words_ratio > 0.0
            && (n_alpha_words as f64 / nw) < c.max_non_alpha_words_ratio
        {
            return Verdict::drop_static("gopher_below_alpha_threshold");
        }
        if c.min_stop_words > 0 && (stop_seen.count_ones() as usize) < c.min_stop_words {
            return Verdict::drop_static("gopher_enough_stop_words");
        }
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(text: &str) -> Verdict {
        let s = GopherQualityConfig::default()
            .build("gopher_quality")
            .expect("defaults");
        s.process(&mut Document::new("t", text))
    }

    /// 60 ordinary words with enough stop words.
    fn prose() -> String {
        "The cat sat on the mat and looked at the garden with great interest. ".repeat(5)
    }

    #[test]
    fn empty_and_punctuation_only_are_short() {
        assert_eq!(verdict(""), Verdict::drop_static("gopher_short_doc"));
        let punct = "... !!! ( ) , . ; : ".repeat(40);
        assert_eq!(verdict(&punct), Verdict::drop_static("gopher_short_doc"));
    }

    #[test]
    fn word_flags_are_the_or_of_the_byte_flags() {
        assert_eq!(ASCII_FLAGS[usize::from(b'!')], 0, "the padding byte");
        let bytes = [
            0u8, 1, b' ', b'!', b'.', b'0', b'9', b'A', b'z', b'_', 0x7f, 0x80, 0xc3, 0xff,
        ];
        let mut seed = 1u64;
        for len in 0..=12 {
            for _ in 0..300 {
                let w: Vec<u8> = (0..len)
                    .map(|_| {
                        crate::common::lcg_step(&mut seed);
                        bytes[(seed >> 33) as usize % bytes.len()]
                    })
                    .collect();
                let want = w.iter().fold(0, |f, &b| f | ASCII_FLAGS[usize::from(b)]);
                assert_eq!(word_flags(&w), want, "{w:?}");
            }
        }
    }

    #[test]
    fn ordinary_prose_is_kept() {
        assert_eq!(verdict(&prose()), Verdict::Keep);
    }

    #[test]
    fn capitalised_stop_words_do_not_count() {
        // `The`, `And`, `With` differ in case from the stop words.
        let text = "The Cat Sat And Looked With Great Interest At Gardens Today. ".repeat(6);
        assert_eq!(
            verdict(&text),
            Verdict::drop_static("gopher_enough_stop_words")
        );
    }

    #[test]
    fn stop_words_longer_than_eight_bytes_count() {
        let stage = |stop: &[&str]| {
            GopherQualityConfig {
                stop_words: stop.iter().map(|w| w.to_string()).collect(),
                ..GopherQualityConfig::default()
            }
            .build("gopher_quality")
            .expect("valid")
        };
        let stops = stage(&["the", "extraordinary"]);
        let with = format!("{} extraordinary", prose());
        assert_eq!(stops.process(&mut Document::new("t", &with)), Verdict::Keep);
        assert_eq!(
            stops.process(&mut Document::new("t", prose())),
            Verdict::drop_static("gopher_enough_stop_words")
        );
    }

    #[test]
    fn hashes_anywhere_count_against_all_tokens() {
        let text = format!("{} {}", prose(), "#tag#tag#tag ".repeat(4));
        assert_eq!(
            verdict(&text),
            Verdict::drop_static("gopher_too_many_hashes")
        );
    }

    #[test]
    fn bullet_lines_count_blank_lines_in_denominator() {
        let body = "- the cat sat on the mat with the dog and the bird today\n".repeat(10);
        assert_eq!(
            verdict(&body),
            Verdict::drop_static("gopher_too_many_bullets")
        );
        // 10 bullets of 12 lines (two blank) = 0.83: not above 0.9.
        assert_eq!(verdict(&format!("\n\n{body}")), Verdict::Keep);
    }

    #[test]
    fn end_ellipsis_lines() {
        let text = "the cat sat on the mat and the dog was with the bird…\n".repeat(6);
        assert_eq!(
            verdict(&text),
            Verdict::drop_static("gopher_too_many_end_ellipsis")
        );
    }

    #[test]
    fn zero_disables_a_check_and_zero_min_words_is_rejected() {
        let cfg = GopherQualityConfig {
            min_stop_words: 0,
            ..GopherQualityConfig::default()
        };
        let s = cfg.build("g").expect("valid");
        let text = "The Cat Sat And Looked With Great Interest At Gardens Today. ".repeat(6);
        assert_eq!(s.process(&mut Document::new("t", text)), Verdict::Keep);
        let bad = GopherQualityConfig {
            min_doc_words: 0,
            ..GopherQualityConfig::default()
        };
        assert!(bad.build("g").is_err());
    }
}
