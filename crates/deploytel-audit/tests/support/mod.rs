//! Helpers shared by this crate's integration tests.

use std::path::Path;

use deploytel_audit::journal::{JournalReader, StoredRecord};

#[cfg(any(feature = "elasticsearch", feature = "splunk-hec", feature = "datadog"))]
pub mod forwarding;

/// Every record of the journal in `dir`, in order.
pub fn records(dir: &Path) -> Vec<StoredRecord> {
    let mut reader = JournalReader::open(dir, 1);
    let mut all = Vec::new();
    while let Some(record) = reader.next_record().expect("read the journal") {
        all.push(record);
    }
    all
}
