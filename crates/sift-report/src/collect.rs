//! One streaming pass over a run's output directory, in bounded memory:
//! counts, histograms, reservoir samples of examples, the largest clusters.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use sift_core::{RemovedLine, RunStats, SiftMeta};
use sift_io::compression::{decoder, Codec};

use crate::hist::LogHistogram;
use crate::sample::{Reservoir, Rng, TopClusters};
use crate::{Error, ReportOptions};

/// Distinct languages or reasons tracked before the rest go to [`OTHER`].
const MAX_KEYS: usize = 500;
/// Label of the languages or reasons beyond the first 500 distinct ones.
pub const OTHER: &str = "(other)";
/// Lines of a document shown in an example at most.
const EXAMPLE_LINES: usize = 24;
/// Characters of one example line at most.
const LINE_CHARS: usize = 300;
/// Lines of context around a removed line.
const CONTEXT: usize = 2;
/// Characters of a cluster's sample text.
const SAMPLE_CHARS: usize = 160;
/// Clusters tracked at once (see [`TopClusters`]).
const CLUSTER_CAPACITY: usize = 20_000;

/// A `(stage, reason)` pair.
pub type ReasonKey = (String, String);

/// One line of an example, marked when it was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleLine {
    /// 0-based line in the original text, when known exactly.
    pub line: Option<usize>,
    /// Text (truncated to a few hundred characters).
    pub text: String,
    /// `(stage, reason)` that removed it, if it was removed.
    pub removed: Option<ReasonKey>,
    /// Whether this is the line the example is about (for line examples).
    pub focus: bool,
}

/// An example document for a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Document id (id field, else `file:line`).
    pub id: String,
    /// Where it is in the output: `removed/00000.jsonl.gz:17`.
    pub location: String,
    /// What else the run recorded: duplicate of what, scores (may be empty).
    pub note: String,
    /// Lines shown; a `None` entry stands for lines left out.
    pub lines: Vec<Option<ExampleLine>>,
}

/// An unreadable input record.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RejectedExample {
    /// Input file.
    #[serde(default)]
    pub source: String,
    /// Line in the input file.
    #[serde(default)]
    pub line: u64,
    /// What was wrong.
    #[serde(default)]
    pub error: String,
    /// Kind of error.
    #[serde(default)]
    pub kind: String,
    /// Raw input (truncated here).
    #[serde(default)]
    pub raw: String,
}

/// Counts per language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LangCount {
    /// Kept documents.
    pub kept: u64,
    /// Removed documents.
    pub removed: u64,
}

/// What the run recorded about itself in `DIR/.sift/run.json`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct RunInfo {
    /// sift version that wrote the output.
    #[serde(default)]
    pub sift_version: String,
    /// The pipeline, as TOML.
    #[serde(default)]
    pub pipeline: String,
    /// Text field of the input.
    #[serde(default)]
    pub text_key: String,
    /// Id field of the input.
    #[serde(default)]
    pub id_key: String,
    /// Input shards.
    #[serde(default)]
    pub shards: Vec<String>,
}

/// Everything the report shows, gathered in one pass.
#[derive(Debug)]
pub struct Collected {
    /// The directory read.
    pub dir: PathBuf,
    /// `.sift/run.json`, when present and readable.
    pub run: Option<RunInfo>,
    /// Text field read.
    pub text_key: String,
    /// Id field read.
    pub id_key: String,
    /// `stats.json`, when present and readable.
    pub stats: Option<RunStats>,
    /// Kept documents read.
    pub kept: u64,
    /// Removed documents read.
    pub removed: u64,
    /// Rejected records read.
    pub rejected: u64,
    /// Removed documents per `(stage, reason)`, counted from the files.
    pub doc_reasons: BTreeMap<ReasonKey, u64>,
    /// Removed lines per `(stage, reason)`, counted from the files.
    pub line_reasons: BTreeMap<ReasonKey, u64>,
    /// Rejected records per kind, counted from the files.
    pub rejected_kinds: BTreeMap<String, u64>,
    /// Characters per document before the run (kept and removed).
    pub chars_before: LogHistogram,
    /// Characters per kept document after cleaning.
    pub chars_after: LogHistogram,
    /// Words per document before the run.
    pub words_before: LogHistogram,
    /// Words per kept document after cleaning.
    pub words_after: LogHistogram,
    /// Documents per language (`sift.lang`).
    pub langs: BTreeMap<String, LangCount>,
    /// Documents without a language.
    pub no_lang: LangCount,
    /// Duplicate clusters.
    pub clusters: TopClusters,
    /// Example removed documents per reason.
    pub doc_examples: BTreeMap<ReasonKey, Reservoir<Example>>,
    /// Example removed lines per reason.
    pub line_examples: BTreeMap<ReasonKey, Reservoir<Example>>,
    /// Example rejected records.
    pub rejected_examples: Reservoir<RejectedExample>,
    /// Output files read, per category.
    pub files: BTreeMap<&'static str, usize>,
    /// Problems met while reading (unreadable lines, truncated files, ...).
    pub warnings: Vec<String>,
    /// Lines that could not be parsed, in all files.
    pub unreadable: u64,
}

impl Collected {
    fn new(dir: &Path, opts: &ReportOptions) -> Self {
        Self {
            dir: dir.to_path_buf(),
            run: None,
            text_key: String::new(),
            id_key: String::new(),
            stats: None,
            kept: 0,
            removed: 0,
            rejected: 0,
            doc_reasons: BTreeMap::new(),
            line_reasons: BTreeMap::new(),
            rejected_kinds: BTreeMap::new(),
            chars_before: LogHistogram::default(),
            chars_after: LogHistogram::default(),
            words_before: LogHistogram::default(),
            words_after: LogHistogram::default(),
            langs: BTreeMap::new(),
            no_lang: LangCount::default(),
            clusters: TopClusters::new(CLUSTER_CAPACITY),
            doc_examples: BTreeMap::new(),
            line_examples: BTreeMap::new(),
            rejected_examples: Reservoir::new(opts.examples_per_reason),
            files: BTreeMap::new(),
            warnings: Vec::new(),
            unreadable: 0,
        }
    }
}

impl Collected {
    /// An empty partial result reading the same fields as `self`.
    fn empty_like(&self, opts: &ReportOptions) -> Self {
        let mut part = Collected::new(&self.dir, opts);
        part.text_key = self.text_key.clone();
        part.id_key = self.id_key.clone();
        part
    }

    /// Add a partial result read from other files. Samples are merged so
    /// that every item seen by either side is equally likely to remain.
    fn merge(&mut self, other: Collected, rng: &mut Rng) {
        self.kept += other.kept;
        self.removed += other.removed;
        self.rejected += other.rejected;
        self.unreadable += other.unreadable;
        for (k, n) in other.doc_reasons {
            bump_reason(&mut self.doc_reasons, k, n);
        }
        for (k, n) in other.line_reasons {
            bump_reason(&mut self.line_reasons, k, n);
        }
        for (k, n) in other.rejected_kinds {
            bump(&mut self.rejected_kinds, k, n);
        }
        self.chars_before.merge(&other.chars_before);
        self.chars_after.merge(&other.chars_after);
        self.words_before.merge(&other.words_before);
        self.words_after.merge(&other.words_after);
        for (lang, n) in other.langs {
            let key = if self.langs.len() >= MAX_KEYS && !self.langs.contains_key(&lang) {
                OTHER.to_string()
            } else {
                lang
            };
            let e = self.langs.entry(key).or_default();
            e.kept += n.kept;
            e.removed += n.removed;
        }
        self.no_lang.kept += other.no_lang.kept;
        self.no_lang.removed += other.no_lang.removed;
        self.clusters.merge(other.clusters);
        merge_examples(&mut self.doc_examples, other.doc_examples, rng);
        merge_examples(&mut self.line_examples, other.line_examples, rng);
        self.rejected_examples.merge(other.rejected_examples, rng);
        self.warnings.extend(other.warnings);
    }
}

fn merge_examples(
    mine: &mut BTreeMap<ReasonKey, Reservoir<Example>>,
    theirs: BTreeMap<ReasonKey, Reservoir<Example>>,
    rng: &mut Rng,
) {
    for (key, res) in theirs {
        if let Some(m) = mine.get_mut(&key) {
            m.merge(res, rng);
        } else if mine.len() < MAX_KEYS {
            mine.insert(key, res);
        }
    }
}

/// Read `dir` (a run's output directory) in one streaming pass.
pub fn collect(dir: &Path, opts: &ReportOptions) -> Result<Collected, Error> {
    let meta = std::fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
    if !meta.is_dir() {
        return Err(Error::NotOutputDir(dir.to_path_buf()));
    }
    let mut c = Collected::new(dir, opts);
    let stats_path = dir.join("stats.json");
    match std::fs::read(&stats_path) {
        Ok(bytes) => match serde_json::from_slice::<RunStats>(&bytes) {
            Ok(s) => c.stats = Some(s),
            Err(e) => c.warnings.push(format!(
                "stats.json is unreadable ({e}); counts come from the files"
            )),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&stats_path, e)),
    }
    let run_path = dir.join(".sift").join("run.json");
    match std::fs::read(&run_path) {
        Ok(bytes) => match serde_json::from_slice::<RunInfo>(&bytes) {
            Ok(r) => c.run = Some(r),
            Err(e) => c
                .warnings
                .push(format!(".sift/run.json is unreadable ({e})")),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&run_path, e)),
    }
    let recorded =
        |f: fn(&RunInfo) -> &String| c.run.as_ref().map(f).filter(|k| !k.is_empty()).cloned();
    c.text_key = opts
        .text_key
        .clone()
        .or_else(|| recorded(|r| &r.text_key))
        .unwrap_or_else(|| "text".into());
    c.id_key = opts
        .id_key
        .clone()
        .or_else(|| recorded(|r| &r.id_key))
        .unwrap_or_else(|| "id".into());
    let mut files = Vec::new();
    let mut any_dir = false;
    for category in ["kept", "removed", "rejected"] {
        let found = list_files(&dir.join(category))?;
        any_dir |= found.is_some();
        let found = found.unwrap_or_default();
        c.files.insert(category, found.len());
        files.extend(found.into_iter().map(|p| (category, p)));
    }
    let mut rng = Rng::new(opts.seed);
    for lane in read_lanes(&c, &files, opts)? {
        c.merge(lane, &mut rng);
    }
    if !any_dir && c.stats.is_none() {
        return Err(Error::NotOutputDir(dir.to_path_buf()));
    }
    if c.stats.is_none() {
        c.warnings.push(
            "no stats.json: stage order and counts are reconstructed from the output files".into(),
        );
    }
    if c.clusters.is_approximate() {
        c.warnings.push(format!(
            "more than {CLUSTER_CAPACITY} duplicate clusters: cluster sizes are lower bounds"
        ));
    }
    if c.unreadable > 0 {
        c.warnings.push(format!(
            "{} output line(s) could not be parsed and were skipped",
            c.unreadable
        ));
    }
    if let Some(s) = &c.stats {
        let pairs = [
            ("kept", s.docs_kept, c.kept),
            ("removed", s.docs_removed, c.removed),
            ("rejected", s.docs_rejected, c.rejected),
        ];
        for (name, stats_n, files_n) in pairs {
            if stats_n != files_n {
                c.warnings.push(format!(
                    "stats.json says {stats_n} {name} but {name}/ holds {files_n} records"
                ));
            }
        }
    }
    Ok(c)
}

/// Files are dealt round-robin to this many lanes, each read in order with
/// its own generator and merged in lane order: the report does not depend on
/// the number of threads or their timing.
const LANES: usize = 8;

/// Read `files` in up to [`LANES`] parallel lanes (at most `opts.threads`
/// threads, 0 = one per core), each into its own partial [`Collected`].
fn read_lanes(
    template: &Collected,
    files: &[(&'static str, PathBuf)],
    opts: &ReportOptions,
) -> Result<Vec<Collected>, Error> {
    let lanes = LANES.min(files.len()).max(1);
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(lanes);
    let read_lane = |lane: usize| -> Result<Collected, Error> {
        let mut part = template.empty_like(opts);
        let mut rng = Rng::new(opts.seed ^ (lane as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for (category, path) in files.iter().skip(lane).step_by(lanes) {
            read_file(&mut part, &mut rng, opts, category, path)?;
        }
        Ok(part)
    };
    if threads <= 1 {
        return (0..lanes).map(read_lane).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<Collected, Error>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let lane = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if lane >= lanes {
                            break;
                        }
                        done.push((lane, read_lane(lane)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    results.sort_by_key(|(lane, _)| *lane);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Output files of one category, sorted; `None` when the folder is absent.
fn list_files(dir: &Path) -> Result<Option<Vec<PathBuf>>, Error> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut files = Vec::new();
    for entry in rd {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let data = [".jsonl", ".jsonl.gz", ".jsonl.zst"]
            .iter()
            .any(|s| name.ends_with(s));
        if data && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(Some(files))
}

fn read_file(
    c: &mut Collected,
    rng: &mut Rng,
    opts: &ReportOptions,
    category: &'static str,
    path: &Path,
) -> Result<(), Error> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = decoder(file, Codec::from_path(path)).map_err(|e| Error::io(path, e))?;
    let short_name = format!(
        "{category}/{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("?")
    );
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut first_error: Option<String> = None;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                // A damaged file (e.g. truncated gzip) should not hide the rest.
                c.warnings.push(format!(
                    "{short_name}: read error after line {line_no}: {e}"
                ));
                break;
            }
        }
        line_no += 1;
        let line = trim_line(&buf);
        if line.is_empty() {
            continue;
        }
        let location = format!("{short_name}:{line_no}");
        let ok = match category {
            "rejected" => read_rejected(c, rng, line),
            _ => read_doc(
                c,
                rng,
                opts.examples_per_reason,
                category == "kept",
                line,
                location,
            ),
        };
        if let Err(e) = ok {
            c.unreadable += 1;
            first_error.get_or_insert_with(|| format!("{short_name}:{line_no}: {e}"));
        }
    }
    if let Some(e) = first_error {
        c.warnings.push(format!("first unreadable line: {e}"));
    }
    Ok(())
}

fn trim_line(buf: &[u8]) -> &[u8] {
    let mut s = buf;
    while let [rest @ .., b'\n' | b'\r'] = s {
        s = rest;
    }
    s
}

fn read_rejected(c: &mut Collected, rng: &mut Rng, line: &[u8]) -> Result<(), serde_json::Error> {
    let mut r: RejectedExample = serde_json::from_slice(line)?;
    c.rejected += 1;
    let kind = if r.kind.is_empty() {
        "unknown".to_string()
    } else {
        r.kind.clone()
    };
    bump(&mut c.rejected_kinds, kind, 1);
    r.raw = truncate(&r.raw, LINE_CHARS);
    c.rejected_examples.offer_with(rng, || r);
    Ok(())
}

/// Add `n` to `map[key]`, folding new keys into [`OTHER`] past [`MAX_KEYS`].
fn bump(map: &mut BTreeMap<String, u64>, key: String, n: u64) {
    if map.len() >= MAX_KEYS && !map.contains_key(&key) {
        *map.entry(OTHER.to_string()).or_default() += n;
    } else {
        *map.entry(key).or_default() += n;
    }
}

fn reason_key(stage: Option<&str>, reason: &str) -> ReasonKey {
    (stage.unwrap_or("?").to_string(), reason.to_string())
}

fn bump_reason(map: &mut BTreeMap<ReasonKey, u64>, key: ReasonKey, n: u64) {
    if map.len() >= MAX_KEYS && !map.contains_key(&key) {
        *map.entry(("?".into(), OTHER.into())).or_default() += n;
    } else {
        *map.entry(key).or_default() += n;
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Number of whitespace-separated words: `s.split_whitespace().count()`
/// ([`words_naive`]), a byte at a time without decoding characters. Besides
/// ASCII, Unicode `White_Space` is U+0085, U+00A0, U+1680, U+2000–U+200A,
/// U+2028, U+2029, U+202F, U+205F and U+3000, recognised by their UTF-8 bytes.
fn words(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut n = 0;
    let mut in_word = false;
    let mut i = 0;
    while i < b.len() {
        let (space, len) = space_at(b, i);
        if space {
            in_word = false;
        } else if !in_word {
            in_word = true;
            n += 1;
        }
        i += len;
    }
    n
}

/// Whether a whitespace character starts at byte `i`, and how many bytes to
/// step (a non-space multi-byte character is stepped one byte at a time: its
/// continuation bytes are never spaces).
#[inline]
fn space_at(b: &[u8], i: usize) -> (bool, usize) {
    let next = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        b'\t'..=b'\r' | b' ' => (true, 1),
        0xC2 if matches!(next(1), 0x85 | 0xA0) => (true, 2),
        0xE1 if next(1) == 0x9A && next(2) == 0x80 => (true, 3),
        0xE2 if next(1) == 0x80 && matches!(next(2), 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF) => (true, 3),
        0xE2 if next(1) == 0x81 && next(2) == 0x9F => (true, 3),
        0xE3 if next(1) == 0x80 && next(2) == 0x80 => (true, 3),
        _ => (false, 1),
    }
}

/// Reference for [`words`].
#[cfg(test)]
fn words_naive(s: &str) -> u64 {
    s.split_whitespace().count() as u64
}

fn read_doc(
    c: &mut Collected,
    rng: &mut Rng,
    examples: usize,
    kept: bool,
    line: &[u8],
    location: String,
) -> Result<(), serde_json::Error> {
    let seed = DocSeed {
        text_key: &c.text_key,
        id_key: &c.id_key,
    };
    let mut de = serde_json::Deserializer::from_slice(line);
    let doc = seed.deserialize(&mut de)?;
    de.end()?;
    let text = doc.text.unwrap_or_default();
    let sift = doc.sift;
    let id = doc.id.unwrap_or_else(|| location.clone());

    // Lengths. A kept document's original is its text plus its removed lines.
    let chars = text.chars().count() as u64;
    let w = words(&text);
    if kept {
        c.kept += 1;
        c.chars_after.add(chars);
        c.words_after.add(w);
        let extra_chars: u64 = sift
            .removed_lines
            .iter()
            .map(|r| r.text.chars().count() as u64 + 1)
            .sum();
        let extra_words: u64 = sift.removed_lines.iter().map(|r| words(&r.text)).sum();
        c.chars_before.add(chars + extra_chars);
        c.words_before.add(w + extra_words);
    } else {
        c.removed += 1;
        c.chars_before.add(chars);
        c.words_before.add(w);
    }

    // Languages.
    let counts = match &sift.lang {
        Some(lang) => {
            let key = if c.langs.len() >= MAX_KEYS && !c.langs.contains_key(lang) {
                OTHER.to_string()
            } else {
                lang.clone()
            };
            c.langs.entry(key).or_default()
        }
        None => &mut c.no_lang,
    };
    if kept {
        counts.kept += 1;
    } else {
        counts.removed += 1;
    }

    // Duplicate clusters.
    if let Some(dup) = &sift.duplicate {
        let key = dup.cluster.as_deref().unwrap_or(&dup.duplicate_of);
        c.clusters
            .add(key, &dup.duplicate_of, kept, dup.similarity, || {
                truncate(text.trim(), SAMPLE_CHARS)
            });
    }

    // Removed lines: counts and one example per distinct reason.
    let mut line_keys: BTreeSet<ReasonKey> = BTreeSet::new();
    for r in &sift.removed_lines {
        let key = reason_key(Some(&r.stage), &r.reason);
        bump_reason(&mut c.line_reasons, key.clone(), 1);
        line_keys.insert(key);
    }
    for key in line_keys {
        if !c.line_examples.contains_key(&key) && c.line_examples.len() >= MAX_KEYS {
            continue;
        }
        let res = c
            .line_examples
            .entry(key.clone())
            .or_insert_with(|| Reservoir::new(examples));
        res.offer_with(rng, || Example {
            id: id.clone(),
            location: location.clone(),
            note: String::new(),
            lines: line_example(&text, &sift.removed_lines, kept, &key),
        });
    }

    // Removed documents: counts and examples per reason.
    if !kept {
        let reason = sift.reason.as_deref().unwrap_or("(no reason)");
        let key = reason_key(sift.stage.as_deref(), reason);
        bump_reason(&mut c.doc_reasons, key.clone(), 1);
        if c.doc_examples.contains_key(&key) || c.doc_examples.len() < MAX_KEYS {
            let res = c
                .doc_examples
                .entry(key)
                .or_insert_with(|| Reservoir::new(examples));
            res.offer_with(rng, || Example {
                id,
                location,
                note: doc_note(&sift),
                lines: doc_example(&text, &sift.removed_lines),
            });
        }
    }
    Ok(())
}

/// Original lines of a document: for a removed document its text as is; for a
/// kept one the cleaned text with the removed lines put back at their index.
///
/// Blank lines that cleaning coalesced are not recorded, so a kept document
/// may come back with fewer blank lines than it had: fine for display.
fn original_lines<'a>(
    text: &'a str,
    removed: &'a [RemovedLine],
    kept: bool,
) -> Vec<(&'a str, Option<&'a RemovedLine>)> {
    let by_line: BTreeMap<usize, &RemovedLine> = removed.iter().map(|r| (r.line, r)).collect();
    if !kept {
        return text
            .split('\n')
            .enumerate()
            .map(|(i, l)| (l, by_line.get(&i).copied()))
            .collect();
    }
    let mut out = Vec::new();
    let mut rest = text.split('\n').peekable();
    let mut pending = by_line.values().copied().peekable();
    let mut idx = 0;
    loop {
        match pending.peek() {
            Some(r) if r.line <= idx || rest.peek().is_none() => {
                out.push((r.text.as_str(), Some(*r)));
                pending.next();
            }
            _ => match rest.next() {
                Some(l) => out.push((l, None)),
                None => break,
            },
        }
        idx = out.len();
    }
    out
}

fn example_line(
    i: usize,
    text: &str,
    removed: Option<&RemovedLine>,
    focus: Option<&ReasonKey>,
) -> ExampleLine {
    let removed = removed.map(|r| (r.stage.to_string(), r.reason.to_string()));
    ExampleLine {
        line: removed.as_ref().map(|_| i),
        focus: focus.is_some() && removed.as_ref() == focus,
        removed,
        text: truncate(text, LINE_CHARS),
    }
}

/// A removed line in context: every line of `key` plus a little context,
/// with gaps marked by `None`, at most [`EXAMPLE_LINES`] lines.
fn line_example(
    text: &str,
    removed: &[RemovedLine],
    kept: bool,
    key: &ReasonKey,
) -> Vec<Option<ExampleLine>> {
    let lines = original_lines(text, removed, kept);
    let is_focus =
        |r: Option<&RemovedLine>| r.is_some_and(|r| *r.stage == *key.0 && r.reason == key.1);
    let mut show = vec![false; lines.len()];
    for (i, (_, r)) in lines.iter().enumerate() {
        if is_focus(*r) {
            let lo = i.saturating_sub(CONTEXT);
            let hi = (i + CONTEXT + 1).min(lines.len());
            show[lo..hi].iter_mut().for_each(|s| *s = true);
        }
    }
    let mut out = Vec::new();
    let mut gap = false;
    for (i, (l, r)) in lines.iter().enumerate() {
        if !show[i] {
            gap = true;
            continue;
        }
        if out.len() >= EXAMPLE_LINES {
            gap = true;
            break;
        }
        if gap {
            out.push(None);
        }
        gap = false;
        let line = r.map_or(i, |r| r.line);
        out.push(Some(example_line(line, l, *r, Some(key))));
    }
    if gap {
        out.push(None);
    }
    out
}

/// Why a removed document went, beyond its reason: the document it
/// duplicates, and the scores stages computed (at most a few).
fn doc_note(sift: &SiftMeta) -> String {
    const MAX_SCORES: usize = 6;
    let mut parts = Vec::new();
    if let Some(d) = &sift.duplicate {
        let mut p = format!("duplicate of {}", d.duplicate_of);
        if let Some(sim) = d.similarity {
            p.push_str(&format!(" (similarity {sim:.2})"));
        }
        parts.push(p);
    }
    let scores: Vec<String> = sift
        .scores
        .iter()
        .take(MAX_SCORES)
        .map(|(k, v)| format!("{k} {v:.3}"))
        .collect();
    if !scores.is_empty() {
        let more = if sift.scores.len() > MAX_SCORES {
            ", …"
        } else {
            ""
        };
        parts.push(format!("scores: {}{more}", scores.join(", ")));
    }
    parts.join(" · ")
}

/// The start of a removed document, its removed lines marked.
fn doc_example(text: &str, removed: &[RemovedLine]) -> Vec<Option<ExampleLine>> {
    let lines = original_lines(text, removed, false);
    let mut out: Vec<Option<ExampleLine>> = lines
        .iter()
        .take(EXAMPLE_LINES)
        .enumerate()
        .map(|(i, (l, r))| Some(example_line(i, l, *r, None)))
        .collect();
    if lines.len() > EXAMPLE_LINES {
        out.push(None);
    }
    out
}

/// What the report needs of one output document.
struct DocRecord {
    text: Option<String>,
    id: Option<String>,
    sift: SiftMeta,
}

/// Deserializes a document picking the text, id and `sift` fields by name and
/// skipping every other field without building it.
struct DocSeed<'a> {
    text_key: &'a str,
    id_key: &'a str,
}

enum Field {
    Text,
    Id,
    Sift,
    Other,
}

struct FieldSeed<'a>(&'a DocSeed<'a>);

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Field;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Field, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for FieldSeed<'_> {
    type Value = Field;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        Ok(if v == self.0.text_key {
            Field::Text
        } else if v == "sift" {
            Field::Sift
        } else if v == self.0.id_key {
            Field::Id
        } else {
            Field::Other
        })
    }
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = DocRecord;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<DocRecord, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = DocRecord;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DocRecord, A::Error> {
        let mut doc = DocRecord {
            text: None,
            id: None,
            sift: SiftMeta::default(),
        };
        while let Some(field) = map.next_key_seed(FieldSeed(&self))? {
            match field {
                Field::Text => doc.text = map.next_value::<Option<String>>()?,
                Field::Sift => doc.sift = map.next_value()?,
                Field::Id => {
                    doc.id = match map.next_value::<Value>()? {
                        Value::Null => None,
                        Value::String(s) => Some(s),
                        other => Some(other.to_string()),
                    }
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rl(line: usize, text: &str, reason: &str) -> RemovedLine {
        RemovedLine {
            line,
            text: text.into(),
            reason: reason.to_string().into(),
            stage: "clean".into(),
        }
    }

    #[test]
    fn kept_document_gets_removed_lines_back_in_place() {
        let removed = [
            rl(0, "nav", "menu"),
            rl(2, "spam", "junk"),
            rl(5, "footer", "junk"),
        ];
        let lines = original_lines("Title\nBody.\nMore.", &removed, true);
        let texts: Vec<_> = lines.iter().map(|(l, _)| *l).collect();
        assert_eq!(texts, ["nav", "Title", "spam", "Body.", "More.", "footer"]);
        assert!(lines[2].1.is_some() && lines[3].1.is_none());
    }

    #[test]
    fn line_example_shows_context_and_gaps() {
        let text: String = (0..20).map(|i| format!("l{i}\n")).collect();
        let removed = [rl(10, "SPAM", "junk")];
        let key = ("clean".to_string(), "junk".to_string());
        let ex = line_example(text.trim_end(), &removed, true, &key);
        let shown: Vec<String> = ex
            .iter()
            .map(|l| l.as_ref().map_or("…".into(), |l| l.text.clone()))
            .collect();
        assert_eq!(shown, ["…", "l8", "l9", "SPAM", "l10", "l11", "…"]);
        let focus = ex[3].as_ref().expect("line");
        assert!(focus.focus);
        assert_eq!(focus.line, Some(10));
    }

    #[test]
    fn doc_seed_reads_custom_keys_and_skips_the_rest() {
        let line = br#"{"url":"u","content":"hello world","nested":{"a":[1,2]},"doc_id":42,"sift":{"lang":"en","reason":"too_short","stage":"min_words"}}"#;
        let seed = DocSeed {
            text_key: "content",
            id_key: "doc_id",
        };
        let mut de = serde_json::Deserializer::from_slice(line);
        let doc = seed.deserialize(&mut de).expect("parse");
        assert_eq!(doc.text.as_deref(), Some("hello world"));
        assert_eq!(doc.id.as_deref(), Some("42"));
        assert_eq!(doc.sift.lang.as_deref(), Some("en"));
        assert_eq!(doc.sift.reason.as_deref(), Some("too_short"));
    }

    #[test]
    fn fast_word_count_matches_split_whitespace() {
        // Every Unicode space, the characters sharing their lead bytes, and
        // ASCII control characters that are not spaces in Rust.
        let mut alphabet: Vec<char> = "ab \t\n\r\x0b\x0c\x1c\x1f\u{85}\u{a0}\u{a1}\u{1680}\u{1681}\u{167f}\u{2028}\u{2029}\u{202f}\u{205f}\u{2060}\u{205e}\u{3000}\u{3001}\u{2fff}é中😀"
            .chars()
            .collect();
        alphabet.extend((0x2000..=0x200c).filter_map(char::from_u32));
        let mut rng = Rng::new(42);
        for len in 0..40 {
            for _ in 0..300 {
                let s: String = (0..len)
                    .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
                    .collect();
                assert_eq!(words(&s), words_naive(&s), "{s:?}");
            }
        }
        // Every character that is whitespace in Rust is one here.
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = format!("a{c}b");
            assert_eq!(words(&s), words_naive(&s), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn bounded_maps_fold_into_other() {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for i in 0..MAX_KEYS + 10 {
            bump(&mut m, format!("k{i}"), 1);
        }
        assert_eq!(m.len(), MAX_KEYS + 1);
        assert_eq!(m[OTHER], 10);
    }
}
