//! What can go wrong reading a callback's output or running a playbook.

use deploytel_span::CommandError;

use crate::Run;

/// Why a callback's output could not be read in full, or a playbook did not succeed. Spans
/// built before the error are ended, never lost; the variants that carry a [`Run`] say what
/// was read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnsibleError {
    /// A line of the JSON-lines output is not JSON.
    #[error("line {line} of the Ansible callback output is not JSON (column {column}): {message}")]
    NotJson {
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// A line is JSON but not an event of the `ansible.posix` callbacks.
    #[error("line {line} of the Ansible callback output: {path} is missing or not {expected}")]
    Malformed {
        /// The line, from 1 (1 for the whole document of the `json` callback).
        line: usize,
        /// Where, as a JSON path (`task.duration.start`).
        path: String,
        /// What it should be.
        expected: &'static str,
    },
    /// The output stopped before the run's closing stats: the run was interrupted, or the
    /// file was cut. The spans of what was read are ended, as cancelled.
    #[error("the Ansible callback output ends at line {line} without the run's closing stats")]
    Truncated {
        /// The last line read.
        line: usize,
        /// What was read.
        run: Box<Run>,
    },
    /// Reading the output failed.
    #[error("cannot read the Ansible callback output: {0}")]
    Read(#[from] std::io::Error),
    /// `ansible-playbook` exited with 2 or 4: a host failed or could not be reached.
    #[error("{} of {} hosts failed or were unreachable (ansible-playbook exited with {code})",
        .run.failed_hosts().len(), .run.stats.len())]
    HostsFailed {
        /// The exit code: 2 when a host failed, 4 when one was unreachable.
        code: i32,
        /// What the run reported.
        run: Box<Run>,
    },
    /// `ansible-playbook` did not run to the end: it could not start, exited with another
    /// code (a syntax error, bad options), was interrupted (SIGINT: exit code 99) or timed out.
    #[error("ansible-playbook did not complete: {source}")]
    Command {
        /// How the process ended.
        #[source]
        source: CommandError,
        /// What was read of its output.
        run: Box<Run>,
    },
}
