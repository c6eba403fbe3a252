//! Compression layer: output encoders at the CLI's default levels, input decoders.

use std::hint::black_box;
use std::io::{Read, Write};

use criterion::{Criterion, Throughput};
use sift_io::compression::{decoder, Codec, Encoder};

use crate::PAGES;

const CODECS: [(&str, Codec, i32); 4] = [
    ("gzip-1", Codec::Gzip, 1),
    ("gzip-6", Codec::Gzip, 6),
    ("zstd-1", Codec::Zstd, 1),
    ("zstd-3", Codec::Zstd, 3),
];

fn compress(codec: Codec, level: i32) -> Vec<u8> {
    let mut enc = Encoder::new(Vec::with_capacity(PAGES.len()), codec, level)
        .expect("in-memory encoder starts");
    enc.write_all(PAGES).expect("in-memory writes succeed");
    enc.finish().expect("in-memory writes succeed")
}

/// Uncompressed bytes/s through each output encoder.
pub fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Bytes(PAGES.len() as u64));
    for (name, codec, level) in CODECS {
        g.bench_function(name, |b| b.iter(|| compress(black_box(codec), level).len()));
    }
    g.finish();
}

/// Uncompressed bytes/s out of each input decoder.
pub fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(PAGES.len() as u64));
    for (name, codec, level) in [CODECS[0], CODECS[3]] {
        let packed = compress(codec, level);
        let mut buf = Vec::with_capacity(PAGES.len());
        g.bench_function(name, |b| {
            b.iter(|| {
                buf.clear();
                let mut r = decoder(black_box(&packed[..]), codec).expect("decoder starts");
                r.read_to_end(&mut buf).expect("our own stream decodes")
            })
        });
    }
    g.finish();
}
