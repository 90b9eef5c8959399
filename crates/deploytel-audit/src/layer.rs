//! The audit layer: `deploy.start` and `deploy.finish` records from deploytel's deployment
//! spans, with no audit code in the orchestrator.
//!
//! A deployment's run id, actor and revision are recorded on its span just after it opens,
//! so `deploy.start` is written when the span is first entered (when its work begins), and
//! `deploy.finish` when it closes, with the outcome the span ended with. The actor is the
//! span's `enduser.id` (with `user.name`) when set, else the trail's configured actor. With
//! the `opentelemetry` feature, both records carry the deployment span's `trace.id` and
//! `span.id`, read at its first enter (or, for a span never entered, when its result is
//! recorded). Both carry the revision's commit time when the span has one
//! (`deploytel.vcs.commit_time`), and `deploy.finish` the deployment's result in deploytel's
//! outcome words, from which `report --dora` computes DORA's four keys.
//!
//! The layer also keeps the deploy tools' change records ([`crate::change_records`]) from the
//! Terraform and Ansible integrations' events, with the run id, trace and actor of the
//! deployment around them when there is one.

use deploytel_core::semconv::{actor, cicd, deployment, deploytel, error, vcs};
use deploytel_core::{audit_events, calendar, span_names, Outcome};
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::{LookupSpan, SpanRef};
use tracing_subscriber::Layer;

use crate::change_records::ChangeRecord;
use crate::event::{Actor, AuditEvent, Category, EventOutcome, EventType, Target};
use crate::report::{DEPLOY_FINISH, DEPLOY_START};
use crate::trace_context::{TraceContext, TraceIds};
use crate::trail::AuditTrail;

/// Records the start and end of every deployment span, and the deploy tools' change records,
/// in an [`AuditTrail`].
#[derive(Clone, Debug)]
pub struct AuditLayer {
    trail: AuditTrail,
    trace_context: TraceContext,
}

impl AuditLayer {
    /// A layer recording into `trail`.
    pub fn new(trail: AuditTrail) -> Self {
        AuditLayer {
            trail,
            trace_context: TraceContext::default(),
        }
    }
}

/// What a deployment span says about itself, kept in its extensions.
#[derive(Clone, Default)]
struct DeploymentFields {
    pipeline: Option<String>,
    environment: Option<String>,
    run_id: Option<String>,
    revision: Option<String>,
    commit_time: Option<String>,
    name: Option<String>,
    enduser: Option<String>,
    user_name: Option<String>,
    result: Option<String>,
    error_type: Option<String>,
    status: Option<String>,
    trace: Option<TraceIds>,
    started: bool,
    finished: bool,
}

impl Visit for DeploymentFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        let slot = match field.name() {
            cicd::PIPELINE_NAME => &mut self.pipeline,
            deployment::ENVIRONMENT_NAME => &mut self.environment,
            cicd::PIPELINE_RUN_ID => &mut self.run_id,
            vcs::REF_HEAD_REVISION => &mut self.revision,
            deploytel::VCS_COMMIT_TIME => &mut self.commit_time,
            deployment::NAME => &mut self.name,
            actor::ENDUSER_ID => &mut self.enduser,
            actor::USER_NAME => &mut self.user_name,
            cicd::PIPELINE_RESULT => &mut self.result,
            error::TYPE => &mut self.error_type,
            deployment::STATUS => &mut self.status,
            _ => return,
        };
        *slot = Some(value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

impl DeploymentFields {
    /// The person the deployment span names (`enduser.id`, `user.name`), if any.
    fn actor(&self) -> Option<Actor> {
        self.enduser.as_ref().map(|id| {
            let person = Actor::human(id.clone());
            match &self.user_name {
                Some(name) => person.name(name.clone()),
                None => person,
            }
        })
    }

    fn event(&self, action: &str, trail: &AuditTrail) -> AuditEvent {
        let mut target = Target::new("pipeline", self.pipeline.as_deref().unwrap_or("unknown"));
        if let Some(environment) = &self.environment {
            target = target.environment(environment.clone());
        }
        if let Some(version) = self.revision.as_ref().or(self.name.as_ref()) {
            target = target.version(version.clone());
        }
        let mut builder = AuditEvent::builder(action)
            .category(Category::Configuration)
            .target(target);
        if let Some(run_id) = &self.run_id {
            builder = builder.run_id(run_id.clone());
        }
        if let Some(ids) = &self.trace {
            builder = builder.trace(ids.trace_id.clone(), ids.span_id.clone());
        }
        if let Some(actor) = self.actor().or_else(|| trail.actor().cloned()) {
            builder = builder.actor(actor);
        }
        let committed = self
            .commit_time
            .as_deref()
            .and_then(calendar::parse_rfc3339_instant);
        if let Some(committed) = committed {
            builder = builder.commit_time(committed);
        }
        if action == DEPLOY_START {
            builder = builder
                .event_type(EventType::Start)
                .outcome(EventOutcome::Success);
        } else {
            let result = self.result.as_deref().unwrap_or("unknown");
            let outcome = match result {
                "success" => EventOutcome::Success,
                "unknown" => EventOutcome::Unknown,
                _ => EventOutcome::Failure,
            };
            builder = builder.event_type(EventType::End).outcome(outcome);
            if let Ok(result) = result.parse::<Outcome>() {
                builder = builder.result(result);
            }
            if outcome == EventOutcome::Failure {
                let reason = match &self.error_type {
                    Some(error_type) => format!("deployment ended with {result} ({error_type})"),
                    None => format!("deployment ended with {result}"),
                };
                builder = builder.reason(reason);
            }
        }
        // A fixed, valid action and no labels or metadata: nothing for `build` to refuse.
        builder.build_unchecked()
    }
}

/// What a deployment span's end asks of the layer.
enum Ended {
    /// Record `deploy.finish` with these fields.
    Record(Box<DeploymentFields>),
    /// Keep the trace ids of a span that ended before it was entered.
    BeforeItStarted,
}

impl AuditLayer {
    fn record(&self, fields: &DeploymentFields, action: &str, span: &Id) {
        let event = fields.event(action, &self.trail);
        if let Err(error) = self.trail.record_in(&event, Some(span.clone())) {
            tracing::error!(
                target: audit_events::TARGET,
                parent: span.clone(),
                { { audit_events::ACTION } = action, error.message = %error },
                "audit record not stored"
            );
        }
    }
}

/// The span `id` if it is a deployment: every other span passes through the layer on a name
/// comparison, without touching its extensions.
fn deployment_span<'a, S>(ctx: &'a Context<'_, S>, id: &Id) -> Option<SpanRef<'a, S>>
where
    S: Subscriber + for<'l> LookupSpan<'l>,
{
    ctx.span(id)
        .filter(|span| span.name() == span_names::DEPLOYMENT)
}

impl<S> Layer<S> for AuditLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = deployment_span(&ctx, id) else {
            return;
        };
        let mut fields = DeploymentFields::default();
        attrs.record(&mut fields);
        span.extensions_mut().insert(fields);
    }

    /// `deploy.finish` is recorded as soon as the span knows how the deployment ended (its
    /// status, and for a failure its `error.type`), while the deployment's code is still
    /// running in it, so the record's log line carries the deployment's fields and trace.
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = deployment_span(&ctx, id) else {
            return;
        };
        let ended = {
            let mut extensions = span.extensions_mut();
            let Some(fields) = extensions.get_mut::<DeploymentFields>() else {
                return;
            };
            values.record(fields);
            let known = match fields.result.as_deref() {
                Some("success") => fields.status.is_some(),
                Some(_) => fields.error_type.is_some(),
                None => false,
            };
            if !known || fields.finished {
                return;
            }
            if fields.started {
                fields.finished = true;
                Ended::Record(Box::new(fields.clone()))
            } else if fields.trace.is_none() {
                Ended::BeforeItStarted
            } else {
                return;
            }
        };
        match ended {
            Ended::Record(fields) => self.record(&fields, DEPLOY_FINISH, id),
            // Both records of a span never entered are made at its close, after
            // tracing-opentelemetry has ended it and dropped its ids: keep them now, read with
            // no extensions held, since tracing-opentelemetry takes this span's.
            Ended::BeforeItStarted => {
                let trace = self.trace_context.of(id);
                if let Some(fields) = span.extensions_mut().get_mut::<DeploymentFields>() {
                    fields.trace = trace;
                }
            }
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = deployment_span(&ctx, id) else {
            return;
        };
        let first_enter = span
            .extensions()
            .get::<DeploymentFields>()
            .is_some_and(|fields| !fields.started);
        if !first_enter {
            return;
        }
        // Read with no extensions held: tracing-opentelemetry takes this span's.
        let trace = self.trace_context.of(id);
        let fields = {
            let mut extensions = span.extensions_mut();
            match extensions.get_mut::<DeploymentFields>() {
                Some(fields) if !fields.started => {
                    fields.started = true;
                    fields.trace = trace;
                    fields.clone()
                }
                _ => return,
            }
        };
        // Recorded with the extensions unlocked: the record's own log event reads this span.
        self.record(&fields, DEPLOY_START, id);
    }

    /// The deploy tools' change records: a Terraform plan's resource changes and an Ansible
    /// run's hosts, with the run id and trace of the deployment around them.
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // hot: every event; one or two string comparisons for all but the tools' events.
        let Some(record) = ChangeRecord::from_event(event) else {
            return;
        };
        let deployment = ctx.event_scope(event).and_then(|scope| {
            scope
                .into_iter()
                .find(|span| span.name() == span_names::DEPLOYMENT)
                .and_then(|span| {
                    let fields = span.extensions().get::<DeploymentFields>().cloned();
                    fields.map(|fields| (span.id(), fields))
                })
        });
        let (parent, fields) = match deployment {
            Some((id, fields)) => (Some(id), Some(fields)),
            None => (ctx.current_span().id().cloned(), None),
        };
        let run_id = fields.as_ref().and_then(|f| f.run_id.as_deref());
        let Some(audit_event) = record.build(run_id, |mut builder| {
            if let Some(ids) = fields.as_ref().and_then(|f| f.trace.as_ref()) {
                builder = builder.trace(ids.trace_id.clone(), ids.span_id.clone());
            }
            if let Some(actor) = fields
                .as_ref()
                .and_then(DeploymentFields::actor)
                .or_else(|| self.trail.actor().cloned())
            {
                builder = builder.actor(actor);
            }
            builder
        }) else {
            return;
        };
        if let Err(error) = self.trail.record_in(&audit_event, parent.clone()) {
            tracing::error!(
                target: audit_events::TARGET,
                parent: parent,
                { { audit_events::ACTION } = audit_event.action(), error.message = %error },
                "audit record not stored"
            );
        }
    }

    fn on_register_dispatch(&self, subscriber: &tracing_core::Dispatch) {
        self.trace_context.register(subscriber);
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = deployment_span(&ctx, &id) else {
            return;
        };
        let removed = span.extensions_mut().remove::<DeploymentFields>();
        let Some(fields) = removed else { return };
        if !fields.started {
            self.record(&fields, DEPLOY_START, &id);
        }
        if !fields.finished {
            self.record(&fields, DEPLOY_FINISH, &id);
        }
    }
}
