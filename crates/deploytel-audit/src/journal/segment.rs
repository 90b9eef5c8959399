//! Segment files: `audit-<first sequence number, 20 digits>.jsonl`, in sequence order.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::AuditError;

/// One segment file of a journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// The sequence number its first record has (or will have).
    pub first_seq: u64,
    /// Its path.
    pub path: PathBuf,
}

const PREFIX: &str = "audit-";
const SUFFIX: &str = ".jsonl";

/// The path of the segment whose first record is `first_seq`.
pub(crate) fn path(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{first_seq:020}{SUFFIX}"))
}

/// The segments of the journal in `dir`, oldest first.
pub fn list(dir: &Path) -> Result<Vec<Segment>, AuditError> {
    let entries = fs::read_dir(dir).map_err(AuditError::io(dir, "list segments"))?;
    let mut segments = Vec::new();
    for entry in entries {
        let entry = entry.map_err(AuditError::io(dir, "list segments"))?;
        let name = entry.file_name();
        let Some(first_seq) = name
            .to_str()
            .and_then(|name| name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX))
            .filter(|digits| digits.len() == 20)
            .and_then(|digits| digits.parse().ok())
        else {
            continue;
        };
        segments.push(Segment {
            first_seq,
            path: entry.path(),
        });
    }
    segments.sort_by_key(|segment| segment.first_seq);
    Ok(segments)
}

/// Makes a new directory entry durable: the entry itself lives in the directory's data.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    fs::File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(AuditError::io(dir, "sync directory"))
}
