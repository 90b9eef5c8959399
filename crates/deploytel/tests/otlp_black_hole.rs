//! A collector that accepts connections and never answers loses every span, and the report
//! says so: exported plus lost is every span that ended. One test in this binary: `init()`
//! installs a global subscriber.
#![cfg(all(feature = "otlp", feature = "span"))]

use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn spans_a_silent_collector_never_acknowledged_are_reported_lost() {
    // Listening, so connections are accepted by the kernel, but never read or answered.
    let black_hole = TcpListener::bind("127.0.0.1:0").expect("a listener");
    let addr = black_hole.local_addr().expect("its address");
    std::env::set_var(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        format!("http://{addr}/v1/traces"),
    );
    // The export's own timeout (10 s by default) outlasts the shutdown's: the batch is still
    // waiting for an answer when the guard gives up.
    std::env::remove_var("OTEL_EXPORTER_OTLP_TIMEOUT");
    let guard = deploytel::builder()
        .service_name("deployer")
        .init()
        .expect("init succeeds");

    let deployment = deploytel::deployment!("deploy-billing", "staging");
    deployment.step("fetch_artifact").succeed();
    deployment.step("restart").succeed();
    deployment.succeed();

    let started = Instant::now();
    let report = guard.shutdown(Duration::from_secs(3));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(report.spans_exported, 0, "{report}");
    assert_eq!(report.spans_lost, 3, "{report}");
    assert!(report.reason.is_some(), "{report}");
    assert!(!report.is_complete());
    drop(black_hole);
}
