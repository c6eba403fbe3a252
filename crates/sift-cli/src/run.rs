//! `sift run`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, ValueEnum};
use sift::io::compression::Codec;
use sift::io::{discover, FieldNames, OutputFormat, Shard};
use sift::pipeline::{Pipeline, Progress, RunOptions};

use crate::progress::Display;

/// The sample corpus compiled into the binary: the two seed documents and 50
/// real pages (see `crates/sift-cli/sample/`).
pub const SAMPLE: &[u8] = include_bytes!("../sample/sample.jsonl");

#[derive(Args)]
pub struct RunArgs {
    /// Pipeline file (TOML). Default: the `default` preset.
    pipeline: Option<PathBuf>,
    /// Input files or directories (.jsonl, .jsonl.gz, .jsonl.zst, dirs of .txt,
    /// .warc/.warc.gz/.wet.gz/.arc.gz web archives, .parquet).
    /// Default: the bundled sample corpus.
    #[arg(short, long, num_args = 1..)]
    input: Vec<PathBuf>,
    /// Output directory.
    #[arg(short, long, default_value = "sift-out")]
    output: PathBuf,
    /// Built-in preset to run instead of a pipeline file.
    #[arg(long)]
    preset: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, default_value_t = 0)]
    threads: usize,
    /// Input field holding the text (overrides the pipeline's `input.text_key`).
    #[arg(long)]
    text_key: Option<String>,
    /// Input field holding the id (overrides the pipeline's `input.id_key`).
    #[arg(long)]
    id_key: Option<String>,
    /// Replace a previous run's output in the output directory.
    #[arg(long)]
    overwrite: bool,
    /// Output compression (zstd: `.jsonl.zst`; gzip: `.jsonl.gz`, for tools that only read gzip).
    #[arg(long, value_enum, default_value_t = Compression::Zstd)]
    compression: Compression,
    /// Compression level (gzip 0-9, zstd 1-19); default: zstd 3, gzip 1.
    #[arg(long)]
    level: Option<i32>,
    /// Output file format (parquet needs the `parquet` feature).
    #[arg(long, value_enum, default_value_t = FileFormat::Jsonl)]
    output_format: FileFormat,
    /// Main-text extractor for HTML pages in WARC/ARC input: density
    /// (sift's own, fastest and most accurate here), readability
    /// (dom_smoothie), or trafilatura when built with that feature.
    #[arg(long, default_value = "density")]
    extractor: String,
    /// fastText model file for every `language` stage instead of the
    /// embedded lid.176.ftz (e.g. GlotLID's model.bin, or lid.176.bin).
    #[arg(long, value_name = "PATH")]
    lid_model: Option<std::path::PathBuf>,
    /// Documents per batch.
    #[arg(long, default_value_t = 2048)]
    batch_docs: usize,
    /// Memory for dedup's sorts before they spill to disk (e.g. 512M, 4G).
    #[arg(long, default_value = "1G", value_parser = crate::dedup::parse_size)]
    memory_limit: usize,
    /// No progress display and no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Also write OUTPUT/report.html (see `sift report`).
    #[arg(long)]
    report: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FileFormat {
    Jsonl,
    Parquet,
}

#[derive(Clone, Copy, ValueEnum)]
enum Compression {
    Gzip,
    Zstd,
    None,
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let mut config = crate::pipeline_arg::load(args.pipeline.as_deref(), args.preset.as_deref())?;
    if let Some(model) = &args.lid_model {
        if config.set_lid_model(model) == 0 {
            anyhow::bail!("--lid-model: the pipeline has no `language` stage");
        }
    }
    let mut pipeline = Pipeline::build(config)?;
    let fields = FieldNames {
        text: args
            .text_key
            .clone()
            .unwrap_or_else(|| pipeline.fields().text.clone()),
        id: args
            .id_key
            .clone()
            .unwrap_or_else(|| pipeline.fields().id.clone()),
    };
    pipeline.set_fields(fields);
    pipeline.set_memory_limit(args.memory_limit);

    let shards: Vec<Shard> = if args.input.is_empty() {
        if !args.quiet {
            eprintln!("sift: no --input given: running on the bundled sample corpus");
        }
        vec![Shard::embedded("sample", SAMPLE)]
    } else {
        let found = discover(&args.input)?;
        for p in &found.skipped {
            eprintln!(
                "sift: warning: not an input format sift reads, skipped: {}",
                p.display()
            );
        }
        anyhow::ensure!(
            !found.shards.is_empty(),
            "no readable input found in the given paths"
        );
        let mut shards = found.shards;
        for s in &mut shards {
            if let sift::io::ShardKind::Warc { extractor, .. } = &mut s.kind {
                extractor.clone_from(&args.extractor);
            }
        }
        shards
    };

    let (codec, default_level) = match args.compression {
        Compression::Gzip => (Codec::Gzip, 1),
        Compression::Zstd => (Codec::Zstd, 3),
        Compression::None => (Codec::None, 0),
    };
    let opts = RunOptions {
        output: args.output.clone(),
        threads: args.threads,
        overwrite: args.overwrite,
        batch_docs: args.batch_docs,
        format: OutputFormat {
            codec,
            level: args.level.unwrap_or(default_level),
            kind: match args.output_format {
                FileFormat::Jsonl => sift::io::OutputKind::Jsonl,
                FileFormat::Parquet => sift::io::OutputKind::Parquet,
            },
        },
    };
    let progress = Arc::new(Progress::default());
    let display = Display::start(progress.clone(), args.quiet);
    let result = pipeline.run(&shards, &opts, &progress);
    display.finish();
    let stats = result.with_context(|| format!("run into {} failed", opts.output.display()))?;

    if !args.quiet {
        let skipped = progress
            .shards_skipped
            .load(std::sync::atomic::Ordering::Relaxed);
        if skipped > 0 {
            eprintln!("sift: resumed: {skipped} shard(s) were already finished and kept");
        }
        print!("{}", crate::run::summary(&stats));
        println!("output: {}", opts.output.display());
    }
    if args.report {
        let report = sift_report::ReportOptions {
            text_key: Some(pipeline.fields().text.clone()),
            id_key: Some(pipeline.fields().id.clone()),
            ..sift_report::ReportOptions::default()
        };
        let path = crate::report::write(&opts.output, &report)?;
        if !args.quiet {
            println!("report: {}", path.display());
        }
    }
    let broken = stats.rejected.get("stream_error").copied().unwrap_or(0);
    if broken > 0 {
        eprintln!(
            "sift: error: {broken} input stream(s) ended in corrupt or truncated data; \
             what could be read was processed, the rest is recorded in {}/rejected/",
            opts.output.display()
        );
        return Ok(ExitCode::from(2));
    }
    if stats.docs_rejected > 0 {
        eprintln!(
            "sift: warning: {} record(s) could not be read; see {}/rejected/",
            stats.docs_rejected,
            opts.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Human summary of a run.
pub fn summary(s: &sift::core::RunStats) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let pct = |n: u64| {
        if s.docs_in == 0 {
            0.0
        } else {
            100.0 * n as f64 / s.docs_in as f64
        }
    };
    let _ = writeln!(
        out,
        "documents: {} in, {} kept ({:.1}%), {} removed ({:.1}%), {} rejected",
        s.docs_in,
        s.docs_kept,
        pct(s.docs_kept),
        s.docs_removed,
        pct(s.docs_removed),
        s.docs_rejected
    );
    let mb = |b: u64| b as f64 / 1e6;
    let _ = writeln!(
        out,
        "text: {:.1} MB in, {:.1} MB out; {:.2} s, {:.1} MB/s",
        mb(s.text_bytes_in),
        mb(s.bytes_out),
        s.seconds,
        mb(s.bytes_in) / s.seconds.max(1e-9)
    );
    for st in &s.stages {
        let _ = writeln!(
            out,
            "  {:<22} {:>8} in {:>8} docs removed {:>8} lines removed",
            st.name, st.docs_in, st.docs_removed, st.lines_removed
        );
        let mut reasons: Vec<_> = st.reasons.iter().collect();
        reasons.sort_by_key(|(_, c)| std::cmp::Reverse(c.docs + c.lines));
        for (reason, c) in reasons {
            let _ = writeln!(
                out,
                "    {:<28} {:>8} docs {:>8} lines",
                reason, c.docs, c.lines
            );
        }
    }
    for (kind, n) in &s.rejected {
        let _ = writeln!(out, "  rejected: {kind:<20} {n:>8}");
    }
    out
}
