//! Handing the metrics over for programs that run a deployment and exit (cron and CI jobs,
//! `ansible-pull`): to node_exporter's textfile collector, or to a Prometheus Pushgateway.
//!
//! A process that exits before Prometheus scrapes it takes its metrics with it. With an export
//! configured, the registry is written (and pushed) when a deployment starts, when it ends, and
//! once more when the program finishes; Prometheus then scrapes node_exporter or the
//! Pushgateway, which keep the last state. The work runs on a thread of its own, so a
//! deployment never waits on the disk or the network; requests that arrive while an export
//! runs are served by one more export.

#[cfg(feature = "pushgateway")]
mod pushgateway;
mod textfile;

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use prometheus::Registry;

#[cfg(feature = "pushgateway")]
pub use pushgateway::{Pushgateway, DEFAULT_PUSH_TIMEOUT};
use textfile::Textfile;

use crate::MetricsError;

/// Where [`DeployMetrics`](crate::DeployMetrics) hands its metrics over; give it to
/// [`DeployMetricsBuilder::export`](crate::DeployMetricsBuilder::export).
///
/// ```
/// use deploytel_metrics::{DeployMetrics, MetricsExport};
///
/// let dir = std::env::temp_dir();
/// let metrics = DeployMetrics::builder()
///     .export(MetricsExport::new().textfile(dir.join("deploytel-doc.prom"))?)
///     .build()?;
/// // ... deployments ...
/// let report = metrics.finish_export(std::time::Duration::from_secs(5));
/// assert!(report.is_some_and(|r| r.final_delivered));
/// # std::fs::remove_file(dir.join("deploytel-doc.prom")).ok();
/// # Ok::<(), deploytel_metrics::MetricsError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct MetricsExport {
    textfile: Option<Textfile>,
    #[cfg(feature = "pushgateway")]
    pushgateway: Option<Pushgateway>,
}

impl MetricsExport {
    /// No target yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes the registry to `path` for node_exporter's textfile collector: the file must be
    /// in its `--collector.textfile.directory` and its name must end in `.prom`.
    pub fn textfile(mut self, path: impl Into<PathBuf>) -> Result<Self, MetricsError> {
        self.textfile = Some(Textfile::new(path.into())?);
        Ok(self)
    }

    /// Pushes the registry to a Pushgateway.
    #[cfg(feature = "pushgateway")]
    pub fn pushgateway(mut self, gateway: Pushgateway) -> Self {
        self.pushgateway = Some(gateway);
        self
    }

    /// Whether no target is set.
    pub fn is_empty(&self) -> bool {
        #[cfg(feature = "pushgateway")]
        let pushes = self.pushgateway.is_some();
        #[cfg(not(feature = "pushgateway"))]
        let pushes = false;
        self.textfile.is_none() && !pushes
    }
}

/// What the export did over the program's life; see [`DeployMetrics::finish_export`].
///
/// [`DeployMetrics::finish_export`]: crate::DeployMetrics::finish_export
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportReport {
    /// Exports that reached every target.
    pub delivered: u64,
    /// Exports that failed on some target.
    pub failed: u64,
    /// Why the last failed export failed, naming the target.
    pub last_error: Option<String>,
    /// Whether the final export, made when the export finished, reached every target: the
    /// targets then hold the program's last state.
    pub final_delivered: bool,
}

/// The state the export thread and its callers share.
#[derive(Default)]
struct State {
    /// Exports asked for so far; the thread serves them all with the next export it starts.
    requested: u64,
    /// Requests served by finished exports.
    served: u64,
    closing: bool,
    report: ExportReport,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the export thread.
    wake: Condvar,
    /// Wakes a caller waiting in `finish`.
    served: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The export thread of a registry.
pub(crate) struct Exporter {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// How long dropping an unfinished exporter waits for its final export.
const DROP_TIMEOUT: Duration = Duration::from_secs(5);

impl Exporter {
    pub(crate) fn start(registry: Registry, export: MetricsExport) -> Result<Self, MetricsError> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            served: Condvar::new(),
        });
        let thread = std::thread::Builder::new()
            .name("deploytel-metrics-export".to_owned())
            .spawn({
                let shared = Arc::clone(&shared);
                move || run(&shared, &registry, &export)
            })
            .map_err(MetricsError::ExportThread)?;
        Ok(Exporter {
            shared,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Asks for an export; returns at once.
    pub(crate) fn request(&self) {
        let mut state = self.shared.lock();
        if !state.closing {
            state.requested += 1;
            self.shared.wake.notify_one();
        }
    }

    /// Makes a final export and waits for it, at most `timeout`; later requests are ignored.
    pub(crate) fn finish(&self, timeout: Duration) -> ExportReport {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        if !state.closing {
            state.closing = true;
            state.requested += 1;
            self.shared.wake.notify_one();
        }
        let final_request = state.requested;
        while state.served < final_request {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let mut report = state.report.clone();
                report.final_delivered = false;
                report.last_error = Some(format!(
                    "the final metrics export did not finish within {timeout:?}"
                ));
                // The thread is left to finish or to die with the process.
                return report;
            }
            state = self
                .shared
                .served
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let report = state.report.clone();
        drop(state);
        if let Some(thread) = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let _ = thread.join();
        }
        report
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if !self.shared.lock().closing {
            self.finish(DROP_TIMEOUT);
        }
    }
}

/// The export thread: waits for requests, serves all pending ones with one export, and stops
/// after the final one.
fn run(shared: &Shared, registry: &Registry, export: &MetricsExport) {
    #[cfg(feature = "pushgateway")]
    let push = export.pushgateway.as_ref().map(|gateway| {
        (
            gateway.base().to_owned(),
            pushgateway::PushClient::new(gateway),
        )
    });
    loop {
        let (serving, last) = {
            let mut state = shared.lock();
            while state.served == state.requested && !state.closing {
                state = shared
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.served == state.requested {
                return;
            }
            (state.requested, state.closing)
        };

        let mut errors = Vec::new();
        match crate::encode_text(registry) {
            Err(e) => errors.push(e.to_string()),
            Ok(text) => {
                if let Some(file) = &export.textfile {
                    if let Err(e) = file.write(&text) {
                        errors.push(format!("textfile {}: {e}", file.path().display()));
                    }
                }
                #[cfg(feature = "pushgateway")]
                if let Some((base, client)) = &push {
                    if let Err(e) = client.push(&text) {
                        errors.push(format!("Pushgateway {base}: {e}"));
                    }
                }
            }
        }

        let mut state = shared.lock();
        state.served = serving;
        let delivered = errors.is_empty();
        if delivered {
            state.report.delivered += 1;
        } else {
            state.report.failed += 1;
            state.report.last_error = Some(errors.join("; "));
        }
        if last && state.served == state.requested {
            state.report.final_delivered = delivered;
        }
        shared.served.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry_with(value: i64) -> Registry {
        let registry = Registry::new();
        let gauge = prometheus::IntGauge::new("exported", "a value").unwrap();
        gauge.set(value);
        registry.register(Box::new(gauge)).unwrap();
        registry
    }

    #[test]
    fn the_final_export_writes_the_last_state_and_is_reported() {
        let path =
            std::env::temp_dir().join(format!("deploytel-export-{}.prom", std::process::id()));
        let export = MetricsExport::new().textfile(&path).unwrap();
        let exporter = Exporter::start(registry_with(7), export).unwrap();
        exporter.request();
        exporter.request();
        let report = exporter.finish(Duration::from_secs(5));
        assert!(report.final_delivered, "{report:?}");
        assert!((1..=3).contains(&report.delivered), "{report:?}");
        assert_eq!(report.failed, 0);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("exported 7"), "{text}");
        exporter.request();
        assert_eq!(
            exporter.finish(Duration::from_secs(1)),
            report,
            "finished once"
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_failing_target_is_counted_with_its_reason() {
        let export = MetricsExport::new()
            .textfile("/nonexistent-deploytel-dir/deploytel.prom")
            .unwrap();
        let exporter = Exporter::start(registry_with(1), export).unwrap();
        let report = exporter.finish(Duration::from_secs(5));
        assert!(!report.final_delivered);
        assert_eq!(report.failed, 1);
        let reason = report.last_error.unwrap();
        assert!(
            reason.contains("textfile /nonexistent-deploytel-dir/deploytel.prom"),
            "{reason}"
        );
    }
}
