//! The local journal: append-only segment files of hash-chained records, synced to disk
//! before a record is acknowledged.
//!
//! Many threads record at once; syncing for each would cap the journal at one record per
//! `fdatasync` (a few thousand a second). Instead recorders share syncs (group commit, see
//! `group_commit.rs`). Hashing stays under one short lock because each hash covers the one
//! before it.

mod chain;
mod cursor;
mod group_commit;
mod line;
mod meta;
mod reader;
mod recovery;
mod retention;
mod segment;
mod writer;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use chain::{hex, parse_hash, unhex, ChainKey, Hash, GENESIS};
pub use cursor::{positions as cursor_positions, Cursor};
pub use line::{decode as decode_line, Record};
pub use meta::read_chain;
pub(crate) use reader::data_end;
pub use reader::{JournalReader, StoredRecord};
pub use recovery::{ChainHead, TornTail};
pub use retention::{last_retired, Retention, RetiredAnchor};
pub use segment::{list as list_segments, Segment};

use crate::error::AuditError;
use group_commit::Committer;
use writer::SegmentWriter;

/// Segments are closed and a new one started once they would pass this size.
pub const DEFAULT_SEGMENT_BYTES: u64 = 64 * 1024 * 1024;

/// What `record` does when the journal cannot be written (a full disk, an I/O error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WritePolicy {
    /// Return the error at once: the caller learns that the record is not stored and can
    /// refuse to go on unaudited. The default.
    FailClosed,
    /// Retry the write (every 100 ms) for up to this long, holding the callers back, then
    /// fail as [`FailClosed`](Self::FailClosed) does. For a disk that an operator or a log
    /// rotation is about to free.
    Block {
        /// The longest a record waits before its error is returned.
        up_to: Duration,
    },
}

/// The result of a stored record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// Its sequence number.
    pub seq: u64,
    /// Its hash.
    pub hash: Hash,
    /// How many records the sync that made it durable carried (group commit).
    pub batch_records: usize,
}

/// Configures and opens a [`Journal`].
#[derive(Clone, Debug)]
#[must_use]
pub struct JournalBuilder {
    segment_bytes: u64,
    retention: Retention,
    policy: WritePolicy,
    key: ChainKey,
}

impl Default for JournalBuilder {
    fn default() -> Self {
        JournalBuilder {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            retention: Retention::forever(),
            policy: WritePolicy::FailClosed,
            key: ChainKey::unkeyed(),
        }
    }
}

impl JournalBuilder {
    /// Start a new segment once the active one would pass `bytes` (default 64 MiB).
    pub fn segment_bytes(mut self, bytes: u64) -> Self {
        self.segment_bytes = bytes.max(1);
        self
    }

    /// When old segments may be deleted (default: never).
    pub fn retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// What a failed write does (default: [`WritePolicy::FailClosed`]).
    pub fn on_write_failure(mut self, policy: WritePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Chain with HMAC-SHA-256 under `key` instead of plain SHA-256.
    pub fn key(mut self, key: ChainKey) -> Self {
        self.key = key;
        self
    }

    /// Opens (or creates) the journal in `dir`: takes its lock, checks how it is chained,
    /// cuts a torn tail back to the last whole record (see [`Journal::torn_tail`]).
    pub fn open(self, dir: impl AsRef<Path>) -> Result<Journal, AuditError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(AuditError::io(&dir, "create"))?;
        let lock_path = dir.join("journal.lock");
        let lock = File::create(&lock_path).map_err(AuditError::io(&lock_path, "open"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(AuditError::Locked { dir }),
            Err(fs::TryLockError::Error(e)) => return Err(AuditError::io(&lock_path, "lock")(e)),
        }
        meta::check_or_create(&dir, &self.key)?;
        let segments = segment::list(&dir)?;
        let (writer, recovered) = match segments.last() {
            Some(active) => {
                let recovered = recovery::recover(&dir, &self.key, &segments, active)?;
                let writer = SegmentWriter::resume(
                    &dir,
                    active.path.clone(),
                    active.first_seq,
                    recovered.active_len,
                    self.segment_bytes,
                )?;
                (writer, recovered)
            }
            None => (
                SegmentWriter::create(&dir, 1, self.segment_bytes)?,
                recovery::Recovered {
                    head: ChainHead {
                        seq: 0,
                        hash: GENESIS,
                    },
                    active_len: 0,
                    torn: None,
                },
            ),
        };
        if let Some(torn) = &recovered.torn {
            tracing::warn!(
                target: "deploytel_audit",
                segment = %torn.segment.display(),
                bytes = torn.bytes,
                "audit journal: cut a partial record left by a crash (it was never acknowledged)"
            );
        }
        let committer = Committer::start(
            dir.clone(),
            self.key.clone(),
            self.policy,
            self.retention,
            writer,
            recovered.head,
        )?;
        Ok(Journal {
            inner: Arc::new(Inner {
                dir,
                key: self.key,
                torn: recovered.torn,
                committer,
                _lock: lock,
            }),
        })
    }
}

/// An open journal. Cheap to clone; every clone appends to the same chain. The journal closes
/// (its flusher stops, its lock is released) when the last clone is dropped.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.inner.dir)
            .field("chain", &self.inner.key.describe())
            .finish_non_exhaustive()
    }
}

struct Inner {
    dir: PathBuf,
    key: ChainKey,
    torn: Option<TornTail>,
    /// Dropped before the lock: the flusher finishes its last batch while the lock is held.
    committer: Committer,
    /// Held for the journal's life: the lock is released when the file closes.
    _lock: File,
}

impl Journal {
    /// Opens the journal in `dir` with the default settings.
    pub fn open(dir: impl AsRef<Path>) -> Result<Journal, AuditError> {
        Self::builder().open(dir)
    }

    /// Settings for opening a journal.
    pub fn builder() -> JournalBuilder {
        JournalBuilder::default()
    }

    /// The journal's directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// How records are chained.
    pub fn chain_key(&self) -> &ChainKey {
        &self.inner.key
    }

    /// The partial record cut from the end of the journal when it was opened, if any.
    pub fn torn_tail(&self) -> Option<&TornTail> {
        self.inner.torn.as_ref()
    }

    /// The last durable record's sequence number and hash.
    pub fn head(&self) -> ChainHead {
        self.inner.committer.head()
    }

    /// Appends the record whose document is the document head, its sequence number, then
    /// `rest`, and returns once it is synced to disk.
    pub(crate) fn append(&self, rest: &[u8]) -> Result<Receipt, AuditError> {
        self.inner.committer.append(rest)
    }
}
