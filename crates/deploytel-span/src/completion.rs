//! Recording how a deployment or step ended, exactly once, even when it is dropped or unwound.

use std::fmt;

use deploytel_core::semconv::{cicd, deployment, error, otel};
use deploytel_core::Outcome;
use tracing::Span;

/// Which result attribute a span carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `cicd.pipeline.result`, plus `deployment.status`.
    Deployment,
    /// `cicd.pipeline.task.run.result`.
    Step,
}

/// The span of a deployment or step and whether its outcome has been recorded.
#[derive(Debug)]
pub(crate) struct Completion {
    span: Span,
    kind: Kind,
    outcome: Option<Outcome>,
}

impl Completion {
    pub(crate) fn new(span: Span, kind: Kind) -> Self {
        Completion {
            span,
            kind,
            outcome: None,
        }
    }

    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    pub(crate) fn outcome(&self) -> Option<Outcome> {
        self.outcome
    }

    /// Records `outcome` unless one was recorded already: the first word on how it ended is
    /// the one that counts. `error_type` and `description` go with outcomes other than success
    /// and skip; without an `error_type` the outcome itself names the class (`timeout`).
    pub(crate) fn record(
        &mut self,
        outcome: Outcome,
        error_type: Option<&str>,
        description: Option<&dyn fmt::Display>,
    ) {
        if self.outcome.is_some() {
            return;
        }
        self.outcome = Some(outcome);
        let span = &self.span;
        match self.kind {
            Kind::Deployment => {
                span.record(cicd::PIPELINE_RESULT, outcome.as_str());
                let status = if outcome.is_success() {
                    deployment::STATUS_SUCCEEDED
                } else {
                    deployment::STATUS_FAILED
                };
                span.record(deployment::STATUS, status);
            }
            Kind::Step => {
                span.record(cicd::PIPELINE_TASK_RUN_RESULT, outcome.as_str());
            }
        }
        if is_error(outcome) {
            let error_type = error_type.unwrap_or(outcome.as_str());
            span.record(error::TYPE, error_type);
            span.record(otel::STATUS_CODE, "error");
            let outcome_text = outcome.as_str();
            let description = description.unwrap_or(&outcome_text);
            span.record(
                otel::STATUS_DESCRIPTION,
                tracing::field::display(description),
            );
            self.log_end(outcome, error_type, description);
        }
    }

    /// The one event that says a deployment or step did not succeed, inside its span, so that a
    /// failure explains itself without a line of the caller's: at error, at warn for a
    /// cancellation. It carries the outcome under the span's own result attribute.
    fn log_end(&self, outcome: Outcome, error_type: &str, description: &dyn fmt::Display) {
        let how = match outcome {
            Outcome::Timeout => "timed out",
            Outcome::Cancellation => "cancelled",
            Outcome::Error => "failed with an error",
            _ => "failed",
        };
        let (span, result) = (&self.span, outcome.as_str());
        // `tracing` wants each level and each field name fixed at its call site.
        macro_rules! end_event {
            ($level:ident, $what:literal, $result_key:expr) => {
                tracing::$level!(
                    parent: span,
                    {
                        { $result_key } = result,
                        { error::TYPE } = error_type,
                        { error::MESSAGE } = %description,
                    },
                    "{} {how}: {description}",
                    $what
                )
            };
        }
        match (self.kind, outcome) {
            (Kind::Deployment, Outcome::Cancellation) => {
                end_event!(warn, "deployment", cicd::PIPELINE_RESULT)
            }
            (Kind::Deployment, _) => end_event!(error, "deployment", cicd::PIPELINE_RESULT),
            (Kind::Step, Outcome::Cancellation) => {
                end_event!(warn, "step", cicd::PIPELINE_TASK_RUN_RESULT)
            }
            (Kind::Step, _) => end_event!(error, "step", cicd::PIPELINE_TASK_RUN_RESULT),
        }
    }

    /// What `Drop` records when nobody said how it ended: `error` while a panic unwinds,
    /// `cancellation` otherwise.
    fn record_abandoned(&mut self) {
        if std::thread::panicking() {
            self.record(Outcome::Error, Some("panic"), Some(&"panicked"));
        } else {
            self.record(
                Outcome::Cancellation,
                None,
                Some(&"dropped before an outcome was recorded"),
            );
        }
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        self.record_abandoned();
    }
}

/// Outcomes that set the span status to Error and name an `error.type`.
fn is_error(outcome: Outcome) -> bool {
    !matches!(outcome, Outcome::Success | Outcome::Skip)
}

/// The methods [`Deployment`](crate::Deployment) and [`Step`](crate::Step) share, over their
/// `completion` field.
macro_rules! outcome_methods {
    ($type:ident) => {
        impl $type {
            /// The `tracing` span, e.g. to `.instrument()` a future with it.
            pub fn span(&self) -> &tracing::Span {
                self.completion.span()
            }

            /// The outcome recorded so far.
            pub fn outcome(&self) -> Option<deploytel_core::Outcome> {
                self.completion.outcome()
            }

            /// Ends it as a success.
            pub fn succeed(mut self) {
                self.completion
                    .record(deploytel_core::Outcome::Success, None, None);
            }

            /// Ends it with `outcome`; a non-success outcome names itself as `error.type`.
            pub fn finish(mut self, outcome: deploytel_core::Outcome) {
                self.completion.record(outcome, None, None);
            }

            /// Ends it as a failure of class `error_type` (low cardinality, e.g.
            /// `playbook_failed`), with `description` as the span status description.
            pub fn fail(mut self, error_type: &str, description: impl std::fmt::Display) {
                self.completion.record(
                    deploytel_core::Outcome::Failure,
                    Some(error_type),
                    Some(&description),
                );
            }

            /// Ends it with `outcome`, naming the error class and describing what happened.
            pub fn finish_with(
                mut self,
                outcome: deploytel_core::Outcome,
                error_type: &str,
                description: impl std::fmt::Display,
            ) {
                self.completion
                    .record(outcome, Some(error_type), Some(&description));
            }

            /// Runs `f` inside the span and ends it by the result: `Ok` is a success, `Err` a
            /// failure whose description is its `Display` and whose `error.type` is a
            /// subprocess's own class for a [`CommandError`](crate::CommandError) (exit code,
            /// `timeout`, `signal`, `spawn_failed`), the class a [`Failure`](crate::Failure)
            /// names, else `_OTHER`. Every event `f` logs, and every span it opens, is inside
            /// this one.
            pub fn run<T, E: std::fmt::Display + 'static>(
                mut self,
                f: impl FnOnce(&Self) -> Result<T, E>,
            ) -> Result<T, E> {
                let result = self.completion.span().in_scope(|| f(&self));
                self.completion.record_result(&result);
                result
            }

            /// The async form of [`run`](Self::run): awaits the future `f` makes, inside the
            /// span on every poll (as `tracing::Instrument` does), and ends the span by its
            /// result. `f` gets `&Self`, as `run`'s closure does, so that it can open steps and
            /// commands. The future this returns owns the span: spawn it as a task, join it
            /// with others; dropped or aborted before it completes, it records `cancellation`.
            pub async fn run_async<T, E>(
                mut self,
                f: impl AsyncFnOnce(&Self) -> Result<T, E>,
            ) -> Result<T, E>
            where
                E: std::fmt::Display + 'static,
            {
                use tracing::Instrument as _;
                let span = self.completion.span().clone();
                let result = f(&self).instrument(span).await;
                self.completion.record_result(&result);
                result
            }
        }
    };
}

pub(crate) use outcome_methods;

impl Completion {
    /// Success for `Ok`; for `Err`, a failure of the error's class ([`error_type_of`]).
    pub(crate) fn record_result<T, E: fmt::Display + 'static>(&mut self, result: &Result<T, E>) {
        match result {
            Ok(_) => self.record(Outcome::Success, None, None),
            Err(e) => self.record(Outcome::Failure, Some(&error_type_of(e)), Some(e)),
        }
    }
}

/// The `error.type` of an error a step or deployment ended with: a subprocess's own class (its
/// exit code, `timeout`, `signal`, `spawn_failed`, `wait_failed`) for a
/// [`CommandError`](crate::CommandError), the class a [`Failure`](crate::Failure) names, else
/// `_OTHER`, as the semantic conventions name an error of no known class. A Rust type path is
/// no class an alert can rely on: it changes with the code.
pub(crate) fn error_type_of<E: 'static>(error: &E) -> String {
    let any: &dyn std::any::Any = error;
    if let Some(command) = any.downcast_ref::<crate::CommandError>() {
        command.error_type()
    } else if let Some(failure) = any.downcast_ref::<crate::Failure>() {
        failure.error_type().to_owned()
    } else {
        error::OTHER.to_owned()
    }
}
