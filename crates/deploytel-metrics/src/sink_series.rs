//! The audit forwarders' metrics, per sink, from the events each forwarder emits (target
//! `deploytel_audit`, field `deploytel.audit.sink.name`): its backlog, what it delivered,
//! retried and dead-lettered, why requests failed, and its circuit breaker.

use deploytel_core::audit_events;
use tracing_core::field::{Field, Visit};
use tracing_core::Event;

use crate::{names, CounterFamily, Families, GaugeFamily, MetricsError};

/// The failure reasons a forwarder reports; any other is `other`.
const FAILURES: &[&str] = &[
    "auth",
    "misconfigured",
    "throttled",
    "server_error",
    "too_large",
    "rejected",
    "connection",
    "timeout",
];

pub(crate) struct SinkSeries {
    pending: GaugeFamily,
    oldest_age: GaugeFamily,
    sent: CounterFamily,
    retries: CounterFamily,
    dead_letters: CounterFamily,
    failed: CounterFamily,
    breaker: GaugeFamily,
}

impl SinkSeries {
    pub(crate) fn register(families: &Families) -> Result<Self, MetricsError> {
        let sink = ["sink"];
        Ok(SinkSeries {
            pending: families.gauge(
                names::AUDIT_SINK_PENDING_EVENTS,
                "Durable audit records the sink has not delivered yet.",
                &sink,
            )?,
            oldest_age: families.gauge(
                names::AUDIT_SINK_OLDEST_PENDING_AGE_SECONDS,
                "Age of the oldest audit record the sink has not delivered; 0 when none waits.",
                &sink,
            )?,
            sent: families.counter(
                names::AUDIT_SINK_SENT_EVENTS_TOTAL,
                "Audit records the sink's receiver acknowledged.",
                &sink,
            )?,
            retries: families.counter(
                names::AUDIT_SINK_RETRIES_TOTAL,
                "Requests that failed and whose records the sink sends again.",
                &sink,
            )?,
            dead_letters: families.counter(
                names::AUDIT_SINK_DEAD_LETTERS_TOTAL,
                "Audit records the receiver refused for good, kept in the sink's dead letter.",
                &sink,
            )?,
            failed: families.counter(
                names::AUDIT_SINK_FAILED_REQUESTS_TOTAL,
                "Requests of the sink that failed, by reason.",
                &["sink", "reason"],
            )?,
            breaker: families.gauge(
                names::AUDIT_SINK_BREAKER_STATE,
                "The sink's circuit breaker: 0 closed, 1 half-open, 2 open.",
                &sink,
            )?,
        })
    }

    /// Whether `event` is one of a forwarder's.
    pub(crate) fn is_sink_event(event: &Event<'_>) -> bool {
        event
            .metadata()
            .fields()
            .field(audit_events::SINK)
            .is_some()
    }

    // Once per request or state change of a forwarder: a few label lookups.
    pub(crate) fn record(&self, event: &Event<'_>) {
        let mut fields = SinkFields::default();
        event.record(&mut fields);
        let Some(sink) = fields.sink.as_deref() else {
            return;
        };
        // Label values the families refuse are not counted; forwarding goes on regardless.
        let labels = [sink];
        if fields.is_state_report() {
            self.expect(sink);
        }
        if let Some(pending) = fields.pending {
            if let Ok(gauge) = self.pending.with_labels(&labels) {
                gauge.set(pending as f64);
            }
        }
        if let Some(age) = fields.oldest_age {
            if let Ok(gauge) = self.oldest_age.with_labels(&labels) {
                gauge.set(age as f64);
            }
        }
        if let Some(state) = fields.breaker {
            if let Ok(gauge) = self.breaker.with_labels(&labels) {
                gauge.set(state);
            }
        }
        let counters = [
            (&self.sent, fields.sent),
            (&self.dead_letters, fields.dead_letters),
            (
                &self.retries,
                fields.retry.filter(|&retry| retry).map(|_| 1),
            ),
        ];
        for (family, count) in counters {
            if let (Some(count), Ok(counter)) = (count, family.with_labels(&labels)) {
                counter.inc_by(count);
            }
        }
        if let Some(reason) = fields.failure {
            if let Ok(counter) = self.failed.with_labels(&[sink, reason]) {
                counter.inc();
            }
        }
    }

    /// The counters of a sink at 0 from its first report on, so that the first retry,
    /// dead letter or refused credential is an increase Prometheus sees.
    fn expect(&self, sink: &str) {
        for family in [&self.sent, &self.retries, &self.dead_letters] {
            let _ = family.with_labels(&[sink]);
        }
        for reason in ["auth", "misconfigured"] {
            let _ = self.failed.with_labels(&[sink, reason]);
        }
    }
}

#[derive(Default)]
struct SinkFields {
    sink: Option<String>,
    pending: Option<u64>,
    oldest_age: Option<u64>,
    breaker: Option<f64>,
    sent: Option<u64>,
    dead_letters: Option<u64>,
    failure: Option<&'static str>,
    retry: Option<bool>,
}

impl SinkFields {
    /// A state report: the kind of event a forwarder emits first, and often.
    fn is_state_report(&self) -> bool {
        self.pending.is_some()
    }
}

impl Visit for SinkFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            audit_events::SINK => self.sink = Some(value.to_owned()),
            audit_events::SINK_BREAKER => {
                self.breaker = Some(match value {
                    "closed" => 0.0,
                    "half_open" => 1.0,
                    _ => 2.0,
                })
            }
            audit_events::SINK_FAILURE => {
                self.failure = Some(
                    FAILURES
                        .iter()
                        .find(|reason| **reason == value)
                        .copied()
                        .unwrap_or("other"),
                )
            }
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            audit_events::SINK_PENDING => self.pending = Some(value),
            audit_events::SINK_OLDEST_PENDING_AGE => self.oldest_age = Some(value),
            audit_events::SINK_SENT => self.sent = Some(value),
            audit_events::SINK_DEAD_LETTERS => self.dead_letters = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == audit_events::SINK_RETRY {
            self.retry = Some(value);
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}
