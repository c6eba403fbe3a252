//! Choosing the pipeline: a TOML file, a preset name, or the default preset.

use std::path::Path;

use anyhow::Context;
use sift::pipeline::{presets, PipelineConfig};

/// Load the pipeline from `file` if given, else from `preset`, else `default`.
pub fn load(file: Option<&Path>, preset: Option<&str>) -> anyhow::Result<PipelineConfig> {
    match (file, preset) {
        (Some(_), Some(_)) => anyhow::bail!("give either a pipeline file or --preset, not both"),
        (Some(path), None) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read pipeline file {}", path.display()))?;
            Ok(PipelineConfig::from_toml(
                &text,
                &path.display().to_string(),
            )?)
        }
        (None, preset) => Ok(presets::load(preset.unwrap_or("default"))?),
    }
}
