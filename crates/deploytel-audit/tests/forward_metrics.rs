//! A forwarder's metrics, counted by deploytel-metrics' layer from the events it emits, in a
//! scrape promtool accepts: what it delivered, retried and dead-lettered, why requests
//! failed, its backlog and its breaker.

use std::sync::Arc;
use std::time::Duration;

use deploytel_audit::forward::{ElasticsearchSink, Forwarder, VirtualClock};
use deploytel_metrics::{encode_text, DeployMetrics, DeploySpans};
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use deploytel_testkit::scratch::ScratchDir;
use deploytel_testkit::siem::elasticsearch::ElasticsearchFake;
use deploytel_testkit::siem::{Answer, Receiver};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

mod support;
use support::forwarding::{record, trail, wait_for};

#[test]
fn a_forwarders_work_is_counted_per_sink() {
    let metrics = DeployMetrics::builder().build().unwrap();
    // Global: the forwarder reports from its own thread. One test in this binary.
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(metrics.layer().with_filter(DeploySpans)),
    )
    .unwrap();
    let dir = ScratchDir::new("forward-metrics");
    let fake = ElasticsearchFake::start(None).unwrap();
    fake.script([
        Answer::Status(503, None),
        Answer::Status(401, None),
        Answer::Items(vec![201, 201, 400, 201]),
    ]);
    let trail = trail(dir.path());
    record(&trail, 4);
    let forwarder = Forwarder::builder(ElasticsearchSink::new(fake.url(), "audit").name("siem"))
        .clock(Arc::new(VirtualClock::default()))
        .poll_interval(Duration::from_millis(20))
        .spawn(&trail)
        .unwrap();
    wait_for("stored", 3, || fake.stored_ids().len());
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!((report.delivered, report.dead_lettered), (3, 1), "{report}");

    let text = encode_text(metrics.registry()).unwrap();
    check_metrics(&text).unwrap();
    let scrape = Scrape::parse(&text).unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .value(name, labels)
            .unwrap_or_else(|| panic!("no {name}{labels:?} in\n{text}"))
    };
    let sink = [("sink", "siem")];
    assert_eq!(value("deploytel_audit_sink_sent_events_total", &sink), 3.0);
    assert_eq!(value("deploytel_audit_sink_dead_letters_total", &sink), 1.0);
    assert_eq!(value("deploytel_audit_sink_retries_total", &sink), 2.0);
    for (reason, count) in [("server_error", 1.0), ("auth", 1.0), ("misconfigured", 0.0)] {
        assert_eq!(
            value(
                "deploytel_audit_sink_failed_requests_total",
                &[("sink", "siem"), ("reason", reason)]
            ),
            count,
            "{reason}"
        );
    }
    assert_eq!(value("deploytel_audit_sink_pending_events", &sink), 0.0);
    assert_eq!(
        value("deploytel_audit_sink_oldest_pending_age_seconds", &sink),
        0.0
    );
    assert_eq!(value("deploytel_audit_sink_breaker_state", &sink), 0.0);
}
