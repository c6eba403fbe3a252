//! sift-dedup: exact, near-duplicate (MinHash LSH) and repeated-paragraph
//! deduplication, in bounded memory, with every removal explained.
//!
//! Dedup stages are *global*: whether a document is a duplicate depends on
//! the whole run. They follow a map / decide / apply shape (the runner in
//! `sift-pipeline` drives it):
//!
//! 1. **map** (per shard, in parallel): every surviving document gets its
//!    keys ([`DedupGroup::keys`]: a normalised-text hash, a MinHash
//!    signature, line hashes), streamed to per-shard files in input order
//!    ([`KeyWriter`]);
//! 2. **decide** (once, [`DedupGroup::decide`]): keys are sorted on disk
//!    with a memory limit ([`sort`]), duplicates found (first occurrence by
//!    input order; LSH band collisions -> union-find, earliest member kept)
//!    and per-shard decision files written;
//! 3. **apply** (per shard, [`DecisionReader`] + [`DedupStage::apply`]):
//!    removed documents get their reason and `sift.duplicate_of` (+
//!    `duplicate_cluster`, `duplicate_similarity`), duplicate lines are
//!    removed with `Document::apply_line_edits`.
//!
//! Nothing depends on thread count or on how the memory limit splits the
//! sort, so the same input always gives the same output.
#![deny(missing_docs)]

pub mod exact_dedup;
pub mod group;
pub mod minhash;
pub mod minhash_dedup;
pub mod normalize;
pub mod paragraph_dedup;
pub mod sort;

pub use exact_dedup::{ExactDedup, ExactDedupConfig, ExactNormalize};
pub use group::{
    reduce_bands, Decision, DecisionReader, DedupGroup, DocKey, GroupSummary, KeyScratch,
    KeyWriter, StageSummary, BAND_RECORD, DEFAULT_THRESHOLD,
};
pub use minhash::{MinHashParams, MinHasher};
pub use minhash_dedup::{MinHashDedup, MinHashDedupConfig};
pub use paragraph_dedup::{LineNormalize, ParagraphDedup, ParagraphDedupConfig};

use std::path::PathBuf;

use sift_core::{Document, Verdict};

/// Errors of dedup stages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A stage setting is invalid.
    #[error("invalid `{key}`: {message}")]
    Config {
        /// Offending key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a dedup work file failed.
    #[error("{path}: {source}")]
    Io {
        /// File involved.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A work file does not hold what this run wrote (disk corruption, or a
    /// file from another run).
    #[error("{path}: corrupt dedup work file: {message}")]
    Corrupt {
        /// File involved.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// More surviving documents than the dedup index can number.
    #[error("{0} documents reach a dedup stage; at most 4294967295 per run are supported")]
    TooManyDocuments(u64),
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

/// The kinds of global dedup stage.
#[derive(Debug)]
pub enum DedupKind {
    /// `exact_dedup`.
    Exact(ExactDedup),
    /// `minhash_dedup`.
    MinHash(MinHashDedup),
    /// `paragraph_dedup`.
    Paragraph(ParagraphDedup),
}

/// A built dedup stage: its name (as in the pipeline) and its kind.
#[derive(Debug)]
pub struct DedupStage {
    name: String,
    kind: DedupKind,
}

impl DedupStage {
    /// Wrap a built stage under `name`.
    pub fn new(name: impl Into<String>, kind: DedupKind) -> Self {
        Self {
            name: name.into(),
            kind,
        }
    }

    /// Stage name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kind and its settings.
    pub fn kind(&self) -> &DedupKind {
        &self.kind
    }

    /// Whether applying the stage edits text (then later dedup stages must
    /// compute their keys after it, in a later group).
    pub fn edits_text(&self) -> bool {
        matches!(self.kind, DedupKind::Paragraph(_))
    }

    /// Reason code of a removed document.
    pub fn reason(&self) -> &'static str {
        match &self.kind {
            DedupKind::Exact(_) => exact_dedup::REASON,
            DedupKind::MinHash(_) => minhash_dedup::REASON,
            DedupKind::Paragraph(_) => paragraph_dedup::DOC_REASON,
        }
    }

    /// Apply this stage's decision for one document (`None`: nothing was
    /// decided against it).
    pub fn apply(&self, doc: &mut Document, decision: Option<&Decision>) -> Verdict {
        match (decision, &self.kind) {
            (None, _) => Verdict::Keep,
            (Some(Decision::Duplicate(dup)), _) => {
                doc.sift.duplicate = Some(dup.clone());
                Verdict::drop_static(self.reason())
            }
            (Some(Decision::Lines(hashes)), DedupKind::Paragraph(p)) => {
                p.apply(&self.name, doc, hashes)
            }
            (Some(Decision::Lines(_)), _) => Verdict::Keep,
        }
    }
}

/// Per document, a dedup stage cannot decide anything: whether a document
/// is a duplicate depends on the whole run. The runner never calls this; it
/// cuts the pipeline at dedup stages and applies their global decisions
/// (see `sift_pipeline::runner`). Used alone (e.g. `Pipeline::process` on
/// one document) the stage keeps every document.
impl sift_core::Stage for DedupStage {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, _doc: &mut Document) -> Verdict {
        Verdict::Keep
    }
}
