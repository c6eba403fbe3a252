//! `url_blocklist`: drop documents whose URL is block-listed, as datatrove
//! 0.10.1's `URLFilter` does (datatrove calls it `url`).
//!
//! Checks, in order: registered domain in the domain lists (`domain`), full
//! host name in the domain lists (`subdomain`), exact URL in the URL lists
//! (`url`), a banned word among the URL's alphanumeric runs
//! (`hard_blacklisted`), at least `soft_word_threshold` soft-banned words
//! among them (`soft_blacklisted`), a banned sub-word inside the URL reduced
//! to lowercase alphanumerics (`blacklisted_subword`).
//!
//! Host parsing follows tldextract 5.4 with the ICANN section of its bundled
//! Public Suffix List snapshot: lenient netloc extraction, case preserved, so
//! domain matching is case-sensitive like datatrove's.
//!
//! The word lists and the 19,587-URL list from datatrove's wheel ship with
//! sift. datatrove's 4.5 M-domain list is too large to ship (13 MB
//! compressed): list it in `domain_files` (`conformance/fetch_url_domains.sh`
//! extracts it). Domain and URL lists are held as sorted 64-bit hashes
//! (xxh3), so a lookup can in principle collide (probability about
//! n / 2^64 per lookup, below 1e-12 for the full list).
//!
//! The URL is the input's `metadata.url` or `url` field; documents without
//! one are kept (datatrove fails on them).

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sift_core::{Document, Stage, Verdict};
use xxhash_rust::xxh3::xxh3_64;

use crate::Error;

const BANNED_WORDS: &str = include_str!("../data/url/banned_words.txt");
const BANNED_SUBWORDS: &str = include_str!("../data/url/banned_subwords.txt");
const SOFT_BANNED_WORDS: &str = include_str!("../data/url/soft_banned_words.txt");
const URLS_ZST: &[u8] = include_bytes!("../data/url/urls.zst");
const PUBLIC_SUFFIXES: &str = include_str!("../data/url/public_suffixes_icann.txt");

/// Configuration of [`UrlBlocklist`] (datatrove defaults).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UrlBlocklistConfig {
    /// Soft-banned words needed to drop a document.
    pub soft_word_threshold: usize,
    /// Extra block-listed domains (registered domains or full host names).
    pub extra_domains: Vec<String>,
    /// Extra block-listed URLs (exact match).
    pub extra_urls: Vec<String>,
    /// Extra banned words (normalised: only `[a-zA-Z0-9]` kept, lowercased).
    pub banned_words: Vec<String>,
    /// Extra banned sub-words (normalised likewise).
    pub banned_subwords: Vec<String>,
    /// Extra soft-banned words (normalised likewise).
    pub soft_banned_words: Vec<String>,
    /// Use the lists shipped with sift (datatrove's word lists and URL list).
    pub use_integrated_lists: bool,
    /// Files of block-listed domains, one per line (`#` lines ignored; plain
    /// or `.zst`), e.g. the `domains` list of datatrove's wheel.
    pub domain_files: Vec<PathBuf>,
    /// Files of block-listed URLs, one per line (plain or `.zst`).
    pub url_files: Vec<PathBuf>,
}

impl Default for UrlBlocklistConfig {
    fn default() -> Self {
        Self {
            soft_word_threshold: 2,
            extra_domains: Vec::new(),
            extra_urls: Vec::new(),
            banned_words: Vec::new(),
            banned_subwords: Vec::new(),
            soft_banned_words: Vec::new(),
            use_integrated_lists: true,
            domain_files: Vec::new(),
            url_files: Vec::new(),
        }
    }
}

/// A set of strings held as sorted xxh3 hashes.
#[derive(Debug, Default)]
struct HashedSet(Vec<u64>);

impl HashedSet {
    fn from_hashes(mut v: Vec<u64>) -> Self {
        v.sort_unstable();
        v.dedup();
        HashedSet(v)
    }

    fn contains(&self, s: &str) -> bool {
        self.0.binary_search(&xxh3_64(s.as_bytes())).is_ok()
    }
}

/// Hashes of a list file's entries: lines not starting with `#`, stripped
/// (datatrove's `parse_list(..., do_normalize=False)`).
fn list_hashes(text: &str, out: &mut Vec<u64>) {
    for line in text.split_inclusive('\n') {
        if line.starts_with('#') {
            continue;
        }
        out.push(xxh3_64(sift_text::pystr::strip(line).as_bytes()));
    }
}

/// Load (once per process and path) a list file's hashes.
fn load_list(path: &Path, key: &'static str) -> Result<Arc<Vec<u64>>, Error> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<Vec<u64>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().ok().and_then(|c| c.get(path).cloned()) {
        return Ok(v);
    }
    let err = |message: String| Error::Config {
        stage: "url_blocklist",
        key: key.into(),
        message: format!("{}: {message}", path.display()),
    };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "zst") {
        zstd::Decoder::new(file)
            .and_then(|mut d| d.read_to_string(&mut text))
            .map_err(|e| err(e.to_string()))?;
    } else {
        std::io::BufReader::new(file)
            .read_to_string(&mut text)
            .map_err(|e| err(e.to_string()))?;
    }
    let mut hashes = Vec::new();
    list_hashes(&text, &mut hashes);
    hashes.sort_unstable();
    hashes.dedup();
    let v = Arc::new(hashes);
    if let Ok(mut c) = cache.lock() {
        c.insert(path.to_path_buf(), v.clone());
    }
    Ok(v)
}

/// Hashes of the shipped URL list, decoded once per process.
fn integrated_urls() -> Result<&'static [u64], Error> {
    static URLS: OnceLock<Result<Vec<u64>, String>> = OnceLock::new();
    let r = URLS.get_or_init(|| {
        let bytes = zstd::decode_all(URLS_ZST).map_err(|e| e.to_string())?;
        let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
        let mut v = Vec::new();
        list_hashes(&text, &mut v);
        Ok(v)
    });
    r.as_deref().map_err(|e| Error::Config {
        stage: "url_blocklist",
        key: "use_integrated_lists".into(),
        message: format!("shipped URL list is corrupt: {e}"),
    })
}

/// datatrove's `normalize`: drop every character outside `[a-zA-Z0-9]`,
/// lowercase the rest.
fn normalize(s: &str) -> String {
    s.bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| char::from(b.to_ascii_lowercase()))
        .collect()
}

/// Normalised entries of a shipped word list (lines starting with `#` skipped).
fn word_list(text: &'static str) -> impl Iterator<Item = String> {
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with('#'))
        .map(normalize)
}

/// Built `url_blocklist` stage.
#[derive(Debug)]
pub struct UrlBlocklist {
    name: String,
    soft_word_threshold: usize,
    domains: HashedSet,
    urls: HashedSet,
    banned_words: HashSet<String>,
    soft_banned_words: HashSet<String>,
    subwords: Option<AhoCorasick>,
    psl: SuffixTrie,
}

impl UrlBlocklistConfig {
    /// Load and index every list.
    pub fn build(&self, name: &str) -> Result<UrlBlocklist, Error> {
        let mut domains = Vec::new();
        let extra = |v: &Vec<String>| -> Vec<u64> {
            v.iter()
                .filter(|x| !x.starts_with('#'))
                .map(|x| xxh3_64(sift_text::pystr::strip(x).as_bytes()))
                .collect()
        };
        domains.extend(extra(&self.extra_domains));
        for p in &self.domain_files {
            domains.extend_from_slice(&load_list(p, "domain_files")?);
        }
        let mut urls = extra(&self.extra_urls);
        for p in &self.url_files {
            urls.extend_from_slice(&load_list(p, "url_files")?);
        }
        let norm = |v: &Vec<String>| -> Vec<String> {
            v.iter()
                .filter(|x| !x.is_empty() && !x.starts_with('#'))
                .map(|x| normalize(x))
                .collect()
        };
        let mut banned_words: HashSet<String> = norm(&self.banned_words).into_iter().collect();
        let mut subwords: HashSet<String> = norm(&self.banned_subwords).into_iter().collect();
        let mut soft_banned_words: HashSet<String> =
            norm(&self.soft_banned_words).into_iter().collect();
        if self.use_integrated_lists {
            urls.extend_from_slice(integrated_urls()?);
            banned_words.extend(word_list(BANNED_WORDS));
            subwords.extend(word_list(BANNED_SUBWORDS));
            soft_banned_words.extend(word_list(SOFT_BANNED_WORDS));
        }
        // pyahocorasick ignores empty words.
        let mut subwords: Vec<String> = subwords.into_iter().filter(|s| !s.is_empty()).collect();
        subwords.sort();
        let subwords = if subwords.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&subwords).map_err(|e| Error::Config {
                stage: "url_blocklist",
                key: "banned_subwords".into(),
                message: e.to_string(),
            })?)
        };
        Ok(UrlBlocklist {
            name: name.to_string(),
            soft_word_threshold: self.soft_word_threshold,
            domains: HashedSet::from_hashes(domains),
            urls: HashedSet::from_hashes(urls),
            banned_words,
            soft_banned_words,
            subwords,
            psl: SuffixTrie::shipped(),
        })
    }
}

/// The document's URL (`metadata.url`, else `url`), if any.
fn url_of(doc: &Document) -> Option<&str> {
    let meta = doc
        .fields
        .get("metadata")
        .and_then(|m| m.get("url"))
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty());
    meta.or_else(|| doc.fields.get("url").and_then(Value::as_str))
        .filter(|u| !u.is_empty())
}

impl Stage for UrlBlocklist {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        match url_of(doc) {
            Some(url) => self.check(url),
            None => Verdict::Keep,
        }
    }
}

impl UrlBlocklist {
    /// The verdict for one URL.
    pub fn check(&self, url: &str) -> Verdict {
        let host = host_of(url);
        let parts = self.psl.split(&host);
        // Empty parts are looked up too, as in datatrove (they only match a
        // list with an empty line).
        if self.domains.contains(parts.registered) {
            return Verdict::drop_static("domain");
        }
        if self.domains.contains(parts.fqdn) {
            return Verdict::drop_static("subdomain");
        }
        if self.urls.contains(url) {
            return Verdict::drop_static("url");
        }
        let mut words: Vec<&str> = url.split(|c: char| !c.is_ascii_alphanumeric()).collect();
        // `re.split` with `[^a-zA-Z0-9]+`: runs are one separator, so empty
        // pieces only at the ends.
        let n = words.len();
        let mut i = 0usize;
        words.retain(|w| {
            let keep = !w.is_empty() || i == 0 || i == n - 1;
            i += 1;
            keep
        });
        if words.iter().any(|w| self.banned_words.contains(*w)) {
            return Verdict::drop_static("hard_blacklisted");
        }
        words.sort_unstable();
        words.dedup();
        let soft = words
            .iter()
            .filter(|w| self.soft_banned_words.contains(**w))
            .count();
        if soft >= self.soft_word_threshold {
            return Verdict::drop_static("soft_blacklisted");
        }
        if let Some(ac) = &self.subwords {
            if ac.is_match(&normalize(url)) {
                return Verdict::drop_static("blacklisted_subword");
            }
        }
        Verdict::Keep
    }
}

/// tldextract's `lenient_netloc` followed by its ideographic-dot folding.
fn host_of(url: &str) -> std::borrow::Cow<'_, str> {
    let schemeless = schemeless(url);
    let end = schemeless.find(['/', '?', '#']).unwrap_or(schemeless.len());
    let authority = &schemeless[..end];
    let after_userinfo = authority.rsplit('@').next().unwrap_or(authority);
    let host = if after_userinfo.starts_with('[') && after_userinfo.contains(']') {
        let close = after_userinfo.find(']').unwrap_or(0);
        &after_userinfo[..=close]
    } else {
        let h = after_userinfo.split(':').next().unwrap_or("");
        sift_text::pystr::strip(h).trim_end_matches(['.', '\u{3002}', '\u{ff0e}', '\u{ff61}'])
    };
    if host.contains(['\u{3002}', '\u{ff0e}', '\u{ff61}']) {
        std::borrow::Cow::Owned(host.replace(['\u{3002}', '\u{ff0e}', '\u{ff61}'], "."))
    } else {
        std::borrow::Cow::Borrowed(host)
    }
}

/// tldextract's `_schemeless_url`.
fn schemeless(url: &str) -> &str {
    let Some(i) = url.find("//") else {
        return url;
    };
    if i == 0 {
        return &url[2..];
    }
    let scheme_ok = url[..i - 1]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if i < 2 || url.as_bytes()[i - 1] != b':' || !scheme_ok {
        return url;
    }
    &url[i + 2..]
}

/// The parts of a host name that the checks use.
#[derive(Debug, PartialEq, Eq)]
struct HostParts<'a> {
    /// Domain plus public suffix (`""` when either is missing).
    registered: &'a str,
    /// Subdomains, domain and suffix (`""` when the domain or suffix is missing).
    fqdn: &'a str,
}

/// A node of the public-suffix trie (labels in reverse order).
#[derive(Debug, Default)]
struct SuffixNode {
    children: HashMap<String, SuffixNode>,
    end: bool,
}

/// tldextract's suffix trie over the ICANN public suffixes.
#[derive(Debug)]
struct SuffixTrie {
    root: SuffixNode,
}

impl SuffixTrie {
    fn shipped() -> Self {
        let mut root = SuffixNode::default();
        for suffix in PUBLIC_SUFFIXES.lines().filter(|l| !l.is_empty()) {
            let mut node = &mut root;
            for label in suffix.rsplit('.') {
                node = node.children.entry(label.to_string()).or_default();
            }
            node.end = true;
        }
        SuffixTrie { root }
    }

    /// tldextract's `_extract_netloc` + `suffix_index`, reduced to the
    /// registered domain and the FQDN.
    fn split<'a>(&self, host: &'a str) -> HostParts<'a> {
        const NONE: HostParts<'static> = HostParts {
            registered: "",
            fqdn: "",
        };
        // Byte offset where each label starts.
        let starts: Vec<usize> = std::iter::once(0)
            .chain(host.match_indices('.').map(|(i, _)| i + 1))
            .collect();
        let n = starts.len();
        let label = |i: usize| -> &'a str {
            let end = if i + 1 < n {
                starts[i + 1] - 1
            } else {
                host.len()
            };
            &host[starts[i]..end]
        };
        let mut node = &self.root;
        let mut suffix_idx = n;
        let mut label_idx = n;
        let mut buf = String::new();
        for i in (0..n).rev() {
            let decoded = decode_label(label(i), &mut buf);
            if let Some(next) = node.children.get(decoded) {
                label_idx -= 1;
                node = next;
                if node.end {
                    suffix_idx = label_idx;
                }
                continue;
            }
            if node.children.contains_key("*") {
                // `*.x` makes this label part of the suffix, unless `!label.x`.
                let exception = node.children.contains_key(&format!("!{decoded}"));
                suffix_idx = if exception { label_idx } else { label_idx - 1 };
            }
            break;
        }
        if suffix_idx == n || suffix_idx == 0 {
            return NONE;
        }
        let domain_start = starts[suffix_idx - 1];
        let registered = &host[domain_start..];
        let fqdn = if domain_start <= 1 { registered } else { host };
        HostParts { registered, fqdn }
    }
}

/// tldextract's `_decode_punycode`: lowercase, and decode `xn--` labels
/// (falling back to the lowercased label when decoding fails).
fn decode_label<'a>(label: &'a str, buf: &'a mut String) -> &'a str {
    let plain = !label.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80);
    let lowered: &str = if plain {
        label
    } else {
        *buf = label.to_lowercase();
        buf.as_str()
    };
    if let Some(rest) = lowered.strip_prefix("xn--") {
        if let Some(decoded) = punycode_decode(rest) {
            *buf = decoded;
            return buf.as_str();
        }
    }
    if plain {
        label
    } else {
        buf.as_str()
    }
}

/// RFC 3492 Punycode decoding of one label's payload, with the label checks
/// of Python's `idna.decode` that can be made without Unicode tables
/// (non-empty, no leading or trailing hyphen, no `--` at positions 3-4).
fn punycode_decode(input: &str) -> Option<String> {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    if input.is_empty() || input.ends_with('-') || !input.is_ascii() {
        return None;
    }
    let (basic, extended) = match input.rfind('-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => ("", input),
    };
    let mut out: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut it = extended.bytes().peekable();
    while it.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let b = it.next()?;
            let digit = match b {
                b'a'..=b'z' => u32::from(b - b'a'),
                b'A'..=b'Z' => u32::from(b - b'A'),
                b'0'..=b'9' => u32::from(b - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(digit.checked_mul(w)?)?;
            let t = if k <= bias {
                TMIN
            } else if k >= bias + TMAX {
                TMAX
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = out.len() as u32 + 1;
        // adapt
        let mut delta = if old_i == 0 {
            (i - old_i) / DAMP
        } else {
            (i - old_i) / 2
        };
        delta += delta / len;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        bias = k + (BASE - TMIN + 1) * delta / (delta + SKEW);
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    let s: String = out.into_iter().collect();
    let hyphen34 = s.chars().skip(2).take(2).eq("--".chars());
    if s.is_empty() || s.starts_with('-') || s.ends_with('-') || hyphen34 {
        return None;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(extra_domains: &[&str]) -> UrlBlocklist {
        UrlBlocklistConfig {
            extra_domains: extra_domains.iter().map(|s| s.to_string()).collect(),
            ..UrlBlocklistConfig::default()
        }
        .build("url_blocklist")
        .expect("valid")
    }

    fn parts(host: &str) -> (String, String) {
        let trie = SuffixTrie::shipped();
        let p = trie.split(host);
        (p.registered.to_string(), p.fqdn.to_string())
    }

    #[test]
    fn tldextract_host_parsing() {
        assert_eq!(
            host_of("http://user:pw@WWW.Example.CO.UK:8080/x?y#z"),
            "WWW.Example.CO.UK"
        );
        assert_eq!(host_of("example.com/path"), "example.com");
        assert_eq!(host_of("//cdn.example.org."), "cdn.example.org");
        assert_eq!(host_of("http://[::1]:80/"), "[::1]");
        assert_eq!(
            host_of("http://a\u{3002}example\u{ff0e}com/"),
            "a.example.com"
        );
        let p = |h: &str| parts(h);
        assert_eq!(
            p("WWW.Example.CO.UK"),
            ("Example.CO.UK".into(), "WWW.Example.CO.UK".into())
        );
        assert_eq!(
            p("forums.bbc.co.uk"),
            ("bbc.co.uk".into(), "forums.bbc.co.uk".into())
        );
        assert_eq!(p("localhost"), (String::new(), String::new()));
        assert_eq!(p("127.0.0.1"), (String::new(), String::new()));
        assert_eq!(p("co.uk"), (String::new(), String::new()));
        // Wildcard rules and their exceptions (`*.ck`, `!www.ck`).
        assert_eq!(p("a.b.ck"), ("a.b.ck".into(), "a.b.ck".into()));
        assert_eq!(p("www.ck"), ("www.ck".into(), "www.ck".into()));
        // Punycode labels are decoded for the suffix lookup only.
        assert_eq!(
            p("shop.xn--p1ai"),
            ("shop.xn--p1ai".into(), "shop.xn--p1ai".into())
        );
        assert_eq!(punycode_decode("p1ai").as_deref(), Some("рф"));
        assert_eq!(punycode_decode("mnchen-3ya").as_deref(), Some("münchen"));
        // Private PSL suffixes are not suffixes here.
        assert_eq!(
            p("foo.blogspot.com"),
            ("blogspot.com".into(), "foo.blogspot.com".into())
        );
    }

    #[test]
    fn checks_in_order_with_reasons() {
        let s = stage(&["bad.example.com", "evil.org"]);
        assert_eq!(
            s.check("https://www.evil.org/a"),
            Verdict::drop_static("domain")
        );
        assert_eq!(
            s.check("https://bad.example.com/"),
            Verdict::drop_static("subdomain")
        );
        // Matching is case-sensitive, as in datatrove.
        assert_eq!(s.check("https://Evil.org/"), Verdict::Keep);
        assert_eq!(
            s.check("https://example.com/xxx/video"),
            Verdict::drop_static("hard_blacklisted")
        );
        // Words are not lowercased: `/XXX/` is not `xxx`.
        assert_eq!(s.check("https://example.com/XXX/video"), Verdict::Keep);
        assert_eq!(
            s.check("https://example.com/a/porno"),
            Verdict::drop_static("hard_blacklisted")
        );
        assert_eq!(
            s.check("https://example.com/nude/sexy/"),
            Verdict::drop_static("soft_blacklisted")
        );
        assert_eq!(
            s.check("https://example.com/pornhubclips"),
            Verdict::drop_static("blacklisted_subword")
        );
        assert_eq!(
            s.check("https://example.com/news/2024/article"),
            Verdict::Keep
        );
    }

    #[test]
    fn shipped_url_list_is_used_and_documents_without_url_are_kept() {
        let text = zstd::decode_all(URLS_ZST).expect("valid zstd");
        let text = String::from_utf8(text).expect("utf-8");
        assert_eq!(text.lines().count(), 19_587);
        let first = text.lines().next().unwrap_or("");
        let s = stage(&[]);
        let v = s.check(first);
        assert!(!v.is_keep(), "{first}: {v:?}");
        let mut doc = Document::new("t", "text");
        assert_eq!(s.process(&mut doc), Verdict::Keep);
    }
}
