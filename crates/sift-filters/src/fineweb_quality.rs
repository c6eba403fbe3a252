//! `fineweb_quality`: FineWeb's line-level document rules (Penedo et al.
//! 2024) with the defaults, order and reasons of datatrove 0.10.1's
//! `FineWebQualityFilter` (datatrove calls it `fineweb`).
//!
//! Lines are the text split on `\n` only, blank ones dropped, otherwise
//! unstripped. Reasons in check order: `empty`, `line_punct_ratio`,
//! `short_line_ratio`, `char_dup_ratio`, `list_ratio`.

use serde::{Deserialize, Serialize};
use sift_core::{Document, Stage, Verdict};
use sift_text::pystr;

use crate::common::{dup_count, is_terminal, with_doc_words};
use crate::Error;

/// Configuration of [`FinewebQuality`] (datatrove defaults).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FinewebQualityConfig {
    /// Minimum fraction of lines ending in a stop character.
    pub line_punct_thr: f64,
    /// Do not drop documents where no line ends in a stop character.
    pub line_punct_exclude_zero: bool,
    /// Line endings that count as punctuation (unset: datatrove's
    /// `TERMINAL_PUNCTUATION`, 159 characters).
    pub stop_chars: Option<Vec<String>>,
    /// Maximum fraction of short lines.
    pub short_line_thr: f64,
    /// A line is short when it has at most this many code points.
    pub short_line_length: usize,
    /// Maximum fraction of characters (without `\n`) in duplicated lines.
    pub char_duplicates_ratio: f64,
    /// Maximum number of `\n` per word.
    pub new_line_ratio: f64,
}

impl Default for FinewebQualityConfig {
    fn default() -> Self {
        Self {
            line_punct_thr: 0.12,
            line_punct_exclude_zero: false,
            stop_chars: None,
            short_line_thr: 0.67,
            short_line_length: 30,
            char_duplicates_ratio: 0.01,
            new_line_ratio: 0.3,
        }
    }
}

/// Built `fineweb_quality` stage.
#[derive(Debug)]
pub struct FinewebQuality {
    name: String,
    cfg: FinewebQualityConfig,
}

impl FinewebQualityConfig {
    /// Validate and build.
    pub fn build(&self, name: &str) -> Result<FinewebQuality, Error> {
        for (key, v) in [
            ("line_punct_thr", self.line_punct_thr),
            ("short_line_thr", self.short_line_thr),
            ("char_duplicates_ratio", self.char_duplicates_ratio),
            ("new_line_ratio", self.new_line_ratio),
        ] {
            if !v.is_finite() {
                return Err(Error::Config {
                    stage: "fineweb_quality",
                    key: key.into(),
                    message: format!("{v} is not a number"),
                });
            }
        }
        if let Some(stops) = &self.stop_chars {
            if stops.iter().any(String::is_empty) {
                return Err(Error::Config {
                    stage: "fineweb_quality",
                    key: "stop_chars".into(),
                    message: "an empty string would match every line".into(),
                });
            }
        }
        Ok(FinewebQuality {
            name: name.to_string(),
            cfg: self.clone(),
        })
    }
}

impl FinewebQuality {
    fn ends_with_stop(&self, line: &str) -> bool {
        match &self.cfg.stop_chars {
            None => line.chars().next_back().is_some_and(is_terminal),
            Some(stops) => stops.iter().any(|s| line.ends_with(s.as_str())),
        }
    }
}

impl Stage for FinewebQuality {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        let c = &self.cfg;
        let text = doc.text.as_str();
        let lines = || text.split('\n').filter(|l| !pystr::strip(l).is_empty());
        let (mut n, mut punct, mut short) = (0usize, 0usize, 0usize);
        for line in lines() {
            n += 1;
            punct += usize::from(self.ends_with_stop(line));
            short += usize::from(pystr::len(line) <= c.short_line_length);
        }
        if n == 0 {
            return Verdict::drop_static("empty");
        }
        let ratio = punct as f64 / n as f64;
        if ratio < c.line_punct_thr && !(ratio == 0.0 && c.line_punct_exclude_zero) {
            return Verdict::drop_static("line_punct_ratio");
        }
        if short as f64 / n as f64 > c.short_line_thr {
            return Verdict::drop_static("short_line_ratio");
        }
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let (_, dup_chars) = dup_count(lines(), n);
        let chars_without_newlines = pystr::len(text) - newlines;
        if dup_chars as f64 / chars_without_newlines as f64 > c.char_duplicates_ratio {
            return Verdict::drop_static("char_dup_ratio");
        }
        // Only `newlines / n_words > new_line_ratio` matters: when even a
        // lower bound on the word count passes, the count does too (and the
        // text need not be tokenized).
        // Enough words for the ratio (plus one against rounding): counting
        // stops there.
        let enough = if c.new_line_ratio > 0.0 {
            // (`as` saturates: a tiny ratio gives usize::MAX, no overflow.)
            ((newlines as f64 / c.new_line_ratio).ceil() as usize).saturating_add(1)
        } else {
            usize::MAX
        };
        let at_least = sift_text::min_word_count(text, enough);
        // (`new_line_ratio` is finite: `<=` is the negation of `>`.)
        if at_least > 0 && newlines as f64 / at_least as f64 <= c.new_line_ratio {
            return Verdict::Keep;
        }
        let n_words = with_doc_words(doc, |_, w| w.len());
        // A non-blank text always has a word; 0 would be a division by zero
        // in datatrove (it raises), here it keeps the document.
        if n_words > 0 && newlines as f64 / n_words as f64 > c.new_line_ratio {
            return Verdict::drop_static("list_ratio");
        }
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiny_new_line_ratio_does_not_overflow_the_word_bound() {
        let s = FinewebQualityConfig {
            new_line_ratio: 1e-300,
            ..FinewebQualityConfig::default()
        }
        .build("fineweb_quality")
        .expect("valid");
        let text = format!("One: {LINE}\nTwo: {LINE}\nThree: {LINE}");
        assert_eq!(
            s.process(&mut Document::new("t", &text)),
            Verdict::drop_static("list_ratio")
        );
    }

    fn verdict(text: &str) -> Verdict {
        let s = FinewebQualityConfig::default()
            .build("fineweb_quality")
            .expect("defaults");
        s.process(&mut Document::new("t", text))
    }

    const LINE: &str = "A reasonably long line of ordinary prose that ends properly.";

    #[test]
    fn empty_and_blank() {
        assert_eq!(verdict(""), Verdict::drop_static("empty"));
        assert_eq!(verdict(" \n\t\n\u{a0}"), Verdict::drop_static("empty"));
    }

    #[test]
    fn crlf_lines_do_not_end_in_punctuation() {
        let text = format!("{LINE}\r\n").repeat(5);
        assert_eq!(verdict(&text), Verdict::drop_static("line_punct_ratio"));
        let text = format!("{LINE}\n").repeat(1) + &format!("{LINE} x\n").repeat(1);
        assert_eq!(verdict(&text), Verdict::Keep);
    }

    #[test]
    fn other_scripts_terminal_punctuation_counts() {
        let text = "这是一个很长的中文句子，它以中文句号结束并且足够长了吧。\n".to_string()
            + "Another line that is long enough to not be short ok x\n";
        // 1 of 2 lines ends in `。` (terminal); neither is short (<= 30 chars)?
        assert_ne!(verdict(&text), Verdict::drop_static("line_punct_ratio"));
    }

    #[test]
    fn short_lines_duplicates_and_lists() {
        let text = "Short line.\n".repeat(3) + LINE;
        assert_eq!(verdict(&text), Verdict::drop_static("short_line_ratio"));
        let text = format!("{LINE}\n{LINE}\nAnother distinct line of text that ends well.");
        assert_eq!(verdict(&text), Verdict::drop_static("char_dup_ratio"));
        let text = format!(
            "{LINE}\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nA second long line that ends well."
        );
        assert_eq!(verdict(&text), Verdict::drop_static("list_ratio"));
    }
}
