//! The one writer of the active segment: appends a batch, syncs it, and rotates to a new
//! segment when the active one is full. Used by one group-commit leader at a time.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::AuditError;
use crate::journal::segment::{self, sync_dir};

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
    max_bytes: u64,
}

impl SegmentWriter {
    /// Continues the segment at `path`, whose synced length is `len`.
    pub(crate) fn resume(
        dir: &Path,
        path: PathBuf,
        first_seq: u64,
        len: u64,
        max_bytes: u64,
    ) -> Result<Self, AuditError> {
        let mut file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(AuditError::io(&path, "open segment"))?;
        file.seek(SeekFrom::Start(len))
            .map_err(AuditError::io(&path, "seek"))?;
        Ok(SegmentWriter {
            dir: dir.to_path_buf(),
            file,
            path,
            first_seq,
            len,
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
            *self =
                Self::create(&self.dir, first_seq, self.max_bytes).map_err(|e| BatchFailure {
                    path: segment::path(&self.dir, first_seq),
                    operation: "create segment",
                    source: Arc::new(io::Error::other(e.to_string())),
                    broken: false,
                })?;
            rotated = true;
        }
        if let Err(e) = self.file.write_all(batch) {
            let broken = self.cut_back().is_err();
            return Err(self.failure("write", e, broken));
        }
        if let Err(e) = self.file.sync_data() {
            // After a failed fdatasync the kernel may have dropped the dirty pages and will
            // not report it again: nothing written since the last good sync can be trusted.
            let _ = self.cut_back();
            return Err(self.failure("fdatasync", e, true));
        }
        self.len += batch.len() as u64;
        Ok(rotated)
    }

    fn cut_back(&mut self) -> io::Result<()> {
        self.file.set_len(self.len)?;
        self.file.seek(SeekFrom::Start(self.len))?;
        Ok(())
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
