//! Multi-member gzip reading that knows where each member starts and can
//! skip past a corrupt member.
//!
//! Web archives (WARC, ARC) are written as one gzip member per record, so a
//! damaged member loses one record, not the rest of the file: after a decode
//! error, [`GzMembers::resync`] scans the compressed bytes for the next gzip
//! header and carries on there.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use flate2::bufread::GzDecoder;

/// Compressed-side buffered reader that counts consumed bytes.
pub(crate) struct PosReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    pos: u64,
}

impl<R: Read> PosReader<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; 1 << 16],
            start: 0,
            end: 0,
            pos: 0,
        }
    }

    /// Make at least `n` bytes available unless the input ends first.
    fn fill_at_least(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.end - self.start < n {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buf.len() < n {
                self.buf.resize(n, 0);
            }
            while self.end < n {
                let got = match self.inner.read(&mut self.buf[self.end..]) {
                    Ok(g) => g,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if got == 0 {
                    break;
                }
                self.end += got;
            }
        }
        Ok(&self.buf[self.start..self.end])
    }
}

impl<R: Read> Read for PosReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for PosReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            self.fill_at_least(1)
        } else {
            Ok(&self.buf[self.start..self.end])
        }
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.end - self.start);
        self.start += amt;
        self.pos += amt as u64;
    }
}

/// Decompressed stream of concatenated gzip members.
pub struct GzMembers<R: Read> {
    /// The reader while between members (`None` while a decoder owns it).
    idle: Option<PosReader<R>>,
    decoder: Option<GzDecoder<PosReader<R>>>,
    /// Decompressed bytes produced so far.
    out_pos: u64,
    /// (decompressed offset, compressed offset) of recent member starts.
    starts: VecDeque<(u64, u64)>,
    /// Set after a decode error until [`GzMembers::resync`].
    failed: bool,
}

impl<R: Read> GzMembers<R> {
    /// Read the members of `raw`.
    pub fn new(raw: R) -> Self {
        Self {
            idle: Some(PosReader::new(raw)),
            decoder: None,
            out_pos: 0,
            starts: VecDeque::new(),
            failed: false,
        }
    }

    /// Decompressed bytes produced so far.
    pub fn produced(&self) -> u64 {
        self.out_pos
    }

    /// Compressed offset of the member holding decompressed byte `at`
    /// (members before it are forgotten: ask in increasing order).
    pub fn member_of(&mut self, at: u64) -> Option<u64> {
        while self.starts.len() > 1 && self.starts[1].0 <= at {
            self.starts.pop_front();
        }
        self.starts.front().filter(|s| s.0 <= at).map(|s| s.1)
    }

    /// After a read error: drop the broken member and move to the next gzip
    /// header in the compressed bytes. Returns the compressed offset where
    /// reading resumes, or `None` at end of input.
    pub fn resync(&mut self) -> io::Result<Option<u64>> {
        let mut r = match (self.decoder.take(), self.idle.take()) {
            (Some(d), _) => d.into_inner(),
            (None, Some(r)) => r,
            (None, None) => return Ok(None),
        };
        self.failed = false;
        loop {
            let avail = r.fill_at_least(3)?;
            if avail.len() < 3 {
                let n = avail.len();
                r.consume(n);
                self.idle = Some(r);
                return Ok(None);
            }
            // Skip the first byte so a header that failed to parse is not
            // found again.
            match memchr::memmem::find(&avail[1..], &[0x1f, 0x8b, 0x08]) {
                Some(i) => {
                    r.consume(i + 1);
                    let at = r.pos;
                    self.idle = Some(r);
                    return Ok(Some(at));
                }
                None => {
                    // Keep the last two bytes: a header may straddle.
                    let n = avail.len() - 2;
                    r.consume(n);
                }
            }
        }
    }
}

impl<R: Read> Read for GzMembers<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other("gzip member is corrupt (resync needed)"));
        }
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.decoder.is_none() {
                let Some(mut r) = self.idle.take() else {
                    return Ok(0);
                };
                if r.fill_buf()?.is_empty() {
                    self.idle = Some(r);
                    return Ok(0);
                }
                self.starts.push_back((self.out_pos, r.pos));
                self.decoder = Some(GzDecoder::new(r));
            }
            let Some(dec) = self.decoder.as_mut() else {
                return Ok(0);
            };
            match dec.read(out) {
                Ok(0) => {
                    if let Some(d) = self.decoder.take() {
                        self.idle = Some(d.into_inner());
                    }
                }
                Ok(n) => {
                    self.out_pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.failed = true;
                    return Err(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
    }

    #[test]
    fn reads_members_and_knows_their_offsets() {
        let (a, b) = (gz(b"first record\n"), gz(b"second\n"));
        let file = [a.clone(), b].concat();
        let mut m = GzMembers::new(&file[..]);
        let mut out = String::new();
        m.read_to_string(&mut out).expect("read");
        assert_eq!(out, "first record\nsecond\n");
        assert_eq!(m.member_of(0), Some(0));
        assert_eq!(m.member_of(13), Some(a.len() as u64));
    }

    #[test]
    fn corrupt_member_is_skipped_after_resync() {
        let (a, mut b, c) = (gz(b"one\n"), gz(b"two two two two\n"), gz(b"three\n"));
        let mid = b.len() / 2;
        b[mid] ^= 0xff;
        b[mid + 1] ^= 0xff;
        let file = [a, b, c].concat();
        let mut m = GzMembers::new(&file[..]);
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let mut errors = 0;
        loop {
            match m.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(_) => {
                    errors += 1;
                    assert!(m.resync().expect("resync").is_some());
                }
            }
        }
        assert_eq!(errors, 1);
        let got = String::from_utf8_lossy(&got);
        assert!(
            got.starts_with("one\n") && got.ends_with("three\n"),
            "{got}"
        );
    }

    #[test]
    fn trailing_garbage_is_an_error_then_eof() {
        let file = [gz(b"ok\n"), b"not gzip at all".to_vec()].concat();
        let mut m = GzMembers::new(&file[..]);
        let mut s = String::new();
        assert!(m.read_to_string(&mut s).is_err());
        assert_eq!(m.resync().expect("resync"), None);
        assert_eq!(m.read(&mut [0u8; 8]).expect("eof"), 0);
    }
}
