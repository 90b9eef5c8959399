//! With auditing on, `init()` counts the audit trail in the metrics: the series the audit
//! alerts read exist at 0 before the first record, the deployment's records are counted, and
//! so are the journal's syncs, which its flusher thread reports although the journal opened
//! before the subscriber became global.
#![cfg(all(feature = "metrics", feature = "audit", feature = "span"))]

use std::time::Duration;

use deploytel::audit::Actor;
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use deploytel_testkit::scratch::ScratchDir;

fn scrape(guard: &deploytel::Guard) -> Scrape {
    let text = deploytel::metrics::encode_text(guard.metrics().registry()).unwrap();
    check_metrics(&text).unwrap();
    Scrape::parse(&text).unwrap()
}

fn deploy_records(scrape: &Scrape, action: &str) -> Option<f64> {
    scrape.value(
        "deploytel_audit_events_total",
        &[
            ("action", action),
            ("decision", "none"),
            ("outcome", "success"),
        ],
    )
}

#[test]
fn init_counts_the_audit_trail_from_zero() {
    let dir = ScratchDir::new("facade-audit-metrics");
    let guard = deploytel::builder()
        .traces_exporter(deploytel::TracesExporter::None)
        .without_metrics_server()
        .without_metrics_export()
        .audit_dir(dir.path())
        .audit_actor(Actor::human("alice"))
        .init()
        .unwrap();

    let before = scrape(&guard);
    assert_eq!(deploy_records(&before, "deploy.start"), Some(0.0));
    assert_eq!(
        before.value(
            "deploytel_audit_journal_errors_total",
            &[("operation", "fdatasync")]
        ),
        Some(0.0)
    );

    deploytel::deployment!("deploy-billing", "staging").succeed();
    let after = scrape(&guard);
    assert_eq!(deploy_records(&after, "deploy.start"), Some(1.0));
    assert_eq!(deploy_records(&after, "deploy.finish"), Some(1.0));
    let syncs = after
        .value("deploytel_audit_journal_sync_duration_seconds_count", &[])
        .unwrap_or(0.0);
    assert!(
        (1.0..=2.0).contains(&syncs),
        "the flusher thread's syncs reach the global subscriber: {syncs}"
    );
    let report = guard.shutdown(Duration::from_secs(5));
    assert!(report.is_complete(), "{report}");
}
