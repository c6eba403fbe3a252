//! `c4_badwords`: drop documents containing an entry of the LDNOOBW bad-word
//! list of their language, as datatrove 0.10.1's `C4BadWordsFilter` does
//! (reason `document_removed_with_badwords`).
//!
//! The lists ship with sift (`data/ldnoobw`, CC BY 4.0); English is the exact
//! file datatrove pins. The text is lowercased; for `ja`, `th` and `zh` an
//! entry matches anywhere, for other languages it must be flanked by
//! non-word characters (Python `re` `\W`) or the text's ends.
//!
//! The language is, in order: `sift.lang` (set by a `language` stage earlier
//! in the pipeline, like datatrove's `metadata["language"]`), the input's
//! `metadata.language` or `language` field, then `default_language`.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sift_core::{Document, Stage, Verdict};
use sift_text::pystr;

use crate::Error;

/// (language code, list) of the shipped LDNOOBW lists.
const LISTS: [(&str, &str); 28] = [
    ("ar", include_str!("../data/ldnoobw/ar")),
    ("cs", include_str!("../data/ldnoobw/cs")),
    ("da", include_str!("../data/ldnoobw/da")),
    ("de", include_str!("../data/ldnoobw/de")),
    ("en", include_str!("../data/ldnoobw/en")),
    ("eo", include_str!("../data/ldnoobw/eo")),
    ("es", include_str!("../data/ldnoobw/es")),
    ("fa", include_str!("../data/ldnoobw/fa")),
    ("fi", include_str!("../data/ldnoobw/fi")),
    ("fil", include_str!("../data/ldnoobw/fil")),
    ("fr", include_str!("../data/ldnoobw/fr")),
    (
        "fr-CA-u-sd-caqc",
        include_str!("../data/ldnoobw/fr-CA-u-sd-caqc"),
    ),
    ("hi", include_str!("../data/ldnoobw/hi")),
    ("hu", include_str!("../data/ldnoobw/hu")),
    ("it", include_str!("../data/ldnoobw/it")),
    ("ja", include_str!("../data/ldnoobw/ja")),
    ("kab", include_str!("../data/ldnoobw/kab")),
    ("ko", include_str!("../data/ldnoobw/ko")),
    ("nl", include_str!("../data/ldnoobw/nl")),
    ("no", include_str!("../data/ldnoobw/no")),
    ("pl", include_str!("../data/ldnoobw/pl")),
    ("pt", include_str!("../data/ldnoobw/pt")),
    ("ru", include_str!("../data/ldnoobw/ru")),
    ("sv", include_str!("../data/ldnoobw/sv")),
    ("th", include_str!("../data/ldnoobw/th")),
    ("tlh", include_str!("../data/ldnoobw/tlh")),
    ("tr", include_str!("../data/ldnoobw/tr")),
    ("zh", include_str!("../data/ldnoobw/zh")),
];

/// Entries removed from every list: common subwords in languages written
/// without spaces (datatrove's allow-lists for ja and zh, applied to all).
const ALLOWED: [&str; 4] = ["sm", "グロ", "女の子", "性"];

/// Configuration of [`C4Badwords`] (datatrove defaults).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct C4BadwordsConfig {
    /// Fraction of matching documents to keep anyway (0: drop all). The draw
    /// is a hash of the document id and `seed`, so it is reproducible
    /// whatever the batching (datatrove draws from numpy's generator).
    pub keep_fraction: f64,
    /// Drop documents in a language without a list (reason
    /// `missing_badwords_language`); `false` keeps them. datatrove raises an
    /// error and stops instead.
    pub fail_on_missing_language: bool,
    /// Seed of the keep draw.
    pub seed: u64,
    /// Language of documents that carry none.
    pub default_language: String,
}

impl Default for C4BadwordsConfig {
    fn default() -> Self {
        Self {
            keep_fraction: 0.0,
            fail_on_missing_language: true,
            seed: 0,
            default_language: "en".into(),
        }
    }
}

/// One language's compiled list.
#[derive(Debug)]
struct Matcher {
    lang: &'static str,
    automaton: Option<AhoCorasick>,
    /// The list has an empty entry (matches an empty span).
    has_empty: bool,
    /// Match anywhere (ja, th, zh) rather than between non-word characters.
    anywhere: bool,
}

/// Built `c4_badwords` stage.
#[derive(Debug)]
pub struct C4Badwords {
    name: String,
    cfg: C4BadwordsConfig,
    matchers: Vec<Matcher>,
}

impl C4BadwordsConfig {
    /// Validate and compile every list.
    pub fn build(&self, name: &str) -> Result<C4Badwords, Error> {
        let err = |key: &str, message: String| Error::Config {
            stage: "c4_badwords",
            key: key.into(),
            message,
        };
        if !(0.0..=1.0).contains(&self.keep_fraction) {
            return Err(err(
                "keep_fraction",
                format!("{} is not within 0..=1", self.keep_fraction),
            ));
        }
        if self.fail_on_missing_language && !LISTS.iter().any(|(l, _)| *l == self.default_language)
        {
            return Err(err(
                "default_language",
                format!("no bad-word list for `{}`", self.default_language),
            ));
        }
        let mut matchers = Vec::with_capacity(LISTS.len());
        for (lang, text) in LISTS {
            let mut entries: Vec<&str> = text.lines().map(pystr::strip).collect();
            entries.sort_unstable();
            entries.dedup();
            entries.retain(|e| !ALLOWED.contains(e));
            let has_empty = entries.contains(&"");
            entries.retain(|e| !e.is_empty());
            let automaton = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&entries)
                .map_err(|e| err("lists", format!("{lang}: {e}")))?;
            matchers.push(Matcher {
                lang,
                automaton: Some(automaton),
                has_empty,
                anywhere: matches!(lang, "ja" | "th" | "zh"),
            });
        }
        Ok(C4Badwords {
            name: name.to_string(),
            cfg: self.clone(),
            matchers,
        })
    }
}

impl Matcher {
    /// Whether lowercased `text` contains an entry.
    fn is_match(&self, text: &str) -> bool {
        if self.has_empty {
            if self.anywhere {
                return true;
            }
            // An empty entry matches at any position between two non-word
            // characters (or the text's ends).
            let mut prev_ok = true;
            for c in text.chars() {
                let boundary = !pystr::is_word(c);
                if prev_ok && boundary {
                    return true;
                }
                prev_ok = boundary;
            }
            if prev_ok {
                return true;
            }
        }
        let Some(ac) = &self.automaton else {
            return false;
        };
        if self.anywhere {
            return ac.is_match(text);
        }
        ac.find_overlapping_iter(text).any(|m| {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            before.is_none_or(|c| !pystr::is_word(c)) && after.is_none_or(|c| !pystr::is_word(c))
        })
    }
}

/// The document's language code, as `c4_badwords` looks it up.
fn language<'d>(doc: &'d Document, default: &'d str) -> &'d str {
    if let Some(l) = doc.sift.lang.as_deref() {
        return l;
    }
    let meta = doc
        .fields
        .get("metadata")
        .and_then(|m| m.get("language"))
        .and_then(Value::as_str);
    meta.or_else(|| doc.fields.get("language").and_then(Value::as_str))
        .unwrap_or(default)
}

/// A uniform draw in [0, 1) from the document id and a seed (splitmix64 of
/// FNV-1a).
fn draw(id: &str, seed: u64) -> f64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

impl Stage for C4Badwords {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        let lang = language(doc, &self.cfg.default_language);
        let Some(m) = self.matchers.iter().find(|m| m.lang == lang) else {
            return if self.cfg.fail_on_missing_language {
                Verdict::drop_static("missing_badwords_language")
            } else {
                Verdict::Keep
            };
        };
        let lowered;
        let text = if doc.text.bytes().any(|b| b.is_ascii_uppercase()) || !doc.text.is_ascii() {
            lowered = doc.text.to_lowercase();
            lowered.as_str()
        } else {
            doc.text.as_str()
        };
        if !m.is_match(text) {
            return Verdict::Keep;
        }
        if self.cfg.keep_fraction > 0.0 && draw(&doc.id, self.cfg.seed) < self.cfg.keep_fraction {
            return Verdict::Keep;
        }
        Verdict::drop_static("document_removed_with_badwords")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage() -> C4Badwords {
        C4BadwordsConfig::default()
            .build("c4_badwords")
            .expect("defaults")
    }

    fn verdict(text: &str, lang: Option<&str>) -> Verdict {
        let mut doc = Document::new("t", text);
        if let Some(l) = lang {
            doc.fields.insert("language".into(), l.into());
        }
        stage().process(&mut doc)
    }

    const DROP: Verdict = Verdict::drop_static("document_removed_with_badwords");

    #[test]
    fn english_list_is_the_pinned_file() {
        let en = LISTS
            .iter()
            .find(|(l, _)| *l == "en")
            .map(|(_, t)| *t)
            .unwrap_or("");
        assert_eq!(en.len(), 3566);
        assert_eq!(en.lines().count(), 377);
    }

    #[test]
    fn english_needs_word_boundaries_after_lowercasing() {
        assert_eq!(verdict("This is BULLSHIT, really.", None), DROP);
        assert_eq!(
            verdict("A classic Scunthorpe assessment.", None),
            Verdict::Keep
        );
        // Multi-word entries match literally, including the space.
        assert_eq!(verdict("no blow job here", None), DROP);
        assert_eq!(verdict("no blow  job here", None), Verdict::Keep);
        // `_` and digits are word characters; `-` and emoji are not.
        assert_eq!(verdict("porn_star", None), Verdict::Keep);
        assert_eq!(verdict("porn2", None), Verdict::Keep);
        assert_eq!(verdict("-porn-", None), DROP);
        assert_eq!(verdict("", None), Verdict::Keep);
        // The emoji entry needs non-word neighbours too.
        assert_eq!(verdict("x🖕", None), Verdict::Keep);
        assert_eq!(verdict("x 🖕", None), DROP);
    }

    #[test]
    fn cjk_lists_match_anywhere_and_allow_lists_apply_everywhere() {
        let zh = LISTS
            .iter()
            .find(|(l, _)| *l == "zh")
            .map(|(_, t)| *t)
            .unwrap_or("");
        let entry = zh
            .lines()
            .find(|l| !l.is_empty() && *l != "性")
            .unwrap_or("");
        assert!(!entry.is_empty());
        assert_eq!(verdict(&format!("前{entry}后"), Some("zh")), DROP);
        assert_eq!(verdict("性别平等", Some("zh")), Verdict::Keep);
        assert_eq!(verdict("a sm b", Some("ja")), Verdict::Keep);
    }

    #[test]
    fn language_lookup_and_missing_lists() {
        let mut doc = Document::new("t", "bullshit");
        doc.sift.lang = Some("xx".into());
        assert_eq!(
            stage().process(&mut doc),
            Verdict::drop_static("missing_badwords_language")
        );
        let lenient = C4BadwordsConfig {
            fail_on_missing_language: false,
            ..C4BadwordsConfig::default()
        }
        .build("b")
        .expect("valid");
        assert_eq!(lenient.process(&mut doc), Verdict::Keep);
        let mut doc = Document::new("t", "bullshit");
        doc.fields
            .insert("metadata".into(), serde_json::json!({"language": "de"}));
        // German list, English word: no match.
        assert_eq!(stage().process(&mut doc), Verdict::Keep);
    }

    #[test]
    fn keep_fraction_is_deterministic() {
        let s = C4BadwordsConfig {
            keep_fraction: 0.5,
            ..C4BadwordsConfig::default()
        }
        .build("b")
        .expect("valid");
        let kept = (0..1000)
            .filter(|i| {
                let mut d = Document::new(format!("doc-{i}"), "bullshit");
                s.process(&mut d).is_keep()
            })
            .count();
        assert!((400..600).contains(&kept), "{kept}");
        assert_eq!(draw("a", 1), draw("a", 1));
    }
}
