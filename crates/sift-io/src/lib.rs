//! sift-io: input discovery, readers and atomic output writers.
//!
//! Readers are layered like vector's codecs: [`compression`] (gzip, zstd,
//! none) -> framing (lines for JSONL, files for text directories) -> format
//! (JSON object -> [`sift_core::Document`]). A record that cannot be read as a
//! document becomes a [`Rejected`] record, never a silent skip; only I/O
//! failures of the medium itself are errors.
#![deny(missing_docs)]

pub mod compression;
pub mod input;
pub mod jsonl;
pub mod output;
pub mod textdir;

pub use input::{discover, Shard, ShardKind};
pub use jsonl::{FieldNames, Record, Rejected};
pub use output::{OutputFormat, ShardOutput};

use std::path::PathBuf;

/// Errors of readers and writers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input path does not exist.
    #[error("{path}: no such file or directory")]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// An input file has an extension sift cannot read.
    #[error("{path}: unsupported input (expected .jsonl, .jsonl.gz, .jsonl.zst or a directory of .txt files)")]
    Unsupported {
        /// The path given.
        path: PathBuf,
    },
    /// An I/O operation failed.
    #[error("{path}: {source}")]
    Io {
        /// File involved.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// Attach a path to an I/O error.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
