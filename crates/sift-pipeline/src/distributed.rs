//! One run split across processes or machines (the Ray runner in
//! `python/sift/ray.py` drives it).
//!
//! Execution model: a driver calls [`prepare`] once (checks or resets the
//! output directory, records the run's identity); workers call
//! [`run_shard`] for disjoint shards, each writing its files atomically and
//! its completion marker, exactly as [`Pipeline::run`] does; the driver then
//! calls [`finish`] with every shard's statistics. The output directory is
//! byte-identical to a local [`Pipeline::run`] over the same shards (only
//! `seconds` in `stats.json` differs), and a worker that finds a shard's
//! marker returns the recorded statistics instead of redoing it, so a failed
//! distributed run resumes like a local one.
//!
//! All parties must see the same output directory (a shared file system)
//! and discover the same shards from the same input paths.

use sift_core::RunStats;
use sift_io::output::write_atomic;
use sift_io::Shard;

use crate::runner::{marker_path, prepare_output, read_marker};
use crate::{Error, Pipeline, Progress, RunOptions};

/// Driver side, before any shard runs: check (or, with `opts.overwrite`,
/// reset) `opts.output` and record the run's identity over all `shards`.
pub fn prepare(pipeline: &Pipeline, shards: &[Shard], opts: &RunOptions) -> Result<(), Error> {
    prepare_output(pipeline, shards, opts)
}

/// Worker side: run one shard into `opts.output` (after [`prepare`]) and
/// write its completion marker. A shard with a marker is not redone; its
/// recorded statistics are returned. `opts.threads` sizes this call's own
/// thread pool (0 = all cores).
pub fn run_shard(pipeline: &Pipeline, shard: &Shard, opts: &RunOptions) -> Result<RunStats, Error> {
    let marker = marker_path(&opts.output, &shard.name);
    if let Some(stats) = read_marker(&marker) {
        return Ok(stats);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::Output(format!("cannot start worker threads: {e}")))?;
    let progress = Progress::default();
    let stats = pool.install(|| pipeline.run_shard(shard, opts, &progress))?;
    let json = serde_json::to_vec_pretty(&stats).unwrap_or_default();
    write_atomic(&marker, &json)?;
    Ok(stats)
}

/// Driver side, after every shard ran: merge the per-shard statistics (in
/// shard order), check the run invariant and write `stats.json`.
pub fn finish(
    pipeline: &Pipeline,
    per_shard: &[RunStats],
    opts: &RunOptions,
    seconds: f64,
) -> Result<RunStats, Error> {
    let mut total = pipeline.new_stats();
    for s in per_shard {
        total.merge(s);
    }
    total.seconds = seconds;
    total.check_invariant()?;
    let json = serde_json::to_vec_pretty(&total).unwrap_or_default();
    write_atomic(&opts.output.join("stats.json"), &json)?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PipelineConfig;
    use std::path::Path;

    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("read_dir") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.file_name().is_some_and(|n| n != "stats.json") {
                    let rel = p.strip_prefix(dir).expect("prefix").display().to_string();
                    out.push((rel, std::fs::read(&p).expect("read")));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn split_run_equals_local_run() {
        let cfg = PipelineConfig::from_toml(
            "[[stages]]\ntype = \"line_regex\"\npatterns = ['^spam$']\n[[stages]]\ntype = \"min_words\"\nmin = 3\n",
            "test",
        )
        .expect("valid");
        let pipeline = Pipeline::build(cfg).expect("builds");
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in");
        std::fs::create_dir(&input).expect("mkdir");
        for k in 0..3 {
            let mut text = String::new();
            for i in 0..20 {
                let body = if i % 4 == 0 {
                    "too short"
                } else {
                    "one two three four\\nspam"
                };
                text.push_str(&format!("{{\"id\":\"{k}-{i}\",\"text\":\"{body}\"}}\n"));
            }
            text.push_str("not json\n");
            std::fs::write(input.join(format!("part{k}.jsonl")), text).expect("write");
        }
        let shards = sift_io::discover(&[input]).expect("discover").shards;
        let local = RunOptions {
            output: dir.path().join("local"),
            threads: 2,
            ..RunOptions::default()
        };
        let want = pipeline
            .run(&shards, &local, &Progress::default())
            .expect("local run");

        let split = RunOptions {
            output: dir.path().join("split"),
            threads: 1,
            ..RunOptions::default()
        };
        prepare(&pipeline, &shards, &split).expect("prepare");
        // Workers finish in any order; the driver merges in shard order.
        let mut per_shard: Vec<_> = shards
            .iter()
            .rev()
            .map(|s| run_shard(&pipeline, s, &split).expect("shard"))
            .collect();
        per_shard.reverse();
        // A retried task finds the marker and returns the same statistics.
        assert_eq!(
            run_shard(&pipeline, &shards[0], &split).expect("again"),
            per_shard[0]
        );
        let got = finish(&pipeline, &per_shard, &split, 0.0).expect("finish");

        assert_eq!(files(&local.output), files(&split.output));
        assert_eq!(
            RunStats {
                seconds: 0.0,
                ..want
            },
            got,
            "merged statistics differ"
        );
        assert_eq!((got.docs_in, got.docs_kept, got.docs_rejected), (63, 45, 3));
    }
}
