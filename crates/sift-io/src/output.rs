//! Output layout of a run, written atomically per shard:
//!
//! ```text
//! DIR/kept/SHARD.jsonl.gz       kept documents (cleaned text + `sift` object)
//! DIR/removed/SHARD.jsonl.gz    removed documents (original text + reason)
//! DIR/rejected/SHARD.jsonl.gz   unreadable input records
//! ```
//!
//! Files are written as `*.tmp` and renamed only when the shard is complete,
//! so a crash never leaves a half-file that looks finished.
//!
//! With [`OutputKind::Parquet`] (feature `parquet`) each file is
//! `SHARD.parquet` instead, holding the same records as columns (see
//! [`crate::parquet::ParquetSink`] for the schema rules); `codec` and `level`
//! then do not apply (Parquet pages are zstd-compressed).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::compression::{Codec, Encoder};
use crate::Error;

/// File format of output files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputKind {
    /// JSON lines, compressed with [`OutputFormat::codec`] (the default).
    #[default]
    Jsonl,
    /// Parquet (needs the `parquet` feature).
    Parquet,
}

/// Format and compression of output files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputFormat {
    /// Codec.
    pub codec: Codec,
    /// Level (gzip 0-9, zstd 1-22).
    pub level: i32,
    /// JSONL or Parquet.
    pub kind: OutputKind,
}

impl Default for OutputFormat {
    fn default() -> Self {
        Self {
            codec: Codec::Gzip,
            level: 1,
            kind: OutputKind::Jsonl,
        }
    }
}

// Three per shard at most: size does not matter.
#[allow(clippy::large_enum_variant)]
enum Writer {
    Jsonl(Encoder<BufWriter<File>>),
    #[cfg(feature = "parquet")]
    Parquet(Box<crate::parquet::ParquetSink>),
}

/// The three output categories.
pub const CATEGORIES: [&str; 3] = ["kept", "removed", "rejected"];

struct Sink {
    tmp: PathBuf,
    dest: PathBuf,
    enc: Writer,
}

/// One output file of a shard (see [`ShardOutput::kept_and_removed`]);
/// the file is created on the first non-empty write.
pub struct CategoryWriter<'a> {
    slot: &'a mut Option<Sink>,
    category: usize,
    dir: &'a Path,
    name: &'a str,
    format: OutputFormat,
}

impl CategoryWriter<'_> {
    /// Append serialised records.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if bytes.is_empty() {
            return Ok(());
        }
        let sink = self.sink()?;
        match &mut sink.enc {
            Writer::Jsonl(enc) => enc.write_all(bytes).map_err(|e| Error::io(&sink.tmp, e)),
            #[cfg(feature = "parquet")]
            Writer::Parquet(p) => p.write_jsonl(bytes),
        }
    }

    fn sink(&mut self) -> Result<&mut Sink, Error> {
        if self.slot.is_none() {
            let dest =
                ShardOutput::path(self.dir, CATEGORIES[self.category], self.name, self.format);
            let parent = dest.parent().unwrap_or(self.dir).to_path_buf();
            std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
            let mut tmp = dest.clone().into_os_string();
            tmp.push(".tmp");
            let tmp = PathBuf::from(tmp);
            let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            let enc = match self.format.kind {
                OutputKind::Jsonl => Writer::Jsonl(
                    Encoder::new(
                        BufWriter::with_capacity(1 << 20, file),
                        self.format.codec,
                        self.format.level,
                    )
                    .map_err(|e| Error::io(&tmp, e))?,
                ),
                #[cfg(feature = "parquet")]
                OutputKind::Parquet => {
                    Writer::Parquet(Box::new(crate::parquet::ParquetSink::new(&tmp, file)))
                }
                #[cfg(not(feature = "parquet"))]
                OutputKind::Parquet => {
                    drop(file);
                    let _ = std::fs::remove_file(&tmp);
                    return Err(Error::FeatureDisabled {
                        path: dest,
                        feature: "parquet",
                    });
                }
            };
            *self.slot = Some(Sink { tmp, dest, enc });
        }
        self.slot
            .as_mut()
            .ok_or_else(|| Error::io(self.dir, std::io::Error::other("sink not created")))
    }
}

/// Output files of one shard.
pub struct ShardOutput {
    sinks: [Option<Sink>; 3],
    dir: PathBuf,
    name: String,
    format: OutputFormat,
}

impl ShardOutput {
    /// Prepare output for shard `name` under `dir` (files are created lazily).
    pub fn new(dir: &Path, name: &str, format: OutputFormat) -> Self {
        Self {
            sinks: [None, None, None],
            dir: dir.to_path_buf(),
            name: name.to_string(),
            format,
        }
    }

    /// Final path of a category's file.
    pub fn path(dir: &Path, category: &str, name: &str, format: OutputFormat) -> PathBuf {
        match format.kind {
            OutputKind::Jsonl => dir
                .join(category)
                .join(format!("{name}.jsonl{}", format.codec.suffix())),
            OutputKind::Parquet => dir.join(category).join(format!("{name}.parquet")),
        }
    }

    /// One category's file, to write to on its own.
    fn category(&mut self, i: usize) -> CategoryWriter<'_> {
        CategoryWriter {
            slot: &mut self.sinks[i],
            category: i,
            dir: &self.dir,
            name: &self.name,
            format: self.format,
        }
    }

    fn write(&mut self, i: usize, bytes: &[u8]) -> Result<(), Error> {
        self.category(i).write(bytes)
    }

    /// The kept and the removed file as two writers that may be used from
    /// two threads at once: they are independent streams, so compressing
    /// them in parallel gives the same bytes as one after the other.
    pub fn kept_and_removed(&mut self) -> (CategoryWriter<'_>, CategoryWriter<'_>) {
        let [kept, removed, _] = &mut self.sinks;
        let (dir, name, format) = (&self.dir, &self.name, self.format);
        let writer = |slot, category| CategoryWriter {
            slot,
            category,
            dir,
            name,
            format,
        };
        (writer(kept, 0), writer(removed, 1))
    }

    /// Append serialised kept records.
    pub fn write_kept(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.write(0, bytes)
    }

    /// Append serialised removed records.
    pub fn write_removed(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.write(1, bytes)
    }

    /// Append serialised rejected records.
    pub fn write_rejected(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.write(2, bytes)
    }

    /// Finish every file (trailer, fsync) and move it into place.
    /// Returns the number of compressed bytes written.
    pub fn finish(self) -> Result<u64, Error> {
        let mut total = 0;
        for sink in self.sinks.into_iter().flatten() {
            let file = match sink.enc {
                Writer::Jsonl(enc) => {
                    let w = enc.finish().map_err(|e| Error::io(&sink.tmp, e))?;
                    w.into_inner()
                        .map_err(|e| Error::io(&sink.tmp, e.into_error()))?
                }
                #[cfg(feature = "parquet")]
                Writer::Parquet(p) => p.finish()?,
            };
            file.sync_all().map_err(|e| Error::io(&sink.tmp, e))?;
            total += file.metadata().map(|m| m.len()).unwrap_or(0);
            drop(file);
            std::fs::rename(&sink.tmp, &sink.dest).map_err(|e| Error::io(&sink.dest, e))?;
        }
        Ok(total)
    }
}

/// Write `bytes` to `path` atomically (temporary file, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut tmp = path.to_path_buf().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    f.sync_all().map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn files_appear_only_when_finished() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fmt = OutputFormat::default();
        let mut out = ShardOutput::new(dir.path(), "s", fmt);
        out.write_kept(b"{\"a\":1}\n").expect("write");
        let dest = ShardOutput::path(dir.path(), "kept", "s", fmt);
        assert!(!dest.exists());
        out.finish().expect("finish");
        let mut text = String::new();
        flate2::read::GzDecoder::new(File::open(&dest).expect("open"))
            .read_to_string(&mut text)
            .expect("gunzip");
        assert_eq!(text, "{\"a\":1}\n");
        assert!(!ShardOutput::path(dir.path(), "removed", "s", fmt).exists());
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn parquet_output_is_atomic_and_readable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fmt = OutputFormat {
            kind: OutputKind::Parquet,
            ..OutputFormat::default()
        };
        let mut out = ShardOutput::new(dir.path(), "s", fmt);
        out.write_kept(b"{\"id\":\"a\",\"text\":\"hello\",\"sift\":{}}\n")
            .expect("write");
        let dest = ShardOutput::path(dir.path(), "kept", "s", fmt);
        assert!(dest.ends_with("kept/s.parquet"));
        assert!(!dest.exists());
        out.finish().expect("finish");
        let recs: Vec<_> = crate::parquet::ParquetReader::open(
            &dest,
            std::sync::Arc::from("s"),
            crate::FieldNames::default(),
            Default::default(),
        )
        .expect("open")
        .collect::<Result<_, _>>()
        .expect("read");
        let [crate::Record::Doc(d)] = &recs[..] else {
            panic!("one document expected")
        };
        assert_eq!((d.id.as_str(), d.text.as_str()), ("a", "hello"));
    }
}
