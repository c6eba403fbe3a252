//! The built-in presets (per-document path: batch-global phases such as
//! dedup clustering run as the runner drives them, per document here).

use criterion::Criterion;
use sift_pipeline::presets;

use crate::stages::bench_pipeline;

/// One bench per built-in preset.
pub fn each_preset(c: &mut Criterion) {
    for name in presets::names() {
        match presets::text(name) {
            Ok(text) => bench_pipeline(c, "preset", name, text),
            Err(e) => eprintln!("preset/{name}: skipped: {e}"),
        }
    }
}
