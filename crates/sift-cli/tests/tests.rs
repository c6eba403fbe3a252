//! End-to-end tests of the `sift` binary on real fixtures (one test binary).

mod bad_input;
mod dedup;
mod eval;
mod report;
mod resume;
mod run;
mod util;
mod web_inputs;
