//! A directory of `.txt` files, one document per file (id = file name).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::{Map, Value};
use sift_core::{Document, Origin};

use crate::jsonl::{FieldNames, Record, Rejected};
use crate::Error;

/// Iterates the files of a text directory in name order.
pub struct TextDirReader {
    files: std::vec::IntoIter<PathBuf>,
    source: Arc<str>,
    fields: FieldNames,
    index: u64,
    read_bytes: Arc<AtomicU64>,
}

impl TextDirReader {
    /// Read `files` (already sorted).
    pub fn new(
        files: Vec<PathBuf>,
        source: Arc<str>,
        fields: FieldNames,
        read_bytes: Arc<AtomicU64>,
    ) -> Self {
        Self {
            files: files.into_iter(),
            source,
            fields,
            index: 0,
            read_bytes,
        }
    }
}

impl Iterator for TextDirReader {
    type Item = Result<Record, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.files.next()?;
        self.index += 1;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => return Some(Err(Error::io(&path, e))),
        };
        let len = bytes.len() as u64;
        self.read_bytes.fetch_add(len, Ordering::Relaxed);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                return Some(Ok(Record::Rejected(Rejected::new(
                    &path.display().to_string(),
                    self.index,
                    at as u64,
                    "invalid_utf8",
                    format!("invalid UTF-8 at byte {at}"),
                    e.as_bytes(),
                ))));
            }
        };
        let mut fields = Map::new();
        fields.insert(self.fields.id.clone(), Value::String(name.clone()));
        fields.insert(self.fields.text.clone(), Value::Null);
        let mut doc = Document::new(name, text);
        doc.fields = fields;
        doc.origin = Origin {
            source: self.source.clone(),
            line: self.index,
            byte_offset: 0,
            bytes: len,
        };
        Some(Ok(Record::Doc(doc)))
    }
}
