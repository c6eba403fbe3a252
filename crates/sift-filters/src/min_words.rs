//! `min_words`: drop documents with fewer than N words.

use serde::{Deserialize, Serialize};
use sift_core::{Document, Stage, Verdict};

use crate::Error;

/// Configuration of [`MinWords`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MinWordsConfig {
    /// Minimum number of whitespace-separated words to keep a document.
    pub min: usize,
}

/// Built `min_words` stage.
#[derive(Debug)]
pub struct MinWords {
    name: String,
    min: usize,
}

impl MinWordsConfig {
    /// Validate and build.
    pub fn build(&self, name: &str) -> Result<MinWords, Error> {
        if self.min == 0 {
            return Err(Error::Config {
                stage: "min_words",
                key: "min".into(),
                message: "must be at least 1 (remove the stage to disable it)".into(),
            });
        }
        Ok(MinWords {
            name: name.to_string(),
            min: self.min,
        })
    }
}

impl Stage for MinWords {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        // Count lazily and stop at `min`: long documents cost nothing extra.
        let n = doc
            .text
            .split(sift_text::pystr::is_space)
            .filter(|w| !w.is_empty())
            .take(self.min)
            .count();
        if n < self.min {
            Verdict::drop_static("too_few_words")
        } else {
            Verdict::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_inclusive() {
        let s = MinWordsConfig { min: 3 }.build("min_words").expect("valid");
        assert!(s
            .process(&mut Document::new("a", "one two\tthree"))
            .is_keep());
        assert_eq!(
            s.process(&mut Document::new("b", "one\u{a0}two")),
            Verdict::drop_static("too_few_words")
        );
        assert!(MinWordsConfig { min: 0 }.build("min_words").is_err());
    }
}
