//! What can be wrong with a plan's JSON or an apply's stream.

use deploytel_span::CommandError;

use crate::applied::ApplyRun;

/// A plan that cannot be read (nothing of it is reported half-read), or an apply stream that
/// could not be read in full or a `terraform apply` that failed (the spans of what was read are
/// ended).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerraformError {
    /// The text (of a plan, or one line of an apply stream) is not JSON.
    #[error("line {line} is not JSON (column {column}): {message}")]
    NotJson {
        /// The line of the error, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// A format this crate does not read (it reads 0.x and 1.x).
    #[error("plan format_version {version:?} is not one this reader knows (0.x or 1.x)")]
    UnsupportedFormat {
        /// The plan's `format_version`.
        version: String,
    },
    /// A field the format requires is missing or of the wrong type.
    #[error("the plan's {path} is missing or not {expected}")]
    Malformed {
        /// Where, as a JSON path (`resource_changes[2].change.actions`).
        path: String,
        /// What it should be.
        expected: &'static str,
    },
    /// Reading an apply stream failed.
    #[error("cannot read the terraform apply stream: {0}")]
    Read(#[from] std::io::Error),
    /// `terraform apply` did not exit with 0.
    #[error("terraform apply failed: {source}")]
    Apply {
        /// How the process ended.
        #[source]
        source: CommandError,
        /// What was read of its stream.
        run: Box<ApplyRun>,
    },
}
