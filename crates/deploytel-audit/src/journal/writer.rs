//! The one writer of the active segment: appends a batch, syncs it, and rotates to a new
//! segment when the active one is full. Used by the flusher thread only.
//!
//! The active segment is kept zero-filled ahead of the data (1 MiB at a time). Overwriting
//! blocks that already exist lets `fdatasync` flush the data alone, where an append must also
//! commit the file's new size and blocks to the file system's journal: on the machine in
//! docs/PERFORMANCE.md that halves the cost of syncing a 32 KiB batch. The zeros after the
//! last record are cut off when the segment is closed, rotated, or reopened after a crash;
//! readers treat them as the end of the data.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::AuditError;
use crate::journal::segment::{self, sync_dir};

/// How much zero-filled space is kept ahead of the data.
const PREALLOCATE: u64 = 1024 * 1024;

/// Why a batch was not stored.
#[derive(Debug)]
pub(crate) struct BatchFailure {
    pub(crate) path: PathBuf,
    pub(crate) operation: &'static str,
    pub(crate) source: Arc<io::Error>,
    /// The segment could not be put back to its last durable length (or a sync failed, after
    /// which the page cache cannot be trusted): only reopening the journal repairs it.
    pub(crate) broken: bool,
}

impl BatchFailure {
    pub(crate) fn to_error(&self) -> AuditError {
        AuditError::WriteFailed {
            path: self.path.clone(),
            operation: self.operation,
            source: Arc::clone(&self.source),
        }
    }
}

pub(crate) struct SegmentWriter {
    dir: PathBuf,
    file: File,
    path: PathBuf,
    first_seq: u64,
    /// Bytes of whole, synced records in the active segment.
    len: u64,
    /// The file's length: the data, then zeros.
    allocated: u64,
    max_bytes: u64,
}

impl SegmentWriter {
    /// Continues the segment at `path`, whose records end at `len` (and the file there too).
    pub(crate) fn resume(
        dir: &Path,
        path: PathBuf,
        first_seq: u64,
        len: u64,
        max_bytes: u64,
    ) -> Result<Self, AuditError> {
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(AuditError::io(&path, "open segment"))?;
        Ok(SegmentWriter {
            dir: dir.to_path_buf(),
            file,
            path,
            first_seq,
            len,
            allocated: len,
            max_bytes,
        })
    }

    /// Creates the segment whose first record is `first_seq`, durably.
    pub(crate) fn create(dir: &Path, first_seq: u64, max_bytes: u64) -> Result<Self, AuditError> {
        let path = segment::path(dir, first_seq);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(AuditError::io(&path, "create segment"))?;
        sync_dir(dir)?;
        Ok(SegmentWriter {
            dir: dir.to_path_buf(),
            file,
            path,
            first_seq,
            len: 0,
            allocated: 0,
            max_bytes,
        })
    }

    /// The first sequence number of the active segment.
    pub(crate) fn active_first_seq(&self) -> u64 {
        self.first_seq
    }

    /// Appends the records `batch` (whose first is `first_seq`) and syncs them; true when a
    /// new segment was started for them. On failure the segment is cut back to the last
    /// synced record, so a failed batch leaves nothing behind.
    pub(crate) fn append(&mut self, batch: &[u8], first_seq: u64) -> Result<bool, BatchFailure> {
        let mut rotated = false;
        if self.len > 0 && self.len + batch.len() as u64 > self.max_bytes {
            self.rotate(first_seq)?;
            rotated = true;
        }
        let end = self.len + batch.len() as u64;
        if end > self.allocated {
            self.preallocate(end);
        }
        if let Err(e) = self.file.write_all_at(batch, self.len) {
            let broken = self.cut_back().is_err();
            return Err(self.failure("write", e, broken));
        }
        if let Err(e) = self.file.sync_data() {
            // After a failed fdatasync the kernel may have dropped the dirty pages and will
            // not report it again: nothing written since the last good sync can be trusted.
            let _ = self.cut_back();
            return Err(self.failure("fdatasync", e, true));
        }
        self.len = end;
        self.allocated = self.allocated.max(end);
        Ok(rotated)
    }

    /// Cuts the zeros after the data: the segment at rest ends with its last record.
    pub(crate) fn close(&mut self) -> io::Result<()> {
        if self.allocated > self.len {
            self.file.set_len(self.len)?;
            self.file.sync_all()?;
            self.allocated = self.len;
        }
        Ok(())
    }

    fn rotate(&mut self, first_seq: u64) -> Result<(), BatchFailure> {
        self.close()
            .map_err(|e| self.failure("close segment", e, false))?;
        let next =
            Self::create(&self.dir, first_seq, self.max_bytes).map_err(|e| BatchFailure {
                path: segment::path(&self.dir, first_seq),
                operation: "create segment",
                source: Arc::new(io::Error::other(e.to_string())),
                broken: false,
            })?;
        *self = next;
        Ok(())
    }

    /// Zero-fills the file up to at least `end`, a chunk at a time. Best effort: without the
    /// space for a chunk, the batch is appended plainly, and fails only if it does not fit.
    fn preallocate(&mut self, end: u64) {
        let target = (end + PREALLOCATE).min(self.max_bytes.max(end));
        let zeros = vec![0u8; (target - self.allocated) as usize];
        match self.file.write_all_at(&zeros, self.allocated) {
            Ok(()) => self.allocated = target,
            Err(_) => {
                let _ = self.file.set_len(self.allocated);
            }
        }
    }

    fn cut_back(&mut self) -> io::Result<()> {
        self.allocated = self.len;
        self.file.set_len(self.len)
    }

    fn failure(&self, operation: &'static str, source: io::Error, broken: bool) -> BatchFailure {
        BatchFailure {
            path: self.path.clone(),
            operation,
            source: Arc::new(source),
            broken,
        }
    }
}

impl Drop for SegmentWriter {
    fn drop(&mut self) {
        let _ = self.close();
    }
}
