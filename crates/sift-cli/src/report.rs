//! `sift report`: write `DIR/report.html` for a finished run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use sift_report::ReportOptions;

#[derive(Args)]
pub struct ReportArgs {
    /// Output directory of a run (holds stats.json, kept/, removed/, rejected/).
    dir: PathBuf,
    /// Field holding the text (default: the run's, recorded in DIR/.sift/run.json).
    #[arg(long)]
    text_key: Option<String>,
    /// Field holding the id (default: the run's).
    #[arg(long)]
    id_key: Option<String>,
    /// Example documents or lines shown per reason.
    #[arg(long, default_value_t = 3)]
    examples: usize,
}

pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let opts = ReportOptions {
        text_key: args.text_key,
        id_key: args.id_key,
        examples_per_reason: args.examples,
        ..ReportOptions::default()
    };
    let path = write(&args.dir, &opts)?;
    println!("report: {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Write the report of the run in `dir`.
pub fn write(dir: &Path, opts: &ReportOptions) -> anyhow::Result<PathBuf> {
    sift_report::write_report(dir, opts)
        .with_context(|| format!("writing the report of {}", dir.display()))
}
