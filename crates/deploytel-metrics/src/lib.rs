//! Prometheus metrics for deploy orchestrators: whether deployments succeed, how long they
//! take, which steps fail, and what runs right now, derived from deploytel's deployment spans
//! with no metric calls in your code.
//!
//! ```
//! use deploytel_metrics::DeployMetrics;
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let metrics = DeployMetrics::builder().build()?;
//! let subscriber = tracing_subscriber::registry().with(metrics.layer());
//! tracing::subscriber::with_default(subscriber, || {
//!     let deployment = deploytel_span::deployment!("deploy-billing", "staging");
//!     deployment.fail("ansible_failed", "2 hosts failed");
//! });
//! let scrape = deploytel_metrics::encode_text(metrics.registry())?;
//! assert!(scrape.contains(
//!     r#"deploytel_deployments_total{environment="staging",pipeline="deploy-billing",result="failure"} 1"#
//! ));
//! # Ok::<(), deploytel_metrics::MetricsError>(())
//! ```
//!
//! # Main types
//!
//! | type | what it is |
//! |---|---|
//! | [`DeployMetrics`] | the `deploytel_*` families of one registry, the manual API ([`DeployMetrics::start_deployment`], [`DeployMetrics::record_deployment`], …) |
//! | [`DeployMetricsLayer`] | the tracing layer that records them from deployment, step and subprocess spans; add it with the [`DeploySpans`] filter |
//! | [`Families`], [`CounterFamily`], [`GaugeFamily`], [`HistogramFamily`] | families with a series cap ([`Limits`]) and an overflow series, for your own metrics too |
//! | [`Counter`], [`Gauge`], [`Histogram`] | handles to one series |
//! | `MetricsServer`, `Health` | `/metrics`, `/health`, `/health/ready`, `/health/detailed` on a thread of their own (feature `server`) |
//! | `HttpMetricsLayer` | a `tower::Layer` with HTTP server metrics (feature `tower`) |
//! | `HttpTraceLayer` | a `tower::Layer` giving each request a server span in the caller's trace, a request id and one access log line (feature `tower`) |
//! | [`MetricsExport`] | hands the metrics over for programs that exit after a deployment: a node_exporter textfile, a Pushgateway (feature `pushgateway`) |
//!
//! The metric names, labels and shipped rules are documented in the repository's
//! `docs/METRICS.md`; the names are constants in [`names`]. Alerting and recording rules are in
//! this crate's `prometheus/` directory (DORA's four keys in `prometheus/dora.yml`) and the
//! Grafana dashboards in `grafana/`.
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `server` | on | `MetricsServer` and `Health`: the exposition and health endpoints, std only |
//! | `tower` | off | `HttpMetricsLayer`, `HttpTraceLayer`, `RouteTemplate` (depends on `http`, `tower-layer`, `tower-service`, `opentelemetry`, `tracing-opentelemetry`) |
//! | `axum` | off | route labels from axum's `MatchedPath`; with `server`, `metrics_router`: the server's paths as an axum router |
//! | `pushgateway` | off | `Pushgateway`: pushing to a Prometheus Pushgateway over HTTP (depends on `reqwest`'s blocking client) |
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod ansible_series;
mod audit_series;
pub mod buckets;
mod capped_family;
mod clock;
mod deploy_metrics;
mod error;
mod export;
mod exposition;
mod family_registry;
mod filter;
#[cfg(feature = "tower")]
mod http;
#[cfg(feature = "tower")]
mod http_trace;
mod label;
mod layer;
mod limits;
pub mod names;
mod run_series;
mod series_handles;
mod series_table;
#[cfg(feature = "server")]
mod server;
mod sink_series;
mod terraform_series;
mod timers;

pub use capped_family::{CounterFamily, GaugeFamily, HistogramFamily};
pub use deploy_metrics::{DeployMetrics, DeployMetricsBuilder};
pub use error::MetricsError;
pub use export::{ExportReport, MetricsExport};
#[cfg(feature = "pushgateway")]
pub use export::{Pushgateway, DEFAULT_PUSH_TIMEOUT};
pub use exposition::{encode_text, TEXT_CONTENT_TYPE};
pub use family_registry::{Families, OVERFLOW_FAMILY};
pub use filter::DeploySpans;
#[cfg(feature = "tower")]
pub use http::{HttpMetrics, HttpMetricsLayer, ResponseFuture, RouteTemplate};
#[cfg(feature = "tower")]
pub use http_trace::{
    record_user, AccessLevels, HttpTrace, HttpTraceLayer, HttpTraceLayerBuilder, RequestId,
    TracedResponse, ACCESS_TARGET,
};
pub use label::{text_from_bytes, OVERFLOW_VALUE};
pub use layer::DeployMetricsLayer;
pub use limits::Limits;
pub use series_handles::{Counter, Gauge, Histogram};
#[cfg(all(feature = "server", feature = "axum"))]
pub use server::metrics_router;
#[cfg(feature = "server")]
pub use server::{
    CheckResult, Health, HealthReport, MetricsServer, MetricsServerBuilder, DEFAULT_ADDR,
};
pub use timers::{DeploymentTimer, StepTimer, SubprocessTimer};

/// The `prometheus` crate this one builds on, for its `Registry` and your own metrics.
pub use prometheus;
