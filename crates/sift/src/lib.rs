//! sift: turn raw web-scraped text into clean, deduplicated corpora, with a
//! reason for every removed line and document.
//!
//! This facade re-exports the crates users depend on:
//! [`core`] (document model, stage trait), [`text`] (tokenizer),
//! [`io`] (readers/writers), [`filters`], [`dedup`] and [`pipeline`].
#![deny(missing_docs)]

pub use sift_core as core;
pub use sift_dedup as dedup;
pub use sift_filters as filters;
pub use sift_io as io;
pub use sift_pipeline as pipeline;
pub use sift_text as text;

pub use sift_core::{Document, Stage, Verdict};
pub use sift_pipeline::{Pipeline, PipelineConfig};
