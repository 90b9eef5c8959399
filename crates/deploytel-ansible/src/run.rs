//! What a run reported.

use std::collections::BTreeMap;

use deploytel_core::Outcome;

use crate::host_result::{HostResult, HostStats};

/// What one run of a playbook reported: the closing stats per host (Ansible's recap), how many
/// host results of each kind were read, and how the run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Run {
    /// The playbook's name, as given.
    pub playbook: String,
    /// Per host: the closing stats, or, for a run that ended without them, the results read.
    pub stats: BTreeMap<String, HostStats>,
    /// How many host results of each kind were read.
    pub results: BTreeMap<HostResult, u64>,
    /// Whether the closing stats were read: false for an interrupted run or a cut file.
    pub complete: bool,
    /// Whether the run was in check mode (`--check`).
    pub check_mode: bool,
    /// Success, failure (a host failed or was unreachable), or cancellation (no closing stats).
    pub outcome: Outcome,
    /// Lines of a live run's output that were not callback events (they are logged once each
    /// as a warning and otherwise passed over).
    pub malformed_lines: Vec<usize>,
}

impl Run {
    /// The hosts that failed or could not be reached, in name order.
    pub fn failed_hosts(&self) -> Vec<&str> {
        self.stats
            .iter()
            .filter(|(_, stats)| stats.is_failed())
            .map(|(host, _)| host.as_str())
            .collect()
    }

    /// How many host results of kind `result` were read.
    pub fn count(&self, result: HostResult) -> u64 {
        self.results.get(&result).copied().unwrap_or(0)
    }
}
