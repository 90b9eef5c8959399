//! The tower layer inside a real axum router.
#![cfg(feature = "axum")]

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use deploytel_metrics::prometheus::Registry;
use deploytel_metrics::{encode_text, Families, HttpMetricsLayer, Limits, RouteTemplate};
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use tower::{service_fn, Layer, ServiceExt};

fn families() -> Families {
    Families::new(&Registry::new(), Limits::default()).unwrap()
}

fn request(method: Method, uri: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap()
}

fn count(scrape: &Scrape, method: &str, route: &str, status: &str) -> Option<f64> {
    scrape.value(
        "http_server_request_duration_seconds_count",
        &[
            ("method", method),
            ("route", route),
            ("status_code", status),
        ],
    )
}

#[tokio::test]
async fn requests_are_recorded_by_route_template_never_by_raw_path() {
    let families = families();
    let layer = HttpMetricsLayer::new(&families).unwrap();
    let router = Router::new()
        .route(
            "/webhooks/{source}",
            post(|| async { StatusCode::ACCEPTED }),
        )
        .route(
            "/deployments/{id}",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .layer(layer);

    for uri in ["/webhooks/github", "/webhooks/gitlab", "/webhooks/github"] {
        let response = router
            .clone()
            .oneshot(request(Method::POST, uri))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    router
        .clone()
        .oneshot(request(Method::GET, "/deployments/1234"))
        .await
        .unwrap();
    router
        .clone()
        .oneshot(request(Method::GET, "/no/such/path"))
        .await
        .unwrap();
    let weird = Method::from_bytes(b"BREW").unwrap();
    router
        .clone()
        .oneshot(request(weird, "/webhooks/github"))
        .await
        .unwrap();

    let text = encode_text(families.registry()).unwrap();
    check_metrics(&text).unwrap();
    let scrape = Scrape::parse(&text).unwrap();
    assert_eq!(
        count(&scrape, "POST", "/webhooks/{source}", "202"),
        Some(3.0)
    );
    assert_eq!(count(&scrape, "GET", "/deployments/{id}", "500"), Some(1.0));
    assert_eq!(count(&scrape, "GET", "_unmatched", "404"), Some(1.0));
    assert_eq!(
        count(&scrape, "_OTHER", "/webhooks/{source}", "405"),
        Some(1.0)
    );
    assert!(!text.contains("github") && !text.contains("1234"), "{text}");
    assert_eq!(
        scrape.value(
            "http_server_request_duration_seconds_bucket",
            &[
                ("method", "POST"),
                ("route", "/webhooks/{source}"),
                ("status_code", "202"),
                ("le", "0.005")
            ]
        ),
        Some(3.0)
    );
    assert_eq!(
        scrape.value("http_server_active_requests", &[("method", "POST")]),
        Some(0.0)
    );
}

#[tokio::test]
async fn a_request_in_flight_is_active_until_answered_or_abandoned() {
    let families = families();
    let layer = HttpMetricsLayer::new(&families).unwrap();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let released = std::sync::Mutex::new(Some(released));
    let slow = service_fn(move |_request: Request<Body>| {
        let released = released.lock().unwrap().take();
        async move {
            if let Some(released) = released {
                let _ = released.await;
            }
            Ok::<_, Infallible>(axum::http::Response::new(Body::empty()))
        }
    });
    let mut call = Box::pin(layer.layer(slow).oneshot(request(Method::PUT, "/x")));
    // Poll once so the request starts, then look at the gauge while it waits.
    let waker = std::task::Waker::noop();
    assert!(call
        .as_mut()
        .poll(&mut std::task::Context::from_waker(waker))
        .is_pending());
    let active = |families: &Families| {
        Scrape::parse(&encode_text(families.registry()).unwrap())
            .unwrap()
            .value("http_server_active_requests", &[("method", "PUT")])
    };
    assert_eq!(active(&families), Some(1.0));
    release.send(()).unwrap();
    call.await.unwrap();
    assert_eq!(active(&families), Some(0.0));

    let never = service_fn(|_request: Request<Body>| {
        std::future::pending::<Result<axum::http::Response<Body>, Infallible>>()
    });
    let mut abandoned = Box::pin(layer.layer(never).oneshot(request(Method::PUT, "/y")));
    assert!(abandoned
        .as_mut()
        .poll(&mut std::task::Context::from_waker(waker))
        .is_pending());
    assert_eq!(active(&families), Some(1.0));
    drop(abandoned);
    assert_eq!(active(&families), Some(0.0));
}

#[tokio::test]
async fn other_routers_name_the_route_with_an_extension_and_errors_are_labelled() {
    let families = families();
    let layer = HttpMetricsLayer::new(&families).unwrap();
    let failing = service_fn(|_request: Request<Body>| async {
        Err::<axum::http::Response<Body>, _>(std::io::Error::other("backend down"))
    });
    let mut routed = request(Method::DELETE, "/deployments/77");
    routed
        .extensions_mut()
        .insert(RouteTemplate(Cow::Borrowed("/deployments/:id")));
    layer.layer(failing).oneshot(routed).await.unwrap_err();
    let scrape = Scrape::parse(&encode_text(families.registry()).unwrap()).unwrap();
    assert_eq!(
        count(&scrape, "DELETE", "/deployments/:id", "error"),
        Some(1.0)
    );
}

#[test]
fn registering_the_layer_twice_in_one_registry_is_an_error() {
    let families = families();
    HttpMetricsLayer::new(&families).unwrap();
    assert!(matches!(
        HttpMetricsLayer::new(&families),
        Err(deploytel_metrics::MetricsError::AlreadyRegistered { .. })
    ));
}
