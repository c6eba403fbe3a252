//! `sift eval lines`: score a pipeline's line removals on a labelled set.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use sift::pipeline::eval::eval_lines;

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Per-line precision, recall, F1 and good_lines_removed_rate on a
    /// labelled JSONL file (records with `text` and `lines: [{text, junk, kind}]`).
    Lines(LinesArgs),
}

#[derive(Args)]
pub struct LinesArgs {
    /// Labelled JSONL file (e.g. spam-lines/dev.jsonl).
    file: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Pipeline file (TOML). Default: the line cleaners of the `default`
    /// preset (its document filters and dedup drop whole documents, which
    /// `sift decisions` and the parity scripts score instead).
    #[arg(value_name = "PIPELINE")]
    pipeline: Option<PathBuf>,
    /// Same as the PIPELINE argument.
    #[arg(
        long = "pipeline",
        value_name = "PIPELINE",
        conflicts_with = "pipeline"
    )]
    pipeline_flag: Option<PathBuf>,
    /// Built-in preset to evaluate whole (document drops count as removing
    /// every line of the document) instead of a pipeline file.
    #[arg(long)]
    preset: Option<String>,
    /// With the table, also list up to N wrongly removed and missed lines.
    #[arg(long, default_value_t = 0)]
    examples: usize,
}

pub fn eval(cmd: EvalCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        EvalCommand::Lines(args) => lines(args),
    }
}

fn lines(args: LinesArgs) -> anyhow::Result<ExitCode> {
    let file = args.pipeline.as_deref().or(args.pipeline_flag.as_deref());
    let config = match (file, args.preset.as_deref()) {
        (None, None) => crate::pipeline_arg::load(None, None)?.line_cleaners(),
        (file, preset) => crate::pipeline_arg::load(file, preset)?,
    };
    let report = eval_lines(&config, &args.file)
        .with_context(|| format!("evaluating {}", args.file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_table());
        if args.examples > 0 {
            println!("\nwrongly removed real lines");
            for e in report.false_positive_examples.iter().take(args.examples) {
                let reason = e.reason.as_deref().unwrap_or("");
                println!("  {}:{} [{}] {reason}: {}", e.id, e.line, e.kind, e.text);
            }
            println!("\nmissed junk lines");
            for e in report.missed_examples.iter().take(args.examples) {
                println!("  {}:{} [{}] {}", e.id, e.line, e.kind, e.text);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
