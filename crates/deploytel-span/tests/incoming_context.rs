//! A deployment started under `TRACEPARENT` joins that trace; an invalid one starts a new trace.
//! One test in this binary, since it changes the process environment.

use deploytel_span::deployment;
use deploytel_testkit::spans::exported;
use opentelemetry::trace::TraceId;

#[test]
fn a_root_deployment_joins_a_valid_traceparent_and_ignores_an_invalid_one() {
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let spans = exported(|| {
        std::env::set_var("TRACEPARENT", format!("00-{caller_trace}-{caller_span}-01"));
        deployment!("joined", "staging").succeed();
        std::env::set_var("TRACEPARENT", "00-not-a-trace-context");
        deployment!("fresh", "staging").succeed();
        std::env::remove_var("TRACEPARENT");
    });
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
