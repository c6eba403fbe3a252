//! `exact_dedup`: remove documents whose normalised text equals an earlier
//! document's.
//!
//! Key: xxHash3-128 of the UTF-8 bytes of the normalised text. The first
//! document in input order (shard order, then record order) with a key is
//! kept; every later one is removed with reason `exact_duplicate` and
//! `sift.duplicate_of = <kept id>`, `sift.duplicate_cluster =
//! "exact_dedup:<hash>"`, `sift.duplicate_similarity = 1.0`.
//!
//! Normalisations (`normalize`):
//! - `none`: the text byte for byte;
//! - `whitespace` (default): Python `" ".join(text.split())` — leading and
//!   trailing whitespace dropped, every inner whitespace run (Unicode
//!   White_Space plus U+001C..U+001F) one space; so re-wrapped or re-indented
//!   copies match;
//! - `lowercase`: `whitespace`, then Unicode lowercase;
//! - `datatrove`: datatrove's `simplify_text` (what `minhash_dedup` hashes).

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use crate::normalize::{simplify_into, whitespace_into};
use crate::{DedupKind, DedupStage, Error};

/// Reason of a removed document.
pub const REASON: &str = "exact_duplicate";

/// Text normalisation before hashing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExactNormalize {
    /// The text as is.
    None,
    /// Collapse whitespace runs to one space and trim.
    #[default]
    Whitespace,
    /// `whitespace` plus lowercase.
    Lowercase,
    /// datatrove's `simplify_text`.
    Datatrove,
}

/// Configuration of [`ExactDedup`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExactDedupConfig {
    /// Normalisation before hashing.
    #[serde(default)]
    pub normalize: ExactNormalize,
}

impl ExactDedupConfig {
    /// Build the stage.
    pub fn build(&self, name: &str) -> Result<DedupStage, Error> {
        Ok(DedupStage::new(
            name,
            DedupKind::Exact(ExactDedup {
                normalize: self.normalize,
            }),
        ))
    }
}

/// Built `exact_dedup`.
#[derive(Debug, Clone)]
pub struct ExactDedup {
    normalize: ExactNormalize,
}

impl ExactDedup {
    /// The key of `text`; `buf` is scratch space.
    pub fn key(&self, text: &str, buf: &mut String) -> u128 {
        match self.normalize {
            ExactNormalize::None => xxh3_128(text.as_bytes()),
            ExactNormalize::Whitespace => {
                whitespace_into(text, buf);
                xxh3_128(buf.as_bytes())
            }
            ExactNormalize::Lowercase => {
                whitespace_into(text, buf);
                xxh3_128(buf.to_lowercase().as_bytes())
            }
            ExactNormalize::Datatrove => {
                simplify_into(text, buf);
                xxh3_128(buf.as_bytes())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: ExactNormalize, text: &str) -> u128 {
        ExactDedup { normalize: n }.key(text, &mut String::new())
    }

    #[test]
    fn normalisations() {
        use ExactNormalize::*;
        assert_ne!(key(None, "a b"), key(None, "a  b"));
        assert_eq!(key(Whitespace, " a \n b\t"), key(Whitespace, "a b"));
        assert_ne!(key(Whitespace, "A b"), key(Whitespace, "a b"));
        assert_eq!(key(Lowercase, "A  B"), key(Lowercase, "a b"));
        assert_eq!(
            key(Datatrove, "Hello, world 42!"),
            key(Datatrove, "hello world 7")
        );
    }
}
