//! Integration tests of sift-text (one binary, see STYLE.md).

mod golden;
