//! The unit of work: one document, its text, the input fields sift does not
//! touch, and everything sift learned about it (`sift` object on output).

use std::any::Any;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A document as it flows through the pipeline.
///
/// Serde round-trips the whole state, private fields included (the runner
/// stores documents between the passes of a run with a global stage).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Document {
    /// Identifier (from the input's id field, or `<shard>:<line>` when absent).
    pub id: String,
    /// Current text; cleaners rewrite it.
    pub text: String,
    /// Every other input field, preserved untouched and in input order.
    pub fields: Map<String, Value>,
    /// Where the document came from.
    pub origin: Origin,
    /// What sift learned about the document; serialised as the `sift` field.
    pub sift: SiftMeta,
    /// The text as read, kept once a cleaner first edits the text so that a
    /// later drop can write the document unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    original: Option<String>,
    /// For each current line, its index in the original text (`None` until a
    /// cleaner removes a line: identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line_map: Option<Vec<u32>>,
    /// Data derived from the text that later stages can reuse (see
    /// [`Document::memo`]); never serialised.
    #[serde(skip)]
    memo: TextMemo,
}

/// One value derived from a document's text (e.g. its word tokens), shared
/// between stages. It is valid only for the exact text it was computed from:
/// a copy of that text is kept and compared on every read, so a stage that
/// edits `text` in any way (even through the public field) invalidates it.
#[derive(Clone, Default)]
struct TextMemo {
    text: String,
    value: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for TextMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextMemo")
            .field("set", &self.value.is_some())
            .finish()
    }
}

/// Input position of a document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Input file (or shard) name.
    pub source: Arc<str>,
    /// 1-based record number (line for JSONL, file index for text dirs).
    pub line: u64,
    /// Byte offset of the record in the decompressed stream.
    pub byte_offset: u64,
    /// Size of the record in the decompressed stream.
    pub bytes: u64,
}

/// Everything sift records on a document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SiftMeta {
    /// Lines removed by cleaners, with the original line index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_lines: Vec<RemovedLine>,
    /// Findings that did not remove anything (e.g. spin detection), by stage.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub flags: Map<String, Value>,
    /// Detected language (ISO 639-1 or the model's label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Confidence of `lang`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang_score: Option<f64>,
    /// Numeric scores computed by stages (name -> value).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scores: BTreeMap<String, f64>,
    /// Duplicate cluster information, set by dedup stages; flattened, so a
    /// record reads `sift.duplicate_of`, `sift.duplicate_cluster`,
    /// `sift.duplicate_similarity`.
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<Duplicate>,
    /// Why the document was removed (removed documents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Which stage removed the document (removed documents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// One removed line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RemovedLine {
    /// 0-based index of the line in the original text (split on `\n`).
    pub line: usize,
    /// The line as it was.
    pub text: String,
    /// Why it was removed (usually a static reason name: no allocation).
    pub reason: Cow<'static, str>,
    /// Stage that removed it (shared by the lines one edit removes).
    pub stage: Arc<str>,
}

/// Membership of a duplicate cluster.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Duplicate {
    /// Id of the document kept for this cluster.
    pub duplicate_of: String,
    /// Cluster identifier (stable for a given input and pipeline).
    #[serde(
        default,
        rename = "duplicate_cluster",
        skip_serializing_if = "Option::is_none"
    )]
    pub cluster: Option<String>,
    /// Estimated Jaccard similarity to the kept document (near duplicates).
    #[serde(
        default,
        rename = "duplicate_similarity",
        skip_serializing_if = "Option::is_none"
    )]
    pub similarity: Option<f64>,
}

/// What a cleaner does with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEdit {
    /// Keep the line as is.
    Keep,
    /// Remove the line, for this reason.
    Remove(Cow<'static, str>),
    /// Keep the line with new content (e.g. citation markers stripped).
    Replace(String),
}

impl Document {
    /// A new document with no extra fields.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            text: text.into(),
            fields: Map::new(),
            origin: Origin::default(),
            sift: SiftMeta::default(),
            original: None,
            line_map: None,
            memo: TextMemo::default(),
        }
    }

    /// The value of type `T` memoised for the current text by
    /// [`Document::set_memo`], if the text has not changed since (compared
    /// byte for byte) and the memo holds a `T`.
    ///
    /// Stages use this to share work derived from the text (word tokens) with
    /// later stages instead of recomputing it; the result must be a pure
    /// function of the text.
    pub fn memo<T: Any + Send + Sync>(&self) -> Option<&T> {
        let value = self.memo.value.as_ref()?;
        if self.memo.text != self.text {
            return None;
        }
        value.downcast_ref::<T>()
    }

    /// Memoise `value`, derived from the current text only, for later stages
    /// (replaces any earlier memo).
    pub fn set_memo<T: Any + Send + Sync>(&mut self, value: T) {
        self.memo.text.clear();
        self.memo.text.push_str(&self.text);
        self.memo.value = Some(Arc::new(value));
    }

    /// The text as it was read, before any cleaner edited it.
    pub fn original_text(&self) -> &str {
        self.original.as_deref().unwrap_or(&self.text)
    }

    /// Whether a cleaner changed the text.
    pub fn is_edited(&self) -> bool {
        self.original.is_some()
    }

    /// Original line index of current line `i`.
    pub fn original_line_index(&self, i: usize) -> usize {
        match &self.line_map {
            Some(map) => map.get(i).map_or(i, |&o| o as usize),
            None => i,
        }
    }

    /// Apply one [`LineEdit`] per current line (lines split on `\n`).
    ///
    /// Removed non-blank lines are recorded in `sift.removed_lines` with their
    /// original index and `stage`. Blank lines left next to a removed run are
    /// coalesced so that paragraph separators stay single (`A\n\nSPAM\n\nB`
    /// becomes `A\n\nB`); they carry no content, so nothing is lost.
    /// Returns the number of non-blank lines removed.
    ///
    /// # Panics
    /// If `edits.len()` differs from the number of lines: a caller bug.
    pub fn apply_line_edits(&mut self, stage: &str, edits: &[LineEdit]) -> usize {
        let n_lines = crate::lines::count(&self.text);
        assert_eq!(edits.len(), n_lines, "one edit per line");
        if edits.iter().all(|e| *e == LineEdit::Keep) {
            return 0;
        }
        let ends_with_newline = self.text.ends_with('\n');
        let stage: Arc<str> = Arc::from(stage);
        let mut out: Vec<(usize, &str)> = Vec::with_capacity(n_lines);
        let mut removed = Vec::new();
        let mut removed_since_output = false;
        let mut out_last_blank = false;
        for (i, (line, edit)) in crate::lines::split(&self.text).zip(edits).enumerate() {
            let blank = crate::lines::is_blank(line);
            match edit {
                LineEdit::Remove(reason) => {
                    if !blank {
                        removed.push(RemovedLine {
                            line: self.line_map.as_ref().map_or(i, |m| m[i] as usize),
                            text: line.to_string(),
                            reason: reason.clone(),
                            stage: Arc::clone(&stage),
                        });
                    }
                    removed_since_output = true;
                }
                LineEdit::Keep | LineEdit::Replace(_) => {
                    let content = match edit {
                        LineEdit::Replace(s) => s.as_str(),
                        _ => line,
                    };
                    let now_blank = crate::lines::is_blank(content);
                    if now_blank && removed_since_output && (out.is_empty() || out_last_blank) {
                        continue;
                    }
                    out_last_blank = now_blank;
                    if !now_blank {
                        removed_since_output = false;
                    }
                    out.push((i, content));
                }
            }
        }
        if removed_since_output {
            while out.last().is_some_and(|(_, l)| crate::lines::is_blank(l)) {
                out.pop();
            }
        }
        let mut text = String::with_capacity(self.text.len());
        let mut map = Vec::with_capacity(out.len());
        for (k, (i, line)) in out.iter().enumerate() {
            if k > 0 {
                text.push('\n');
            }
            text.push_str(line);
            map.push(self.line_map.as_ref().map_or(*i as u32, |m| m[*i]));
        }
        if ends_with_newline && !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
            map.push(u32::MAX);
        }
        let n_removed = removed.len();
        self.sift.removed_lines.extend(removed);
        let old = std::mem::replace(&mut self.text, text);
        if self.original.is_none() {
            self.original = Some(old);
        }
        self.line_map = Some(map);
        n_removed
    }

    /// Replace the whole text (for cleaners that rewrite rather than remove
    /// lines). Line provenance is lost for this document.
    pub fn replace_text(&mut self, text: String) {
        let old = std::mem::replace(&mut self.text, text);
        if self.original.is_none() {
            self.original = Some(old);
        }
        let n = crate::lines::count(&self.text);
        self.line_map = Some(vec![u32::MAX; n]);
    }

    /// Record a flag (a finding that removed nothing) under `key`.
    pub fn flag(&mut self, key: impl Into<String>, value: Value) {
        self.sift.flags.insert(key.into(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_is_valid_only_for_the_text_it_was_made_from() {
        let mut d = Document::new("x", "one two");
        assert_eq!(d.memo::<usize>(), None);
        d.set_memo(2usize);
        assert_eq!(d.memo::<usize>(), Some(&2));
        assert_eq!(d.memo::<u32>(), None);
        let c = d.clone();
        assert_eq!(c.memo::<usize>(), Some(&2));
        d.text.push_str(" three");
        assert_eq!(d.memo::<usize>(), None);
        d.text.truncate(7);
        assert_eq!(d.memo::<usize>(), Some(&2));
        d.apply_line_edits("s", &[LineEdit::Replace("one too".into())]);
        assert_eq!(d.memo::<usize>(), None);
    }

    #[test]
    fn duplicate_fields_sit_directly_in_sift_and_round_trip() {
        let meta = SiftMeta {
            duplicate: Some(Duplicate {
                duplicate_of: "k1".into(),
                cluster: Some("minhash_dedup:3".into()),
                similarity: Some(0.875),
            }),
            reason: Some("near_duplicate".into()),
            ..SiftMeta::default()
        };
        let json = serde_json::to_value(&meta).expect("serialise");
        assert_eq!(
            json,
            serde_json::json!({"duplicate_of": "k1", "duplicate_cluster": "minhash_dedup:3",
                               "duplicate_similarity": 0.875, "reason": "near_duplicate"})
        );
        let back: SiftMeta = serde_json::from_value(json).expect("parse");
        assert_eq!(back, meta);
        let none: SiftMeta =
            serde_json::from_value(serde_json::json!({"reason": "too_short"})).expect("parse");
        assert_eq!(none.duplicate, None);
    }

    fn edits_for(text: &str, junk: &[&str]) -> Vec<LineEdit> {
        text.split('\n')
            .map(|l| {
                if junk.contains(&l) {
                    LineEdit::Remove("junk".into())
                } else {
                    LineEdit::Keep
                }
            })
            .collect()
    }

    #[test]
    fn removing_a_paragraph_keeps_single_separators() {
        let text = "Para one.\n\nbuy pills online\n\nPara two.\n\nSource link";
        let mut doc = Document::new("a", text);
        let edits = edits_for(text, &["buy pills online", "Source link"]);
        assert_eq!(doc.apply_line_edits("junk_lines", &edits), 2);
        assert_eq!(doc.text, "Para one.\n\nPara two.");
        assert_eq!(doc.original_text(), text);
        let lines: Vec<_> = doc.sift.removed_lines.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 6]);
    }

    #[test]
    fn second_cleaner_reports_original_line_numbers() {
        let text = "nav\nTitle\nspam\nBody text.\nfooter";
        let mut doc = Document::new("a", text);
        let e = edits_for(text, &["nav", "spam"]);
        doc.apply_line_edits("first", &e);
        assert_eq!(doc.text, "Title\nBody text.\nfooter");
        let e = edits_for(&doc.text.clone(), &["footer"]);
        doc.apply_line_edits("second", &e);
        assert_eq!(doc.text, "Title\nBody text.");
        let got: Vec<_> = doc
            .sift
            .removed_lines
            .iter()
            .map(|r| (r.line, &*r.stage))
            .collect();
        assert_eq!(got, vec![(0, "first"), (2, "first"), (4, "second")]);
        assert_eq!(doc.original_line_index(1), 3);
    }

    #[test]
    fn no_edit_leaves_document_untouched() {
        let mut doc = Document::new("a", "x\ny");
        assert_eq!(
            doc.apply_line_edits("s", &[LineEdit::Keep, LineEdit::Keep]),
            0
        );
        assert!(!doc.is_edited());
    }

    #[test]
    fn serde_round_trips_the_whole_state() {
        let text = "keep\nspam\nkeep too";
        let mut doc = Document::new("a", text);
        doc.origin.source = Arc::from("shard-1.jsonl");
        doc.fields.insert("url".into(), Value::from("https://x"));
        doc.apply_line_edits("s", &edits_for(text, &["spam"]));
        let json = serde_json::to_string(&doc).expect("serialise");
        let back: Document = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back.text, "keep\nkeep too");
        assert_eq!(back.original_text(), text);
        assert_eq!(back.original_line_index(1), 2);
        assert_eq!(back.origin, doc.origin);
        assert_eq!(back.sift, doc.sift);
        assert_eq!(back.fields, doc.fields);
    }

    #[test]
    fn trailing_newline_survives() {
        let text = "A.\nspam\n";
        let mut doc = Document::new("a", text);
        doc.apply_line_edits("s", &edits_for(text, &["spam"]));
        assert_eq!(doc.text, "A.\n");
    }
}
