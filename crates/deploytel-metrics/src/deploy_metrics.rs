//! The `deploytel_*` families, and the manual API that records into them.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deploytel_core::Outcome;
use prometheus::Registry;

use crate::active::ActiveStarts;
use crate::timers::{DeploymentTimer, StepTimer, SubprocessTimer};
use crate::MetricsError;
use crate::{buckets, names};
use crate::{CounterFamily, DeployMetricsLayer, Families, GaugeFamily, HistogramFamily, Limits};

/// The deploy metrics of one registry: deployments, steps and subprocesses, by outcome.
///
/// Cheap to clone (every clone records into the same families). Feed it from spans with
/// [`DeployMetrics::layer`], or record by hand with [`start_deployment`](Self::start_deployment)
/// and [`record_deployment`](Self::record_deployment) and their step and subprocess siblings.
#[derive(Clone)]
pub struct DeployMetrics {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) families: Families,
    pub(crate) deployments: CounterFamily,
    pub(crate) deployment_duration: HistogramFamily,
    pub(crate) deployments_active: GaugeFamily,
    pub(crate) oldest_active_start: GaugeFamily,
    pub(crate) last_success: GaugeFamily,
    pub(crate) steps: CounterFamily,
    pub(crate) step_duration: HistogramFamily,
    pub(crate) subprocesses: CounterFamily,
    pub(crate) subprocess_duration: HistogramFamily,
    pub(crate) active_starts: ActiveStarts,
}

/// Configures and registers [`DeployMetrics`].
#[derive(Default)]
pub struct DeployMetricsBuilder {
    registry: Option<Registry>,
    limits: Limits,
}

impl DeployMetricsBuilder {
    /// Registers the families in `registry` (yours, shared with your own metrics) instead of a
    /// new one. The global default registry is never used unless you pass it here.
    pub fn registry(mut self, registry: &Registry) -> Self {
        self.registry = Some(registry.clone());
        self
    }

    /// Series and label-length limits of every family.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Registers the families; fails when they are in the registry already.
    pub fn build(self) -> Result<DeployMetrics, MetricsError> {
        let registry = self.registry.unwrap_or_default();
        let families = Families::new(&registry, self.limits)?;
        let pair_result = ["pipeline", "environment", "result"];
        let pair = ["pipeline", "environment"];
        let inner = Inner {
            deployments: families.counter(
                names::DEPLOYMENTS_TOTAL,
                "Deployments that ended, by result.",
                &pair_result,
            )?,
            deployment_duration: families.histogram(
                names::DEPLOYMENT_DURATION_SECONDS,
                "How long deployments ran, by result.",
                &pair_result,
                buckets::DEPLOYMENT,
            )?,
            deployments_active: families.gauge(
                names::DEPLOYMENTS_ACTIVE,
                "Deployments running now.",
                &pair,
            )?,
            oldest_active_start: families.gauge(
                names::DEPLOYMENT_OLDEST_ACTIVE_START,
                "Start time of the oldest deployment running now; 0 when none runs.",
                &pair,
            )?,
            last_success: families.gauge(
                names::DEPLOYMENT_LAST_SUCCESS,
                "End time of the last successful deployment.",
                &pair,
            )?,
            steps: families.counter(
                names::STEPS_TOTAL,
                "Deployment steps that ended, by result.",
                &["pipeline", "step", "result"],
            )?,
            step_duration: families.histogram(
                names::STEP_DURATION_SECONDS,
                "How long deployment steps ran, by result.",
                &["pipeline", "step", "result"],
                buckets::STEP,
            )?,
            subprocesses: families.counter(
                names::SUBPROCESSES_TOTAL,
                "Child processes that ended, by result.",
                &["executable", "result"],
            )?,
            subprocess_duration: families.histogram(
                names::SUBPROCESS_DURATION_SECONDS,
                "How long child processes ran, by result.",
                &["executable", "result"],
                buckets::STEP,
            )?,
            active_starts: ActiveStarts::default(),
            families,
        };
        let build_info = inner.families.gauge(
            names::BUILD_INFO,
            "Always 1; the version label is the deploytel version recording the metrics.",
            &["version"],
        )?;
        build_info
            .with_labels(&[env!("CARGO_PKG_VERSION")])?
            .set(1.0);
        Ok(DeployMetrics {
            inner: Arc::new(inner),
        })
    }
}

impl DeployMetrics {
    /// Starts configuring deploy metrics.
    pub fn builder() -> DeployMetricsBuilder {
        DeployMetricsBuilder::default()
    }

    /// The registry the families are in: encode it to serve a scrape.
    pub fn registry(&self) -> &Registry {
        self.inner.families.registry()
    }

    /// Makes families of your own in the same registry, with the same limits.
    pub fn families(&self) -> &Families {
        &self.inner.families
    }

    /// The tracing layer that records these metrics from deploytel's deployment, step and
    /// subprocess spans.
    pub fn layer(&self) -> DeployMetricsLayer {
        DeployMetricsLayer::new(self.clone())
    }

    /// Starts timing a deployment: counts it active now, records its outcome and duration when
    /// [`DeploymentTimer::finish`] is called (cancellation when dropped).
    pub fn start_deployment(&self, pipeline: &str, environment: &str) -> DeploymentTimer {
        DeploymentTimer::start(self.clone(), pipeline, environment)
    }

    /// Records a deployment that ended, for hosts that time it themselves.
    pub fn record_deployment(
        &self,
        pipeline: &str,
        environment: &str,
        outcome: Outcome,
        duration: Duration,
    ) {
        let pair = [pipeline, environment];
        self.precreate_deployment_results(&pair);
        self.count_deployment(&pair, outcome, duration);
    }

    /// Starts timing a step of `pipeline`.
    pub fn start_step(&self, pipeline: &str, step: &str) -> StepTimer {
        StepTimer::start(self.clone(), pipeline, step)
    }

    /// Records a step that ended.
    pub fn record_step(&self, pipeline: &str, step: &str, outcome: Outcome, duration: Duration) {
        self.precreate_step_results(&[pipeline, step]);
        self.count_step(&[pipeline, step], outcome, duration);
    }

    /// Starts timing a child process running `executable` (its file name, e.g. `terraform`).
    pub fn start_subprocess(&self, executable: &str) -> SubprocessTimer {
        SubprocessTimer::start(self.clone(), executable)
    }

    /// Records a child process that ended.
    pub fn record_subprocess(&self, executable: &str, outcome: Outcome, duration: Duration) {
        let labels = [executable, outcome.as_str()];
        if let Ok(counter) = self.inner.subprocesses.with_labels(&labels) {
            counter.inc();
        }
        if let Ok(histogram) = self.inner.subprocess_duration.with_labels(&labels) {
            histogram.observe_duration(duration);
        }
    }

    /// Creates every result series of a (pipeline, environment) at 0, so that `increase()`
    /// sees the first failure as a change.
    pub(crate) fn precreate_deployment_results(&self, pair: &[&str; 2]) {
        for outcome in Outcome::ALL {
            let _ = self
                .inner
                .deployments
                .with_labels(&[pair[0], pair[1], outcome.as_str()]);
        }
    }

    pub(crate) fn precreate_step_results(&self, pipeline_step: &[&str; 2]) {
        for outcome in Outcome::ALL {
            let _ = self.inner.steps.with_labels(&[
                pipeline_step[0],
                pipeline_step[1],
                outcome.as_str(),
            ]);
        }
    }

    pub(crate) fn count_deployment(&self, pair: &[&str; 2], outcome: Outcome, duration: Duration) {
        let labels = [pair[0], pair[1], outcome.as_str()];
        if let Ok(counter) = self.inner.deployments.with_labels(&labels) {
            counter.inc();
        }
        if let Ok(histogram) = self.inner.deployment_duration.with_labels(&labels) {
            histogram.observe_duration(duration);
        }
        if outcome.is_success() {
            if let Ok(gauge) = self.inner.last_success.with_labels(pair) {
                gauge.set(unix_seconds(SystemTime::now()));
            }
        }
    }

    pub(crate) fn count_step(
        &self,
        pipeline_step: &[&str; 2],
        outcome: Outcome,
        duration: Duration,
    ) {
        let labels = [pipeline_step[0], pipeline_step[1], outcome.as_str()];
        if let Ok(counter) = self.inner.steps.with_labels(&labels) {
            counter.inc();
        }
        if let Ok(histogram) = self.inner.step_duration.with_labels(&labels) {
            histogram.observe_duration(duration);
        }
    }
}

pub(crate) fn unix_seconds(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}
