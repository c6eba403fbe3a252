//! Input discovery: turn the paths a user gives into an ordered list of
//! shards. Each shard is read by one worker and becomes one set of output
//! files, so shard order and names make the output deterministic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use crate::compression::{decoder, Codec, CountingReader};
use crate::jsonl::{FieldNames, JsonlReader, Record};
use crate::textdir::TextDirReader;
use crate::Error;

/// One unit of input.
#[derive(Debug, Clone)]
pub struct Shard {
    /// Output base name (unique within a run).
    pub name: String,
    /// How to read it.
    pub kind: ShardKind,
    /// Bytes on disk (compressed), for progress.
    pub size: u64,
}

/// The reader a shard needs.
#[derive(Debug, Clone)]
pub enum ShardKind {
    /// A JSONL file, possibly compressed.
    Jsonl {
        /// File path.
        path: PathBuf,
        /// Compression.
        codec: Codec,
    },
    /// The `.txt` files of one directory, one document each, in name order.
    TextDir {
        /// The directory.
        dir: PathBuf,
        /// Its `.txt` files, sorted.
        files: Vec<PathBuf>,
    },
    /// JSONL bytes compiled into the binary (the bundled sample).
    Embedded {
        /// The bytes.
        bytes: &'static [u8],
    },
    /// A WARC, WET or ARC file, plain or gzip (feature `warc`).
    Warc {
        /// File path.
        path: PathBuf,
        /// Compression.
        codec: Codec,
        /// Main-text extractor for HTML (`density`, `readability` or `trafilatura`).
        extractor: String,
    },
    /// A Parquet file (feature `parquet`).
    Parquet {
        /// File path.
        path: PathBuf,
    },
}

/// Stream of records from a shard.
pub type RecordIter<'a> = Box<dyn Iterator<Item = Result<Record, Error>> + Send + 'a>;

impl Shard {
    /// A shard over bytes compiled into the binary.
    pub fn embedded(name: &str, bytes: &'static [u8]) -> Self {
        Shard {
            name: name.to_string(),
            kind: ShardKind::Embedded { bytes },
            size: bytes.len() as u64,
        }
    }

    /// Human-readable source name (used in rejected records and errors).
    pub fn source(&self) -> String {
        match &self.kind {
            ShardKind::Jsonl { path, .. } => path.display().to_string(),
            ShardKind::TextDir { dir, .. } => dir.display().to_string(),
            ShardKind::Embedded { .. } => format!("<bundled {}>", self.name),
            ShardKind::Warc { path, .. } | ShardKind::Parquet { path } => {
                path.display().to_string()
            }
        }
    }

    /// Open the shard for reading; `read_bytes` counts raw bytes consumed.
    pub fn open(
        &self,
        fields: &FieldNames,
        read_bytes: Arc<AtomicU64>,
    ) -> Result<RecordIter<'static>, Error> {
        let source: Arc<str> = Arc::from(self.source());
        Ok(match &self.kind {
            ShardKind::Jsonl { path, codec } => {
                let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
                let raw = CountingReader::new(file, read_bytes);
                let r = decoder(raw, *codec).map_err(|e| Error::io(path, e))?;
                Box::new(JsonlReader::new(r, source, fields.clone()))
            }
            ShardKind::TextDir { files, .. } => Box::new(TextDirReader::new(
                files.clone(),
                source,
                fields.clone(),
                read_bytes,
            )),
            ShardKind::Embedded { bytes } => {
                let raw = CountingReader::new(*bytes, read_bytes);
                let r = decoder(raw, Codec::None).map_err(|e| Error::io(self.source(), e))?;
                Box::new(JsonlReader::new(r, source, fields.clone()))
            }
            ShardKind::Warc {
                path,
                codec,
                extractor,
            } => open_warc(path, *codec, extractor, source, fields, read_bytes)?,
            ShardKind::Parquet { path } => open_parquet(path, source, fields, read_bytes)?,
        })
    }
}

#[cfg(feature = "warc")]
fn open_warc(
    path: &Path,
    codec: Codec,
    extractor: &str,
    source: Arc<str>,
    fields: &FieldNames,
    read_bytes: Arc<AtomicU64>,
) -> Result<RecordIter<'static>, Error> {
    use sift_html::{Extractor, ExtractorKind};
    let kind = ExtractorKind::from_name(extractor).ok_or_else(|| {
        Error::io(
            path,
            std::io::Error::other(format!("unknown extractor `{extractor}`")),
        )
    })?;
    let ex = Extractor::new(kind).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let raw = CountingReader::new(file, read_bytes);
    let r = crate::warc::WarcReader::new(raw, codec, source, fields.clone(), ex)
        .map_err(|e| Error::io(path, e))?;
    Ok(Box::new(r))
}

#[cfg(not(feature = "warc"))]
fn open_warc(
    path: &Path,
    _: Codec,
    _: &str,
    _: Arc<str>,
    _: &FieldNames,
    _: Arc<AtomicU64>,
) -> Result<RecordIter<'static>, Error> {
    Err(Error::FeatureDisabled {
        path: path.to_path_buf(),
        feature: "warc",
    })
}

#[cfg(feature = "parquet")]
fn open_parquet(
    path: &Path,
    source: Arc<str>,
    fields: &FieldNames,
    read_bytes: Arc<AtomicU64>,
) -> Result<RecordIter<'static>, Error> {
    Ok(Box::new(crate::parquet::ParquetReader::open(
        path,
        source,
        fields.clone(),
        read_bytes,
    )?))
}

#[cfg(not(feature = "parquet"))]
fn open_parquet(
    path: &Path,
    _: Arc<str>,
    _: &FieldNames,
    _: Arc<AtomicU64>,
) -> Result<RecordIter<'static>, Error> {
    Err(Error::FeatureDisabled {
        path: path.to_path_buf(),
        feature: "parquet",
    })
}

/// What discovery found besides shards.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Shards in deterministic order.
    pub shards: Vec<Shard>,
    /// Files inside given directories that sift cannot read (reported, not read).
    pub skipped: Vec<PathBuf>,
}

fn jsonl_stem(name: &str) -> Option<&str> {
    for ext in [
        ".jsonl",
        ".jsonl.gz",
        ".jsonl.zst",
        ".jsonl.zstd",
        ".json.gz",
        ".ndjson",
    ] {
        if let Some(stem) = name.strip_suffix(ext) {
            return Some(stem);
        }
    }
    None
}

/// Extractor used for WARC input unless the caller changes
/// [`ShardKind::Warc::extractor`].
pub const DEFAULT_EXTRACTOR: &str = "density";

/// Shard name and reader for a web archive or Parquet file name.
fn other_kind(path: &Path, name: &str) -> Option<(String, ShardKind)> {
    for ext in [
        ".warc",
        ".warc.gz",
        ".wet",
        ".wet.gz",
        ".arc",
        ".arc.gz",
        ".warc.zst",
    ] {
        if let Some(stem) = name.strip_suffix(ext) {
            let kind = ShardKind::Warc {
                path: path.to_path_buf(),
                codec: Codec::from_path(path),
                extractor: DEFAULT_EXTRACTOR.to_string(),
            };
            return Some((stem.to_string(), kind));
        }
    }
    let stem = name.strip_suffix(".parquet")?;
    Some((
        stem.to_string(),
        ShardKind::Parquet {
            path: path.to_path_buf(),
        },
    ))
}

/// Expand files and directories into shards.
///
/// A file must be JSONL (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`); a directory is
/// walked recursively: JSONL files become shards, and each directory holding
/// `.txt` files becomes one shard of them. Other files found inside
/// directories are listed in [`Discovery::skipped`].
pub fn discover(paths: &[PathBuf]) -> Result<Discovery, Error> {
    let mut found = Discovery::default();
    // (name, shard) with names made unique below.
    let mut named: Vec<(String, ShardKind, u64)> = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Missing { path: path.clone() },
            _ => Error::io(path, e),
        })?;
        if meta.is_dir() {
            walk(path, path, &mut named, &mut found.skipped)?;
        } else {
            let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            match jsonl_stem(file_name) {
                Some(stem) => named.push((stem.to_string(), jsonl_kind(path), meta.len())),
                None => match other_kind(path, file_name) {
                    Some((stem, kind)) => named.push((stem, kind, meta.len())),
                    None => return Err(Error::Unsupported { path: path.clone() }),
                },
            }
        }
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (name, _, _) in &named {
        *counts.entry(name.clone()).or_default() += 1;
    }
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for (name, kind, size) in named {
        let unique = if counts[&name] > 1 {
            let k = used.entry(name.clone()).or_default();
            *k += 1;
            format!("{name}-{k}")
        } else {
            name
        };
        found.shards.push(Shard {
            name: unique,
            kind,
            size,
        });
    }
    Ok(found)
}

fn jsonl_kind(path: &Path) -> ShardKind {
    ShardKind::Jsonl {
        path: path.to_path_buf(),
        codec: Codec::from_path(path),
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, ShardKind, u64)>,
    skipped: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|e| Error::io(dir, e)))
        .collect::<Result<_, _>>()?;
    entries.sort();
    let rel_name = |p: &Path| -> String {
        let rel = p.strip_prefix(root).unwrap_or(p);
        let s = rel.to_string_lossy().replace(['/', '\\'], "__");
        if s.is_empty() {
            root.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "input".into())
        } else {
            s
        }
    };
    let mut txt = Vec::new();
    let mut txt_size = 0;
    let mut subdirs = Vec::new();
    for p in entries {
        let meta = std::fs::metadata(&p).map_err(|e| Error::io(&p, e))?;
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if meta.is_dir() {
            subdirs.push(p);
        } else if name.starts_with('.') {
            continue; // hidden files (editor swap files, markers) are not input
        } else if let Some(stem) = jsonl_stem(&name) {
            let rel = rel_name(&p);
            let base = rel
                .strip_suffix(&name[stem.len()..])
                .unwrap_or(&rel)
                .to_string();
            out.push((base, jsonl_kind(&p), meta.len()));
        } else if let Some((stem, kind)) = other_kind(&p, &name) {
            let rel = rel_name(&p);
            let base = rel
                .strip_suffix(&name[stem.len()..])
                .unwrap_or(&rel)
                .to_string();
            out.push((base, kind, meta.len()));
        } else if name.ends_with(".txt") {
            txt_size += meta.len();
            txt.push(p);
        } else {
            skipped.push(p);
        }
    }
    if !txt.is_empty() {
        let name = format!("{}__txt", rel_name(dir));
        let name = name.trim_start_matches("__").to_string();
        out.push((
            name,
            ShardKind::TextDir {
                dir: dir.to_path_buf(),
                files: txt,
            },
            txt_size,
        ));
    }
    for d in subdirs {
        walk(root, &d, out, skipped)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_jsonl_and_text_dirs_deterministically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::write(d.join("b.jsonl"), "").expect("write");
        std::fs::write(d.join("a.jsonl.gz"), "").expect("write");
        std::fs::write(d.join("notes.md"), "").expect("write");
        std::fs::create_dir(d.join("docs")).expect("mkdir");
        std::fs::write(d.join("docs/x.txt"), "hello").expect("write");
        let found = discover(&[d.to_path_buf()]).expect("discover");
        let names: Vec<_> = found.shards.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b", "docs__txt"]);
        assert_eq!(found.skipped, vec![d.join("notes.md")]);
    }

    #[test]
    fn web_archives_and_parquet_are_discovered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        for f in [
            "cc.warc.gz",
            "cc.wet.gz",
            "old.arc.gz",
            "t.parquet",
            "plain.warc",
        ] {
            std::fs::write(d.join(f), "").expect("write");
        }
        let found = discover(&[d.to_path_buf()]).expect("discover");
        let got: Vec<_> = found
            .shards
            .iter()
            .map(|s| match &s.kind {
                ShardKind::Warc { codec, .. } => format!("{} warc {codec:?}", s.name),
                ShardKind::Parquet { .. } => format!("{} parquet", s.name),
                _ => format!("{} other", s.name),
            })
            .collect();
        assert_eq!(
            got,
            [
                "cc-1 warc Gzip",
                "cc-2 warc Gzip",
                "old warc Gzip",
                "plain warc None",
                "t parquet"
            ]
        );
        assert!(found.skipped.is_empty());
        let one = discover(&[d.join("plain.warc")]).expect("discover");
        assert_eq!(one.shards[0].name, "plain");
    }

    #[test]
    fn missing_and_unsupported_inputs_are_errors() {
        let err = discover(&[PathBuf::from("/definitely/not/here.jsonl")]).expect_err("missing");
        assert!(err.to_string().contains("no such file"), "{err}");
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "").expect("write");
        assert!(matches!(discover(&[p]), Err(Error::Unsupported { .. })));
    }

    #[test]
    fn same_stem_in_two_inputs_gets_distinct_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["x", "y"] {
            std::fs::create_dir(dir.path().join(sub)).expect("mkdir");
            std::fs::write(dir.path().join(sub).join("part.jsonl"), "").expect("write");
        }
        let found = discover(&[
            dir.path().join("x/part.jsonl"),
            dir.path().join("y/part.jsonl"),
        ])
        .expect("discover");
        let names: Vec<_> = found.shards.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["part-1", "part-2"]);
    }
}
