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
