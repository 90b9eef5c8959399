//! The audit trail's metrics, from the `tracing` events `deploytel-audit` emits about itself
//! (target [`audit_events::TARGET`]): this crate counts them without depending on the audit
//! crate, as it counts deployments from their spans.

use std::fmt;

use deploytel_core::audit_events;
use tracing_core::field::{Field, Visit};
use tracing_core::Event;

use crate::sink_series::SinkSeries;
use crate::{buckets, names, CounterFamily, Families, HistogramFamily, MetricsError};

/// The journal operations `deploytel_audit_journal_errors_total` names; any other is `other`.
const OPERATIONS: &[(&str, &str)] = &[
    ("write", "write"),
    ("fdatasync", "fdatasync"),
    ("create segment", "create_segment"),
    ("close segment", "close_segment"),
];
const OTHER_OPERATION: &str = "other";

/// The series the automatic deploy audit records, made at 0 when a process says it audits so
/// that the first record is an increase Prometheus sees, and a silent trail is a flat series
/// rather than no series.
const DEPLOY_SERIES: &[[&str; 3]] = &[
    ["deploy.start", audit_events::NO_DECISION, "success"],
    ["deploy.finish", audit_events::NO_DECISION, "success"],
    ["deploy.finish", audit_events::NO_DECISION, "failure"],
];

pub(crate) struct AuditSeries {
    events: CounterFamily,
    sync_duration: HistogramFamily,
    journal_errors: CounterFamily,
    sinks: SinkSeries,
}

impl AuditSeries {
    pub(crate) fn register(families: &Families) -> Result<Self, MetricsError> {
        Ok(AuditSeries {
            events: families.counter(
                names::AUDIT_EVENTS_TOTAL,
                "Audit records stored in the journal, by action, policy decision and outcome.",
                &["action", "decision", "outcome"],
            )?,
            sync_duration: families.histogram(
                names::AUDIT_JOURNAL_SYNC_DURATION_SECONDS,
                "How long writing and syncing one batch of audit records took.",
                &[],
                buckets::AUDIT_SYNC,
            )?,
            journal_errors: families.counter(
                names::AUDIT_JOURNAL_ERRORS_TOTAL,
                "Audit journal writes that failed, by operation; their records were refused.",
                &["operation"],
            )?,
            sinks: SinkSeries::register(families)?,
        })
    }

    /// Makes every series the alert rules read, at 0.
    pub(crate) fn expect_records(&self) -> Result<(), MetricsError> {
        for labels in DEPLOY_SERIES {
            self.events.with_labels(labels)?;
        }
        for (_, operation) in OPERATIONS {
            self.journal_errors.with_labels(&[operation])?;
        }
        self.journal_errors.with_labels(&[OTHER_OPERATION])?;
        self.sync_duration.with_labels(&[])?;
        Ok(())
    }

    // hot: once per audit record, after its fdatasync; a handful of field comparisons.
    pub(crate) fn record(&self, event: &Event<'_>) {
        if SinkSeries::is_sink_event(event) {
            self.sinks.record(event);
            return;
        }
        let mut fields = AuditFields::default();
        event.record(&mut fields);
        // A failure here is a label value the family refused; the record itself is stored and
        // counting it is best effort, like every other series.
        if let Some(seconds) = fields.sync_seconds {
            if let Ok(histogram) = self.sync_duration.with_labels(&[]) {
                histogram.observe(seconds);
            }
        }
        if let Some(operation) = fields.journal_error {
            if let Ok(counter) = self.journal_errors.with_labels(&[operation]) {
                counter.inc();
            }
        }
        if let (Some(action), Some(decision), Some(outcome)) =
            (&fields.action, fields.decision, fields.outcome)
        {
            if let Ok(counter) = self.events.with_labels(&[action, decision, outcome]) {
                counter.inc();
            }
        }
    }
}

/// The audit fields of one event; the label values other than the action are matched against
/// their closed vocabularies, so the family's cardinality is the actions'.
#[derive(Default)]
struct AuditFields {
    action: Option<String>,
    decision: Option<&'static str>,
    outcome: Option<&'static str>,
    sync_seconds: Option<f64>,
    journal_error: Option<&'static str>,
}

impl Visit for AuditFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            audit_events::ACTION => self.action = Some(value.to_owned()),
            audit_events::DECISION => {
                self.decision = Some(closed(value, &["allow", "deny", audit_events::NO_DECISION]))
            }
            audit_events::OUTCOME => {
                self.outcome = Some(closed(value, &["success", "failure", "unknown"]))
            }
            audit_events::JOURNAL_ERROR => {
                self.journal_error = Some(
                    OPERATIONS
                        .iter()
                        .find(|(operation, _)| *operation == value)
                        .map_or(OTHER_OPERATION, |(_, label)| label),
                )
            }
            _ => {}
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == audit_events::SYNC_SECONDS && value.is_finite() && value >= 0.0 {
            self.sync_seconds = Some(value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if matches!(
            field.name(),
            audit_events::ACTION
                | audit_events::DECISION
                | audit_events::OUTCOME
                | audit_events::JOURNAL_ERROR
        ) {
            self.record_str(field, &format!("{value:?}"));
        }
    }
}

/// `value` when it is one of `known`, else `other`.
fn closed(value: &str, known: &[&'static str]) -> &'static str {
    known
        .iter()
        .find(|candidate| **candidate == value)
        .copied()
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_outside_a_vocabulary_are_other() {
        assert_eq!(closed("deny", &["allow", "deny"]), "deny");
        assert_eq!(closed("maybe", &["allow", "deny"]), "other");
    }
}
