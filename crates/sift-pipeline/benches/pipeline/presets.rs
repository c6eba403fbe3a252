//! The built-in presets, per-document path only: their dedup stages (in
//! `default`) do no work in `Pipeline::process` (they run in the phased
//! runner), so `preset/default` times its cleaners and filters; whole runs
//! with dedup are measured by `bench/compare.sh`.

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
