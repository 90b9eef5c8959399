//! Observability for deploy orchestrators in one call.
//!
//! A service that deploys software across a fleet (running `ansible-playbook`,
//! `terraform apply` or scripts) calls [`init`] once in `main`, wraps each deployment in a
//! `Deployment` and its steps, and gets ECS JSON logs on stdout that Elasticsearch, Kibana or
//! any log shipper ingests as they are, a trace per deployment, and Prometheus metrics.
//!
//! ```
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     let _guard = match deploytel::builder().service_name("deployer").init() {
//!         Ok(guard) => guard,
//!         Err(e) => {
//!             eprintln!("{e}");
//!             return ExitCode::FAILURE;
//!         }
//!     };
//!     # #[cfg(feature = "span")]
//!     # {
//!     use deploytel::Deployment;
//!
//!     let restarted = Deployment::builder("deploy-billing", "staging")
//!         .name("billing")
//!         .start()
//!         .run(|deployment| {
//!             tracing::info!("restarting billing");
//!             deployment.step("rolling_restart").run(|step| {
//!                 step.command("sh")
//!                     .args(["-c", "echo restarted billing.service"])
//!                     .run()
//!             })
//!         });
//!     if restarted.is_err() {
//!         return ExitCode::FAILURE;
//!     }
//!     # }
//!     ExitCode::SUCCESS
//! }
//! ```
//!
//! # What `init()` installs
//!
//! | piece | configured by |
//! |---|---|
//! | an `EnvFilter` | `RUST_LOG` (default `info`) or [`Builder::log_filter`] |
//! | the ECS JSON layer on stdout (`ecs::EcsLayer`), or the human format | `OTEL_SERVICE_NAME` or [`Builder::service_name`]; `DEPLOYTEL_LOG_FORMAT` or [`Builder::log_format`] |
//! | tracing-opentelemetry with a batch OTLP exporter (feature `otlp`) | the `OTEL_*` variables (docs/CONFIGURATION.md), `Builder::traces_exporter`, `Builder::otlp_endpoint` |
//! | the W3C trace-context and baggage propagators | — |
//! | the Prometheus deploy metrics layer (`metrics::DeployMetricsLayer`, feature `metrics`), and the `/metrics` and health server when an address is set | `DEPLOYTEL_METRICS_ADDR`, `DEPLOYTEL_METRICS_BEARER_TOKEN`, `Builder::metrics_addr`, `Builder::readiness_check` |
//! | for programs that exit after a deployment: the metrics written for node_exporter's textfile collector, or pushed to a Pushgateway (feature `pushgateway`), when a deployment starts or ends and at shutdown | `DEPLOYTEL_METRICS_TEXTFILE`, `DEPLOYTEL_METRICS_PUSHGATEWAY`, `Builder::metrics_textfile`, `Builder::metrics_pushgateway` |
//!
//! The returned [`Guard`] flushes on drop; [`Guard::shutdown`] says what could not be delivered.
//!
//! Settings made on the [`Builder`] override the environment. A bad value is an
//! [`InitError`] that names the variable and the value; a second `init()` in one program is
//! [`InitError::AlreadyInitialized`], never a panic.
//!
//! The crates behind this facade can be used alone: [`core`] holds the vocabulary and the
//! redactor, `ecs` the log layer for a host that builds its own subscriber, `span` the
//! deployment, step and subprocess spans, `metrics` the Prometheus layer, families and server.
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `ecs` | on | the ECS JSON log layer (`deploytel_ecs`) |
//! | `tokio` | off | `Command::run_async`, running subprocesses on tokio; `Step::run_async_with_retry` |
//! | `grpc` | off | OTLP over gRPC (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`), on a tokio runtime the guard owns |
//! | `otlp` | on | OpenTelemetry traces over OTLP/HTTP, and `trace.id`/`span.id` on log lines |
//! | `metrics` | on | Prometheus metrics from the deploy spans (`deploytel_metrics`), the `/metrics` and health server, the node_exporter textfile |
//! | `pushgateway` | on | pushing the metrics to a Prometheus Pushgateway |
//! | `tower` | off | `metrics::HttpMetricsLayer`, HTTP server metrics for tower services |
//! | `axum` | off | route labels from axum's `MatchedPath` in `metrics::HttpMetricsLayer` |
//! | `span` | on | deployment, step and subprocess spans (`deploytel_span`): `deployment!`, `step!`, `Deployment`, `Command` |
//! | `ansible` | on | Ansible runs as playbook > play > task > host spans, metrics and log lines (`ansible::Playbook`, `ansible::CallbackReader`) |
//! | `terraform` | on | Terraform plans as per-resource change records (`terraform::Plan`) |
//! | `audit` | on | the audit trail (`deploytel_audit`) in `DEPLOYTEL_AUDIT_DIR`: deployments recorded from their spans, `Guard::audit` for your own records |
//! | `audit-postgres` | off | copying the audit journal to PostgreSQL (`DEPLOYTEL_AUDIT_POSTGRES_URL`) |
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(
    feature = "audit-elasticsearch",
    feature = "audit-splunk-hec",
    feature = "audit-datadog"
))]
mod audit_forwarding;
#[cfg(not(any(
    feature = "audit-elasticsearch",
    feature = "audit-splunk-hec",
    feature = "audit-datadog"
)))]
#[path = "audit_forwarding_off.rs"]
mod audit_forwarding;
#[cfg(feature = "audit")]
mod audit_pipeline;
#[cfg(not(feature = "audit"))]
#[path = "audit_pipeline_off.rs"]
mod audit_pipeline;
mod builder;
mod env;
mod error;
mod guard;
mod logs;
mod masked_fields;
// Each pipeline keeps one shape with its feature off: a module of no-ops.
#[cfg(feature = "metrics")]
mod metric_pipeline;
#[cfg(not(feature = "metrics"))]
#[path = "metric_pipeline_off.rs"]
mod metric_pipeline;
mod settings;
#[cfg(feature = "otlp")]
mod traces;
#[cfg(not(feature = "otlp"))]
#[path = "traces_off.rs"]
mod traces;

pub use builder::Builder;
#[cfg(feature = "ansible")]
pub use deploytel_ansible as ansible;
#[cfg(feature = "audit")]
pub use deploytel_audit as audit;
pub use deploytel_core as core;
pub use deploytel_core::{semconv, Outcome, Redactor};
#[cfg(feature = "ecs")]
pub use deploytel_ecs as ecs;
#[cfg(feature = "metrics")]
pub use deploytel_metrics as metrics;
#[cfg(feature = "span")]
pub use deploytel_span as span;
#[cfg(feature = "span")]
pub use deploytel_span::{
    deployment, step, Command, CommandError, Deployment, Failure, Retry, Step,
};
#[cfg(feature = "terraform")]
pub use deploytel_terraform as terraform;
pub use env::{
    DEPLOYTEL_ACTOR, DEPLOYTEL_AUDIT_DIR, DEPLOYTEL_AUDIT_KEY, DEPLOYTEL_AUDIT_POSTGRES_URL,
    DEPLOYTEL_LOG_FORMAT, DEPLOYTEL_METRICS_ADDR, DEPLOYTEL_METRICS_BEARER_TOKEN,
    DEPLOYTEL_METRICS_PUSHGATEWAY, DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE,
    DEPLOYTEL_METRICS_PUSHGATEWAY_JOB, DEPLOYTEL_METRICS_TEXTFILE, OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_TIMEOUT,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_HEADERS,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, OTEL_SDK_DISABLED,
    OTEL_SERVICE_NAME, OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG,
    RUST_LOG,
};
pub use error::InitError;
pub use guard::{Guard, ShutdownReport, DEFAULT_SHUTDOWN_TIMEOUT};
pub use settings::{LogFormat, DEFAULT_LOG_FILTER};
#[cfg(feature = "otlp")]
pub use traces::{TracesExporter, DEFAULT_OTLP_GRPC_ENDPOINT, DEFAULT_OTLP_TRACES_ENDPOINT};
pub use tracing;

/// Installs deploytel with the settings of the environment; see [`Builder`] to set them in
/// code.
pub fn init() -> Result<Guard, InitError> {
    builder().init()
}

/// A [`Builder`] to configure what [`init`] installs.
pub fn builder() -> Builder {
    Builder::default()
}
