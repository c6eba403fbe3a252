//! `sift`: clean, deduplicate and language-tag web text, explaining every
//! removal. Thin: parse arguments, load the pipeline, run, report.

mod decisions;
mod dedup;
mod eval;
mod explain;
mod pipeline_arg;
mod progress;
mod report;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "sift",
    version,
    about = "Turn raw web text into clean, deduplicated corpora — with a reason for every removal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline (default: the `default` preset on the bundled sample).
    Run(run::RunArgs),
    /// List built-in presets, or print one as TOML to start from.
    Presets {
        #[command(subcommand)]
        action: Option<PresetAction>,
    },
    /// Show one document with each removed line marked and the verdict.
    Explain(explain::ExplainArgs),
    /// Inspect the duplicates a run removed.
    Dedup {
        #[command(subcommand)]
        action: dedup::DedupCommand,
    },
    /// Score a pipeline against labelled data.
    Eval {
        #[command(subcommand)]
        what: eval::EvalCommand,
    },
    /// Write DIR/report.html: charts and examples of what a run did.
    Report(report::ReportArgs),
    /// Print each filter's keep/drop decision per document (datatrove parity format).
    Decisions(decisions::DecisionsArgs),
}

#[derive(Subcommand)]
enum PresetAction {
    /// Print a preset as TOML.
    Show {
        /// Preset name.
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Presets { action } => presets(action),
        Command::Explain(args) => explain::explain(args),
        Command::Dedup { action } => dedup::dedup(action),
        Command::Eval { what } => eval::eval(what),
        Command::Report(args) => report::report(args),
        Command::Decisions(args) => decisions::decisions(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sift: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn presets(action: Option<PresetAction>) -> anyhow::Result<ExitCode> {
    use sift::pipeline::presets;
    match action {
        None => {
            for name in presets::names() {
                let cfg = presets::load(name)?;
                let stages = cfg.stage_names().join(" -> ");
                println!(
                    "{name:<10} {}\n{:<10} stages: {stages}",
                    cfg.description, ""
                );
            }
        }
        Some(PresetAction::Show { name }) => {
            let cfg = presets::load(&name)?;
            print!("{}", cfg.to_toml());
        }
    }
    Ok(ExitCode::SUCCESS)
}
