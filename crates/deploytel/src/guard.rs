//! The value `init()` returns: it owns what must be flushed when the program ends.

use std::fmt;
use std::io::Write as _;
use std::time::Duration;

use crate::audit_pipeline::AuditPipeline;
use crate::logs::LogPipeline;
use crate::metric_pipeline::MetricsPipeline;
use crate::traces::TracePipeline;

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
    logs: LogPipeline,
    traces: TracePipeline,
    pub(crate) metrics: MetricsPipeline,
    pub(crate) audit: AuditPipeline,
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
    /// Audit records the SIEM forwarders had not delivered when they stopped. Not lost: they
    /// stay in the journal and go out when the program starts again, so this is not counted
    /// by [`is_complete`](Self::is_complete).
    pub audit_records_pending: u64,
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
        if self.audit_records_pending > 0 {
            write!(
                f,
                "; {} audit records wait in the journal for the SIEM forwarders",
                self.audit_records_pending
            )?;
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
        logs: LogPipeline,
        traces: TracePipeline,
        metrics: MetricsPipeline,
        audit: AuditPipeline,
    ) -> Self {
        Guard {
            logs,
            traces,
            metrics,
            audit,
            finished: false,
        }
    }

    /// How many log lines could not be written (stdout closed, say).
    pub fn lost_log_lines(&self) -> u64 {
        self.logs.lost_lines()
    }

    /// Exports the spans still queued, and the metrics once more when a textfile or
    /// Pushgateway is configured, waiting at most `timeout` for each; stops exporting; and
    /// reports what was delivered and what was lost.
    pub fn shutdown(mut self, timeout: Duration) -> ShutdownReport {
        self.finish(timeout)
    }

    fn finish(&mut self, timeout: Duration) -> ShutdownReport {
        self.finished = true;
        // The audit journal is already durable; this copies its last records to PostgreSQL and
        // gives the forwarders a last chance to deliver theirs.
        let audit_records_pending = self.audit.stop(timeout);
        // The metrics first: their final export is what tells Prometheus how a short run ended.
        let (metrics_exports_failed, metrics_export_error) = self.metrics.deliver(timeout);
        let traces = self.traces.shutdown(timeout);
        self.metrics.stop_server();
        // Nothing can be done about a failing stdout at exit; the report says so.
        let _ = std::io::stdout().flush();
        ShutdownReport {
            spans_exported: traces.exported,
            spans_lost: traces.lost,
            reason: traces.reason,
            log_lines_lost: self.lost_log_lines(),
            metric_overflows: self.metrics.overflows(),
            metrics_exports_failed,
            metrics_export_error,
            audit_records_pending,
        }
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
