//! Registers capped families in one explicit registry.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use deploytel_core::Redactor;
use prometheus::{IntCounterVec, Opts, Registry};

use crate::capped_family::{Counters, Family, FamilyCollector, Gauges, Histograms, Kind};
use crate::{CounterFamily, GaugeFamily, HistogramFamily, Limits, MetricsError};

/// The family that counts label combinations refused by a full family.
pub const OVERFLOW_FAMILY: &str = crate::names::METRICS_OVERFLOW_TOTAL;

/// A registry and the limits its families share; makes [`CounterFamily`], [`GaugeFamily`] and
/// [`HistogramFamily`] for your own metrics.
///
/// Creating it registers `deploytel_metrics_overflow_total{metric}` in the registry, so there is
/// one `Families` per registry.
///
/// ```
/// use deploytel_metrics::{prometheus::Registry, Families, Limits};
///
/// let registry = Registry::new();
/// let families = Families::new(&registry, Limits::default())?;
/// let rollbacks = families.counter("myorch_rollbacks_total", "Rollbacks started.", &["environment"])?;
/// rollbacks.with_labels(&["staging"])?.inc();
/// # Ok::<(), deploytel_metrics::MetricsError>(())
/// ```
#[derive(Clone)]
pub struct Families {
    registry: Registry,
    limits: Limits,
    redactor: Redactor,
    overflow: IntCounterVec,
    overflowed: Arc<AtomicU64>,
}

impl Families {
    /// Families in `registry` (a clone of the handle: the same registry) bounded by `limits`.
    pub fn new(registry: &Registry, limits: Limits) -> Result<Self, MetricsError> {
        let overflow = IntCounterVec::new(
            Opts::new(
                OVERFLOW_FAMILY,
                "Label combinations a full metric family sent to its overflow series.",
            ),
            &["metric"],
        )
        .map_err(|e| MetricsError::registration(OVERFLOW_FAMILY, e))?;
        registry
            .register(Box::new(overflow.clone()))
            .map_err(|e| MetricsError::registration(OVERFLOW_FAMILY, e))?;
        Ok(Families {
            registry: registry.clone(),
            limits,
            redactor: Redactor::default(),
            overflow,
            overflowed: Arc::default(),
        })
    }

    /// Masks label values with `redactor` (the default one unless set) in the families made
    /// from now on. A label value is masked like any logged value, so a pipeline named after a
    /// URL with credentials shows as `https://ci:[REDACTED]@git.example.com/app`; values that
    /// differ only in their secrets share one series.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The registry the families are in.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// How many times a full family of this registry sent a new label combination to its
    /// overflow series: the sum of `deploytel_metrics_overflow_total`.
    pub fn overflowed(&self) -> u64 {
        self.overflowed.load(Ordering::Relaxed)
    }

    /// The limits every family made here gets.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A counter family; `name` should end in `_total`.
    pub fn counter(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> Result<CounterFamily, MetricsError> {
        self.register((name, help, labels), Counters)
            .map(CounterFamily)
    }

    /// A gauge family.
    pub fn gauge(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> Result<GaugeFamily, MetricsError> {
        self.register((name, help, labels), Gauges).map(GaugeFamily)
    }

    /// A histogram family with these bucket upper bounds (increasing; `+Inf` is implied).
    pub fn histogram(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        buckets: &[f64],
    ) -> Result<HistogramFamily, MetricsError> {
        let kind = Histograms {
            buckets: buckets.to_vec(),
        };
        self.register((name, help, labels), kind)
            .map(HistogramFamily)
    }

    fn register<K: Kind>(
        &self,
        (name, help, labels): (&str, &str, &[&str]),
        kind: K,
    ) -> Result<Arc<Family<K>>, MetricsError> {
        // A series made up front tells bad buckets or label names now, not at first use.
        let probe = labels
            .iter()
            .map(|l| ((*l).to_owned(), String::new()))
            .collect();
        kind.make(name, help, probe)
            .map_err(|e| MetricsError::registration(name, e))?;
        let overflowed = self
            .overflow
            .get_metric_with_label_values(&[name])
            .map_err(|e| MetricsError::registration(OVERFLOW_FAMILY, e))?;
        let family = Arc::new(Family::new(
            (name, help, labels),
            kind,
            (self.limits, self.redactor.clone()),
            overflowed,
            Arc::clone(&self.overflowed),
        )?);
        self.registry
            .register(Box::new(FamilyCollector(Arc::clone(&family))))
            .map_err(|e| MetricsError::registration(name, e))?;
        Ok(family)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(registry: &Registry) -> String {
        let mut text = String::new();
        prometheus::TextEncoder::new()
            .encode_utf8(&registry.gather(), &mut text)
            .unwrap();
        text
    }

    #[test]
    fn a_full_family_sends_new_combinations_to_one_overflow_series() {
        let registry = Registry::new();
        let families = Families::new(&registry, Limits::default().max_series(2)).unwrap();
        let runs = families
            .counter("t_runs_total", "Runs.", &["pipeline"])
            .unwrap();
        for pipeline in ["a", "b", "c", "d", "a"] {
            runs.with_labels(&[pipeline]).unwrap().inc();
        }
        let text = scrape(&registry);
        assert!(text.contains("t_runs_total{pipeline=\"a\"} 2"), "{text}");
        assert!(text.contains("t_runs_total{pipeline=\"b\"} 1"), "{text}");
        assert!(
            text.contains("t_runs_total{pipeline=\"__overflow__\"} 2"),
            "{text}"
        );
        assert!(!text.contains("pipeline=\"c\""), "{text}");
        assert!(text.contains("deploytel_metrics_overflow_total{metric=\"t_runs_total\"} 2"));
        assert_eq!(runs.overflowed(), 2);
        assert_eq!(families.overflowed(), 2);
    }

    #[test]
    fn distinct_tuples_give_distinct_series() {
        let registry = Registry::new();
        let families = Families::new(&registry, Limits::default().max_label_len(20)).unwrap();
        let runs = families
            .counter("t_runs_total", "Runs.", &["a", "b"])
            .unwrap();
        let long_1 = format!("{}1", "x".repeat(40));
        let long_2 = format!("{}2", "x".repeat(40));
        let tuples = [
            ["a|b", "c"],
            ["a", "b|c"],
            [long_1.as_str(), ""],
            [long_2.as_str(), ""],
            ["__overflow__", "__overflow__"],
        ];
        for tuple in &tuples {
            runs.with_labels(tuple).unwrap().inc();
        }
        let text = scrape(&registry);
        let series = text
            .lines()
            .filter(|l| l.starts_with("t_runs_total{"))
            .count();
        assert_eq!(series, tuples.len(), "{text}");
        assert!(text
            .lines()
            .all(|l| !l.starts_with("t_runs_total{") || l.ends_with(" 1")));
    }

    #[test]
    fn registering_a_family_twice_is_an_error() {
        let registry = Registry::new();
        let families = Families::new(&registry, Limits::default()).unwrap();
        families.counter("t_runs_total", "Runs.", &["a"]).unwrap();
        let again = families.counter("t_runs_total", "Runs.", &["a"]);
        assert!(
            matches!(again, Err(MetricsError::AlreadyRegistered { name }) if name == "t_runs_total")
        );
        assert!(matches!(
            Families::new(&registry, Limits::default()),
            Err(MetricsError::AlreadyRegistered { .. })
        ));
    }

    #[test]
    fn a_wrong_number_of_label_values_is_an_error() {
        let registry = Registry::new();
        let families = Families::new(&registry, Limits::default()).unwrap();
        let runs = families
            .counter("t_runs_total", "Runs.", &["a", "b"])
            .unwrap();
        assert!(matches!(
            runs.with_labels(&["x"]),
            Err(MetricsError::LabelCount {
                expected: 2,
                got: 1,
                ..
            })
        ));
    }
}
