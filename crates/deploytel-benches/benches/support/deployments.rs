//! The ten-step deployment the span and metrics benchmarks run, and an exporter that discards
//! what the OpenTelemetry SDK hands it.

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// Step names of the benchmark deployment.
pub const STEPS: [&str; 10] = [
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

/// Takes spans and drops them, so a benchmark measures recording, not delivery.
#[derive(Debug)]
pub struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, _: Vec<SpanData>) -> OTelSdkResult {
        Ok(())
    }
}

/// A deployment of [`STEPS`] through deploytel-span's helpers, every step succeeding.
pub fn ten_step_deployment() {
    let deployment = deploytel_span::Deployment::builder("deploy-billing", "staging")
        .name("billing")
        .start();
    for name in STEPS {
        deployment.step(name).succeed();
    }
    deployment.succeed();
}
