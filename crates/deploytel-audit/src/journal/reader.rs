//! Reading records back, in sequence order across segments, from any sequence number on.
//! A sink, `query` and `tail` read this way while the writer goes on appending.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::AuditError;
use crate::journal::chain::Hash;
use crate::journal::line;
use crate::journal::segment::{self, Segment};

/// A record as read from the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    /// The sequence number.
    pub seq: u64,
    /// The previous record's hash.
    pub prev: Hash,
    /// This record's hash.
    pub hash: Hash,
    /// The ECS document, exactly as stored and hashed.
    pub doc: String,
}

/// Reads the records of a journal directory in order.
#[derive(Debug)]
pub struct JournalReader {
    dir: PathBuf,
    from_seq: u64,
    current: Option<Open>,
}

#[derive(Debug)]
struct Open {
    segment: Segment,
    reader: BufReader<File>,
    offset: u64,
    line: u64,
}

impl JournalReader {
    /// A reader of the journal in `dir` that starts at the first record numbered `from_seq`
    /// or later.
    pub fn open(dir: &Path, from_seq: u64) -> Self {
        JournalReader {
            dir: dir.to_path_buf(),
            from_seq,
            current: None,
        }
    }

    /// The next whole record, `Ok(None)` when the reader has caught up with the writer (call
    /// again later to follow it).
    pub fn next_record(&mut self) -> Result<Option<StoredRecord>, AuditError> {
        let mut buffer = Vec::new();
        loop {
            if self.current.is_none() && !self.open_segment_holding(self.from_seq)? {
                return Ok(None);
            }
            let Some(open) = self.current.as_mut() else {
                return Ok(None);
            };
            buffer.clear();
            let read = open
                .reader
                .read_until(b'\n', &mut buffer)
                .map_err(AuditError::io(&open.segment.path, "read"))?;
            if read > 0 && buffer[0] != 0 && buffer.last() == Some(&b'\n') {
                open.offset += read as u64;
                open.line += 1;
                let record = line::decode(&buffer[..buffer.len() - 1]).map_err(|problem| {
                    AuditError::Corrupt {
                        path: open.segment.path.clone(),
                        line: open.line,
                        problem,
                    }
                })?;
                if record.seq < self.from_seq {
                    continue;
                }
                self.from_seq = record.seq + 1;
                let doc =
                    String::from_utf8(record.doc.to_vec()).map_err(|_| AuditError::Corrupt {
                        path: open.segment.path.clone(),
                        line: open.line,
                        problem: "the document is not UTF-8".into(),
                    })?;
                return Ok(Some(StoredRecord {
                    seq: record.seq,
                    prev: record.prev,
                    hash: record.hash,
                    doc,
                }));
            }
            // At the end of the segment, in its preallocated zeros, or in the middle of a
            // line being written: look again from the start of that line next time.
            open.reader
                .seek(SeekFrom::Start(open.offset))
                .map_err(AuditError::io(&open.segment.path, "seek"))?;
            let segments = segment::list(&self.dir)?;
            let next = segments
                .iter()
                .find(|s| s.first_seq > open.segment.first_seq);
            match next {
                Some(next) if read == 0 => {
                    let next_first = next.first_seq;
                    self.current = None;
                    self.from_seq = self.from_seq.max(next_first);
                }
                _ => return Ok(None),
            }
        }
    }

    /// Opens the segment holding `seq` (or the first after it); false when there is none.
    fn open_segment_holding(&mut self, seq: u64) -> Result<bool, AuditError> {
        let segments = segment::list(&self.dir)?;
        let holding = segments
            .iter()
            .rev()
            .find(|s| s.first_seq <= seq)
            .or_else(|| segments.first());
        let Some(segment) = holding.cloned() else {
            return Ok(false);
        };
        let file = File::open(&segment.path).map_err(AuditError::io(&segment.path, "open"))?;
        self.current = Some(Open {
            segment,
            reader: BufReader::with_capacity(256 * 1024, file),
            offset: 0,
            line: 0,
        });
        Ok(true)
    }
}

/// The last whole line of `data` (without its `\n`) and where the whole lines end. Zeros at
/// the end are the active segment's preallocated space, not data.
pub(crate) fn last_line(data: &[u8]) -> (Option<&[u8]>, usize) {
    let data = &data[..data_end(data)];
    let Some(end) = data.iter().rposition(|&b| b == b'\n') else {
        return (None, 0);
    };
    let start = data[..end]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (Some(&data[start..end]), end + 1)
}

/// Where the data of a segment ends: after its last byte that is not zero. Records never
/// hold a zero byte (JSON escapes control characters), so zeros are preallocated space.
pub(crate) fn data_end(data: &[u8]) -> usize {
    data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1)
}
