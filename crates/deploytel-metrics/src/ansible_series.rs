//! The Ansible integration's metrics, from the events `deploytel-ansible` emits for each
//! host's result of a task and for each host's whole run (target [`ansible_events::TARGET`]);
//! this crate counts them without depending on that crate.
//!
//! A host's runs are also timestamps (last run, last success, last failure): the alert rules
//! see a host's first failure, and a host that stopped reporting, from them, which a counter
//! that first appears at 1 cannot show.

use std::sync::Once;
use std::time::SystemTime;

use deploytel_core::ansible_events::{
    self, EVENT_KIND, HOST_NAME, HOST_OUTCOME, HOST_RESULT, KIND_HOST_RUN, PLAYBOOK_NAME, RESULTS,
};
use tracing_core::field::{Field, Visit};
use tracing_core::Event;

use crate::clock::unix_seconds;
use crate::{names, CounterFamily, Families, GaugeFamily, MetricsError};

pub(crate) struct AnsibleSeries {
    /// Makes every result series at 0 with the first Ansible event: a process that runs no
    /// playbook exposes none of them.
    zero_results: Once,
    results: CounterFamily,
    host_failures: CounterFamily,
    runs: CounterFamily,
    last_run: GaugeFamily,
    last_success: GaugeFamily,
    last_failure: GaugeFamily,
}

impl AnsibleSeries {
    pub(crate) fn register(families: &Families) -> Result<Self, MetricsError> {
        Ok(AnsibleSeries {
            zero_results: Once::new(),
            results: families.counter(
                names::ANSIBLE_TASK_RESULTS_TOTAL,
                "Ansible host results of tasks, by result.",
                &["result"],
            )?,
            host_failures: families.counter(
                names::ANSIBLE_HOST_FAILURES_TOTAL,
                "Ansible task results that stopped a host: failed or unreachable, by host.",
                &["host"],
            )?,
            runs: families.counter(
                names::ANSIBLE_HOST_RUNS_TOTAL,
                "Ansible runs of a host, by host, playbook and result.",
                &["host", "playbook", "result"],
            )?,
            last_run: families.gauge(
                names::ANSIBLE_HOST_LAST_RUN,
                "When the last Ansible run of a host was read, in seconds since the epoch.",
                &["host", "playbook"],
            )?,
            last_success: families.gauge(
                names::ANSIBLE_HOST_LAST_SUCCESS,
                "When the last successful Ansible run of a host was read, in seconds since the epoch.",
                &["host", "playbook"],
            )?,
            last_failure: families.gauge(
                names::ANSIBLE_HOST_LAST_FAILURE,
                "When the last failed Ansible run of a host was read, in seconds since the epoch.",
                &["host", "playbook"],
            )?,
        })
    }

    // hot: once per host result of a task
    pub(crate) fn record(&self, event: &Event<'_>) {
        debug_assert_eq!(event.metadata().target(), ansible_events::TARGET);
        self.zero_results.call_once(|| {
            for result in RESULTS {
                // A full family sends it to its overflow series, which counts it.
                let _ = self.results.with_labels(&[result]);
            }
        });
        let mut fields = HostFields::default();
        event.record(&mut fields);
        if fields.is_run {
            self.record_run(&fields);
            return;
        }
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

    /// A host's whole run: counted, and its time kept as the last run and the last success
    /// or failure.
    fn record_run(&self, fields: &HostFields) {
        let (Some(host), Some(outcome)) = (&fields.host, fields.outcome) else {
            return;
        };
        let playbook = fields.playbook.as_deref().unwrap_or("");
        let now = unix_seconds(SystemTime::now());
        if let Ok(counter) = self.runs.with_labels(&[host, playbook, outcome]) {
            counter.inc();
        }
        let last_outcome = if outcome == "success" {
            &self.last_success
        } else {
            &self.last_failure
        };
        for gauge in [&self.last_run, last_outcome] {
            if let Ok(gauge) = gauge.with_labels(&[host, playbook]) {
                gauge.set(now);
            }
        }
    }
}

/// The fields of one event: a host's result of a task (matched against its closed
/// vocabulary), or a host's whole run.
#[derive(Default)]
struct HostFields {
    result: Option<&'static str>,
    host: Option<String>,
    is_run: bool,
    playbook: Option<String>,
    outcome: Option<&'static str>,
}

impl Visit for HostFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            HOST_RESULT => self.result = RESULTS.into_iter().find(|r| *r == value),
            HOST_NAME => self.host = Some(value.to_owned()),
            EVENT_KIND => self.is_run = value == KIND_HOST_RUN,
            PLAYBOOK_NAME => self.playbook = Some(value.to_owned()),
            HOST_OUTCOME => {
                self.outcome = ["success", "failure"].into_iter().find(|o| *o == value);
            }
            _ => {}
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}
