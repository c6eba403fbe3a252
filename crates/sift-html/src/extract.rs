//! Main-text extraction: HTML -> the text a reader would read.

use crate::Error;

/// Which extraction algorithm to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExtractorKind {
    /// Mozilla Readability (the `dom_smoothie` port, feature `readability`).
    Readability,
    /// trafilatura's algorithm (the `rs-trafilatura` port, feature
    /// `trafilatura`).
    Trafilatura,
    /// Readability's scoring on sift's own zero-copy parser (no DOM), with
    /// extra boilerplate rules; always compiled in. The default: best F1 and
    /// ~10x the pages/s of `Readability` (see `docs/extraction.md`).
    #[default]
    Density,
}

impl ExtractorKind {
    /// Name used on the command line and in configs.
    pub fn name(self) -> &'static str {
        match self {
            ExtractorKind::Readability => "readability",
            ExtractorKind::Trafilatura => "trafilatura",
            ExtractorKind::Density => "density",
        }
    }

    /// Parse a name given by [`ExtractorKind::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "readability" => Some(ExtractorKind::Readability),
            "trafilatura" => Some(ExtractorKind::Trafilatura),
            "density" => Some(ExtractorKind::Density),
            _ => None,
        }
    }

    /// Whether this build includes the extractor.
    pub fn is_available(self) -> bool {
        match self {
            ExtractorKind::Readability => cfg!(feature = "readability"),
            ExtractorKind::Trafilatura => cfg!(feature = "trafilatura"),
            ExtractorKind::Density => true,
        }
    }
}

/// A configured extractor; cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Extractor {
    kind: ExtractorKind,
}

impl Extractor {
    /// An extractor of `kind`; fails if it was not compiled in.
    pub fn new(kind: ExtractorKind) -> Result<Self, Error> {
        if kind.is_available() {
            Ok(Self { kind })
        } else {
            Err(Error::Unavailable(kind.name()))
        }
    }

    /// The algorithm.
    pub fn kind(&self) -> ExtractorKind {
        self.kind
    }

    /// Main text of `html` (already decoded), paragraphs separated by a
    /// blank line. `url` resolves relative links where the extractor uses it.
    pub fn extract(&self, html: &str, url: Option<&str>) -> Result<String, Error> {
        let text = match self.kind {
            ExtractorKind::Readability => readability(html, url)?,
            ExtractorKind::Trafilatura => trafilatura(html, url)?,
            ExtractorKind::Density => crate::density::extract(html),
        };
        let text = normalize(&text);
        if text.is_empty() {
            return Err(Error::Empty {
                extractor: self.kind.name(),
            });
        }
        Ok(text)
    }
}

#[cfg(feature = "readability")]
fn readability(html: &str, url: Option<&str>) -> Result<String, Error> {
    use dom_smoothie::{Config, Readability, TextMode};
    let fail = |e: dom_smoothie::ReadabilityError| Error::Extraction {
        extractor: "readability",
        message: e.to_string(),
    };
    let cfg = Config {
        text_mode: TextMode::Formatted,
        ..Default::default()
    };
    // A URL that does not parse only loses link resolution.
    let mut r = match Readability::new(html, url, Some(cfg.clone())) {
        Ok(r) => r,
        Err(_) if url.is_some() => Readability::new(html, None, Some(cfg)).map_err(fail)?,
        Err(e) => return Err(fail(e)),
    };
    let article = r.parse().map_err(fail)?;
    Ok(article.text_content.to_string())
}

#[cfg(not(feature = "readability"))]
fn readability(_: &str, _: Option<&str>) -> Result<String, Error> {
    Err(Error::Unavailable("readability"))
}

#[cfg(feature = "trafilatura")]
fn trafilatura(html: &str, _url: Option<&str>) -> Result<String, Error> {
    let r = rs_trafilatura::extract(html).map_err(|e| Error::Extraction {
        extractor: "trafilatura",
        message: e.to_string(),
    })?;
    Ok(r.content_text)
}

#[cfg(not(feature = "trafilatura"))]
fn trafilatura(_: &str, _: Option<&str>) -> Result<String, Error> {
    Err(Error::Unavailable("trafilatura"))
}

/// Trim each line, drop runs of blank lines down to one (paragraph breaks),
/// trim the whole.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_paragraphs() {
        assert_eq!(normalize("  a \n\n\n\n b\nc  \n\n"), "a\n\nb\nc");
        assert_eq!(normalize("\n \n"), "");
    }

    #[test]
    fn names_round_trip() {
        for k in [
            ExtractorKind::Readability,
            ExtractorKind::Trafilatura,
            ExtractorKind::Density,
        ] {
            assert_eq!(ExtractorKind::from_name(k.name()), Some(k));
        }
        assert_eq!(ExtractorKind::from_name("nope"), None);
    }
}
