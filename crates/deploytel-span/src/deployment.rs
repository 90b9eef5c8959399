//! The deployment span: one pipeline run, the root of a deployment's trace.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use deploytel_core::semconv::{actor, cicd, deployment, deploytel, otel, vcs};
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
            revision: None,
            commit: CommitSources::default(),
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

    /// Records when the deployed revision was committed (`deploytel.vcs.commit_time`), for a
    /// deployment started with [`deployment!`](crate::deployment!), whose builder methods it
    /// has not: [`DeploymentBuilder::commit_time`] does the same before the start. Record it
    /// before the deployment ends; its success then has a lead time.
    pub fn record_commit_time(&self, committed: SystemTime) {
        self.span().record(
            deploytel::VCS_COMMIT_TIME,
            crate::commit_time::format(committed).as_str(),
        );
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
    revision: Option<String>,
    commit: CommitSources,
}

/// Where the builder may learn the revision's commit time, in the order it asks.
#[derive(Clone, Debug, Default)]
struct CommitSources {
    given: Option<SystemTime>,
    ci: bool,
    git: Option<PathBuf>,
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
    pub fn revision(mut self, revision: impl Into<String>) -> Self {
        self.revision = Some(revision.into());
        self
    }

    /// `deploytel.vcs.commit_time`: when the deployed revision was committed, the start of
    /// its lead time for changes. Wins over [`commit_time_from_ci`](Self::commit_time_from_ci)
    /// and [`commit_time_from_git`](Self::commit_time_from_git).
    pub fn commit_time(mut self, committed: SystemTime) -> Self {
        self.commit.given = Some(committed);
        self
    }

    /// Takes the commit time from the CI system running this process, where it gives one
    /// (GitLab CI, GitHub Actions push events; see
    /// [`commit_time::from_ci_variables`](crate::commit_time::from_ci_variables)), for the
    /// revision given to [`revision`](Self::revision), or the CI's own revision when none is.
    pub fn commit_time_from_ci(mut self) -> Self {
        self.commit.ci = true;
        self
    }

    /// Asks git in `repository` when the revision was committed (HEAD's revision when none
    /// is given, recorded too), unless the time was given or the CI system gave it. When git
    /// cannot tell, the deployment logs a warning saying why and records no commit time.
    pub fn commit_time_from_git(mut self, repository: impl Into<PathBuf>) -> Self {
        self.commit.git = Some(repository.into());
        self
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
        let (revision, committed) = self.commit.resolve(self.revision, deployment.span());
        if let Some(revision) = revision {
            deployment
                .span()
                .record(vcs::REF_HEAD_REVISION, revision.as_str());
        }
        if let Some(committed) = committed {
            deployment.span().record(
                deploytel::VCS_COMMIT_TIME,
                crate::commit_time::format(committed).as_str(),
            );
        }
        deployment
    }
}

impl CommitSources {
    /// The revision to record and its commit time, from the first source that knows it.
    fn resolve(
        self,
        revision: Option<String>,
        span: &Span,
    ) -> (Option<String>, Option<SystemTime>) {
        if let Some(given) = self.given {
            return (revision, Some(given));
        }
        if self.ci {
            let from_ci = crate::commit_time::from_ci_variables(revision.as_deref(), |name| {
                std::env::var(name).ok()
            });
            if let Some(commit) = from_ci {
                return (revision.or(Some(commit.revision)), Some(commit.time));
            }
        }
        let Some(repository) = self.git else {
            return (revision, None);
        };
        let asked = revision.as_deref().unwrap_or("HEAD");
        match crate::commit_time::from_git(&repository, asked) {
            Ok(commit) => (revision.or(Some(commit.revision)), Some(commit.time)),
            Err(error) => {
                tracing::warn!(
                    parent: span,
                    error.message = %error,
                    "commit time unknown: lead time is not measured for this deployment"
                );
                (revision, None)
            }
        }
    }
}
