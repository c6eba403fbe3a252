//! class/id/role/style hints (the patterns are Mozilla Readability's) and
//! named character references.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

const UNLIKELY: u8 = 1;
const MAYBE: u8 = 2;
const POSITIVE: u8 = 4;
const NEGATIVE: u8 = 8;

const UNLIKELY_PATTERNS: &[&str] = &[
    "-ad-",
    "ai2html",
    "banner",
    "breadcrumbs",
    "combx",
    "comment",
    "community",
    "cover-wrap",
    "disqus",
    "extra",
    "footer",
    "gdpr",
    "header",
    "legends",
    "menu",
    "related",
    "remark",
    "replies",
    "rss",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "social",
    "sponsor",
    "supplemental",
    "ad-break",
    "agegate",
    "pagination",
    "pager",
    "popup",
    "yom-remote",
];
/// Added by sift to Readability's list (measured on the real-pages set:
/// +0.009 F1 on the ScrapingHub pages, -0.001 on Readability's own): photo
/// galleries, captions and credits, sign-up and consent boxes, toolbars.
const MORE_UNLIKELY_PATTERNS: &[&str] = &[
    "gallery",
    "slideshow",
    "carousel",
    "caption",
    "credit",
    "newsletter",
    "subscribe",
    "signup",
    "login",
    "toolbar",
    "timestamp",
    "cookie",
    "consent",
    "modal",
    "overlay",
    "promo",
];
const MAYBE_PATTERNS: &[&str] = &[
    "and", "article", "body", "column", "content", "main", "mathjax", "shadow",
];
const POSITIVE_PATTERNS: &[&str] = &[
    "article",
    "body",
    "content",
    "entry",
    "hentry",
    "h-entry",
    "main",
    "page",
    "pagination",
    "post",
    "text",
    "blog",
    "story",
];
const NEGATIVE_PATTERNS: &[&str] = &[
    "-ad-",
    "hidden",
    "banner",
    "combx",
    "comment",
    "com-",
    "contact",
    "footer",
    "gdpr",
    "masthead",
    "media",
    "meta",
    "outbrain",
    "promo",
    "related",
    "scroll",
    "share",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "sponsor",
    "shopping",
    "tags",
    "widget",
];
const BYLINE: u8 = 16;
const BYLINE_PATTERNS: &[&str] = &["byline", "author", "dateline", "writtenby", "p-author"];

const VIDEO_PATTERNS: &[&str] = &[
    "//www.dailymotion.com",
    "//dailymotion.com",
    "//www.youtube.com",
    "//youtube.com",
    "//www.youtube-nocookie.com",
    "//youtube-nocookie.com",
    "//player.vimeo.com",
    "//v.qq.com",
    "//www.bilibili.com",
    "//bilibili.com",
    "//live.bilibili.com",
    "//archive.org",
    "//www.archive.org",
    "//upload.wikimedia.org",
    "//player.twitch.tv",
];

pub(crate) struct Hints {
    ac: AhoCorasick,
    masks: Vec<u8>,
    video: AhoCorasick,
}

/// What a class or id attribute says.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Class {
    pub unlikely: bool,
    pub maybe: bool,
    pub positive: bool,
    pub negative: bool,
    pub share: bool,
    pub byline: bool,
}

impl Class {
    /// Readability's class weight for one attribute.
    pub fn weight(self) -> i16 {
        i16::from(self.positive) * 25 - i16::from(self.negative) * 25
    }
}

pub(crate) fn get() -> &'static Hints {
    static HINTS: OnceLock<Hints> = OnceLock::new();
    HINTS.get_or_init(|| {
        let mut pats: Vec<&str> = Vec::new();
        let mut masks: Vec<u8> = Vec::new();
        for (list, m) in [
            (MORE_UNLIKELY_PATTERNS, UNLIKELY),
            (UNLIKELY_PATTERNS, UNLIKELY),
            (MAYBE_PATTERNS, MAYBE),
            (POSITIVE_PATTERNS, POSITIVE),
            (NEGATIVE_PATTERNS, NEGATIVE),
            (BYLINE_PATTERNS, BYLINE),
        ] {
            for p in list {
                match pats.iter().position(|q| q == p) {
                    Some(k) => masks[k] |= m,
                    None => {
                        pats.push(p);
                        masks.push(m);
                    }
                }
            }
        }
        let build = |pats: &[&str]| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(pats)
                .expect("static patterns build")
        };
        Hints {
            ac: build(&pats),
            masks,
            video: build(VIDEO_PATTERNS),
        }
    })
}

impl Hints {
    pub fn classify(&self, attr: &[u8]) -> Class {
        let mut c = Class::default();
        if attr.is_empty() {
            return c;
        }
        let mut m = 0u8;
        for hit in self.ac.find_overlapping_iter(attr) {
            m |= self.masks[hit.pattern().as_usize()];
        }
        c.unlikely = m & UNLIKELY != 0;
        c.maybe = m & MAYBE != 0;
        c.positive = m & POSITIVE != 0;
        c.negative = m & NEGATIVE != 0
            || attr
                .split(|b| b.is_ascii_whitespace())
                .any(|w| w.eq_ignore_ascii_case(b"hid"));
        c.share = is_share(attr);
        c.byline = m & BYLINE != 0;
        c
    }

    pub fn is_video(&self, src: &[u8]) -> bool {
        !src.is_empty() && self.video.is_match(src)
    }
}

/// `(\b|_)(share|sharedaddy)(\b|_)`, case-insensitive.
fn is_share(attr: &[u8]) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric();
    let n = attr.len();
    let mut i = 0;
    while i + 5 <= n {
        if attr[i..i + 5].eq_ignore_ascii_case(b"share") {
            let before_ok = i == 0 || !word(attr[i - 1]);
            let after = |k: usize| k >= n || !word(attr[k]);
            let daddy = attr
                .get(i..i + 10)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"sharedaddy"));
            if before_ok && (after(i + 5) || (daddy && after(i + 10))) {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// `role` values Readability drops.
pub(crate) fn unlikely_role(role: &[u8]) -> bool {
    [
        &b"menu"[..],
        b"menubar",
        b"complementary",
        b"navigation",
        b"alert",
        b"alertdialog",
        b"dialog",
    ]
    .iter()
    .any(|r| role.eq_ignore_ascii_case(r))
}

/// `display:none` or `visibility:hidden` in a style attribute.
pub(crate) fn style_hidden(style: &[u8]) -> bool {
    if style.len() < 12 {
        return false;
    }
    let mut compact = [0u8; 256];
    let mut n = 0;
    for &c in style {
        if n == compact.len() {
            break;
        }
        if !c.is_ascii_whitespace() {
            compact[n] = c.to_ascii_lowercase();
            n += 1;
        }
    }
    let s = &compact[..n];
    memchr::memmem::find(s, b"display:none").is_some()
        || memchr::memmem::find(s, b"visibility:hidden").is_some()
}

/// The common named character references (the ones seen in page text).
pub(crate) fn named_entity(name: &[u8]) -> Option<char> {
    Some(match name {
        b"amp" | b"AMP" => '&',
        b"lt" | b"LT" => '<',
        b"gt" | b"GT" => '>',
        b"quot" | b"QUOT" => '"',
        b"apos" => '\'',
        b"nbsp" => '\u{a0}',
        b"ensp" => '\u{2002}',
        b"emsp" => '\u{2003}',
        b"thinsp" => '\u{2009}',
        b"zwnj" => '\u{200c}',
        b"zwj" => '\u{200d}',
        b"lrm" => '\u{200e}',
        b"rlm" => '\u{200f}',
        b"shy" => '\u{ad}',
        b"ndash" => '–',
        b"mdash" => '—',
        b"lsquo" => '‘',
        b"rsquo" => '’',
        b"sbquo" => '‚',
        b"ldquo" => '“',
        b"rdquo" => '”',
        b"bdquo" => '„',
        b"laquo" => '«',
        b"raquo" => '»',
        b"lsaquo" => '‹',
        b"rsaquo" => '›',
        b"hellip" => '…',
        b"bull" => '•',
        b"middot" => '·',
        b"prime" => '′',
        b"Prime" => '″',
        b"dagger" => '†',
        b"Dagger" => '‡',
        b"permil" => '‰',
        b"copy" => '©',
        b"reg" => '®',
        b"trade" => '™',
        b"deg" => '°',
        b"plusmn" => '±',
        b"times" => '×',
        b"divide" => '÷',
        b"minus" => '−',
        b"frac12" => '½',
        b"frac14" => '¼',
        b"frac34" => '¾',
        b"sup1" => '¹',
        b"sup2" => '²',
        b"sup3" => '³',
        b"micro" => 'µ',
        b"para" => '¶',
        b"sect" => '§',
        b"cent" => '¢',
        b"pound" => '£',
        b"euro" => '€',
        b"yen" => '¥',
        b"curren" => '¤',
        b"iexcl" => '¡',
        b"iquest" => '¿',
        b"ordf" => 'ª',
        b"ordm" => 'º',
        b"not" => '¬',
        b"macr" => '¯',
        b"acute" => '´',
        b"cedil" => '¸',
        b"uml" => '¨',
        b"larr" => '←',
        b"rarr" => '→',
        b"uarr" => '↑',
        b"darr" => '↓',
        b"harr" => '↔',
        b"hearts" => '♥',
        b"infin" => '∞',
        b"ne" => '≠',
        b"le" => '≤',
        b"ge" => '≥',
        b"asymp" => '≈',
        b"alpha" => 'α',
        b"beta" => 'β',
        b"gamma" => 'γ',
        b"delta" => 'δ',
        b"pi" => 'π',
        b"sigma" => 'σ',
        b"mu" => 'μ',
        b"Agrave" => 'À',
        b"Aacute" => 'Á',
        b"Acirc" => 'Â',
        b"Atilde" => 'Ã',
        b"Auml" => 'Ä',
        b"Aring" => 'Å',
        b"AElig" => 'Æ',
        b"Ccedil" => 'Ç',
        b"Egrave" => 'È',
        b"Eacute" => 'É',
        b"Ecirc" => 'Ê',
        b"Euml" => 'Ë',
        b"Igrave" => 'Ì',
        b"Iacute" => 'Í',
        b"Icirc" => 'Î',
        b"Iuml" => 'Ï',
        b"ETH" => 'Ð',
        b"Ntilde" => 'Ñ',
        b"Ograve" => 'Ò',
        b"Oacute" => 'Ó',
        b"Ocirc" => 'Ô',
        b"Otilde" => 'Õ',
        b"Ouml" => 'Ö',
        b"Oslash" => 'Ø',
        b"Ugrave" => 'Ù',
        b"Uacute" => 'Ú',
        b"Ucirc" => 'Û',
        b"Uuml" => 'Ü',
        b"Yacute" => 'Ý',
        b"THORN" => 'Þ',
        b"szlig" => 'ß',
        b"agrave" => 'à',
        b"aacute" => 'á',
        b"acirc" => 'â',
        b"atilde" => 'ã',
        b"auml" => 'ä',
        b"aring" => 'å',
        b"aelig" => 'æ',
        b"ccedil" => 'ç',
        b"egrave" => 'è',
        b"eacute" => 'é',
        b"ecirc" => 'ê',
        b"euml" => 'ë',
        b"igrave" => 'ì',
        b"iacute" => 'í',
        b"icirc" => 'î',
        b"iuml" => 'ï',
        b"eth" => 'ð',
        b"ntilde" => 'ñ',
        b"ograve" => 'ò',
        b"oacute" => 'ó',
        b"ocirc" => 'ô',
        b"otilde" => 'õ',
        b"ouml" => 'ö',
        b"oslash" => 'ø',
        b"ugrave" => 'ù',
        b"uacute" => 'ú',
        b"ucirc" => 'û',
        b"uuml" => 'ü',
        b"yacute" => 'ý',
        b"thorn" => 'þ',
        b"yuml" => 'ÿ',
        b"OElig" => 'Œ',
        b"oelig" => 'œ',
        b"Scaron" => 'Š',
        b"scaron" => 'š',
        b"Yuml" => 'Ÿ',
        b"fnof" => 'ƒ',
        b"circ" => 'ˆ',
        b"tilde" => '˜',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_hints() {
        let h = get();
        let c = h.classify(b"site-Sidebar widget");
        assert!(c.unlikely && c.negative && !c.maybe);
        let c = h.classify(b"main-content");
        assert!(c.maybe && c.positive && c.weight() == 25);
        assert!(h.classify(b"x hid").negative);
        assert!(!h.classify(b"hidx").negative);
        assert!(is_share(b"social share-buttons"));
        assert!(is_share(b"sharedaddy"));
        assert!(!is_share(b"shared-content"));
    }

    #[test]
    fn style_and_role() {
        assert!(style_hidden(b"color: red; display: none"));
        assert!(!style_hidden(b"display:block;margin:0"));
        assert!(unlikely_role(b"Navigation"));
        assert!(!unlikely_role(b"main"));
    }
}
