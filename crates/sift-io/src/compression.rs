//! Compression layer: detect by extension, wrap readers and writers.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A compression codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Plain bytes.
    None,
    /// gzip (multi-member streams are read whole).
    Gzip,
    /// Zstandard.
    Zstd,
}

impl Codec {
    /// Codec implied by a file name's last extension.
    pub fn from_path(path: &Path) -> Codec {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Codec::Gzip,
            Some("zst") | Some("zstd") => Codec::Zstd,
            _ => Codec::None,
        }
    }

    /// File name suffix written for this codec (with the dot), `""` for none.
    pub fn suffix(self) -> &'static str {
        match self {
            Codec::None => "",
            Codec::Gzip => ".gz",
            Codec::Zstd => ".zst",
        }
    }
}

/// Counts bytes read from the underlying (compressed) medium, for progress.
pub struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R> CountingReader<R> {
    /// Wrap `inner`, adding every byte read to `counter`.
    pub fn new(inner: R, counter: Arc<AtomicU64>) -> Self {
        Self { inner, counter }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A buffered, decompressing reader over `raw`.
pub fn decoder<'a, R: Read + Send + 'a>(
    raw: R,
    codec: Codec,
) -> io::Result<Box<dyn BufRead + Send + 'a>> {
    const BUF: usize = 1 << 20;
    Ok(match codec {
        Codec::None => Box::new(BufReader::with_capacity(BUF, raw)),
        Codec::Gzip => Box::new(BufReader::with_capacity(
            BUF,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(BUF, raw)),
        )),
        Codec::Zstd => Box::new(BufReader::with_capacity(BUF, zstd::Decoder::new(raw)?)),
    })
}

/// A compressing writer that must be finished explicitly.
pub enum Encoder<W: Write> {
    /// Plain.
    None(W),
    /// gzip.
    Gzip(flate2::write::GzEncoder<W>),
    /// zstd.
    Zstd(zstd::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    /// Wrap `w` with `codec` at `level` (codec-specific scale).
    pub fn new(w: W, codec: Codec, level: i32) -> io::Result<Self> {
        Ok(match codec {
            Codec::None => Encoder::None(w),
            Codec::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                w,
                flate2::Compression::new(level.clamp(0, 9) as u32),
            )),
            Codec::Zstd => Encoder::Zstd(zstd::Encoder::new(w, level)?),
        })
    }

    /// Write the trailer and return the inner writer.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Encoder::None(w) => Ok(w),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::None(w) => w.write(buf),
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::None(w) => w.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}
