//! gzip (multi-member, with resync) and zstd decoders: any bytes decode or
//! fail with an error, never a panic or a hang.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use sift_io::compression::{decoder, Codec};
use sift_io::gzmembers::GzMembers;

fuzz_target!(|data: &[u8]| {
    for codec in [Codec::Gzip, Codec::Zstd] {
        if let Ok(mut r) = decoder(data, codec) {
            let mut sink = Vec::new();
            let _ = r.by_ref().take(64 << 20).read_to_end(&mut sink);
        }
    }
    let mut m = GzMembers::new(data);
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0usize;
    let mut resyncs = 0usize;
    loop {
        match m.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                total += n;
                if total > 64 << 20 {
                    break;
                }
            }
            Err(_) => {
                resyncs += 1;
                assert!(resyncs <= data.len() + 1, "resync must make progress");
                match m.resync() {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
        }
    }
});
