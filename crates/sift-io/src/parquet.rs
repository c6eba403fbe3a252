//! Parquet in and out (feature `parquet`), on arrow-rs.
//!
//! **Reading** streams record batches row group by row group, so memory
//! stays flat whatever the file size. The text and id columns are chosen by
//! [`FieldNames`]; the text column must be a string column. Every other
//! column is kept as a document field (numbers, booleans, strings, lists and
//! structs become the matching JSON values; binary columns become lossy
//! UTF-8 strings), so it comes out again on output.
//!
//! **Writing** ([`ParquetSink`]) takes the same serialised JSON lines the JSONL
//! writer does, so the runner is unchanged. The schema is fixed from the first
//! buffered row group: a key whose values there are all strings, integers,
//! floats or booleans gets a column of that type; a key with objects, arrays or
//! mixed values (such as `sift`) gets a string column holding JSON text. Keys
//! first seen later, and values that do not fit their column's type, go into
//! the string column `_extra` as one JSON object per row (null when empty), so
//! nothing is lost. Row groups hold at most 8192 rows or about 64 MiB;
//! compression is zstd.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde_json::{Map, Number, Value};
use sift_core::{Document, Origin};

use crate::jsonl::{FieldNames, Record, Rejected};
use crate::Error;

/// Rows per record batch when reading.
const READ_BATCH: usize = 1024;
/// Rows per row group when writing.
const ROW_GROUP_ROWS: usize = 8192;
/// Buffered bytes (JSON) that close a row group early.
const ROW_GROUP_BYTES: usize = 64 << 20;

fn perr(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Streams documents out of a Parquet file.
pub struct ParquetReader {
    path: PathBuf,
    batches: ParquetRecordBatchReader,
    batch: Option<RecordBatch>,
    row_in_batch: usize,
    row: u64,
    total_rows: u64,
    file_len: u64,
    counted: u64,
    read_bytes: Arc<AtomicU64>,
    source: Arc<str>,
    fields: FieldNames,
    names: Vec<String>,
    text_col: usize,
    id_col: Option<usize>,
    done: bool,
}

impl ParquetReader {
    /// Open `path`; fails if it is not Parquet or has no string text column.
    pub fn open(
        path: &Path,
        source: Arc<str>,
        fields: FieldNames,
        read_bytes: Arc<AtomicU64>,
    ) -> Result<Self, Error> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| perr(path, e))?;
        let total_rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
        let schema = builder.schema().clone();
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let text_col = names
            .iter()
            .position(|n| *n == fields.text)
            .ok_or_else(|| {
                perr(
                    path,
                    format!(
                        "no text column `{}` (columns: {}); choose one with the text field option",
                        fields.text,
                        names.join(", ")
                    ),
                )
            })?;
        let text_type = schema.field(text_col).data_type();
        if !matches!(
            text_type,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            return Err(perr(
                path,
                format!("text column `{}` is {text_type}, not a string", fields.text),
            ));
        }
        let id_col = names.iter().position(|n| *n == fields.id);
        let batches = builder
            .with_batch_size(READ_BATCH)
            .build()
            .map_err(|e| perr(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            batches,
            batch: None,
            row_in_batch: 0,
            row: 0,
            total_rows,
            file_len,
            counted: 0,
            read_bytes,
            source,
            fields,
            names,
            text_col,
            id_col,
            done: false,
        })
    }

    fn count_progress(&mut self) {
        let target = if self.total_rows == 0 || self.done {
            self.file_len
        } else {
            (self.file_len as u128 * self.row as u128 / self.total_rows as u128) as u64
        };
        if target > self.counted {
            self.read_bytes
                .fetch_add(target - self.counted, Ordering::Relaxed);
            self.counted = target;
        }
    }

    fn record(&self, batch: &RecordBatch, i: usize) -> Record {
        let text = string_at(batch.column(self.text_col).as_ref(), i);
        let Some(text) = text else {
            return Record::Rejected(Rejected::new(
                &self.source,
                self.row,
                0,
                "missing_text_field",
                format!(
                    "row {}: text column `{}` is null",
                    self.row, self.fields.text
                ),
                &[],
            ));
        };
        let mut map = Map::new();
        for (c, name) in self.names.iter().enumerate() {
            if c == self.text_col {
                map.insert(name.clone(), Value::Null);
            } else {
                map.insert(name.clone(), to_json(batch.column(c).as_ref(), i));
            }
        }
        let id = match self.id_col.map(|c| &map[&self.names[c]]) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => format!("{}:{}", self.source, self.row),
        };
        let bytes = text.len() as u64;
        let mut doc = Document::new(id, text);
        doc.fields = map;
        doc.origin = Origin {
            source: self.source.clone(),
            line: self.row,
            byte_offset: 0,
            bytes,
        };
        Record::Doc(doc)
    }
}

impl Iterator for ParquetReader {
    type Item = Result<Record, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if let Some(batch) = &self.batch {
                if self.row_in_batch < batch.num_rows() {
                    let i = self.row_in_batch;
                    self.row_in_batch += 1;
                    self.row += 1;
                    let rec = self.record(batch, i);
                    return Some(Ok(rec));
                }
            }
            self.count_progress();
            match self.batches.next() {
                Some(Ok(b)) => {
                    self.batch = Some(b);
                    self.row_in_batch = 0;
                }
                Some(Err(e)) => {
                    // A corrupt page or column chunk: the rest of the file
                    // cannot be trusted. Reject the position and stop.
                    self.done = true;
                    self.count_progress();
                    return Some(Ok(Record::Rejected(Rejected::new(
                        &self.source,
                        self.row + 1,
                        0,
                        "stream_error",
                        format!(
                            "{}: cannot decode rows after row {}: {e}",
                            self.path.display(),
                            self.row
                        ),
                        &[],
                    ))));
                }
                None => {
                    self.done = true;
                    self.count_progress();
                    return None;
                }
            }
        }
    }
}

fn string_at(a: &dyn Array, i: usize) -> Option<String> {
    if a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Utf8 => Some(a.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => Some(a.as_string_view().value(i).to_string()),
        _ => None,
    }
}

fn float(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// Row `i` of column `a` as JSON.
fn to_json(a: &dyn Array, i: usize) -> Value {
    if a.is_null(i) {
        return Value::Null;
    }
    match a.data_type() {
        DataType::Null => Value::Null,
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).into(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).into(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).into(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).into(),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).into(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).into(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).into(),
        DataType::UInt64 => a.as_primitive::<UInt64Type>().value(i).into(),
        DataType::Float16 => float(a.as_primitive::<Float16Type>().value(i).to_f64()),
        DataType::Float32 => float(a.as_primitive::<Float32Type>().value(i) as f64),
        DataType::Float64 => float(a.as_primitive::<Float64Type>().value(i)),
        DataType::Date32 => a.as_primitive::<Date32Type>().value(i).into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            string_at(a, i).map_or(Value::Null, Value::String)
        }
        DataType::Binary => {
            Value::String(String::from_utf8_lossy(a.as_binary::<i32>().value(i)).into_owned())
        }
        DataType::LargeBinary => {
            Value::String(String::from_utf8_lossy(a.as_binary::<i64>().value(i)).into_owned())
        }
        DataType::List(_) => list_json(a.as_list::<i32>().value(i).as_ref()),
        DataType::LargeList(_) => list_json(a.as_list::<i64>().value(i).as_ref()),
        DataType::FixedSizeList(_, _) => list_json(a.as_fixed_size_list().value(i).as_ref()),
        DataType::Struct(fields) => {
            let s = a.as_struct();
            let mut m = Map::new();
            for (f, col) in fields.iter().zip(s.columns()) {
                m.insert(f.name().clone(), to_json(col.as_ref(), i));
            }
            Value::Object(m)
        }
        DataType::Dictionary(_, _) => match a.as_any_dictionary_opt() {
            Some(d) => {
                let keys = d.normalized_keys();
                match keys.get(i) {
                    Some(&k) => to_json(d.values().as_ref(), k),
                    None => Value::Null,
                }
            }
            None => Value::Null,
        },
        // Timestamps, decimals, maps, ...: keep a readable rendering.
        _ => Value::String(format!("{:?}", a.slice(i, 1))),
    }
}

fn list_json(a: &dyn Array) -> Value {
    Value::Array((0..a.len()).map(|j| to_json(a, j)).collect())
}

/// Type of an output column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Str,
    Int,
    Float,
    Bool,
    Json,
}

impl Col {
    fn of(v: &Value) -> Option<Col> {
        match v {
            Value::Null => None,
            Value::Bool(_) => Some(Col::Bool),
            Value::Number(n) if n.is_i64() => Some(Col::Int),
            Value::Number(_) => Some(Col::Float),
            Value::String(_) => Some(Col::Str),
            Value::Array(_) | Value::Object(_) => Some(Col::Json),
        }
    }

    fn merge(a: Option<Col>, b: Option<Col>) -> Option<Col> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) if x == y => Some(x),
            (Some(Col::Int), Some(Col::Float)) | (Some(Col::Float), Some(Col::Int)) => {
                Some(Col::Float)
            }
            _ => Some(Col::Json),
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Col::Str | Col::Json => DataType::Utf8,
            Col::Int => DataType::Int64,
            Col::Float => DataType::Float64,
            Col::Bool => DataType::Boolean,
        }
    }
}

/// Name of the catch-all column.
pub const EXTRA_COLUMN: &str = "_extra";

/// Writes serialised JSON lines as a Parquet file.
pub struct ParquetSink {
    path: PathBuf,
    file: Option<File>,
    writer: Option<ArrowWriter<File>>,
    columns: Vec<(String, Col)>,
    schema: Option<SchemaRef>,
    rows: Vec<Map<String, Value>>,
    buffered: usize,
}

impl ParquetSink {
    /// Write to `file` (at `path`, for messages).
    pub fn new(path: &Path, file: File) -> Self {
        Self {
            path: path.to_path_buf(),
            file: Some(file),
            writer: None,
            columns: Vec::new(),
            schema: None,
            rows: Vec::new(),
            buffered: 0,
        }
    }

    /// Append serialised records (one JSON object per line).
    pub fn write_jsonl(&mut self, bytes: &[u8]) -> Result<(), Error> {
        for line in bytes.split(|&b| b == b'\n') {
            if line.is_empty() {
                continue;
            }
            let row: Map<String, Value> =
                serde_json::from_slice(line).map_err(|e| perr(&self.path, e))?;
            self.buffered += line.len();
            self.rows.push(row);
            if self.rows.len() >= ROW_GROUP_ROWS || self.buffered >= ROW_GROUP_BYTES {
                self.flush_rows()?;
            }
        }
        Ok(())
    }

    fn infer_schema(&mut self) {
        let mut cols: Vec<(String, Option<Col>)> = Vec::new();
        for row in &self.rows {
            for (k, v) in row {
                match cols.iter_mut().find(|(n, _)| n == k) {
                    Some((_, c)) => *c = Col::merge(*c, Col::of(v)),
                    None => cols.push((k.clone(), Col::of(v))),
                }
            }
        }
        self.columns = cols
            .into_iter()
            .filter(|(n, _)| n != EXTRA_COLUMN)
            .map(|(n, c)| (n, c.unwrap_or(Col::Str)))
            .collect();
        let mut fields: Vec<Field> = self
            .columns
            .iter()
            .map(|(n, c)| Field::new(n, c.data_type(), true))
            .collect();
        fields.push(Field::new(EXTRA_COLUMN, DataType::Utf8, true));
        self.schema = Some(Arc::new(Schema::new(fields)));
    }

    fn flush_rows(&mut self) -> Result<(), Error> {
        if self.rows.is_empty() {
            return Ok(());
        }
        if self.schema.is_none() {
            self.infer_schema();
        }
        let Some(schema) = self.schema.clone() else {
            return Ok(());
        };
        let rows = std::mem::take(&mut self.rows);
        self.buffered = 0;
        let mut extra: Vec<Map<String, Value>> = vec![Map::new(); rows.len()];
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len() + 1);
        for (name, col) in &self.columns {
            let mut take = |r: usize, v: &Value| {
                extra[r].insert(name.clone(), v.clone());
            };
            let values = rows.iter().map(|row| row.get(name).unwrap_or(&Value::Null));
            let array: ArrayRef = match col {
                Col::Str => Arc::new(
                    values
                        .enumerate()
                        .map(|(r, v)| match v {
                            Value::String(s) => Some(s.clone()),
                            Value::Null => None,
                            other => {
                                take(r, other);
                                None
                            }
                        })
                        .collect::<StringArray>(),
                ),
                Col::Json => Arc::new(
                    values
                        .map(|v| (!v.is_null()).then(|| v.to_string()))
                        .collect::<StringArray>(),
                ),
                Col::Int => Arc::new(
                    values
                        .enumerate()
                        .map(|(r, v)| match v {
                            Value::Number(n) if n.is_i64() => n.as_i64(),
                            Value::Null => None,
                            other => {
                                take(r, other);
                                None
                            }
                        })
                        .collect::<Int64Array>(),
                ),
                Col::Float => Arc::new(
                    values
                        .enumerate()
                        .map(|(r, v)| match v {
                            Value::Number(n) => n.as_f64(),
                            Value::Null => None,
                            other => {
                                take(r, other);
                                None
                            }
                        })
                        .collect::<Float64Array>(),
                ),
                Col::Bool => Arc::new(
                    values
                        .enumerate()
                        .map(|(r, v)| match v {
                            Value::Bool(b) => Some(*b),
                            Value::Null => None,
                            other => {
                                take(r, other);
                                None
                            }
                        })
                        .collect::<BooleanArray>(),
                ),
            };
            arrays.push(array);
        }
        for (r, row) in rows.iter().enumerate() {
            for (k, v) in row {
                if k == EXTRA_COLUMN || !self.columns.iter().any(|(n, _)| n == k) {
                    extra[r].insert(k.clone(), v.clone());
                }
            }
        }
        arrays.push(Arc::new(
            extra
                .iter()
                .map(|m| (!m.is_empty()).then(|| Value::Object(m.clone()).to_string()))
                .collect::<StringArray>(),
        ));
        let batch =
            RecordBatch::try_new(schema.clone(), arrays).map_err(|e| perr(&self.path, e))?;
        if self.writer.is_none() {
            let file = self
                .file
                .take()
                .ok_or_else(|| perr(&self.path, "writer already closed"))?;
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                .build();
            self.writer = Some(
                ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| perr(&self.path, e))?,
            );
        }
        if let Some(w) = self.writer.as_mut() {
            w.write(&batch).map_err(|e| perr(&self.path, e))?;
            // One buffered batch is one row group: memory stays bounded.
            w.flush().map_err(|e| perr(&self.path, e))?;
        }
        Ok(())
    }

    /// Write the footer and hand back the file.
    pub fn finish(mut self) -> Result<File, Error> {
        self.flush_rows()?;
        if self.writer.is_none() {
            // No rows at all: still a valid (empty) Parquet file.
            if self.schema.is_none() {
                self.schema = Some(Arc::new(Schema::new(vec![Field::new(
                    EXTRA_COLUMN,
                    DataType::Utf8,
                    true,
                )])));
            }
            let file = self
                .file
                .take()
                .ok_or_else(|| perr(&self.path, "writer already closed"))?;
            let schema = self
                .schema
                .clone()
                .ok_or_else(|| perr(&self.path, "no schema"))?;
            self.writer =
                Some(ArrowWriter::try_new(file, schema, None).map_err(|e| perr(&self.path, e))?);
        }
        let w = self
            .writer
            .take()
            .ok_or_else(|| perr(&self.path, "writer already closed"))?;
        w.into_inner().map_err(|e| perr(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::Int32Type as I32;
    use arrow_array::{Int32Array, ListArray};

    fn write_parquet(path: &Path, batch: RecordBatch, row_group: usize) {
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(row_group))
            .build();
        let mut w = ArrowWriter::try_new(
            File::create(path).expect("create"),
            batch.schema(),
            Some(props),
        )
        .expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
    }

    fn read_all(path: &Path, fields: FieldNames) -> Result<Vec<Record>, Error> {
        let counter = Arc::new(AtomicU64::new(0));
        let r = ParquetReader::open(path, Arc::from("t.parquet"), fields, counter.clone())?;
        let out: Vec<Record> = r.map(|r| r.expect("no io error")).collect();
        assert_eq!(
            counter.load(Ordering::Relaxed),
            std::fs::metadata(path).expect("meta").len()
        );
        Ok(out)
    }

    #[test]
    fn reads_rows_with_chosen_columns_and_keeps_the_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.parquet");
        let body = StringArray::from(vec![Some("first doc"), None, Some("third doc")]);
        let key = Int32Array::from(vec![7, 8, 9]);
        let tags = ListArray::from_iter_primitive::<I32, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            None,
            Some(vec![]),
        ]);
        let batch = RecordBatch::try_from_iter(vec![
            ("key", Arc::new(key) as ArrayRef),
            ("body", Arc::new(body) as ArrayRef),
            ("tags", Arc::new(tags) as ArrayRef),
        ])
        .expect("batch");
        write_parquet(&path, batch, 2);
        let fields = FieldNames {
            text: "body".into(),
            id: "key".into(),
        };
        let recs = read_all(&path, fields).expect("read");
        assert_eq!(recs.len(), 3);
        let Record::Doc(d) = &recs[0] else {
            panic!("doc expected")
        };
        assert_eq!((d.id.as_str(), d.text.as_str()), ("7", "first doc"));
        assert_eq!(d.fields["tags"], serde_json::json!([1, 2]));
        assert_eq!(d.fields["body"], Value::Null);
        let Record::Rejected(r) = &recs[1] else {
            panic!("null text is rejected")
        };
        assert_eq!((r.kind, r.line), ("missing_text_field", 2));
        let Record::Doc(d) = &recs[2] else {
            panic!("doc expected")
        };
        assert_eq!((d.id.as_str(), d.origin.line), ("9", 3));
    }

    #[test]
    fn missing_or_non_string_text_column_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.parquet");
        let batch = RecordBatch::try_from_iter(vec![(
            "text",
            Arc::new(Int32Array::from(vec![1])) as ArrayRef,
        )])
        .expect("batch");
        write_parquet(&path, batch, 10);
        let err = read_all(&path, FieldNames::default()).expect_err("error");
        assert!(err.to_string().contains("not a string"), "{err}");
        let other = FieldNames {
            text: "content".into(),
            id: "id".into(),
        };
        let err = read_all(&path, other).expect_err("error");
        assert!(
            err.to_string().contains("no text column `content`"),
            "{err}"
        );
        std::fs::write(&path, b"not parquet").expect("write");
        assert!(read_all(&path, FieldNames::default()).is_err());
    }

    #[test]
    fn sink_round_trips_through_the_reader_and_keeps_odd_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.parquet");
        let mut sink = ParquetSink::new(&path, File::create(&path).expect("create"));
        let mut lines = String::new();
        for i in 0..(ROW_GROUP_ROWS + 10) {
            lines.push_str(&format!(
                "{{\"id\":\"d{i}\",\"text\":\"text {i}\",\"n\":{i},\"sift\":{{\"lang\":\"en\"}}}}\n"
            ));
        }
        // After the schema is fixed: a new key and a value of another type.
        lines.push_str("{\"id\":\"late\",\"text\":\"t\",\"n\":\"not a number\",\"new\":true}\n");
        sink.write_jsonl(lines.as_bytes()).expect("write");
        sink.finish().expect("finish");
        let recs = read_all(&path, FieldNames::default()).expect("read");
        assert_eq!(recs.len(), ROW_GROUP_ROWS + 11);
        let Record::Doc(d) = &recs[5] else {
            panic!("doc expected")
        };
        assert_eq!((d.id.as_str(), d.text.as_str()), ("d5", "text 5"));
        assert_eq!(d.fields["n"], 5);
        assert_eq!(d.fields["sift"], "{\"lang\":\"en\"}");
        assert_eq!(d.fields[EXTRA_COLUMN], Value::Null);
        let Record::Doc(late) = &recs[ROW_GROUP_ROWS + 10] else {
            panic!("doc expected")
        };
        assert_eq!(late.fields["n"], Value::Null);
        let extra: Value =
            serde_json::from_str(late.fields[EXTRA_COLUMN].as_str().expect("extra")).expect("json");
        assert_eq!(extra, serde_json::json!({"n": "not a number", "new": true}));
        let meta = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).expect("open"))
            .expect("parquet");
        assert_eq!(meta.metadata().num_row_groups(), 2);
    }

    #[test]
    fn empty_sink_is_a_valid_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("empty.parquet");
        ParquetSink::new(&path, File::create(&path).expect("create"))
            .finish()
            .expect("finish");
        let b = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).expect("open"))
            .expect("parquet");
        assert_eq!(b.metadata().file_metadata().num_rows(), 0);
    }
}
