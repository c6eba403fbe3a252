//! `minhash_dedup`: remove near-duplicate documents (MinHash + LSH).
//!
//! Signatures as datatrove computes them ([`crate::minhash`]); two
//! documents are *candidates* when all `rows` values of some band are equal
//! (within a band, records sorted by (values, input order) and each paired
//! with the previous equal one, as datatrove does). By default
//! (`keep = "first"`) documents are decided in input order and one is
//! removed only as a duplicate of a kept candidate whose estimated Jaccard
//! similarity to it reaches `threshold` (verified clustering, no chains);
//! `keep = "datatrove"` joins all candidates with union-find and keeps the
//! document datatrove keeps (union by size). Removed documents get reason
//! `near_duplicate` and `sift.duplicate_of`, `sift.duplicate_cluster =
//! "<stage>:<n>"` and `sift.duplicate_similarity`, which estimates the Jaccard
//! similarity to the kept document (share of equal signature values) and
//! `n` numbers clusters in the input order of their first removed member.
//! Documents with fewer than `n_grams` words have no signature and are
//! never removed.

use crate::minhash::{MinHashParams, MinHasher};
use crate::{DedupKind, DedupStage, Error};

/// Reason of a removed document.
pub const REASON: &str = "near_duplicate";

/// Configuration of [`MinHashDedup`]: the signature parameters (datatrove's
/// `MinhashConfig()` defaults: 5-grams, 14 bands x 8 rows, seed 1).
pub type MinHashDedupConfig = MinHashParams;

impl MinHashParams {
    /// Build the stage.
    pub fn build(&self, name: &str) -> Result<DedupStage, Error> {
        Ok(DedupStage::new(
            name,
            DedupKind::MinHash(MinHashDedup {
                hasher: MinHasher::new(self.clone())?,
            }),
        ))
    }
}

/// Built `minhash_dedup`.
#[derive(Debug, Clone)]
pub struct MinHashDedup {
    hasher: MinHasher,
}

impl MinHashDedup {
    /// The signature computer.
    pub fn hasher(&self) -> &MinHasher {
        &self.hasher
    }
}
