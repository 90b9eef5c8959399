//! init() serves deploy metrics and health from DEPLOYTEL_METRICS_ADDR, and keeps counting
//! deployments when RUST_LOG hides their spans from the logs.
#![cfg(feature = "metrics")]

use std::time::Duration;

use deploytel_testkit::http::get;
use deploytel_testkit::prometheus::{check_metrics, Scrape};

#[test]
fn init_serves_metrics_and_health_and_counts_with_rust_log_at_warn() {
    // This test binary holds one test, so changing the environment before init() is safe.
    std::env::set_var("RUST_LOG", "warn");
    std::env::set_var("DEPLOYTEL_METRICS_ADDR", "127.0.0.1:0");
    std::env::set_var("OTEL_TRACES_EXPORTER", "none");
    let guard = deploytel::builder()
        .service_name("deployer")
        .readiness_check("inventory", || Ok(()))
        .init()
        .unwrap();
    let addr = guard
        .metrics_addr()
        .expect("a server on DEPLOYTEL_METRICS_ADDR");

    let deployment = deploytel::deployment!("deploy-billing", "production");
    let migrate = deploytel::step!(&deployment, "migrate");
    migrate.fail("exit_code", "migration failed");
    deployment.fail("step_failed", "migrate failed");

    let response = get(addr, "/metrics").unwrap();
    assert_eq!(response.status, 200);
    check_metrics(&response.body).unwrap();
    let scrape = Scrape::parse(&response.body).unwrap();
    let labels = [
        ("pipeline", "deploy-billing"),
        ("environment", "production"),
        ("result", "failure"),
    ];
    assert_eq!(
        scrape.value("deploytel_deployments_total", &labels),
        Some(1.0)
    );
    assert_eq!(
        scrape.value(
            "deploytel_steps_total",
            &[
                ("pipeline", "deploy-billing"),
                ("step", "migrate"),
                ("result", "failure")
            ]
        ),
        Some(1.0)
    );

    assert_eq!(get(addr, "/health/ready").unwrap().status, 200);
    guard
        .health()
        .add_check("vault", || Err("sealed".to_owned()));
    let ready = get(addr, "/health/ready").unwrap();
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (503, "not ready\nvault: sealed\n")
    );

    let report = guard.shutdown(Duration::from_secs(5));
    assert!(report.is_complete(), "{report}");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the server outlived the guard"
    );
}
