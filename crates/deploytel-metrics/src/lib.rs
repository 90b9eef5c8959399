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
#![deny(missing_docs)]

mod active;
pub mod buckets;
mod deploy_metrics;
mod error;
mod exposition;
mod families;
mod family;
mod filter;
mod handle;
#[cfg(feature = "tower")]
mod http;
mod label;
mod layer;
mod limits;
pub mod names;
mod series_table;
#[cfg(feature = "server")]
mod server;
mod timers;

pub use deploy_metrics::{DeployMetrics, DeployMetricsBuilder};
pub use error::MetricsError;
pub use exposition::{encode_text, encode_text_into, TEXT_CONTENT_TYPE};
pub use families::{Families, OVERFLOW_FAMILY};
pub use family::{CounterFamily, GaugeFamily, HistogramFamily};
pub use filter::DeploySpans;
pub use handle::{Counter, Gauge, Histogram};
#[cfg(feature = "tower")]
pub use http::{HttpMetrics, HttpMetricsLayer, ResponseFuture, RouteTemplate};
pub use label::{text_from_bytes, OVERFLOW_VALUE};
pub use layer::DeployMetricsLayer;
pub use limits::Limits;
#[cfg(feature = "server")]
pub use server::{
    CheckResult, Health, HealthReport, MetricsServer, MetricsServerBuilder, DEFAULT_ADDR,
};
pub use timers::{DeploymentTimer, StepTimer, SubprocessTimer};

/// The `prometheus` crate this one builds on, for its `Registry` and your own metrics.
pub use prometheus;
