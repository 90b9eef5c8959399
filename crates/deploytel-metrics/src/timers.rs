//! Guards that time one deployment, step or child process and record it when it ends.
//!
//! Dropped without `finish`, each records `cancellation`, the way deploytel-span's spans do, so
//! a run that was abandoned still shows.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use deploytel_core::Outcome;

use crate::clock::unix_seconds;
use crate::run_series::{PairSeries, StepSeries, SubprocessSeries};

/// What a timer records into when it ends.
trait Ends {
    fn end(&self, outcome: Outcome, started: &Started);
}

/// When a run started, and whether it has been recorded.
struct Started {
    at: Instant,
    /// Wall-clock start for deployments, whose start is a metric; 0 for the rest, which skip
    /// the clock read.
    unix: f64,
    /// When a deployment's revision was committed, once known.
    committed: Option<SystemTime>,
    recorded: bool,
}

impl Started {
    fn now() -> Self {
        Started {
            at: Instant::now(),
            unix: 0.0,
            committed: None,
            recorded: false,
        }
    }

    fn now_with_wall_clock() -> Self {
        Started {
            unix: unix_seconds(SystemTime::now()),
            ..Started::now()
        }
    }
}

/// The timer behind the three public ones: records once, at `finish` or drop.
struct Timer<S: Ends> {
    series: Arc<S>,
    started: Started,
}

impl<S: Ends> Timer<S> {
    fn end(&mut self, outcome: Outcome) {
        if !std::mem::replace(&mut self.started.recorded, true) {
            self.series.end(outcome, &self.started);
        }
    }
}

impl<S: Ends> Drop for Timer<S> {
    fn drop(&mut self) {
        self.end(Outcome::Cancellation);
    }
}

impl Ends for PairSeries {
    fn end(&self, outcome: Outcome, started: &Started) {
        self.stopped(started.unix);
        self.ended(outcome, started.at.elapsed(), started.committed);
    }
}

impl Ends for StepSeries {
    fn end(&self, outcome: Outcome, started: &Started) {
        self.ended(outcome, started.at.elapsed());
    }
}

impl Ends for SubprocessSeries {
    fn end(&self, outcome: Outcome, started: &Started) {
        self.ended(outcome, started.at.elapsed());
    }
}

macro_rules! timer {
    ($(#[$doc:meta])* $name:ident, $series:ty, $must_use:literal) => {
        $(#[$doc])*
        #[must_use = $must_use]
        pub struct $name(Timer<$series>);

        impl $name {
            /// Records the run as ended with `outcome`.
            pub fn finish(mut self, outcome: Outcome) {
                self.0.end(outcome);
            }
        }
    };
}

timer!(
    /// Times one deployment; made by [`DeployMetrics::start_deployment`](crate::DeployMetrics::start_deployment).
    DeploymentTimer,
    PairSeries,
    "a timer dropped at once records a cancelled deployment"
);
timer!(
    /// Times one step; made by [`DeployMetrics::start_step`](crate::DeployMetrics::start_step).
    StepTimer,
    StepSeries,
    "a timer dropped at once records a cancelled step"
);
timer!(
    /// Times one child process; made by
    /// [`DeployMetrics::start_subprocess`](crate::DeployMetrics::start_subprocess). Its
    /// outcome: success for exit status 0, failure for another status or a signal, timeout when
    /// it was killed for running too long, error when it could not be started or waited for.
    SubprocessTimer,
    SubprocessSeries,
    "a timer dropped at once records a cancelled child process"
);

impl DeploymentTimer {
    pub(crate) fn start(series: Arc<PairSeries>) -> Self {
        let started = Started::now_with_wall_clock();
        series.started(started.unix);
        DeploymentTimer(Timer { series, started })
    }

    /// The pipeline being deployed.
    pub fn pipeline(&self) -> &str {
        &self.0.series.pipeline
    }

    /// When the deployed revision was committed: a success then observes its lead time for
    /// changes. Without it, a success has no lead time.
    pub fn commit_time(&mut self, committed: SystemTime) {
        self.0.started.committed = Some(committed);
    }
}

impl StepTimer {
    pub(crate) fn start(series: Arc<StepSeries>) -> Self {
        StepTimer(Timer {
            series,
            started: Started::now(),
        })
    }

    /// Counts `retries` attempts after the first. The step's outcome, when it finishes, is the
    /// last attempt's.
    pub fn retried(&self, retries: u64) {
        self.0.series.retried(retries);
    }
}

impl SubprocessTimer {
    pub(crate) fn start(series: Arc<SubprocessSeries>) -> Self {
        SubprocessTimer(Timer {
            series,
            started: Started::now(),
        })
    }
}
