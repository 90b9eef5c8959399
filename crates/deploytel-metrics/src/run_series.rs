//! The series one deployment, step or child process touches, looked up once per run.
//!
//! A run finds its group with one lookup when it starts; its end then updates handles the group
//! holds, with no further label lookups. Groups are cached up to the family series limit; past
//! it each run builds an uncached group, whose series the families send to their overflow
//! series, so memory stays bounded whatever the labels are.

use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use deploytel_core::Outcome;

use crate::capped_family::{Counters, Family, Histograms, Kind};
use crate::clock::unix_seconds;
use crate::export::Exporter;
use crate::series_handles::{Counter, Gauge, Histogram};
use crate::series_table::SeriesTable;
use crate::{CounterFamily, GaugeFamily, HistogramFamily};

/// One handle per outcome, in the order of [`Outcome::ALL`].
type PerOutcome<T> = [T; Outcome::ALL.len()];

fn index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Success => 0,
        Outcome::Failure => 1,
        Outcome::Error => 2,
        Outcome::Timeout => 3,
        Outcome::Cancellation => 4,
        Outcome::Skip => 5,
    }
}

/// Groups keyed by label tuple, at most `limit` of them.
pub(crate) struct GroupCache<G> {
    groups: RwLock<SeriesTable<Arc<G>>>,
    limit: usize,
}

impl<G> GroupCache<G> {
    pub(crate) fn new(limit: usize) -> Self {
        GroupCache {
            groups: RwLock::new(SeriesTable::default()),
            limit,
        }
    }

    // hot: once per deployment, step and child process
    pub(crate) fn get(&self, key: &[&str], make: impl FnOnce() -> G) -> Arc<G> {
        if let Some(group) = self
            .groups
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            return Arc::clone(group);
        }
        let mut groups = self.groups.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(group) = groups.get(key) {
            return Arc::clone(group);
        }
        let group = Arc::new(make());
        if groups.len() < self.limit {
            groups.insert(key, Arc::clone(&group));
        }
        group
    }
}

/// One series per outcome, each made on first use: histograms, and counters that need not
/// exist before they count, have no series until then.
struct LazyPerOutcome<K: Kind> {
    family: Arc<Family<K>>,
    series: PerOutcome<OnceLock<Option<K::Child>>>,
}

impl<K: Kind> LazyPerOutcome<K> {
    fn new(family: &Arc<Family<K>>) -> Self {
        LazyPerOutcome {
            family: Arc::clone(family),
            series: Default::default(),
        }
    }

    /// The series labelled `prefix` and then `outcome`.
    fn get(&self, prefix: &[&str], outcome: Outcome) -> Option<&K::Child> {
        self.series[index(outcome)]
            .get_or_init(|| {
                let labels: Vec<&str> = prefix.iter().copied().chain([outcome.as_str()]).collect();
                self.family.get(&labels).ok()
            })
            .as_ref()
    }
}

/// The series of one (pipeline, environment).
pub(crate) struct PairSeries {
    pub(crate) pipeline: Box<str>,
    environment: Box<str>,
    totals: PerOutcome<Option<Counter>>,
    durations: LazyPerOutcome<Histograms>,
    lead_time: Option<Histogram>,
    restore_duration: Option<Histogram>,
    /// End time of the first failure since the last success, while the pair is failing.
    failing_since: Mutex<Option<f64>>,
    active: Option<Gauge>,
    oldest_active_start: Option<Gauge>,
    last_success: LastEnd,
    last_failure: LastEnd,
    running_since: Mutex<Vec<f64>>,
    exporter: Option<Arc<Exporter>>,
}

/// A timestamp gauge of a (pipeline, environment), made when first set: a pipeline that never
/// failed has no last-failure series.
struct LastEnd {
    family: GaugeFamily,
    gauge: OnceLock<Option<Gauge>>,
}

impl LastEnd {
    fn new(family: &GaugeFamily) -> Self {
        LastEnd {
            family: family.clone(),
            gauge: OnceLock::new(),
        }
    }

    fn set(&self, pair: [&str; 2], unix_seconds: f64) {
        let gauge = self
            .gauge
            .get_or_init(|| self.family.with_labels(&pair).ok());
        if let Some(gauge) = gauge {
            gauge.set(unix_seconds);
        }
    }
}

/// The families a [`PairSeries`] draws from.
pub(crate) struct PairFamilies<'a> {
    pub(crate) totals: &'a CounterFamily,
    pub(crate) durations: &'a HistogramFamily,
    pub(crate) lead_time: &'a HistogramFamily,
    pub(crate) restore_duration: &'a HistogramFamily,
    pub(crate) active: &'a GaugeFamily,
    pub(crate) oldest_active_start: &'a GaugeFamily,
    pub(crate) last_success: &'a GaugeFamily,
    pub(crate) last_failure: &'a GaugeFamily,
}

impl PairSeries {
    /// Creates every outcome counter, and the lead-time and restore histograms, at 0, so that
    /// `increase()` sees the first of each.
    pub(crate) fn new(
        pipeline: &str,
        environment: &str,
        families: PairFamilies<'_>,
        exporter: Option<Arc<Exporter>>,
    ) -> Self {
        let pair = [pipeline, environment];
        PairSeries {
            pipeline: pipeline.into(),
            environment: environment.into(),
            totals: Outcome::ALL.map(|o| {
                families
                    .totals
                    .with_labels(&[pipeline, environment, o.as_str()])
                    .ok()
            }),
            durations: LazyPerOutcome::new(&families.durations.0),
            // At 0 from the start, like the counters: `increase()` then sees the first
            // observation, which a series born counting it would hide.
            lead_time: families.lead_time.with_labels(&pair).ok(),
            restore_duration: families.restore_duration.with_labels(&pair).ok(),
            failing_since: Mutex::new(None),
            active: families.active.with_labels(&pair).ok(),
            oldest_active_start: families.oldest_active_start.with_labels(&pair).ok(),
            last_success: LastEnd::new(families.last_success),
            last_failure: LastEnd::new(families.last_failure),
            running_since: Mutex::new(Vec::new()),
            exporter,
        }
    }

    /// Hands the new state over, when an export is configured: a process may exit before
    /// Prometheus scrapes it.
    fn export(&self) {
        if let Some(exporter) = &self.exporter {
            exporter.request();
        }
    }

    /// A deployment started at `start` (Unix seconds).
    pub(crate) fn started(&self, start: f64) {
        let mut running = self
            .running_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        running.push(start);
        self.show_running(&running);
        drop(running);
        self.export();
    }

    /// The deployment that started at `start` ended.
    pub(crate) fn stopped(&self, start: f64) {
        let mut running = self
            .running_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(position) = running.iter().position(|s| *s == start) {
            running.swap_remove(position);
        }
        self.show_running(&running);
    }

    fn show_running(&self, running: &[f64]) {
        if let Some(gauge) = &self.active {
            gauge.set(running.len() as f64);
        }
        if let Some(gauge) = &self.oldest_active_start {
            let oldest = running.iter().copied().fold(f64::INFINITY, f64::min);
            gauge.set(if running.is_empty() { 0.0 } else { oldest });
        }
    }

    /// A deployment ended, now, with `outcome` after `duration`; its revision was committed
    /// at `committed`, when known.
    pub(crate) fn ended(
        &self,
        outcome: Outcome,
        duration: Duration,
        committed: Option<SystemTime>,
    ) {
        if let Some(counter) = &self.totals[index(outcome)] {
            counter.inc();
        }
        if let Some(histogram) = self
            .durations
            .get(&[&self.pipeline, &self.environment], outcome)
        {
            histogram.observe_duration(duration);
        }
        // A timestamp, unlike a counter, shows a failure to rules that see the series for
        // the first time already counting it: a run that ends within one scrape interval, or a
        // process that pushes its metrics and exits.
        let pair = [&*self.pipeline, &*self.environment];
        let now = SystemTime::now();
        match outcome {
            Outcome::Success => {
                self.last_success.set(pair, unix_seconds(now));
                // A commit "in the future" (a skewed clock) has no lead time worth showing.
                let lead = committed.and_then(|at| now.duration_since(at).ok());
                if let (Some(lead), Some(histogram)) = (lead, &self.lead_time) {
                    histogram.observe(lead.as_secs_f64());
                }
                let failing_since = self
                    .failing_since
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                if let (Some(since), Some(histogram)) = (failing_since, &self.restore_duration) {
                    histogram.observe((unix_seconds(now) - since).max(0.0));
                }
            }
            Outcome::Failure | Outcome::Error | Outcome::Timeout => {
                self.last_failure.set(pair, unix_seconds(now));
                self.failing_since
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert(unix_seconds(now));
            }
            Outcome::Cancellation | Outcome::Skip => {}
        }
        self.export();
    }
}

/// The series of one (pipeline, step).
pub(crate) struct StepSeries {
    pipeline: Box<str>,
    step: Box<str>,
    totals: PerOutcome<Option<Counter>>,
    durations: LazyPerOutcome<Histograms>,
    retries: Option<Counter>,
}

impl StepSeries {
    /// Creates every outcome counter, and the retry counter, at 0.
    pub(crate) fn new(
        pipeline: &str,
        step: &str,
        (totals, durations, retries): (&CounterFamily, &HistogramFamily, &CounterFamily),
    ) -> Self {
        StepSeries {
            pipeline: pipeline.into(),
            step: step.into(),
            totals: Outcome::ALL.map(|o| totals.with_labels(&[pipeline, step, o.as_str()]).ok()),
            durations: LazyPerOutcome::new(&durations.0),
            retries: retries.with_labels(&[pipeline, step]).ok(),
        }
    }

    /// Counts `retries` more attempts after the first.
    pub(crate) fn retried(&self, retries: u64) {
        if let Some(counter) = &self.retries {
            counter.inc_by(retries);
        }
    }

    pub(crate) fn ended(&self, outcome: Outcome, duration: Duration) {
        if let Some(counter) = &self.totals[index(outcome)] {
            counter.inc();
        }
        if let Some(histogram) = self.durations.get(&[&self.pipeline, &self.step], outcome) {
            histogram.observe_duration(duration);
        }
    }
}

/// The series of one executable; made on first use, since most children succeed.
pub(crate) struct SubprocessSeries {
    executable: Box<str>,
    totals: LazyPerOutcome<Counters>,
    durations: LazyPerOutcome<Histograms>,
}

impl SubprocessSeries {
    pub(crate) fn new(
        executable: &str,
        totals: &CounterFamily,
        durations: &HistogramFamily,
    ) -> Self {
        SubprocessSeries {
            executable: executable.into(),
            totals: LazyPerOutcome::new(&totals.0),
            durations: LazyPerOutcome::new(&durations.0),
        }
    }

    pub(crate) fn ended(&self, outcome: Outcome, duration: Duration) {
        let executable = [&*self.executable];
        if let Some(counter) = self.totals.get(&executable, outcome) {
            counter.inc();
        }
        if let Some(histogram) = self.durations.get(&executable, outcome) {
            histogram.observe_duration(duration);
        }
    }
}
