//! `paragraph_dedup`: remove lines (paragraphs) that repeat across
//! documents — site boilerplate, syndicated blocks — from every document but
//! the first that has them (CCNet-style).
//!
//! A line is a `\n`-separated piece of the text. Lines shorter than
//! `min_chars` characters (after trimming) are never touched, so common
//! short lines ("Thank you.", headings) survive. A line's key is the
//! xxHash3-128 of its normalised form (`normalize`: `datatrove` = datatrove's
//! `simplify_text`, so case, digits, punctuation and accents do not matter,
//! as in CCNet; or `whitespace`). When at least `min_docs` documents of the
//! run contain a key, the first of them in input order keeps its lines and
//! every later one loses all lines with that key, each recorded in
//! `sift.removed_lines` with reason `duplicate_line`. A document left
//! without any non-blank line is removed (`only_duplicate_lines`).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sift_core::{Document, LineEdit, Verdict};
use xxhash_rust::xxh3::xxh3_128;

use crate::normalize::{simplify_into, whitespace_into};
use crate::{DedupKind, DedupStage, Error};

/// Reason of a removed line.
pub const LINE_REASON: &str = "duplicate_line";
/// Reason of a document whose every line was a duplicate.
pub const DOC_REASON: &str = "only_duplicate_lines";

/// Line normalisation before hashing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineNormalize {
    /// datatrove's `simplify_text`.
    #[default]
    Datatrove,
    /// Collapse whitespace runs and trim only.
    Whitespace,
}

fn default_min_chars() -> usize {
    20
}
fn default_min_docs() -> usize {
    2
}

/// Configuration of [`ParagraphDedup`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParagraphDedupConfig {
    /// Lines with fewer characters (trimmed) are never removed.
    #[serde(default = "default_min_chars")]
    pub min_chars: usize,
    /// A line is removed only when at least this many documents contain it.
    #[serde(default = "default_min_docs")]
    pub min_docs: usize,
    /// Normalisation before hashing.
    #[serde(default)]
    pub normalize: LineNormalize,
}

impl Default for ParagraphDedupConfig {
    fn default() -> Self {
        Self {
            min_chars: default_min_chars(),
            min_docs: default_min_docs(),
            normalize: LineNormalize::default(),
        }
    }
}

impl ParagraphDedupConfig {
    /// Validate and build.
    pub fn build(&self, name: &str) -> Result<DedupStage, Error> {
        if self.min_docs < 2 {
            return Err(Error::Config {
                key: "min_docs".into(),
                message: "must be at least 2 (a line in one document is not repeated)".into(),
            });
        }
        Ok(DedupStage::new(
            name,
            DedupKind::Paragraph(ParagraphDedup {
                min_chars: self.min_chars,
                min_docs: self.min_docs,
                normalize: self.normalize,
            }),
        ))
    }
}

/// Built `paragraph_dedup`.
#[derive(Debug, Clone)]
pub struct ParagraphDedup {
    min_chars: usize,
    min_docs: usize,
    normalize: LineNormalize,
}

impl ParagraphDedup {
    /// Minimum number of documents sharing a line before it is removed.
    pub fn min_docs(&self) -> usize {
        self.min_docs
    }

    /// Key of one line, `None` when the line is exempt (too short, or
    /// empty once normalised).
    pub fn line_key(&self, line: &str, buf: &mut String) -> Option<u128> {
        let trimmed = sift_text::pystr::strip(line);
        if trimmed.is_empty() || trimmed.chars().take(self.min_chars).count() < self.min_chars {
            return None;
        }
        match self.normalize {
            LineNormalize::Datatrove => simplify_into(trimmed, buf),
            LineNormalize::Whitespace => whitespace_into(trimmed, buf),
        }
        if buf.is_empty() {
            None
        } else {
            Some(xxh3_128(buf.as_bytes()))
        }
    }

    /// Distinct line keys of `text`, sorted, into `out` (cleared first).
    pub fn keys(&self, text: &str, buf: &mut String, out: &mut Vec<u128>) {
        out.clear();
        out.extend(text.split('\n').filter_map(|l| self.line_key(l, buf)));
        out.sort_unstable();
        out.dedup();
    }

    /// Remove the lines of `doc` whose key is in `remove`.
    pub fn apply(&self, stage: &str, doc: &mut Document, remove: &HashSet<u128>) -> Verdict {
        let mut buf = String::new();
        let edits: Vec<LineEdit> = doc
            .text
            .split('\n')
            .map(|l| match self.line_key(l, &mut buf) {
                Some(k) if remove.contains(&k) => LineEdit::Remove(LINE_REASON.into()),
                _ => LineEdit::Keep,
            })
            .collect();
        doc.apply_line_edits(stage, &edits);
        if doc
            .text
            .split('\n')
            .all(|l| sift_text::pystr::strip(l).is_empty())
        {
            Verdict::drop_static(DOC_REASON)
        } else {
            Verdict::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage() -> ParagraphDedup {
        match ParagraphDedupConfig::default()
            .build("p")
            .expect("valid")
            .kind
        {
            DedupKind::Paragraph(p) => p,
            _ => unreachable!("built a paragraph stage"),
        }
    }

    #[test]
    fn short_lines_are_exempt_and_keys_ignore_case_and_digits() {
        let p = stage();
        let mut buf = String::new();
        assert_eq!(p.line_key("Share this:", &mut buf), None);
        assert_eq!(
            p.line_key("Subscribe to our newsletter 2024!", &mut buf),
            p.line_key("  subscribe to our NEWSLETTER 1999 ", &mut buf)
        );
    }

    #[test]
    fn apply_removes_marked_lines_with_reason() {
        let p = stage();
        let mut buf = String::new();
        let boiler = "Subscribe to our newsletter for updates";
        let key = p.line_key(boiler, &mut buf).expect("long enough");
        let mut doc = Document::new("d", format!("Real text of the article.\n{boiler}\nMore."));
        let v = p.apply("paragraph_dedup", &mut doc, &HashSet::from([key]));
        assert_eq!(v, Verdict::Keep);
        assert_eq!(doc.text, "Real text of the article.\nMore.");
        assert_eq!(doc.sift.removed_lines[0].reason, LINE_REASON);
        assert_eq!(doc.sift.removed_lines[0].line, 1);
        let mut only = Document::new("e", boiler);
        let v = p.apply("paragraph_dedup", &mut only, &HashSet::from([key]));
        assert_eq!(v, Verdict::drop_static(DOC_REASON));
    }
}
