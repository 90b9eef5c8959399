//! The step span: one task of a deployment.

use deploytel_core::semconv;

use crate::completion::{Completion, Kind};
use crate::Retry;

/// A step of a deployment in progress: a `tracing` span of OpenTelemetry kind internal, child
/// of the deployment's span, named after the step and carrying `cicd.pipeline.task.name`,
/// `cicd.pipeline.task.run.id` (1, 2, … within the run) and `cicd.pipeline.task.type = deploy`.
///
/// Create it with [`step!`](crate::step!) or [`Deployment::step`](crate::Deployment::step);
/// end it with one of the methods that record the outcome. Dropped without an outcome it
/// records `cancellation`, and `error` when dropped by a panic.
#[derive(Debug)]
pub struct Step {
    completion: Completion,
}

impl Step {
    #[doc(hidden)]
    pub fn __start(span: tracing::Span) -> Self {
        Step {
            completion: Completion::new(span, Kind::Step),
        }
    }
}

impl Step {
    /// A [`Command`](crate::Command) whose subprocess span is a child of this step.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> crate::Command {
        crate::Command::new(program).parent(self.span())
    }

    /// Runs `f` inside the span until it returns `Ok`, at most `retry`'s number of attempts,
    /// waiting between them (blocking the thread). `f` gets the step and the attempt number,
    /// from 1. Each failed attempt that is tried again logs a warning with its error, its number
    /// (`deploytel.step.attempt`) and the wait. The step ends by the last attempt's result, as
    /// [`run`](Self::run) ends it, with the number of attempts on its span
    /// (`deploytel.step.attempts`); the metrics count each attempt after the first in
    /// `deploytel_step_retries_total`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use deploytel_span::{deployment, Retry};
    ///
    /// let deployment = deployment!("deploy-billing", "staging");
    /// let checked = deployment
    ///     .step("smoke_test")
    ///     .run_with_retry(&Retry::attempts(3).backoff(Duration::from_millis(10)), |step, _| {
    ///         step.command("sh").args(["-c", "exit 0"]).run()
    ///     });
    /// assert!(checked.is_ok());
    /// deployment.succeed();
    /// ```
    pub fn run_with_retry<T, E: std::fmt::Display + 'static>(
        mut self,
        retry: &Retry,
        mut f: impl FnMut(&Self, u32) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut attempt = 1;
        loop {
            let result = self.in_scope(|| f(&self, attempt));
            match result {
                Err(error) if attempt < retry.max_attempts() => {
                    let wait = retry.wait_after(attempt);
                    tracing::warn!(
                        parent: self.span(),
                        deploytel.step.attempt = attempt,
                        error.message = %error,
                        "attempt {attempt} of {} failed, trying again in {wait:?}: {error}",
                        retry.max_attempts()
                    );
                    std::thread::sleep(wait);
                    attempt += 1;
                }
                result => {
                    self.span()
                        .record(semconv::deploytel::STEP_ATTEMPTS, u64::from(attempt));
                    self.completion.record_result(&result);
                    return result;
                }
            }
        }
    }
}

crate::completion::outcome_methods!(Step);
