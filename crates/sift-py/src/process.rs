//! `Pipeline.process(docs)`: documents from a Python iterable, processed in
//! parallel batches with the GIL released, returned lazily in input order.

use std::collections::VecDeque;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyString};
use rayon::prelude::*;
use sift::core::RunStats;
use sift::io::jsonl::{write_doc, write_rejected, DocOutput, JsonlReader, Record};
use sift::pipeline::runner::Fate;
use sift::pipeline::Pipeline;

use crate::convert;

/// Source name of documents that came from Python (appears in default ids
/// `<python>:N`, N = 1-based position in the iterable).
const SOURCE: &str = "<python>";

/// Documents per parallel work item inside a batch.
const CHUNK: usize = 32;

/// A line a cleaner removed.
#[pyclass(module = "sift._sift", name = "RemovedLine", frozen)]
#[derive(Clone)]
pub struct RemovedLine {
    /// 0-based index of the line in the original text.
    #[pyo3(get)]
    line: usize,
    /// The line as it was.
    #[pyo3(get)]
    text: String,
    /// Why it was removed.
    #[pyo3(get)]
    reason: String,
    /// Stage that removed it.
    #[pyo3(get)]
    stage: String,
}

#[pymethods]
impl RemovedLine {
    fn __repr__(&self) -> String {
        format!(
            "RemovedLine(line={}, reason={:?}, stage={:?}, text={:?})",
            self.line, self.reason, self.stage, self.text
        )
    }
}

impl From<&sift::core::RemovedLine> for RemovedLine {
    fn from(r: &sift::core::RemovedLine) -> Self {
        Self {
            line: r.line,
            text: r.text.clone(),
            reason: r.reason.to_string(),
            stage: r.stage.to_string(),
        }
    }
}

/// What the pipeline did with one input record.
#[pyclass(module = "sift._sift", name = "ProcessResult", frozen)]
pub struct ProcessResult {
    /// Document id (input id field, or `<python>:N`).
    #[pyo3(get)]
    id: String,
    /// `"keep"`, `"remove"` or `"reject"` (the record is not a document).
    #[pyo3(get)]
    verdict: &'static str,
    /// Why the document was removed (or the record rejected).
    #[pyo3(get)]
    reason: Option<String>,
    /// Stage that removed the document.
    #[pyo3(get)]
    stage: Option<String>,
    /// Text after the stages that ran (cleaned).
    #[pyo3(get)]
    text: String,
    /// Text as given.
    #[pyo3(get)]
    original_text: String,
    /// For rejected records: what is wrong.
    #[pyo3(get)]
    error: Option<String>,
    lines: Vec<sift::core::RemovedLine>,
    sift_json: String,
    record_json: String,
}

#[pymethods]
impl ProcessResult {
    /// Whether the document is kept.
    #[getter]
    fn kept(&self) -> bool {
        self.verdict == "keep"
    }

    /// Lines removed by cleaners, with their original index and reason.
    #[getter]
    fn removed_lines(&self) -> Vec<RemovedLine> {
        self.lines.iter().map(RemovedLine::from).collect()
    }

    /// Every reason recorded: the document's (if removed or rejected)
    /// first, then each distinct line reason in order of appearance.
    #[getter]
    fn reasons(&self) -> Vec<String> {
        let mut out: Vec<String> = self.reason.iter().cloned().collect();
        for l in &self.lines {
            if !out.iter().any(|r| *r == *l.reason) {
                out.push(l.reason.to_string());
            }
        }
        out
    }

    /// The `sift` object of the output record (removed lines, flags, scores,
    /// language, duplicate cluster, reason).
    #[getter]
    fn sift(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::loads(py, &self.sift_json)
    }

    /// The record exactly as `sift run` writes it (to `kept/`, `removed/` or
    /// `rejected/`): input fields preserved, text cleaned (kept) or
    /// original (removed), plus the `sift` object.
    #[getter]
    fn record(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::loads(py, &self.record_json)
    }

    fn __repr__(&self) -> String {
        match &self.reason {
            Some(r) => format!(
                "<ProcessResult id={:?} verdict={:?} reason={:?} removed_lines={}>",
                self.id,
                self.verdict,
                r,
                self.lines.len()
            ),
            None => format!(
                "<ProcessResult id={:?} verdict={:?} removed_lines={}>",
                self.id,
                self.verdict,
                self.lines.len()
            ),
        }
    }
}

/// Lazy iterator returned by `Pipeline.process`.
#[pyclass(module = "sift._sift", name = "ProcessIter")]
pub struct ProcessIter {
    pipeline: Arc<Pipeline>,
    source: Py<PyIterator>,
    batch_size: usize,
    records: u64,
    ready: VecDeque<ProcessResult>,
    done: bool,
    stats: RunStats,
}

impl ProcessIter {
    pub(crate) fn new(
        pipeline: Arc<Pipeline>,
        docs: &Bound<'_, PyAny>,
        batch_size: usize,
    ) -> PyResult<Self> {
        let stats = pipeline.new_stats();
        Ok(Self {
            pipeline,
            source: docs.try_iter()?.unbind(),
            batch_size: batch_size.max(1),
            records: 0,
            ready: VecDeque::new(),
            done: false,
            stats,
        })
    }

    /// Pull up to `batch_size` records from Python, then process them with
    /// the GIL released.
    fn fill(&mut self, py: Python<'_>) -> PyResult<()> {
        let text_key = self.pipeline.fields().text.clone();
        let mut lines = Vec::with_capacity(self.batch_size);
        let mut iter = self.source.bind(py).clone();
        while lines.len() < self.batch_size {
            let Some(item) = iter.next() else {
                self.done = true;
                break;
            };
            let item = item?;
            let line = if let Ok(s) = item.cast::<PyString>() {
                let d = PyDict::new(py);
                d.set_item(&text_key, s)?;
                convert::dumps(py, d.as_any())?
            } else {
                convert::dumps(py, &item)?
            };
            lines.push(line);
        }
        if lines.is_empty() {
            return Ok(());
        }
        let first = self.records;
        self.records += lines.len() as u64;
        let pipeline = self.pipeline.clone();
        let (results, stats) = py.detach(move || process_lines(&pipeline, &lines, first));
        self.stats.merge(&stats);
        self.ready.extend(results);
        Ok(())
    }
}

#[pymethods]
impl ProcessIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(mut slf: PyRefMut<'_, Self>, py: Python<'_>) -> PyResult<Option<ProcessResult>> {
        if slf.ready.is_empty() && !slf.done {
            slf.fill(py)?;
        }
        Ok(slf.ready.pop_front())
    }

    /// Counts so far, in the layout of `stats.json` (per stage, per reason).
    #[getter]
    fn stats(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(py, &self.stats)
    }
}

/// Process JSON lines (record `first + i + 1` is `lines[i]`) in parallel.
pub(crate) fn process_lines(
    pipeline: &Pipeline,
    lines: &[String],
    first: u64,
) -> (Vec<ProcessResult>, RunStats) {
    let parts: Vec<(Vec<ProcessResult>, RunStats)> = lines
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(ci, chunk)| {
            let mut stats = pipeline.new_stats();
            let out = chunk
                .iter()
                .enumerate()
                .map(|(k, line)| {
                    let lineno = first + (ci * CHUNK + k) as u64 + 1;
                    process_one(pipeline, line, lineno, &mut stats)
                })
                .collect();
            (out, stats)
        })
        .collect();
    let mut total = pipeline.new_stats();
    let mut results = Vec::with_capacity(lines.len());
    for (r, s) in parts {
        results.extend(r);
        total.merge(&s);
    }
    (results, total)
}

fn process_one(
    pipeline: &Pipeline,
    line: &str,
    lineno: u64,
    stats: &mut RunStats,
) -> ProcessResult {
    let fields = pipeline.fields();
    let mut reader = JsonlReader::new(line.as_bytes(), Arc::from(SOURCE), fields.clone());
    let record = match reader.next() {
        Some(Ok(r)) => r,
        // Reading from memory has no I/O errors and `json.dumps` never
        // yields a blank line; treat either as an unreadable record.
        _ => Record::Rejected(sift::io::Rejected::new(
            SOURCE,
            lineno,
            0,
            "invalid_json",
            "empty record",
            line.as_bytes(),
        )),
    };
    stats.docs_in += 1;
    match record {
        Record::Doc(mut doc) => {
            let has_id = doc.fields.get(&fields.id).is_some_and(|v| !v.is_null());
            if !has_id {
                doc.id = format!("{SOURCE}:{lineno}");
            }
            doc.origin.line = lineno;
            let original_len = doc.original_text().len() as u64;
            stats.text_bytes_in += original_len;
            stats.bytes_in += original_len;
            let fate = pipeline.process(&mut doc, &mut stats.stages);
            let mut buf = Vec::new();
            let verdict = match fate {
                Fate::Kept => {
                    stats.docs_kept += 1;
                    stats.bytes_out += doc.text.len() as u64;
                    write_doc(&doc, fields, DocOutput::Kept, &mut buf);
                    "keep"
                }
                Fate::Removed { .. } => {
                    stats.docs_removed += 1;
                    write_doc(&doc, fields, DocOutput::Removed, &mut buf);
                    "remove"
                }
            };
            trim_newline(&mut buf);
            ProcessResult {
                original_text: doc.original_text().to_string(),
                sift_json: serde_json::to_string(&doc.sift).unwrap_or_else(|_| "{}".into()),
                record_json: String::from_utf8_lossy(&buf).into_owned(),
                reason: doc.sift.reason.clone(),
                stage: doc.sift.stage.clone(),
                lines: std::mem::take(&mut doc.sift.removed_lines),
                id: doc.id,
                text: doc.text,
                verdict,
                error: None,
            }
        }
        Record::Rejected(mut rej) => {
            rej.line = lineno;
            stats.docs_rejected += 1;
            stats.bytes_in += rej.raw.len() as u64;
            *stats.rejected.entry(rej.kind.to_string()).or_default() += 1;
            let mut buf = Vec::new();
            write_rejected(&rej, &mut buf);
            trim_newline(&mut buf);
            ProcessResult {
                id: format!("{SOURCE}:{lineno}"),
                verdict: "reject",
                reason: Some(rej.kind.to_string()),
                stage: None,
                text: String::new(),
                original_text: String::new(),
                error: Some(rej.error.clone()),
                lines: Vec::new(),
                sift_json: "{}".into(),
                record_json: String::from_utf8_lossy(&buf).into_owned(),
            }
        }
    }
}

fn trim_newline(buf: &mut Vec<u8>) {
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
}
