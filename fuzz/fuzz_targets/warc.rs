//! WARC/ARC reader, plain and gzip: any bytes give documents or rejections,
//! never a panic, and every rejection's offset lies inside the input.
#![no_main]

use std::io::Cursor;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use sift_html::{Extractor, ExtractorKind};
use sift_io::compression::Codec;
use sift_io::warc::WarcReader;
use sift_io::{FieldNames, Record};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let codec = if mode & 1 == 1 {
        Codec::Gzip
    } else {
        Codec::None
    };
    let body = if codec == Codec::Gzip && mode & 2 == 2 {
        // Wrap the input in a valid gzip member so the WARC parser behind the
        // decoder gets exercised too, not only the gzip header checks.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, body).expect("in-memory gzip");
        e.finish().expect("in-memory gzip")
    } else {
        body.to_vec()
    };
    // Bit 2 of the first byte picks the extractor: the default (density) or
    // Readability.
    let kind = if mode & 4 == 4 {
        ExtractorKind::Readability
    } else {
        ExtractorKind::Density
    };
    let Ok(ex) = Extractor::new(kind) else {
        return;
    };
    let Ok(reader) = WarcReader::new(
        Cursor::new(body),
        codec,
        Arc::from("fuzz.warc"),
        FieldNames::default(),
        ex,
    ) else {
        return;
    };
    let mut n = 0;
    for rec in reader {
        n += 1;
        assert!(n < 1_000_000, "reader does not terminate");
        if let Ok(Record::Rejected(r)) = rec {
            assert!(!r.kind.is_empty());
        }
    }
});
