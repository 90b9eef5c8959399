//! What can go wrong while building, recording, storing and checking audit records.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// Every error of this crate. A record is either stored whole or reported with one of these;
/// nothing is cut short or dropped silently.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A forwarder cannot be set up as asked.
    #[error("audit sink {sink}: {reason}")]
    Forwarding {
        /// The sink's name.
        sink: String,
        /// What is wrong.
        reason: String,
    },
    /// The action is not a dotted verb.
    #[error("audit action {action:?} is not a dotted verb such as `deploy.start`: lowercase words of a-z, 0-9, _ and -, at least two, joined by dots, at most 128 bytes")]
    InvalidAction {
        /// The action given.
        action: String,
    },
    /// A label key is not a flat ECS label name.
    #[error(
        "audit label key {key:?} is not 1 to 64 characters of a-z, 0-9 and _ (ECS labels are flat)"
    )]
    InvalidLabelKey {
        /// The key given.
        key: String,
    },
    /// A metadata key is not a plain name.
    #[error("audit metadata key {key:?} is not 1 to 64 characters of a-z, 0-9, _ and -")]
    InvalidMetadataKey {
        /// The key given.
        key: String,
    },
    /// More metadata entries than an event may carry.
    #[error("audit event has {count} metadata entries; at most {limit} are allowed")]
    TooMuchMetadata {
        /// Entries given.
        count: usize,
        /// The most allowed.
        limit: usize,
    },
    /// The serialised record is over the size cap; it was not recorded, and not cut.
    #[error("audit event {event_id} is {size} bytes serialised, over the cap of {limit} bytes; it was not recorded (shorten its reason, labels or metadata, or raise the cap)")]
    TooLarge {
        /// The event's id.
        event_id: String,
        /// Its serialised size.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// The journal directory is held by another writer (this process or another).
    #[error("audit journal {dir} is already open for writing (lock file {dir}/journal.lock is held); one writer per journal keeps the chain from forking")]
    Locked {
        /// The journal directory.
        dir: PathBuf,
    },
    /// A file operation of the journal failed.
    #[error("audit journal {path}: {operation} failed: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done.
        operation: &'static str,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Appending or syncing a batch of records failed: the records of the batch were not
    /// acknowledged, and the journal was cut back to its last durable record.
    #[error("audit journal {path}: {operation} failed, record not stored: {source}")]
    WriteFailed {
        /// The segment file.
        path: PathBuf,
        /// `write`, `fdatasync`, `create segment`.
        operation: &'static str,
        /// The operating system's error, shared by every record of the batch.
        #[source]
        source: Arc<io::Error>,
    },
    /// An earlier failure left the journal in a state only reopening can repair.
    #[error("audit journal {dir} stopped accepting records after a failure it could not undo ({reason}); reopen it, which cuts the tail back to the last whole record")]
    Broken {
        /// The journal directory.
        dir: PathBuf,
        /// The failure.
        reason: String,
    },
    /// The journal holds something it cannot read as records.
    #[error("audit journal {path}, line {line}: {problem}")]
    Corrupt {
        /// The segment file.
        path: PathBuf,
        /// The line (from 1).
        line: u64,
        /// What is wrong.
        problem: String,
    },
    /// The journal was keyed differently from how it is opened now.
    #[error("audit journal {dir} chains records with {found}, but was opened with {given}; a chain cannot change its key midway")]
    KeyMismatch {
        /// The journal directory.
        dir: PathBuf,
        /// How the journal chains (`sha256` or `hmac-sha256 key <id>`).
        found: String,
        /// How it was opened.
        given: String,
    },
    /// A chain key could not be read.
    #[error("audit chain key {origin}: {problem}")]
    InvalidKey {
        /// Where the key came from (a variable or a file).
        origin: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The PostgreSQL sink failed.
    #[cfg(feature = "postgres")]
    #[error("audit PostgreSQL sink: {operation} failed: {source}")]
    Postgres {
        /// What was being done.
        operation: &'static str,
        /// The client's error.
        #[source]
        source: postgres::Error,
    },
}

impl AuditError {
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        operation: &'static str,
    ) -> impl FnOnce(io::Error) -> AuditError {
        let path = path.into();
        move |source| AuditError::Io {
            path,
            operation,
            source,
        }
    }
}
