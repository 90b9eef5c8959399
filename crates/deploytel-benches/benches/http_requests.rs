//! One HTTP request through deploytel's request layers against tower-http's doing comparable
//! work, in the same run, on the same subscriber stack (tracing-opentelemetry into a
//! discarding exporter, plus a JSON log layer writing to a sink, under an `info` filter):
//!
//! - `deploytel`: `HttpTraceLayer` (server span with the HTTP conventions' attributes, the
//!   caller's context extracted through the W3C propagator, a request id checked or made, set on
//!   the response, one access line through the ECS layer) around `HttpMetricsLayer`;
//! - `deploytel_without_metrics`: `HttpTraceLayer` alone;
//! - `tower_http`: `SetRequestIdLayer` (a UUID per request) + `TraceLayer` (a span and one
//!   response line, both at info: its default span level, debug, would make no span under the
//!   `info` filter) + `PropagateRequestIdLayer`, with tracing-subscriber's JSON formatter.
//!
//! The handler answers at once, so the numbers are the layers' own cost per request. Run with
//! `cargo bench -p deploytel-benches --bench http_requests`; results are in docs/PERFORMANCE.md.

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::io;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, Criterion};
use deploytel_metrics::prometheus::Registry;
use deploytel_metrics::{Families, HttpMetricsLayer, HttpTraceLayer, Limits, RouteTemplate};
use http::{Request, Response};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_layer::Layer as _;
use tower_service::Service;
use tracing::{Dispatch, Level};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer as _;

// Only its discarding exporter is used here.
#[allow(dead_code)]
#[path = "support/deployments.rs"]
mod deployments;
use deployments::Discard;

/// The service behind the layers: answers at once.
#[derive(Clone)]
struct Answer;

impl Service<Request<String>> for Answer {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<String>) -> Self::Future {
        std::future::ready(Ok(Response::new(String::new())))
    }
}

fn request() -> Request<String> {
    let mut request = Request::builder()
        .method("POST")
        .uri("http://deployer.internal/deployments/billing?dry_run=false")
        .header("user-agent", "bench/1.0")
        .header("x-request-id", "req-0123456789abcdef")
        .body(String::new())
        .expect("a valid request");
    request
        .extensions_mut()
        .insert(RouteTemplate("/deployments/{pipeline}".into()));
    request
}

/// Polls a future that is ready at once (every layer here answers without waiting).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the service answers at once"),
    }
}

fn dispatch(deploytel_lines: bool) -> (Dispatch, SdkTracerProvider) {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(Discard)
        .build();
    let otel = tracing_opentelemetry::layer().with_tracer(provider.tracer("bench"));
    let dispatch = if deploytel_lines {
        let ecs = deploytel_ecs::EcsLayer::builder()
            .with_writer(io::sink)
            .build();
        Dispatch::new(
            tracing_subscriber::registry().with(
                otel.and_then(ecs)
                    .with_filter(tracing_subscriber::EnvFilter::new("info")),
            ),
        )
    } else {
        let json = tracing_subscriber::fmt::layer()
            .json()
            .with_writer(io::sink);
        Dispatch::new(
            tracing_subscriber::registry().with(
                otel.and_then(json)
                    .with_filter(tracing_subscriber::EnvFilter::new("info")),
            ),
        )
    };
    (dispatch, provider)
}

fn bench(c: &mut Criterion) {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let mut group = c.benchmark_group("http_request");

    let families = Families::new(&Registry::new(), Limits::default()).expect("families");
    let metrics = HttpMetricsLayer::new(&families).expect("the HTTP families");
    let (ours, provider) = dispatch(true);
    let mut full = HttpTraceLayer::new().layer(metrics.layer(Answer));
    let mut trace_only = HttpTraceLayer::new().layer(Answer);
    tracing::dispatcher::with_default(&ours, || {
        group.bench_function("deploytel", |b| {
            b.iter(|| black_box(ready(full.call(request()))))
        });
        group.bench_function("deploytel_without_metrics", |b| {
            b.iter(|| black_box(ready(trace_only.call(request()))))
        });
    });
    drop(provider);

    let (peer, provider) = dispatch(false);
    let header = http::HeaderName::from_static("x-request-id");
    let mut tower_http = SetRequestIdLayer::new(header.clone(), MakeRequestUuid).layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
            .on_response(DefaultOnResponse::new().level(Level::INFO))
            .layer(PropagateRequestIdLayer::new(header).layer(Answer)),
    );
    tracing::dispatcher::with_default(&peer, || {
        group.bench_function("tower_http", |b| {
            b.iter(|| black_box(ready(tower_http.call(request()))))
        });
    });
    drop(provider);
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
