//! What can be wrong with a plan's JSON.

/// A plan that cannot be read; nothing of it is reported half-read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerraformError {
    /// The text is not JSON.
    #[error("the plan is not JSON (line {line}, column {column}): {message}")]
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
}
