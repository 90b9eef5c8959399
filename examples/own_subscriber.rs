//! A program that builds its own `tracing` subscriber from deploytel's layers instead of calling
//! `deploytel::init()`: the ECS JSON layer under a log filter, and the metrics layer, which has
//! a filter of its own so that the log level never hides a deployment from the metrics.
//!
//! Run it with `cargo run --example own_subscriber`: stdout holds the ECS lines of one
//! deployment; stderr, at the end, the Prometheus exposition of its metrics (a service would
//! serve them instead, see `deploytel::metrics::MetricsServer`).

use std::error::Error;

use deploytel::ecs::EcsLayer;
use deploytel::metrics::{encode_text, DeployMetrics, DeploySpans};
use deploytel::Deployment;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer};

fn main() -> Result<(), Box<dyn Error>> {
    let metrics = DeployMetrics::builder().build()?;
    let logs = EcsLayer::builder()
        .service_name("deployer")
        .build()
        // The log filter applies to the log lines only; with "warn" the metrics would still see
        // every deployment (but the lines would lack the spans' fields, which are info).
        .with_filter(EnvFilter::new("info"));
    let subscriber = tracing_subscriber::registry()
        .with(logs)
        .with(metrics.layer().with_filter(DeploySpans));
    tracing::subscriber::set_global_default(subscriber)?;

    Deployment::builder("deploy-billing", "staging")
        .start()
        .run(|deployment| {
            deployment.step("migrate_database").run(|step| {
                step.command("sh")
                    .args([
                        "-c",
                        "echo 'applied 3 migrations'; echo 'slow query: 2.1 s' >&2",
                    ])
                    .run()
            })
        })?;

    eprint!("{}", encode_text(metrics.registry())?);
    Ok(())
}
