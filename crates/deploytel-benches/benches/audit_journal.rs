//! Durable audit records per second, and the latency of `record()`, at 1, 4, 16 and 64
//! concurrent recorders: deploytel's journal (group commit: recorders share each
//! `fdatasync`) against the naive writer (one `fdatasync` per record, under a lock), in the
//! same run, on the same disk.
//!
//! ```text
//! cargo bench -p deploytel-benches --bench audit_journal
//! ```
//!
//! Criterion reports throughput; the p50 and p99 latency of each configuration are printed
//! after the group, from every `record()` timed during the measurement.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use deploytel_audit::AuditTrail;

#[path = "support/audit_records.rs"]
mod audit_records;
use audit_records::deployment_finished as event;

const CONCURRENCY: [usize; 4] = [1, 4, 16, 64];

/// The baseline: append the line and `fdatasync`, one record at a time.
struct NaiveWriter {
    file: Mutex<File>,
    line: Vec<u8>,
}

impl NaiveWriter {
    fn record(&self) {
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&self.line).unwrap_or_else(|e| panic!("{e}"));
        file.sync_data().unwrap_or_else(|e| panic!("{e}"));
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploytel-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// Runs `iters` records spread over `threads` recorders; returns the wall time and adds
/// each record's latency to `latencies`.
fn run(
    threads: usize,
    iters: u64,
    latencies: &Mutex<Vec<Duration>>,
    record: Arc<dyn Fn(u64) + Send + Sync>,
) -> Duration {
    let per_thread = iters.div_ceil(threads as u64);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (barrier, record) = (Arc::clone(&barrier), Arc::clone(&record));
            std::thread::spawn(move || {
                let mut own = Vec::with_capacity(per_thread as usize);
                barrier.wait();
                for n in 0..per_thread {
                    let started = Instant::now();
                    record(t as u64 * per_thread + n);
                    own.push(started.elapsed());
                }
                own
            })
        })
        .collect();
    barrier.wait();
    let started = Instant::now();
    let mut all = Vec::new();
    for handle in handles {
        all.extend(handle.join().unwrap_or_default());
    }
    let elapsed = started.elapsed();
    latencies
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(all);
    // Report the time for `iters` records, though the threads may have written a few more.
    elapsed.mul_f64(iters as f64 / (per_thread * threads as u64) as f64)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn journal(c: &mut Criterion) {
    let mut group = c.benchmark_group("audit_journal");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(1));
    let mut summary = Vec::new();
    for threads in CONCURRENCY {
        let dir = scratch(&format!("group-{threads}"));
        let trail = AuditTrail::builder()
            .open(&dir)
            .unwrap_or_else(|e| panic!("{e}"));
        let latencies = Mutex::new(Vec::new());
        let record: Arc<dyn Fn(u64) + Send + Sync> = {
            let trail = trail.clone();
            Arc::new(move |n| {
                trail.record(&event(n)).unwrap_or_else(|e| panic!("{e}"));
            })
        };
        group.bench_function(BenchmarkId::new("group_commit", threads), |b| {
            b.iter_custom(|iters| run(threads, iters, &latencies, Arc::clone(&record)))
        });
        summary.push((
            "group_commit",
            threads,
            latencies.into_inner().unwrap_or_default(),
        ));
        drop(record);
        drop(trail);
        let _ = std::fs::remove_dir_all(&dir);

        let dir = scratch(&format!("naive-{threads}"));
        let path = dir.join("naive.jsonl");
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{e}"));
        let naive = Arc::new(NaiveWriter {
            file: Mutex::new(file),
            line: vec![b'x'; 700],
        });
        let latencies = Mutex::new(Vec::new());
        let record: Arc<dyn Fn(u64) + Send + Sync> = {
            let naive = Arc::clone(&naive);
            Arc::new(move |_| naive.record())
        };
        group.bench_function(BenchmarkId::new("naive_sync_each", threads), |b| {
            b.iter_custom(|iters| run(threads, iters, &latencies, Arc::clone(&record)))
        });
        summary.push((
            "naive_sync_each",
            threads,
            latencies.into_inner().unwrap_or_default(),
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
    group.finish();
    eprintln!("\nrecord() latency over every measured call:");
    eprintln!(
        "{:<16} {:>8} {:>10} {:>10} {:>10}",
        "writer", "threads", "records", "p50", "p99"
    );
    for (writer, threads, mut latencies) in summary {
        latencies.sort_unstable();
        eprintln!(
            "{writer:<16} {threads:>8} {:>10} {:>10.3?} {:>10.3?}",
            latencies.len(),
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99)
        );
    }
}

criterion_group!(benches, journal);
criterion_main!(benches);
