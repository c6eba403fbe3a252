//! Run statistics: counts per stage and per reason, mergeable across shards.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counts for one reason.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReasonCount {
    /// Documents dropped for this reason.
    pub docs: u64,
    /// Lines removed for this reason.
    pub lines: u64,
}

/// Counts for one stage.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct StageStats {
    /// Stage name.
    pub name: String,
    /// Documents that reached the stage.
    pub docs_in: u64,
    /// Documents the stage dropped.
    pub docs_removed: u64,
    /// Documents whose text the stage edited.
    pub docs_edited: u64,
    /// Lines the stage removed.
    pub lines_removed: u64,
    /// Per reason counts.
    pub reasons: BTreeMap<String, ReasonCount>,
}

impl StageStats {
    /// Empty counts for `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Add another shard's counts for the same stage.
    pub fn merge(&mut self, other: &StageStats) {
        self.docs_in += other.docs_in;
        self.docs_removed += other.docs_removed;
        self.docs_edited += other.docs_edited;
        self.lines_removed += other.lines_removed;
        for (reason, c) in &other.reasons {
            let e = self.reasons.entry(reason.clone()).or_default();
            e.docs += c.docs;
            e.lines += c.lines;
        }
    }

    /// Count one dropped document.
    pub fn count_drop(&mut self, reason: &str) {
        self.docs_removed += 1;
        self.reasons.entry(reason.to_string()).or_default().docs += 1;
    }

    /// Count one removed line.
    pub fn count_line(&mut self, reason: &str) {
        self.lines_removed += 1;
        // Look up before inserting: `entry` would allocate the key per line.
        match self.reasons.get_mut(reason) {
            Some(c) => c.lines += 1,
            None => self.reasons.entry(reason.to_string()).or_default().lines += 1,
        }
    }
}

/// Statistics of a run (or of one shard of it).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RunStats {
    /// Records read (documents plus rejected records).
    pub docs_in: u64,
    /// Documents written to `kept/`.
    pub docs_kept: u64,
    /// Documents written to `removed/`.
    pub docs_removed: u64,
    /// Records written to `rejected/`.
    pub docs_rejected: u64,
    /// Decompressed input bytes read.
    pub bytes_in: u64,
    /// Bytes of `text` read (valid documents only).
    pub text_bytes_in: u64,
    /// Bytes of `text` written to `kept/` (after cleaning).
    pub bytes_out: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Per stage counts, in pipeline order.
    pub stages: Vec<StageStats>,
    /// Rejections by error kind.
    #[serde(default)]
    pub rejected: BTreeMap<String, u64>,
}

impl RunStats {
    /// Empty stats with one entry per stage name.
    pub fn for_stages<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            stages: names.into_iter().map(StageStats::new).collect(),
            ..Self::default()
        }
    }

    /// Add another shard's stats (stage lists must match by position).
    pub fn merge(&mut self, other: &RunStats) {
        self.docs_in += other.docs_in;
        self.docs_kept += other.docs_kept;
        self.docs_removed += other.docs_removed;
        self.docs_rejected += other.docs_rejected;
        self.bytes_in += other.bytes_in;
        self.text_bytes_in += other.text_bytes_in;
        self.bytes_out += other.bytes_out;
        if self.stages.is_empty() {
            self.stages = other
                .stages
                .iter()
                .map(|s| StageStats::new(&s.name))
                .collect();
        }
        for (mine, theirs) in self.stages.iter_mut().zip(&other.stages) {
            mine.merge(theirs);
        }
        for (k, v) in &other.rejected {
            *self.rejected.entry(k.clone()).or_default() += v;
        }
    }

    /// Check `docs_in = docs_kept + docs_removed + docs_rejected`.
    pub fn check_invariant(&self) -> Result<(), crate::Error> {
        let out = self.docs_kept + self.docs_removed + self.docs_rejected;
        if self.docs_in == out {
            Ok(())
        } else {
            Err(crate::Error::Invariant(format!(
                "docs_in ({}) != docs_kept ({}) + docs_removed ({}) + docs_rejected ({})",
                self.docs_in, self.docs_kept, self.docs_removed, self.docs_rejected
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_and_invariant_detects_loss() {
        let mut a = RunStats::for_stages(["s"]);
        a.docs_in = 3;
        a.docs_kept = 2;
        a.docs_removed = 1;
        a.stages[0].count_drop("too_short");
        let mut total = RunStats::default();
        total.merge(&a);
        total.merge(&a);
        assert_eq!(total.docs_in, 6);
        assert_eq!(total.stages[0].reasons["too_short"].docs, 2);
        assert!(total.check_invariant().is_ok());
        total.docs_kept -= 1;
        assert!(total.check_invariant().is_err());
    }
}
