//! What can go wrong when metrics are registered, encoded or served.

/// An error of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// A family of this name is already in the registry: two `DeployMetrics` (or two families of
    /// your own) were built on one registry.
    #[error("metric family `{name}` is already registered in this registry")]
    AlreadyRegistered {
        /// The family name.
        name: String,
    },
    /// The `prometheus` crate refused a family (a bad name, label name or bucket list).
    #[error("metric family `{name}` was refused: {source}")]
    InvalidFamily {
        /// The family name.
        name: String,
        /// Why.
        #[source]
        source: prometheus::Error,
    },
    /// A family was given a different number of label values than it has label names.
    #[error("metric family `{name}` has {expected} labels, got {got} values")]
    LabelCount {
        /// The family name.
        name: String,
        /// Its number of label names.
        expected: usize,
        /// The number of values given.
        got: usize,
    },
    /// The registry could not be encoded in the text format.
    #[error("could not encode the metrics: {0}")]
    Encode(#[source] prometheus::Error),
    /// The metrics server could not listen on its address.
    #[cfg(feature = "server")]
    #[error("could not listen for metrics on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why, e.g. the address is in use.
        #[source]
        source: std::io::Error,
    },
    /// The metrics server thread could not be started.
    #[cfg(feature = "server")]
    #[error("could not start the metrics server thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The thread that exports metrics to a textfile or Pushgateway could not be started.
    #[error("could not start the metrics export thread: {0}")]
    ExportThread(#[source] std::io::Error),
    /// The textfile path cannot be one node_exporter reads.
    #[error("metrics textfile {path:?}: {reason}")]
    InvalidTextfile {
        /// The path given.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The Pushgateway address or grouping key cannot be pushed to.
    #[error("Pushgateway {what} {value:?}: {reason}")]
    InvalidPushgateway {
        /// Which part: `url`, `job` or `label name`.
        what: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl MetricsError {
    pub(crate) fn registration(name: &str, source: prometheus::Error) -> Self {
        match source {
            prometheus::Error::AlreadyReg => MetricsError::AlreadyRegistered {
                name: name.to_owned(),
            },
            source => MetricsError::InvalidFamily {
                name: name.to_owned(),
                source,
            },
        }
    }
}
