//! sift-core: the document model, the stage contract and run statistics.
//!
//! No I/O lives here; every other sift crate builds on these types.
#![deny(missing_docs)]

mod document;
pub mod lines;
pub mod prefetch;
mod stage;
mod stats;
pub mod swar;

pub use document::{Document, Duplicate, LineEdit, Origin, RemovedLine, SiftMeta};
pub use stage::{Reason, Stage, Verdict};
pub use stats::{ReasonCount, RunStats, StageStats};

/// Errors of the core crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A run's counts do not add up: something was lost.
    #[error("run invariant violated: {0}")]
    Invariant(String),
    /// A stage was configured with an invalid value.
    #[error("stage `{stage}`: invalid `{key}`: {message}")]
    Config {
        /// Stage type or name.
        stage: String,
        /// Offending key.
        key: String,
        /// What is wrong.
        message: String,
    },
}
