//! The step span: one task of a deployment.

use std::time::Duration;

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
        self,
        retry: &Retry,
        mut f: impl FnMut(&Self, u32) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut attempt = 1;
        loop {
            let result = self.span().in_scope(|| f(&self, attempt));
            match result {
                Err(error) if attempt < retry.max_attempts() => {
                    std::thread::sleep(self.warn_retry(retry, attempt, &error));
                    attempt += 1;
                }
                result => return self.end_after_attempts(attempt, result),
            }
        }
    }

    /// The async form of [`run_with_retry`](Self::run_with_retry), on tokio: each attempt is
    /// awaited inside the span, and the waits between them are tokio timers, so no thread
    /// blocks. Dropped before it completes, the step records `cancellation`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use deploytel_span::{deployment, Retry};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let deployment = deployment!("deploy-billing", "staging");
    /// let retry = Retry::attempts(3).backoff(Duration::from_millis(10));
    /// let checked = deployment
    ///     .step("smoke_test")
    ///     .run_async_with_retry(&retry, async |step, _| {
    ///         step.command("sh").args(["-c", "exit 0"]).run_async().await
    ///     })
    ///     .await;
    /// assert!(checked.is_ok());
    /// deployment.succeed();
    /// # });
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn run_async_with_retry<T, E: std::fmt::Display + 'static>(
        self,
        retry: &Retry,
        mut f: impl AsyncFnMut(&Self, u32) -> Result<T, E>,
    ) -> Result<T, E> {
        use tracing::Instrument as _;
        let mut attempt = 1;
        loop {
            let result = f(&self, attempt).instrument(self.span().clone()).await;
            match result {
                Err(error) if attempt < retry.max_attempts() => {
                    tokio::time::sleep(self.warn_retry(retry, attempt, &error)).await;
                    attempt += 1;
                }
                result => return self.end_after_attempts(attempt, result),
            }
        }
    }

    /// Logs that failed attempt `attempt` will be tried again, and returns the wait before it.
    fn warn_retry(&self, retry: &Retry, attempt: u32, error: &dyn std::fmt::Display) -> Duration {
        let wait = retry.wait_after(attempt);
        tracing::warn!(
            parent: self.span(),
            {
                { semconv::deploytel::STEP_ATTEMPT } = attempt,
                { semconv::error::MESSAGE } = %error,
            },
            "attempt {attempt} of {} failed, trying again in {wait:?}: {error}",
            retry.max_attempts()
        );
        wait
    }

    fn end_after_attempts<T, E: std::fmt::Display + 'static>(
        mut self,
        attempts: u32,
        result: Result<T, E>,
    ) -> Result<T, E> {
        self.span()
            .record(semconv::deploytel::STEP_ATTEMPTS, u64::from(attempts));
        self.completion.record_result(&result);
        result
    }
}

crate::completion::outcome_methods!(Step);
