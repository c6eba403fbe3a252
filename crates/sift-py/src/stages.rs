//! Single stages callable on one text: `clean_lines` (the `junk_lines`
//! cleaner with its default settings) and `minhash` (the signature of
//! `minhash_dedup`).

use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;
use sift::dedup::minhash::{similarity, Scratch};
use sift::dedup::{MinHashParams, MinHasher};
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

/// The default (datatrove-compatible) signature computer, built once.
fn default_hasher() -> PyResult<Arc<MinHasher>> {
    static BUILT: OnceLock<Result<Arc<MinHasher>, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            MinHasher::new(MinHashParams::default())
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(crate::ConfigError::new_err)
}

/// MinHash signature of `text`, as `minhash_dedup` computes it (defaults:
/// datatrove's `MinhashConfig()` — word 5-grams after its normalisation, 14
/// bands x 8 rows, seed 1). Returns `bands * rows` ints (band `j` is values
/// `j*rows .. (j+1)*rows`), or `None` when the text has fewer than
/// `n_grams` words.
#[pyfunction]
#[pyo3(signature = (text, *, n_grams=5, bands=14, rows=8, seed=1, tokenizer="spacy_en"))]
pub fn minhash(
    py: Python<'_>,
    text: &str,
    n_grams: usize,
    bands: usize,
    rows: usize,
    seed: u32,
    tokenizer: &str,
) -> PyResult<Option<Vec<u64>>> {
    let params = serde_json::json!({
        "n_grams": n_grams, "bands": bands, "rows": rows, "seed": seed, "tokenizer": tokenizer,
    });
    let params: MinHashParams = serde_json::from_value(params)
        .map_err(|e| crate::ConfigError::new_err(format!("minhash: {e}")))?;
    let hasher = if params == MinHashParams::default() {
        default_hasher()?
    } else {
        Arc::new(
            MinHasher::new(params)
                .map_err(|e| crate::ConfigError::new_err(format!("minhash: {e}")))?,
        )
    };
    Ok(py.detach(|| {
        let mut scratch = Scratch::default();
        let mut sig = Vec::new();
        hasher
            .signature(text, &mut scratch, &mut sig)
            .then_some(sig)
    }))
}

/// Estimated Jaccard similarity of two signatures (share of equal values).
#[pyfunction]
pub fn minhash_similarity(a: Vec<u64>, b: Vec<u64>) -> f64 {
    similarity(&a, &b)
}
