//! `language`: language identification and filtering, as datatrove 0.10.1's
//! `LanguageFilter` with the fastText backend.
//!
//! The text, with every `\n` replaced by a space, goes to a fastText model:
//! by default `lid.176.ftz`, embedded (`sift-lid`); `lid_model` loads another
//! fastText model file (e.g. datatrove's default `lid.176.bin`, or GlotLID,
//! whose `lang_Script` labels are split like datatrove does). Every document
//! gets `sift.lang` and `sift.lang_score`. A document is kept when
//! `label_only`, or when its best language scores above
//! `language_threshold` and (if `languages` is set) is one of them.
//!
//! datatrove drops without a reason; sift says why: `low_language_score`
//! or `language_not_allowed`.

use std::borrow::Cow;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sift_core::{Document, Stage, Verdict};
use sift_lid::{FastTextLid, LangId};

use crate::Error;

/// Configuration of [`Language`] (datatrove defaults).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LanguageConfig {
    /// Languages to keep (model labels without `__label__`, e.g. `en`);
    /// unset: any language.
    pub languages: Option<Vec<String>>,
    /// Minimum score (exclusive) of the language.
    pub language_threshold: f64,
    /// Only label documents, never drop.
    pub label_only: bool,
    /// A fastText model file to use instead of the embedded `lid.176.ftz`.
    pub lid_model: Option<PathBuf>,
}

impl Default for LanguageConfig {
    fn default() -> Self {
        Self {
            languages: None,
            language_threshold: 0.65,
            label_only: false,
            lid_model: None,
        }
    }
}

/// Built `language` stage.
#[derive(Debug)]
pub struct Language {
    name: String,
    languages: Option<Vec<String>>,
    threshold: f64,
    label_only: bool,
    model: Box<dyn LangId>,
}

impl LanguageConfig {
    /// Validate and load the model.
    pub fn build(&self, name: &str) -> Result<Language, Error> {
        let err = |key: &str, message: String| Error::Config {
            stage: "language",
            key: key.into(),
            message,
        };
        if let Some(l) = &self.languages {
            if l.is_empty() {
                return Err(err(
                    "languages",
                    "an empty list would drop everything; leave it unset to accept any language"
                        .into(),
                ));
            }
        }
        if !self.language_threshold.is_finite() {
            return Err(err(
                "language_threshold",
                format!("{} is not a number", self.language_threshold),
            ));
        }
        let model = match &self.lid_model {
            None => FastTextLid::lid176(),
            Some(p) => FastTextLid::from_path(p),
        }
        .map_err(|e| err("lid_model", e.to_string()))?;
        Ok(Language {
            name: name.to_string(),
            languages: self.languages.clone(),
            threshold: self.language_threshold,
            label_only: self.label_only,
            model: Box::new(model),
        })
    }
}

impl Language {
    /// A stage using `model` (for other [`LangId`] implementations).
    pub fn with_model(name: &str, cfg: &LanguageConfig, model: Box<dyn LangId>) -> Self {
        Self {
            name: name.to_string(),
            languages: cfg.languages.clone(),
            threshold: cfg.language_threshold,
            label_only: cfg.label_only,
            model,
        }
    }
}

impl Stage for Language {
    fn name(&self) -> &str {
        &self.name
    }

    fn process(&self, doc: &mut Document) -> Verdict {
        let text: Cow<'_, str> = if doc.text.contains('\n') {
            Cow::Owned(doc.text.replace('\n', " "))
        } else {
            Cow::Borrowed(&doc.text)
        };
        let Some(p) = self.model.predict(&text) else {
            return if self.label_only {
                Verdict::Keep
            } else {
                Verdict::drop_static("low_language_score")
            };
        };
        let allowed = self.languages.as_ref().is_none_or(|l| l.contains(&p.label));
        let score_ok = p.score > self.threshold;
        if let Some(script) = &p.script {
            doc.flag("language_script", script.clone().into());
        }
        doc.sift.lang = Some(p.label);
        doc.sift.lang_score = Some(p.score);
        // With a language list, datatrove keeps a document when a listed
        // language scores above the threshold; only the best label can
        // (scores sum to 1 and the threshold is above 0.5 by default; below
        // 0.5 this is an approximation).
        if self.label_only || (allowed && score_ok) {
            Verdict::Keep
        } else if !allowed {
            Verdict::drop_static("language_not_allowed")
        } else {
            Verdict::drop_static("low_language_score")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "The committee met on Tuesday to discuss the new budget.\nMembers agreed to \
                      postpone the vote until the next session.";
    const DE: &str = "Der Ausschuss traf sich am Dienstag, um den neuen Haushalt zu besprechen.";

    fn stage(cfg: LanguageConfig) -> Language {
        cfg.build("language").expect("embedded model")
    }

    #[test]
    fn labels_every_document_and_filters_by_score() {
        let s = stage(LanguageConfig::default());
        let mut doc = Document::new("a", EN);
        assert_eq!(s.process(&mut doc), Verdict::Keep);
        assert_eq!(doc.sift.lang.as_deref(), Some("en"));
        assert!(doc.sift.lang_score.is_some_and(|x| x > 0.65));
        // Digits and symbols: no language scores above 0.65.
        let mut doc = Document::new("b", "12 34 56 ### 78 90 :: 12");
        assert_eq!(
            s.process(&mut doc),
            Verdict::drop_static("low_language_score")
        );
        assert!(doc.sift.lang.is_some());
    }

    #[test]
    fn language_list_and_label_only() {
        let en_only = stage(LanguageConfig {
            languages: Some(vec!["en".into()]),
            ..LanguageConfig::default()
        });
        assert_eq!(en_only.process(&mut Document::new("a", EN)), Verdict::Keep);
        let mut de = Document::new("b", DE);
        assert_eq!(
            en_only.process(&mut de),
            Verdict::drop_static("language_not_allowed")
        );
        assert_eq!(de.sift.lang.as_deref(), Some("de"));
        let label = stage(LanguageConfig {
            languages: Some(vec!["en".into()]),
            label_only: true,
            ..LanguageConfig::default()
        });
        assert_eq!(label.process(&mut Document::new("b", DE)), Verdict::Keep);
        assert!(LanguageConfig {
            languages: Some(vec![]),
            ..LanguageConfig::default()
        }
        .build("l")
        .is_err());
        let err = LanguageConfig {
            lid_model: Some("/nonexistent/lid.bin".into()),
            ..LanguageConfig::default()
        }
        .build("l")
        .expect_err("missing model");
        assert!(err.to_string().contains("lid_model"), "{err}");
    }
}
