//! The workloads every log-layer benchmark runs, shared by the timing and allocation benches.

use std::io;

use tracing::{info, info_span, Dispatch};
use tracing_subscriber::layer::SubscriberExt;

/// Runs `f` inside `deployment{deployment.id = 42, service = "billing"}` >
/// `step{step.name = "install_packages"}`, entered once, outside the measured loop, as they are
/// in a long-running step.
fn in_two_spans(dispatch: &Dispatch, f: impl FnOnce()) {
    tracing::dispatcher::with_default(dispatch, || {
        let deployment = info_span!("deployment", deployment.id = 42u64, service = "billing");
        let _deployment = deployment.enter();
        let step = info_span!("step", step.name = "install_packages");
        let _step = step.enter();
        f();
    });
}

fn step_finished() {
    info!(
        deployment.id = 42u64,
        step.name = "install_packages",
        host = "web-01",
        duration_ms = 1250u64,
        "step finished"
    );
}

/// Workload 1: one event with four fields inside two spans.
pub fn event_in_two_spans(dispatch: &Dispatch, events: u64) {
    in_two_spans(dispatch, || (0..events).for_each(|_| step_finished()));
}

/// Workload 2: the same event with five fields and no span.
pub fn event_without_spans(dispatch: &Dispatch, events: u64) {
    tracing::dispatcher::with_default(dispatch, || {
        for _ in 0..events {
            info!(
                deployment.id = 42u64,
                step.name = "install_packages",
                host = "web-01",
                duration_ms = 1250u64,
                attempt = 1u64,
                "step finished"
            );
        }
    });
}

/// Workload 3: workload 1's event alternating with a different one in the same spans, so that
/// no event has the same fields as the one before it.
pub fn alternating_events_in_two_spans(dispatch: &Dispatch, events: u64) {
    in_two_spans(dispatch, || {
        for i in 0..events {
            if i % 2 == 0 {
                step_finished();
            } else {
                info!(host.name = "web-02", attempt = 2u64, "retrying step");
            }
        }
    });
}

/// Workload 4: a span's whole life, as an orchestrator lives it once per step and per
/// subprocess: create a span with four fields, enter it, log one event, exit, close.
pub fn span_lifecycle(dispatch: &Dispatch, spans: u64) {
    tracing::dispatcher::with_default(dispatch, || {
        for i in 0..spans {
            let step = info_span!(
                "step",
                step.name = "install_packages",
                step.run = i,
                host = "web-01",
                attempt = 1u64
            );
            let _entered = step.enter();
            info!(duration_ms = 1250u64, "step finished");
        }
    });
}

/// Emits the given number of events (or, for the span workload, spans) through a dispatcher.
pub type Workload = fn(&Dispatch, u64);

/// The workloads, by name.
pub const WORKLOADS: [(&str, Workload); 4] = [
    ("event_in_two_spans", event_in_two_spans),
    ("event_without_spans", event_without_spans),
    (
        "alternating_events_in_two_spans",
        alternating_events_in_two_spans,
    ),
    ("span_lifecycle", span_lifecycle),
];

/// `EcsLayer` with `redactor`, writing to `io::sink`.
pub fn ecs_layer(redactor: deploytel_ecs::Redactor) -> Dispatch {
    Dispatch::new(
        tracing_subscriber::registry().with(
            deploytel_ecs::EcsLayer::builder()
                .service_name("billing")
                .redactor(redactor)
                .with_writer(io::sink)
                .build(),
        ),
    )
}

/// Each formatter under test, with its default settings, writing to `io::sink`.
pub fn formatters() -> Vec<(&'static str, Dispatch)> {
    vec![
        (
            "deploytel EcsLayer",
            ecs_layer(deploytel_ecs::Redactor::default()),
        ),
        (
            "deploytel EcsLayer, redaction off",
            ecs_layer(deploytel_ecs::Redactor::disabled()),
        ),
        (
            "tracing-subscriber fmt json",
            Dispatch::new(
                tracing_subscriber::registry().with(
                    tracing_subscriber::fmt::layer()
                        .json()
                        .with_writer(io::sink),
                ),
            ),
        ),
        (
            "json-subscriber",
            Dispatch::new(
                tracing_subscriber::registry().with(json_subscriber::layer().with_writer(io::sink)),
            ),
        ),
        (
            "tracing-bunyan-formatter",
            Dispatch::new(
                tracing_subscriber::registry()
                    .with(tracing_bunyan_formatter::JsonStorageLayer)
                    .with(tracing_bunyan_formatter::BunyanFormattingLayer::new(
                        "billing".to_owned(),
                        io::sink,
                    )),
            ),
        ),
    ]
}
