//! The delivery loop of one sink: reads durable records past its cursor, sends them in
//! batches by the shared rules of [`super::verdict`], and moves the cursor only over records
//! the receiver stored or the dead letter holds.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use deploytel_core::audit_events;

use super::backoff::Backoff;
use super::breaker::{Breaker, BreakerState};
use super::clock::Clock;
use super::dead_letter::{self, DeadLetter};
use super::http::Http;
use super::jitter::Jitter;
use super::pending::Pending;
use super::verdict::{self, Failure, Item, Verdict};
use super::wire::{AckPolling, Wire};
use crate::error::AuditError;
use crate::journal::{Cursor, JournalReader};

/// What the loop should do after a step.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Go on at once.
    Continue,
    /// Nothing to send: wait for records.
    Idle,
    /// Wait this long on the forwarder's clock.
    Wait(Duration),
}

/// A request the receiver accepted and has yet to acknowledge.
#[derive(Debug)]
struct Awaiting {
    ack_id: u64,
    sending: Vec<usize>,
    polling: AckPolling,
    polls: u32,
    next_at: Duration,
}

/// A record of the batch being delivered.
#[derive(Debug)]
struct InFlight {
    record: Pending,
    done: bool,
}

pub(crate) struct Delivery {
    wire: Box<dyn Wire>,
    http: Http,
    clock: Arc<dyn Clock>,
    dir: PathBuf,
    cursor: Cursor,
    reader: JournalReader,
    /// The next record the reader will return.
    next_seq: u64,
    durable_head: Box<dyn Fn() -> u64 + Send>,
    queue: VecDeque<Pending>,
    batch: Vec<InFlight>,
    /// Records per request for this batch: halved by each refusal of a whole request.
    limit: usize,
    awaiting: Option<Awaiting>,
    /// Stopping: acknowledgements are polled every second at most, not every interval.
    hurried: bool,
    breaker: Breaker,
    backoff: Backoff,
    jitter: Jitter,
    pub(crate) delivered: u64,
    pub(crate) dead_lettered: u64,
    last_state: Option<(u64, u64, BreakerState)>,
    /// When the forwarder last warned that pending records near the receiver's age limit.
    warned_of_age: Option<Duration>,
}

impl Delivery {
    pub(crate) fn new(
        wire: Box<dyn Wire>,
        http: Http,
        clock: Arc<dyn Clock>,
        dir: PathBuf,
        durable_head: Box<dyn Fn() -> u64 + Send>,
    ) -> Result<Self, AuditError> {
        let cursor = Cursor::open(&dir, wire.name())?;
        let next_seq = cursor.position() + 1;
        Ok(Delivery {
            limit: wire.limits().max_records,
            reader: JournalReader::open(&dir, next_seq),
            next_seq,
            wire,
            http,
            clock,
            dir,
            cursor,
            durable_head,
            queue: VecDeque::new(),
            batch: Vec::new(),
            awaiting: None,
            hurried: false,
            breaker: Breaker::default(),
            backoff: Backoff::default(),
            jitter: Jitter::from_entropy(),
            delivered: 0,
            dead_lettered: 0,
            last_state: None,
            warned_of_age: None,
        })
    }

    pub(crate) fn name(&self) -> &str {
        self.wire.name()
    }

    pub(crate) fn position(&self) -> u64 {
        self.cursor.position()
    }

    /// Durable records the receiver has not stored yet.
    pub(crate) fn pending(&self) -> u64 {
        (self.durable_head)().saturating_sub(self.cursor.position())
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// The forwarder is stopping: ask for a pending acknowledgement now, and every second
    /// from then on, so that it can arrive within the shutdown's time.
    pub(crate) fn hurry(&mut self) {
        self.hurried = true;
        if let Some(awaiting) = self.awaiting.as_mut() {
            awaiting.next_at = self.clock.now();
        }
    }

    /// One request, or the wait before it.
    pub(crate) fn step(&mut self) -> Result<Step, AuditError> {
        if self.batch.is_empty() {
            self.fill()?;
            self.take_batch()?;
            if self.batch.is_empty() {
                return Ok(Step::Idle);
            }
        }
        if self.finish_if_done()? {
            return Ok(Step::Continue);
        }
        if self.awaiting.is_some() {
            return self.poll_ack();
        }
        if let Some(wait) = self.breaker.wait_before_sending(self.clock.now()) {
            return Ok(Step::Wait(wait));
        }
        let sending: Vec<usize> = (0..self.batch.len())
            .filter(|&i| !self.batch[i].done)
            .take(self.limit)
            .collect();
        let records: Vec<&Pending> = sending.iter().map(|&i| &self.batch[i].record).collect();
        let request = self.wire.request(&records);
        let verdict = match self.http.post(&request) {
            Ok(response) => verdict::of_status(&response)
                .unwrap_or_else(|| self.wire.read_success(&response, &records)),
            Err(error) => verdict::of_transport(error),
        };
        let step = self.apply(verdict, &sending)?;
        self.finish_if_done()?;
        Ok(step)
    }

    fn apply(&mut self, verdict: Verdict, sending: &[usize]) -> Result<Step, AuditError> {
        let now = self.clock.now();
        match verdict {
            Verdict::Delivered => {
                self.stored(sending);
                self.breaker.succeeded();
                self.backoff.reset();
                Ok(Step::Continue)
            }
            Verdict::Items(items) => {
                let mut stored = Vec::new();
                let mut letters = Vec::new();
                let mut retry = false;
                for (&index, item) in sending.iter().zip(items) {
                    match item {
                        Item::Stored => stored.push(index),
                        Item::Retry => retry = true,
                        Item::DeadLetter { error_type, reason } => {
                            letters.push((index, error_type, reason))
                        }
                    }
                }
                self.dead_letter(letters)?;
                self.stored(&stored);
                self.breaker.succeeded();
                if retry {
                    self.report_failure(Failure::Throttled, true);
                    Ok(Step::Wait(self.backoff.next(None, &mut self.jitter)))
                } else {
                    self.backoff.reset();
                    Ok(Step::Continue)
                }
            }
            Verdict::Retry {
                failure,
                retry_after,
                message,
            } => {
                self.report_failure(failure, true);
                if self.breaker.failed(now, &mut self.jitter) {
                    tracing::warn!(
                        target: audit_events::TARGET,
                        { { audit_events::SINK } = self.wire.name(), error.message = %message },
                        "audit sink: the receiver keeps failing, pausing; records wait in the journal"
                    );
                }
                Ok(Step::Wait(self.backoff.next(retry_after, &mut self.jitter)))
            }
            Verdict::Refused { failure, message } => {
                self.report_failure(failure, sending.len() > 1);
                if let [only] = sending {
                    let error_type = match failure {
                        Failure::TooLarge => "request_too_large",
                        _ => "rejected",
                    };
                    self.dead_letter(vec![(*only, error_type.to_owned(), message)])?;
                    self.limit = self.wire.limits().max_records;
                } else {
                    self.limit = (sending.len() / 2).max(1);
                }
                Ok(Step::Continue)
            }
            Verdict::AwaitAck { ack_id, polling } => {
                let every = ack_interval(polling, self.hurried);
                self.awaiting = Some(Awaiting {
                    ack_id,
                    sending: sending.to_vec(),
                    polling,
                    polls: 0,
                    next_at: now + every,
                });
                Ok(Step::Wait(every))
            }
            Verdict::Hold { failure, message } => {
                self.report_failure(failure, true);
                self.breaker.trip(now, &mut self.jitter);
                tracing::error!(
                    target: audit_events::TARGET,
                    { { audit_events::SINK } = self.wire.name(), "error.type" = failure.as_str(), error.message = %message },
                    "audit sink: the receiver refuses our requests ({}); nothing is sent until the \
                     breaker's wait ends, and the records wait in the journal",
                    failure.as_str()
                );
                Ok(Step::Continue)
            }
        }
    }

    /// Asks whether the request awaiting acknowledgement is stored, when it is time to.
    fn poll_ack(&mut self) -> Result<Step, AuditError> {
        let now = self.clock.now();
        let Some(awaiting) = self.awaiting.as_mut() else {
            return Ok(Step::Continue);
        };
        if now < awaiting.next_at {
            return Ok(Step::Wait(awaiting.next_at - now));
        }
        let acknowledged = match self.wire.ack_request(awaiting.ack_id) {
            None => Some(true),
            Some(request) => self
                .http
                .post(&request)
                .ok()
                .and_then(|response| self.wire.read_ack(&response, awaiting.ack_id)),
        };
        if acknowledged == Some(true) {
            let sending = std::mem::take(&mut awaiting.sending);
            self.awaiting = None;
            self.stored(&sending);
            self.breaker.succeeded();
            self.backoff.reset();
            self.finish_if_done()?;
            return Ok(Step::Continue);
        }
        awaiting.polls += 1;
        if awaiting.polls < awaiting.polling.polls {
            let every = ack_interval(awaiting.polling, self.hurried);
            awaiting.next_at = now + every;
            return Ok(Step::Wait(every));
        }
        let ack_id = awaiting.ack_id;
        self.awaiting = None;
        self.report_failure(Failure::Timeout, true);
        tracing::warn!(
            target: audit_events::TARGET,
            { { audit_events::SINK } = self.wire.name(), ack_id },
            "audit sink: the receiver never acknowledged a batch; sending it again"
        );
        Ok(Step::Continue)
    }

    fn stored(&mut self, indices: &[usize]) {
        for &index in indices {
            self.batch[index].done = true;
        }
        let count = indices.len() as u64;
        if count > 0 {
            self.delivered += count;
            tracing::debug!(
                target: audit_events::TARGET,
                { { audit_events::SINK } = self.wire.name(), { audit_events::SINK_SENT } = count },
                "audit sink: records stored by the receiver"
            );
        }
    }

    fn dead_letter(&mut self, letters: Vec<(usize, String, String)>) -> Result<(), AuditError> {
        if letters.is_empty() {
            return Ok(());
        }
        let at = crate::time::format_rfc3339(crate::time::unix_millis(self.clock.wall()));
        let entries: Vec<DeadLetter> = letters
            .iter()
            .map(|(index, error_type, reason)| {
                let record = &self.batch[*index].record;
                DeadLetter {
                    seq: record.seq,
                    event_id: record.event_id.clone(),
                    at: at.clone(),
                    error_type: error_type.clone(),
                    reason: reason.clone(),
                    doc: record.doc.clone(),
                }
            })
            .collect();
        dead_letter::append(&self.dir, self.wire.name(), &entries)?;
        for (index, _, _) in &letters {
            self.batch[*index].done = true;
        }
        let count = entries.len() as u64;
        self.dead_lettered += count;
        tracing::error!(
            target: audit_events::TARGET,
            { { audit_events::SINK } = self.wire.name(), { audit_events::SINK_DEAD_LETTERS } = count, first.seq = entries[0].seq, "error.type" = %entries[0].error_type, error.message = %entries[0].reason },
            "audit sink: the receiver refused records for good; they are in the dead letter"
        );
        Ok(())
    }

    /// Reports a failed request; `retry` when its records will be sent again.
    fn report_failure(&self, failure: Failure, retry: bool) {
        tracing::debug!(
            target: audit_events::TARGET,
            { { audit_events::SINK } = self.wire.name(), { audit_events::SINK_FAILURE } = failure.as_str(), { audit_events::SINK_RETRY } = retry },
            "audit sink: request failed"
        );
    }

    /// Moves the cursor past the batch once every record of it is done.
    fn finish_if_done(&mut self) -> Result<bool, AuditError> {
        if self.batch.is_empty() || self.batch.iter().any(|r| !r.done) {
            return Ok(false);
        }
        if let Some(last) = self.batch.last() {
            self.cursor.advance(last.record.seq)?;
        }
        self.batch.clear();
        self.limit = self.wire.limits().max_records;
        Ok(true)
    }

    /// Reads durable records into the queue, up to a batch's worth.
    fn fill(&mut self) -> Result<(), AuditError> {
        let head = (self.durable_head)();
        let max = self.wire.limits().max_records;
        while self.queue.len() < max && self.next_seq <= head {
            match self.reader.next_record()? {
                Some(record) => {
                    self.next_seq = record.seq + 1;
                    self.queue
                        .push_back(Pending::read(record.seq, record.doc, &*self.wire));
                }
                None => break,
            }
        }
        Ok(())
    }

    /// Takes the next batch from the queue within the sink's limits; a record too large for
    /// the receiver goes to the dead letter unsent.
    fn take_batch(&mut self) -> Result<(), AuditError> {
        let limits = self.wire.limits();
        let mut bytes = 0;
        let mut oversized = Vec::new();
        while let Some(record) = self.queue.front() {
            let size = self.wire.size(record);
            if self.batch.len() >= limits.max_records
                || (!self.batch.is_empty() && bytes + size > limits.max_bytes)
            {
                break;
            }
            let Some(record) = self.queue.pop_front() else {
                break;
            };
            if limits.max_record_bytes.is_some_and(|max| size > max) {
                oversized.push((
                    self.batch.len(),
                    "record_too_large".to_owned(),
                    format!("{size} bytes, over the receiver's limit for one record"),
                ));
            }
            bytes += size;
            self.batch.push(InFlight {
                record,
                done: false,
            });
        }
        self.dead_letter(oversized)
    }

    /// Warns, at most hourly, when the oldest pending record is within an hour of the age
    /// past which the receiver refuses records (Datadog: 18 hours).
    fn warn_of_age(&mut self, oldest_seconds: u64) {
        let Some(limit) = self.wire.past_limit() else {
            return;
        };
        let hour = Duration::from_secs(3600);
        let now = self.clock.now();
        let recently = self
            .warned_of_age
            .is_some_and(|at| now.saturating_sub(at) < hour);
        if Duration::from_secs(oldest_seconds) + hour < limit || recently {
            return;
        }
        self.warned_of_age = Some(now);
        tracing::warn!(
            target: audit_events::TARGET,
            { { audit_events::SINK } = self.wire.name(), { audit_events::SINK_OLDEST_PENDING_AGE } = oldest_seconds, limit_seconds = limit.as_secs() },
            "audit sink: the oldest undelivered record nears the receiver's limit on past times; \
             it will be refused once older (the journal keeps it)"
        );
    }

    /// Reports pending records, the age of the oldest and the breaker, when any changed.
    pub(crate) fn report_state(&mut self) {
        let pending = self.pending();
        let oldest = self
            .batch
            .iter()
            .find(|r| !r.done)
            .map(|r| &r.record)
            .or(self.queue.front())
            .filter(|_| pending > 0)
            .map_or(0, |record| {
                let now = crate::time::unix_millis(self.clock.wall());
                u64::try_from((now - record.timestamp_millis).max(0) / 1000).unwrap_or(0)
            });
        self.warn_of_age(oldest);
        let state = (pending, oldest, self.breaker.state());
        if self.last_state == Some(state) {
            return;
        }
        self.last_state = Some(state);
        tracing::debug!(
            target: audit_events::TARGET,
            { { audit_events::SINK } = self.wire.name(), { audit_events::SINK_PENDING } = pending, { audit_events::SINK_OLDEST_PENDING_AGE } = oldest, { audit_events::SINK_BREAKER } = state.2.as_str() },
            "audit sink state"
        );
    }
}

/// How long to wait before asking for an acknowledgement: the configured interval, or at
/// most a second once the forwarder is stopping.
fn ack_interval(polling: AckPolling, hurried: bool) -> Duration {
    if hurried {
        polling.every.min(Duration::from_secs(1))
    } else {
        polling.every
    }
}
