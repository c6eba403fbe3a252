//! sift-dedup: exact, near-duplicate (MinHash LSH) and repeated-paragraph
//! deduplication.
#![deny(missing_docs)]
