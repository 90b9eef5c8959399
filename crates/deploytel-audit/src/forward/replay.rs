//! Replaying the dead letter once its cause is fixed: each record is sent again, alone; those
//! the receiver now stores leave the dead letter, those it still refuses stay with the new
//! reason, and a receiver that is down or refuses our credentials ends the replay with the
//! rest untouched.

use std::path::Path;
use std::time::Duration;

use super::dead_letter::{self, DeadLetter};
use super::http::Http;
use super::pending::Pending;
use super::verdict::{self, Item, Verdict};
use super::Destination;
use crate::error::AuditError;

/// What a replay did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Records the receiver stored: they left the dead letter.
    pub delivered: usize,
    /// Records it refused again: they stay, with the new reason.
    pub refused: usize,
    /// Records not tried because the replay stopped.
    pub untried: usize,
    /// Why it stopped early, if it did.
    pub stopped_by: Option<String>,
}

impl std::fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} delivered, {} refused again, {} not tried",
            self.delivered, self.refused, self.untried
        )?;
        if let Some(reason) = &self.stopped_by {
            write!(f, " (stopped: {reason})")?;
        }
        Ok(())
    }
}

/// Sends the dead letters of `destination`'s sink in the audit directory `journal_dir` again.
pub fn replay_dead_letters(
    journal_dir: &Path,
    destination: impl Into<Destination>,
    request_timeout: Duration,
) -> Result<ReplayReport, AuditError> {
    let wire = destination.into().into_wire();
    let http = Http::for_wire(&*wire, request_timeout, &[])?;
    let letters = dead_letter::read(journal_dir, wire.name())?;
    let mut kept: Vec<DeadLetter> = Vec::new();
    let mut report = ReplayReport {
        delivered: 0,
        refused: 0,
        untried: 0,
        stopped_by: None,
    };
    for mut letter in letters {
        if report.stopped_by.is_some() {
            report.untried += 1;
            kept.push(letter);
            continue;
        }
        let record = Pending::read(letter.seq, letter.doc.clone(), &*wire);
        let records = [&record];
        let verdict = match http.post(&wire.request(&records)) {
            Ok(response) => verdict::of_status(&response)
                .unwrap_or_else(|| wire.read_success(&response, &records)),
            Err(error) => verdict::of_transport(error),
        };
        match verdict {
            // A replay does not wait for indexer acknowledgement: accepted is delivered.
            Verdict::Delivered | Verdict::AwaitAck { .. } => report.delivered += 1,
            Verdict::Items(items) => match items.into_iter().next() {
                Some(Item::Stored) => report.delivered += 1,
                Some(Item::DeadLetter { error_type, reason }) => {
                    letter.error_type = error_type;
                    letter.reason = reason;
                    report.refused += 1;
                    kept.push(letter);
                }
                Some(Item::Retry) | None => {
                    report.stopped_by = Some("the receiver asked to retry later".into());
                    report.untried += 1;
                    kept.push(letter);
                }
            },
            Verdict::Refused { message, .. } => {
                letter.reason = message;
                report.refused += 1;
                kept.push(letter);
            }
            Verdict::Retry { message, .. } | Verdict::Hold { message, .. } => {
                report.stopped_by = Some(message);
                report.untried += 1;
                kept.push(letter);
            }
        }
    }
    dead_letter::rewrite(journal_dir, wire.name(), &kept)?;
    Ok(report)
}
