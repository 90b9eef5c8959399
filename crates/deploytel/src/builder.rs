//! `init()` and its builder: read the environment, install the pipelines, hand back the guard.
//!
//! Each pipeline (`logs`, `traces`, `metrics`, `audit`) has the same shape whether its feature is on or
//! off: a `Choice` the builder fills, a `plan` worked out from it and the environment, and an
//! `install` that returns its layer and what the guard keeps.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

use crate::env::{Env, ProcessEnv};
use crate::settings::{LogFormat, Requested, Settings};
use crate::{audit_pipeline as audit, logs, metric_pipeline as metrics, traces, Guard, InitError};

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
    requested: Requested,
    pub(crate) traces: traces::Choice,
    pub(crate) metrics: metrics::Choice,
    pub(crate) audit: audit::Choice,
}

impl Builder {
    /// The one redactor for every output `init()` installs: log lines (JSON and text), exported
    /// spans (names, statuses, attributes, events), metric label values, and the arguments and
    /// output of every `Command` (through
    /// [`Redactor::installed`](deploytel_core::Redactor::installed)). The default masks what
    /// docs/REDACTION.md lists; [`Redactor::disabled`](deploytel_core::Redactor::disabled)
    /// masks nothing.
    pub fn redactor(mut self, redactor: deploytel_core::Redactor) -> Self {
        self.requested.redactor = Some(redactor);
        self
    }

    /// `service.name` of this program; overrides `OTEL_SERVICE_NAME`. Without either, the name
    /// is `unknown_service:<executable>`, as the OpenTelemetry specification says.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.requested.service_name = Some(name.into());
        self
    }

    /// `service.version` of this program.
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.requested.service_version = Some(version.into());
        self
    }

    /// `service.environment` of this program, e.g. `production`.
    pub fn service_environment(mut self, environment: impl Into<String>) -> Self {
        self.requested.service_environment = Some(environment.into());
        self
    }

    /// Filter directives in the `RUST_LOG` syntax; overrides `RUST_LOG`.
    pub fn log_filter(mut self, directives: impl Into<String>) -> Self {
        self.requested.log_filter = Some(directives.into());
        self
    }

    /// JSON lines or one line of text per event; overrides `DEPLOYTEL_LOG_FORMAT`.
    pub fn log_format(mut self, format: LogFormat) -> Self {
        self.requested.log_format = Some(format);
        self
    }

    /// Installs the telemetry as the global `tracing` subscriber and returns the guard that
    /// flushes it. Keep the guard alive until the program ends.
    pub fn init(self) -> Result<Guard, InitError> {
        // Every setting is read and checked before anything is built.
        let settings = self.settings(&ProcessEnv)?;
        let filter = settings.filter()?;
        let trace_plan = traces::plan(&ProcessEnv, &self.traces)?;
        let metrics_plan = metrics::plan(&ProcessEnv, &self.metrics, &settings)?;
        let audit_plan = audit::plan(&ProcessEnv, &self.audit)?;

        // Logs and traces share the log filter as a per-layer filter, so that the metrics
        // layer, with a filter of its own, still sees deployments when RUST_LOG=warn. The
        // OpenTelemetry layer goes first: the ECS layer reads its span data for trace ids.
        let (trace_layer, traces) = traces::install(trace_plan, &settings)?;
        let (log_layer, logs) = logs::install(&settings);
        let (metrics_layer, metrics) = metrics::install(metrics_plan, &settings)?;
        let (audit_layer, audit) = audit::install(audit_plan, &settings)?;
        if audit.is_recording() {
            metrics.expect_audit_records()?;
        }
        let subscriber = tracing_subscriber::registry()
            .with(Layer::and_then(trace_layer, log_layer).with_filter(filter))
            .with(metrics_layer)
            .with(audit_layer);

        // Everything is built and bound; only now is anything made global, the subscriber
        // first, since it is the one step that can still fail.
        tracing::subscriber::set_global_default(subscriber)
            .map_err(|_| InitError::AlreadyInitialized)?;
        // Commands built from now on mask their arguments and output with the same redactor.
        // A host that installed one before keeps it; `Command::redactor` still overrides.
        deploytel_core::Redactor::install(settings.redactor.clone());
        traces.install_globals();
        Ok(Guard::new(logs, traces, metrics, audit))
    }

    pub(crate) fn settings(&self, env: &(impl Env + ?Sized)) -> Result<Settings, InitError> {
        self.requested.clone().resolve(env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{DEPLOYTEL_LOG_FORMAT, OTEL_SERVICE_NAME, RUST_LOG};
    use crate::settings::DEFAULT_LOG_FILTER;

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
        let err = settings.filter().unwrap_err();
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
