//! sift-html: bytes of a web page -> Unicode -> main text.
//!
//! Two steps, kept apart so each can be tested and replaced:
//!
//! * [`decode`]: find the page's character encoding (HTTP `Content-Type`
//!   charset, byte-order mark, `<meta charset>`, then a statistical guess with
//!   `chardetng`, Firefox's detector) and decode it with `encoding_rs`.
//! * [`Extractor`]: strip navigation, ads and other boilerplate, keeping the
//!   main text with one paragraph per line-pair (`\n\n`). The default
//!   ([`ExtractorKind::Density`]) needs no DOM: a light zero-copy parse and
//!   Readability's scoring; Readability itself (dom_smoothie) and an
//!   rs-trafilatura port are behind cargo features.
//!
//! The extractor was chosen by measurement on real pages; see
//! `docs/extraction.md` at the repository root for the table and the command.
//!
//! ```
//! let page = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body></html>";
//! let decoded = sift_html::decode(page, None);
//! assert_eq!(decoded.encoding, "windows-1252");
//! assert!(decoded.text.contains("café"));
//! ```
#![deny(missing_docs)]

mod charset;
mod density;
mod extract;

pub use charset::{decode, Decoded};
pub use extract::{Extractor, ExtractorKind};

/// Why a page gave no main text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The extractor failed on this page.
    #[error("{extractor}: {message}")]
    Extraction {
        /// Extractor name.
        extractor: &'static str,
        /// What it reported.
        message: String,
    },
    /// The extractor ran but found no text.
    #[error("{extractor}: no main text found")]
    Empty {
        /// Extractor name.
        extractor: &'static str,
    },
    /// The requested extractor was not compiled in.
    #[error("extractor `{0}` is not available in this build (enable its cargo feature)")]
    Unavailable(&'static str),
}
