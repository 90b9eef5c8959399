//! Guards that time one deployment, step or child process and record it when it ends.
//!
//! Dropped without [`finish`](DeploymentTimer::finish), each records `cancellation`, the way
//! deploytel-span's spans do, so a run that was abandoned still shows.

use std::time::{Instant, SystemTime};

use deploytel_core::Outcome;

use crate::deploy_metrics::unix_seconds;
use crate::handle::Gauge;
use crate::DeployMetrics;

/// Times one deployment; made by [`DeployMetrics::start_deployment`].
#[must_use = "a timer dropped at once records a cancelled deployment"]
pub struct DeploymentTimer {
    metrics: DeployMetrics,
    pipeline: Box<str>,
    environment: Box<str>,
    started: Instant,
    started_unix: f64,
    active: Option<Gauge>,
    oldest_active_start: Option<Gauge>,
    finished: bool,
}

impl DeploymentTimer {
    pub(crate) fn start(metrics: DeployMetrics, pipeline: &str, environment: &str) -> Self {
        let pair = [pipeline, environment];
        metrics.precreate_deployment_results(&pair);
        let inner = &metrics.inner;
        let active = inner.deployments_active.with_labels(&pair).ok();
        let oldest_active_start = inner.oldest_active_start.with_labels(&pair).ok();
        let started_unix = unix_seconds(SystemTime::now());
        let oldest = inner.active_starts.add(&pair, started_unix);
        if let Some(gauge) = &active {
            gauge.inc();
        }
        if let Some(gauge) = &oldest_active_start {
            gauge.set(oldest);
        }
        DeploymentTimer {
            pipeline: pipeline.into(),
            environment: environment.into(),
            started: Instant::now(),
            started_unix,
            active,
            oldest_active_start,
            finished: false,
            metrics,
        }
    }

    /// The pipeline being deployed.
    pub fn pipeline(&self) -> &str {
        &self.pipeline
    }

    /// Records the deployment as ended with `outcome`.
    pub fn finish(mut self, outcome: Outcome) {
        self.end(outcome);
    }

    fn end(&mut self, outcome: Outcome) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let pair = [&*self.pipeline, &*self.environment];
        let oldest = self
            .metrics
            .inner
            .active_starts
            .remove(&pair, self.started_unix);
        if let Some(gauge) = &self.active {
            gauge.dec();
        }
        if let Some(gauge) = &self.oldest_active_start {
            gauge.set(oldest);
        }
        self.metrics
            .count_deployment(&pair, outcome, self.started.elapsed());
    }
}

impl Drop for DeploymentTimer {
    fn drop(&mut self) {
        self.end(Outcome::Cancellation);
    }
}

/// Times one step of a deployment; made by [`DeployMetrics::start_step`].
#[must_use = "a timer dropped at once records a cancelled step"]
pub struct StepTimer {
    metrics: DeployMetrics,
    pipeline: Box<str>,
    step: Box<str>,
    started: Instant,
    finished: bool,
}

impl StepTimer {
    pub(crate) fn start(metrics: DeployMetrics, pipeline: &str, step: &str) -> Self {
        metrics.precreate_step_results(&[pipeline, step]);
        StepTimer {
            metrics,
            pipeline: pipeline.into(),
            step: step.into(),
            started: Instant::now(),
            finished: false,
        }
    }

    /// Records the step as ended with `outcome`.
    pub fn finish(mut self, outcome: Outcome) {
        self.end(outcome);
    }

    fn end(&mut self, outcome: Outcome) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        self.metrics.count_step(
            &[&self.pipeline, &self.step],
            outcome,
            self.started.elapsed(),
        );
    }
}

impl Drop for StepTimer {
    fn drop(&mut self) {
        self.end(Outcome::Cancellation);
    }
}

/// Times one child process; made by [`DeployMetrics::start_subprocess`].
#[must_use = "a timer dropped at once records a cancelled child process"]
pub struct SubprocessTimer {
    metrics: DeployMetrics,
    executable: Box<str>,
    started: Instant,
    finished: bool,
}

impl SubprocessTimer {
    pub(crate) fn start(metrics: DeployMetrics, executable: &str) -> Self {
        SubprocessTimer {
            metrics,
            executable: executable.into(),
            started: Instant::now(),
            finished: false,
        }
    }

    /// Records the child as ended with `outcome`: success for exit status 0, failure for
    /// another exit status or a signal, timeout when it was killed for running too long, error
    /// when it could not be started or waited for.
    pub fn finish(mut self, outcome: Outcome) {
        self.end(outcome);
    }

    fn end(&mut self, outcome: Outcome) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        self.metrics
            .record_subprocess(&self.executable, outcome, self.started.elapsed());
    }
}

impl Drop for SubprocessTimer {
    fn drop(&mut self) {
        self.end(Outcome::Cancellation);
    }
}
