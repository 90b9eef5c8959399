//! The cost of the redactor's value scan per KiB, against the cost of escaping the same value,
//! at 1 KiB, 64 KiB and 1 MiB: the scan must stay linear and within twice the escaping. The
//! value is a deploy tool's output (Ansible and Terraform lines, full of `:`, `=` and `[`,
//! which the scan must look at) with no secret in it, so the scan reads all of it.
//!
//! Three measurements per size: one event with the value as its only field through `EcsLayer`
//! with redaction off (escaping and the fixed cost of an event), the same with the default
//! redactor (scan + escaping), and `Redactor::find_secret` alone (the scan). Criterion times
//! each; then, since load on a shared machine drifts between criterion's groups, the scan and
//! the escaping are timed again in interleaved rounds and their ratio is taken per round (as in
//! `ecs_ratios`). Run with `cargo bench -p deploytel-benches --bench redaction_scan`; results are in
//! docs/PERFORMANCE.md.

// Only the layer constructor is used here.
#[allow(dead_code)]
#[path = "support/workloads.rs"]
mod workloads;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput};
use deploytel_ecs::Redactor;
use tracing::Dispatch;

const SIZES: [(&str, usize); 3] = [("1 KiB", 1 << 10), ("64 KiB", 64 << 10), ("1 MiB", 1 << 20)];

const OUTPUT_LINES: [&str; 7] = [
    "TASK [install_packages : Install nginx] ***************************************",
    "ok: [web-01] => (item=nginx) => {\"changed\": false, \"item\": \"nginx\"}",
    "changed: [web-02] => {\"ansible_facts\": {\"discovered_interpreter_python\": \"/usr/bin/python3\"}}",
    "aws_instance.web[0]: Creation complete after 42s [id=i-0abc123def4567890]",
    "Plan: 3 to add, 1 to change, 0 to destroy.",
    "  + ami                          = \"ami-0c55b159cbfafe1f0\"",
    "2026-12-01T15:34:12Z INFO deploy: rolling restart of billing 3/12 done (elapsed=4.2s)",
];

/// `len` bytes of command output, whole lines cut at the end.
fn command_output(len: usize) -> String {
    let mut output = String::with_capacity(len + 128);
    for line in OUTPUT_LINES.iter().cycle() {
        if output.len() >= len {
            break;
        }
        output.push_str(line);
        output.push('\n');
    }
    output.truncate(len);
    output
}

fn value_scan(c: &mut Criterion) {
    let off = workloads::ecs_layer(Redactor::disabled());
    let on = workloads::ecs_layer(Redactor::default());
    let redactor = Redactor::default();
    for (label, size) in SIZES {
        let value = command_output(size);
        assert_eq!(
            redactor.find_secret(&value),
            None,
            "the value holds no secret"
        );
        let mut group = c.benchmark_group(format!("value of {label}"));
        group.throughput(Throughput::Bytes(size as u64));
        if size >= 64 << 10 {
            group.sample_size(20);
        }
        let log = |dispatch: &Dispatch| {
            tracing::dispatcher::with_default(dispatch, || {
                tracing::info!(output = black_box(value.as_str()), "command finished");
            })
        };
        group.bench_function("escaped: EcsLayer, redaction off", |b| b.iter(|| log(&off)));
        group.bench_function("scanned and escaped: EcsLayer, default redactor", |b| {
            b.iter(|| log(&on))
        });
        group.bench_function("scan alone: Redactor::find_secret", |b| {
            b.iter(|| redactor.find_secret(black_box(&value)))
        });
        group.finish();
    }
}

/// Interleaved rounds of the scan alone and of the event with redaction off, per size: the
/// median ratio and its quartiles, with the median time per KiB of each.
fn paired_ratios(rounds: usize) {
    let off = workloads::ecs_layer(Redactor::disabled());
    let redactor = Redactor::default();
    println!("| value | scan (ns per KiB) | escaping (ns per KiB) | scan / escaping: median (quartiles) |");
    println!("|---|---|---|---|");
    for (label, size) in SIZES {
        let value = command_output(size);
        // About a millisecond per half-round.
        let reps = (1 << 20) / size;
        let per_kib = |elapsed: std::time::Duration| {
            elapsed.as_secs_f64() * 1e9 / (reps * size / 1024) as f64
        };
        let scan = || {
            let start = Instant::now();
            for _ in 0..reps {
                black_box(redactor.find_secret(black_box(&value)));
            }
            per_kib(start.elapsed())
        };
        let escape = || {
            let start = Instant::now();
            tracing::dispatcher::with_default(&off, || {
                for _ in 0..reps {
                    tracing::info!(output = black_box(value.as_str()), "command finished");
                }
            });
            per_kib(start.elapsed())
        };
        scan();
        escape();
        let pairs: Vec<(f64, f64)> = (0..rounds).map(|_| (scan(), escape())).collect();
        let sorted = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v
        };
        let ratios = sorted(pairs.iter().map(|(s, e)| s / e).collect());
        let scans = sorted(pairs.iter().map(|p| p.0).collect());
        let escapes = sorted(pairs.iter().map(|p| p.1).collect());
        println!(
            "| {label} | {:.0} | {:.0} | **{:.2}** ({:.2}–{:.2}) |",
            scans[rounds / 2],
            escapes[rounds / 2],
            ratios[rounds / 2],
            ratios[rounds / 4],
            ratios[rounds * 3 / 4],
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and expects a quick run.
    let full = std::env::args().any(|a| a == "--bench");
    let mut criterion = Criterion::default().configure_from_args();
    value_scan(&mut criterion);
    criterion.final_summary();
    paired_ratios(if full { 41 } else { 3 });
}
