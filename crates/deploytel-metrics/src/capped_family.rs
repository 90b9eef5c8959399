//! A metric family that keeps its number of series bounded.
//!
//! Each new label combination takes one of the family's [`Limits::series`] slots. When none is
//! left, the combination is recorded in the family's overflow series (every label
//! [`OVERFLOW_VALUE`](crate::OVERFLOW_VALUE)) and counted in
//! `deploytel_metrics_overflow_total{metric}`, so memory and scrape size stay bounded and the
//! loss is visible.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use deploytel_core::Redactor;
use prometheus::core::{Collector, Desc, Metric};
use prometheus::proto::{MetricFamily, MetricType};
use prometheus::{HistogramOpts, Opts};

use crate::label::{label_value, OVERFLOW_VALUE};
use crate::series_handles::{Counter, Gauge, Histogram};
use crate::series_table::SeriesTable;
use crate::{Limits, MetricsError};

/// What kind of series a family holds, and how one is made.
///
/// Each series is a standalone `prometheus` metric whose labels are constant labels, and the
/// family collects them itself. The `prometheus` crate's vectors are not used: they find a
/// child by a hash of the label values written back to back, so `("ab", "c")` and
/// `("a", "bc")` would share a series. Here the [`SeriesTable`] finds a series by its tuple.
pub(crate) trait Kind: Send + Sync + 'static {
    type Child: Clone + Send + Sync;
    const TYPE: MetricType;
    fn make(
        &self,
        name: &str,
        help: &str,
        labels: HashMap<String, String>,
    ) -> prometheus::Result<Self::Child>;
    fn sample(child: &Self::Child) -> prometheus::proto::Metric;
}

/// Integer counters.
pub(crate) struct Counters;

impl Kind for Counters {
    type Child = Counter;
    const TYPE: MetricType = MetricType::COUNTER;
    fn make(
        &self,
        name: &str,
        help: &str,
        labels: HashMap<String, String>,
    ) -> prometheus::Result<Counter> {
        prometheus::IntCounter::with_opts(Opts::new(name, help).const_labels(labels)).map(Counter)
    }
    fn sample(child: &Counter) -> prometheus::proto::Metric {
        child.0.metric()
    }
}

/// Float gauges.
pub(crate) struct Gauges;

impl Kind for Gauges {
    type Child = Gauge;
    const TYPE: MetricType = MetricType::GAUGE;
    fn make(
        &self,
        name: &str,
        help: &str,
        labels: HashMap<String, String>,
    ) -> prometheus::Result<Gauge> {
        prometheus::Gauge::with_opts(Opts::new(name, help).const_labels(labels)).map(Gauge)
    }
    fn sample(child: &Gauge) -> prometheus::proto::Metric {
        child.0.metric()
    }
}

/// Histograms with one set of buckets.
pub(crate) struct Histograms {
    pub(crate) buckets: Vec<f64>,
}

impl Kind for Histograms {
    type Child = Histogram;
    const TYPE: MetricType = MetricType::HISTOGRAM;
    fn make(
        &self,
        name: &str,
        help: &str,
        labels: HashMap<String, String>,
    ) -> prometheus::Result<Histogram> {
        let opts = HistogramOpts::new(name, help)
            .const_labels(labels)
            .buckets(self.buckets.clone());
        prometheus::Histogram::with_opts(opts).map(Histogram)
    }
    fn sample(child: &Histogram) -> prometheus::proto::Metric {
        child.0.metric()
    }
}

/// The capped family behind [`CounterFamily`], [`GaugeFamily`] and [`HistogramFamily`].
pub(crate) struct Family<K: Kind> {
    name: Box<str>,
    help: Box<str>,
    label_names: Box<[String]>,
    kind: K,
    /// The family as the registry knows it: name, help and label names.
    desc: Desc,
    limits: Limits,
    redactor: Redactor,
    /// By label values as given, which the hot path looks up.
    series: RwLock<SeriesTable<K::Child>>,
    /// By label values as Prometheus gets them (masked and bounded): values that differ only in
    /// a masked secret map to one series, never to two with the same labels.
    by_labels: Mutex<SeriesTable<K::Child>>,
    overflow_series: OnceLock<K::Child>,
    overflowed: prometheus::IntCounter,
    /// Shared by every family of one [`Families`](crate::Families), for the guard's report.
    overflowed_in_registry: Arc<AtomicU64>,
}

impl<K: Kind> Family<K> {
    pub(crate) fn new(
        (name, help, label_names): (&str, &str, &[&str]),
        kind: K,
        (limits, redactor): (Limits, Redactor),
        overflowed: prometheus::IntCounter,
        overflowed_in_registry: Arc<AtomicU64>,
    ) -> Result<Self, MetricsError> {
        let label_names: Box<[String]> = label_names.iter().map(|l| (*l).to_owned()).collect();
        let desc = Desc::new(
            name.to_owned(),
            help.to_owned(),
            label_names.to_vec(),
            HashMap::new(),
        )
        .map_err(|source| MetricsError::registration(name, source))?;
        Ok(Family {
            name: name.into(),
            help: help.into(),
            label_names,
            kind,
            desc,
            limits,
            redactor,
            series: RwLock::new(SeriesTable::default()),
            by_labels: Mutex::new(SeriesTable::default()),
            overflow_series: OnceLock::new(),
            overflowed,
            overflowed_in_registry,
        })
    }

    /// The series for `values`, created when new, or the overflow series when the family is full.
    // hot: once per span the metrics layer tracks, and per manual record
    pub(crate) fn get(&self, values: &[&str]) -> Result<K::Child, MetricsError> {
        if values.len() != self.label_names.len() {
            return Err(MetricsError::LabelCount {
                name: self.name.to_string(),
                expected: self.label_names.len(),
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
        let labels: Vec<String> = values
            .iter()
            .map(|v| label_value(&self.redactor.redact(v), max_len).into_owned())
            .collect();
        let labels_ref: Vec<&str> = labels.iter().map(String::as_str).collect();
        let mut by_labels = self
            .by_labels
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let child = match by_labels.get(&labels_ref) {
            Some(child) => child.clone(),
            None => {
                let child = self.make(labels.iter().cloned())?;
                by_labels.insert(&labels_ref, child.clone());
                child
            }
        };
        series.insert(values, child.clone());
        Ok(child)
    }

    fn make(&self, values: impl Iterator<Item = String>) -> Result<K::Child, MetricsError> {
        let labels = self.label_names.iter().cloned().zip(values).collect();
        self.kind
            .make(&self.name, &self.help, labels)
            .map_err(|source| MetricsError::registration(&self.name, source))
    }

    fn overflow_series(&self) -> Result<K::Child, MetricsError> {
        if let Some(child) = self.overflow_series.get() {
            return Ok(child.clone());
        }
        let child = self.make(self.label_names.iter().map(|_| OVERFLOW_VALUE.to_owned()))?;
        Ok(self.overflow_series.get_or_init(|| child).clone())
    }

    /// Label combinations that went to the overflow series so far.
    pub(crate) fn overflowed(&self) -> u64 {
        self.overflowed.get()
    }
}

/// What the registry holds of a family: it collects every series the family made.
pub(crate) struct FamilyCollector<K: Kind>(pub(crate) Arc<Family<K>>);

impl<K: Kind> Collector for FamilyCollector<K> {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.0.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let family = &self.0;
        let mut collected = MetricFamily::default();
        collected.set_name(family.name.to_string());
        collected.set_help(family.help.to_string());
        collected.set_field_type(K::TYPE);
        // Each series once, however many label tuples lead to it.
        let series = family
            .by_labels
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let samples = series
            .values()
            .chain(family.overflow_series.get())
            .map(K::sample);
        collected.set_metric(samples.collect());
        vec![collected]
    }
}

macro_rules! public_family {
    ($(#[$doc:meta])* $name:ident, $kind:ty, $handle:ty) => {
        $(#[$doc])*
        ///
        /// Clones share the family.
        #[derive(Clone)]
        pub struct $name(pub(crate) Arc<Family<$kind>>);

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
    Counters,
    Counter
);
public_family!(
    /// A family of [`Gauge`]s with a bounded number of series.
    GaugeFamily,
    Gauges,
    Gauge
);
public_family!(
    /// A family of [`Histogram`]s with a bounded number of series.
    HistogramFamily,
    Histograms,
    Histogram
);
