//! Deployment and step spans for `tracing`, shaped after the OpenTelemetry CICD semantic
//! conventions, so that a deployment becomes one trace whatever backend shows it.
//!
//! A [`Deployment`] is the root span of a pipeline run (kind server, named `RUN {pipeline}`); each
//! [`Step`] is a child span (kind internal). Both record how they ended as an
//! [`Outcome`](deploytel_core::Outcome), set the OpenTelemetry status through
//! tracing-opentelemetry's `otel.*` fields, and never end without an outcome: dropped early
//! they record `cancellation`, unwound by a panic `error`.
//!
//! ```
//! use deploytel_span::{deployment, step};
//!
//! let applied: Result<u64, std::io::Error> =
//!     deployment!("deploy-billing", "staging", deployment.name = "billing").run(|deployment| {
//!         tracing::info!("migrating"); // inside the deployment's span
//!         step!(deployment, "migrate_database", migrations = 2u64).run(|_| Ok(2))
//!     });
//! assert_eq!(applied.unwrap(), 2);
//! ```
//!
//! Without a subscriber the spans cost next to nothing; with tracing-opentelemetry in the
//! subscriber they become OpenTelemetry spans, and with `deploytel_ecs::EcsLayer` their fields
//! appear on every log line inside them.
//!
//! # Attributes
//!
//! | span | attribute | set by |
//! |---|---|---|
//! | deployment | `cicd.pipeline.name`, `deployment.environment.name` | the macro or builder arguments |
//! | deployment | `cicd.pipeline.run.id` | [`DeploymentBuilder::run_id`], else generated (32 hex digits) |
//! | deployment | `cicd.pipeline.run.url.full`, `deployment.name`, `deployment.id`, `vcs.ref.head.name`, `vcs.ref.head.revision`, `vcs.repository.url.full`, `enduser.id`, `user.name` | the builder, or fields of the macro |
//! | deployment | `deploytel.vcs.commit_time` (when the revision was committed, RFC 3339 UTC) | [`DeploymentBuilder::commit_time`], or from the CI system or git ([`commit_time`]) |
//! | deployment | `cicd.pipeline.result`, `deployment.status` (`succeeded`/`failed`) | the outcome |
//! | step | `cicd.pipeline.task.name`, `cicd.pipeline.task.run.id`, `cicd.pipeline.task.type = deploy` | the macro |
//! | step | `cicd.pipeline.task.run.result` | the outcome |
//! | both | `error.type`, status Error with a description | outcomes other than success and skip |
//!
//! # Subprocesses and trace propagation
//!
//! [`Command`] runs a child process under a subprocess span (kind client), logs its output
//! lines, enforces a timeout, and passes the span's trace context to the child in
//! `TRACEPARENT`/`TRACESTATE`/`BAGGAGE`. A root [`Deployment`] joins the trace in its own
//! process's `TRACEPARENT`. [`carrier`] holds the environment-variable carrier.
//!
//! # Running and ending a span
//!
//! One way to run each, sync and async alike: the closure gets the deployment or step (to open
//! steps and commands), runs inside its span, and its `Result` ends it. The async forms enter
//! the span on every poll, as `tracing::Instrument` does, and return a future that owns the
//! span, to await, join or spawn as a tokio task; dropped or aborted early, it records
//! `cancellation`.
//!
//! | method | outcome |
//! |---|---|
//! | `run(\|step\| …)`, `run_async(async \|step\| …)` | success for `Ok`; failure for `Err`, whose `error.type` is a [`CommandError`]'s own class (exit code, `timeout`, `signal`, `spawn_failed`), the class a [`Failure`] names, or else `_OTHER` |
//! | `run_with_retry(retry, \|step, attempt\| …)`, `run_async_with_retry` (feature `tokio`) | as `run`, by the last of up to `retry`'s attempts; each retried failure logs a warning |
//! | `succeed()` | success |
//! | `fail(error_type, description)` | failure |
//! | `finish(outcome)`, `finish_with(outcome, error_type, description)` | any |
//! | dropped | cancellation; error when a panic unwinds |
//!
//! An end other than success or skip logs one event inside the span, by itself: at error (warn
//! for a cancellation), with the result attribute, `error.type` and `error.message`, and the
//! message `step failed: …`, `deployment timed out: …`, `step cancelled: …`.
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tokio` | off | `Command::run_async`, which runs the child with `tokio::process` instead of blocking a thread; `Step::run_async_with_retry`, which waits on tokio's timers |
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod carrier;
mod command;
pub mod commit_time;
mod completion;
mod deployment;
mod failure;
mod macros;
pub mod recorded_times;
mod retry;
mod step;

pub use command::{Command, CommandError, Output};
pub use deployment::{Deployment, DeploymentBuilder};
pub use failure::Failure;
pub use retry::Retry;
pub use step::Step;

#[doc(hidden)]
pub mod __private {
    pub use deploytel_core::semconv;
    pub use tracing;
    pub use tracing::field::Empty;
}
