//! The shutdown report counts metric label combinations that went to overflow series.
#![cfg(feature = "metrics")]

use std::time::Duration;

#[test]
fn label_overflow_is_reported_at_shutdown() {
    let guard = deploytel::builder()
        .traces_exporter(deploytel::TracesExporter::None)
        .without_metrics_server()
        .metrics_limits(deploytel::metrics::Limits::default().max_series(6))
        .init()
        .unwrap();
    deploytel::deployment!("deploy-billing", "staging").succeed();
    deploytel::deployment!("deploy-search", "staging").succeed();
    let overflowed = guard.metrics().families().overflowed();
    let report = guard.shutdown(Duration::from_secs(5));
    assert_eq!(
        overflowed, 6,
        "the six outcome series of the second pipeline"
    );
    assert_eq!(report.metric_overflows, 6);
    assert!(
        report.is_complete(),
        "overflowed recordings are kept, not lost: {report}"
    );
    assert!(
        report
            .to_string()
            .ends_with("; 6 metric label combinations went to overflow series"),
        "{report}"
    );
}
