//! sift-py: the Python module `sift._sift`, wrapped by the pure-Python
//! package `sift` (`python/sift/`).
//!
//! Every call that does real work (running a pipeline, processing a batch,
//! cleaning or hashing text) releases the GIL with [`Python::detach`], so
//! Python threads keep running and rayon uses all cores.
//!
//! Records cross the boundary as JSON: Python dicts are serialised with the
//! standard `json` module and read by sift's own JSONL reader, so
//! [`Pipeline.process`](PyPipeline::process) applies exactly the rules of
//! `sift run` (same rejections, same ids, same output records).
#![deny(missing_docs)]

mod convert;
mod dedup;
mod distributed;
mod process;
mod stages;

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::{PyException, PyFileNotFoundError, PyValueError};
use pyo3::prelude::*;
use sift::io::compression::Codec;
use sift::io::{discover, FieldNames, OutputFormat};
use sift::pipeline::presets as builtin;
use sift::pipeline::{Pipeline, PipelineConfig, Progress, RunOptions};

pyo3::create_exception!(
    _sift,
    SiftError,
    PyException,
    "A sift run failed (I/O, output directory, invariant)."
);
pyo3::create_exception!(
    _sift,
    ConfigError,
    SiftError,
    "A pipeline file or preset is invalid; the message names the key."
);

/// Map a pipeline error to the Python exception a user expects.
pub(crate) fn pipeline_err(e: sift::pipeline::Error) -> PyErr {
    use sift::pipeline::Error as E;
    match e {
        E::Parse { .. } | E::Stage { .. } | E::UnknownPreset(_) => {
            ConfigError::new_err(e.to_string())
        }
        E::Io(io) => io_err(io),
        other => SiftError::new_err(other.to_string()),
    }
}

/// Map an I/O-layer error.
pub(crate) fn io_err(e: sift::io::Error) -> PyErr {
    match e {
        sift::io::Error::Missing { .. } => PyFileNotFoundError::new_err(e.to_string()),
        other => SiftError::new_err(other.to_string()),
    }
}

/// Input paths: one path (str or `os.PathLike`) or an iterable of them.
pub(crate) fn input_paths(input: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    if let Ok(p) = input.extract::<PathBuf>() {
        return Ok(vec![p]);
    }
    let mut paths = Vec::new();
    for item in input.try_iter()? {
        paths.push(item?.extract::<PathBuf>()?);
    }
    if paths.is_empty() {
        return Err(PyValueError::new_err("no input paths given"));
    }
    Ok(paths)
}

/// Output compression by name, with the CLI's default levels.
// The struct update keeps this compiling while `OutputFormat` gains fields.
#[allow(clippy::needless_update)]
pub(crate) fn output_format(compression: &str, level: Option<i32>) -> PyResult<OutputFormat> {
    let (codec, default_level) = match compression {
        "gzip" | "gz" => (Codec::Gzip, 1),
        "zstd" | "zst" => (Codec::Zstd, 3),
        "none" => (Codec::None, 0),
        other => {
            return Err(PyValueError::new_err(format!(
                "compression must be \"gzip\", \"zstd\" or \"none\", not {other:?}"
            )))
        }
    };
    Ok(OutputFormat {
        codec,
        level: level.unwrap_or(default_level),
        ..OutputFormat::default()
    })
}

/// A built, validated sift pipeline.
///
/// Make one with `Pipeline.from_toml(path_or_text)` or `Pipeline.preset(name)`.
#[pyclass(module = "sift._sift", name = "Pipeline", frozen)]
pub struct PyPipeline {
    pub(crate) inner: Arc<Pipeline>,
    /// The TOML text it was built from and where it came from, so that a
    /// pipeline pickles (Ray ships it to workers) and rebuilds identically.
    source: (String, String),
}

impl PyPipeline {
    /// This pipeline with other input field names (rebuilt: stages are
    /// cheap to build and hold no state).
    pub(crate) fn with_fields(
        &self,
        text_key: Option<String>,
        id_key: Option<String>,
    ) -> PyResult<Arc<Pipeline>> {
        if text_key.is_none() && id_key.is_none() {
            return Ok(self.inner.clone());
        }
        let current = self.inner.fields();
        let fields = FieldNames {
            text: text_key.unwrap_or_else(|| current.text.clone()),
            id: id_key.unwrap_or_else(|| current.id.clone()),
        };
        let mut p = Pipeline::build(self.inner.config().clone()).map_err(pipeline_err)?;
        p.set_fields(fields);
        Ok(Arc::new(p))
    }

    fn from_text(text: String, origin: String) -> PyResult<Self> {
        let config = PipelineConfig::from_toml(&text, &origin).map_err(pipeline_err)?;
        Ok(Self {
            inner: Arc::new(Pipeline::build(config).map_err(pipeline_err)?),
            source: (text, origin),
        })
    }
}

#[pymethods]
impl PyPipeline {
    /// Build a pipeline from a TOML file (str path or `os.PathLike`) or from
    /// TOML text. A `str` naming an existing file is read as a file.
    #[staticmethod]
    fn from_toml(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (text, origin) = if let Ok(s) = source.extract::<String>() {
            let path = PathBuf::from(&s);
            if !s.contains('\n') && path.is_file() {
                (read_pipeline_file(&path)?, path.display().to_string())
            } else if !s.contains('\n') && !s.contains('=') && s.ends_with(".toml") {
                return Err(PyFileNotFoundError::new_err(format!(
                    "{s}: no such pipeline file"
                )));
            } else {
                (s, "<pipeline text>".to_string())
            }
        } else {
            let path: PathBuf = source.extract()?;
            (read_pipeline_file(&path)?, path.display().to_string())
        };
        py.detach(|| Self::from_text(text, origin))
    }

    /// A built-in pipeline (`sift.presets()` lists them).
    #[staticmethod]
    fn preset(name: &str) -> PyResult<Self> {
        let text = builtin::text(name).map_err(pipeline_err)?;
        Self::from_text(text.to_string(), format!("preset `{name}`"))
    }

    /// Rebuild from pickled state (see `__reduce__`).
    #[staticmethod]
    fn _from_state(text: String, origin: String) -> PyResult<Self> {
        Self::from_text(text, origin)
    }

    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, (String, String))> {
        let rebuild = slf.getattr("_from_state")?.unbind();
        let me = slf.get();
        Ok((rebuild, me.source.clone()))
    }

    /// Stage names, in order.
    #[getter]
    fn stages(&self) -> Vec<String> {
        self.inner
            .config()
            .stage_names()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// The pipeline's description.
    #[getter]
    fn description(&self) -> String {
        self.inner.config().description.clone()
    }

    /// Input field names `(text_key, id_key)`.
    #[getter]
    fn fields(&self) -> (String, String) {
        let f = self.inner.fields();
        (f.text.clone(), f.id.clone())
    }

    /// The pipeline as TOML (what `sift presets show` prints).
    fn to_toml(&self) -> String {
        self.inner.config().to_toml()
    }

    fn __repr__(&self) -> String {
        format!("<sift.Pipeline stages={:?}>", self.stages())
    }

    /// Run over files or directories into `output`, exactly like `sift run`
    /// (same output layout, resume markers, statistics). Returns the run's
    /// statistics (the content of `OUTPUT/stats.json`) as a dict.
    #[pyo3(signature = (input, output, *, threads=0, overwrite=false, compression="zstd", level=None, batch_docs=2048, text_key=None, id_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        py: Python<'_>,
        input: &Bound<'_, PyAny>,
        output: PathBuf,
        threads: usize,
        overwrite: bool,
        compression: &str,
        level: Option<i32>,
        batch_docs: usize,
        text_key: Option<String>,
        id_key: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let paths = input_paths(input)?;
        let pipeline = self.with_fields(text_key, id_key)?;
        let opts = RunOptions {
            output,
            threads,
            overwrite,
            batch_docs,
            format: output_format(compression, level)?,
        };
        let stats = py.detach(|| -> PyResult<_> {
            let found = discover(&paths).map_err(io_err)?;
            if found.shards.is_empty() {
                return Err(SiftError::new_err(
                    "no readable input found in the given paths",
                ));
            }
            pipeline
                .run(&found.shards, &opts, &Progress::default())
                .map_err(pipeline_err)
        })?;
        convert::to_py(py, &stats)
    }

    /// Run documents through the pipeline. `docs` is an iterable of dicts
    /// (the JSONL record: `text`, optional `id`, any other fields) or of
    /// strings (text only). Returns a lazy iterator of `ProcessResult`, in
    /// input order; documents are processed `batch_size` at a time in
    /// parallel with the GIL released.
    #[pyo3(signature = (docs, *, batch_size=512, text_key=None, id_key=None))]
    fn process(
        &self,
        docs: &Bound<'_, PyAny>,
        batch_size: usize,
        text_key: Option<String>,
        id_key: Option<String>,
    ) -> PyResult<process::ProcessIter> {
        let pipeline = self.with_fields(text_key, id_key)?;
        process::ProcessIter::new(pipeline, docs, batch_size)
    }
}

fn read_pipeline_file(path: &std::path::Path) -> PyResult<String> {
    std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(format!("{}: no such pipeline file", path.display()))
        }
        _ => SiftError::new_err(format!("{}: {e}", path.display())),
    })
}

/// Names of the built-in presets.
#[pyfunction]
fn presets() -> Vec<String> {
    builtin::names().map(str::to_string).collect()
}

/// The TOML text of a built-in preset.
#[pyfunction]
fn preset_toml(name: &str) -> PyResult<String> {
    Ok(builtin::load(name).map_err(pipeline_err)?.to_toml())
}

/// sift's Rust core (use the `sift` package, which re-exports this).
#[pymodule]
mod _sift {
    #[pymodule_export]
    use super::{
        dedup::{band_records, decide_group, passes, reduce_bands, run_pass},
        distributed::{finish_run, prepare_run, run_shards, shard_names},
        preset_toml, presets,
        process::{ProcessIter, ProcessResult, RemovedLine},
        stages::{clean_lines, minhash, minhash_similarity},
        ConfigError, PyPipeline, SiftError,
    };

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        Ok(())
    }
}
