//! Runs with dedup stages split across Ray tasks (`sift.ray.run`; execution
//! model in `sift_pipeline::distributed`): per pass, one task per shard
//! ([`run_pass`]); per global step, a MinHash shuffle through Ray's object
//! store ([`band_records`] per shard, [`reduce_bands`] per partition) and
//! one [`decide_group`] task. Work files live under `OUTPUT/.sift/tmp` on
//! the shared file system; only statistics, band records and buckets travel
//! through Ray. Statistics cross the boundary as JSON text.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sift::pipeline::{distributed, RunOptions};

use crate::distributed::shards_of;
use crate::{input_paths, output_format, pipeline_err, PyPipeline};

fn dedup_err(e: sift::dedup::Error) -> PyErr {
    crate::SiftError::new_err(e.to_string())
}

/// Passes of a run of `pipeline` (1 without dedup stages).
#[pyfunction]
pub fn passes(pipeline: &PyPipeline) -> usize {
    distributed::passes(&pipeline.inner)
}

/// Worker: pass `pass_` of shard number `shard` of `input` into `output`
/// (prepared by `prepare_run`). Returns the pass's statistics as JSON text
/// (the shard's total after the last pass) and the number of the shard's
/// documents that reach the next global step.
#[pyfunction]
#[pyo3(signature = (pipeline, input, output, shard, pass_, *, threads=0, compression="zstd", level=None, batch_docs=2048))]
#[allow(clippy::too_many_arguments)]
pub fn run_pass(
    py: Python<'_>,
    pipeline: &PyPipeline,
    input: &Bound<'_, PyAny>,
    output: PathBuf,
    shard: usize,
    pass_: usize,
    threads: usize,
    compression: &str,
    level: Option<i32>,
    batch_docs: usize,
) -> PyResult<(String, u64)> {
    let paths = input_paths(input)?;
    let opts = RunOptions {
        output,
        threads,
        batch_docs,
        format: output_format(compression, level)?,
        ..RunOptions::default()
    };
    let p = pipeline.inner.clone();
    py.detach(|| {
        let shards = shards_of(&paths)?;
        let s = shards
            .get(shard)
            .ok_or_else(|| PyValueError::new_err(format!("no shard number {shard}")))?;
        let (stats, survivors) =
            distributed::run_pass(&p, shard, s, &opts, pass_).map_err(pipeline_err)?;
        Ok((serde_json::to_string(&stats).unwrap_or_default(), survivors))
    })
}

/// Map side of global step `group`'s MinHash shuffle: shard `shard`'s band
/// records (24 bytes each: band, xxh3-128 of the band's values, document
/// number) hash-partitioned into `partitions` buffers, or `None` when the
/// step has no single `minhash_dedup` stage with `keep = "first"`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn band_records<'py>(
    py: Python<'py>,
    pipeline: &PyPipeline,
    output: PathBuf,
    group: usize,
    shard: usize,
    offset: u64,
    count: u64,
    partitions: usize,
) -> PyResult<Option<Vec<Bound<'py, PyBytes>>>> {
    let opts = RunOptions {
        output,
        ..RunOptions::default()
    };
    let p = pipeline.inner.clone();
    let parts = py
        .detach(|| distributed::band_records(&p, &opts, group, shard, offset, count, partitions))
        .map_err(pipeline_err)?;
    Ok(parts.map(|parts| parts.iter().map(|b| PyBytes::new(py, b)).collect()))
}

/// Reduce side: one partition's band records from every map task, sorted;
/// every bucket of two or more documents as a u32 count and its u32
/// document numbers.
#[pyfunction]
pub fn reduce_bands<'py>(py: Python<'py>, parts: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let out = py.detach(|| {
        let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        sift::dedup::reduce_bands(&parts)
    });
    Ok(PyBytes::new(py, &out.map_err(dedup_err)?))
}

/// Global step `group` (after pass `group` of every shard; `survivors[s]`
/// documents of shard `s` reach it), with the shuffled MinHash buckets
/// (every reducer's output) or `None`. Writes the decision files; returns
/// the step's counts as JSON text.
#[pyfunction]
#[pyo3(signature = (pipeline, output, group, survivors, buckets=None, *, threads=0))]
pub fn decide_group(
    py: Python<'_>,
    pipeline: &PyPipeline,
    output: PathBuf,
    group: usize,
    survivors: Vec<u64>,
    buckets: Option<Vec<Vec<u8>>>,
    threads: usize,
) -> PyResult<String> {
    let opts = RunOptions {
        output,
        threads,
        ..RunOptions::default()
    };
    let p = pipeline.inner.clone();
    let summary = py
        .detach(|| {
            let b: Option<Vec<&[u8]>> = buckets
                .as_ref()
                .map(|b| b.iter().map(Vec::as_slice).collect());
            distributed::decide(&p, &opts, group, &survivors, b.as_deref())
        })
        .map_err(pipeline_err)?;
    Ok(serde_json::to_string(&summary).unwrap_or_default())
}
