//! `metrics_router` inside an axum application: the same answers as the server, checked with
//! promtool and by status codes.
#![cfg(all(feature = "axum", feature = "server"))]

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use deploytel_core::Outcome;
use deploytel_metrics::{metrics_router, DeployMetrics, Health};
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use tower::ServiceExt;

async fn get(app: &Router, method: Method, path: &str) -> (StatusCode, String, Option<String>) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        String::from_utf8(bytes.to_vec()).unwrap(),
        content_type,
    )
}

#[tokio::test]
async fn the_router_serves_metrics_and_health_like_the_server() {
    let metrics = DeployMetrics::builder().build().unwrap();
    metrics.record_deployment(
        "deploy-billing",
        "staging",
        Outcome::Failure,
        Duration::from_secs(3),
    );
    let health = Health::default();
    health.add_check("database", || Err("connection refused".to_owned()));
    let app = Router::new().merge(metrics_router(metrics.registry(), health));

    let (status, text, content_type) = get(&app, Method::GET, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    check_metrics(&text).expect("promtool accepts the scrape");
    let scrape = Scrape::parse(&text).unwrap();
    assert_eq!(
        scrape.value(
            "deploytel_deployments_total",
            &[
                ("pipeline", "deploy-billing"),
                ("environment", "staging"),
                ("result", "failure")
            ]
        ),
        Some(1.0)
    );

    let (status, body, _) = get(&app, Method::GET, "/health").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    let (status, body, _) = get(&app, Method::GET, "/health/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("connection refused"), "{body}");
    let (status, body, content_type) = get(&app, Method::GET, "/health/detailed").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let detailed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(detailed.is_object(), "{body}");
    let (status, body, _) = get(&app, Method::HEAD, "/metrics").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
    let (status, _, _) = get(&app, Method::GET, "/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
