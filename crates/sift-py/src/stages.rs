//! Single stages callable on one text: `clean_lines` (the `junk_lines`
//! cleaner with its default settings).

use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;
use sift::pipeline::{Pipeline, PipelineConfig};

use crate::convert;
use crate::process::{process_lines, ProcessResult};

/// The one-stage `junk_lines` pipeline, built once per process.
fn junk_lines() -> PyResult<Arc<Pipeline>> {
    static BUILT: OnceLock<Result<Arc<Pipeline>, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            PipelineConfig::from_toml("[[stages]]\ntype = \"junk_lines\"\n", "clean_lines")
                .and_then(Pipeline::build)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(crate::ConfigError::new_err)
}

/// Remove junk lines (injected spam, ad placeholders, scraper and CMS
/// boilerplate, off-topic lines) from `text` with the `junk_lines`
/// cleaner's default settings. Returns a `ProcessResult`: `text` is the
/// cleaned text, `removed_lines` says which lines went and why.
#[pyfunction]
pub fn clean_lines(py: Python<'_>, text: &str) -> PyResult<ProcessResult> {
    let pipeline = junk_lines()?;
    let d = pyo3::types::PyDict::new(py);
    d.set_item("text", text)?;
    let line = convert::dumps(py, d.as_any())?;
    let (mut results, _) = py.detach(move || process_lines(&pipeline, &[line], 0));
    results
        .pop()
        .ok_or_else(|| crate::SiftError::new_err("clean_lines produced no result"))
}
