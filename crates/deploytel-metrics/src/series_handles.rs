//! Handles to one series: what code holds to count, set and observe.
//!
//! Each is a thin wrapper around the `prometheus` crate's child metric, so an update costs what
//! the `prometheus` call costs; wrapping keeps user code unchanged when that crate changes.

use std::time::Duration;

/// A monotonically increasing integer series, such as `deploytel_deployments_total{…}`.
#[derive(Clone, Debug)]
pub struct Counter(pub(crate) prometheus::IntCounter);

impl Counter {
    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.0.inc();
    }

    /// Adds `n`.
    #[inline]
    pub fn inc_by(&self, n: u64) {
        self.0.inc_by(n);
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.get()
    }
}

/// A series that goes up and down, such as the number of active deployments or a timestamp.
#[derive(Clone, Debug)]
pub struct Gauge(pub(crate) prometheus::Gauge);

impl Gauge {
    /// Sets the value.
    #[inline]
    pub fn set(&self, value: f64) {
        self.0.set(value);
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.0.inc();
    }

    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.0.dec();
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        self.0.get()
    }
}

/// A distribution of observations in buckets, such as a duration in seconds.
#[derive(Clone, Debug)]
pub struct Histogram(pub(crate) prometheus::Histogram);

impl Histogram {
    /// Records one observation.
    #[inline]
    pub fn observe(&self, value: f64) {
        self.0.observe(value);
    }

    /// Records a duration, in seconds.
    #[inline]
    pub fn observe_duration(&self, duration: Duration) {
        self.0.observe(duration.as_secs_f64());
    }

    /// The number of observations so far.
    pub fn count(&self) -> u64 {
        self.0.get_sample_count()
    }

    /// The sum of the observations so far.
    pub fn sum(&self) -> f64 {
        self.0.get_sample_sum()
    }
}
