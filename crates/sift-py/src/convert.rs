//! JSON at the boundary: Rust values out through `json.loads`, Python
//! records in through `json.dumps` (both C-implemented in CPython).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;

/// A serialisable Rust value as a Python object (dicts, lists, str, ...).
pub(crate) fn to_py<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|e| PyTypeError::new_err(format!("cannot convert to Python: {e}")))?;
    loads(py, &text)
}

/// Parse JSON text into Python objects.
pub(crate) fn loads(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// Serialise one Python record (a dict) as a JSON line without newline.
pub(crate) fn dumps(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("ensure_ascii", false)?;
    let json = py.import("json")?;
    json.call_method("dumps", (obj,), Some(&kwargs))
        .and_then(|s| s.extract::<String>())
        .map_err(|e| {
            PyTypeError::new_err(format!(
                "a document must be a JSON-serialisable dict (or a str): {e}"
            ))
        })
}
