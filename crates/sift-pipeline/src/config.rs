//! The pipeline file: TOML, validated completely before any input is read.
//!
//! ```toml
//! description = "what this pipeline is for"
//!
//! [input]            # optional
//! text_key = "text"
//! id_key = "id"
//!
//! [[stages]]
//! type = "line_regex"         # the stage kind (= module name)
//! name = "ad_placeholders"    # optional; defaults to `type`
//! patterns = ['^\[ad_\d+\]$']
//! reason = "ad_placeholder"
//!
//! [[stages]]
//! type = "min_words"
//! min = 50
//! ```

use serde::{Deserialize, Serialize};
use sift_core::Stage;
use sift_filters::{
    C4BadwordsConfig, C4QualityConfig, FinewebQualityConfig, GopherQualityConfig,
    GopherRepetitionConfig, JunkLinesConfig, LanguageConfig, LineRegexConfig, MinWordsConfig,
    SpinConfig, UrlBlocklistConfig,
};

use crate::Error;

/// One stage's settings, tagged by `type`. A closed enum: clear errors, no
/// plugin registry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StageKind {
    /// Remove lines matching regular expressions.
    LineRegex(LineRegexConfig),
    /// Drop documents with too few words.
    MinWords(MinWordsConfig),
    /// Remove injected spam, ads, boilerplate and off-topic lines.
    JunkLines(JunkLinesConfig),
    /// Flag machine-spun text (score and evidence spans in `sift.flags`).
    Spin(SpinConfig),
    /// Gopher quality rules (datatrove `GopherQualityFilter`).
    GopherQuality(GopherQualityConfig),
    /// Gopher repetition rules (datatrove `GopherRepetitionFilter`).
    GopherRepetition(GopherRepetitionConfig),
    /// C4 line cleaner and document rules (datatrove `C4QualityFilter`).
    C4Quality(C4QualityConfig),
    /// C4 bad-words filter (datatrove `C4BadWordsFilter`).
    C4Badwords(C4BadwordsConfig),
    /// FineWeb line rules (datatrove `FineWebQualityFilter`).
    FinewebQuality(FinewebQualityConfig),
    /// URL block lists (datatrove `URLFilter`).
    UrlBlocklist(UrlBlocklistConfig),
    /// Language identification (datatrove `LanguageFilter`, fastText).
    Language(LanguageConfig),
    /// Remove exact duplicates (normalised text), keeping the first.
    ExactDedup(sift_dedup::ExactDedupConfig),
    /// Remove near duplicates (MinHash LSH, datatrove-compatible).
    MinhashDedup(sift_dedup::MinHashDedupConfig),
    /// Remove lines repeated across documents, keeping the first.
    ParagraphDedup(sift_dedup::ParagraphDedupConfig),
}

impl StageKind {
    /// The `type` string.
    pub fn type_name(&self) -> &'static str {
        match self {
            StageKind::LineRegex(_) => "line_regex",
            StageKind::MinWords(_) => "min_words",
            StageKind::JunkLines(_) => "junk_lines",
            StageKind::Spin(_) => "spin",
            StageKind::GopherQuality(_) => "gopher_quality",
            StageKind::GopherRepetition(_) => "gopher_repetition",
            StageKind::C4Quality(_) => "c4_quality",
            StageKind::C4Badwords(_) => "c4_badwords",
            StageKind::FinewebQuality(_) => "fineweb_quality",
            StageKind::UrlBlocklist(_) => "url_blocklist",
            StageKind::Language(_) => "language",
            StageKind::ExactDedup(_) => "exact_dedup",
            StageKind::MinhashDedup(_) => "minhash_dedup",
            StageKind::ParagraphDedup(_) => "paragraph_dedup",
        }
    }

    /// Whether the stage only edits lines (never drops a document): the
    /// stages `sift eval lines` scores by default.
    pub fn is_line_cleaner(&self) -> bool {
        matches!(
            self,
            StageKind::LineRegex(_) | StageKind::JunkLines(_) | StageKind::Spin(_)
        )
    }

    /// Build the runtime stage.
    pub fn build(&self, name: &str) -> Result<Box<dyn Stage>, Error> {
        let wrap = |e: sift_filters::Error| Error::Stage {
            name: name.to_string(),
            // The stage is named once, here (with its display name).
            message: match e {
                sift_filters::Error::Config { key, message, .. } => {
                    format!("invalid `{key}`: {message}")
                }
                other => other.to_string(),
            },
        };
        Ok(match self {
            StageKind::LineRegex(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::MinWords(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::JunkLines(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::Spin(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::GopherQuality(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::GopherRepetition(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::C4Quality(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::C4Badwords(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::FinewebQuality(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::UrlBlocklist(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::Language(c) => Box::new(c.build(name).map_err(wrap)?),
            StageKind::ExactDedup(_)
            | StageKind::MinhashDedup(_)
            | StageKind::ParagraphDedup(_) => {
                let dedup = self.build_dedup(name)?;
                dedup
                    .map(|d| Box::new(d) as Box<dyn Stage>)
                    .ok_or_else(|| Error::Stage {
                        name: name.to_string(),
                        message: "not a dedup stage".into(),
                    })?
            }
        })
    }

    /// Build a global dedup stage (`None` for per-document stages); the
    /// runner cuts the pipeline at these.
    pub fn build_dedup(&self, name: &str) -> Result<Option<sift_dedup::DedupStage>, Error> {
        let wrap = |e: sift_dedup::Error| Error::Stage {
            name: name.to_string(),
            message: e.to_string(),
        };
        Ok(Some(match self {
            StageKind::ExactDedup(c) => c.build(name).map_err(wrap)?,
            StageKind::MinhashDedup(c) => c.build(name).map_err(wrap)?,
            StageKind::ParagraphDedup(c) => c.build(name).map_err(wrap)?,
            _ => return Ok(None),
        }))
    }
}

/// A stage entry: its kind plus an optional display name.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSpec {
    /// Name used in stats, reasons and output (defaults to the type).
    pub name: String,
    /// Settings.
    pub kind: StageKind,
}

/// Input field names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// Field holding the document text.
    #[serde(default = "default_text_key")]
    pub text_key: String,
    /// Field holding the document id.
    #[serde(default = "default_id_key")]
    pub id_key: String,
}

fn default_text_key() -> String {
    "text".into()
}
fn default_id_key() -> String {
    "id".into()
}

impl Default for InputConfig {
    fn default() -> Self {
        Self {
            text_key: default_text_key(),
            id_key: default_id_key(),
        }
    }
}

/// A whole pipeline file.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineConfig {
    /// Free text shown by `sift presets`.
    pub description: String,
    /// Input field names.
    pub input: InputConfig,
    /// Stages in order.
    pub stages: Vec<StageSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPipeline {
    #[serde(default)]
    description: String,
    #[serde(default)]
    input: InputConfig,
    #[serde(default)]
    stages: Vec<toml::Table>,
}

impl PipelineConfig {
    /// Parse and validate a pipeline file's text. `origin` names the file in
    /// errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, Error> {
        let raw: RawPipeline = toml::from_str(text).map_err(|e| Error::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let mut stages = Vec::with_capacity(raw.stages.len());
        for (i, mut table) in raw.stages.into_iter().enumerate() {
            let type_name = table
                .get("type")
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| Error::Parse {
                    origin: origin.to_string(),
                    message: format!(
                        "stages[{i}]: missing `type` (see `sift presets show default`)"
                    ),
                })?;
            let name = match table.remove("name") {
                None => type_name.clone(),
                Some(toml::Value::String(s)) if !s.is_empty() => s,
                Some(_) => {
                    return Err(Error::Parse {
                        origin: origin.to_string(),
                        message: format!(
                            "stages[{i}] ({type_name}): `name` must be a non-empty string"
                        ),
                    })
                }
            };
            let kind =
                StageKind::deserialize(toml::Value::Table(table)).map_err(|e| Error::Parse {
                    origin: origin.to_string(),
                    message: format!("stages[{i}] ({type_name}): {}", e.message()),
                })?;
            stages.push(StageSpec { name, kind });
        }
        let cfg = Self {
            description: raw.description,
            input: raw.input,
            stages,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks across stages, and building every stage once so that bad
    /// values surface before input is read.
    fn validate(&self) -> Result<(), Error> {
        let mut seen = std::collections::BTreeSet::new();
        for s in &self.stages {
            if !seen.insert(s.name.as_str()) {
                return Err(Error::Stage {
                    name: s.name.clone(),
                    message: "two stages have this name; give one a `name = \"...\"`".into(),
                });
            }
            s.kind.build(&s.name)?;
        }
        Ok(())
    }

    /// Serialise back to TOML (what `sift presets show` prints).
    pub fn to_toml(&self) -> String {
        let mut root = toml::Table::new();
        if !self.description.is_empty() {
            root.insert("description".into(), self.description.clone().into());
        }
        if self.input != InputConfig::default() {
            if let Ok(toml::Value::Table(t)) = toml::Value::try_from(&self.input) {
                root.insert("input".into(), toml::Value::Table(t));
            }
        }
        let mut stages = Vec::new();
        for s in &self.stages {
            if let Ok(toml::Value::Table(mut t)) = toml::Value::try_from(&s.kind) {
                if s.name != s.kind.type_name() {
                    t.insert("name".into(), s.name.clone().into());
                }
                stages.push(toml::Value::Table(t));
            }
        }
        root.insert("stages".into(), toml::Value::Array(stages));
        toml::to_string_pretty(&root).unwrap_or_default()
    }

    /// Stage names in order.
    pub fn stage_names(&self) -> Vec<&str> {
        self.stages.iter().map(|s| s.name.as_str()).collect()
    }

    /// Use the fastText model at `path` in every `language` stage (the
    /// `--lid-model` option). Returns how many stages it changed.
    pub fn set_lid_model(&mut self, path: &std::path::Path) -> usize {
        let mut n = 0;
        for s in &mut self.stages {
            if let StageKind::Language(c) = &mut s.kind {
                c.lid_model = Some(path.to_path_buf());
                n += 1;
            }
        }
        n
    }

    /// The same pipeline with only its line cleaners (see
    /// [`StageKind::is_line_cleaner`]), in order.
    pub fn line_cleaners(&self) -> Self {
        Self {
            stages: self
                .stages
                .iter()
                .filter(|s| s.kind.is_line_cleaner())
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let err = PipelineConfig::from_toml(
            "[[stages]]\ntype = \"min_words\"\nmin = 5\nmnx = 3\n",
            "p.toml",
        )
        .expect_err("unknown key");
        let msg = err.to_string();
        assert!(
            msg.contains("mnx") && msg.contains("p.toml") && msg.contains("stages[0]"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_type_and_bad_value_are_errors() {
        let err = PipelineConfig::from_toml("[[stages]]\ntype = \"nope\"\n", "p.toml")
            .expect_err("unknown type");
        assert!(err.to_string().contains("nope"), "{err}");
        let err = PipelineConfig::from_toml("[[stages]]\ntype = \"min_words\"\nmin = 0\n", "p")
            .expect_err("min 0");
        assert!(err.to_string().contains("`min`"), "{err}");
        let err = PipelineConfig::from_toml("[[stages]]\ntype = \"min_words\"\nmin = \"x\"\n", "p")
            .expect_err("wrong type");
        assert!(err.to_string().contains("stages[0]"), "{err}");
    }

    #[test]
    fn round_trips_through_toml() {
        let text = "description = \"d\"\n[[stages]]\ntype = \"line_regex\"\nname = \"ads\"\npatterns = ['^x$']\n\n[[stages]]\ntype = \"min_words\"\nmin = 5\n";
        let cfg = PipelineConfig::from_toml(text, "p").expect("valid");
        assert_eq!(cfg.stage_names(), vec!["ads", "min_words"]);
        let again = PipelineConfig::from_toml(&cfg.to_toml(), "p").expect("valid");
        assert_eq!(cfg, again);
    }
}
