//! The benchmarks of the deploytel crates live in this package's `benches/`, each comparing
//! deploytel with its peers or a hand-written baseline in the same run; docs/PERFORMANCE.md
//! says how to rerun them and records the results. The library itself is empty: a package of
//! its own keeps criterion and the peer formatters out of every other build.
//!
//! ```text
//! cargo bench -p deploytel-benches --bench ecs_ratios
//! ```
#![deny(missing_docs)]
