//! Audit records forwarded per second, per sink, on loopback with gzip: a journal of 10,000
//! durable deployment records is sent from the start of each sink's cursor to a receiver
//! that follows the vendor's wire contract (deploytel-testkit's Elasticsearch, Splunk HEC
//! and Datadog fakes, which gunzip and parse every request), in the sink's default batches.
//!
//! ```text
//! cargo bench -p deploytel-benches --bench audit_forward
//! ```
//!
//! Each iteration starts a fresh receiver and forwarder (outside the timing only the
//! receiver) and times until the receiver holds every record. Both ends run on this
//! machine's two cores, so the figure is a floor for a receiver on another host.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use deploytel_audit::forward::{
    DatadogSink, Destination, ElasticsearchSink, Forwarder, SplunkHecSink,
};
use deploytel_audit::{Actor, AuditEvent, AuditTrail, EventOutcome, Target};
use deploytel_testkit::siem::datadog::DatadogFake;
use deploytel_testkit::siem::elasticsearch::ElasticsearchFake;
use deploytel_testkit::siem::splunk_hec::SplunkHecFake;
use deploytel_testkit::siem::Receiver;

const RECORDS: usize = 10_000;
const TOKEN: &str = "00000000-0000-4000-8000-0000000000be";

/// A deployment record as the example writes them (about 700 bytes stored).
fn event(n: usize) -> AuditEvent {
    AuditEvent::builder("deploy.finish")
        .actor(Actor::human("alice").role("release-manager"))
        .target(
            Target::new("service", "checkout")
                .environment("production")
                .version("1.4.2"),
        )
        .outcome(EventOutcome::Success)
        .run_id(format!("run-{n}"))
        .label("team", "payments")
        .metadata("hosts", 12)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A journal holding `RECORDS` records, written by 16 threads sharing syncs.
fn journal() -> (PathBuf, AuditTrail) {
    let dir = std::env::temp_dir().join(format!("deploytel-bench-forward-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let trail = AuditTrail::builder()
        .actor(Actor::human("alice"))
        .open(&dir)
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::scope(|scope| {
        for thread in 0..16 {
            let trail = &trail;
            scope.spawn(move || {
                for n in (thread..RECORDS).step_by(16) {
                    trail.record(&event(n)).unwrap_or_else(|e| panic!("{e}"));
                }
            });
        }
    });
    (dir, trail)
}

/// A receiver, the sink that sends to it, and how many records it holds.
trait Bench {
    fn destination(&self) -> Destination;
    fn received(&self) -> usize;
}

impl Bench for ElasticsearchFake {
    fn destination(&self) -> Destination {
        ElasticsearchSink::new(self.url(), "bench").into()
    }
    fn received(&self) -> usize {
        self.stored_count()
    }
}

impl Bench for SplunkHecFake {
    fn destination(&self) -> Destination {
        SplunkHecSink::new(self.url(), TOKEN).into()
    }
    fn received(&self) -> usize {
        self.indexed_count()
    }
}

impl Bench for DatadogFake {
    fn destination(&self) -> Destination {
        DatadogSink::new(self.url(), "bench-key").into()
    }
    fn received(&self) -> usize {
        self.entry_count()
    }
}

/// Forwards the whole journal to a new receiver; the time from the forwarder's start to the
/// receiver holding every record.
fn forward_all<R: Bench>(dir: &std::path::Path, trail: &AuditTrail, receiver: R) -> Duration {
    let _ = std::fs::remove_dir_all(dir.join("cursors"));
    let started = Instant::now();
    let forwarder = Forwarder::builder(receiver.destination())
        .poll_interval(Duration::from_millis(5))
        .spawn(trail)
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = started + Duration::from_secs(120);
    while receiver.received() < RECORDS {
        assert!(Instant::now() < deadline, "forwarding stalled");
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = started.elapsed();
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
    elapsed
}

fn forwarding(c: &mut Criterion) {
    let (dir, trail) = journal();
    let trail = Arc::new(trail);
    let mut group = c.benchmark_group("audit_forward");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("elasticsearch", |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| {
                    forward_all(
                        &dir,
                        &trail,
                        ElasticsearchFake::start(None).unwrap_or_else(|e| panic!("{e}")),
                    )
                })
                .sum()
        })
    });
    group.bench_function("splunk_hec", |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| {
                    forward_all(
                        &dir,
                        &trail,
                        SplunkHecFake::start(TOKEN, false).unwrap_or_else(|e| panic!("{e}")),
                    )
                })
                .sum()
        })
    });
    group.bench_function("datadog", |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| {
                    forward_all(
                        &dir,
                        &trail,
                        DatadogFake::start("bench-key").unwrap_or_else(|e| panic!("{e}")),
                    )
                })
                .sum()
        })
    });
    group.finish();
    drop(trail);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, forwarding);
criterion_main!(benches);
