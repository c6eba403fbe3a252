//! Reading fastText's binary model format (`.bin` dense, `.ftz` quantized),
//! as C++ fastText 0.9.2 `FastText::loadModel` reads it: magic and version,
//! `Args`, the `Dictionary` (entries, prune index), the input matrix (dense,
//! or quantized with a product quantizer and optional norm codes), the
//! `qout` flag and the output matrix. Little-endian, as every released model.
//!
//! Every read is bounds-checked: a truncated or inconsistent file is an error
//! that says what was being read and at which byte offset.

/// File magic (`FASTTEXT_FILEFORMAT_MAGIC_INT32`).
const MAGIC: i32 = 793_712_314;
/// Newest format version C++ fastText reads (`FASTTEXT_VERSION`).
const MAX_VERSION: i32 = 12;
/// Centroids per sub-quantizer (`ksub_ = 1 << nbits_`, `nbits_ = 8`).
pub(crate) const KSUB: usize = 256;

/// A format error: what is wrong, and where.
#[derive(Debug)]
pub(crate) struct FormatError {
    pub(crate) message: String,
    pub(crate) offset: usize,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte offset {})", self.message, self.offset)
    }
}

pub(crate) type Result<T> = std::result::Result<T, FormatError>;

/// Bounds-checked little-endian reader over the model bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn err<T>(&self, at: usize, message: impl Into<String>) -> Result<T> {
        Err(FormatError {
            message: message.into(),
            offset: at,
        })
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => self.err(
                self.pos,
                format!(
                    "truncated file: {what} needs {n} bytes, {} left",
                    self.bytes.len() - self.pos
                ),
            ),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    pub(crate) fn bool(&mut self, what: &str) -> Result<bool> {
        let at = self.pos;
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            v => self.err(at, format!("{what}: boolean byte is {v}, not 0 or 1")),
        }
    }

    pub(crate) fn i32(&mut self, what: &str) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn i64(&mut self, what: &str) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn f64(&mut self, what: &str) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array(what)?))
    }

    /// `n` little-endian `f32`s.
    pub(crate) fn f32s(&mut self, n: usize, what: &str) -> Result<Vec<f32>> {
        let len = n.checked_mul(4);
        let Some(len) = len else {
            return self.err(self.pos, format!("{what}: {n} floats overflow"));
        };
        let s = self.take(len, what)?;
        Ok(s.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        self.take(n, what)
    }

    /// A NUL-terminated byte string (the terminator is consumed).
    pub(crate) fn cstr(&mut self, what: &str) -> Result<&'a [u8]> {
        let rest = &self.bytes[self.pos..];
        match rest.iter().position(|&b| b == 0) {
            Some(n) => {
                let s = &rest[..n];
                self.pos += n + 1;
                Ok(s)
            }
            None => self.err(
                self.pos,
                format!("truncated file: {what} has no NUL terminator"),
            ),
        }
    }

    /// A non-negative `i32` count/size.
    pub(crate) fn count32(&mut self, what: &str) -> Result<usize> {
        let at = self.pos;
        let v = self.i32(what)?;
        usize::try_from(v).or_else(|_| self.err(at, format!("{what} is negative ({v})")))
    }

    /// A non-negative `i64` count/size.
    pub(crate) fn count64(&mut self, what: &str) -> Result<usize> {
        let at = self.pos;
        let v = self.i64(what)?;
        usize::try_from(v)
            .or_else(|_| self.err(at, format!("{what} is negative or too large ({v})")))
    }
}

/// Loss of a supervised model (`loss_name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LossKind {
    /// Hierarchical softmax (`hs`, 1).
    HierarchicalSoftmax,
    /// Negative sampling (`ns`, 2): sigmoid per label.
    NegativeSampling,
    /// Softmax (`softmax`, 3).
    Softmax,
    /// One-vs-all (`ova`, 4): sigmoid per label.
    OneVsAll,
}

/// The `Args` block (only what inference needs is kept).
#[derive(Debug, Clone)]
pub(crate) struct Args {
    pub(crate) dim: usize,
    pub(crate) word_ngrams: i32,
    pub(crate) loss: LossKind,
    pub(crate) bucket: u32,
    pub(crate) minn: i32,
    pub(crate) maxn: i32,
}

/// One dictionary entry.
#[derive(Debug, Clone)]
pub(crate) struct RawEntry {
    pub(crate) word: Vec<u8>,
    pub(crate) count: i64,
    pub(crate) is_label: bool,
}

/// The dictionary as stored.
#[derive(Debug, Clone)]
pub(crate) struct RawDict {
    pub(crate) nwords: usize,
    pub(crate) nlabels: usize,
    pub(crate) entries: Vec<RawEntry>,
    /// `pruneidx_size_`: -1 not pruned, 0 all n-grams pruned, > 0 the pairs.
    pub(crate) pruneidx_size: i64,
    /// `pruneidx_` pairs (n-gram bucket, row offset after the words), in file
    /// order (later pairs overwrite earlier ones with the same key, as the
    /// C++ `std::unordered_map` assignment does).
    pub(crate) pruneidx: Vec<(i32, i32)>,
}

/// A product quantizer (`ProductQuantizer`).
#[derive(Debug, Clone)]
pub(crate) struct Pq {
    pub(crate) nsubq: usize,
    pub(crate) dsub: usize,
    pub(crate) lastdsub: usize,
    pub(crate) centroids: Vec<f32>,
}

impl Pq {
    /// `get_centroids(m, i)`: the centroid slice of sub-quantizer `m`, code `i`.
    #[inline]
    pub(crate) fn centroid(&self, m: usize, i: u8) -> &[f32] {
        let i = usize::from(i);
        if m + 1 == self.nsubq {
            let start = m * KSUB * self.dsub + i * self.lastdsub;
            &self.centroids[start..start + self.lastdsub]
        } else {
            let start = (m * KSUB + i) * self.dsub;
            &self.centroids[start..start + self.dsub]
        }
    }
}

/// A matrix as stored.
#[derive(Debug, Clone)]
pub(crate) enum RawMatrix {
    /// `DenseMatrix`: `rows × cols` row-major.
    Dense {
        rows: usize,
        cols: usize,
        data: Vec<f32>,
    },
    /// `QuantMatrix`: codes (`rows × nsubq`), quantizer, optional norms.
    Quant {
        rows: usize,
        cols: usize,
        codes: Vec<u8>,
        pq: Pq,
        /// Norm codes (one per row) and their 1-d quantizer, when `qnorm`.
        norms: Option<(Vec<u8>, Pq)>,
    },
}

impl RawMatrix {
    pub(crate) fn rows(&self) -> usize {
        match self {
            Self::Dense { rows, .. } | Self::Quant { rows, .. } => *rows,
        }
    }

    pub(crate) fn cols(&self) -> usize {
        match self {
            Self::Dense { cols, .. } | Self::Quant { cols, .. } => *cols,
        }
    }
}

/// A whole model file.
#[derive(Debug, Clone)]
pub(crate) struct RawModel {
    pub(crate) args: Args,
    /// Byte offset of the dictionary.
    pub(crate) dict_at: usize,
    pub(crate) dict: RawDict,
    pub(crate) input: RawMatrix,
    pub(crate) output: RawMatrix,
}

fn read_args(r: &mut Reader<'_>, version: i32) -> Result<Args> {
    let at = r.pos();
    let dim = r.i32("args.dim")?;
    let _ws = r.i32("args.ws")?;
    let _epoch = r.i32("args.epoch")?;
    let _min_count = r.i32("args.minCount")?;
    let _neg = r.i32("args.neg")?;
    let word_ngrams = r.i32("args.wordNgrams")?;
    let loss_at = r.pos();
    let loss = match r.i32("args.loss")? {
        1 => LossKind::HierarchicalSoftmax,
        2 => LossKind::NegativeSampling,
        3 => LossKind::Softmax,
        4 => LossKind::OneVsAll,
        v => return r.err(loss_at, format!("args.loss: unknown loss {v}")),
    };
    let model_at = r.pos();
    let model = r.i32("args.model")?;
    if model != 3 {
        return r.err(
            model_at,
            format!("args.model is {model}: not a supervised (classification) model"),
        );
    }
    let bucket_at = r.pos();
    let bucket = r.i32("args.bucket")?;
    let minn = r.i32("args.minn")?;
    let mut maxn = r.i32("args.maxn")?;
    let _lr_update_rate = r.i32("args.lrUpdateRate")?;
    let _t = r.f64("args.t")?;
    if version == 11 {
        // As C++: old supervised models do not use character n-grams.
        maxn = 0;
    }
    let dim = match usize::try_from(dim) {
        Ok(d) if d > 0 => d,
        _ => return r.err(at, format!("args.dim is {dim}")),
    };
    let bucket = match u32::try_from(bucket) {
        Ok(b) => b,
        Err(_) => return r.err(bucket_at, format!("args.bucket is negative ({bucket})")),
    };
    Ok(Args {
        dim,
        word_ngrams,
        loss,
        bucket,
        minn,
        maxn,
    })
}

fn read_dict(r: &mut Reader<'_>) -> Result<RawDict> {
    let size = r.count32("dictionary size")?;
    let nwords_at = r.pos();
    let nwords = r.count32("dictionary nwords")?;
    let nlabels = r.count32("dictionary nlabels")?;
    let _ntokens = r.i64("dictionary ntokens")?;
    let prune_at = r.pos();
    let pruneidx_size = r.i64("dictionary pruneidx size")?;
    if nwords.checked_add(nlabels).is_none_or(|n| n > size) {
        return r.err(
            nwords_at,
            format!("dictionary: nwords {nwords} + nlabels {nlabels} > size {size}"),
        );
    }
    if pruneidx_size < -1 {
        return r.err(
            prune_at,
            format!("dictionary pruneidx size is {pruneidx_size}"),
        );
    }
    let mut entries = Vec::with_capacity(size.min(1 << 24));
    for _ in 0..size {
        let word = r.cstr("dictionary word")?.to_vec();
        let count = r.i64("dictionary entry count")?;
        let type_at = r.pos();
        let is_label = match r.u8("dictionary entry type")? {
            0 => false,
            1 => true,
            v => return r.err(type_at, format!("dictionary entry type is {v}, not 0 or 1")),
        };
        entries.push(RawEntry {
            word,
            count,
            is_label,
        });
    }
    let npairs = usize::try_from(pruneidx_size.max(0)).unwrap_or(0);
    let mut pruneidx = Vec::with_capacity(npairs.min(1 << 24));
    for _ in 0..npairs {
        let k = r.i32("prune index key")?;
        let v = r.i32("prune index value")?;
        pruneidx.push((k, v));
    }
    Ok(RawDict {
        nwords,
        nlabels,
        entries,
        pruneidx_size,
        pruneidx,
    })
}

fn read_pq(r: &mut Reader<'_>, what: &str) -> Result<Pq> {
    let at = r.pos();
    let dim = r.count32(what)?;
    let nsubq = r.count32(what)?;
    let dsub = r.count32(what)?;
    let lastdsub = r.count32(what)?;
    let consistent = nsubq > 0
        && dsub > 0
        && lastdsub > 0
        && (nsubq - 1)
            .checked_mul(dsub)
            .and_then(|v| v.checked_add(lastdsub))
            == Some(dim);
    if !consistent {
        return r.err(
            at,
            format!(
                "{what}: inconsistent dim {dim}, nsubq {nsubq}, dsub {dsub}, lastdsub {lastdsub}"
            ),
        );
    }
    let n = dim.checked_mul(KSUB);
    let Some(n) = n else {
        return r.err(at, format!("{what}: dim {dim} too large"));
    };
    let centroids = r.f32s(n, what)?;
    Ok(Pq {
        nsubq,
        dsub,
        lastdsub,
        centroids,
    })
}

fn read_matrix(r: &mut Reader<'_>, quant: bool, what: &str) -> Result<RawMatrix> {
    if !quant {
        let at = r.pos();
        let rows = r.count64(what)?;
        let cols = r.count64(what)?;
        let n = rows.checked_mul(cols);
        let Some(n) = n else {
            return r.err(at, format!("{what}: {rows} × {cols} overflows"));
        };
        let data = r.f32s(n, what)?;
        return Ok(RawMatrix::Dense { rows, cols, data });
    }
    let qnorm = r.bool(what)?;
    let at = r.pos();
    let rows = r.count64(what)?;
    let cols = r.count64(what)?;
    let codesize = r.count32(what)?;
    let codes = r.bytes(codesize, what)?.to_vec();
    let pq_at = r.pos();
    let pq = read_pq(r, what)?;
    if pq.nsubq.checked_mul(rows) != Some(codesize) {
        return r.err(
            at,
            format!(
                "{what}: {codesize} codes for {rows} rows × {} sub-quantizers",
                pq.nsubq
            ),
        );
    }
    if (pq.nsubq - 1) * pq.dsub + pq.lastdsub != cols {
        return r.err(
            pq_at,
            format!("{what}: quantizer dimension differs from {cols} columns"),
        );
    }
    let norms = if qnorm {
        let norm_codes = r.bytes(rows, what)?.to_vec();
        let npq_at = r.pos();
        let npq = read_pq(r, what)?;
        if npq.nsubq != 1 || npq.lastdsub != 1 {
            return r.err(
                npq_at,
                format!("{what}: norm quantizer is not 1-dimensional"),
            );
        }
        Some((norm_codes, npq))
    } else {
        None
    };
    Ok(RawMatrix::Quant {
        rows,
        cols,
        codes,
        pq,
        norms,
    })
}

/// Parse a whole model file.
pub(crate) fn read_model(bytes: &[u8]) -> Result<RawModel> {
    let mut r = Reader::new(bytes);
    let magic = r.i32("magic")?;
    if magic != MAGIC {
        return r.err(
            0,
            format!("not a fastText model (magic {magic}, want {MAGIC})"),
        );
    }
    let version = r.i32("version")?;
    if version > MAX_VERSION {
        return r.err(
            4,
            format!("format version {version} is newer than {MAX_VERSION}"),
        );
    }
    let args = read_args(&mut r, version)?;
    let dict_at = r.pos();
    let dict = read_dict(&mut r)?;
    let quant_input = r.bool("quantized-input flag")?;
    let input_at = r.pos();
    let input = read_matrix(&mut r, quant_input, "input matrix")?;
    if !quant_input && dict.pruneidx_size >= 0 {
        return r.err(
            input_at,
            "pruned dictionary with a dense input matrix (invalid model file)",
        );
    }
    let qout = r.bool("quantized-output flag")?;
    let output = read_matrix(&mut r, quant_input && qout, "output matrix")?;
    Ok(RawModel {
        args,
        dict_at,
        dict,
        input,
        output,
    })
}
