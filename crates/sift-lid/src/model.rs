//! Supervised fastText inference, with C++ fastText 0.9.2's arithmetic:
//!
//! - hidden = sum of input rows (f32, in `getLine` order) times
//!   `float(1.0 / count)` (`Model::computeHidden`); quantized rows add
//!   `norm * centroid` per component (`ProductQuantizer::addcode`), which is
//!   what the rows dequantized at load hold, bit for bit;
//! - hierarchical softmax: the Huffman tree of the label counts
//!   (`HierarchicalSoftmaxLoss::buildTree`), depth-first search left then
//!   right, `f = 1. / (1 + expf(-dot))` in double stored as float, child
//!   scores `score + std_log(1 - f)` / `score + std_log(f)` where
//!   `std_log(x) = float(log(double(float(x)) + 1e-5))`, pruned below
//!   `std_log(threshold)` and below the k-th best;
//! - softmax: max-shifted `exp` (the C library's double `exp`, stored as
//!   float), normalised in float; ns/ova: fastText's 512-entry sigmoid table;
//! - top k through a min-heap with libstdc++'s `push_heap` / `pop_heap` /
//!   `sort_heap` (so ties come out in C++'s order), probability
//!   `expf(score)`.

use std::cell::RefCell;

use crate::dict::Dict;
use crate::format::{FormatError, LossKind, Pq, RawMatrix, RawModel, Result};

/// Dequantize the input matrix at load when it has at most this many
/// values (256 MiB of f32); larger ones are read through their codes.
const DEQUANTIZE_MAX: usize = 64 << 20;
const SIGMOID_TABLE_SIZE: i64 = 512;
const MAX_SIGMOID: i64 = 8;

/// `(log-probability, label)`, as C++ `Predictions`.
pub(crate) type Pred = (f32, i32);

#[inline]
fn std_log(x: f32) -> f32 {
    (f64::from(x) + 1e-5).ln() as f32
}

/// How far a path's score can still rise from any node of the label tree
/// down to a leaf, at threshold 0: each level adds `std_log(p) <=
/// std_log(1) ≈ 1e-5`, and the f32 sum rounds by under 5e-7 while the score
/// stays above the cut-off `std_log(0) ≈ -11.5`. Twice that per level of the
/// tree's height, plus a margin.
fn rise_bound(tree: &[(i32, i32)], osz: usize) -> f32 {
    // Children have lower indices than their parent: one pass from the root.
    let mut depth = vec![0u32; tree.len()];
    let mut height = 0;
    for node in (osz..tree.len()).rev() {
        let (l, r) = tree[node];
        for c in [l, r] {
            if let Ok(c) = usize::try_from(c) {
                depth[c] = depth[node] + 1;
                height = height.max(depth[c]);
            }
        }
    }
    height as f32 * 2e-5 + 1e-4
}

/// 16 floats on a cache line of their own: a row of a dim-16 model
/// (lid.176) is one cache line.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Chunk([f32; 16]);

/// A matrix ready for inference.
#[derive(Debug, Clone)]
enum Matrix {
    /// Dense rows, each `stride` chunks (zero padded).
    Aligned {
        stride: usize,
        data: Vec<Chunk>,
    },
    Dense {
        cols: usize,
        data: Vec<f32>,
    },
    Quant {
        codes: Vec<u8>,
        pq: Pq,
        norms: Option<(Vec<u8>, Pq)>,
    },
}

impl Matrix {
    /// The output matrix, as stored.
    fn output(raw: RawMatrix) -> Self {
        match raw {
            RawMatrix::Dense { cols, data, .. } => Self::Dense { cols, data },
            RawMatrix::Quant {
                codes, pq, norms, ..
            } => Self::Quant { codes, pq, norms },
        }
    }

    /// The input matrix with its rows taken in `order` (all rows when
    /// `None`): aligned dense rows, dequantized when quantized unless huge.
    fn input(raw: RawMatrix, order: Option<&[u32]>) -> Self {
        let rows = raw.rows();
        let cols = raw.cols();
        let n = order.map_or(rows, <[u32]>::len);
        let old = |i: usize| order.map_or(i, |o| o[i] as usize);
        let src = match raw {
            RawMatrix::Quant {
                codes, pq, norms, ..
            } if n.saturating_mul(cols) > DEQUANTIZE_MAX => {
                let Some(order) = order else {
                    return Self::Quant { codes, pq, norms };
                };
                let k = pq.nsubq;
                let codes = order
                    .iter()
                    .flat_map(|&o| &codes[o as usize * k..(o as usize + 1) * k])
                    .copied()
                    .collect();
                let norms =
                    norms.map(|(nc, npq)| (order.iter().map(|&o| nc[o as usize]).collect(), npq));
                return Self::Quant { codes, pq, norms };
            }
            RawMatrix::Dense { cols, data, .. } => Self::Dense { cols, data },
            RawMatrix::Quant {
                codes, pq, norms, ..
            } => Self::Quant { codes, pq, norms },
        };
        let stride = cols.div_ceil(16);
        let mut data = vec![Chunk::default(); n * stride];
        let mut row = vec![0f32; cols];
        for i in 0..n {
            row.fill(0.0);
            // 0 + norm * c == norm * c: the value addcode would add.
            src.add_row(&mut row, old(i));
            for (chunk, part) in data[i * stride..(i + 1) * stride]
                .iter_mut()
                .zip(row.chunks(16))
            {
                chunk.0[..part.len()].copy_from_slice(part);
            }
        }
        Self::Aligned { stride, data }
    }

    #[inline]
    fn norm(norms: &Option<(Vec<u8>, Pq)>, i: usize) -> f32 {
        match norms {
            Some((codes, npq)) => npq.centroid(0, codes[i])[0],
            None => 1.0,
        }
    }

    /// `x += row i` (`addRowToVector`).
    #[inline]
    fn add_row(&self, x: &mut [f32], i: usize) {
        match self {
            Self::Aligned { stride, data } => {
                let row = &data[i * stride..(i + 1) * stride];
                for (xs, c) in x.chunks_mut(16).zip(row) {
                    for (a, b) in xs.iter_mut().zip(&c.0) {
                        *a += *b;
                    }
                }
            }
            Self::Dense { cols, data } => {
                let row = &data[i * cols..(i + 1) * cols];
                for (a, b) in x.iter_mut().zip(row) {
                    *a += *b;
                }
            }
            Self::Quant { codes, pq, norms } => {
                let alpha = Self::norm(norms, i);
                let code = &codes[pq.nsubq * i..pq.nsubq * (i + 1)];
                for (m, &c) in code.iter().enumerate() {
                    let cent = pq.centroid(m, c);
                    let x = &mut x[m * pq.dsub..m * pq.dsub + cent.len()];
                    for (a, b) in x.iter_mut().zip(cent) {
                        *a += alpha * *b;
                    }
                }
            }
        }
    }

    /// `x += row i` for each `i` of `ids`, in order.
    fn add_rows(&self, x: &mut [f32], ids: &[u32]) {
        match self {
            Self::Aligned { stride: 1, data } if x.len() == 16 => {
                let x: &mut [f32; 16] = match x.try_into() {
                    Ok(x) => x,
                    Err(_) => return,
                };
                for &i in ids {
                    let c = &data[i as usize].0;
                    for j in 0..16 {
                        x[j] += c[j];
                    }
                }
            }
            _ => {
                for &i in ids {
                    self.add_row(x, i as usize);
                }
            }
        }
    }

    /// `row i · x` (`dotRow`), summed in index order in f32.
    #[inline]
    fn dot_row(&self, x: &[f32], i: usize) -> f32 {
        match self {
            Self::Aligned { stride, data } => {
                let row = &data[i * stride..(i + 1) * stride];
                let mut d = 0f32;
                for (xs, c) in x.chunks(16).zip(row) {
                    for (a, b) in c.0.iter().zip(xs) {
                        d += *a * *b;
                    }
                }
                d
            }
            Self::Dense { cols, data } => {
                let row = &data[i * cols..(i + 1) * cols];
                let mut d = 0f32;
                for (a, b) in row.iter().zip(x) {
                    d += *a * *b;
                }
                d
            }
            Self::Quant { codes, pq, norms } => {
                let alpha = Self::norm(norms, i);
                let code = &codes[pq.nsubq * i..pq.nsubq * (i + 1)];
                let mut res = 0f32;
                for (m, &c) in code.iter().enumerate() {
                    let cent = pq.centroid(m, c);
                    let x = &x[m * pq.dsub..m * pq.dsub + cent.len()];
                    for (a, b) in x.iter().zip(cent) {
                        res += *a * *b;
                    }
                }
                res * alpha
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Loss {
    /// `tree[node] = (left, right)`, leaves `0..osz` (-1, -1), root `2 osz - 2`.
    Hs {
        tree: Vec<(i32, i32)>,
        osz: usize,
        /// How far a score can still rise below any node (see [`rise_bound`]).
        slack: f32,
    },
    Softmax,
    /// ns / ova: the sigmoid lookup table.
    Sigmoid {
        table: Vec<f32>,
    },
}

/// `HierarchicalSoftmaxLoss::buildTree` (children only).
fn build_tree(counts: &[i64]) -> std::result::Result<Vec<(i32, i32)>, String> {
    let osz = counts.len();
    let n = 2 * osz - 1;
    let mut count = vec![1e15 as i64; n];
    count[..osz].copy_from_slice(counts);
    let mut tree = vec![(-1i32, -1i32); n];
    let mut leaf = osz as i64 - 1;
    let mut node = osz;
    for i in osz..n {
        let mut mini = [0usize; 2];
        for m in &mut mini {
            if leaf >= 0 && count[leaf as usize] < count[node] {
                *m = leaf as usize;
                leaf -= 1;
            } else {
                *m = node;
                node += 1;
            }
        }
        if mini[0] >= i || mini[1] >= i {
            return Err("label counts are not in decreasing order".into());
        }
        tree[i] = (mini[0] as i32, mini[1] as i32);
        count[i] = count[mini[0]].saturating_add(count[mini[1]]);
    }
    Ok(tree)
}

/// libstdc++ `__push_heap` with `comparePairs` (`a.0 > b.0`: a min-heap).
fn sift_up(h: &mut [Pred], mut hole: usize, top: usize, value: Pred) {
    while hole > top {
        let parent = (hole - 1) / 2;
        if h[parent].0 > value.0 {
            h[hole] = h[parent];
            hole = parent;
        } else {
            break;
        }
    }
    h[hole] = value;
}

/// `std::push_heap` (the new element is last).
fn push_heap(h: &mut [Pred]) {
    let Some(&value) = h.last() else { return };
    sift_up(h, h.len() - 1, 0, value);
}

/// libstdc++ `__adjust_heap` from the root over `h[..len]`.
fn adjust_heap(h: &mut [Pred], len: usize, value: Pred) {
    let top = 0;
    let mut hole = 0;
    let mut child = 0;
    while len >= 2 && child < (len - 1) / 2 {
        child = 2 * (child + 1);
        if h[child].0 > h[child - 1].0 {
            child -= 1;
        }
        h[hole] = h[child];
        hole = child;
    }
    if len & 1 == 0 && len >= 2 && child == (len - 2) / 2 {
        child = 2 * (child + 1);
        h[hole] = h[child - 1];
        hole = child - 1;
    }
    sift_up(h, hole, top, value);
}

/// `std::pop_heap`: the top moves last.
fn pop_heap(h: &mut [Pred]) {
    let len = h.len();
    if len > 1 {
        let value = h[len - 1];
        h[len - 1] = h[0];
        adjust_heap(h, len - 1, value);
    }
}

/// `std::sort_heap`: best first.
fn sort_heap(h: &mut [Pred]) {
    let mut last = h.len();
    while last > 1 {
        pop_heap(&mut h[..last]);
        last -= 1;
    }
}

/// Push `p` into a heap of at most `k` (C++'s push, then pop if over `k`).
#[inline]
fn heap_add(heap: &mut Vec<Pred>, k: usize, p: Pred) {
    heap.push(p);
    push_heap(heap);
    if heap.len() > k {
        pop_heap(heap);
        heap.pop();
    }
}

#[derive(Default)]
struct Scratch {
    hidden: Vec<f32>,
    output: Vec<f32>,
    buf: Vec<u8>,
    hashes: Vec<i32>,
    heap: Vec<Pred>,
    ids: Vec<u32>,
    stack: Vec<(i32, f32)>,
    tokens: crate::dict::TokenCache,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// A supervised fastText model.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    dim: usize,
    dict: Dict,
    input: Matrix,
    output: Matrix,
    output_rows: usize,
    loss: Loss,
    nlabels: usize,
}

impl Model {
    /// Prepare a parsed model; inconsistencies between its parts are
    /// reported at the dictionary's offset.
    pub(crate) fn new(raw: RawModel) -> Result<Self> {
        let at = raw.dict_at;
        let err = |message: String| {
            Err(FormatError {
                message,
                offset: at,
            })
        };
        let dim = raw.args.dim;
        if raw.input.cols() != dim || raw.output.cols() != dim {
            return err(format!(
                "matrices have {} and {} columns, args.dim is {dim}",
                raw.input.cols(),
                raw.output.cols()
            ));
        }
        let input_rows = raw.input.rows();
        if i32::try_from(input_rows).is_err() {
            return err(format!("input matrix has too many rows ({input_rows})"));
        }
        let nlabels = raw.dict.nlabels;
        let counts: Vec<i64> = raw
            .dict
            .entries
            .iter()
            .filter(|e| e.is_label)
            .map(|e| e.count)
            .collect();
        if counts.len() != nlabels {
            return err(format!(
                "dictionary has {} label entries, header says {nlabels}",
                counts.len()
            ));
        }
        if nlabels == 0 {
            return err("model has no labels".into());
        }
        if let Some(i) =
            (raw.dict.nwords..raw.dict.nwords + nlabels).find(|&i| !raw.dict.entries[i].is_label)
        {
            return err(format!("dictionary entry {i} should be a label"));
        }
        let output_rows = raw.output.rows();
        let loss = match raw.args.loss {
            LossKind::HierarchicalSoftmax => {
                if output_rows + 1 < nlabels {
                    return err(format!(
                        "output matrix has {output_rows} rows, hierarchical softmax over {nlabels} labels needs {}",
                        nlabels - 1
                    ));
                }
                let tree = match build_tree(&counts) {
                    Ok(t) => t,
                    Err(m) => return err(m),
                };
                let slack = rise_bound(&tree, nlabels);
                Loss::Hs {
                    tree,
                    osz: nlabels,
                    slack,
                }
            }
            kind => {
                if output_rows != nlabels {
                    return err(format!(
                        "output matrix has {output_rows} rows for {nlabels} labels"
                    ));
                }
                if kind == LossKind::Softmax {
                    Loss::Softmax
                } else {
                    let table = (0..=SIGMOID_TABLE_SIZE)
                        .map(|i| {
                            let x = (i * 2 * MAX_SIGMOID) as f32 / SIGMOID_TABLE_SIZE as f32
                                - MAX_SIGMOID as f32;
                            (1.0 / (1.0 + f64::from((-x).exp()))) as f32
                        })
                        .collect();
                    Loss::Sigmoid { table }
                }
            }
        };
        let dict = Dict::new(&raw.args, raw.dict, input_rows, at)?;
        let input = Matrix::input(raw.input, dict.row_order());
        Ok(Self {
            dim,
            dict,
            input,
            output: Matrix::output(raw.output),
            output_rows,
            loss,
            nlabels,
        })
    }

    /// Label `i`'s dictionary word (`__label__en`).
    pub(crate) fn label(&self, i: usize) -> &[u8] {
        self.dict.label(i)
    }

    /// Number of labels.
    pub(crate) fn nlabels(&self) -> usize {
        self.nlabels
    }

    /// `FastText::predictLine` on one line of `text` (up to its first '\n'):
    /// `f` gets the predictions, best first, as (log-probability, label).
    /// `k = -1`: all labels (`kUnlimitedPredictions`); other `k <= 0`: none.
    pub(crate) fn predict<R>(
        &self,
        text: &[u8],
        k: i32,
        threshold: f32,
        f: impl FnOnce(&[Pred]) -> R,
    ) -> R {
        SCRATCH.with(|s| {
            let mut guard = s.borrow_mut();
            let s = &mut *guard;
            s.heap.clear();
            self.predict_into(text, k, threshold, s);
            f(&s.heap)
        })
    }

    /// The first of `predict(text, -1, 0.0)`'s list, without scoring
    /// every label: under hierarchical softmax, a subtree is skipped when
    /// even its best leaf cannot reach the best score found so far. Scores
    /// are the same sums, in the same order, as the full search; a tie for
    /// the best (whose winner depends on the heap's history) or a NaN falls
    /// back to the full search.
    pub(crate) fn predict_best(&self, text: &[u8]) -> Option<Pred> {
        let threshold = 0.0;
        SCRATCH.with(|s| {
            let mut guard = s.borrow_mut();
            let s = &mut *guard;
            let Loss::Hs { tree, osz, slack } = &self.loss else {
                s.heap.clear();
                self.predict_into(text, -1, threshold, s);
                return s.heap.first().copied();
            };
            if !self.hidden_into(text, s) {
                return None;
            }
            let min_score = std_log(threshold);
            let hidden = &s.hidden[..];
            let stack = &mut s.stack;
            stack.clear();
            stack.push(((2 * osz - 2) as i32, 0.0));
            let mut best: Option<Pred> = None;
            let mut exact = true;
            while let Some((node, score)) = stack.pop() {
                if score.is_nan() {
                    exact = false;
                    break;
                }
                if score < min_score || best.is_some_and(|b| score + slack < b.0) {
                    continue;
                }
                let (left, right) = tree[node as usize];
                if left == -1 && right == -1 {
                    match best {
                        Some(b) if score == b.0 => exact = false,
                        Some(b) if score < b.0 => {}
                        _ => {
                            best = Some((score, node));
                            exact = true;
                        }
                    }
                    continue;
                }
                let dot = self.output.dot_row(hidden, node as usize - osz);
                let f = (1.0 / f64::from(1.0f32 + (-dot).exp())) as f32;
                stack.push((right, score + std_log(f)));
                stack.push((left, score + std_log((1.0 - f64::from(f)) as f32)));
            }
            if exact {
                return best;
            }
            s.heap.clear();
            self.predict_into(text, -1, threshold, s);
            s.heap.first().copied()
        })
    }

    /// Fill `s.hidden` with the mean of `text`'s input rows; false when it
    /// has none (no prediction).
    fn hidden_into(&self, text: &[u8], s: &mut Scratch) -> bool {
        let hidden = &mut s.hidden;
        hidden.clear();
        hidden.resize(self.dim, 0.0);
        // Ids first, then the rows: the row loads of a branch-free loop
        // overlap (the input matrix does not fit in a small cache).
        let ids = &mut s.ids;
        ids.clear();
        self.dict
            .line_rows(text, &mut s.buf, &mut s.hashes, &mut s.tokens, ids);
        let count = ids.len();
        self.input.add_rows(hidden, &s.ids);
        if count == 0 {
            return false;
        }
        let scale = (1.0 / count as f64) as f32;
        for h in hidden.iter_mut() {
            *h *= scale;
        }
        true
    }

    fn predict_into(&self, text: &[u8], k: i32, threshold: f32, s: &mut Scratch) {
        let k = match k {
            -1 => self.output_rows,
            k if k <= 0 => return,
            k => k as usize,
        };
        if !self.hidden_into(text, s) {
            return;
        }
        let hidden = &s.hidden[..];
        let heap = &mut s.heap;
        match &self.loss {
            Loss::Hs { tree, osz, .. } => {
                let min_score = std_log(threshold);
                let stack = &mut s.stack;
                stack.clear();
                stack.push(((2 * osz - 2) as i32, 0.0));
                while let Some((node, score)) = stack.pop() {
                    if score < min_score {
                        continue;
                    }
                    if heap.len() == k && score < heap[0].0 {
                        continue;
                    }
                    let (left, right) = tree[node as usize];
                    if left == -1 && right == -1 {
                        heap_add(heap, k, (score, node));
                        continue;
                    }
                    let dot = self.output.dot_row(hidden, node as usize - osz);
                    let f = (1.0 / f64::from(1.0f32 + (-dot).exp())) as f32;
                    // Right is visited after the whole left subtree.
                    stack.push((right, score + std_log(f)));
                    stack.push((left, score + std_log((1.0 - f64::from(f)) as f32)));
                }
            }
            Loss::Softmax | Loss::Sigmoid { .. } => {
                let out = &mut s.output;
                out.clear();
                out.extend((0..self.output_rows).map(|i| self.output.dot_row(hidden, i)));
                match &self.loss {
                    Loss::Softmax => {
                        let mut max = out[0];
                        for &o in out.iter() {
                            // std::max(o, max): `max` unless `o` compares above
                            // or equal (a NaN `o` is taken, as in C++).
                            if o.partial_cmp(&max) != Some(std::cmp::Ordering::Less) {
                                max = o;
                            }
                        }
                        let mut z = 0f32;
                        for o in out.iter_mut() {
                            *o = f64::from(*o - max).exp() as f32;
                            z += *o;
                        }
                        for o in out.iter_mut() {
                            *o /= z;
                        }
                    }
                    Loss::Sigmoid { table } => {
                        for o in out.iter_mut() {
                            *o = if *o < -(MAX_SIGMOID as f32) {
                                0.0
                            } else if *o > MAX_SIGMOID as f32 {
                                1.0
                            } else {
                                let i = ((*o + MAX_SIGMOID as f32) * SIGMOID_TABLE_SIZE as f32
                                    / MAX_SIGMOID as f32
                                    / 2.0) as usize;
                                table[i.min(table.len() - 1)]
                            };
                        }
                    }
                    Loss::Hs { .. } => {}
                }
                for (i, &o) in out.iter().enumerate() {
                    if o < threshold {
                        continue;
                    }
                    let l = std_log(o);
                    if heap.len() == k && l < heap[0].0 {
                        continue;
                    }
                    heap_add(heap, k, (l, i as i32));
                }
            }
        }
        sort_heap(heap);
    }
}
