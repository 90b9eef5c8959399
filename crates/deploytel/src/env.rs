//! The environment variables `init()` reads, behind a lookup that tests can replace.

use crate::InitError;

/// Log filter directives, as for `tracing_subscriber::EnvFilter`.
pub const RUST_LOG: &str = "RUST_LOG";
/// The logical name of the service, as in the OpenTelemetry SDK specification.
pub const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";

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
