//! The deployment span: one pipeline run, the root of a deployment's trace.

use std::sync::atomic::{AtomicU64, Ordering};

use deploytel_core::semconv::{actor, cicd, deployment, otel, vcs};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::completion::{Completion, Kind};

/// A deployment in progress: a `tracing` span of OpenTelemetry kind server named
/// `RUN {pipeline}`, carrying the `cicd.pipeline.*`, `deployment.*` and `vcs.*` attributes.
///
/// Create it with [`deployment!`](crate::deployment!) or [`Deployment::builder`]; create its
/// steps with [`step!`](crate::step!) or [`Deployment::step`]; end it with one of the methods
/// that record the outcome. Dropped without an outcome it records `cancellation`, and
/// `error` when dropped by a panic.
#[derive(Debug)]
pub struct Deployment {
    completion: Completion,
    run_id: String,
    next_task: AtomicU64,
}

impl Deployment {
    /// A builder for a deployment of `pipeline` (`cicd.pipeline.name`, low cardinality, e.g.
    /// `deploy-billing`) to `environment` (`deployment.environment.name`).
    pub fn builder(
        pipeline: impl Into<String>,
        environment: impl Into<String>,
    ) -> DeploymentBuilder {
        DeploymentBuilder {
            pipeline: pipeline.into(),
            environment: environment.into(),
            attributes: Vec::new(),
            run_id: None,
        }
    }

    #[doc(hidden)]
    pub fn __start(span: Span, pipeline: &str, run_id: Option<String>) -> Self {
        // A deployment with no parent in this process joins the trace this process was started
        // in; the parent must be set before anything reads the span's context.
        if Span::current().is_none() {
            if let Some(cx) = crate::carrier::incoming_context() {
                // Fails only when no OpenTelemetry layer is installed: then there is no trace
                // to join.
                let _ = span.set_parent(cx);
            }
        }
        span.record(
            otel::NAME,
            tracing::field::display(format_args!("RUN {pipeline}")),
        );
        let run_id = run_id.unwrap_or_else(deploytel_core::ids::unique_hex);
        span.record(cicd::PIPELINE_RUN_ID, run_id.as_str());
        Deployment {
            completion: Completion::new(span, Kind::Deployment),
            run_id,
            next_task: AtomicU64::new(1),
        }
    }

    /// `cicd.pipeline.run.id`: given to the builder, or generated.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// A step of this deployment named `name` (`cicd.pipeline.task.name`); see
    /// [`step!`](crate::step!) to add fields of your own.
    pub fn step(&self, name: impl AsRef<str>) -> crate::Step {
        crate::step!(self, name)
    }

    #[doc(hidden)]
    pub fn __next_task_run_id(&self) -> u64 {
        self.next_task.fetch_add(1, Ordering::Relaxed)
    }
}

crate::completion::outcome_methods!(Deployment);

/// Configures a [`Deployment`] before it starts.
#[derive(Clone, Debug)]
#[must_use = "a deployment starts only with `start()`"]
pub struct DeploymentBuilder {
    pipeline: String,
    environment: String,
    attributes: Vec<(&'static str, String)>,
    run_id: Option<String>,
}

impl DeploymentBuilder {
    fn attribute(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.attributes.push((key, value.into()));
        self
    }

    /// `deployment.name`, e.g. the service deployed.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.attribute(deployment::NAME, name)
    }

    /// `deployment.id`.
    pub fn id(self, id: impl Into<String>) -> Self {
        self.attribute(deployment::ID, id)
    }

    /// `cicd.pipeline.run.id`; generated when not given.
    pub fn run_id(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = Some(run_id.into());
        self
    }

    /// `cicd.pipeline.run.url.full`: where a person can look at this run.
    pub fn run_url(self, url: impl Into<String>) -> Self {
        self.attribute(cicd::PIPELINE_RUN_URL_FULL, url)
    }

    /// `vcs.ref.head.name`: the branch or tag deployed.
    pub fn ref_name(self, name: impl Into<String>) -> Self {
        self.attribute(vcs::REF_HEAD_NAME, name)
    }

    /// `vcs.ref.head.revision`: the commit deployed.
    pub fn revision(self, revision: impl Into<String>) -> Self {
        self.attribute(vcs::REF_HEAD_REVISION, revision)
    }

    /// `vcs.repository.url.full`.
    pub fn repository_url(self, url: impl Into<String>) -> Self {
        self.attribute(vcs::REPOSITORY_URL_FULL, url)
    }

    /// `enduser.id`: the person on whose behalf the deployment runs.
    pub fn enduser_id(self, id: impl Into<String>) -> Self {
        self.attribute(actor::ENDUSER_ID, id)
    }

    /// `user.name`: the (system) user that triggered the deployment.
    pub fn user_name(self, name: impl Into<String>) -> Self {
        self.attribute(actor::USER_NAME, name)
    }

    /// Opens the deployment's span.
    pub fn start(self) -> Deployment {
        let span = crate::__deployment_span!(&self.pipeline, &self.environment,);
        let deployment = Deployment::__start(span, &self.pipeline, self.run_id);
        for (key, value) in &self.attributes {
            deployment.span().record(*key, value.as_str());
        }
        deployment
    }
}
