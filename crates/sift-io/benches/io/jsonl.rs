//! JSONL framing + format: parse records into documents, serialise them back.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput};
use sift_core::Document;
use sift_io::jsonl::{write_doc, DocOutput, JsonlReader};
use sift_io::{FieldNames, Record};

use crate::PAGES;

fn docs() -> Vec<Document> {
    JsonlReader::new(PAGES, Arc::from("pages.jsonl"), FieldNames::default())
        .filter_map(|r| match r {
            Ok(Record::Doc(d)) => Some(d),
            _ => None,
        })
        .collect()
}

/// Bytes of JSONL -> documents.
pub fn read(c: &mut Criterion) {
    let mut g = c.benchmark_group("jsonl");
    g.throughput(Throughput::Bytes(PAGES.len() as u64));
    g.bench_function("read", |b| {
        b.iter(|| {
            let reader = JsonlReader::new(black_box(PAGES), Arc::from("p"), FieldNames::default());
            reader.filter(|r| matches!(r, Ok(Record::Doc(_)))).count()
        })
    });
    g.finish();
}

/// Documents -> bytes of JSONL (kept records: text + fields + `sift`).
pub fn write(c: &mut Criterion) {
    let docs = docs();
    let fields = FieldNames::default();
    let mut g = c.benchmark_group("jsonl");
    g.throughput(Throughput::Bytes(PAGES.len() as u64));
    let mut out = Vec::with_capacity(PAGES.len() * 2);
    g.bench_function("write", |b| {
        b.iter(|| {
            out.clear();
            for d in &docs {
                write_doc(black_box(d), &fields, DocOutput::Kept, &mut out);
            }
            out.len()
        })
    });
    g.finish();
}
