//! Opening a journal after a crash: the last segment may end in a partial record, written
//! by a process killed mid-`write`. It was never acknowledged (acknowledgement waits for the
//! sync), so it is cut off, and the cut is reported, never hidden.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::AuditError;
use crate::journal::chain::{ChainKey, Hash, GENESIS};
use crate::journal::retention::last_retired;
use crate::journal::segment::Segment;
use crate::journal::{line, reader};

/// A partial record cut from the end of a segment when the journal was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// The segment it was cut from.
    pub segment: PathBuf,
    /// How many bytes were cut.
    pub bytes: u64,
}

/// Where the chain stands: the last record's sequence number and hash (0 and zeros when the
/// journal is empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainHead {
    /// The last sequence number.
    pub seq: u64,
    /// The last hash.
    pub hash: Hash,
}

pub(crate) struct Recovered {
    pub(crate) head: ChainHead,
    pub(crate) active_len: u64,
    pub(crate) torn: Option<TornTail>,
}

/// Cuts a torn tail off `active` (the last segment) and finds the chain head.
pub(crate) fn recover(
    dir: &Path,
    key: &ChainKey,
    segments: &[Segment],
    active: &Segment,
) -> Result<Recovered, AuditError> {
    let data = fs::read(&active.path).map_err(AuditError::io(&active.path, "read"))?;
    let (last, whole) = reader::last_line(&data);
    let data_end = reader::data_end(&data);
    if whole < data.len() {
        let file = OpenOptions::new()
            .write(true)
            .open(&active.path)
            .map_err(AuditError::io(&active.path, "open"))?;
        file.set_len(whole as u64)
            .and_then(|()| file.sync_all())
            .map_err(AuditError::io(&active.path, "cut torn tail"))?;
    }
    // Zeros after the data are preallocated space; anything else is a partial record.
    let torn = (data_end > whole).then(|| TornTail {
        segment: active.path.clone(),
        bytes: (data_end - whole) as u64,
    });
    let head = match last {
        Some(text) => {
            let lines = data[..whole].iter().filter(|&&b| b == b'\n').count() as u64;
            checked_head(&active.path, lines, text, key)?
        }
        None => head_before(dir, key, segments, active)?,
    };
    Ok(Recovered {
        head,
        active_len: whole as u64,
        torn,
    })
}

/// The head of an empty active segment: the last record of the segment before it, or the
/// anchor of retired segments, or the genesis of a new journal.
fn head_before(
    dir: &Path,
    key: &ChainKey,
    segments: &[Segment],
    active: &Segment,
) -> Result<ChainHead, AuditError> {
    if let Some(previous) = segments
        .iter()
        .rev()
        .find(|s| s.first_seq < active.first_seq)
    {
        let data = fs::read(&previous.path).map_err(AuditError::io(&previous.path, "read"))?;
        if let (Some(text), _) = reader::last_line(&data) {
            let lines = data.iter().filter(|&&b| b == b'\n').count() as u64;
            return checked_head(&previous.path, lines, text, key);
        }
    }
    if active.first_seq == 1 {
        return Ok(ChainHead {
            seq: 0,
            hash: GENESIS,
        });
    }
    match last_retired(dir)? {
        Some(anchor) if anchor.last_seq + 1 == active.first_seq => Ok(ChainHead {
            seq: anchor.last_seq,
            hash: anchor.last_hash,
        }),
        _ => Err(AuditError::Corrupt {
            path: active.path.clone(),
            line: 0,
            problem: format!(
                "the segment starts at record {} but no earlier record or retired anchor shows how the chain reached it",
                active.first_seq
            ),
        }),
    }
}

fn checked_head(
    path: &Path,
    line_number: u64,
    text: &[u8],
    key: &ChainKey,
) -> Result<ChainHead, AuditError> {
    let corrupt = |problem: String| AuditError::Corrupt {
        path: path.to_path_buf(),
        line: line_number,
        problem,
    };
    let record = line::decode(text).map_err(corrupt)?;
    if !record.hash_matches(key) {
        return Err(corrupt(format!(
            "the last record's hash does not match its contents under {}; run `deploytel-audit verify`",
            key.describe()
        )));
    }
    Ok(ChainHead {
        seq: record.seq,
        hash: record.hash,
    })
}
