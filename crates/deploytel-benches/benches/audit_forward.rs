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
use deploytel_audit::{Actor, AuditTrail};
use deploytel_testkit::siem::datadog::DatadogFake;
use deploytel_testkit::siem::elasticsearch::ElasticsearchFake;
use deploytel_testkit::siem::splunk_hec::SplunkHecFake;
use deploytel_testkit::siem::Receiver;

#[path = "support/audit_records.rs"]
mod audit_records;
use audit_records::deployment_finished;

const RECORDS: usize = 10_000;
const TOKEN: &str = "00000000-0000-4000-8000-0000000000be";

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
                    trail
                        .record(&deployment_finished(n as u64))
                        .unwrap_or_else(|e| panic!("{e}"));
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
fn forward_all(dir: &std::path::Path, trail: &AuditTrail, receiver: &dyn Bench) -> Duration {
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

/// Starts a new receiver of one kind.
type StartReceiver = dyn Fn() -> Box<dyn Bench>;

fn started<R>(receiver: std::io::Result<R>) -> R {
    receiver.unwrap_or_else(|e| panic!("{e}"))
}

fn forwarding(c: &mut Criterion) {
    let (dir, trail) = journal();
    let trail = Arc::new(trail);
    let mut group = c.benchmark_group("audit_forward");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    let sinks: [(&str, &StartReceiver); 3] = [
        ("elasticsearch", &|| {
            Box::new(started(ElasticsearchFake::start(None)))
        }),
        ("splunk_hec", &|| {
            Box::new(started(SplunkHecFake::start(TOKEN, false)))
        }),
        ("datadog", &|| {
            Box::new(started(DatadogFake::start("bench-key")))
        }),
    ];
    for (name, receiver) in sinks {
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| forward_all(&dir, &trail, &*receiver()))
                    .sum()
            })
        });
    }
    group.finish();
    drop(trail);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, forwarding);
criterion_main!(benches);
