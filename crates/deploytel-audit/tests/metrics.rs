//! The audit trail's metrics, counted by deploytel-metrics' layer from the events a real
//! trail emits (deploytel-metrics does not depend on this crate), in a scrape promtool
//! accepts.

use deploytel_audit::{Actor, AuditEvent, AuditLayer, AuditTrail, Decision, EventOutcome};
use deploytel_metrics::{encode_text, DeployMetrics, DeploySpans};
use deploytel_span::Deployment;
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use deploytel_testkit::scratch::ScratchDir;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

fn events(scrape: &Scrape, action: &str, decision: &str, outcome: &str) -> Option<f64> {
    scrape.value(
        "deploytel_audit_events_total",
        &[
            ("action", action),
            ("decision", decision),
            ("outcome", outcome),
        ],
    )
}

fn scrape(metrics: &DeployMetrics) -> Scrape {
    let text = encode_text(metrics.registry()).unwrap();
    check_metrics(&text).unwrap();
    Scrape::parse(&text).unwrap()
}

#[test]
fn stored_records_syncs_and_decisions_are_counted_from_zero() {
    let dir = ScratchDir::new("audit-metrics");
    let metrics = DeployMetrics::builder().build().unwrap();
    let trail = AuditTrail::builder()
        .actor(Actor::human("alice"))
        .open(dir.path())
        .unwrap();
    // Global, because the journal's flusher thread reports its syncs too; one test per binary.
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(metrics.layer().with_filter(DeploySpans))
            .with(AuditLayer::new(trail.clone())),
    )
    .unwrap();

    metrics.expect_audit_records().unwrap();
    let before = scrape(&metrics);
    assert_eq!(
        events(&before, "deploy.start", "none", "success"),
        Some(0.0),
        "made at 0, so the first record is an increase"
    );
    assert_eq!(
        events(&before, "deploy.finish", "none", "failure"),
        Some(0.0)
    );
    for operation in [
        "write",
        "fdatasync",
        "create_segment",
        "close_segment",
        "other",
    ] {
        assert_eq!(
            before.value(
                "deploytel_audit_journal_errors_total",
                &[("operation", operation)]
            ),
            Some(0.0),
            "{operation}"
        );
    }

    Deployment::builder("deploy-billing", "production")
        .start()
        .run(|_| Ok::<_, std::io::Error>(()))
        .unwrap();
    let approval = |decision| {
        AuditEvent::builder("deploy.approve")
            .decision(decision)
            .outcome(EventOutcome::Success)
            .build()
            .unwrap()
    };
    trail.record(&approval(Decision::Allow)).unwrap();
    trail.record(&approval(Decision::Deny)).unwrap();
    trail.record(&approval(Decision::Deny)).unwrap();

    let after = scrape(&metrics);
    assert_eq!(events(&after, "deploy.start", "none", "success"), Some(1.0));
    assert_eq!(
        events(&after, "deploy.finish", "none", "success"),
        Some(1.0)
    );
    assert_eq!(
        events(&after, "deploy.finish", "none", "failure"),
        Some(0.0)
    );
    assert_eq!(
        events(&after, "deploy.approve", "allow", "success"),
        Some(1.0)
    );
    assert_eq!(
        events(&after, "deploy.approve", "deny", "success"),
        Some(2.0),
        "an enforced denial: decision deny, outcome success"
    );
    let syncs = after
        .value("deploytel_audit_journal_sync_duration_seconds_count", &[])
        .unwrap();
    assert!(
        (1.0..=5.0).contains(&syncs),
        "one sync per batch, 5 records: {syncs}"
    );
    assert_eq!(
        after.value(
            "deploytel_audit_journal_errors_total",
            &[("operation", "write")]
        ),
        Some(0.0)
    );
}
