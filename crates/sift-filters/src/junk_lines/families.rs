//! Pattern families: the data files under `data/junk/`, parsed and compiled
//! once per built stage.
//!
//! File syntax is described in `data/junk/README.md`. Parsing is strict: an
//! unknown directive or a bad regex is a build error naming the file and line.

use std::cell::RefCell;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};

use regex::{Regex, RegexSet, RegexSetBuilder};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::nfa::thompson::pikevm::PikeVM;
use regex_automata::nfa::thompson::{WhichCaptures, NFA};
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input, MatchKind, PatternSet};

use crate::common::JoinedHays;
use crate::Error;

/// Family files embedded in the binary, in matching priority order
/// (boilerplate before spam: a cookie banner mentioning "free" is a cookie
/// banner).
pub const FAMILY_FILES: &[(&str, &str)] = &[
    ("ad", include_str!("../../data/junk/ad.txt")),
    ("cookie", include_str!("../../data/junk/cookie.txt")),
    ("nav", include_str!("../../data/junk/nav.txt")),
    ("browser", include_str!("../../data/junk/browser.txt")),
    ("share", include_str!("../../data/junk/share.txt")),
    ("subscribe", include_str!("../../data/junk/subscribe.txt")),
    ("promo", include_str!("../../data/junk/promo.txt")),
    ("tail", include_str!("../../data/junk/tail.txt")),
    ("pharma", include_str!("../../data/junk/pharma.txt")),
    ("casino", include_str!("../../data/junk/casino.txt")),
    ("essay", include_str!("../../data/junk/essay.txt")),
    ("crypto", include_str!("../../data/junk/crypto.txt")),
    ("loan", include_str!("../../data/junk/loan.txt")),
    ("adult", include_str!("../../data/junk/adult.txt")),
    ("commerce", include_str!("../../data/junk/commerce.txt")),
];

/// Whole-line patterns are tried on lines up to this many bytes (after
/// trimming); longer lines only meet the patterns of `@long` families.
pub const SHORT_LINE: usize = 300;

/// The shared calls-to-action family: its terms count for every spam family.
pub const SHARED_FAMILY: &str = "commerce";

/// Function words ignored by the coherence signal.
pub const STOPWORDS: &str = include_str!("../../data/junk/stopwords.txt");

const STAGE: &str = "junk_lines";

/// One family as written in its file.
#[derive(Debug, Default)]
struct RawFamily {
    name: String,
    reason: String,
    /// `@long`: whole-line patterns also tried on lines longer than
    /// [`SHORT_LINE`].
    long: bool,
    line: Vec<String>,
    edge: Vec<String>,
    inline: Vec<String>,
    /// (term, weight, is_anchor)
    terms: Vec<(String, f64, bool)>,
    /// (regex, weight)
    regexes: Vec<(String, f64)>,
}

fn parse_family(name: &str, text: &str) -> Result<RawFamily, Error> {
    let err = |lineno: usize, message: String| Error::Config {
        stage: STAGE,
        key: format!("data/junk/{name}.txt:{lineno}"),
        message,
    };
    #[derive(Clone, Copy)]
    enum Section {
        None,
        Line,
        Edge,
        Inline,
        Term(f64, bool),
        Regex(f64),
    }
    let mut fam = RawFamily {
        name: name.to_string(),
        reason: name.to_string(),
        ..RawFamily::default()
    };
    let mut section = Section::None;
    for (i, raw) in text.lines().enumerate() {
        let lineno = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(directive) = line.strip_prefix('@') {
            let mut parts = directive.split_whitespace();
            let head = parts.next().unwrap_or_default();
            let arg = parts.next();
            let weight = |default: f64| -> Result<f64, Error> {
                match arg {
                    None => Ok(default),
                    Some(w) => w
                        .parse::<f64>()
                        .ok()
                        .filter(|w| w.is_finite())
                        .ok_or_else(|| err(lineno, format!("bad weight `{w}`"))),
                }
            };
            section = match head {
                "reason" => {
                    fam.reason = arg
                        .ok_or_else(|| err(lineno, "@reason needs a code".into()))?
                        .to_string();
                    Section::None
                }
                "long" => {
                    fam.long = true;
                    Section::None
                }
                "line" => Section::Line,
                "edge" => Section::Edge,
                "inline" => Section::Inline,
                "anchor" => Section::Term(weight(3.0)?, true),
                "term" => Section::Term(weight(1.0)?, false),
                "regex" => Section::Regex(weight(1.0)?),
                other => return Err(err(lineno, format!("unknown directive `@{other}`"))),
            };
            continue;
        }
        // Regex lines keep their inner spaces but not the trailing ones.
        let entry = raw.trim_start().trim_end().to_string();
        match section {
            Section::None => {
                return Err(err(lineno, "entry before any @section".into()));
            }
            Section::Line => fam.line.push(entry),
            Section::Edge => fam.edge.push(entry),
            Section::Inline => fam.inline.push(entry),
            Section::Term(w, anchor) => fam.terms.push((entry.to_ascii_lowercase(), w, anchor)),
            Section::Regex(w) => fam.regexes.push((entry, w)),
        }
    }
    Ok(fam)
}

/// ASCII word boundaries instead of Unicode ones: the lazy DFA cannot
/// evaluate a Unicode `\b` next to a non-ASCII character and hands the whole
/// search to the (much slower) PikeVM; every boundary in the data files sits
/// next to an ASCII word anyway. Bounded repetitions `{m,n}` become `{m,}`
/// (huge automata otherwise); the line-length gates bound them instead (see
/// `data/junk/README.md`).
fn dfa_friendly(pattern: &str) -> String {
    // Compiled once: compiling it per pattern was half of the build.
    static BOUNDED: OnceLock<Option<Regex>> = OnceLock::new();
    let p = pattern.replace(r"\b", r"(?-u:\b)");
    match BOUNDED.get_or_init(|| Regex::new(r"\{(\d+),\d+\}").ok()) {
        Some(re) => re.replace_all(&p, "{$1,}").into_owned(),
        None => p,
    }
}

/// The pattern without a leading `.{0,N}` / `.*` (any text before the rest),
/// if it has one and no top-level alternation that the prefix would scope.
///
/// On a line (no `\n`), `^.{0,}REST$` holds exactly when `REST$` matches
/// somewhere, and the regex engine checks `REST$` backwards from the end of
/// the line: a handful of bytes instead of the whole line.
fn any_prefix_rest(pattern: &str) -> Option<&str> {
    let rest = if let Some(r) = pattern.strip_prefix(".*") {
        r
    } else {
        let r = pattern.strip_prefix(".{0,")?;
        let close = r.find('}')?;
        if !r[..close].bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        &r[close + 1..]
    };
    // A lazy or possessive marker would belong to the removed repetition.
    if rest.is_empty() || rest.starts_with(['?', '+', '*', '{']) {
        return None;
    }
    // Top-level `|` (outside groups and classes) would change meaning.
    let (mut depth, mut class, mut escaped) = (0i32, false, false);
    for c in rest.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' if !class => class = true,
            ']' if class => class = false,
            '(' if !class => depth += 1,
            ')' if !class => depth -= 1,
            '|' if !class && depth == 0 => return None,
            _ => {}
        }
    }
    Some(rest)
}

/// Case-insensitive whole-line patterns with their priority order.
///
/// Patterns that start with "any text" (`.{0,60}(opens in new window)`)
/// keep a forward automaton alive to the end of every line; they are
/// compiled end-anchored, without that start, into a reverse automaton
/// walked from the line's end.
#[derive(Debug)]
pub struct WholeLineSet {
    /// Start- and end-anchored patterns.
    forward: LineDfa,
    /// Original index of each `forward` pattern (increasing).
    forward_ids: Vec<usize>,
    /// End-anchored patterns whose leading "any text" was dropped (None:
    /// there are none).
    suffix: Option<LineDfa>,
    /// Original index of each `suffix` pattern.
    suffix_ids: Vec<usize>,
    /// Family of each pattern, by original index.
    pub family: Vec<u16>,
    /// Whether each pattern (by original index) is also tried on long
    /// lines (`@long` families): one automaton serves short and long lines.
    long: Vec<bool>,
}

impl WholeLineSet {
    /// `patterns`: (pattern, family, tried on long lines).
    fn build(patterns: &[(String, u16, bool)], key: &str) -> Result<Self, Error> {
        let (mut fwd, mut fwd_ids, mut suf, mut suf_ids) = (vec![], vec![], vec![], vec![]);
        for (i, (p, _, _)) in patterns.iter().enumerate() {
            match any_prefix_rest(p) {
                Some(rest) => {
                    suf.push(format!("(?i)(?:{})$", dfa_friendly(rest)));
                    suf_ids.push(i);
                }
                None => {
                    fwd.push(format!("(?i)^(?:{})$", dfa_friendly(p)));
                    fwd_ids.push(i);
                }
            }
        }
        Ok(Self {
            forward: LineDfa::build(&fwd, key, Direction::Forward)?,
            forward_ids: fwd_ids,
            suffix: if suf.is_empty() {
                None
            } else {
                Some(LineDfa::build(&suf, key, Direction::Reverse)?)
            },
            suffix_ids: suf_ids,
            family: patterns.iter().map(|(_, f, _)| *f).collect(),
            long: patterns.iter().map(|(_, _, l)| *l).collect(),
        })
    }

    /// Family of the first pattern (in file order) matching the whole
    /// `line`; with `long_only`, of the first `@long` family pattern.
    pub fn first_family(&self, line: &str, long_only: bool) -> Option<u16> {
        let allowed = |i: usize| !long_only || self.long.get(i).copied().unwrap_or(false);
        let a = self.forward.first_match(line, |k| {
            self.forward_ids.get(k).copied().filter(|&i| allowed(i))
        });
        let b = self.suffix.as_ref().and_then(|s| {
            s.first_match(line, |k| {
                self.suffix_ids.get(k).copied().filter(|&i| allowed(i))
            })
        });
        let i = match (a, b) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        self.family.get(i).copied()
    }
}

/// A lazy DFA cache and the anchored start state computed in it (valid
/// until the cache is cleared: `clear_count` says when).
#[derive(Debug)]
struct WalkCache {
    cache: Cache,
    start: Option<(usize, LazyStateID)>,
}

type CacheFn = Box<dyn Fn() -> WalkCache + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// Which way a [`LineDfa`] reads a line.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Direction {
    /// From the start: start- and end-anchored patterns (whole line).
    Forward,
    /// From the end: end-anchored patterns matching a suffix of the line.
    Reverse,
}

/// End-anchored patterns as one lazy DFA (the engine a `RegexSet` or a
/// `Regex` runs for them), walked by hand. Forward, the patterns are also
/// start-anchored and one pass reports every pattern matching the whole
/// line; reverse, the walk starts at the line's end and reports every
/// pattern matching a suffix, usually after a byte or two. Search setup
/// cost more than the walk on most lines (a `Regex` call ~65 ns, the walk
/// a few bytes): the start state is computed once per cache, not per line.
#[derive(Debug)]
struct LineDfa {
    dfa: DFA,
    direction: Direction,
    /// Fallback if the lazy DFA ever stopped (it cannot, as configured:
    /// no quit bytes, no Unicode word boundary, never gives up).
    fallback: Fallback,
    caches: Pool<WalkCache, CacheFn>,
}

/// The engine a [`LineDfa`] falls back to.
#[derive(Debug)]
enum Fallback {
    /// Forward: the NFA's PikeVM, anchored.
    PikeVm(PikeVM),
    /// Reverse (the PikeVM only searches forward): one regex per pattern.
    Regexes(Vec<Regex>),
}

/// How a walk of [`LineDfa`] ended.
enum Walk {
    Match(LazyStateID),
    NoMatch,
    Failed,
}

impl LineDfa {
    fn build(pats: &[String], key: &str, direction: Direction) -> Result<Self, Error> {
        let err = |message: String| Error::Config {
            stage: STAGE,
            key: key.to_string(),
            message,
        };
        let nfa = NFA::compiler()
            .configure(
                NFA::config()
                    .which_captures(WhichCaptures::None)
                    .reverse(direction == Direction::Reverse),
            )
            .build_many(pats)
            .map_err(|e| err(e.to_string()))?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(8 << 20)
                    .minimum_cache_clear_count(None),
            )
            .build_from_nfa(nfa.clone())
            .map_err(|e| err(e.to_string()))?;
        let fallback = match direction {
            Direction::Forward => Fallback::PikeVm(
                PikeVM::builder()
                    .configure(PikeVM::config().match_kind(MatchKind::All))
                    .build_from_nfa(nfa)
                    .map_err(|e| err(e.to_string()))?,
            ),
            Direction::Reverse => Fallback::Regexes(
                pats.iter()
                    .map(|p| Regex::new(p).map_err(|e| err(e.to_string())))
                    .collect::<Result<_, _>>()?,
            ),
        };
        let for_cache = dfa.clone();
        let caches: Pool<WalkCache, CacheFn> = Pool::new(Box::new(move || WalkCache {
            cache: Cache::new(&for_cache),
            start: None,
        }));
        Ok(Self {
            dfa,
            direction,
            fallback,
            caches,
        })
    }

    /// The anchored start state at the line's start (forward) or end
    /// (reverse): the same for every line, as nothing is looked behind.
    fn start(&self, wc: &mut WalkCache) -> Option<LazyStateID> {
        let clears = wc.cache.clear_count();
        if let Some((c, sid)) = wc.start {
            if c == clears {
                return Some(sid);
            }
        }
        let config = regex_automata::util::start::Config::new().anchored(Anchored::Yes);
        let sid = self.dfa.start_state(&mut wc.cache, &config).ok()?;
        wc.start = Some((wc.cache.clear_count(), sid));
        Some(sid)
    }

    /// Walk `hay`; `on_match` sees every match state passed (reverse walks
    /// report suffix matches on the way; forward ones only count at the
    /// end, where the pattern's `$` holds).
    fn walk(
        &self,
        wc: &mut WalkCache,
        hay: &[u8],
        mut on_match: impl FnMut(&Cache, LazyStateID),
    ) -> Walk {
        let reverse = self.direction == Direction::Reverse;
        let Some(mut sid) = self.start(wc) else {
            return Walk::Failed;
        };
        let cache = &mut wc.cache;
        let mut step = |sid: LazyStateID, b: u8, cache: &mut Cache| -> Result<LazyStateID, Walk> {
            let next = self
                .dfa
                .next_state(cache, sid, b)
                .map_err(|_| Walk::Failed)?;
            if next.is_tagged() {
                if next.is_dead() {
                    return Err(Walk::NoMatch);
                }
                if next.is_quit() {
                    return Err(Walk::Failed);
                }
                if reverse && next.is_match() {
                    on_match(cache, next);
                }
            }
            Ok(next)
        };
        let walked = if reverse {
            hay.iter().rev().try_fold(sid, |s, &b| step(s, b, cache))
        } else {
            hay.iter().try_fold(sid, |s, &b| step(s, b, cache))
        };
        sid = match walked {
            Ok(s) => s,
            Err(w) => return w,
        };
        match self.dfa.next_eoi_state(cache, sid) {
            Ok(s) if s.is_match() => Walk::Match(s),
            Ok(s) if s.is_quit() => Walk::Failed,
            Ok(_) => Walk::NoMatch,
            Err(_) => Walk::Failed,
        }
    }

    /// The smallest `keep(k)` over the patterns `k` matching (`keep` says
    /// which count, and maps them).
    fn first_match(&self, line: &str, keep: impl Fn(usize) -> Option<usize>) -> Option<usize> {
        let mut wc = self.caches.get();
        let mut best: Option<usize> = None;
        let mut note = |cache: &Cache, sid: LazyStateID| {
            for m in 0..self.dfa.match_len(cache, sid) {
                if let Some(k) = keep(self.dfa.match_pattern(cache, sid, m).as_usize()) {
                    best = Some(best.map_or(k, |b| b.min(k)));
                }
            }
        };
        let end = self.walk(&mut wc, line.as_bytes(), &mut note);
        match end {
            Walk::NoMatch => best,
            Walk::Match(sid) => {
                note(&wc.cache, sid);
                best
            }
            Walk::Failed => match &self.fallback {
                Fallback::PikeVm(vm) => {
                    let mut pcache = vm.create_cache();
                    let mut found = PatternSet::new(vm.pattern_len());
                    let input = Input::new(line).anchored(Anchored::Yes);
                    vm.which_overlapping_matches(&mut pcache, &input, &mut found);
                    found.iter().filter_map(|p| keep(p.as_usize())).min()
                }
                Fallback::Regexes(res) => (res.iter().enumerate())
                    .filter(|(_, re)| re.is_match(line))
                    .filter_map(|(k, _)| keep(k))
                    .min(),
            },
        }
    }
}

fn regex_set(pats: &[String], key: &str) -> Result<RegexSet, Error> {
    RegexSetBuilder::new(pats)
        .dfa_size_limit(8 << 20)
        .build()
        .map_err(|e| Error::Config {
            stage: STAGE,
            key: key.to_string(),
            message: e.to_string(),
        })
}

/// A lexicon pattern's meaning.
#[derive(Debug, Clone, Copy)]
pub struct TermInfo {
    /// Family index.
    pub family: u16,
    /// Weight added to the family score.
    pub weight: f32,
    /// Whether the term names the family (a line needs one anchor).
    pub anchor: bool,
    /// Prefix term (`casino*`): no word boundary required on the right.
    pub prefix: bool,
}

/// A family's identity after compilation.
#[derive(Debug, Clone)]
pub struct FamilyInfo {
    /// Family name (file name).
    pub name: String,
    /// Reason code for removed lines.
    pub reason: String,
    /// The shared calls-to-action family.
    pub is_shared: bool,
}

/// Everything compiled from the family files.
#[derive(Debug)]
pub struct Families {
    /// Families in file order.
    pub info: Vec<FamilyInfo>,
    /// Whole-line boilerplate patterns; only those of `@long` families
    /// are tried on lines longer than [`SHORT_LINE`].
    pub line_set: WholeLineSet,
    /// Edge-only whole-line patterns.
    pub edge_set: WholeLineSet,
    /// Inline junk stripped from kept lines (None: no inline patterns).
    pub inline: Option<Regex>,
    /// Lexicon automaton (lowercase patterns, walked over folded text) by
    /// [`Families::lexicon_matches`].
    pub lexicon: aho_corasick::dfa::DFA,
    /// Meaning of each lexicon pattern.
    pub terms: Vec<TermInfo>,
    /// Text of each lexicon pattern (for explanations).
    pub term_text: Vec<String>,
    /// Supporting regexes.
    pub regex_set: RegexSet,
    /// (family, weight) of each `regex_set` pattern.
    pub regex_info: Vec<(u16, f32)>,
    /// Words of non-anchor terms: generic sales vocabulary, not a topic, so
    /// coherence ignores them.
    pub generic_words: Vec<String>,
    /// Single-word anchors and their family: the words that say whether a
    /// family's topic is present in the document.
    pub anchor_words: Vec<(String, u16)>,
}

impl Families {
    /// Parse and compile the embedded files, keeping only the families for
    /// which `enabled(name)` is true.
    pub fn compile(enabled: impl Fn(&str) -> bool) -> Result<Self, Error> {
        let mut raws = Vec::new();
        for (name, text) in FAMILY_FILES {
            if enabled(name) {
                raws.push(parse_family(name, text)?);
            }
        }
        let mut info = Vec::new();
        let mut line_pats = Vec::new();
        let mut edge_pats = Vec::new();
        let mut inline_pats = Vec::new();
        let mut lex_pats = Vec::new();
        let mut terms = Vec::new();
        let mut regex_pats = Vec::new();
        let mut regex_info = Vec::new();
        let mut generic_words = Vec::new();
        let mut anchor_words = Vec::new();
        for (fi, fam) in raws.iter().enumerate() {
            let fid = u16::try_from(fi).map_err(|_| Error::Config {
                stage: STAGE,
                key: "families".into(),
                message: "too many families".into(),
            })?;
            info.push(FamilyInfo {
                name: fam.name.clone(),
                reason: fam.reason.clone(),
                is_shared: fam.name == SHARED_FAMILY,
            });
            for p in &fam.line {
                line_pats.push((p.clone(), fid, fam.long));
            }
            for p in &fam.edge {
                edge_pats.push((p.clone(), fid, false));
            }
            for p in &fam.inline {
                inline_pats.push(format!("(?:{p})"));
            }
            for (t, w, anchor) in &fam.terms {
                let (t, prefix) = match t.strip_suffix('*') {
                    Some(t) => (t.to_string(), true),
                    None => (t.clone(), false),
                };
                if *anchor {
                    if !t.contains(' ') {
                        anchor_words.push((t.clone(), fid));
                    }
                } else {
                    generic_words.push(t.clone());
                }
                lex_pats.push(t);
                terms.push(TermInfo {
                    family: fid,
                    weight: *w as f32,
                    anchor: *anchor,
                    prefix,
                });
            }
            for (r, w) in &fam.regexes {
                regex_pats.push(format!("(?i){}", dfa_friendly(r)));
                regex_info.push((fid, *w as f32));
            }
        }
        let inline = if inline_pats.is_empty() {
            None
        } else {
            Some(
                Regex::new(&inline_pats.join("|")).map_err(|e| Error::Config {
                    stage: STAGE,
                    key: "@inline".into(),
                    message: e.to_string(),
                })?,
            )
        };
        // No prefilter: `lexicon_matches` walks every byte anyway. ASCII
        // case-insensitive by folding both sides: the walk folds the text as
        // it copies it, and the automaton knows one case, so it has half the
        // byte classes and half the table (the walk is bound by reads of it).
        let lexicon = aho_corasick::dfa::DFA::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .prefilter(false)
            .build(lex_pats.iter().map(|p| p.to_ascii_lowercase()))
            .map_err(|e| Error::Config {
                stage: STAGE,
                key: "@anchor/@term".into(),
                message: e.to_string(),
            })?;
        generic_words.sort();
        generic_words.dedup();
        Ok(Self {
            info,
            line_set: WholeLineSet::build(&line_pats, "@line")?,
            edge_set: WholeLineSet::build(&edge_pats, "@edge")?,
            inline,
            lexicon,
            term_text: lex_pats,
            terms,
            regex_set: regex_set(&regex_pats, "@regex")?,
            regex_info,
            generic_words,
            anchor_words,
        })
    }

    /// [`Families::compile`], compiled once per process for each set of
    /// enabled families: a pipeline builds every stage twice (validation,
    /// then the run), and compiling the automata costs as much CPU as
    /// cleaning a few megabytes of text.
    pub fn shared(enabled: impl Fn(&str) -> bool) -> Result<Arc<Self>, Error> {
        static CACHE: Mutex<Vec<(u64, Arc<Families>)>> = Mutex::new(Vec::new());
        let key = FAMILY_FILES
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| enabled(name))
            .fold(0u64, |k, (i, _)| {
                k | 1u64.checked_shl(i as u32).unwrap_or(0)
            });
        // No family past the 64th: the key could not tell sets apart.
        let cacheable = FAMILY_FILES.len() <= 64;
        // A panic elsewhere while holding the lock leaves the cache valid.
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if cacheable {
            if let Some((_, f)) = cache.iter().find(|(k, _)| *k == key) {
                return Ok(Arc::clone(f));
            }
        }
        let f = Arc::new(Self::compile(enabled)?);
        if cacheable {
            cache.push((key, Arc::clone(&f)));
        }
        Ok(f)
    }

    /// Every lexicon match in each of `lines` as `f(line, start, end,
    /// pattern)`; each line's matches come in the order of
    /// `AhoCorasick::find_overlapping_iter` (see
    /// [`crate::common::dfa_overlapping_matches`]), the lines' interleave.
    /// No line holds '\n', nor does a lexicon pattern (they are lines of the
    /// family files), so the lines are walked together, joined in a
    /// per-thread buffer.
    pub fn lexicon_matches(&self, lines: &[&str], f: impl FnMut(usize, usize, usize, u32)) {
        thread_local! {
            static JOINED: RefCell<JoinedHays> = RefCell::new(JoinedHays::default());
        }
        let walk = |buf: &mut JoinedHays| {
            crate::common::dfa_overlapping_matches_many(
                &self.lexicon,
                lines,
                b'\n',
                |b| b.to_ascii_lowercase(),
                buf,
                f,
            );
            // Do not keep a huge document's buffer.
            if buf.bytes.capacity() > 1 << 24 {
                *buf = JoinedHays::default();
            }
        };
        JOINED.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => walk(&mut buf),
            Err(_) => walk(&mut JoinedHays::default()),
        });
    }

    /// Names of every embedded family.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        FAMILY_FILES.iter().map(|(n, _)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_compiles() {
        let f = Families::compile(|_| true).expect("embedded families compile");
        assert_eq!(f.info.len(), FAMILY_FILES.len());
        assert!(f.info.iter().any(|i| i.is_shared));
        assert!(f.terms.iter().filter(|t| t.anchor).count() > 300);
        assert!(f.inline.is_some());
    }

    #[test]
    fn shared_families_compile_once_per_set() {
        let a = Families::shared(|_| true).expect("compiles");
        let b = Families::shared(|_| true).expect("compiles");
        let c = Families::shared(|n| n != "pharma").expect("compiles");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(c.info.len(), FAMILY_FILES.len() - 1);
    }

    #[test]
    fn any_prefix_patterns_are_checked_from_the_end() {
        assert_eq!(
            any_prefix_rest(r".{0,60}\(opens in new window\)"),
            Some(r"\(opens in new window\)")
        );
        assert_eq!(any_prefix_rest(".*shared"), Some("shared"));
        assert_eq!(any_prefix_rest(".{0,60}a|b"), None);
        assert_eq!(any_prefix_rest(".{0,60}(a|b)"), Some("(a|b)"));
        assert_eq!(any_prefix_rest(".{0,60}[|]x"), Some("[|]x"));
        assert_eq!(any_prefix_rest(".{1,60}x"), None);
        assert_eq!(any_prefix_rest(".{0,60}?x"), None);
        assert_eq!(any_prefix_rest("home.*"), None);
        let set = WholeLineSet::build(
            &[
                ("menu".to_string(), 0, false),
                (r".{0,60}\(opens in new window\)".to_string(), 1, false),
                (r"share .*".to_string(), 2, true),
                (r"menu|more".to_string(), 3, true),
            ],
            "test",
        )
        .expect("builds");
        assert_eq!(set.first_family("Menu", false), Some(0));
        assert_eq!(
            set.first_family("Facebook (opens in new window)", false),
            Some(1)
        );
        // Both match: the earlier pattern wins, as in one set.
        assert_eq!(
            set.first_family("share this (opens in new window)", false),
            Some(1)
        );
        assert_eq!(set.first_family("share this", false), Some(2));
        assert_eq!(
            set.first_family("The menu (opens in new window) is long", false),
            None
        );
        // The reverse walk matches the whole line too (at its start), and
        // never past the end.
        assert_eq!(set.first_family("(Opens in new window)", false), Some(1));
        assert_eq!(set.first_family("(opens in new window))", false), None);
        assert_eq!(set.first_family("", false), None);
        // Long lines meet only the `@long` patterns, still in file order.
        assert_eq!(set.first_family("Menu", true), Some(3));
        assert_eq!(set.first_family("More", false), Some(3));
        assert_eq!(
            set.first_family("Facebook (opens in new window)", true),
            None
        );
        assert_eq!(
            set.first_family("share this (opens in new window)", true),
            Some(2)
        );
    }

    /// The hand-walked DFA answers as a `RegexSet` of the same patterns
    /// (first matching pattern, `@long` ones only for long lines) on every
    /// line of the fixtures, raw and with decoration stripped.
    #[test]
    fn line_dfa_is_the_regex_set() {
        let f = Families::compile(|_| true).expect("embedded families compile");
        let mut line_pats = Vec::new();
        let mut edge_pats = Vec::new();
        for (fi, (name, text)) in FAMILY_FILES.iter().enumerate() {
            let fam = parse_family(name, text).expect("parses");
            let fid = u16::try_from(fi).expect("few families");
            line_pats.extend(fam.line.iter().map(|p| (p.clone(), fid, fam.long)));
            edge_pats.extend(fam.edge.iter().map(|p| (p.clone(), fid, false)));
        }
        let line_ref = RegexSet::new(
            line_pats
                .iter()
                .map(|(p, _, _)| format!("(?i)^(?:{})$", dfa_friendly(p))),
        )
        .expect("builds");
        let edge_ref = RegexSet::new(
            edge_pats
                .iter()
                .map(|(p, _, _)| format!("(?i)^(?:{})$", dfa_friendly(p))),
        )
        .expect("builds");
        let first = |set: &RegexSet, pats: &[(String, u16, bool)], line: &str, long: bool| {
            set.matches(line)
                .iter()
                .find(|&k| !long || pats[k].2)
                .map(|k| pats[k].1)
        };
        let fixtures = [
            include_str!("../../tests/data/spam_lines_dev_sample.jsonl"),
            include_str!("../../tests/data/spam_lines_paraphrase_sample.jsonl"),
            include_str!("../../tests/data/real_headings.txt"),
        ];
        let mut checked = 0;
        for text in fixtures {
            // JSON escapes left in: the lines are just varied text.
            for raw in text.lines().flat_map(|l| l.split("\\n")) {
                for line in [
                    raw,
                    raw.trim(),
                    raw.trim_matches(|c: char| !c.is_alphanumeric()),
                ] {
                    for long in [false, true] {
                        assert_eq!(
                            f.line_set.first_family(line, long),
                            first(&line_ref, &line_pats, line, long),
                            "{line:?} long {long}"
                        );
                    }
                    assert_eq!(
                        f.edge_set.first_family(line, false),
                        first(&edge_ref, &edge_pats, line, false),
                        "{line:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn lexicon_walk_is_the_overlapping_iterator() {
        let f = Families::compile(|_| true).expect("embedded families compile");
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(&f.term_text)
            .expect("builds");
        let lines = [
            "Buy Viagra online, cheap CIALIS without prescription!!!",
            "best online casino bonus — free spins, casinos and slots",
            "payday loans, title loans: bad credit loan approval",
            "",
            "Ünïcödé naïve café, 東京 — nothing here",
        ];
        // Alone, and many lines at once (walked four at a time).
        let many: Vec<&str> = lines
            .iter()
            .cycle()
            .take(5 * lines.len())
            .copied()
            .collect();
        for batch in lines.chunks(1).chain([&many[..]]) {
            let mut walk = vec![Vec::new(); batch.len()];
            f.lexicon_matches(batch, |k, s, e, id| walk[k].push((s, e, id)));
            for (t, walk) in batch.iter().zip(walk) {
                let iter: Vec<_> = ac
                    .find_overlapping_iter(t)
                    .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
                    .collect();
                assert_eq!(walk, iter, "{t}");
            }
        }
    }

    #[test]
    fn bad_directive_names_file_and_line() {
        let err = parse_family("x", "# c\n@bogus\n").expect_err("unknown directive");
        assert!(err.to_string().contains("data/junk/x.txt:2"), "{err}");
    }
}
