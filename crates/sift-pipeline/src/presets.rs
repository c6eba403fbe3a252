//! Built-in pipelines, embedded in the binary (`sift presets`).

use crate::{Error, PipelineConfig};

/// (name, TOML text) of every preset, `default` first.
pub const PRESETS: &[(&str, &str)] = &[
    ("default", include_str!("../presets/default.toml")),
    ("minimal", include_str!("../presets/minimal.toml")),
    ("fineweb", include_str!("../presets/fineweb.toml")),
    ("c4", include_str!("../presets/c4.toml")),
    ("gopher", include_str!("../presets/gopher.toml")),
];

/// Names of the built-in presets.
pub fn names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(n, _)| *n)
}

/// The TOML text of a preset.
pub fn text(name: &str) -> Result<&'static str, Error> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| Error::UnknownPreset(name.to_string()))
}

/// A preset, parsed and validated.
pub fn load(name: &str) -> Result<PipelineConfig, Error> {
    PipelineConfig::from_toml(text(name)?, &format!("preset `{name}`"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_preset_is_valid() {
        for name in super::names() {
            super::load(name).unwrap_or_else(|e| panic!("preset {name}: {e}"));
        }
        assert!(super::load("nope").is_err());
    }
}
