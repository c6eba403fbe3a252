//! JSONL format: one JSON object per line in, kept/removed/rejected records out.

use std::io::BufRead;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};
use sift_core::{Document, Origin, SiftMeta};

use crate::Error;

/// Names of the text and id fields.
#[derive(Debug, Clone)]
pub struct FieldNames {
    /// Text field.
    pub text: String,
    /// Id field.
    pub id: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        Self {
            text: "text".into(),
            id: "id".into(),
        }
    }
}

/// One input record.
// `Doc` is the common, large variant; boxing it would cost an allocation per document.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Record {
    /// A readable document.
    Doc(Document),
    /// Input that could not be read as a document.
    Rejected(Rejected),
}

/// Raw bytes kept in a rejected record at most.
pub const MAX_RAW: usize = 64 * 1024;

/// A record that could not be read as a document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rejected {
    /// Input file.
    pub source: String,
    /// 1-based line (or record) number.
    pub line: u64,
    /// Byte offset in the decompressed stream.
    pub byte_offset: u64,
    /// What is wrong.
    pub error: String,
    /// Short machine-readable kind of error (for stats).
    pub kind: &'static str,
    /// The raw input, lossily decoded and truncated to 64 KiB.
    pub raw: String,
}

impl Rejected {
    /// Build a rejection, truncating `raw` to [`MAX_RAW`] bytes.
    pub fn new(
        source: &str,
        line: u64,
        byte_offset: u64,
        kind: &'static str,
        error: impl Into<String>,
        raw: &[u8],
    ) -> Self {
        let raw = &raw[..raw.len().min(MAX_RAW)];
        Self {
            source: source.to_string(),
            line,
            byte_offset,
            error: error.into(),
            kind,
            raw: String::from_utf8_lossy(raw).into_owned(),
        }
    }
}

/// Reads JSONL records from a (decompressed) buffered stream.
pub struct JsonlReader<R> {
    reader: R,
    source: Arc<str>,
    fields: FieldNames,
    line: u64,
    offset: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// Read from `reader`; `source` names it in documents and rejections.
    pub fn new(reader: R, source: Arc<str>, fields: FieldNames) -> Self {
        Self {
            reader,
            source,
            fields,
            line: 0,
            offset: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    fn parse(&self, bytes: &[u8], line: u64, offset: u64) -> Record {
        let reject = |kind, msg: String| {
            Record::Rejected(Rejected::new(&self.source, line, offset, kind, msg, bytes))
        };
        let mut map: Map<String, Value> = match serde_json::from_slice(bytes) {
            Ok(m) => m,
            Err(e) => {
                let kind = if std::str::from_utf8(bytes).is_err() {
                    "invalid_utf8"
                } else {
                    "invalid_json"
                };
                return reject(kind, format!("not a JSON object: {e}"));
            }
        };
        let text = match map.get_mut(&self.fields.text) {
            Some(Value::String(s)) => std::mem::take(s),
            Some(other) => {
                return reject(
                    "bad_text_field",
                    format!(
                        "field `{}` is not a string (found {})",
                        self.fields.text,
                        json_type(other)
                    ),
                )
            }
            None => {
                return reject(
                    "missing_text_field",
                    format!("missing text field `{}`", self.fields.text),
                )
            }
        };
        // Placeholder keeps the field's position; writers put the text back.
        if let Some(v) = map.get_mut(&self.fields.text) {
            *v = Value::Null;
        }
        let id = match map.get(&self.fields.id) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            None | Some(Value::Null) => format!("{}:{}", self.source, line),
            Some(other) => {
                return reject(
                    "bad_id_field",
                    format!(
                        "field `{}` must be a string or number (found {})",
                        self.fields.id,
                        json_type(other)
                    ),
                )
            }
        };
        let mut doc = Document::new(id, text);
        doc.fields = map;
        doc.origin = Origin {
            source: self.source.clone(),
            line,
            byte_offset: offset,
            bytes: bytes.len() as u64,
        };
        Record::Doc(doc)
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Record, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            self.buf.clear();
            let start = self.offset;
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(n) => {
                    self.offset += n as u64;
                    self.line += 1;
                    let mut bytes = &self.buf[..];
                    if let Some(b) = bytes.strip_suffix(b"\n") {
                        bytes = b.strip_suffix(b"\r").unwrap_or(b);
                    }
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        continue; // blank line: no record
                    }
                    return Some(Ok(self.parse(bytes, self.line, start)));
                }
                Err(e) => {
                    // A decoder error (truncated or corrupt .gz/.zst) ends the
                    // stream; what was buffered is kept in the rejection.
                    self.done = true;
                    self.line += 1;
                    let partial = self.buf.len() as u64;
                    return Some(Ok(Record::Rejected(Rejected::new(
                        &self.source,
                        self.line,
                        start,
                        "stream_error",
                        format!(
                            "input stream broken after byte {} (truncated or corrupt compressed data?): {e}",
                            start + partial
                        ),
                        &self.buf,
                    ))));
                }
            }
        }
    }
}

/// How a document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocOutput {
    /// To `kept/`: cleaned text.
    Kept,
    /// To `removed/`: original text plus reason.
    Removed,
}

/// Append `doc` as one JSON line to `out`: what `serde_json` writes for
/// [`DocRecord`], with the text (most of the bytes) escaped by
/// [`write_json_str`] instead of serde_json's byte-at-a-time loop.
pub fn write_doc(doc: &Document, fields: &FieldNames, mode: DocOutput, out: &mut Vec<u8>) {
    let start = out.len();
    if write_doc_fields(doc, fields, mode, out).is_ok() {
        out.push(b'\n');
    } else {
        // Serialising into a Vec cannot fail for these types (string keys
        // only); should it, no half record is left behind.
        out.truncate(start);
    }
}

fn write_doc_fields(
    doc: &Document,
    fields: &FieldNames,
    mode: DocOutput,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    let text = match mode {
        DocOutput::Kept => doc.text.as_str(),
        DocOutput::Removed => doc.original_text(),
    };
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, k: &str| {
        out.push(if first { b'{' } else { b',' });
        first = false;
        write_json_str(out, k);
        out.push(b':');
    };
    if !doc.fields.contains_key(&fields.id) {
        key(out, &fields.id);
        write_json_str(out, &doc.id);
    }
    let mut wrote_text = false;
    for (k, v) in &doc.fields {
        if k == "sift" {
            continue; // replaced by this run's findings below
        }
        key(out, k);
        if *k == fields.text {
            write_json_str(out, text);
            wrote_text = true;
        } else {
            serde_json::to_writer(&mut *out, v)?;
        }
    }
    if !wrote_text {
        key(out, &fields.text);
        write_json_str(out, text);
    }
    key(out, "sift");
    write_sift(&doc.sift, out)?;
    out.push(b'}');
    Ok(())
}

/// Append `meta` as `serde_json` writes it, with the removed lines (their
/// text is most of the bytes) escaped by [`write_json_str`].
fn write_sift(meta: &SiftMeta, out: &mut Vec<u8>) -> serde_json::Result<()> {
    // Every field named: a new field fails to compile until handled here.
    let SiftMeta {
        removed_lines,
        flags,
        lang,
        lang_score,
        scores,
        duplicate,
        reason,
        stage,
    } = meta;
    if removed_lines.is_empty() {
        return serde_json::to_writer(&mut *out, meta);
    }
    // `removed_lines` is the first field; the others follow as serde writes
    // them.
    out.extend_from_slice(b"{\"removed_lines\":[");
    for (i, l) in removed_lines.iter().enumerate() {
        let sift_core::RemovedLine {
            line,
            text,
            reason,
            stage,
        } = l;
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"line\":");
        serde_json::to_writer(&mut *out, line)?;
        out.extend_from_slice(b",\"text\":");
        write_json_str(out, text);
        out.extend_from_slice(b",\"reason\":");
        write_json_str(out, reason);
        out.extend_from_slice(b",\"stage\":");
        write_json_str(out, stage);
        out.push(b'}');
    }
    out.push(b']');
    let rest = SiftMeta {
        removed_lines: Vec::new(),
        flags: flags.clone(),
        lang: lang.clone(),
        lang_score: *lang_score,
        scores: scores.clone(),
        duplicate: duplicate.clone(),
        reason: reason.clone(),
        stage: stage.clone(),
    };
    let rest = serde_json::to_vec(&rest)?;
    match rest.get(1..) {
        Some(tail) if rest.len() > 2 => {
            out.push(b',');
            out.extend_from_slice(tail);
        }
        _ => out.push(b'}'),
    }
    Ok(())
}

/// Append `s` as a JSON string, escaped exactly as `serde_json` does
/// (`\"`, `\\`, `\b \f \n \r \t`, other controls as `\u00xx`, all else
/// verbatim). Runs without such bytes are found 8 bytes at a time.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    use sift_core::swar::{any_below, any_eq, load};
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut run, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        if let Some(x) = load(bytes, i) {
            if any_below(x, 0x20) | any_eq(x, b'"') | any_eq(x, b'\\') == 0 {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(bytes.len());
        while i < end {
            let b = bytes[i];
            let esc: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                0x0c => b"\\f",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0..=0x1f => b"",
                _ => {
                    i += 1;
                    continue;
                }
            };
            out.extend_from_slice(&bytes[run..i]);
            if esc.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            } else {
                out.extend_from_slice(esc);
            }
            i += 1;
            run = i;
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Append a rejection as one JSON line to `out`.
pub fn write_rejected(rej: &Rejected, out: &mut Vec<u8>) {
    if serde_json::to_writer(&mut *out, rej).is_ok() {
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::ser::{SerializeMap, Serializer};

    /// The record [`write_doc`] writes, as a `Serialize` type: the reference
    /// its hand-written output is tested against.
    struct DocRecord<'a> {
        doc: &'a Document,
        text_key: &'a str,
        id_key: &'a str,
        mode: DocOutput,
    }

    impl serde::Serialize for DocRecord<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let doc = self.doc;
            let text = match self.mode {
                DocOutput::Kept => doc.text.as_str(),
                DocOutput::Removed => doc.original_text(),
            };
            let has_id = doc.fields.contains_key(self.id_key);
            let mut map = s.serialize_map(None)?;
            if !has_id {
                map.serialize_entry(self.id_key, &doc.id)?;
            }
            let mut wrote_text = false;
            for (k, v) in &doc.fields {
                if k == "sift" {
                    continue; // replaced by this run's findings below
                }
                if k == self.text_key {
                    map.serialize_entry(k, text)?;
                    wrote_text = true;
                } else {
                    map.serialize_entry(k, v)?;
                }
            }
            if !wrote_text {
                map.serialize_entry(self.text_key, text)?;
            }
            map.serialize_entry("sift", &doc.sift as &SiftMeta)?;
            map.end()
        }
    }

    #[test]
    fn json_strings_are_escaped_like_serde_json() {
        let mut cases: Vec<String> = (0u32..0x800)
            .filter_map(char::from_u32)
            .map(String::from)
            .collect();
        let all: String = (0u8..0x80).map(char::from).collect();
        for pad in 0..17 {
            let p = "a".repeat(pad);
            cases.push(format!("{p}{all}{p}é\u{2028}😀\"\\{p}"));
            cases.push(format!("{p}\n{p}"));
        }
        for s in cases {
            let mut ours = Vec::new();
            write_json_str(&mut ours, &s);
            let theirs = serde_json::to_vec(&s).expect("string");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs)
            );
        }
    }

    #[test]
    fn documents_are_written_as_serde_json_writes_them() {
        let input = b"{\"url\":\"u\\\"\\n\",\"text\":\"a\\tb\\u0001\\\\\",\"sift\":{\"old\":1},\"n\":[1,{\"x\":null}]}\n\
                      {\"text\":\"no id\"}\n{\"id\":\"i\",\"x\":1.5}\n";
        for rec in read_all(input) {
            let Record::Doc(mut doc) = rec else { continue };
            doc.sift
                .flags
                .insert("f".into(), serde_json::json!({"s": 0.5}));
            for mode in [DocOutput::Kept, DocOutput::Removed] {
                for fields in [
                    FieldNames::default(),
                    FieldNames {
                        text: "body".into(),
                        id: "url".into(),
                    },
                ] {
                    let mut ours = Vec::new();
                    write_doc(&doc, &fields, mode, &mut ours);
                    let rec = DocRecord {
                        doc: &doc,
                        text_key: &fields.text,
                        id_key: &fields.id,
                        mode,
                    };
                    let mut theirs = serde_json::to_vec(&rec).expect("record");
                    theirs.push(b'\n');
                    assert_eq!(
                        String::from_utf8_lossy(&ours),
                        String::from_utf8_lossy(&theirs)
                    );
                }
            }
        }
    }

    #[test]
    fn sift_meta_with_removed_lines_is_written_as_serde_json_writes_it() {
        let line = |i: usize, text: &str| sift_core::RemovedLine {
            line: i,
            text: text.into(),
            reason: "re\"a\\son".into(),
            stage: "st\u{1}age".into(),
        };
        let lines = vec![
            line(0, ""),
            line(7, "tab\there \"q\" \\ é ’ \u{7f}\u{1f}\n"),
            line(123_456, "plain"),
        ];
        let mut full = SiftMeta {
            removed_lines: lines.clone(),
            lang: Some("en".into()),
            lang_score: Some(0.1 + 0.2),
            reason: Some("r".into()),
            stage: Some("s".into()),
            duplicate: Some(sift_core::Duplicate {
                duplicate_of: "d".into(),
                cluster: Some("c".into()),
                similarity: Some(0.75),
            }),
            ..SiftMeta::default()
        };
        full.scores.insert("x".into(), 1e-7);
        full.flags
            .insert("spin".into(), serde_json::json!({"score": 2}));
        let only_lines = SiftMeta {
            removed_lines: lines,
            ..SiftMeta::default()
        };
        for meta in [full, only_lines, SiftMeta::default()] {
            let mut ours = Vec::new();
            write_sift(&meta, &mut ours).expect("write");
            let theirs = serde_json::to_vec(&meta).expect("serde");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs)
            );
        }
    }

    fn read_all(input: &[u8]) -> Vec<Record> {
        JsonlReader::new(input, Arc::from("t.jsonl"), FieldNames::default())
            .map(|r| r.expect("no io error"))
            .collect()
    }

    #[test]
    fn reads_documents_and_preserves_other_fields() {
        let recs = read_all(b"{\"url\":\"u\",\"text\":\"hello\",\"id\":7,\"n\":[1]}\n\n");
        assert_eq!(recs.len(), 1);
        let Record::Doc(doc) = &recs[0] else {
            panic!("expected a document")
        };
        assert_eq!(doc.id, "7");
        assert_eq!(doc.text, "hello");
        let mut out = Vec::new();
        write_doc(doc, &FieldNames::default(), DocOutput::Kept, &mut out);
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "{\"url\":\"u\",\"text\":\"hello\",\"id\":7,\"n\":[1],\"sift\":{}}\n"
        );
    }

    #[test]
    fn bad_records_are_rejected_with_position() {
        let input = b"{\"text\":\"ok\"}\nnot json\n{\"id\":1}\n{\"text\":5}\n{\"text\":\"\xff\"}\n";
        let recs = read_all(input);
        let kinds: Vec<_> = recs
            .iter()
            .map(|r| match r {
                Record::Doc(_) => "doc",
                Record::Rejected(r) => r.kind,
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                "doc",
                "invalid_json",
                "missing_text_field",
                "bad_text_field",
                "invalid_utf8"
            ]
        );
        let Record::Rejected(r) = &recs[1] else {
            panic!("expected a rejection")
        };
        assert_eq!((r.line, r.byte_offset, r.raw.as_str()), (2, 14, "not json"));
        let Record::Doc(d) = &recs[0] else {
            panic!("expected a document")
        };
        assert_eq!(d.id, "t.jsonl:1");
    }

    #[test]
    fn raw_is_truncated() {
        let long = vec![b'x'; MAX_RAW * 2];
        let recs = read_all(&long);
        let Record::Rejected(r) = &recs[0] else {
            panic!("expected a rejection")
        };
        assert_eq!(r.raw.len(), MAX_RAW);
    }
}
