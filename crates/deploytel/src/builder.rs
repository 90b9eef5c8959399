//! `init()` and its builder: read the environment, install the layers, hand back the guard.

use tracing_subscriber::layer::SubscriberExt;
#[cfg(feature = "ecs")]
use tracing_subscriber::Registry;
use tracing_subscriber::{EnvFilter, Layer};

use crate::env::{Env, ProcessEnv, DEPLOYTEL_LOG_FORMAT, OTEL_SERVICE_NAME, RUST_LOG};
use crate::{Guard, InitError};

/// The log filter when neither `RUST_LOG` nor [`Builder::log_filter`] says otherwise.
pub const DEFAULT_LOG_FILTER: &str = "info";

/// Configures what [`init`](crate::init) installs. Settings made here override the
/// environment variables they correspond to.
///
/// ```no_run
/// # fn main() -> Result<(), deploytel::InitError> {
/// let _guard = deploytel::builder()
///     .service_name("deployer")
///     .service_version(env!("CARGO_PKG_VERSION"))
///     .service_environment("production")
///     .log_filter("info,deployer=debug")
///     .init()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "a builder does nothing until `init()` is called"]
pub struct Builder {
    service_name: Option<String>,
    service_version: Option<String>,
    service_environment: Option<String>,
    log_filter: Option<String>,
    log_format: Option<LogFormat>,
    redactor: Option<deploytel_core::Redactor>,
    #[cfg(feature = "otlp")]
    traces_exporter: Option<crate::traces::TracesExporter>,
    #[cfg(feature = "otlp")]
    otlp_endpoint: Option<String>,
    #[cfg(feature = "metrics")]
    metrics_server: crate::metric_pipeline::ServerChoice,
    #[cfg(feature = "metrics")]
    metrics_bearer_token: Option<String>,
    #[cfg(feature = "metrics")]
    metrics_export: crate::metric_pipeline::ExportChoice,
    #[cfg(feature = "metrics")]
    metrics_registry: Option<deploytel_metrics::prometheus::Registry>,
    #[cfg(feature = "metrics")]
    metrics_limits: deploytel_metrics::Limits,
    #[cfg(feature = "metrics")]
    health: deploytel_metrics::Health,
}

/// The settings `init()` acts on, after the builder and the environment are combined.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) service_name: String,
    pub(crate) service_version: Option<String>,
    pub(crate) service_environment: Option<String>,
    pub(crate) log_filter: String,
    pub(crate) log_filter_source: &'static str,
    pub(crate) log_format: LogFormat,
    pub(crate) redactor: deploytel_core::Redactor,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogFormat {
    /// ECS JSON lines (with the `ecs` feature; otherwise text).
    #[default]
    Json,
    /// One line of text per event, for terminals: tracing-subscriber's default format (level,
    /// target, the spans' fields, the event's fields), with secrets masked. Not its multi-line
    /// `.pretty()` format.
    Text,
}

impl Builder {
    /// The one redactor for every output `init()` installs: log lines (JSON and text), exported
    /// spans (names, statuses, attributes, events), metric label values, and the arguments and
    /// output of every `Command` (through
    /// [`Redactor::installed`](deploytel_core::Redactor::installed)). The default masks what
    /// docs/REDACTION.md lists; [`Redactor::disabled`](deploytel_core::Redactor::disabled)
    /// masks nothing.
    pub fn redactor(mut self, redactor: deploytel_core::Redactor) -> Self {
        self.redactor = Some(redactor);
        self
    }

    /// `service.name` of this program; overrides `OTEL_SERVICE_NAME`. Without either, the name
    /// is `unknown_service:<executable>`, as the OpenTelemetry specification says.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// `service.version` of this program.
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.service_version = Some(version.into());
        self
    }

    /// `service.environment` of this program, e.g. `production`.
    pub fn service_environment(mut self, environment: impl Into<String>) -> Self {
        self.service_environment = Some(environment.into());
        self
    }

    /// Filter directives in the `RUST_LOG` syntax; overrides `RUST_LOG`.
    pub fn log_filter(mut self, directives: impl Into<String>) -> Self {
        self.log_filter = Some(directives.into());
        self
    }

    /// JSON lines or one line of text per event; overrides `DEPLOYTEL_LOG_FORMAT`.
    pub fn log_format(mut self, format: LogFormat) -> Self {
        self.log_format = Some(format);
        self
    }

    /// Where spans go; overrides `OTEL_TRACES_EXPORTER`.
    #[cfg(feature = "otlp")]
    pub fn traces_exporter(mut self, exporter: crate::traces::TracesExporter) -> Self {
        self.traces_exporter = Some(exporter);
        self
    }

    /// The full OTLP/HTTP URL for spans, e.g. `http://collector:4318/v1/traces`; overrides
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` and `OTEL_EXPORTER_OTLP_ENDPOINT`.
    #[cfg(feature = "otlp")]
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp_endpoint = Some(url.into());
        self
    }

    /// Serves `/metrics` and the health endpoints on `addr` (port 0 picks a free port, see
    /// [`Guard::metrics_addr`]); overrides `DEPLOYTEL_METRICS_ADDR`.
    #[cfg(feature = "metrics")]
    pub fn metrics_addr(mut self, addr: std::net::SocketAddr) -> Self {
        self.metrics_server = crate::metric_pipeline::ServerChoice::At(addr);
        self
    }

    /// Starts no metrics server whatever `DEPLOYTEL_METRICS_ADDR` says; the metrics are still
    /// recorded in the registry.
    #[cfg(feature = "metrics")]
    pub fn without_metrics_server(mut self) -> Self {
        self.metrics_server = crate::metric_pipeline::ServerChoice::Off;
        self
    }

    /// Requires `Authorization: Bearer <token>` on the metrics server; overrides
    /// `DEPLOYTEL_METRICS_BEARER_TOKEN`.
    #[cfg(feature = "metrics")]
    pub fn metrics_bearer_token(mut self, token: impl Into<String>) -> Self {
        self.metrics_bearer_token = Some(token.into());
        self
    }

    /// Writes the metrics to `path` for node_exporter's textfile collector (a `*.prom` file in
    /// its `--collector.textfile.directory`) when a deployment starts or ends and at shutdown,
    /// replacing the file whole each time; overrides `DEPLOYTEL_METRICS_TEXTFILE`. For programs
    /// that exit before Prometheus would scrape them.
    #[cfg(feature = "metrics")]
    pub fn metrics_textfile(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.metrics_export.textfile = Some(path.into());
        self
    }

    /// Pushes the metrics to the Pushgateway at `url` (`http://host:9091`) when a deployment
    /// starts or ends and at shutdown; overrides `DEPLOYTEL_METRICS_PUSHGATEWAY`. The group is
    /// `job` (the service name unless set) and `instance` (the host name unless set).
    #[cfg(feature = "metrics")]
    pub fn metrics_pushgateway(mut self, url: impl Into<String>) -> Self {
        self.metrics_export.pushgateway = Some(url.into());
        self
    }

    /// The `job` of the Pushgateway group; overrides `DEPLOYTEL_METRICS_PUSHGATEWAY_JOB`.
    #[cfg(feature = "metrics")]
    pub fn metrics_pushgateway_job(mut self, job: impl Into<String>) -> Self {
        self.metrics_export.job = Some(job.into());
        self
    }

    /// The `instance` of the Pushgateway group; overrides
    /// `DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE`.
    #[cfg(feature = "metrics")]
    pub fn metrics_pushgateway_instance(mut self, instance: impl Into<String>) -> Self {
        self.metrics_export.instance = Some(instance.into());
        self
    }

    /// Writes no textfile and pushes nowhere, whatever the environment says.
    #[cfg(feature = "metrics")]
    pub fn without_metrics_export(mut self) -> Self {
        self.metrics_export.off = true;
        self
    }

    /// Registers deploytel's metric families in `registry` (yours, beside your own metrics)
    /// instead of a new one.
    #[cfg(feature = "metrics")]
    pub fn metrics_registry(mut self, registry: &deploytel_metrics::prometheus::Registry) -> Self {
        self.metrics_registry = Some(registry.clone());
        self
    }

    /// Series and label-length limits of every metric family (default: 1,000 label
    /// combinations, 128-byte values).
    #[cfg(feature = "metrics")]
    pub fn metrics_limits(mut self, limits: deploytel_metrics::Limits) -> Self {
        self.metrics_limits = limits;
        self
    }

    /// Adds a readiness check that `/health/ready` runs; more can be added after `init()`
    /// through [`Guard::health`].
    #[cfg(feature = "metrics")]
    pub fn readiness_check(
        self,
        name: impl Into<String>,
        check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.health.add_check(name, check);
        self
    }

    /// Installs the telemetry as the global `tracing` subscriber and returns the guard that
    /// flushes it. Keep the guard alive until the program ends.
    pub fn init(self) -> Result<Guard, InitError> {
        #[cfg(feature = "otlp")]
        let traces = crate::traces::trace_settings(
            &ProcessEnv,
            self.traces_exporter.clone(),
            self.otlp_endpoint.as_deref(),
        )?;
        #[cfg(feature = "metrics")]
        let (metrics_choice, metrics_registry, metrics_limits, health) = (
            self.clone(),
            self.metrics_registry.clone(),
            self.metrics_limits,
            self.health.clone(),
        );
        let settings = self.settings(&ProcessEnv)?;
        #[cfg(feature = "metrics")]
        let metrics_settings = crate::metric_pipeline::metrics_settings(
            &ProcessEnv,
            &metrics_choice.metrics_server,
            metrics_choice.metrics_bearer_token.as_deref(),
            &metrics_choice.metrics_export,
            &settings.service_name,
        )?;
        let filter = parse_filter(&settings)?;

        // Logs and traces share the log filter as a per-layer filter, so that the metrics
        // layer, with a filter of its own, still sees deployments when RUST_LOG=warn. The
        // OpenTelemetry layer goes first: the ECS layer reads its span data for trace ids.
        #[cfg(feature = "otlp")]
        let (otel_layer, trace_pipeline) = match traces {
            Some(traces) => {
                let (layer, pipeline) = crate::traces::install(traces, &settings)?;
                (Some(layer), Some(pipeline))
            }
            None => (None, None),
        };
        #[cfg(feature = "ecs")]
        let (log_layer, ecs_stats) = log_layer(&settings);
        #[cfg(not(feature = "ecs"))]
        let log_layer = tracing_subscriber::fmt::layer().fmt_fields(
            crate::masked_fields::MaskedFields::new(settings.redactor.clone()),
        );
        #[cfg(feature = "otlp")]
        let observed = Layer::and_then(otel_layer, log_layer);
        #[cfg(not(feature = "otlp"))]
        let observed = log_layer;
        let subscriber = tracing_subscriber::registry().with(observed.with_filter(filter));

        #[cfg(feature = "metrics")]
        let metrics = crate::metric_pipeline::install(
            metrics_settings,
            metrics_registry.as_ref(),
            metrics_limits,
            health,
            &settings.redactor,
        )?;
        #[cfg(feature = "metrics")]
        let subscriber = subscriber.with(
            metrics
                .metrics
                .layer()
                .with_filter(deploytel_metrics::DeploySpans),
        );

        // Everything is built and bound; only now is anything made global, the subscriber
        // first, since it is the one step that can still fail.
        tracing::subscriber::set_global_default(subscriber)
            .map_err(|_| InitError::AlreadyInitialized)?;
        // Commands built from now on mask their arguments and output with the same redactor.
        // A host that installed one before keeps it; `Command::redactor` still overrides.
        deploytel_core::Redactor::install(settings.redactor.clone());
        #[cfg(feature = "otlp")]
        if let Some(pipeline) = &trace_pipeline {
            pipeline.install_globals();
        }
        Ok(Guard::new(
            #[cfg(feature = "ecs")]
            ecs_stats,
            #[cfg(feature = "otlp")]
            trace_pipeline,
            #[cfg(feature = "metrics")]
            metrics,
        ))
    }

    pub(crate) fn settings(self, env: &(impl Env + ?Sized)) -> Result<Settings, InitError> {
        let service_name = match self.service_name {
            Some(name) => name,
            None => match env.get(OTEL_SERVICE_NAME)? {
                Some(name) => name,
                None => unknown_service(),
            },
        };
        let (log_filter, log_filter_source) = match self.log_filter {
            Some(directives) => (directives, "Builder::log_filter"),
            None => match env.get(RUST_LOG)? {
                Some(directives) => (directives, RUST_LOG),
                None => (DEFAULT_LOG_FILTER.to_owned(), "the default filter"),
            },
        };
        let log_format = match self.log_format {
            Some(format) => format,
            None => match env.get(DEPLOYTEL_LOG_FORMAT)? {
                None => LogFormat::Json,
                Some(value) => match value.trim() {
                    "json" => LogFormat::Json,
                    "text" => LogFormat::Text,
                    "pretty" => {
                        return Err(InitError::InvalidVariable {
                            variable: DEPLOYTEL_LOG_FORMAT,
                            value,
                            reason: "expected json or text (the one-line text format was called \
                                     pretty, which it is not)"
                                .to_owned(),
                        })
                    }
                    _ => {
                        return Err(InitError::InvalidVariable {
                            variable: DEPLOYTEL_LOG_FORMAT,
                            value,
                            reason: "expected json or text".to_owned(),
                        })
                    }
                },
            },
        };
        Ok(Settings {
            log_format,
            redactor: self.redactor.unwrap_or_default(),
            service_name,
            service_version: self.service_version,
            service_environment: self.service_environment,
            log_filter,
            log_filter_source,
        })
    }
}

/// JSON lines through the ECS layer, or tracing-subscriber's one-line text for a terminal.
/// Boxed rather than `Option`: an `Option` layer does not pass on `on_register_dispatch`, which
/// the ECS layer needs to find trace ids.
#[cfg(feature = "ecs")]
fn log_layer(
    settings: &Settings,
) -> (
    Box<dyn Layer<Registry> + Send + Sync>,
    Option<deploytel_ecs::EcsStats>,
) {
    match settings.log_format {
        LogFormat::Json => {
            let layer = ecs_layer(settings);
            let stats = layer.stats();
            (layer.boxed(), Some(stats))
        }
        LogFormat::Text => (
            tracing_subscriber::fmt::layer()
                .fmt_fields(crate::masked_fields::MaskedFields::new(
                    settings.redactor.clone(),
                ))
                .boxed(),
            None,
        ),
    }
}

#[cfg(feature = "ecs")]
fn ecs_layer(settings: &Settings) -> deploytel_ecs::EcsLayer {
    let mut ecs = deploytel_ecs::EcsLayer::builder()
        .service_name(&settings.service_name)
        .redactor(settings.redactor.clone());
    if let Some(version) = &settings.service_version {
        ecs = ecs.service_version(version);
    }
    if let Some(environment) = &settings.service_environment {
        ecs = ecs.service_environment(environment);
    }
    ecs.build()
}

fn parse_filter(settings: &Settings) -> Result<EnvFilter, InitError> {
    EnvFilter::builder()
        .parse(&settings.log_filter)
        .map_err(|e| InitError::InvalidFilter {
            source_name: settings.log_filter_source,
            value: settings.log_filter.clone(),
            reason: e.to_string(),
        })
}

/// `unknown_service:<executable name>`, the specification's default service name.
fn unknown_service() -> String {
    let executable = std::env::current_exe()
        .ok()
        .and_then(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()));
    match executable {
        Some(name) => format!("unknown_service:{name}"),
        None => "unknown_service".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_overrides_the_environment() {
        let env = [(OTEL_SERVICE_NAME, "from-env"), (RUST_LOG, "debug")];
        let settings = Builder::default()
            .service_name("from-builder")
            .log_filter("warn")
            .settings(&env[..])
            .unwrap();
        assert_eq!(settings.service_name, "from-builder");
        assert_eq!(settings.log_filter, "warn");
    }

    #[test]
    fn the_environment_fills_what_the_builder_left_open() {
        let env = [(OTEL_SERVICE_NAME, "from-env"), (RUST_LOG, "debug")];
        let settings = Builder::default().settings(&env[..]).unwrap();
        assert_eq!(settings.service_name, "from-env");
        assert_eq!(
            (settings.log_filter.as_str(), settings.log_filter_source),
            ("debug", RUST_LOG)
        );
    }

    #[test]
    fn without_either_the_defaults_apply() {
        let settings = Builder::default().settings(&[][..]).unwrap();
        assert!(settings.service_name.starts_with("unknown_service"));
        assert_eq!(settings.log_filter, DEFAULT_LOG_FILTER);
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let env = [(OTEL_SERVICE_NAME, " "), (RUST_LOG, "")];
        let settings = Builder::default().settings(&env[..]).unwrap();
        assert!(settings.service_name.starts_with("unknown_service"));
        assert_eq!(settings.log_filter, DEFAULT_LOG_FILTER);
    }

    #[test]
    fn the_log_format_comes_from_the_builder_or_deploytel_log_format() {
        let text = [(DEPLOYTEL_LOG_FORMAT, "text")];
        assert_eq!(
            Builder::default().settings(&text[..]).unwrap().log_format,
            LogFormat::Text
        );
        let overridden = Builder::default()
            .log_format(LogFormat::Json)
            .settings(&text[..])
            .unwrap();
        assert_eq!(overridden.log_format, LogFormat::Json);
        let err = Builder::default()
            .settings(&[(DEPLOYTEL_LOG_FORMAT, "xml")][..])
            .unwrap_err();
        assert!(
            err.to_string().contains("DEPLOYTEL_LOG_FORMAT=\"xml\""),
            "{err}"
        );
        let renamed = Builder::default()
            .settings(&[(DEPLOYTEL_LOG_FORMAT, "pretty")][..])
            .unwrap_err();
        assert!(renamed.to_string().contains("json or text"), "{renamed}");
    }

    #[test]
    fn a_bad_filter_names_its_source_and_value() {
        let env = [(RUST_LOG, "info,my_crate=loud")];
        let settings = Builder::default().settings(&env[..]).unwrap();
        let err = parse_filter(&settings).unwrap_err();
        let text = err.to_string();
        assert!(matches!(
            err,
            InitError::InvalidFilter {
                source_name: RUST_LOG,
                ..
            }
        ));
        assert!(
            text.contains("RUST_LOG") && text.contains("my_crate=loud"),
            "{text}"
        );
    }
}
