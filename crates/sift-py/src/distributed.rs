//! The pieces of a run split across processes or machines, for
//! `sift.ray` (see `sift_pipeline::distributed` for the execution model).
//! Statistics cross the boundary as JSON text, which Ray ships cheaply.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use sift::core::RunStats;
use sift::io::{discover, Shard};
use sift::pipeline::{distributed, RunOptions};

use crate::{input_paths, io_err, output_format, pipeline_err, PyPipeline};

pub(crate) fn shards_of(paths: &[PathBuf]) -> PyResult<Vec<Shard>> {
    let found = discover(paths).map_err(io_err)?;
    if found.shards.is_empty() {
        return Err(crate::SiftError::new_err(
            "no readable input found in the given paths",
        ));
    }
    Ok(found.shards)
}

/// The shards `sift run` would make of `input`: `[(name, size_in_bytes)]`,
/// in run order.
#[pyfunction]
pub fn shard_names(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Vec<(String, u64)>> {
    let paths = input_paths(input)?;
    let shards = py.detach(|| shards_of(&paths))?;
    Ok(shards.into_iter().map(|s| (s.name, s.size)).collect())
}

/// Driver: check (or reset with `overwrite`) `output` and record the run's
/// identity over every shard of `input`.
#[pyfunction]
#[pyo3(signature = (pipeline, input, output, *, overwrite=false, compression="zstd", level=None))]
pub fn prepare_run(
    py: Python<'_>,
    pipeline: &PyPipeline,
    input: &Bound<'_, PyAny>,
    output: PathBuf,
    overwrite: bool,
    compression: &str,
    level: Option<i32>,
) -> PyResult<()> {
    let paths = input_paths(input)?;
    let opts = RunOptions {
        output,
        overwrite,
        format: output_format(compression, level)?,
        ..RunOptions::default()
    };
    let p = pipeline.inner.clone();
    py.detach(|| {
        let shards = shards_of(&paths)?;
        distributed::prepare(&p, &shards, &opts).map_err(pipeline_err)
    })
}

/// Worker: run the named shards of `input` into `output` (prepared by
/// `prepare_run`), one after the other, each with `threads` threads.
/// Returns each shard's statistics as JSON text, in the order of `names`.
#[pyfunction]
#[pyo3(signature = (pipeline, input, output, names, *, threads=0, compression="zstd", level=None, batch_docs=2048))]
#[allow(clippy::too_many_arguments)]
pub fn run_shards(
    py: Python<'_>,
    pipeline: &PyPipeline,
    input: &Bound<'_, PyAny>,
    output: PathBuf,
    names: Vec<String>,
    threads: usize,
    compression: &str,
    level: Option<i32>,
    batch_docs: usize,
) -> PyResult<Vec<String>> {
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
        let mut out = Vec::with_capacity(names.len());
        for name in &names {
            let shard = shards.iter().find(|s| &s.name == name).ok_or_else(|| {
                PyValueError::new_err(format!("no shard named {name:?} in the input"))
            })?;
            let stats = distributed::run_shard(&p, shard, &opts).map_err(pipeline_err)?;
            out.push(serde_json::to_string(&stats).unwrap_or_default());
        }
        Ok(out)
    })
}

/// Driver: merge per-shard statistics (JSON text, in shard order), check
/// the run invariant, write `output/stats.json`; returns the merged
/// statistics as a dict.
#[pyfunction]
pub fn finish_run(
    py: Python<'_>,
    pipeline: &PyPipeline,
    output: PathBuf,
    per_shard: Vec<String>,
    seconds: f64,
) -> PyResult<Py<PyAny>> {
    let stats = per_shard
        .iter()
        .map(|s| serde_json::from_str::<RunStats>(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PyValueError::new_err(format!("bad shard statistics: {e}")))?;
    let opts = RunOptions {
        output,
        ..RunOptions::default()
    };
    let p = pipeline.inner.clone();
    let total = py
        .detach(|| distributed::finish(&p, &stats, &opts, seconds))
        .map_err(pipeline_err)?;
    crate::convert::to_py(py, &total)
}
