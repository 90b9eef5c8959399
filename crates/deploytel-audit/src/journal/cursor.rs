//! Sink cursors: how far each sink has copied the journal. A segment is deleted only once
//! every cursor has passed it, so a sink that falls behind holds the journal, not the data.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::AuditError;
use crate::journal::segment::sync_dir;

/// The subdirectory of a journal that holds one file per sink.
pub(crate) const DIR: &str = "cursors";

/// The last sequence number a sink has stored, kept durably in the journal directory.
#[derive(Debug)]
pub struct Cursor {
    path: PathBuf,
    position: u64,
}

impl Cursor {
    /// The cursor of the sink `name` in the journal at `journal_dir`; a new sink starts at 0
    /// (before the first record) and from then on holds back retention.
    pub fn open(journal_dir: &Path, name: &str) -> Result<Self, AuditError> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return Err(AuditError::Io {
                path: journal_dir.join(DIR).join(name),
                operation: "open cursor",
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a sink name is letters, digits, '-', '_' and '.'",
                ),
            });
        }
        let dir = journal_dir.join(DIR);
        fs::create_dir_all(&dir).map_err(AuditError::io(&dir, "create"))?;
        let path = dir.join(format!("{name}.cursor"));
        let position = match fs::read_to_string(&path) {
            Ok(text) => parse(&text).ok_or_else(|| AuditError::Corrupt {
                path: path.clone(),
                line: 1,
                problem: format!("{:?} is not a sequence number", text.trim()),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut cursor = Cursor { path, position: 0 };
                cursor.advance(0)?;
                return Ok(cursor);
            }
            Err(e) => return Err(AuditError::io(&path, "read")(e)),
        };
        Ok(Cursor { path, position })
    }

    /// The last sequence number the sink has stored (0: none yet).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Records that the sink has stored everything up to `seq`, durably (written aside,
    /// synced, renamed over), before returning.
    pub fn advance(&mut self, seq: u64) -> Result<(), AuditError> {
        let temporary = self.path.with_extension("cursor.new");
        fs::write(&temporary, format!("{seq}\n"))
            .and_then(|()| fs::File::open(&temporary)?.sync_all())
            .and_then(|()| fs::rename(&temporary, &self.path))
            .map_err(AuditError::io(&self.path, "advance cursor"))?;
        if let Some(dir) = self.path.parent() {
            sync_dir(dir)?;
        }
        self.position = seq;
        Ok(())
    }
}

/// The positions of every sink's cursor in the journal at `journal_dir`.
pub fn positions(journal_dir: &Path) -> Result<Vec<(String, u64)>, AuditError> {
    let dir = journal_dir.join(DIR);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AuditError::io(&dir, "list cursors")(e)),
    };
    let mut positions = Vec::new();
    for entry in entries {
        let entry = entry.map_err(AuditError::io(&dir, "list cursors"))?;
        let path = entry.path();
        let Some(name) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".cursor"))
        else {
            continue;
        };
        let text = fs::read_to_string(&path).map_err(AuditError::io(&path, "read"))?;
        let position = parse(&text).ok_or_else(|| AuditError::Corrupt {
            path: path.clone(),
            line: 1,
            problem: format!("{:?} is not a sequence number", text.trim()),
        })?;
        positions.push((name.to_owned(), position));
    }
    positions.sort();
    Ok(positions)
}

fn parse(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}
