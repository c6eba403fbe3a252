//! External sort of fixed-size records in bounded memory.
//!
//! Records accumulate in a buffer of at most `memory` bytes; a full buffer
//! is sorted (in parallel) and written to disk as a *run*; at the end the
//! runs are merged (in passes of at most [`MAX_FAN_IN`] runs, so the number
//! of open files and read buffers stays bounded too). Records are totally
//! ordered, so the merged stream is the same whatever the buffer size or
//! thread count.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rayon::slice::ParallelSliceMut;

use crate::Error;

/// Most runs merged at once.
pub const MAX_FAN_IN: usize = 64;

/// A record with a fixed little-endian encoding.
pub trait Record: Copy + Ord + Send + Sync {
    /// Encoded size in bytes.
    const SIZE: usize;
    /// Write the encoding into `out` (`out.len() == SIZE`).
    fn encode(&self, out: &mut [u8]);
    /// Read an encoding written by [`Record::encode`].
    fn decode(bytes: &[u8]) -> Self;
}

/// Accumulates records, spilling sorted runs to disk when the buffer is full.
pub struct Sorter<R: Record> {
    dir: PathBuf,
    buf: Vec<R>,
    cap: usize,
    memory: usize,
    runs: Vec<PathBuf>,
    next_run: usize,
    pushed: u64,
}

impl<R: Record> Sorter<R> {
    /// A sorter spilling into `dir` (created) with a buffer of about
    /// `memory` bytes (at least 64 KiB).
    pub fn new(dir: &Path, memory: usize) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let memory = memory.max(64 << 10);
        let cap = (memory / std::mem::size_of::<R>().max(1)).max(16);
        Ok(Self {
            dir: dir.to_path_buf(),
            buf: Vec::new(),
            cap,
            memory,
            runs: Vec::new(),
            next_run: 0,
            pushed: 0,
        })
    }

    /// Add one record.
    pub fn push(&mut self, r: R) -> Result<(), Error> {
        if self.buf.len() >= self.cap {
            self.spill()?;
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(self.cap.min(1 << 16));
        }
        self.buf.push(r);
        self.pushed += 1;
        Ok(())
    }

    /// Records pushed so far.
    pub fn len(&self) -> u64 {
        self.pushed
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.pushed == 0
    }

    /// Runs written to disk so far.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    fn run_path(&mut self) -> PathBuf {
        self.next_run += 1;
        self.dir.join(format!("run-{:06}.bin", self.next_run))
    }

    fn spill(&mut self) -> Result<(), Error> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.buf.par_sort_unstable();
        let path = self.run_path();
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let mut rec = vec![0u8; R::SIZE];
        for r in &self.buf {
            r.encode(&mut rec);
            w.write_all(&rec).map_err(|e| Error::io(&path, e))?;
        }
        w.flush().map_err(|e| Error::io(&path, e))?;
        self.buf.clear();
        self.runs.push(path);
        Ok(())
    }

    /// Stop accepting records and return them in sorted order.
    pub fn finish(mut self) -> Result<Sorted<R>, Error> {
        if self.runs.is_empty() {
            self.buf.par_sort_unstable();
            return Ok(Sorted::Memory(std::mem::take(&mut self.buf).into_iter()));
        }
        self.spill()?;
        self.buf = Vec::new();
        while self.runs.len() > MAX_FAN_IN {
            let group: Vec<PathBuf> = self.runs.drain(..MAX_FAN_IN).collect();
            let path = self.run_path();
            let mut merger: Merger<R> = Merger::open(group, self.memory)?;
            let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
            let mut w = BufWriter::with_capacity(1 << 20, file);
            let mut rec = vec![0u8; R::SIZE];
            while let Some(r) = merger.next_record()? {
                r.encode(&mut rec);
                w.write_all(&rec).map_err(|e| Error::io(&path, e))?;
            }
            w.flush().map_err(|e| Error::io(&path, e))?;
            drop(merger);
            self.runs.push(path);
        }
        let runs = std::mem::take(&mut self.runs);
        Ok(Sorted::Merge(Merger::open(runs, self.memory)?))
    }
}

/// Records in sorted order.
pub enum Sorted<R: Record> {
    /// Everything fit in memory.
    Memory(std::vec::IntoIter<R>),
    /// Merging runs from disk.
    Merge(Merger<R>),
}

impl<R: Record> Sorted<R> {
    /// The next record, `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<R>, Error> {
        match self {
            Sorted::Memory(it) => Ok(it.next()),
            Sorted::Merge(m) => m.next_record(),
        }
    }
}

struct RunReader {
    path: PathBuf,
    r: BufReader<File>,
    buf: Vec<u8>,
}

impl RunReader {
    fn next<R: Record>(&mut self) -> Result<Option<R>, Error> {
        match self.r.read_exact(&mut self.buf) {
            Ok(()) => Ok(Some(R::decode(&self.buf))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(Error::io(&self.path, e)),
        }
    }
}

/// k-way merge of sorted run files (deleted once merged).
pub struct Merger<R: Record> {
    readers: Vec<RunReader>,
    heap: BinaryHeap<Reverse<(R, usize)>>,
}

impl<R: Record> Merger<R> {
    fn open(runs: Vec<PathBuf>, memory: usize) -> Result<Self, Error> {
        let per_run = (memory / runs.len().max(1)).clamp(64 << 10, 8 << 20);
        let mut readers = Vec::with_capacity(runs.len());
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for path in runs {
            let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
            // Unlinked now, freed when the reader is dropped.
            let _ = std::fs::remove_file(&path);
            let mut reader = RunReader {
                path,
                r: BufReader::with_capacity(per_run, file),
                buf: vec![0u8; R::SIZE],
            };
            if let Some(first) = reader.next::<R>()? {
                heap.push(Reverse((first, readers.len())));
            }
            readers.push(reader);
        }
        Ok(Self { readers, heap })
    }

    /// The next record, `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<R>, Error> {
        let Some(Reverse((rec, i))) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(next) = self.readers[i].next::<R>()? {
            self.heap.push(Reverse((next, i)));
        }
        Ok(Some(rec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    struct Pair(u64, u32);

    impl Record for Pair {
        const SIZE: usize = 12;
        fn encode(&self, out: &mut [u8]) {
            out[..8].copy_from_slice(&self.0.to_le_bytes());
            out[8..12].copy_from_slice(&self.1.to_le_bytes());
        }
        fn decode(b: &[u8]) -> Self {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[..8]);
            let mut y = [0u8; 4];
            y.copy_from_slice(&b[8..12]);
            Pair(u64::from_le_bytes(x), u32::from_le_bytes(y))
        }
    }

    fn sorted(memory: usize, input: &[Pair]) -> (Vec<Pair>, usize) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = Sorter::new(dir.path(), memory).expect("sorter");
        for &p in input {
            s.push(p).expect("push");
        }
        let runs = s.runs();
        let mut out = Vec::new();
        let mut it = s.finish().expect("finish");
        while let Some(r) = it.next_record().expect("read") {
            out.push(r);
        }
        (out, runs)
    }

    #[test]
    fn spilled_and_in_memory_sorts_agree() {
        // 300k records of 16 bytes in memory = 4.8 MB; 64 KiB buffers make
        // ~74 runs on disk: more than MAX_FAN_IN, so two merge passes.
        let input: Vec<Pair> = (0..300_000u64)
            .map(|i| Pair(i.wrapping_mul(0x9e37_79b9_7f4a_7c15) % 1000, (i % 7) as u32))
            .collect();
        let mut want = input.clone();
        want.sort();
        let (mem, runs) = sorted(1 << 30, &input);
        assert_eq!(runs, 0);
        assert_eq!(mem, want);
        let (disk, runs) = sorted(64 << 10, &input);
        assert!(runs > MAX_FAN_IN, "{runs} runs");
        assert_eq!(disk, want);
    }
}
