//! sift-filters: per-line cleaners and per-document filters.
//!
//! Each stage is a module named after its pipeline `type`, holding a serde
//! `*Config` (plain data, unknown keys rejected) and the built stage, whose
//! `build()` validates and precomputes everything the hot loop needs.
#![deny(missing_docs)]

pub mod c4_badwords;
pub mod c4_quality;
mod common;
pub mod fineweb_quality;
pub mod gopher_quality;
pub mod gopher_repetition;
pub mod junk_lines;
pub mod language;
pub mod line_regex;
pub mod min_words;
pub mod spin;
pub mod url_blocklist;

pub use c4_badwords::{C4Badwords, C4BadwordsConfig};
pub use c4_quality::{C4Quality, C4QualityConfig};
pub use fineweb_quality::{FinewebQuality, FinewebQualityConfig};
pub use gopher_quality::{GopherQuality, GopherQualityConfig};
pub use gopher_repetition::{GopherRepetition, GopherRepetitionConfig};
pub use junk_lines::{JunkLines, JunkLinesConfig};
pub use language::{Language, LanguageConfig};
pub use line_regex::{LineRegex, LineRegexConfig};
pub use min_words::{MinWords, MinWordsConfig};
pub use spin::{Spin, SpinConfig};
pub use url_blocklist::{UrlBlocklist, UrlBlocklistConfig};

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
