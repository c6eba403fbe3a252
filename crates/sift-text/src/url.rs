//! spaCy's `URL_MATCH` (`lang/tokenizer_exceptions.py`), decided without backtracking.
//!
//! The pattern, anchored at both ends and applied to a whitespace-free string:
//!
//! ```text
//! (scheme://)? (userinfo@)? (IPv4 | (label\.)+ tld) (:port)? ([/?#]\S*)?
//! ```
//!
//! * scheme `[\w+\-.]{2,}`; userinfo `\S+(?::\S*)?@`, i.e. anything non-empty up to an `@`;
//! * IPv4: four octets with range rules, refused by negative lookaheads for
//!   10/8, 127/8, 169.254/16, 192.168/16 and 172.16/12;
//! * label `H([H_-]{0,62}H)?` with `H = [A-Za-z0-9\u00a1-\uffff]`;
//! * tld `[ALPHA_LOWER]{2,63}`; port `\d{2,5}` (`\d` is any Unicode decimal digit).
//!
//! Since `.`, `:`, `/`, `?` and `#` are in neither label nor tld characters, the
//! host of a domain-name match ends at the first of `:/?#` and its tld starts
//! after its last `.`, so each host start gives at most one domain candidate.

use crate::class::{self, ALPHA_LOWER};
use crate::pystr;

/// Whether `s` (a whitespace-free token) is a URL for spaCy.
pub(crate) fn is_url(s: &[char]) -> bool {
    // Every alternative of the host needs a `.`.
    if !s.contains(&'.') {
        return false;
    }
    if host_and_rest(s, 0) {
        return true;
    }
    let scheme = s.iter().take_while(|&&c| is_scheme_char(c)).count();
    if scheme >= 2 && s[scheme..].starts_with(&[':', '/', '/']) && host_and_rest(s, scheme + 3) {
        return true;
    }
    // userinfo: at least one char, then `@` (with or without a scheme before it).
    // A host holds no `@` and ends at `:/?#` or the end, so an `@` followed by
    // another `@` before the next of those cannot start one: scanning from the
    // right keeps this linear in the length.
    let mut next_at = usize::MAX;
    let mut next_delim = usize::MAX;
    for q in (1..s.len()).rev() {
        match s[q] {
            '@' => {
                if (next_at > next_delim || next_at == usize::MAX) && host_and_rest(s, q + 1) {
                    return true;
                }
                next_at = q;
            }
            ':' | '/' | '?' | '#' => next_delim = q,
            _ => {}
        }
    }
    false
}

fn is_scheme_char(c: char) -> bool {
    pystr::is_word(c) || matches!(c, '+' | '-' | '.')
}

/// `H`: `[A-Za-z0-9\u00a1-\uffff]`.
fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{a1}'..='\u{ffff}').contains(&c)
}

fn is_dec(c: char) -> bool {
    pystr::is_decimal(c)
}

/// Whether `s[h..]` matches `(IPv4 | domain) (:port)? ([/?#]\S*)? $`.
fn host_and_rest(s: &[char], h: usize) -> bool {
    if h >= s.len() {
        return false;
    }
    if ipv4_allowed(&s[h..]) {
        let mut found = false;
        ipv4_ends(s, h, &mut |e| found = found || rest_ok(s, e));
        if found {
            return true;
        }
    }
    domain_and_rest(s, h)
}

/// Port and path after the host ending at `e`.
fn rest_ok(s: &[char], e: usize) -> bool {
    match s.get(e) {
        None => true,
        Some('/' | '?' | '#') => true,
        Some(':') => {
            let digits = s[e + 1..].iter().take_while(|&&c| is_dec(c)).count();
            (2..=5).contains(&digits)
                && matches!(s.get(e + 1 + digits), None | Some('/' | '?' | '#'))
        }
        Some(_) => false,
    }
}

fn domain_and_rest(s: &[char], h: usize) -> bool {
    let e = s[h..]
        .iter()
        .position(|&c| matches!(c, ':' | '/' | '?' | '#'))
        .map_or(s.len(), |p| h + p);
    let host = &s[h..e];
    let Some(last_dot) = host.iter().rposition(|&c| c == '.') else {
        return false;
    };
    let tld = &host[last_dot + 1..];
    if !(2..=63).contains(&tld.len()) || !tld.iter().all(|&c| class::has(c, ALPHA_LOWER)) {
        return false;
    }
    let labels_ok = host[..last_dot].split(|&c| c == '.').all(|label| {
        let (Some(&first), Some(&last)) = (label.first(), label.last()) else {
            return false;
        };
        label.len() <= 64
            && is_host_char(first)
            && is_host_char(last)
            && label
                .iter()
                .all(|&c| is_host_char(c) || c == '_' || c == '-')
    });
    labels_ok && rest_ok(s, e)
}

/// The negative lookaheads in front of the IPv4 alternative (private and local networks).
fn ipv4_allowed(s: &[char]) -> bool {
    // `(?:\.\d{1,3}){k}` as a lookahead prefix: k-1 dot-separated runs of exactly
    // 1..=3 digits each followed by a dot, then at least one digit.
    fn dotted(s: &[char], k: usize) -> bool {
        let mut i = 0;
        for g in 0..k {
            if s.get(i) != Some(&'.') {
                return false;
            }
            i += 1;
            let run = s[i..].iter().take_while(|&&c| is_dec(c)).count();
            if run == 0 || (g + 1 < k && run > 3) {
                return false;
            }
            i += if g + 1 < k { run } else { 1 };
        }
        true
    }
    let starts = |p: &str| -> Option<&[char]> {
        let n = p.chars().count();
        (s.len() >= n && s.iter().zip(p.chars()).all(|(&a, b)| a == b)).then(|| &s[n..])
    };
    for p in ["10", "127"] {
        if starts(p).is_some_and(|r| dotted(r, 3)) {
            return false;
        }
    }
    for p in ["169.254", "192.168"] {
        if starts(p).is_some_and(|r| dotted(r, 2)) {
            return false;
        }
    }
    if let Some(r) = starts("172.") {
        let second = match r {
            ['1', '6'..='9', ..] | ['3', '0' | '1', ..] => true,
            ['2', d, ..] => is_dec(*d),
            _ => false,
        };
        if second && dotted(&r[2..], 2) {
            return false;
        }
    }
    true
}

/// Octet lengths at `s[p..]` for `[1-9]\d?|1\d\d|2[01]\d|22[0-3]` (first),
/// `1?\d{1,2}|2[0-4]\d|25[0-5]` (middle) or `[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]` (last).
fn octet_lens(s: &[char], p: usize, kind: u8) -> [bool; 4] {
    let c = |i: usize| s.get(p + i).copied().unwrap_or('\0');
    let d = |i: usize| is_dec(c(i));
    let mut lens = [false; 4];
    let nz = ('1'..='9').contains(&c(0));
    match kind {
        0 => {
            lens[1] = nz;
            lens[2] = nz && d(1);
            lens[3] = (c(0) == '1' && d(1) && d(2))
                || (c(0) == '2' && matches!(c(1), '0' | '1') && d(2))
                || (c(0) == '2' && c(1) == '2' && ('0'..='3').contains(&c(2)));
        }
        1 => {
            lens[1] = d(0);
            lens[2] = d(0) && d(1) || (c(0) == '1' && d(1));
            lens[3] = (c(0) == '1' && d(1) && d(2))
                || (c(0) == '2' && ('0'..='4').contains(&c(1)) && d(2))
                || (c(0) == '2' && c(1) == '5' && ('0'..='5').contains(&c(2)));
        }
        _ => {
            lens[1] = nz;
            lens[2] = nz && d(1);
            lens[3] = (c(0) == '1' && d(1) && d(2))
                || (c(0) == '2' && ('0'..='4').contains(&c(1)) && d(2))
                || (c(0) == '2' && c(1) == '5' && ('0'..='4').contains(&c(2)));
        }
    }
    lens
}

/// Calls `f` with every end position of an IPv4 match starting at `h`.
fn ipv4_ends(s: &[char], h: usize, f: &mut dyn FnMut(usize)) {
    fn step(s: &[char], p: usize, octet: usize, f: &mut dyn FnMut(usize)) {
        let kind = match octet {
            0 => 0,
            3 => 2,
            _ => 1,
        };
        let start = if octet == 0 {
            p
        } else if s.get(p) == Some(&'.') {
            p + 1
        } else {
            return;
        };
        for (len, ok) in octet_lens(s, start, kind).into_iter().enumerate() {
            if ok {
                if octet == 3 {
                    f(start + len);
                } else {
                    step(s, start + len, octet + 1, f);
                }
            }
        }
    }
    step(s, h, 0, f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> bool {
        is_url(&s.chars().collect::<Vec<_>>())
    }

    #[test]
    fn urls() {
        for s in [
            "http://foo.com/a?b=c",
            "www.example.org",
            "example.com",
            "foo@bar.com",
            "mailto:x@y.co.uk",
            "https://user:pw@host.io:8080/x",
            "1.2.3.4",
            "8.8.8.8:53",
            "http://223.255.255.254",
            "a.b-c.de#frag",
            "xn--bcher-kva.example",
        ] {
            assert!(url(s), "{s}");
        }
        for s in [
            "10.0.0.1",
            "127.0.0.1",
            "192.168.1.1",
            "172.16.0.1",
            "U.S.A",
            "e.g",
            "foo.Com",
            "foo.com:1",
            "foo.com:123456",
            "foo",
            "a..com",
            "-a.com",
            "foo.c",
            "224.0.0.1x",
        ] {
            assert!(!url(s), "{s}");
        }
    }
}
