//! A group of consecutive dedup stages: per-shard key files, the global
//! decision step, and per-shard decision files.
//!
//! Stages of one group see the same text (no stage in between edits it), so
//! their keys are computed in one pass; their decisions are then taken in
//! pipeline order, each stage ignoring documents an earlier stage of the
//! group removed — exactly as if they ran one after the other.
//!
//! Work files, all under the group's directory:
//!
//! ```text
//! keys/SSSSSS.ids         document ids, concatenated      (per shard S)
//! keys/SSSSSS.idx         u64 end offset of each id
//! keys/SSSSSS.kJ.exact    u128 key per document           (stage J of the group)
//! keys/SSSSSS.kJ.sig      bands*rows u64 per document (all u64::MAX: none)
//! keys/SSSSSS.kJ.lines    per document: u32 count, then u128 keys
//! sort/                   spilled sort runs (deleted as they are merged)
//! decisions/SSSSSS.kJ.jsonl   one line per affected document, in order
//! ```
//!
//! Documents are numbered in input order across shards (`idx`, a u32); the
//! position inside a shard (`seq`) counts the documents that reached the
//! group.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sift_core::{Document, Duplicate};

use crate::minhash::{similarity, Keep, MinHasher, Scratch};
use crate::sort::{Record, Sorter};
use crate::{DedupKind, DedupStage, Error};

/// The keys of one document for one stage.
#[derive(Debug, Clone, PartialEq)]
pub enum DocKey {
    /// Normalised-text hash (`exact_dedup`).
    Exact(u128),
    /// MinHash signature (`minhash_dedup`); empty when the text is too short.
    Signature(Vec<u64>),
    /// Distinct line keys (`paragraph_dedup`).
    Lines(Vec<u128>),
}

/// Reusable per-thread buffers for [`DedupGroup::keys`].
#[derive(Debug, Default)]
pub struct KeyScratch {
    text: String,
    minhash: Scratch,
}

/// What a stage decided against one document.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The document duplicates a kept one.
    Duplicate(Duplicate),
    /// Remove the lines with these keys.
    Lines(HashSet<u128>),
}

/// Counts of one stage's decision step.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StageSummary {
    /// Stage name.
    pub name: String,
    /// Documents the stage considered.
    pub docs: u64,
    /// Documents removed.
    pub removed: u64,
    /// Clusters (groups of two or more documents) found.
    pub clusters: u64,
    /// Candidate pairs (MinHash band collisions).
    pub pairs: u64,
    /// Documents losing lines (`paragraph_dedup`).
    pub docs_with_lines: u64,
    /// (document, line key) removals (`paragraph_dedup`).
    pub line_keys_removed: u64,
    /// Sort runs spilled to disk.
    pub spilled_runs: u64,
    /// Seconds spent.
    pub seconds: f64,
}

/// Result of [`DedupGroup::decide`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct GroupSummary {
    /// Documents that reached the group.
    pub docs: u64,
    /// Per stage.
    pub stages: Vec<StageSummary>,
}

/// Consecutive dedup stages sharing one key pass.
pub struct DedupGroup<'a> {
    stages: Vec<&'a DedupStage>,
    dir: PathBuf,
}

fn shard_file(dir: &Path, sub: &str, shard: usize, ext: &str) -> PathBuf {
    dir.join(sub).join(format!("{shard:06}.{ext}"))
}

impl<'a> DedupGroup<'a> {
    /// A group of `stages` (in pipeline order) working in `dir`.
    pub fn new(stages: Vec<&'a DedupStage>, dir: impl Into<PathBuf>) -> Self {
        Self {
            stages,
            dir: dir.into(),
        }
    }

    /// Work directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The stages.
    pub fn stages(&self) -> &[&'a DedupStage] {
        &self.stages
    }

    /// Keys of `doc` for every stage of the group, into `out` (cleared).
    pub fn keys(&self, doc: &Document, scratch: &mut KeyScratch, out: &mut Vec<DocKey>) {
        out.clear();
        for s in &self.stages {
            out.push(match s.kind() {
                DedupKind::Exact(e) => DocKey::Exact(e.key(&doc.text, &mut scratch.text)),
                DedupKind::MinHash(m) => {
                    let mut sig = Vec::new();
                    m.hasher()
                        .signature(&doc.text, &mut scratch.minhash, &mut sig);
                    DocKey::Signature(sig)
                }
                DedupKind::Paragraph(p) => {
                    let mut keys = Vec::new();
                    p.keys(&doc.text, &mut scratch.text, &mut keys);
                    DocKey::Lines(keys)
                }
            });
        }
    }

    /// Start writing shard `shard`'s key files (truncating old ones).
    pub fn key_writer(&self, shard: usize) -> Result<KeyWriter, Error> {
        let create = |ext: &str| -> Result<(PathBuf, BufWriter<File>), Error> {
            let path = shard_file(&self.dir, "keys", shard, ext);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
            Ok((path.clone(), BufWriter::with_capacity(1 << 18, f)))
        };
        let mut files = vec![create("ids")?, create("idx")?];
        let mut sig_len = Vec::new();
        for (j, s) in self.stages.iter().enumerate() {
            let (ext, len) = match s.kind() {
                DedupKind::Exact(_) => ("exact", 0),
                DedupKind::MinHash(m) => ("sig", m.hasher().len()),
                DedupKind::Paragraph(_) => ("lines", 0),
            };
            files.push(create(&format!("k{j}.{ext}"))?);
            sig_len.push(len);
        }
        Ok(KeyWriter {
            files,
            sig_len,
            id_end: 0,
            count: 0,
        })
    }

    /// The global step: read every shard's keys (`survivors[s]` documents
    /// in shard `s`), decide, and write every shard's decision files.
    /// Sort buffers stay within about `memory_limit` bytes; the MinHash
    /// union-find adds 4 bytes per document.
    pub fn decide(&self, survivors: &[u64], memory_limit: usize) -> Result<GroupSummary, Error> {
        self.decide_with(survivors, memory_limit, None)
    }

    /// [`Self::decide`], with the MinHash band buckets already found
    /// elsewhere (a distributed shuffle: [`Self::band_records`] per shard,
    /// [`reduce_bands`] per partition; `buckets` holds every reducer's
    /// output). Used for `keep = "first"` stages, whose result does not
    /// depend on the order of candidate pairs: the decisions equal
    /// [`Self::decide`]'s. `keep = "datatrove"` stages ignore `buckets`
    /// and sort the bands here, since datatrove's union order follows the
    /// band values.
    pub fn decide_with(
        &self,
        survivors: &[u64],
        memory_limit: usize,
        buckets: Option<&[&[u8]]>,
    ) -> Result<GroupSummary, Error> {
        let total: u64 = survivors.iter().sum();
        if total > u64::from(u32::MAX) {
            return Err(Error::TooManyDocuments(total));
        }
        let layout = Layout::new(&self.dir, survivors);
        let mut removed = vec![0u64; (total as usize).div_ceil(64)];
        let mut summary = GroupSummary {
            docs: total,
            stages: Vec::new(),
        };
        for (j, stage) in self.stages.iter().enumerate() {
            let start = std::time::Instant::now();
            let mut st = StageSummary {
                name: stage.name().to_string(),
                docs: total - count_ones(&removed),
                ..StageSummary::default()
            };
            let ctx = StageCtx {
                layout: &layout,
                j,
                stage,
                memory: memory_limit,
                sort_dir: self.dir.join("sort"),
            };
            match stage.kind() {
                DedupKind::Exact(_) => ctx.decide_exact(&mut removed, &mut st)?,
                DedupKind::MinHash(m) => match buckets {
                    Some(b) if m.hasher().params().keep == Keep::First => {
                        ctx.decide_buckets(m.hasher(), b, &mut removed, &mut st)?
                    }
                    _ => ctx.decide_minhash(m.hasher(), &mut removed, &mut st)?,
                },
                DedupKind::Paragraph(p) => ctx.decide_paragraph(p.min_docs(), &removed, &mut st)?,
            }
            st.seconds = start.elapsed().as_secs_f64();
            summary.stages.push(st);
        }
        let _ = std::fs::remove_dir_all(self.dir.join("sort"));
        Ok(summary)
    }

    /// Map side of a distributed MinHash shuffle: shard `shard`'s band
    /// records for stage `j` of the group (a `minhash_dedup`), read from
    /// its key file, hash-partitioned into `partitions` byte buffers. A
    /// record is [`BAND_RECORD`] bytes: band (u32), xxh3-128 of the band's
    /// values (u128), document number (u32: `offset` + position in the
    /// shard; `offset` = documents of the earlier shards). Documents without
    /// a signature have no records.
    pub fn band_records(
        &self,
        j: usize,
        shard: usize,
        offset: u64,
        count: u64,
        partitions: usize,
    ) -> Result<Vec<Vec<u8>>, Error> {
        let Some(DedupKind::MinHash(m)) = self.stages.get(j).map(|s| s.kind()) else {
            return Err(Error::Config {
                key: "stage".into(),
                message: format!("stage {j} of the group is not minhash_dedup"),
            });
        };
        if offset + count > u64::from(u32::MAX) {
            return Err(Error::TooManyDocuments(offset + count));
        }
        let (len, rows) = (m.hasher().len(), m.hasher().params().rows);
        let partitions = partitions.max(1);
        let mut out = vec![Vec::new(); partitions];
        let path = shard_file(&self.dir, "keys", shard, &format!("k{j}.sig"));
        let f = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let mut r = BufReader::with_capacity(1 << 18, f);
        let mut buf = vec![0u8; len * 8];
        for seq in 0..count {
            read_exact_or_corrupt(&mut r, &mut buf, &path, "a signature")?;
            if buf.iter().all(|&x| x == 0xff) {
                continue;
            }
            let idx = (offset + seq) as u32;
            for (band, chunk) in buf.chunks_exact(rows * 8).enumerate() {
                let digest = xxhash_rust::xxh3::xxh3_128(chunk);
                let part = &mut out[((digest as u64) % partitions as u64) as usize];
                part.extend_from_slice(&(band as u32).to_le_bytes());
                part.extend_from_slice(&digest.to_le_bytes());
                part.extend_from_slice(&idx.to_le_bytes());
            }
        }
        Ok(out)
    }

    /// Read shard `shard`'s decisions, in document order.
    pub fn decisions(&self, shard: usize) -> Result<DecisionReader, Error> {
        let mut readers = Vec::with_capacity(self.stages.len());
        for j in 0..self.stages.len() {
            let path = shard_file(&self.dir, "decisions", shard, &format!("k{j}.jsonl"));
            let f = File::open(&path).map_err(|e| Error::io(&path, e))?;
            readers.push(StageDecisions {
                path,
                r: BufReader::new(f),
                peeked: None,
                line: String::new(),
            });
        }
        Ok(DecisionReader { readers })
    }
}

fn count_ones(bits: &[u64]) -> u64 {
    bits.iter().map(|w| u64::from(w.count_ones())).sum()
}

fn is_set(bits: &[u64], i: u32) -> bool {
    bits[i as usize / 64] >> (i % 64) & 1 == 1
}

fn set(bits: &mut [u64], i: u32) {
    bits[i as usize / 64] |= 1 << (i % 64);
}

/// Streams one shard's keys to disk, in document order.
pub struct KeyWriter {
    files: Vec<(PathBuf, BufWriter<File>)>,
    sig_len: Vec<usize>,
    id_end: u64,
    count: u64,
}

impl KeyWriter {
    fn write(&mut self, i: usize, bytes: &[u8]) -> Result<(), Error> {
        let (path, w) = &mut self.files[i];
        w.write_all(bytes).map_err(|e| Error::io(path.as_path(), e))
    }

    /// Append the next document's id and keys (as [`DedupGroup::keys`] made them).
    pub fn push(&mut self, id: &str, keys: &[DocKey]) -> Result<(), Error> {
        self.write(0, id.as_bytes())?;
        self.id_end += id.len() as u64;
        self.write(1, &self.id_end.to_le_bytes())?;
        for (j, key) in keys.iter().enumerate() {
            match key {
                DocKey::Exact(h) => self.write(2 + j, &h.to_le_bytes())?,
                DocKey::Signature(sig) => {
                    let len = self.sig_len.get(j).copied().unwrap_or(0);
                    let mut bytes = Vec::with_capacity(len * 8);
                    if sig.len() == len {
                        sig.iter()
                            .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
                    } else {
                        bytes.resize(len * 8, 0xff);
                    }
                    self.write(2 + j, &bytes)?;
                }
                DocKey::Lines(lines) => {
                    let mut bytes = Vec::with_capacity(4 + 16 * lines.len());
                    bytes.extend_from_slice(&(lines.len() as u32).to_le_bytes());
                    lines
                        .iter()
                        .for_each(|h| bytes.extend_from_slice(&h.to_le_bytes()));
                    self.write(2 + j, &bytes)?;
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Flush and sync every file; returns the number of documents written.
    pub fn finish(self) -> Result<u64, Error> {
        for (path, w) in self.files {
            let f = w
                .into_inner()
                .map_err(|e| Error::io(&path, e.into_error()))?;
            f.sync_all().map_err(|e| Error::io(&path, e))?;
        }
        Ok(self.count)
    }
}

/// Maps global document numbers to (shard, seq) and opens shard files.
struct Layout {
    dir: PathBuf,
    /// `starts[s]`: global number of shard `s`'s first document.
    starts: Vec<u64>,
    total: u64,
}

impl Layout {
    fn new(dir: &Path, survivors: &[u64]) -> Self {
        let mut starts = Vec::with_capacity(survivors.len());
        let mut acc = 0;
        for &n in survivors {
            starts.push(acc);
            acc += n;
        }
        Self {
            dir: dir.to_path_buf(),
            starts,
            total: acc,
        }
    }

    fn shards(&self) -> usize {
        self.starts.len()
    }

    fn len(&self, shard: usize) -> u64 {
        self.starts.get(shard + 1).copied().unwrap_or(self.total) - self.starts[shard]
    }

    /// (shard, seq) of global document `idx`.
    fn locate(&self, idx: u32) -> (usize, u64) {
        let idx = u64::from(idx);
        // The last shard starting at or before `idx`: empty shards share
        // their start with the next one, so this one is not empty.
        let s = self
            .starts
            .partition_point(|&st| st <= idx)
            .saturating_sub(1);
        (s, idx - self.starts[s])
    }

    fn key_path(&self, shard: usize, ext: &str) -> PathBuf {
        shard_file(&self.dir, "keys", shard, ext)
    }

    fn open(&self, shard: usize, ext: &str) -> Result<(PathBuf, BufReader<File>), Error> {
        let path = self.key_path(shard, ext);
        let f = File::open(&path).map_err(|e| Error::io(&path, e))?;
        Ok((path, BufReader::with_capacity(1 << 20, f)))
    }
}

fn read_exact_or_corrupt(
    r: &mut impl Read,
    buf: &mut [u8],
    path: &Path,
    what: &str,
) -> Result<(), Error> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => Error::Corrupt {
            path: path.to_path_buf(),
            message: format!("ends before {what}"),
        },
        _ => Error::io(path, e),
    })
}

fn u128_at(b: &[u8]) -> u128 {
    let mut x = [0u8; 16];
    x.copy_from_slice(&b[..16]);
    u128::from_le_bytes(x)
}

fn u32_at(b: &[u8]) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[..4]);
    u32::from_le_bytes(x)
}

fn u64_at(b: &[u8]) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[..8]);
    u64::from_le_bytes(x)
}

/// Random access to ids and signatures by global number, with a small
/// cache of open files.
struct Lookup<'a> {
    layout: &'a Layout,
    files: HashMap<(usize, String), File>,
}

impl<'a> Lookup<'a> {
    fn new(layout: &'a Layout) -> Self {
        Self {
            layout,
            files: HashMap::new(),
        }
    }

    fn read_at(
        &mut self,
        shard: usize,
        ext: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<(), Error> {
        if self.files.len() > 64 {
            self.files.clear();
        }
        let key = (shard, ext.to_string());
        if !self.files.contains_key(&key) {
            let path = self.layout.key_path(shard, ext);
            let f = File::open(&path).map_err(|e| Error::io(&path, e))?;
            self.files.insert(key.clone(), f);
        }
        let path = self.layout.key_path(shard, ext);
        let f = self
            .files
            .get_mut(&key)
            .ok_or_else(|| Error::io(&path, std::io::Error::other("file cache")))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io(&path, e))?;
        read_exact_or_corrupt(f, buf, &path, "a looked-up record")
    }

    fn id(&mut self, idx: u32) -> Result<String, Error> {
        let (shard, seq) = self.layout.locate(idx);
        let mut b = [0u8; 8];
        let start = if seq == 0 {
            0
        } else {
            self.read_at(shard, "idx", (seq - 1) * 8, &mut b)?;
            u64::from_le_bytes(b)
        };
        self.read_at(shard, "idx", seq * 8, &mut b)?;
        let end = u64::from_le_bytes(b);
        let mut id = vec![0u8; end.saturating_sub(start) as usize];
        self.read_at(shard, "ids", start, &mut id)?;
        String::from_utf8(id).map_err(|_| Error::Corrupt {
            path: self.layout.key_path(shard, "ids"),
            message: "id is not UTF-8".into(),
        })
    }

    fn signature(&mut self, j: usize, len: usize, idx: u32) -> Result<Vec<u64>, Error> {
        let (shard, seq) = self.layout.locate(idx);
        let mut b = vec![0u8; len * 8];
        self.read_at(shard, &format!("k{j}.sig"), seq * (len as u64) * 8, &mut b)?;
        Ok(b.chunks_exact(8).map(u64_at).collect())
    }
}

/// Writes decision files shard by shard, for documents given in global order.
struct DecisionSink<'a> {
    layout: &'a Layout,
    j: usize,
    shard: usize,
    w: Option<(PathBuf, BufWriter<File>)>,
}

#[derive(Serialize, Deserialize)]
struct DecisionLine {
    seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duplicate: Option<Duplicate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    lines: Vec<String>,
}

impl<'a> DecisionSink<'a> {
    fn new(layout: &'a Layout, j: usize) -> Result<Self, Error> {
        let mut s = Self {
            layout,
            j,
            shard: 0,
            w: None,
        };
        s.open(0)?;
        Ok(s)
    }

    fn open(&mut self, shard: usize) -> Result<(), Error> {
        self.close()?;
        self.shard = shard;
        if shard >= self.layout.shards() {
            return Ok(());
        }
        let path = shard_file(
            &self.layout.dir,
            "decisions",
            shard,
            &format!("k{}.jsonl", self.j),
        );
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
        self.w = Some((path, BufWriter::new(f)));
        Ok(())
    }

    fn close(&mut self) -> Result<(), Error> {
        if let Some((path, w)) = self.w.take() {
            let f = w
                .into_inner()
                .map_err(|e| Error::io(&path, e.into_error()))?;
            f.sync_all().map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }

    fn write(&mut self, idx: u32, line: DecisionLine) -> Result<(), Error> {
        let (shard, seq) = self.layout.locate(idx);
        while self.shard < shard {
            self.open(self.shard + 1)?;
        }
        let Some((path, w)) = self.w.as_mut() else {
            return Ok(());
        };
        let line = DecisionLine { seq, ..line };
        serde_json::to_writer(&mut *w, &line)
            .map_err(|e| Error::io(path.as_path(), std::io::Error::other(e)))?;
        w.write_all(b"\n").map_err(|e| Error::io(path.as_path(), e))
    }

    /// Create the remaining (empty) shard files and close.
    fn finish(mut self) -> Result<(), Error> {
        while self.shard + 1 < self.layout.shards() {
            self.open(self.shard + 1)?;
        }
        self.close()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct KeyRec {
    key: u128,
    idx: u32,
}

impl Record for KeyRec {
    const SIZE: usize = 20;
    fn encode(&self, out: &mut [u8]) {
        out[..16].copy_from_slice(&self.key.to_le_bytes());
        out[16..20].copy_from_slice(&self.idx.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Self {
            key: u128_at(b),
            idx: u32_at(&b[16..]),
        }
    }
}

/// (removed document, kept document, key), ordered by removed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RemovalRec {
    idx: u32,
    kept: u32,
    key: u128,
}

impl Record for RemovalRec {
    const SIZE: usize = 24;
    fn encode(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.idx.to_le_bytes());
        out[4..8].copy_from_slice(&self.kept.to_le_bytes());
        out[8..24].copy_from_slice(&self.key.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Self {
            idx: u32_at(b),
            kept: u32_at(&b[4..]),
            key: u128_at(&b[8..]),
        }
    }
}

/// Bytes of one band record of [`DedupGroup::band_records`].
pub const BAND_RECORD: usize = 24;

/// Reduce side of a distributed MinHash shuffle: the band records of one
/// partition (from every map task, in any order) sorted, and every bucket
/// (records with equal band and digest) of two or more documents written
/// as a u32 count followed by its u32 document numbers in increasing order.
pub fn reduce_bands(parts: &[&[u8]]) -> Result<Vec<u8>, Error> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut recs: Vec<(u32, u128, u32)> = Vec::with_capacity(total / BAND_RECORD);
    for p in parts {
        if p.len() % BAND_RECORD != 0 {
            return Err(Error::Corrupt {
                path: PathBuf::from("<band records>"),
                message: format!("{} bytes is not a whole number of records", p.len()),
            });
        }
        recs.extend(
            p.chunks_exact(BAND_RECORD)
                .map(|r| (u32_at(r), u128_at(&r[4..]), u32_at(&r[20..]))),
        );
    }
    recs.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    while start < recs.len() {
        let key = (recs[start].0, recs[start].1);
        let mut end = start + 1;
        while end < recs.len() && (recs[end].0, recs[end].1) == key {
            end += 1;
        }
        if end - start >= 2 {
            out.extend_from_slice(&((end - start) as u32).to_le_bytes());
            for r in &recs[start..end] {
                out.extend_from_slice(&r.2.to_le_bytes());
            }
        }
        start = end;
    }
    Ok(out)
}

/// A candidate pair, ordered by its later document, then its earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PairRec {
    later: u32,
    earlier: u32,
}

impl Record for PairRec {
    const SIZE: usize = 8;
    fn encode(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.later.to_le_bytes());
        out[4..8].copy_from_slice(&self.earlier.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Self {
            later: u32_at(b),
            earlier: u32_at(&b[4..]),
        }
    }
}

/// Estimated Jaccard similarity a removed document needs with the kept one
/// when `keep = "first"` and no `threshold` is set. 0.8 (NeMo Curator's
/// default Jaccard threshold too): on the benchmark corpus it keeps pair
/// precision >= 0.98 up to 1M documents, where the 14 x 8 bands' own
/// threshold, `(1/14)^(1/8)` = 0.719, lets through pairs of documents that
/// merely share a source page (docs/dedup.md).
pub const DEFAULT_THRESHOLD: f64 = 0.8;

/// One LSH band of one document: (band, its values zero-padded to `R`,
/// document). Sorting these orders each band's documents by their values,
/// then input order, exactly as datatrove does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct BandRec<const R: usize> {
    band: u32,
    values: [u64; R],
    idx: u32,
}

impl<const R: usize> Record for BandRec<R> {
    const SIZE: usize = 8 + 8 * R;
    fn encode(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.band.to_le_bytes());
        for (k, v) in self.values.iter().enumerate() {
            out[4 + 8 * k..12 + 8 * k].copy_from_slice(&v.to_le_bytes());
        }
        out[4 + 8 * R..8 + 8 * R].copy_from_slice(&self.idx.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        let mut values = [0u64; R];
        for (k, v) in values.iter_mut().enumerate() {
            *v = u64_at(&b[4 + 8 * k..]);
        }
        Self {
            band: u32_at(b),
            values,
            idx: u32_at(&b[4 + 8 * R..]),
        }
    }
}

struct StageCtx<'a> {
    layout: &'a Layout,
    j: usize,
    stage: &'a DedupStage,
    memory: usize,
    sort_dir: PathBuf,
}

impl StageCtx<'_> {
    fn sorter<R: Record>(&self, name: &str, memory: usize) -> Result<Sorter<R>, Error> {
        let dir = self.sort_dir.join(format!("k{}-{name}", self.j));
        let _ = std::fs::remove_dir_all(&dir);
        Sorter::new(&dir, memory)
    }

    /// Visit every document of the group with its record of `ext`
    /// (`fixed` bytes, or a `u32` count of 16-byte keys when `fixed == 0`).
    fn scan(
        &self,
        ext: &str,
        fixed: usize,
        mut f: impl FnMut(u32, &[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut idx: u32 = 0;
        let mut buf = vec![0u8; fixed];
        for shard in 0..self.layout.shards() {
            let (path, mut r) = self.layout.open(shard, &format!("k{}.{ext}", self.j))?;
            for _ in 0..self.layout.len(shard) {
                if fixed > 0 {
                    read_exact_or_corrupt(&mut r, &mut buf, &path, "the last document")?;
                } else {
                    let mut n = [0u8; 4];
                    read_exact_or_corrupt(&mut r, &mut n, &path, "the last document")?;
                    buf.resize(16 * u32::from_le_bytes(n) as usize, 0);
                    read_exact_or_corrupt(&mut r, &mut buf, &path, "the last document")?;
                }
                f(idx, &buf)?;
                idx += 1;
            }
        }
        Ok(())
    }

    fn decide_exact(&self, removed: &mut [u64], st: &mut StageSummary) -> Result<(), Error> {
        let mut keys: Sorter<KeyRec> = self.sorter("keys", self.memory)?;
        self.scan("exact", 16, |idx, b| {
            if !is_set(removed, idx) {
                keys.push(KeyRec {
                    key: u128_at(b),
                    idx,
                })?;
            }
            Ok(())
        })?;
        st.spilled_runs += keys.runs() as u64;
        let mut sorted = keys.finish()?;
        let mut removals: Sorter<RemovalRec> = self.sorter("removals", self.memory / 2)?;
        let mut first: Option<KeyRec> = None;
        while let Some(r) = sorted.next_record()? {
            match first {
                Some(f) if f.key == r.key => {
                    removals.push(RemovalRec {
                        idx: r.idx,
                        kept: f.idx,
                        key: r.key,
                    })?;
                }
                _ => first = Some(r),
            }
        }
        drop(sorted);
        st.spilled_runs += removals.runs() as u64;
        let mut sorted = removals.finish()?;
        let mut lookup = Lookup::new(self.layout);
        let mut sink = DecisionSink::new(self.layout, self.j)?;
        let mut clusters = HashSet::new();
        while let Some(r) = sorted.next_record()? {
            set(removed, r.idx);
            st.removed += 1;
            clusters.insert(r.kept);
            let dup = Duplicate {
                duplicate_of: lookup.id(r.kept)?,
                cluster: Some(format!(
                    "{}:{:016x}",
                    self.stage.name(),
                    (r.key >> 64) as u64
                )),
                similarity: Some(1.0),
            };
            sink.write(
                r.idx,
                DecisionLine {
                    seq: 0,
                    duplicate: Some(dup),
                    lines: Vec::new(),
                },
            )?;
        }
        st.clusters = clusters.len() as u64;
        sink.finish()
    }

    fn decide_minhash(
        &self,
        hasher: &MinHasher,
        removed: &mut [u64],
        st: &mut StageSummary,
    ) -> Result<(), Error> {
        let (len, p) = (hasher.len(), hasher.params());
        let (rows, keep, threshold) = (p.rows, p.keep, p.threshold);
        match rows {
            0..=8 => self.decide_minhash_r::<8>(len, rows, keep, threshold, removed, st),
            9..=16 => self.decide_minhash_r::<16>(len, rows, keep, threshold, removed, st),
            _ => self.decide_minhash_r::<64>(len, rows, keep, threshold, removed, st),
        }
    }

    /// [`Self::decide_minhash`] with band values padded to `R` (>= rows).
    fn decide_minhash_r<const R: usize>(
        &self,
        len: usize,
        rows: usize,
        keep: Keep,
        threshold: Option<f64>,
        removed: &mut [u64],
        st: &mut StageSummary,
    ) -> Result<(), Error> {
        let n = self.layout.total as usize;
        let uf_bytes = n * if keep == Keep::First { 4 } else { 8 };
        let memory = self.memory.saturating_sub(uf_bytes).max(16 << 20);
        let mut bands: Sorter<BandRec<R>> = self.sorter("bands", memory)?;
        self.scan("sig", len * 8, |idx, b| {
            // Signature values are < 2^61 - 1, so all-0xff means "none".
            if is_set(removed, idx) || b.iter().all(|&x| x == 0xff) {
                return Ok(());
            }
            for (band, chunk) in b.chunks_exact(rows * 8).enumerate() {
                let mut values = [0u64; R];
                for (v, c) in values.iter_mut().zip(chunk.chunks_exact(8)) {
                    *v = u64_at(c);
                }
                bands.push(BandRec {
                    band: band as u32,
                    values,
                    idx,
                })?;
            }
            Ok(())
        })?;
        st.spilled_runs += bands.runs() as u64;
        let mut sorted = bands.finish()?;
        if keep == Keep::First {
            let t = threshold.unwrap_or(DEFAULT_THRESHOLD);
            return self.decide_verified::<R>(sorted, len, t, removed, st);
        }
        let mut uf = UnionFind::new(n, keep);
        let mut prev: Option<BandRec<R>> = None;
        let mut lookup = Lookup::new(self.layout);
        while let Some(r) = sorted.next_record()? {
            if let Some(p) = prev {
                if p.band == r.band && p.values == r.values {
                    st.pairs += 1;
                    let verified = match threshold {
                        None => true,
                        Some(t) => {
                            let a = lookup.signature(self.j, len, p.idx)?;
                            let b = lookup.signature(self.j, len, r.idx)?;
                            similarity(&a, &b) >= t
                        }
                    };
                    if verified {
                        uf.union(p.idx, r.idx);
                    }
                }
            }
            prev = Some(r);
        }
        drop(sorted);
        // Clusters are numbered in the input order of their first removed
        // member.
        let mut sink = DecisionSink::new(self.layout, self.j)?;
        let mut cluster_of: HashMap<u32, u64> = HashMap::new();
        for i in 0..n as u32 {
            let root = uf.find(i);
            if root == i {
                continue;
            }
            let next = cluster_of.len() as u64;
            let cluster = *cluster_of.entry(root).or_insert(next);
            let sim = similarity(
                &lookup.signature(self.j, len, i)?,
                &lookup.signature(self.j, len, root)?,
            );
            set(removed, i);
            st.removed += 1;
            let dup = Duplicate {
                duplicate_of: lookup.id(root)?,
                cluster: Some(format!("{}:{cluster}", self.stage.name())),
                similarity: Some((sim * 1e4).round() / 1e4),
            };
            sink.write(
                i,
                DecisionLine {
                    seq: 0,
                    duplicate: Some(dup),
                    lines: Vec::new(),
                },
            )?;
        }
        st.clusters = cluster_of.len() as u64;
        sink.finish()
    }

    /// `keep = "first"`: every removed document is verified against the
    /// document it is removed for. Candidate pairs (band collisions) are
    /// sorted by their later document; documents are then decided in input
    /// order: document `i` is a duplicate of the most similar kept document
    /// among the representatives of its earlier candidates (a candidate's
    /// representative is itself when kept, else the document it was removed
    /// for), provided the estimated Jaccard similarity reaches `threshold`;
    /// otherwise it is kept. No chains: two documents are only ever linked
    /// through a direct, verified comparison. Memory: the sort buffers and
    /// 4 bytes per document.
    fn decide_verified<const R: usize>(
        &self,
        mut sorted: crate::sort::Sorted<BandRec<R>>,
        len: usize,
        threshold: f64,
        removed: &mut [u64],
        st: &mut StageSummary,
    ) -> Result<(), Error> {
        let mut pairs: Sorter<PairRec> = self.sorter("pairs", (self.memory / 4).max(8 << 20))?;
        let mut prev: Option<BandRec<R>> = None;
        while let Some(r) = sorted.next_record()? {
            if let Some(p) = prev {
                if p.band == r.band && p.values == r.values {
                    st.pairs += 1;
                    // Equal values sort by document number: p.idx < r.idx.
                    pairs.push(PairRec {
                        later: r.idx,
                        earlier: p.idx,
                    })?;
                }
            }
            prev = Some(r);
        }
        drop(sorted);
        self.cluster_verified(pairs, len, threshold, removed, st)
    }

    /// `keep = "first"` from buckets found by a distributed shuffle (see
    /// [`DedupGroup::decide_with`]): in each bucket (documents in increasing
    /// order) the documents still live are paired with their live
    /// predecessor, exactly the pairs the local band sort makes.
    fn decide_buckets(
        &self,
        hasher: &MinHasher,
        buckets: &[&[u8]],
        removed: &mut [u64],
        st: &mut StageSummary,
    ) -> Result<(), Error> {
        let (len, p) = (hasher.len(), hasher.params());
        let threshold = p.threshold.unwrap_or(DEFAULT_THRESHOLD);
        let corrupt = |message: &str| Error::Corrupt {
            path: self.sort_dir.clone(),
            message: format!("band buckets: {message}"),
        };
        let mut pairs: Sorter<PairRec> = self.sorter("pairs", (self.memory / 2).max(8 << 20))?;
        let n = self.layout.total;
        for b in buckets {
            let mut at = 0usize;
            while at < b.len() {
                let k = b
                    .get(at..at + 4)
                    .map(u32_at)
                    .ok_or_else(|| corrupt("truncated"))? as usize;
                let members = b
                    .get(at + 4..at + 4 + 4 * k)
                    .ok_or_else(|| corrupt("truncated"))?;
                at += 4 + 4 * k;
                let mut prev: Option<u32> = None;
                for m in members.chunks_exact(4).map(u32_at) {
                    if u64::from(m) >= n || prev.is_some_and(|p| p >= m) {
                        return Err(corrupt("document number out of order or range"));
                    }
                    if is_set(removed, m) {
                        continue;
                    }
                    if let Some(p) = prev.filter(|&p| !is_set(removed, p)) {
                        st.pairs += 1;
                        pairs.push(PairRec {
                            later: m,
                            earlier: p,
                        })?;
                    }
                    prev = Some(m);
                }
            }
        }
        self.cluster_verified(pairs, len, threshold, removed, st)
    }

    /// Decide `keep = "first"` from its candidate pairs (see
    /// [`Self::decide_verified`]).
    fn cluster_verified(
        &self,
        pairs: Sorter<PairRec>,
        len: usize,
        threshold: f64,
        removed: &mut [u64],
        st: &mut StageSummary,
    ) -> Result<(), Error> {
        let n = self.layout.total as usize;
        st.spilled_runs += pairs.runs() as u64;
        let mut sorted = pairs.finish()?;
        // rep[i]: the kept document i was removed for, or i itself.
        let mut rep: Vec<u32> = (0..n as u32).collect();
        let mut lookup = Lookup::new(self.layout);
        let mut sink = DecisionSink::new(self.layout, self.j)?;
        let mut cluster_of: HashMap<u32, u64> = HashMap::new();
        let mut cands: Vec<u32> = Vec::new();
        let mut next = sorted.next_record()?;
        while let Some(first) = next {
            let i = first.later;
            cands.clear();
            cands.push(rep[first.earlier as usize]);
            loop {
                next = sorted.next_record()?;
                match next {
                    Some(p) if p.later == i => cands.push(rep[p.earlier as usize]),
                    _ => break,
                }
            }
            cands.sort_unstable();
            cands.dedup();
            let sig = lookup.signature(self.j, len, i)?;
            // Most similar candidate; on ties the earliest.
            let mut best: Option<(f64, u32)> = None;
            for &c in &cands {
                let sim = similarity(&sig, &lookup.signature(self.j, len, c)?);
                if sim >= threshold && best.is_none_or(|(b, _)| sim > b) {
                    best = Some((sim, c));
                }
            }
            let Some((sim, kept)) = best else { continue };
            rep[i as usize] = kept;
            let next_cluster = cluster_of.len() as u64;
            let cluster = *cluster_of.entry(kept).or_insert(next_cluster);
            set(removed, i);
            st.removed += 1;
            let dup = Duplicate {
                duplicate_of: lookup.id(kept)?,
                cluster: Some(format!("{}:{cluster}", self.stage.name())),
                similarity: Some((sim * 1e4).round() / 1e4),
            };
            sink.write(
                i,
                DecisionLine {
                    seq: 0,
                    duplicate: Some(dup),
                    lines: Vec::new(),
                },
            )?;
        }
        st.clusters = cluster_of.len() as u64;
        sink.finish()
    }

    fn decide_paragraph(
        &self,
        min_docs: usize,
        removed: &[u64],
        st: &mut StageSummary,
    ) -> Result<(), Error> {
        let mut lines: Sorter<KeyRec> = self.sorter("lines", self.memory / 2)?;
        self.scan("lines", 0, |idx, b| {
            if !is_set(removed, idx) {
                for k in b.chunks_exact(16) {
                    lines.push(KeyRec {
                        key: u128_at(k),
                        idx,
                    })?;
                }
            }
            Ok(())
        })?;
        st.spilled_runs += lines.runs() as u64;
        let mut sorted = lines.finish()?;
        // Per key the documents having it come in input order (keys are
        // distinct within a document): hold the first `min_docs`, then
        // every later one is a removal against the first.
        let mut removals: Sorter<RemovalRec> = self.sorter("removals", self.memory / 2)?;
        let mut key: Option<u128> = None;
        let mut held: Vec<u32> = Vec::with_capacity(min_docs);
        while let Some(r) = sorted.next_record()? {
            if key != Some(r.key) {
                key = Some(r.key);
                held.clear();
            }
            let removal = |idx: u32, kept: u32| RemovalRec {
                idx,
                kept,
                key: r.key,
            };
            if held.len() < min_docs {
                held.push(r.idx);
                if held.len() == min_docs {
                    for &idx in &held[1..] {
                        removals.push(removal(idx, held[0]))?;
                    }
                }
            } else {
                removals.push(removal(r.idx, held[0]))?;
            }
        }
        drop(sorted);
        st.spilled_runs += removals.runs() as u64;
        let mut sorted = removals.finish()?;
        let mut sink = DecisionSink::new(self.layout, self.j)?;
        let mut cur: Option<u32> = None;
        let mut keys: Vec<String> = Vec::new();
        let mut emit = |sink: &mut DecisionSink, idx: u32, keys: &mut Vec<String>| {
            st.docs_with_lines += 1;
            st.line_keys_removed += keys.len() as u64;
            sink.write(
                idx,
                DecisionLine {
                    seq: 0,
                    duplicate: None,
                    lines: std::mem::take(keys),
                },
            )
        };
        while let Some(r) = sorted.next_record()? {
            if cur != Some(r.idx) {
                if let Some(c) = cur {
                    emit(&mut sink, c, &mut keys)?;
                }
                cur = Some(r.idx);
            }
            keys.push(format!("{:032x}", r.key));
        }
        if let Some(c) = cur {
            emit(&mut sink, c, &mut keys)?;
        }
        sink.finish()
    }
}

/// Union-find over document numbers. With [`Keep::First`] the root of a
/// set is its smallest member, whatever order the unions come in. With
/// [`Keep::Datatrove`] it is union by size as datatrove's
/// `MinhashDedupCluster` does (on equal sizes the root of the pair's first
/// document stays root), so that, fed the same pairs in the same order, the
/// same documents are kept.
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize, keep: Keep) -> Self {
        Self {
            parent: (0..n as u32).collect(),
            size: match keep {
                Keep::First => Vec::new(),
                Keep::Datatrove => vec![1; n],
            },
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            let gp = self.parent[p as usize];
            self.parent[x as usize] = gp; // path halving
            x = gp;
        }
        x
    }

    /// Join the sets of `a` and `b` (`a` comes first in the pair).
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (root, child) = if self.size.is_empty() {
            (ra.min(rb), ra.max(rb))
        } else if self.size[ra as usize] < self.size[rb as usize] {
            (rb, ra)
        } else {
            (ra, rb)
        };
        self.parent[child as usize] = root;
        if !self.size.is_empty() {
            self.size[root as usize] += self.size[child as usize];
        }
    }
}

struct StageDecisions {
    path: PathBuf,
    r: BufReader<File>,
    peeked: Option<DecisionLine>,
    line: String,
}

impl StageDecisions {
    fn peek(&mut self) -> Result<Option<&DecisionLine>, Error> {
        if self.peeked.is_none() {
            self.line.clear();
            let n = self
                .r
                .read_line(&mut self.line)
                .map_err(|e| Error::io(&self.path, e))?;
            if n > 0 {
                let d: DecisionLine =
                    serde_json::from_str(&self.line).map_err(|e| Error::Corrupt {
                        path: self.path.clone(),
                        message: e.to_string(),
                    })?;
                self.peeked = Some(d);
            }
        }
        Ok(self.peeked.as_ref())
    }
}

/// One shard's decisions of every stage of a group, read in document order.
pub struct DecisionReader {
    readers: Vec<StageDecisions>,
}

impl DecisionReader {
    /// Decisions (one entry per stage of the group) for the document at
    /// position `seq`; positions must be asked in increasing order.
    pub fn take(&mut self, seq: u64) -> Result<Vec<Option<Decision>>, Error> {
        let mut out = Vec::with_capacity(self.readers.len());
        for r in &mut self.readers {
            while r.peek()?.is_some_and(|d| d.seq < seq) {
                r.peeked = None; // a position never asked: skip it
            }
            let hit = r.peek()?.is_some_and(|d| d.seq == seq);
            out.push(if hit {
                r.peeked.take().map(|d| match d.duplicate {
                    Some(dup) => Decision::Duplicate(dup),
                    None => Decision::Lines(
                        d.lines
                            .iter()
                            .filter_map(|h| u128::from_str_radix(h, 16).ok())
                            .collect(),
                    ),
                })
            } else {
                None
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_by_size_keeps_the_bigger_sets_root() {
        let mut uf = UnionFind::new(10, Keep::Datatrove);
        uf.union(5, 6);
        uf.union(6, 7); // {5,6,7} root 5
        uf.union(1, 2); // {1,2} root 1
        uf.union(2, 7); // smaller joins bigger: root 5
        assert_eq!(uf.find(1), 5);
        uf.union(8, 9);
        assert_eq!(uf.find(9), 8, "equal sizes: the first document's root");
    }

    #[test]
    fn union_find_root_is_smallest_member() {
        let mut uf = UnionFind::new(10, Keep::First);
        uf.union(7, 9);
        uf.union(9, 3);
        uf.union(5, 6);
        uf.union(6, 7);
        for i in [3, 5, 6, 7, 9] {
            assert_eq!(uf.find(i), 3);
        }
        assert_eq!(uf.find(4), 4);
    }

    #[test]
    fn layout_locates_across_empty_shards() {
        let l = Layout::new(Path::new("x"), &[2, 0, 3, 0, 1]);
        let got: Vec<_> = (0..6).map(|i| l.locate(i)).collect();
        assert_eq!(got, vec![(0, 0), (0, 1), (2, 0), (2, 1), (2, 2), (4, 0)]);
    }
}
