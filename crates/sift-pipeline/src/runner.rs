//! The runner: shards in parallel, batches within a shard in parallel,
//! deterministic output, atomic files, resumable runs.
//!
//! Execution model: every input shard is handled by one rayon task that reads
//! records in batches; a batch is cut into chunks processed in parallel
//! (stages in order, first drop wins); chunk results are serialised in
//! parallel and written in input order. So output bytes depend only on the
//! input and the pipeline, never on `--threads`. A finished shard renames its
//! files into place and then writes a completion marker
//! (`DIR/.sift/done/SHARD.json`, holding its stats); a rerun skips shards
//! with a marker and redoes the others.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sift_core::{Document, RunStats, Stage, StageStats, Verdict};
use sift_io::input::RecordIter;
use sift_io::jsonl::{write_doc, write_rejected, DocOutput};
use sift_io::output::{write_atomic, CATEGORIES};
use sift_io::{FieldNames, OutputFormat, Record, Rejected, Shard, ShardOutput};

use crate::{Error, PipelineConfig};

pub(crate) mod phased;

/// Default of [`Pipeline::set_memory_limit`]: 1 GiB.
pub const DEFAULT_MEMORY_LIMIT: usize = 1 << 30;

/// A built pipeline: validated stages ready to run.
pub struct Pipeline {
    config: PipelineConfig,
    stages: Vec<Box<dyn Stage>>,
    fields: FieldNames,
    /// The global (dedup) stages, at their pipeline positions; a pipeline
    /// with any runs in passes (see `runner/phased.rs`).
    dedup: Vec<Option<sift_dedup::DedupStage>>,
    /// Bytes the dedup sorts may buffer before spilling to disk.
    memory_limit: usize,
}

/// Where a document ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Kept (maybe cleaned).
    Kept,
    /// Removed by stage `stage` (index) for `reason`.
    Removed {
        /// Index of the stage that dropped it.
        stage: usize,
        /// Reason code.
        reason: String,
    },
}

/// Settings of a run that are not part of the pipeline.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Output directory.
    pub output: PathBuf,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Delete a previous run's output in `output` first.
    pub overwrite: bool,
    /// Documents per batch read from a shard.
    pub batch_docs: usize,
    /// Output compression.
    pub format: OutputFormat,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            output: PathBuf::from("sift-out"),
            threads: 0,
            overwrite: false,
            batch_docs: 2048,
            format: OutputFormat::default(),
        }
    }
}

/// Live counters a UI can poll while a run is going.
#[derive(Debug, Default)]
pub struct Progress {
    /// Raw (compressed) input bytes consumed.
    pub bytes_read: Arc<AtomicU64>,
    /// Total raw bytes of all shards.
    pub bytes_total: AtomicU64,
    /// Records read.
    pub docs: AtomicU64,
    /// Shards finished (including skipped ones).
    pub shards_done: AtomicUsize,
    /// Shards in the run.
    pub shards_total: AtomicUsize,
    /// Shards skipped because an earlier run finished them.
    pub shards_skipped: AtomicUsize,
}

/// Identity of a run, stored in `DIR/.sift/run.json`, so that a rerun into
/// the same directory resumes only the same pipeline over the same inputs.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct RunIdentity {
    sift_version: String,
    pipeline: String,
    text_key: String,
    id_key: String,
    output_suffix: String,
    shards: Vec<String>,
}

/// Documents per chunk, the unit of parallel work.
const CHUNK_DOCS: usize = 64;

struct ChunkOut {
    kept: Vec<u8>,
    removed: Vec<u8>,
    stats: RunStats,
}

impl Pipeline {
    /// Build every stage of `config`.
    pub fn build(config: PipelineConfig) -> Result<Self, Error> {
        let stages = config
            .stages
            .iter()
            .map(|s| s.kind.build(&s.name))
            .collect::<Result<Vec<_>, _>>()?;
        let fields = FieldNames {
            text: config.input.text_key.clone(),
            id: config.input.id_key.clone(),
        };
        let dedup = config
            .stages
            .iter()
            .map(|s| s.kind.build_dedup(&s.name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            config,
            stages,
            fields,
            dedup,
            memory_limit: DEFAULT_MEMORY_LIMIT,
        })
    }

    /// Bound the memory of dedup's global steps (sort buffers; beyond it
    /// they spill sorted runs to disk). MinHash clustering adds 4 to 8
    /// bytes per document on top.
    pub fn set_memory_limit(&mut self, bytes: usize) {
        self.memory_limit = bytes;
    }

    /// Whether the pipeline has global (dedup) stages, so runs make
    /// several passes over the data.
    pub fn has_global_stages(&self) -> bool {
        self.dedup.iter().any(Option::is_some)
    }

    /// The configuration this pipeline was built from.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// Input field names.
    pub fn fields(&self) -> &FieldNames {
        &self.fields
    }

    /// Override the input field names (`--text-key`, `--id-key`).
    pub fn set_fields(&mut self, fields: FieldNames) {
        self.config.input.text_key = fields.text.clone();
        self.config.input.id_key = fields.id.clone();
        self.fields = fields;
    }

    /// Empty per-stage counters for this pipeline.
    pub fn new_stats(&self) -> RunStats {
        RunStats::for_stages(self.stages.iter().map(|s| s.name()))
    }

    /// Run one document through every stage, counting into `stats`
    /// (one entry per stage). On a drop, `doc.sift.reason/stage` are set.
    pub fn process(&self, doc: &mut Document, stats: &mut [StageStats]) -> Fate {
        for (i, stage) in self.stages.iter().enumerate() {
            let before = doc.sift.removed_lines.len();
            let verdict = stage.process(doc);
            self.account(i, doc, before, &verdict, stats);
            if let Verdict::Drop(reason) = verdict {
                return Fate::Removed {
                    stage: i,
                    reason: reason.into_owned(),
                };
            }
        }
        Fate::Kept
    }

    fn account(
        &self,
        i: usize,
        doc: &mut Document,
        lines_before: usize,
        verdict: &Verdict,
        stats: &mut [StageStats],
    ) {
        let st = &mut stats[i];
        st.docs_in += 1;
        let new_lines = &doc.sift.removed_lines[lines_before..];
        if !new_lines.is_empty() {
            st.docs_edited += 1;
            for l in new_lines {
                st.count_line(&l.reason);
            }
        }
        if let Verdict::Drop(reason) = verdict {
            st.count_drop(reason);
            doc.sift.reason = Some(reason.to_string());
            doc.sift.stage = Some(self.stages[i].name().to_string());
        }
    }

    /// Process a chunk stage by stage (so stages can use `process_batch`)
    /// and serialise the results in input order.
    fn process_chunk(&self, docs: Vec<Document>) -> ChunkOut {
        let mut stats = self.new_stats();
        let n = docs.len();
        let mut fates: Vec<Option<Fate>> = vec![None; n];
        let mut alive: Vec<Document> = docs;
        let mut alive_idx: Vec<usize> = (0..n).collect();
        let mut done: Vec<Option<Document>> = (0..n).map(|_| None).collect();
        let mut verdicts = Vec::with_capacity(n);
        let mut before = Vec::with_capacity(n);
        for (si, stage) in self.stages.iter().enumerate() {
            if alive.is_empty() {
                break;
            }
            before.clear();
            before.extend(alive.iter().map(|d| d.sift.removed_lines.len()));
            verdicts.clear();
            stage.process_batch(&mut alive, &mut verdicts);
            let mut next = Vec::with_capacity(alive.len());
            let mut next_idx = Vec::with_capacity(alive.len());
            for (k, mut doc) in alive.drain(..).enumerate() {
                let verdict = verdicts.get(k).cloned().unwrap_or(Verdict::Keep);
                self.account(si, &mut doc, before[k], &verdict, &mut stats.stages);
                let idx = alive_idx[k];
                if let Verdict::Drop(reason) = verdict {
                    fates[idx] = Some(Fate::Removed {
                        stage: si,
                        reason: reason.into_owned(),
                    });
                    done[idx] = Some(doc);
                } else {
                    next.push(doc);
                    next_idx.push(idx);
                }
            }
            alive = next;
            alive_idx = next_idx;
        }
        for (doc, idx) in alive.into_iter().zip(alive_idx) {
            fates[idx] = Some(Fate::Kept);
            done[idx] = Some(doc);
        }
        // Room for every record up front: growing by doubling copies the
        // buffer each time and, past glibc's mmap threshold, maps fresh
        // (zeroed, faulting) pages for it. A record is about its input line
        // plus what sift adds (removed lines are bounded by the text).
        let (mut kept_cap, mut removed_cap) = (0usize, 0usize);
        for (doc, fate) in done.iter().zip(&fates) {
            let Some(doc) = doc else { continue };
            let need = doc.origin.bytes as usize + doc.text.len() / 4 + 256;
            match fate {
                Some(Fate::Removed { .. }) => removed_cap += need,
                _ => kept_cap += need,
            }
        }
        let mut out = ChunkOut {
            kept: Vec::with_capacity(kept_cap),
            removed: Vec::with_capacity(removed_cap),
            stats,
        };
        for (doc, fate) in done.into_iter().zip(fates) {
            let Some(doc) = doc else { continue };
            out.stats.docs_in += 1;
            out.stats.bytes_in += doc.origin.bytes;
            out.stats.text_bytes_in += doc.original_text().len() as u64;
            match fate {
                Some(Fate::Removed { .. }) => {
                    out.stats.docs_removed += 1;
                    write_doc(&doc, &self.fields, DocOutput::Removed, &mut out.removed);
                }
                _ => {
                    out.stats.docs_kept += 1;
                    out.stats.bytes_out += doc.text.len() as u64;
                    write_doc(&doc, &self.fields, DocOutput::Kept, &mut out.kept);
                }
            }
        }
        out
    }

    /// Run over `shards`, writing to `opts.output`. Returns the merged stats
    /// (also written to `DIR/stats.json`).
    pub fn run(
        &self,
        shards: &[Shard],
        opts: &RunOptions,
        progress: &Progress,
    ) -> Result<RunStats, Error> {
        if self.has_global_stages() {
            return phased::run(self, shards, opts, progress);
        }
        let start = Instant::now();
        let out = &opts.output;
        prepare_output(self, shards, opts)?;
        progress
            .bytes_total
            .store(shards.iter().map(|s| s.size).sum(), Ordering::Relaxed);
        progress.shards_total.store(shards.len(), Ordering::Relaxed);

        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads)
            .build()
            .map_err(|e| Error::Output(format!("cannot start worker threads: {e}")))?;
        let per_shard: Vec<RunStats> = pool.install(|| {
            shards
                .par_iter()
                .map(|shard| {
                    let marker = marker_path(out, &shard.name);
                    if let Some(stats) = read_marker(&marker) {
                        progress.shards_skipped.fetch_add(1, Ordering::Relaxed);
                        progress.shards_done.fetch_add(1, Ordering::Relaxed);
                        progress.bytes_read.fetch_add(shard.size, Ordering::Relaxed);
                        return Ok(stats);
                    }
                    let stats = self.run_shard(shard, opts, progress)?;
                    let json = serde_json::to_vec_pretty(&stats).unwrap_or_default();
                    write_atomic(&marker, &json)?;
                    progress.shards_done.fetch_add(1, Ordering::Relaxed);
                    Ok(stats)
                })
                .collect::<Result<Vec<_>, Error>>()
        })?;

        let mut total = self.new_stats();
        for s in &per_shard {
            total.merge(s);
        }
        total.seconds = start.elapsed().as_secs_f64();
        total.check_invariant()?;
        let json = serde_json::to_vec_pretty(&total).unwrap_or_default();
        write_atomic(&out.join("stats.json"), &json)?;
        Ok(total)
    }

    pub(crate) fn run_shard(
        &self,
        shard: &Shard,
        opts: &RunOptions,
        progress: &Progress,
    ) -> Result<RunStats, Error> {
        if self.has_global_stages() {
            return Err(Error::Output(
                "dedup stages decide over the whole run: use Pipeline::run, not one shard at a time"
                    .into(),
            ));
        }
        let mut records = shard.open(&self.fields, progress.bytes_read.clone())?;
        let mut output = ShardOutput::new(&opts.output, &shard.name, opts.format);
        let mut stats = self.new_stats();
        let batch_docs = opts.batch_docs.max(1);
        let mut rejected_buf = Vec::new();
        // Three batches in flight: reading batch n+1 (decompress, parse),
        // processing batch n (its chunks in parallel) and writing batch n-1
        // (compress) overlap, so neither reader nor compressor serialises
        // the run. With one thread they simply run one after the other.
        // Output order is input order.
        let mut batch_no = 0;
        let mut batch = read_batch(&mut records, batch_size(batch_docs, batch_no), progress)?;
        let mut processed: Vec<ChunkOut> = Vec::new();
        loop {
            for rej in &batch.rejected {
                stats.docs_in += 1;
                stats.docs_rejected += 1;
                stats.bytes_in += rej.raw.len() as u64;
                *stats.rejected.entry(rej.kind.to_string()).or_default() += 1;
                write_rejected(rej, &mut rejected_buf);
            }
            output.write_rejected(&rejected_buf)?;
            rejected_buf.clear();
            let eof = batch.eof;
            let docs = std::mem::take(&mut batch.docs);
            let previous = std::mem::take(&mut processed);
            batch_no += 1;
            let (next, (results, written)) = rayon::join(
                || {
                    (!eof)
                        .then(|| {
                            read_batch(&mut records, batch_size(batch_docs, batch_no), progress)
                        })
                        .transpose()
                },
                || {
                    rayon::join(
                        || self.process_docs(docs),
                        || write_chunks(&mut output, &previous),
                    )
                },
            );
            written?;
            for r in &previous {
                stats.merge(&r.stats);
            }
            processed = results;
            match next? {
                Some(b) => batch = b,
                None => break,
            }
        }
        write_chunks(&mut output, &processed)?;
        for r in &processed {
            stats.merge(&r.stats);
        }
        output.finish()?;
        Ok(stats)
    }

    /// Process a batch as chunks in parallel; results in input order.
    fn process_docs(&self, docs: Vec<Document>) -> Vec<ChunkOut> {
        if docs.is_empty() {
            return Vec::new();
        }
        split_chunks(docs)
            .into_par_iter()
            .map(|c| self.process_chunk(c))
            .collect()
    }
}

/// Documents read from a shard for one round of processing.
struct Batch {
    docs: Vec<Document>,
    rejected: Vec<Rejected>,
    eof: bool,
}

/// Documents to read for batch `n` of a shard: batches ramp up from a few
/// chunks to `batch_docs`, so that workers start on the first documents
/// instead of waiting for a full batch to be read (that wait, and writing
/// the last batch, are the only sequential parts of a shard). Independent of
/// the thread count, like everything that shapes the output.
pub(crate) fn batch_size(batch_docs: usize, n: usize) -> usize {
    // 256 << 20 still fits a 32-bit usize.
    ((4 * CHUNK_DOCS) << n.min(20)).min(batch_docs).max(1)
}

/// Read up to `batch_docs` records (or 64 MiB of text) from `records`.
fn read_batch(
    records: &mut RecordIter<'static>,
    batch_docs: usize,
    progress: &Progress,
) -> Result<Batch, Error> {
    let mut batch = Batch {
        docs: Vec::with_capacity(batch_docs),
        rejected: Vec::new(),
        eof: true,
    };
    let mut bytes = 0usize;
    for rec in records.by_ref() {
        progress.docs.fetch_add(1, Ordering::Relaxed);
        match rec? {
            Record::Doc(doc) => {
                bytes += doc.text.len();
                batch.docs.push(doc);
            }
            Record::Rejected(rej) => {
                bytes += rej.raw.len();
                batch.rejected.push(rej);
            }
        }
        // Bound memory by bytes too: a few huge documents make a batch.
        if batch.docs.len() + batch.rejected.len() >= batch_docs || bytes >= 64 << 20 {
            batch.eof = false;
            break;
        }
    }
    Ok(batch)
}

fn write_chunks(output: &mut ShardOutput, chunks: &[ChunkOut]) -> Result<(), Error> {
    write_kept_removed(output, chunks.iter().map(|r| (&r.kept[..], &r.removed[..])))
}

/// Append `(kept, removed)` byte runs, in order, to the shard's two files:
/// the kept and the removed stream are compressed in parallel (the same
/// bytes as one after the other), so with two or more threads the batch's
/// sequential write is split between two of them.
pub(crate) fn write_kept_removed<'a>(
    output: &mut ShardOutput,
    runs: impl Iterator<Item = (&'a [u8], &'a [u8])> + Clone + Send,
) -> Result<(), Error> {
    let (mut kept, mut removed) = output.kept_and_removed();
    let kept_runs = runs.clone();
    let (k, r) = rayon::join(
        || kept_runs.into_iter().try_for_each(|(b, _)| kept.write(b)),
        || runs.into_iter().try_for_each(|(_, b)| removed.write(b)),
    );
    k?;
    r?;
    Ok(())
}

/// `batch` cut into chunks of [`CHUNK_DOCS`] items (one chunk if empty),
/// in order; each item is moved once.
fn split_chunks<T>(batch: Vec<T>) -> Vec<Vec<T>> {
    let mut chunks = Vec::with_capacity(batch.len() / CHUNK_DOCS + 1);
    let mut items = batch.into_iter();
    loop {
        let chunk: Vec<T> = items.by_ref().take(CHUNK_DOCS).collect();
        if chunk.is_empty() && !chunks.is_empty() {
            break;
        }
        let full = chunk.len() == CHUNK_DOCS;
        chunks.push(chunk);
        if !full {
            break;
        }
    }
    chunks
}

pub(crate) fn marker_path(out: &Path, shard: &str) -> PathBuf {
    out.join(".sift").join("done").join(format!("{shard}.json"))
}

pub(crate) fn read_marker(path: &Path) -> Option<RunStats> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Check (or reset, with `overwrite`) the output directory and record the
/// run's identity.
pub(crate) fn prepare_output(
    pipeline: &Pipeline,
    shards: &[Shard],
    opts: &RunOptions,
) -> Result<(), Error> {
    let out = &opts.output;
    let io = |p: &Path, e| Error::Io(sift_io::Error::io(p, e));
    let identity = RunIdentity {
        sift_version: env!("CARGO_PKG_VERSION").to_string(),
        pipeline: pipeline.config.to_toml(),
        text_key: pipeline.fields.text.clone(),
        id_key: pipeline.fields.id.clone(),
        output_suffix: opts.format.codec.suffix().to_string(),
        shards: shards.iter().map(|s| s.name.clone()).collect(),
    };
    let id_path = out.join(".sift").join("run.json");
    if opts.overwrite {
        for sub in CATEGORIES.iter().chain([".sift"].iter()) {
            let p = out.join(sub);
            if p.exists() {
                std::fs::remove_dir_all(&p).map_err(|e| io(&p, e))?;
            }
        }
        for file in ["stats.json", "report.html"] {
            let p = out.join(file);
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| io(&p, e))?;
            }
        }
    } else if let Ok(bytes) = std::fs::read(&id_path) {
        let previous: Option<RunIdentity> = serde_json::from_slice(&bytes).ok();
        if previous.as_ref() != Some(&identity) {
            return Err(Error::Output(format!(
                "{} holds the output of a different run (other pipeline, inputs or format); \
                 use --overwrite to replace it or choose another --output",
                out.display()
            )));
        }
    } else if CATEGORIES.iter().any(|c| out.join(c).exists()) {
        return Err(Error::Output(format!(
            "{} already holds sift output of unknown origin; use --overwrite",
            out.display()
        )));
    }
    let json = serde_json::to_vec_pretty(&identity).unwrap_or_default();
    write_atomic(&id_path, &json)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline() -> Pipeline {
        let cfg = PipelineConfig::from_toml(
            "[[stages]]\ntype = \"line_regex\"\npatterns = ['^spam$']\n[[stages]]\ntype = \"min_words\"\nmin = 3\n",
            "test",
        )
        .expect("valid");
        Pipeline::build(cfg).expect("builds")
    }

    #[test]
    fn chunks_keep_every_item_in_order() {
        for n in [0, 1, CHUNK_DOCS, CHUNK_DOCS + 1, 2 * CHUNK_DOCS + 3] {
            let chunks = split_chunks((0..n).collect::<Vec<usize>>());
            let lens: Vec<usize> = chunks.iter().map(Vec::len).collect();
            assert!(
                lens[..lens.len() - 1].iter().all(|&l| l == CHUNK_DOCS),
                "{lens:?}"
            );
            assert_eq!(chunks.len(), n.div_ceil(CHUNK_DOCS).max(1), "{lens:?}");
            assert_eq!(chunks.concat(), (0..n).collect::<Vec<usize>>());
        }
    }

    #[test]
    fn batches_ramp_up_to_the_configured_size() {
        let sizes: Vec<usize> = (0..6).map(|n| batch_size(2048, n)).collect();
        assert_eq!(sizes, [256, 512, 1024, 2048, 2048, 2048]);
        assert_eq!(batch_size(100, 0), 100);
        assert_eq!(batch_size(0, 0), 1);
        assert_eq!(batch_size(usize::MAX, 1000), 256 << 20);
    }

    #[test]
    fn chunk_processing_matches_per_document_processing() {
        let p = pipeline();
        let docs: Vec<Document> = (0..10)
            .map(|i| {
                let text = match i % 3 {
                    0 => "one two three\nspam",
                    1 => "spam\ntoo short",
                    _ => "a b c d",
                };
                Document::new(format!("d{i}"), text)
            })
            .collect();
        let out = p.process_chunk(docs.clone());
        let mut stats = p.new_stats();
        let mut kept = Vec::new();
        for mut d in docs {
            if p.process(&mut d, &mut stats.stages) == Fate::Kept {
                write_doc(&d, p.fields(), DocOutput::Kept, &mut kept);
            }
        }
        assert_eq!(out.kept, kept);
        assert_eq!(out.stats.stages, stats.stages);
        assert_eq!(out.stats.docs_removed, 3);
        assert_eq!(out.stats.stages[0].lines_removed, 7);
    }
}
