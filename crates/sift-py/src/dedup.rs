//! MinHash near-duplicate detection split into map / shuffle-reduce /
//! cluster steps, for `sift.ray.minhash_duplicates` (the Ray tasks call
//! these; Ray's object store moves the bytes between them), plus the same
//! computation in one process with sift-dedup's own `DedupGroup`, the
//! reference the distributed result must equal.
//!
//! Records are little-endian bytes:
//! - band record (28 B): band u32, xxh3-128 of the band's values (u128),
//!   shard u32, seq u32 (position among the shard's documents that reach
//!   the dedup step: kept by every per-document stage);
//! - pair (16 B): two (shard u32, seq u32), the second after the first in
//!   input order.

use std::collections::HashMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sift::core::Document;
use sift::dedup::minhash::{similarity, Scratch};
use sift::dedup::{Decision, DedupGroup, KeyScratch, MinHashParams, MinHasher};
use sift::io::{discover, Record};
use sift::pipeline::runner::Fate;
use sift::pipeline::Pipeline;
use xxhash_rust::xxh3::xxh3_128;

use crate::{input_paths, io_err, PyPipeline};

const BAND_REC: usize = 28;
const PAIR: usize = 16;

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(x)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

fn default_hasher() -> PyResult<MinHasher> {
    MinHasher::new(MinHashParams::default()).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The documents of shard `name` of `input` that every per-document stage
/// of `pipeline` keeps, in input order (what reaches a dedup stage placed
/// after them).
fn survivors(
    pipeline: &Pipeline,
    input: &[std::path::PathBuf],
    name: &str,
) -> PyResult<Vec<Document>> {
    let found = discover(input).map_err(io_err)?;
    let shard = found
        .shards
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| PyValueError::new_err(format!("no shard named {name:?} in the input")))?;
    let mut stats = pipeline.new_stats();
    let mut out = Vec::new();
    for rec in shard
        .open(pipeline.fields(), Default::default())
        .map_err(io_err)?
    {
        if let Record::Doc(mut doc) = rec.map_err(io_err)? {
            if pipeline.process(&mut doc, &mut stats.stages) == Fate::Kept {
                out.push(doc);
            }
        }
    }
    Ok(out)
}

/// Band-record partitions, document ids, signatures.
type MapOutput<'py> = (Vec<Bound<'py, PyBytes>>, Vec<String>, Bound<'py, PyBytes>);

/// Map step for shard number `shard` (its name: `name`): signatures of the
/// surviving documents, band records hash-partitioned by digest into
/// `partitions` byte strings. Returns `(partitions, ids, signatures)`:
/// the documents' ids and their signatures (`bands*rows` u64 each, all
/// `u64::MAX` for a document without one), kept for the cluster step.
#[pyfunction]
pub fn minhash_map<'py>(
    py: Python<'py>,
    pipeline: &PyPipeline,
    input: &Bound<'py, PyAny>,
    shard: u32,
    name: String,
    partitions: usize,
) -> PyResult<MapOutput<'py>> {
    let paths = input_paths(input)?;
    let parts = partitions.max(1);
    let p = pipeline.inner.clone();
    let (parts_bytes, ids, sigs) = py.detach(|| -> PyResult<_> {
        let docs = survivors(&p, &paths, &name)?;
        let hasher = default_hasher()?;
        let (len, rows) = (hasher.len(), hasher.params().rows);
        let mut out = vec![Vec::new(); parts];
        let mut sigs = Vec::with_capacity(docs.len() * len * 8);
        let mut scratch = Scratch::default();
        let mut sig = Vec::new();
        for (seq, doc) in docs.iter().enumerate() {
            if !hasher.signature(&doc.text, &mut scratch, &mut sig) {
                sigs.resize(sigs.len() + len * 8, 0xff);
                continue;
            }
            let mut bytes = Vec::with_capacity(rows * 8);
            for (band, values) in sig.chunks_exact(rows).enumerate() {
                bytes.clear();
                values
                    .iter()
                    .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
                let digest = xxh3_128(&bytes);
                let part = &mut out[(digest % parts as u128) as usize];
                part.extend_from_slice(&(band as u32).to_le_bytes());
                part.extend_from_slice(&digest.to_le_bytes());
                part.extend_from_slice(&shard.to_le_bytes());
                part.extend_from_slice(&(seq as u32).to_le_bytes());
            }
            sig.iter()
                .for_each(|v| sigs.extend_from_slice(&v.to_le_bytes()));
        }
        let ids = docs.into_iter().map(|d| d.id).collect::<Vec<_>>();
        Ok((out, ids, sigs))
    })?;
    Ok((
        parts_bytes.iter().map(|b| PyBytes::new(py, b)).collect(),
        ids,
        PyBytes::new(py, &sigs),
    ))
}

/// Reduce step for one partition: the band records of every map task,
/// sorted by (band, digest, input order); each record equal to the one
/// before it in the same band makes a candidate pair (as datatrove pairs
/// them). Returns the pairs.
#[pyfunction]
pub fn minhash_reduce<'py>(py: Python<'py>, parts: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let pairs = py.detach(|| -> PyResult<Vec<u8>> {
        let mut recs: Vec<(u32, u128, u32, u32)> = Vec::new();
        for part in &parts {
            if part.len() % BAND_REC != 0 {
                return Err(PyValueError::new_err("band records: bad length"));
            }
            for r in part.chunks_exact(BAND_REC) {
                let mut d = [0u8; 16];
                d.copy_from_slice(&r[4..20]);
                recs.push((
                    u32_at(r, 0),
                    u128::from_le_bytes(d),
                    u32_at(r, 20),
                    u32_at(r, 24),
                ));
            }
        }
        recs.sort_unstable();
        let mut out = Vec::new();
        for w in recs.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.0 == b.0 && a.1 == b.1 {
                for v in [a.2, a.3, b.2, b.3] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        Ok(out)
    })?;
    Ok(PyBytes::new(py, &pairs))
}

/// One removal: `(seq, duplicate_of, cluster, similarity)`.
type Removal = (u64, String, String, f64);

/// Cluster step: union-find over every pair (the root of a cluster is its
/// earliest document in input order, whatever order the pairs come in),
/// then every other member is a duplicate of the root. `survivors[s]` is
/// shard `s`'s document count, `sidecars[s]` its `(ids, signatures)` from
/// the map step (needed only for shards with cluster members). Returns the
/// removals per shard, in document order; clusters are numbered in input
/// order of their first removed member, as sift-dedup does.
#[pyfunction]
pub fn minhash_cluster(
    py: Python<'_>,
    stage: String,
    pairs: Vec<Vec<u8>>,
    survivors: Vec<u64>,
    sidecars: HashMap<u32, (Vec<String>, Vec<u8>)>,
) -> PyResult<Vec<Vec<Removal>>> {
    py.detach(|| {
        let hasher = default_hasher()?;
        let len = hasher.len();
        let mut starts = Vec::with_capacity(survivors.len());
        let mut total = 0u64;
        for &n in &survivors {
            starts.push(total);
            total += n;
        }
        let n = usize::try_from(total).map_err(|_| PyValueError::new_err("too many documents"))?;
        let global = |shard: u32, seq: u32| -> PyResult<usize> {
            let start = starts
                .get(shard as usize)
                .ok_or_else(|| PyValueError::new_err("pair names an unknown shard"))?;
            Ok((start + u64::from(seq)) as usize)
        };
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for bytes in &pairs {
            for p in bytes.chunks_exact(PAIR) {
                let a = global(u32_at(p, 0), u32_at(p, 4))?;
                let b = global(u32_at(p, 8), u32_at(p, 12))?;
                if a >= n || b >= n {
                    return Err(PyValueError::new_err("pair out of range"));
                }
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
                parent[hi] = lo;
            }
        }
        let locate = |i: usize| -> (usize, usize) {
            let s = starts
                .partition_point(|&st| st <= i as u64)
                .saturating_sub(1);
            (s, i - starts[s] as usize)
        };
        let side = |shard: usize| {
            sidecars.get(&(shard as u32)).ok_or_else(|| {
                PyValueError::new_err(format!("no ids/signatures for shard {shard}"))
            })
        };
        let sig_of = |shard: usize, seq: usize| -> PyResult<Vec<u64>> {
            let (_, sigs) = side(shard)?;
            let at = seq * len * 8;
            if sigs.len() < at + len * 8 {
                return Err(PyValueError::new_err("signatures: bad length"));
            }
            Ok((0..len).map(|k| u64_at(sigs, at + 8 * k)).collect())
        };
        let mut out: Vec<Vec<Removal>> = vec![Vec::new(); survivors.len()];
        let mut cluster_of: HashMap<usize, u64> = HashMap::new();
        for i in 0..n {
            let root = find(&mut parent, i);
            if root == i {
                continue;
            }
            let next = cluster_of.len() as u64;
            let cluster = *cluster_of.entry(root).or_insert(next);
            let (s, seq) = locate(i);
            let (rs, rseq) = locate(root);
            let sim = similarity(&sig_of(s, seq)?, &sig_of(rs, rseq)?);
            let kept_id = side(rs)?
                .0
                .get(rseq)
                .cloned()
                .ok_or_else(|| PyValueError::new_err("ids: too few"))?;
            out[s].push((
                seq as u64,
                kept_id,
                format!("{stage}:{cluster}"),
                (sim * 1e4).round() / 1e4,
            ));
        }
        Ok(out)
    })
}

/// The same decisions computed in one process by sift-dedup's own
/// `DedupGroup` (keys, on-disk sort, union-find, decision files under
/// `work_dir`), over the named shards of `input` in order.
#[pyfunction]
pub fn minhash_local(
    py: Python<'_>,
    pipeline: &PyPipeline,
    input: &Bound<'_, PyAny>,
    names: Vec<String>,
    stage: String,
    work_dir: std::path::PathBuf,
) -> PyResult<Vec<Vec<Removal>>> {
    let paths = input_paths(input)?;
    let p = pipeline.inner.clone();
    py.detach(|| {
        let built = MinHashParams::default()
            .build(&stage)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let group = DedupGroup::new(vec![&built], &work_dir);
        let dedup_err = |e: sift::dedup::Error| crate::SiftError::new_err(e.to_string());
        let mut counts = Vec::with_capacity(names.len());
        let mut scratch = KeyScratch::default();
        let mut keys = Vec::new();
        for (s, name) in names.iter().enumerate() {
            let docs = survivors(&p, &paths, name)?;
            let mut w = group.key_writer(s).map_err(dedup_err)?;
            for d in &docs {
                group.keys(d, &mut scratch, &mut keys);
                w.push(&d.id, &keys).map_err(dedup_err)?;
            }
            counts.push(w.finish().map_err(dedup_err)?);
        }
        group.decide(&counts, 256 << 20).map_err(dedup_err)?;
        let mut out = Vec::with_capacity(names.len());
        for (s, &count) in counts.iter().enumerate() {
            let mut reader = group.decisions(s).map_err(dedup_err)?;
            let mut shard = Vec::new();
            for seq in 0..count {
                let taken = reader.take(seq).map_err(dedup_err)?;
                if let Some(Some(Decision::Duplicate(dup))) = taken.into_iter().next() {
                    shard.push((
                        seq,
                        dup.duplicate_of,
                        dup.cluster.unwrap_or_default(),
                        dup.similarity.unwrap_or_default(),
                    ));
                }
            }
            out.push(shard);
        }
        Ok(out)
    })
}
