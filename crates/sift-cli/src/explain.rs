//! `sift explain`: one document, each removed line marked with its reason.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use clap::Args;
use sift::io::{discover, Record};
use sift::pipeline::runner::Fate;
use sift::pipeline::Pipeline;

#[derive(Args)]
pub struct ExplainArgs {
    /// Pipeline file (TOML). Default: the `default` preset.
    pipeline: Option<PathBuf>,
    /// Input file holding the document.
    #[arg(short, long)]
    input: PathBuf,
    /// Id of the document.
    #[arg(long)]
    id: String,
    /// Built-in preset to use instead of a pipeline file.
    #[arg(long)]
    preset: Option<String>,
}

pub fn explain(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let config = crate::pipeline_arg::load(args.pipeline.as_deref(), args.preset.as_deref())?;
    let pipeline = Pipeline::build(config)?;
    let found = discover(std::slice::from_ref(&args.input))?;
    let counter = Arc::new(AtomicU64::new(0));
    for shard in &found.shards {
        for rec in shard.open(pipeline.fields(), counter.clone())? {
            let Record::Doc(mut doc) = rec? else { continue };
            if doc.id != args.id {
                continue;
            }
            let mut stats = pipeline.new_stats();
            let fate = pipeline.process(&mut doc, &mut stats.stages);
            print!(
                "{}",
                render(&doc, &fate, &pipeline, std::io::stdout().is_terminal())
            );
            return Ok(ExitCode::SUCCESS);
        }
    }
    anyhow::bail!(
        "no document with id `{}` in {}",
        args.id,
        args.input.display()
    )
}

/// Text of the report; `color` adds ANSI colours.
pub fn render(doc: &sift::Document, fate: &Fate, pipeline: &Pipeline, color: bool) -> String {
    use std::fmt::Write;
    let (red, green, dim, reset) = if color {
        ("\x1b[31m", "\x1b[32m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let mut out = String::new();
    let _ = writeln!(out, "document {}", doc.id);
    let removed: std::collections::HashMap<usize, &sift::core::RemovedLine> =
        doc.sift.removed_lines.iter().map(|r| (r.line, r)).collect();
    for (i, line) in doc.original_text().split('\n').enumerate() {
        match removed.get(&i) {
            Some(r) => {
                let _ = writeln!(
                    out,
                    "{red}- {line}{reset}  {dim}[{}: {}]{reset}",
                    r.stage, r.reason
                );
            }
            None => {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    if !doc.sift.flags.is_empty() {
        let _ = writeln!(
            out,
            "flags: {}",
            serde_json::to_string(&doc.sift.flags).unwrap_or_default()
        );
    }
    match fate {
        Fate::Kept => {
            let _ = writeln!(
                out,
                "{green}verdict: KEPT{reset} ({} line(s) removed)",
                doc.sift.removed_lines.len()
            );
        }
        Fate::Removed { stage, reason } => {
            let name = pipeline
                .config()
                .stages
                .get(*stage)
                .map_or("?", |s| s.name.as_str());
            let _ = writeln!(out, "{red}verdict: REMOVED by {name}: {reason}{reset}");
        }
    }
    out
}
