//! The value `init()` returns: it owns what must be flushed when the program ends.

use std::fmt;
use std::io::Write as _;
use std::time::Duration;

/// How long dropping the guard waits for queued spans to be exported.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Keeps deploytel's telemetry flowing; [`shutdown`](Guard::shutdown) (or dropping it) flushes
/// what is buffered and says what could not be delivered.
///
/// Bind it to a named variable in `main` (`let _guard = deploytel::init()?;`). `let _ = …`
/// drops it at once, and `std::process::exit` skips its `Drop`, so return from `main` (an
/// `ExitCode`, say) instead of calling `exit`, or call `shutdown` first.
#[must_use = "dropping the guard at once flushes and stops telemetry; bind it with `let _guard`"]
#[derive(Debug)]
pub struct Guard {
    #[cfg(feature = "ecs")]
    ecs_stats: Option<deploytel_ecs::EcsStats>,
    #[cfg(feature = "otlp")]
    traces: Option<crate::traces::TracePipeline>,
    #[cfg(feature = "metrics")]
    metrics: crate::metric_pipeline::MetricsPipeline,
    finished: bool,
}

/// What [`Guard::shutdown`] delivered and lost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Spans the collector acknowledged over the program's life.
    pub spans_exported: u64,
    /// Spans that ended and were not acknowledged: in a batch that failed, timed out or was
    /// still waiting for an answer at shutdown, or dropped by a full batch queue.
    /// `spans_exported + spans_lost` is every span that ended.
    pub spans_lost: u64,
    /// Why spans were lost (the exporter's last error), or why the shutdown did not complete.
    pub reason: Option<String>,
    /// Log lines the writer refused.
    pub log_lines_lost: u64,
    /// Times a metric family, full at its series limit, sent a new label combination to its
    /// overflow series (the sum of `deploytel_metrics_overflow_total`). Those recordings are
    /// kept, under `__overflow__` labels; this is not counted as a loss by
    /// [`is_complete`](Self::is_complete).
    pub metric_overflows: u64,
    /// Metrics exports (to the textfile or the Pushgateway) that failed over the program's
    /// life. A failure is a loss only when the final export failed too, see
    /// [`metrics_export_error`](Self::metrics_export_error): each export carries the whole state.
    pub metrics_exports_failed: u64,
    /// Why the final metrics export, made at shutdown, did not reach every target; the targets
    /// then hold an older state, or none.
    pub metrics_export_error: Option<String>,
}

impl ShutdownReport {
    /// Whether everything was delivered.
    pub fn is_complete(&self) -> bool {
        self.spans_lost == 0
            && self.reason.is_none()
            && self.log_lines_lost == 0
            && self.metrics_export_error.is_none()
    }
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} spans exported, {} spans lost, {} log lines lost",
            self.spans_exported, self.spans_lost, self.log_lines_lost
        )?;
        if let Some(reason) = &self.reason {
            write!(f, " ({reason})")?;
        }
        if let Some(error) = &self.metrics_export_error {
            write!(f, "; metrics not exported: {error}")?;
        }
        if self.metric_overflows > 0 {
            write!(
                f,
                "; {} metric label combinations went to overflow series",
                self.metric_overflows
            )?;
        }
        Ok(())
    }
}

impl Guard {
    pub(crate) fn new(
        #[cfg(feature = "ecs")] ecs_stats: Option<deploytel_ecs::EcsStats>,
        #[cfg(feature = "otlp")] traces: Option<crate::traces::TracePipeline>,
        #[cfg(feature = "metrics")] metrics: crate::metric_pipeline::MetricsPipeline,
    ) -> Self {
        Guard {
            #[cfg(feature = "ecs")]
            ecs_stats,
            #[cfg(feature = "otlp")]
            traces,
            #[cfg(feature = "metrics")]
            metrics,
            finished: false,
        }
    }

    /// The deploy metrics `init()` records from spans: their registry, for a server of your
    /// own, and families of your own beside them.
    #[cfg(feature = "metrics")]
    pub fn metrics(&self) -> &deploytel_metrics::DeployMetrics {
        &self.metrics.metrics
    }

    /// Where the metrics server listens, when one was started.
    #[cfg(feature = "metrics")]
    pub fn metrics_addr(&self) -> Option<std::net::SocketAddr> {
        self.metrics.server.as_ref().map(|s| s.local_addr())
    }

    /// The readiness checks of `/health/ready`; add checks here after `init()`.
    #[cfg(feature = "metrics")]
    pub fn health(&self) -> &deploytel_metrics::Health {
        &self.metrics.health
    }

    /// How many log lines could not be written (stdout closed, say).
    pub fn lost_log_lines(&self) -> u64 {
        #[cfg(feature = "ecs")]
        return self
            .ecs_stats
            .as_ref()
            .map_or(0, deploytel_ecs::EcsStats::write_failures);
        #[cfg(not(feature = "ecs"))]
        0
    }

    /// Exports the spans still queued, and the metrics once more when a textfile or
    /// Pushgateway is configured, waiting at most `timeout` for each; stops exporting; and
    /// reports what was delivered and what was lost.
    pub fn shutdown(mut self, timeout: Duration) -> ShutdownReport {
        self.finish(timeout)
    }

    fn finish(&mut self, timeout: Duration) -> ShutdownReport {
        self.finished = true;
        // The metrics first: their final export is what tells Prometheus how a short run ended.
        let (metrics_exports_failed, metrics_export_error) = self.deliver_metrics(timeout);
        let (spans_exported, spans_lost, reason) = self.deliver_traces(timeout);
        #[cfg(feature = "metrics")]
        if let Some(server) = self.metrics.server.take() {
            server.shutdown();
        }
        // Nothing can be done about a failing stdout at exit; the report says so.
        let _ = std::io::stdout().flush();
        ShutdownReport {
            spans_exported,
            spans_lost,
            reason,
            log_lines_lost: self.lost_log_lines(),
            metric_overflows: self.metric_overflows(),
            metrics_exports_failed,
            metrics_export_error,
        }
    }

    /// Failed exports, and why the final one failed.
    #[cfg(feature = "metrics")]
    fn deliver_metrics(&self, timeout: Duration) -> (u64, Option<String>) {
        match self.metrics.metrics.finish_export(timeout) {
            Some(report) if !report.final_delivered => (
                report.failed,
                Some(
                    report
                        .last_error
                        .unwrap_or_else(|| "the final export failed".to_owned()),
                ),
            ),
            Some(report) => (report.failed, None),
            None => (0, None),
        }
    }

    #[cfg(not(feature = "metrics"))]
    fn deliver_metrics(&self, _timeout: Duration) -> (u64, Option<String>) {
        (0, None)
    }

    #[cfg(feature = "metrics")]
    fn metric_overflows(&self) -> u64 {
        self.metrics.metrics.families().overflowed()
    }

    #[cfg(not(feature = "metrics"))]
    fn metric_overflows(&self) -> u64 {
        0
    }

    /// Exported, lost, and why.
    #[cfg(feature = "otlp")]
    fn deliver_traces(&mut self, timeout: Duration) -> (u64, u64, Option<String>) {
        match self.traces.take() {
            Some(traces) => {
                let delivery = traces.shutdown(timeout);
                (delivery.exported, delivery.lost, delivery.reason)
            }
            None => (0, 0, None),
        }
    }

    #[cfg(not(feature = "otlp"))]
    fn deliver_traces(&mut self, _timeout: Duration) -> (u64, u64, Option<String>) {
        (0, 0, None)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let report = self.finish(DEFAULT_SHUTDOWN_TIMEOUT);
        if !report.is_complete() {
            eprintln!("deploytel: telemetry not fully delivered: {report}");
        } else if report.metric_overflows > 0 {
            eprintln!("deploytel: {report}");
        }
    }
}
