//! Issue #3's speed target in criterion: what `junk_lines` adds to the
//! spine. Both benches run the per-document path of `sift run`, as bytes in
//! and bytes out: gzip-compressed JSONL is decoded and parsed into
//! documents, (cleaned,) serialised and zstd-compressed at the CLI's default
//! level. Stage construction stays out of the timed loop, as it is paid once
//! per process.
//!
//! Two inputs: `bench/`, a sample of the benchmark corpus (the target's
//! input: `make_bench_corpus.py`'s recombined pages, 14 % with injected
//! junk), and `pages/`, the committed real pages as scraped (navigation,
//! share bars and footers on every page: the cleaner's worst case).
//!
//! `cargo bench -p sift-pipeline --bench pipeline -- junk_overhead`; the
//! overhead is `time(spine+junk_lines) / time(spine) - 1` per input.

use std::hint::black_box;
use std::io::Write;
use std::sync::Arc;

use criterion::{Criterion, Throughput};
use sift_io::compression::{decoder, Codec, Encoder};
use sift_io::jsonl::{write_doc, DocOutput, JsonlReader};
use sift_io::{FieldNames, Record};
use sift_pipeline::runner::Fate;
use sift_pipeline::{Pipeline, PipelineConfig};

use crate::{corpus_of, BENCH_CORPUS, PAGES};

/// The CLI's default output compression (zstd level 3).
const ZSTD_LEVEL: i32 = 3;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new(), Codec::Gzip, 1).expect("gzip encoder");
    e.write_all(bytes).expect("in-memory write");
    e.finish().expect("in-memory gzip")
}

/// Read `input` (.jsonl.gz bytes), run `pipeline`, write kept and removed
/// documents zstd-compressed; returns the compressed size.
fn run(pipeline: &Pipeline, input: &[u8]) -> usize {
    let fields = FieldNames::default();
    let reader = decoder(input, Codec::Gzip).expect("gzip decoder");
    let mut stats = pipeline.new_stats();
    let mut kept = Encoder::new(Vec::new(), Codec::Zstd, ZSTD_LEVEL).expect("zstd encoder");
    let mut removed = Encoder::new(Vec::new(), Codec::Zstd, ZSTD_LEVEL).expect("zstd encoder");
    let mut line = Vec::new();
    for rec in JsonlReader::new(reader, Arc::from("pages.jsonl.gz"), fields.clone()) {
        let Ok(Record::Doc(mut doc)) = rec else {
            continue;
        };
        line.clear();
        let fate = pipeline.process(&mut doc, &mut stats.stages);
        let (mode, sink) = match fate {
            Fate::Kept => (DocOutput::Kept, &mut kept),
            _ => (DocOutput::Removed, &mut removed),
        };
        write_doc(&doc, &fields, mode, &mut line);
        sink.write_all(&line).expect("in-memory write");
    }
    let kept = kept.finish().expect("in-memory zstd");
    let removed = removed.finish().expect("in-memory zstd");
    kept.len() + removed.len()
}

/// The spine alone and the spine with `junk_lines`, on the same input, for
/// each input.
pub fn junk_overhead(c: &mut Criterion) {
    let mut g = c.benchmark_group("junk_overhead");
    for (corpus, jsonl) in [("bench", BENCH_CORPUS), ("pages", PAGES)] {
        let input = gzip(jsonl);
        let (_, text_bytes) = corpus_of(jsonl);
        g.throughput(Throughput::Bytes(text_bytes));
        for (name, toml) in [
            ("spine", "description = \"spine\"\nstages = []\n"),
            ("spine+junk_lines", "[[stages]]\ntype = \"junk_lines\"\n"),
        ] {
            let cfg = PipelineConfig::from_toml(toml, name).expect("bench pipeline is valid");
            let pipeline = Pipeline::build(cfg).expect("bench pipeline builds");
            g.bench_function(format!("{corpus}/{name}"), |b| {
                b.iter(|| run(&pipeline, black_box(&input)))
            });
        }
    }
    g.finish();
}
