//! sift-lid: offline language identification.
//!
//! [`LangId`] is the interface sift's `language` stage uses; [`FastTextLid`]
//! implements it with sift's own fastText inference. The default model,
//! fastText's `lid.176.ftz` (176 languages, CC BY-SA 3.0, see
//! `model/NOTICE`), is embedded in the binary: nothing is downloaded, ever.
//! Any other supervised fastText model (`.bin` or `.ftz`, e.g. GlotLID) loads
//! from a file with [`FastTextLid::from_path`].
//!
//! # Why our own fastText inference
//!
//! sift's `language` stage must decide exactly like datatrove's
//! `LanguageFilter`, which runs C++ fastText (the Python `fasttext`
//! package). The pure-Rust ports on crates.io do not: `fasttext-pure-rs`
//! splits tokens on all Unicode whitespace (C++ splits on ASCII ' ', '\n',
//! '\r', '\t', '\v', '\f', NUL only, so U+00A0 stays inside a token), prunes
//! and computes the hierarchical-softmax sigmoid differently and clamps it,
//! which moved scores by up to 0.03 and flipped 8 of 6,768 keep/drop
//! decisions; the `fasttext` crate gives wrong labels on `lid.176.ftz`. This
//! crate implements inference only (no training), following C++ fastText
//! 0.9.2 operation by operation in the same float/double precision:
//! model format (dense and quantized matrices, product quantizer, norm
//! codes, pruned n-gram index), tokenisation, the signed-char FNV-1a hash,
//! character and word n-grams, the averaged hidden vector, hierarchical
//! softmax (Huffman tree from the label counts, pruned depth-first search),
//! softmax and one-vs-all / negative-sampling outputs, and the top-k heap.
//! On 6,768 documents its labels and scores equal the Python `fasttext`
//! package's (`examples/lid_parity.rs`).
//!
//! ```
//! use sift_lid::{FastTextLid, LangId};
//!
//! let lid = FastTextLid::lid176().expect("embedded model loads");
//! let p = lid.predict("Le chat est assis sur le tapis et regarde la fenêtre.").expect("a label");
//! assert_eq!(p.label, "fr");
//! assert!(p.score > 0.65);
//! ```
#![deny(missing_docs)]

mod dict;
mod format;
mod model;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use model::Model;

/// The embedded `lid.176.ftz` model bytes.
pub const LID176_FTZ: &[u8] = include_bytes!("../model/lid.176.ftz");

/// Errors of model loading.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The model file could not be read or parsed.
    #[error("language-ID model {origin}: {message}")]
    Model {
        /// File name, or `lid.176.ftz (embedded)`.
        origin: String,
        /// What went wrong (for a malformed file: what, and the byte offset).
        message: String,
    },
}

/// The best label for a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Language label without fastText's `__label__` prefix (`en`), or for
    /// GlotLID-style labels the part before `_` (`eng` of `eng_Latn`).
    pub label: String,
    /// Script, for labels of the form `lang_Script` (GlotLID).
    pub script: Option<String>,
    /// Model probability of the label.
    pub score: f64,
}

/// A language identifier.
pub trait LangId: Send + Sync + std::fmt::Debug {
    /// The most likely language of `text`, or `None` when the model returns
    /// nothing. `text` should be one line (callers replace `\n`).
    fn predict(&self, text: &str) -> Option<Prediction>;
}

/// fastText-based identifier (sift's own fastText inference, bit-exact with
/// C++ fastText 0.9.2).
#[derive(Debug, Clone)]
pub struct FastTextLid {
    model: Arc<Model>,
}

fn load(bytes: &[u8]) -> Result<Model, String> {
    let raw = format::read_model(bytes).map_err(|e| e.to_string())?;
    Model::new(raw).map_err(|e| e.to_string())
}

impl FastTextLid {
    /// The embedded `lid.176.ftz`, parsed once per process.
    pub fn lid176() -> Result<Self, Error> {
        static MODEL: OnceLock<Result<Arc<Model>, String>> = OnceLock::new();
        let r = MODEL.get_or_init(|| load(LID176_FTZ).map(Arc::new));
        match r {
            Ok(m) => Ok(Self { model: m.clone() }),
            Err(e) => Err(Error::Model {
                origin: "lid.176.ftz (embedded)".into(),
                message: e.clone(),
            }),
        }
    }

    /// A supervised fastText model (`.bin` or `.ftz`) read from `path`.
    pub fn from_path(path: &Path) -> Result<Self, Error> {
        let err = |message: String| Error::Model {
            origin: path.display().to_string(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let model = load(&bytes).map_err(err)?;
        Ok(Self {
            model: Arc::new(model),
        })
    }

    /// A supervised fastText model from its bytes (`origin` names it in
    /// errors).
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Self, Error> {
        let model = load(bytes).map_err(|message| Error::Model {
            origin: origin.to_string(),
            message,
        })?;
        Ok(Self {
            model: Arc::new(model),
        })
    }

    /// Number of labels of the model.
    pub fn labels(&self) -> usize {
        self.model.nlabels()
    }

    /// Python `fasttext`'s `model.predict(text, k, threshold)`: up to `k`
    /// labels (`k = -1`: all) with probability at least `threshold`, best
    /// first, as (label with its `__label__` prefix, probability). Like the
    /// C++ `predictLine`, only `text` up to its first `\n` is read.
    pub fn predict_k(&self, text: &str, k: i32, threshold: f32) -> Vec<(String, f32)> {
        self.model.predict(text.as_bytes(), k, threshold, |preds| {
            preds
                .iter()
                .map(|&(score, label)| {
                    let l = self.model.label(label as usize);
                    (String::from_utf8_lossy(l).into_owned(), score.exp())
                })
                .collect()
        })
    }
}

impl LangId for FastTextLid {
    /// As datatrove's `FastTextLID.predict`: all labels (`k = -1`), the
    /// first of the best-first list (Python's `max` keeps the first of
    /// equal scores), `\n` ends the text. Only that first label is computed
    /// (`Model::predict_best`), with the full list's exact score.
    fn predict(&self, text: &str) -> Option<Prediction> {
        let (score, label) = self.model.predict_best(text.as_bytes())?;
        let (label, prob) = (self.model.label(label as usize), score.exp());
        let label = String::from_utf8_lossy(label);
        let label = label.strip_prefix("__label__").unwrap_or(&label);
        let (label, script) = match label.split_once('_') {
            Some((l, s)) => (l.to_string(), Some(s.to_string())),
            None => (label.to_string(), None),
        };
        Some(Prediction {
            label,
            script,
            score: f64::from(prob),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, label, score) from the Python `fasttext` 0.9.2 package on the
    /// same `lid.176.ftz` (`model.predict(text, k=-1)`, first result).
    const ORACLE: &[(&str, &str, f64)] = &[
        (
            "The quick brown fox jumps over the lazy dog near the river bank.",
            "en",
            0.9412015676498413,
        ),
        (
            "Der schnelle braune Fuchs springt über den faulen Hund am Fluss.",
            "de",
            0.961033821105957,
        ),
        (
            "El rápido zorro marrón salta sobre el perro perezoso junto al río.",
            "es",
            0.9591127634048462,
        ),
        (
            "Быстрая коричневая лиса прыгает через ленивую собаку у реки.",
            "ru",
            0.9602932929992676,
        ),
        (
            "北京是中华人民共和国的首都，也是全国的政治和文化中心。",
            "zh",
            0.9881995320320129,
        ),
        (
            "Le prix est de 25 euros par personne et par nuit.",
            "fr",
            0.9978042244911194,
        ),
        // Above 1: fastText's std_log adds 1e-5 before the log.
        (
            "Dies ist ein deutscher Satz mit Wörtern",
            "de",
            1.0000377893447876,
        ),
        // Only `</s>`: no token has a row, the empty text scores the same.
        ("1234 5678 !!! ???", "en", 0.12450417876243591),
        ("", "en", 0.12450417876243591),
        // A `__label__` token that is not a model label is skipped.
        ("__label__en hello world", "en", 0.17635808885097504),
        // A literal `</s>` token ends the line, as in C++ `getLine`.
        (
            "hello </s> Bonjour tout le monde, comment allez-vous aujourd'hui",
            "en",
            0.24247202277183533,
        ),
        // U+00A0 and U+2003 are not separators for fastText: they stay
        // inside tokens (`Le\u{a0}chat\u{a0}est` is one token).
        (
            "Le\u{a0}chat\u{a0}est assis sur le tapis",
            "fr",
            0.9369913339614868,
        ),
        (
            "The\u{a0}cat sat on the mat and\u{a0}looked at the window",
            "en",
            0.7911546230316162,
        ),
        ("Das ist\u{2003}gut und schön", "de", 0.9559176564216614),
    ];

    #[test]
    fn embedded_model_matches_cpp_fasttext() {
        let lid = FastTextLid::lid176().expect("embedded model");
        assert_eq!(lid.labels(), 176);
        for &(text, want, score) in ORACLE {
            let p = lid.predict(text).expect("a prediction");
            assert_eq!(p.label, want, "{text}: {p:?}");
            assert!(
                (p.score - score).abs() <= 1e-6,
                "{text}: {p:?}, want {score}"
            );
            assert_eq!(p.script, None);
        }
    }

    #[test]
    fn top_k_matches_cpp_fasttext() {
        let lid = FastTextLid::lid176().expect("embedded model");
        let cases: &[(&str, &[(&str, f32)])] = &[
            (
                "Le\u{a0}chat\u{a0}est assis sur le tapis",
                &[
                    ("__label__fr", 0.936_991_33),
                    ("__label__es", 0.008_848_134),
                    ("__label__ca", 0.007_689_178),
                ],
            ),
            (
                "北京是中华人民共和国的首都，也是全国的政治和文化中心。",
                &[
                    ("__label__zh", 0.988_199_5),
                    ("__label__ja", 0.011_781_693),
                    ("__label__wuu", 5.049_502_6e-5),
                ],
            ),
            // k = 3, but only one label has a probability above 1e-5.
            (
                "Dies ist ein deutscher Satz mit Wörtern",
                &[("__label__de", 1.000_037_8)],
            ),
        ];
        for &(text, want) in cases {
            let got = lid.predict_k(text, 3, 0.0);
            assert_eq!(got.len(), want.len(), "{text}: {got:?}");
            for ((l, p), (wl, wp)) in got.iter().zip(want) {
                assert_eq!(l, wl, "{text}: {got:?}");
                assert!((p - wp).abs() <= 1e-6, "{text}: {got:?}");
            }
        }
        assert!(lid.predict_k("hello", 0, 0.0).is_empty());
        assert_eq!(
            lid.predict_k("hello", -1, 0.0)[0].0,
            lid.predict_k("hello", 1, 0.0)[0].0
        );
    }

    /// The pruned search for the best label gives the full list's first,
    /// bit for bit: on every word prefix of the oracle texts and of mixes of
    /// them (short, ambiguous texts are where subtrees compete).
    #[test]
    fn best_label_equals_first_of_all_labels() {
        let lid = FastTextLid::lid176().expect("embedded model");
        let mut texts: Vec<String> = Vec::new();
        for (i, &(a, _, _)) in ORACLE.iter().enumerate() {
            let (b, _, _) = ORACLE[(i + 1) % ORACLE.len()];
            let mixed = format!("{a} {b}");
            for t in [a, mixed.as_str()] {
                let words: Vec<&str> = t.split(' ').collect();
                texts.extend((0..=words.len()).map(|n| words[..n].join(" ")));
            }
        }
        let mut compared = 0;
        for t in &texts {
            let full = lid
                .model
                .predict(t.as_bytes(), -1, 0.0, |p| p.first().copied());
            let best = lid.model.predict_best(t.as_bytes());
            assert_eq!(
                full.map(|(s, l)| (s.to_bits(), l)),
                best.map(|(s, l)| (s.to_bits(), l)),
                "{t:?}"
            );
            compared += 1;
        }
        assert!(compared > 300, "{compared}");
    }

    #[test]
    fn text_after_a_newline_is_not_read() {
        let lid = FastTextLid::lid176().expect("embedded model");
        let a = lid
            .predict("Ceci est un texte en français")
            .expect("a label");
        let b = lid
            .predict("Ceci est un texte en français\nThis is an English sentence")
            .expect("a label");
        assert_eq!(a, b);
    }

    #[test]
    fn missing_model_file_is_an_error_naming_it() {
        let err = FastTextLid::from_path(Path::new("/nonexistent/model.bin")).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/model.bin"), "{err}");
    }

    #[test]
    fn corrupt_model_is_an_error_with_the_byte_offset() {
        let err = FastTextLid::from_bytes(b"not a model at all", "x.bin").expect_err("bad magic");
        assert!(
            err.to_string().contains("x.bin") && err.to_string().contains("magic"),
            "{err}"
        );
        // Every truncation of the real model is an error, never a panic.
        for cut in [
            0,
            3,
            8,
            40,
            70,
            200,
            60_000,
            LID176_FTZ.len() / 2,
            LID176_FTZ.len() - 1,
        ] {
            let err = FastTextLid::from_bytes(&LID176_FTZ[..cut], "cut").expect_err("truncated");
            assert!(err.to_string().contains("byte offset"), "{cut}: {err}");
        }
        // A wrong loss id names the field and its offset (8 + 6 * 4).
        let mut bad = LID176_FTZ.to_vec();
        bad[32..36].copy_from_slice(&9i32.to_le_bytes());
        let err = FastTextLid::from_bytes(&bad, "loss").expect_err("bad loss");
        assert!(
            err.to_string().contains("args.loss") && err.to_string().contains("offset 32"),
            "{err}"
        );
    }
}
