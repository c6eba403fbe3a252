//! Runs of pipelines with global stages (dedup): the pipeline is cut into
//! passes at its dedup stages.
//!
//! Consecutive dedup stages form a *group* (one ends after a stage that
//! edits text, so later groups see the edited text); the per-document stages
//! between groups form *segments*. With groups `G0 .. Gk-1` there are `k + 1`
//! passes over every shard:
//!
//! - pass 0: read the input, run segment 0; removed documents are
//!   serialised as usual, rejected records go to `rejected/`; survivors are
//!   stored with their full state in `DIR/.sift/tmp/p0/SHARD.docs.zst` and
//!   their dedup keys go to group 0's key files;
//! - global step `g`: group `g` decides over all shards' keys (sorted on
//!   disk within `memory_limit`, see `sift_dedup`);
//! - pass `g + 1`: read pass `g`'s documents, apply group `g`'s decisions,
//!   run segment `g + 1`, and either store survivors and keys for the next
//!   group or write the final `kept/` and `removed/` files.
//!
//! Documents removed in any pass travel on (already serialised) to the final
//! pass, so `removed/` is in input order. Every pass of a shard ends with a
//! marker (`.sift/tmp/pN/done/`), every global step with one
//! (`.sift/tmp/gN/done.json`), the final pass with the usual shard marker:
//! a rerun redoes only what is missing. Output depends only on the input and
//! the pipeline, not on threads or memory limit. `.sift/tmp` is deleted when
//! the run completes; `.sift/dedup.json` keeps the global steps' counts.

use std::io::{BufRead, BufWriter, Write};
use std::ops::Range;

use sift_dedup::{Decision, DecisionReader, DedupGroup, DocKey, GroupSummary, KeyScratch};
use sift_io::compression::{decoder, Codec, Encoder};

use super::*;

/// Where the pipeline is cut.
struct Plan {
    /// Per-document stages of each pass (`groups.len() + 1` of them).
    segments: Vec<Range<usize>>,
    /// Dedup stages decided by each global step.
    groups: Vec<Range<usize>>,
}

fn plan(p: &Pipeline) -> Plan {
    let n = p.stages.len();
    let (mut segments, mut groups) = (Vec::new(), Vec::new());
    let (mut seg_start, mut i) = (0, 0);
    while i < n {
        if p.dedup[i].is_none() {
            i += 1;
            continue;
        }
        segments.push(seg_start..i);
        let start = i;
        while let Some(Some(d)) = p.dedup.get(i) {
            i += 1;
            if d.edits_text() {
                break;
            }
        }
        groups.push(start..i);
        seg_start = i;
    }
    segments.push(seg_start..n);
    Plan { segments, groups }
}

#[derive(Debug, Serialize, Deserialize)]
struct PassMarker {
    stats: RunStats,
    survivors: u64,
}

fn tmp_dir(out: &Path) -> PathBuf {
    out.join(".sift").join("tmp")
}

fn docs_path(out: &Path, pass: usize, shard: usize) -> PathBuf {
    tmp_dir(out)
        .join(format!("p{pass}"))
        .join(format!("{shard:06}.docs.zst"))
}

fn pass_marker(out: &Path, pass: usize, shard: usize) -> PathBuf {
    tmp_dir(out)
        .join(format!("p{pass}"))
        .join("done")
        .join(format!("{shard:06}.json"))
}

fn group_dir(out: &Path, g: usize) -> PathBuf {
    tmp_dir(out).join(format!("g{g}"))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn dedup_err(e: sift_dedup::Error) -> Error {
    Error::Output(format!("dedup: {e}"))
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::Io(sift_io::Error::io(path, e))
}

impl Pipeline {
    fn group(&self, plan: &Plan, g: usize, out: &Path) -> DedupGroup<'_> {
        let stages = plan.groups[g]
            .clone()
            .filter_map(|i| self.dedup[i].as_ref())
            .collect();
        DedupGroup::new(stages, group_dir(out, g))
    }
}

/// [`Pipeline::run`] for pipelines with dedup stages.
pub(super) fn run(
    p: &Pipeline,
    shards: &[Shard],
    opts: &RunOptions,
    progress: &Progress,
) -> Result<RunStats, Error> {
    let start = Instant::now();
    let out = &opts.output;
    prepare_output(p, shards, opts)?;
    progress
        .bytes_total
        .store(shards.iter().map(|s| s.size).sum(), Ordering::Relaxed);
    progress.shards_total.store(shards.len(), Ordering::Relaxed);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::Output(format!("cannot start worker threads: {e}")))?;
    let plan = plan(p);
    let passes = plan.groups.len() + 1;
    let finished: Vec<bool> = shards
        .iter()
        .map(|s| read_marker(&marker_path(out, &s.name)).is_some())
        .collect();
    let mut summaries: Vec<GroupSummary> = Vec::new();
    // A finished run (every shard has its marker) has nothing left to do.
    let passes = if finished.iter().all(|&f| f) {
        0
    } else {
        passes
    };
    for pass in 0..passes {
        let last = pass + 1 == passes;
        let prev = pass.checked_sub(1).map(|g| p.group(&plan, g, out));
        let next = (!last).then(|| p.group(&plan, pass, out));
        let ctx = PassCtx {
            p,
            plan: &plan,
            pass,
            prev: prev.as_ref(),
            next: next.as_ref(),
            opts,
            progress,
        };
        let markers: Vec<Option<PassMarker>> = pool.install(|| {
            shards
                .par_iter()
                .enumerate()
                .map(|(si, shard)| {
                    if finished[si] {
                        if pass == 0 {
                            progress.shards_skipped.fetch_add(1, Ordering::Relaxed);
                            progress.bytes_read.fetch_add(shard.size, Ordering::Relaxed);
                        }
                        if last {
                            progress.shards_done.fetch_add(1, Ordering::Relaxed);
                        }
                        return Ok(None);
                    }
                    if !last {
                        if let Some(m) = read_json::<PassMarker>(&pass_marker(out, pass, si)) {
                            if pass == 0 {
                                progress.bytes_read.fetch_add(shard.size, Ordering::Relaxed);
                            }
                            return Ok(Some(m));
                        }
                    }
                    let m = ctx.run_shard(si, shard)?;
                    if last {
                        // The shard's marker holds its stats over all passes.
                        let mut total = p.new_stats();
                        for earlier in 0..pass {
                            let m: PassMarker = read_json(&pass_marker(out, earlier, si))
                                .ok_or_else(|| missing(out, "a pass marker"))?;
                            total.merge(&m.stats);
                        }
                        total.merge(&m.stats);
                        let json = serde_json::to_vec_pretty(&total).unwrap_or_default();
                        write_atomic(&marker_path(out, &shard.name), &json)?;
                        progress.shards_done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        let json = serde_json::to_vec_pretty(&m).unwrap_or_default();
                        write_atomic(&pass_marker(out, pass, si), &json)?;
                    }
                    Ok(Some(m))
                })
                .collect::<Result<Vec<_>, Error>>()
        })?;
        if let Some(group) = &next {
            let marker = group.dir().join("done.json");
            let summary = match read_json::<GroupSummary>(&marker) {
                Some(s) => s,
                None => {
                    let counts = markers
                        .iter()
                        .map(|m| m.as_ref().map(|m| m.survivors))
                        .collect::<Option<Vec<u64>>>()
                        .ok_or_else(|| missing(out, "the dedup work files"))?;
                    let s = pool
                        .install(|| group.decide(&counts, p.memory_limit))
                        .map_err(dedup_err)?;
                    let json = serde_json::to_vec_pretty(&s).unwrap_or_default();
                    write_atomic(&marker, &json)?;
                    s
                }
            };
            summaries.push(summary);
        }
    }

    let mut total = p.new_stats();
    for shard in shards {
        let stats = read_marker(&marker_path(out, &shard.name))
            .ok_or_else(|| missing(out, "a shard marker"))?;
        total.merge(&stats);
    }
    total.seconds = start.elapsed().as_secs_f64();
    total.check_invariant()?;
    if finished.iter().any(|f| !f) {
        let json = serde_json::to_vec_pretty(&summaries).unwrap_or_default();
        write_atomic(&out.join(".sift").join("dedup.json"), &json)?;
    }
    let json = serde_json::to_vec_pretty(&total).unwrap_or_default();
    write_atomic(&out.join("stats.json"), &json)?;
    let tmp = tmp_dir(out);
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| io_err(&tmp, e))?;
    }
    Ok(total)
}

/// Number of passes of a phased run of `p` (dedup groups + 1).
pub(crate) fn passes(p: &Pipeline) -> usize {
    plan(p).groups.len() + 1
}

/// The dedup group decided after pass `g`, with its work directory.
pub(crate) fn group_of<'a>(p: &'a Pipeline, g: usize, out: &Path) -> Option<DedupGroup<'a>> {
    let plan = plan(p);
    (g < plan.groups.len()).then(|| p.group(&plan, g, out))
}

/// One pass of one shard, as [`run`] does it (for `crate::distributed`):
/// a finished shard returns its recorded statistics and no survivors; a
/// non-last pass with its marker returns the marker; otherwise the pass
/// runs, and ends with its pass marker, or (last pass) with the shard's
/// completion marker holding its statistics over every pass.
pub(crate) fn run_pass(
    p: &Pipeline,
    si: usize,
    shard: &Shard,
    opts: &RunOptions,
    pass: usize,
) -> Result<(RunStats, u64), Error> {
    let out = &opts.output;
    if let Some(stats) = read_marker(&marker_path(out, &shard.name)) {
        return Ok((stats, 0));
    }
    let plan = plan(p);
    let passes = plan.groups.len() + 1;
    if pass >= passes {
        return Err(Error::Output(format!(
            "pass {pass} of a run with {passes} passes"
        )));
    }
    let last = pass + 1 == passes;
    if !last {
        if let Some(m) = read_json::<PassMarker>(&pass_marker(out, pass, si)) {
            return Ok((m.stats, m.survivors));
        }
    }
    let prev = pass.checked_sub(1).map(|g| p.group(&plan, g, out));
    let next = (!last).then(|| p.group(&plan, pass, out));
    let progress = Progress::default();
    let ctx = PassCtx {
        p,
        plan: &plan,
        pass,
        prev: prev.as_ref(),
        next: next.as_ref(),
        opts,
        progress: &progress,
    };
    let m = ctx.run_shard(si, shard)?;
    if last {
        let mut total = p.new_stats();
        for earlier in 0..pass {
            let m: PassMarker = read_json(&pass_marker(out, earlier, si))
                .ok_or_else(|| missing(out, "a pass marker"))?;
            total.merge(&m.stats);
        }
        total.merge(&m.stats);
        let json = serde_json::to_vec_pretty(&total).unwrap_or_default();
        write_atomic(&marker_path(out, &shard.name), &json)?;
        Ok((total, 0))
    } else {
        let json = serde_json::to_vec_pretty(&m).unwrap_or_default();
        write_atomic(&pass_marker(out, pass, si), &json)?;
        Ok((m.stats, m.survivors))
    }
}

/// Global step `g` (after pass `g` of every shard), as [`run`] does it;
/// `buckets`: MinHash band buckets from a distributed shuffle (see
/// `DedupGroup::decide_with`). A step with its marker is not redone.
pub(crate) fn decide(
    p: &Pipeline,
    opts: &RunOptions,
    g: usize,
    survivors: &[u64],
    buckets: Option<&[&[u8]]>,
) -> Result<GroupSummary, Error> {
    let out = &opts.output;
    let group = group_of(p, g, out)
        .ok_or_else(|| Error::Output(format!("no dedup group {g} in this pipeline")))?;
    let marker = group.dir().join("done.json");
    if let Some(s) = read_json::<GroupSummary>(&marker) {
        return Ok(s);
    }
    let s = group
        .decide_with(survivors, p.memory_limit, buckets)
        .map_err(dedup_err)?;
    let json = serde_json::to_vec_pretty(&s).unwrap_or_default();
    write_atomic(&marker, &json)?;
    Ok(s)
}

/// After the last pass of every shard, as [`run`] does it: keep the global
/// steps' counts in `.sift/dedup.json` and delete the work files.
pub(crate) fn finish(p: &Pipeline, opts: &RunOptions) -> Result<(), Error> {
    let out = &opts.output;
    let tmp = tmp_dir(out);
    if !tmp.exists() {
        return Ok(());
    }
    let summaries: Vec<GroupSummary> = (0..plan(p).groups.len())
        .filter_map(|g| read_json(&group_dir(out, g).join("done.json")))
        .collect();
    let json = serde_json::to_vec_pretty(&summaries).unwrap_or_default();
    write_atomic(&out.join(".sift").join("dedup.json"), &json)?;
    std::fs::remove_dir_all(&tmp).map_err(|e| io_err(&tmp, e))
}

fn missing(out: &Path, what: &str) -> Error {
    Error::Output(format!(
        "{}: {what} of an earlier run is missing; rerun with --overwrite",
        out.display()
    ))
}

struct PassCtx<'a> {
    p: &'a Pipeline,
    plan: &'a Plan,
    pass: usize,
    prev: Option<&'a DedupGroup<'a>>,
    next: Option<&'a DedupGroup<'a>>,
    opts: &'a RunOptions,
    progress: &'a Progress,
}

/// One input item of a pass.
#[allow(clippy::large_enum_variant)]
enum Item {
    /// A document removed in an earlier pass: its `removed/` line.
    Done(Vec<u8>),
    /// A live document and the previous group's decisions about it.
    Doc(Live, Vec<Option<Decision>>),
}

/// A live document as read.
#[allow(clippy::large_enum_variant)]
enum Live {
    /// From the input (pass 0: the shard reader parses it).
    Parsed(Document),
    /// A work-file record (its JSON), parsed by the worker that processes
    /// it: parsing in the reader, one thread per shard, left the other
    /// workers idle in the later passes, where there is little else to do.
    Stored(Vec<u8>),
}

/// Write processed chunks in order: to the next step's work file and key
/// files, or to the final output. Returns the number of survivors written.
fn write_pass_chunks(
    chunks: &[Chunk],
    sink: &mut Sink,
    output: &mut ShardOutput,
) -> Result<u64, Error> {
    let mut survivors = 0;
    match sink {
        Sink::Next { path, docs, keys } => {
            for c in chunks {
                docs.write_all(&c.main).map_err(|e| io_err(path, e))?;
                for (id, k) in &c.keys {
                    keys.push(id, k).map_err(dedup_err)?;
                    survivors += 1;
                }
            }
        }
        Sink::Final => {
            write_kept_removed(output, chunks.iter().map(|c| (&c.main[..], &c.removed[..])))?;
        }
    }
    Ok(survivors)
}

/// Where a pass reads from.
enum Input {
    Shard(RecordIter<'static>),
    Docs(PathBuf, Box<dyn BufRead + Send>),
}

/// What a pass writes.
#[allow(clippy::large_enum_variant)]
enum Sink {
    /// Survivors and keys for the next global step.
    Next {
        path: PathBuf,
        docs: Encoder<BufWriter<std::fs::File>>,
        keys: sift_dedup::KeyWriter,
    },
    /// The run's output files.
    Final,
}

#[derive(Default)]
struct Chunk {
    /// Intermediate lines (not last pass) or `kept/` bytes (last pass).
    main: Vec<u8>,
    /// `removed/` bytes (last pass).
    removed: Vec<u8>,
    keys: Vec<(String, Vec<DocKey>)>,
    stats: RunStats,
}

impl PassCtx<'_> {
    fn last(&self) -> bool {
        self.next.is_none()
    }

    fn run_shard(&self, si: usize, shard: &Shard) -> Result<PassMarker, Error> {
        let out = &self.opts.output;
        let mut stats = self.p.new_stats();
        let mut input = if self.pass == 0 {
            Input::Shard(shard.open(&self.p.fields, self.progress.bytes_read.clone())?)
        } else {
            let path = docs_path(out, self.pass - 1, si);
            let f = std::fs::File::open(&path).map_err(|e| io_err(&path, e))?;
            let r = decoder(f, Codec::Zstd).map_err(|e| io_err(&path, e))?;
            Input::Docs(path, r)
        };
        let mut decisions: Option<DecisionReader> = match self.prev {
            Some(g) => Some(g.decisions(si).map_err(dedup_err)?),
            None => None,
        };
        let mut sink = match self.next {
            Some(g) => {
                let path = docs_path(out, self.pass, si);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
                }
                let f = std::fs::File::create(&path).map_err(|e| io_err(&path, e))?;
                let docs = Encoder::new(BufWriter::with_capacity(1 << 20, f), Codec::Zstd, 1)
                    .map_err(|e| io_err(&path, e))?;
                Sink::Next {
                    path,
                    docs,
                    keys: g.key_writer(si).map_err(dedup_err)?,
                }
            }
            None => Sink::Final,
        };
        // Rejected records (pass 0) and final files (last pass).
        let mut output = ShardOutput::new(out, &shard.name, self.opts.format);
        let batch_docs = self.opts.batch_docs.max(1);
        let mut seq: u64 = 0;
        let mut survivors: u64 = 0;
        let mut rejected_buf = Vec::new();
        // As in `Pipeline::run_shard`: reading batch n+1 (decompress, parse),
        // processing batch n (chunks in parallel) and writing batch n-1
        // (compress, keys) overlap, so the sequential reader and writer do not
        // serialise the pass; batches ramp up so the first one is quick.
        let mut batch_no = 0;
        let mut next = self.read_batch(
            &mut input,
            batch_size(batch_docs, batch_no),
            &mut stats,
            &mut rejected_buf,
        )?;
        let mut processed: Vec<Chunk> = Vec::new();
        loop {
            let (mut items, eof) = next;
            output.write_rejected(&rejected_buf)?;
            rejected_buf.clear();
            // Attach decisions in order (the reader is sequential).
            if let Some(d) = decisions.as_mut() {
                for item in &mut items {
                    if let Item::Doc(_, decs) = item {
                        *decs = d.take(seq).map_err(dedup_err)?;
                        seq += 1;
                    }
                }
            }
            batch_no += 1;
            let previous = std::mem::take(&mut processed);
            let (read, (chunks, written)) = rayon::join(
                || {
                    (!eof).then(|| {
                        self.read_batch(
                            &mut input,
                            batch_size(batch_docs, batch_no),
                            &mut stats,
                            &mut rejected_buf,
                        )
                    })
                },
                || {
                    rayon::join(
                        || {
                            split_chunks(items)
                                .into_par_iter()
                                .map(|c| self.process(c, si))
                                .collect::<Result<Vec<Chunk>, Error>>()
                        },
                        || write_pass_chunks(&previous, &mut sink, &mut output),
                    )
                },
            );
            survivors += written?;
            for c in &previous {
                stats.merge(&c.stats);
            }
            processed = chunks?;
            match read.transpose()? {
                Some(b) => next = b,
                None => break,
            }
        }
        survivors += write_pass_chunks(&processed, &mut sink, &mut output)?;
        for c in &processed {
            stats.merge(&c.stats);
        }
        if let Sink::Next { path, docs, keys } = sink {
            let w = docs.finish().map_err(|e| io_err(&path, e))?;
            let f = w.into_inner().map_err(|e| io_err(&path, e.into_error()))?;
            f.sync_all().map_err(|e| io_err(&path, e))?;
            keys.finish().map_err(dedup_err)?;
        }
        output.finish()?;
        Ok(PassMarker { stats, survivors })
    }

    /// Read up to `batch_docs` items; returns them and whether the input ended.
    fn read_batch(
        &self,
        input: &mut Input,
        batch_docs: usize,
        stats: &mut RunStats,
        rejected_buf: &mut Vec<u8>,
    ) -> Result<(Vec<Item>, bool), Error> {
        let mut items = Vec::with_capacity(batch_docs);
        let mut bytes = 0usize;
        match input {
            Input::Shard(records) => {
                for rec in records.by_ref() {
                    self.progress.docs.fetch_add(1, Ordering::Relaxed);
                    stats.docs_in += 1;
                    match rec? {
                        Record::Doc(doc) => {
                            stats.bytes_in += doc.origin.bytes;
                            stats.text_bytes_in += doc.text.len() as u64;
                            bytes += doc.text.len();
                            items.push(Item::Doc(Live::Parsed(doc), Vec::new()));
                        }
                        Record::Rejected(rej) => {
                            stats.docs_rejected += 1;
                            stats.bytes_in += rej.raw.len() as u64;
                            *stats.rejected.entry(rej.kind.to_string()).or_default() += 1;
                            bytes += rej.raw.len();
                            write_rejected(&rej, rejected_buf);
                        }
                    }
                    if items.len() >= batch_docs || bytes >= 64 << 20 {
                        return Ok((items, false));
                    }
                }
            }
            Input::Docs(path, r) => loop {
                let mut line = Vec::new();
                let n = r
                    .read_until(b'\n', &mut line)
                    .map_err(|e| io_err(path, e))?;
                if n == 0 {
                    break;
                }
                bytes += line.len();
                match line.first() {
                    Some(b'R') => {
                        line.drain(..1);
                        items.push(Item::Done(line));
                    }
                    Some(b'D') => {
                        line.drain(..1);
                        items.push(Item::Doc(Live::Stored(line), Vec::new()));
                    }
                    _ => {
                        return Err(Error::Output(format!(
                            "{}: corrupt work file (unknown record)",
                            path.display()
                        )))
                    }
                }
                if items.len() >= batch_docs || bytes >= 64 << 20 {
                    return Ok((items, false));
                }
            },
        }
        Ok((items, true))
    }

    /// Apply the previous group's decisions, run this pass's segment and
    /// serialise (in input order). `si`: the shard (names a corrupt work
    /// file).
    fn process(&self, items: Vec<Item>, si: usize) -> Result<Chunk, Error> {
        let p = self.p;
        let mut chunk = Chunk {
            stats: p.new_stats(),
            ..Chunk::default()
        };
        let prev = self
            .pass
            .checked_sub(1)
            .map(|g| self.plan.groups[g].clone());
        // Slots in input order: finished lines, or an index into `docs`.
        enum Slot {
            Done(Vec<u8>),
            Doc(usize),
        }
        let mut slots = Vec::with_capacity(items.len());
        let mut docs: Vec<(Document, bool)> = Vec::new();
        for item in items {
            match item {
                Item::Done(line) => slots.push(Slot::Done(line)),
                Item::Doc(live, decs) => {
                    let mut doc = match live {
                        Live::Parsed(doc) => doc,
                        Live::Stored(json) => serde_json::from_slice(&json).map_err(|e| {
                            let path =
                                docs_path(&self.opts.output, self.pass.saturating_sub(1), si);
                            Error::Output(format!("{}: corrupt work file: {e}", path.display()))
                        })?,
                    };
                    let mut removed = false;
                    for (k, stage_i) in prev.clone().into_iter().flatten().enumerate() {
                        let Some(stage) = p.dedup[stage_i].as_ref() else {
                            continue;
                        };
                        let before = doc.sift.removed_lines.len();
                        let v = stage.apply(&mut doc, decs.get(k).and_then(Option::as_ref));
                        p.account(stage_i, &mut doc, before, &v, &mut chunk.stats.stages);
                        if !v.is_keep() {
                            removed = true;
                            break;
                        }
                    }
                    slots.push(Slot::Doc(docs.len()));
                    docs.push((doc, removed));
                }
            }
        }
        self.run_segment(&mut docs, &mut chunk.stats);
        let mut scratch = KeyScratch::default();
        let mut docs: Vec<Option<(Document, bool)>> = docs.into_iter().map(Some).collect();
        for slot in slots {
            match slot {
                Slot::Done(line) => {
                    if self.last() {
                        chunk.removed.extend_from_slice(&line);
                    } else {
                        chunk.main.push(b'R');
                        chunk.main.extend_from_slice(&line);
                    }
                }
                Slot::Doc(i) => {
                    let Some((doc, removed)) = docs[i].take() else {
                        continue;
                    };
                    if removed {
                        chunk.stats.docs_removed += 1;
                        if self.last() {
                            write_doc(&doc, &p.fields, DocOutput::Removed, &mut chunk.removed);
                        } else {
                            chunk.main.push(b'R');
                            write_doc(&doc, &p.fields, DocOutput::Removed, &mut chunk.main);
                        }
                    } else if let Some(group) = self.next {
                        chunk.main.push(b'D');
                        if serde_json::to_writer(&mut chunk.main, &doc).is_ok() {
                            chunk.main.push(b'\n');
                        }
                        let mut keys = Vec::new();
                        group.keys(&doc, &mut scratch, &mut keys);
                        chunk.keys.push((doc.id, keys));
                    } else {
                        chunk.stats.docs_kept += 1;
                        chunk.stats.bytes_out += doc.text.len() as u64;
                        write_doc(&doc, &p.fields, DocOutput::Kept, &mut chunk.main);
                    }
                }
            }
        }
        Ok(chunk)
    }

    /// This pass's per-document stages, stage by stage over the live
    /// documents (so stages can use `process_batch`); first drop wins.
    fn run_segment(&self, docs: &mut [(Document, bool)], stats: &mut RunStats) {
        let p = self.p;
        let mut verdicts = Vec::new();
        for si in self.plan.segments[self.pass].clone() {
            let alive: Vec<usize> = (0..docs.len()).filter(|&i| !docs[i].1).collect();
            if alive.is_empty() {
                break;
            }
            let mut batch: Vec<Document> = alive
                .iter()
                .map(|&i| std::mem::replace(&mut docs[i].0, Document::new("", "")))
                .collect();
            let before: Vec<usize> = batch.iter().map(|d| d.sift.removed_lines.len()).collect();
            verdicts.clear();
            p.stages[si].process_batch(&mut batch, &mut verdicts);
            for (k, (i, mut doc)) in alive.iter().zip(batch).enumerate() {
                let v = verdicts.get(k).cloned().unwrap_or(Verdict::Keep);
                p.account(si, &mut doc, before[k], &v, &mut stats.stages);
                docs[*i] = (doc, !v.is_keep());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(stages: &str) -> Pipeline {
        Pipeline::build(PipelineConfig::from_toml(stages, "test").expect("valid")).expect("builds")
    }

    #[test]
    fn plan_cuts_at_dedup_groups() {
        let p = cfg(concat!(
            "[[stages]]\ntype = \"min_words\"\nmin = 3\n",
            "[[stages]]\ntype = \"exact_dedup\"\n",
            "[[stages]]\ntype = \"minhash_dedup\"\n",
            "[[stages]]\ntype = \"paragraph_dedup\"\n",
            "[[stages]]\ntype = \"exact_dedup\"\nname = \"again\"\n",
            "[[stages]]\ntype = \"line_regex\"\npatterns = ['^x$']\n",
        ));
        let plan = plan(&p);
        assert_eq!(plan.groups, vec![1..4, 4..5]);
        assert_eq!(plan.segments, vec![0..1, 4..4, 5..6]);
    }

    #[test]
    fn stored_documents_are_parsed_by_the_worker_and_a_corrupt_one_is_named() {
        let p = cfg("[[stages]]\ntype = \"exact_dedup\"\n");
        let plan = plan(&p);
        let opts = RunOptions {
            output: PathBuf::from("out-dir"),
            ..RunOptions::default()
        };
        let progress = Progress::default();
        let ctx = PassCtx {
            p: &p,
            plan: &plan,
            pass: 1,
            prev: None,
            next: None,
            opts: &opts,
            progress: &progress,
        };
        let doc = Document::new("d1", "Some text that survived pass 0.");
        let json = serde_json::to_vec(&doc).expect("serialises");
        let chunk = ctx
            .process(vec![Item::Doc(Live::Stored(json), Vec::new())], 3)
            .expect("a valid record");
        assert_eq!(chunk.stats.docs_kept, 1);
        let kept = String::from_utf8(chunk.main).expect("utf8");
        assert!(kept.contains("Some text that survived pass 0."), "{kept}");

        let bad = vec![Item::Doc(Live::Stored(b"{\"id\": 1,".to_vec()), Vec::new())];
        let err = ctx
            .process(bad, 3)
            .err()
            .expect("corrupt record")
            .to_string();
        let path = docs_path(Path::new("out-dir"), 0, 3);
        assert!(err.contains("corrupt work file"), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
}
