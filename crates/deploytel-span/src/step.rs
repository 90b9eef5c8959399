//! The step span: one task of a deployment.

use crate::completion::{Completion, Kind};

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
}

crate::completion::outcome_methods!(Step);
