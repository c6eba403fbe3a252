//! `sift decisions`: each filter's verdict for each document, one JSON line
//! per (document, filter), in the format of the datatrove parity oracle
//! (`shared/tools/peer_decisions.py`), so that the two can be compared line
//! by line. Every filter sees its own fresh copy of the document.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use serde::Deserialize as _;
use serde_json::{json, Map, Value};
use sift::pipeline::StageKind;
use sift::{Document, Stage, Verdict};

#[derive(Args)]
pub struct DecisionsArgs {
    /// Filter to run (repeatable): a stage type (`gopher_quality`,
    /// `gopher_repetition`, `c4_quality`, `c4_badwords`, `fineweb_quality`,
    /// `url_blocklist`, `language`) or the oracle's name (`c4`, `fineweb`,
    /// `url`). Output records carry the name as given.
    #[arg(short, long = "filter", required = true)]
    filters: Vec<String>,
    /// Setting of a filter, `FILTER.KEY=VALUE` with a JSON value (a bare
    /// word is a string), e.g. `url.domain_files=["domains"]` or
    /// `language.lid_model=lid.176.bin`.
    #[arg(long = "set", value_name = "FILTER.KEY=VALUE")]
    settings: Vec<String>,
    /// Add the text `c4_quality` leaves (`text_after`) to its records.
    #[arg(long)]
    emit_text: bool,
    /// Input JSONL: `id`, `text`, optional `url`, `language`, `metadata`.
    input: PathBuf,
}

/// The stage type behind a filter name.
fn stage_type(name: &str) -> &str {
    match name {
        "c4" => "c4_quality",
        "fineweb" => "fineweb_quality",
        "url" => "url_blocklist",
        other => other,
    }
}

pub fn decisions(args: DecisionsArgs) -> anyhow::Result<ExitCode> {
    let mut stages: Vec<(String, Box<dyn Stage>)> = Vec::new();
    for name in &args.filters {
        let mut table = Map::new();
        table.insert("type".into(), stage_type(name).into());
        for s in &args.settings {
            let (key, value) = s
                .split_once('=')
                .with_context(|| format!("--set {s}: expected FILTER.KEY=VALUE"))?;
            let Some((filter, key)) = key.split_once('.') else {
                bail!("--set {s}: expected FILTER.KEY=VALUE");
            };
            if filter != name && stage_type(filter) != stage_type(name) {
                continue;
            }
            let value: Value =
                serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
            table.insert(key.to_string(), value);
        }
        let kind = StageKind::deserialize(Value::Object(table))
            .map_err(|e| anyhow::anyhow!("filter `{name}`: {e}"))?;
        let stage = kind.build(name)?;
        stages.push((name.clone(), stage));
    }

    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let reader = std::io::BufReader::new(file);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (lineno, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("{}: read error", args.input.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let mut obj: Map<String, Value> = serde_json::from_str(&line).with_context(|| {
            format!("{}:{}: not a JSON object", args.input.display(), lineno + 1)
        })?;
        let (Some(id), Some(Value::String(text))) = (obj.remove("id"), obj.remove("text")) else {
            bail!(
                "{}:{}: needs `id` and `text`",
                args.input.display(),
                lineno + 1
            );
        };
        let id_str = match &id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut doc = Document::new(id_str, text);
        doc.fields = obj;
        for (name, stage) in &stages {
            let mut copy = doc.clone();
            let rec = decide(name, stage.as_ref(), &mut copy, &id, args.emit_text);
            serde_json::to_writer(&mut out, &rec)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn has_url(doc: &Document) -> bool {
    let nonempty = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    nonempty(doc.fields.get("metadata").and_then(|m| m.get("url")))
        || nonempty(doc.fields.get("url"))
}

/// One output record.
fn decide(name: &str, stage: &dyn Stage, doc: &mut Document, id: &Value, emit_text: bool) -> Value {
    let ty = stage_type(name);
    if ty == "url_blocklist" && !has_url(doc) {
        return json!({"id": id, "filter": name, "keep": null, "reason": "skipped: document has no url"});
    }
    let verdict = stage.process(doc);
    let (keep, reason) = match &verdict {
        Verdict::Keep => (true, Value::Null),
        Verdict::Drop(r) => (false, Value::String(r.to_string())),
    };
    let mut rec = json!({"id": id, "filter": name, "keep": keep, "reason": reason});
    if let Value::Object(m) = &mut rec {
        if ty == "c4_quality" && emit_text {
            let after = if keep {
                Value::String(doc.text.clone())
            } else {
                Value::Null
            };
            m.insert("text_after".into(), after);
        }
        if ty == "language" {
            m.insert("language".into(), json!(doc.sift.lang));
            m.insert("language_score".into(), json!(doc.sift.lang_score));
        }
    }
    rec
}
