//! HTTP server metrics for services built on tower (axum, tonic, hyper), named after the
//! OpenTelemetry HTTP conventions' `http.server.request.duration` and
//! `http.server.active_requests`:
//!
//! | family | labels |
//! |---|---|
//! | `http_server_request_duration_seconds` (histogram; `_count` is the request total) | `method`, `route`, `status_code` |
//! | `http_server_active_requests` (gauge) | `method` |
//!
//! `route` is the route template, never the raw path, so `/deployments/1234` does not become a
//! series of its own: axum's `MatchedPath` (feature `axum`, with the layer added by
//! `Router::layer` so it runs after routing), else a [`RouteTemplate`] that your router put in
//! the request's extensions, else `_unmatched`. Methods outside the standard nine are `_OTHER`.
//! A request whose service returned an error has `status_code="error"`.

mod future;
pub(crate) mod labels;

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tower_layer::Layer;
use tower_service::Service;

pub use future::ResponseFuture;
pub use labels::RouteTemplate;

use crate::{buckets, names, Families, GaugeFamily, HistogramFamily, MetricsError};

/// A `tower::Layer` that records HTTP server metrics; cheap to clone.
///
/// ```
/// use deploytel_metrics::{prometheus::Registry, Families, HttpMetricsLayer, Limits};
///
/// let families = Families::new(&Registry::new(), Limits::default())?;
/// let layer = HttpMetricsLayer::new(&families)?;
/// // axum: Router::new().route("/webhooks/{source}", post(handler)).layer(layer)
/// # drop(layer);
/// # Ok::<(), deploytel_metrics::MetricsError>(())
/// ```
#[derive(Clone)]
pub struct HttpMetricsLayer {
    families: Arc<HttpFamilies>,
}

struct HttpFamilies {
    duration: HistogramFamily,
    active: GaugeFamily,
}

impl HttpMetricsLayer {
    /// Registers the two HTTP families in `families`' registry; an error when they are there
    /// already (make one layer and clone it).
    pub fn new(families: &Families) -> Result<Self, MetricsError> {
        let duration = families.histogram(
            names::HTTP_SERVER_REQUEST_DURATION_SECONDS,
            "Duration of HTTP server requests, until the response head.",
            &["method", "route", "status_code"],
            buckets::HTTP_SERVER,
        )?;
        let active = families.gauge(
            names::HTTP_SERVER_ACTIVE_REQUESTS,
            "HTTP server requests in flight.",
            &["method"],
        )?;
        Ok(HttpMetricsLayer {
            families: Arc::new(HttpFamilies { duration, active }),
        })
    }
}

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;

    fn layer(&self, inner: S) -> HttpMetrics<S> {
        HttpMetrics {
            inner,
            families: Arc::clone(&self.families),
        }
    }
}

/// The service [`HttpMetricsLayer`] wraps around yours.
#[derive(Clone)]
pub struct HttpMetrics<S> {
    inner: S,
    families: Arc<HttpFamilies>,
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for HttpMetrics<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let method = labels::method(request.method());
        let route = labels::route(request.extensions());
        let active = self.families.active.with_labels(&[method]).ok();
        if let Some(gauge) = &active {
            gauge.inc();
        }
        let in_flight = future::InFlight {
            families: Arc::clone(&self.families),
            method,
            route,
            started: Instant::now(),
            active,
        };
        ResponseFuture::new(self.inner.call(request), in_flight)
    }
}
