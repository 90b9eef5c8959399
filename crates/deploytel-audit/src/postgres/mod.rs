//! The PostgreSQL sink: copies the journal into `deploytel_audit_events`, an append-only
//! table (a trigger rejects UPDATE, DELETE and TRUNCATE), in batches, idempotently
//! (`ON CONFLICT (event_id) DO NOTHING`), with its own cursor in the journal.
//!
//! The journal stays the source of truth: the sink's cursor advances only after a batch is
//! committed, so a database outage or a restart of either side only delays the copy. A
//! batch that was committed but whose cursor was not yet advanced is sent again and ignored
//! by the conflict clause.

mod insert;
mod query;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::{Client, Config, NoTls};

pub use query::{anchors, query};

use crate::error::AuditError;
use crate::journal::{Cursor, JournalReader};
use crate::wake::Signal;

/// The name of the sink's cursor in the journal's `cursors/` directory.
pub const CURSOR_NAME: &str = "postgres";

/// At most this many records per INSERT (16 parameters each, far below PostgreSQL's 65,535).
pub const BATCH_RECORDS: usize = 500;

/// Copies a journal into PostgreSQL.
pub struct PostgresSink {
    dir: PathBuf,
    config: Config,
    cursor: Cursor,
    reader: JournalReader,
    /// The next record the reader will return.
    next_seq: u64,
    /// The journal's last durable record, when the sink runs beside the writer.
    durable_head: Option<Box<dyn Fn() -> u64 + Send>>,
    client: Option<Client>,
}

impl std::fmt::Debug for PostgresSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSink")
            .field("dir", &self.dir)
            .field("position", &self.cursor.position())
            .finish_non_exhaustive()
    }
}

impl PostgresSink {
    /// A sink from the journal in `journal_dir` to the database at `url`
    /// (`postgresql://user@host:port/db`). Nothing connects until the first copy.
    pub fn new(journal_dir: &Path, url: &str) -> Result<Self, AuditError> {
        let mut config: Config = url.parse().map_err(|source| AuditError::Postgres {
            operation: "parse the connection URL",
            source,
        })?;
        config.connect_timeout(Duration::from_secs(5));
        let cursor = Cursor::open(journal_dir, CURSOR_NAME)?;
        Ok(PostgresSink {
            dir: journal_dir.to_path_buf(),
            reader: JournalReader::open(journal_dir, cursor.position() + 1),
            next_seq: cursor.position() + 1,
            durable_head: None,
            config,
            cursor,
            client: None,
        })
    }

    /// Copies only records `trail` has synced to disk: a record whose batch failed to sync is
    /// cut from the journal and its sequence number given to the next record, so it must not
    /// be copied first. For a sink running in the process that writes the journal.
    pub fn durable_only(mut self, trail: &crate::AuditTrail) -> Self {
        let trail = trail.clone();
        self.durable_head = Some(Box::new(move || trail.journal().head().seq));
        self
    }

    /// The last sequence number stored in the database.
    pub fn position(&self) -> u64 {
        self.cursor.position()
    }

    /// Copies every record past the cursor, batch by batch; returns how many were copied.
    /// On an error the connection is dropped and the next call starts again from the
    /// cursor.
    pub fn copy_pending(&mut self) -> Result<u64, AuditError> {
        let result = self.copy();
        if result.is_err() {
            self.client = None;
            self.reader = JournalReader::open(&self.dir, self.cursor.position() + 1);
            self.next_seq = self.cursor.position() + 1;
        }
        result
    }

    fn copy(&mut self) -> Result<u64, AuditError> {
        if self.client.is_none() {
            let mut client = self
                .config
                .connect(NoTls)
                .map_err(|source| AuditError::Postgres {
                    operation: "connect",
                    source,
                })?;
            schema::migrate(&mut client)?;
            self.client = Some(client);
        }
        let mut copied = 0;
        loop {
            let head = self.durable_head.as_ref().map_or(u64::MAX, |head| head());
            let mut batch = Vec::with_capacity(BATCH_RECORDS);
            while batch.len() < BATCH_RECORDS && self.next_seq <= head {
                match self.reader.next_record()? {
                    Some(record) => {
                        self.next_seq = record.seq + 1;
                        batch.push(record)
                    }
                    None => break,
                }
            }
            let Some(last) = batch.last().map(|record| record.seq) else {
                return Ok(copied);
            };
            let Some(client) = self.client.as_mut() else {
                return Ok(copied);
            };
            insert::insert_batch(client, &batch)?;
            self.cursor.advance(last)?;
            copied += batch.len() as u64;
        }
    }

    /// Copies in a thread of its own, every `every` and whenever [`SinkThread::wake`] is
    /// called; after a failure it waits 1 s, then 2, 4… up to 30 s between attempts.
    pub fn spawn(mut self, every: Duration) -> SinkThread {
        let signal = Arc::new(Signal::default());
        let thread_signal = Arc::clone(&signal);
        let handle = std::thread::Builder::new()
            .name("deploytel-audit-postgres".into())
            .spawn(move || {
                let mut backoff = Duration::from_secs(1);
                let mut failing = false;
                loop {
                    let stopping = thread_signal.is_stopping();
                    match self.copy_pending() {
                        Ok(_) => {
                            if failing {
                                tracing::info!(target: "deploytel_audit", position = self.position(), "audit PostgreSQL sink: copying again");
                            }
                            failing = false;
                            backoff = Duration::from_secs(1);
                        }
                        Err(error) => {
                            if !failing {
                                tracing::warn!(target: "deploytel_audit", %error, position = self.position(), "audit PostgreSQL sink: copy failed; the journal keeps the records and the sink retries");
                            }
                            failing = true;
                        }
                    }
                    if stopping {
                        return;
                    }
                    let wait = if failing { backoff } else { every };
                    thread_signal.wait(wait);
                    if failing {
                        backoff = (backoff * 2).min(Duration::from_secs(30));
                    }
                }
            });
        SinkThread {
            signal,
            handle: handle.ok(),
        }
    }
}

/// The sink's thread. Dropping it makes one last copy attempt and joins the thread.
pub struct SinkThread {
    signal: Arc<Signal>,
    handle: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SinkThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinkThread").finish_non_exhaustive()
    }
}

impl SinkThread {
    /// Copies now rather than at the next interval.
    pub fn wake(&self) {
        self.signal.raise(false);
    }
}

impl Drop for SinkThread {
    fn drop(&mut self) {
        self.signal.raise(true);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
