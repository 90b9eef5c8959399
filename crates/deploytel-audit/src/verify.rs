//! Checking a journal: every record's hash against its contents, every link to the record
//! before, sequence numbers without gaps or reorderings across segments, segment names,
//! and the tail.
//!
//! What a plain hash chain proves, and what it does not, is in `docs/AUDIT.md`: someone who
//! can rewrite the whole journal can rewrite every hash too, unless the chain is keyed or
//! its head was anchored elsewhere (`--anchor`, the PostgreSQL copy, the logs).

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::error::AuditError;
use crate::journal::{
    hex, last_retired, list_segments, read_chain, ChainHead, ChainKey, Hash, GENESIS,
};

/// What is wrong at one place in a journal.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The record's contents do not produce its hash: it was edited.
    HashMismatch {
        /// The record.
        seq: u64,
    },
    /// The record's `prev` is not the hash of the record before it.
    BrokenLink {
        /// The record.
        seq: u64,
    },
    /// Records are missing: a deleted line, or a deleted segment.
    Missing {
        /// The first missing sequence number.
        from: u64,
        /// The last missing sequence number.
        to: u64,
    },
    /// A record comes after one with a higher number: lines were moved or copied.
    OutOfOrder {
        /// The record.
        seq: u64,
        /// The number expected at that place.
        expected: u64,
    },
    /// A line that is not a record.
    Unreadable {
        /// Why.
        reason: String,
    },
    /// The last segment ends in the middle of a record.
    TornTail {
        /// The bytes after the last whole record.
        bytes: u64,
    },
    /// A segment's first record is not the one its name says.
    MisnamedSegment {
        /// The number in the name.
        named: u64,
        /// The first record's number.
        found: u64,
    },
    /// The oldest segment does not start the chain, and no retired anchor explains it.
    UnexplainedStart {
        /// The first record found.
        first_seq: u64,
    },
    /// An anchor kept elsewhere disagrees with the journal.
    AnchorMismatch {
        /// The anchored record.
        seq: u64,
        /// What the journal holds there.
        found: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::HashMismatch { seq } => write!(f, "record {seq} does not match its hash: it was changed after it was written"),
            Problem::BrokenLink { seq } => write!(f, "record {seq} does not link to the hash of the record before it"),
            Problem::Missing { from, to } if from == to => write!(f, "record {from} is missing"),
            Problem::Missing { from, to } => write!(f, "records {from} to {to} are missing"),
            Problem::OutOfOrder { seq, expected } => write!(f, "record {seq} is out of order (expected {expected} here)"),
            Problem::Unreadable { reason } => write!(f, "not a record: {reason}"),
            Problem::TornTail { bytes } => write!(f, "ends with {bytes} bytes of a partial record (a crash mid-write, or a cut)"),
            Problem::MisnamedSegment { named, found } => write!(f, "the segment is named for record {named} but starts with record {found}"),
            Problem::UnexplainedStart { first_seq } => write!(f, "the journal starts at record {first_seq}, and no retired-segment anchor accounts for the records before it"),
            Problem::AnchorMismatch { seq, found } => write!(f, "the anchor for record {seq} does not match: the journal has {found}"),
        }
    }
}

/// A [`Problem`] and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The segment file.
    pub path: PathBuf,
    /// The line (from 1; 0 for the segment as a whole).
    pub line: u64,
    /// What is wrong.
    pub problem: Problem,
}

/// The result of checking a journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records read.
    pub records: u64,
    /// Segments read.
    pub segments: usize,
    /// The last record in chain order, if any.
    pub head: Option<ChainHead>,
    /// Everything found wrong; empty when the journal is intact.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// Whether nothing was found wrong.
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = self
            .head
            .map(|head| format!(", head {} {}", head.seq, hex(&head.hash)))
            .unwrap_or_default();
        if self.is_intact() {
            return write!(
                f,
                "intact: {} records in {} segments{head}",
                self.records, self.segments
            );
        }
        writeln!(
            f,
            "NOT intact: {} problems in {} records, {} segments{head}",
            self.findings.len(),
            self.records,
            self.segments
        )?;
        for finding in &self.findings {
            writeln!(
                f,
                "  {}:{}: {}",
                finding.path.display(),
                finding.line,
                finding.problem
            )?;
        }
        Ok(())
    }
}

/// An anchor kept outside the journal: "record `seq` had hash `hash`".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The record.
    pub seq: u64,
    /// Its hash.
    pub hash: Hash,
}

/// Checks the journal in `dir` whose records are chained with `key`.
pub fn verify_dir(dir: &Path, key: &ChainKey) -> Result<VerifyReport, AuditError> {
    verify_with_anchors(dir, key, &[])
}

/// Checks the journal in `dir`, and that each of `anchors` matches it.
pub fn verify_with_anchors(
    dir: &Path,
    key: &ChainKey,
    anchors: &[Anchor],
) -> Result<VerifyReport, AuditError> {
    let chain = read_chain(dir)?;
    if chain != key.describe() {
        return Err(AuditError::KeyMismatch {
            dir: dir.to_path_buf(),
            found: chain,
            given: key.describe(),
        });
    }
    let segments = list_segments(dir)?;
    let mut check = Checker {
        key,
        expected: 1,
        prev: GENESIS,
        started: false,
        findings: Vec::new(),
        records: 0,
        head: None,
        anchors: anchors.iter().map(|a| (a.seq, (a.hash, false))).collect(),
    };
    if let Some(anchor) = last_retired(dir)? {
        check.expected = anchor.last_seq + 1;
        check.prev = anchor.last_hash;
    }
    for (index, segment) in segments.iter().enumerate() {
        let is_last = index + 1 == segments.len();
        let file = File::open(&segment.path).map_err(AuditError::io(&segment.path, "open"))?;
        let mut reader = BufReader::new(file);
        let mut buffer = Vec::new();
        let mut line = 0;
        loop {
            buffer.clear();
            let read = reader
                .read_until(b'\n', &mut buffer)
                .map_err(AuditError::io(&segment.path, "read"))?;
            if read == 0 {
                break;
            }
            line += 1;
            let at = |problem| Finding {
                path: segment.path.clone(),
                line,
                problem,
            };
            let Some(text) = buffer.strip_suffix(b"\n") else {
                let data = crate::journal::data_end(&buffer);
                if is_last && data == 0 {
                    break; // the active segment's preallocated zeros
                }
                let problem = if is_last {
                    Problem::TornTail { bytes: data as u64 }
                } else {
                    Problem::Unreadable {
                        reason: "a partial record before the last segment".into(),
                    }
                };
                check.findings.push(at(problem));
                break;
            };
            match crate::journal::decode_line(text) {
                Ok(record) => {
                    if line == 1 && record.seq != segment.first_seq {
                        check.findings.push(at(Problem::MisnamedSegment {
                            named: segment.first_seq,
                            found: record.seq,
                        }));
                    }
                    for problem in check.record(&record) {
                        check.findings.push(at(problem));
                    }
                }
                Err(reason) => check.findings.push(at(Problem::Unreadable { reason })),
            }
        }
    }
    let mut unseen: Vec<u64> = check
        .anchors
        .iter()
        .filter(|(_, (_, seen))| !seen)
        .map(|(seq, _)| *seq)
        .collect();
    unseen.sort_unstable();
    for seq in unseen {
        check.findings.push(Finding {
            path: dir.to_path_buf(),
            line: 0,
            problem: Problem::AnchorMismatch {
                seq,
                found: "no such record: the journal was cut short".into(),
            },
        });
    }
    Ok(VerifyReport {
        records: check.records,
        segments: segments.len(),
        head: check.head,
        findings: check.findings,
    })
}

struct Checker<'a> {
    key: &'a ChainKey,
    expected: u64,
    prev: Hash,
    started: bool,
    findings: Vec<Finding>,
    records: u64,
    head: Option<ChainHead>,
    /// Anchored hashes by sequence number, and whether the journal held that record.
    anchors: HashMap<u64, (Hash, bool)>,
}

impl Checker<'_> {
    /// The problems of one record, in chain order.
    fn record(&mut self, record: &crate::journal::Record<'_>) -> Vec<Problem> {
        self.records += 1;
        let mut problems = Vec::new();
        if !record.hash_matches(self.key) {
            problems.push(Problem::HashMismatch { seq: record.seq });
        }
        if let Some((hash, seen)) = self.anchors.get_mut(&record.seq) {
            *seen = true;
            if *hash != record.hash {
                problems.push(Problem::AnchorMismatch {
                    seq: record.seq,
                    found: hex(&record.hash),
                });
            }
        }
        if !self.started {
            self.started = true;
            if record.seq != self.expected && self.expected == 1 {
                // Nothing says where the chain started: trust the first record found, but say so.
                problems.push(Problem::UnexplainedStart {
                    first_seq: record.seq,
                });
                self.expected = record.seq;
                self.prev = record.prev;
            }
        }
        if record.seq < self.expected {
            problems.push(Problem::OutOfOrder {
                seq: record.seq,
                expected: self.expected,
            });
            return problems;
        }
        if record.seq > self.expected {
            problems.push(Problem::Missing {
                from: self.expected,
                to: record.seq - 1,
            });
        } else if record.prev != self.prev {
            problems.push(Problem::BrokenLink { seq: record.seq });
        }
        self.expected = record.seq + 1;
        self.prev = record.hash;
        self.head = Some(ChainHead {
            seq: record.seq,
            hash: record.hash,
        });
        problems
    }
}
