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
use sift_dedup::minhash::Keep;
use sift_dedup::{DedupKind, GroupSummary};
use sift_io::output::write_atomic;
use sift_io::Shard;

use crate::runner::{marker_path, phased, prepare_output, read_marker};
use crate::{Error, Pipeline, Progress, RunOptions};

// Pipelines with dedup stages run in passes (`runner/phased.rs`): for each
// pass `0..passes()`, every shard runs [`run_pass`] (any worker, any
// order); after every non-last pass `g` the driver runs the global step
// [`decide`] once. For a `minhash_dedup` stage (`keep = "first"`) the
// band buckets can be found by a distributed shuffle first: per shard
// [`band_records`] (map, hash-partitioned), per partition
// `sift_dedup::reduce_bands` (reduce), all reducer outputs into [`decide`].
// Work files live under `OUTPUT/.sift/tmp` (shared file system); the output
// is byte-identical to a local run's.

/// Passes of a run of `pipeline`: 1 without dedup stages.
pub fn passes(pipeline: &Pipeline) -> usize {
    if pipeline.has_global_stages() {
        phased::passes(pipeline)
    } else {
        1
    }
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Output(format!("cannot start worker threads: {e}")))
}

/// Worker side, pipelines with dedup stages: pass `pass` of shard number
/// `si` (`shard`). Returns the pass's statistics (the shard's total after
/// the last pass) and the number of documents that reach the next global
/// step.
pub fn run_pass(
    pipeline: &Pipeline,
    si: usize,
    shard: &Shard,
    opts: &RunOptions,
    pass: usize,
) -> Result<(RunStats, u64), Error> {
    pool(opts.threads)?.install(|| phased::run_pass(pipeline, si, shard, opts, pass))
}

/// Map side of the MinHash shuffle of global step `g`: shard `si`'s band
/// records, in `partitions` buffers (see `DedupGroup::band_records`);
/// `offset` = documents reaching the step in earlier shards, `count` in
/// this one. `None` when the step has no single `minhash_dedup` stage with
/// `keep = "first"` (then [`decide`] sorts the bands itself).
pub fn band_records(
    pipeline: &Pipeline,
    opts: &RunOptions,
    g: usize,
    si: usize,
    offset: u64,
    count: u64,
    partitions: usize,
) -> Result<Option<Vec<Vec<u8>>>, Error> {
    let Some(group) = phased::group_of(pipeline, g, &opts.output) else {
        return Ok(None);
    };
    let verified: Vec<usize> = group
        .stages()
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(s.kind(), DedupKind::MinHash(m) if m.hasher().params().keep == Keep::First)
        })
        .map(|(j, _)| j)
        .collect();
    let [j] = verified[..] else {
        return Ok(None);
    };
    group
        .band_records(j, si, offset, count, partitions)
        .map(Some)
        .map_err(|e| Error::Output(format!("dedup: {e}")))
}

/// Driver side (or one task): global step `g`, after pass `g` of every
/// shard (`survivors[s]`: documents of shard `s` reaching it), with the
/// shuffled MinHash buckets if [`band_records`] gave any.
pub fn decide(
    pipeline: &Pipeline,
    opts: &RunOptions,
    g: usize,
    survivors: &[u64],
    buckets: Option<&[&[u8]]>,
) -> Result<GroupSummary, Error> {
    pool(opts.threads)?.install(|| phased::decide(pipeline, opts, g, survivors, buckets))
}

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
    if pipeline.has_global_stages() {
        phased::finish(pipeline, opts)?;
    }
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
                } else if p
                    .file_name()
                    .is_some_and(|n| n != "stats.json" && n != "dedup.json")
                {
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

    #[test]
    fn split_dedup_run_equals_local_run() {
        let cfg = PipelineConfig::from_toml(
            concat!(
                "[[stages]]\ntype = \"min_words\"\nmin = 3\n",
                "[[stages]]\ntype = \"exact_dedup\"\n",
                "[[stages]]\ntype = \"minhash_dedup\"\nbands = 20\nrows = 2\n",
                "[[stages]]\ntype = \"paragraph_dedup\"\n",
                "[[stages]]\ntype = \"min_words\"\nname = \"after\"\nmin = 4\n",
            ),
            "test",
        )
        .expect("valid");
        let pipeline = Pipeline::build(cfg).expect("builds");
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in");
        std::fs::create_dir(&input).expect("mkdir");
        let word = |i: usize| -> String {
            let (a, b) = (b'a' + (i % 26) as u8, b'a' + (i / 26 % 26) as u8);
            format!("w{}{}x", a as char, b as char)
        };
        let text = |from: usize, n: usize| -> String {
            let line = (from..from + n).map(word).collect::<Vec<_>>().join(" ");
            format!("{line}\\nshared boilerplate line for every page here")
        };
        for k in 0..3 {
            let mut body = String::new();
            for i in 0..12 {
                // Shard k repeats (exactly or shifted) documents of shard 0.
                let from = if k == 0 { i * 80 } else { i * 80 + (i % 3) * k };
                body.push_str(&format!(
                    "{{\"id\":\"{k}-{i}\",\"text\":\"{}\"}}\n",
                    text(from, 60)
                ));
            }
            body.push_str("{\"id\":\"short\",\"text\":\"too short\"}\n");
            std::fs::write(input.join(format!("part{k}.jsonl")), body).expect("write");
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
        let removed = |name: &str| {
            want.stages
                .iter()
                .find(|s| s.name == name)
                .map_or(0, |s| s.docs_removed)
        };
        assert!(
            removed("exact_dedup") > 0 && removed("minhash_dedup") > 0,
            "{want:?}"
        );

        for shuffle in [false, true] {
            let split = RunOptions {
                output: dir.path().join(format!("split-{shuffle}")),
                threads: 1,
                ..RunOptions::default()
            };
            prepare(&pipeline, &shards, &split).expect("prepare");
            let passes = passes(&pipeline);
            assert_eq!(passes, 2, "one dedup group: exact, minhash, paragraph");
            let mut per_shard = Vec::new();
            for pass in 0..passes {
                let results: Vec<(RunStats, u64)> = shards
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(si, s)| run_pass(&pipeline, si, s, &split, pass).expect("pass"))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                if pass + 1 == passes {
                    per_shard = results.into_iter().map(|r| r.0).collect();
                    break;
                }
                let survivors: Vec<u64> = results.iter().map(|r| r.1).collect();
                let mut reduced = Vec::new();
                if shuffle {
                    let mut offset = 0;
                    let mut maps = Vec::new();
                    for (si, &n) in survivors.iter().enumerate() {
                        if let Some(m) =
                            band_records(&pipeline, &split, pass, si, offset, n, 2).expect("map")
                        {
                            maps.push(m);
                        }
                        offset += n;
                    }
                    for k in 0..2 {
                        if maps.is_empty() {
                            break;
                        }
                        let parts: Vec<&[u8]> = maps.iter().map(|m| m[k].as_slice()).collect();
                        reduced.push(sift_dedup::reduce_bands(&parts).expect("reduce"));
                    }
                    assert_eq!(pass == 0, !reduced.is_empty(), "minhash is in group 0");
                }
                let buckets: Vec<&[u8]> = reduced.iter().map(Vec::as_slice).collect();
                decide(
                    &pipeline,
                    &split,
                    pass,
                    &survivors,
                    shuffle.then_some(&buckets[..]),
                )
                .expect("decide");
            }
            let got = finish(&pipeline, &per_shard, &split, 0.0).expect("finish");
            assert_eq!(
                files(&local.output),
                files(&split.output),
                "shuffle {shuffle}"
            );
            assert_eq!(
                RunStats {
                    seconds: 0.0,
                    ..want.clone()
                },
                got
            );
        }
    }
}
