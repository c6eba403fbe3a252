//! Character encoding of a page: declared, sniffed or guessed.

use encoding_rs::{Encoding, UTF_8};

/// A page decoded to Unicode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The page as text (malformed sequences replaced by U+FFFD).
    pub text: String,
    /// Canonical name of the encoding used (WHATWG label, e.g. `"Shift_JIS"`).
    pub encoding: &'static str,
    /// How the encoding was found: `"bom"`, `"http"`, `"meta"`, `"utf-8"`
    /// (the bytes are valid UTF-8) or `"guess"` (chardetng).
    pub how: &'static str,
    /// Whether malformed byte sequences were replaced.
    pub had_errors: bool,
}

/// How far into a page `<meta charset>` is looked for. The HTML standard's
/// prescan stops at 1024 bytes; real pages put long `<head>`s first, so look
/// further (the cost is a byte scan).
const META_SCAN: usize = 16 * 1024;

/// Decode a page. `content_type` is the HTTP `Content-Type` header, if any.
///
/// Order (as browsers do, minus their user-locale default): byte-order mark,
/// the HTTP charset, `<meta charset>` / `<meta http-equiv>`, then valid UTF-8,
/// then chardetng's guess. A declared UTF-8 that is not valid UTF-8 is
/// treated as undeclared (mislabelled pages are common in crawls).
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return run(enc, &bytes[bom_len..], "bom");
    }
    let declared = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .map(|e| (e, "http"))
        .or_else(|| meta_charset(bytes).map(|e| (e, "meta")));
    if let Some((enc, how)) = declared {
        // A page cannot declare UTF-16 in ASCII-compatible bytes (HTML spec).
        let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            UTF_8
        } else {
            enc
        };
        if enc != UTF_8 || std::str::from_utf8(bytes).is_ok() {
            return run(enc, bytes, how);
        }
    }
    if std::str::from_utf8(bytes).is_ok() {
        return run(UTF_8, bytes, "utf-8");
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    det.feed(bytes, true);
    run(
        det.guess(None, chardetng::Utf8Detection::Allow),
        bytes,
        "guess",
    )
}

fn run(enc: &'static Encoding, bytes: &[u8], how: &'static str) -> Decoded {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: enc.name(),
        how,
        had_errors,
    }
}

/// The `charset=` parameter of a `Content-Type` value.
fn charset_param(ct: &str) -> Option<String> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).trim().to_string())
            .filter(|v| !v.is_empty())
    })
}

/// Encoding declared by a `<meta>` tag near the start of the page.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_SCAN)];
    let mut at = 0;
    while let Some(i) = find_ci(&head[at..], b"<meta") {
        let start = at + i + 5;
        let end = memchr::memchr(b'>', &head[start..]).map_or(head.len(), |e| start + e);
        let tag = &head[start..end];
        if let Some(c) = find_ci(tag, b"charset") {
            let rest = &tag[c + 7..];
            let rest = trim_ascii_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_ascii_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let len = rest
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || b"-_.:".contains(b)))
                    .unwrap_or(rest.len());
                if let Some(enc) = Encoding::for_label(&rest[..len]) {
                    return Some(enc);
                }
            }
        }
        at = end;
    }
    None
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// Case-insensitive (ASCII) search for a lowercase needle.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut from = 0;
    while from + needle.len() <= hay.len() {
        let i = memchr::memchr2(first, first.to_ascii_uppercase(), &hay[from..])?;
        let s = from + i;
        if s + needle.len() <= hay.len() && hay[s..s + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(s);
        }
        from = s + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_header_wins_over_meta() {
        let page = b"<meta charset=utf-8><p>\xe9t\xe9</p>";
        let d = decode(page, Some("text/html; charset=ISO-8859-1"));
        assert_eq!((d.encoding, d.how), ("windows-1252", "http"));
        assert!(d.text.contains("été"));
    }

    #[test]
    fn meta_http_equiv_is_read() {
        let page = "<html><head><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=Shift_JIS\"></head><body>日本語のテキスト</body></html>";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(page);
        let d = decode(&bytes, None);
        assert_eq!((d.encoding, d.how), ("Shift_JIS", "meta"));
        assert!(d.text.contains("日本語のテキスト"));
        assert!(!d.had_errors);
    }

    #[test]
    fn undeclared_legacy_encoding_is_guessed() {
        let text = "Съешь же ещё этих мягких французских булок, да выпей чаю. \
                    Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        let d = decode(&bytes, None);
        assert_eq!((d.encoding, d.how), ("windows-1251", "guess"));
        assert_eq!(d.text, text);
    }

    #[test]
    fn mislabelled_utf8_falls_back_to_a_guess() {
        let d = decode(
            b"<meta charset=\"utf-8\">Caf\xe9 cr\xe8me br\xfbl\xe9e",
            None,
        );
        assert_eq!(d.how, "guess");
        assert!(d.text.contains("Café crème brûlée"), "{}", d.text);
    }

    #[test]
    fn bom_and_plain_utf8() {
        let d = decode(b"\xef\xbb\xbfhello", Some("text/html; charset=latin1"));
        assert_eq!((d.text.as_str(), d.how), ("hello", "bom"));
        let d = decode("naïve".as_bytes(), None);
        assert_eq!((d.encoding, d.how), ("UTF-8", "utf-8"));
    }

    #[test]
    fn odd_input_never_panics() {
        for page in [
            &b""[..],
            b"<meta",
            b"<meta charset",
            b"<meta charset=",
            b"<META charset='",
        ] {
            let _ = decode(page, Some("text/html; charset"));
        }
    }
}
