//! With `tower` but not `axum`, an axum router's routes cannot be read: every request counts
//! as `_unmatched`, and the layer says why, once, instead of staying silent. The test script
//! runs this file in a build with exactly those features.
#![cfg(all(feature = "tower", not(feature = "axum")))]

use std::convert::Infallible;

use deploytel_metrics::prometheus::Registry;
use deploytel_metrics::{encode_text, Families, HttpMetricsLayer, Limits};
use deploytel_testkit::capture::Capture;
use deploytel_testkit::prometheus::Scrape;
use tower::{service_fn, Layer, ServiceExt};
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test]
async fn requests_without_a_route_count_as_unmatched_and_the_layer_says_why_once() {
    let capture = Capture::new();
    let subscriber = tracing_subscriber::registry().with(
        tracing_subscriber::fmt::layer()
            .with_writer(capture.clone())
            .with_ansi(false),
    );
    let _default = tracing::subscriber::set_default(subscriber);
    let registry = Registry::new();
    let families = Families::new(&registry, Limits::default()).unwrap();
    let layer = HttpMetricsLayer::new(&families).unwrap();
    for path in ["/deployments/1", "/deployments/2", "/health"] {
        let service = layer.layer(service_fn(|_: http::Request<()>| async {
            Ok::<_, Infallible>(http::Response::new(()))
        }));
        let request = http::Request::get(path).body(()).unwrap();
        service.oneshot(request).await.unwrap();
    }
    let scrape = Scrape::parse(&encode_text(&registry).unwrap()).unwrap();
    assert_eq!(
        scrape.value(
            "http_server_request_duration_seconds_count",
            &[
                ("method", "GET"),
                ("route", "_unmatched"),
                ("status_code", "200")
            ],
        ),
        Some(3.0)
    );
    let logged = capture.text();
    assert_eq!(logged.matches("WARN").count(), 1, "{logged}");
    assert!(
        logged.contains("enable deploytel-metrics' `axum` feature"),
        "{logged}"
    );
}
