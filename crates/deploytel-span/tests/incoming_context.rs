//! A deployment started under `TRACEPARENT` joins that trace; an invalid one starts a new trace.
//! One test in this binary, since it changes the process environment.

use deploytel_span::deployment;
use deploytel_testkit::spans::KeptSpans;
use opentelemetry::trace::{TraceId, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;

#[test]
fn a_root_deployment_joins_a_valid_traceparent_and_ignores_an_invalid_one() {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let kept = KeptSpans::new();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(kept.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    tracing::subscriber::with_default(subscriber, || {
        std::env::set_var("TRACEPARENT", format!("00-{caller_trace}-{caller_span}-01"));
        deployment!("joined", "staging").succeed();
        std::env::set_var("TRACEPARENT", "00-not-a-trace-context");
        deployment!("fresh", "staging").succeed();
        std::env::remove_var("TRACEPARENT");
    });
    provider.shutdown().unwrap();
    let spans = kept.spans();
    let joined = spans.iter().find(|s| s.name == "RUN joined").unwrap();
    assert_eq!(
        format!("{:032x}", joined.span_context.trace_id()),
        caller_trace
    );
    assert_eq!(format!("{:016x}", joined.parent_span_id), caller_span);
    assert!(joined.parent_span_is_remote);
    let fresh = spans.iter().find(|s| s.name == "RUN fresh").unwrap();
    assert_ne!(
        fresh.span_context.trace_id(),
        joined.span_context.trace_id()
    );
    assert_ne!(fresh.span_context.trace_id(), TraceId::INVALID);
    assert_eq!(fresh.parent_span_id, opentelemetry::trace::SpanId::INVALID);
}
