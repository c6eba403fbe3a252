//! Integration tests of sift-filters, built as one binary (`autotests = false`).
//! Fixtures live in `tests/data/` (see its README).

mod junk_lines;
mod spin;
