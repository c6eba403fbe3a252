//! JSONL reader: any bytes give documents or rejections, never a panic.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use sift_io::jsonl::{write_doc, write_rejected, DocOutput, JsonlReader};
use sift_io::{FieldNames, Record};

fuzz_target!(|data: &[u8]| {
    let reader = JsonlReader::new(data, Arc::from("fuzz.jsonl"), FieldNames::default());
    let mut out = Vec::new();
    for rec in reader {
        match rec {
            Ok(Record::Doc(d)) => write_doc(&d, &FieldNames::default(), DocOutput::Kept, &mut out),
            Ok(Record::Rejected(r)) => {
                assert!(r.byte_offset <= data.len() as u64);
                write_rejected(&r, &mut out)
            }
            Err(_) => {}
        }
    }
});
