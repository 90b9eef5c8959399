//! Retention: old segments are deleted once every sink's cursor has passed them and they are
//! older than the policy keeps. Each deletion leaves an anchor — the last sequence number
//! and hash of the deleted segment — in `retired.jsonl`, so that `verify` can tell a
//! segment retired by policy from one deleted by hand.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::error::AuditError;
use crate::journal::chain::{hex, parse_hash, Hash};
use crate::journal::segment::{self, sync_dir};
use crate::journal::{cursor, line, reader};
use crate::time::{format_rfc3339, now_millis};

const RETIRED: &str = "retired.jsonl";

/// How long segments are kept once every sink has copied them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    keep_for: Option<Duration>,
}

impl Retention {
    /// Keep every segment (the default: an audit trail is deleted on purpose, not by default).
    pub fn forever() -> Self {
        Retention { keep_for: None }
    }

    /// Delete a segment once it is older than `age` (by its last write) and every sink's
    /// cursor has passed it.
    pub fn keep_for(age: Duration) -> Self {
        Retention {
            keep_for: Some(age),
        }
    }
}

/// The last record of every retired segment: its sequence number and hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetiredAnchor {
    /// The last sequence number deleted.
    pub last_seq: u64,
    /// Its hash.
    pub last_hash: Hash,
}

/// Deletes what `retention` allows, never the active segment; returns the deleted paths.
pub(crate) fn apply(
    dir: &Path,
    retention: Retention,
    active_first_seq: u64,
) -> Result<Vec<String>, AuditError> {
    let Some(keep_for) = retention.keep_for else {
        return Ok(Vec::new());
    };
    let passed_by_all = cursor::positions(dir)?
        .into_iter()
        .map(|(_, position)| position)
        .min()
        .unwrap_or(u64::MAX);
    let segments = segment::list(dir)?;
    let mut deleted = Vec::new();
    for pair in segments.windows(2) {
        let (old, next) = (&pair[0], &pair[1]);
        if old.first_seq >= active_first_seq || next.first_seq - 1 > passed_by_all {
            break;
        }
        let modified = fs::metadata(&old.path)
            .and_then(|meta| meta.modified())
            .map_err(AuditError::io(&old.path, "read metadata"))?;
        let age = SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default();
        if age < keep_for {
            break;
        }
        let data = fs::read(&old.path).map_err(AuditError::io(&old.path, "read"))?;
        let record = reader::last_line(&data)
            .0
            .map(line::decode)
            .and_then(Result::ok);
        if let Some(record) = record {
            append_anchor(dir, old.first_seq, record.seq, &record.hash)?;
        }
        fs::remove_file(&old.path).map_err(AuditError::io(&old.path, "delete segment"))?;
        sync_dir(dir)?;
        deleted.push(old.path.display().to_string());
    }
    Ok(deleted)
}

fn append_anchor(
    dir: &Path,
    first_seq: u64,
    last_seq: u64,
    last_hash: &Hash,
) -> Result<(), AuditError> {
    let path = dir.join(RETIRED);
    let line = format!(
        "{{\"first_seq\":{first_seq},\"last_seq\":{last_seq},\"last_hash\":\"{}\",\"deleted_at\":\"{}\"}}\n",
        hex(last_hash),
        format_rfc3339(now_millis())
    );
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(AuditError::io(&path, "open"))?;
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(AuditError::io(&path, "append anchor"))?;
    sync_dir(dir)
}

/// The newest anchor of retired segments, if any segment was retired.
pub fn last_retired(dir: &Path) -> Result<Option<RetiredAnchor>, AuditError> {
    let path = dir.join(RETIRED);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AuditError::io(&path, "read")(e)),
    };
    let mut newest = None;
    for (number, text) in text.lines().enumerate() {
        let corrupt = || AuditError::Corrupt {
            path: path.clone(),
            line: number as u64 + 1,
            problem: "not a retired-segment anchor".into(),
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| corrupt())?;
        let last_seq = value["last_seq"].as_u64().ok_or_else(corrupt)?;
        let last_hash = value["last_hash"]
            .as_str()
            .and_then(|hash| parse_hash(hash.as_bytes()))
            .ok_or_else(corrupt)?;
        newest = Some(RetiredAnchor {
            last_seq,
            last_hash,
        });
    }
    Ok(newest)
}
