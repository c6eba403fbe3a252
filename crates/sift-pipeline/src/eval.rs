//! Line-level evaluation of a pipeline on a labelled set (`sift eval lines`).
//!
//! Input: JSONL records `{"id", "sep", "text", "lines": [{"text", "junk",
//! "kind"}]}` where `text == sep.join(line.text for line in lines)` (the
//! format of `spam-lines/dev.jsonl`). Every document goes through the
//! pipeline's stages in order, exactly as `sift run` would process it. A
//! labelled line counts as removed when its line index (in `text.split('\n')`)
//! is in `sift.removed_lines`, or when the document was dropped; drops are
//! also reported on their own so that line cleaning and document filtering
//! can be told apart.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sift_core::Document;

use crate::runner::Fate;
use crate::{Error, Pipeline, PipelineConfig};

/// How many false positives and misses are listed in the report.
const EXAMPLES: usize = 200;

#[derive(Debug, Deserialize)]
struct Record {
    id: serde_json::Value,
    text: String,
    lines: Vec<LabelledLine>,
}

#[derive(Debug, Deserialize)]
struct LabelledLine {
    text: String,
    junk: bool,
    kind: String,
}

/// Count and rate for one group of lines.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Rate {
    /// Lines in the group.
    pub total: u64,
    /// Lines of the group the pipeline removed.
    pub removed: u64,
    /// `removed / total` (0 when empty).
    pub rate: f64,
}

impl Rate {
    fn add(&mut self, removed: bool) {
        self.total += 1;
        self.removed += u64::from(removed);
    }

    fn finish(&mut self) {
        self.rate = ratio(self.removed, self.total);
    }
}

/// One wrongly removed real line or one missed junk line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LineExample {
    /// Document id.
    pub id: String,
    /// Line index in `text.split('\n')`.
    pub line: usize,
    /// Label kind (`heading`, `pharma`, ...).
    pub kind: String,
    /// The line.
    pub text: String,
    /// Why the pipeline removed it (false positives only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Precision, recall, F1 and good-lines-removed rate of one counting.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LineMetrics {
    /// Removed lines that are junk.
    pub precision: f64,
    /// Junk lines that are removed.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Real lines removed / real lines.
    pub good_lines_removed_rate: f64,
}

impl LineMetrics {
    fn from_counts(tp: u64, fp: u64, fn_: u64, real: u64) -> Self {
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            precision,
            recall,
            f1,
            good_lines_removed_rate: ratio(fp, real),
        }
    }
}

/// Result of a line-level evaluation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LineEvalReport {
    /// Labelled file.
    pub file: String,
    /// Stage names of the evaluated pipeline, in order.
    pub stages: Vec<String>,
    /// Documents evaluated.
    pub docs: u64,
    /// Labelled lines.
    pub lines: u64,
    /// Junk lines.
    pub junk_lines: u64,
    /// Real lines.
    pub real_lines: u64,
    /// Junk lines removed.
    pub true_positives: u64,
    /// Real lines removed.
    pub false_positives: u64,
    /// Junk lines kept.
    pub false_negatives: u64,
    /// Removed lines that are junk.
    pub precision: f64,
    /// Junk lines that are removed.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Real lines removed / real lines.
    pub good_lines_removed_rate: f64,
    /// Recall per junk kind.
    pub per_kind_recall: BTreeMap<String, Rate>,
    /// Removal rate per real-line kind (`heading`, `short`, `content`).
    pub real_kind_removed: BTreeMap<String, Rate>,
    /// Removal rate of real `heading` and `short` lines together.
    pub heading_short_removed_rate: f64,
    /// Documents without any junk line.
    pub junk_free_docs: u64,
    /// Junk-free documents that lost at least one line (or were dropped).
    pub junk_free_docs_touched: u64,
    /// `junk_free_docs_touched / junk_free_docs`.
    pub junk_free_doc_fp_rate: f64,
    /// Documents dropped by a stage (all their lines count as removed).
    pub docs_dropped: u64,
    /// Dropped documents per `stage: reason`.
    pub dropped_by: BTreeMap<String, u64>,
    /// The same metrics counting only removed lines (document drops
    /// ignored): what the pipeline's line cleaners alone do.
    pub lines_only: LineMetrics,
    /// Removed lines per reason: (junk, real).
    pub removed_by_reason: BTreeMap<String, [u64; 2]>,
    /// Wall-clock seconds spent in the pipeline (all threads).
    pub pipeline_seconds: f64,
    /// Bytes of text evaluated.
    pub text_bytes: u64,
    /// Real lines removed (first ones).
    pub false_positive_examples: Vec<LineExample>,
    /// Junk lines kept (first ones).
    pub missed_examples: Vec<LineExample>,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Index in `text.split('\n')` of each labelled line, or `None` when the
/// labels do not describe the text.
fn map_lines(text: &str, lines: &[LabelledLine]) -> Option<Vec<usize>> {
    let physical: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut cursor = 0;
    for l in lines {
        while cursor < physical.len() && physical[cursor] != l.text {
            // Only separator (blank) lines may sit between labelled lines.
            if !physical[cursor].trim().is_empty() {
                return None;
            }
            cursor += 1;
        }
        if cursor == physical.len() {
            return None;
        }
        out.push(cursor);
        cursor += 1;
    }
    if physical[cursor.min(physical.len())..]
        .iter()
        .any(|l| !l.trim().is_empty())
    {
        return None;
    }
    Some(out)
}

/// What happened to one record.
struct DocResult {
    id: String,
    record: Record,
    map: Vec<usize>,
    /// Removed line index -> reason.
    removed: BTreeMap<usize, String>,
    dropped: Option<String>,
    seconds: f64,
}

fn id_string(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Evaluate `config` on the labelled JSONL file at `path`.
pub fn eval_lines(config: &PipelineConfig, path: &Path) -> Result<LineEvalReport, Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::Output(format!("cannot open {}: {e}", path.display())))?;
    let mut records = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::Output(format!("{}: {e}", path.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        let rec: Record = serde_json::from_str(&line).map_err(|e| Error::Parse {
            origin: format!("{}:{}", path.display(), i + 1),
            message: e.to_string(),
        })?;
        records.push((i + 1, rec));
    }
    let pipeline = Pipeline::build(config.clone())?;
    let results = records
        .into_par_iter()
        .map(|(lineno, record)| {
            let id = id_string(&record.id);
            let map = map_lines(&record.text, &record.lines).ok_or_else(|| Error::Parse {
                origin: format!("{}:{lineno}", path.display()),
                message: format!(
                    "record `{id}`: `text` is not the labelled lines joined by a blank-line or \
                     newline separator"
                ),
            })?;
            let mut doc = Document::new(id.clone(), record.text.clone());
            let mut stats = pipeline.new_stats();
            let t = Instant::now();
            let fate = pipeline.process(&mut doc, &mut stats.stages);
            let seconds = t.elapsed().as_secs_f64();
            let dropped = match fate {
                Fate::Kept => None,
                Fate::Removed { stage, reason } => Some(format!(
                    "{}: {reason}",
                    pipeline.config().stages.get(stage).map_or("?", |s| &s.name)
                )),
            };
            let removed = doc
                .sift
                .removed_lines
                .iter()
                .map(|r| (r.line, r.reason.to_string()))
                .collect();
            Ok(DocResult {
                id,
                record,
                map,
                removed,
                dropped,
                seconds,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;

    let mut rep = LineEvalReport {
        file: path.display().to_string(),
        stages: config.stage_names().iter().map(|s| s.to_string()).collect(),
        ..LineEvalReport::default()
    };
    let mut real_hs = Rate::default();
    let mut only = [0u64; 3];
    for r in &results {
        rep.docs += 1;
        rep.text_bytes += r.record.text.len() as u64;
        rep.pipeline_seconds += r.seconds;
        if let Some(d) = &r.dropped {
            rep.docs_dropped += 1;
            *rep.dropped_by.entry(d.clone()).or_default() += 1;
        }
        let junk_free = r.record.lines.iter().all(|l| !l.junk);
        let mut touched = false;
        for (l, &idx) in r.record.lines.iter().zip(&r.map) {
            let reason = r.removed.get(&idx);
            let removed = r.dropped.is_some() || reason.is_some();
            touched |= removed;
            rep.lines += 1;
            match (l.junk, reason.is_some()) {
                (true, true) => only[0] += 1,
                (false, true) => only[1] += 1,
                (true, false) => only[2] += 1,
                (false, false) => {}
            }
            if let Some(reason) = reason {
                rep.removed_by_reason.entry(reason.clone()).or_default()[usize::from(!l.junk)] += 1;
            }
            let example = |reason: Option<&String>| LineExample {
                id: r.id.clone(),
                line: idx,
                kind: l.kind.clone(),
                text: l.text.clone(),
                reason: reason.cloned().or_else(|| {
                    r.dropped
                        .as_ref()
                        .map(|d| format!("document dropped ({d})"))
                }),
            };
            if l.junk {
                rep.junk_lines += 1;
                rep.per_kind_recall
                    .entry(l.kind.clone())
                    .or_default()
                    .add(removed);
                if removed {
                    rep.true_positives += 1;
                } else {
                    rep.false_negatives += 1;
                    if rep.missed_examples.len() < EXAMPLES {
                        rep.missed_examples.push(LineExample {
                            reason: None,
                            ..example(None)
                        });
                    }
                }
            } else {
                rep.real_lines += 1;
                rep.real_kind_removed
                    .entry(l.kind.clone())
                    .or_default()
                    .add(removed);
                if l.kind == "heading" || l.kind == "short" {
                    real_hs.add(removed);
                }
                if removed {
                    rep.false_positives += 1;
                    if rep.false_positive_examples.len() < EXAMPLES {
                        rep.false_positive_examples.push(example(reason));
                    }
                }
            }
        }
        if junk_free {
            rep.junk_free_docs += 1;
            rep.junk_free_docs_touched += u64::from(touched);
        }
    }
    for r in rep.per_kind_recall.values_mut() {
        r.finish();
    }
    for r in rep.real_kind_removed.values_mut() {
        r.finish();
    }
    real_hs.finish();
    rep.heading_short_removed_rate = real_hs.rate;
    let all = LineMetrics::from_counts(
        rep.true_positives,
        rep.false_positives,
        rep.false_negatives,
        rep.real_lines,
    );
    rep.precision = all.precision;
    rep.recall = all.recall;
    rep.f1 = all.f1;
    rep.good_lines_removed_rate = all.good_lines_removed_rate;
    rep.lines_only = LineMetrics::from_counts(only[0], only[1], only[2], rep.real_lines);
    rep.junk_free_doc_fp_rate = ratio(rep.junk_free_docs_touched, rep.junk_free_docs);
    Ok(rep)
}

impl LineEvalReport {
    /// A human-readable table.
    pub fn to_table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "file        {}", self.file);
        let _ = writeln!(s, "pipeline    {}", self.stages.join(" -> "));
        let _ = writeln!(
            s,
            "documents   {} ({} without junk, {} dropped)",
            self.docs, self.junk_free_docs, self.docs_dropped
        );
        let _ = writeln!(
            s,
            "lines       {} ({} junk, {} real)\n",
            self.lines, self.junk_lines, self.real_lines
        );
        let _ = writeln!(s, "{:<28} {:>8}", "metric", "value");
        for (k, v) in [
            ("precision", self.precision),
            ("recall", self.recall),
            ("f1", self.f1),
            ("good_lines_removed_rate", self.good_lines_removed_rate),
            (
                "heading_short_removed_rate",
                self.heading_short_removed_rate,
            ),
            ("junk_free_doc_fp_rate", self.junk_free_doc_fp_rate),
        ] {
            let _ = writeln!(s, "{k:<28} {v:>8.4}");
        }
        if self.docs_dropped > 0 {
            let _ = writeln!(
                s,
                "\nwithout document drops (line cleaners only): precision {:.4}, recall {:.4}, \
                 f1 {:.4}, good_lines_removed_rate {:.4}",
                self.lines_only.precision,
                self.lines_only.recall,
                self.lines_only.f1,
                self.lines_only.good_lines_removed_rate
            );
        }
        let _ = writeln!(
            s,
            "\n{:<28} {:>8} {:>8} {:>8}",
            "junk kind", "lines", "removed", "recall"
        );
        for (k, r) in &self.per_kind_recall {
            let _ = writeln!(s, "{k:<28} {:>8} {:>8} {:>8.4}", r.total, r.removed, r.rate);
        }
        let _ = writeln!(
            s,
            "\n{:<28} {:>8} {:>8} {:>8}",
            "real kind", "lines", "removed", "rate"
        );
        for (k, r) in &self.real_kind_removed {
            let _ = writeln!(s, "{k:<28} {:>8} {:>8} {:>8.4}", r.total, r.removed, r.rate);
        }
        if !self.dropped_by.is_empty() {
            let _ = writeln!(s, "\ndocuments dropped");
            for (k, n) in &self.dropped_by {
                let _ = writeln!(s, "  {n:>6}  {k}");
            }
        }
        let _ = writeln!(s, "\n{:<28} {:>8} {:>8}", "removal reason", "junk", "real");
        for (k, [j, r]) in &self.removed_by_reason {
            let _ = writeln!(s, "{k:<28} {j:>8} {r:>8}");
        }
        let mb = self.text_bytes as f64 / 1e6;
        let _ = writeln!(
            s,
            "\npipeline time {:.3} s for {:.2} MB ({:.1} MB/s, one thread)",
            self.pipeline_seconds,
            mb,
            if self.pipeline_seconds > 0.0 {
                mb / self.pipeline_seconds
            } else {
                0.0
            }
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(text: &str) -> LabelledLine {
        LabelledLine {
            text: text.into(),
            junk: false,
            kind: "content".into(),
        }
    }

    #[test]
    fn maps_both_separator_styles() {
        let lines = vec![ll("a"), ll("b"), ll("c")];
        assert_eq!(map_lines("a\nb\nc", &lines), Some(vec![0, 1, 2]));
        assert_eq!(map_lines("a\n\nb\n\nc", &lines), Some(vec![0, 2, 4]));
        assert_eq!(map_lines("a\n\nb\nX\nc", &lines), None);
        assert_eq!(map_lines("a\nb\nc\nextra", &lines), None);
    }

    #[test]
    fn scores_a_tiny_set() {
        let dir = tempfile::tempdir().expect("tmp dir");
        let path = dir.path().join("set.jsonl");
        let recs = [
            r#"{"id":"a","sep":"\n\n","text":"Real text here.\n\n[ad_1]\n\nMore real text.","lines":[{"text":"Real text here.","junk":false,"kind":"content"},{"text":"[ad_1]","junk":true,"kind":"ad"},{"text":"More real text.","junk":false,"kind":"content"}]}"#,
            r#"{"id":"b","sep":"\n","text":"Heading\nsource link\nmissed junk","lines":[{"text":"Heading","junk":false,"kind":"heading"},{"text":"source link","junk":true,"kind":"tail"},{"text":"missed junk","junk":true,"kind":"tail"}]}"#,
        ];
        std::fs::write(&path, recs.join("\n")).expect("write");
        let cfg = PipelineConfig::from_toml(
            "[[stages]]\ntype = \"line_regex\"\npatterns = ['^\\[ad_\\d\\]$', '(?i)^source link$']\n",
            "t",
        )
        .expect("valid");
        let rep = eval_lines(&cfg, &path).expect("eval");
        assert_eq!(
            (rep.true_positives, rep.false_positives, rep.false_negatives),
            (2, 0, 1)
        );
        assert_eq!(rep.precision, 1.0);
        assert!((rep.recall - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(rep.per_kind_recall["tail"].removed, 1);
        assert_eq!(rep.junk_free_docs, 0);
        assert_eq!(rep.missed_examples[0].text, "missed junk");
    }
}
