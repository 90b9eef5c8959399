//! Attribute keys and enum values from the OpenTelemetry semantic conventions.
//!
//! Every crate of the family names attributes through these constants, so a key is spelled in
//! one place and a move to a newer semantic-conventions release is one reviewed diff. The keys
//! are those of release [`SEMCONV_VERSION`]; most CICD and deployment keys are still marked
//! *development* upstream, which is why they are pinned here rather than taken from a crate that
//! follows upstream on every release.

/// The semantic-conventions release these keys follow.
pub const SEMCONV_VERSION: &str = "1.44.0";

/// The schema URL of [`SEMCONV_VERSION`], for resources and instrumentation scopes.
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.44.0";

/// `cicd.pipeline.*`: the pipeline run that a deployment is.
pub mod cicd {
    /// Human-readable name of the pipeline, e.g. `deploy-billing`.
    pub const PIPELINE_NAME: &str = "cicd.pipeline.name";
    /// Unique id of this pipeline run.
    pub const PIPELINE_RUN_ID: &str = "cicd.pipeline.run.id";
    /// URL of this pipeline run in the system that shows it.
    pub const PIPELINE_RUN_URL_FULL: &str = "cicd.pipeline.run.url.full";
    /// Result of the pipeline run; values in [`crate::Outcome`].
    pub const PIPELINE_RESULT: &str = "cicd.pipeline.result";
    /// Name of a task (a deployment step) in the pipeline.
    pub const PIPELINE_TASK_NAME: &str = "cicd.pipeline.task.name";
    /// Id of a task run, unique within the pipeline run.
    pub const PIPELINE_TASK_RUN_ID: &str = "cicd.pipeline.task.run.id";
    /// URL of a task run.
    pub const PIPELINE_TASK_RUN_URL_FULL: &str = "cicd.pipeline.task.run.url.full";
    /// Result of a task run; values in [`crate::Outcome`].
    pub const PIPELINE_TASK_RUN_RESULT: &str = "cicd.pipeline.task.run.result";
    /// Kind of task: `build`, `test` or `deploy`.
    pub const PIPELINE_TASK_TYPE: &str = "cicd.pipeline.task.type";
    /// The [`PIPELINE_TASK_TYPE`] value of every deploytel step.
    pub const PIPELINE_TASK_TYPE_DEPLOY: &str = "deploy";
}

/// deploytel's own attributes, where the conventions have none.
pub mod deploytel {
    /// On a step's span: how many attempts it took, recorded as it ends by a step that may
    /// retry.
    pub const STEP_ATTEMPTS: &str = "deploytel.step.attempts";
    /// On the warning of a failed attempt that is tried again: its number, from 1.
    pub const STEP_ATTEMPT: &str = "deploytel.step.attempt";
    /// On the event of a line a child process wrote: the line is one JSON object (the child's
    /// own log line), whose structure the ECS layer keeps instead of quoting it in `message`.
    pub const JSON_LINE: &str = "deploytel.json_line";
    /// On a deployment's span: when the deployed revision was committed (RFC 3339, UTC, to
    /// the second); lead time for changes runs from it to the deployment's success. The
    /// conventions have `vcs.ref.head.revision` but no time for it.
    pub const VCS_COMMIT_TIME: &str = "deploytel.vcs.commit_time";
    /// On an OpenTelemetry span only (never a `tracing` field): when the work it stands for
    /// began, in nanoseconds since the Unix epoch, for spans built after the fact from a tool's
    /// own timestamps. The exporter of `deploytel::init()` makes it the span's start time.
    pub const SPAN_START_UNIX_NANO: &str = "deploytel.span.start_time_unix_nano";
    /// As [`SPAN_START_UNIX_NANO`], for the span's end time.
    pub const SPAN_END_UNIX_NANO: &str = "deploytel.span.end_time_unix_nano";
}

/// `deployment.*`: what is deployed, and where.
pub mod deployment {
    /// Name of the deployment environment, e.g. `staging`.
    pub const ENVIRONMENT_NAME: &str = "deployment.environment.name";
    /// Id of the deployment.
    pub const ID: &str = "deployment.id";
    /// Name of the deployment, e.g. the service deployed.
    pub const NAME: &str = "deployment.name";
    /// Status of the deployment: [`STATUS_SUCCEEDED`] or [`STATUS_FAILED`].
    pub const STATUS: &str = "deployment.status";
    /// [`STATUS`] of a deployment that succeeded.
    pub const STATUS_SUCCEEDED: &str = "succeeded";
    /// [`STATUS`] of a deployment that failed.
    pub const STATUS_FAILED: &str = "failed";
}

/// `vcs.*`: the revision being deployed.
pub mod vcs {
    /// Name of the head ref, e.g. a branch or tag.
    pub const REF_HEAD_NAME: &str = "vcs.ref.head.name";
    /// Revision (commit id) of the head ref.
    pub const REF_HEAD_REVISION: &str = "vcs.ref.head.revision";
    /// Canonical URL of the repository.
    pub const REPOSITORY_URL_FULL: &str = "vcs.repository.url.full";
}

/// `process.*`: a child process run by a step.
pub mod process {
    /// File name of the executable, e.g. `ansible-playbook`.
    pub const EXECUTABLE_NAME: &str = "process.executable.name";
    /// Full path of the executable.
    pub const EXECUTABLE_PATH: &str = "process.executable.path";
    /// Process id.
    pub const PID: &str = "process.pid";
    /// Exit code of the process.
    pub const EXIT_CODE: &str = "process.exit.code";
    /// The command and its arguments; always passed through the redactor.
    pub const COMMAND_ARGS: &str = "process.command_args";
    /// On the event of a line a child process wrote: `stdout` or `stderr`. deploytel's own
    /// name (neither the conventions nor ECS have one for it).
    pub const STREAM: &str = "process.stream";
}

/// `error.*`: the class of error an operation ended with.
pub mod error {
    /// Low-cardinality class of the error, e.g. `timeout` or `std::io::Error`.
    pub const TYPE: &str = "error.type";
    /// What went wrong, for people; the ECS field of the same name.
    pub const MESSAGE: &str = "error.message";
    /// The `error.type` of an error nothing more specific is known of, as the semantic
    /// conventions name it.
    pub const OTHER: &str = "_OTHER";
}

/// `service.*`: the program emitting telemetry.
pub mod service {
    /// Logical name of the service.
    pub const NAME: &str = "service.name";
    /// Version of the service.
    pub const VERSION: &str = "service.version";
    /// Namespace the service belongs to.
    pub const NAMESPACE: &str = "service.namespace";
    /// Id of this instance of the service.
    pub const INSTANCE_ID: &str = "service.instance.id";
}

/// Who triggered a deployment.
pub mod actor {
    /// Id of the end user on whose behalf the deployment runs.
    pub const ENDUSER_ID: &str = "enduser.id";
    /// Name of the (system) user that triggered it.
    pub const USER_NAME: &str = "user.name";
}

/// Field names through which tracing-opentelemetry sets a span's OpenTelemetry name, kind and
/// status. They are not attributes: the layer consumes them.
pub mod otel {
    /// Overrides the OpenTelemetry span name.
    pub const NAME: &str = "otel.name";
    /// Span kind: `server`, `client`, `internal`, `producer` or `consumer`.
    pub const KIND: &str = "otel.kind";
    /// Span status code: `ok` or `error` (unset when absent).
    pub const STATUS_CODE: &str = "otel.status_code";
    /// Description that goes with an error status.
    pub const STATUS_DESCRIPTION: &str = "otel.status_description";
}
