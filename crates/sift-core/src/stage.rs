//! The stage contract every cleaner and filter implements.
//!
//! Execution model: the runner reads a batch of documents from one input
//! shard, then calls [`Stage::process_batch`] of each stage in pipeline
//! order on the documents still alive. A stage may edit a document's text
//! (cleaners, through [`crate::Document::apply_line_edits`]) and returns a
//! [`Verdict`]; the first `Drop` ends that document's trip, and the runner
//! records the stage name and reason. Stages are shared across threads
//! (`Send + Sync`) and must be deterministic: the same document gives the
//! same verdict whatever the batch or thread.

use std::borrow::Cow;

use crate::Document;

/// Why a document was dropped: a short, stable, snake_case reason code.
pub type Reason = Cow<'static, str>;

/// The outcome of one stage for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Keep the document (possibly edited).
    Keep,
    /// Drop the document for this reason.
    Drop(Reason),
}

impl Verdict {
    /// A drop with a static reason.
    pub const fn drop_static(reason: &'static str) -> Self {
        Verdict::Drop(Cow::Borrowed(reason))
    }

    /// Whether the verdict keeps the document.
    pub fn is_keep(&self) -> bool {
        matches!(self, Verdict::Keep)
    }
}

/// A per-document pipeline stage (cleaner or filter).
pub trait Stage: Send + Sync {
    /// Stage name as written in the pipeline (`type`, or the `name` override).
    fn name(&self) -> &str;

    /// Process one document.
    fn process(&self, doc: &mut Document) -> Verdict;

    /// Process a batch; `out` receives one verdict per document, in order.
    /// Override when a batch can be done faster than one by one.
    fn process_batch(&self, docs: &mut [Document], out: &mut Vec<Verdict>) {
        out.extend(docs.iter_mut().map(|d| self.process(d)));
    }
}
