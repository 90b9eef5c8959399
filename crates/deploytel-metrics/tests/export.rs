//! Metrics handed over for programs that exit after a deployment: a textfile that promtool
//! accepts, and pushes that a real Pushgateway (Debian's `prometheus-pushgateway`) stores
//! under the grouping key asked for.
#![cfg(feature = "pushgateway")]

use std::sync::{Mutex, Weak};
use std::time::{Duration, Instant};

use deploytel_metrics::{DeployMetrics, MetricsExport, Pushgateway};
use deploytel_testkit::monitoring::{self, Server};
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use tracing_subscriber::layer::SubscriberExt;

static GATEWAY: Mutex<Weak<Server>> = Mutex::new(Weak::new());

fn gateway() -> std::sync::Arc<Server> {
    monitoring::shared(&GATEWAY, monitoring::pushgateway).unwrap()
}

/// Runs one deployment of `pipeline` to `environment` through deploytel's spans, ending in
/// failure or success.
fn deploy(metrics: &DeployMetrics, pipeline: &str, environment: &str, fail: bool) {
    let subscriber = tracing_subscriber::registry().with(metrics.layer());
    tracing::subscriber::with_default(subscriber, || {
        let deployment = deploytel_span::deployment!(pipeline, environment);
        if fail {
            deployment.fail("migration_failed", "0042 did not apply");
        } else {
            deployment.succeed();
        }
    });
}

fn scrape_gateway(gateway: &Server) -> Scrape {
    let response = deploytel_testkit::http::get(gateway.addr, "/metrics").unwrap();
    assert_eq!(response.status, 200);
    Scrape::parse(&response.body).unwrap()
}

#[test]
fn a_failed_deployment_is_in_the_textfile_before_the_program_ends() {
    let dir = monitoring::scratch_dir("textfile-export");
    let path = dir.join("deploytel.prom");
    let metrics = DeployMetrics::builder()
        .export(MetricsExport::new().textfile(&path).unwrap())
        .build()
        .unwrap();
    deploy(&metrics, "billing", "prod", true);

    // Exported on its own thread when the deployment ended, without waiting for the end of
    // the program.
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains("deploytel_deployment_last_failure_timestamp_seconds") {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "not exported within 10 s: {text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    check_metrics(&text).unwrap();
    let scrape = Scrape::parse(&text).unwrap();
    let pair = [("pipeline", "billing"), ("environment", "prod")];
    let failed = scrape.value(
        "deploytel_deployments_total",
        &[pair[0], pair[1], ("result", "failure")],
    );
    assert_eq!(failed, Some(1.0));
    let failed_at = scrape
        .value("deploytel_deployment_last_failure_timestamp_seconds", &pair)
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - failed_at).abs() < 60.0, "{failed_at} vs {now}");

    let report = metrics.finish_export(Duration::from_secs(5)).unwrap();
    assert!(report.final_delivered, "{report:?}");
    assert_eq!(report.failed, 0);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_push_replaces_the_group_of_its_grouping_key_even_with_slashes_and_empty_values() {
    let gateway = gateway();
    let url = format!("http://{}", gateway.addr);
    let key = || {
        Pushgateway::new(&url, "nightly/deploy")
            .unwrap()
            .instance("")
            .grouping_label("site", "eu/west")
            .unwrap()
    };
    let group = [
        ("job", "nightly/deploy"),
        ("instance", ""),
        ("site", "eu/west"),
        ("pipeline", "billing"),
        ("environment", "prod"),
    ];
    let with_result = |result| {
        let mut labels = group.to_vec();
        labels.push(("result", result));
        labels
    };

    // A first run fails ...
    let first = DeployMetrics::builder()
        .export(MetricsExport::new().pushgateway(key()))
        .build()
        .unwrap();
    deploy(&first, "billing", "prod", true);
    let report = first.finish_export(Duration::from_secs(5)).unwrap();
    assert!(report.final_delivered, "{report:?}");
    let pushed = scrape_gateway(&gateway);
    assert_eq!(
        pushed.value("deploytel_deployments_total", &with_result("failure")),
        Some(1.0)
    );
    assert!(pushed
        .value(
            "deploytel_deployment_last_failure_timestamp_seconds",
            &group
        )
        .is_some());

    // ... the next run, a new process, succeeds: its push replaces the whole group.
    let second = DeployMetrics::builder()
        .export(MetricsExport::new().pushgateway(key()))
        .build()
        .unwrap();
    deploy(&second, "billing", "prod", false);
    assert!(
        second
            .finish_export(Duration::from_secs(5))
            .unwrap()
            .final_delivered
    );
    let pushed = scrape_gateway(&gateway);
    assert_eq!(
        pushed.value("deploytel_deployments_total", &with_result("success")),
        Some(1.0)
    );
    assert_eq!(
        pushed.value("deploytel_deployments_total", &with_result("failure")),
        Some(0.0)
    );
    assert_eq!(
        pushed.value(
            "deploytel_deployment_last_failure_timestamp_seconds",
            &group
        ),
        None,
        "the earlier run's series are gone"
    );
}

#[test]
fn a_push_to_no_gateway_fails_within_its_timeout_and_says_why() {
    let nobody = monitoring::free_addr();
    let gateway = Pushgateway::new(&format!("http://{nobody}"), "deployer")
        .unwrap()
        .timeout(Duration::from_secs(1));
    let metrics = DeployMetrics::builder()
        .export(MetricsExport::new().pushgateway(gateway))
        .build()
        .unwrap();
    deploy(&metrics, "billing", "prod", true);
    let started = Instant::now();
    let report = metrics.finish_export(Duration::from_secs(10)).unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!report.final_delivered);
    assert!(report.failed >= 1, "{report:?}");
    let reason = report.last_error.unwrap();
    assert!(reason.contains(&nobody.to_string()), "{reason}");
}

#[test]
fn a_gateway_that_refuses_a_push_is_reported_with_its_status() {
    let gateway = gateway();
    // Not a Pushgateway path: it answers 404.
    let wrong =
        Pushgateway::new(&format!("http://{}/not-the-api", gateway.addr), "deployer").unwrap();
    let metrics = DeployMetrics::builder()
        .export(MetricsExport::new().pushgateway(wrong))
        .build()
        .unwrap();
    let report = metrics.finish_export(Duration::from_secs(5)).unwrap();
    assert!(!report.final_delivered);
    let reason = report.last_error.unwrap();
    assert!(reason.contains("404"), "{reason}");
}
