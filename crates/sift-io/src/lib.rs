//! sift-io: input discovery, readers and atomic output writers.
//!
//! Readers are layered like vector's codecs: [`compression`] (gzip, zstd,
//! none) -> framing (lines for JSONL, files for text directories) -> format
//! (JSON object -> [`sift_core::Document`]). A record that cannot be read as a
//! document becomes a [`Rejected`] record, never a silent skip; only I/O
//! failures of the medium itself are errors.
#![deny(missing_docs)]

pub mod compression;
#[cfg(feature = "warc")]
pub mod gzmembers;
pub mod input;
pub mod jsonl;
pub mod output;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod textdir;
#[cfg(feature = "warc")]
pub mod warc;

pub use input::{discover, Shard, ShardKind};
pub use jsonl::{FieldNames, Record, Rejected};
pub use output::{CategoryWriter, OutputFormat, OutputKind, ShardOutput};

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
    #[error("{path}: unsupported input (expected .jsonl, .jsonl.gz, .jsonl.zst, .warc, .warc.gz, .wet, .wet.gz, .arc.gz, .parquet or a directory of .txt files)")]
    Unsupported {
        /// The path given.
        path: PathBuf,
    },
    /// The input needs a cargo feature this build does not have.
    #[error("{path}: reading this format needs sift built with the `{feature}` feature")]
    FeatureDisabled {
        /// The path given.
        path: PathBuf,
        /// The missing cargo feature.
        feature: &'static str,
    },
    /// A Parquet file cannot be read or written as documents.
    #[error("{path}: {message}")]
    Parquet {
        /// File involved.
        path: PathBuf,
        /// What went wrong.
        message: String,
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
