//! `c4_quality`: the C4 line cleaner and document rules (Raffel et al. 2020)
//! with the defaults, order and reasons of datatrove 0.10.1's
//! `C4QualityFilter` (datatrove calls it `c4`).
//!
//! Lines (Python `splitlines`) are stripped and removed when they have a
//! token longer than `max_word_length`, do not end in terminal punctuation
//! (after citation markers are deleted), have fewer than
//! `min_words_per_line` tokens, mention `javascript`, or mention a
//! cookie/terms policy. A surviving line containing `lorem ipsum` drops the
//! document (`lorem_ipsum`), as does one containing `{` (`curly_bracket`).
//! Fewer than `min_num_sentences` sentences in the kept lines drops it
//! (`too_few_sentences`). A kept document's text becomes the kept lines
//! joined with `\n`, stripped; removed lines are recorded with their reason.

use std::borrow::Cow;

use aho_corasick::dfa::DFA;
use aho_corasick::MatchKind;
use serde::{Deserialize, Serialize};
use sift_core::{Document, LineEdit, Stage, Verdict};
use sift_text::pystr;

use crate::Error;

/// Configuration of [`C4Quality`] (datatrove defaults; `-1` disables the
/// integer limits, as in datatrove).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct C4QualityConfig {
    /// Work on lines (`true`, C4's choice). `false` (spaCy sentences) is not
    /// supported yet.
    pub split_paragraph: bool,
    /// Delete `[1]`, `[edit]`, `[citation needed]` markers.
    pub remove_citations: bool,
    /// Remove lines not ending in `.` `?` `!` `"` `'` (or ending in `...`).
    pub filter_no_terminal_punct: bool,
    /// Minimum number of sentences in the kept lines (-1: off).
    pub min_num_sentences: i64,
    /// Minimum whitespace-separated tokens per line (-1: off).
    pub min_words_per_line: i64,
    /// Remove lines with a token longer than this many code points (-1: off).
    pub max_word_length: i64,
    /// Drop documents with `lorem ipsum` in a kept line.
    pub filter_lorem_ipsum: bool,
    /// Remove lines mentioning `javascript`.
    pub filter_javascript: bool,
    /// Drop documents with `{` in a kept line.
    pub filter_curly_bracket: bool,
    /// Remove lines mentioning terms of use, privacy or cookie policies.
    pub filter_policy: bool,
}

impl Default for C4QualityConfig {
    fn default() -> Self {
        Self {
            split_paragraph: true,
            remove_citations: true,
            filter_no_terminal_punct: true,
            min_num_sentences: 5,
            min_words_per_line: 3,
            max_word_length: 1000,
            filter_lorem_ipsum: true,
            filter_javascript: true,
            filter_curly_bracket: true,
            filter_policy: true,
        }
    }
}

const POLICY_SUBSTRINGS: [&str; 6] = [
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
];

/// `lorem ipsum`, `javascript`, then [`POLICY_SUBSTRINGS`]: the phrases
/// looked for in the lowercased line, as bits of [`C4Quality::phrases`].
const LOREM: u32 = 1;
const JAVASCRIPT: u32 = 2;
const POLICY: u32 = !3;

/// Built `c4_quality` stage.
#[derive(Debug)]
pub struct C4Quality {
    name: String,
    cfg: C4QualityConfig,
    /// The phrases, matched ASCII-case-insensitively (for ASCII lines, the
    /// same as matching the lowercased line).
    phrases_ascii: DFA,
    /// The phrases, matched exactly (in the lowercased line).
    phrases_exact: DFA,
}

impl C4QualityConfig {
    /// Validate and build.
    pub fn build(&self, name: &str) -> Result<C4Quality, Error> {
        if !self.split_paragraph {
            return Err(Error::Config {
                stage: "c4_quality",
                key: "split_paragraph".into(),
                message: "only `true` (line units) is supported".into(),
            });
        }
        let phrases = ["lorem ipsum", "javascript"]
            .into_iter()
            .chain(POLICY_SUBSTRINGS);
        let build = |ascii_ci: bool| {
            // Searched by `dfa_overlapping_matches`, a walk of every byte:
            // no prefilter.
            DFA::builder()
                .ascii_case_insensitive(ascii_ci)
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(phrases.clone())
                .map_err(|e| Error::Config {
                    stage: "c4_quality",
                    key: "phrases".into(),
                    message: e.to_string(),
                })
        };
        Ok(C4Quality {
            name: name.to_string(),
            cfg: self.clone(),
            phrases_ascii: build(true)?,
            phrases_exact: build(false)?,
        })
    }
}

/// What happened to one line (`splitlines` unit).
enum LineFate<'a> {
    Kept(Cow<'a, str>),
    Removed(&'static str),
}

impl Stage for C4Quality {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        let c = &self.cfg;
        // Fates of the `splitlines` units, and for each `\n`-separated line
        // the end of its units in `fates` (usually one unit per line).
        let mut fates: Vec<LineFate<'_>> = Vec::new();
        let mut ends: Vec<usize> = Vec::new();
        let mut n_sentences = 0i64;
        let mut low = String::new();
        let doc_phrases = self.doc_phrases(&doc.text);
        let phrases_in = PhraseSource {
            text_start: doc.text.as_ptr() as usize,
            matches: doc_phrases.as_deref(),
        };
        let last = memchr::memchr_iter(b'\n', doc.text.as_bytes()).count();
        for (i, nl_line) in doc.text.split('\n').enumerate() {
            // `splitlines` of the whole text: an empty line between two `\n`
            // is a unit too (but not after a final `\n`).
            let empty = (nl_line.is_empty() && i < last).then_some("");
            for raw in pystr::splitlines(nl_line).chain(empty) {
                let fate = match self.line(raw, &mut low, &phrases_in) {
                    Ok(fate) => fate,
                    Err(doc_reason) => return Verdict::drop_static(doc_reason),
                };
                if let LineFate::Kept(line) = &fate {
                    // Only `n_sentences < min_num_sentences` is asked: stop
                    // counting once it is false.
                    if c.min_num_sentences != -1 && n_sentences < c.min_num_sentences {
                        n_sentences += sift_text::count_sentences(line) as i64;
                    }
                }
                fates.push(fate);
            }
            ends.push(fates.len());
        }
        if n_sentences < c.min_num_sentences {
            return Verdict::drop_static("too_few_sentences");
        }

        // datatrove's result, the reference for the rewrite.
        let mut joined = String::with_capacity(doc.text.len());
        for (i, line) in fates.iter().filter_map(LineFate::kept).enumerate() {
            if i > 0 {
                joined.push('\n');
            }
            joined.push_str(line);
        }
        let expected = pystr::strip(&joined);
        if expected == doc.text {
            return Verdict::Keep;
        }
        let expected = expected.to_string();

        let mut start = 0usize;
        let edits: Vec<LineEdit> = (doc.text.split('\n').zip(&ends))
            .map(|(orig, &end)| {
                let e = edit_for(orig, &fates[start..end]);
                start = end;
                e
            })
            .collect();
        drop(fates);
        doc.apply_line_edits(&self.name, &edits);
        if doc.text != expected {
            if doc.text.trim_end_matches('\n') == expected {
                doc.text.truncate(expected.len());
            } else {
                doc.replace_text(expected);
            }
        }
        Verdict::Keep
    }
}

impl LineFate<'_> {
    fn kept(&self) -> Option<&str> {
        match self {
            LineFate::Kept(l) => Some(l),
            LineFate::Removed(_) => None,
        }
    }
}

/// The line edit for one `\n` line given the fates of its units.
fn edit_for(orig: &str, units: &[LineFate<'_>]) -> LineEdit {
    let mut kept = units.iter().filter_map(LineFate::kept);
    match (units.len(), kept.next()) {
        (_, None) => LineEdit::Remove(Cow::Borrowed(
            units
                .iter()
                .find_map(|f| match f {
                    LineFate::Removed(r) => Some(*r),
                    LineFate::Kept(_) => None,
                })
                .unwrap_or("no_terminal_punct"),
        )),
        (1, Some(l)) if l == orig => LineEdit::Keep,
        (_, Some(first)) => {
            let mut s = first.to_string();
            for l in kept {
                s.push('\n');
                s.push_str(l);
            }
            LineEdit::Replace(s)
        }
    }
}

impl C4Quality {
    /// Judge one line; `Err(reason)` drops the whole document.
    fn line<'a>(
        &self,
        raw: &'a str,
        low: &mut String,
        doc_phrases: &PhraseSource<'_>,
    ) -> Result<LineFate<'a>, &'static str> {
        let c = &self.cfg;
        let line = pystr::strip(raw);
        // A token longer than `max_word_length` chars needs a line that long
        // in bytes; otherwise only whether there are `min_words_per_line`
        // tokens matters, so counting stops there.
        let too_long = c.max_word_length != -1
            && line.len() as i64 > c.max_word_length
            && pystr::split(line).any(|tok| {
                tok.len() as i64 > c.max_word_length && pystr::len(tok) as i64 > c.max_word_length
            });
        let n_tokens = pystr::split(line)
            .take(c.min_words_per_line.max(0) as usize)
            .count() as i64;
        if too_long {
            return Ok(LineFate::Removed("too_long_word"));
        }
        let line: Cow<'a, str> = if c.remove_citations {
            remove_citations(line)
        } else {
            Cow::Borrowed(line)
        };
        if c.filter_no_terminal_punct
            && (!line.ends_with(['.', '?', '!', '"', '\'']) || line.ends_with("..."))
        {
            return Ok(LineFate::Removed("no_terminal_punct"));
        }
        if n_tokens < c.min_words_per_line {
            return Ok(LineFate::Removed("too_few_words"));
        }
        let found = if c.filter_lorem_ipsum || c.filter_javascript || c.filter_policy {
            // A borrowed line is a slice of the text, except the `""` unit
            // for an empty line (no phrase there either way).
            let offset = (line.as_ptr() as usize).checked_sub(doc_phrases.text_start);
            match (&line, doc_phrases.matches, offset) {
                (Cow::Borrowed(l), Some(matches), Some(start)) if !l.is_empty() => {
                    let end = start + l.len();
                    (matches.iter())
                        .filter(|m| m.0 >= start && m.1 <= end)
                        .fold(0, |bits, m| bits | m.2)
                }
                _ => self.phrases(&line, low),
            }
        } else {
            0
        };
        if c.filter_lorem_ipsum && found & LOREM != 0 {
            return Err("lorem_ipsum");
        }
        if c.filter_javascript && found & JAVASCRIPT != 0 {
            return Ok(LineFate::Removed("javascript"));
        }
        if c.filter_curly_bracket && line.contains('{') {
            return Err("curly_bracket");
        }
        if c.filter_policy && found & POLICY != 0 {
            return Ok(LineFate::Removed("policy"));
        }
        Ok(LineFate::Kept(line))
    }
}

/// Where a line's phrase bits come from: the matches of the whole text
/// (byte ranges in the text that starts at `text_start`, and their bits),
/// or, when `matches` is `None`, a search of the line itself.
struct PhraseSource<'m> {
    text_start: usize,
    matches: Option<&'m [(usize, usize, u32)]>,
}

/// Non-ASCII chars whose lowercase holds an ASCII char (`İ` -> `i̇`, the
/// Kelvin sign -> `k`): in a text with one of them, matching the phrases
/// ASCII-case-insensitively is not the same as matching the lowercased text.
const LOWERS_TO_ASCII: [char; 2] = ['\u{130}', '\u{212a}'];

/// At most this many phrase matches are kept per text (each line scans them).
const MAX_DOC_PHRASES: usize = 64;

impl C4Quality {
    /// The phrase matches of the whole `text`, found in one pass instead of
    /// one search per line; `None` when lines must be searched one by one
    /// (see [`LOWERS_TO_ASCII`], or too many matches).
    fn doc_phrases(&self, text: &str) -> Option<Vec<(usize, usize, u32)>> {
        let c = &self.cfg;
        if !(c.filter_lorem_ipsum || c.filter_javascript || c.filter_policy) {
            return None;
        }
        let mut buf = [0u8; 4];
        if (LOWERS_TO_ASCII.iter()).any(|ch| {
            memchr::memmem::find(text.as_bytes(), ch.encode_utf8(&mut buf).as_bytes()).is_some()
        }) {
            return None;
        }
        // No phrase crosses a line break, so each match lies in one line.
        let mut matches = Vec::new();
        let mut too_many = false;
        // No phrase holds a `\n`: the text can be walked in pieces.
        let hay = text.as_bytes();
        crate::common::dfa_overlapping_matches_split(&self.phrases_ascii, hay, b'\n', |s, e, p| {
            too_many |= matches.len() == MAX_DOC_PHRASES;
            if !too_many {
                matches.push((s, e, 1u32 << p));
            }
        });
        (!too_many).then_some(matches)
    }

    /// Bits of the phrases (see [`LOREM`]) that occur in the lowercased
    /// `line`; `low` is scratch.
    fn phrases(&self, line: &str, low: &mut String) -> u32 {
        let (ac, hay) = if line.is_ascii() {
            (&self.phrases_ascii, line)
        } else {
            low.clear();
            for ch in line.chars() {
                // Per-char lowercasing differs from `str::to_lowercase` only in
                // the final-sigma rule, which cannot affect the ASCII phrases.
                low.extend(ch.to_lowercase());
            }
            (&self.phrases_exact, low.as_str())
        };
        let mut found = 0u32;
        crate::common::dfa_overlapping_matches(ac, hay.as_bytes(), |_, _, p| found |= 1 << p);
        found
    }
}

/// Delete every match of `\[\d*]|\[edit]|\[citation needed]` (Python `re`,
/// `\d` = any Unicode decimal digit), scanning left to right.
fn remove_citations(line: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0usize;
    let mut search = 0usize;
    while let Some(off) = memchr::memchr(b'[', &line.as_bytes()[search..]) {
        let at = search + off;
        let rest = &line[at + 1..];
        let len = citation_len(rest);
        match len {
            Some(n) => {
                let o = out.get_or_insert_with(|| String::with_capacity(line.len()));
                o.push_str(&line[copied..at]);
                copied = at + 1 + n;
                search = copied;
            }
            None => search = at + 1,
        }
    }
    match out {
        None => Cow::Borrowed(line),
        Some(mut o) => {
            o.push_str(&line[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Length in bytes of a citation marker's tail (after `[`), if one starts.
fn citation_len(rest: &str) -> Option<usize> {
    let digits: usize = rest
        .chars()
        .take_while(|&c| pystr::is_decimal(c))
        .map(char::len_utf8)
        .sum();
    if rest[digits..].starts_with(']') {
        return Some(digits + 1);
    }
    ["edit]", "citation needed]"]
        .into_iter()
        .find(|m| rest.starts_with(m))
        .map(str::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Verdict, Document) {
        let s = C4QualityConfig::default()
            .build("c4_quality")
            .expect("defaults");
        let mut doc = Document::new("t", text);
        let v = s.process(&mut doc);
        (v, doc)
    }

    const GOOD: &str = "This is a complete sentence. It has two parts.";

    #[test]
    fn citations_are_removed_without_restripping() {
        assert_eq!(remove_citations("Text. [1]"), "Text. ");
        assert_eq!(
            remove_citations("see this [edit] line now."),
            "see this  line now."
        );
        assert_eq!(
            remove_citations("a [] b [citation needed] c [٣] [x]"),
            "a  b  c  [x]"
        );
        assert_eq!(remove_citations("[[12]]"), "[]");
        assert!(matches!(remove_citations("nothing"), Cow::Borrowed(_)));
    }

    #[test]
    fn lines_are_removed_with_reasons_and_kept_text_rewritten() {
        let text = format!(
            "Menu\n\n{GOOD}\n  {GOOD}  \nPlease enable JavaScript to view this page.\n\
             Read our privacy policy for details here.\n{GOOD}\nSee [1] this [edit] line now.\n\
             Ends with a citation. [2]\n"
        );
        let (v, doc) = run(&text);
        assert_eq!(v, Verdict::Keep);
        assert_eq!(
            doc.text,
            format!("{GOOD}\n{GOOD}\n{GOOD}\nSee  this  line now.")
        );
        let removed: Vec<(usize, &str)> = doc
            .sift
            .removed_lines
            .iter()
            .map(|r| (r.line, &*r.reason))
            .collect();
        assert_eq!(
            removed,
            [
                (0, "no_terminal_punct"),
                (4, "javascript"),
                (5, "policy"),
                (8, "no_terminal_punct"),
            ]
        );
        assert_eq!(doc.original_text(), text);
    }

    #[test]
    fn document_rules_only_see_surviving_lines() {
        // `{` in a line already removed (no terminal punctuation) is harmless.
        let text = format!("var x = {{ a: 1 }}\n{GOOD}\n{GOOD}\n{GOOD}");
        assert_eq!(run(&text).0, Verdict::Keep);
        let text = format!("{GOOD}\nfunction f() {{ return 1; }} ok.\n{GOOD}\n{GOOD}");
        assert_eq!(run(&text).0, Verdict::drop_static("curly_bracket"));
        let text = format!("Lorem ipsum dolor sit amet.\n{GOOD}");
        assert_eq!(run(&text).0, Verdict::drop_static("lorem_ipsum"));
        // Too short to be tested: the line goes, lorem ipsum does not count.
        let text = format!("Lorem ipsum.\n{GOOD}\n{GOOD}\n{GOOD}");
        assert_eq!(run(&text).0, Verdict::Keep);
    }

    #[test]
    fn endings_and_sentence_count() {
        assert_eq!(run("").0, Verdict::drop_static("too_few_sentences"));
        // `…`, `”` and `)` endings are removed; `...` too.
        let text = "One two three…\nOne two three”\nOne two (three)\nOne two three...";
        assert_eq!(run(text).0, Verdict::drop_static("too_few_sentences"));
        // Quotes end a line: "'" and '"' are terminal.
        let text = format!("He said \"yes.\"\n'Quoted sentence here.'\n{GOOD}\n{GOOD}");
        let (v, doc) = run(&text);
        assert_eq!(v, Verdict::Keep);
        assert_eq!(doc.text, text);
    }

    #[test]
    fn other_line_breaks_split_units_like_splitlines() {
        let text = format!("{GOOD}\r\n{GOOD}\u{2028}junk\r\n{GOOD}\r\n");
        let (v, doc) = run(&text);
        assert_eq!(v, Verdict::Keep);
        assert_eq!(doc.text, format!("{GOOD}\n{GOOD}\n{GOOD}"));
    }

    #[test]
    fn only_the_listed_chars_lowercase_to_ascii() {
        let found: Vec<char> = (0x80..0x11_0000u32)
            .filter_map(char::from_u32)
            .filter(|c| c.to_lowercase().any(|l| l.is_ascii()))
            .collect();
        assert_eq!(found, LOWERS_TO_ASCII);
    }

    #[test]
    fn phrases_are_found_per_line_with_and_without_the_whole_text_pass() {
        // The second text ends with a line holding a Kelvin sign, so all its
        // lines are searched one by one (and "cooKie" with it matches, as in
        // Python); the other lines must get the same reasons either way.
        let common = [
            (1, "policy"),
            (2, "policy"),
            (3, "policy"),
            (4, "javascript"),
            (5, "policy"),
            (6, "javascript"),
            (7, "javascript"),
        ];
        for (extra, last) in [
            ("", None),
            ("\nOur coo\u{212a}ie policy applies.", Some((10, "policy"))),
        ] {
            let text = format!(
                "{GOOD}\nWe use COOKIES here.\nThis site uses Cookies to work.\n\
                 Read the Privacy Policy first.\nJava Script is not javascript!\n\
                 Terms of Use apply to all.\nSee [1]java[2]script now.\n\
                 Old javascripterms of use here.\n{GOOD}\n{GOOD}{extra}"
            );
            let (v, doc) = run(&text);
            assert_eq!(v, Verdict::Keep);
            let removed: Vec<(usize, &str)> = (doc.sift.removed_lines.iter())
                .map(|r| (r.line, &*r.reason))
                .collect();
            let expected: Vec<(usize, &str)> = common.iter().copied().chain(last).collect();
            assert_eq!(removed, expected, "{extra:?}");
        }
    }

    #[test]
    fn empty_lines_reach_the_phrase_test_when_nothing_removes_them_first() {
        let stage = C4QualityConfig {
            filter_no_terminal_punct: false,
            min_words_per_line: 0,
            min_num_sentences: 0,
            ..C4QualityConfig::default()
        }
        .build("c4_quality")
        .expect("valid");
        let text = format!("{GOOD}\n\n\nUse cookies here\n{GOOD}");
        let mut doc = Document::new("t", &text);
        assert_eq!(stage.process(&mut doc), Verdict::Keep);
        let removed: Vec<(usize, &str)> = (doc.sift.removed_lines.iter())
            .map(|r| (r.line, &*r.reason))
            .collect();
        assert_eq!(removed, [(3, "policy")]);
    }

    #[test]
    fn long_tokens_remove_the_line() {
        let long = "x".repeat(1001);
        let text = format!("Short words then {long} end.\n{GOOD}\n{GOOD}\n{GOOD}");
        let (v, doc) = run(&text);
        assert_eq!(v, Verdict::Keep);
        assert_eq!(doc.sift.removed_lines[0].reason, "too_long_word");
    }
}
