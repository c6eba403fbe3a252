//! Web archives: WARC 1.0/1.1 (and the older ARC) in, documents out.
//!
//! Framing is per record: a `WARC/1.x` line, header fields, a blank line,
//! `Content-Length` bytes of block, two line breaks. Files are plain or
//! gzip-compressed (one member per record, as Common Crawl writes them, or one
//! member for the whole file); a corrupt gzip member costs the records in it,
//! and reading resumes at the next member.
//!
//! What becomes a document:
//!
//! * `response` records holding HTTP responses: the HTTP body is de-chunked
//!   and un-gzipped if needed, decoded to Unicode ([`sift_html::decode`]) and,
//!   for HTML, reduced to its main text by the configured
//!   [`sift_html::Extractor`]. `text/plain` bodies are kept as they are.
//! * `conversion` records (WET files: text Common Crawl already extracted) and
//!   `resource` records with a text or HTML content type.
//! * ARC records (`URL IP DATE TYPE LENGTH` header lines) like responses.
//!
//! Documents carry the fields `id` (the `WARC-Record-ID`), `url`, `date`,
//! `content_type` and, for decoded pages, `charset`.
//!
//! Records that are not content by definition — `warcinfo`, `request`,
//! `metadata`, `revisit`, `continuation` and the ARC file header — are
//! passed over. Everything else that cannot become a document is a
//! [`Rejected`] record with its position (record number and byte offset in
//! the decompressed stream; for gzip files the error also names the
//! compressed offset of the gzip member, where `zcat`/`dd` can find it):
//! malformed headers, truncated blocks, broken compression, HTTP errors,
//! non-text payloads and pages with no extractable text. A malformed record
//! never stops the reader: it looks for the next `WARC/` line.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use serde_json::{Map, Value};
use sift_core::{Document, Origin};
use sift_html::Extractor;

use crate::compression::{decoder, Codec};
use crate::gzmembers::GzMembers;
use crate::jsonl::{FieldNames, Record, Rejected};
use crate::Error;

/// Longest header line accepted (bytes).
const MAX_LINE: u64 = 64 * 1024;
/// Most header bytes per record.
const MAX_HEADER: usize = 1 << 20;
/// Largest record block read into memory; larger blocks are skipped and
/// rejected (Common Crawl truncates payloads at 1 MiB).
pub const MAX_BLOCK: u64 = 64 << 20;
/// Largest decompressed HTTP body (`Content-Encoding: gzip`) accepted.
const MAX_BODY: u64 = 64 << 20;
/// Bytes of a non-document payload kept in a rejection.
const RAW_PREVIEW: usize = 4096;

enum Stream<R: Read> {
    Gzip(Box<BufReader<GzMembers<R>>>),
    Other(Box<dyn BufRead + Send>),
}

/// Reads documents from a WARC, WET or ARC stream.
pub struct WarcReader<R: Read> {
    stream: Stream<R>,
    source: Arc<str>,
    fields: FieldNames,
    extractor: Extractor,
    /// Decompressed bytes consumed.
    offset: u64,
    /// Records seen (1-based number of the current one).
    index: u64,
    /// A header line read while resynchronising, to be parsed next.
    pending: Option<(Vec<u8>, u64)>,
    done: bool,
}

/// A failure inside one record: becomes a rejection.
struct Bad {
    kind: &'static str,
    msg: String,
    raw: Vec<u8>,
    /// Whether the stream position is lost (look for the next `WARC/` line).
    resync: bool,
}

fn bad(kind: &'static str, msg: impl Into<String>, raw: &[u8]) -> Bad {
    Bad {
        kind,
        msg: msg.into(),
        raw: raw[..raw.len().min(RAW_PREVIEW)].to_vec(),
        resync: false,
    }
}

// Short-lived, moved once per record: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Step {
    Record(Record),
    Skip,
    Eof,
}

/// Parsed header fields of one record, in order.
struct Headers(Vec<(String, String)>);

impl Headers {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl<R: Read + Send> WarcReader<R> {
    /// Read `raw` compressed with `codec`; HTML goes through `extractor`.
    pub fn new(
        raw: R,
        codec: Codec,
        source: Arc<str>,
        fields: FieldNames,
        extractor: Extractor,
    ) -> io::Result<Self>
    where
        R: 'static,
    {
        let stream = match codec {
            Codec::Gzip => Stream::Gzip(Box::new(BufReader::with_capacity(
                1 << 16,
                GzMembers::new(raw),
            ))),
            other => Stream::Other(decoder(raw, other)?),
        };
        Ok(Self {
            stream,
            source,
            fields,
            extractor,
            offset: 0,
            index: 0,
            pending: None,
            done: false,
        })
    }
}

impl<R: Read> WarcReader<R> {
    fn buf(&mut self) -> &mut dyn BufRead {
        match &mut self.stream {
            Stream::Gzip(r) => r,
            Stream::Other(r) => r.as_mut(),
        }
    }

    /// One line (with its terminator), at most [`MAX_LINE`] bytes.
    fn line(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        out.clear();
        let n = self.buf().take(MAX_LINE).read_until(b'\n', out)?;
        self.offset += n as u64;
        Ok(n)
    }

    /// Where a rejection at decompressed `offset` is, for humans.
    fn position(&mut self, offset: u64) -> String {
        match &mut self.stream {
            Stream::Gzip(r) => match r.get_mut().member_of(offset) {
                Some(c) => format!(
                    "record {} at decompressed byte {offset} (gzip member at file byte {c})",
                    self.index
                ),
                None => format!("record {} at decompressed byte {offset}", self.index),
            },
            Stream::Other(_) => format!("record {} at byte {offset}", self.index),
        }
    }

    fn reject(&mut self, offset: u64, b: Bad) -> Record {
        let msg = format!("{}: {}", self.position(offset), b.msg);
        Record::Rejected(Rejected::new(
            &self.source,
            self.index,
            offset,
            b.kind,
            msg,
            &b.raw,
        ))
    }

    /// Skip lines up to the next one starting with `WARC/` (kept as pending).
    /// Returns the bytes skipped (capped) for the rejection.
    fn resync(&mut self) -> io::Result<Vec<u8>> {
        let mut skipped = Vec::new();
        let mut line = Vec::new();
        loop {
            let at = self.offset;
            if self.line(&mut line)? == 0 {
                return Ok(skipped);
            }
            if line.starts_with(b"WARC/") {
                self.pending = Some((std::mem::take(&mut line), at));
                return Ok(skipped);
            }
            if skipped.len() < RAW_PREVIEW {
                skipped.extend_from_slice(&line[..line.len().min(RAW_PREVIEW)]);
            }
        }
    }

    /// Read one record; errors are I/O or decompression failures.
    fn step(&mut self, start: &mut u64) -> io::Result<Step> {
        let mut line = Vec::new();
        // Skip blank lines between records.
        let first = loop {
            if let Some((l, at)) = self.pending.take() {
                *start = at;
                break l;
            }
            *start = self.offset;
            if self.line(&mut line)? == 0 {
                return Ok(Step::Eof);
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                break std::mem::take(&mut line);
            }
        };
        self.index += 1;
        let at = *start;
        if first.starts_with(b"WARC/") {
            return self.warc_record(at);
        }
        if let Some(arc) = ArcHeader::parse(&first) {
            return self.arc_record(at, arc, &first);
        }
        // Not a record start: report the garbage up to the next record.
        let mut raw = first;
        raw.extend(self.resync()?);
        Ok(Step::Record(self.reject(
            at,
            bad(
                "warc_garbage",
                "expected a `WARC/` version line; skipped to the next record",
                &raw,
            ),
        )))
    }

    fn warc_record(&mut self, at: u64) -> io::Result<Step> {
        let mut head: Vec<(String, String)> = Vec::new();
        let mut raw_head = Vec::new();
        let mut line = Vec::new();
        loop {
            let n = self.line(&mut line)?;
            raw_head.extend_from_slice(&line);
            if n == 0 {
                let b = bad(
                    "truncated_record",
                    "input ends inside the record header",
                    &raw_head,
                );
                return Ok(Step::Record(self.reject(at, b)));
            }
            let l = trim_eol(&line);
            if l.is_empty() {
                break;
            }
            if raw_head.len() > MAX_HEADER || !line.ends_with(b"\n") {
                let mut b = bad(
                    "warc_bad_header",
                    "header too long or unterminated line",
                    &raw_head,
                );
                b.resync = true;
                return self.bad_record(at, b);
            }
            if (l[0] == b' ' || l[0] == b'\t') && !head.is_empty() {
                if let Some(last) = head.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(String::from_utf8_lossy(l).trim());
                }
                continue;
            }
            let Some(colon) = memchr::memchr(b':', l) else {
                let mut b = bad(
                    "warc_bad_header",
                    format!(
                        "header line without `:`: {:?}",
                        String::from_utf8_lossy(&l[..l.len().min(80)])
                    ),
                    &raw_head,
                );
                b.resync = true;
                return self.bad_record(at, b);
            };
            head.push((
                String::from_utf8_lossy(&l[..colon]).trim().to_string(),
                String::from_utf8_lossy(&l[colon + 1..]).trim().to_string(),
            ));
        }
        let head = Headers(head);
        let len = match head.get("Content-Length").map(|v| v.parse::<u64>()) {
            Some(Ok(n)) => n,
            Some(Err(_)) | None => {
                let mut b = bad(
                    "warc_bad_header",
                    "missing or invalid Content-Length",
                    &raw_head,
                );
                b.resync = true;
                return self.bad_record(at, b);
            }
        };
        let block = match self.block(len, &raw_head)? {
            Ok(b) => b,
            Err(b) => return Ok(Step::Record(self.reject(at, b))),
        };
        let kind = head.get("WARC-Type").unwrap_or("").to_ascii_lowercase();
        let meta = Meta {
            id: head.get("WARC-Record-ID").map(str::to_string),
            url: head.get("WARC-Target-URI").map(str::to_string),
            date: head.get("WARC-Date").map(str::to_string),
        };
        let ctype = head.get("Content-Type").unwrap_or("").to_string();
        let result = match kind.as_str() {
            "response" if mime(&ctype).starts_with("application/http") => {
                self.http_document(meta, &block)
            }
            "response" | "resource" => self.payload_document(meta, &ctype, &block),
            "conversion" => Ok(self.text_document(meta, &ctype, &block)),
            "warcinfo" | "request" | "metadata" | "revisit" | "continuation" => {
                return Ok(Step::Skip)
            }
            "" => Err(bad("warc_bad_header", "missing WARC-Type", &raw_head)),
            other => Err(bad(
                "warc_unknown_type",
                format!("unknown WARC-Type `{other}`"),
                &raw_head,
            )),
        };
        Ok(Step::Record(self.finish(at, result)))
    }

    fn arc_record(&mut self, at: u64, arc: ArcHeader, line: &[u8]) -> io::Result<Step> {
        let block = match self.block(arc.len, line)? {
            Ok(b) => b,
            Err(b) => return Ok(Step::Record(self.reject(at, b))),
        };
        if arc.url.starts_with("filedesc:") {
            return Ok(Step::Skip);
        }
        let meta = Meta {
            id: None,
            date: Some(arc.date),
            url: Some(arc.url),
        };
        let result = if block.starts_with(b"HTTP/") {
            self.http_document(meta, &block)
        } else {
            self.payload_document(meta, &arc.ctype, &block)
        };
        Ok(Step::Record(self.finish(at, result)))
    }

    fn finish(&mut self, at: u64, result: Result<Document, Bad>) -> Record {
        match result {
            Ok(mut doc) => {
                doc.origin = Origin {
                    source: self.source.clone(),
                    line: self.index,
                    byte_offset: at,
                    bytes: self.offset - at,
                };
                Record::Doc(doc)
            }
            Err(b) => self.reject(at, b),
        }
    }

    fn bad_record(&mut self, at: u64, mut b: Bad) -> io::Result<Step> {
        if b.resync {
            let skipped = self.resync()?;
            if b.raw.len() < RAW_PREVIEW {
                let room = RAW_PREVIEW - b.raw.len();
                b.raw.extend_from_slice(&skipped[..skipped.len().min(room)]);
            }
        }
        Ok(Step::Record(self.reject(at, b)))
    }

    /// Read a block of `len` bytes and the line breaks after it.
    fn block(&mut self, len: u64, head: &[u8]) -> io::Result<Result<Vec<u8>, Bad>> {
        if len > MAX_BLOCK {
            let skipped = io::copy(&mut self.buf().take(len), &mut io::sink())?;
            self.offset += skipped;
            return Ok(Err(bad(
                "record_too_large",
                format!("block of {len} bytes is larger than the {MAX_BLOCK}-byte limit"),
                head,
            )));
        }
        let mut block = Vec::with_capacity(len.min(1 << 20) as usize);
        let got = self.buf().take(len).read_to_end(&mut block)?;
        self.offset += got as u64;
        if (got as u64) < len {
            let mut raw = head.to_vec();
            raw.extend_from_slice(&block);
            return Ok(Err(bad(
                "truncated_record",
                format!("Content-Length is {len} but the input ends after {got} bytes"),
                &raw,
            )));
        }
        // The record ends with CRLF CRLF; accept bare LFs and missing ones.
        for _ in 0..2 {
            let b = self.buf();
            let avail = b.fill_buf()?;
            let n = if avail.starts_with(b"\r\n") {
                2
            } else if avail.starts_with(b"\n") {
                1
            } else {
                0
            };
            b.consume(n);
            self.offset += n as u64;
        }
        Ok(Ok(block))
    }

    fn new_doc(&self, meta: Meta, ctype: &str, charset: Option<&str>, text: String) -> Document {
        let mut fields = Map::new();
        let id = meta
            .id
            .unwrap_or_else(|| format!("{}:{}", self.source, self.index));
        fields.insert(self.fields.id.clone(), Value::String(id.clone()));
        let opt = |v: Option<String>| v.map_or(Value::Null, Value::String);
        fields.insert("url".into(), opt(meta.url));
        fields.insert("date".into(), opt(meta.date));
        fields.insert("content_type".into(), Value::String(ctype.to_string()));
        if let Some(c) = charset {
            fields.insert("charset".into(), Value::String(c.to_string()));
        }
        fields.insert(self.fields.text.clone(), Value::Null);
        let mut doc = Document::new(id, text);
        doc.fields = fields;
        doc
    }

    fn http_document(&self, meta: Meta, block: &[u8]) -> Result<Document, Bad> {
        let http = parse_http(block)?;
        if !(200..300).contains(&http.status) {
            return Err(bad(
                "http_status",
                format!("HTTP status {} is not a page", http.status),
                &block[..http.body_at],
            ));
        }
        let mut body = &block[http.body_at..];
        let dechunked;
        if http
            .header("Transfer-Encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            // Some archivers store the de-chunked body under the original
            // header: keep the body as is when it is not chunked after all.
            if let Some(d) = dechunk(body) {
                dechunked = d;
                body = &dechunked;
            }
        }
        let inflated;
        match http
            .header("Content-Encoding")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("") | Some("identity") | Some("none") => {}
            Some("gzip") | Some("x-gzip") | Some("deflate") => {
                // Crawlers often store the decoded body but keep the header.
                if let Some(d) = inflate(body) {
                    inflated = d;
                    body = &inflated;
                }
            }
            Some(other) => {
                return Err(bad(
                    "unsupported_content_encoding",
                    format!("Content-Encoding `{other}` is not supported"),
                    &block[..http.body_at],
                ))
            }
        }
        let ctype = http.header("Content-Type").unwrap_or("").to_string();
        self.payload_document(meta, &ctype, body).map_err(|mut b| {
            if b.kind == "unsupported_content_type" {
                b.raw = block[..http.body_at].to_vec();
            }
            b
        })
    }

    /// A payload with a content type: HTML is extracted, text decoded.
    fn payload_document(&self, meta: Meta, ctype: &str, body: &[u8]) -> Result<Document, Bad> {
        let m = mime(ctype);
        let is_html = m == "text/html"
            || m == "application/xhtml+xml"
            || (m.is_empty() && looks_like_html(body));
        if is_html {
            let decoded = sift_html::decode(body, Some(ctype));
            let url = meta.url.clone();
            let text = self
                .extractor
                .extract(&decoded.text, url.as_deref())
                .map_err(|e| bad("no_main_text", e.to_string(), body))?;
            return Ok(self.new_doc(meta, ctype, Some(decoded.encoding), text));
        }
        if m.starts_with("text/") {
            let decoded = sift_html::decode(body, Some(ctype));
            return Ok(self.new_doc(meta, ctype, Some(decoded.encoding), decoded.text));
        }
        Err(bad(
            "unsupported_content_type",
            format!("content type `{ctype}` is not text or HTML"),
            &body[..body.len().min(256)],
        ))
    }

    /// A WET `conversion` record: the block is already text.
    fn text_document(&self, meta: Meta, ctype: &str, block: &[u8]) -> Document {
        let text = match std::str::from_utf8(block) {
            Ok(t) => t.to_string(),
            Err(_) => sift_html::decode(block, Some(ctype)).text,
        };
        self.new_doc(meta, ctype, None, text)
    }
}

impl<R: Read> Iterator for WarcReader<R> {
    type Item = Result<Record, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            let mut start = self.offset;
            match self.step(&mut start) {
                Ok(Step::Record(r)) => return Some(Ok(r)),
                Ok(Step::Skip) => continue,
                Ok(Step::Eof) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    // Broken compression (or a read error): reject what was
                    // being read, then resume at the next gzip member.
                    if self.index == 0 || start == self.offset {
                        self.index += 1;
                    }
                    let msg =
                        format!("input stream broken (corrupt or truncated compressed data?): {e}");
                    let rec = self.reject(start, bad("stream_error", msg, &[]));
                    let resumed = match &mut self.stream {
                        Stream::Gzip(r) => {
                            let n = r.buffer().len();
                            r.consume(n);
                            self.offset = r.get_ref().produced();
                            r.get_mut().resync()
                        }
                        Stream::Other(_) => Ok(None),
                    };
                    match resumed {
                        Ok(Some(_)) => self.pending = None,
                        Ok(None) => self.done = true,
                        Err(e) => {
                            self.done = true;
                            return Some(Err(Error::io(&*self.source, e)));
                        }
                    }
                    return Some(Ok(rec));
                }
            }
        }
    }
}

struct Meta {
    id: Option<String>,
    url: Option<String>,
    date: Option<String>,
}

/// An ARC v1 record header: `URL IP-address Archive-date Content-type Length`.
struct ArcHeader {
    url: String,
    date: String,
    ctype: String,
    len: u64,
}

impl ArcHeader {
    fn parse(line: &[u8]) -> Option<Self> {
        let line = std::str::from_utf8(trim_eol(line)).ok()?;
        let parts: Vec<&str> = line.split(' ').collect();
        if parts.len() != 5 || !parts[0].contains(':') {
            return None;
        }
        let date = parts[2];
        if date.len() < 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let len = parts[4].parse().ok()?;
        Some(Self {
            url: parts[0].to_string(),
            date: arc_date(date),
            ctype: parts[3].to_string(),
            len,
        })
    }
}

/// `20140216050221` -> `2014-02-16T05:02:21Z` (as in WARC-Date).
fn arc_date(d: &str) -> String {
    if d.len() == 14 {
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            &d[0..4],
            &d[4..6],
            &d[6..8],
            &d[8..10],
            &d[10..12],
            &d[12..14]
        )
    } else {
        d.to_string()
    }
}

fn trim_eol(l: &[u8]) -> &[u8] {
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// Lowercased media type without parameters.
fn mime(ctype: &str) -> String {
    ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|s| {
        let head = &body[s..body.len().min(s + 512)];
        head.starts_with(b"<")
            && (memchr::memmem::find(&head.to_ascii_lowercase(), b"<html").is_some()
                || head.len() >= 9 && head[..9].eq_ignore_ascii_case(b"<!doctype"))
    })
}

struct Http {
    status: u16,
    headers: Vec<(String, String)>,
    body_at: usize,
}

impl Http {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn parse_http(block: &[u8]) -> Result<Http, Bad> {
    let head_end = memchr::memmem::find(block, b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .into_iter()
        .chain(memchr::memmem::find(block, b"\n\n").map(|i| (i, i + 2)))
        .min_by_key(|&(i, _)| i);
    let Some((end, body_at)) = head_end else {
        return Err(bad(
            "bad_http",
            "HTTP response without a header/body separator",
            block,
        ));
    };
    let head = String::from_utf8_lossy(&block[..end]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| status_line.starts_with("HTTP/"));
    let Some(status) = status else {
        return Err(bad(
            "bad_http",
            format!(
                "bad HTTP status line {:?}",
                &status_line[..status_line.len().min(80)]
            ),
            &block[..end],
        ));
    };
    let headers = lines
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    Ok(Http {
        status,
        headers,
        body_at,
    })
}

/// Undo `Transfer-Encoding: chunked`; `None` if `body` is not chunked.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let nl = memchr::memchr(b'\n', body)?;
        let size_line = std::str::from_utf8(&body[..nl]).ok()?;
        let size_hex = size_line.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        body = &body[nl + 1..];
        if size == 0 {
            return Some(out);
        }
        if size > body.len() {
            // Truncated final chunk (payload cut by the crawler): keep it.
            out.extend_from_slice(body);
            return Some(out);
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size..];
        body = body
            .strip_prefix(b"\r\n")
            .or_else(|| body.strip_prefix(b"\n"))
            .unwrap_or(body);
        if body.is_empty() {
            return Some(out);
        }
    }
}

/// gzip or zlib/deflate body, bounded; `None` if it does not decode.
fn inflate(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let ok = if body.starts_with(&[0x1f, 0x8b]) {
        flate2::read::MultiGzDecoder::new(body)
            .take(MAX_BODY)
            .read_to_end(&mut out)
            .is_ok()
    } else {
        flate2::read::ZlibDecoder::new(body)
            .take(MAX_BODY)
            .read_to_end(&mut out)
            .is_ok()
            || {
                out.clear();
                flate2::read::DeflateDecoder::new(body)
                    .take(MAX_BODY)
                    .read_to_end(&mut out)
                    .is_ok()
            }
    };
    (ok && !out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sift_html::ExtractorKind;

    fn read(bytes: &[u8], codec: Codec) -> Vec<Record> {
        read_with(bytes, codec, ExtractorKind::Readability)
    }

    fn read_with(bytes: &[u8], codec: Codec, kind: ExtractorKind) -> Vec<Record> {
        let ex = Extractor::new(kind).expect("extractor");
        WarcReader::new(
            std::io::Cursor::new(bytes.to_vec()),
            codec,
            Arc::from("t.warc"),
            FieldNames::default(),
            ex,
        )
        .expect("reader")
        .map(|r| r.expect("no io error"))
        .collect()
    }

    fn record(kind: &str, extra: &str, block: &str) -> String {
        format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{kind}>\r\nWARC-Target-URI: http://example.com/{kind}\r\nWARC-Date: 2024-01-02T03:04:05Z\r\n{extra}Content-Length: {}\r\n\r\n{block}\r\n\r\n",
            block.len()
        )
    }

    fn kinds(recs: &[Record]) -> Vec<&str> {
        recs.iter()
            .map(|r| match r {
                Record::Doc(_) => "doc",
                Record::Rejected(r) => r.kind,
            })
            .collect()
    }

    #[test]
    fn wet_conversion_records_become_documents_with_warc_fields() {
        let input = record("warcinfo", "", "software: test\r\n")
            + &record(
                "conversion",
                "Content-Type: text/plain\r\n",
                "Line one.\nLine two.",
            );
        let recs = read(input.as_bytes(), Codec::None);
        assert_eq!(kinds(&recs), ["doc"]);
        let Record::Doc(d) = &recs[0] else {
            unreachable!()
        };
        assert_eq!(d.text, "Line one.\nLine two.");
        assert_eq!(d.id, "<urn:uuid:conversion>");
        assert_eq!(d.fields["url"], "http://example.com/conversion");
        assert_eq!(d.fields["date"], "2024-01-02T03:04:05Z");
        assert_eq!(d.fields["content_type"], "text/plain");
        assert_eq!(d.origin.line, 2);
    }

    #[test]
    fn chunked_gzipped_latin1_html_response_is_extracted() {
        let html = "<html><head><title>T</title></head><body><nav>Home | About</nav><article><h1>Caf\u{e9}s</h1>\
            <p>Le caf\u{e9} est une boisson tr\u{e8}s populaire dans le monde entier, bue chaque matin par des millions de personnes qui aiment son go\u{fb}t.</p>\
            <p>Il existe de nombreuses fa\u{e7}ons de le pr\u{e9}parer, de l'espresso au caf\u{e9} filtre, et chaque pays a ses propres traditions.</p></article></body></html>";
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(html);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &latin1).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let mut chunked = Vec::new();
        for c in gz.chunks(100) {
            chunked.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
            chunked.extend_from_slice(c);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let mut block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=iso-8859-1\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
        block.extend_from_slice(&chunked);
        let mut input = format!("WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\nWARC-Target-URI: http://example.fr/\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n", block.len()).into_bytes();
        input.extend_from_slice(&block);
        input.extend_from_slice(b"\r\n\r\n");
        // sift-html's default extractor (density) and Readability.
        for kind in [ExtractorKind::default(), ExtractorKind::Readability] {
            let recs = read_with(&input, Codec::None, kind);
            assert_eq!(kinds(&recs), ["doc"]);
            let Record::Doc(d) = &recs[0] else {
                unreachable!()
            };
            assert!(
                d.text.contains("Le café est une boisson très populaire"),
                "{kind:?}: {}",
                d.text
            );
            assert!(!d.text.contains("Home | About"), "{kind:?}: {}", d.text);
            assert_eq!(d.fields["charset"], "windows-1252");
        }
    }

    #[test]
    fn malformed_records_are_rejected_and_reading_goes_on() {
        let good = record("conversion", "Content-Type: text/plain\r\n", "good text");
        let input = String::from("garbage before\r\nmore garbage\r\n")
            + &good
            + "WARC/1.0\r\nWARC-Type: conversion\r\nno colon here\r\n\r\nbody\r\n\r\n"
            + &good
            + "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: x\r\n\r\nbody\r\n\r\n"
            + &record(
                "response",
                "Content-Type: application/http\r\n",
                "HTTP/1.1 404 Not Found\r\n\r\nnope",
            )
            + &record(
                "response",
                "Content-Type: application/http\r\n",
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x7fPNG",
            )
            + &record("bogus", "", "x")
            + &good
            + "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 100\r\n\r\ncut short";
        let recs = read(input.as_bytes(), Codec::None);
        assert_eq!(
            kinds(&recs),
            [
                "warc_garbage",
                "doc",
                "warc_bad_header",
                "doc",
                "warc_bad_header",
                "http_status",
                "unsupported_content_type",
                "warc_unknown_type",
                "doc",
                "truncated_record"
            ]
        );
        let Record::Rejected(r) = &recs[0] else {
            unreachable!()
        };
        assert_eq!((r.line, r.byte_offset), (1, 0));
        assert!(r.raw.starts_with("garbage before"));
        let Record::Rejected(r) = &recs[2] else {
            unreachable!()
        };
        assert_eq!(r.byte_offset, 30 + good.len() as u64);
        assert!(r.error.contains("without `:`"), "{}", r.error);
    }

    #[test]
    fn corrupt_gzip_member_loses_only_its_record() {
        let gz = |s: &str| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut e, s.as_bytes()).expect("gzip");
            e.finish().expect("gzip")
        };
        let a = gz(&record("conversion", "", "first document"));
        let mut b = gz(&record(
            "conversion",
            "",
            "second document, long enough to corrupt",
        ));
        let c = gz(&record("conversion", "", "third document"));
        let mid = b.len() / 2;
        b[mid] ^= 0x55;
        b[mid + 1] ^= 0xaa;
        let file = [a.clone(), b, c].concat();
        let recs = read(&file, Codec::Gzip);
        let k = kinds(&recs);
        assert_eq!(k.first(), Some(&"doc"));
        assert_eq!(k.last(), Some(&"doc"));
        assert!(k.contains(&"stream_error"), "{k:?}");
        let Record::Doc(last) = &recs[recs.len() - 1] else {
            unreachable!()
        };
        assert_eq!(last.text, "third document");
        let err = recs
            .iter()
            .find_map(|r| match r {
                Record::Rejected(r) if r.kind == "stream_error" => Some(r),
                _ => None,
            })
            .expect("a stream error");
        assert!(
            err.error
                .contains(&format!("gzip member at file byte {}", a.len())),
            "{}",
            err.error
        );
    }

    #[test]
    fn dechunk_and_arc_header() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").as_deref(),
            Some(&b"abcde"[..])
        );
        assert_eq!(dechunk(b"<html>"), None);
        let h =
            ArcHeader::parse(b"http://a.b/ 1.2.3.4 20140216050221 text/html 12\n").expect("arc");
        assert_eq!((h.date.as_str(), h.len), ("2014-02-16T05:02:21Z", 12));
        assert!(ArcHeader::parse(b"some words that are five\n").is_none());
    }
}
