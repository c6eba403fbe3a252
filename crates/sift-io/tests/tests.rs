//! sift-io integration tests: real files through the public readers.

#[cfg(feature = "warc")]
mod warc;
