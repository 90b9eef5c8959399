//! The metrics and health server over real loopback connections, its scrape checked by
//! promtool.
#![cfg(feature = "server")]

use deploytel_metrics::{DeployMetrics, Health, MetricsError, MetricsServer};
use deploytel_span::{deployment, step};
use deploytel_testkit::http::{get, request};
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use tracing_subscriber::layer::SubscriberExt;

fn loopback() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
fn a_scrape_of_the_running_server_passes_promtool_and_shows_the_failure() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let server = MetricsServer::builder(metrics.registry())
        .addr(loopback())
        .start()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(metrics.layer());
    tracing::subscriber::with_default(subscriber, || {
        let deployment = deployment!("deploy-billing", "production");
        let restart = step!(&deployment, "rolling_restart");
        restart
            .command("sh")
            .args(["-c", "exit 2"])
            .run()
            .unwrap_err();
        restart.fail("exit_code", "restart failed");
        deployment.fail("step_failed", "rolling_restart failed");
    });

    let response = get(server.local_addr(), "/metrics").unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    check_metrics(&response.body).unwrap();
    let scrape = Scrape::parse(&response.body).unwrap();
    let pair = [
        ("pipeline", "deploy-billing"),
        ("environment", "production"),
    ];
    let with_result = |result| [pair[0], pair[1], ("result", result)];
    assert_eq!(
        scrape.value("deploytel_deployments_total", &with_result("failure")),
        Some(1.0)
    );
    assert_eq!(
        scrape.value("deploytel_deployments_total", &with_result("success")),
        Some(0.0)
    );
    assert_eq!(
        scrape.value(
            "deploytel_steps_total",
            &[
                ("pipeline", "deploy-billing"),
                ("step", "rolling_restart"),
                ("result", "failure")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        scrape.value(
            "deploytel_subprocesses_total",
            &[("executable", "sh"), ("result", "failure")]
        ),
        Some(1.0)
    );
    server.shutdown();
}

#[test]
fn health_endpoints_report_liveness_readiness_and_details() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let health = Health::default();
    health.add_check("inventory", || Ok(()));
    let server = MetricsServer::builder(metrics.registry())
        .addr(loopback())
        .health(health.clone())
        .start()
        .unwrap();
    let addr = server.local_addr();

    assert_eq!(get(addr, "/health").unwrap().status, 200);
    let ready = get(addr, "/health/ready").unwrap();
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"));

    health.add_check("vault", || Err("connection refused".to_owned()));
    let ready = get(addr, "/health/ready").unwrap();
    assert_eq!(ready.status, 503);
    assert_eq!(ready.body, "not ready\nvault: connection refused\n");
    let detailed = get(addr, "/health/detailed").unwrap();
    assert_eq!(detailed.status, 503);
    assert_eq!(detailed.header("content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_str(&detailed.body).unwrap();
    assert_eq!(json["status"], "fail");
    assert_eq!(json["checks"][0]["name"], "inventory");
    assert_eq!(json["checks"][0]["status"], "pass");
    assert!(json["checks"][0]["latency_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(json["checks"][1]["status"], "fail");
    assert_eq!(json["checks"][1]["error"], "connection refused");

    assert_eq!(get(addr, "/nope").unwrap().status, 404);
    assert_eq!(request(addr, "POST", "/metrics", &[]).unwrap().status, 405);
    let head = request(addr, "HEAD", "/health", &[]).unwrap();
    assert_eq!((head.status, head.body.as_str()), (200, ""));
}

#[test]
fn with_a_bearer_token_requests_without_it_get_401() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let server = MetricsServer::builder(metrics.registry())
        .addr(loopback())
        .bearer_token("s3cret-token")
        .start()
        .unwrap();
    let addr = server.local_addr();
    for path in ["/metrics", "/health", "/health/ready", "/health/detailed"] {
        let refused = get(addr, path).unwrap();
        assert_eq!(refused.status, 401, "{path}");
        assert_eq!(
            refused.header("www-authenticate"),
            Some("Bearer realm=\"deploytel\"")
        );
        let wrong = request(
            addr,
            "GET",
            path,
            &[("Authorization", "Bearer s3cret-tokeN")],
        )
        .unwrap();
        assert_eq!(wrong.status, 401, "{path}");
    }
    let allowed = request(
        addr,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer s3cret-token")],
    )
    .unwrap();
    assert_eq!(allowed.status, 200);
    assert!(allowed.body.contains("deploytel_build_info"));
}

#[test]
fn an_address_in_use_is_a_clear_error() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let first = MetricsServer::builder(metrics.registry())
        .addr(loopback())
        .start()
        .unwrap();
    let second = MetricsServer::builder(metrics.registry())
        .addr(first.local_addr())
        .start();
    match second {
        Err(error @ MetricsError::Bind { .. }) => {
            let text = error.to_string();
            assert!(text.contains(&first.local_addr().to_string()), "{text}");
        }
        Err(other) => panic!("expected a bind error, got {other}"),
        Ok(_) => panic!("a second server bound the same address"),
    }
}

#[test]
fn shutdown_stops_listening_and_malformed_requests_get_400() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let server = MetricsServer::builder(metrics.registry())
        .addr(loopback())
        .start()
        .unwrap();
    let addr = server.local_addr();
    let malformed = request(addr, "GET", "/metrics HTTP/1.1\r\nX: y\r\nfoo", &[]);
    // Either the server saw a bad request line or a well-formed one with odd headers; it
    // must answer, not hang or die.
    assert!(malformed.is_ok());
    let mut raw = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(&mut raw, b"\x16\x03\x01\x02\x00 not http\r\n\r\n").unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut raw, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert_eq!(get(addr, "/health").unwrap().status, 200);
    server.shutdown();
    assert!(std::net::TcpStream::connect(addr).is_err());
}
