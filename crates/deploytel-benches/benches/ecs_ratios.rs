//! The ratio of `EcsLayer`'s time to each peer's, measured in interleaved rounds: each round
//! runs deploytel and then the peer on the same workload, and the ratio of the two is taken
//! per round. Load from other programs on a shared machine drifts over seconds, which skews a
//! comparison of benchmarks run one after the other (criterion's groups), but affects both
//! halves of a round alike. Run with `cargo bench -p deploytel-benches --bench ecs_ratios`; results are in
//! docs/PERFORMANCE.md.

#[path = "support/workloads.rs"]
mod workloads;

use std::time::Instant;

use tracing::Dispatch;

/// Rounds per pair; the median and quartiles of their ratios are reported.
const ROUNDS: usize = 41;
/// Events (or spans) per half-round: long enough to dwarf the clock, short enough that load
/// changes little within a round.
const UNITS_PER_ROUND: u64 = 20_000;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and expects a quick run.
    let (rounds, units) = if std::env::args().any(|a| a == "--bench") {
        (ROUNDS, UNITS_PER_ROUND)
    } else {
        (3, 100)
    };
    let formatters = workloads::formatters();
    let (ours_name, ours) = &formatters[0];
    println!("| workload | against | {ours_name} (median ns) | peer (median ns) | ratio: median (quartiles) |");
    println!("|---|---|---|---|---|");
    for (workload, run) in workloads::WORKLOADS {
        for (peer_name, peer) in &formatters[1..] {
            let rounds = paired_rounds(run, ours, peer, rounds, units);
            let ratios = sorted(rounds.iter().map(|(a, b)| a / b).collect());
            let ours_ns = sorted(rounds.iter().map(|(a, _)| *a).collect());
            let peer_ns = sorted(rounds.iter().map(|(_, b)| *b).collect());
            println!(
                "| {workload} | {peer_name} | {:.0} | {:.0} | **{:.3}** ({:.3}–{:.3}) |",
                median(&ours_ns),
                median(&peer_ns),
                median(&ratios),
                ratios[ratios.len() / 4],
                ratios[ratios.len() * 3 / 4],
            );
        }
    }
}

/// Nanoseconds per unit of `ours` and of `peer`, one pair per round, after one warm-up round.
fn paired_rounds(
    run: workloads::Workload,
    ours: &Dispatch,
    peer: &Dispatch,
    rounds: usize,
    units: u64,
) -> Vec<(f64, f64)> {
    let time = |dispatch: &Dispatch| {
        let start = Instant::now();
        run(dispatch, units);
        start.elapsed().as_secs_f64() * 1e9 / units as f64
    };
    time(ours);
    time(peer);
    (0..rounds).map(|_| (time(ours), time(peer))).collect()
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

fn median(sorted: &[f64]) -> f64 {
    sorted[sorted.len() / 2]
}
