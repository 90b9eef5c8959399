//! A server span, a request id and one access log line for every HTTP request a tower service
//! (axum, tonic, hyper) serves; the sibling of [`HttpMetricsLayer`](crate::HttpMetricsLayer),
//! with which it composes.
//!
//! Each request gets:
//! - a `tracing` span (OpenTelemetry kind server) named `{method} {route}`, with the HTTP
//!   server conventions' `http.request.method`, `http.route`, `url.path`, `url.scheme`,
//!   `url.query` (masked by the `Redactor`), `server.address`, `user_agent.original`,
//!   `client.address`, and `http.response.status_code` when it is answered; a 5xx (or a
//!   service error) gives it `error.type` and an Error status, other statuses leave it unset;
//! - the caller's trace: its W3C `traceparent`, `tracestate` and `baggage` become the span's
//!   parent, through the propagators `deploytel::init()` installs;
//! - a [`RequestId`]: the caller's `X-Request-Id` when it is safe to log, else a new one; in
//!   the request's extensions, on the response, and on the span as `http.request.id`, so
//!   every log line written inside the request carries it;
//! - exactly one access log line when it is answered (target `deploytel_http::access`): info,
//!   warn for a 4xx, error for a 5xx (see [`HttpTraceLayerBuilder::levels`]), with the status,
//!   `event.duration`, and the user and roles the application recorded with [`record_user`].
//!   No header is logged; `Authorization` and `Cookie` never are.
//!
//! Add it outside the metrics layer, so its span covers the metrics' and the handler's work:
//! `Router::new()…layer(HttpMetricsLayer::new(&families)?).layer(HttpTraceLayer::new())`.

mod access;
mod context;
mod future;
mod request_id;

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use deploytel_core::Redactor;
use http::header::HeaderName;
use tower_layer::Layer;
use tower_service::Service;
use tracing::field::Empty;
use tracing::Level;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

pub use future::TracedResponse;
pub use request_id::RequestId;

use crate::http::labels;

/// The target of the access log line.
pub const ACCESS_TARGET: &str = "deploytel_http::access";

/// The levels of the access line, by status class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessLevels {
    /// 1xx, 2xx and 3xx.
    pub success: Level,
    /// 4xx.
    pub client_error: Level,
    /// 5xx and service errors.
    pub server_error: Level,
}

impl Default for AccessLevels {
    fn default() -> Self {
        AccessLevels {
            success: Level::INFO,
            client_error: Level::WARN,
            server_error: Level::ERROR,
        }
    }
}

struct TraceConfig {
    request_id_header: HeaderName,
    trust_request_id: bool,
    levels: AccessLevels,
    redactor: Redactor,
}

/// A `tower::Layer` giving every request a server span in the caller's trace, a request id
/// and one access log line; cheap to clone.
///
/// ```
/// use deploytel_metrics::HttpTraceLayer;
///
/// let layer = HttpTraceLayer::new();
/// // axum: Router::new().route("/deployments", post(deploy)).layer(layer)
/// # drop(layer);
/// ```
#[derive(Clone)]
pub struct HttpTraceLayer {
    config: Arc<TraceConfig>,
}

impl Default for HttpTraceLayer {
    fn default() -> Self {
        HttpTraceLayer::new()
    }
}

impl HttpTraceLayer {
    /// With the defaults: `X-Request-Id` taken when safe, access lines at info, warn and error,
    /// queries masked by the installed `Redactor`.
    pub fn new() -> Self {
        HttpTraceLayer::builder().build()
    }

    /// A builder to change the defaults.
    pub fn builder() -> HttpTraceLayerBuilder {
        HttpTraceLayerBuilder {
            request_id_header: HeaderName::from_static("x-request-id"),
            trust_request_id: true,
            levels: AccessLevels::default(),
            redactor: None,
        }
    }
}

/// Configures an [`HttpTraceLayer`].
#[derive(Debug)]
#[must_use]
pub struct HttpTraceLayerBuilder {
    request_id_header: HeaderName,
    trust_request_id: bool,
    levels: AccessLevels,
    redactor: Option<Redactor>,
}

impl HttpTraceLayerBuilder {
    /// The header that carries request ids in and out (`X-Request-Id` by default).
    pub fn request_id_header(mut self, header: HeaderName) -> Self {
        self.request_id_header = header;
        self
    }

    /// Whether a caller's request id is taken (true by default); false makes a new one for
    /// every request, for services open to clients that should not choose them.
    pub fn trust_request_id(mut self, trust: bool) -> Self {
        self.trust_request_id = trust;
        self
    }

    /// The access line's levels.
    pub fn levels(mut self, levels: AccessLevels) -> Self {
        self.levels = levels;
        self
    }

    /// Masks query strings with `redactor` instead of the installed one.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = Some(redactor);
        self
    }

    /// The layer.
    pub fn build(self) -> HttpTraceLayer {
        HttpTraceLayer {
            config: Arc::new(TraceConfig {
                request_id_header: self.request_id_header,
                trust_request_id: self.trust_request_id,
                levels: self.levels,
                redactor: self.redactor.unwrap_or_else(Redactor::installed),
            }),
        }
    }
}

impl<S> Layer<S> for HttpTraceLayer {
    type Service = HttpTrace<S>;

    fn layer(&self, inner: S) -> HttpTrace<S> {
        HttpTrace {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service [`HttpTraceLayer`] wraps around yours.
#[derive(Clone)]
pub struct HttpTrace<S> {
    inner: S,
    config: Arc<TraceConfig>,
}

/// Records the authenticated user and their roles on the current request's span
/// (`user.id`, `user.roles`), so the access line and every later line of the request carry
/// them. Call it where the application authenticates, inside the request.
pub fn record_user(id: &str, roles: &[&str]) {
    let span = tracing::Span::current();
    span.record("user.id", id);
    span.record("user.roles", roles.join(",").as_str());
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for HttpTrace<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TracedResponse<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        let started = Instant::now();
        let config = &self.config;
        let request_id = RequestId::of_request(
            request.headers(),
            &config.request_id_header,
            config.trust_request_id,
        );
        let method = labels::method(request.method());
        let route = labels::route(request.extensions());
        let span = server_span(&request, method, &route, &request_id, &config.redactor);
        if let Some(caller) = context::of_caller(request.headers()) {
            // Before the span is entered, or tracing-opentelemetry refuses it.
            let _ = span.set_parent(caller);
        }
        request.extensions_mut().insert(request_id.clone());
        let inner = span.in_scope(|| self.inner.call(request));
        TracedResponse::new(
            inner,
            future::Request {
                span,
                started,
                request_id,
                header: config.request_id_header.clone(),
                levels: config.levels,
                method,
                route,
            },
        )
    }
}

fn server_span<B>(
    request: &http::Request<B>,
    method: &'static str,
    route: &str,
    request_id: &RequestId,
    redactor: &Redactor,
) -> tracing::Span {
    let uri = request.uri();
    let header = |name: http::header::HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let query = uri.query().map(|query| redactor.redact(query).into_owned());
    let server = uri.host().or_else(|| header(http::header::HOST));
    tracing::info_span!(
        target: "deploytel_http",
        "http_request",
        otel.name = format!("{method} {route}").as_str(),
        otel.kind = "server",
        otel.status_code = Empty,
        otel.status_description = Empty,
        http.request.method = method,
        http.route = route,
        http.request.id = request_id.as_str(),
        url.path = uri.path(),
        url.scheme = uri.scheme_str().unwrap_or("http"),
        url.query = query.as_deref(),
        server.address = server,
        user_agent.original = header(http::header::USER_AGENT),
        client.address = access::client_address(request.extensions()).as_deref(),
        http.response.status_code = Empty,
        error.type = Empty,
        user.id = Empty,
        user.roles = Empty,
    )
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use std::future::Future as _;

    use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};

    use super::*;

    /// The messages of the access lines.
    #[derive(Clone, Default)]
    struct AccessLines(Arc<Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for AccessLines {
        fn on_event(&self, event: &tracing::Event<'_>, _: LayerContext<'_, S>) {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(
                    &mut self,
                    field: &tracing::field::Field,
                    value: &dyn std::fmt::Debug,
                ) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            if event.metadata().target() == ACCESS_TARGET {
                let mut message = Message(String::new());
                event.record(&mut message);
                self.0.lock().unwrap().push(message.0);
            }
        }
    }

    /// A service that never answers.
    struct Never;

    impl Service<http::Request<()>> for Never {
        type Response = http::Response<()>;
        type Error = std::convert::Infallible;
        type Future = std::future::Pending<Result<http::Response<()>, Self::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: http::Request<()>) -> Self::Future {
            std::future::pending()
        }
    }

    #[test]
    fn a_request_dropped_before_its_answer_still_has_one_access_line() {
        let lines = AccessLines::default();
        let subscriber = tracing_subscriber::registry().with(lines.clone());
        tracing::subscriber::with_default(subscriber, || {
            let mut service = HttpTraceLayer::new().layer(Never);
            let request = http::Request::get("/deployments/42").body(()).unwrap();
            let mut future = Box::pin(service.call(request));
            let waker = std::task::Waker::noop();
            assert!(future
                .as_mut()
                .poll(&mut Context::from_waker(waker))
                .is_pending());
            drop(future);
        });
        let lines = lines.0.lock().unwrap();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("GET _unmatched cancelled"),
            "{lines:?}"
        );
    }
}
