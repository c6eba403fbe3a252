//! `line_regex` with the default preset's patterns.

use criterion::Criterion;
use sift_filters::LineRegexConfig;

/// Bench the stage.
pub fn bench(c: &mut Criterion) {
    let stage = LineRegexConfig {
        patterns: vec![r"^\[ad_?\d+\]$".into(), r"^(?i)source link$".into()],
        reason: "ad_placeholder".into(),
        max_removed_fraction: None,
    }
    .build("line_regex")
    .expect("valid patterns");
    crate::bench_stage(c, "line_regex", &stage);
}
