//! A metric family that keeps its number of series bounded.
//!
//! Each new label combination takes one of the family's [`Limits::series`] slots. When none is
//! left, the combination is recorded in the family's overflow series (every label
//! [`OVERFLOW_VALUE`](crate::OVERFLOW_VALUE)) and counted in
//! `deploytel_metrics_overflow_total{metric}`, so memory and scrape size stay bounded and the
//! loss is visible.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use prometheus::core::Collector;

use crate::handle::{Counter, Gauge, Histogram};
use crate::label::{label_value, OVERFLOW_VALUE};
use crate::series_table::SeriesTable;
use crate::{Limits, MetricsError};

/// A `prometheus` vector whose children are one series each.
pub(crate) trait Vector: Collector + Clone + 'static {
    type Child: Clone;
    fn child(&self, values: &[&str]) -> prometheus::Result<Self::Child>;
}

impl Vector for prometheus::IntCounterVec {
    type Child = Counter;
    fn child(&self, values: &[&str]) -> prometheus::Result<Counter> {
        self.get_metric_with_label_values(values).map(Counter)
    }
}

impl Vector for prometheus::GaugeVec {
    type Child = Gauge;
    fn child(&self, values: &[&str]) -> prometheus::Result<Gauge> {
        self.get_metric_with_label_values(values).map(Gauge)
    }
}

impl Vector for prometheus::HistogramVec {
    type Child = Histogram;
    fn child(&self, values: &[&str]) -> prometheus::Result<Histogram> {
        self.get_metric_with_label_values(values).map(Histogram)
    }
}

/// The capped family behind [`CounterFamily`], [`GaugeFamily`] and [`HistogramFamily`].
pub(crate) struct Family<V: Vector> {
    name: Box<str>,
    label_count: usize,
    vector: V,
    limits: Limits,
    series: RwLock<SeriesTable<V::Child>>,
    overflow_series: OnceLock<V::Child>,
    overflowed: prometheus::IntCounter,
    /// Shared by every family of one [`Families`](crate::Families), for the guard's report.
    overflowed_in_registry: Arc<AtomicU64>,
}

impl<V: Vector> Family<V> {
    pub(crate) fn new(
        name: &str,
        label_count: usize,
        vector: V,
        limits: Limits,
        overflowed: prometheus::IntCounter,
        overflowed_in_registry: Arc<AtomicU64>,
    ) -> Self {
        Family {
            name: name.into(),
            label_count,
            vector,
            limits,
            series: RwLock::new(SeriesTable::default()),
            overflow_series: OnceLock::new(),
            overflowed,
            overflowed_in_registry,
        }
    }

    /// The series for `values`, created when new, or the overflow series when the family is full.
    // hot: once per span the metrics layer tracks, and per manual record
    pub(crate) fn get(&self, values: &[&str]) -> Result<V::Child, MetricsError> {
        if values.len() != self.label_count {
            return Err(MetricsError::LabelCount {
                name: self.name.to_string(),
                expected: self.label_count,
                got: values.len(),
            });
        }
        // A panic elsewhere while the lock was held leaves the table consistent: every insert
        // is a single push.
        if let Some(child) = self
            .series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(values)
        {
            return Ok(child.clone());
        }
        let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have made it between the two locks.
        if let Some(child) = series.get(values) {
            return Ok(child.clone());
        }
        if series.len() >= self.limits.series() {
            drop(series);
            self.overflowed.inc();
            self.overflowed_in_registry.fetch_add(1, Ordering::Relaxed);
            return self.overflow_series();
        }
        let max_len = self.limits.label_len();
        let sanitized: Vec<_> = values.iter().map(|v| label_value(v, max_len)).collect();
        let sanitized: Vec<&str> = sanitized.iter().map(AsRef::as_ref).collect();
        let child = self
            .vector
            .child(&sanitized)
            .map_err(|source| MetricsError::registration(&self.name, source))?;
        series.insert(values, child.clone());
        Ok(child)
    }

    fn overflow_series(&self) -> Result<V::Child, MetricsError> {
        if let Some(child) = self.overflow_series.get() {
            return Ok(child.clone());
        }
        let values = vec![OVERFLOW_VALUE; self.label_count];
        let child = self
            .vector
            .child(&values)
            .map_err(|source| MetricsError::registration(&self.name, source))?;
        Ok(self.overflow_series.get_or_init(|| child).clone())
    }

    /// Label combinations that went to the overflow series so far.
    pub(crate) fn overflowed(&self) -> u64 {
        self.overflowed.get()
    }
}

macro_rules! public_family {
    ($(#[$doc:meta])* $name:ident, $vector:ty, $handle:ty) => {
        $(#[$doc])*
        ///
        /// Clones share the family.
        #[derive(Clone)]
        pub struct $name(pub(crate) Arc<Family<$vector>>);

        impl $name {
            /// The series for these label values (one per label name, in order), created on
            /// first use; the family's overflow series once it holds its limit of series.
            ///
            /// Keep the handle when you record often: the lookup takes a lock, updates
            /// through the handle do not.
            pub fn with_labels(&self, values: &[&str]) -> Result<$handle, MetricsError> {
                self.0.get(values)
            }

            /// How many new label combinations this family sent to its overflow series.
            pub fn overflowed(&self) -> u64 {
                self.0.overflowed()
            }
        }
    };
}

public_family!(
    /// A family of [`Counter`]s with a bounded number of series.
    CounterFamily,
    prometheus::IntCounterVec,
    Counter
);
public_family!(
    /// A family of [`Gauge`]s with a bounded number of series.
    GaugeFamily,
    prometheus::GaugeVec,
    Gauge
);
public_family!(
    /// A family of [`Histogram`]s with a bounded number of series.
    HistogramFamily,
    prometheus::HistogramVec,
    Histogram
);
