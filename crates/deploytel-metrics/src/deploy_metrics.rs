//! The `deploytel_*` families, and the manual API that records into them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use deploytel_core::{Outcome, Redactor};
use prometheus::Registry;

use crate::ansible_series::AnsibleSeries;
use crate::audit_series::AuditSeries;
use crate::export::Exporter;
use crate::run_series::{GroupCache, PairFamilies, PairSeries, StepSeries, SubprocessSeries};
use crate::terraform_series::TerraformSeries;
use crate::timers::{DeploymentTimer, StepTimer, SubprocessTimer};
use crate::MetricsError;
use crate::{buckets, names};
use crate::{
    CounterFamily, DeployMetricsLayer, ExportReport, Families, GaugeFamily, HistogramFamily,
    Limits, MetricsExport,
};

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
    pub(crate) lead_time: HistogramFamily,
    pub(crate) restore_duration: HistogramFamily,
    pub(crate) deployments_active: GaugeFamily,
    pub(crate) oldest_active_start: GaugeFamily,
    pub(crate) last_success: GaugeFamily,
    pub(crate) last_failure: GaugeFamily,
    pub(crate) steps: CounterFamily,
    pub(crate) step_duration: HistogramFamily,
    pub(crate) step_retries: CounterFamily,
    pub(crate) subprocesses: CounterFamily,
    pub(crate) subprocess_duration: HistogramFamily,
    pub(crate) audit: AuditSeries,
    pub(crate) ansible: AnsibleSeries,
    pub(crate) terraform: TerraformSeries,
    pairs: GroupCache<PairSeries>,
    step_groups: GroupCache<StepSeries>,
    subprocess_groups: GroupCache<SubprocessSeries>,
    exporter: Option<Arc<Exporter>>,
}

/// Configures and registers [`DeployMetrics`].
#[derive(Default)]
pub struct DeployMetricsBuilder {
    registry: Option<Registry>,
    limits: Limits,
    export: MetricsExport,
    redactor: Redactor,
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

    /// Masks label values with `redactor` (the default one unless set): a step or pipeline
    /// named after a command line or a URL with credentials must not put them in a series.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// Hands the registry over to a node_exporter textfile or a Pushgateway when a deployment
    /// starts or ends, and at [`DeployMetrics::finish_export`]: for programs that run a
    /// deployment and exit before Prometheus would scrape them.
    pub fn export(mut self, export: MetricsExport) -> Self {
        self.export = export;
        self
    }

    /// Registers the families; fails when they are in the registry already.
    pub fn build(self) -> Result<DeployMetrics, MetricsError> {
        let registry = self.registry.clone().unwrap_or_default();
        let families = Families::new(&registry, self.limits)?.with_redactor(self.redactor.clone());
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
            lead_time: families.histogram(
                names::CHANGE_LEAD_TIME_SECONDS,
                "Lead time for changes: from the deployed revision's commit to the deployment's success.",
                &pair,
                buckets::LEAD_TIME,
            )?,
            restore_duration: families.histogram(
                names::DEPLOYMENT_RESTORE_DURATION_SECONDS,
                "Time to restore: from the first failed deployment after a success to the next success.",
                &pair,
                buckets::RESTORE,
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
            last_failure: families.gauge(
                names::DEPLOYMENT_LAST_FAILURE,
                "End time of the last deployment that ended in failure, error or timeout.",
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
            // No `result` label: a retry has none, and attempts add no series of their own.
            step_retries: families.counter(
                names::STEP_RETRIES_TOTAL,
                "Retries of deployment steps: attempts after the first.",
                &["pipeline", "step"],
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
            audit: AuditSeries::register(&families)?,
            ansible: AnsibleSeries::register(&families)?,
            terraform: TerraformSeries::register(&families)?,
            exporter: if self.export.is_empty() {
                None
            } else {
                Some(Arc::new(Exporter::start(registry.clone(), self.export)?))
            },
            pairs: GroupCache::new(self.limits.series()),
            step_groups: GroupCache::new(self.limits.series()),
            subprocess_groups: GroupCache::new(self.limits.series()),
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

    /// Asks for an export to the targets of [`DeployMetricsBuilder::export`] now; returns at
    /// once (the export runs on a thread of its own). Deployments ask for one when they start
    /// and end.
    pub fn export_now(&self) {
        if let Some(exporter) = &self.inner.exporter {
            exporter.request();
        }
    }

    /// Makes a final export and waits for it, at most `timeout`, then reports what every export
    /// delivered and why any failed; `None` when no export is configured. Later deployments are
    /// no longer exported. Dropping the last clone of `DeployMetrics` does this too, waiting at
    /// most 5 seconds.
    pub fn finish_export(&self, timeout: Duration) -> Option<ExportReport> {
        self.inner
            .exporter
            .as_ref()
            .map(|exporter| exporter.finish(timeout))
    }

    /// Starts timing a deployment: counts it active now, records its outcome and duration when
    /// [`DeploymentTimer::finish`] is called (cancellation when dropped). Every outcome series
    /// of the (pipeline, environment) exists from here on, at 0 until counted.
    pub fn start_deployment(&self, pipeline: &str, environment: &str) -> DeploymentTimer {
        DeploymentTimer::start(self.pair(pipeline, environment))
    }

    /// Records a deployment that ended now, for hosts that time it themselves. A success
    /// after failures of the same (pipeline, environment) observes the time to restore.
    pub fn record_deployment(
        &self,
        pipeline: &str,
        environment: &str,
        outcome: Outcome,
        duration: Duration,
    ) {
        self.pair(pipeline, environment)
            .ended(outcome, duration, None);
    }

    /// As [`record_deployment`](Self::record_deployment), for a revision committed at
    /// `committed`: a success also observes its lead time for changes.
    pub fn record_deployment_of_commit(
        &self,
        pipeline: &str,
        environment: &str,
        outcome: Outcome,
        duration: Duration,
        committed: SystemTime,
    ) {
        self.pair(pipeline, environment)
            .ended(outcome, duration, Some(committed));
    }

    /// Starts timing a step of `pipeline`.
    pub fn start_step(&self, pipeline: &str, step: &str) -> StepTimer {
        StepTimer::start(self.step(pipeline, step))
    }

    /// Records a step that ended.
    pub fn record_step(&self, pipeline: &str, step: &str, outcome: Outcome, duration: Duration) {
        self.step(pipeline, step).ended(outcome, duration);
    }

    /// Starts timing a child process running `executable` (its file name, e.g. `terraform`).
    pub fn start_subprocess(&self, executable: &str) -> SubprocessTimer {
        SubprocessTimer::start(self.subprocess(executable))
    }

    /// Records a child process that ended.
    pub fn record_subprocess(&self, executable: &str, outcome: Outcome, duration: Duration) {
        self.subprocess(executable).ended(outcome, duration);
    }

    /// Says that an audit trail records into this process: makes the series of the deploy
    /// records and of journal errors at 0, so that Prometheus sees the first of each as an
    /// increase, and `AuditTrailSilent` sees a trail that stays flat while deployments run.
    /// The metrics themselves come from the audit trail's events, through the layer.
    pub fn expect_audit_records(&self) -> Result<(), MetricsError> {
        self.inner.audit.expect_records()
    }

    fn pair(&self, pipeline: &str, environment: &str) -> Arc<PairSeries> {
        let inner = &*self.inner;
        inner.pairs.get(&[pipeline, environment], || {
            PairSeries::new(
                pipeline,
                environment,
                PairFamilies {
                    totals: &inner.deployments,
                    durations: &inner.deployment_duration,
                    lead_time: &inner.lead_time,
                    restore_duration: &inner.restore_duration,
                    active: &inner.deployments_active,
                    oldest_active_start: &inner.oldest_active_start,
                    last_success: &inner.last_success,
                    last_failure: &inner.last_failure,
                },
                inner.exporter.clone(),
            )
        })
    }

    fn step(&self, pipeline: &str, step: &str) -> Arc<StepSeries> {
        let inner = &*self.inner;
        inner.step_groups.get(&[pipeline, step], || {
            StepSeries::new(
                pipeline,
                step,
                (&inner.steps, &inner.step_duration, &inner.step_retries),
            )
        })
    }

    fn subprocess(&self, executable: &str) -> Arc<SubprocessSeries> {
        let inner = &*self.inner;
        inner.subprocess_groups.get(&[executable], || {
            SubprocessSeries::new(executable, &inner.subprocesses, &inner.subprocess_duration)
        })
    }
}
