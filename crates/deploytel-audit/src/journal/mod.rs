//! The local journal: append-only segment files of hash-chained records, synced to disk
//! before a record is acknowledged.
//!
//! Many threads record at once; syncing for each would cap the journal at one record per
//! `fdatasync` (a few thousand a second). Instead recorders share syncs (group commit): the
//! first recorder to find no sync in flight becomes the leader, takes every record appended
//! so far, writes and syncs them in one go, and wakes their recorders; records appended
//! meanwhile wait for the next leader, who is one of them. Hashing stays under one short
//! lock because each hash covers the one before it.

mod chain;
mod cursor;
mod line;
mod meta;
mod reader;
mod recovery;
mod retention;
mod segment;
mod writer;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

pub use chain::{hex, parse_hash, unhex, ChainKey, Hash, GENESIS};
pub use cursor::{positions as cursor_positions, Cursor};
pub use line::{decode as decode_line, Record};
pub use meta::read_chain;
pub use reader::{JournalReader, StoredRecord};
pub use recovery::{ChainHead, TornTail};
pub use retention::{last_retired, Retention, RetiredAnchor};
pub use segment::{list as list_segments, Segment};

use deploytel_core::audit_events;

use crate::error::AuditError;
use writer::{BatchFailure, SegmentWriter};

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
    /// How long the sync that made it durable took, when this call led that sync.
    pub led_sync: Option<Duration>,
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
        let head = recovered.head;
        Ok(Journal {
            shared: Arc::new(Shared {
                dir,
                key: self.key,
                retention: self.retention,
                policy: self.policy,
                torn: recovered.torn,
                writer: Mutex::new(writer),
                state: Mutex::new(State {
                    next_seq: head.seq + 1,
                    prev: head.hash,
                    durable: head,
                    pending: Vec::new(),
                    spare: Vec::new(),
                    pending_first_seq: head.seq + 1,
                    pending_slot: Arc::new(Slot::default()),
                    syncing: false,
                    broken: None,
                }),
                _lock: lock,
            }),
        })
    }
}

/// An open journal. Cheap to clone; every clone appends to the same chain.
#[derive(Clone)]
pub struct Journal {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.shared.dir)
            .field("chain", &self.shared.key.describe())
            .finish_non_exhaustive()
    }
}

struct Shared {
    dir: PathBuf,
    key: ChainKey,
    retention: Retention,
    policy: WritePolicy,
    torn: Option<TornTail>,
    writer: Mutex<SegmentWriter>,
    state: Mutex<State>,
    /// Held for the journal's life: the lock is released when the file closes.
    _lock: File,
}

struct State {
    next_seq: u64,
    prev: Hash,
    durable: ChainHead,
    /// Encoded records no leader has taken yet.
    pending: Vec<u8>,
    /// A cleared buffer to swap in for `pending`, so batches reuse their allocations.
    spare: Vec<u8>,
    pending_first_seq: u64,
    pending_slot: Arc<Slot>,
    syncing: bool,
    broken: Option<String>,
}

/// The completion of one batch: set once by its leader, waited on by its recorders.
#[derive(Default)]
struct Slot {
    done: Condvar,
    result: OnceLock<Result<(), Arc<BatchFailure>>>,
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
        &self.shared.dir
    }

    /// How records are chained.
    pub fn chain_key(&self) -> &ChainKey {
        &self.shared.key
    }

    /// The partial record cut from the end of the journal when it was opened, if any.
    pub fn torn_tail(&self) -> Option<&TornTail> {
        self.shared.torn.as_ref()
    }

    /// The last durable record's sequence number and hash.
    pub fn head(&self) -> ChainHead {
        self.state().durable
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held cannot leave the state half-changed in a way that
        // matters here: every change under the lock is a few plain assignments.
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends the record whose document is the document head, its sequence number, then
    /// `rest`, and returns once it is synced to disk.
    pub(crate) fn append(&self, rest: &[u8]) -> Result<Receipt, AuditError> {
        let mut state = self.state();
        if let Some(reason) = &state.broken {
            return Err(AuditError::Broken {
                dir: self.shared.dir.clone(),
                reason: reason.clone(),
            });
        }
        let seq = state.next_seq;
        let prev = state.prev;
        let hash = line::append(&mut state.pending, &self.shared.key, seq, &prev, rest);
        state.next_seq += 1;
        state.prev = hash;
        let slot = Arc::clone(&state.pending_slot);
        let mut led_sync = None;
        loop {
            if let Some(result) = slot.result.get() {
                return match result {
                    Ok(()) => Ok(Receipt {
                        seq,
                        hash,
                        led_sync,
                    }),
                    Err(failure) => Err(failure.to_error()),
                };
            }
            if state.syncing {
                state = slot
                    .done
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                continue;
            }
            let started = Instant::now();
            state = self.lead(state);
            led_sync = Some(started.elapsed());
        }
    }

    /// Writes and syncs everything pending, as the leader, and settles its recorders.
    fn lead<'a>(&'a self, mut state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        state.syncing = true;
        let spare = std::mem::take(&mut state.spare);
        let batch = std::mem::replace(&mut state.pending, spare);
        let first_seq = state.pending_first_seq;
        let last = ChainHead {
            seq: state.next_seq - 1,
            hash: state.prev,
        };
        state.pending_first_seq = state.next_seq;
        let slot = std::mem::take(&mut state.pending_slot);
        drop(state);

        let result = self.write(&batch, first_seq);

        let mut state = self.state();
        state.syncing = false;
        let mut batch = batch;
        batch.clear();
        state.spare = batch;
        match &result {
            Ok(()) => state.durable = last,
            Err(failure) => {
                // Records appended while this batch was being written are chained onto it:
                // they fail with it, and the chain goes back to the last durable record.
                let durable = state.durable;
                state.next_seq = durable.seq + 1;
                state.prev = durable.hash;
                state.pending.clear();
                state.pending_first_seq = durable.seq + 1;
                let orphaned = std::mem::take(&mut state.pending_slot);
                let _ = orphaned.result.set(Err(Arc::clone(failure)));
                orphaned.done.notify_all();
                if failure.broken {
                    state.broken = Some(failure.to_error().to_string());
                }
            }
        }
        let _ = slot.result.set(result);
        slot.done.notify_all();
        if !state.pending.is_empty() {
            // One of the records that queued up meanwhile leads the next batch.
            state.pending_slot.done.notify_one();
        }
        state
    }

    /// Writes one batch under the write policy, then applies retention when it rotated.
    fn write(&self, batch: &[u8], first_seq: u64) -> Result<(), Arc<BatchFailure>> {
        let mut writer = self
            .shared
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let deadline = match self.shared.policy {
            WritePolicy::FailClosed => None,
            WritePolicy::Block { up_to } => Some(Instant::now() + up_to),
        };
        let started = Instant::now();
        loop {
            match writer.append(batch, first_seq) {
                Ok(rotated) => {
                    emit_sync(started.elapsed());
                    if rotated {
                        self.retire(writer.active_first_seq());
                    }
                    return Ok(());
                }
                Err(failure) => {
                    emit_failure(&failure);
                    let retry = !failure.broken && deadline.is_some_and(|d| Instant::now() < d);
                    if !retry {
                        return Err(Arc::new(failure));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    fn retire(&self, active_first_seq: u64) {
        match retention::apply(&self.shared.dir, self.shared.retention, active_first_seq) {
            Ok(deleted) if !deleted.is_empty() => tracing::info!(
                target: "deploytel_audit",
                segments = ?deleted,
                "audit journal: retention deleted segments every sink had copied"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(
                target: "deploytel_audit",
                %error,
                "audit journal: retention could not delete old segments; they are kept"
            ),
        }
    }
}

/// The event the metrics layer turns into `deploytel_audit_journal_sync_duration_seconds`.
fn emit_sync(elapsed: Duration) {
    tracing::debug!(
        target: audit_events::TARGET,
        { { audit_events::SYNC_SECONDS } = elapsed.as_secs_f64() },
        "audit journal synced"
    );
}

/// The event the metrics layer turns into `deploytel_audit_journal_errors_total`.
fn emit_failure(failure: &BatchFailure) {
    tracing::error!(
        target: audit_events::TARGET,
        {
            { audit_events::JOURNAL_ERROR } = failure.operation,
            error.message = %failure.source,
            file.path = %failure.path.display(),
        },
        "audit journal write failed"
    );
}
