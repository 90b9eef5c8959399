//! Start and end times for spans built after the fact.
//!
//! A span that stands for work a tool reported (an Ansible task on a host, a Terraform
//! resource being applied) is created when deploytel reads the report, which can be seconds or
//! hours after the work. tracing-opentelemetry stamps a span's times when the `tracing` span
//! opens and closes and offers no way to set them, so [`record`] leaves the tool's times on
//! the OpenTelemetry span as two attributes, and [`apply`], called by the exporter, moves them
//! into the span's start and end. `deploytel::init()` applies them to every span it exports;
//! a pipeline of your own calls [`apply`] in its exporter, or keeps the two attributes.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use deploytel_span::recorded_times;
//! use opentelemetry::KeyValue;
//!
//! let began = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let mut attributes = vec![
//!     KeyValue::new("deploytel.span.start_time_unix_nano", 1_700_000_000_000_000_000_i64),
//!     KeyValue::new("ansible.host.name", "web-01"),
//! ];
//! let (mut start, mut end) = (SystemTime::now(), SystemTime::now());
//! recorded_times::apply(&mut attributes, &mut start, &mut end);
//! assert_eq!(start, began);
//! assert_eq!(attributes.len(), 1);
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deploytel_core::semconv::deploytel::{SPAN_END_UNIX_NANO, SPAN_START_UNIX_NANO};
use opentelemetry::{KeyValue, Value};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Records on `span` that its work began at `start` and, when known, ended at `end`. Times
/// before the Unix epoch, or too far ahead to count in nanoseconds, are not recorded.
pub fn record(span: &Span, start: SystemTime, end: Option<SystemTime>) {
    if let Some(nanos) = unix_nanos(start) {
        span.set_attribute(SPAN_START_UNIX_NANO, nanos);
    }
    if let Some(nanos) = end.and_then(unix_nanos) {
        span.set_attribute(SPAN_END_UNIX_NANO, nanos);
    }
}

/// Moves recorded times out of `attributes` into `start` and `end`. An end before the start
/// is raised to the start, so no span has a negative duration.
pub fn apply(attributes: &mut Vec<KeyValue>, start: &mut SystemTime, end: &mut SystemTime) {
    let mut recorded_start = None;
    let mut recorded_end = None;
    attributes.retain(|kv| {
        let slot = match kv.key.as_str() {
            SPAN_START_UNIX_NANO => &mut recorded_start,
            SPAN_END_UNIX_NANO => &mut recorded_end,
            _ => return true,
        };
        if let Value::I64(nanos) = kv.value {
            *slot = u64::try_from(nanos)
                .ok()
                .map(|n| UNIX_EPOCH + Duration::from_nanos(n));
        }
        false
    });
    if let Some(recorded) = recorded_start {
        *start = recorded;
    }
    if let Some(recorded) = recorded_end {
        *end = recorded;
    }
    if *end < *start {
        *end = *start;
    }
}

fn unix_nanos(time: SystemTime) -> Option<i64> {
    let since = time.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since.as_nanos()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn recorded_times_replace_the_spans_own_and_leave_other_attributes() {
        let mut attributes = vec![
            KeyValue::new(SPAN_START_UNIX_NANO, 10_000_000_000_i64),
            KeyValue::new("kept", "yes"),
            KeyValue::new(SPAN_END_UNIX_NANO, 12_000_000_000_i64),
        ];
        let (mut start, mut end) = (at(100), at(101));
        apply(&mut attributes, &mut start, &mut end);
        assert_eq!((start, end), (at(10), at(12)));
        assert_eq!(attributes, vec![KeyValue::new("kept", "yes")]);
    }

    #[test]
    fn an_end_before_the_start_becomes_the_start() {
        let mut attributes = vec![KeyValue::new(SPAN_START_UNIX_NANO, 50_000_000_000_i64)];
        let (mut start, mut end) = (at(1), at(2));
        apply(&mut attributes, &mut start, &mut end);
        assert_eq!((start, end), (at(50), at(50)));
    }

    #[test]
    fn a_negative_or_mistyped_time_is_dropped_without_moving_the_span() {
        let mut attributes = vec![
            KeyValue::new(SPAN_START_UNIX_NANO, -5_i64),
            KeyValue::new(SPAN_END_UNIX_NANO, "soon"),
        ];
        let (mut start, mut end) = (at(1), at(2));
        apply(&mut attributes, &mut start, &mut end);
        assert_eq!((start, end), (at(1), at(2)));
        assert!(attributes.is_empty());
    }

    #[test]
    fn times_before_the_epoch_are_not_recorded() {
        assert_eq!(unix_nanos(UNIX_EPOCH - Duration::from_secs(1)), None);
        assert_eq!(unix_nanos(at(2)), Some(2_000_000_000));
    }
}
