//! The settings every pipeline shares, once the builder and the environment are combined.

use tracing_subscriber::EnvFilter;

use crate::env::{Env, DEPLOYTEL_LOG_FORMAT, OTEL_SERVICE_NAME, RUST_LOG};
use crate::InitError;

/// The log filter when neither `RUST_LOG` nor [`Builder::log_filter`](crate::Builder::log_filter)
/// says otherwise.
pub const DEFAULT_LOG_FILTER: &str = "info";

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

/// What the builder was told about the service and its logs; what it leaves open comes from
/// the environment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Requested {
    pub(crate) service_name: Option<String>,
    pub(crate) service_version: Option<String>,
    pub(crate) service_environment: Option<String>,
    pub(crate) log_filter: Option<String>,
    pub(crate) log_format: Option<LogFormat>,
    pub(crate) redactor: Option<deploytel_core::Redactor>,
}

/// The settings `init()` acts on.
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

impl Requested {
    /// Fills in what was not requested from `env`, then the defaults.
    pub(crate) fn resolve(self, env: &(impl Env + ?Sized)) -> Result<Settings, InitError> {
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
                Some(value) => parse_log_format(value)?,
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

fn parse_log_format(value: String) -> Result<LogFormat, InitError> {
    let reason = match value.trim() {
        "json" => return Ok(LogFormat::Json),
        "text" => return Ok(LogFormat::Text),
        "pretty" => {
            "expected json or text (the one-line text format was called pretty, which it is not)"
        }
        _ => "expected json or text",
    };
    Err(InitError::InvalidVariable {
        variable: DEPLOYTEL_LOG_FORMAT,
        value,
        reason: reason.to_owned(),
    })
}

impl Settings {
    /// The log filter, or an error naming where its directives came from.
    pub(crate) fn filter(&self) -> Result<EnvFilter, InitError> {
        EnvFilter::builder()
            .parse(&self.log_filter)
            .map_err(|e| InitError::InvalidFilter {
                source_name: self.log_filter_source,
                value: self.log_filter.clone(),
                reason: e.to_string(),
            })
    }
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
