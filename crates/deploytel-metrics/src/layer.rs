//! `DeployMetricsLayer`: metrics from the spans of deploytel-span, with no metric calls in
//! user code.
//!
//! Spans are recognised by name and key field, the vocabulary of deploytel-core:
//!
//! | span name | needs field | result from |
//! |---|---|---|
//! | `deployment` | `cicd.pipeline.name` (and `deployment.environment.name`) | `cicd.pipeline.result`; `deploytel.vcs.commit_time` gives a success its lead time |
//! | `step` | `cicd.pipeline.task.name` | `cicd.pipeline.task.run.result`; `deploytel.step.attempts` above 1 counts the retries |
//! | `subprocess` | `process.executable.name` | `error.type`, `process.exit.code` |
//!
//! A span that closes without a result counts as `cancellation`; a result that is not an
//! `Outcome` value counts as `error`.
//!
//! The `deploytel_audit_*` metrics come from the events the audit trail emits about itself
//! (target `deploytel_audit`): one per stored record, per journal sync, per failed write. The
//! `deploytel_ansible_*` metrics come from the event of each Ansible host result (target
//! `deploytel_ansible`), `deploytel_terraform_changes_total` from the event of each resource
//! change of a Terraform plan (target `deploytel_terraform`).

use std::fmt;
use std::time::SystemTime;

use deploytel_core::semconv::{cicd, deployment, deploytel, error, process};
use deploytel_core::{
    ansible_events, audit_events, calendar, span_names, terraform_events, Outcome,
};
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use crate::timers::{DeploymentTimer, StepTimer, SubprocessTimer};
use crate::DeployMetrics;

/// Records `deploytel_*` metrics from deployment, step and subprocess spans; made by
/// [`DeployMetrics::layer`], and the audit trail's metrics from its events. Other spans and
/// events pass by untouched.
pub struct DeployMetricsLayer {
    metrics: DeployMetrics,
}

impl DeployMetricsLayer {
    pub(crate) fn new(metrics: DeployMetrics) -> Self {
        DeployMetricsLayer { metrics }
    }
}

/// What the layer keeps in a tracked span's extensions.
enum Tracked {
    Deployment(DeploymentTimer, Option<Outcome>),
    Step(StepTimer, Option<Outcome>),
    Subprocess(SubprocessTimer, SubprocessEnd),
}

/// How a child process ended, from the fields deploytel-span records on its span.
#[derive(Default)]
struct SubprocessEnd {
    exit_code: Option<i64>,
    error_type: Option<Outcome>,
}

impl SubprocessEnd {
    fn outcome(&self) -> Outcome {
        match (self.error_type, self.exit_code) {
            (Some(outcome), _) => outcome,
            (None, Some(_)) => Outcome::Success,
            (None, None) => Outcome::Cancellation,
        }
    }
}

impl<S> Layer<S> for DeployMetricsLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    // hot: once per span of any kind; spans that are not deploy spans leave after a name test.
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let name = attrs.metadata().name();
        if name != span_names::DEPLOYMENT
            && name != span_names::STEP
            && name != span_names::SUBPROCESS
        {
            return;
        }
        let mut fields = StartFields::default();
        attrs.record(&mut fields);
        let Some(span) = ctx.span(id) else {
            return;
        };
        let tracked = match name {
            span_names::DEPLOYMENT => {
                let Some(pipeline) = fields.pipeline else {
                    return;
                };
                let environment = fields.environment.unwrap_or_default();
                let mut timer = self.metrics.start_deployment(&pipeline, &environment);
                if let Some(committed) = fields.committed {
                    timer.commit_time(committed);
                }
                Tracked::Deployment(timer, fields.result)
            }
            span_names::STEP => {
                let Some(step) = fields.step else {
                    return;
                };
                let timer = span
                    .scope()
                    .skip(1)
                    .find_map(|ancestor| match ancestor.extensions().get::<Tracked>() {
                        Some(Tracked::Deployment(deployment, _)) => {
                            Some(self.metrics.start_step(deployment.pipeline(), &step))
                        }
                        _ => None,
                    })
                    .unwrap_or_else(|| self.metrics.start_step("", &step));
                Tracked::Step(timer, fields.result)
            }
            _ => {
                let Some(executable) = fields.executable else {
                    return;
                };
                let timer = self.metrics.start_subprocess(&executable);
                Tracked::Subprocess(timer, fields.subprocess_end)
            }
        };
        span.extensions_mut().insert(tracked);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        if let Some(tracked) = extensions.get_mut::<Tracked>() {
            values.record(&mut EndFields(tracked));
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        match event.metadata().target() {
            audit_events::TARGET => self.metrics.inner.audit.record(event),
            ansible_events::TARGET => self.metrics.inner.ansible.record(event),
            terraform_events::TARGET => self.metrics.inner.terraform.record(event),
            _ => {}
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let Some(tracked) = span.extensions_mut().remove::<Tracked>() else {
            return;
        };
        match tracked {
            Tracked::Deployment(timer, result) => {
                timer.finish(result.unwrap_or(Outcome::Cancellation))
            }
            Tracked::Step(timer, result) => timer.finish(result.unwrap_or(Outcome::Cancellation)),
            Tracked::Subprocess(timer, end) => timer.finish(end.outcome()),
        }
    }
}

/// The fields a deploy span is created with.
#[derive(Default)]
struct StartFields {
    pipeline: Option<String>,
    environment: Option<String>,
    step: Option<String>,
    executable: Option<String>,
    result: Option<Outcome>,
    committed: Option<SystemTime>,
    subprocess_end: SubprocessEnd,
}

impl Visit for StartFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            cicd::PIPELINE_NAME => self.pipeline = Some(value.to_owned()),
            deployment::ENVIRONMENT_NAME => self.environment = Some(value.to_owned()),
            cicd::PIPELINE_TASK_NAME => self.step = Some(value.to_owned()),
            process::EXECUTABLE_NAME => self.executable = Some(value.to_owned()),
            cicd::PIPELINE_RESULT | cicd::PIPELINE_TASK_RUN_RESULT => {
                self.result = Some(outcome(value))
            }
            error::TYPE => self.subprocess_end.error_type = Some(subprocess_outcome(value)),
            deploytel::VCS_COMMIT_TIME => self.committed = calendar::parse_rfc3339_instant(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == process::EXIT_CODE {
            self.subprocess_end.exit_code = Some(value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if is_known(field.name()) {
            self.record_str(field, &format!("{value:?}"));
        }
    }
}

/// Records results onto a tracked span.
struct EndFields<'a>(&'a mut Tracked);

impl Visit for EndFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match (&mut *self.0, field.name()) {
            (Tracked::Deployment(_, result), cicd::PIPELINE_RESULT)
            | (Tracked::Step(_, result), cicd::PIPELINE_TASK_RUN_RESULT) => {
                *result = Some(outcome(value))
            }
            (Tracked::Subprocess(_, end), error::TYPE) => {
                end.error_type = Some(subprocess_outcome(value))
            }
            (Tracked::Deployment(timer, _), deploytel::VCS_COMMIT_TIME) => {
                if let Some(committed) = calendar::parse_rfc3339_instant(value) {
                    timer.commit_time(committed);
                }
            }
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        match (&mut *self.0, field.name()) {
            (Tracked::Subprocess(_, end), process::EXIT_CODE) => end.exit_code = Some(value),
            // Recorded once, as the step ends: every attempt after the first was a retry.
            (Tracked::Step(timer, _), deploytel::STEP_ATTEMPTS) if value > 1 => {
                timer.retried(value.unsigned_abs() - 1)
            }
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_i64(field, i64::try_from(value).unwrap_or(i64::MAX));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if is_known(field.name()) {
            self.record_str(field, &format!("{value:?}"));
        }
    }
}

fn is_known(name: &str) -> bool {
    matches!(
        name,
        cicd::PIPELINE_NAME
            | deployment::ENVIRONMENT_NAME
            | cicd::PIPELINE_TASK_NAME
            | process::EXECUTABLE_NAME
            | cicd::PIPELINE_RESULT
            | cicd::PIPELINE_TASK_RUN_RESULT
            | error::TYPE
            | deploytel::VCS_COMMIT_TIME
    )
}

fn outcome(value: &str) -> Outcome {
    value.parse().unwrap_or(Outcome::Error)
}

/// The outcome a subprocess span's `error.type` stands for.
fn subprocess_outcome(error_type: &str) -> Outcome {
    match error_type {
        "timeout" => Outcome::Timeout,
        "spawn_failed" | "wait_failed" => Outcome::Error,
        _ => Outcome::Failure,
    }
}
