//! Forwarding the audit journal to SIEMs: Elasticsearch `_bulk` (feature `elasticsearch`),
//! Splunk HTTP Event Collector (feature `splunk-hec`), Datadog Logs (feature `datadog`).
//!
//! Each sink reads the journal from a cursor of its own (in `cursors/`), and the cursor moves
//! only after the receiver has acknowledged, or the dead letter holds, every record of a
//! batch. A receiver that is down for any length of time therefore loses nothing: the
//! journal keeps the backlog, and retention never deletes a segment a cursor has not passed.
//! Delivery is at least once: a crash between an acknowledgement and the cursor's move sends
//! a batch again, which Elasticsearch ignores (`create` with `_id` = `event.id`).
//!
//! ```no_run
//! use deploytel_audit::forward::{ElasticsearchSink, Forwarder};
//! use deploytel_audit::AuditTrail;
//!
//! let trail = AuditTrail::builder().open("/var/lib/orchestrator/audit")?;
//! let forwarder = Forwarder::builder(
//!     ElasticsearchSink::new("http://localhost:9200", "logs-deploytel.audit-default"),
//! )
//! .spawn(&trail)?;
//! // … record events …
//! let report = forwarder.shutdown(std::time::Duration::from_secs(5));
//! println!("{report}");
//! # Ok::<(), deploytel_audit::AuditError>(())
//! ```

mod backoff;
mod breaker;
mod clock;
#[cfg(feature = "datadog")]
pub mod datadog;
pub mod dead_letter;
mod delivery;
#[cfg(feature = "elasticsearch")]
pub mod elasticsearch;
mod forwarder;
mod http;
mod jitter;
mod pending;
mod replay;
#[cfg(feature = "splunk-hec")]
pub mod splunk_hec;
mod verdict;
mod wire;

pub use backoff::{CAP as BACKOFF_CAP, INITIAL as BACKOFF_INITIAL, RETRY_AFTER_CAP};
pub use breaker::{BreakerState, FAILURES_TO_OPEN, FIRST_OPEN, MAX_OPEN};
pub use clock::{Clock, SystemClock, VirtualClock};
#[cfg(feature = "datadog")]
pub use datadog::DatadogSink;
pub use dead_letter::DeadLetter;
#[cfg(feature = "elasticsearch")]
pub use elasticsearch::ElasticsearchSink;
pub use forwarder::{ForwardReport, Forwarder, ForwarderBuilder, DEFAULT_SHUTDOWN_WITHIN};
pub use replay::{replay_dead_letters, ReplayReport};
#[cfg(feature = "splunk-hec")]
pub use splunk_hec::SplunkHecSink;
pub use verdict::Failure;

use wire::Wire;

/// A receiver of audit records, one variant per sink feature.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Destination {
    /// Elasticsearch `_bulk`.
    #[cfg(feature = "elasticsearch")]
    Elasticsearch(ElasticsearchSink),
    /// A Splunk HTTP Event Collector.
    #[cfg(feature = "splunk-hec")]
    SplunkHec(SplunkHecSink),
    /// Datadog Logs.
    #[cfg(feature = "datadog")]
    Datadog(DatadogSink),
}

impl Destination {
    fn into_wire(self) -> Box<dyn Wire> {
        match self {
            #[cfg(feature = "elasticsearch")]
            Destination::Elasticsearch(sink) => Box::new(sink),
            #[cfg(feature = "splunk-hec")]
            Destination::SplunkHec(sink) => Box::new(sink),
            #[cfg(feature = "datadog")]
            Destination::Datadog(sink) => Box::new(sink),
        }
    }
}

#[cfg(feature = "datadog")]
impl From<DatadogSink> for Destination {
    fn from(sink: DatadogSink) -> Self {
        Destination::Datadog(sink)
    }
}

#[cfg(feature = "splunk-hec")]
impl From<SplunkHecSink> for Destination {
    fn from(sink: SplunkHecSink) -> Self {
        Destination::SplunkHec(sink)
    }
}

#[cfg(feature = "elasticsearch")]
impl From<ElasticsearchSink> for Destination {
    fn from(sink: ElasticsearchSink) -> Self {
        Destination::Elasticsearch(sink)
    }
}
