//! Cost of deploytel's deployment and step spans against the same spans written by hand with
//! `tracing` macros, both through the ECS layer and tracing-opentelemetry into an exporter that
//! discards. Run with `cargo bench -p deploytel-benches --bench span_helpers`; results are in docs/PERFORMANCE.md.

use std::io;

use criterion::{criterion_group, criterion_main, Criterion};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::field::Empty;
use tracing::{info_span, Dispatch};
use tracing_subscriber::layer::SubscriberExt;

#[path = "support/deployments.rs"]
mod deployments;
use deployments::{ten_step_deployment, Discard, STEPS};

fn subscriber() -> (Dispatch, SdkTracerProvider) {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(Discard)
        .build();
    let dispatch = Dispatch::new(
        tracing_subscriber::registry()
            .with(
                deploytel_ecs::EcsLayer::builder()
                    .with_writer(io::sink)
                    .build(),
            )
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench"))),
    );
    (dispatch, provider)
}

fn by_hand() {
    let deployment = info_span!(
        "deployment",
        otel.name = "RUN deploy-billing",
        otel.kind = "server",
        cicd.pipeline.name = "deploy-billing",
        cicd.pipeline.run.id = "86211f3b77484d78cf62285682a2f890",
        deployment.environment.name = "staging",
        deployment.name = "billing",
        cicd.pipeline.result = Empty,
        deployment.status = Empty,
    );
    for (run_id, name) in STEPS.iter().enumerate() {
        let step = info_span!(
            parent: &deployment,
            "step",
            otel.name = name,
            otel.kind = "internal",
            cicd.pipeline.task.name = name,
            cicd.pipeline.task.run.id = run_id + 1,
            cicd.pipeline.task.type = "deploy",
            cicd.pipeline.task.run.result = Empty,
        );
        step.record("cicd.pipeline.task.run.result", "success");
    }
    deployment.record("cicd.pipeline.result", "success");
    deployment.record("deployment.status", "succeeded");
}

fn deployment_of_ten_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("deployment_of_ten_steps");
    for (name, run) in [
        ("deploytel-span helpers", ten_step_deployment as fn()),
        ("tracing macros by hand", by_hand),
    ] {
        let (dispatch, provider) = subscriber();
        group.bench_function(name, |b| {
            tracing::dispatcher::with_default(&dispatch, || b.iter(run))
        });
        // Shutting down at the end of a benchmark only flushes a discarding exporter.
        let _ = provider.shutdown();
    }
    group.finish();
}

criterion_group!(benches, deployment_of_ten_steps);
criterion_main!(benches);
