//! An error that names its own class, for the failures of a caller's own code.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;

/// A failure that names its `error.type`: return it from the closure of
/// [`Step::run`](crate::Step::run) or [`Deployment::run`](crate::Deployment::run) (or their
/// async forms) and the span ends as a failure of that class, where any other error type but
/// [`CommandError`](crate::CommandError) is `_OTHER`.
///
/// ```
/// use deploytel_span::{deployment, Failure};
///
/// let deployment = deployment!("deploy-billing", "staging");
/// let approved: Result<(), Failure> = deployment.step("check_approval").run(|_| {
///     Err(Failure::new("approval_missing", "no approval for billing 1.4.2"))
/// });
/// assert_eq!(approved.unwrap_err().error_type(), "approval_missing");
/// deployment.succeed();
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    error_type: Cow<'static, str>,
    message: String,
    #[source]
    source: Option<Box<dyn Error + Send + Sync + 'static>>,
}

impl Failure {
    /// A failure of class `error_type` (low cardinality, e.g. `step_failed`), described by
    /// `message`.
    pub fn new(error_type: impl Into<Cow<'static, str>>, message: impl fmt::Display) -> Self {
        Failure {
            error_type: error_type.into(),
            message: message.to_string(),
            source: None,
        }
    }

    /// The error that caused it, kept as its `source()`.
    pub fn with_source(mut self, source: impl Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The class it names, recorded as `error.type`.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }
}
