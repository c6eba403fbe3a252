//! Each per-document stage type alone, with its default settings (what
//! `type = "..."` with no other keys gives), or the settings listed here
//! when it has required keys.
//!
//! The dedup stages (`exact_dedup`, `minhash_dedup`, `paragraph_dedup`) are
//! not here: their work happens in the phased runner's passes and global
//! steps, not in `Pipeline::process`, so a per-document bench would time
//! nothing. Their kernels are benched in `sift-dedup` (`minhash/signature`,
//! `normalize/simplify`), whole runs by `bench/compare.sh`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput};
use sift_pipeline::{Pipeline, PipelineConfig};

use crate::corpus;

/// (bench name, stage TOML).
const STAGES: &[(&str, &str)] = &[
    (
        "line_regex",
        "type = \"line_regex\"\npatterns = ['^\\[ad_?\\d+\\]$', '^(?i)source link$']",
    ),
    ("min_words", "type = \"min_words\"\nmin = 50"),
    ("junk_lines", "type = \"junk_lines\""),
    ("gopher_repetition", "type = \"gopher_repetition\""),
    ("gopher_quality", "type = \"gopher_quality\""),
    ("c4_quality", "type = \"c4_quality\""),
    ("fineweb_quality", "type = \"fineweb_quality\""),
    ("c4_badwords", "type = \"c4_badwords\""),
    ("url_blocklist", "type = \"url_blocklist\""),
    ("language", "type = \"language\""),
];

/// Run `pipeline` over fresh copies of the corpus documents.
pub fn bench_pipeline(c: &mut Criterion, group: &str, name: &str, toml: &str) {
    let cfg = match PipelineConfig::from_toml(toml, name) {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("{group}/{name}: skipped, not available in this build: {e}");
            return;
        }
    };
    let pipeline = match Pipeline::build(cfg) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{group}/{name}: skipped: {e}");
            return;
        }
    };
    let (docs, bytes) = corpus();
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(name, |b| {
        b.iter_batched(
            || docs.clone(),
            |mut docs| {
                let mut stats = pipeline.new_stats();
                let mut kept = 0usize;
                for d in docs.iter_mut() {
                    kept += usize::from(
                        pipeline.process(black_box(d), &mut stats.stages)
                            == sift_pipeline::runner::Fate::Kept,
                    );
                }
                kept
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// One bench per stage type.
pub fn each_stage(c: &mut Criterion) {
    for (name, stage) in STAGES {
        bench_pipeline(c, "stage", name, &format!("[[stages]]\n{stage}\n"));
    }
}
