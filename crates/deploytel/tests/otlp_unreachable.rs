//! Spans that cannot be delivered are counted and reported at shutdown, never lost silently.
//! One test in this binary: `init()` installs a global subscriber.
#![cfg(all(feature = "otlp", feature = "span"))]

use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn shutdown_reports_the_spans_an_unreachable_endpoint_lost() {
    // A port that was free a moment ago, with nothing listening on it now.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    std::env::set_var(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        format!("http://127.0.0.1:{port}/v1/traces"),
    );
    std::env::set_var("OTEL_EXPORTER_OTLP_TIMEOUT", "1000");
    let guard = deploytel::builder()
        .service_name("deployer")
        .init()
        .expect("init succeeds");

    let deployment = deploytel::deployment!("deploy-billing", "staging");
    deployment.step("fetch_artifact").succeed();
    deployment.succeed();

    let started = Instant::now();
    let report = guard.shutdown(Duration::from_secs(10));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(report.spans_lost, 2, "{report}");
    assert_eq!(report.spans_exported, 0, "{report}");
    assert!(report.reason.is_some(), "{report}");
    assert!(!report.is_complete());
}
