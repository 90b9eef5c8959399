//! Group commit: recorders append encoded records under one short lock and sleep; one
//! flusher thread writes everything appended so far in one `write`, makes it durable with one
//! `fdatasync`, and wakes the recorders of that batch. Records appended during a sync form
//! the next batch, so the more recorders there are, the more records each sync carries.
//!
//! A recorder waits parked, not on a condition variable: waking a batch then costs one
//! `unpark` per recorder and no contention for the lock, which on a small machine is what
//! limits throughput once syncs are shared.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

use deploytel_core::audit_events;

use crate::error::AuditError;
use crate::journal::chain::{ChainKey, Hash};
use crate::journal::line;
use crate::journal::recovery::ChainHead;
use crate::journal::retention::{self, Retention};
use crate::journal::writer::{BatchFailure, SegmentWriter};
use crate::journal::{Receipt, WritePolicy};

pub(crate) struct Committer {
    shared: Arc<Shared>,
    flusher: Option<JoinHandle<()>>,
}

struct Shared {
    dir: PathBuf,
    key: ChainKey,
    policy: WritePolicy,
    retention: Retention,
    state: Mutex<State>,
    /// Wakes the flusher when records are pending or the journal closes.
    work: Condvar,
}

struct State {
    next_seq: u64,
    prev: Hash,
    durable: ChainHead,
    /// Encoded records the flusher has not taken yet, and who waits for them.
    pending: Vec<u8>,
    pending_first_seq: u64,
    pending_records: usize,
    pending_waiters: Vec<Thread>,
    pending_slot: Arc<Slot>,
    /// A cleared buffer to swap in for `pending`, so batches reuse their allocations.
    spare: Vec<u8>,
    broken: Option<String>,
    closing: bool,
}

/// The result of one batch: set once by the flusher, read by its recorders.
#[derive(Default)]
struct Slot {
    result: OnceLock<Result<usize, Arc<BatchFailure>>>,
}

impl Committer {
    /// Starts the flusher of `writer`, whose chain stands at `head`.
    pub(crate) fn start(
        dir: PathBuf,
        key: ChainKey,
        policy: WritePolicy,
        retention: Retention,
        writer: SegmentWriter,
        head: ChainHead,
    ) -> Result<Self, AuditError> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                next_seq: head.seq + 1,
                prev: head.hash,
                durable: head,
                pending: Vec::new(),
                pending_first_seq: head.seq + 1,
                pending_records: 0,
                pending_waiters: Vec::new(),
                pending_slot: Arc::new(Slot::default()),
                spare: Vec::new(),
                broken: None,
                closing: false,
            }),
            work: Condvar::new(),
            dir: dir.clone(),
            key,
            policy,
            retention,
        });
        let flusher_shared = Arc::clone(&shared);
        let dispatch = opener_subscriber();
        let flusher = std::thread::Builder::new()
            .name("deploytel-audit-journal".into())
            .spawn(move || match dispatch {
                Some(dispatch) => tracing::dispatcher::with_default(&dispatch, || {
                    flusher_shared.flush_until_closed(writer)
                }),
                None => flusher_shared.flush_until_closed(writer),
            })
            .map_err(AuditError::io(&dir, "start the journal's flusher thread"))?;
        Ok(Committer {
            shared,
            flusher: Some(flusher),
        })
    }

    /// The last durable record.
    pub(crate) fn head(&self) -> ChainHead {
        self.shared.state().durable
    }

    /// Appends the record whose document is the document head, its sequence number, then
    /// `rest`, and returns once it is durable.
    pub(crate) fn append(&self, rest: &[u8]) -> Result<Receipt, AuditError> {
        let (seq, hash, slot) = {
            let mut state = self.shared.state();
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
            state.pending_records += 1;
            state.pending_waiters.push(std::thread::current());
            if state.pending_records == 1 {
                self.shared.work.notify_one();
            }
            (seq, hash, Arc::clone(&state.pending_slot))
        };
        // Bounded by the flusher, which settles every slot it takes, and on close every
        // slot still pending.
        loop {
            if let Some(result) = slot.result.get() {
                return match result {
                    Ok(batch_records) => Ok(Receipt {
                        seq,
                        hash,
                        batch_records: *batch_records,
                    }),
                    Err(failure) => Err(failure.to_error()),
                };
            }
            std::thread::park();
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.shared.state().closing = true;
        self.shared.work.notify_one();
        if let Some(flusher) = self.flusher.take() {
            let _ = flusher.join();
        }
    }
}

struct Batch {
    bytes: Vec<u8>,
    first_seq: u64,
    records: usize,
    last: ChainHead,
    waiters: Vec<Thread>,
    slot: Arc<Slot>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // Every change made under the lock is a few plain assignments, so a panic elsewhere
        // while it was held leaves nothing half-done.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn flush_until_closed(&self, mut writer: SegmentWriter) {
        while let Some(batch) = self.next_batch() {
            let result = self.write(&mut writer, &batch);
            self.settle(batch, result);
        }
    }

    /// Waits for pending records and takes them; `None` once closing with nothing pending.
    fn next_batch(&self) -> Option<Batch> {
        let mut state = self.state();
        while state.pending_records == 0 {
            if state.closing {
                return None;
            }
            state = self
                .work
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        let spare = std::mem::take(&mut state.spare);
        let batch = Batch {
            bytes: std::mem::replace(&mut state.pending, spare),
            first_seq: state.pending_first_seq,
            records: std::mem::take(&mut state.pending_records),
            last: ChainHead {
                seq: state.next_seq - 1,
                hash: state.prev,
            },
            waiters: std::mem::take(&mut state.pending_waiters),
            slot: std::mem::take(&mut state.pending_slot),
        };
        state.pending_first_seq = state.next_seq;
        Some(batch)
    }

    /// Writes one batch under the write policy; applies retention after a rotation.
    fn write(&self, writer: &mut SegmentWriter, batch: &Batch) -> Result<usize, Arc<BatchFailure>> {
        let deadline = match self.policy {
            WritePolicy::FailClosed => None,
            WritePolicy::Block { up_to } => Some(Instant::now() + up_to),
        };
        let started = Instant::now();
        loop {
            match writer.append(&batch.bytes, batch.first_seq) {
                Ok(rotated) => {
                    emit_sync(started.elapsed());
                    if rotated {
                        self.retire(writer.active_first_seq());
                    }
                    return Ok(batch.records);
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

    /// Moves the chain on (or back, after a failure) and wakes the batch's recorders.
    fn settle(&self, batch: Batch, result: Result<usize, Arc<BatchFailure>>) {
        let mut orphans = Vec::new();
        {
            let mut state = self.state();
            let mut bytes = batch.bytes;
            bytes.clear();
            state.spare = bytes;
            match &result {
                Ok(_) => state.durable = batch.last,
                Err(failure) => {
                    // Records appended during this write are chained onto the failed batch:
                    // they fail with it, and the chain goes back to the last durable record.
                    let durable = state.durable;
                    state.next_seq = durable.seq + 1;
                    state.prev = durable.hash;
                    state.pending.clear();
                    state.pending_first_seq = durable.seq + 1;
                    state.pending_records = 0;
                    let slot = std::mem::take(&mut state.pending_slot);
                    let _ = slot.result.set(Err(Arc::clone(failure)));
                    orphans = std::mem::take(&mut state.pending_waiters);
                    if failure.broken {
                        state.broken = Some(failure.to_error().to_string());
                    }
                }
            }
        }
        let _ = batch.slot.result.set(result);
        for waiter in batch.waiters.iter().chain(&orphans) {
            waiter.unpark();
        }
    }

    fn retire(&self, active_first_seq: u64) {
        match retention::apply(&self.dir, self.retention, active_first_seq) {
            Ok(deleted) if !deleted.is_empty() => tracing::info!(
                target: audit_events::TARGET,
                segments = ?deleted,
                "audit journal: retention deleted segments every sink had copied"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(
                target: audit_events::TARGET,
                %error,
                "audit journal: retention could not delete old segments; they are kept"
            ),
        }
    }
}

/// The event the metrics layer turns into `deploytel_audit_journal_sync_duration_seconds`.
/// The subscriber the journal is opened under, which its flusher thread reports to (a scoped
/// one, in tests and hosts that set one per thread); `None` when there is none yet, as when
/// `init()` opens the journal before it makes its subscriber global: the thread then reports
/// to the global subscriber, whenever that is set.
fn opener_subscriber() -> Option<tracing::Dispatch> {
    let dispatch = tracing::dispatcher::get_default(|current| current.clone());
    (!dispatch.is::<tracing_core::subscriber::NoSubscriber>()).then_some(dispatch)
}

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
