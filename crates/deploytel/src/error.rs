//! Why `init()` could not install the telemetry.

/// What went wrong while installing deploytel; each variant names what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// A filter directive (from `RUST_LOG` or the builder) does not parse.
    #[error("invalid log filter in {source_name}={value:?}: {reason}")]
    InvalidFilter {
        /// Where the directives came from: `RUST_LOG` or `Builder::log_filter`.
        source_name: &'static str,
        /// The directives as given.
        value: String,
        /// What the parser objected to.
        reason: String,
    },
    /// An environment variable holds text that is not valid Unicode.
    #[error("environment variable {variable} is not valid Unicode")]
    NotUnicode {
        /// The variable.
        variable: &'static str,
    },
    /// An environment variable (or the builder setting that overrides it) has a value that
    /// cannot be used. Secrets in the value are masked.
    #[error("invalid {variable}={value:?}: {reason}")]
    InvalidVariable {
        /// The variable.
        variable: &'static str,
        /// The value, with secrets masked.
        value: String,
        /// What is wrong with it, and what would be right.
        reason: String,
    },
    /// The OTLP exporter could not be built.
    #[error("cannot build the OTLP span exporter: {reason}")]
    Exporter {
        /// What the exporter reported.
        reason: String,
    },
    /// The metrics could not be registered or their server could not start (the address is
    /// in use, say).
    #[cfg(feature = "metrics")]
    #[error("cannot set up metrics: {0}")]
    Metrics(#[from] deploytel_metrics::MetricsError),
    /// The audit journal could not be opened (another process holds it, the directory cannot
    /// be written, its chain key differs), or its PostgreSQL URL is not valid.
    #[cfg(feature = "audit")]
    #[error("cannot set up the audit trail: {0}")]
    Audit(#[from] deploytel_audit::AuditError),
    /// The program already has a global `tracing` subscriber, from an earlier `init()` or
    /// another library; add deploytel's layers to that subscriber instead.
    #[error(
        "a global tracing subscriber is already installed; call deploytel::init() once, \
         or add deploytel's layers to the existing subscriber"
    )]
    AlreadyInitialized,
}
