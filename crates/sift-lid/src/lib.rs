//! sift-lid: offline language identification.
//!
//! [`LangId`] is the interface sift's `language` stage uses; [`FastTextLid`]
//! implements it with a pure-Rust fastText (`fasttext-pure-rs`). The default
//! model, fastText's `lid.176.ftz` (176 languages, CC BY-SA 3.0, see
//! `model/NOTICE`), is embedded in the binary: nothing is downloaded, ever.
//! Any other fastText model (`.bin` or `.ftz`, e.g. GlotLID) loads from a
//! file with [`FastTextLid::from_path`].
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

use std::path::Path;
use std::sync::{Arc, OnceLock};

use fasttext_pure_rs::FastText;

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
        /// What went wrong.
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

/// fastText-based identifier (pure Rust inference).
#[derive(Debug, Clone)]
pub struct FastTextLid {
    model: Arc<FastText>,
}

impl FastTextLid {
    /// The embedded `lid.176.ftz`, parsed once per process.
    pub fn lid176() -> Result<Self, Error> {
        static MODEL: OnceLock<Result<Arc<FastText>, String>> = OnceLock::new();
        let r = MODEL.get_or_init(|| {
            FastText::load_from_reader(std::io::Cursor::new(LID176_FTZ))
                .map(Arc::new)
                .map_err(|e| e.to_string())
        });
        match r {
            Ok(m) => Ok(Self { model: m.clone() }),
            Err(e) => Err(Error::Model {
                origin: "lid.176.ftz (embedded)".into(),
                message: e.clone(),
            }),
        }
    }

    /// A fastText model (`.bin` or `.ftz`) read from `path`.
    pub fn from_path(path: &Path) -> Result<Self, Error> {
        let err = |message: String| Error::Model {
            origin: path.display().to_string(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let model = FastText::load_from_reader(std::io::Cursor::new(bytes))
            .map_err(|e| err(e.to_string()))?;
        Ok(Self {
            model: Arc::new(model),
        })
    }
}

impl LangId for FastTextLid {
    fn predict(&self, text: &str) -> Option<Prediction> {
        let best = self.model.predict(text, 1, 0.0).ok()?.into_iter().next()?;
        let label = best.label.strip_prefix("__label__").unwrap_or(&best.label);
        let (label, script) = match label.split_once('_') {
            Some((l, s)) => (l.to_string(), Some(s.to_string())),
            None => (label.to_string(), None),
        };
        Some(Prediction {
            label,
            script,
            score: f64::from(best.probability),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_identifies_common_languages() {
        let lid = FastTextLid::lid176().expect("embedded model");
        let cases = [
            (
                "The quick brown fox jumps over the lazy dog near the river bank.",
                "en",
            ),
            (
                "Der schnelle braune Fuchs springt über den faulen Hund am Fluss.",
                "de",
            ),
            (
                "El rápido zorro marrón salta sobre el perro perezoso junto al río.",
                "es",
            ),
            (
                "Быстрая коричневая лиса прыгает через ленивую собаку у реки.",
                "ru",
            ),
            (
                "北京是中华人民共和国的首都，也是全国的政治和文化中心。",
                "zh",
            ),
        ];
        for (text, want) in cases {
            let p = lid.predict(text).expect("a prediction");
            assert_eq!(p.label, want, "{text}: {p:?}");
            assert!(p.score > 0.5 && p.score < 1.0001, "{p:?}");
            assert_eq!(p.script, None);
        }
    }

    #[test]
    fn missing_model_file_is_an_error_naming_it() {
        let err = FastTextLid::from_path(Path::new("/nonexistent/model.bin")).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/model.bin"), "{err}");
    }
}
