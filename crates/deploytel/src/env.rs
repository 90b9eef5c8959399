//! The environment variables `init()` reads, behind a lookup that tests can replace.

use crate::InitError;

/// Log filter directives, as for `tracing_subscriber::EnvFilter`.
pub const RUST_LOG: &str = "RUST_LOG";
/// The logical name of the service, as in the OpenTelemetry SDK specification.
pub const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";

/// `json` (ECS lines, the default) or `text` (one line of text per event).
pub const DEPLOYTEL_LOG_FORMAT: &str = "DEPLOYTEL_LOG_FORMAT";
/// Address of the metrics and health server (`ip:port`); unset or `off`: no server.
pub const DEPLOYTEL_METRICS_ADDR: &str = "DEPLOYTEL_METRICS_ADDR";
/// Bearer token the metrics and health server requires; unset: none.
pub const DEPLOYTEL_METRICS_BEARER_TOKEN: &str = "DEPLOYTEL_METRICS_BEARER_TOKEN";
/// File for node_exporter's textfile collector (`*.prom`), rewritten when a deployment starts
/// or ends and at shutdown; unset or `off`: none.
pub const DEPLOYTEL_METRICS_TEXTFILE: &str = "DEPLOYTEL_METRICS_TEXTFILE";
/// Pushgateway to push the metrics to (`http://host:9091`) when a deployment starts or ends and
/// at shutdown; unset or `off`: none.
pub const DEPLOYTEL_METRICS_PUSHGATEWAY: &str = "DEPLOYTEL_METRICS_PUSHGATEWAY";
/// `job` of the Pushgateway grouping key; default: the service name.
pub const DEPLOYTEL_METRICS_PUSHGATEWAY_JOB: &str = "DEPLOYTEL_METRICS_PUSHGATEWAY_JOB";
/// `instance` of the Pushgateway grouping key; default: the host name.
pub const DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE: &str = "DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE";
/// Disables the OpenTelemetry SDK (`true`), so no spans are exported.
pub const OTEL_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
/// Where spans go: `otlp` (default), `console` (stderr) or `none`.
pub const OTEL_TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";
/// Base URL of the OTLP receiver; `/v1/traces` is appended.
pub const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// Full URL for spans, used as it is; wins over `OTEL_EXPORTER_OTLP_ENDPOINT`.
pub const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// OTLP transport: `http/protobuf` (the one built in).
pub const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
/// Headers sent with every export, `key=value,key2=value2`, values percent-encoded.
pub const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
/// `OTEL_EXPORTER_OTLP_PROTOCOL` for traces only; wins over it.
pub const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
/// `OTEL_EXPORTER_OTLP_HEADERS` for traces only; wins over it.
pub const OTEL_EXPORTER_OTLP_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
/// `OTEL_EXPORTER_OTLP_TIMEOUT` for traces only; wins over it.
pub const OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
/// Export timeout in milliseconds (default 10000).
pub const OTEL_EXPORTER_OTLP_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
/// Sampler: `parentbased_always_on` (default), `always_on`, `always_off`, `traceidratio`,
/// `parentbased_always_off`, `parentbased_traceidratio`.
pub const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
/// The sampling ratio for the `traceidratio` samplers, from 0 to 1.
pub const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";

/// The audit journal's directory; auditing is on when it is set.
pub const DEPLOYTEL_AUDIT_DIR: &str = "DEPLOYTEL_AUDIT_DIR";
/// The audit chain's HMAC key, in hex (at least 16 bytes); unkeyed SHA-256 without it.
pub const DEPLOYTEL_AUDIT_KEY: &str = "DEPLOYTEL_AUDIT_KEY";
/// A PostgreSQL URL the audit journal is copied to (feature `audit-postgres`).
pub const DEPLOYTEL_AUDIT_POSTGRES_URL: &str = "DEPLOYTEL_AUDIT_POSTGRES_URL";
/// Forwards the audit journal to Elasticsearch at this URL (feature `audit-elasticsearch`).
pub const DEPLOYTEL_AUDIT_ELASTICSEARCH_URL: &str = "DEPLOYTEL_AUDIT_ELASTICSEARCH_URL";
/// The index or data stream (default `logs-deploytel.audit-default`).
pub const DEPLOYTEL_AUDIT_ELASTICSEARCH_INDEX: &str = "DEPLOYTEL_AUDIT_ELASTICSEARCH_INDEX";
/// The Elasticsearch API key (the encoded value).
pub const DEPLOYTEL_AUDIT_ELASTICSEARCH_API_KEY: &str = "DEPLOYTEL_AUDIT_ELASTICSEARCH_API_KEY";
/// Forwards the audit journal to a Splunk HTTP Event Collector at this URL (feature
/// `audit-splunk-hec`).
pub const DEPLOYTEL_AUDIT_SPLUNK_HEC_URL: &str = "DEPLOYTEL_AUDIT_SPLUNK_HEC_URL";
/// The HEC token.
pub const DEPLOYTEL_AUDIT_SPLUNK_HEC_TOKEN: &str = "DEPLOYTEL_AUDIT_SPLUNK_HEC_TOKEN";
/// The Splunk index (the token's default when unset).
pub const DEPLOYTEL_AUDIT_SPLUNK_HEC_INDEX: &str = "DEPLOYTEL_AUDIT_SPLUNK_HEC_INDEX";
/// `on` to wait for indexer acknowledgement (the token must have it on).
pub const DEPLOYTEL_AUDIT_SPLUNK_HEC_ACK: &str = "DEPLOYTEL_AUDIT_SPLUNK_HEC_ACK";
/// Forwards the audit journal to Datadog Logs with this API key (feature `audit-datadog`).
pub const DEPLOYTEL_AUDIT_DATADOG_API_KEY: &str = "DEPLOYTEL_AUDIT_DATADOG_API_KEY";
/// The Datadog intake URL (default from `DD_SITE`, else US1's).
pub const DEPLOYTEL_AUDIT_DATADOG_URL: &str = "DEPLOYTEL_AUDIT_DATADOG_URL";
/// A PEM file of certificate authorities the forwarders trust beside the system's (feature
/// `audit-tls`): for receivers whose certificates a private CA signed.
pub const DEPLOYTEL_AUDIT_TLS_CA_FILE: &str = "DEPLOYTEL_AUDIT_TLS_CA_FILE";
/// Who the audit records name when the code names nobody: `alice`, or `service:deploy-bot`.
pub const DEPLOYTEL_ACTOR: &str = "DEPLOYTEL_ACTOR";

/// Reads variables: the process environment in `init()`, a map in tests.
pub(crate) trait Env {
    /// The value of `variable`; `None` when unset or empty, as the OpenTelemetry
    /// specification treats empty values.
    fn get(&self, variable: &'static str) -> Result<Option<String>, InitError>;
}

/// The process environment.
pub(crate) struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, variable: &'static str) -> Result<Option<String>, InitError> {
        match std::env::var(variable) {
            Ok(value) if value.trim().is_empty() => Ok(None),
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(InitError::NotUnicode { variable }),
        }
    }
}

#[cfg(test)]
impl Env for [(&'static str, &'static str)] {
    fn get(&self, variable: &'static str) -> Result<Option<String>, InitError> {
        Ok(self
            .iter()
            .find(|(k, v)| *k == variable && !v.trim().is_empty())
            .map(|(_, v)| (*v).to_owned()))
    }
}
