//! `min_words` at the default preset's threshold.

use criterion::Criterion;
use sift_filters::MinWordsConfig;

/// Bench the stage.
pub fn bench(c: &mut Criterion) {
    let stage = MinWordsConfig { min: 50 }
        .build("min_words")
        .expect("valid threshold");
    crate::bench_stage(c, "min_words", &stage);
}
