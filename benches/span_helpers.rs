//! Cost of deploytel's deployment and step spans against the same spans written by hand with
//! `tracing` macros, both through the ECS layer and tracing-opentelemetry into an exporter that
//! discards. Run with `cargo bench --bench span_helpers`; results are in docs/PERFORMANCE.md.

use std::io;

use criterion::{criterion_group, criterion_main, Criterion};
use deploytel_span::Deployment;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing::field::Empty;
use tracing::{info_span, Dispatch};
use tracing_subscriber::layer::SubscriberExt;

const STEPS: [&str; 10] = [
    "fetch_artifact",
    "verify_checksum",
    "stop_traffic",
    "migrate_database",
    "upload_config",
    "rolling_restart",
    "warm_caches",
    "start_traffic",
    "smoke_test",
    "notify",
];

#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, _: Vec<SpanData>) -> OTelSdkResult {
        Ok(())
    }
}

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

fn with_helpers() {
    let deployment = Deployment::builder("deploy-billing", "staging")
        .name("billing")
        .start();
    for name in STEPS {
        deployment.step(name).succeed();
    }
    deployment.succeed();
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
        ("deploytel-span helpers", with_helpers as fn()),
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
