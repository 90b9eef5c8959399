//! The `tracing` events the audit trail emits about itself, which the metrics layer counts.
//!
//! Like the deploy spans, these are the only link between `deploytel-audit` and
//! `deploytel-metrics`: neither crate depends on the other.

/// The target of every event the audit trail emits.
pub const TARGET: &str = "deploytel_audit";

/// On the event of a stored record: its action (`deploy.start`).
pub const ACTION: &str = "deploytel.audit.action";
/// On the event of a stored record: `allow`, `deny`, or `none` when no policy decided.
pub const DECISION: &str = "deploytel.audit.decision";
/// On the event of a stored record: `success`, `failure` or `unknown`.
pub const OUTCOME: &str = "deploytel.audit.outcome";
/// On the event of a stored record: its sequence number in the journal.
pub const SEQUENCE: &str = "deploytel.audit.chain.sequence";
/// On the event of a stored record: its hash, which anchors the chain head in the logs.
pub const HASH: &str = "deploytel.audit.chain.hash";

/// On the event of a journal sync: how long writing and syncing the batch took, in seconds.
pub const SYNC_SECONDS: &str = "deploytel.audit.journal.sync_seconds";
/// On the event of a failed journal write: the operation that failed (`write`, `fdatasync`).
pub const JOURNAL_ERROR: &str = "deploytel.audit.journal.error";

/// The value of [`DECISION`] when no policy decided.
pub const NO_DECISION: &str = "none";

/// On the events of a forwarder (a SIEM sink): its name (`elasticsearch`, `splunk_hec`, …).
pub const SINK: &str = "deploytel.audit.sink.name";
/// On a forwarder's state event: records in the journal it has not delivered yet.
pub const SINK_PENDING: &str = "deploytel.audit.sink.pending";
/// On a forwarder's state event: age in seconds of the oldest record it has not delivered.
pub const SINK_OLDEST_PENDING_AGE: &str = "deploytel.audit.sink.oldest_pending_age_seconds";
/// On a forwarder's state event: its circuit breaker, `closed`, `half_open` or `open`.
pub const SINK_BREAKER: &str = "deploytel.audit.sink.breaker";
/// On a forwarder's delivery event: records the receiver acknowledged.
pub const SINK_SENT: &str = "deploytel.audit.sink.sent";
/// On a forwarder's delivery event: records put in the dead letter, refused for good.
pub const SINK_DEAD_LETTERS: &str = "deploytel.audit.sink.dead_letters";
/// On a forwarder's failed-request event: why it failed (`auth`, `throttled`, `server_error`,
/// `connection`, `timeout`, `too_large`, `rejected`, `misconfigured`); it will be retried
/// unless the records went to the dead letter.
pub const SINK_FAILURE: &str = "deploytel.audit.sink.failure";
/// On a forwarder's failed-request event: whether its records will be sent again (false
/// when the one record of the request went to the dead letter).
pub const SINK_RETRY: &str = "deploytel.audit.sink.retry";
