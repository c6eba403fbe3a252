//! sift-filters: per-line cleaners and per-document filters.
//!
//! Each stage is a module named after its pipeline `type`, holding a serde
//! `*Config` (plain data, unknown keys rejected) and the built stage, whose
//! `build()` validates and precomputes everything the hot loop needs.
#![deny(missing_docs)]

pub mod line_regex;
pub mod min_words;

pub use line_regex::{LineRegex, LineRegexConfig};
pub use min_words::{MinWords, MinWordsConfig};

/// Errors raised while building a stage from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting has an invalid value.
    #[error("stage `{stage}`: invalid `{key}`: {message}")]
    Config {
        /// Stage type.
        stage: &'static str,
        /// Offending key.
        key: String,
        /// What is wrong.
        message: String,
    },
}
