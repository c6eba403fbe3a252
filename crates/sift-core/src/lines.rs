//! Lines of a document's text as every stage sees them: split on `\n`
//! (`str::split('\n')` semantics: a trailing newline yields a last empty
//! line), found with a vectorised byte search.

/// The lines of `text`, as `text.split('\n')` yields them.
pub fn split(text: &str) -> Split<'_> {
    Split {
        text,
        nl: memchr::memchr_iter(b'\n', text.as_bytes()),
        start: 0,
        done: false,
    }
}

/// Number of lines of `text` (`text.split('\n').count()`).
pub fn count(text: &str) -> usize {
    memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1
}

/// Whether `b` is an ASCII byte that `char::is_whitespace` accepts (Unicode
/// White_Space: `\t \n \x0b \x0c \r` and space; not `\x1c..=\x1f`).
pub const fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `line.trim()`, decoding only when an end is not ASCII.
pub fn trim(line: &str) -> &str {
    let b = line.as_bytes();
    let edge = |c: &u8| !is_ascii_space(*c);
    let Some(start) = b.iter().position(edge) else {
        return "";
    };
    let end = b.iter().rposition(edge).map_or(b.len(), |e| e + 1);
    if b[start].is_ascii() && b[end - 1].is_ascii() {
        // Both ends are non-space ASCII: nothing Unicode left to trim.
        &line[start..end]
    } else {
        line[start..end].trim()
    }
}

/// Whether `line` is empty or only whitespace (`line.trim().is_empty()`).
pub fn is_blank(line: &str) -> bool {
    trim(line).is_empty()
}

/// Iterator returned by [`split`].
#[derive(Debug)]
pub struct Split<'a> {
    text: &'a str,
    nl: memchr::Memchr<'a>,
    start: usize,
    done: bool,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        match self.nl.next() {
            Some(nl) => {
                let line = self.text.get(self.start..nl);
                self.start = nl + 1;
                line
            }
            None => {
                self.done = true;
                self.text.get(self.start..)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_as_std() {
        for t in [
            "",
            "\n",
            "a",
            "a\n",
            "\na\n\nb",
            " é \n\u{a0}\n\u{3000}x\r\n",
            "\n\n",
        ] {
            assert_eq!(
                split(t).collect::<Vec<_>>(),
                t.split('\n').collect::<Vec<_>>(),
                "{t:?}"
            );
            assert_eq!(count(t), t.split('\n').count(), "{t:?}");
            for l in t.split('\n') {
                assert_eq!(is_blank(l), l.trim().is_empty(), "{l:?}");
            }
        }
        for l in [
            "\u{a0}",
            "\u{2003} \u{85}",
            "\x1c",
            " a",
            "\u{a0}b",
            "  x  ",
            " é ",
            "\r\t",
        ] {
            assert_eq!(is_blank(l), l.trim().is_empty(), "{l:?}");
            assert_eq!(trim(l), l.trim(), "{l:?}");
        }
        for b in 0..=0x7fu8 {
            assert_eq!(is_ascii_space(b), char::from(b).is_whitespace(), "{b:#x}");
        }
    }
}
