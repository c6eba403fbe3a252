//! sift-report: `DIR/report.html`, one self-contained page showing what a run
//! did.
//!
//! The report reads a run's output directory (`stats.json`, `kept/`,
//! `removed/`, `rejected/`) in one streaming pass with bounded memory: log-scale
//! histograms, reservoir samples of examples per reason and a bounded table
//! of the largest duplicate clusters ([`collect()`]). It then renders one HTML
//! file with inline CSS and inline SVG charts drawn here ([`svg`]); it has no
//! script and its Content-Security-Policy forbids loading anything, so it
//! opens offline and shows the same thing everywhere.
//!
//! ```no_run
//! use sift_report::{write_report, ReportOptions};
//!
//! let path = write_report("sift-out".as_ref(), &ReportOptions::default())?;
//! println!("wrote {}", path.display());
//! # Ok::<(), sift_report::Error>(())
//! ```
#![deny(missing_docs)]

pub mod collect;
pub mod hist;
pub mod html;
pub mod sample;
pub mod svg;

use std::path::{Path, PathBuf};

pub use collect::{collect, Collected};

/// File name of the report inside the output directory.
pub const REPORT_FILE: &str = "report.html";

/// What to read and how much to show.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Field holding the document text. `None`: the run's own setting (from
    /// `DIR/.sift/run.json`), else `text`.
    pub text_key: Option<String>,
    /// Field holding the document id (`None`: as for `text_key`, else `id`);
    /// documents without one are named by their place, `file:line`.
    pub id_key: Option<String>,
    /// Example documents or lines shown per reason.
    pub examples_per_reason: usize,
    /// Duplicate clusters listed.
    pub top_clusters: usize,
    /// Seed of the example sampling (same seed and output, same report).
    pub seed: u64,
    /// Threads reading output files (0: one per core). The report is the
    /// same for any number.
    pub threads: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            text_key: None,
            id_key: None,
            examples_per_reason: 3,
            top_clusters: 10,
            seed: 0x5EED,
            threads: 0,
        }
    }
}

/// Errors of report generation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The directory holds neither `stats.json` nor an output folder.
    #[error("{0}: not a sift output directory (no stats.json, kept/, removed/ or rejected/)")]
    NotOutputDir(PathBuf),
    /// Reading the output or writing the report failed.
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

impl From<sift_io::Error> for Error {
    fn from(e: sift_io::Error) -> Self {
        match e {
            sift_io::Error::Io { path, source } => Error::Io { path, source },
            other => Error::Io {
                path: PathBuf::new(),
                source: std::io::Error::other(other.to_string()),
            },
        }
    }
}

/// Read the output directory `dir` and render the report as a string.
pub fn render(dir: &Path, opts: &ReportOptions) -> Result<String, Error> {
    let collected = collect(dir, opts)?;
    Ok(html::render(&collected, opts))
}

/// Write `dir/report.html` (atomically) and return its path.
pub fn write_report(dir: &Path, opts: &ReportOptions) -> Result<PathBuf, Error> {
    let page = render(dir, opts)?;
    let path = dir.join(REPORT_FILE);
    sift_io::output::write_atomic(&path, page.as_bytes())?;
    Ok(path)
}
