//! What happened to one host in one task, and a host's totals over a run.

use std::fmt;

use deploytel_core::Outcome;

/// A host's result of one task, as Ansible's recap counts it.
///
/// The JSON callbacks report a failure the same way whether it stopped the host, was ignored
/// (`ignore_errors`) or was rescued by a `rescue:` block; the run's closing stats say which.
/// So a failure is settled when the stats arrive: see [`Run`](crate::Run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostResult {
    /// The task ran and changed nothing.
    Ok,
    /// The task ran and changed the host (in check mode: would have changed it).
    Changed,
    /// The task failed and the host stopped there.
    Failed,
    /// The task did not run on the host (a `when:` condition was false).
    Skipped,
    /// Ansible could not reach the host.
    Unreachable,
    /// The task failed and a `rescue:` block took over.
    Rescued,
    /// The task failed and `ignore_errors` let the host go on.
    Ignored,
}

impl HostResult {
    /// Every result, in the order of Ansible's recap.
    pub const ALL: [HostResult; 7] = [
        HostResult::Ok,
        HostResult::Changed,
        HostResult::Failed,
        HostResult::Skipped,
        HostResult::Unreachable,
        HostResult::Rescued,
        HostResult::Ignored,
    ];

    /// The value of `ansible.host.result`: `ok`, `changed`, `failed`, …
    pub const fn as_str(self) -> &'static str {
        match self {
            HostResult::Ok => "ok",
            HostResult::Changed => "changed",
            HostResult::Failed => "failed",
            HostResult::Skipped => "skipped",
            HostResult::Unreachable => "unreachable",
            HostResult::Rescued => "rescued",
            HostResult::Ignored => "ignored",
        }
    }

    /// Whether the host stopped because of it.
    pub const fn stopped_the_host(self) -> bool {
        matches!(self, HostResult::Failed | HostResult::Unreachable)
    }

    /// The task-run result of the host's span: failure for a failed host, error for an
    /// unreachable one (the task never ran), skip, or success.
    pub const fn outcome(self) -> Outcome {
        match self {
            HostResult::Failed => Outcome::Failure,
            HostResult::Unreachable => Outcome::Error,
            HostResult::Skipped => Outcome::Skip,
            HostResult::Ok | HostResult::Changed | HostResult::Rescued | HostResult::Ignored => {
                Outcome::Success
            }
        }
    }
}

impl fmt::Display for HostResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A host's totals over a run, as the callback's closing `stats` give them (Ansible's recap).
/// `ok` counts changed tasks too, as Ansible does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Tasks that ran, changed or not.
    pub ok: u64,
    /// Tasks that changed the host.
    pub changed: u64,
    /// Failures that stopped the host.
    pub failures: u64,
    /// Tasks skipped.
    pub skipped: u64,
    /// Times the host was unreachable.
    pub unreachable: u64,
    /// Failures a `rescue:` block took over.
    pub rescued: u64,
    /// Failures ignored with `ignore_errors`.
    pub ignored: u64,
}

impl HostStats {
    /// Whether the host failed or could not be reached.
    pub const fn is_failed(&self) -> bool {
        self.failures > 0 || self.unreachable > 0
    }
}
