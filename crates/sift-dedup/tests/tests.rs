//! Integration tests of sift-dedup (one test binary).

mod datatrove;
mod group;
mod prop;
mod real;
