//! With the `opentelemetry` feature, lines carry the ids of their span's OpenTelemetry context.
#![cfg(feature = "opentelemetry")]

use deploytel_ecs::EcsLayer;
use deploytel_testkit::capture::Capture;
use deploytel_testkit::ecs::parse_ecs_lines;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::{info, info_span};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

#[test]
fn lines_inside_spans_carry_the_trace_and_span_ids_of_their_span() {
    let provider = SdkTracerProvider::builder().build();
    let capture = Capture::new();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")))
        .with(EcsLayer::builder().with_writer(capture.clone()).build());

    let mut expected = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        info!("outside any span");
        let deployment = info_span!("deployment");
        let _d = deployment.enter();
        info!("in deployment");
        let step = info_span!("step");
        let _s = step.enter();
        info!("in step");
        for span in [&deployment, &step] {
            let cx = span.context();
            let span_context = cx.span().span_context().clone();
            expected.push((
                format!("{:032x}", span_context.trace_id()),
                format!("{:016x}", span_context.span_id()),
            ));
        }
    });

    let lines = parse_ecs_lines(&capture.text()).unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].get("trace.id"), None);
    assert_eq!(lines[0].get("span.id"), None);
    for (line, (trace_id, span_id)) in lines[1..].iter().zip(&expected) {
        assert_eq!(line.str("trace.id"), Some(trace_id.as_str()));
        assert_eq!(line.str("span.id"), Some(span_id.as_str()));
    }
    assert_eq!(expected[0].0, expected[1].0, "one trace");
    assert_ne!(expected[0].1, expected[1].1);
    let trace_id = lines[1].str("trace.id").unwrap();
    assert!(
        trace_id.len() == 32
            && trace_id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
}

#[test]
fn without_an_opentelemetry_layer_lines_have_no_ids() {
    let capture = Capture::new();
    let subscriber = tracing_subscriber::registry()
        .with(EcsLayer::builder().with_writer(capture.clone()).build());
    tracing::subscriber::with_default(subscriber, || {
        let span = info_span!("deployment");
        let _e = span.enter();
        info!("x");
    });
    let lines = parse_ecs_lines(&capture.text()).unwrap();
    assert_eq!(lines[0].get("trace.id"), None);
}
