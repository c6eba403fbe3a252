//! `line_regex`: remove lines matching any of a set of regular expressions.

use std::borrow::Cow;

use regex::RegexSet;
use serde::{Deserialize, Serialize};
use sift_core::{Document, LineEdit, Stage, Verdict};

use crate::Error;

/// Configuration of [`LineRegex`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LineRegexConfig {
    /// Regular expressions (Rust `regex` syntax), matched against each line
    /// with surrounding whitespace trimmed.
    pub patterns: Vec<String>,
    /// Reason recorded for removed lines.
    #[serde(default = "default_reason")]
    pub reason: String,
    /// Drop the whole document when more than this fraction of its non-blank
    /// lines is removed (unset: never).
    #[serde(default)]
    pub max_removed_fraction: Option<f64>,
}

fn default_reason() -> String {
    "line_regex".to_string()
}

/// Built `line_regex` stage.
#[derive(Debug)]
pub struct LineRegex {
    name: String,
    set: RegexSet,
    reason: Cow<'static, str>,
    max_removed_fraction: Option<f64>,
}

impl LineRegexConfig {
    /// Validate and compile.
    pub fn build(&self, name: &str) -> Result<LineRegex, Error> {
        if self.patterns.is_empty() {
            return Err(Error::Config {
                stage: "line_regex",
                key: "patterns".into(),
                message: "at least one pattern is required".into(),
            });
        }
        let set = RegexSet::new(&self.patterns).map_err(|e| Error::Config {
            stage: "line_regex",
            key: "patterns".into(),
            message: e.to_string(),
        })?;
        if let Some(f) = self.max_removed_fraction {
            if !(0.0..=1.0).contains(&f) {
                return Err(Error::Config {
                    stage: "line_regex",
                    key: "max_removed_fraction".into(),
                    message: format!("{f} is not within 0..=1"),
                });
            }
        }
        Ok(LineRegex {
            name: name.to_string(),
            set,
            reason: Cow::Owned(self.reason.clone()),
            max_removed_fraction: self.max_removed_fraction,
        })
    }
}

impl Stage for LineRegex {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        let mut non_blank = 0usize;
        let edits: Vec<LineEdit> = doc
            .text
            .split('\n')
            .map(|line| {
                let t = line.trim();
                if !t.is_empty() {
                    non_blank += 1;
                }
                if !t.is_empty() && self.set.is_match(t) {
                    LineEdit::Remove(self.reason.clone())
                } else {
                    LineEdit::Keep
                }
            })
            .collect();
        let removed = doc.apply_line_edits(&self.name, &edits);
        match self.max_removed_fraction {
            Some(max) if non_blank > 0 && removed as f64 / non_blank as f64 > max => {
                Verdict::drop_static("too_many_lines_removed")
            }
            _ => Verdict::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(patterns: &[&str]) -> LineRegex {
        LineRegexConfig {
            patterns: patterns.iter().map(|s| s.to_string()).collect(),
            reason: "ad_placeholder".into(),
            max_removed_fraction: Some(0.5),
        }
        .build("line_regex")
        .expect("valid config")
    }

    #[test]
    fn removes_matching_lines_with_reason() {
        let s = stage(&[r"^\[ad_\d+\]$"]);
        let mut doc = Document::new("d", "First para.\n\n[ad_1]\n\nSecond para.\n\n[ad_2]");
        assert_eq!(s.process(&mut doc), Verdict::Keep);
        assert_eq!(doc.text, "First para.\n\nSecond para.");
        assert_eq!(doc.sift.removed_lines.len(), 2);
        assert_eq!(doc.sift.removed_lines[0].reason, "ad_placeholder");
        assert_eq!(doc.sift.removed_lines[1].line, 6);
    }

    #[test]
    fn drops_document_that_is_mostly_matches() {
        let s = stage(&["^x$"]);
        let mut doc = Document::new("d", "x\nx\nreal");
        assert_eq!(
            s.process(&mut doc),
            Verdict::drop_static("too_many_lines_removed")
        );
    }

    #[test]
    fn bad_pattern_is_a_config_error_naming_the_key() {
        let err = LineRegexConfig {
            patterns: vec!["(".into()],
            reason: "r".into(),
            max_removed_fraction: None,
        }
        .build("line_regex")
        .expect_err("invalid regex");
        assert!(err.to_string().contains("`patterns`"), "{err}");
    }
}
