//! The Ansible integration's metrics, from the event `deploytel-ansible` emits for each host's
//! result of a task (target [`ansible_events::TARGET`]); this crate counts them without
//! depending on that crate.

use deploytel_core::ansible_events::{self, HOST_NAME, HOST_RESULT, RESULTS};
use tracing_core::field::{Field, Visit};
use tracing_core::Event;

use crate::{names, CounterFamily, Families, MetricsError};

pub(crate) struct AnsibleSeries {
    results: CounterFamily,
    host_failures: CounterFamily,
}

impl AnsibleSeries {
    /// Registers the families and makes every result series at 0, so a first failure is an
    /// increase Prometheus sees.
    pub(crate) fn register(families: &Families) -> Result<Self, MetricsError> {
        let results = families.counter(
            names::ANSIBLE_TASK_RESULTS_TOTAL,
            "Ansible host results of tasks, by result.",
            &["result"],
        )?;
        for result in RESULTS {
            results.with_labels(&[result])?;
        }
        Ok(AnsibleSeries {
            results,
            host_failures: families.counter(
                names::ANSIBLE_HOST_FAILURES_TOTAL,
                "Ansible task results that stopped a host: failed or unreachable, by host.",
                &["host"],
            )?,
        })
    }

    // hot: once per host result of a task
    pub(crate) fn record(&self, event: &Event<'_>) {
        debug_assert_eq!(event.metadata().target(), ansible_events::TARGET);
        let mut fields = HostFields::default();
        event.record(&mut fields);
        let Some(result) = fields.result else { return };
        // Counting is best effort, like every other series: a refused label value (a full
        // family goes to its overflow series) loses nothing of the run itself.
        if let Ok(counter) = self.results.with_labels(&[result]) {
            counter.inc();
        }
        if matches!(result, "failed" | "unreachable") {
            if let Some(host) = &fields.host {
                if let Ok(counter) = self.host_failures.with_labels(&[host]) {
                    counter.inc();
                }
            }
        }
    }
}

/// The result (matched against its closed vocabulary) and the host of one event.
#[derive(Default)]
struct HostFields {
    result: Option<&'static str>,
    host: Option<String>,
}

impl Visit for HostFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            HOST_RESULT => self.result = RESULTS.into_iter().find(|r| *r == value),
            HOST_NAME => self.host = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}
