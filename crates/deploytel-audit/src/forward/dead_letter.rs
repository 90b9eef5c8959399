//! The dead letter: records a receiver refused for good, each with the reason, in a journal
//! file of their own (`dead-letter/<sink>.jsonl` in the audit directory), synced before the
//! sink's cursor moves past them. Nothing refused is lost: it waits here to be read and
//! replayed once the cause is fixed.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::error::AuditError;

/// The subdirectory of the audit directory that holds the dead letters.
pub const DIR: &str = "dead-letter";

/// A record a receiver refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its sequence number in the journal.
    pub seq: u64,
    /// Its `event.id`.
    pub event_id: String,
    /// When it was refused, RFC 3339.
    pub at: String,
    /// The receiver's error type (`mapper_parsing_exception`), or the HTTP status class.
    pub error_type: String,
    /// The receiver's reason, as it gave it.
    pub reason: String,
    /// The ECS document as stored in the journal.
    pub doc: String,
}

impl DeadLetter {
    fn line(&self) -> Vec<u8> {
        let mut line = json!({
            "seq": self.seq,
            "event_id": self.event_id,
            "at": self.at,
            "error_type": self.error_type,
            "reason": self.reason,
            "doc": self.doc,
        })
        .to_string()
        .into_bytes();
        line.push(b'\n');
        line
    }

    fn from_line(line: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let text = |key: &str| {
            value[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("no {key}"))
        };
        Ok(DeadLetter {
            seq: value["seq"].as_u64().ok_or("no seq")?,
            event_id: text("event_id")?,
            at: text("at")?,
            error_type: text("error_type")?,
            reason: text("reason")?,
            doc: text("doc")?,
        })
    }
}

/// The dead-letter file of one sink.
pub fn path(journal_dir: &Path, sink: &str) -> PathBuf {
    journal_dir.join(DIR).join(format!("{sink}.jsonl"))
}

/// Appends `letters` to the sink's file and syncs it.
pub(crate) fn append(
    journal_dir: &Path,
    sink: &str,
    letters: &[DeadLetter],
) -> Result<(), AuditError> {
    if letters.is_empty() {
        return Ok(());
    }
    let path = path(journal_dir, sink);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(AuditError::io(dir, "create"))?;
    }
    let lines: Vec<u8> = letters.iter().flat_map(DeadLetter::line).collect();
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(AuditError::io(&path, "open"))?;
    file.write_all(&lines)
        .and_then(|()| file.sync_data())
        .map_err(AuditError::io(&path, "append a dead letter"))
}

/// The sink's dead letters, oldest first; none when it has none.
pub fn read(journal_dir: &Path, sink: &str) -> Result<Vec<DeadLetter>, AuditError> {
    let path = path(journal_dir, sink);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AuditError::io(&path, "open")(e)),
    };
    let mut letters = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(AuditError::io(&path, "read"))?;
        if line.trim().is_empty() {
            continue;
        }
        let letter = DeadLetter::from_line(&line).map_err(|problem| AuditError::Corrupt {
            path: path.clone(),
            line: number as u64 + 1,
            problem,
        })?;
        letters.push(letter);
    }
    Ok(letters)
}

/// Replaces the sink's file with `letters` (those a replay did not deliver), written aside,
/// synced and renamed over.
pub(crate) fn rewrite(
    journal_dir: &Path,
    sink: &str,
    letters: &[DeadLetter],
) -> Result<(), AuditError> {
    let path = path(journal_dir, sink);
    let aside = path.with_extension("jsonl.new");
    let text: Vec<u8> = letters.iter().flat_map(DeadLetter::line).collect();
    fs::write(&aside, &text)
        .and_then(|()| File::open(&aside)?.sync_all())
        .and_then(|()| fs::rename(&aside, &path))
        .map_err(AuditError::io(&path, "rewrite the dead letters"))
}
