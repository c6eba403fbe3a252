//! sift-pipeline: pipeline files, built-in presets and the parallel runner.
#![deny(missing_docs)]

pub mod config;
pub mod distributed;
pub mod eval;
pub mod presets;
pub mod runner;

pub use config::{InputConfig, PipelineConfig, StageKind, StageSpec};
pub use runner::{Pipeline, Progress, RunOptions};

/// Errors of pipeline loading and running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The pipeline file could not be parsed.
    #[error("{origin}: {message}")]
    Parse {
        /// File name or preset name.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A stage's settings are invalid.
    #[error("stage `{name}`: {message}")]
    Stage {
        /// Stage name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// No preset of that name.
    #[error("no preset named `{0}` (see `sift presets`)")]
    UnknownPreset(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] sift_io::Error),
    /// The output directory holds a run that does not match this one.
    #[error("{0}")]
    Output(String),
    /// Counts did not add up.
    #[error(transparent)]
    Core(#[from] sift_core::Error),
}
